/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report - Markdown and HTML synthesis of every session */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "digest.h"
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

static int
thread_line(void *arg, const struct digest_thread *t)
{
	struct report *r = arg;

	if (r->fmt == REPORT_MARKDOWN) {
		buf_puts(r->out, "- ");
		md_text(r->out, t->subject);
		buf_printf(r->out, " (%ld posts, started by %s)\n", t->posts,
		    *t->starter ? t->starter : "former member");
	} else {
		buf_puts(r->out, "<li>");
		html_escape_str(r->out, t->subject);
		buf_printf(r->out, " <span class=\"muted\">(%ld posts, started by ", t->posts);
		html_escape_str(r->out, *t->starter ? t->starter : "former member");
		buf_puts(r->out, ")</span></li>\n");
	}
	return 0;
}

static int
link_line(void *arg, const struct digest_link *l)
{
	struct report *r = arg;

	if (r->fmt == REPORT_MARKDOWN) {
		buf_printf(r->out, "- <%s> shared by ", l->url);
		md_text(r->out, l->author_name);
		buf_putc(r->out, '\n');
	} else {
		buf_puts(r->out, "<li>");
		html_text(r->out, l->url, strlen(l->url));
		buf_puts(r->out, " <span class=\"muted\">shared by ");
		html_escape_str(r->out, l->author_name);
		buf_puts(r->out, "</span></li>\n");
	}
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
		buf_printf(r->out, "\n\n*Session %lld, %s (%s)*\n\n### Summary\n\n",
		    (long long)d->id, range.data, d->state);
		if (d->summary_text) {
			md_text(r->out, d->summary_text);
			buf_puts(r->out, "\n\n*by ");
			md_text(r->out, d->summary_author);
			buf_puts(r->out, "*\n");
		} else {
			buf_puts(r->out, "No summary yet.\n");
		}
		buf_puts(r->out, "\n### Figures\n\n```\n");
	} else {
		buf_puts(r->out, "<section><h2>");
		html_escape_str(r->out, d->theme_title);
		buf_printf(r->out, "</h2><p class=\"muted\">Session %lld, ", (long long)d->id);
		html_escape_str(r->out, range.data);
		buf_printf(r->out, " (%s)</p><h3>Summary</h3>", d->state);
		if (d->summary_text) {
			buf_puts(r->out, "<div class=\"summary\" dir=\"auto\">");
			html_text(r->out, d->summary_text, strlen(d->summary_text));
			buf_puts(r->out, "</div><p class=\"muted\">by ");
			html_escape_str(r->out, d->summary_author);
			buf_puts(r->out, "</p>");
		} else {
			buf_puts(r->out, "<p>No summary yet.</p>");
		}
		buf_puts(r->out, "<h3>Figures</h3>");
	}
	buf_release(&range);
	if (store_figures(r->s, &sc, &f) < 0) {
		r->failed = 1;
		return -1;
	}
	if (r->fmt == REPORT_MARKDOWN) {
		figures_text(r->out, &f, r->lang, r->lang);
		buf_puts(r->out, "```\n\n### Key threads\n\n");
	} else {
		figures_html(r->out, &f, r->lang, r->lang);
		buf_puts(r->out, "<h3>Key threads</h3><ul>");
	}
	figures_release(&f);
	if (store_digest_top_threads(r->s, &sc, REPORT_TOP_THREADS, thread_line, r) < 0) {
		r->failed = 1;
		return -1;
	}
	buf_puts(r->out, r->fmt == REPORT_MARKDOWN ? "\n### Resources shared\n\n" :
	    "</ul><h3>Resources shared</h3><ul>");
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
	struct report r = { s, c, fmt, out, c->list.language, 0 };
	struct digest_scope all = { 0, 0, 0, NULL };
	struct figures f;

	if (fmt == REPORT_MARKDOWN) {
		buf_puts(out, "# ");
		md_text(out, c->list.name);
		buf_puts(out, " - final report\n");
	} else {
		buf_puts(out, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width\"><title>");
		html_escape_str(out, c->list.name);
		buf_puts(out, " - final report</title><style>"
		    "body{font-family:Arial,Helvetica,sans-serif;max-width:820px;"
		    "margin:0 auto;padding:16px;color:#222;line-height:1.45}"
		    "h1,h2{color:#1d4e6f}section{border-top:1px solid #ccd;margin-top:24px}"
		    ".muted{color:#666}.summary{background:#f4f7fa;padding:8px 12px}"
		    "</style></head><body><h1>");
		html_escape_str(out, c->list.name);
		buf_puts(out, " - final report</h1>\n");
	}
	if (store_digest_sessions(s, 0, session_block, &r) < 0 || r.failed)
		return -1;
	if (store_figures(s, &all, &f) < 0)
		return -1;
	if (fmt == REPORT_MARKDOWN) {
		buf_puts(out, "\n## The whole programme\n\n```\n");
		figures_text(out, &f, r.lang, r.lang);
		buf_puts(out, "```\n");
	} else {
		buf_puts(out, "<section><h2>The whole programme</h2>");
		figures_html(out, &f, r.lang, r.lang);
		buf_puts(out, "</section></body></html>\n");
	}
	figures_release(&f);
	if (buf_failed(out))
		return log_error("report: larger than %zu MB", out->max >> 20);
	return 0;
}
