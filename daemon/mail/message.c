/* message - parse one raw message once, under limits, into struct message
 *
 * The structure parser (header fields, multipart splitting, part walking) is
 * our own rather than libetpan's mailmime_parse(): libetpan builds a full
 * tree of heap objects for every part and header, has no limits on header
 * count, nesting or part count, stops at the first malformation instead of
 * recording a defect and going on, and copies the whole message; at the
 * import target (10 000 4 KB messages per second, 64 MB peak for a 1 GB
 * mbox) the per-part allocation and the missing limits are what matter.  The
 * pieces libetpan would lend us are small and are done here tolerant and
 * capped instead: transfer decoding (codec.c), encoded words (rfc2047.c) and
 * charsets through iconv (charset.c, which also decides what a lying or
 * unknown charset becomes).
 *
 * One pass: the header is scanned line by line; a multipart body is scanned
 * once per nesting level for its delimiter lines (depth is capped, so the
 * total is linear); each text leaf is decoded, converted to UTF-8 and
 * appended to one capped text buffer; attachments are only sized.  Quote and
 * signature detection (quote.c) and link extraction run once over the text.
 * Every result string is copied into the message's arena, whose cap bounds
 * the memory one message can take; the temporary buffers are capped too.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "arena.h"
#include "buf.h"
#include "charset.h"
#include "clock.h"
#include "codec.h"
#include "html2text.h"
#include "message.h"
#include "quote.h"
#include "rfc2047.h"
#include "xalloc.h"

#define MAX_DEFECTS    32
#define MAX_LINE       998      /* RFC 5322 line limit, for the defect */
#define MAX_ADDRESSES  1000     /* per address header */
#define MAX_REFERENCES 200      /* first one and the last 199 are kept */
#define MAX_ID         998
#define MAX_SPANS      256
#define MAX_LINKS      100
#define MAX_LINK       2048
#define MAX_PARAMS     32
#define MAX_FORWARD    8        /* forwarded messages whose text we show */

/* The header fields of one entity that the parser itself needs, as raw
 * (folded) spans of the input */
struct span {
	const char *p;
	size_t n;
};

enum hf {
	HF_CONTENT_TYPE, HF_CTE, HF_DISPOSITION,
	HF_MESSAGE_ID, HF_IN_REPLY_TO, HF_REFERENCES, HF_SUBJECT, HF_FROM,
	HF_SENDER, HF_REPLY_TO, HF_TO, HF_CC, HF_DATE, HF_RETURN_PATH,
	HF_COUNT
};

static const char *const hf_names[HF_COUNT] = {
	"content-type", "content-transfer-encoding", "content-disposition",
	"message-id", "in-reply-to", "references", "subject", "from",
	"sender", "reply-to", "to", "cc", "date", "return-path",
};

struct entity {
	struct span hf[HF_COUNT];     /* first occurrence of each */
	const char *body;             /* body start */
};

/* A parsed Content-Type or Content-Disposition parameter list */
struct mparams {
	struct {
		char attr[48];        /* lower-case */
		size_t off, len;      /* value in pool */
	} p[MAX_PARAMS];
	size_t n;
	struct buf pool;
};

struct ctx {
	struct message *m;
	struct msg_limits lim;
	struct arena *a;
	struct charset_cache cc;
	struct buf text;              /* the body text so far */
	struct buf tmp1, tmp2, tmp3;  /* per leaf scratch */
	const char *defects[MAX_DEFECTS];
	size_t ndefects;
	size_t nparts;
	struct msg_attachment *att;   /* heap, copied to the arena at the end */
	size_t natt, att_alloc;
	const char *bstack[64];       /* boundaries of the enclosing multiparts */
	size_t blen[64];
	size_t nb;
	int got_plain, got_html;
	int nforward;
	/* the top-level header fields, as spans, before copying */
	struct span *fields;          /* name, value pairs: 2 per field */
	size_t nfields, fields_alloc;
	struct entity top;            /* the top-level header */
};

/* ---- defects and arena helpers ------------------------------------- */

/* defect - record a short defect string (static or arena), once */
static void
defect(struct ctx *c, const char *what)
{
	size_t i;

	for (i = 0; i < c->ndefects; i++)
		if (strcmp(c->defects[i], what) == 0)
			return;
	if (c->ndefects < MAX_DEFECTS)
		c->defects[c->ndefects++] = what;
}

/* astrndup - a copy in the arena; "" (and a defect) when the arena is full */
static const char *
astrndup(struct ctx *c, const char *s, size_t n)
{
	char *r = arena_strndup(c->a, s, n);

	if (r == NULL) {
		defect(c, "arena-full");
		return "";
	}
	return r;
}

/* aalloc - zeroed arena memory, or NULL (and a defect) when full */
static void *
aalloc(struct ctx *c, size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > ((size_t)-1) / size) {
		defect(c, "arena-full");
		return NULL;
	}
	p = arena_alloc(c->a, nmemb * size);
	if (p == NULL)
		defect(c, "arena-full");
	return p;
}

/* defect_charset - "bad-charset:NAME" with the name made printable */
static void
defect_charset(struct ctx *c, const char *name)
{
	char d[64];
	size_t i, n = 0;

	n = (size_t)snprintf(d, sizeof(d), "bad-charset:");
	for (i = 0; name && name[i] && n < sizeof(d) - 1; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '"' || ch == '\'' || ch == ' ' || ch == ';')
			continue;
		d[n++] = ch > 0x20 && ch < 0x7f ? (char)tolower(ch) : '?';
	}
	d[n] = '\0';
	for (i = 0; i < c->ndefects; i++)
		if (strcmp(c->defects[i], d) == 0)
			return;
	defect(c, astrndup(c, d, n));
}

/* conv_flags - record the defects a charset conversion reported */
static void
conv_flags(struct ctx *c, int r, const char *charset)
{
	if (r & CHARSET_BAD)
		defect_charset(c, charset ? charset : "");
	if (r & CHARSET_NUL)
		defect(c, "nul-bytes");
}

/* ---- small string helpers ------------------------------------------ */

static int
is_wsp(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* trim - shrink [*p, *p + *n) to drop surrounding white space */
static void
trim(const char **p, size_t *n)
{
	while (*n && is_wsp((unsigned char)(*p)[0])) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_wsp((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

/* unfold - copy a raw field value into out without CR/LF, trimmed, as
 * clean UTF-8 (raw 8-bit read as UTF-8 else windows-1252, NULs dropped) */
static void
unfold(struct ctx *c, const struct span *v, struct buf *out)
{
	const char *p = v->p, *end = v->p + v->n, *nl;
	const char *s;
	size_t n;
	int r = 0;

	buf_reset(out);
	while (p < end) {
		for (nl = p; nl < end && *nl != '\r' && *nl != '\n'; nl++)
			;
		r |= charset_clean(p, (size_t)(nl - p), out);
		p = nl;
		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
	}
	if (r & CHARSET_NUL)
		defect(c, "nul-bytes");
	if (r & CHARSET_BAD)
		defect(c, "8bit-header");
	s = out->data;
	n = out->len;
	trim(&s, &n);
	if (s != out->data)
		memmove(out->data, s, n);
	buf_truncate(out, n);
}

/* ---- header scanning ------------------------------------------------ */

/* field_name_len - length of the field name of the line at p (up to the
 * colon, allowing blanks before it), and the colon's offset; 0 when the
 * line is not a field */
static size_t
field_name_len(const char *p, const char *eol, const char **colon)
{
	const char *q = p;

	while (q < eol && (unsigned char)*q > 32 && (unsigned char)*q < 127 && *q != ':')
		q++;
	if (q == p)
		return 0;
	{
		const char *name_end = q;

		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= eol || *q != ':')
			return 0;
		*colon = q;
		return (size_t)(name_end - p);
	}
}

/* line_end - the end of the line at p (at the '\n' or end) */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* next_line - the start of the line after p */
static const char *
next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/* is_blank_line - the line [p, eol) is empty (or only CR) */
static int
is_blank_line(const char *p, const char *eol)
{
	return p == eol || (eol - p == 1 && *p == '\r');
}

/* scan_header - read the header at [p, end) into e; for the top level
 * (top != 0) also keep every field in c->fields.  Returns the body start. */
static const char *
scan_header(struct ctx *c, const char *p, const char *end, struct entity *e, int top)
{
	size_t nfields = 0;
	int first = 1;

	memset(e, 0, sizeof(*e));
	while (p < end) {
		const char *eol = line_end(p, end), *colon = NULL, *name = p, *v;
		size_t nlen, i;

		if (is_blank_line(p, eol)) {
			p = eol < end ? eol + 1 : end;
			e->body = p;
			return p;
		}
		if ((size_t)(eol - p) > MAX_LINE + 1)
			defect(c, "line-too-long");
		nlen = field_name_len(p, eol, &colon);
		if (nlen == 0) {
			const char *nx = next_line(p, end), *nxe, *col2;

			/* an mbox "From " line before the header is no defect */
			if (first && top && eol - p >= 5 && memcmp(p, "From ", 5) == 0) {
				p = nx;
				first = 0;
				continue;
			}
			defect(c, "header-no-colon");
			/* skip the bad line when a field follows, else it starts
			 * the body (a sender that forgot the blank line) */
			nxe = line_end(nx, end);
			if (nx < end && (field_name_len(nx, nxe, &col2) || *nx == ' ' || *nx == '\t')) {
				p = nx;
				first = 0;
				continue;
			}
			e->body = p;
			return p;
		}
		first = 0;
		/* the value runs on over continuation lines */
		v = colon + 1;
		p = eol < end ? eol + 1 : end;
		while (p < end && (*p == ' ' || *p == '\t')) {
			eol = line_end(p, end);
			if ((size_t)(eol - p) > MAX_LINE + 1)
				defect(c, "line-too-long");
			p = eol < end ? eol + 1 : end;
		}
		for (i = 0; i < HF_COUNT; i++) {
			if (e->hf[i].p == NULL && strlen(hf_names[i]) == nlen &&
			    strncasecmp(hf_names[i], name, nlen) == 0) {
				e->hf[i].p = v;
				e->hf[i].n = (size_t)(p - v);
				break;
			}
		}
		nfields++;
		if (nfields > c->lim.max_headers) {
			defect(c, "too-many-headers");
		} else if (top) {
			if (c->nfields == c->fields_alloc) {
				c->fields_alloc = c->fields_alloc ? 2 * c->fields_alloc : 32;
				c->fields = xreallocarray(c->fields, c->fields_alloc, 2 * sizeof(*c->fields));
			}
			c->fields[2 * c->nfields].p = name;
			c->fields[2 * c->nfields].n = nlen;
			c->fields[2 * c->nfields + 1].p = v;
			c->fields[2 * c->nfields + 1].n = (size_t)(p - v);
			c->nfields++;
		}
	}
	e->body = end;
	return end;
}

/* ---- parameters (RFC 2045 + RFC 2231) -------------------------------- */

/* params_parse - read "; attr=value" pairs from s (clean UTF-8, unfolded),
 * starting after the first ';' */
static void
params_parse(struct mparams *pp, const char *s, size_t n)
{
	const char *p = memchr(s, ';', n), *end = s + n;

	pp->n = 0;
	buf_reset(&pp->pool);
	if (p == NULL)
		return;
	while (p < end && pp->n < MAX_PARAMS) {
		const char *a, *ae;
		size_t i, al;

		while (p < end && (*p == ';' || is_wsp((unsigned char)*p)))
			p++;
		a = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		ae = p;
		while (ae > a && is_wsp((unsigned char)ae[-1]))
			ae--;
		if (p >= end || *p != '=') {
			continue;
		}
		p++;
		while (p < end && is_wsp((unsigned char)*p))
			p++;
		al = (size_t)(ae - a);
		if (al == 0 || al >= sizeof(pp->p[0].attr)) {
			while (p < end && *p != ';')
				p++;
			continue;
		}
		for (i = 0; i < al; i++)
			pp->p[pp->n].attr[i] = (char)tolower((unsigned char)a[i]);
		pp->p[pp->n].attr[al] = '\0';
		pp->p[pp->n].off = pp->pool.len;
		if (p < end && *p == '"') {
			p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					p++;
				buf_append(&pp->pool, p, 1);
				p++;
			}
			if (p < end)
				p++;
			while (p < end && *p != ';')
				p++;
		} else {
			const char *vs = p, *ve;

			while (p < end && *p != ';')
				p++;
			ve = p;
			while (ve > vs && is_wsp((unsigned char)ve[-1]))
				ve--;
			buf_append(&pp->pool, vs, (size_t)(ve - vs));
		}
		pp->p[pp->n].len = pp->pool.len - pp->p[pp->n].off;
		pp->n++;
	}
}

/* param_find - index of attr, or -1 */
static int
param_find(const struct mparams *pp, const char *attr)
{
	size_t i;

	for (i = 0; i < pp->n; i++)
		if (strcmp(pp->p[i].attr, attr) == 0)
			return (int)i;
	return -1;
}

static int
hexdig(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* pct_decode - RFC 2231 %XX decoding, appended to out */
static void
pct_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int h, l;

		if (s[i] == '%' && i + 2 < n && (h = hexdig(s[i + 1])) >= 0 &&
		    (l = hexdig(s[i + 2])) >= 0) {
			char ch = (char)(h * 16 + l);

			buf_append(out, &ch, 1);
			i += 2;
		} else {
			buf_append(out, s + i, 1);
		}
	}
}

/* param_text - the decoded UTF-8 value of a text parameter (file names):
 * plain "attr" (RFC 2047 words decoded, as many clients write them), else
 * "attr*" or the "attr*0", "attr*1"... continuations of RFC 2231.  Writes
 * into out; 1 found, 0 absent. */
static int
param_text(struct ctx *c, const struct mparams *pp, const char *attr, struct buf *out)
{
	char name[64], charset[48] = "";
	struct buf raw;
	int i, k, r;

	buf_reset(out);
	snprintf(name, sizeof(name), "%s*", attr);
	buf_init(&raw, 64 * 1024);
	if ((i = param_find(pp, name)) >= 0) {
		pct_decode(pp->pool.data + pp->p[i].off, pp->p[i].len, &raw);
	} else {
		for (k = 0; k < 100; k++) {
			int star = 1;

			snprintf(name, sizeof(name), "%s*%d*", attr, k);
			if ((i = param_find(pp, name)) < 0) {
				snprintf(name, sizeof(name), "%s*%d", attr, k);
				star = 0;
				if ((i = param_find(pp, name)) < 0)
					break;
			}
			if (star)
				pct_decode(pp->pool.data + pp->p[i].off, pp->p[i].len, &raw);
			else
				buf_append(&raw, pp->pool.data + pp->p[i].off, pp->p[i].len);
		}
		if (k == 0) {
			buf_release(&raw);
			if ((i = param_find(pp, attr)) < 0)
				return 0;
			r = rfc2047_decode(&c->cc, pp->pool.data + pp->p[i].off, pp->p[i].len,
			    out, charset, sizeof(charset));
			conv_flags(c, r & ~RFC2047_RAW8BIT, charset);
			return 1;
		}
	}
	/* charset'language'value: the first segment carries them */
	{
		const char *q1 = memchr(raw.data, '\'', raw.len), *q2 = NULL;

		if (q1)
			q2 = memchr(q1 + 1, '\'', raw.len - (size_t)(q1 + 1 - raw.data));
		if (q1 && q2 && (size_t)(q1 - raw.data) < sizeof(charset)) {
			memcpy(charset, raw.data, (size_t)(q1 - raw.data));
			charset[q1 - raw.data] = '\0';
			r = charset_convert(&c->cc, charset, q2 + 1,
			    raw.len - (size_t)(q2 + 1 - raw.data), out);
			conv_flags(c, r, charset);
		} else {
			r = charset_clean(raw.data, raw.len, out);
			conv_flags(c, r & ~CHARSET_BAD, NULL);
		}
	}
	buf_release(&raw);
	return 1;
}

/* content_type - "type/subtype" lower-case into t (size tn) and the
 * parameters; the default when absent or malformed */
static void
content_type(struct ctx *c, const struct span *sp, const char *dflt,
    char *t, size_t tn, struct mparams *pp)
{
	const char *s, *p;
	size_t n, i, k = 0;
	int slash = 0;

	pp->n = 0;
	snprintf(t, tn, "%s", dflt);
	if (sp->p == NULL)
		return;
	unfold(c, sp, &c->tmp3);
	s = c->tmp3.data;
	n = c->tmp3.len;
	p = memchr(s, ';', n);
	{
		const char *ts = s;
		size_t tl = p ? (size_t)(p - s) : n;

		trim(&ts, &tl);
		for (i = 0; i < tl && k < tn - 1; i++) {
			unsigned char ch = (unsigned char)ts[i];

			if (ch == '/')
				slash++;
			else if (ch <= 32 || ch >= 127 || strchr("()<>@,;:\\\"[]?=", ch))
				break;
			t[k++] = (char)tolower(ch);
		}
		t[k] = '\0';
		if (i < tl || slash != 1 || t[0] == '/' || t[k - 1] == '/') {
			/* RFC 2045 5.2: a bad type means text/plain */
			defect(c, "bad-content-type");
			snprintf(t, tn, "%s", dflt);
		}
	}
	params_parse(pp, s, n);
}

/* ---- addresses --------------------------------------------------------- */

/* collapse - trim, fold runs of white space (and controls) into one space,
 * strip one layer of surrounding quotes ('Name' from Outlook) */
static void
collapse(struct buf *b)
{
	size_t i, k = 0;
	int sp = 0;

	for (i = 0; i < b->len; i++) {
		unsigned char ch = (unsigned char)b->data[i];

		if (ch < 32 || ch == 127 || ch == ' ') {
			sp = 1;
			continue;
		}
		if (sp && k)
			b->data[k++] = ' ';
		sp = 0;
		b->data[k++] = (char)ch;
	}
	buf_truncate(b, k);
	if (k >= 2 && ((b->data[0] == '\'' && b->data[k - 1] == '\'') ||
	    (b->data[0] == '"' && b->data[k - 1] == '"'))) {
		memmove(b->data, b->data + 1, k - 2);
		buf_truncate(b, k - 2);
	}
}

/* addr_finish - normalise an address: no route, no blanks, domain
 * lower-cased; NULL when it has no local part or no domain */
static const char *
addr_finish(struct ctx *c, const char *s, size_t n)
{
	char *a, *at, *p;
	const char *colon;
	size_t i, k = 0;

	/* obsolete route "@a,@b:user@domain" */
	if (n && s[0] == '@' && (colon = memchr(s, ':', n)) != NULL) {
		n -= (size_t)(colon + 1 - s);
		s = colon + 1;
	}
	if (n == 0 || n > MAX_ID)
		return NULL;
	a = arena_alloc(c->a, n + 1);
	if (a == NULL) {
		defect(c, "arena-full");
		return NULL;
	}
	{
		int inq = 0;

		/* blanks and stray brackets go, except inside a quoted local
		 * part ("john doe"@example.org) */
		for (i = 0; i < n; i++) {
			if (s[i] == '"')
				inq = !inq;
			if (!inq && (is_wsp((unsigned char)s[i]) || s[i] == '<' || s[i] == '>'))
				continue;
			a[k++] = s[i];
		}
	}
	a[k] = '\0';
	at = strrchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0')
		return NULL;
	for (p = at + 1; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return a;
}

/* addr_one - turn one mailbox's collected pieces into out */
static int
addr_one(struct ctx *c, struct buf *phrase, struct buf *angle, int had_angle,
    struct buf *comment, struct msg_address *out)
{
	struct buf *nb = &c->tmp2;
	char bad[48];
	int r;

	memset(out, 0, sizeof(*out));
	buf_reset(nb);
	if (had_angle) {
		out->address = addr_finish(c, angle->data, angle->len);
		r = rfc2047_decode(&c->cc, phrase->data, phrase->len, nb, bad, sizeof(bad));
		conv_flags(c, r & ~RFC2047_RAW8BIT, bad);
	} else {
		size_t i;
		int has_at = 0;

		for (i = 0; i < phrase->len; i++)
			if (phrase->data[i] == '@')
				has_at = 1;
		if (has_at) {
			out->address = addr_finish(c, phrase->data, phrase->len);
			r = rfc2047_decode(&c->cc, comment->data, comment->len, nb, bad, sizeof(bad));
		} else {
			r = rfc2047_decode(&c->cc, phrase->data, phrase->len, nb, bad, sizeof(bad));
		}
		conv_flags(c, r & ~RFC2047_RAW8BIT, bad);
	}
	collapse(nb);
	if (nb->len)
		out->name = astrndup(c, nb->data, nb->len);
	return out->address != NULL || out->name != NULL;
}

/* parse_addresses - an address list (RFC 5322 3.4 with the obsolete forms:
 * groups, comments, routes, unquoted specials); returns the count, with
 * the array in the arena */
static size_t
parse_addresses(struct ctx *c, const struct span *sp, struct msg_address **outp)
{
	struct buf phrase, angle, comment;
	struct msg_address *all = NULL;
	size_t n = 0, alloc = 0, i;
	const char *p, *end;
	int in_angle = 0, had_angle = 0;

	*outp = NULL;
	if (sp->p == NULL)
		return 0;
	unfold(c, sp, &c->tmp1);
	p = c->tmp1.data;
	end = p + c->tmp1.len;
	buf_init(&phrase, 64 * 1024);
	buf_init(&angle, 64 * 1024);
	buf_init(&comment, 64 * 1024);
	for (;;) {
		int sep = p >= end || (!in_angle && (*p == ',' || *p == ';'));

		if (!sep && !in_angle && *p == ':' && !had_angle) {
			/* group name: forget it */
			buf_reset(&phrase);
			buf_reset(&comment);
			p++;
			continue;
		}
		if (sep) {
			struct msg_address a;

			if ((phrase.len || angle.len || had_angle) && n < MAX_ADDRESSES &&
			    addr_one(c, &phrase, &angle, had_angle, &comment, &a)) {
				if (n == alloc) {
					alloc = alloc ? 2 * alloc : 4;
					all = xreallocarray(all, alloc, sizeof(*all));
				}
				all[n++] = a;
			}
			buf_reset(&phrase);
			buf_reset(&angle);
			buf_reset(&comment);
			had_angle = in_angle = 0;
			if (p >= end)
				break;
			p++;
			continue;
		}
		if (*p == '"') {
			/* quoted string: its content, unescaped */
			struct buf *dst = in_angle ? &angle : &phrase;
			const char *q = p + 1;
			size_t mark = dst->len;

			while (q < end && *q != '"') {
				if (*q == '\\' && q + 1 < end)
					q++;
				buf_append(dst, q, 1);
				q++;
			}
			if (q < end && q + 1 < end && q[1] == '@' && !in_angle && !had_angle) {
				/* a quoted local part: keep it quoted */
				buf_truncate(dst, mark);
				buf_append(dst, p, (size_t)(q + 1 - p));
				p = q + 1;
			} else if (q < end) {
				p = q + 1;
			} else {
				/* never closed: read on as if the quote were not there */
				buf_truncate(dst, mark);
				p++;
			}
			continue;
		}
		if (*p == '(') {
			int depth = 0;

			buf_reset(&comment);
			do {
				if (*p == '\\' && p + 1 < end) {
					p++;
					buf_append(&comment, p, 1);
				} else if (*p == '(') {
					if (depth++)
						buf_append(&comment, p, 1);
				} else if (*p == ')') {
					if (--depth)
						buf_append(&comment, p, 1);
				} else {
					buf_append(&comment, p, 1);
				}
				p++;
			} while (p < end && depth > 0);
			if (!in_angle)
				buf_append(&phrase, " ", 1);
			continue;
		}
		if (!in_angle && *p == '<' && !had_angle) {
			in_angle = had_angle = 1;
			p++;
			continue;
		}
		if (in_angle && *p == '>') {
			in_angle = 0;
			p++;
			continue;
		}
		/* after the angle address, the rest is junk */
		if (in_angle)
			buf_append(&angle, p, 1);
		else if (!had_angle)
			buf_append(&phrase, p, 1);
		p++;
	}
	buf_release(&phrase);
	buf_release(&angle);
	buf_release(&comment);
	if (n) {
		*outp = aalloc(c, n, sizeof(**outp));
		if (*outp == NULL)
			n = 0;
		for (i = 0; i < n; i++)
			(*outp)[i] = all[i];
	}
	free(all);
	return n;
}

/* ---- message ids --------------------------------------------------------- */

/* parse_ids - the ids of Message-ID / In-Reply-To / References, without
 * brackets, in order, duplicates dropped; bracketless ids are taken when
 * they contain '@'; junk words and comments are skipped.  When there are
 * more than MAX_REFERENCES, the first and the last ones are kept. */
static size_t
parse_ids(struct ctx *c, const struct span *sp, const char ***outp)
{
	const char **all = NULL;
	size_t n = 0, alloc = 0, i, k;
	const char *p, *end;
	struct buf id;

	*outp = NULL;
	if (sp->p == NULL)
		return 0;
	unfold(c, sp, &c->tmp1);
	p = c->tmp1.data;
	end = p + c->tmp1.len;
	buf_init(&id, MAX_ID);
	while (p < end) {
		int ok = 0;

		buf_reset(&id);
		if (*p == '(') {
			int depth = 0;

			do {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (p < end && depth > 0);
			continue;
		}
		if (*p == '<') {
			p++;
			while (p < end && *p != '>' && *p != '<') {
				if (!is_wsp((unsigned char)*p) && buf_append(&id, p, 1) < 0)
					break;
				p++;
			}
			if (p < end && *p == '>')
				p++;
			ok = id.len > 0;
		} else if (is_wsp((unsigned char)*p) || *p == ',' || *p == ';') {
			p++;
			continue;
		} else {
			int at = 0;

			while (p < end && !is_wsp((unsigned char)*p) && *p != ',' &&
			    *p != '<' && *p != '(') {
				if (*p == '@')
					at = 1;
				buf_append(&id, p, 1);
				p++;
			}
			ok = at && id.len > 2;
		}
		if (!ok)
			continue;
		for (i = 0; i < n; i++)
			if (strlen(all[i]) == id.len && memcmp(all[i], id.data, id.len) == 0)
				break;
		if (i < n)
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			all = xreallocarray(all, alloc, sizeof(*all));
		}
		all[n++] = astrndup(c, id.data, id.len);
		/* keep the list bounded: drop the second one when full (the
		 * first is the thread root, the last ones the parents) */
		if (n > MAX_REFERENCES) {
			memmove(all + 1, all + 2, (n - 2) * sizeof(*all));
			n--;
		}
	}
	buf_release(&id);
	if (n) {
		*outp = aalloc(c, n, sizeof(**outp));
		if (*outp == NULL)
			n = 0;
		for (k = 0; k < n; k++)
			(*outp)[k] = all[k];
	}
	free(all);
	return n;
}

/* ---- dates -------------------------------------------------------------------- */

static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "WET", 0 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	{ "AKST", -540 }, { "AKDT", -480 }, { "HST", -600 },
	{ "BST", 60 }, { "IST", 330 }, { "CET", 60 }, { "CEST", 120 },
	{ "MET", 60 }, { "MEST", 120 }, { "MEZ", 60 }, { "MESZ", 120 },
	{ "WEST", 60 }, { "EET", 120 }, { "EEST", 180 }, { "MSK", 180 },
	{ "EAT", 180 }, { "CAT", 120 }, { "WAT", 60 }, { "SAST", 120 },
	{ "JST", 540 }, { "KST", 540 }, { "HKT", 480 }, { "SGT", 480 },
	{ "AWST", 480 }, { "ACST", 570 }, { "AEST", 600 }, { "AEDT", 660 },
	{ "NZST", 720 }, { "NZDT", 780 },
};

static const char *const months[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

/* parse_date - RFC 5322 date-time and the broken forms mail carries:
 * missing weekday or seconds, two-digit years, named zones, ISO 8601
 * "2020-11-20T10:00:00Z", trailing text.  0 when unparsable. */
static time_t
parse_date(const char *s)
{
	int day = -1, mon = -1, year = -1, hh = -1, mi = 0, ss = 0, zone = 0;
	int have_zone = 0;
	const char *p = s;

	while (*p) {
		char tok[32];
		size_t n = 0;

		while (*p && (is_wsp((unsigned char)*p) || *p == ','))
			p++;
		if (*p == '(') {
			int depth = 0;

			do {
				if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (*p && depth > 0);
			continue;
		}
		while (*p && !is_wsp((unsigned char)*p) && *p != ',' && *p != '(') {
			if (n < sizeof(tok) - 1)
				tok[n++] = *p;
			p++;
		}
		tok[n] = '\0';
		if (n == 0)
			continue;
		if (isdigit((unsigned char)tok[0]) && n >= 10 && tok[4] == '-' && tok[7] == '-') {
			/* ISO 8601 */
			int Y, M, D, h = 0, m2 = 0, sec = 0;
			char zc = 0;

			if (sscanf(tok, "%4d-%2d-%2d", &Y, &M, &D) == 3) {
				year = Y;
				mon = M - 1;
				day = D;
				if (n > 10 && (tok[10] == 'T' || tok[10] == 't') &&
				    sscanf(tok + 11, "%2d:%2d:%2d%c", &h, &m2, &sec, &zc) >= 2) {
					hh = h;
					mi = m2;
					ss = sec;
					if (zc == 'Z' || zc == 'z')
						have_zone = 1;
				}
			}
			continue;
		}
		if (strchr(tok, ':') && isdigit((unsigned char)tok[0])) {
			int h = 0, m2 = 0, sec = 0;

			if (sscanf(tok, "%d:%d:%d", &h, &m2, &sec) >= 2 && hh < 0) {
				hh = h;
				mi = m2;
				ss = sec;
			}
			continue;
		}
		if ((tok[0] == '+' || tok[0] == '-') && isdigit((unsigned char)tok[1])) {
			int v = 0, digits = 0;
			size_t i;

			for (i = 1; i < n && digits < 4; i++) {
				if (tok[i] == ':')
					continue;
				if (!isdigit((unsigned char)tok[i]))
					break;
				v = v * 10 + (tok[i] - '0');
				digits++;
			}
			if (digits == 4 && !have_zone) {
				zone = (v / 100) * 60 + v % 100;
				if (tok[0] == '-')
					zone = -zone;
				have_zone = 1;
			} else if (digits <= 2 && !have_zone && digits) {
				zone = v * 60 * (tok[0] == '-' ? -1 : 1);
				have_zone = 1;
			}
			continue;
		}
		if (isdigit((unsigned char)tok[0])) {
			long v = strtol(tok, NULL, 10);

			if (day < 0 && n <= 2 && v >= 1 && v <= 31)
				day = (int)v;
			else if (year < 0 && v < 10000)
				year = n <= 2 ? (int)(v < 50 ? 2000 + v : 1900 + v) :
				    n == 3 ? (int)(1900 + v) : (int)v;
			continue;
		}
		if (isalpha((unsigned char)tok[0])) {
			size_t i;
			char up[8];

			if (n >= 3 && mon < 0) {
				for (i = 0; i < 12; i++)
					if (strncasecmp(tok, months[i], 3) == 0)
						break;
				if (i < 12) {
					mon = (int)i;
					continue;
				}
			}
			if (!have_zone && n < sizeof(up)) {
				for (i = 0; i < n; i++)
					up[i] = (char)toupper((unsigned char)tok[i]);
				up[n] = '\0';
				for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
					if (strcmp(up, zones[i].name) == 0) {
						zone = zones[i].minutes;
						have_zone = 1;
						break;
					}
			}
		}
	}
	if (day < 1 || mon < 0 || year < 1970 || year > 9999 || day > 31)
		return 0;
	if (hh < 0)
		hh = 0;
	if (hh > 23 || mi > 59 || ss > 60 || mi < 0 || ss < 0)
		return 0;
	if (ss == 60)
		ss = 59;
	return (time_t)(clock_days_from_civil(year, mon + 1L, day) * 86400 +
	    hh * 3600 + mi * 60 + ss - (long long)zone * 60);
}

/* ---- body text ------------------------------------------------------------ */

/* text_append - add n bytes of UTF-8 to the message text, cut at a
 * character boundary when the text cap is reached */
static void
text_append(struct ctx *c, const char *s, size_t n)
{
	size_t room = c->text.max - c->text.len;

	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		defect(c, "text-truncated");
	}
	buf_append(&c->text, s, n);
}

/* text_separate - start a new part's text on a fresh line */
static void
text_separate(struct ctx *c)
{
	if (c->text.len && c->text.data[c->text.len - 1] != '\n')
		text_append(c, "\n", 1);
}

/* normalise_lines - CRLF and lone CR to LF, in place; records over-long
 * lines */
static void
normalise_lines(struct ctx *c, struct buf *b)
{
	size_t i, k = 0, linelen = 0;
	char *d = b->data;

	for (i = 0; i < b->len; i++) {
		if (d[i] == '\r') {
			if (i + 1 < b->len && d[i + 1] == '\n')
				continue;
			d[i] = '\n';
		}
		if (d[i] == '\n') {
			if (linelen > MAX_LINE)
				defect(c, "line-too-long");
			linelen = 0;
		} else {
			linelen++;
		}
		d[k++] = d[i];
	}
	if (linelen > MAX_LINE)
		defect(c, "line-too-long");
	buf_truncate(b, k);
}

/* unflow - RFC 3676 format=flowed: join soft-broken lines of the same
 * quote depth, undo space-stuffing; from in into out */
static void
unflow(const char *in, size_t len, int delsp, struct buf *out)
{
	const char *p = in, *end = in + len;
	int prev_depth = -1, soft = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p, *le;
		int depth = 0, sig;

		if (eol == NULL)
			eol = end;
		while (q < eol && *q == '>') {
			depth++;
			q++;
		}
		if (q < eol && *q == ' ')
			q++;
		le = eol;
		sig = (le - q == 3 && memcmp(q, "-- ", 3) == 0);
		if (!(soft && depth == prev_depth)) {
			if (prev_depth >= 0)
				buf_append(out, "\n", 1);
			if (depth) {
				int i;

				for (i = 0; i < depth; i++)
					buf_append(out, ">", 1);
				buf_append(out, " ", 1);
			}
		}
		soft = !sig && le > q && le[-1] == ' ';
		if (soft && delsp)
			le--;
		buf_append(out, q, (size_t)(le - q));
		prev_depth = depth;
		p = eol < end ? eol + 1 : end;
	}
	if (len && in[len - 1] == '\n')
		buf_append(out, "\n", 1);
}

/* ---- MIME walk ---------------------------------------------------------------- */

enum {
	PF_REPORT = 1,       /* inside multipart/report */
	PF_FORWARD = 2,      /* inside an attached message */
	PF_MARK = 4,         /* this entity is a forwarded message: mark its text */
	PF_NOTEXT = 8,       /* too many forwarded messages: attachments only */
};

static void walk(struct ctx *c, const char *p, const char *end, size_t depth,
    int flags, const char *dflt);

/* token_lower - the first token of a field value, lower-case, into t */
static void
token_lower(struct ctx *c, const struct span *sp, char *t, size_t tn)
{
	size_t i, k = 0;

	t[0] = '\0';
	if (sp->p == NULL)
		return;
	unfold(c, sp, &c->tmp3);
	for (i = 0; i < c->tmp3.len && k < tn - 1; i++) {
		unsigned char ch = (unsigned char)c->tmp3.data[i];

		if (ch == ';' || is_wsp(ch) || ch == '(')
			break;
		t[k++] = (char)tolower(ch);
	}
	t[k] = '\0';
}

/* decode_body - transfer-decode [p, end) into out per the encoding name */
static int
decode_body(struct ctx *c, const char *cte, const char *p, const char *end,
    struct buf *out, size_t *size)
{
	int r;

	if (strcmp(cte, "base64") == 0) {
		r = codec_base64(p, (size_t)(end - p), out, size);
		if (r & (CODEC_TRUNC | CODEC_BAD))
			defect(c, "bad-base64");
	} else if (strcmp(cte, "quoted-printable") == 0) {
		r = codec_qp(p, (size_t)(end - p), 0, out, size);
		if (r & CODEC_BAD)
			defect(c, "bad-quoted-printable");
	} else {
		size_t n = (size_t)(end - p);

		r = 0;
		if (out && n > buf_room(out)) {
			/* keep what fits: the text is cut at its cap */
			n = buf_room(out);
			r = CODEC_FULL;
		}
		if (out)
			buf_append(out, p, n);
		if (size)
			*size = (size_t)(end - p);
	}
	return r;
}

/* add_attachment - remember one attachment (copied to the arena later) */
static void
add_attachment(struct ctx *c, const char *name, const char *type, size_t bytes)
{
	if (c->natt >= c->lim.max_parts)
		return;
	if (c->natt == c->att_alloc) {
		c->att_alloc = c->att_alloc ? 2 * c->att_alloc : 4;
		c->att = xreallocarray(c->att, c->att_alloc, sizeof(*c->att));
	}
	c->att[c->natt].name = name ? astrndup(c, name, strlen(name)) : NULL;
	c->att[c->natt].type = astrndup(c, type, strlen(type));
	c->att[c->natt].bytes = bytes;
	c->natt++;
}

/* is_text_type - a text/ type whose content reads as message text */
static int
is_text_type(const char *type)
{
	static const char *const not_text[] = {
		"text/calendar", "text/vcard", "text/x-vcard", "text/directory",
		"text/rtf", "text/richtext", "text/csv", "text/x-vcalendar",
		"text/rfc822-headers", "text/xml",
	};
	size_t i;

	if (strncmp(type, "text/", 5) != 0)
		return 0;
	for (i = 0; i < sizeof(not_text) / sizeof(not_text[0]); i++)
		if (strcmp(type, not_text[i]) == 0)
			return 0;
	return 1;
}

/* store_raw_text - decode a body as clean UTF-8 text into the arena */
static const char *
store_raw_text(struct ctx *c, const char *cte, const char *p, const char *end)
{
	buf_reset(&c->tmp1);
	buf_reset(&c->tmp2);
	decode_body(c, cte, p, end, &c->tmp1, NULL);
	conv_flags(c, charset_clean(c->tmp1.data, c->tmp1.len, &c->tmp2) & ~CHARSET_BAD, NULL);
	return astrndup(c, c->tmp2.data, c->tmp2.len);
}

/* header_block - the header part (up to the blank line) of [p, end) */
static const char *
header_block(const char *p, const char *end)
{
	const char *q = p;

	while (q < end) {
		const char *eol = line_end(q, end);

		if (is_blank_line(q, eol))
			return q;
		q = eol < end ? eol + 1 : end;
	}
	return end;
}

/* leaf - one non-multipart entity: text into the message text, anything
 * else an attachment */
static void
leaf(struct ctx *c, struct entity *e, const char *type, struct mparams *ctp,
    const char *end, int flags)
{
	char cte[32], disp[32];
	struct mparams dp;
	struct buf name;
	int has_name, r, i;
	size_t bytes = 0;

	token_lower(c, &e->hf[HF_CTE], cte, sizeof(cte));
	token_lower(c, &e->hf[HF_DISPOSITION], disp, sizeof(disp));
	buf_init(&dp.pool, 64 * 1024);
	buf_init(&name, 64 * 1024);
	dp.n = 0;
	if (e->hf[HF_DISPOSITION].p) {
		unfold(c, &e->hf[HF_DISPOSITION], &c->tmp3);
		params_parse(&dp, c->tmp3.data, c->tmp3.len);
	}
	has_name = param_text(c, &dp, "filename", &name) || param_text(c, ctp, "name", &name);
	if (has_name && name.len == 0)
		has_name = 0;

	if (strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) {
		if (c->m->delivery_status == NULL)
			c->m->delivery_status = store_raw_text(c, cte, e->body, end);
		goto out;
	}
	if (strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/global-headers") == 0) {
		if (c->m->returned_headers == NULL)
			c->m->returned_headers = store_raw_text(c, cte, e->body, end);
		goto out;
	}
	if (!is_text_type(type) || strcmp(disp, "attachment") == 0 || has_name) {
		decode_body(c, cte, e->body, end, NULL, &bytes);
		add_attachment(c, has_name ? name.data : NULL, type, bytes);
		goto out;
	}

	if (flags & PF_NOTEXT)
		goto out;
	/* a text part: decode, convert, normalise, unflow or de-HTML */
	buf_reset(&c->tmp1);
	buf_reset(&c->tmp2);
	if (decode_body(c, cte, e->body, end, &c->tmp1, NULL) & CODEC_FULL)
		defect(c, "text-truncated");
	i = param_find(ctp, "charset");
	{
		char cs[48] = "";

		if (i >= 0 && ctp->p[i].len < sizeof(cs)) {
			memcpy(cs, ctp->pool.data + ctp->p[i].off, ctp->p[i].len);
			cs[ctp->p[i].len] = '\0';
		} else if (i >= 0) {
			snprintf(cs, sizeof(cs), "%s", "x-too-long");
		}
		r = charset_convert(&c->cc, i >= 0 ? cs : "us-ascii", c->tmp1.data, c->tmp1.len, &c->tmp2);
		conv_flags(c, r, i >= 0 ? cs : "us-ascii");
		if (r & CHARSET_FULL)
			defect(c, "text-truncated");
	}
	normalise_lines(c, &c->tmp2);
	/* a UTF-8 byte order mark at the start says nothing to a reader */
	if (c->tmp2.len >= 3 && memcmp(c->tmp2.data, "\xef\xbb\xbf", 3) == 0) {
		memmove(c->tmp2.data, c->tmp2.data + 3, c->tmp2.len - 3);
		buf_truncate(&c->tmp2, c->tmp2.len - 3);
	}
	if (strcmp(type, "text/html") == 0) {
		buf_reset(&c->tmp1);
		if (html2text(c->tmp2.data, c->tmp2.len, &c->tmp1) < 0)
			defect(c, "text-truncated");
		text_separate(c);
		text_append(c, c->tmp1.data, c->tmp1.len);
		if (!(flags & PF_FORWARD))
			c->got_html = 1;
	} else {
		int fi = param_find(ctp, "format"), di = param_find(ctp, "delsp");

		if (fi >= 0 && ctp->p[fi].len == 6 &&
		    strncasecmp(ctp->pool.data + ctp->p[fi].off, "flowed", 6) == 0) {
			int delsp = di >= 0 && ctp->p[di].len == 3 &&
			    strncasecmp(ctp->pool.data + ctp->p[di].off, "yes", 3) == 0;

			buf_reset(&c->tmp1);
			unflow(c->tmp2.data, c->tmp2.len, delsp, &c->tmp1);
			text_separate(c);
			text_append(c, c->tmp1.data, c->tmp1.len);
		} else {
			text_separate(c);
			text_append(c, c->tmp2.data, c->tmp2.len);
		}
		if (!(flags & PF_FORWARD))
			c->got_plain = 1;
	}
out:
	buf_release(&dp.pool);
	buf_release(&name);
}

/* forward_mark - the line that introduces a forwarded message's text, with
 * its From, Date and Subject, so quote.c sees it as forwarded material */
static void
forward_mark(struct ctx *c, struct entity *e)
{
	static const struct {
		enum hf f;
		const char *label;
	} show[] = {
		{ HF_FROM, "From: " }, { HF_DATE, "Date: " }, { HF_SUBJECT, "Subject: " },
		{ HF_TO, "To: " },
	};
	size_t i;
	char bad[48];

	text_separate(c);
	if (c->text.len)
		text_append(c, "\n", 1);
	text_append(c, "---------- Forwarded message ----------\n", 40);
	for (i = 0; i < sizeof(show) / sizeof(show[0]); i++) {
		if (e->hf[show[i].f].p == NULL)
			continue;
		unfold(c, &e->hf[show[i].f], &c->tmp1);
		buf_reset(&c->tmp2);
		conv_flags(c, rfc2047_decode(&c->cc, c->tmp1.data, c->tmp1.len, &c->tmp2,
		    bad, sizeof(bad)) & ~RFC2047_RAW8BIT, bad);
		collapse(&c->tmp2);
		text_append(c, show[i].label, strlen(show[i].label));
		text_append(c, c->tmp2.data, c->tmp2.len);
		text_append(c, "\n", 1);
	}
	text_append(c, "\n", 1);
}

/* message_part - an attached message/rfc822 */
static void
message_part(struct ctx *c, struct entity *e, const char *end, size_t depth, int flags)
{
	char cte[32];
	struct buf dec;
	const char *p = e->body;

	token_lower(c, &e->hf[HF_CTE], cte, sizeof(cte));
	buf_init(&dec, c->lim.max_size);
	if (strcmp(cte, "base64") == 0 || strcmp(cte, "quoted-printable") == 0) {
		decode_body(c, cte, p, end, &dec, NULL);
		p = dec.data;
		end = dec.data + dec.len;
	}
	if (flags & PF_REPORT) {
		/* a returned message: only its header matters */
		if (c->m->returned_headers == NULL) {
			const char *he = header_block(p, end);

			buf_reset(&c->tmp2);
			conv_flags(c, charset_clean(p, (size_t)(he - p), &c->tmp2) & ~CHARSET_BAD, NULL);
			c->m->returned_headers = astrndup(c, c->tmp2.data, c->tmp2.len);
		}
	} else {
		int mark = ++c->nforward <= MAX_FORWARD ? PF_MARK : PF_NOTEXT;

		walk(c, p, end, depth + 1, (flags | PF_FORWARD | mark), "text/plain");
	}
	buf_release(&dec);
}

/* only_blank - the n bytes are all white space */
static int
only_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_wsp((unsigned char)p[i]))
			return 0;
	return 1;
}

struct child {
	const char *p, *end;
};

/* multipart - split a multipart body at its delimiter lines and walk the
 * parts as the subtype asks */
static void
multipart(struct ctx *c, struct entity *e, const char *type, struct mparams *pp,
    const char *end, size_t depth, int flags)
{
	const char *boundary, *q, *cur = NULL;
	size_t blen, i, nchild = 0, alloc = 0;
	struct child *kids = NULL;
	int bi = param_find(pp, "boundary"), closed = 0, found = 0;
	const char *sub = type + 10;

	if (bi < 0 && param_text(c, pp, "boundary", &c->tmp1) && c->tmp1.len) {
		/* RFC 2231 form (boundary*=, boundary*0=): add it as a plain one */
		if (pp->n < MAX_PARAMS) {
			snprintf(pp->p[pp->n].attr, sizeof(pp->p[0].attr), "boundary");
			pp->p[pp->n].off = pp->pool.len;
			buf_append(&pp->pool, c->tmp1.data, c->tmp1.len);
			pp->p[pp->n].len = pp->pool.len - pp->p[pp->n].off;
			bi = (int)pp->n++;
		}
	}
	if (bi < 0 || pp->p[bi].len == 0) {
		defect(c, "missing-boundary");
		leaf(c, e, "text/plain", pp, end, flags);
		return;
	}
	boundary = pp->pool.data + pp->p[bi].off;
	blen = pp->p[bi].len;
	for (i = 0; i < c->nb; i++)
		if (c->blen[i] == blen && memcmp(c->bstack[i], boundary, blen) == 0) {
			/* the enclosing multipart has already split at these
			 * lines; its parts stand for ours */
			defect(c, "boundary-reused");
			return;
		}
	if (c->nb >= sizeof(c->bstack) / sizeof(c->bstack[0])) {
		defect(c, "too-deep");
		return;
	}
	c->bstack[c->nb] = boundary;
	c->blen[c->nb] = blen;
	c->nb++;

	for (q = e->body; q < end; ) {
		const char *eol = line_end(q, end);
		size_t ll = (size_t)(eol - q);

		if (ll > MAX_LINE + 1)
			defect(c, "line-too-long");
		if (ll >= 2 + blen && q[0] == '-' && q[1] == '-' &&
		    memcmp(q + 2, boundary, blen) == 0) {
			const char *a = q + 2 + blen, *t;
			int close = eol - a >= 2 && a[0] == '-' && a[1] == '-';

			for (t = close ? a + 2 : a; t < eol && is_wsp((unsigned char)*t); t++)
				;
			if (t == eol || close) {
				found = 1;
				if (cur) {
					const char *pe = q;

					/* the line break before the delimiter is part of it */
					if (pe > cur && pe[-1] == '\n')
						pe--;
					if (pe > cur && pe[-1] == '\r')
						pe--;
					if (nchild >= c->lim.max_parts) {
						defect(c, "too-many-parts");
						break;
					}
					if (nchild == alloc) {
						alloc = alloc ? 2 * alloc : 4;
						kids = xreallocarray(kids, alloc, sizeof(*kids));
					}
					kids[nchild].p = cur;
					kids[nchild].end = pe;
					nchild++;
				}
				cur = eol < end ? eol + 1 : end;
				if (close) {
					closed = 1;
					break;
				}
			}
		}
		q = eol < end ? eol + 1 : end;
	}
	if (!found) {
		defect(c, "missing-boundary");
		c->nb--;
		free(kids);
		leaf(c, e, "text/plain", pp, end, flags);
		return;
	}
	if (!closed && cur && nchild < c->lim.max_parts) {
		defect(c, "missing-close-boundary");
		if (nchild == alloc) {
			alloc = alloc ? 2 * alloc : 4;
			kids = xreallocarray(kids, alloc, sizeof(*kids));
		}
		kids[nchild].p = cur;
		kids[nchild].end = end;
		nchild++;
	}

	if (strcmp(sub, "signed") == 0 || strcmp(sub, "encrypted") == 0) {
		if (!(flags & PF_FORWARD))
			c->m->is_signed = 1;
		if (sub[0] == 's' && nchild > 0)
			walk(c, kids[0].p, kids[0].end, depth + 1, flags, "text/plain");
	} else if (strcmp(sub, "alternative") == 0) {
		size_t best = 0, second = 0, mark = c->text.len, natt = c->natt;
		int best_score = -1, second_score = -1, got_plain = c->got_plain;

		for (i = 0; i < nchild; i++) {
			struct entity ce;
			struct mparams cp;
			char t[80];
			int score;

			buf_init(&cp.pool, 64 * 1024);
			scan_header(c, kids[i].p, kids[i].end, &ce, 0);
			content_type(c, &ce.hf[HF_CONTENT_TYPE], "text/plain", t, sizeof(t), &cp);
			buf_release(&cp.pool);
			score = strcmp(t, "text/plain") == 0 ? 3 :
			    strncmp(t, "multipart/", 10) == 0 ? 2 :
			    strcmp(t, "text/html") == 0 ? 1 : 0;
			if (score > best_score) {
				second_score = best_score;
				second = best;
				best_score = score;
				best = i;
			} else if (score > second_score) {
				second_score = score;
				second = i;
			}
		}
		if (nchild)
			walk(c, kids[best].p, kids[best].end, depth + 1, flags, "text/plain");
		/* some senders put an empty text/plain beside the real HTML:
		 * then the HTML speaks instead (a leaf only, so that nested
		 * alternatives cannot make the walk exponential) */
		if (nchild > 1 && second_score == 1 && only_blank(c->text.data + mark, c->text.len - mark)) {
			buf_truncate(&c->text, mark);
			c->natt = natt;
			c->got_plain = got_plain;
			walk(c, kids[second].p, kids[second].end, depth + 1, flags, "text/plain");
		}
	} else {
		int kflags = flags;
		const char *dflt = strcmp(sub, "digest") == 0 ? "message/rfc822" : "text/plain";

		if (strcmp(sub, "report") == 0)
			kflags |= PF_REPORT;
		for (i = 0; i < nchild; i++)
			walk(c, kids[i].p, kids[i].end, depth + 1, kflags, dflt);
	}
	c->nb--;
	free(kids);
}

/* walk - one entity: its header, then its body by type */
static void
walk(struct ctx *c, const char *p, const char *end, size_t depth, int flags,
    const char *dflt)
{
	struct entity e;
	struct mparams pp;
	char type[80];

	if (++c->nparts > c->lim.max_parts) {
		defect(c, "too-many-parts");
		return;
	}
	if (depth > c->lim.max_depth) {
		defect(c, "too-deep");
		return;
	}
	scan_header(c, p, end, &e, depth == 0);
	buf_init(&pp.pool, 64 * 1024);
	content_type(c, &e.hf[HF_CONTENT_TYPE], dflt, type, sizeof(type), &pp);
	if (depth == 0) {
		c->m->header_len = (size_t)(e.body - p);
		c->m->content_type = astrndup(c, type, strlen(type));
		c->m->multipart = strncmp(type, "multipart/", 10) == 0;
		c->top = e;
	}
	if (flags & PF_MARK)
		forward_mark(c, &e);
	flags &= ~PF_MARK;
	if (strncmp(type, "multipart/", 10) == 0) {
		multipart(c, &e, type, &pp, end, depth, flags);
	} else if (strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/global") == 0) {
		message_part(c, &e, end, depth, flags);
	} else {
		leaf(c, &e, type, &pp, end, flags);
	}
	buf_release(&pp.pool);
}

/* ---- links ------------------------------------------------------------------ */

/* link_start - length of the scheme prefix at p when a link starts there */
static size_t
link_start(const char *p, const char *end)
{
	static const char *const pre[] = { "https://", "http://", "ftp://", "www.", "mailto:" };
	size_t i, n;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		n = strlen(pre[i]);
		if ((size_t)(end - p) > n && strncasecmp(p, pre[i], n) == 0)
			return n;
	}
	return 0;
}

/* find_links - http(s)/ftp/www/mailto links of text, unique, in order,
 * without trailing punctuation (a closing parenthesis stays when the link
 * opened one) */
static void
find_links(struct ctx *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	const char *found[MAX_LINKS];
	size_t nfound = 0, i;

	while (p < end && nfound < MAX_LINKS) {
		const char *s, *q;
		size_t pre, n;
		int opened = 0;

		/* candidates start with h, f, w or m (any case) */
		unsigned char lc = (unsigned char)(*p | 0x20);

		if ((lc != 'h' && lc != 'f' && lc != 'w' && lc != 'm') || (p > text && (isalnum((unsigned char)p[-1]) ||
		    p[-1] == '.' || p[-1] == '/' || p[-1] == '@' || p[-1] == '-' || p[-1] == '_'))) {
			p++;
			continue;
		}
		pre = link_start(p, end);
		if (pre == 0) {
			p++;
			continue;
		}
		s = p;
		for (q = p + pre; q < end; q++) {
			unsigned char ch = (unsigned char)*q;

			if (ch <= ' ' || ch == '<' || ch == '>' || ch == '"' || ch == '`' ||
			    ch == '{' || ch == '}' || ch == '|' || ch == '\\' || ch == '^' || ch == 127)
				break;
			if (ch == '(')
				opened++;
			else if (ch == ')' && --opened < 0)
				break;
		}
		p = q;
		/* a ')' inside is balanced (the scan stopped at an unmatched
		 * one), so only sentence punctuation is trimmed */
		while (q > s + pre && strchr(".,;:!?'*]", q[-1]))
			q--;
		n = (size_t)(q - s);
		if (q == s + pre || n > MAX_LINK)
			continue;
		/* "www." needs a dot-separated name after it */
		if (pre == 4 && memchr(s + pre, '.', n - pre) == NULL)
			continue;
		for (i = 0; i < nfound; i++)
			if (strlen(found[i]) == n && memcmp(found[i], s, n) == 0)
				break;
		if (i == nfound)
			found[nfound++] = astrndup(c, s, n);
	}
	if (nfound) {
		c->m->links = aalloc(c, nfound, sizeof(*c->m->links));
		if (c->m->links) {
			memcpy(c->m->links, found, nfound * sizeof(*found));
			c->m->nlinks = nfound;
		}
	}
}

/* ---- the whole message ------------------------------------------------------ */

/* top_fields - the decoded top-level fields of struct message */
static void
top_fields(struct ctx *c, struct entity *e)
{
	struct message *m = c->m;
	struct msg_address *a;
	const char **ids;
	size_t i, n;
	char bad[48];

	/* the header list, unfolded */
	if (c->nfields) {
		m->headers = aalloc(c, c->nfields, sizeof(*m->headers));
		if (m->headers) {
			for (i = 0; i < c->nfields; i++) {
				m->headers[i].name = astrndup(c, c->fields[2 * i].p, c->fields[2 * i].n);
				unfold(c, &c->fields[2 * i + 1], &c->tmp1);
				m->headers[i].value = astrndup(c, c->tmp1.data, c->tmp1.len);
			}
			m->nheaders = c->nfields;
		}
	}
	if (parse_ids(c, &e->hf[HF_MESSAGE_ID], &ids))
		m->message_id = ids[0];
	if (parse_ids(c, &e->hf[HF_IN_REPLY_TO], &ids))
		m->in_reply_to = ids[0];
	m->nreferences = parse_ids(c, &e->hf[HF_REFERENCES], &m->references);

	if (e->hf[HF_SUBJECT].p) {
		unfold(c, &e->hf[HF_SUBJECT], &c->tmp1);
		buf_reset(&c->tmp2);
		conv_flags(c, rfc2047_decode(&c->cc, c->tmp1.data, c->tmp1.len, &c->tmp2,
		    bad, sizeof(bad)) & ~RFC2047_RAW8BIT, bad);
		for (i = 0; i < c->tmp2.len; i++)
			if ((unsigned char)c->tmp2.data[i] < 32 || c->tmp2.data[i] == 127)
				c->tmp2.data[i] = ' ';
		{
			const char *s = c->tmp2.data;

			n = c->tmp2.len;
			trim(&s, &n);
			m->subject = astrndup(c, s, n);
		}
	}
	if (parse_addresses(c, &e->hf[HF_FROM], &a))
		m->from = a[0];
	if (parse_addresses(c, &e->hf[HF_SENDER], &a))
		m->sender = a[0];
	m->nreply_to = parse_addresses(c, &e->hf[HF_REPLY_TO], &m->reply_to);
	m->nto = parse_addresses(c, &e->hf[HF_TO], &m->to);
	m->ncc = parse_addresses(c, &e->hf[HF_CC], &m->cc);
	if (e->hf[HF_DATE].p) {
		unfold(c, &e->hf[HF_DATE], &c->tmp1);
		m->date = parse_date(c->tmp1.data);
		if (m->date == 0)
			defect(c, "bad-date");
	}
	if (e->hf[HF_RETURN_PATH].p) {
		const char *s, *lt, *gt;

		unfold(c, &e->hf[HF_RETURN_PATH], &c->tmp1);
		s = c->tmp1.data;
		n = c->tmp1.len;
		lt = memchr(s, '<', n);
		if (lt && (gt = memchr(lt, '>', n - (size_t)(lt - s))) != NULL) {
			s = lt + 1;
			n = (size_t)(gt - s);
		}
		trim(&s, &n);
		if (n == 0) {
			m->return_path = "";
		} else {
			const char *r = addr_finish(c, s, n);

			m->return_path = r ? r : astrndup(c, s, n);
		}
	}
}

/* body_text - the final text, spans, new_text and links */
static void
body_text(struct ctx *c)
{
	struct message *m = c->m;
	struct quote_span spans[MAX_SPANS];
	struct buf nt;
	size_t len = c->text.len, i, at = 0, ns;
	const char *t;

	/* the whole text once more through the UTF-8 check: a promise */
	buf_reset(&c->tmp1);
	buf_init(&nt, len + 1);
	c->tmp1.max = BUF_NOLIMIT;
	charset_clean(c->text.data, len, &c->tmp1);
	t = c->tmp1.data;
	len = c->tmp1.len;
	while (len && is_wsp((unsigned char)t[len - 1]))
		len--;
	/* leading blank lines go too */
	while (len && (t[0] == '\n' || t[0] == '\r')) {
		t++;
		len--;
	}
	m->text = astrndup(c, t, len);
	m->text_len = strlen(m->text);
	len = m->text_len;
	t = m->text;

	ns = quote_scan(t, len, spans, MAX_SPANS);
	if (ns) {
		m->spans = aalloc(c, ns, sizeof(*m->spans));
		if (m->spans) {
			memcpy(m->spans, spans, ns * sizeof(*spans));
			m->nspans = ns;
		}
	}
	for (i = 0; i <= ns; i++) {
		size_t from = at, to = i < ns ? spans[i].start : len;

		/* where a quote was cut out, keep at most one blank line */
		if (nt.len >= 2 && nt.data[nt.len - 1] == '\n' && nt.data[nt.len - 2] == '\n')
			while (from < to && t[from] == '\n')
				from++;
		if (to > from)
			buf_append(&nt, t + from, to - from);
		if (i < ns)
			at = spans[i].end;
	}
	{
		const char *s = nt.data;
		size_t n = nt.len;

		while (n && is_wsp((unsigned char)s[n - 1]))
			n--;
		while (n && (s[0] == '\n' || s[0] == '\r')) {
			s++;
			n--;
		}
		m->new_text = astrndup(c, s, n);
	}
	buf_release(&nt);
	find_links(c, m->new_text, strlen(m->new_text));
}

void
message_default_limits(struct msg_limits *lim)
{
	lim->max_size = 64u << 20;
	lim->max_headers = 1000;
	lim->max_depth = 20;
	lim->max_parts = 500;
	lim->max_text = 1u << 20;
	lim->arena_max = 256u << 20;
}

struct message *
message_parse(const char *raw, size_t len, const struct msg_limits *lim)
{
	struct ctx ctx, *c = &ctx;
	struct message *m;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (lim)
		c->lim = *lim;
	else
		message_default_limits(&c->lim);
	if (len > c->lim.max_size)
		return NULL;
	if (c->lim.max_depth > 60)
		c->lim.max_depth = 60;
	m = xcalloc(1, sizeof(*m));
	c->m = m;
	c->a = m->arena = arena_new(c->lim.arena_max);
	m->raw = raw;
	m->raw_len = len;
	m->subject = "";
	m->text = m->new_text = "";
	m->content_type = "text/plain";
	charset_cache_init(&c->cc);
	buf_init(&c->text, c->lim.max_text);
	buf_init(&c->tmp1, c->lim.max_text * 4 + 65536);
	buf_init(&c->tmp2, c->lim.max_text + 65536);
	buf_init(&c->tmp3, c->lim.max_size + 1);

	if (len == 0 || raw == NULL) {
		defect(c, "empty");
		raw = "";
		len = 0;
	}
	walk(c, raw, raw + len, 0, 0, "text/plain");
	top_fields(c, &c->top);
	if (c->got_html && !c->got_plain)
		m->has_html_only = 1;
	c->tmp1.max = c->lim.max_text * 4 + 65536;
	body_text(c);

	if (c->natt) {
		m->attachments = aalloc(c, c->natt, sizeof(*m->attachments));
		if (m->attachments) {
			memcpy(m->attachments, c->att, c->natt * sizeof(*c->att));
			m->nattachments = c->natt;
		}
	}
	if (c->ndefects) {
		m->defects = aalloc(c, c->ndefects, sizeof(*m->defects));
		if (m->defects) {
			for (i = 0; i < c->ndefects; i++)
				m->defects[i] = c->defects[i];
			m->ndefects = c->ndefects;
		}
	}
	free(c->att);
	free(c->fields);
	buf_release(&c->text);
	buf_release(&c->tmp1);
	buf_release(&c->tmp2);
	buf_release(&c->tmp3);
	charset_cache_release(&c->cc);
	return m;
}

void
message_free(struct message **mp)
{
	if (*mp == NULL)
		return;
	arena_free(&(*mp)->arena);
	free(*mp);
	*mp = NULL;
}

const char *
message_header(const struct message *m, const char *name)
{
	size_t i = 0;

	return message_header_next(m, name, &i);
}

const char *
message_header_next(const struct message *m, const char *name, size_t *i)
{
	size_t k;

	if (m == NULL || name == NULL)
		return NULL;
	for (k = *i; k < m->nheaders; k++) {
		if (strcasecmp(m->headers[k].name, name) == 0) {
			*i = k + 1;
			return m->headers[k].value;
		}
	}
	*i = m->nheaders;
	return NULL;
}

char *
message_hash_id(const char *raw, size_t len, char *out, size_t outlen)
{
	unsigned char d[32];
	size_t i;

	if (outlen < 72)
		return NULL;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, raw, len, d) < 0)
		return NULL;
	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
	return out;
}
