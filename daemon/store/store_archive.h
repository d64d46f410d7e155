/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_archive - the queries behind the static web archive
 *
 * Only accepted posts are ever shown.  Rows are handed to callbacks one at
 * a time; strings are valid during the callback only.
 */
#ifndef BARAZA_STORE_ARCHIVE_H
#define BARAZA_STORE_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct archive_thread {
	int64_t id, session;
	const char *theme, *subject, *starter;
	long posts;
	time_t created, last_post;
};
/* store_archive_threads - the threads of a theme and session (session 0:
 * posts outside any session), newest activity first */
int store_archive_threads(struct store *s, const char *theme, int64_t session,
    int (*fn)(void *arg, const struct archive_thread *t), void *arg);
/* store_archive_threads_page - store_archive_threads for the threads
 * offset .. offset + limit - 1 of theme and session in the order they
 * were started (a page of a long session's list; a page keeps its threads
 * as new ones come) */
int store_archive_threads_page(struct store *s, const char *theme, int64_t session,
    long offset, long limit, int (*fn)(void *arg, const struct archive_thread *t),
    void *arg);
/* store_archive_thread_rows - in *n, how many threads of theme and session
 * were started before thread below (0: all of them; counted whether or
 * not they hold an accepted post, so a thread's page does not move).  0
 * or -1 */
int store_archive_thread_rows(struct store *s, const char *theme, int64_t session,
    int64_t below, long *n);
/* store_archive_has_threads - 1 when store_archive_threads() would hand
 * over at least one thread, 0 when none, -1 error (without grouping them) */
int store_archive_has_threads(struct store *s, const char *theme, int64_t session);

struct archive_post {
	int64_t id, parent, thread;
	int depth;
	const char *message_id, *author_name, *subject, *text, *new_text, *kind, *theme;
	time_t received;
};
/* store_archive_posts - the accepted posts of a thread in thread order
 * (parents before replies, siblings by arrival), with their depth */
int store_archive_posts(struct store *s, int64_t thread,
    int (*fn)(void *arg, const struct archive_post *p), void *arg);
/* store_archive_recent - the newest accepted posts (theme NULL: all) */
int store_archive_recent(struct store *s, const char *theme, int limit,
    int (*fn)(void *arg, const struct archive_post *p), void *arg);

struct archive_attachment {
	const char *name, *type;
	int64_t bytes;
};
int store_archive_attachments(struct store *s, int64_t post,
    int (*fn)(void *arg, const struct archive_attachment *a), void *arg);

/* store_archive_raws_after - the raw messages of the accepted posts of a
 * theme and session (0: outside sessions) sorting after (received, id)
 * (received -1: all), in arrival order, with each post's id, for mbox
 * files: an mbox file can grow by appending */
int store_archive_raws_after(struct store *s, const char *theme, int64_t session,
    time_t received, int64_t id,
    int (*fn)(void *arg, const char *raw, size_t len, time_t received, int64_t id),
    void *arg);
/* store_archive_raws_split - of the accepted posts of theme and session:
 * how many sort at or before (received, id) and the sum of their ids
 * (what an mbox file written up to there holds, if nothing was taken out
 * or slipped in since), and how many sort after.  0 or -1. */
int store_archive_raws_split(struct store *s, const char *theme, int64_t session,
    time_t received, int64_t id, int64_t *upto, int64_t *sum, int64_t *after);

/* store_archive_gen - meta 'archive_gen' (changes to posts other than a
 * new post arriving; -1 when the schema has none) and the largest post id
 * now: what the archive wrote up to post id N is still right while the
 * generation stays (schema/009-archive-scale.sql).  0 or -1. */
int store_archive_gen(struct store *s, int64_t *gen, int64_t *maxid);
/* store_archive_raws_new - store_archive_raws_after for the posts with an
 * id in (above, upto] only, found through the primary key: what an mbox
 * written up to post id above lacks.  1 (nothing handed over) when one of
 * them sorts at or before (received, id): the file cannot just grow;
 * else 0 or -1. */
int store_archive_raws_new(struct store *s, const char *theme, int64_t session,
    int64_t above, int64_t upto, time_t received, int64_t id,
    int (*fn)(void *arg, const char *raw, size_t len, time_t received, int64_t id),
    void *arg);

/* store_archive_search_all - the newest limit accepted posts, oldest
 * first: a search index written whole */
int store_archive_search_all(struct store *s, int limit,
    int (*fn)(void *arg, const struct archive_post *p), void *arg);
/* store_archive_search_after - the accepted posts sorting after (received,
 * id), oldest first: what a search index written up to (received, id)
 * lacks */
int store_archive_search_after(struct store *s, time_t received, int64_t id,
    int (*fn)(void *arg, const struct archive_post *p), void *arg);
/* store_archive_search_split - of all accepted posts, those sorting at or
 * before (received, id): their count, the sums of their ids and thread
 * ids, and how many have an author address and an author (what a search
 * index written up to there holds, if nothing was taken out, moved,
 * forgotten or slipped in since: subjects, texts and themes never
 * change); and in *after how many sort after.  0 or -1. */
#define ARCHIVE_SEARCH_SIG 5
int store_archive_search_split(struct store *s, time_t received, int64_t id,
    int64_t sig[ARCHIVE_SEARCH_SIG], int64_t *after);

/* store_archive_search_new - how many accepted posts sort after
 * (received, id), and how many have an id in (above, upto]: while the
 * archive generation stays, the two agree when a search index written up
 * to post id above and sort key (received, id) only lacks the newer posts.
 * Both through indexes.  0 or -1. */
int store_archive_search_new(struct store *s, time_t received, int64_t id, int64_t above,
    int64_t upto, int64_t *after, int64_t *newids);

/* store_archive_search_range - store_archive_search_split's signature of
 * the accepted posts sorting after (from, from_id) and at or before (to,
 * to_id), through posts_received: what a cycle added.  0 or -1. */
int store_archive_search_range(struct store *s, time_t from, int64_t from_id, time_t to,
    int64_t to_id, int64_t sig[ARCHIVE_SEARCH_SIG]);

/* store_archive_snapshot - begin a read transaction (deferred), so that
 * several queries see one state of the database; 1 begun, 0 not (one is
 * open already, or it failed: the queries then run as they are).  End it
 * with store_archive_snapshot_end(s, what it returned) before writing. */
int store_archive_snapshot(struct store *s);
void store_archive_snapshot_end(struct store *s, int began);

/* store_archive_changed - threads with an accepted post that arrived at or
 * after since, and sessions whose summary or state changed since then */
int store_archive_changed(struct store *s, time_t since,
    int (*thread_fn)(void *arg, int64_t thread, const char *theme, int64_t session),
    void *arg);

/* store_archive_counts - accepted posts and distinct voices of a session */
int store_archive_counts(struct store *s, int64_t session, long *posts, long *voices);

#endif
