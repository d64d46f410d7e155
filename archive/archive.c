/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive - build and update the static web archive
 *
 * A build writes every page; an update remembers the time of the last
 * build in the meta table (archive_built) and rewrites the threads that
 * gained a post since, the pages of their sessions, sessions that were
 * summarised, opened or closed since, and the small global pages.  The
 * pages themselves are drawn by archive_thread, archive_session,
 * archive_feed, archive_search and archive_mbox, and written by
 * archive_write; memory stays bounded by the largest page plus the thread
 * pages queued for the writer thread.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "archive.h"
#include "archive_feed.h"
#include "archive_page.h"
#include "archive_search.h"
#include "archive_session.h"
#include "archive_thread.h"
#include "archive_write.h"
#include "clock.h"
#include "log.h"
#include "store_archive.h"
#include "store_digest.h"
#include "xalloc.h"

/* global_pages - the pages every change touches: style, index (with the
 * between pages due), feeds, search */
static void
global_pages(struct archive_site *w)
{
	archive_page_style(w);
	archive_session_index(w);
	archive_feed(w, NULL, NULL);
	for (size_t i = 0; i < w->c->nthemes; i++)
		archive_feed(w, w->c->themes[i].slug, w->c->themes[i].title);
	archive_search_files(w);
}

/* all_threads - a store_archive_threads callback: write the page */
static int
all_threads(void *arg, const struct archive_thread *t)
{
	struct archive_site *w = arg;

	archive_thread_page(w, t->id);
	return 0;
}

/* all_sessions_threads - every thread page of a session */
static int
all_sessions_threads(void *arg, const struct digest_session *d)
{
	struct archive_site *w = arg;

	return store_archive_threads(w->s, d->theme, d->id, all_threads, w);
}

/* prepare - archive.dir exists */
static int
prepare(const struct conf *c)
{
	if (mkdir(c->archive.dir, 0755) < 0 && errno != EEXIST)
		return log_error("archive: cannot create %s: %s", c->archive.dir, strerror(errno));
	/* readable by the web server whatever the umask ([archive] mode) */
	return archive_write_perm(c, -1, c->archive.dir, 1);
}

/* archive_build - every page */
int
archive_build(struct store *s, const struct conf *c)
{
	struct archive_site w = { .s = s, .c = c, .all_between = 1 };
	char stamp[32];
	time_t started = clock_now();
	int64_t gen = -1, maxid = 0;

	if (prepare(c) < 0)
		return -1;
	if (store_archive_gen(s, &gen, &maxid) < 0)
		gen = -1;
	if (store_digest_sessions(s, 0, archive_session_page, &w) < 0 ||
	    store_digest_sessions(s, 0, all_sessions_threads, &w) < 0)
		w.failed = 1;
	for (size_t i = 0; i <= c->nthemes; i++)
		if (store_archive_threads(s, i < c->nthemes ? c->themes[i].slug : "general", 0,
		    all_threads, &w) < 0)
			w.failed = 1;
	global_pages(&w);
	archive_write_finish(&w);
	snprintf(stamp, sizeof(stamp), "%lld", (long long)started);
	if (!w.failed)
		store_meta_set(s, "archive_built", stamp);
	if (!w.failed && gen >= 0) {
		snprintf(stamp, sizeof(stamp), "%lld", (long long)gen);
		store_meta_set(s, "archive_gen_seen", stamp);
	}
	return w.failed || w.unbuilt ? -1 : w.written;
}

#define CHANGED_PAGES 8

struct changed {
	struct archive_site *w;
	int64_t sessions[64];
	size_t nsessions;
	int overflow;
	/* per session, the pages of its list that changed (all: too many) */
	long pages[64][CHANGED_PAGES];
	size_t npages[64];
	unsigned char all[64];
};

/* changed_thread - a thread with a new post: its page now, its session
 * and between pages remembered for later */
static int
changed_thread(void *arg, int64_t thread, const char *theme, int64_t session)
{
	struct changed *ch = arg;
	size_t i;

	archive_thread_page(ch->w, thread);
	if (session == 0) {
		/* its theme's page of threads outside the sessions */
		const struct conf *c = ch->w->c;
		size_t k;

		for (k = 0; k < c->nthemes; k++)
			if (strcmp(c->themes[k].slug, theme) == 0)
				break;
		if (k == c->nthemes && strcmp(theme, "general") != 0)
			ch->w->all_between = 1;   /* a retired theme: be safe */
		else
			ch->w->between[k] = 1;
	}
	for (i = 0; i < ch->nsessions; i++)
		if (ch->sessions[i] == session)
			break;
	if (i == ch->nsessions) {
		if (ch->nsessions == 64) {
			ch->overflow = 1;
			return 0;
		}
		ch->sessions[ch->nsessions++] = session;
	}
	if (session != 0 && !ch->all[i]) {
		long page = archive_session_page_of(ch->w, theme, session, thread);
		size_t k;

		for (k = 0; k < ch->npages[i] && ch->pages[i][k] != page; k++)
			;
		if (page < 0 || (k == ch->npages[i] && k == CHANGED_PAGES))
			ch->all[i] = 1;
		else if (k == ch->npages[i])
			ch->pages[i][ch->npages[i]++] = page;
	}
	return 0;
}

struct session_filter {
	struct changed *ch;
	time_t since;
	int moved;                  /* posts changed other than by arriving */
};

/* changed_session - a session page, when the session changed */
static int
changed_session(void *arg, const struct digest_session *d)
{
	struct session_filter *sf = arg;
	struct changed *ch = sf->ch;
	int hit = d->summary_received >= sf->since && d->summary_post;

	for (size_t i = 0; i < ch->nsessions; i++)
		if (ch->sessions[i] == d->id)
			/* its page, and those of its list that changed */
			return archive_session_pages(ch->w, d, ch->all[i] || sf->moved ?
			    NULL : ch->pages[i], ch->npages[i]);
	/* A session that opened or ended since shows its new state. */
	if (!hit) {
		time_t now = clock_now();

		hit = (d->opens >= sf->since && d->opens <= now) ||
		    (d->closes >= sf->since && d->closes <= now);
	}
	return hit ? archive_session_pages(ch->w, d, ch->pages[0], 0) : 0;
}

/* archive_update - what changed since the last build */
int
archive_update(struct store *s, const struct conf *c)
{
	struct archive_site w = { .s = s, .c = c };
	struct changed ch;
	struct session_filter sf;
	char *stamp = NULL, now[32];
	time_t since, started = clock_now();
	int64_t gen = -1, maxid = 0;
	int have;

	if ((have = store_meta_get(s, "archive_built", &stamp)) < 0)
		return -1;
	if (have == 0) {
		free(stamp);
		return archive_build(s, c);
	}
	since = (time_t)strtoll(stamp, NULL, 10);
	free(stamp);
	stamp = NULL;
	if (prepare(c) < 0)
		return -1;
	memset(&ch, 0, sizeof(ch));
	ch.w = &w;
	w.between = xcalloc(c->nthemes + 1, 1);
	if (store_archive_changed(s, since, changed_thread, &ch) < 0) {
		archive_write_finish(&w);
		free(w.between);
		return -1;
	}
	if (ch.overflow) {
		archive_write_finish(&w);
		free(w.between);
		return archive_build(s, c);
	}
	sf.ch = &ch;
	sf.since = since;
	/* Posts approved, moved or forgotten since (the archive generation
	 * moved): every page of a changed session's list is written. */
	sf.moved = 1;
	if (store_archive_gen(s, &gen, &maxid) == 0 && gen >= 0 &&
	    store_meta_get(s, "archive_gen_seen", &stamp) == 1)
		sf.moved = strtoll(stamp, NULL, 10) != gen;
	free(stamp);
	stamp = NULL;
	if (store_digest_sessions(s, 0, changed_session, &sf) < 0)
		w.failed = 1;
	/* the thread pages are counted once written */
	archive_write_finish(&w);
	/* The index, feeds and search files change only with a thread or a
	 * session; an idle cycle writes nothing. */
	if (w.written > 0)
		global_pages(&w);
	/* A page too large to build is not tried again before its thread or
	 * session changes: it would come out the same. */
	snprintf(now, sizeof(now), "%lld", (long long)started);
	if (!w.failed)
		store_meta_set(s, "archive_built", now);
	if (!w.failed && gen >= 0) {
		snprintf(now, sizeof(now), "%lld", (long long)gen);
		store_meta_set(s, "archive_gen_seen", now);
	}
	free(w.between);
	return w.failed || w.unbuilt ? -1 : w.written;
}
