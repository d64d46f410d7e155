/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mailparse - what the parsers of one message share
 *
 * message_parse() keeps one struct mailparse per message and hands it to
 * every part of the parse (header.c, params.c, addrlist.c, msgid.c and the
 * MIME walk): what they allocate lives in the message's arena, what they
 * find malformed goes into one list of defects (each at most once; the
 * strings are listed in message.h), and one set of iconv descriptors and
 * scratch buffers serves the whole message.  Nothing here outlives the
 * parse but the arena, which the message owns.
 */
#ifndef BARAZA_MAILPARSE_H
#define BARAZA_MAILPARSE_H

#include <stddef.h>

#include "buf.h"
#include "charset.h"

struct arena;

#define MAILPARSE_MAX_DEFECTS 32

struct mailparse {
	struct arena *arena;          /* borrowed: the message's */
	struct charset_cache cc;
	const char *defects[MAILPARSE_MAX_DEFECTS]; /* static or arena strings */
	size_t ndefects;
	/* Scratch, reused by one step after another: tmp1 holds an unfolded
	 * field value or a part's decoded bytes (cap 4 x max_text + 64 KB),
	 * tmp2 their decoded text (cap max_text + 64 KB), tmp3 an unfolded
	 * MIME field (cap max_size + 1). */
	struct buf tmp1, tmp2, tmp3;
};

/* mailparse_init - an empty state allocating from a (borrowed), with
 * scratch buffers sized for max_text bytes of text and max_size bytes of
 * message; mailparse_release frees what it holds (not the arena) */
void mailparse_init(struct mailparse *mp, struct arena *a, size_t max_text,
    size_t max_size);
void mailparse_release(struct mailparse *mp);

/* mailparse_defect - record what (a static or arena string), once; past
 * MAILPARSE_MAX_DEFECTS the rest is dropped */
void mailparse_defect(struct mailparse *mp, const char *what);
/* mailparse_charset - record the defects of a charset conversion's
 * CHARSET_* result bits: "bad-charset:NAME" (charset may be NULL) and
 * "nul-bytes" */
void mailparse_charset(struct mailparse *mp, int bits, const char *charset);

/* mailparse_strndup - a copy of s[0..n) in the arena; "" (and the defect
 * "arena-full") when the arena is full.  Never NULL. */
const char *mailparse_strndup(struct mailparse *mp, const char *s, size_t n);
/* mailparse_alloc - zeroed arena memory for nmemb * size bytes, or NULL
 * (and "arena-full") when it does not fit */
void *mailparse_alloc(struct mailparse *mp, size_t nmemb, size_t size);
/* mailparse_memdup - a copy of the nmemb elements of size bytes at p in
 * the arena, or NULL (and "arena-full") when it does not fit */
void *mailparse_memdup(struct mailparse *mp, const void *p, size_t nmemb,
    size_t size);

#endif
