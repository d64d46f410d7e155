/* SPDX-License-Identifier: GPL-3.0-or-later */
/* thread - which discussion a post belongs to, and under which post
 *
 * The algorithm (JWZ over References/In-Reply-To with placeholders, and a
 * subject fallback) is written up at the top of thread.c.  The pure parts
 * (reference cleanup and parent choice, the loop check, the subject
 * window) are separate functions so they can be tested without a
 * database; thread_find() and thread_place() apply them to the stored
 * containers and threads through store_thread.h, inside the caller's
 * transaction.
 */
#ifndef BARAZA_THREAD_H
#define BARAZA_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define THREAD_MAX_REFS 64        /* references kept: the nearest ancestors */
#define THREAD_MAX_ID 998         /* longer ids are junk, ignored */
#define THREAD_MAX_WALK 512       /* ancestry steps before calling it a loop */
#define THREAD_MAX_SUBTREE 10000  /* posts re-parented in one adoption */
#define THREAD_SUBJECT_WINDOW (30 * 24 * 3600)
#define THREAD_ADOPT_MAX 16   /* threads a new root adopts by subject at once */

/* ---- pure parts --------------------------------------------------------- */

/* thread_chain - the ancestry a message claims, oldest first, its parent
 * last, into out (at most outmax borrowed pointers; outmax >= 1).
 * References are cleaned: empty, over-long and whitespace-holding ids,
 * the message's own id (self, may be NULL) and repeats (the first
 * occurrence stays) are dropped; only the last THREAD_MAX_REFS are kept.
 * In-Reply-To decides where they disagree: when it is the last reference
 * the chain is References; when it occurs earlier, the chain stops at it;
 * when it is absent from References it is appended.  Without References
 * the chain is In-Reply-To alone.  Returns the chain length (0: a root). */
size_t thread_chain(const char *self, const char *const *refs, size_t nrefs,
    const char *in_reply_to, const char **out, size_t outmax);

/* thread_parent_fn - look up the parent id of container mid: 1 and *parent
 * (owned by the callee's caller: free it), 0 when it has none or is not
 * known, -1 on error */
typedef int thread_parent_fn(void *arg, const char *mid, char **parent);

/* thread_is_ancestor - would linking child under parent make a loop?  1 when
 * child == parent, child is an ancestor of parent, or the ancestry walk
 * passes THREAD_MAX_WALK steps (an existing loop: refuse to add to it); 0
 * when the link is safe; -1 on a look-up error. */
int thread_is_ancestor(thread_parent_fn *fn, void *arg, const char *child,
    const char *parent);

/* thread_subject_fallback_ok - may a message be glued to an existing
 * thread by subject alone?  Only when it looks like a reply (reply marker
 * or references that matched nothing): two unrelated "Hello" posts must not
 * become one thread.  And only within the window: the thread's last post at
 * most THREAD_SUBJECT_WINDOW before arrival (or after it). */
int thread_subject_fallback_ok(int reply_like, time_t thread_last_post,
    time_t arrival);

/* ---- store-backed ------------------------------------------------------- */

struct store_container;

/* thread_cache - the stored containers of one message's chain and of the
 * message itself, read once by whichever of thread_find(),
 * thread_guess_parent() and thread_place() comes first and used again by
 * the others (thread_place() empties it: it writes them).  Zero it before
 * use and release it after.  It stays right only while nothing writes
 * containers between those calls (ingest writes none). */
struct thread_cache {
	size_t n;                     /* chain length + 1; 0: not read yet */
	struct store_container *c;    /* [n], owned; the last: the message's */
	int *found;                   /* [n]: 1 when c[i] is stored */
};

/* thread_cache_release - free what tc holds; tc is empty afterwards */
void thread_cache_release(struct thread_cache *tc);

struct thread_msg {
	const char *mid;              /* the new post's id (borrowed) */
	const char *const *chain;     /* from thread_chain (borrowed) */
	size_t nchain;
	const char *subject;          /* as written, for the thread's subject */
	const char *norm_subject;     /* classify_normalize_subject */
	int reply_like;               /* see thread_subject_fallback_ok */
	int by_subject;               /* the thread was found by subject */
	time_t received;
	struct thread_cache *cache;   /* NULL, or one kept across the calls */
};

/* thread_find - the thread a message belongs to by its references (the
 * oldest of the threads its chain and its own placeholder are in): 1 and
 * *thread and *theme (owned), 0 when none. */
int thread_find(struct store *s, const struct thread_msg *tm, int64_t *thread,
    char **theme);

/* thread_find_subject - the subject fallback within theme: 1 and *thread,
 * 0 when none (also when the fallback does not apply) */
int thread_find_subject(struct store *s, const struct thread_msg *tm,
    const char *theme, int64_t *thread);

struct thread_placed {
	int64_t thread;               /* final thread (after merges) */
	int64_t parent;               /* parent post, 0: root */
	int depth;
	int merged;                   /* threads merged into this one */
	int adopted;                  /* posts re-parented under the new one */
};

/* thread_guess_parent - the parent post and depth thread_place() will most
 * likely give the message (the nearest stored post of its chain, or the
 * root of the thread it was glued to by subject), so the post can be
 * inserted with them and thread_place() need not rewrite its row.  0 and
 * *parent (0: a root) and *depth, or -1. */
int thread_guess_parent(struct store *s, const struct thread_msg *tm,
    int64_t thread, int64_t *parent, int *depth);

/* thread_place - link the stored post (already inserted in thread, with
 * no parent or the one thread_guess_parent said) into the containers:
 * placeholders for missing ancestors, the chain linked where safe, threads
 * that meet merged into the oldest, the post's parent and depth set,
 * orphans adopted, counters updated.
 * 0 and *out, or -1. */
int thread_place(struct store *s, const struct thread_msg *tm, int64_t thread,
    int64_t post, struct thread_placed *out);

#endif
