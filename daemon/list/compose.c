/* SPDX-License-Identifier: GPL-3.0-or-later */
/* compose - build the bytes of a relayed post (see compose.h)
 *
 * The stored message is parsed by message_parse(), the one reader of mail:
 * its top-level fields are relayed as they were written (struct
 * msg_header's raw bytes, apart from line ends), and the top-level
 * Content-Type, Content-Transfer-Encoding and Content-Disposition decide
 * where the footer goes.  A lone text/plain part is decoded with codec.c
 * and charset.c; MIME parts below the top are never rewritten: a multipart
 * body is carried as an opaque block inside the multipart/mixed wrapper.
 * Every header field compose writes goes through mime_out.c.
 *
 * A prepared post is four pieces:
 *   head_a   kept fields, Subject, From/Reply-To, List-Id .. List-Subscribe
 *            [List-Unsubscribe: per recipient]
 *   head_b   List-Archive .. X-Loop, MIME fields, blank line, body start
 *            [footer: per recipient language and unsubscribe address]
 *   tail     the closing boundary (wrap mode) or nothing
 * so rendering one recipient is a few appends and one footer encoding.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "charset.h"
#include "codec.h"
#include "compose.h"
#include "conf.h"
#include "listaddr.h"
#include "listhead.h"
#include "log.h"
#include "message.h"
#include "mime_out.h"
#include "subject.h"
#include "template.h"
#include "utf8.h"
#include "xalloc.h"

#define COMPOSE_OUT_MAX ((size_t)200 << 20)
#define COMPOSE_SUBJECT_MAX 2000        /* bytes of subject kept */
#define COMPOSE_NAME_MAX 200            /* bytes of a display name kept */
#define COMPOSE_FOOTER_LANGS 8
#define FOOTER_MARK "\001UNSUB\001"     /* where the unsubscribe address goes */

enum body_enc { ENC_8BIT, ENC_QP, ENC_BASE64 };

struct footer {
	char *lang;                     /* requested language (owned) */
	char *before, *after;           /* around the unsubscribe address */
	int ascii;                      /* before and after are ASCII */
	int ok;                         /* a template was found */
};

struct compose {
	struct compose_list list;       /* strings owned (copies) */
	char *theme_title, *theme, *session, *post_addr, *request_addr,
	    *unsub_generic, *help_addr;
	time_t session_opens, session_closes;
	int wrap;                       /* footer as a separate part */
	enum body_enc enc;              /* text mode: outgoing encoding */
	struct buf head_a, head_b;
	char *text;                     /* text mode: decoded UTF-8 body (base64 only) */
	size_t text_len;
	char *boundary;                 /* wrap mode */
	struct footer footers[COMPOSE_FOOTER_LANGS];
	size_t nfooters;
};

/* ---- small helpers ----------------------------------------------------- */

/* token_safe - a token or slug fit for an address or header */
static int
token_safe(const char *t, size_t max)
{
	size_t n = 0;

	if (t == NULL || *t == '\0')
		return 0;
	for (const char *p = t; *p; p++, n++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return n <= max;
}

/* compose_crlf - see compose.h */
int
compose_crlf(struct buf *out, const char *p, size_t n)
{
	size_t i = 0, run = 0;

	while (i < n) {
		if (p[i] == '\n' || p[i] == '\r') {
			if (buf_append(out, p + run, i - run) < 0 ||
			    buf_append(out, "\r\n", 2) < 0)
				return -1;
			if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
				i++;
			run = ++i;
			continue;
		}
		i++;
	}
	return buf_append(out, p + run, n - run);
}

/* ---- subject prefix ------------------------------------------------------ */

/* compose_subject - see compose.h */
char *
compose_subject(const char *prefix, const char *subject)
{
	char *s = mime_clean(subject ? subject : "", COMPOSE_SUBJECT_MAX);
	char *pre = mime_clean(prefix ? prefix : "", 200), *folded;
	size_t plen = strlen(pre);
	struct buf markers, out;
	const char *p = s;

	if (plen == 0) {
		free(pre);
		if (*s == '\0') {
			free(s);
			return xstrdup("(no subject)");
		}
		return s;
	}
	/* the markers are found in a folded copy (same offsets) */
	folded = xmalloc(strlen(s) + 1);
	utf8_fold(s, strlen(s), folded, strlen(s) + 1);
	buf_init(&markers, BUF_NOLIMIT);
	buf_init(&out, BUF_NOLIMIT);
	for (;;) {
		size_t m;

		while (*p == ' ')
			p++;
		if (strncasecmp(p, pre, plen) == 0) {
			p += plen;
			continue;
		}
		if ((m = subject_marker(folded + (p - s), NULL)) > 0) {
			size_t k = m;

			/* the marker as written, without the blanks after it */
			while (k > 0 && p[k - 1] == ' ')
				k--;
			buf_append(&markers, p, k);
			buf_putc(&markers, ' ');
			p += m;
			continue;
		}
		break;
	}
	free(folded);
	buf_append(&out, markers.data, markers.len);
	buf_puts(&out, pre);
	buf_putc(&out, ' ');
	buf_puts(&out, *p ? p : "(no subject)");
	buf_release(&markers);
	free(pre);
	free(s);
	return buf_detach(&out, NULL);
}

/* ---- the original header -------------------------------------------------- */

/* field_is - the field is called name (any case) */
static int
field_is(const struct msg_header *h, const char *name)
{
	return strcasecmp(h->name, name) == 0;
}

/* field_has_prefix - the field's name starts with prefix (any case) */
static int
field_has_prefix(const struct msg_header *h, const char *prefix)
{
	return strncasecmp(h->name, prefix, strlen(prefix)) == 0;
}

/* put_field - a kept field as written, with CRLF line ends and no stray
 * CR or NUL */
static int
put_field(struct buf *out, const struct msg_header *h)
{
	const char *p = h->raw, *end = h->raw + h->raw_len;

	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *le = lf ? lf : end, *te = le;

		if (te > p && te[-1] == '\r')
			te--;
		for (const char *q = p; q < te; q++)
			if (buf_putc(out, *q == '\r' || *q == '\0' ? ' ' : *q) < 0)
				return -1;
		if (buf_append(out, "\r\n", 2) < 0)
			return -1;
		p = lf ? lf + 1 : end;
	}
	return 0;
}

/* Fields never relayed (or replaced by ours). */
static const char *const drop_fields[] = {
	"Return-Path", "Delivered-To", "X-Original-To", "Envelope-To", "Bcc",
	"Resent-Bcc", "Precedence", "Errors-To", "Return-Receipt-To",
	"Disposition-Notification-To", "X-Confirm-Reading-To",
	"DKIM-Signature", "DomainKey-Signature", "X-Loop", "Subject", NULL,
};

/* field_dropped - a field the relay does not pass on */
static int
field_dropped(const struct msg_header *h)
{
	for (size_t i = 0; drop_fields[i]; i++)
		if (field_is(h, drop_fields[i]))
			return 1;
	return field_has_prefix(h, "List-") || field_has_prefix(h, "X-Baraza-");
}

/* ---- the text ------------------------------------------------------------------ */

/* max_line - the longest line in bytes */
static size_t
max_line(const char *p, size_t n)
{
	size_t best = 0, cur = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' || p[i] == '\r') {
			cur = 0;
			continue;
		}
		if (++cur > best)
			best = cur;
	}
	return best;
}

/* text_of - the text of m when it is a single inline text/plain part
 * whose transfer encoding and charset can be undone exactly: decoded to
 * UTF-8 into text, and 0; -1 when the footer must go in a part of its
 * own instead */
static int
text_of(const struct message *m, const char *body, size_t blen, struct buf *text)
{
	const char *cte = m->cte;
	struct charset_cache cc;
	struct buf dec;
	int rc = -1, r = 0;

	if (strcmp(m->content_type, "text/plain") != 0 ||
	    (m->disposition && strcmp(m->disposition, "attachment") == 0) ||
	    !(cte == NULL || strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0 ||
	    strcmp(cte, "binary") == 0 || strcmp(cte, "quoted-printable") == 0 ||
	    strcmp(cte, "base64") == 0))
		return -1;
	buf_init(&dec, COMPOSE_OUT_MAX);
	if (cte && strcmp(cte, "quoted-printable") == 0)
		r = codec_qp(body, blen, 0, &dec, NULL);
	else if (cte && strcmp(cte, "base64") == 0)
		r = codec_base64(body, blen, &dec, NULL);
	else if (buf_append(&dec, body, blen) < 0)
		r = CODEC_FULL;
	charset_cache_init(&cc);
	if (!(r & CODEC_FULL) && !buf_failed(&dec) &&
	    charset_convert_exact(&cc, message_param(m, "charset"), dec.data, dec.len, text) == 0)
		rc = 0;
	charset_cache_release(&cc);
	buf_release(&dec);
	return rc;
}

/* ---- footer ----------------------------------------------------------------- */

/* footer_get - the footer in lang (rendered once per language) */
static struct footer *
footer_get(struct compose *cp, const char *lang)
{
	struct template_var vars[10];
	struct footer *f;
	struct buf b, range;
	const char *title;
	char *mark;
	size_t nv = 0;

	if (lang == NULL || *lang == '\0')
		lang = cp->list.language;
	for (size_t i = 0; i < cp->nfooters; i++)
		if (strcmp(cp->footers[i].lang, lang) == 0)
			return &cp->footers[i];
	if (cp->nfooters == COMPOSE_FOOTER_LANGS)
		return &cp->footers[0];
	f = &cp->footers[cp->nfooters++];
	memset(f, 0, sizeof(*f));
	f->lang = xstrdup(lang);
	buf_init(&range, 256);
	if (cp->session_opens)
		template_date_range(&range, cp->session_opens, cp->session_closes,
		    lang, cp->list.language);
	title = cp->theme_title;
	if (cp->list.conf && conf_theme_find(cp->list.conf, cp->theme))
		title = conf_theme_title(conf_theme_find(cp->list.conf, cp->theme),
		    catalog_pick(lang, cp->list.language));
	vars[nv++] = (struct template_var){ "list", cp->list.name };
	vars[nv++] = (struct template_var){ "theme", title };
	vars[nv++] = (struct template_var){ "theme_slug", cp->theme };
	vars[nv++] = (struct template_var){ "session", cp->session_opens ?
	    range.data : cp->session };
	vars[nv++] = (struct template_var){ "post", cp->post_addr };
	vars[nv++] = (struct template_var){ "request", cp->request_addr };
	vars[nv++] = (struct template_var){ "help", cp->help_addr };
	vars[nv++] = (struct template_var){ "unsubscribe", FOOTER_MARK };
	vars[nv++] = (struct template_var){ "archive", cp->list.archive_url };
	buf_init(&b, 64 * 1024);
	if (template_render(&b, "footer", lang, cp->list.language, vars, nv) < 0 ||
	    !utf8_valid(b.data, b.len)) {
		buf_release(&b);
		buf_release(&range);
		f->before = xstrdup("");
		f->after = xstrdup("");
		f->ascii = 1;
		return f;
	}
	/* trailing blank lines off; the part ends with one line end */
	while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' ||
	    b.data[b.len - 1] == ' '))
		b.len--;
	buf_putc(&b, '\n');
	mark = strstr(b.data, FOOTER_MARK);
	if (mark) {
		f->before = xstrndup(b.data, (size_t)(mark - b.data));
		f->after = xstrdup(mark + strlen(FOOTER_MARK));
	} else {
		f->before = xstrdup(b.data);
		f->after = xstrdup("");
	}
	f->ascii = utf8_ascii(f->before, strlen(f->before)) &&
	    utf8_ascii(f->after, strlen(f->after));
	f->ok = 1;
	buf_release(&b);
	buf_release(&range);
	return f;
}

/* footer_text - one recipient's footer, LF line ends.  It names the
 * generic cop+unsubscribe@, never the recipient's token: a reply quotes
 * the footer to everyone (issue 17.3). */
static void
footer_text(struct compose *cp, const struct compose_rcpt *r, struct buf *out,
    int *ascii)
{
	struct footer *f = footer_get(cp, r ? r->language : NULL);

	*ascii = f->ascii;
	if (!f->ok)
		return;
	buf_puts(out, f->before);
	buf_puts(out, cp->unsub_generic);
	buf_puts(out, f->after);
}

/* ---- prepare ---------------------------------------------------------------- */

/* compose_list_init - see compose.h */
void
compose_list_init(struct compose_list *l, const struct conf *c)
{
	memset(l, 0, sizeof(*l));
	l->name = c->list.name;
	l->local = c->list.local;
	l->domain = c->list.domain;
	l->sep = c->list.tag_separator;
	l->subject_prefix = c->list.subject_prefix;
	l->archive_url = c->archive.url;
	l->web_url = c->web.url;
	l->language = c->list.language;
	l->reply_to_list = c->list.reply_to == REPLY_TO_LIST;
	l->from_munging = c->list.from_munging == FROM_MUNGING_ALWAYS;
	l->conf = c;
}

/* make_boundary - a boundary that does not occur in the body */
static char *
make_boundary(const char *raw, size_t len, const char *body, size_t blen)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)raw[i]) * 1099511628211ULL;
	for (unsigned n = 0;; n++) {
		char *b = xasprintf("=_baraza_%016llx_%u", (unsigned long long)h, n);

		if (memmem(body, blen, b, strlen(b)) == NULL)
			return b;
		free(b);
	}
}

/* put_list_mailto - "Name: <mailto:ADDRESS>" for one of the list's
 * addresses that takes no argument */
static int
put_list_mailto(struct buf *b, const struct compose_list *l, const char *name,
    enum listaddr_kind kind)
{
	struct listaddr la;

	listaddr_init(&la, l->local, l->domain, l->sep);
	if (buf_printf(b, "%s: <mailto:", name) < 0 ||
	    listaddr_put(b, &la, kind, NULL) < 0 || buf_puts(b, ">\r\n") < 0)
		return -1;
	return 0;
}

/* put_cc - with From munging: the original Cc with the author p added
 * (p NULL: as it was), one field, or nothing when both are empty */
static int
put_cc(struct buf *out, const struct message *m, const struct compose_post *p)
{
	struct mime_field mf;
	size_t n = 0;
	int dup = 0;

	for (size_t i = 0; i < m->ncc; i++) {
		if (!mime_addr_ok(m->cc[i].address))
			continue;
		if (n++ == 0)
			mime_field_start(&mf, out, MIME_CRLF, "Cc");
		else
			mime_field_comma(&mf);
		mime_field_mailbox(&mf, m->cc[i].name, m->cc[i].address);
		if (p && strcasecmp(m->cc[i].address, p->author_email) == 0)
			dup = 1;
	}
	if (p && !dup) {
		if (n++ == 0)
			mime_field_start(&mf, out, MIME_CRLF, "Cc");
		else
			mime_field_comma(&mf);
		mime_field_mailbox(&mf, p->author_name, p->author_email);
	}
	return n == 0 ? 0 : mime_field_end(&mf);
}

/* url_safe - printable ASCII without spaces, angle brackets or quotes */
static int
url_safe(const char *u)
{
	if (u == NULL || *u == '\0' || strlen(u) > 900)
		return 0;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("<>\"", *p))
			return 0;
	return 1;
}

/* compose_prepare - see compose.h */
struct compose *
compose_prepare(const struct compose_list *l, const struct compose_post *p)
{
	struct compose *cp;
	struct message *m;
	struct msg_limits lim;
	const char *body, *format, *delsp;
	size_t blen;
	char *subject = NULL, *list_addr;
	int have_irt, have_refs, fail = 0, author_ok, munge;
	struct mime_field mf;
	struct buf *a, *hb;
	struct buf text;
	struct listaddr la;

	if (p->raw == NULL || p->raw_len == 0)
		return NULL;
	message_default_limits(&lim);
	lim.max_size = COMPOSE_OUT_MAX;
	m = message_parse(p->raw, p->raw_len, &lim);
	if (m == NULL) {
		log_warnx("compose: message too large to relay");
		return NULL;
	}
	if (m->nheaders == 0) {
		message_free(&m);
		log_warnx("compose: message has no header");
		return NULL;
	}
	body = m->raw + m->header_len;
	blen = m->raw_len - m->header_len;
	have_irt = message_header(m, "In-Reply-To") != NULL;
	have_refs = message_header(m, "References") != NULL;

	cp = xcalloc(1, sizeof(*cp));
	cp->list.name = mime_clean(l->name ? l->name : l->local, 200);
	cp->list.local = xstrdup(l->local);
	cp->list.domain = xstrdup(l->domain);
	cp->list.sep = xstrdup(l->sep && *l->sep ? l->sep : "+");
	cp->list.subject_prefix = xstrdup(l->subject_prefix ? l->subject_prefix : "");
	cp->list.archive_url = url_safe(l->archive_url) ? xstrdup(l->archive_url) : NULL;
	cp->list.web_url = url_safe(l->web_url) ? xstrdup(l->web_url) : NULL;
	cp->list.language = xstrdup(l->language && *l->language ? l->language : "en");
	cp->list.reply_to_list = l->reply_to_list;
	cp->list.from_munging = l->from_munging;
	cp->theme = token_safe(p->theme, 64) ? xstrdup(p->theme) : xstrdup("general");
	cp->theme_title = mime_clean(p->theme_title ? p->theme_title : cp->theme, 200);
	cp->session = p->session ? mime_clean(p->session, 200) : NULL;
	cp->session_opens = p->session_opens;
	cp->session_closes = p->session_closes;
	listaddr_init(&la, l->local, l->domain, cp->list.sep);
	cp->post_addr = listaddr_make(&la, LISTADDR_THEME, cp->theme);
	cp->request_addr = listaddr_make(&la, LISTADDR_REQUEST, NULL);
	cp->help_addr = listaddr_make(&la, LISTADDR_HELP, NULL);
	cp->unsub_generic = listaddr_make(&la, LISTADDR_UNSUBSCRIBE, NULL);
	list_addr = listaddr_make(&la, LISTADDR_POST, NULL);
	buf_init(&cp->head_a, COMPOSE_OUT_MAX);
	buf_init(&cp->head_b, COMPOSE_OUT_MAX);
	a = &cp->head_a;
	hb = &cp->head_b;

	/* text mode: a lone text/plain part we can decode and convert */
	buf_init(&text, COMPOSE_OUT_MAX);
	cp->wrap = text_of(m, body, blen, &text) < 0;
	if (!cp->wrap) {
		if (m->cte && strcmp(m->cte, "base64") == 0)
			cp->enc = ENC_BASE64;
		else if ((m->cte && strcmp(m->cte, "quoted-printable") == 0) ||
		    max_line(text.data, text.len) > 998)
			cp->enc = ENC_QP;
		else
			cp->enc = ENC_8BIT;
	}

	/* the kept header fields, in their order */
	munge = l->from_munging || p->munge_from;
	for (size_t i = 0; i < m->nheaders; i++) {
		const struct msg_header *h = &m->headers[i];

		if (field_dropped(h))
			continue;
		if (field_is(h, "Reply-To") && (l->reply_to_list || munge))
			continue;
		if ((field_is(h, "From") || field_is(h, "Cc")) && munge)
			continue;       /* written below */
		if (field_has_prefix(h, "Content-"))
			continue;       /* rewritten below (or moved into the part) */
		if (put_field(a, h) < 0)
			fail = 1;
	}

	/* A reply written from a digest (cop+reply-POSTID@) has no
	 * In-Reply-To of its own: give it its parent's, so mail clients
	 * thread it where the archive does. */
	if (!have_irt && p->parent_mid && *p->parent_mid &&
	    strlen(p->parent_mid) < 900 && !strpbrk(p->parent_mid, "<> \t\r\n")) {
		buf_printf(a, "In-Reply-To: <%s>\r\n", p->parent_mid);
		if (!have_refs)
			buf_printf(a, "References: <%s>\r\n", p->parent_mid);
	}

	/* Subject: the caller's decoded one, else the message's */
	subject = compose_subject(cp->list.subject_prefix, p->subject ? p->subject : m->subject);
	if (mime_header_text(a, "Subject", subject) < 0)
		fail = 1;

	/* From munging and Reply-To */
	if (munge) {
		char *name = p->author_name && *p->author_name ?
		    xasprintf("%s via %s", p->author_name, cp->list.name) :
		    xasprintf("%s", cp->list.name);

		mime_field_start(&mf, a, MIME_CRLF, "From");
		if (mime_field_mailbox(&mf, name, list_addr) < 0 || mime_field_end(&mf) < 0)
			fail = 1;
		free(name);
	}
	author_ok = munge && mime_addr_ok(p->author_email);
	if (l->reply_to_list || author_ok) {
		mime_field_start(&mf, a, MIME_CRLF, "Reply-To");
		if (l->reply_to_list)
			mime_field_mailbox(&mf, NULL, list_addr);
		else
			mime_field_mailbox(&mf, p->author_name, p->author_email);
		if (mime_field_end(&mf) < 0)
			fail = 1;
	}
	if (munge && put_cc(a, m, l->reply_to_list && author_ok ? p : NULL) < 0)
		fail = 1;

	/* the list fields (RFC 2369, 2919) */
	{
		char *id = listaddr_list_id(&la);

		if (id == NULL)
			fail = 1;
		mime_field_start(&mf, a, MIME_CRLF, "List-Id");
		mime_field_angle(&mf, mime_field_phrase(&mf, cp->list.name, 0),
		    id ? id : "");
		if (mime_field_end(&mf) < 0)
			fail = 1;
		free(id);
	}
	put_list_mailto(a, l, "List-Post", LISTADDR_POST);
	put_list_mailto(a, l, "List-Help", LISTADDR_HELP);
	put_list_mailto(a, l, "List-Subscribe", LISTADDR_SUBSCRIBE);
	/* List-Unsubscribe goes here, per recipient */
	if (cp->list.archive_url)
		buf_printf(hb, "List-Archive: <%s>\r\n", cp->list.archive_url);
	buf_puts(hb, "Precedence: list\r\n");
	buf_printf(hb, "X-Baraza-Theme: %s\r\n", cp->theme);
	if (token_safe(p->kind, 32))
		buf_printf(hb, "X-Baraza-Kind: %s\r\n", p->kind);
	buf_printf(hb, "X-Loop: %s\r\n", list_addr);
	if (message_header(m, "MIME-Version") == NULL)
		buf_puts(hb, "MIME-Version: 1.0\r\n");

	format = message_param(m, "format");
	delsp = message_param(m, "delsp");
	if (!cp->wrap) {
		buf_puts(hb, "Content-Type: text/plain; charset=UTF-8");
		if (format && token_safe(format, 16))
			buf_printf(hb, "; format=%s", format);
		if (delsp && token_safe(delsp, 8))
			buf_printf(hb, "; delsp=%s", delsp);
		buf_printf(hb, "\r\nContent-Transfer-Encoding: %s\r\n\r\n",
		    cp->enc == ENC_BASE64 ? "base64" :
		    cp->enc == ENC_QP ? "quoted-printable" : "8bit");
		/* the text must end with a line end before the footer */
		if (text.len > 0 && text.data[text.len - 1] != '\n')
			buf_putc(&text, '\n');
		if (cp->enc == ENC_BASE64) {
			cp->text_len = text.len;
			cp->text = buf_detach(&text, NULL);
		} else if (cp->enc == ENC_QP) {
			if (mime_qp_encode(hb, text.data, text.len) < 0)
				fail = 1;
		} else {
			if (compose_crlf(hb, text.data, text.len) < 0)
				fail = 1;
		}
	} else {
		cp->boundary = make_boundary(p->raw, p->raw_len, body, blen);
		buf_printf(hb, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
		    cp->boundary);
		buf_printf(hb, "This is a multi-part message in MIME format.\r\n"
		    "\r\n--%s\r\n", cp->boundary);
		for (size_t i = 0; i < m->nheaders; i++)
			if (field_has_prefix(&m->headers[i], "Content-") &&
			    put_field(hb, &m->headers[i]) < 0)
				fail = 1;
		buf_puts(hb, "\r\n");
		if (compose_crlf(hb, body, blen) < 0)
			fail = 1;
		if (hb->len >= 2 && memcmp(hb->data + hb->len - 2, "\r\n", 2) != 0)
			buf_puts(hb, "\r\n");
		buf_printf(hb, "--%s\r\n", cp->boundary);
	}
	if (buf_failed(hb) || buf_failed(a))
		fail = 1;

	buf_release(&text);
	free(subject);
	free(list_addr);
	message_free(&m);
	if (fail) {
		log_warnx("compose: message too large to relay");
		compose_free(&cp);
	}
	return cp;
}

/* compose_render - see compose.h */
int
compose_render(struct compose *cp, const struct compose_rcpt *rcpt,
    struct buf *out)
{
	struct buf foot;
	int ascii, rc = 0;

	buf_init(&foot, 256 * 1024);
	footer_text(cp, rcpt, &foot, &ascii);

	if (buf_append(out, cp->head_a.data, cp->head_a.len) < 0)
		rc = -1;
	{
		struct listhead h;

		memset(&h, 0, sizeof(h));
		listaddr_init(&h.la, cp->list.local, cp->list.domain, cp->list.sep);
		h.name = cp->list.name;
		h.web_url = cp->list.web_url;
		if (listhead_unsubscribe(out, MIME_CRLF, &h,
		    rcpt ? rcpt->unsub_token : NULL) < 0)
			rc = -1;
	}
	if (buf_append(out, cp->head_b.data, cp->head_b.len) < 0)
		rc = -1;

	if (!cp->wrap) {
		if (cp->enc == ENC_BASE64) {
			struct buf all;

			buf_init(&all, COMPOSE_OUT_MAX);
			if (buf_append(&all, cp->text, cp->text_len) < 0 ||
			    buf_append(&all, "\n", foot.len ? 1 : 0) < 0 ||
			    buf_append(&all, foot.data, foot.len) < 0 ||
			    mime_base64_body(out, all.data, all.len) < 0)
				rc = -1;
			buf_release(&all);
		} else if (foot.len) {
			if (compose_crlf(out, "\n", 1) < 0)
				rc = -1;
			if (cp->enc == ENC_QP ? mime_qp_encode(out, foot.data, foot.len) < 0 :
			    compose_crlf(out, foot.data, foot.len) < 0)
				rc = -1;
		}
	} else {
		if (buf_puts(out, ascii ?
		    "Content-Type: text/plain; charset=us-ascii\r\n"
		    "Content-Transfer-Encoding: 7bit\r\n"
		    "Content-Disposition: inline\r\n\r\n" :
		    "Content-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: 8bit\r\n"
		    "Content-Disposition: inline\r\n\r\n") < 0 ||
		    compose_crlf(out, foot.data, foot.len) < 0 ||
		    buf_puts(out, "--") < 0 || buf_puts(out, cp->boundary) < 0 ||
		    buf_puts(out, "--\r\n") < 0)
			rc = -1;
	}
	buf_release(&foot);
	return rc;
}

/* compose_mode - see compose.h */
const char *
compose_mode(const struct compose *cp)
{
	return cp->wrap ? "wrap" : "text";
}

/* compose_free - see compose.h */
void
compose_free(struct compose **cpp)
{
	struct compose *cp = *cpp;

	if (cp == NULL)
		return;
	free((char *)cp->list.name);
	free((char *)cp->list.local);
	free((char *)cp->list.domain);
	free((char *)cp->list.sep);
	free((char *)cp->list.subject_prefix);
	free((char *)cp->list.archive_url);
	free((char *)cp->list.web_url);
	free((char *)cp->list.language);
	free(cp->theme_title);
	free(cp->theme);
	free(cp->session);
	free(cp->post_addr);
	free(cp->request_addr);
	free(cp->help_addr);
	free(cp->unsub_generic);
	buf_release(&cp->head_a);
	buf_release(&cp->head_b);
	free(cp->text);
	free(cp->boundary);
	for (size_t i = 0; i < cp->nfooters; i++) {
		free(cp->footers[i].lang);
		free(cp->footers[i].before);
		free(cp->footers[i].after);
	}
	free(cp);
	*cpp = NULL;
}
