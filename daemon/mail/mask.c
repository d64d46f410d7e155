/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mask - hide addresses; rewrite the text of a raw message (see mask.h)
 *
 * The masker looks at every byte that could write an "@" (the sign, its
 * full-width, percent and HTML forms, a space before a spelled "at") when
 * the byte before it could end a local part, reads a domain after it, and
 * only then walks back over the local part: one pass, no backtracking
 * beyond the local part, which stops where the last replacement ended.
 *
 * The message rewriter parses each entity once: its header field by field
 * (a field whose rewritten text differs is written again, its non-ASCII
 * words as RFC 2047 base64 words; an unchanged field keeps its bytes), then
 * its body by Content-Type: multiparts split at their delimiter lines,
 * text parts transfer-decoded, converted to UTF-8 and rewritten, attached
 * messages rewritten as messages.  What changed is encoded as it came
 * (base64 stays base64, quoted-printable stays quoted-printable); a text in
 * another charset that changed comes out as UTF-8 with its Content-Type
 * saying so.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "charset.h"
#include "codec.h"
#include "header.h"
#include "mailparse.h"
#include "mask.h"
#include "mime_out.h"
#include "params.h"
#include "rfc2047.h"

enum { AT_TIGHT = 1, AT_SPELLED, AT_WORD };

#define MASK_DEPTH 16           /* MIME nesting rewritten; deeper is text */
#define LABELS_MAX 127          /* labels of a domain */

/* is_alpha, is_digit, is_alnum - ASCII classes, locale-free */
static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

/* local_bytes - the ASCII bytes that may be part of a local part:
 * letters, digits and the specials of RFC 5322's atext (with ".").  A
 * table: the masker asks it of the byte before every blank of a text. */
#define LOCAL_ALNUM \
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, \
	['7'] = 1, ['8'] = 1, ['9'] = 1, \
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, \
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, \
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, \
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, \
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, \
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, \
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, \
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1
static const unsigned char local_bytes[256] = {
	LOCAL_ALNUM,
	['.'] = 1, ['_'] = 1, ['%'] = 1, ['+'] = 1, ['-'] = 1, ['='] = 1, ['!'] = 1,
	['#'] = 1, ['$'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['/'] = 1, ['?'] = 1,
	['^'] = 1, ['`'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1,
};

/* local_char - may c be part of a local part?  Bytes of UTF-8 characters
 * are (RFC 6531 local parts) */
static int
local_char(unsigned char c)
{
	return c >= 0x80 || local_bytes[c];
}

/* ci_prefix - the length of w (lower-case ASCII) when [p, end) starts with
 * it in any case, else 0 */
static size_t
ci_prefix(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)w[i])
			return 0;
	}
	return n;
}

/* spaces - how many blanks (at most 3) start [p, end) */
static size_t
spaces(const char *p, const char *end)
{
	size_t n = 0;

	while (n < 3 && p + n < end && (p[n] == ' ' || p[n] == '\t'))
		n++;
	return n;
}

/* bracketed - "(word)", "[ word ]", "{word}", "<word>" at p: its length, or 0 */
static size_t
bracketed(const char *p, const char *end, const char *word)
{
	static const char open[] = "([{<", close[] = ")]}>";
	const char *o;
	size_t n, k;

	if (p >= end || *p == '\0' || (o = strchr(open, *p)) == NULL)
		return 0;
	n = 1 + spaces(p + 1, end);
	if ((k = ci_prefix(p + n, end, word)) == 0)
		return 0;
	n += k;
	n += spaces(p + n, end);
	if (p + n >= end || p[n] != close[o - open])
		return 0;
	return n + 1;
}

/* spelled - a spelled sign at p: blanks, then "(word)" or the bare sign
 * sym (NULL: none) or, after a blank, the bare word followed by a blank;
 * then blanks.  Its length, or 0; *bare says the bare word was used.
 * Every form but the bracketed one needs a blank first, and after the
 * blanks comes an opening bracket, sym's first byte or word's first letter
 * (any case): anything else is given up at once, as most blanks of a text
 * are followed by a word. */
static size_t
spelled(const char *p, const char *end, const char *word, const char *sym, int *bare)
{
	size_t s = spaces(p, end), n;
	unsigned char c;

	*bare = 0;
	if (p + s >= end)
		return 0;
	c = (unsigned char)p[s];
	if (c == '(' || c == '[' || c == '{' || c == '<') {
		if ((n = bracketed(p + s, end, word)) == 0)
			return 0;
		n += s;
		return n + spaces(p + n, end);
	}
	if (s == 0)
		return 0;
	if (sym && c == (unsigned char)sym[0] && (n = ci_prefix(p + s, end, sym)) != 0 &&
	    p + s + n < end && (p[s + n] == ' ' || p[s + n] == '\t')) {
		n += s;
		return n + spaces(p + n, end);
	}
	if ((c | 0x20) == (unsigned char)word[0] && (n = ci_prefix(p + s, end, word)) != 0 &&
	    p + s + n < end && (p[s + n] == ' ' || p[s + n] == '\t')) {
		*bare = 1;
		n += s;
		return n + spaces(p + n, end);
	}
	return 0;
}

/* at_sign - an "@" written at p: its length (its kind in *kind), or 0.
 * Each form has its own first byte: "@", "\xef\xbc\xa0" (full width),
 * "%40", "=40", "&#64;" and "&#x40;" written tight; a blank or an opening
 * bracket before a spelled "at" (see spelled). */
static size_t
at_sign(const char *p, const char *end, int *kind)
{
	size_t n = 0;
	int bare;

	*kind = AT_TIGHT;
	switch ((unsigned char)*p) {
	case '@':
		return 1;
	case 0xef:
		return ci_prefix(p, end, "\xef\xbc\xa0");
	case '%':
		return ci_prefix(p, end, "%40");
	case '=':
		return ci_prefix(p, end, "=40");
	case '&':
		if ((n = ci_prefix(p, end, "&#64;")) == 0)
			n = ci_prefix(p, end, "&#x40;");
		return n;
	case ' ': case '\t': case '(': case '[': case '{': case '<':
		if ((n = spelled(p, end, "at", "@", &bare)) != 0)
			*kind = bare ? AT_WORD : AT_SPELLED;
		return n;
	default:
		return 0;
	}
}

/* dot_sign - a dot between labels at p: its length, or 0; the spelled
 * forms only when spelled_ok */
static size_t
dot_sign(const char *p, const char *end, int spelled_ok)
{
	static const char *const tight[] = { "\xef\xbc\x8e", "\xe3\x80\x82", "\xef\xbd\xa1" };
	size_t n;
	int bare;

	if (p < end && *p == '.')
		return 1;
	for (size_t i = 0; i < sizeof(tight) / sizeof(tight[0]); i++)
		if ((n = ci_prefix(p, end, tight[i])) != 0)
			return n;
	if (!spelled_ok)
		return 0;
	return spelled(p, end, "dot", ".", &bare);
}

/* utf8_len - the length of the UTF-8 character at p (1 for a stray byte) */
static size_t
utf8_len(const char *p, const char *end)
{
	unsigned char c = (unsigned char)*p;
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	if ((size_t)(end - p) < n)
		return 1;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* domain_char - the length of one character of a label at p, or 0 */
static size_t
domain_char(const char *p, const char *end)
{
	unsigned char c = (unsigned char)*p;

	if (is_alnum(c) || c == '-' || c == '_')
		return 1;
	if (c == '%' && end - p >= 3 && strchr("0123456789abcdefABCDEF", p[1]) && p[1] &&
	    strchr("0123456789abcdefABCDEF", p[2]) && p[2] && !(p[1] == '4' && p[2] == '0'))
		return 3;
	if (c >= 0x80 && dot_sign(p, end, 0) == 0 && ci_prefix(p, end, "\xef\xbc\xa0") == 0)
		return utf8_len(p, end);
	return 0;
}

/* ip_literal - "[192.0.2.1]" or "[IPv6:2001:db8::1]" at p: its end, or NULL */
static const char *
ip_literal(const char *p, const char *end)
{
	int digits = 0, seps = 0;

	for (const char *q = p + 1; q < end && q - p < 64; q++) {
		if (*q == ']')
			return digits && seps ? q + 1 : NULL;
		if (is_digit((unsigned char)*q))
			digits++;
		else if (*q == '.' || *q == ':')
			seps++;
		else if (!is_alpha((unsigned char)*q))
			return NULL;
	}
	return NULL;
}

/* domain - the domain written at p after an "@" of this kind: its end,
 * or NULL when what follows would not be taken for one */
static const char *
domain(const char *p, const char *end, int kind)
{
	const char *q = p, *good = NULL;
	int labels = 0, letter = 0, tld = 0;

	for (;;) {
		const char *ls = q;
		int alpha = 1, ascii = 1;
		size_t k, len = 0;

		while (q < end && (k = domain_char(q, end)) > 0) {
			if (k > 1 && *q != '%')
				ascii = 0;
			else if (!is_alpha((unsigned char)*q))
				alpha = 0;
			else
				letter = 1;
			q += k;
			len++;
		}
		if (q == ls)
			break;
		labels++;
		letter |= !ascii;
		tld = !ascii || (alpha && len >= 2);
		good = q;
		if (labels >= LABELS_MAX || (k = dot_sign(q, end, kind != AT_TIGHT)) == 0)
			break;
		q += k;
	}
	if (good == NULL)
		return NULL;
	if (kind == AT_TIGHT)
		return labels >= 2 || letter ? good : NULL;
	return labels >= 2 && tld ? good : NULL;
}

/* The bytes that may start an at-sign (at_sign's forms), and what must
 * follow a blank for it to start one (spelled): a blank or an opening
 * bracket, "@", or the "a" of "at".  A blank before anything else (most of
 * them: before a word) starts nothing, so the scan tests each byte with
 * the next: start_class[c] & (START_ANY | after_blank[next]) is 0 when c
 * starts nothing. */
enum { START_BLANK = 1, START_ANY = 2 };
static const unsigned char start_class[256] = {
	[' '] = START_BLANK, ['\t'] = START_BLANK,
	['@'] = START_ANY, ['('] = START_ANY, ['['] = START_ANY, ['{'] = START_ANY,
	['<'] = START_ANY, ['%'] = START_ANY, ['='] = START_ANY, ['&'] = START_ANY,
	[0xef] = START_ANY,
};
static const unsigned char after_blank[256] = {
	[' '] = START_BLANK, ['\t'] = START_BLANK, ['('] = START_BLANK, ['['] = START_BLANK,
	['{'] = START_BLANK, ['<'] = START_BLANK, ['@'] = START_BLANK, ['a'] = START_BLANK,
	['A'] = START_BLANK,
};

/* mask_text - see mask.h */
void
mask_text(struct buf *out, const char *p, const char *end)
{
	const char *run = p, *i = p;

	while (i < end) {
		const char *de = NULL, *l;
		size_t n;
		int kind;

		/* most bytes cannot start an at-sign: two table look-ups each,
		 * no branch taken but where one may start */
		while (i + 1 < end && !(start_class[(unsigned char)i[0]] &
		    (START_ANY | after_blank[(unsigned char)i[1]])))
			i++;
		if (!start_class[(unsigned char)*i]) {
			i++;
			continue;
		}
		if (i == run || !local_char((unsigned char)i[-1]) ||
		    (n = at_sign(i, end, &kind)) == 0) {
			i++;
			continue;
		}
		if (kind == AT_TIGHT && i + n < end && i[n] == '[')
			de = ip_literal(i + n, end);
		if (de == NULL)
			de = domain(i + n, end, kind);
		if (de == NULL) {
			i++;
			continue;
		}
		for (l = i; l > run && local_char((unsigned char)l[-1]); l--)
			;
		buf_append(out, run, (size_t)(l - run));
		buf_puts(out, MASK_HIDDEN);
		run = i = de;
	}
	buf_append(out, run, (size_t)(end - run));
}

/* mask_str - see mask.h */
const char *
mask_str(struct buf *out, const char *s)
{
	buf_reset(out);
	mask_text(out, s, s + strlen(s));
	return buf_failed(out) ? NULL : out->data;
}

/* ---- a raw message, rewritten ------------------------------------------ */

struct mctx {
	struct mailparse mp;
	mask_rewriter *fn;
	void *arg;
	int keep_ids;
	const char *eol;            /* the message's line end */
	size_t cap;                 /* of every scratch buffer */
};

/* apply - fn over [p, end) into res (reset first); 1 when it changed */
static int
apply(struct mctx *m, struct buf *res, const char *p, const char *end)
{
	buf_reset(res);
	m->fn(m->arg, res, p, end);
	return res->len != (size_t)(end - p) || memcmp(res->data, p, res->len) != 0;
}

/* encoded_chunk - s[0..n) as RFC 2047 base64 words of at most 30 bytes
 * each (whole characters), folded between them */
static void
encoded_chunk(struct mctx *m, struct buf *out, const char *s, size_t n)
{
	while (n > 0) {
		size_t k = n > 30 ? 30 : n;

		while (k < n && k > 1 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		buf_puts(out, "=?UTF-8?B?");
		codec_base64_encode(s, k, out);
		buf_puts(out, "?=");
		s += k;
		n -= k;
		if (n > 0) {
			buf_puts(out, m->eol);
			buf_putc(out, ' ');
		}
	}
}

/* needs_encoding - has [p, p + n) a byte a header cannot carry as is? */
static int
needs_encoding(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80 || (unsigned char)p[i] < 0x20 ||
		    (p[i] == '=' && i + 1 < n && p[i + 1] == '?'))
			return 1;
	return 0;
}

/* encode_words - the UTF-8 text s as a header value: words that need it
 * (and the blanks between such words) as encoded words, the rest as is */
static void
encode_words(struct mctx *m, struct buf *out, const char *s)
{
	size_t col = 0;

	while (*s) {
		const char *w = s, *e;
		size_t n;

		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		e = w + strcspn(w, " ");
		if (needs_encoding(w, (size_t)(e - w))) {
			/* join the following words that need it too */
			for (;;) {
				const char *x = e, *y;

				while (*x == ' ')
					x++;
				y = x + strcspn(x, " ");
				if (*x == '\0' || !needs_encoding(x, (size_t)(y - x)))
					break;
				e = y;
			}
			buf_putc(out, ' ');
			encoded_chunk(m, out, w, (size_t)(e - w));
			col = 40;
		} else {
			n = (size_t)(e - w);
			if (col + n > 76 && col > 0) {
				buf_puts(out, m->eol);
				col = 0;
			}
			buf_putc(out, ' ');
			buf_append(out, w, n);
			col += n + 1;
		}
		s = e;
	}
}

/* encoded_word - an RFC 2047 word at p: its length, or 0 */
static size_t
encoded_word(const char *p, const char *end)
{
	const char *q = p + 2;
	int marks = 0;

	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	for (; q + 1 < end && q - p < 256; q++) {
		if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
			return 0;
		if (*q == '?') {
			if (marks == 2 && q[1] == '=')
				return (size_t)(q + 2 - p);
			marks++;
		}
	}
	return 0;
}

/* params_field - a field with parameters (Content-Type, -Disposition):
 * fn over its plain text and over each encoded word alone (a file name),
 * the boundary parameter untouched (the body's delimiters use it) */
static void
params_field(struct mctx *m, struct buf *out, const char *p, const char *end)
{
	struct buf dec, res;
	const char *run = p;

	buf_init(&dec, m->cap);
	buf_init(&res, m->cap);
	while (p < end) {
		size_t n;

		if ((n = encoded_word(p, end)) != 0) {
			apply(m, &res, run, p);
			buf_append(out, res.data, res.len);
			buf_reset(&dec);
			rfc2047_decode(&m->mp.cc, p, n, &dec, NULL, 0);
			if (apply(m, &res, dec.data, dec.data + dec.len))
				encoded_chunk(m, out, res.data, res.len);
			else
				buf_append(out, p, n);
			run = p += n;
		} else if ((n = ci_prefix(p, end, "boundary=")) != 0) {
			const char *v = p + n;

			apply(m, &res, run, p);
			buf_append(out, res.data, res.len);
			if (v < end && *v == '"') {
				const char *q = memchr(v + 1, '"', (size_t)(end - v - 1));

				v = q ? q + 1 : end;
			} else {
				/* the input is no C string: scan to end at most */
				while (v < end && *v != ';' && *v != '\r' && *v != '\n' &&
				    *v != ' ' && *v != '\t')
					v++;
			}
			buf_append(out, p, (size_t)(v - p));
			run = p = v;
		} else {
			p++;
		}
	}
	apply(m, &res, run, end);
	buf_append(out, res.data, res.len);
	if (buf_failed(&res) || buf_failed(&dec))
		buf_fail(out);
	buf_release(&dec);
	buf_release(&res);
}

/* encoded_word_in - has [p, end) an encoded word? */
static int
encoded_word_in(const char *p, const char *end)
{
	for (; p + 1 < end; p++)
		if (p[0] == '=' && p[1] == '?' && encoded_word(p, end))
			return 1;
	return 0;
}

/* text_field - any other field: its value decoded (encoded words), fn
 * over it, and written again only when that changed something */
static void
text_field(struct mctx *m, struct buf *out, const char *name, size_t nlen,
    const char *v, const char *end)
{
	struct buf dec, res;

	if (encoded_word_in(v, end) == 0) {
		buf_init(&res, m->cap);
		buf_append(out, name, nlen);
		apply(m, &res, v, end);
		buf_append(out, res.data, res.len);
		if (buf_failed(&res))
			buf_fail(out);
		buf_release(&res);
		return;
	}
	buf_init(&dec, m->cap);
	buf_init(&res, m->cap);
	header_unfold(&m->mp, v, (size_t)(end - v), &m->mp.tmp3);
	rfc2047_decode(&m->mp.cc, m->mp.tmp3.data, m->mp.tmp3.len, &dec, NULL, 0);
	if (apply(m, &res, dec.data, dec.data + dec.len)) {
		buf_append(out, name, nlen);
		encode_words(m, out, res.data);
		buf_puts(out, m->eol);
	} else {
		buf_append(out, name, nlen);
		buf_append(out, v, (size_t)(end - v));
	}
	if (buf_failed(&res) || buf_failed(&dec))
		buf_fail(out);
	buf_release(&dec);
	buf_release(&res);
}

/* field_is - is the field name [p, p + n) this one (any case)? */
static int
field_is(const char *p, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(p, name, n) == 0;
}

struct entity_header {
	struct header_span ct, cte;   /* raw values, p NULL when absent */
	size_t ct_off, ct_len;        /* the Content-Type field in the copy */
};

/* header - the fields of [p, end) rewritten into out */
static void
header(struct mctx *m, struct buf *out, const char *p, const char *end,
    struct entity_header *eh)
{
	while (p < end) {
		const char *fe = p, *colon;
		size_t nlen;

		/* the field: its first line and the lines folded under it */
		do {
			const char *eol = memchr(fe, '\n', (size_t)(end - fe));

			fe = eol ? eol + 1 : end;
		} while (fe < end && (*fe == ' ' || *fe == '\t'));
		colon = memchr(p, ':', (size_t)(fe - p));
		if (colon == NULL) {
			struct buf res;

			buf_init(&res, m->cap);
			apply(m, &res, p, fe);
			buf_append(out, res.data, res.len);
			buf_release(&res);
			p = fe;
			continue;
		}
		nlen = (size_t)(colon - p);
		if (m->keep_ids && (field_is(p, nlen, "Message-ID") ||
		    field_is(p, nlen, "In-Reply-To") || field_is(p, nlen, "References"))) {
			buf_append(out, p, (size_t)(fe - p));
		} else if (field_is(p, nlen, "Content-Type") ||
		    field_is(p, nlen, "Content-Disposition")) {
			int first_ct = field_is(p, nlen, "Content-Type") && eh->ct.p == NULL;
			size_t off = out->len;

			buf_append(out, p, nlen + 1);
			params_field(m, out, colon + 1, fe);
			if (first_ct) {
				eh->ct.p = colon + 1;
				eh->ct.n = (size_t)(fe - colon - 1);
				eh->ct_off = off;
				eh->ct_len = out->len - off;
			}
		} else {
			if (field_is(p, nlen, "Content-Transfer-Encoding") && eh->cte.p == NULL) {
				eh->cte.p = colon + 1;
				eh->cte.n = (size_t)(fe - colon - 1);
			}
			text_field(m, out, p, nlen + 1, colon + 1, fe);
		}
		p = fe;
	}
}

static void entity(struct mctx *m, struct buf *out, const char *p, const char *end,
    int depth, int in_digest);

/* rewrite_text - fn over [p, end) appended to out */
static void
rewrite_text(struct mctx *m, struct buf *out, const char *p, const char *end)
{
	m->fn(m->arg, out, p, end);
}

/* multipart - the body [p, end) of a multipart split at its delimiters:
 * preamble and epilogue rewritten as text, each part as an entity */
static void
multipart(struct mctx *m, struct buf *out, const char *p, const char *end,
    const char *boundary, int depth, int digest)
{
	size_t bl = strlen(boundary);
	const char *q = p, *seg = p;
	int in_part = 0;

	while (q < end) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));
		const char *next = eol ? eol + 1 : end;

		if ((size_t)(next - q) >= 2 + bl && q[0] == '-' && q[1] == '-' &&
		    memcmp(q + 2, boundary, bl) == 0) {
			int close = (size_t)(next - q) >= 4 + bl && q[2 + bl] == '-' &&
			    q[3 + bl] == '-';
			const char *ce = q;

			if (ce > seg && ce[-1] == '\n') {
				ce--;
				if (ce > seg && ce[-1] == '\r')
					ce--;
			}
			if (in_part)
				entity(m, out, seg, ce, depth + 1, digest);
			else
				rewrite_text(m, out, seg, ce);
			buf_append(out, ce, (size_t)(next - ce));
			seg = next;
			in_part = 1;
			if (close) {
				rewrite_text(m, out, next, end);
				return;
			}
		}
		q = next;
	}
	if (in_part)
		entity(m, out, seg, end, depth + 1, digest);
	else
		rewrite_text(m, out, seg, end);
}

/* utf8_compatible - text in this charset needs no conversion */
static int
utf8_compatible(const char *cs)
{
	return *cs == '\0' || strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	    strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

/* leaf - a text part or an attached message: decoded, converted to UTF-8,
 * rewritten, and encoded again as it came when that changed anything */
static void
leaf(struct mctx *m, struct buf *out, const struct buf *hdr, const struct entity_header *eh,
    const char *blank, const char *body, const char *end, const char *type,
    const char *charset, const char *cte, int depth)
{
	struct buf dec, utf, res;
	const char *text = body, *tend = end;
	int message = strncmp(type, "message/", 8) == 0, converted = 0, b64, qp;
	size_t dlen;

	b64 = strcmp(cte, "base64") == 0;
	qp = strcmp(cte, "quoted-printable") == 0;
	buf_init(&dec, m->cap);
	buf_init(&utf, m->cap);
	buf_init(&res, m->cap);
	if (b64 || qp) {
		if (b64)
			codec_base64(body, (size_t)(end - body), &dec, &dlen);
		else
			codec_qp(body, (size_t)(end - body), 0, &dec, &dlen);
		text = dec.data;
		tend = dec.data + dec.len;
	}
	if (!message && !utf8_compatible(charset)) {
		charset_convert(&m->mp.cc, charset, text, (size_t)(tend - text), &utf);
		text = utf.data;
		tend = utf.data + utf.len;
		converted = 1;
	}
	if (message)
		entity(m, &res, text, tend, depth + 1, 0);
	else
		m->fn(m->arg, &res, text, tend);
	if (buf_failed(&dec) || buf_failed(&utf) || buf_failed(&res)) {
		buf_fail(out);
	} else if (res.len == (size_t)(tend - text) && memcmp(res.data, text, res.len) == 0) {
		buf_append(out, hdr->data, hdr->len);
		buf_append(out, blank, (size_t)(end - blank));
	} else {
		if (converted && eh->ct_len > 0) {
			buf_append(out, hdr->data, eh->ct_off);
			buf_printf(out, "Content-Type: %s; charset=utf-8%s", type, m->eol);
			buf_append(out, hdr->data + eh->ct_off + eh->ct_len,
			    hdr->len - eh->ct_off - eh->ct_len);
		} else {
			buf_append(out, hdr->data, hdr->len);
		}
		buf_append(out, blank, (size_t)(body - blank));
		if (b64)
			mime_base64_body(out, res.data, res.len);
		else if (qp)
			mime_qp_encode(out, res.data, res.len);
		else
			buf_append(out, res.data, res.len);
	}
	buf_release(&dec);
	buf_release(&utf);
	buf_release(&res);
}

/* entity - a header and its body [p, end) rewritten into out */
static void
entity(struct mctx *m, struct buf *out, const char *p, const char *end, int depth,
    int in_digest)
{
	struct entity_header eh;
	struct params_list pp;
	struct buf hdr;
	const char *hend = header_end(p, end), *body;
	char type[128], cte[32], charset[64] = "";
	int i;

	if (depth > MASK_DEPTH) {
		rewrite_text(m, out, p, end);
		return;
	}
	memset(&eh, 0, sizeof(eh));
	buf_init(&hdr, m->cap);
	header(m, &hdr, p, hend, &eh);
	/* the blank line */
	body = hend;
	if (body < end) {
		const char *eol = memchr(body, '\n', (size_t)(end - body));

		body = eol ? eol + 1 : end;
	}
	params_init(&pp);
	params_content_type(&m->mp, &eh.ct, in_digest ? "message/rfc822" : "text/plain",
	    type, sizeof(type), &pp);
	header_token(&m->mp, &eh.cte, cte, sizeof(cte));
	if ((i = params_find(&pp, "charset")) >= 0)
		snprintf(charset, sizeof(charset), "%.*s", (int)pp.p[i].len,
		    pp.pool.data + pp.p[i].off);
	if (buf_failed(&hdr)) {
		buf_fail(out);
	} else if (strncmp(type, "multipart/", 10) == 0 &&
	    (i = params_find(&pp, "boundary")) >= 0 && pp.p[i].len > 0 &&
	    pp.p[i].len < 200) {
		char boundary[200];

		snprintf(boundary, sizeof(boundary), "%.*s", (int)pp.p[i].len,
		    pp.pool.data + pp.p[i].off);
		buf_append(out, hdr.data, hdr.len);
		buf_append(out, hend, (size_t)(body - hend));
		multipart(m, out, body, end, boundary,
		    depth, strcmp(type, "multipart/digest") == 0);
	} else if (strncmp(type, "text/", 5) == 0 || strcmp(type, "message/rfc822") == 0 ||
	    strcmp(type, "message/global") == 0) {
		leaf(m, out, &hdr, &eh, hend, body, end, type, charset, cte, depth);
	} else {
		buf_append(out, hdr.data, hdr.len);
		buf_append(out, hend, (size_t)(end - hend));
	}
	params_release(&pp);
	buf_release(&hdr);
}

/* mask_message_with - see mask.h */
int
mask_message_with(struct buf *out, const char *raw, size_t len, int keep_ids,
    mask_rewriter *fn, void *arg)
{
	struct mctx m;
	struct arena *a = arena_new(1u << 20);
	const char *nl = memchr(raw, '\n', len);

	mailparse_init(&m.mp, a, len + 65536, len + 65536);
	m.fn = fn;
	m.arg = arg;
	m.keep_ids = keep_ids;
	m.eol = nl && nl > raw && nl[-1] == '\r' ? "\r\n" : "\n";
	m.cap = 16 * len + 65536;
	entity(&m, out, raw, raw + len, 0, 0);
	mailparse_release(&m.mp);
	arena_free(&a);
	return buf_failed(out) ? -1 : 0;
}

/* masker - mask_text as a mask_rewriter */
static void
masker(void *arg, struct buf *out, const char *p, const char *end)
{
	(void)arg;
	mask_text(out, p, end);
}

/* mask_message - see mask.h */
int
mask_message(struct buf *out, const char *raw, size_t len)
{
	return mask_message_with(out, raw, len, 1, masker, NULL);
}
