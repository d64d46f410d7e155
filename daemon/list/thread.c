/* SPDX-License-Identifier: GPL-3.0-or-later */
/* thread - JWZ threading over stored containers, with a subject fallback
 *
 * What this module is: the decision of which thread a new post joins and
 * which post it answers, made incrementally, one message at a time, against
 * the `containers` table.  What it is not: it does not parse headers
 * (the mail layer did), decide the theme (classify) or write SQL
 * (store_thread.c).
 *
 * The algorithm, in prose
 * -----------------------
 * Jamie Zawinski's threading keeps one "container" per Message-ID ever
 * seen, whether as a message or only as a reference.  A container that
 * has no message yet is a placeholder.  Each container may point at a
 * parent container.  We keep the containers in SQLite (mid, post,
 * parent_mid, thread) instead of rebuilding them for every message, so
 * adding one message costs a few indexed look-ups per reference.
 *
 * 1. The chain.  A message names its ancestry in References (oldest
 *    first) and its parent in In-Reply-To.  We clean References (drop
 *    empty, over-long and space-holding ids, the message's own id, and
 *    repeats - keeping the first occurrence, which also breaks loops that
 *    a broken client wrote into one header - and keep only the nearest 64)
 *    and let In-Reply-To decide where they disagree: if In-Reply-To is the
 *    last reference, the chain is References; if it occurs earlier, the
 *    chain stops at it (the later ids are not ancestors of this message);
 *    if it is missing from References, it is appended as the parent.
 *    Outlook sends In-Reply-To without References: the chain is then
 *    In-Reply-To alone.  The parent of the message is the last id of the
 *    chain; an empty chain makes a root.
 *
 * 2. The thread.  Every container of the chain that exists belongs to a
 *    thread, and so may the message's own container (a placeholder made
 *    when a reply arrived before it).  If none does, and the message looks
 *    like a reply (a Re:-like subject prefix, or references that matched
 *    nothing we know), we look for a thread of the same theme whose
 *    normalised subject is equal and whose last post is at most 30 days
 *    before this message.  Plain posts with the same subject are not glued
 *    together: two members who both write "Hello" or "Question" start two
 *    discussions.  Otherwise the message starts a new thread.  The window
 *    holds both ways (a thread started more than 30 days after the
 *    message is not its thread either), and the fallback does not depend
 *    on arrival order: a post that is no reply adopts the threads that
 *    replies with its subject started before it came (within 30 days
 *    after it), and a reply that names no parent and was found through a
 *    placeholder hangs under the root of a thread of its subject - what
 *    date order would have done (adopt_by_subject; JWZ's subject grouping
 *    of the root set).
 *
 * 3. Placeholders and links.  Each id of the chain that has no container
 *    gets a placeholder in the thread.  Then the chain is linked
 *    parent-to-child where the child has no parent yet (the first claim
 *    wins for other messages' ancestry), and the message's own container
 *    gets the chain's last id as parent (its own headers are authoritative
 *    for itself).  Before any link we walk up from the new parent: if the
 *    child is found among its ancestors, or the walk is longer than 512
 *    steps, the link would close a loop and is not made.  Duplicate
 *    Message-IDs never reach this point: ingest deduplicates first.
 *
 * 4. Meeting threads.  A late parent can adopt orphans that had started
 *    threads of their own (each reply made a placeholder for the missing
 *    parent in its own thread), and a message can reference containers of
 *    two threads.  All threads met in step 2 are merged into the oldest:
 *    posts and containers move, the counters add up, and the emptied
 *    threads are deleted.
 *
 * 5. Posts.  A post's parent is the nearest ancestor container that holds
 *    a post (placeholders are skipped, so a reply whose parent is missing
 *    hangs under its grandparent until the parent arrives), and its depth
 *    is the parent's depth + 1, or 0 for a root.  When the new post's
 *    container, or a container whose parent was just set, has
 *    descendants, they are walked (through placeholders) and re-parented
 *    under the nearest post with their depths recomputed: this is how a
 *    late parent adopts its orphans.  A reply glued by subject hangs under
 *    the thread's root post.  The thread's root is its first top-level
 *    post; a late parent that adopts the root becomes the root.
 *
 * Cost: O(length of the chain) container look-ups per message, plus the
 * size of the subtree an adoption re-parents (bounded).  Every step runs
 * inside the ingest transaction, so a failure leaves nothing half-linked.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_post.h"
#include "store_thread.h"
#include "subject.h"
#include "thread.h"
#include "xalloc.h"

/* ---- pure parts ---------------------------------------------------------- */

static int
id_usable(const char *id)
{
	size_t n;

	if (id == NULL || *id == '\0')
		return 0;
	n = strlen(id);
	if (n > THREAD_MAX_ID)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] <= ' ' || id[i] == 0x7f)
			return 0;
	return 1;
}

size_t
thread_chain(const char *self, const char *const *refs, size_t nrefs,
    const char *in_reply_to, const char **out, size_t outmax)
{
	const char **v;
	size_t n = 0, start = nrefs, usable = 0, keep, skip;
	const char *irt = id_usable(in_reply_to) &&
	    !(self && strcmp(in_reply_to, self) == 0) ? in_reply_to : NULL;

	if (outmax == 0)
		return 0;
	keep = outmax < THREAD_MAX_REFS ? outmax : THREAD_MAX_REFS;
	/* Only the nearest ancestors matter: look at the last 2 * keep usable
	 * ids (a hostile header may hold thousands), which keeps the repeat
	 * check below quadratic in a small number. */
	while (start > 0 && usable < 2 * keep)
		if (id_usable(refs[--start]))
			usable++;
	v = xreallocarray(NULL, usable + 1, sizeof(*v));
	for (size_t i = start; i < nrefs; i++) {
		const char *r = refs[i];
		int seen = 0;

		if (!id_usable(r) || (self && strcmp(r, self) == 0))
			continue;
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(v[k], r) == 0;
		if (!seen)
			v[n++] = r;
	}
	if (irt) {
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(v[k], irt) == 0)
				break;
		if (k < n)
			n = k + 1;      /* the chain ends at In-Reply-To */
		else
			v[n++] = irt;   /* In-Reply-To is the parent */
	}
	skip = n > keep ? n - keep : 0;
	memcpy(out, v + skip, (n - skip) * sizeof(*out));
	free(v);
	return n - skip;
}

int
thread_is_ancestor(thread_parent_fn *fn, void *arg, const char *child,
    const char *parent)
{
	char *cur, *next = NULL;
	int rc;

	if (strcmp(child, parent) == 0)
		return 1;
	cur = xstrdup(parent);
	for (int steps = 0; steps < THREAD_MAX_WALK; steps++) {
		rc = fn(arg, cur, &next);
		free(cur);
		if (rc <= 0)
			return rc;   /* 0: reached a root, no loop; -1 error */
		if (strcmp(next, child) == 0) {
			free(next);
			return 1;
		}
		cur = next;
		next = NULL;
	}
	free(cur);
	return 1;
}

int
thread_subject_fallback_ok(int reply_like, time_t thread_last_post, time_t arrival)
{
	if (!reply_like)
		return 0;
	return thread_last_post >= arrival - THREAD_SUBJECT_WINDOW;
}

/* ---- store-backed -------------------------------------------------------- */

/* store_parent - thread_parent_fn over the containers table */
static int
store_parent(void *arg, const char *mid, char **parent)
{
	struct store_container c;
	int rc = store_container_get(arg, mid, &c);

	*parent = NULL;
	if (rc <= 0)
		return rc;
	if (c.parent_mid == NULL)
		return 0;
	*parent = c.parent_mid;
	return 1;
}

/* older - is thread a older than thread b (created, then id)? */
static int
older(const struct store_thread *a, const struct store_thread *b)
{
	if (a->created != b->created)
		return a->created < b->created;
	return a->id < b->id;
}

/* A message's chain containers are read once (struct thread_cache, in
 * thread.h): thread_place() needs them for the threads that meet and again
 * for the links, and nothing writes them in between except the thread
 * merges, which thread_place() applies to the copies. */

/* cache_load - read the containers of tm's chain and of tm->mid into k */
static int
cache_load(struct store *s, const struct thread_msg *tm, struct thread_cache *k)
{
	k->n = tm->nchain + 1;
	k->c = xcalloc(k->n, sizeof(*k->c));
	k->found = xcalloc(k->n, sizeof(*k->found));
	for (size_t i = 0; i < k->n; i++) {
		const char *mid = i < tm->nchain ? tm->chain[i] : tm->mid;
		int rc;

		if (mid == NULL)
			continue;
		if ((rc = store_container_get(s, mid, &k->c[i])) < 0) {
			thread_cache_release(k);
			return -1;
		}
		k->found[i] = rc;
	}
	return 0;
}

void
thread_cache_release(struct thread_cache *k)
{
	if (k->c)
		for (size_t i = 0; i < k->n; i++)
			store_container_release(&k->c[i]);
	free(k->c);
	free(k->found);
	memset(k, 0, sizeof(*k));
}

/* cache_get - the message's containers: the caller's cache (read now if
 * it was not yet), else local (release it) */
static int
cache_get(struct store *s, const struct thread_msg *tm,
    struct thread_cache *local, struct thread_cache **k)
{
	struct thread_cache *t = tm->cache ? tm->cache : local;

	*k = t;
	if (t->n == tm->nchain + 1 && t->c)
		return 0;
	thread_cache_release(t);
	return cache_load(s, tm, t);
}

/* cache_threads - the distinct threads of the known containers, plus
 * extra (0: none), into *out (owned) */
static void
cache_threads(const struct thread_cache *k, int64_t extra, int64_t **out,
    size_t *n)
{
	int64_t *v = xreallocarray(NULL, k->n + 1, sizeof(*v));
	size_t nv = 0;

	if (extra > 0)
		v[nv++] = extra;
	for (size_t i = 0; i < k->n; i++) {
		int seen = 0;

		if (!k->found[i] || k->c[i].thread <= 0)
			continue;
		for (size_t j = 0; j < nv && !seen; j++)
			seen = v[j] == k->c[i].thread;
		if (!seen)
			v[nv++] = k->c[i].thread;
	}
	*out = v;
	*n = nv;
}

/* oldest_thread - the oldest of v[0..n), 1 and *t (free t->theme) */
static int
oldest_thread(struct store *s, const int64_t *v, size_t n, struct store_thread *best)
{
	int found = 0;

	memset(best, 0, sizeof(*best));
	for (size_t i = 0; i < n; i++) {
		struct store_thread t;
		int rc = store_thread_get(s, v[i], &t);

		if (rc < 0) {
			free(best->theme);
			return -1;
		}
		if (rc == 0)
			continue;
		if (!found || older(&t, best)) {
			free(best->theme);
			*best = t;
			found = 1;
		} else {
			free(t.theme);
		}
	}
	return found;
}

int
thread_find(struct store *s, const struct thread_msg *tm, int64_t *thread,
    char **theme)
{
	struct store_thread best;
	struct thread_cache local = { 0 }, *k;
	int64_t *v;
	size_t n;
	int rc;

	*thread = 0;
	*theme = NULL;
	if (cache_get(s, tm, &local, &k) < 0)
		return -1;
	cache_threads(k, 0, &v, &n);
	thread_cache_release(&local);
	rc = oldest_thread(s, v, n, &best);
	free(v);
	if (rc <= 0)
		return rc;
	*thread = best.id;
	*theme = best.theme;
	return 1;
}

int
thread_find_subject(struct store *s, const struct thread_msg *tm,
    const char *theme, int64_t *thread)
{
	*thread = 0;
	if (!tm->reply_like || tm->norm_subject == NULL || *tm->norm_subject == '\0')
		return 0;
	return store_thread_by_subject(s, theme, tm->norm_subject,
	    tm->received - THREAD_SUBJECT_WINDOW,
	    tm->received + THREAD_SUBJECT_WINDOW, thread);
}

/* nearest_post_from - the nearest container at or above cur (a parent id,
 * NULL: none) holding a post: *post (0: none) and that post's depth */
static int
nearest_post_from(struct store *s, const char *start, int64_t *post, int *depth)
{
	char *cur = start ? xstrdup(start) : NULL;
	int rc;

	*post = 0;
	*depth = -1;
	for (int steps = 0; cur && steps < THREAD_MAX_WALK; steps++) {
		struct store_container up;

		if ((rc = store_container_get(s, cur, &up)) < 0) {
			free(cur);
			return -1;
		}
		free(cur);
		cur = NULL;
		if (rc == 0)
			break;
		if (up.post > 0) {
			int64_t pp;

			*post = up.post;
			store_container_release(&up);
			rc = store_post_parent(s, *post, &pp, depth);
			if (rc <= 0) {
				*post = 0;
				*depth = -1;
				return rc;
			}
			return 0;
		}
		cur = up.parent_mid;
	}
	free(cur);
	return 0;
}

/* set_post_parent - write parent/depth when they differ; 1 if changed */
static int
set_post_parent(struct store *s, int64_t post, int64_t parent, int depth)
{
	int64_t cur_parent;
	int cur_depth, rc;

	if ((rc = store_post_parent(s, post, &cur_parent, &cur_depth)) <= 0)
		return rc;
	if (cur_parent == parent && cur_depth == depth)
		return 0;
	return store_post_set_parent(s, post, parent, depth) < 0 ? -1 : 1;
}

int
thread_guess_parent(struct store *s, const struct thread_msg *tm, int64_t thread,
    int64_t *parent, int *depth)
{
	struct store_thread t;
	struct thread_cache local = { 0 }, *k;
	int64_t pp;
	int rc;

	*parent = 0;
	*depth = 0;
	if (cache_get(s, tm, &local, &k) < 0)
		return -1;
	for (size_t i = tm->nchain; i-- > 0;) {
		int64_t post = k->c[i].post;

		if (!k->found[i] || post <= 0)
			continue;
		if ((rc = store_post_parent(s, post, &pp, depth)) < 0) {
			thread_cache_release(&local);
			return -1;
		}
		if (rc == 0)
			continue;
		*parent = post;
		(*depth)++;
		thread_cache_release(&local);
		return 0;
	}
	thread_cache_release(&local);
	if (tm->by_subject && thread > 0) {
		if ((rc = store_thread_get(s, thread, &t)) < 0)
			return -1;
		if (rc == 0)
			return 0;
		free(t.theme);
		if (t.root > 0 && store_post_parent(s, t.root, &pp, depth) == 1) {
			*parent = t.root;
			(*depth)++;
		}
	}
	return 0;
}

struct walk_item {
	char *mid;
	int64_t above;   /* nearest post above this container */
	int depth;       /* that post's depth, -1 when none */
};

/* relink - give the posts at and below container mid their nearest-post
 * parents and depths; when no post is above mid, fallback (0: none, with
 * its depth fallback_depth) is the parent of mid's own post.  *newly_under
 * counts posts that now hang directly under the post `under` (adoptions).
 * known, when not NULL, is mid's container as it now stands (saves reading
 * it), and leaf says nothing can hang below it (it was just created).
 * Bounded by THREAD_MAX_SUBTREE. */
static int
relink(struct store *s, const char *mid, int64_t under, int64_t fallback,
    int fallback_depth, int *newly_under, const struct store_container *known,
    int leaf)
{
	struct walk_item *queue = NULL;
	size_t head = 0, tail = 0, alloc = 0, visited = 0;
	int64_t above;
	int depth, rc = 0;
	struct store_container self;

	if (known) {
		self = *known;
		self.parent_mid = known->parent_mid ? xstrdup(known->parent_mid) : NULL;
	} else if ((rc = store_container_get(s, mid, &self)) <= 0) {
		return rc;
	}
	if (nearest_post_from(s, self.parent_mid, &above, &depth) < 0) {
		store_container_release(&self);
		return -1;
	}
	if (above == 0 && fallback > 0) {
		above = fallback;
		depth = fallback_depth;
	}
	rc = 0;
	if (self.post > 0) {
		if (set_post_parent(s, self.post, above, depth + 1) < 0) {
			store_container_release(&self);
			return -1;
		}
		above = self.post;
		depth = depth + 1;
	}
	store_container_release(&self);
	if (leaf)
		return 0;

	alloc = 16;
	queue = xreallocarray(NULL, alloc, sizeof(*queue));
	queue[tail++] = (struct walk_item){ xstrdup(mid), above, depth };
	while (head < tail && rc == 0) {
		struct walk_item it = queue[head++];
		struct store_child *kids;
		size_t nk;

		if (store_container_children(s, it.mid, &kids, &nk,
		    THREAD_MAX_SUBTREE) < 0) {
			free(it.mid);
			rc = -1;
			break;
		}
		free(it.mid);
		for (size_t i = 0; i < nk; i++) {
			struct walk_item next = { kids[i].mid, it.above, it.depth };

			kids[i].mid = NULL;
			if (++visited > THREAD_MAX_SUBTREE) {
				log_warnx("thread: subtree under <%s> too large, "
				    "not re-linked further", mid);
				free(next.mid);
				continue;
			}
			if (kids[i].post > 0) {
				int ch = set_post_parent(s, kids[i].post, it.above,
				    it.depth + 1);

				if (ch < 0) {
					free(next.mid);
					rc = -1;
					break;
				}
				if (ch > 0 && it.above == under && under > 0)
					(*newly_under)++;
				next.above = kids[i].post;
				next.depth = it.depth + 1;
			}
			if (tail == alloc) {
				alloc *= 2;
				queue = xreallocarray(queue, alloc, sizeof(*queue));
			}
			queue[tail++] = next;
		}
		store_children_free(&kids, nk);
	}
	while (head < tail)
		free(queue[head++].mid);
	free(queue);
	return rc;
}

/* adopt_by_subject - a new root (a post that is no reply) adopts the
 * threads of its theme and subject that replies started before it came,
 * within the window after it (their root's subject is a reply's): what
 * arrival in date order would have glued to it by subject.  Their roots
 * hang under post, as a reply glued by subject does. */
static int
adopt_by_subject(struct store *s, const struct thread_msg *tm,
    const char *theme, int64_t thread, int64_t post, int *adopted)
{
	struct store_subject_thread v[THREAD_ADOPT_MAX];
	size_t n;
	int rc = 0;

	if (tm->reply_like || tm->norm_subject == NULL || *tm->norm_subject == '\0')
		return 0;
	if (store_thread_subject_later(s, theme, tm->norm_subject, thread,
	    tm->received, tm->received + THREAD_SUBJECT_WINDOW, v,
	    THREAD_ADOPT_MAX, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char **tops;
		size_t ntops;

		if (v[i].root <= 0 || v[i].subject == NULL ||
		    !subject_is_reply(v[i].subject))
			continue;
		/* Its top containers (the root that started it, replies
		 * glued to it by subject, placeholders of missing parents)
		 * hang under post; what hangs below them follows. */
		if (store_thread_tops(s, v[i].id, &tops, THREAD_MAX_SUBTREE,
		    &ntops) < 0) {
			rc = -1;
			break;
		}
		rc = store_thread_merge(s, thread, v[i].id);
		for (size_t k = 0; k < ntops && rc == 0; k++)
			rc = relink(s, tops[k], post, post, 0, adopted, NULL, 0);
		store_children_free_mids(tops, ntops);
		if (rc == 0)
			log_debug("thread <%s>: adopted thread %lld by subject",
			    tm->mid, (long long)v[i].id);
	}

	store_subject_threads_free(v, n);
	return rc;
}

int
thread_place(struct store *s, const struct thread_msg *tm, int64_t thread,
    int64_t post, struct thread_placed *out)
{
	struct store_thread target = { 0 };
	struct thread_cache local = { 0 }, *known = &local;
	struct store_container *self, now;
	const char *parent_mid = tm->nchain ? tm->chain[tm->nchain - 1] : NULL;
	const char **changed = NULL;
	size_t nchanged = 0;
	int64_t *threads = NULL, parent = 0;
	size_t nthreads;
	int rc, depth = 0, ret = -1, have_self;

	memset(out, 0, sizeof(*out));

	/* 2 + 4: the threads that meet, merged into the oldest. */
	if (cache_get(s, tm, &local, &known) < 0)
		goto out;
	cache_threads(known, thread, &threads, &nthreads);
	if ((rc = oldest_thread(s, threads, nthreads, &target)) <= 0) {
		if (rc == 0)
			log_warnx("thread_place <%s>: thread %lld does not exist",
			    tm->mid, (long long)thread);
		goto out;
	}
	for (size_t i = 0; i < nthreads; i++) {
		if (threads[i] == target.id)
			continue;
		if (store_thread_merge(s, target.id, threads[i]) < 0)
			goto out;
		out->merged++;
	}
	if (out->merged)
		log_debug("thread <%s>: merged %d thread(s) into %lld", tm->mid,
		    out->merged, (long long)target.id);
	out->thread = target.id;
	/* Every thread the known containers were in is now the target. */
	for (size_t i = 0; i < known->n; i++)
		if (known->found[i] && known->c[i].thread > 0)
			known->c[i].thread = target.id;

	/* 3: placeholders for the chain, then links where safe. */
	changed = xreallocarray(NULL, tm->nchain + 1, sizeof(*changed));
	for (size_t i = 0; i < tm->nchain; i++) {
		const struct store_container *c = &known->c[i];
		int again = 0;

		/* thread_chain() never repeats an id; should a chain do so,
		 * the first occurrence was handled and the copy is stale. */
		for (size_t j = 0; j < i && !again; j++)
			again = strcmp(tm->chain[j], tm->chain[i]) == 0;
		if (again)
			continue;
		if (!known->found[i]) {
			const char *up = NULL;

			/* A new placeholder's parent is the previous id,
			 * which cannot loop: nothing points at it yet. */
			if (i > 0)
				up = tm->chain[i - 1];
			if (store_container_add(s, tm->chain[i], 0, up, target.id) < 0)
				goto out;
			continue;
		}
		if (c->thread != target.id &&
		    store_container_set_thread(s, tm->chain[i], target.id) < 0)
			goto out;
		if (i > 0 && c->parent_mid == NULL) {
			rc = thread_is_ancestor(store_parent, s, tm->chain[i],
			    tm->chain[i - 1]);
			if (rc < 0)
				goto out;
			if (rc == 0) {
				if (store_container_set_parent(s, tm->chain[i],
				    tm->chain[i - 1]) < 0)
					goto out;
				changed[nchanged++] = tm->chain[i];
			} else {
				log_info("thread <%s>: reference <%s> under <%s> "
				    "would make a loop; not linked", tm->mid,
				    tm->chain[i], tm->chain[i - 1]);
			}
		}
	}

	/* The message's own container: its headers decide its parent. */
	self = &known->c[known->n - 1];
	have_self = known->found[known->n - 1];
	/* Without a container of its own nothing points at the message yet,
	 * so it cannot be an ancestor of its parent: no walk needed. */
	if (parent_mid && have_self) {
		rc = thread_is_ancestor(store_parent, s, tm->mid, parent_mid);
		if (rc < 0)
			goto out;
		if (rc > 0) {
			log_info("thread <%s>: parent <%s> would make a loop; "
			    "not linked", tm->mid, parent_mid);
			parent_mid = NULL;
		}
	}
	if (have_self) {
		if (self->post > 0 && self->post != post)
			log_warnx("thread <%s>: container already holds post %lld; "
			    "taken over by post %lld", tm->mid,
			    (long long)self->post, (long long)post);
		if (store_container_set_post(s, tm->mid, post) < 0 ||
		    (self->thread != target.id &&
		    store_container_set_thread(s, tm->mid, target.id) < 0) ||
		    (parent_mid && (self->parent_mid == NULL ||
		    strcmp(self->parent_mid, parent_mid) != 0) &&
		    store_container_set_parent(s, tm->mid, parent_mid) < 0))
			goto out;
	} else if (store_container_add(s, tm->mid, post, parent_mid, target.id) < 0) {
		goto out;
	}
	/* The container as it now stands, for the relink below. */
	now.post = post;
	now.thread = target.id;
	now.parent_mid = (char *)(parent_mid ? parent_mid :
	    have_self ? self->parent_mid : NULL);

	/* 5: parents and depths, at and below every container that moved.  A
	 * reply glued by subject hangs under the thread's root post. */
	for (size_t i = 0; i < nchanged; i++)
		if (relink(s, changed[i], 0, 0, 0, &out->adopted, NULL, 0) < 0)
			goto out;
	{
		int64_t fallback = 0, rp;
		int rd = 0;

		int glue = tm->by_subject;

		/* A reply by its subject that names no parent, found through
		 * its own placeholder (a reply to it came first, glued here
		 * by subject): under the root, as if it had come first. */
		if (!glue && tm->reply_like && tm->nchain == 0 && have_self &&
		    target.root > 0 && target.root != post && tm->norm_subject &&
		    *tm->norm_subject) {
			if ((rc = store_thread_has_subject(s, target.id,
			    tm->norm_subject)) < 0)
				goto out;
			glue = rc;
		}
		if (glue && target.root > 0 && target.root != post) {
			if (store_post_parent(s, target.root, &rp, &rd) < 0)
				goto out;
			fallback = target.root;
		}
		if (relink(s, tm->mid, post, fallback, rd, &out->adopted, &now,
		    !have_self) < 0)
			goto out;
	}
	if (store_post_parent(s, post, &parent, &depth) <= 0)
		goto out;

	/* The root: the first top-level post, or a late parent that adopted
	 * the old root. */
	if (parent == 0) {
		int64_t rp = 0;
		int rd;

		if (target.root > 0 && target.root != post &&
		    store_post_parent(s, target.root, &rp, &rd) < 0)
			goto out;
		if (target.root == 0 || rp != 0) {
			if (store_thread_set_root(s, target.id, post, tm->subject,
			    tm->norm_subject) < 0)
				goto out;
		}
		if (adopt_by_subject(s, tm, target.theme, target.id, post,
		    &out->adopted) < 0)
			goto out;
	}
	if (store_thread_count_post(s, target.id, tm->received) < 0)
		goto out;
	out->parent = parent;
	out->depth = depth;
	ret = 0;
out:
	/* The containers are written now: what was read is stale. */
	thread_cache_release(known);
	free(target.theme);
	free(threads);
	free(changed);
	return ret;
}
