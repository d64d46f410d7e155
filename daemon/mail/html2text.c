/* SPDX-License-Identifier: GPL-3.0-or-later */
/* html2text - one pass over HTML, writing what a reader would see
 *
 * Line breaks are decided lazily: block tags only ask for "at least one" or
 * "at least two" newlines before the next visible text, so nested blocks
 * (<div><p>...) do not pile up blank lines, while <br> adds one each time
 * (Gmail writes a blank line as <div><br></div>).
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hex.h"
#include "html2text.h"
#include "html_entities.h"
#include "utf8.h"

#define MAX_HREF 2048

struct h2t {
	struct buf *out;
	int full;           /* out reached its cap */
	int nl;             /* newlines owed before the next text (0..2) */
	int space;          /* a blank is owed before the next text */
	int quote;          /* blockquote depth */
	int pre;            /* inside <pre> */
	int list[8];        /* per list level: 0 for ul, next number for ol */
	int nlist;
	const char *bullet; /* a list marker owed before the next text */
	char bulletbuf[16];
	struct buf href;    /* the open link's target */
	size_t link_at;     /* out->len where the link text began */
	int in_link;
	int head_done;      /* a <head> was skipped already */
};

/* put - append n bytes, remembering when the cap was reached */
static void
put(struct h2t *h, const char *s, size_t n)
{
	if (!h->full && buf_append(h->out, s, n) < 0)
		h->full = 1;
}

/* text_prefix - owed newlines, quote marks, bullet and blank before text */
static void
text_prefix(struct h2t *h)
{
	int i;

	if (h->out->len == 0) {
		h->nl = 0;
		h->space = 0;
	}
	if (h->nl) {
		for (i = 0; i < h->nl; i++) {
			put(h, "\n", 1);
			if (i + 1 < h->nl && h->quote) {
				int q;

				for (q = 0; q < h->quote; q++)
					put(h, ">", 1);
			}
		}
		h->nl = 0;
		h->space = 0;
	}
	if (h->out->len == 0 || h->out->data[h->out->len - 1] == '\n') {
		if (h->quote) {
			for (i = 0; i < h->quote; i++)
				put(h, ">", 1);
			put(h, " ", 1);
		}
		h->space = 0;
	}
	if (h->bullet) {
		put(h, h->bullet, strlen(h->bullet));
		h->bullet = NULL;
		h->space = 0;
	}
	if (h->space) {
		put(h, " ", 1);
		h->space = 0;
	}
}

/* want_nl - ask for at least n line breaks before the next text */
static void
want_nl(struct h2t *h, int n)
{
	if (h->nl < n)
		h->nl = n;
}

/* text_bytes - visible text bytes, with white space collapsed outside pre */
static void
text_bytes(struct h2t *h, const char *s, size_t n)
{
	size_t i, run;

	for (i = 0; i < n; ) {
		unsigned char ch = (unsigned char)s[i];

		if (!h->pre && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f')) {
			if (h->out->len)
				h->space = 1;
			i++;
			continue;
		}
		if (h->pre && ch == '\n') {
			h->nl++;
			if (h->nl > 2)
				h->nl = 2;
			i++;
			continue;
		}
		text_prefix(h);
		for (run = i; run < n; run++) {
			unsigned char c2 = (unsigned char)s[run];

			if (c2 == ' ' || c2 == '\t' || c2 == '\n' || c2 == '\r' || c2 == '\f')
				break;
		}
		put(h, s + i, run - i);
		i = run;
		if (h->pre && i < n && s[i] != '\n') {
			put(h, s + i, 1);
			i++;
		}
	}
}

/* html_entity_find - see html_entities.h (the table is generated) */
const struct html_entity *
html_entity_find(const char *s, size_t n)
{
	size_t lo = 0, hi = html_nentities;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *name = html_entities[mid].name;
		int c = strncmp(name, s, n);

		if (c == 0 && name[n] != '\0')
			c = 1;
		if (c == 0)
			return &html_entities[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* entity - decode a character reference at s (after '&'); writes UTF-8 to
 * u, returns the bytes consumed after '&' (0 when it is not one) */
static size_t
entity(const char *s, size_t n, char *u, size_t *ulen)
{
	const struct html_entity *e = NULL;
	size_t i = 0, k;
	uint32_t cp = 0;

	if (n && s[0] == '#') {
		int hex = n > 1 && (s[1] == 'x' || s[1] == 'X');
		size_t digits = 0;

		for (i = hex ? 2 : 1; i < n && digits < 8; i++, digits++) {
			int ch = (unsigned char)s[i];
			int v = hex ? hex_value(ch) : ch >= '0' && ch <= '9' ? ch - '0' : -1;

			if (v < 0)
				break;
			cp = cp * (hex ? 16 : 10) + (uint32_t)v;
		}
		if (digits == 0)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		if (cp == 0xa0)
			cp = ' ';
		*ulen = utf8_encode(cp, u);
		return i;
	}
	for (i = 0; i < n && i < HTML_ENTITY_MAX && isalnum((unsigned char)s[i]); i++)
		;
	if (i == 0)
		return 0;
	/* "&name;", else the longest legacy name the run starts with
	 * ("&eacutes" is "és", as browsers read it) */
	if (i < n && s[i] == ';' && (e = html_entity_find(s, i + 1)) != NULL)
		k = i + 1;
	else
		for (k = i; k > 1 && (e = html_entity_find(s, k)) == NULL; k--)
			;
	if (e == NULL)
		return 0;
	cp = e->cp == 0xa0 ? ' ' : e->cp;
	*ulen = utf8_encode(cp, u);
	if (e->cp2)
		*ulen += utf8_encode(e->cp2, u + *ulen);
	return k;
}

/* text_run - visible text with character references decoded */
static void
text_run(struct h2t *h, const char *s, size_t n)
{
	size_t i = 0, start = 0;

	while (i < n) {
		if (s[i] == '&') {
			char u[8];
			size_t ul = 0, used;

			text_bytes(h, s + start, i - start);
			used = entity(s + i + 1, n - i - 1, u, &ul);
			if (used) {
				if (ul == 1 && u[0] == ' ')
					text_bytes(h, " ", 1);
				else
					text_bytes(h, u, ul);
				i += 1 + used;
			} else {
				text_bytes(h, "&", 1);
				i++;
			}
			start = i;
			continue;
		}
		i++;
	}
	text_bytes(h, s + start, n - start);
}

/* find_ci - case-insensitive search of needle in [p, end) */
static const char *
find_ci(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p + n <= end; p++)
		if (tolower((unsigned char)*p) == needle[0] && strncasecmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* tag_end - the '>' closing the tag at p, quotes respected; end if none */
static const char *
tag_end(const char *p, const char *end)
{
	char q = 0;

	for (; p < end; p++) {
		if (q) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			/* only quotes that open an attribute value count */
			if (p[-1] == '=')
				q = *p;
		} else if (*p == '>') {
			return p;
		}
	}
	return end;
}

/* attr_value - the value of attribute name in the tag text [p, end) */
static int
attr_value(const char *p, const char *end, const char *name, struct buf *out)
{
	size_t n = strlen(name);

	buf_reset(out);
	while (p < end) {
		const char *a = find_ci(p, end, name);
		const char *v;

		if (a == NULL)
			return 0;
		p = a + n;
		if (!isspace((unsigned char)a[-1]))
			continue;
		v = p;
		while (v < end && isspace((unsigned char)*v))
			v++;
		if (v >= end || *v != '=')
			continue;
		v++;
		while (v < end && isspace((unsigned char)*v))
			v++;
		if (v < end && (*v == '"' || *v == '\'')) {
			const char *q = memchr(v + 1, *v, (size_t)(end - v - 1));

			if (q == NULL)
				q = end;
			buf_append(out, v + 1, (size_t)(q - v - 1));
		} else {
			const char *q = v;

			while (q < end && !isspace((unsigned char)*q))
				q++;
			buf_append(out, v, (size_t)(q - v));
		}
		return 1;
	}
	return 0;
}

/* decode_href - character references in a link target, blanks removed */
static void
decode_href(struct buf *b)
{
	size_t i, k = 0;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '&' && b->len - i > 4 && strncmp(b->data + i, "&amp;", 5) == 0) {
			b->data[k++] = '&';
			i += 4;
		} else if (!isspace((unsigned char)b->data[i])) {
			b->data[k++] = b->data[i];
		}
	}
	buf_truncate(b, k);
}

/* link_close - write " <url>" after the link text when it adds something */
static void
link_close(struct h2t *h)
{
	const char *t = h->out->data + h->link_at, *u = h->href.data;
	size_t tl = h->out->len - h->link_at, ul = h->href.len;

	h->in_link = 0;
	if (ul == 0 || u[0] == '#' || strncasecmp(u, "javascript:", 11) == 0 || tl == 0)
		return;
	if (h->link_at > h->out->len)
		return;
	while (tl && isspace((unsigned char)*t)) {
		t++;
		tl--;
	}
	if (ul >= 7 && strncasecmp(u, "mailto:", 7) == 0 && tl == ul - 7 &&
	    strncasecmp(t, u + 7, tl) == 0)
		return;
	if ((tl == ul && strncasecmp(t, u, tl) == 0) ||
	    (ul == tl + 1 && u[ul - 1] == '/' && strncasecmp(t, u, tl) == 0))
		return;
	/* "example.org" shown for "http://example.org/" */
	if (ul > tl && tl > 3 && ul - tl <= 12) {
		size_t off;

		for (off = 0; off + tl <= ul; off++)
			if (strncasecmp(u + off, t, tl) == 0 && (off + tl == ul ||
			    (off + tl + 1 == ul && u[ul - 1] == '/')))
				return;
	}
	put(h, " <", 2);
	put(h, u, ul);
	put(h, ">", 1);
}

/* name_is - name is one of the NULL-terminated set */
static int
name_is(const char *name, const char *const *set)
{
	size_t i;

	for (i = 0; set[i]; i++)
		if (strcmp(name, set[i]) == 0)
			return 1;
	return 0;
}

/* html2text - see html2text.h */
int
html2text(const char *in, size_t len, struct buf *out)
{
	static const char *const para[] = {
		"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "hr",
		"pre", "dl", "blockquote", NULL,
	};
	static const char *const line[] = {
		"div", "tr", "dt", "dd", "center", "section", "article", "header",
		"footer", "nav", "address", "form", "fieldset", "figure", "caption",
		"li", "tbody", "thead", "main", "aside", "figcaption", NULL,
	};
	const char *p = in, *end = in + len;
	struct h2t h;

	memset(&h, 0, sizeof(h));
	h.out = out;
	buf_init(&h.href, MAX_HREF);
	while (p < end && !h.full) {
		const char *lt = memchr(p, '<', (size_t)(end - p)), *gt, *q;
		char name[16];
		size_t nn = 0;
		int closing = 0;

		if (lt == NULL) {
			text_run(&h, p, (size_t)(end - p));
			break;
		}
		text_run(&h, p, (size_t)(lt - p));
		p = lt;
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			q = find_ci(p + 4, end, "-->");
			p = q ? q + 3 : end;
			continue;
		}
		q = p + 1;
		if (q < end && *q == '/') {
			closing = 1;
			q++;
		}
		if (q >= end || !(isalpha((unsigned char)*q) || (*q == '!' && !closing) ||
		    (*q == '?' && !closing))) {
			text_bytes(&h, "<", 1);
			p++;
			continue;
		}
		while (q < end && (isalnum((unsigned char)*q) || *q == '!' || *q == '?' ||
		    *q == ':' || *q == '-') && nn < sizeof(name) - 1)
			name[nn++] = (char)tolower((unsigned char)*q++);
		name[nn] = '\0';
		gt = tag_end(q, end);
		p = gt < end ? gt + 1 : end;

		if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
		    strcmp(name, "title") == 0 || strcmp(name, "noscript") == 0 ||
		    strcmp(name, "template") == 0 || strcmp(name, "svg") == 0)) {
			char close[24];
			const char *c2;

			snprintf(close, sizeof(close), "</%s", name);
			c2 = find_ci(p, end, close);
			if (c2 == NULL) {
				p = end;
			} else {
				gt = tag_end(c2, end);
				p = gt < end ? gt + 1 : end;
			}
			continue;
		}
		if (!closing && strcmp(name, "head") == 0 && !h.head_done) {
			/* skip to </head> or <body>, whichever comes first; only
			 * once, so that many <head> tags cost one scan */
			const char *c1 = find_ci(p, end, "</head"), *c2 = find_ci(p, end, "<body");
			const char *c = c1 && (!c2 || c1 < c2) ? c1 : c2;

			h.head_done = 1;
			p = c ? c : end;
			continue;
		}
		if (strcmp(name, "br") == 0) {
			/* each <br> is one more line break (two make a blank
			 * line), except at the very start */
			if (h.out->len == 0)
				h.nl = 0;
			else if (h.nl < 2 || h.pre)
				h.nl++;
			h.space = 0;
			continue;
		}
		if (strcmp(name, "blockquote") == 0) {
			want_nl(&h, 1);
			if (closing && h.quote > 0)
				h.quote--;
			else if (!closing && h.quote < 8)
				h.quote++;
			continue;
		}
		if (strcmp(name, "pre") == 0) {
			want_nl(&h, 2);
			h.pre = !closing;
			continue;
		}
		if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0) {
			want_nl(&h, h.nlist ? 1 : 2);
			if (!closing && h.nlist < 8)
				h.list[h.nlist++] = name[0] == 'o' ? 1 : 0;
			else if (closing && h.nlist > 0)
				h.nlist--;
			continue;
		}
		if (strcmp(name, "li") == 0) {
			want_nl(&h, 1);
			if (!closing) {
				int lvl = h.nlist ? h.nlist - 1 : 0, k, off = 0;

				for (k = 0; k < lvl && k < 4; k++)
					off += snprintf(h.bulletbuf + off, sizeof(h.bulletbuf) - (size_t)off, "  ");
				if (h.nlist && h.list[lvl] > 0)
					snprintf(h.bulletbuf + off, sizeof(h.bulletbuf) - (size_t)off, "%d. ",
					    h.list[lvl]++ % 1000);
				else
					snprintf(h.bulletbuf + off, sizeof(h.bulletbuf) - (size_t)off, "- ");
				h.bullet = h.bulletbuf;
			}
			continue;
		}
		if (strcmp(name, "a") == 0) {
			if (!closing) {
				if (h.in_link)
					link_close(&h);
				if (attr_value(q, gt, "href", &h.href)) {
					decode_href(&h.href);
					text_prefix(&h);
					h.link_at = h.out->len;
					h.in_link = 1;
				}
			} else if (h.in_link) {
				link_close(&h);
			}
			continue;
		}
		if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
			if (h.out->len)
				h.space = 1;
			continue;
		}
		if (strcmp(name, "img") == 0 && !closing) {
			struct buf alt;

			buf_init(&alt, 512);
			if (attr_value(q, gt, "alt", &alt) && alt.len)
				text_run(&h, alt.data, alt.len);
			buf_release(&alt);
			continue;
		}
		if (name_is(name, para)) {
			want_nl(&h, 2);
			continue;
		}
		if (name_is(name, line)) {
			want_nl(&h, 1);
			continue;
		}
		/* other tags (span, b, font, ...) are invisible; an unknown
		 * inline tag still separates words the way a browser would not,
		 * so it adds nothing */
	}
	if (h.in_link)
		link_close(&h);
	buf_release(&h.href);
	return h.full ? -1 : 0;
}
