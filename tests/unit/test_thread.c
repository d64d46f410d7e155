/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_thread - JWZ threading: the pure parts, then the store-backed
 * placement against a scratch database, messages fed in every order */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "classify.h"
#include "store.h"
#include "store_message.h"
#include "store_post.h"
#include "store_thread.h"
#include "subject.h"
#include "thread.h"
#include "tutil.h"
#include "xalloc.h"

#define DAY (24 * 3600)
#define NOW ((time_t)1605866400)   /* 2020-11-20T10:00:00Z */

/* ---- thread_chain ------------------------------------------------------- */

struct chain_case {
	const char *name;
	const char *self;
	const char *refs[8];
	const char *irt;
	const char *want;   /* the chain joined by spaces */
};

static const struct chain_case chain_cases[] = {
	{ "root: nothing", "m", { NULL }, NULL, "" },
	{ "references only", "m", { "a", "b", "c" }, NULL, "a b c" },
	{ "in-reply-to only (Outlook)", "m", { NULL }, "p", "p" },
	{ "agree", "m", { "a", "b" }, "b", "a b" },
	{ "irt earlier in refs: chain stops there", "m", { "a", "b", "c" }, "b", "a b" },
	{ "irt not in refs: appended as parent", "m", { "a", "b" }, "x", "a b x" },
	{ "own id dropped", "m", { "a", "m", "b" }, "m", "a b" },
	{ "repeats: first occurrence kept (loop in one header)", "m",
	  { "a", "b", "a", "c" }, NULL, "a b c" },
	{ "junk ids dropped", "m", { "", "has space", "a", "tab\there", "b" },
	  "", "a b" },
	{ "irt junk, refs used", "m", { "a" }, "bad id", "a" },
	{ "no self id (hash ids)", NULL, { "a", "b" }, "b", "a b" },
};

Test(thread_chain, table)
{
	for (size_t i = 0; i < sizeof(chain_cases) / sizeof(chain_cases[0]); i++) {
		const struct chain_case *tc = &chain_cases[i];
		const char *out[THREAD_MAX_REFS];
		size_t nrefs = 0, n;
		char got[512];

		while (nrefs < 8 && tc->refs[nrefs])
			nrefs++;
		n = thread_chain(tc->self, tc->refs, nrefs, tc->irt, out, THREAD_MAX_REFS);
		tutil_join(got, sizeof(got), " ", out, n);
		cr_expect_str_eq(got, tc->want, "%s: got chain '%s', want '%s'",
		    tc->name, got, tc->want);
	}
}

Test(thread_chain, long_references_keep_the_nearest)
{
	const char *refs[1000], *out[THREAD_MAX_REFS];
	char ids[1000][16];
	size_t n;

	for (int i = 0; i < 1000; i++) {
		snprintf(ids[i], sizeof(ids[i]), "id%d", i);
		refs[i] = ids[i];
	}
	n = thread_chain("self", refs, 1000, "id999", out, THREAD_MAX_REFS);
	cr_assert_eq(n, THREAD_MAX_REFS, "got %zu ids, want %d", n, THREAD_MAX_REFS);
	cr_expect_str_eq(out[n - 1], "id999", "got parent %s, want id999", out[n - 1]);
	cr_expect_str_eq(out[0], "id936", "got oldest kept %s, want id936", out[0]);
	/* A small output array is respected too. */
	n = thread_chain("self", refs, 1000, NULL, out, 3);
	cr_assert_eq(n, 3, "got %zu, want 3", n);
	cr_expect_str_eq(out[2], "id999");
}

/* ---- thread_is_ancestor over an in-memory table ------------------------- */

struct edge {
	const char *child, *parent;
};

struct table {
	const struct edge *e;
	size_t n;
	int fail_on;        /* 1: lookups of "boom" fail */
};

static int
table_parent(void *arg, const char *mid, char **parent)
{
	const struct table *t = arg;

	*parent = NULL;
	if (t->fail_on && strcmp(mid, "boom") == 0)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->e[i].child, mid) == 0) {
			*parent = xstrdup(t->e[i].parent);
			return 1;
		}
	return 0;
}

Test(thread_loop, table)
{
	/* c -> b -> a; x -> y -> x (an existing loop); boom fails */
	static const struct edge edges[] = {
		{ "c", "b" }, { "b", "a" }, { "x", "y" }, { "y", "x" }, { "d", "boom" },
	};
	struct table t = { edges, sizeof(edges) / sizeof(edges[0]), 1 };
	static const struct {
		const char *child, *parent;
		int want;
	} cases[] = {
		{ "a", "c", 1 },    /* a is c's ancestor: a under c loops */
		{ "b", "c", 1 },
		{ "c", "c", 1 },    /* self */
		{ "c", "a", 0 },    /* already so: no loop */
		{ "z", "c", 0 },    /* new id under c */
		{ "a", "z", 0 },    /* unknown parent */
		{ "q", "x", 1 },    /* walk never ends: refused */
		{ "e", "d", -1 },   /* look-up error */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = thread_is_ancestor(table_parent, &t, cases[i].child,
		    cases[i].parent);

		cr_expect_eq(got, cases[i].want, "link %s under %s: got %d, want %d",
		    cases[i].child, cases[i].parent, got, cases[i].want);
	}
}

/* ---- subjects ------------------------------------------------------------ */

/* What the subject fallback relies on from classify.c: replies in the
 * usual shapes normalise to the subject they answer, and are replies. */
Test(thread_subject, replies_normalise_to_their_subject)
{
	static const struct {
		const char *subject, *norm;
		int reply;
	} cases[] = {
		{ "Funding flows", "funding flows", 0 },
		{ "Re: Funding flows", "funding flows", 1 },
		{ "RE : Funding   flows ", "funding flows", 1 },
		{ "AW: SV: funding flows", "funding flows", 1 },
		{ "Re: [CoP] Funding flows", "funding flows", 1 },
		{ "[CoP] Re: [CoP] Funding flows", "funding flows", 0 },
		{ "Re[2]: Funding flows", "funding flows", 1 },
		{ "Regarding funding", "regarding funding", 0 },
		{ "Re:", "", 1 },
		{ "", "", 0 },
	};

	struct conf c;

	memset(&c, 0, sizeof(c));
	c.list.subject_prefix = (char *)"[CoP]";
	c.list.tag_separator = (char *)"+";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *n = classify_normalize_subject(&c, cases[i].subject);
		int r = subject_is_reply(cases[i].subject);
		const char *got = n;

		cr_expect_str_eq(got, cases[i].norm, "'%s': got '%s', want '%s'",
		    cases[i].subject, got, cases[i].norm);
		if (cases[i].reply)
			cr_expect_eq(r, 1, "'%s': not seen as a reply", cases[i].subject);
		free(n);
	}
}

Test(thread_subject, fallback_window)
{
	static const struct {
		int reply_like;
		time_t last, arrival;
		int want;
	} cases[] = {
		{ 1, NOW, NOW + 29 * DAY, 1 },
		{ 1, NOW, NOW + 30 * DAY, 1 },
		{ 1, NOW, NOW + 30 * DAY + 1, 0 },
		{ 1, NOW, NOW + 31 * DAY, 0 },
		{ 1, NOW + DAY, NOW, 1 },          /* thread newer than the message */
		{ 0, NOW, NOW + DAY, 0 },          /* not a reply: never glued */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = thread_subject_fallback_ok(cases[i].reply_like,
		    cases[i].last, cases[i].arrival);

		cr_expect_eq(got, cases[i].want, "case %zu: got %d, want %d", i,
		    got, cases[i].want);
	}
}

/* ---- store-backed --------------------------------------------------------- */

static struct store *db;
static char tmpdir[64];
/* 1: insert posts with thread_guess_parent's parent and keep the
 * containers read in a thread_cache across the calls, as ingest does; 0:
 * neither, so thread_place has to set every parent itself and every call
 * reads the containers afresh */
static int use_guess;

static void
db_open(void)
{
	char path[128];

	tutil_scratch_dir(tmpdir, sizeof(tmpdir), "thread");
	snprintf(path, sizeof(path), "%s/test.db", tmpdir);
	db = tutil_store_new(path);
}

static void
db_close(void)
{
	store_close(&db);
	tutil_rmtree(tmpdir);
}

struct tmsg {
	const char *mid;
	const char *refs[6];
	const char *irt;
	const char *subject;
	int day;            /* Date and arrival: NOW + day days (+ minutes) */
	const char *theme;
};

/* add - what ingest does for a post, minus parsing and classification;
 * prefix makes ids and subjects unique per round, so one database holds
 * many independent rounds */
static int64_t
add(const struct tmsg *t, const char *prefix, int minute)
{
	char mid[64], sub[128], *norm, rbuf[6][64], irt[64], hid[64];
	const char *refs[6], *chain[THREAD_MAX_REFS];
	size_t nrefs = 0;
	struct thread_msg tm = { 0 };
	struct thread_cache tc = { 0 };
	struct thread_placed pl;
	struct store_message sm = { 0 };
	struct store_post sp = { 0 };
	int64_t thread = 0, msgrow, post;
	char *ttheme = NULL;
	const char *theme = t->theme ? t->theme : "funding";
	time_t when = NOW + t->day * DAY + minute * 60;
	int rc;

	snprintf(mid, sizeof(mid), "%s%s@x", prefix, t->mid);
	snprintf(sub, sizeof(sub), "%s", t->subject ? t->subject : "");
	/* put the round's prefix after any reply markers */
	{
		int reply = subject_is_reply(sub);
		char *n0 = classify_normalize_subject(NULL, sub);

		snprintf(sub, sizeof(sub), "%s%s %s", reply ? "Re: " : "", prefix, n0);
		free(n0);
	}
	for (; nrefs < 6 && t->refs[nrefs]; nrefs++) {
		snprintf(rbuf[nrefs], sizeof(rbuf[nrefs]), "%s%s@x", prefix, t->refs[nrefs]);
		refs[nrefs] = rbuf[nrefs];
	}
	if (t->irt)
		snprintf(irt, sizeof(irt), "%s%s@x", prefix, t->irt);
	norm = classify_normalize_subject(NULL, sub);
	tm.mid = mid;
	tm.nchain = thread_chain(mid, refs, nrefs, t->irt ? irt : NULL, chain,
	    THREAD_MAX_REFS);
	tm.chain = chain;
	tm.subject = sub;
	tm.norm_subject = norm;
	tm.received = when;
	tm.reply_like = tm.nchain > 0 || subject_is_reply(sub);
	if (use_guess)
		tm.cache = &tc;

	cr_assert_eq(store_begin(db), 0);
	rc = thread_find(db, &tm, &thread, &ttheme);
	cr_assert(rc >= 0);
	if (ttheme)
		theme = ttheme;
	if (thread == 0) {
		rc = thread_find_subject(db, &tm, theme, &thread);
		cr_assert(rc >= 0);
		tm.by_subject = rc == 1;
	}
	if (thread == 0)
		cr_assert_eq(store_thread_add(db, theme, 0, sub, norm, when, &thread), 0);
	snprintf(hid, sizeof(hid), "%s", mid);
	sm.message_id = hid;
	sm.received = when;
	sm.route = "post";
	sm.state = "stored";
	sm.size = 1;
	sm.raw = "x";
	sm.raw_len = 1;
	cr_assert_eq(store_message_add(db, &sm, &msgrow), 0);
	sp.message = msgrow;
	sp.message_id = mid;
	sp.thread = thread;
	sp.theme = theme;
	sp.kind = "idea";
	sp.subject = sub;
	sp.date = when;
	sp.received = when;
	sp.text = sp.new_text = "text";
	if (use_guess)
		cr_assert_eq(thread_guess_parent(db, &tm, thread, &sp.parent, &sp.depth), 0);
	cr_assert_eq(store_post_add(db, &sp, &post), 0);
	cr_assert_eq(thread_place(db, &tm, thread, post, &pl), 0, "place %s", mid);
	cr_assert_eq(store_commit(db), 0);
	cr_assert_eq(tc.n, 0, "thread_place must empty the cache (its copies are stale)");
	thread_cache_release(&tc);
	free(norm);
	free(ttheme);
	return pl.thread;
}

/* tree - "mid>parent@depth#threadkey" for each message, in the order of
 * msgs; threadkey is the first message (in msgs order) of its thread, so
 * the string does not depend on thread ids */
static void
tree(const struct tmsg *msgs, size_t n, const char *prefix, struct buf *out)
{
	int64_t threads[32];

	buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		char mid[64], *pmid = NULL;
		struct store_container c;
		int64_t parent;
		int depth;

		snprintf(mid, sizeof(mid), "%s%s@x", prefix, msgs[i].mid);
		cr_assert_eq(store_container_get(db, mid, &c), 1, "no container %s", mid);
		cr_assert(c.post > 0, "%s: container has no post", mid);
		cr_assert_eq(store_post_parent(db, c.post, &parent, &depth), 1);
		if (parent)
			cr_assert_eq(store_post_message_id(db, parent, &pmid), 1);
		threads[i] = c.thread;
		size_t key = i;
		for (size_t k = 0; k < i; k++)
			if (threads[k] == c.thread) {
				key = k;
				break;
			}
		if (pmid && strchr(pmid, '@'))
			*strchr(pmid, '@') = '\0';
		buf_printf(out, "%s>%s@%d#%s ", msgs[i].mid,
		    pmid ? pmid + strlen(prefix) : "-", depth, msgs[key].mid);
		free(pmid);
		store_container_release(&c);
	}
}

/* check_counts - each thread's posts counter equals its posts */
static void
check_counts(const struct tmsg *msgs, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++) {
		char mid[64];
		struct store_container c;
		struct store_thread t;
		size_t same = 0;

		snprintf(mid, sizeof(mid), "%s%s@x", prefix, msgs[i].mid);
		cr_assert_eq(store_container_get(db, mid, &c), 1);
		for (size_t k = 0; k < n; k++) {
			struct store_container o;

			snprintf(mid, sizeof(mid), "%s%s@x", prefix, msgs[k].mid);
			cr_assert_eq(store_container_get(db, mid, &o), 1);
			same += o.thread == c.thread;
			store_container_release(&o);
		}
		cr_assert_eq(store_thread_get(db, c.thread, &t), 1, "thread %lld gone",
		    (long long)c.thread);
		cr_expect_eq((size_t)t.posts, same, "%s: thread counter %lld, want %zu",
		    msgs[i].mid, (long long)t.posts, same);
		free(t.theme);
		store_container_release(&c);
	}
}

/* The discussion every order must rebuild:
 *   a                      g
 *   +- b                   +- h   (h's References start with a missing y)
 *   |  +- c
 *   |  +- d
 *   +- e  (Outlook: In-Reply-To only)
 *   +- f  (References a, x: x never arrives)
 */
static const struct tmsg discussion[] = {
	{ "a", { NULL }, NULL, "Funding flows", 0, NULL },
	{ "b", { "a" }, "a", "Re: Funding flows", 1, NULL },
	{ "c", { "a", "b" }, "b", "Re: Funding flows", 2, NULL },
	{ "d", { "a", "b" }, "b", "Re: Re: Funding flows", 3, NULL },
	{ "e", { NULL }, "a", "RE: Funding flows", 4, NULL },
	{ "f", { "a", "x" }, "x", "Re: Funding flows", 5, NULL },
	{ "g", { NULL }, NULL, "Another matter", 6, NULL },
	{ "h", { "y", "g" }, "g", "Re: Another matter", 7, NULL },
};
static const char discussion_want[] =
    "a>-@0#a b>a@1#a c>b@2#a d>b@2#a e>a@1#a f>a@1#a g>-@0#g h>g@1#g ";

static int
next_permutation(size_t *p, size_t n)
{
	size_t i = n - 1, j;

	while (i > 0 && p[i - 1] >= p[i])
		i--;
	if (i == 0)
		return 0;
	j = n - 1;
	while (p[j] <= p[i - 1])
		j--;
	size_t t = p[i - 1];
	p[i - 1] = p[j];
	p[j] = t;
	for (j = n - 1; i < j; i++, j--) {
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return 1;
}

/* Every order of the first six messages (720 rounds), then a fixed
 * pseudo-random sample of orders of all eight. */
Test(thread_store, every_order_same_tree, .init = db_open, .fini = db_close,
    .timeout = 120)
{
	size_t perm[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct buf got;
	int round = 0;
	const size_t n6 = 6, n8 = 8;
	unsigned seed = 12345;

	buf_init(&got, 1 << 16);
	cr_assert_eq(store_exec(db, "PRAGMA synchronous = OFF"), 0);
	do {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "r%d.", round++);
		use_guess = round % 2;
		for (size_t i = 0; i < n6; i++)
			add(&discussion[perm[i]], prefix, (int)i);
		tree(discussion, n6, prefix, &got);
		cr_assert_str_eq(got.data, "a>-@0#a b>a@1#a c>b@2#a d>b@2#a e>a@1#a f>a@1#a ",
		    "order %zu%zu%zu%zu%zu%zu: got %s", perm[0], perm[1], perm[2],
		    perm[3], perm[4], perm[5], got.data);
		check_counts(discussion, n6, prefix);
	} while (next_permutation(perm, n6));

	for (int r = 0; r < 300; r++) {
		char prefix[32];

		for (size_t i = 0; i < n8; i++)
			perm[i] = i;
		for (size_t i = n8 - 1; i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			size_t j = (seed >> 16) % (i + 1), t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		snprintf(prefix, sizeof(prefix), "s%d.", r);
		use_guess = r % 2;
		for (size_t i = 0; i < n8; i++)
			add(&discussion[perm[i]], prefix, (int)i);
		tree(discussion, n8, prefix, &got);
		cr_assert_str_eq(got.data, discussion_want, "round %d: got %s", r, got.data);
		check_counts(discussion, n8, prefix);
	}
	buf_release(&got);
}

/* A late parent adopts orphans that had started their own threads. */
Test(thread_store, late_parent_merges_threads, .init = db_open, .fini = db_close)
{
	static const struct tmsg m[] = {
		{ "c1", { "p" }, "p", "Re: Plans", 1, NULL },
		{ "c2", { "q" }, "q", "Re: Something else", 1, NULL },
		{ "q", { "p" }, "p", "Re: Plans", 0, NULL },
		{ "p", { NULL }, NULL, "Plans", 0, NULL },
	};
	struct buf got;
	int64_t t1, t2, t3, t4;
	struct store_thread t;

	buf_init(&got, 4096);
	t1 = add(&m[0], "", 0);
	t2 = add(&m[1], "", 1);
	cr_assert_neq(t1, t2, "unrelated orphans share a thread");
	t3 = add(&m[2], "", 2);     /* q joins p's placeholder thread, adopts c2 */
	cr_expect_eq(t3, t1, "got thread %lld, want the oldest %lld",
	    (long long)t3, (long long)t1);
	cr_expect_eq(store_thread_get(db, t2, &t), 0, "the emptied thread is still there");
	t4 = add(&m[3], "", 3);
	cr_expect_eq(t4, t1);
	tree(m, 4, "", &got);
	cr_expect_str_eq(got.data, "c1>p@1#c1 c2>q@2#c1 q>p@1#c1 p>-@0#c1 ",
	    "got %s", got.data);
	check_counts(m, 4, "");
	buf_release(&got);
}

/* References that loop (a refs b, b refs a) never make a cycle. */
Test(thread_store, reference_loop, .init = db_open, .fini = db_close)
{
	static const struct tmsg m[] = {
		{ "a", { "b" }, "b", "Loop", 0, NULL },
		{ "b", { "a" }, "a", "Loop", 1, NULL },
		{ "c", { "c", "a", "b", "a" }, NULL, "Loop", 2, NULL },
	};
	struct buf got;

	buf_init(&got, 4096);
	add(&m[0], "", 0);
	add(&m[1], "", 1);
	add(&m[2], "", 2);
	tree(m, 3, "", &got);
	/* a arrived first and hangs under b's placeholder; b's own claim
	 * (under a) would close the loop, so b stays a root. */
	cr_expect_str_eq(got.data, "a>b@1#a b>-@0#a c>b@1#a ", "got %s", got.data);
	check_counts(m, 3, "");
	buf_release(&got);
}

/* Subject fallback: only replies, same theme, within 30 days. */
Test(thread_store, subject_fallback, .init = db_open, .fini = db_close)
{
	static const struct tmsg m[] = {
		{ "root", { NULL }, NULL, "Budgets", 0, NULL },
		{ "r29", { NULL }, NULL, "Re: Budgets", 29, NULL },      /* glued */
		{ "plain", { NULL }, NULL, "Budgets", 30, NULL },        /* not a reply */
		{ "other", { NULL }, NULL, "Re: Budgets", 31, "land" },  /* other theme */
		{ "r61", { NULL }, NULL, "Re: Budgets", 61, NULL },      /* 31 days after r29 */
		{ "lost", { "gone" }, "gone", "Budgets", 62, NULL },     /* refs unknown: reply-like */
	};
	int64_t t[6];

	for (int i = 0; i < 6; i++)
		t[i] = add(&m[i], "", 0);
	cr_expect_eq(t[1], t[0], "29 days: got thread %lld, want %lld",
	    (long long)t[1], (long long)t[0]);
	cr_expect_neq(t[2], t[0], "a plain post with the same subject was glued");
	cr_expect_neq(t[3], t[0], "a reply in another theme was glued");
	cr_expect_neq(t[4], t[0], "31 days after the last post: glued");
	cr_expect_neq(t[4], t[2], "31 days: glued to the plain post's thread");
	cr_expect_eq(t[5], t[4], "unknown references: got %lld, want by subject %lld",
	    (long long)t[5], (long long)t[4]);
	{
		struct buf got;

		buf_init(&got, 4096);
		tree(m, 2, "", &got);
		cr_expect_str_eq(got.data, "root>-@0#root r29>root@1#root ",
		    "a reply glued by subject hangs under the root: got %s", got.data);
		buf_release(&got);
	}
}

/* The subject fallback does not depend on arrival order (issue 20: an
 * archive imported in file order and in date order gave different
 * threads): replies that name no parent, arriving before the post they
 * answer, are adopted by it when it comes, as they would have been glued
 * to it had it come first.  Every order of six messages gives the same
 * tree; on the code before this change 648 of the 720 orders did not. */
Test(thread_store, subject_fallback_every_order, .init = db_open, .fini = db_close,
    .timeout = 120)
{
	static const struct tmsg m[] = {
		{ "root", { NULL }, NULL, "Budgets", 0, NULL },
		{ "r1", { NULL }, NULL, "Re: Budgets", 1, NULL },       /* by subject */
		{ "r2", { NULL }, NULL, "RE: Budgets", 2, NULL },       /* by subject */
		{ "c", { "r1" }, "r1", "Re: Budgets", 3, NULL },        /* under r1 */
		{ "lost", { "gone" }, "gone", "Re: Budgets", 4, NULL }, /* parent never came */
		{ "other", { NULL }, NULL, "Another matter", 0, NULL },
	};
	static const char want[] =
	    "root>-@0#root r1>root@1#root r2>root@1#root c>r1@2#root lost>root@1#root "
	    "other>-@0#other ";
	size_t perm[6] = { 0, 1, 2, 3, 4, 5 };
	struct buf got;
	int round = 0, bad = 0;

	buf_init(&got, 1 << 16);
	cr_assert_eq(store_exec(db, "PRAGMA synchronous = OFF"), 0);
	do {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "o%d.", round++);
		use_guess = round % 2;
		for (size_t i = 0; i < 6; i++)
			add(&m[perm[i]], prefix, (int)i);
		tree(m, 6, prefix, &got);
		if (strcmp(got.data, want) != 0 && bad++ < 5)
			cr_log_error("order %zu%zu%zu%zu%zu%zu: got %s", perm[0], perm[1],
			    perm[2], perm[3], perm[4], perm[5], got.data);
		check_counts(m, 6, prefix);
	} while (next_permutation(perm, 6));
	cr_expect_eq(bad, 0, "%d of %d orders gave another tree", bad, round);
	buf_release(&got);
}
