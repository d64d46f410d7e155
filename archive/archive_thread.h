/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_thread - the page of a thread: its posts in thread order
 * (parents before replies, siblings by arrival), indented by depth, each
 * with its author, date, kind, text (quoted text and signature folded
 * away), attachments and a link to reply by mail */
#ifndef BARAZA_ARCHIVE_THREAD_H
#define BARAZA_ARCHIVE_THREAD_H

#include <stdint.h>

#include "archive_write.h"

/* archive_thread_page - write thread-ID.html (through the writer thread);
 * nothing for a thread without a post to show.  0 or -1 */
int archive_thread_page(struct archive_site *w, int64_t thread);

#endif
