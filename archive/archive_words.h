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

/* archive_words - write the word index, or append the posts new since it
 * was written to it when nothing else changed and w is an update
 * (w->all_between unset); failures logged, w->failed set */
void archive_words(struct archive_site *w);

/* archive_words_class - 1 when code point cp is part of a word, 2 when it
 * is a word alone (a CJK character), 0 when it separates words; search.js
 * applies the same classes to a query */
int archive_words_class(uint32_t cp);

#endif
