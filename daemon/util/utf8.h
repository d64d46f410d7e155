/* SPDX-License-Identifier: GPL-3.0-or-later */
/* utf8 - UTF-8 validation, decoding of single code points, case folding */
#ifndef BARAZA_UTF8_H
#define BARAZA_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* utf8_decode - length (1..4) of the valid, shortest-form UTF-8 sequence at
 * p (at most n bytes) and its code point in *cp; 0 when it is not valid */
size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);
/* utf8_ascii - 1 when none of the n bytes at s is 8-bit */
int utf8_ascii(const char *s, size_t n);
/* utf8_valid - 1 when the n bytes are entirely valid UTF-8 without NULs */
int utf8_valid(const char *s, size_t n);
/* utf8_encode - write cp as UTF-8 into out (4 bytes room); returns length */
size_t utf8_encode(uint32_t cp, char *out);
/* utf8_columns - terminal columns the NUL-terminated string takes: one per
 * code point, two for East Asian wide ones, none for combining marks; an
 * invalid byte counts as one column (it prints as a replacement) */
size_t utf8_columns(const char *s);
/* utf8_fold - lower-case the n bytes of UTF-8 at s into out (outlen bytes
 * with the NUL, cut at a character boundary): ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic letters.  Every mapping keeps the byte
 * length of the character, so an offset into the folded copy is the same
 * offset into s.  Invalid bytes are copied.  Returns out. */
char *utf8_fold(const char *s, size_t n, char *out, size_t outlen);

#endif
