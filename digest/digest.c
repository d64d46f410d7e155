/* SPDX-License-Identifier: GPL-3.0-or-later */
/* digest - select, render and queue the biweekly digests
 *
 * Rendering walks the period's posts once, in theme, session, thread and
 * arrival order, writing the text and the HTML part side by side.  Each
 * post shows its author, date and new_text (quotes and signature left
 * out), trimmed to DIGEST_POST_CHARS with a link to the archive when
 * archive.url is set, and a mailto:cop+reply-POSTID@ link so that a reply
 * written from the digest joins that thread.  Addresses of members never
 * appear.  The HTML uses inline styles only: no scripts, no remote images.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "digest.h"
#include "figures.h"
#include "html.h"
#include "listaddr.h"
#include "listhead.h"
#include "log.h"
#include "mime_out.h"
#include "store_digest.h"
#include "template.h"
#include "xalloc.h"

#define DIGEST_POST_CHARS 1200
#define DIGEST_MAX (8u << 20)
#define DIGEST_RENDER_CACHE 64
#define DIGEST_NEXT_SESSIONS 3

time_t
digest_due(const struct conf *c, long n)
{
	struct tm tm;

	localtime_r(&c->digest.first, &tm);
	return clock_local(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday + (int)((n - 1) * c->digest.every_days), tm.tm_hour, tm.tm_min);
}

long
digest_number_at(const struct conf *c, time_t now)
{
	long n;

	if (c->digest.every_days <= 0 || now < c->digest.first)
		return 0;
	/* Estimate, then correct for DST-length days. */
	n = 1 + (long)((now - c->digest.first) / (c->digest.every_days * 86400L));
	while (n > 1 && digest_due(c, n) > now)
		n--;
	while (digest_due(c, n + 1) <= now)
		n++;
	return n;
}

void
digest_period(const struct conf *c, long n, time_t *start, time_t *end)
{
	*start = digest_due(c, n - 1);
	*end = digest_due(c, n);
}

/* format_when - "18 Nov 14:02" local, with the rendering's month names */
static void
format_when(char *out, size_t outlen, time_t t, char months[12][24])
{
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(out, outlen, "%d %s %02d:%02d", tm.tm_mday, months[tm.tm_mon],
	    tm.tm_hour, tm.tm_min);
}

/* follows - does the theme set (space-separated, NULL = all) hold theme? */
static int
follows(const char *themes, const char *theme)
{
	size_t n = strlen(theme);
	const char *p;

	if (themes == NULL)
		return 1;
	for (p = themes; (p = strstr(p, theme)) != NULL; p += n)
		if ((p == themes || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

struct render {
	struct store *s;
	const struct conf *c;
	const struct digest_opts *o;
	const char *fb;               /* list language */
	struct buf *text, *html;
	char theme[128];
	int64_t session, thread;
	int items, have_section;
	int next_shown;
	/* Labels looked up once per rendering, not once per post. */
	char l_reply[128], l_read_more[128], l_between[128], l_shared_by[128];
	char months[12][24];
};

static void
render_labels(struct render *r)
{
	template_label(r->l_reply, sizeof(r->l_reply), "reply", r->o->lang, r->fb);
	template_label(r->l_read_more, sizeof(r->l_read_more), "read_more", r->o->lang, r->fb);
	template_label(r->l_between, sizeof(r->l_between), "between_sessions", r->o->lang, r->fb);
	template_label(r->l_shared_by, sizeof(r->l_shared_by), "shared_by", r->o->lang, r->fb);
	for (int i = 0; i < 12; i++)
		template_month(r->months[i], sizeof(r->months[i]), i, r->o->lang, r->fb);
}

static void
heading(struct render *r, const char *key)
{
	char h[256];

	template_label(h, sizeof(h), key, r->o->lang, r->fb);
	buf_printf(r->text, "\n== %s ==\n\n", h);
	buf_puts(r->html, "<h2 style=\"font-size:18px;color:#1d4e6f;border-bottom:"
	    "1px solid #ccd;margin:24px 0 8px\">");
	html_escape_str(r->html, h);
	buf_puts(r->html, "</h2>\n");
}

/* trim_text - at most DIGEST_POST_CHARS bytes on a UTF-8 boundary,
 * trailing blank lines removed; *cut tells whether text was left out */
static size_t
trim_text(const char *t, int *cut)
{
	size_t n = strlen(t);

	*cut = 0;
	if (n > DIGEST_POST_CHARS) {
		n = DIGEST_POST_CHARS;
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;
		*cut = 1;
	}
	while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == ' ' || t[n - 1] == '\r'))
		n--;
	return n;
}

static void
reply_address(struct buf *out, const struct conf *c, int64_t post)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)post);
	listaddr_append(out, c, LISTADDR_REPLY, id);
}

static int
render_post(void *arg, const struct digest_post *p)
{
	struct render *r = arg;
	char when[96];
	struct buf addr;
	size_t n;
	int cut;

	if (!follows(r->o->themes, p->theme))
		return 0;
	if (!r->have_section) {
		heading(r, "threads");
		r->have_section = 1;
	}
	if (strcmp(r->theme, p->theme) != 0) {
		snprintf(r->theme, sizeof(r->theme), "%s", p->theme);
		r->session = -1;
		r->thread = 0;
		buf_printf(r->text, "--- %s ---\n\n", p->theme_title);
		buf_puts(r->html, "<h3 style=\"font-size:16px;margin:18px 0 6px\">");
		html_escape_str(r->html, p->theme_title);
		buf_puts(r->html, "</h3>\n");
	}
	if (p->session != r->session) {
		r->session = p->session;
		if (p->session == 0) {
			buf_printf(r->text, "(%s)\n\n", r->l_between);
			buf_puts(r->html, "<p style=\"color:#666;margin:4px 0\">(");
			html_escape_str(r->html, r->l_between);
			buf_puts(r->html, ")</p>\n");
		}
	}
	if (p->thread != r->thread) {
		r->thread = p->thread;
		buf_printf(r->text, "* %s\n\n", *p->thread_subject ? p->thread_subject : p->subject);
		buf_puts(r->html, "<h4 style=\"font-size:15px;margin:14px 0 4px\">");
		html_escape_str(r->html, *p->thread_subject ? p->thread_subject : p->subject);
		buf_puts(r->html, "</h4>\n");
	}
	format_when(when, sizeof(when), p->received, r->months);
	n = trim_text(p->new_text, &cut);
	buf_init(&addr, 1024);
	reply_address(&addr, r->c, p->id);
	if (buf_failed(&addr))
		buf_fail(r->text);

	buf_printf(r->text, "  %s, %s%s%s:\n\n", p->author_name, when,
	    p->depth ? " - " : "", p->depth ? p->kind : "");
	for (const char *q = p->new_text, *end = p->new_text + n; q < end; ) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));

		if (eol == NULL)
			eol = end;
		buf_puts(r->text, "    ");
		buf_append(r->text, q, (size_t)(eol - q));
		buf_putc(r->text, '\n');
		q = eol + 1;
	}
	if (cut)
		buf_puts(r->text, "    [...]\n");
	if (cut && r->c->archive.url)
		buf_printf(r->text, "    %s: %s/thread-%lld.html#p%lld\n",
		    r->l_read_more,
		    r->c->archive.url, (long long)p->thread, (long long)p->id);
	buf_printf(r->text, "    %s: mailto:%s\n\n",
	    r->l_reply, addr.data);

	buf_puts(r->html, "<div style=\"margin:6px 0 12px 0;padding:6px 10px;"
	    "border-left:3px solid #c9d6e3\"><p style=\"margin:0 0 4px;color:#555;"
	    "font-size:13px\"><strong>");
	html_escape_str(r->html, p->author_name);
	buf_puts(r->html, "</strong>, ");
	html_escape_str(r->html, when);
	buf_puts(r->html, "</p><div dir=\"auto\" style=\"font-size:14px;line-height:1.45\">");
	html_text(r->html, p->new_text, n);
	if (cut)
		buf_puts(r->html, " [&hellip;]");
	buf_puts(r->html, "</div><p style=\"margin:4px 0 0;font-size:13px\">");
	if (cut && r->c->archive.url) {
		buf_puts(r->html, "<a href=\"");
		html_escape_str(r->html, r->c->archive.url);
		buf_printf(r->html, "/thread-%lld.html#p%lld\">", (long long)p->thread,
		    (long long)p->id);
		html_escape_str(r->html, r->l_read_more);
		buf_puts(r->html, "</a> &middot; ");
	}
	buf_puts(r->html, "<a href=\"mailto:");
	html_escape_str(r->html, addr.data);
	buf_puts(r->html, "\">");
	html_escape_str(r->html, r->l_reply);
	buf_puts(r->html, "</a></p></div>\n");
	buf_release(&addr);
	r->items++;
	return 0;
}

static int
render_summary(void *arg, const struct digest_session *d)
{
	struct render *r = arg;
	struct buf range;
	int cut;
	size_t n;

	if (!follows(r->o->themes, d->theme) || d->summary_text == NULL)
		return 0;
	if (!r->have_section) {
		heading(r, "summaries");
		r->have_section = 1;
	}
	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, r->o->lang, r->fb);
	if (buf_failed(&range))
		buf_fail(r->text);
	buf_printf(r->text, "--- %s (%s) ---\n\n", d->theme_title, range.data);
	buf_puts(r->html, "<h3 style=\"font-size:16px;margin:14px 0 6px\">");
	html_escape_str(r->html, d->theme_title);
	buf_puts(r->html, " <span style=\"font-weight:normal;color:#666\">(");
	html_escape_str(r->html, range.data);
	buf_puts(r->html, ")</span></h3>\n<div dir=\"auto\" style=\"font-size:14px;"
	    "line-height:1.45\">");
	n = strlen(d->summary_text);
	(void)cut;
	buf_append(r->text, d->summary_text, n);
	buf_puts(r->text, "\n\n");
	html_text(r->html, d->summary_text, n);
	buf_puts(r->html, "</div>\n");
	buf_release(&range);
	r->items++;
	return 0;
}

static int
render_question(void *arg, const struct digest_post *p)
{
	struct render *r = arg;
	struct buf addr;

	if (!follows(r->o->themes, p->theme))
		return 0;
	if (!r->have_section) {
		heading(r, "questions");
		buf_puts(r->html, "<ul style=\"padding-left:20px\">\n");
		r->have_section = 1;
	}
	buf_init(&addr, 1024);
	reply_address(&addr, r->c, p->id);
	if (buf_failed(&addr))
		buf_fail(r->text);
	buf_printf(r->text, "  - %s (%s, %s) - mailto:%s\n", p->subject,
	    p->author_name, p->theme_title, addr.data);
	buf_puts(r->html, "<li style=\"margin:4px 0\">");
	html_escape_str(r->html, p->subject);
	buf_puts(r->html, " <span style=\"color:#666\">(");
	html_escape_str(r->html, p->author_name);
	buf_puts(r->html, ", ");
	html_escape_str(r->html, p->theme_title);
	buf_puts(r->html, ")</span> <a href=\"mailto:");
	html_escape_str(r->html, addr.data);
	buf_puts(r->html, "\">&#8617;</a></li>\n");
	buf_release(&addr);
	return 0;
}

static int
render_link(void *arg, const struct digest_link *l)
{
	struct render *r = arg;
	char by[128];

	if (!follows(r->o->themes, l->theme))
		return 0;
	if (!r->have_section) {
		heading(r, "resources");
		buf_puts(r->html, "<ul style=\"padding-left:20px\">\n");
		r->have_section = 1;
	}
	snprintf(by, sizeof(by), "%s", r->l_shared_by);
	buf_printf(r->text, "  - %s\n    %s %s (%s)\n", l->url, by, l->author_name, l->subject);
	buf_puts(r->html, "<li style=\"margin:4px 0\">");
	html_text(r->html, l->url, strlen(l->url));
	buf_puts(r->html, " <span style=\"color:#666\">");
	html_escape_str(r->html, by);
	buf_putc(r->html, ' ');
	html_escape_str(r->html, l->author_name);
	buf_puts(r->html, "</span></li>\n");
	return 0;
}

static int
render_next(void *arg, const struct digest_session *d)
{
	struct render *r = arg;
	struct buf range;

	/* The whole programme, not only the member's themes: a member may
	 * want to join a theme they do not follow yet. */
	if (strcmp(d->state, "closed") == 0 || r->next_shown >= DIGEST_NEXT_SESSIONS)
		return 0;
	r->next_shown++;
	if (!r->have_section) {
		heading(r, "next");
		buf_puts(r->html, "<ul style=\"padding-left:20px\">\n");
		r->have_section = 1;
	}
	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, r->o->lang, r->fb);
	if (buf_failed(&range))
		buf_fail(r->text);
	buf_printf(r->text, "  - %s: %s (", range.data, d->theme_title);
	listaddr_append(r->text, r->c, LISTADDR_THEME, d->theme);
	buf_puts(r->text, ")\n");
	buf_puts(r->html, "<li style=\"margin:4px 0\">");
	html_escape_str(r->html, range.data);
	buf_puts(r->html, ": <strong>");
	html_escape_str(r->html, d->theme_title);
	buf_puts(r->html, "</strong></li>\n");
	buf_release(&range);
	return 0;
}

static void
close_list(struct render *r)
{
	if (r->have_section)
		buf_puts(r->html, "</ul>\n");
}

int
digest_render(struct store *s, const struct conf *c,
    const struct digest_opts *o, struct buf *text, struct buf *html)
{
	/* The first digest also takes whatever came before its period
	 * (the list's first days): no post is ever left out of every digest. */
	struct digest_scope sc = { 0, o->number <= 1 ? 0 : o->start, o->end, NULL };
	struct render r;
	struct buf range;
	char title[512], intro[512];
	struct template_var vars[3];
	struct buf tmp;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.c = c;
	r.o = o;
	r.fb = c->list.language;
	r.text = text;
	r.html = html;
	render_labels(&r);

	buf_init(&range, 256);
	template_date_range(&range, o->start, o->end, o->lang, r.fb);
	buf_init(&tmp, 4096);
	vars[0] = (struct template_var){ "list", c->list.name };
	vars[1] = (struct template_var){ "range", range.data };
	vars[2] = (struct template_var){ "number", NULL };
	snprintf(title, sizeof(title), "%ld", o->number);
	vars[2].value = title;
	template_label(intro, sizeof(intro), "digest_title", o->lang, r.fb);
	template_expand(&tmp, intro, strlen(intro), vars, 3);
	snprintf(title, sizeof(title), "%s", tmp.data);
	buf_reset(&tmp);
	template_label(intro, sizeof(intro), "digest_intro", o->lang, r.fb);
	template_expand(&tmp, intro, strlen(intro), vars, 3);
	snprintf(intro, sizeof(intro), "%s", tmp.data);
	if (buf_failed(&range) || buf_failed(&tmp))
		buf_fail(text);
	buf_release(&tmp);

	buf_printf(text, "%s\n%s\n", title, intro);
	buf_puts(html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	html_escape_str(html, title);
	buf_puts(html, "</title></head><body style=\"margin:0;padding:16px;"
	    "font-family:Arial,Helvetica,sans-serif;color:#222;background:#fff\">"
	    "<div style=\"max-width:680px;margin:0 auto\"><h1 style=\"font-size:21px;"
	    "color:#1d4e6f;margin:0 0 6px\">");
	html_escape_str(html, title);
	buf_puts(html, "</h1><p style=\"color:#555;margin:0 0 12px\">");
	html_escape_str(html, intro);
	buf_puts(html, "</p>\n");

	for (size_t i = 0; i < c->digest.nsections; i++) {
		const char *sec = c->digest.sections[i];

		r.have_section = 0;
		if (strcmp(sec, "summaries") == 0) {
			if (store_digest_summaries(s, sc.start, o->end, render_summary, &r) < 0)
				goto fail;
		} else if (strcmp(sec, "threads") == 0) {
			r.theme[0] = '\0';
			if (store_digest_posts(s, &sc, render_post, &r) < 0)
				goto fail;
		} else if (strcmp(sec, "questions") == 0) {
			if (store_digest_questions(s, &sc, render_question, &r) < 0)
				goto fail;
			close_list(&r);
		} else if (strcmp(sec, "resources") == 0) {
			if (store_digest_links(s, &sc, render_link, &r) < 0)
				goto fail;
			close_list(&r);
		} else if (strcmp(sec, "figures") == 0) {
			struct figures f;
			struct digest_scope fs = sc;

			if (r.items == 0)
				continue;
			if (store_figures(s, &fs, &f) < 0)
				goto fail;
			heading(&r, "figures");
			figures_text(text, &f, o->lang, r.fb);
			figures_html(html, &f, o->lang, r.fb);
			figures_release(&f);
		} else if (strcmp(sec, "next") == 0) {
			if (store_digest_sessions(s, o->end, render_next, &r) < 0)
				goto fail;
			close_list(&r);
		}
	}

	{
		struct buf foot, each, unsub;
		char every[32], ftext[1024];
		struct template_var fv[3];

		buf_init(&foot, 4096);
		buf_init(&each, 512);
		buf_init(&unsub, 512);
		listaddr_append(&each, c, LISTADDR_REQUEST, NULL);
		listaddr_append(&unsub, c, LISTADDR_UNSUBSCRIBE, NULL);
		snprintf(every, sizeof(every), "%ld", c->digest.every_days);
		fv[0] = (struct template_var){ "every", every };
		fv[1] = (struct template_var){ "each", each.data };
		fv[2] = (struct template_var){ "unsubscribe", unsub.data };
		template_label(ftext, sizeof(ftext), "footer_digest", o->lang, r.fb);
		template_expand(&foot, ftext, strlen(ftext), fv, 3);
		if (buf_failed(&foot) || buf_failed(&each) || buf_failed(&unsub))
			buf_fail(text);
		buf_printf(text, "\n-- \n%s\n", foot.data);
		buf_puts(html, "<hr style=\"border:0;border-top:1px solid #ccd;margin:24px 0 8px\">"
		    "<p style=\"font-size:12px;color:#666\">");
		html_escape_str(html, foot.data);
		buf_puts(html, "</p></div></body></html>\n");
		buf_release(&foot);
		buf_release(&each);
		buf_release(&unsub);
	}
	buf_release(&range);
	if (buf_failed(text) || buf_failed(html)) {
		log_warnx("digest %ld (%s, themes %s): larger than %zu MB; not built",
		    o->number, o->lang, o->themes ? o->themes : "all",
		    (buf_failed(text) ? text->max : html->max) >> 20);
		return -1;
	}
	return r.items;
fail:
	buf_release(&range);
	return -1;
}

/* digest_mail - append a complete message (headers,
 * multipart/alternative) of the rendered bodies to out, addressed to the
 * list (members are envelope recipients).  0, or -1 when it would pass
 * out's cap (logged). */
static int
digest_mail(const struct conf *c, const struct digest_opts *o,
    const struct buf *text, const struct buf *html, struct buf *out)
{
	struct buf subj, range;
	char boundary[64], date[64];

	buf_init(&subj, 4096);
	buf_init(&range, 256);
	/* The subject keeps one form in every language, so filters can rely
	 * on it: "[CoP] Digest N: 17 Nov – 1 Dec 2020"; the body speaks the
	 * member's language. */
	template_date_range(&range, o->start, o->end, "en", "en");
	if (*c->list.subject_prefix)
		buf_printf(&subj, "%s ", c->list.subject_prefix);
	buf_printf(&subj, "Digest %ld: %s", o->number, range.data);
	if (buf_failed(&subj) || buf_failed(&range))
		buf_fail(out);
	mime_boundary(boundary, sizeof(boundary));

	mime_header_addr(out, "From", c->list.name, c->list.address);
	mime_header_addr(out, "To", c->list.name, c->list.address);
	mime_header_text(out, "Subject", subj.data);
	buf_printf(out, "Date: %s\r\n", clock_format_rfc5322(clock_now(), date, sizeof(date)));
	buf_printf(out, "Message-ID: <digest-%ld-%s-%s@%s>\r\n", o->number,
	    o->lang, boundary + 9, c->list.domain);
	buf_printf(out, "MIME-Version: 1.0\r\n");
	buf_printf(out, "X-Baraza-Digest: %ld\r\n", o->number);
	{
		/* the generic List-Unsubscribe: the delivery swaps in each
		 * member's own (listhead_personalize) */
		struct listhead h;

		if (listhead_init(&h, c) < 0 || listhead_fields(out, MIME_CRLF, &h) < 0 ||
		    listhead_unsubscribe(out, MIME_CRLF, &h, NULL) < 0)
			buf_fail(out);
	}
	buf_printf(out, "Precedence: list\r\nX-Loop: %s\r\n", c->list.address);
	buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
	    boundary);
	buf_printf(out, "This is a digest in text and HTML.\r\n\r\n--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary);
	mime_qp_encode(out, text->data, text->len);
	buf_printf(out, "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary);
	mime_qp_encode(out, html->data, html->len);
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	buf_release(&subj);
	buf_release(&range);
	if (buf_failed(out)) {
		log_warnx("digest %ld (%s): the mail would be larger than %zu MB; not built",
		    o->number, o->lang, out->max >> 20);
		return -1;
	}
	return 0;
}

/* One rendering shared by all members of the same language and themes. */
struct cached {
	char *key;          /* "lang|themes" */
	int64_t outbox;     /* 0: rendered empty, nothing to send */
};

struct run {
	struct store *s;
	const struct conf *c;
	long number;
	time_t start, end;
	struct cached cache[DIGEST_RENDER_CACHE];
	size_t ncache;
	long members, sent;
	int failed;
};

static int64_t
render_and_queue(struct run *run, const char *lang, const char *themes)
{
	struct digest_opts o = { run->number, run->start, run->end, lang, themes };
	struct buf text, html, mail;
	int64_t id = 0;
	int items;

	buf_init(&text, DIGEST_MAX);
	buf_init(&html, DIGEST_MAX);
	buf_init(&mail, 3 * DIGEST_MAX);
	items = digest_render(run->s, run->c, &o, &text, &html);
	if (items < 0)
		id = -1;
	else if (items > 0 && digest_mail(run->c, &o, &text, &html, &mail) == 0)
		id = store_digest_queue(run->s, mail.data, mail.len);
	else if (items > 0)
		id = -1;
	buf_release(&text);
	buf_release(&html);
	buf_release(&mail);
	return id;
}

static int
queue_member(void *arg, const struct digest_member *m)
{
	struct run *run = arg;
	const char *lang = *m->language ? m->language : run->c->list.language;
	const char *themes = m->all_themes ? NULL : m->themes;
	char *key = xasprintf("%s|%s", lang, themes ? themes : "*");
	int64_t outbox = -2;
	size_t i;

	run->members++;
	for (i = 0; i < run->ncache; i++)
		if (strcmp(run->cache[i].key, key) == 0) {
			outbox = run->cache[i].outbox;
			break;
		}
	if (outbox == -2) {
		outbox = render_and_queue(run, lang, themes);
		if (outbox < 0) {
			free(key);
			run->failed = 1;
			return -1;
		}
		if (run->ncache < DIGEST_RENDER_CACHE) {
			run->cache[run->ncache].key = key;
			run->cache[run->ncache].outbox = outbox;
			run->ncache++;
			key = NULL;
		}
	}
	free(key);
	if (outbox == 0)
		return 0;       /* nothing for this member's themes */
	if (store_digest_add_rcpt(run->s, run->number, outbox, m->id, m->email) < 0) {
		run->failed = 1;
		return -1;
	}
	run->sent++;
	return 0;
}

/* build_one - digest n in one transaction */
static int
build_one(struct store *s, const struct conf *c, long n)
{
	struct run run;
	int rc = -1, empty;

	memset(&run, 0, sizeof(run));
	run.s = s;
	run.c = c;
	run.number = n;
	digest_period(c, n, &run.start, &run.end);
	if ((empty = store_digest_has_content(s, n <= 1 ? 0 : run.start, run.end)) < 0)
		return -1;
	empty = !empty;
	if (store_begin(s) < 0)
		return -1;
	/* An empty period (a list set up long after [digest] first, a
	 * holiday) is marked built at once, without visiting the members. */
	if (store_digest_begin(s, n, run.start, run.end) == 0 &&
	    (empty || store_digest_members(s, n, queue_member, &run) == 0) && !run.failed &&
	    store_digest_mark_built(s, n, clock_now()) == 0 && store_commit(s) == 0)
		rc = 0;
	else
		store_rollback(s);
	for (size_t i = 0; i < run.ncache; i++)
		free(run.cache[i].key);
	if (rc == 0 && empty)
		log_debug("digest %ld: nothing arrived in its period", n);
	else if (rc == 0)
		log_info("digest %ld: queued for %ld of %ld digest members (%zu renderings)",
		    n, run.sent, run.members, run.ncache);
	else
		log_warnx("digest %ld: not built; will retry", n);
	return rc;
}

int
digest_run_due(struct store *s, const struct conf *c, time_t now)
{
	long last = store_digest_last_built(s), due = digest_number_at(c, now);
	int built = 0;

	if (last < 0)
		return -1;
	for (long n = last + 1; n <= due; n++) {
		if (build_one(s, c, n) < 0)
			return -1;
		built++;
	}
	return built;
}

struct preview {
	const struct conf *c;
	struct store *s;
	struct buf *out;
	int rc;
};

static int
preview_member(void *arg, const struct digest_member *m)
{
	struct preview *pv = arg;
	const struct conf *c = pv->c;
	long n = digest_number_at(c, clock_now()) + 1;
	struct digest_opts o;
	struct buf text, html;

	o.number = n;
	digest_period(c, n, &o.start, &o.end);
	o.lang = *m->language ? m->language : c->list.language;
	o.themes = m->all_themes ? NULL : m->themes;
	buf_init(&text, DIGEST_MAX);
	buf_init(&html, DIGEST_MAX);
	pv->rc = digest_render(pv->s, c, &o, &text, &html) < 0 ||
	    digest_mail(c, &o, &text, &html, pv->out) < 0 ? -1 : 0;
	buf_release(&text);
	buf_release(&html);
	return pv->rc;
}

int
digest_preview(struct store *s, const struct conf *c, const char *email,
    struct buf *out)
{
	struct preview pv = { c, s, out, 0 };
	int found = store_digest_member(s, email, preview_member, &pv);

	if (found < 0 || pv.rc < 0)
		return -1;
	return found;
}
