/* archive_thread - a thread's page (see archive_thread.h) */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "archive_mask.h"
#include "archive_page.h"
#include "archive_thread.h"
#include "html.h"
#include "store_archive.h"

#define DEPTH_SHOWN 8

struct thread_page {
	struct archive_site *w;
	struct buf *b;
	int first;
};

/* attachment_item - one attachment: its name, type and size */
static int
attachment_item(void *arg, const struct archive_attachment *a)
{
	struct buf *b = arg;

	buf_puts(b, "<li>");
	html_escape_str(b, *a->name ? a->name : "(unnamed)");
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
		buf_puts(b, "<h1 dir=\"auto\">");
		html_escape_str(b, *p->subject ? p->subject : "(no subject)");
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
	html_escape_str(b, p->author_name);
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
		t = archive_mask_shown(tp->w->c, &tmp, p->new_text, &n);
		html_text(b, t, n);
		buf_puts(b, "</div>\n");
		if (strcmp(p->text, p->new_text) != 0 && strlen(p->text) > strlen(p->new_text)) {
			buf_puts(b, "<details><summary>Quoted text and signature</summary>"
			    "<div class=\"text muted\" dir=\"auto\">");
			t = archive_mask_shown(tp->w->c, &tmp, p->text, &n);
			html_text(b, t, n);
			buf_puts(b, "</div></details>\n");
		}
		buf_release(&tmp);
	}
	mark = b->len;
	buf_puts(b, "<ul class=\"att\">");
	{
		size_t before = b->len;

		if (store_archive_attachments(tp->w->s, p->id, attachment_item, b) < 0)
			return -1;
		if (b->len == before)
			buf_truncate(b, mark);
		else
			buf_puts(b, "</ul>\n");
	}
	buf_puts(b, "<p class=\"muted\"><a href=\"mailto:");
	buf_puts(b, c->list.local);
	buf_puts(b, c->list.tag_separator);
	buf_puts(b, "reply-");
	archive_page_int(b, (long long)p->id);
	buf_putc(b, '@');
	buf_puts(b, c->list.domain);
	buf_puts(b, "\">Reply by email</a></p></article>\n");
	return 0;
}

/* archive_thread_page - thread-ID.html */
int
archive_thread_page(struct archive_site *w, int64_t thread)
{
	struct buf b;
	struct thread_page tp = { w, &b, 1 };
	char rel[64];
	int rc;

	buf_init(&b, ARCHIVE_PAGE_MAX);
	archive_page_begin(&b, w->c, "Thread", NULL);
	rc = store_archive_posts(w->s, thread, thread_post, &tp);
	archive_page_end(&b, w->c);
	snprintf(rel, sizeof(rel), "thread-%lld.html", (long long)thread);
	if (rc == 0 && !tp.first)
		rc = archive_write_queue(w, rel, &b);
	buf_release(&b);
	return rc;
}
