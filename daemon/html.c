/* html - escape untrusted text for HTML output */
#include "config.h"

#include <string.h>

#include "html.h"
#include "utf8.h"

void
html_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;

	/* Bytes that pass unchanged are copied in runs, one append per run:
	 * a page is mostly such bytes, and one call per byte was a third of
	 * a full archive build. */
	while (p < end) {
		uint32_t cp;
		size_t len;
		const char *rep = NULL;

		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (rep == NULL && *p < 0x80) {
			if (*p >= 0x20 || *p == '\n' || *p == '\t') {
				p++;
				continue;       /* part of the run */
			}
			len = 1;                /* other controls are dropped */
		} else if (rep == NULL) {
			len = utf8_decode(p, (size_t)(end - p), &cp);
			if (len == 0) {
				rep = "\xef\xbf\xbd";
				len = 1;
			} else if (!((cp >= 0x202a && cp <= 0x202e) ||
			    (cp >= 0x2066 && cp <= 0x2069))) {
				p += len;
				continue;       /* part of the run */
			}
			/* Bidirectional overrides could reorder the page around
			 * the text; isolate them by dropping the override
			 * controls. */
		} else {
			len = 1;
		}
		if (p > run)
			buf_append(out, run, (size_t)(p - run));
		if (rep)
			buf_puts(out, rep);
		p += len;
		run = p;
	}
	if (p > run)
		buf_append(out, run, (size_t)(p - run));
}

void
html_escape_str(struct buf *out, const char *s)
{
	html_escape(out, s, strlen(s));
}

/* url_end - length of the URL starting at p (http:// or https://) */
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

void
html_text(struct buf *out, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *run = s;

	while (p < end) {
		size_t ul = 0;

		if (*p == 'h' && (p == s || !(((unsigned char)p[-1] | 0x20) >= 'a' &&
		    ((unsigned char)p[-1] | 0x20) <= 'z')) &&
		    ((end - p > 8 && strncmp(p, "https://", 8) == 0) ||
		     (end - p > 7 && strncmp(p, "http://", 7) == 0)))
			ul = url_len(p, end);
		if (ul > 8) {
			html_escape(out, run, (size_t)(p - run));
			buf_puts(out, "<a href=\"");
			html_escape(out, p, ul);
			buf_puts(out, "\" rel=\"nofollow noopener\">");
			html_escape(out, p, ul);
			buf_puts(out, "</a>");
			p += ul;
			run = p;
			continue;
		}
		if (*p == '\n') {
			html_escape(out, run, (size_t)(p - run));
			buf_puts(out, "<br>\n");
			run = ++p;
			continue;
		}
		p++;
	}
	html_escape(out, run, (size_t)(end - run));
}
