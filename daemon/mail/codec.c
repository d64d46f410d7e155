/* SPDX-License-Identifier: GPL-3.0-or-later */
/* codec - base64 and quoted-printable decoding, tolerant and capped; base64 encoding */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "codec.h"
#include "hex.h"

/* 0..63 for the alphabet, 64 for '=', 65 for whitespace, 66 for others.
 * A table, because this runs once per byte of every base64 part,
 * attachments included (they are decoded to learn their size): a chain of
 * comparisons per byte is a large share of an mbox import. */
#define B64_ROW(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const signed char b64_tab[256] = {
	66, 66, 66, 66, 66, 66, 66, 66, 66, 65, 65, 66, 66, 65, 66, 66,
	B64_ROW(66),
	65, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 62, 66, 66, 66, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 66, 66, 66, 64, 66, 66,
	66, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 66, 66, 66, 66, 66,
	66, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 66, 66, 66, 66, 66,
	B64_ROW(66), B64_ROW(66), B64_ROW(66), B64_ROW(66),
	B64_ROW(66), B64_ROW(66), B64_ROW(66), B64_ROW(66)
};
#undef B64_ROW

/* b64_value - the class of one byte in b64_tab */
static signed char
b64_value(unsigned char c)
{
	return b64_tab[c];
}

/* For counting: 1 for an alphabet character, 0 for whitespace, 0x100 for
 * anything else ('=' and stray bytes), so that one sum over a block says
 * how many characters carry data and whether the block needs a closer look
 * (the same classes as b64_tab). */
#define X 0x100
#define B64C_ROW X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
static const unsigned short b64_count_tab[256] = {
	X, X, X, X, X, X, X, X, X, 0, 0, X, X, 0, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	0, X, X, X, X, X, X, X, X, X, X, 1, X, X, X, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, X, X, X, X, X, X,
	X, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, X, X, X, X, X,
	X, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, X, X, X, X, X,
	B64C_ROW, B64C_ROW, B64C_ROW, B64C_ROW,
	B64C_ROW, B64C_ROW, B64C_ROW, B64C_ROW
};
#undef B64C_ROW
#undef X

/* b64_count - the size base64 text decodes to, and the CODEC_* bits that
 * decoding it would give, without decoding (attachments are only sized).
 * Every alphabet character carries 6 bits, and padding ends a quantum
 * (data after it starts afresh), so a run of k alphabet characters between
 * paddings decodes to floor(6k / 8) bytes.  Blocks of plain alphabet and
 * whitespace - nearly all of any real attachment - are summed 64 bytes at
 * a time; a block holding anything else is walked character by character. */
static int
b64_count(const unsigned char *p, size_t len, size_t *outlen)
{
	size_t i = 0, total = 0, k = 0;   /* k: alphabet characters of this run */
	int r = 0, pad = 0;

	while (i < len) {
		size_t end = len - i >= 64 ? i + 64 : len;

		if (end - i == 64 && !pad) {
			unsigned sum = 0;

			for (size_t j = i; j < end; j++)
				sum += b64_count_tab[p[j]];
			if (sum < 0x100) {
				k += sum;
				i = end;
				continue;
			}
		}
		for (; i < end; i++) {
			signed char v = b64_tab[p[i]];

			if (v < 64) {
				if (pad) {
					total += k * 6 / 8;
					k = 0;
					pad = 0;
				}
				k++;
			} else if (v == 64) {
				pad = 1;
			} else if (v == 66) {
				r |= CODEC_BAD;
			}
		}
	}
	total += k * 6 / 8;
	/* 6 leftover bits cannot make a byte: the data was cut */
	if (k % 4 == 1 && !pad)
		r |= CODEC_TRUNC;
	if (outlen)
		*outlen = total;
	return r;
}

/* flush - hand the n bytes decoded into chunk to out (unless out is absent
 * or full: then CODEC_FULL) and count them; *n becomes 0 */
static void
flush(struct buf *out, const unsigned char *chunk, size_t *n, size_t *total, int *r)
{
	if (out && !(*r & CODEC_FULL) && buf_append(out, chunk, *n) < 0)
		*r |= CODEC_FULL;
	*total += *n;
	*n = 0;
}

/* codec_base64 - see codec.h */
int
codec_base64(const char *in, size_t len, struct buf *out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned char chunk[1024];
	size_t i, n = 0, total = 0;
	unsigned acc = 0;
	int bits = 0, r = 0, pad = 0;

	if (out == NULL)
		return b64_count(p, len, outlen);
	for (i = 0; i < len; i++) {
		signed char v;

		/* Fast path: a whole quantum of four alphabet characters on a
		 * quantum boundary is three bytes, exactly what the general
		 * path below would make of it, one character at a time. */
		if (bits == 0 && !pad && len - i >= 4 && n + 3 <= sizeof(chunk)) {
			signed char a = b64_tab[p[i]], b = b64_tab[p[i + 1]],
			    c = b64_tab[p[i + 2]], d = b64_tab[p[i + 3]];

			if ((a | b | c | d) < 64) {
				unsigned q = ((unsigned)a << 18) | ((unsigned)b << 12) |
				    ((unsigned)c << 6) | (unsigned)d;

				chunk[n++] = (unsigned char)(q >> 16);
				chunk[n++] = (unsigned char)(q >> 8);
				chunk[n++] = (unsigned char)q;
				i += 3;
				if (n == sizeof(chunk))
					flush(out, chunk, &n, &total, &r);
				continue;
			}
		}
		v = b64_value(p[i]);
		if (v == 65)
			continue;
		if (v == 66) {
			r |= CODEC_BAD;
			continue;
		}
		if (v == 64) {
			/* padding ends a quantum; data after it (concatenated
			 * base64 blobs) starts a fresh one */
			pad = 1;
			continue;
		}
		if (pad) {
			pad = 0;
			acc = 0;
			bits = 0;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			chunk[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
			if (n == sizeof(chunk))
				flush(out, chunk, &n, &total, &r);
		}
	}
	/* 6 leftover bits cannot make a byte: the data was cut */
	if (bits == 6 && !pad)
		r |= CODEC_TRUNC;
	if (n)
		flush(out, chunk, &n, &total, &r);
	if (outlen)
		*outlen = total;
	return r;
}

/* codec_qp - see codec.h */
int
codec_qp(const char *in, size_t len, int q, struct buf *out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned char chunk[1024];
	size_t i = 0, n = 0, total = 0;
	int r = 0;

	while (i < len) {
		unsigned char c = p[i];

		if (n + 1 >= sizeof(chunk))
			flush(out, chunk, &n, &total, &r);
		if (c == '=') {
			size_t j = i + 1;
			int h, l;

			if (j + 1 < len &&
			    (h = hex_value(p[j])) >= 0 && (l = hex_value(p[j + 1])) >= 0) {
				chunk[n++] = (unsigned char)(h * 16 + l);
				i += 3;
				continue;
			}
			/* soft line break: "=", optional blanks, end of line */
			while (j < len && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j == len) {
				i = j;
				continue;
			}
			if (p[j] == '\n' || (p[j] == '\r' && j + 1 < len && p[j + 1] == '\n')) {
				i = p[j] == '\r' ? j + 2 : j + 1;
				continue;
			}
			if (p[j] == '\r') {
				i = j + 1;
				continue;
			}
			r |= CODEC_BAD;
			chunk[n++] = c;
			i++;
			continue;
		}
		if (q && c == '_')
			c = ' ';
		chunk[n++] = c;
		i++;
	}
	if (n)
		flush(out, chunk, &n, &total, &r);
	if (outlen)
		*outlen = total;
	return r;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* codec_base64_encode - see codec.h */
int
codec_base64_encode(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	char q[4];

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = b64_alphabet[(v >> 18) & 63];
		q[1] = b64_alphabet[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? b64_alphabet[v & 63] : '=';
		if (buf_append(out, q, 4) < 0)
			return -1;
	}
	return 0;
}
