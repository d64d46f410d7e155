/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_session - the index, session and between pages (see
 * archive_session.h) */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "archive_mask.h"
#include "archive_mbox.h"
#include "archive_page.h"
#include "archive_session.h"
#include "clock.h"
#include "figures.h"
#include "html.h"
#include "listaddr.h"
#include "store_archive.h"
#include "template.h"

/* thread_row - a thread in a table of threads */
struct rows {
	struct buf *b;
	const struct conf *c;
};

static int
thread_row(void *arg, const struct archive_thread *t)
{
	struct rows *x = arg;
	struct buf *b = x->b;
	char when[32];

	archive_page_when(when, sizeof(when), t->last_post);
	buf_printf(b, "<tr><td dir=\"auto\"><a href=\"thread-%lld.html\">", (long long)t->id);
	archive_page_esc(b, x->c, *t->subject ? t->subject : "(no subject)");
	buf_puts(b, "</a></td><td class=\"hide\">");
	archive_page_bdi(b, x->c, t->starter);
	buf_printf(b, "</td><td>%ld</td><td class=\"hide muted\">%s</td></tr>\n",
	    t->posts - 1, when);
	return 0;
}

/* threads_table - the threads of a theme in a session (0: outside the
 * sessions), all of them (limit < 0) or one page of them, or "No posts
 * yet." */
static void
threads_table(struct archive_site *w, struct buf *b, const char *theme, int64_t session,
    long offset, long limit)
{
	size_t mark = b->len;
	struct rows x = { b, w->c };
	int rc;

	buf_puts(b, "<h2>Threads</h2><table><tr><th>Subject</th><th class=\"hide\">Started by</th>"
	    "<th>Replies</th><th class=\"hide\">Last activity</th></tr>\n");
	if (limit < 0)
		rc = store_archive_threads(w->s, theme, session, thread_row, &x);
	else
		rc = store_archive_threads_page(w->s, theme, session, offset, limit,
		    thread_row, &x);
	if (rc < 0)
		w->failed = 1;
	if (strstr(b->data + mark, "<a href=\"thread-") == NULL) {
		buf_truncate(b, mark);
		buf_puts(b, "<p class=\"muted\">No posts yet.</p>\n");
	} else {
		buf_puts(b, "</table>\n");
	}
}

/* pages_nav - the links to the pages of a long session's list of threads */
static void
pages_nav(struct buf *b, int64_t id, long npages, long current)
{
	buf_puts(b, "<p class=\"muted\">Threads in the order they were started, "
	    ARCHIVE_SESSION_PAGE_TEXT " a page:");
	for (long k = 1; k <= npages; k++)
		if (k == current)
			buf_printf(b, " <strong>%ld</strong>", k);
		else
			buf_printf(b, " <a href=\"session-%lld-%ld.html\">%ld</a>",
			    (long long)id, k, k);
	buf_puts(b, "</p>\n");
}

/* session_head - the top of a session's pages: theme, dates, state */
static void
session_head(struct archive_site *w, struct buf *b, const struct digest_session *d)
{
	struct buf range;

	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, w->c->list.language,
	    w->c->list.language);
	archive_page_begin(b, w->c, d->theme_title, NULL);
	buf_puts(b, "<h1>");
	html_escape_str(b, d->theme_title);
	buf_puts(b, "</h1><p class=\"muted\">Session ");
	html_escape_str(b, range.data);
	if (buf_failed(&range))
		buf_fail(b);
	buf_release(&range);
}

/* list_page - session-ID-K.html, page k of npages of a long session's list */
static void
list_page(struct archive_site *w, const struct digest_session *d, long k, long npages)
{
	struct buf b;
	char rel[80];

	buf_init(&b, ARCHIVE_PAGE_MAX);
	session_head(w, &b, d);
	buf_printf(&b, " &middot; <a href=\"session-%lld.html\">the session</a></p>\n",
	    (long long)d->id);
	pages_nav(&b, d->id, npages, k);
	threads_table(w, &b, d->theme, d->id, (k - 1) * ARCHIVE_SESSION_PAGE,
	    ARCHIVE_SESSION_PAGE);
	archive_page_end(&b, w->c);
	snprintf(rel, sizeof(rel), "session-%lld-%ld.html", (long long)d->id, k);
	archive_write_page(w, rel, &b);
	buf_release(&b);
}

/* archive_session_page_of - see archive_session.h */
long
archive_session_page_of(struct archive_site *w, const char *theme, int64_t session,
    int64_t thread)
{
	long before = 0;

	if (store_archive_thread_rows(w->s, theme, session, thread, &before) < 0)
		return -1;
	return before / ARCHIVE_SESSION_PAGE + 1;
}

/* archive_session_pages - see archive_session.h */
int
archive_session_pages(struct archive_site *w, const struct digest_session *d,
    const long *pages, size_t npages)
{
	struct digest_scope sc = { d->id, 0, 0, NULL };
	struct buf b;
	struct figures f;
	char rel[64];
	long rows = 0, nlist;

	if (store_archive_thread_rows(w->s, d->theme, d->id, 0, &rows) < 0)
		w->failed = 1;
	nlist = rows > ARCHIVE_SESSION_PAGE ? (rows + ARCHIVE_SESSION_PAGE - 1) /
	    ARCHIVE_SESSION_PAGE : 0;
	buf_init(&b, ARCHIVE_PAGE_MAX);
	session_head(w, &b, d);
	buf_printf(&b, " &middot; %s &middot; <a href=\"mailto:", d->state);
	listaddr_append(&b, w->c, LISTADDR_THEME, d->theme);
	buf_printf(&b, "\">post to this theme</a>"
	    " &middot; <a href=\"%s/%lld.mbox\">download (mbox)</a></p>\n",
	    d->theme, (long long)d->id);
	if (d->summary_text) {
		struct buf tmp;
		const char *t;
		size_t n;

		buf_init(&tmp, ARCHIVE_PAGE_MAX);
		t = archive_mask_shown(w->c, &tmp, d->summary_text, &n);
		buf_puts(&b, "<h2 id=\"summary\">Summary</h2><div class=\"summary\"><div class=\"text\" dir=\"auto\">");
		if (t != NULL)
			html_text_pre(&b, t, n);
		else
			buf_fail(&b);
		buf_release(&tmp);
		buf_puts(&b, "</div><p class=\"muted\">by ");
		archive_page_bdi(&b, w->c, d->summary_author);
		buf_puts(&b, "</p></div>\n");
	}
	/* A long session shows its newest page here and links to them all. */
	if (nlist > 0) {
		pages_nav(&b, d->id, nlist, 0);
		threads_table(w, &b, d->theme, d->id, (nlist - 1) * ARCHIVE_SESSION_PAGE,
		    ARCHIVE_SESSION_PAGE);
	} else {
		threads_table(w, &b, d->theme, d->id, 0, -1);
	}
	if (store_figures(w->s, &sc, &f) == 0) {
		buf_puts(&b, "<h2>Participation</h2>");
		figures_html(&b, &f, w->c->list.language, w->c->list.language);
		figures_release(&f);
	} else {
		w->failed = 1;
	}
	archive_page_end(&b, w->c);
	snprintf(rel, sizeof(rel), "session-%lld.html", (long long)d->id);
	archive_write_page(w, rel, &b);
	buf_release(&b);
	for (long k = 1; k <= nlist; k++) {
		int want = pages == NULL;

		for (size_t i = 0; i < npages && !want; i++)
			want = pages[i] == k;
		if (want)
			list_page(w, d, k, nlist);
	}
	archive_mbox_session(w, d->theme, d->id);
	return 0;
}

/* archive_session_page - session-ID.html, all the pages of its list and
 * its mbox */
int
archive_session_page(void *arg, const struct digest_session *d)
{
	return archive_session_pages(arg, d, NULL, 0);
}

/* between_page - between-THEME.html and its mbox */
static void
between_page(struct archive_site *w, const char *theme, const char *title)
{
	struct buf b;
	char rel[160];

	buf_init(&b, ARCHIVE_PAGE_MAX);
	archive_page_begin(&b, w->c, title, NULL);
	buf_puts(&b, "<h1>");
	html_escape_str(&b, title);
	buf_printf(&b, "</h1><p class=\"muted\">Posts outside the sessions &middot; "
	    "<a href=\"%s/0.mbox\">download (mbox)</a></p>\n", theme);
	threads_table(w, &b, theme, 0, 0, -1);
	archive_page_end(&b, w->c);
	snprintf(rel, sizeof(rel), "between-%s.html", theme);
	archive_write_page(w, rel, &b);
	buf_release(&b);
	archive_mbox_session(w, theme, 0);
}

struct index_ctx {
	struct archive_site *w;
	struct buf *b;
	const char *theme;
	time_t now;
	int rows;
};

/* index_session - a session's row in its theme's table */
static int
index_session(void *arg, const struct digest_session *d)
{
	struct index_ctx *x = arg;
	struct buf range;
	long posts = 0, voices = 0;
	int open = strcmp(d->state, "closed") != 0 && d->opens <= x->now && x->now < d->closes;

	if (strcmp(d->theme, x->theme) != 0)
		return 0;
	if (store_archive_counts(x->w->s, d->id, &posts, &voices) < 0)
		x->w->failed = 1;
	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, x->w->c->list.language,
	    x->w->c->list.language);
	buf_printf(x->b, "<tr><td><a href=\"session-%lld.html\">", (long long)d->id);
	html_escape_str(x->b, range.data);
	if (buf_failed(&range))
		buf_fail(x->b);
	buf_printf(x->b, "</a>%s</td><td>%ld</td><td class=\"hide\">%ld</td><td>",
	    open ? " <span class=\"open\">open now</span>" : "", posts, voices);
	if (d->summary_post)
		buf_printf(x->b, "<a href=\"session-%lld.html#summary\">summary</a>", (long long)d->id);
	else
		buf_puts(x->b, "<span class=\"muted\">-</span>");
	buf_puts(x->b, "</td></tr>\n");
	buf_release(&range);
	x->rows++;
	return 0;
}

/* index_theme - a theme's part of the index; writes its between page
 * when it is due */
static void
index_theme(struct archive_site *w, struct buf *b, size_t idx, const char *slug,
    const char *title, time_t now)
{
	struct index_ctx x = { w, b, slug, now, 0 };
	int between, general = strcmp(slug, "general") == 0;

	/* an EXISTS: grouping a theme's threads only to see one costs as
	 * much as the whole between page */
	between = store_archive_has_threads(w->s, slug, 0);
	if (between < 0) {
		w->failed = 1;
		between = 0;
	}
	/* The general floor has no sessions: it shows only when used. */
	if (general && !between)
		return;
	buf_puts(b, "<h2>");
	html_escape_str(b, title);
	buf_puts(b, "</h2><p class=\"muted\"><a href=\"mailto:");
	listaddr_append(b, w->c, LISTADDR_THEME, slug);
	buf_puts(b, "\">");
	listaddr_append(b, w->c, LISTADDR_THEME, slug);
	buf_puts(b, "</a>");
	if (!general)
		buf_printf(b, " &middot; <a href=\"feed-%s.atom\">feed</a>", slug);
	buf_puts(b, "</p>\n");
	if (!general) {
		buf_puts(b, "<table><tr><th>Session</th><th>Posts</th><th class=\"hide\">Voices</th>"
		    "<th>Summary</th></tr>\n");
		if (store_digest_sessions(w->s, 0, index_session, &x) < 0)
			w->failed = 1;
		buf_puts(b, "</table>\n");
	}
	if (between) {
		buf_printf(b, "<p><a href=\"between-%s.html\">Posts %s</a></p>\n", slug,
		    general ? "outside the themes" : "between sessions");
		if (w->all_between || (w->between && w->between[idx]))
			between_page(w, slug, title);
	}
}

/* archive_session_index - index.html */
void
archive_session_index(struct archive_site *w)
{
	struct buf b;
	time_t now = clock_now();

	buf_init(&b, ARCHIVE_PAGE_MAX);
	archive_page_begin(&b, w->c, "Programme", "feed.atom");
	buf_puts(&b, "<h1>");
	html_escape_str(&b, w->c->list.name);
	buf_puts(&b, "</h1><p>A community of practice that talks by email. Each theme is "
	    "discussed in two-week sessions, closed by a facilitator's summary.</p>\n");
	for (size_t i = 0; i < w->c->nthemes; i++)
		index_theme(w, &b, i, w->c->themes[i].slug, w->c->themes[i].title,
		    now);
	index_theme(w, &b, w->c->nthemes, "general", "General discussion", now);
	archive_page_end(&b, w->c);
	archive_write_page(w, "index.html", &b);
	buf_release(&b);
}
