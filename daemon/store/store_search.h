/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_search - finding posts by their words (SQLite FTS5)
 *
 * Posts are indexed at each COMMIT, in one statement for the whole
 * transaction; a search first indexes whatever is still waiting, so it
 * never misses a stored post.
 */
#ifndef BARAZA_STORE_SEARCH_H
#define BARAZA_STORE_SEARCH_H

#include <stddef.h>

#include "store.h"
#include "store_post.h"

/* store_post_search - the posts matching every word (FTS5, each word a
 * quoted phrase; a trailing '*' makes it a prefix), best first by bm25,
 * at most limit.  Returns the number of hits or -1. */
int store_post_search(struct store *s, char *const *words, size_t nwords,
    int limit, store_post_cb *cb, void *arg);

#endif
