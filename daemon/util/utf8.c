/* SPDX-License-Identifier: GPL-3.0-or-later */
/* utf8 - strict UTF-8 decoding (no overlongs, no surrogates, <= U+10FFFF) */
#include "config.h"

#include <string.h>

#include "utf8.h"

/* utf8_decode - see utf8.h */
size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2; c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3; c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4; c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* utf8_ascii - see utf8.h */
int
utf8_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* utf8_valid - see utf8.h */
int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if (p[i] == 0)
			return 0;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

/* utf8_encode - see utf8.h */
size_t
utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	} else if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	} else if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* cp_columns - terminal columns of one code point: 0, 1 or 2
 *
 * Width of one code point in a terminal.  The table is the short form of
 * Unicode's East Asian Width "W"/"F" ranges and the common combining
 * blocks: enough to line up member lists with names in Chinese, Japanese,
 * Korean, accented Latin written decomposed, and emoji.  It is not wcwidth()
 * because that depends on the locale the admin happens to run under.
 */
static int
cp_columns(uint32_t cp)
{
	static const struct { uint32_t lo, hi; } zero[] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
		{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x0900, 0x0903 },
		{ 0x093a, 0x094f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff },
		{ 0x200b, 0x200f }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
		{ 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff },
	};
	static const struct { uint32_t lo, hi; } wide[] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
		{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
		{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
		{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x3fffd },
	};

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (cp >= zero[i].lo && cp <= zero[i].hi)
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i].lo && cp <= wide[i].hi)
			return 2;
	return 1;
}

/* utf8_columns - see utf8.h */
size_t
utf8_columns(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), cols = 0;
	uint32_t cp;

	while (n > 0) {
		size_t len = utf8_decode(p, n, &cp);

		if (len == 0) {
			cols++;
			p++;
			n--;
			continue;
		}
		cols += (size_t)cp_columns(cp);
		p += len;
		n -= len;
	}
	return cols;
}

/* fold_cp - the lower-case code point of cp within the ranges we fold;
 * every mapping keeps the UTF-8 length */
static uint32_t
fold_cp(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp < 0xc0)
		return cp;
	if (cp <= 0xde && cp != 0xd7)
		return cp + 0x20;
	if (cp >= 0x100 && cp <= 0x137)
		return cp | 1;
	if (cp >= 0x139 && cp <= 0x148)
		return (cp & 1) ? cp + 1 : cp;
	if (cp >= 0x14a && cp <= 0x177)
		return cp | 1;
	if (cp == 0x178)
		return 0xff;
	if (cp >= 0x179 && cp <= 0x17e)
		return (cp & 1) ? cp + 1 : cp;
	if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
		return cp + 0x20;
	if (cp >= 0x410 && cp <= 0x42f)
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 0x50;
	return cp;
}

/* utf8_fold - see utf8.h */
char *
utf8_fold(const char *s, size_t n, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, len;
	uint32_t cp;

	if (outlen == 0)
		return out;
	while (i < n && p[i]) {
		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)p[i++];
			continue;
		}
		if (o + len >= outlen)
			break;
		if (len == 1)
			out[o] = (char)fold_cp(cp);
		else
			utf8_encode(fold_cp(cp), out + o);
		o += len;
		i += len;
	}
	out[o] = '\0';
	return out;
}
