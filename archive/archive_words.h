/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_words - the word index that makes the whole text of every post
 * findable on the search page: search-words.json (the list of keys) and
 * search-w-KEY.json, a JSON array of entries ["word", [post ids]] for the
 * words starting with KEY: an ASCII letter or digit, "uHEX" for another
 * first character, "xHEX" for the block of 256 CJK characters it is in.
 * A word may have several entries (one per update that found it: updates
 * append); the posts of a word are those of all its entries.  Addresses
 * are masked before words are taken, as on the pages.
 */
#ifndef BARAZA_ARCHIVE_WORDS_H
#define BARAZA_ARCHIVE_WORDS_H

#include <stdint.h>

#include "archive_write.h"

/* the newest posts indexed, as in search.json */
#define ARCHIVE_WORDS_POSTS 100000

/* archive_words - write the word index, or append the posts new since it
 * was written to it when nothing else changed and w is an update
 * (w->all_between unset); failures logged, w->failed set */
void archive_words(struct archive_site *w);

/* A full build reads every post once for search.json and the word index
 * (search_json in archive_search.c): the index is fed the fields it shows,
 * already masked, instead of reading and masking the posts again. */
struct archive_words;
struct archive_post;
/* archive_words_start - an empty index for w, to be fed the same posts as
 * archive_words would index (the newest of them), oldest first (owned by
 * the caller: archive_words_finish frees it) */
struct archive_words *archive_words_start(struct archive_site *w);
/* archive_words_add - post p: shown[] its subject, author name and
 * new_text as the archive shows them (masked; n[] their lengths; a NULL
 * one could not be masked, and the index is then not written) */
void archive_words_add(struct archive_words *x, const struct archive_post *p,
    const char *const shown[3], const size_t n[3]);
/* archive_words_finish - write the index fed, recorded as of archive
 * generation gen and largest post id maxid, when ok (every post was fed);
 * else say it was not written (w->failed set).  Frees *xp, sets it NULL. */
void archive_words_finish(struct archive_words **xp, int ok, int64_t gen, int64_t maxid);

/* archive_words_class - 1 when code point cp is part of a word, 2 when it
 * is a word alone (a CJK character), 0 when it separates words; search.js
 * applies the same classes to a query */
int archive_words_class(uint32_t cp);

#endif
