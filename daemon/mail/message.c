/* SPDX-License-Identifier: GPL-3.0-or-later */
/* message - parse one raw message once, under limits, into struct message
 *
 * The parse is in layers, each in its own module: header.c scans a header
 * into fields and unfolds them, params.c reads MIME parameters (RFC 2045,
 * RFC 2231), mime_walk.c walks the MIME structure and gathers the body
 * text, the attachments and a delivery report's parts; addrlist.c,
 * msgid.c and date.c read the top-level fields; the transfer decoding
 * (codec.c), encoded words (rfc2047.c) and charsets (charset.c, which
 * also decides what a lying or unknown charset becomes) are shared with
 * the rest of the mail code.  They share one struct mailparse: the
 * message's arena, its defects, its iconv descriptors and scratch
 * buffers.  This file assembles struct message: the top-level fields, the
 * final text with its quote and signature spans (quote.c), the member's
 * own words and the links in them.
 *
 * Every result string is copied into the message's arena, whose cap
 * bounds the memory one message can take; the scratch buffers are capped
 * too.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "addrlist.h"
#include "arena.h"
#include "buf.h"
#include "charset.h"
#include "date.h"
#include "header.h"
#include "mailparse.h"
#include "message.h"
#include "mime_walk.h"
#include "msgid.h"
#include "params.h"
#include "quote.h"
#include "rfc2047.h"
#include "xalloc.h"

#define MAX_SPANS      256
#define MAX_LINKS      100
#define MAX_LINK       2048

/* One parse */
struct ctx {
	struct message *m;
	struct msg_limits lim;
	struct mailparse mp;
	struct mime_walk w;
};

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
			found[nfound++] = mailparse_strndup(&c->mp, s, n);
	}
	if (nfound) {
		c->m->links = mailparse_memdup(&c->mp, found, nfound, sizeof(*found));
		if (c->m->links)
			c->m->nlinks = nfound;
	}
}

/* top_fields - the decoded top-level fields of struct message */
static void
top_fields(struct ctx *c, struct mime_walk_entity *e)
{
	struct message *m = c->m;
	struct msg_address *a;
	const char **ids;
	size_t i, n;
	char bad[48];

	/* the header list, unfolded */
	if (c->w.nfields) {
		m->headers = mailparse_alloc(&c->mp, c->w.nfields, sizeof(*m->headers));
		if (m->headers) {
			for (i = 0; i < c->w.nfields; i++) {
				const struct header_span *name = &c->w.fields[2 * i];
				const struct header_span *value = &c->w.fields[2 * i + 1];

				m->headers[i].name = mailparse_strndup(&c->mp, name->p, name->n);
				header_unfold(&c->mp, value->p, value->n, &c->mp.tmp1);
				m->headers[i].value = mailparse_strndup(&c->mp, c->mp.tmp1.data,
				    c->mp.tmp1.len);
				/* the field as written, without its last line end */
				m->headers[i].raw = name->p;
				m->headers[i].raw_len = (size_t)(value->p + value->n - name->p);
				if (m->headers[i].raw_len && name->p[m->headers[i].raw_len - 1] == '\n')
					m->headers[i].raw_len--;
				if (m->headers[i].raw_len && name->p[m->headers[i].raw_len - 1] == '\r')
					m->headers[i].raw_len--;
			}
			m->nheaders = c->w.nfields;
		}
	}
	if (msgid_parse(&c->mp, &e->f[MIME_WALK_MESSAGE_ID], &ids))
		m->message_id = ids[0];
	m->nreferences = msgid_parse(&c->mp, &e->f[MIME_WALK_REFERENCES], &m->references);
	n = msgid_parse(&c->mp, &e->f[MIME_WALK_IN_REPLY_TO], &ids);
	m->in_reply_to = msgid_parent(ids, n, m->references, m->nreferences);

	if (e->f[MIME_WALK_SUBJECT].p) {
		header_unfold(&c->mp, e->f[MIME_WALK_SUBJECT].p, e->f[MIME_WALK_SUBJECT].n,
		    &c->mp.tmp1);
		buf_reset(&c->mp.tmp2);
		mailparse_charset(&c->mp, rfc2047_decode(&c->mp.cc, c->mp.tmp1.data,
		    c->mp.tmp1.len, &c->mp.tmp2,
		    bad, sizeof(bad)) & ~RFC2047_RAW8BIT, bad);
		for (i = 0; i < c->mp.tmp2.len; i++)
			if ((unsigned char)c->mp.tmp2.data[i] < 32 || c->mp.tmp2.data[i] == 127)
				c->mp.tmp2.data[i] = ' ';
		{
			const char *s = c->mp.tmp2.data;

			n = c->mp.tmp2.len;
			header_trim(&s, &n);
			m->subject = mailparse_strndup(&c->mp, s, n);
		}
	}
	if (addrlist_parse(&c->mp, &e->f[MIME_WALK_FROM], &a))
		m->from = a[0];
	if (addrlist_parse(&c->mp, &e->f[MIME_WALK_SENDER], &a))
		m->sender = a[0];
	m->nreply_to = addrlist_parse(&c->mp, &e->f[MIME_WALK_REPLY_TO], &m->reply_to);
	m->nto = addrlist_parse(&c->mp, &e->f[MIME_WALK_TO], &m->to);
	m->ncc = addrlist_parse(&c->mp, &e->f[MIME_WALK_CC], &m->cc);
	if (e->f[MIME_WALK_DATE].p) {
		header_unfold(&c->mp, e->f[MIME_WALK_DATE].p, e->f[MIME_WALK_DATE].n, &c->mp.tmp1);
		m->date = date_parse(c->mp.tmp1.data);
		if (m->date == 0)
			mailparse_defect(&c->mp, "bad-date");
	}
	if (e->f[MIME_WALK_RETURN_PATH].p) {
		const char *s, *lt, *gt;

		header_unfold(&c->mp, e->f[MIME_WALK_RETURN_PATH].p, e->f[MIME_WALK_RETURN_PATH].n,
		    &c->mp.tmp1);
		s = c->mp.tmp1.data;
		n = c->mp.tmp1.len;
		lt = memchr(s, '<', n);
		if (lt && (gt = memchr(lt, '>', n - (size_t)(lt - s))) != NULL) {
			s = lt + 1;
			n = (size_t)(gt - s);
		}
		header_trim(&s, &n);
		if (n == 0) {
			m->return_path = "";
		} else {
			const char *r = addrlist_addr_spec(&c->mp, s, n);

			m->return_path = r ? r : mailparse_strndup(&c->mp, s, n);
		}
	}
}

/* first_token - the first token of an unfolded value (up to ';', white
 * space or a comment), lower-case, in the arena */
static const char *
first_token(struct ctx *c, const char *v)
{
	buf_reset(&c->mp.tmp2);
	for (; *v && *v != ';' && *v != '(' && !header_wsp((unsigned char)*v); v++)
		buf_putc(&c->mp.tmp2, tolower((unsigned char)*v));
	return mailparse_strndup(&c->mp, c->mp.tmp2.data, c->mp.tmp2.len);
}

/* top_mime - what the top-level MIME fields of headers[] say: transfer
 * encoding, disposition, Content-Type parameters */
static void
top_mime(struct ctx *c)
{
	struct message *m = c->m;
	const char *v;

	if ((v = message_header(m, "Content-Transfer-Encoding")) != NULL)
		m->cte = first_token(c, v);
	if ((v = message_header(m, "Content-Disposition")) != NULL)
		m->disposition = first_token(c, v);
	if ((v = message_header(m, "Content-Type")) != NULL) {
		struct params_list pp;

		params_init(&pp);
		params_parse(&pp, v, strlen(v));
		if (pp.n)
			m->params = mailparse_alloc(&c->mp, pp.n, sizeof(*m->params));
		if (m->params) {
			for (size_t i = 0; i < pp.n; i++) {
				m->params[i].attr = mailparse_strndup(&c->mp, pp.p[i].attr,
				    strlen(pp.p[i].attr));
				m->params[i].value = mailparse_strndup(&c->mp,
				    pp.pool.data + pp.p[i].off, pp.p[i].len);
			}
			m->nparams = pp.n;
		}
		params_release(&pp);
	}
}

/* body_text - the final text, spans, new_text and links */
static void
body_text(struct ctx *c)
{
	struct message *m = c->m;
	struct quote_span spans[MAX_SPANS];
	struct buf nt;
	size_t len = c->w.text.len, i, at = 0, ns;
	const char *t;

	/* the whole text once more through the UTF-8 check: a promise */
	buf_reset(&c->mp.tmp1);
	buf_init(&nt, len + 1);
	c->mp.tmp1.max = BUF_NOLIMIT;
	charset_clean(c->w.text.data, len, &c->mp.tmp1);
	t = c->mp.tmp1.data;
	len = c->mp.tmp1.len;
	while (len && header_wsp((unsigned char)t[len - 1]))
		len--;
	/* leading blank lines go too */
	while (len && (t[0] == '\n' || t[0] == '\r')) {
		t++;
		len--;
	}
	m->text = mailparse_strndup(&c->mp, t, len);
	m->text_len = strlen(m->text);
	len = m->text_len;
	t = m->text;

	ns = quote_scan(t, len, spans, MAX_SPANS);
	if (ns) {
		m->spans = mailparse_memdup(&c->mp, spans, ns, sizeof(*spans));
		if (m->spans)
			m->nspans = ns;
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

		while (n && header_wsp((unsigned char)s[n - 1]))
			n--;
		while (n && (s[0] == '\n' || s[0] == '\r')) {
			s++;
			n--;
		}
		/* nothing quoted: the same text, not a second copy of it */
		if (n == m->text_len && memcmp(s, m->text, n) == 0)
			m->new_text = m->text;
		else
			m->new_text = mailparse_strndup(&c->mp, s, n);
	}
	buf_release(&nt);
	find_links(c, m->new_text, strlen(m->new_text));
}

/* message_default_limits - see message.h */
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

/* message_parse - see message.h */
struct message *
message_parse(const char *raw, size_t len, const struct msg_limits *lim)
{
	struct ctx ctx, *c = &ctx;
	struct message *m;

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
	m->arena = arena_new(c->lim.arena_max);
	m->raw = raw;
	m->raw_len = len;
	m->subject = "";
	m->text = m->new_text = "";
	mailparse_init(&c->mp, m->arena, c->lim.max_text, c->lim.max_size);
	mime_walk_init(&c->w, &c->mp, c->lim.max_headers, c->lim.max_depth,
	    c->lim.max_parts, c->lim.max_text, c->lim.max_size);

	if (len == 0 || raw == NULL) {
		mailparse_defect(&c->mp, "empty");
		raw = "";
		len = 0;
	}
	mime_walk(&c->w, raw, len);
	m->header_len = c->w.header_len;
	m->content_type = c->w.content_type;
	m->multipart = c->w.multipart;
	m->is_signed = c->w.is_signed;
	m->delivery_status = c->w.delivery_status;
	m->returned_headers = c->w.returned_headers;
	top_fields(c, &c->w.top);
	top_mime(c);
	if (c->w.got_html && !c->w.got_plain)
		m->has_html_only = 1;
	body_text(c);

	if (c->w.natt) {
		m->attachments = mailparse_memdup(&c->mp, c->w.att, c->w.natt,
		    sizeof(*c->w.att));
		if (m->attachments)
			m->nattachments = c->w.natt;
	}
	if (c->mp.ndefects) {
		size_t n = c->mp.ndefects;

		m->defects = mailparse_memdup(&c->mp, c->mp.defects, n, sizeof(*m->defects));
		if (m->defects)
			m->ndefects = n;
	}
	mime_walk_release(&c->w);
	mailparse_release(&c->mp);
	return m;
}

/* message_free - see message.h */
void
message_free(struct message **mp)
{
	if (*mp == NULL)
		return;
	arena_free(&(*mp)->arena);
	free(*mp);
	*mp = NULL;
}

/* message_header - see message.h */
const char *
message_header(const struct message *m, const char *name)
{
	size_t i = 0;

	return message_header_next(m, name, &i);
}

/* message_header_next - see message.h */
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

/* message_param - see message.h */
const char *
message_param(const struct message *m, const char *attr)
{
	for (size_t i = 0; m && i < m->nparams; i++)
		if (strcmp(m->params[i].attr, attr) == 0)
			return m->params[i].value;
	return NULL;
}

/* message_hash_id - see message.h */
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
