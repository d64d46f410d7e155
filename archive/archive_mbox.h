/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_mbox - the mbox downloads: THEME/SESSION.mbox holds a session's
 * messages as they arrived (mboxrd; SESSION 0 = outside the sessions),
 * with addresses hidden when archive.hide_addresses is set */
#ifndef BARAZA_ARCHIVE_MBOX_H
#define BARAZA_ARCHIVE_MBOX_H

#include <stdint.h>

#include "archive_write.h"

/* archive_mbox_session - write (or extend) theme/session.mbox; 0 or -1 */
int archive_mbox_session(struct archive_site *w, const char *theme, int64_t session);

#endif
