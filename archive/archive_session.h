/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_session - the programme's pages: index.html (themes, their
 * sessions with counts and summaries), session-ID.html (a session's
 * summary, threads and figures) and between-THEME.html (a theme's threads
 * outside the sessions), each session's with its mbox download */
#ifndef BARAZA_ARCHIVE_SESSION_H
#define BARAZA_ARCHIVE_SESSION_H

#include "archive_write.h"
#include "store_digest.h"

/* archive_session_page - write session-ID.html and the session's mbox; a
 * store_digest_sessions callback, arg the struct archive_site.  0 */
int archive_session_page(void *arg, const struct digest_session *d);
/* archive_session_index - write index.html, and the between pages that
 * w asks for (w->all_between, w->between) */
void archive_session_index(struct archive_site *w);

#endif
