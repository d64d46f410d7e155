/* html - escape untrusted text for HTML output */
#include "config.h"

#include <string.h>

#include "html.h"
#include "utf8.h"

void
html_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		uint32_t cp;
		size_t len;

		switch (*p) {
		case '&': buf_puts(out, "&amp;"); p++; continue;
		case '<': buf_puts(out, "&lt;"); p++; continue;
		case '>': buf_puts(out, "&gt;"); p++; continue;
		case '"': buf_puts(out, "&quot;"); p++; continue;
		case '\'': buf_puts(out, "&#39;"); p++; continue;
		}
		if (*p < 0x80) {
			if (*p >= 0x20 || *p == '\n' || *p == '\t')
				buf_putc(out, *p);
			p++;
			continue;
		}
		len = utf8_decode(p, (size_t)(end - p), &cp);
		if (len == 0) {
			buf_puts(out, "\xef\xbf\xbd");
			p++;
			continue;
		}
		/* Bidirectional overrides could reorder the page around the
		 * text; isolate them by dropping the override controls. */
		if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
			p += len;
			continue;
		}
		buf_append(out, p, len);
		p += len;
	}
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
