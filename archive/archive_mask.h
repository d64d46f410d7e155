/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_mask - member addresses hidden from what the archive shows
 *
 * With archive.hide_addresses set, every e-mail address in a text shown on
 * a page, in a feed or in the search index, and in the messages of the mbox
 * downloads, is replaced by "hidden@hidden.invalid" by the one masker of
 * mask.h (which says what it takes for an address).
 */
#ifndef BARAZA_ARCHIVE_MASK_H
#define BARAZA_ARCHIVE_MASK_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"

/* archive_mask_shown - the text as the archive may show it: text itself
 * when c does not hide addresses, else tmp's data (tmp is reset first),
 * valid until tmp changes; its length in *len.  NULL when the copy with
 * addresses hidden would pass tmp's cap. */
const char *archive_mask_shown(const struct conf *c, struct buf *tmp, const char *text,
    size_t *len);

#endif
