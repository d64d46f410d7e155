/* store_post - inbound messages, posts, threads and JWZ containers in SQLite
 *
 * The SQL side of ingest and threading.  Every function runs one or two
 * prepared statements with bound parameters; none opens or commits a
 * transaction (the caller, ingest.c, holds one per message).  The threading
 * *decisions* live in thread.c; this file only reads and writes rows.
 *
 * Return conventions: actions 0 / -1 (logged); look-ups 1 found / 0 absent
 * / -1 error.  Strings handed back are owned by the caller (free) unless
 * the comment says otherwise; strings passed in are borrowed.
 */
#ifndef BARAZA_STORE_POST_H
#define BARAZA_STORE_POST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

/* ---- errors ------------------------------------------------------------ */

/* store_error_temporary - 1 when the last error of s is one that a later
 * attempt may not meet (busy, locked, disk full, I/O, out of memory,
 * read-only), 0 when it is about the data (constraint, too big, ...) */
int store_error_temporary(struct store *s);

/* store_savepoint / store_release / store_rollback_to - nested atomic
 * units inside a transaction (import-mbox batches many messages into one
 * transaction, each in its own savepoint).  name: a static identifier. */
int store_savepoint(struct store *s, const char *name);
int store_release(struct store *s, const char *name);
void store_rollback_to(struct store *s, const char *name);

/* ---- messages: every inbound message, once ---------------------------- */

struct store_message {
	const char *message_id;   /* Message-ID or "sha256:HEX" */
	time_t received;
	const char *origin;       /* may be NULL */
	const char *route;        /* "post", "command", ... */
	const char *state;        /* "stored", "failed", "ignored", "pending" */
	const char *reason;       /* may be NULL */
	const char *sender;       /* From address, may be NULL */
	size_t size;              /* the message's real size */
	const char *raw;          /* raw_len bytes kept (may be < size) */
	size_t raw_len;
};

/* store_message_find - 1 and *id when a message with this id is stored */
int store_message_find(struct store *s, const char *message_id, int64_t *id);
/* store_message_add - insert a row; 0 and *id, or -1 */
int store_message_add(struct store *s, const struct store_message *m, int64_t *id);
/* store_message_set_state - change state and reason (reason may be NULL) */
int store_message_set_state(struct store *s, int64_t id, const char *state,
    const char *reason);

/* ---- posts ------------------------------------------------------------- */

struct store_post {
	int64_t message;          /* messages.id */
	const char *message_id;
	int64_t thread;
	int64_t parent;           /* 0: none (thread.c may change it) */
	int depth;
	const char *theme;
	int64_t session;          /* 0: none */
	const char *kind;         /* idea, question, resource, feedback, summary */
	const char *state;        /* accepted, held */
	int64_t author;           /* members.id, 0: not a member */
	const char *author_name;
	const char *author_email;
	const char *subject;
	time_t date;              /* 0: unknown */
	time_t received;
	const char *text;
	const char *new_text;
	size_t nlinks;
	size_t nattachments;
};

/* store_post_add - insert a post; 0 and *id, or -1.  The FTS row follows
 * by trigger. */
int store_post_add(struct store *s, const struct store_post *p, int64_t *id);
int store_post_add_link(struct store *s, int64_t post, const char *url);
int store_post_add_attachment(struct store *s, int64_t post, const char *name,
    const char *type, int64_t bytes);
/* store_post_message_id - 1 and *mid (owned) for the post with this id */
int store_post_message_id(struct store *s, int64_t post, char **mid);
/* store_post_parent - 1 with the post's parent (0: none) and depth */
int store_post_parent(struct store *s, int64_t post, int64_t *parent, int *depth);
/* store_post_set_parent - set parent (0: none) and depth */
int store_post_set_parent(struct store *s, int64_t post, int64_t parent, int depth);

/* store_member_by_email - 1 and *id of the member with this address
 * (case-insensitive), 0 when none */
int store_member_by_email(struct store *s, const char *email, int64_t *id);

/* store_session_at - 1 and *id of the session of theme open at time t:
 * opened at or before t and either open now or (not closed before t and t
 * before its end).  0 when none. */
int store_session_at(struct store *s, const char *theme, time_t t, int64_t *id);
struct store_session_row {
	int64_t id;
	char *theme;              /* owned */
	time_t opens, closes;     /* closes: the effective end (closed_at when
	                           * closed early; at least t + 1 when still
	                           * open past its planned end) */
};
/* store_sessions_open_at - every session open at t (as store_session_at
 * decides) into a fresh array *out of *n (store_sessions_free); *any = 1
 * when the sessions table holds any session at all.  0 or -1. */
int store_sessions_open_at(struct store *s, time_t t,
    struct store_session_row **out, size_t *n, int *any);
void store_sessions_free(struct store_session_row **rows, size_t n);

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
 * normalised subject whose last post is at or after since (the most
 * recent such thread) */
int store_thread_by_subject(struct store *s, const char *theme,
    const char *norm_subject, time_t since, int64_t *id);
/* store_thread_merge - move every post and container of from into into,
 * add up the counters, delete from */
int store_thread_merge(struct store *s, int64_t into, int64_t from);
/* store_thread_count_post - one more post arriving at t */
int store_thread_count_post(struct store *s, int64_t id, time_t t);
/* store_thread_set_root - root post and the subject it gives the thread */
int store_thread_set_root(struct store *s, int64_t id, int64_t root,
    const char *subject, const char *norm_subject);

/* ---- reading: thread list / show, search ------------------------------- */

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

struct store_post_row {
	int64_t id;
	int64_t thread;
	int64_t parent;           /* 0: none */
	int depth;
	const char *message_id;   /* every string valid during the callback */
	const char *theme;
	int64_t session;
	const char *kind;
	const char *state;
	const char *author_name;
	const char *author_email;
	const char *subject;
	time_t date, received;
	const char *new_text;
	const char *snippet;      /* search only */
};
typedef int store_post_cb(void *arg, const struct store_post_row *p);
/* store_thread_posts - the posts of a thread (not rejected) in thread
 * order: pre-order, parents before replies, siblings by date */
int store_thread_posts(struct store *s, int64_t thread, store_post_cb *cb, void *arg);

/* store_post_search - the posts matching every word (FTS5, each word a
 * quoted phrase; a trailing '*' makes it a prefix), best first by bm25,
 * at most limit.  Returns the number of hits or -1. */
int store_post_search(struct store *s, char *const *words, size_t nwords,
    int limit, store_post_cb *cb, void *arg);
/* store_fts_query - the FTS5 query for words into a fresh string (owned);
 * NULL when no word has any searchable character */
char *store_fts_query(char *const *words, size_t nwords);

#endif
