/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_session - the programme's pages: index.html (themes, their
 * sessions with counts and summaries), session-ID.html (a session's
 * summary, threads and figures) and between-THEME.html (a theme's threads
 * outside the sessions), each session's with its mbox download */
#ifndef BARAZA_ARCHIVE_SESSION_H
#define BARAZA_ARCHIVE_SESSION_H

#include "archive_write.h"
#include "store_digest.h"

/* A session with more threads than this has its list on pages of this
 * many, session-ID-K.html (K from 1), in the order the threads were
 * started: a new post rewrites the page of its thread only (issue 22).
 * session-ID.html shows the newest page and links to all. */
#define ARCHIVE_SESSION_PAGE 500
#define ARCHIVE_SESSION_PAGE_TEXT "500"

/* archive_session_page - write session-ID.html, every page of its list and
 * the session's mbox; a store_digest_sessions callback, arg the struct
 * archive_site.  0 */
int archive_session_page(void *arg, const struct digest_session *d);
/* archive_session_pages - the same, with only the pages of the list that
 * pages names (npages of them; pages NULL: all) */
int archive_session_pages(struct archive_site *w, const struct digest_session *d,
    const long *pages, size_t npages);
/* archive_session_page_of - the page of session's list (from 1) that
 * holds thread, or -1 */
long archive_session_page_of(struct archive_site *w, const char *theme, int64_t session,
    int64_t thread);
/* archive_session_index - write index.html, and the between pages that
 * w asks for (w->all_between, w->between) */
void archive_session_index(struct archive_site *w);

#endif
