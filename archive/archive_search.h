/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_search - search in the browser: search.json holds every
 * accepted post (the newest 100 000) as [id, thread, subject, author,
 * date, theme, text], newest first; search.html and search.js filter it.
 * Optional: every page works without JavaScript, and search.html says how
 * to search by mail instead. */
#ifndef BARAZA_ARCHIVE_SEARCH_H
#define BARAZA_ARCHIVE_SEARCH_H

#include "archive_write.h"

/* archive_search_files - write search.json (or extend it, when only new
 * posts came), search.html and search.js */
void archive_search_files(struct archive_site *w);

#endif
