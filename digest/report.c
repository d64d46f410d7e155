/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report - Markdown and HTML synthesis of every session */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "catalog.h"
#include "figures.h"
#include "html.h"
#include "log.h"
#include "report.h"
#include "template.h"
#include "store_digest.h"

#define REPORT_TOP_THREADS 5

struct report {
	struct store *s;
	const struct conf *c;
	enum report_format fmt;
	struct buf *out;
	const char *lang;
	int failed;
};

/* md_escape - keep Markdown from reading message text as markup at line
 * starts; the text itself stays readable */
static void
md_text(struct buf *out, const char *s)
{
	int bol = 1;

	for (; *s; s++) {
		if (bol && strchr("#>-*+|", *s))
			buf_putc(out, '\\');
		buf_putc(out, *s);
		bol = *s == '\n';
	}
}

/* The sessions' states, for the translators (the report prints them). */
static const char *const state_names[] __attribute__((unused)) = {
	N_("planned"), N_("open"), N_("closed"),
};

static int
thread_line(void *arg, const struct digest_thread *t)
{
	struct report *r = arg;
	struct template_var v[] = { { "name", *t->starter ? t->starter :
	    tr(r->lang, "a former member") } };
	struct buf b;

	buf_init(&b, 4096);
	template_plural(&b, r->lang, "{{n}} post, started by {{name}}",
	    "{{n}} posts, started by {{name}}", (unsigned long)t->posts, v, 1);
	if (r->fmt == REPORT_MARKDOWN) {
		buf_puts(r->out, "- ");
		md_text(r->out, t->subject);
		buf_puts(r->out, " (");
		md_text(r->out, b.data);
		buf_puts(r->out, ")\n");
	} else {
		buf_puts(r->out, "<li>");
		html_escape_str(r->out, t->subject);
		buf_puts(r->out, " <span class=\"muted\">(");
		html_escape_str(r->out, b.data);
		buf_puts(r->out, ")</span></li>\n");
	}
	buf_release(&b);
	return 0;
}

static int
link_line(void *arg, const struct digest_link *l)
{
	struct report *r = arg;

	struct template_var v[] = { { "name", l->author_name } };
	const char *fmt = tr(r->lang, "shared by {{name}}");
	struct buf b;

	buf_init(&b, 4096);
	template_expand(&b, fmt, strlen(fmt), v, 1);
	if (r->fmt == REPORT_MARKDOWN) {
		buf_printf(r->out, "- <%s> ", l->url);
		md_text(r->out, b.data);
		buf_putc(r->out, '\n');
	} else {
		buf_puts(r->out, "<li>");
		html_text(r->out, l->url, strlen(l->url));
		buf_puts(r->out, " <span class=\"muted\">");
		html_escape_str(r->out, b.data);
		buf_puts(r->out, "</span></li>\n");
	}
	buf_release(&b);
	return 0;
}

static int
session_block(void *arg, const struct digest_session *d)
{
	struct report *r = arg;
	struct digest_scope sc = { d->id, 0, 0, NULL };
	struct figures f;
	struct buf range;

	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, r->lang, r->lang);
	if (buf_failed(&range))
		buf_fail(r->out);
	if (r->fmt == REPORT_MARKDOWN) {
		buf_puts(r->out, "\n## ");
		md_text(r->out, d->theme_title);
		buf_printf(r->out, "\n\n*%s %lld, %s (%s)*\n\n### %s\n\n",
		    tr(r->lang, "Session"), (long long)d->id, range.data,
		    tr(r->lang, d->state), tr(r->lang, "Summary"));
		if (d->summary_text) {
			md_text(r->out, d->summary_text);
			buf_puts(r->out, "\n\n*");
			md_text(r->out, d->summary_author);
			buf_puts(r->out, "*\n");
		} else {
			buf_printf(r->out, "%s\n", tr(r->lang, "No summary yet."));
		}
		buf_printf(r->out, "\n### %s\n\n```\n", tr(r->lang, "Figures"));
	} else {
		buf_puts(r->out, "<section><h2>");
		html_escape_str(r->out, d->theme_title);
		buf_printf(r->out, "</h2><p class=\"muted\">%s %lld, ", tr(r->lang, "Session"),
		    (long long)d->id);
		html_escape_str(r->out, range.data);
		buf_printf(r->out, " (%s)</p><h3>%s</h3>", tr(r->lang, d->state),
		    tr(r->lang, "Summary"));
		if (d->summary_text) {
			buf_puts(r->out, "<div class=\"summary\" dir=\"auto\">");
			html_text(r->out, d->summary_text, strlen(d->summary_text));
			buf_puts(r->out, "</div><p class=\"muted\"><bdi>");
			html_escape_str(r->out, d->summary_author);
			buf_puts(r->out, "</bdi></p>");
		} else {
			buf_printf(r->out, "<p>%s</p>", tr(r->lang, "No summary yet."));
		}
		buf_printf(r->out, "<h3>%s</h3>", tr(r->lang, "Figures"));
	}
	buf_release(&range);
	if (store_figures(r->s, &sc, &f) < 0) {
		r->failed = 1;
		return -1;
	}
	if (r->fmt == REPORT_MARKDOWN) {
		figures_text(r->out, &f, r->lang, r->lang);
		buf_printf(r->out, "```\n\n### %s\n\n", tr(r->lang, "Key threads"));
	} else {
		figures_html(r->out, &f, r->lang, r->lang);
		buf_printf(r->out, "<h3>%s</h3><ul>", tr(r->lang, "Key threads"));
	}
	figures_release(&f);
	if (store_digest_top_threads(r->s, &sc, REPORT_TOP_THREADS, thread_line, r) < 0) {
		r->failed = 1;
		return -1;
	}
	buf_printf(r->out, r->fmt == REPORT_MARKDOWN ? "\n### %s\n\n" :
	    "</ul><h3>%s</h3><ul>", tr(r->lang, "Resources shared"));
	if (store_digest_links(r->s, &sc, link_line, r) < 0) {
		r->failed = 1;
		return -1;
	}
	if (r->fmt == REPORT_HTML)
		buf_puts(r->out, "</ul></section>\n");
	return 0;
}

int
report_render(struct store *s, const struct conf *c, enum report_format fmt,
    struct buf *out)
{
	struct report r = { s, c, fmt, out, catalog_pick(c->list.language, "en"), 0 };
	struct digest_scope all = { 0, 0, 0, NULL };
	struct figures f;

	if (fmt == REPORT_MARKDOWN) {
		buf_puts(out, "# ");
		md_text(out, c->list.name);
		buf_printf(out, " - %s\n", tr(r.lang, "final report"));
	} else {
		buf_printf(out, "<!DOCTYPE html><html lang=\"%s\" dir=\"%s\"><head>"
		    "<meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width\"><title>",
		    r.lang, catalog_is_rtl(r.lang) ? "rtl" : "ltr");
		html_escape_str(out, c->list.name);
		buf_printf(out, " - %s</title><style>", tr(r.lang, "final report"));
		buf_puts(out, ""
		    "body{font-family:Arial,Helvetica,sans-serif;max-width:820px;"
		    "margin:0 auto;padding:16px;color:#222;line-height:1.45}"
		    "h1,h2{color:#1d4e6f}section{border-top:1px solid #ccd;margin-top:24px}"
		    ".muted{color:#666}.summary{background:#f4f7fa;padding:8px 12px}"
		    "</style></head><body><h1>");
		html_escape_str(out, c->list.name);
		buf_printf(out, " - %s</h1>\n", tr(r.lang, "final report"));
	}
	if (store_digest_sessions(s, 0, session_block, &r) < 0 || r.failed)
		return -1;
	if (store_figures(s, &all, &f) < 0)
		return -1;
	if (fmt == REPORT_MARKDOWN) {
		buf_printf(out, "\n## %s\n\n```\n", tr(r.lang, "The whole programme"));
		figures_text(out, &f, r.lang, r.lang);
		buf_puts(out, "```\n");
	} else {
		buf_printf(out, "<section><h2>%s</h2>", tr(r.lang, "The whole programme"));
		figures_html(out, &f, r.lang, r.lang);
		buf_puts(out, "</section></body></html>\n");
	}
	figures_release(&f);
	if (buf_failed(out))
		return log_error("report: larger than %zu MB", out->max >> 20);
	return 0;
}
