/* SPDX-License-Identifier: GPL-3.0-or-later */
/* digest_render - the text and HTML bodies of one digest
 *
 * Rendering walks the period's posts once, in theme, session, thread and
 * arrival order, writing the text and the HTML part side by side.  Each
 * post shows its author, date and new_text (quotes and signature left
 * out), trimmed to DIGEST_POST_CHARS with a link to the archive when
 * archive.url is set, and a mailto:cop+reply-POSTID@...?subject=Re: ...
 * link so that a reply written from the digest joins that thread under
 * the post's subject.  Addresses of members never appear.  The HTML uses
 * inline styles and tables only (what Gmail, Outlook and Apple Mail all
 * show: no SVG, no scripts, no remote images), carries the language and
 * direction of the reader (dir="rtl" for Arabic), isolates names with
 * dir="auto" (<bdi> is not supported by Gmail or Outlook),
 * and stays under 100 KB: DIGEST_THREAD_POSTS posts per thread,
 * DIGEST_LIST_ITEMS questions and resources, items added only while the
 * HTML is under DIGEST_HTML_BUDGET, and a note with a link to the archive
 * for what was left out.  The footer with the way to leave is always
 * written.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "catalog.h"
#include "digest.h"
#include "figures.h"
#include "html.h"
#include "listaddr.h"
#include "log.h"
#include "store_digest.h"
#include "template.h"
#include "xalloc.h"

#define DIGEST_POST_CHARS 1200
#define DIGEST_MAX (8u << 20)
/* Gmail clips an HTML part past 102 KB (and hides what follows: the
 * footer with the way to leave).  Items are added while the HTML is under
 * DIGEST_HTML_BUDGET; one item is at most ~8 KB (DIGEST_POST_CHARS of text
 * escaped, a subject cut at DIGEST_SUBJECT_CHARS), and what follows the
 * items (the notes of what was left out, figures of at most
 * FIGURES_MAX_REGIONS rows, the footer) is a few KB: the part stays under
 * 100 KB whatever the period held.  The text part has its own budget. */
#define DIGEST_HTML_BUDGET (80u << 10)
#define DIGEST_TEXT_BUDGET (200u << 10)
#define DIGEST_THREAD_POSTS 5     /* posts shown per thread */
#define DIGEST_LIST_ITEMS 15      /* questions, resources shown */
#define DIGEST_SUBJECT_CHARS 200
#define DIGEST_NEXT_SESSIONS 3

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
	const char *lang;             /* the language written: catalog_pick */
	int64_t thread_shown;         /* posts shown of the current thread */
	long left_out;                /* posts not shown (caps) */
	long list_left_out;           /* questions or resources not shown */
	struct store *s;
	const struct conf *c;
	const struct digest_opts *o;
	const char *fb;               /* list language */
	struct buf *text, *html;
	char theme[128];
	int64_t session, thread;
	int items, have_section;
	int next_shown;
	int items_in_list;
	/* Labels looked up once per rendering, not once per post. */
	char l_reply[128], l_read_more[128], l_between[128], l_shared_by[128],
	    l_archive[128];
	char months[12][24];
};

static void
render_labels(struct render *r)
{
	template_label(r->l_reply, sizeof(r->l_reply), "reply", r->lang, r->lang);
	template_label(r->l_read_more, sizeof(r->l_read_more), "read_more", r->lang, r->lang);
	template_label(r->l_between, sizeof(r->l_between), "between_sessions", r->lang, r->lang);
	template_label(r->l_shared_by, sizeof(r->l_shared_by), "shared_by", r->lang, r->lang);
	snprintf(r->l_archive, sizeof(r->l_archive), "%s", tr(r->lang, "The archive"));
	for (int i = 0; i < 12; i++)
		template_month(r->months[i], sizeof(r->months[i]), i, r->lang, r->lang);
}

static void
heading(struct render *r, const char *key)
{
	char h[256];

	template_label(h, sizeof(h), key, r->lang, r->lang);
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

/* reply_address - "cop+reply-ID@example.org?subject=Re%3A%20..." : the
 * address of a reply to the post, and its subject percent-encoded as
 * RFC 6068 asks (UTF-8 bytes, every byte outside the unreserved set) */
static void
reply_address(struct buf *out, const struct conf *c, int64_t post,
    const char *subject)
{
	static const char hexd[] = "0123456789ABCDEF";
	char id[24];
	size_t n = 0;

	snprintf(id, sizeof(id), "%lld", (long long)post);
	listaddr_append(out, c, LISTADDR_REPLY, id);
	buf_puts(out, "?subject=Re%3A%20");
	if (subject == NULL)
		return;
	if (strncasecmp(subject, "Re:", 3) == 0)
		for (subject += 3; *subject == ' '; subject++)
			;
	for (const unsigned char *p = (const unsigned char *)subject; *p &&
	    n < DIGEST_SUBJECT_CHARS; p++, n++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			buf_putc(out, *p);
		else if (*p >= 0x20 && *p != 0x7f)
			buf_printf(out, "%%%c%c", hexd[*p >> 4], hexd[*p & 15]);
	}
}

/* short_subject - at most DIGEST_SUBJECT_CHARS bytes of s, on a UTF-8
 * boundary, into out */
static const char *
short_subject(char *out, size_t outlen, const char *s)
{
	size_t n = strlen(s);

	if (n > DIGEST_SUBJECT_CHARS && outlen > DIGEST_SUBJECT_CHARS + 4) {
		n = DIGEST_SUBJECT_CHARS;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		snprintf(out, outlen, "%.*s...", (int)n, s);
	} else {
		snprintf(out, outlen, "%s", s);
	}
	return out;
}

/* theme_title - a theme's title in the rendering's language */
static const char *
theme_title(const struct render *r, const char *slug, const char *stored)
{
	const struct conf_theme *t = conf_theme_find(r->c, slug);

	return t && t->title ? conf_theme_title(t, r->lang) : stored;
}

/* over_budget - 1 when no more items fit (the HTML or the text is full) */
static int
over_budget(const struct render *r)
{
	return r->html->len >= DIGEST_HTML_BUDGET || r->text->len >= DIGEST_TEXT_BUDGET;
}

/* author - a name as stored, but the store's "former member" (a member
 * who was forgotten, SPEC: posts stay) in the reader's language */
static const char *
author(const struct render *r, const char *name)
{
	static const char former[] = N_("former member");

	return strcmp(name, former) == 0 ? tr(r->lang, former) : name;
}

/* The kinds' names, for the translators. */
static const char *const kind_names[] = {
	N_("idea"), N_("question"), N_("resource"), N_("feedback"),
};

/* kind_word - the kind of a post in the rendering's language */
static const char *
kind_word(const struct render *r, const char *kind)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(kind, kind_names[i]) == 0)
			return tr(r->lang, kind_names[i]);
	return kind;
}

static int
render_post(void *arg, const struct digest_post *p)
{
	struct render *r = arg;
	char when[96], subj[DIGEST_SUBJECT_CHARS + 8];
	struct buf addr;
	size_t n;
	int cut;
	const char *title = theme_title(r, p->theme, p->theme_title);

	if (!follows(r->o->themes, p->theme))
		return 0;
	if (p->thread == r->thread && r->thread_shown >= DIGEST_THREAD_POSTS) {
		r->left_out++;
		return 0;
	}
	if (over_budget(r)) {
		r->left_out++;
		return 0;
	}
	if (!r->have_section) {
		heading(r, "threads");
		r->have_section = 1;
	}
	if (strcmp(r->theme, p->theme) != 0) {
		snprintf(r->theme, sizeof(r->theme), "%s", p->theme);
		r->session = -1;
		r->thread = 0;
		buf_printf(r->text, "--- %s ---\n\n", title);
		buf_puts(r->html, "<h3 style=\"font-size:16px;margin:18px 0 6px\">");
		html_escape_str(r->html, title);
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
		r->thread_shown = 0;
		/* Replies to a summary: the summary itself is in its own
		 * section, so its subject is not repeated as a discussion */
		short_subject(subj, sizeof(subj), p->on_summary ?
		    tr(r->lang, "Replies to the session summary") :
		    *p->thread_subject ? p->thread_subject : p->subject);
		buf_printf(r->text, "* %s\n\n", subj);
		buf_puts(r->html, "<h4 dir=\"auto\" style=\"font-size:15px;margin:14px 0 4px\">");
		html_escape_str(r->html, subj);
		buf_puts(r->html, "</h4>\n");
	}
	r->thread_shown++;
	format_when(when, sizeof(when), p->received, r->months);
	n = trim_text(p->new_text, &cut);
	buf_init(&addr, 4096);
	reply_address(&addr, r->c, p->id, p->subject);
	if (buf_failed(&addr))
		buf_fail(r->text);

	buf_printf(r->text, "  %s, %s%s%s:\n\n", author(r, p->author_name), when,
	    p->depth ? " - " : "", p->depth ? kind_word(r, p->kind) : "");
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
	    "border-left:3px solid #c9d6e3;border-right:3px solid #c9d6e3\"><p style=\"margin:0 0 4px;color:#555;"
	    "font-size:13px\"><strong><span dir=\"auto\">");
	html_escape_str(r->html, author(r, p->author_name));
	buf_puts(r->html, "</span></strong>, ");
	html_escape_str(r->html, when);
	if (p->depth) {
		buf_puts(r->html, " &middot; ");
		html_escape_str(r->html, kind_word(r, p->kind));
	}
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
	if (over_budget(r)) {
		r->list_left_out++;
		return 0;
	}
	if (!r->have_section) {
		heading(r, "summaries");
		r->have_section = 1;
	}
	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, r->o->lang, r->fb);
	if (buf_failed(&range))
		buf_fail(r->text);
	buf_printf(r->text, "--- %s (%s) ---\n\n", theme_title(r, d->theme, d->theme_title),
	    range.data);
	buf_puts(r->html, "<h3 style=\"font-size:16px;margin:14px 0 6px\">");
	html_escape_str(r->html, theme_title(r, d->theme, d->theme_title));
	buf_puts(r->html, " <span style=\"font-weight:normal;color:#666\">(");
	html_escape_str(r->html, range.data);
	buf_puts(r->html, ")</span></h3>\n<div dir=\"auto\" style=\"font-size:14px;"
	    "line-height:1.45\">");
	/* a summary is longer than a post: four posts' worth is shown */
	n = strlen(d->summary_text);
	cut = n > 4 * DIGEST_POST_CHARS;
	if (cut) {
		n = 4 * DIGEST_POST_CHARS;
		while (n > 0 && ((unsigned char)d->summary_text[n] & 0xc0) == 0x80)
			n--;
	}
	buf_append(r->text, d->summary_text, n);
	buf_puts(r->text, cut ? " [...]\n\n" : "\n\n");
	html_text(r->html, d->summary_text, n);
	if (cut)
		buf_puts(r->html, " [&hellip;]");
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
	char subj[DIGEST_SUBJECT_CHARS + 8];

	if (!follows(r->o->themes, p->theme))
		return 0;
	if (r->items_in_list >= DIGEST_LIST_ITEMS || over_budget(r)) {
		r->list_left_out++;
		return 0;
	}
	r->items_in_list++;
	if (!r->have_section) {
		heading(r, "questions");
		buf_puts(r->html, "<ul style=\"padding-left:20px;padding-right:20px\">\n");
		r->have_section = 1;
	}
	short_subject(subj, sizeof(subj), p->subject);
	buf_init(&addr, 4096);
	reply_address(&addr, r->c, p->id, p->subject);
	if (buf_failed(&addr))
		buf_fail(r->text);
	buf_printf(r->text, "  - %s (%s, %s) - mailto:%s\n", subj,
	    author(r, p->author_name), theme_title(r, p->theme, p->theme_title), addr.data);
	buf_puts(r->html, "<li dir=\"auto\" style=\"margin:4px 0\">");
	html_escape_str(r->html, subj);
	buf_puts(r->html, " <span style=\"color:#666\">(<span dir=\"auto\">");
	html_escape_str(r->html, author(r, p->author_name));
	buf_puts(r->html, "</span>, ");
	html_escape_str(r->html, theme_title(r, p->theme, p->theme_title));
	buf_puts(r->html, ")</span> <a href=\"mailto:");
	html_escape_str(r->html, addr.data);
	buf_puts(r->html, "\">");
	html_escape_str(r->html, r->l_reply);
	buf_puts(r->html, "</a></li>\n");
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
	if (r->items_in_list >= DIGEST_LIST_ITEMS || over_budget(r) ||
	    strlen(l->url) > 2048) {
		r->list_left_out++;
		return 0;
	}
	r->items_in_list++;
	if (!r->have_section) {
		heading(r, "resources");
		buf_puts(r->html, "<ul style=\"padding-left:20px;padding-right:20px\">\n");
		r->have_section = 1;
	}
	snprintf(by, sizeof(by), "%s", r->l_shared_by);
	buf_printf(r->text, "  - %s\n    %s %s (%s)\n", l->url, by, author(r, l->author_name),
	    l->subject);
	buf_puts(r->html, "<li style=\"margin:4px 0\">");
	html_text(r->html, l->url, strlen(l->url));
	buf_puts(r->html, " <span style=\"color:#666\">");
	html_escape_str(r->html, by);
	buf_puts(r->html, " <span dir=\"auto\">");
	html_escape_str(r->html, author(r, l->author_name));
	buf_puts(r->html, "</span></span></li>\n");
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
		buf_puts(r->html, "<ul style=\"padding-left:20px;padding-right:20px\">\n");
		r->have_section = 1;
	}
	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, r->o->lang, r->fb);
	if (buf_failed(&range))
		buf_fail(r->text);
	buf_printf(r->text, "  - %s: %s (", range.data, theme_title(r, d->theme, d->theme_title));
	listaddr_append(r->text, r->c, LISTADDR_THEME, d->theme);
	buf_puts(r->text, ")\n");
	buf_puts(r->html, "<li style=\"margin:4px 0\">");
	html_escape_str(r->html, range.data);
	buf_puts(r->html, ": <strong>");
	html_escape_str(r->html, theme_title(r, d->theme, d->theme_title));
	buf_puts(r->html, "</strong></li>\n");
	buf_release(&range);
	return 0;
}

/* left_out_note - say how many items the caps left out, and where the
 * rest is (the archive, when archive.url is set) */
static void
left_out_note(struct render *r, long count)
{
	struct template_var v[1];
	struct buf b;

	if (count <= 0)
		return;
	buf_init(&b, 4096);
	v[0] = (struct template_var){ "url", r->c->archive.url ? r->c->archive.url : "" };
	if (r->c->archive.url)
		/* TRANSLATORS: at the end of a digest section cut short */
		template_plural(&b, r->lang, "{{n}} more item is not shown here; "
		    "everything is in the archive: {{url}}",
		    "{{n}} more items are not shown here; everything is in the archive: {{url}}",
		    (unsigned long)count, v, 1);
	else
		template_plural(&b, r->lang, "{{n}} more item is not shown here.",
		    "{{n}} more items are not shown here.", (unsigned long)count, v, 1);
	buf_printf(r->text, "\n  (%s)\n", b.data);
	buf_puts(r->html, "<p style=\"color:#555;font-size:13px;margin:8px 0\">");
	html_escape_str(r->html, b.data);
	if (r->c->archive.url) {
		buf_puts(r->html, " <a href=\"");
		html_escape_str(r->html, r->c->archive.url);
		buf_puts(r->html, "\">");
		html_escape_str(r->html, r->l_archive);
		buf_puts(r->html, "</a>");
	}
	buf_puts(r->html, "</p>\n");
	buf_release(&b);
}

static void
close_list(struct render *r)
{
	if (r->have_section)
		buf_puts(r->html, "</ul>\n");
	left_out_note(r, r->list_left_out);
	r->list_left_out = 0;
	r->items_in_list = 0;
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
	r.lang = catalog_pick(o->lang, c->list.language);
	r.text = text;
	r.html = html;
	render_labels(&r);

	buf_init(&range, 256);
	template_date_range(&range, o->start, o->end, r.lang, r.lang);
	buf_init(&tmp, 4096);
	vars[0] = (struct template_var){ "list", c->list.name };
	vars[1] = (struct template_var){ "range", range.data };
	vars[2] = (struct template_var){ "number", NULL };
	snprintf(title, sizeof(title), "%ld", o->number);
	vars[2].value = title;
	template_label(intro, sizeof(intro), "digest_title", r.lang, r.lang);
	template_expand(&tmp, intro, strlen(intro), vars, 3);
	snprintf(title, sizeof(title), "%s", tmp.data);
	buf_reset(&tmp);
	template_label(intro, sizeof(intro), "digest_intro", r.lang, r.lang);
	template_expand(&tmp, intro, strlen(intro), vars, 3);
	snprintf(intro, sizeof(intro), "%s", tmp.data);
	if (buf_failed(&range) || buf_failed(&tmp))
		buf_fail(text);
	buf_release(&tmp);

	buf_printf(text, "%s\n%s\n", title, intro);
	/* lang and dir on <html> and again on the outer block, which is
	 * what the clients that drop <html> keep.  No <body> tag (HTML5 lets
	 * it be implied): Outlook for iOS and Android do not support the
	 * element (caniemail), and its styles go on the block instead. */
	buf_printf(html, "<!DOCTYPE html><html lang=\"%s\" dir=\"%s\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>",
	    r.lang, catalog_is_rtl(r.lang) ? "rtl" : "ltr");
	html_escape_str(html, title);
	buf_printf(html, "</title></head>"
	    "<div lang=\"%s\" dir=\"%s\" style=\"max-width:680px;margin:0 auto;"
	    "padding:16px;font-family:Arial,Helvetica,sans-serif;color:#222;"
	    "background-color:#ffffff;text-align:%s\"><h1 style=\"font-size:21px;"
	    "color:#1d4e6f;margin:0 0 6px\">", r.lang,
	    catalog_is_rtl(r.lang) ? "rtl" : "ltr", catalog_is_rtl(r.lang) ? "right" : "left");
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
			left_out_note(&r, r.list_left_out);
			r.list_left_out = 0;
		} else if (strcmp(sec, "threads") == 0) {
			r.theme[0] = '\0';
			if (store_digest_posts(s, &sc, render_post, &r) < 0)
				goto fail;
			left_out_note(&r, r.left_out);
			r.left_out = 0;
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
			figures_text(text, &f, r.lang, r.lang);
			figures_html_mail(html, &f, r.lang);
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
		template_label(ftext, sizeof(ftext), "footer_digest", r.lang, r.lang);
		template_expand(&foot, ftext, strlen(ftext), fv, 3);
		if (buf_failed(&foot) || buf_failed(&each) || buf_failed(&unsub))
			buf_fail(text);
		buf_printf(text, "\n-- \n%s\n", foot.data);
		buf_puts(html, "<hr style=\"border:0;border-top:1px solid #ccd;margin:24px 0 8px\">"
		    "<p style=\"font-size:12px;color:#666\">");
		html_escape_str(html, foot.data);
		buf_puts(html, "</p></div></html>\n");
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

