/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_digest - the queries behind digests, figures, kits and the report
 *
 * Everything here reads accepted posts only (state = 'accepted') and never
 * loads a whole table: rows are handed to callbacks one at a time.
 * A scope selects posts: by session (session > 0), by arrival time
 * [start, end) (end > 0), and by theme (theme != NULL); unset fields do not
 * filter.
 */
#ifndef BARAZA_STORE_DIGEST_H
#define BARAZA_STORE_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct digest_scope {
	int64_t session;      /* 0: any */
	time_t start, end;    /* end == 0: no time filter */
	const char *theme;    /* NULL: any */
};

/* One post as a digest shows it; strings valid during the callback only. */
struct digest_post {
	int64_t id, thread, parent, session;
	const char *theme, *theme_title;
	const char *author_name;
	const char *subject, *thread_subject;
	const char *new_text, *kind;
	time_t received;
	int depth;
	int replies;          /* posts whose parent is this one */
	int on_summary;       /* the thread is a session summary's (replies to it) */
};

/* store_digest_posts - accepted posts in scope, ordered by theme position,
 * session, thread (first post time), then arrival.  fn returns 0 to go on,
 * -1 to stop.  0 or -1. */
int store_digest_posts(struct store *s, const struct digest_scope *sc,
    int (*fn)(void *arg, const struct digest_post *p), void *arg);

/* store_digest_questions - accepted kind='question' posts in scope with no
 * reply (no post has them as parent) */
int store_digest_questions(struct store *s, const struct digest_scope *sc,
    int (*fn)(void *arg, const struct digest_post *p), void *arg);

/* One shared link with who shared it. */
struct digest_link {
	const char *url, *author_name, *subject, *theme;
	int64_t post;
};
int store_digest_links(struct store *s, const struct digest_scope *sc,
    int (*fn)(void *arg, const struct digest_link *l), void *arg);

/* One session, for summaries, "what opens next" and the report. */
struct digest_session {
	int64_t id;
	const char *theme, *theme_title, *state;
	time_t opens, closes;
	int64_t summary_post;         /* 0 when none */
	const char *summary_text;     /* new_text of the summary post, or NULL */
	const char *summary_author;
	time_t summary_received;
};
/* store_digest_summaries - sessions whose summary post arrived in [start, end) */
int store_digest_summaries(struct store *s, time_t start, time_t end,
    int (*fn)(void *arg, const struct digest_session *d), void *arg);
/* store_digest_sessions - every session in time and theme order; when
 * after > 0 only those not over by then (closes > after) */
int store_digest_sessions(struct store *s, time_t after,
    int (*fn)(void *arg, const struct digest_session *d), void *arg);

/* One thread of a session with its size, for kits and the report. */
struct digest_thread {
	int64_t id;
	const char *subject, *starter;
	long posts;
	time_t last_post;
};
/* store_digest_top_threads - threads with accepted posts in scope, most
 * posts first, at most limit */
int store_digest_top_threads(struct store *s, const struct digest_scope *sc,
    int limit, int (*fn)(void *arg, const struct digest_thread *t), void *arg);

/* Participation figures (`baraza stats`, the report). */
struct figures_region {
	char *region;         /* owned; "unknown" for members without one */
	long posts, voices;
};

struct figures {
	long posts, voices, new_voices, threads, unanswered;
	double replies_per_thread;
	double top3_share;    /* 0..1: share of posts by the three most active voices */
	struct figures_region *regions;  /* owned, sorted by posts desc */
	size_t nregions;
};

/* store_figures - compute the figures of a scope.  0 or -1. */
int store_figures(struct store *s, const struct digest_scope *sc, struct figures *out);
void figures_release(struct figures *f);

/* Members who get a digest: active, delivery = digest.  Streamed. */
struct digest_member {
	int64_t id;
	const char *email, *name, *language, *unsub_token;
	int all_themes;
	const char *themes;   /* space-separated slugs when !all_themes */
};
int store_digest_members(struct store *s, int64_t digest_number,
    int (*fn)(void *arg, const struct digest_member *m), void *arg);
/* store_digest_member - the same for one address: 1 found, 0 absent, -1 */
int store_digest_member(struct store *s, const char *email,
    int (*fn)(void *arg, const struct digest_member *m), void *arg);

/* store_digest_has_content - 1 when an accepted post or a summary arrived
 * in [start, end), 0 when the period is empty, -1 error */
int store_digest_has_content(struct store *s, time_t start, time_t end);

/* Digest bookkeeping: digests(number, period_start, period_end, built),
 * digest_sent(digest, member, outbox). */
int store_digest_begin(struct store *s, long number, time_t start, time_t end);
/* store_digest_last_built - highest number with built set, 0 when none */
long store_digest_last_built(struct store *s);
int store_digest_mark_built(struct store *s, long number, time_t when);
/* store_digest_queue - add one outbox entry (kind 'digest') with body; returns id or -1 */
int64_t store_digest_queue(struct store *s, const char *body, size_t len);
/* store_digest_add_rcpt - a recipient of that outbox entry, and the
 * digest_sent row that makes the send happen once.  1 added, 0 already
 * sent to this member for this digest, -1 error. */
int store_digest_add_rcpt(struct store *s, long number, int64_t outbox,
    int64_t member, const char *address);

#endif
