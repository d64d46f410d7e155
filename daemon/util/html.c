/* SPDX-License-Identifier: GPL-3.0-or-later */
/* html - escape untrusted text for HTML output */
#include "config.h"

#include <string.h>

#include "html.h"
#include "utf8.h"

/* Byte classes: 0 passes unchanged, 1 is escaped or dropped (& < > " '
 * and controls other than tab and newline), 2 starts a UTF-8 sequence
 * (checked), and for html_text 3 is a newline, 4 an 'h' (a link may
 * start).  A table look-up per byte: a page is mostly bytes of class 0,
 * copied in runs with one append each. */
static const unsigned char escape_class[256] = {
	1,1,1,1,1,1,1,1,1,0,0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
	0,0,1,0,0,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,1,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
};
static const unsigned char text_class[256] = {
	1,1,1,1,1,1,1,1,1,0,3,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
	0,0,1,0,0,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,1,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
};
/* html_text_pre: text_class with newlines kept as they are */
static const unsigned char pre_class[256] = {
	1,1,1,1,1,1,1,1,1,0,0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
	0,0,1,0,0,0,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,1,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
};

/* utf8_passes - the length of the valid UTF-8 sequence at p when it passes
 * unchanged, else 0 (not UTF-8, or a bidirectional override) */
static size_t
utf8_passes(const unsigned char *p, const unsigned char *end)
{
	uint32_t cp;
	size_t len = utf8_decode(p, (size_t)(end - p), &cp);

	if (len == 0 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

/* escape_at - *p is of class 1, or of class 2 and does not pass: append
 * what it becomes and return the bytes it spans.  An entity for & < > " ',
 * nothing for another control, U+FFFD for a byte that does not start valid
 * UTF-8; bidirectional overrides could reorder the page around the text:
 * they are isolated by dropping them. */
static size_t
escape_at(struct buf *out, const unsigned char *p, const unsigned char *end)
{
	uint32_t cp;
	size_t len;

	switch (*p) {
	case '&': buf_append(out, "&amp;", 5); return 1;
	case '<': buf_append(out, "&lt;", 4); return 1;
	case '>': buf_append(out, "&gt;", 4); return 1;
	case '"': buf_append(out, "&quot;", 6); return 1;
	case '\'': buf_append(out, "&#39;", 5); return 1;
	}
	if (*p < 0x80)
		return 1;
	len = utf8_decode(p, (size_t)(end - p), &cp);
	if (len == 0) {
		buf_append(out, "\xef\xbf\xbd", 3);
		return 1;
	}
	return len;
}

/* url_len - length of the URL starting at p (http:// or https://) */
static size_t
url_len(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && (unsigned char)*q > 0x20 && *q != '<' && *q != '>' &&
	    *q != '"' && *q != '\'' && (unsigned char)*q < 0x7f)
		q++;
	while (q > p && strchr(".,;:!?)]}", q[-1]))
		q--;
	return (size_t)(q - p);
}

/* link_at - the length of the http(s) link starting at p, or 0: it must
 * start a word (the byte before is no letter) and be longer than its
 * scheme */
static size_t
link_at(const unsigned char *b, const unsigned char *p, const unsigned char *end)
{
	size_t ul;

	if (p > b && ((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z'))
		return 0;
	if (!((end - p > 8 && strncmp((const char *)p, "https://", 8) == 0) ||
	    (end - p > 7 && strncmp((const char *)p, "http://", 7) == 0)))
		return 0;
	ul = url_len((const char *)p, (const char *)end);
	return ul > 8 ? ul : 0;
}

/* walk - append s (n bytes) to out by the byte classes of cls (see the
 * tables above): runs of class 0 copied with one append, the others
 * escaped, and with text_class newlines as <br> and links as anchors */
static void
walk(struct buf *out, const char *s, size_t n, const unsigned char *cls)
{
	const unsigned char *b = (const unsigned char *)s, *p = b, *end = b + n,
	    *run = b;
	size_t len;

	while (p < end) {
		switch (cls[*p]) {
		case 0:
			p++;
			continue;               /* part of the run */
		case 4:                         /* 'h': a link may start */
			if ((len = link_at(b, p, end)) == 0) {
				p++;
				continue;
			}
			if (p > run)
				buf_append(out, run, (size_t)(p - run));
			buf_puts(out, "<a href=\"");
			walk(out, (const char *)p, len, escape_class);
			buf_puts(out, "\" rel=\"nofollow noopener\">");
			walk(out, (const char *)p, len, escape_class);
			buf_puts(out, "</a>");
			p += len;
			run = p;
			continue;
		case 3:                         /* a newline */
			if (p > run)
				buf_append(out, run, (size_t)(p - run));
			buf_append(out, "<br>\n", 5);
			run = ++p;
			continue;
		case 2:
			if ((len = utf8_passes(p, end)) > 0) {
				p += len;
				continue;
			}
			/* FALLTHROUGH */
		default:
			if (p > run)
				buf_append(out, run, (size_t)(p - run));
			p += escape_at(out, p, end);
			run = p;
		}
	}
	if (p > run)
		buf_append(out, run, (size_t)(p - run));
}

/* html_escape - see html.h */
void
html_escape(struct buf *out, const char *s, size_t n)
{
	walk(out, s, n, escape_class);
}

/* html_escape_str - see html.h */
void
html_escape_str(struct buf *out, const char *s)
{
	html_escape(out, s, strlen(s));
}

/* html_text - see html.h */
void
html_text(struct buf *out, const char *s, size_t n)
{
	walk(out, s, n, text_class);
}

/* html_text_pre - see html.h */
void
html_text_pre(struct buf *out, const char *s, size_t n)
{
	walk(out, s, n, pre_class);
}
