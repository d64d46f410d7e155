/* SPDX-License-Identifier: GPL-3.0-or-later */
/* charset - convert text in any declared charset to clean UTF-8
 *
 * Mail declares charsets loosely: "utf8", "latin1", "ks_c_5601-1987",
 * "x-unknown", or a charset the bytes do not follow at all.  charset_convert()
 * maps the declared name onto what iconv knows (choosing the usual superset:
 * windows-1252 for ISO-8859-1 and US-ASCII, GB18030 for GB2312/GBK, CP949 for
 * EUC-KR, CP932 for Shift_JIS, Big5-HKSCS for Big5), converts, and never loses
 * a byte: where the bytes do not follow the declared charset, it falls back to
 * UTF-8 when the whole input is valid UTF-8, else converts byte by byte,
 * keeping the valid stretches and reading each bad byte as windows-1252.
 * The output is always valid UTF-8 without NUL bytes (NULs are dropped).
 *
 * A struct charset_cache keeps a few iconv descriptors open for the duration
 * of one message; it is not shared between threads.
 */
#ifndef BARAZA_CHARSET_H
#define BARAZA_CHARSET_H

#include <stddef.h>

struct buf;

#define CHARSET_CACHE_SLOTS 4

struct charset_cache {
	struct {
		char name[40];     /* iconv name, "" when the slot is free */
		void *cd;          /* iconv_t, or NULL when iconv_open failed */
	} slot[CHARSET_CACHE_SLOTS];
	unsigned next;             /* slot to evict next */
};

/* Result bits of charset_convert and charset_clean */
#define CHARSET_BAD   1   /* bytes did not follow the charset, or it is unknown */
#define CHARSET_NUL   2   /* NUL bytes were dropped */
#define CHARSET_FULL  4   /* out reached its cap; the output is cut short */

/* charset_cache_init / charset_cache_release - an empty cache; close all */
void charset_cache_init(struct charset_cache *cc);
void charset_cache_release(struct charset_cache *cc);

/* charset_convert - append the UTF-8 form of in (len bytes in the charset
 * named charset, NULL or "" for unknown) to out.  Returns a mask of
 * CHARSET_* bits (0 when all went well). */
int charset_convert(struct charset_cache *cc, const char *charset,
    const char *in, size_t len, struct buf *out);

/* charset_convert_exact - charset_convert() for text whose meaning must
 * not be guessed (the relay rewriting a member's text): 0 when every byte
 * followed the declared charset, or the whole text is valid UTF-8 under a
 * legacy label (read as UTF-8, as charset_convert does), and none was
 * dropped; -1 when not (out then holds charset_convert's best effort).
 * No charset, "" and the names that say "unknown" (x-unknown,
 * unknown-8bit, ...) mean UTF-8 here, and so does US-ASCII. */
int charset_convert_exact(struct charset_cache *cc, const char *charset,
    const char *in, size_t len, struct buf *out);

/* charset_clean - append in to out as UTF-8: valid UTF-8 kept, every other
 * byte read as windows-1252, NULs dropped.  Returns CHARSET_* bits
 * (CHARSET_BAD when some byte was not UTF-8). */
int charset_clean(const char *in, size_t len, struct buf *out);

/* charset_is_known - 1 when the name maps to a charset we can convert */
int charset_is_known(struct charset_cache *cc, const char *charset);

#endif
