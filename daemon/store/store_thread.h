/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_thread - threads and JWZ containers in SQLite
 *
 * The SQL side of threading: a container per Message-ID seen (a post, or a
 * placeholder for a message referred to but never received) with its
 * parent's Message-ID, and the threads they make.  Every function runs one
 * or a few prepared statements with bound parameters; none opens or
 * commits a transaction (the caller, ingest.c, holds one per message).
 * The threading *decisions* live in thread.c; this file only reads and
 * writes rows, and reads a thread's posts back in order.
 *
 * Return conventions: actions 0 / -1 (logged); look-ups 1 found / 0 absent
 * / -1 error.  Strings handed back are owned by the caller (free) unless
 * the comment says otherwise; strings passed in are borrowed.
 */
#ifndef BARAZA_STORE_THREAD_H
#define BARAZA_STORE_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"
#include "store_post.h"

/* ---- JWZ containers ---------------------------------------------------- */

struct store_container {
	int64_t post;             /* 0: a placeholder */
	char *parent_mid;         /* owned, NULL: no parent */
	int64_t thread;           /* 0: none */
};

/* store_container_get - 1 and *c (release with store_container_release) */
int store_container_get(struct store *s, const char *mid, struct store_container *c);
void store_container_release(struct store_container *c);
/* store_container_add - insert (post 0 = placeholder, parent_mid NULL) */
int store_container_add(struct store *s, const char *mid, int64_t post,
    const char *parent_mid, int64_t thread);
int store_container_set_parent(struct store *s, const char *mid, const char *parent_mid);
int store_container_set_post(struct store *s, const char *mid, int64_t post);
int store_container_set_thread(struct store *s, const char *mid, int64_t thread);

struct store_child {
	char *mid;                /* owned */
	int64_t post;             /* 0: placeholder */
};
/* store_container_children - the containers whose parent is mid, into a
 * fresh array *out (owned; free each mid, then the array) of *n entries,
 * at most max (more are left out with a warning).  0 or -1. */
int store_container_children(struct store *s, const char *mid,
    struct store_child **out, size_t *n, size_t max);
void store_children_free(struct store_child **cp, size_t n);

/* ---- threads ----------------------------------------------------------- */

struct store_thread {
	int64_t id;
	char *theme;              /* owned */
	int64_t session;
	int64_t root;
	time_t created, last_post;
	int64_t posts;
};

/* store_thread_add - a new empty thread; 0 and *id */
int store_thread_add(struct store *s, const char *theme, int64_t session,
    const char *subject, const char *norm_subject, time_t created, int64_t *id);
/* store_thread_get - 1 and *t (free t->theme) */
int store_thread_get(struct store *s, int64_t id, struct store_thread *t);
/* store_thread_by_subject - 1 and *id of the thread of theme with this
 * normalised subject whose last post is at or after since and which was
 * started at or before until (the most recent such thread) */
int store_thread_by_subject(struct store *s, const char *theme,
    const char *norm_subject, time_t since, time_t until, int64_t *id);

/* A thread found by its subject: id, subject (owned), root post */
struct store_subject_thread {
	int64_t id;
	char *subject;
	int64_t root;
};
/* store_thread_subject_later - the threads of theme with this normalised
 * subject, other than except, started within [from, to], oldest first,
 * at most max into out[]; 0 and *n (free with store_subject_threads_free) */
int store_thread_subject_later(struct store *s, const char *theme,
    const char *norm_subject, int64_t except, time_t from, time_t to,
    struct store_subject_thread *out, size_t max, size_t *n);
void store_subject_threads_free(struct store_subject_thread *v, size_t n);
/* store_thread_has_subject - 1 when thread id has this normalised
 * subject, 0 when not, -1 on error */
int store_thread_has_subject(struct store *s, int64_t id, const char *norm_subject);
/* store_thread_tops - the ids of thread's containers that have no parent
 * (its root, replies glued by subject, placeholders of missing parents),
 * at most max; 0 with *mids (free with store_children_free_mids) */
int store_thread_tops(struct store *s, int64_t thread, char ***mids,
    size_t max, size_t *n);
void store_children_free_mids(char **v, size_t n);
/* store_thread_merge - move every post and container of from into into,
 * add up the counters, delete from */
int store_thread_merge(struct store *s, int64_t into, int64_t from);
/* store_thread_published - does the thread hold a post that went public
 * (state 'accepted')?  1 yes, 0 no (only held, rejected or pending
 * posts: nothing of it may be shown or inherited), -1 error */
int store_thread_published(struct store *s, int64_t id);
/* store_thread_count_post - one more post arriving at t */
int store_thread_count_post(struct store *s, int64_t id, time_t t);
/* store_thread_set_root - root post and the subject it gives the thread */
int store_thread_set_root(struct store *s, int64_t id, int64_t root,
    const char *subject, const char *norm_subject);

/* ---- reading ----------------------------------------------------------- */

struct store_thread_row {
	int64_t id;
	const char *theme;        /* valid during the callback */
	int64_t session;
	const char *subject;
	int64_t posts;
	time_t created, last_post;
};
typedef int store_thread_cb(void *arg, const struct store_thread_row *t);
/* store_thread_list - each thread (oldest first), filtered by theme and
 * session when given (NULL / 0: all).  A callback returning non-zero stops
 * the walk with that value.  0 or -1. */
int store_thread_list(struct store *s, const char *theme, int64_t session,
    store_thread_cb *cb, void *arg);

/* store_thread_posts - the posts of a thread (not rejected) in thread
 * order: pre-order, parents before replies, siblings by date */
int store_thread_posts(struct store *s, int64_t thread, store_post_cb *cb, void *arg);

#endif
