/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mime_out - header fields, encoded words and bodies for outgoing mail
 * (see mime_out.h) */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "codec.h"
#include "mime_out.h"
#include "utf8.h"
#include "xalloc.h"

/* ---- appending --------------------------------------------------------- */

/* put - n bytes into the field's buffer; a failure sticks in f->err */
static void
put(struct mime_field *f, const char *s, size_t n)
{
	if (!f->err && buf_append(f->out, s, n) < 0)
		f->err = 1;
}

/* put_word - n bytes that stand on the line as they are */
static void
put_word(struct mime_field *f, const char *s, size_t n)
{
	put(f, s, n);
	f->col += n;
}

/* fold - a line break and the blank that makes the next line part of
 * the field */
static void
fold(struct mime_field *f)
{
	put(f, f->eol, strlen(f->eol));
	put(f, " ", 1);
	f->col = 1;
}

/* space - one blank before a word of n columns, or a fold when the word
 * would pass MIME_FOLD */
static void
space(struct mime_field *f, size_t n)
{
	if (f->col + 1 + n > MIME_FOLD)
		fold(f);
	else
		put_word(f, " ", 1);
}

/* ---- cleaning ------------------------------------------------------------ */

/* mime_clean - see mime_out.h */
char *
mime_clean(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0, i = 0;
	char *out = xmalloc(n + 1), *o = out;
	int blank = 1;          /* drop leading spaces */

	while (i < n && (size_t)(o - out) < max) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t l;

		if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!blank)
				*o++ = ' ';
			blank = 1;
			i++;
			continue;
		}
		if (c < 0x80) {
			*o++ = (char)c;
			i++;
			blank = 0;
			continue;
		}
		l = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (l == 0 || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029) {
			/* invalid, C1 controls and Unicode line separators */
			*o++ = l == 0 ? '?' : ' ';
			i += l ? l : 1;
			blank = l != 0;
			continue;
		}
		if ((size_t)(o - out) + l > max)
			break;
		memcpy(o, s + i, l);
		o += l;
		i += l;
		blank = 0;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

/* mime_addr_ok - see mime_out.h */
int
mime_addr_ok(const char *a)
{
	const char *at;

	if (a == NULL || *a == '\0' || strlen(a) > 254)
		return 0;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
			return 0;
	at = strrchr(a, '@');
	return at && at != a && at[1] != '\0';
}

/* ---- encoded words --------------------------------------------------------- */

/* encoded_words - s[0..n) (UTF-8) as encoded words from the current
 * column, folding between words; every word fits its line and holds
 * whole characters */
static void
encoded_words(struct mime_field *f, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t avail, raw, take = 0;

		if (f->col + 16 > MIME_FOLD)
			fold(f);
		avail = MIME_FOLD - f->col;
		if (avail > 75)
			avail = 75;
		/* "=?UTF-8?B?" and "?=" take 12 columns; 4 per 3 bytes */
		raw = (avail - 12) / 4 * 3;
		while (i + take < n) {
			uint32_t cp;
			size_t l = utf8_decode((const unsigned char *)s + i + take,
			    n - i - take, &cp);

			if (l == 0)
				l = 1;
			if (take + l > raw)
				break;
			take += l;
		}
		if (take == 0) {    /* cannot happen with raw >= 3, but be safe */
			fold(f);
			continue;
		}
		put(f, "=?UTF-8?B?", 10);
		if (!f->err && codec_base64_encode(s + i, take, f->out) < 0)
			f->err = 1;
		put(f, "?=", 2);
		f->col += 12 + (take + 2) / 3 * 4;
		i += take;
		if (i < n)
			fold(f);
	}
}

/* word_needs_encoding - non-ASCII, shaped like an encoded word, or too
 * long to stand on a folded line */
static int
word_needs_encoding(const char *w, size_t n)
{
	if (n > 70 || !utf8_ascii(w, n))
		return 1;
	for (size_t i = 0; i + 1 < n; i++)
		if (w[i] == '=' && w[i + 1] == '?')
			return 1;
	return 0;
}

/* put_text - unstructured text (clean: no controls, single spaces) from
 * the current column, folding at spaces */
static void
put_text(struct mime_field *f, const char *s)
{
	const char *p = s;
	size_t start_col = f->col;
	int first = 1;

	while (*p) {
		const char *w = p, *e;
		size_t wn;

		while (*p && *p != ' ')
			p++;
		wn = (size_t)(p - w);
		if (word_needs_encoding(w, wn)) {
			/* merge the following words that need encoding too, so
			 * the spaces between them survive decoding */
			e = p;
			while (*e == ' ') {
				const char *nw = e + 1, *ne = nw;

				while (*ne && *ne != ' ')
					ne++;
				if (ne == nw || !word_needs_encoding(nw, (size_t)(ne - nw)))
					break;
				e = ne;
			}
			if (!first)
				space(f, 16);
			encoded_words(f, w, (size_t)(e - w));
			p = e;
		} else {
			if (!first && f->col > start_col)
				space(f, wn);
			else if (!first)
				put_word(f, " ", 1);
			else if (f->col + wn > MIME_FOLD && f->col > start_col)
				fold(f);
			put_word(f, w, wn);
		}
		first = 0;
		while (*p == ' ')
			p++;
	}
}

/* ---- header fields ------------------------------------------------------- */

/* mime_field_start - see mime_out.h */
void
mime_field_start(struct mime_field *f, struct buf *out, const char *eol,
    const char *name)
{
	f->out = out;
	f->eol = eol;
	f->col = 0;
	f->err = 0;
	put_word(f, name, strlen(name));
	put_word(f, ": ", 2);
}

/* mime_field_text - see mime_out.h */
void
mime_field_text(struct mime_field *f, const char *value)
{
	char *v = mime_clean(value, MIME_TEXT_MAX);

	put_text(f, v);
	free(v);
}

/* is_atext_phrase - letters, digits, atext specials and spaces only */
static int
is_atext_phrase(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(" !#$%&'*+-/=?^_`{|}~", *p))
			return 0;
	return 1;
}

/* phrase - mime_field_phrase; 1 when something was written */
static int
phrase(struct mime_field *f, const char *phrase, int quote)
{
	char *ph = mime_clean(phrase, MIME_NAME_MAX);
	int wrote = *ph != '\0';

	if (!wrote) {
		/* nothing */
	} else if (!utf8_ascii(ph, strlen(ph)) || strstr(ph, "=?")) {
		encoded_words(f, ph, strlen(ph));
	} else if (!quote && is_atext_phrase(ph)) {
		put_text(f, ph);
	} else {
		struct buf q;

		buf_init(&q, MIME_NAME_MAX * 2 + 3);
		buf_putc(&q, '"');
		for (const char *p = ph; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&q, '\\');
			buf_putc(&q, *p);
		}
		buf_putc(&q, '"');
		if (f->col + q.len > MIME_FOLD && f->col > 1)
			fold(f);
		put_word(f, q.data, q.len);
		buf_release(&q);
	}
	free(ph);
	return wrote;
}

/* mime_field_phrase - see mime_out.h */
int
mime_field_phrase(struct mime_field *f, const char *p, int quote)
{
	return phrase(f, p, quote);
}

/* mime_field_angle - see mime_out.h */
void
mime_field_angle(struct mime_field *f, int after_phrase, const char *text)
{
	size_t n = strlen(text);

	if (after_phrase)
		space(f, n + 2);
	put_word(f, "<", 1);
	put_word(f, text, n);
	put_word(f, ">", 1);
}

/* mime_field_mailbox - see mime_out.h */
int
mime_field_mailbox(struct mime_field *f, const char *p, const char *addr)
{
	if (!mime_addr_ok(addr))
		return -1;
	mime_field_angle(f, p && phrase(f, p, 1), addr);
	return 0;
}

/* mime_field_addr - see mime_out.h */
void
mime_field_addr(struct mime_field *f, const char *display, const char *addr)
{
	char *a = xstrdup(addr ? addr : "");
	size_t n = 0;

	for (const char *p = a; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= 0x20 || ch == 0x7f || strchr("<>\"(),;:\\[]", ch))
			continue;
		a[n++] = (char)ch;
	}
	a[n] = '\0';
	mime_field_angle(f, display && phrase(f, display, 1), a);
	free(a);
}

/* mime_field_comma - see mime_out.h */
void
mime_field_comma(struct mime_field *f)
{
	put_word(f, ",", 1);
	if (f->col + 2 > MIME_FOLD)
		fold(f);
	else
		put_word(f, " ", 1);
}

/* mime_field_end - see mime_out.h */
int
mime_field_end(struct mime_field *f)
{
	put(f, f->eol, strlen(f->eol));
	f->col = 0;
	return f->err ? -1 : 0;
}

/* mime_header_eol - see mime_out.h */
int
mime_header_eol(struct buf *out, const char *eol, const char *name,
    const char *value)
{
	struct mime_field f;

	mime_field_start(&f, out, eol, name);
	mime_field_text(&f, value);
	return mime_field_end(&f);
}

/* mime_header_addr_eol - see mime_out.h */
int
mime_header_addr_eol(struct buf *out, const char *eol, const char *name,
    const char *display, const char *addr)
{
	struct mime_field f;

	mime_field_start(&f, out, eol, name);
	mime_field_addr(&f, display, addr);
	return mime_field_end(&f);
}

/* mime_header_text - see mime_out.h */
int
mime_header_text(struct buf *out, const char *name, const char *value)
{
	return mime_header_eol(out, MIME_CRLF, name, value);
}

/* mime_header_addr - see mime_out.h */
int
mime_header_addr(struct buf *out, const char *name, const char *display,
    const char *addr)
{
	return mime_header_addr_eol(out, MIME_CRLF, name, display, addr);
}

/* ---- bodies ------------------------------------------------------------------ */

/* mime_qp_encode - see mime_out.h */
int
mime_qp_encode(struct buf *out, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		int last = i + 1 == n || p[i + 1] == '\n' || p[i + 1] == '\r';
		int literal;
		char enc[4];
		size_t elen;

		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
				i++;
			if (buf_append(out, "\r\n", 2) < 0)
				return -1;
			col = 0;
			continue;
		}
		literal = (c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !last);
		if (col == 0 && (c == '.' ||
		    (c == 'F' && n - i >= 5 && memcmp(p + i, "From ", 5) == 0)))
			literal = 0;
		if (literal) {
			enc[0] = (char)c;
			elen = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			elen = 3;
		}
		/* room for the soft break's '=' unless this ends the line */
		if (col + elen > (last ? 76u : 75u)) {
			if (buf_append(out, "=\r\n", 3) < 0)
				return -1;
			col = 0;
		}
		if (buf_append(out, enc, elen) < 0)
			return -1;
		col += elen;
	}
	return 0;
}

/* mime_base64_body - see mime_out.h */
int
mime_base64_body(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;

		if (codec_base64_encode(s + i, k, out) < 0 ||
		    buf_append(out, "\r\n", 2) < 0)
			return -1;
	}
	return 0;
}

/* mime_boundary - see mime_out.h */
void
mime_boundary(char *out, size_t outlen)
{
	unsigned char r[12];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0x5a, sizeof(r));
	snprintf(out, outlen, "=_baraza_%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]);
}
