/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_feed - the Atom feeds (see archive_feed.h) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_feed.h"
#include "archive_mask.h"
#include "archive_page.h"
#include "clock.h"
#include "html.h"
#include "store_archive.h"
#include "xalloc.h"

#define FEED_ENTRIES 30
#define FEED_TEXT_MAX (256u << 10)  /* bytes of a post's text in an entry */

/* xml_escape - s as XML character data or attribute value */
static void
xml_escape(struct buf *b, const char *s)
{
	/* The HTML escaper drops control characters and invalid UTF-8, which
	 * XML also forbids, and its entities are XML's too. */
	html_escape_str(b, s);
}

struct feed_ctx {
	struct buf *b;
	const struct archive_site *w;
	const struct conf *c;
	const char *base;
};

/* feed_entry - one post as an Atom entry */
static int
feed_entry(void *arg, const struct archive_post *p)
{
	struct feed_ctx *f = arg;
	char when[32];

	clock_format_iso(p->received, when, sizeof(when));
	buf_puts(f->b, "<entry><title>");
	archive_page_esc(f->b, f->c, *p->subject ? p->subject : "(no subject)");
	buf_printf(f->b, "</title><id>urn:baraza:%s:post:%lld</id><updated>%s</updated>"
	    "<author><name>", f->c->list.domain, (long long)p->id, when);
	archive_page_esc(f->b, f->c, p->author_name);
	buf_printf(f->b, "</name></author><link rel=\"alternate\" type=\"text/html\" "
	    "href=\"%sthread-%lld.html#p%lld\"/><category term=\"", f->base,
	    (long long)p->thread, (long long)p->id);
	xml_escape(f->b, p->theme);
	buf_puts(f->b, "\"/><content type=\"text\">");
	{
		struct buf tmp;
		size_t n;
		const char *t;

		buf_init(&tmp, ARCHIVE_PAGE_MAX);
		if ((t = archive_mask_shown(f->w->c, &tmp, p->new_text, &n)) != NULL) {
			/* a feed announces posts: a very long one is cut (the
			 * link has it whole), so that 30 long posts still make
			 * a feed that can be written */
			int cut = n > FEED_TEXT_MAX;

			if (cut) {
				n = FEED_TEXT_MAX;
				while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
					n--;
			}
			html_escape(f->b, t, n);
			if (cut)
				buf_puts(f->b, " [&#8230;]");
		} else {
			buf_fail(f->b);
		}
		buf_release(&tmp);
	}
	buf_puts(f->b, "</content></entry>\n");
	return 0;
}

/* archive_feed - feed.atom or feed-THEME.atom */
void
archive_feed(struct archive_site *w, const char *theme, const char *title)
{
	struct buf b;
	struct feed_ctx f = { &b, w, w->c, NULL };
	char when[32], rel[160];
	char *base = w->c->archive.url ? xasprintf("%s/", w->c->archive.url) : xstrdup("");

	buf_init(&b, ARCHIVE_PAGE_MAX);
	f.base = base;
	clock_format_iso(clock_now(), when, sizeof(when));
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>");
	xml_escape(&b, w->c->list.name);
	if (title) {
		buf_puts(&b, ": ");
		xml_escape(&b, title);
	}
	buf_printf(&b, "</title><id>urn:baraza:%s:feed:%s</id><updated>%s</updated>"
	    "<link rel=\"alternate\" type=\"text/html\" href=\"%sindex.html\"/>"
	    "<author><name>", w->c->list.domain, theme ? theme : "all", when, f.base);
	xml_escape(&b, w->c->list.name);
	buf_puts(&b, "</name></author>\n");
	if (store_archive_recent(w->s, theme, FEED_ENTRIES, feed_entry, &f) < 0)
		w->failed = 1;
	buf_puts(&b, "</feed>\n");
	snprintf(rel, sizeof(rel), theme ? "feed-%s.atom" : "feed.atom", theme);
	archive_write_page(w, rel, &b);
	buf_release(&b);
	free(base);
}
