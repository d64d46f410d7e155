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

/* store_archive_search_after - the accepted posts sorting after (received,
 * id), newest first (the order of store_archive_recent): what a search
 * index written up to (received, id) lacks */
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
