/* SPDX-License-Identifier: GPL-3.0-or-later */
/* charset - declared charset to clean UTF-8, through iconv, never losing a byte
 *
 * Not a charset detector: the declared charset is trusted first.  Only when
 * the bytes contradict it (iconv reports an invalid sequence) do we fall back,
 * and the fallback is deterministic: all valid UTF-8, else byte-wise recovery.
 * UTF-8, US-ASCII and the windows-1252 family are handled here without iconv:
 * they are most of the mail and the fast path matters for import speed.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "utf8.h"

/* windows-1252 0x80..0x9f; the five holes map to the C1 controls as the
 * WHATWG encoding standard does, so every byte has a character */
static const unsigned short cp1252_high[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

enum cs_kind { CS_UTF8, CS_CP1252, CS_SNIFF, CS_ICONV };

/* A declared name (lower-cased) and what we read it as */
static const struct {
	const char *alias;
	enum cs_kind kind;
	const char *iconv;
} cs_aliases[] = {
	{ "utf-8", CS_UTF8, NULL }, { "utf8", CS_UTF8, NULL },
	{ "unicode-1-1-utf-8", CS_UTF8, NULL }, { "x-unicode20utf8", CS_UTF8, NULL },
	{ "us-ascii", CS_UTF8, NULL }, { "ascii", CS_UTF8, NULL },
	{ "ansi_x3.4-1968", CS_UTF8, NULL }, { "us", CS_UTF8, NULL },
	{ "iso646-us", CS_UTF8, NULL }, { "646", CS_UTF8, NULL },
	{ "iso-8859-1", CS_CP1252, NULL }, { "iso8859-1", CS_CP1252, NULL },
	{ "iso_8859-1", CS_CP1252, NULL }, { "iso-8859-1:1987", CS_CP1252, NULL },
	{ "latin1", CS_CP1252, NULL }, { "latin-1", CS_CP1252, NULL },
	{ "l1", CS_CP1252, NULL }, { "cp819", CS_CP1252, NULL },
	{ "windows-1252", CS_CP1252, NULL }, { "cp1252", CS_CP1252, NULL },
	{ "x-cp1252", CS_CP1252, NULL }, { "win-1252", CS_CP1252, NULL },
	{ "ms-ansi", CS_CP1252, NULL },
	{ "x-unknown", CS_SNIFF, NULL }, { "unknown-8bit", CS_SNIFF, NULL },
	{ "unknown", CS_SNIFF, NULL }, { "default", CS_SNIFF, NULL },
	{ "x-user-defined", CS_SNIFF, NULL }, { "", CS_SNIFF, NULL },
	{ "ks_c_5601-1987", CS_ICONV, "CP949" }, { "ks_c_5601", CS_ICONV, "CP949" },
	{ "ksc5601", CS_ICONV, "CP949" }, { "ksc_5601", CS_ICONV, "CP949" },
	{ "euc-kr", CS_ICONV, "CP949" }, { "euckr", CS_ICONV, "CP949" },
	{ "korean", CS_ICONV, "CP949" }, { "windows-949", CS_ICONV, "CP949" },
	{ "x-windows-949", CS_ICONV, "CP949" }, { "cp949", CS_ICONV, "CP949" },
	{ "gb2312", CS_ICONV, "GB18030" }, { "gbk", CS_ICONV, "GB18030" },
	{ "x-gbk", CS_ICONV, "GB18030" }, { "cp936", CS_ICONV, "GB18030" },
	{ "euc-cn", CS_ICONV, "GB18030" }, { "gb_2312-80", CS_ICONV, "GB18030" },
	{ "csgb2312", CS_ICONV, "GB18030" }, { "chinese", CS_ICONV, "GB18030" },
	{ "gb18030", CS_ICONV, "GB18030" }, { "x-euc-cn", CS_ICONV, "GB18030" },
	{ "shift_jis", CS_ICONV, "CP932" }, { "shift-jis", CS_ICONV, "CP932" },
	{ "sjis", CS_ICONV, "CP932" }, { "x-sjis", CS_ICONV, "CP932" },
	{ "ms_kanji", CS_ICONV, "CP932" }, { "csshiftjis", CS_ICONV, "CP932" },
	{ "windows-31j", CS_ICONV, "CP932" }, { "cp932", CS_ICONV, "CP932" },
	{ "x-ms-cp932", CS_ICONV, "CP932" },
	{ "big5", CS_ICONV, "BIG5-HKSCS" }, { "big-5", CS_ICONV, "BIG5-HKSCS" },
	{ "cn-big5", CS_ICONV, "BIG5-HKSCS" }, { "x-x-big5", CS_ICONV, "BIG5-HKSCS" },
	{ "csbig5", CS_ICONV, "BIG5-HKSCS" }, { "big5-hkscs", CS_ICONV, "BIG5-HKSCS" },
	{ "cp950", CS_ICONV, "BIG5-HKSCS" },
	{ "iso-2022-jp", CS_ICONV, "ISO-2022-JP-2" }, { "csiso2022jp", CS_ICONV, "ISO-2022-JP-2" },
	{ "iso-8859-8-i", CS_ICONV, "ISO-8859-8" }, { "iso-8859-6-i", CS_ICONV, "ISO-8859-6" },
	{ "iso-8859-6-e", CS_ICONV, "ISO-8859-6" }, { "iso-8859-8-e", CS_ICONV, "ISO-8859-8" },
	{ "windows-874", CS_ICONV, "CP874" }, { "x-mac-roman", CS_ICONV, "MACINTOSH" },
	{ "macintosh", CS_ICONV, "MACINTOSH" }, { "unicode-1-1-utf-7", CS_ICONV, "UTF-7" },
};

/* charset_lookup - normalise a declared name: its kind, and the iconv name
 * written into iname (size 40) for CS_ICONV */
static enum cs_kind
charset_lookup(const char *charset, char *iname, size_t isize)
{
	char low[40];
	size_t i, n = 0;
	const char *p = charset ? charset : "";

	while (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
		p++;
	for (; *p && n < sizeof(low) - 1; p++) {
		if (*p == '"' || *p == '\'' || *p == ' ' || *p == '\t' || *p == ';')
			break;
		low[n++] = (char)tolower((unsigned char)*p);
	}
	low[n] = '\0';
	for (i = 0; i < sizeof(cs_aliases) / sizeof(cs_aliases[0]); i++) {
		if (strcmp(low, cs_aliases[i].alias) == 0) {
			if (cs_aliases[i].iconv)
				snprintf(iname, isize, "%s", cs_aliases[i].iconv);
			return cs_aliases[i].kind;
		}
	}
	/* "windows-1250", "cp1251", "x-cp1250" all become "CP125x" */
	if (strncmp(low, "windows-125", 11) == 0 && low[11] && !low[12]) {
		snprintf(iname, isize, "CP125%c", low[11]);
		return CS_ICONV;
	}
	if ((strncmp(low, "x-cp125", 7) == 0 && low[7] && !low[8])) {
		snprintf(iname, isize, "CP125%c", low[7]);
		return CS_ICONV;
	}
	/* Hand anything else to iconv, which knows many spellings */
	for (i = 0; i < n; i++)
		iname[i] = (char)toupper((unsigned char)low[i]);
	iname[n] = '\0';
	if (n == 0)
		return CS_SNIFF;
	/* Names with characters iconv would read as options are not charsets */
	if (strchr(iname, '/') || strchr(iname, ','))
		iname[0] = '\0';
	return CS_ICONV;
}

/* charset_cache_init - see charset.h */
void
charset_cache_init(struct charset_cache *cc)
{
	memset(cc, 0, sizeof(*cc));
}

/* charset_cache_release - see charset.h */
void
charset_cache_release(struct charset_cache *cc)
{
	unsigned i;

	for (i = 0; i < CHARSET_CACHE_SLOTS; i++) {
		if (cc->slot[i].name[0] && cc->slot[i].cd)
			iconv_close((iconv_t)cc->slot[i].cd);
		cc->slot[i].name[0] = '\0';
		cc->slot[i].cd = NULL;
	}
}

/* charset_open - the cached descriptor converting iname to UTF-8, or NULL
 * when iconv does not know the charset */
static iconv_t
charset_open(struct charset_cache *cc, const char *iname)
{
	unsigned i;
	iconv_t cd;

	if (iname[0] == '\0')
		return NULL;
	for (i = 0; i < CHARSET_CACHE_SLOTS; i++)
		if (cc->slot[i].name[0] && strcmp(cc->slot[i].name, iname) == 0) {
			if (cc->slot[i].cd)
				iconv((iconv_t)cc->slot[i].cd, NULL, NULL, NULL, NULL);
			return (iconv_t)cc->slot[i].cd;
		}
	cd = iconv_open("UTF-8", iname);
	i = cc->next++ % CHARSET_CACHE_SLOTS;
	if (cc->slot[i].name[0] && cc->slot[i].cd)
		iconv_close((iconv_t)cc->slot[i].cd);
	snprintf(cc->slot[i].name, sizeof(cc->slot[i].name), "%s", iname);
	cc->slot[i].cd = cd == (iconv_t)-1 ? NULL : (void *)cd;
	return cc->slot[i].cd;
}

/* charset_is_known - see charset.h */
int
charset_is_known(struct charset_cache *cc, const char *charset)
{
	char iname[40];

	if (charset_lookup(charset, iname, sizeof(iname)) != CS_ICONV)
		return 1;
	return charset_open(cc, iname) != NULL;
}

/* put_cp - append one code point as UTF-8 */
static int
put_cp(struct buf *out, uint32_t cp)
{
	char tmp[4];

	return buf_append(out, tmp, utf8_encode(cp, tmp)) < 0 ? CHARSET_FULL : 0;
}

/* cp1252_append - windows-1252 (and so ISO-8859-1 and ASCII) to UTF-8 */
static int
cp1252_append(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, run;
	int r = 0;

	while (i < len) {
		for (run = i; run < len && p[run] < 0x80 && p[run]; run++)
			;
		if (run > i && run - i > buf_room(out)) {
			/* Keep what fits, cut at a character boundary: a
			 * long text loses its end, never all of it. */
			size_t cut = i + buf_room(out);

			while (cut > i && (p[cut] & 0xc0) == 0x80)
				cut--;
			(void)buf_append(out, p + i, cut - i);
			return r | CHARSET_FULL;
		}
		if (run > i && buf_append(out, p + i, run - i) < 0)
			return r | CHARSET_FULL;
		i = run;
		if (i >= len)
			break;
		if (p[i] == 0)
			r |= CHARSET_NUL;
		else if (p[i] < 0xa0)
			r |= put_cp(out, cp1252_high[p[i] - 0x80]);
		else
			r |= put_cp(out, p[i]);
		if (r & CHARSET_FULL)
			return r;
		i++;
	}
	return r;
}

/* charset_clean - see charset.h */
int
charset_clean(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, run, n;
	uint32_t cp;
	int r = 0;

	while (i < len) {
		/* Copy the longest stretch of valid, NUL-free UTF-8 at once */
		run = i;
		while (run < len) {
			/* eight bytes of ASCII without NUL at a time */
			while (run + 8 <= len) {
				uint64_t w;

				memcpy(&w, p + run, 8);
				if ((w & 0x8080808080808080ULL) != 0 ||
				    ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0)
					break;
				run += 8;
			}
			if (run >= len)
				break;
			if (p[run] >= 0x01 && p[run] < 0x80) {
				run++;
				continue;
			}
			if (p[run] == 0)
				break;
			n = utf8_decode(p + run, len - run, &cp);
			if (n == 0)
				break;
			run += n;
		}
		if (run > i && run - i > buf_room(out)) {
			/* Keep what fits, cut at a character boundary: a
			 * long text loses its end, never all of it. */
			size_t cut = i + buf_room(out);

			while (cut > i && (p[cut] & 0xc0) == 0x80)
				cut--;
			(void)buf_append(out, p + i, cut - i);
			return r | CHARSET_FULL;
		}
		if (run > i && buf_append(out, p + i, run - i) < 0)
			return r | CHARSET_FULL;
		i = run;
		if (i >= len)
			break;
		if (p[i] == 0) {
			r |= CHARSET_NUL;
		} else {
			r |= CHARSET_BAD;
			r |= p[i] < 0xa0 ? put_cp(out, cp1252_high[p[i] - 0x80]) : put_cp(out, p[i]);
			if (r & CHARSET_FULL)
				return r;
		}
		i++;
	}
	return r;
}

/* iconv_append - convert with cd; on an invalid byte, read it as
 * windows-1252 and resume after it.  The iconv output is cleaned again
 * (UTF-16 input can carry U+0000). */
static int
iconv_append(iconv_t cd, const char *in, size_t len, struct buf *out)
{
	char tmp[4096];
	char *ip = (char *)in;
	size_t ileft = len;
	int r = 0;

	while (ileft > 0) {
		char *op = tmp;
		size_t oleft = sizeof(tmp);
		size_t rc = iconv(cd, &ip, &ileft, &op, &oleft);
		int e = errno;

		if (op > tmp)
			r |= charset_clean(tmp, (size_t)(op - tmp), out);
		if (r & CHARSET_FULL)
			return r;
		if (rc != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		/* EILSEQ, or EINVAL (a sequence cut off at the end) */
		r |= CHARSET_BAD;
		r |= cp1252_append(ip, 1, out);
		ip++;
		ileft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* flush the shift state (ISO-2022-JP) */
	{
		char *op = tmp;
		size_t oleft = sizeof(tmp);

		iconv(cd, NULL, NULL, &op, &oleft);
		if (op > tmp)
			r |= charset_clean(tmp, (size_t)(op - tmp), out);
	}
	return r;
}

/* all_ascii - 1 when no byte is 8-bit, NUL or ESC (ISO-2022 shifts) */
static int
all_ascii(const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] >= 0x80 || p[i] == 0 || p[i] == 0x1b)
			return 0;
	return 1;
}

/* charset_convert - see charset.h */
int
charset_convert(struct charset_cache *cc, const char *charset,
    const char *in, size_t len, struct buf *out)
{
	char iname[40] = "";
	enum cs_kind kind = charset_lookup(charset, iname, sizeof(iname));
	iconv_t cd;

	switch (kind) {
	case CS_UTF8:
		return charset_clean(in, len, out);
	case CS_SNIFF:
		/* unknown by declaration: not a defect, but a guess */
		return charset_clean(in, len, out) & ~CHARSET_BAD;
	case CS_CP1252:
	case CS_ICONV:
		break;
	}
	/* A declared legacy charset on bytes that are valid UTF-8 with 8-bit
	 * sequences: the client wrote UTF-8 and mislabelled it (real legacy
	 * text is almost never valid UTF-8 by chance) */
	if (!utf8_ascii(in, len) && utf8_valid(in, len))
		return charset_clean(in, len, out) | CHARSET_BAD;
	if (kind == CS_CP1252)
		return cp1252_append(in, len, out);
	cd = charset_open(cc, iname);
	if (cd == NULL)
		return charset_clean(in, len, out) | CHARSET_BAD;
	/* ASCII-compatible charsets on pure ASCII need no conversion; UTF-7,
	 * UTF-16/32 and UCS are not ASCII-compatible */
	if (strncmp(iname, "UTF-7", 5) && strncmp(iname, "UTF-16", 6) &&
	    strncmp(iname, "UTF-32", 6) && strncmp(iname, "UCS", 3) &&
	    strncmp(iname, "UNICODE", 7) && all_ascii(in, len))
		return buf_append(out, in, len) < 0 ? CHARSET_FULL : 0;
	return iconv_append(cd, in, len, out);
}

/* charset_convert_exact - see charset.h */
int
charset_convert_exact(struct charset_cache *cc, const char *charset,
    const char *in, size_t len, struct buf *out)
{
	char iname[40] = "";
	int r;

	if (charset_lookup(charset, iname, sizeof(iname)) == CS_SNIFF)
		return charset_clean(in, len, out) == 0 ? 0 : -1;
	r = charset_convert(cc, charset, in, len, out);
	/* a legacy label on valid UTF-8 was read as UTF-8: no guess */
	if (r == CHARSET_BAD && utf8_valid(in, len))
		r = 0;
	return r == 0 ? 0 : -1;
}
