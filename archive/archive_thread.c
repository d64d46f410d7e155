/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_thread - a thread's pages (see archive_thread.h)
 *
 * A thread is drawn on one page when it fits under the cap of a page,
 * which is nearly always.  When it does not, the posts are laid out on
 * pages in two passes over the thread, in one read transaction: the first
 * draws each post alone to measure it and decides where the pages break
 * (as many posts as fit on each, in thread order), the second draws the
 * pages, each whole, knowing how many there are.  Memory stays bounded by
 * one page and one post.  The first page keeps the thread's old name and
 * ends with a line for every post on a later page, under the post's own
 * anchor: a link to thread-ID.html#pPOST from a feed, the search page or
 * an old digest still lands on the post's line, one click from the post.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_mask.h"
#include "archive_page.h"
#include "archive_thread.h"
#include "html.h"
#include "listaddr.h"
#include "log.h"
#include "store_archive.h"
#include "xalloc.h"

#define DEPTH_SHOWN 8

struct thread_page {
	struct archive_site *w;
	struct buf *b;              /* the posts go here */
	int first;                  /* the heading is still owed */
	int stop_when_full;         /* stop the walk when b fails */
	int full;                   /* it stopped there */
};

/* attachment_item - one attachment: its name, type and size */
static int
attachment_item(void *arg, const struct archive_attachment *a)
{
	struct thread_page *tp = arg;
	struct buf *b = tp->b;
	const struct conf *c = tp->w->c;

	buf_puts(b, "<li>");
	if (*a->name)
		archive_page_bdi(b, c, a->name);
	else
		buf_puts(b, "(unnamed)");
	buf_printf(b, " <span class=\"muted\">(");
	html_escape_str(b, a->type);
	if (a->bytes >= 1024 * 1024)
		buf_printf(b, ", %.1f MB)</span></li>", (double)a->bytes / (1024.0 * 1024.0));
	else
		buf_printf(b, ", %lld KB)</span></li>", (long long)((a->bytes + 1023) / 1024));
	return 0;
}

/* "%.1f" of depth * 1.2 for the depths shown */
static const char *const indent[DEPTH_SHOWN + 1] = {
	"0.0", "1.2", "2.4", "3.6", "4.8", "6.0", "7.2", "8.4", "9.6"
};

/* thread_post - one post, indented by its depth in the thread */
static int
thread_post(void *arg, const struct archive_post *p)
{
	struct thread_page *tp = arg;
	struct buf *b = tp->b;
	const struct conf *c = tp->w->c;
	int depth = p->depth > DEPTH_SHOWN ? DEPTH_SHOWN : p->depth;
	char when[32];
	size_t mark;

	if (tp->first) {
		/* the page is titled by the thread's subject, known here */
		archive_page_begin(b, c, *p->subject ? p->subject : "(no subject)", NULL);
		buf_puts(b, "<h1 dir=\"auto\">");
		archive_page_esc(b, c, *p->subject ? p->subject : "(no subject)");
		buf_puts(b, "</h1>\n");
		tp->first = 0;
	}
	archive_page_when(when, sizeof(when), p->received);
	/* appends, not buf_printf: two vsnprintf passes per call cost more
	 * than the rest of a short post; indent[] is what "%.1f" of
	 * depth * 1.2 prints */
	buf_puts(b, "<article class=\"post\" id=\"p");
	archive_page_int(b, (long long)p->id);
	buf_puts(b, "\" style=\"margin-left:");
	if (depth >= 0)
		buf_puts(b, indent[depth]);
	else
		buf_printf(b, "%.1f", depth * 1.2);
	buf_puts(b, "rem\"><p><span class=\"who\">");
	archive_page_bdi(b, c, p->author_name);
	buf_puts(b, "</span> <span class=\"muted\">");
	buf_puts(b, when);
	buf_puts(b, " &middot; ");
	buf_puts(b, p->kind);
	buf_puts(b, "</span></p>\n<div class=\"text\" dir=\"auto\">");
	{
		struct buf tmp;
		const char *t;
		size_t n;

		buf_init(&tmp, ARCHIVE_PAGE_MAX);
		if ((t = archive_mask_shown(tp->w->c, &tmp, p->new_text, &n)) != NULL)
			html_text_pre(b, t, n);
		else
			buf_fail(b);
		buf_puts(b, "</div>\n");
		if (strcmp(p->text, p->new_text) != 0 && strlen(p->text) > strlen(p->new_text)) {
			buf_puts(b, "<details><summary>Quoted text and signature</summary>"
			    "<div class=\"text muted\" dir=\"auto\">");
			if ((t = archive_mask_shown(tp->w->c, &tmp, p->text, &n)) != NULL)
				html_text_pre(b, t, n);
			else
				buf_fail(b);
			buf_puts(b, "</div></details>\n");
		}
		buf_release(&tmp);
	}
	mark = b->len;
	buf_puts(b, "<ul class=\"att\">");
	{
		size_t before = b->len;

		if (store_archive_attachments(tp->w->s, p->id, attachment_item, tp) < 0)
			return -1;
		if (b->len == before)
			buf_truncate(b, mark);
		else
			buf_puts(b, "</ul>\n");
	}
	buf_puts(b, "<p class=\"muted\"><a href=\"mailto:");
	{
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)p->id);
		listaddr_append(b, c, LISTADDR_REPLY, id);
	}
	buf_puts(b, "\">Reply by email</a></p></article>\n");
	if (tp->stop_when_full && buf_failed(b)) {
		tp->full = 1;
		return -1;
	}
	return 0;
}

/* thread_rel - the name of page k (from 1) of a thread */
static void
thread_rel(char *out, size_t outlen, int64_t thread, int k)
{
	if (k <= 1)
		snprintf(out, outlen, "thread-%lld.html", (long long)thread);
	else
		snprintf(out, outlen, "thread-%lld-%d.html", (long long)thread, k);
}

/* remove_pages_from - remove the pages k, k + 1... of a thread that are
 * left from a time it had more */
static void
remove_pages_from(struct archive_site *w, int64_t thread, int k)
{
	char rel[64];

	for (;; k++) {
		thread_rel(rel, sizeof(rel), thread, k);
		if (archive_write_remove(w, rel) <= 0)
			break;
	}
}

/* ---- a thread on several pages ------------------------------------------- */

/* A post of a paged thread, as the first pass found it. */
struct ppost {
	int64_t id;
	size_t size;                /* of its <article> */
	size_t line;                /* of its line on the first page, at most */
	time_t received;
	char *author;               /* owned */
	int page;                   /* from 1 */
};

struct paged {
	struct archive_site *w;
	int64_t thread;
	struct thread_page tp;      /* draws one post into tp.b */
	struct ppost *posts;        /* owned */
	size_t n, alloc;
	char *subject;              /* owned: the thread's heading */
	int npages;
	struct buf page;            /* second pass: the page being drawn */
	size_t at;                  /* second pass: the next post */
	int changed;                /* second pass: the posts are not the first's */
	int unwritten;              /* second pass: a page was not written */
};

/* page_nav - "Page k of n" with the links to the pages before and after */
static void
page_nav(struct buf *b, int64_t thread, int k, int n)
{
	char rel[64];

	buf_puts(b, "<nav><p class=\"muted\">Page ");
	archive_page_int(b, k);
	buf_puts(b, " of ");
	archive_page_int(b, n);
	if (k > 1) {
		thread_rel(rel, sizeof(rel), thread, k - 1);
		buf_printf(b, " &middot; <a href=\"%s\" rel=\"prev\">previous page</a>", rel);
	}
	if (k < n) {
		thread_rel(rel, sizeof(rel), thread, k + 1);
		buf_printf(b, " &middot; <a href=\"%s\" rel=\"next\">next page</a>", rel);
	}
	buf_puts(b, "</p></nav>\n");
}

/* page_head - a page's frame up to its first post */
static void
page_head(struct paged *pg, struct buf *b, int k, int n)
{
	archive_page_begin(b, pg->w->c, pg->subject, NULL);
	buf_puts(b, "<h1 dir=\"auto\">");
	archive_page_esc(b, pg->w->c, pg->subject);
	buf_puts(b, "</h1>\n");
	page_nav(b, pg->thread, k, n);
}

/* later_line - a post's line on the first page: its anchor, a link to it
 * on page k, its author and date */
static void
later_line(struct buf *b, const struct conf *c, int64_t thread, const struct ppost *p, int k)
{
	char rel[64], when[32];

	thread_rel(rel, sizeof(rel), thread, k);
	archive_page_when(when, sizeof(when), p->received);
	buf_printf(b, "<li id=\"p%lld\"><a href=\"%s#p%lld\">", (long long)p->id, rel,
	    (long long)p->id);
	archive_page_bdi(b, c, p->author);
	buf_printf(b, "</a> <span class=\"muted\">%s &middot; page %d</span></li>\n", when, k);
}

static const char later_open[] = "<h2>On later pages</h2>\n<ul>\n";
static const char later_close[] = "</ul>\n";

/* measure_post - first pass: a post's size alone, and its line's */
static int
measure_post(void *arg, const struct archive_post *p)
{
	struct paged *pg = arg;
	struct buf *b = pg->tp.b;
	struct ppost *pp;

	if (pg->n == pg->alloc) {
		pg->alloc = pg->alloc ? 2 * pg->alloc : 64;
		pg->posts = xreallocarray(pg->posts, pg->alloc, sizeof(*pg->posts));
	}
	pp = &pg->posts[pg->n++];
	memset(pp, 0, sizeof(*pp));
	pp->id = p->id;
	pp->received = p->received;
	pp->author = xstrdup(p->author_name);
	if (pg->subject == NULL)
		pg->subject = xstrdup(*p->subject ? p->subject : "(no subject)");
	buf_reset(b);
	if (thread_post(&pg->tp, p) < 0)
		return -1;
	pp->size = buf_failed(b) ? SIZE_MAX : b->len;
	buf_reset(b);
	later_line(b, pg->w->c, pg->thread, pp, INT_MAX);
	pp->line = buf_failed(b) ? SIZE_MAX : b->len;
	return 0;
}

/* add - a + b, saturating */
static size_t
add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* layout - the page of every post, from the first pass's sizes; 0, or the
 * number of a page that cannot be built (*post the post that alone passes
 * the cap of a page there) */
static int
layout(struct paged *pg, int64_t *post)
{
	struct buf b;
	size_t frame, later = 0, used;
	size_t i = 0, m;

	/* the frame of a page, at most: head, two navigations, end */
	buf_init(&b, ARCHIVE_PAGE_MAX);
	page_head(pg, &b, INT_MAX, INT_MAX);
	page_nav(&b, pg->thread, INT_MAX, INT_MAX);
	archive_page_end(&b, pg->w->c);
	frame = buf_failed(&b) ? SIZE_MAX : b.len;
	buf_release(&b);
	*post = pg->n ? pg->posts[0].id : 0;
	/* The first page: as many posts m as fit with the lines of the
	 * posts after them.  A post's article is longer than its line, so
	 * the total only grows with m. */
	for (i = 0; i < pg->n; i++)
		later = add(later, pg->posts[i].line);
	used = add(frame, sizeof(later_open) + sizeof(later_close));
	for (m = 0; m < pg->n; m++) {
		size_t with = add(add(used, pg->posts[m].size), later - pg->posts[m].line);

		if (pg->posts[m].line == SIZE_MAX || with > ARCHIVE_PAGE_MAX)
			break;
		used = add(used, pg->posts[m].size);
		later -= pg->posts[m].line;
	}
	if (m == 0)
		return 1;
	for (i = 0; i < m; i++)
		pg->posts[i].page = 1;
	pg->npages = 1;
	/* then the others, as many as fit on each */
	while (i < pg->n) {
		used = frame;
		pg->npages++;
		*post = pg->posts[i].id;
		if (add(used, pg->posts[i].size) > ARCHIVE_PAGE_MAX)
			return pg->npages;
		while (i < pg->n && add(used, pg->posts[i].size) <= ARCHIVE_PAGE_MAX) {
			used = add(used, pg->posts[i].size);
			pg->posts[i++].page = pg->npages;
		}
	}
	return 0;
}

/* finish_page - the end of the page being drawn, and it is written */
static int
finish_page(struct paged *pg, int k)
{
	struct buf *b = &pg->page;
	char rel[64];

	page_nav(b, pg->thread, k, pg->npages);
	if (k == 1 && pg->npages > 1) {
		buf_puts(b, later_open);
		for (size_t i = 0; i < pg->n; i++)
			if (pg->posts[i].page > 1)
				later_line(b, pg->w->c, pg->thread, &pg->posts[i], pg->posts[i].page);
		buf_puts(b, later_close);
	}
	archive_page_end(b, pg->w->c);
	thread_rel(rel, sizeof(rel), pg->thread, k);
	return archive_write_queue(pg->w, rel, b);
}

/* draw_post - second pass: a post onto its page */
static int
draw_post(void *arg, const struct archive_post *p)
{
	struct paged *pg = arg;
	const struct ppost *pp = pg->at < pg->n ? &pg->posts[pg->at] : NULL;

	if (pp == NULL || pp->id != p->id) {
		pg->changed = 1;
		return -1;
	}
	if (pg->at == 0 || pg->posts[pg->at - 1].page != pp->page) {
		if (pg->at > 0 && finish_page(pg, pp->page - 1) < 0) {
			pg->unwritten = 1;
			return -1;
		}
		buf_reset(&pg->page);
		page_head(pg, &pg->page, pp->page, pg->npages);
	}
	pg->at++;
	return thread_post(&pg->tp, p);
}

/* thread_pages - the thread on as many pages as it needs; 0 or -1 */
static int
thread_pages(struct archive_site *w, int64_t thread)
{
	struct paged pg;
	struct buf scratch;
	int64_t post;
	int snap, bad, rc = -1;

	memset(&pg, 0, sizeof(pg));
	pg.w = w;
	pg.thread = thread;
	buf_init(&scratch, ARCHIVE_PAGE_MAX);
	buf_init(&pg.page, ARCHIVE_PAGE_MAX);
	pg.tp.w = w;
	pg.tp.b = &scratch;
	snap = store_archive_snapshot(w->s);
	if (store_archive_posts(w->s, thread, measure_post, &pg) < 0) {
		w->failed = 1;
		goto out;
	}
	if ((bad = layout(&pg, &post)) != 0) {
		char rel[64];

		thread_rel(rel, sizeof(rel), thread, bad);
		log_warnx("archive: %s not written: post %lld alone would make it larger"
		    " than %u MB; the pages of thread %lld are left as they were", rel,
		    (long long)post, ARCHIVE_PAGE_MAX >> 20, (long long)thread);
		w->unbuilt++;
		goto out;
	}
	buf_release(&scratch);
	pg.tp.b = &pg.page;
	if (store_archive_posts(w->s, thread, draw_post, &pg) < 0 || pg.at != pg.n) {
		/* a page that was not written is logged and counted already */
		if (pg.changed || (!pg.unwritten && pg.at != pg.n))
			log_warnx("archive: thread %lld changed while its pages were written",
			    (long long)thread);
		if (!pg.unwritten)
			w->failed = 1;
		goto out;
	}
	if (finish_page(&pg, pg.npages) < 0)
		goto out;
	remove_pages_from(w, thread, pg.npages + 1);
	rc = 0;
out:
	store_archive_snapshot_end(w->s, snap);
	for (size_t i = 0; i < pg.n; i++)
		free(pg.posts[i].author);
	free(pg.posts);
	free(pg.subject);
	buf_release(&scratch);
	buf_release(&pg.page);
	return rc;
}

/* ---- the thread page --------------------------------------------------- */

/* archive_thread_page - thread-ID.html, and more pages when it needs them */
int
archive_thread_page(struct archive_site *w, int64_t thread)
{
	struct buf b;
	struct thread_page tp = { w, &b, 1, 1, 0 };
	char rel[64];
	int rc;

	buf_init(&b, ARCHIVE_PAGE_MAX);
	rc = store_archive_posts(w->s, thread, thread_post, &tp);
	archive_page_end(&b, w->c);
	if (tp.full || (rc == 0 && buf_failed(&b))) {
		buf_release(&b);
		return thread_pages(w, thread);
	}
	if (rc < 0)
		w->failed = 1;
	thread_rel(rel, sizeof(rel), thread, 1);
	if (rc == 0 && !tp.first) {
		rc = archive_write_queue(w, rel, &b);
		if (rc == 0)
			remove_pages_from(w, thread, 2);
	}
	buf_release(&b);
	return rc;
}
