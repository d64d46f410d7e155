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

/* html_escape - see html.h */
void
html_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
	size_t len;

	while (p < end) {
		switch (escape_class[*p]) {
		case 0:
			p++;
			continue;               /* part of the run */
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

/* html_escape_str - see html.h */
void
html_escape_str(struct buf *out, const char *s)
{
	html_escape(out, s, strlen(s));
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

/* html_text - see html.h */
void
html_text(struct buf *out, const char *s, size_t n)
{
	const unsigned char *b = (const unsigned char *)s, *p = b, *end = b + n,
	    *run = b;

	/* One pass: escaping (as html_escape), newlines and links. */
	while (p < end) {
		size_t len, ul;

		switch (text_class[*p]) {
		case 0:
			p++;
			continue;
		case 4:         /* 'h': a link when it starts a word */
			ul = 0;
			if ((p == b || !(((unsigned char)p[-1] | 0x20) >= 'a' &&
			    ((unsigned char)p[-1] | 0x20) <= 'z')) &&
			    ((end - p > 8 && strncmp((const char *)p, "https://", 8) == 0) ||
			     (end - p > 7 && strncmp((const char *)p, "http://", 7) == 0)))
				ul = url_len((const char *)p, (const char *)end);
			if (ul <= 8) {
				p++;
				continue;
			}
			if (p > run)
				buf_append(out, run, (size_t)(p - run));
			buf_puts(out, "<a href=\"");
			html_escape(out, (const char *)p, ul);
			buf_puts(out, "\" rel=\"nofollow noopener\">");
			html_escape(out, (const char *)p, ul);
			buf_puts(out, "</a>");
			p += ul;
			run = p;
			continue;
		case 3:
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
