/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_page - what every page of the archive shares: the frame (head,
 * site header, footer), the style sheet, dates and numbers
 *
 * Pages are built in memory, each in a buf capped at ARCHIVE_PAGE_MAX, and
 * written whole (archive_write.h).
 */
#ifndef BARAZA_ARCHIVE_PAGE_H
#define BARAZA_ARCHIVE_PAGE_H

#include <stddef.h>
#include <time.h>

#include "archive_write.h"
#include "buf.h"
#include "conf.h"

#define ARCHIVE_PAGE_MAX (64u << 20)    /* cap on a file built in memory */

/* archive_page_begin - the page's head and site header, up to <main>;
 * feed, when not NULL, is the Atom feed the page announces */
void archive_page_begin(struct buf *b, const struct conf *c, const char *title,
    const char *feed);
/* archive_page_end - </main>, the footer and the end of the page */
void archive_page_end(struct buf *b, const struct conf *c);
/* archive_page_dir - "rtl" when lang (a [list] language) is written right
 * to left, else "ltr" */
const char *archive_page_dir(const char *lang);
/* archive_page_when - t as local "YYYY-MM-DD HH:MM" into out */
void archive_page_when(char *out, size_t outlen, time_t t);
/* archive_page_esc - s as the page may show text from a message: its
 * addresses hidden (when c hides them) and HTML-escaped */
void archive_page_esc(struct buf *b, const struct conf *c, const char *s);
/* archive_page_bdi - archive_page_esc inside <bdi>, so that a name in
 * another direction ("ليلى حداد") does not reorder what stands beside it */
void archive_page_bdi(struct buf *b, const struct conf *c, const char *s);
/* archive_page_int - v in decimal */
void archive_page_int(struct buf *b, long long v);
/* archive_page_style - write style.css; 0 or -1 (logged, w->failed set) */
int archive_page_style(struct archive_site *w);

#endif
