/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_pipeline - ingest's first stage on a second thread: order, the
 * bounded queue, a reader failing part-way, stopping early, and a batch
 * whose prepared messages are stored again after a rollback (the redo), and
 * ingest_batch.h: one transaction, the careful pass after a failure */
#include "config.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ingest.h"
#include "ingest_batch.h"
#include "pipeline.h"
#include "store.h"
#include "tutil.h"
#include "xalloc.h"

static char dir[64];
static struct conf *conf;

static void
setup(void)
{
	char pw[512], text[2048];

	tutil_scratch_dir(dir, sizeof(dir), "pipeline");
	tutil_set_now("2020-11-20T10:00:00Z");
	snprintf(pw, sizeof(pw), "%s/imap.pass", dir);
	tutil_write_file(pw, "secret\n", 0600);
	snprintf(text, sizeof(text),
	    "[list]\nname = CoP\naddress = cop@example.org\n"
	    "database = %s/db.sqlite\nmoderate = none\n"
	    "[imap]\nurl = imap://127.0.0.1:1/INBOX\nuser = cop\npassword_file = %s\n"
	    "[smtp]\nurl = smtp://127.0.0.1:2\n", dir, pw);
	conf = tutil_conf_load(dir, text);
}

static void
teardown(void)
{
	conf_free(&conf);
	tutil_rmtree(dir);
}

TestSuite(pipeline, .init = setup, .fini = teardown);

/* A reader of n generated messages; fail_at > 0: the read of message
 * fail_at fails with EIO; pad: bytes of body per message. */
struct gen {
	unsigned n, next, fail_at;
	size_t pad;
};

static char *
gen_message(unsigned i, size_t pad, size_t *len)
{
	char *body = xmalloc(pad + 1), *m;

	memset(body, 'x', pad);
	body[pad] = '\0';
	m = xasprintf("From: a%u@example.org\r\nTo: cop@example.org\r\n"
	    "Subject: message %u\r\nMessage-ID: <m%u@example.org>\r\n"
	    "Date: Wed, 18 Nov 2020 10:00:00 +0000\r\n\r\n%s\r\n", i % 7, i, i, body);
	free(body);
	*len = strlen(m);
	return m;
}

static int
gen_read(void *arg, struct pipeline_item *it)
{
	struct gen *g = arg;

	if (g->fail_at && g->next + 1 == g->fail_at) {
		errno = EIO;
		return -1;
	}
	if (g->next >= g->n)
		return 0;
	it->raw = gen_message(g->next, g->pad, &it->len);
	it->tag = g->next++;
	return 1;
}

/* drain - every item in order; the count, and the last rc in *rc */
static unsigned
drain(struct pipeline *pl, int *rc)
{
	struct pipeline_item it;
	unsigned got = 0;
	char want[64];

	while ((*rc = pipeline_next(pl, &it)) == 1) {
		snprintf(want, sizeof(want), "m%u@example.org", got);
		cr_assert_eq(it.tag, got, "item %u: got tag %lu, want %u", got,
		    it.tag, got);
		cr_assert_not_null(it.p, "item %u not prepared", got);
		cr_assert_str_eq(ingest_prepared_mid(it.p), want,
		    "item %u: got mid %s, want %s", got, ingest_prepared_mid(it.p), want);
		pipeline_item_release(&it);
		got++;
	}
	return got;
}

static const struct {
	const char *name;
	unsigned n;
	size_t items, bytes, pad;
	int threaded;
	size_t want_peak_max;
} order_cases[] = {
	{ "threaded, default limits", 300, 0, 0, 10, 1, PIPELINE_MAX_ITEMS },
	{ "threaded, 4 slots", 300, 4, 0, 10, 1, 4 },
	{ "threaded, one slot", 100, 1, 0, 10, 1, 1 },
	/* ~1 KB messages, 2.5 KB of bytes: at most 3 wait (the third goes
	 * in while 2 KB < 2.5 KB) */
	{ "threaded, byte cap", 200, 64, 2500, 1000, 1, 3 },
	/* one message above the byte cap still passes, alone */
	{ "threaded, messages over the byte cap", 50, 64, 100, 1000, 1, 1 },
	{ "on the caller's thread", 100, 4, 0, 10, 0, 0 },
};

Test(pipeline, order_and_bounds)
{
	for (size_t i = 0; i < sizeof(order_cases) / sizeof(order_cases[0]); i++) {
		struct gen g = { .n = order_cases[i].n, .pad = order_cases[i].pad };
		struct pipeline *pl = pipeline_start(conf, gen_read, &g,
		    order_cases[i].items, order_cases[i].bytes, order_cases[i].threaded);
		unsigned got;
		size_t peak;
		int rc;

		got = drain(pl, &rc);
		cr_assert_eq(rc, 0, "%s: got rc %d at the end, want 0", order_cases[i].name, rc);
		cr_assert_eq(got, order_cases[i].n, "%s: got %u items, want %u",
		    order_cases[i].name, got, order_cases[i].n);
		cr_assert_eq(pipeline_next(pl, &(struct pipeline_item){ 0 }), 0,
		    "%s: a call after the end must say 0 again", order_cases[i].name);
		peak = pipeline_peak(pl);
		cr_assert_leq(peak, order_cases[i].want_peak_max,
		    "%s: got %zu queued at once, want at most %zu",
		    order_cases[i].name, peak, order_cases[i].want_peak_max);
		pipeline_stop(&pl);
		cr_assert_null(pl);
	}
}

Test(pipeline, reader_error_part_way)
{
	for (int threaded = 0; threaded <= 1; threaded++) {
		struct gen g = { .n = 100, .fail_at = 40, .pad = 10 };
		struct pipeline *pl = pipeline_start(conf, gen_read, &g, 8, 0, threaded);
		unsigned got;
		int rc;

		got = drain(pl, &rc);
		cr_assert_eq(got, 39, "threaded %d: got %u items before the error, want 39",
		    threaded, got);
		cr_assert_eq(rc, -1, "threaded %d: got rc %d, want -1", threaded, rc);
		cr_assert_eq(errno, EIO, "threaded %d: got errno %d, want EIO", threaded, errno);
		cr_assert_eq(pipeline_next(pl, &(struct pipeline_item){ 0 }), -1,
		    "threaded %d: the error must stay", threaded);
		pipeline_stop(&pl);
	}
}

Test(pipeline, stop_early)
{
	/* The consumer stops after a few items while the worker waits on a
	 * full queue (and, the second time, before taking anything): no hang,
	 * and what is queued is freed (ASan would say). */
	for (unsigned take = 0; take <= 5; take += 5) {
		struct gen g = { .n = 1000000, .pad = 10 };
		struct pipeline *pl = pipeline_start(conf, gen_read, &g, 4, 0, 1);
		struct pipeline_item it;

		for (unsigned i = 0; i < take; i++) {
			cr_assert_eq(pipeline_next(pl, &it), 1);
			pipeline_item_release(&it);
		}
		usleep(20000);
		pipeline_stop(&pl);
		cr_assert_null(pl);
		cr_assert_leq(g.next, take + 5, "read %u messages for %u taken: "
		    "the queue is not bounded", g.next, take);
	}
}

Test(pipeline, batch_redo_stores_the_same)
{
	/* Prepared messages stored in one transaction that is then rolled back
	 * (as import-mbox and imap.c do when a batch fails) are stored again
	 * one by one from the same prepared messages: the same rows. */
	struct ingest_options o = { .relay = 0, .no_moderation = 1,
	    .date_as_received = 1, .in_transaction = INGEST_BATCH };
	struct ingest_prepared *p[6];
	struct ingest_result res[6], again[6];
	struct store *s;
	char *raw[6];
	size_t len;

	s = tutil_store_new(conf->list.database);
	for (unsigned i = 0; i < 6; i++) {
		raw[i] = gen_message(i, 20, &len);
		p[i] = ingest_prepare(conf, NULL, raw[i], len, 0);
	}
	cr_assert_eq(store_begin(s), 0);
	for (unsigned i = 0; i < 6; i++)
		cr_assert_eq(ingest_store_prepared(s, conf, p[i], "test", &o, &res[i]), 0,
		    "message %u in the batch", i);
	store_rollback(s);
	o.in_transaction = INGEST_OWN_TXN;
	for (unsigned i = 0; i < 6; i++) {
		cr_assert_eq(ingest_store_prepared(s, conf, p[i], "test", &o, &again[i]), 0,
		    "message %u again", i);
		cr_assert_eq(again[i].duplicate, 0, "message %u: a duplicate after the "
		    "rollback", i);
		cr_assert_eq(again[i].post, res[i].post, "message %u: got post %lld, "
		    "want %lld", i, (long long)again[i].post, (long long)res[i].post);
		cr_assert_str_eq(again[i].state, res[i].state);
		cr_assert_str_eq(again[i].route, "post", "message %u: got route %s", i,
		    again[i].route);
	}
	/* and once more: all duplicates */
	for (unsigned i = 0; i < 6; i++) {
		cr_assert_eq(ingest_store_prepared(s, conf, p[i], "test", &o, &again[i]), 0);
		cr_assert_eq(again[i].duplicate, 1, "message %u: got no duplicate", i);
	}
	for (unsigned i = 0; i < 6; i++) {
		ingest_prepared_free(&p[i]);
		cr_assert_null(p[i]);
		free(raw[i]);
	}
	store_close(&s);
}

/* ---- ingest_batch: many messages, one transaction ---------------------- */

/* What the hooks saw.  fail_at (1-based, 0: never): the stored hook fails
 * for that message; fail_times: that many times (then it works). */
struct hooks_seen {
	struct store *s;
	unsigned stored, committed;
	unsigned long order[64];      /* tags in committed order */
	unsigned long fail_at;
	unsigned fail_times;
};

static int
t_stored(void *arg, const struct ingest_item *it, const struct ingest_result *res)
{
	struct hooks_seen *h = arg;

	cr_assert_not_null(res->state, "stored: message %lu has no state", it->tag);
	h->stored++;
	if (h->fail_at && it->tag + 1 == h->fail_at && h->fail_times > 0) {
		h->fail_times--;
		/* work of the failed pass that the rollback must undo */
		cr_assert_eq(store_meta_set(h->s, "test_pipeline", "spoilt"), 0);
		return -1;
	}
	return 0;
}

static void
t_committed(void *arg, const struct ingest_item *it, const struct ingest_result *res)
{
	struct hooks_seen *h = arg;

	cr_assert_lt(h->committed, 64);
	h->order[h->committed++] = it->tag;
	cr_assert_eq(res->duplicate, 0, "message %lu: a duplicate", it->tag);
}

/* add_n - n generated messages (tags 0..n-1, owned raw) to the batch; the
 * first rc that is not 0, or 0 */
static int
add_n(struct ingest_batch *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct ingest_item it = { 0 };
		size_t len;
		int rc;

		it.raw = gen_message(i, 20, &len);
		it.len = len;
		it.own_raw = 1;
		it.tag = i;
		it.origin = "test";
		if (i % 2 == 0)     /* some prepared beforehand, some not */
			it.p = ingest_prepare(conf, NULL, it.raw, it.len, 0);
		if ((rc = ingest_batch_add(b, &it)) != 0)
			return rc;
		cr_assert_null(it.p, "the batch did not take the prepared message");
	}
	return 0;
}

static const struct {
	const char *name;
	unsigned n;
	size_t max_messages;
	unsigned long fail_at;
	unsigned fail_times;
	int want_rc;
	unsigned want_committed;      /* a prefix, in order */
	unsigned want_stored;         /* stored-hook calls */
} batch_cases[] = {
	{ "one transaction", 6, 0, 0, 0, 0, 6, 6 },
	{ "commits every 4", 10, 4, 0, 0, 0, 10, 10 },
	/* message 3 fails once in the batch: the batch is rolled back and
	 * done again one by one (3 + 6 hook calls), everything commits */
	{ "a failure redoes the batch", 6, 0, 3, 1, 0, 6, 9 },
	/* it fails in the careful pass too: the two before it commit, the
	 * rest is dropped and the call says -1 */
	{ "a lasting failure stops there", 6, 0, 3, 2, -1, 2, 6 },
};

Test(pipeline, ingest_batch_table)
{
	for (size_t i = 0; i < sizeof(batch_cases) / sizeof(batch_cases[0]); i++) {
		struct ingest_options o = { .relay = 0, .no_moderation = 1,
		    .date_as_received = 1 };
		struct hooks_seen h = { .fail_at = batch_cases[i].fail_at,
		    .fail_times = batch_cases[i].fail_times };
		struct ingest_batch_hooks hk = { t_stored, t_committed, &h };
		struct ingest_batch *b;
		char path[600], *v = NULL;
		int rc;

		snprintf(path, sizeof(path), "rm -f '%s' '%s-wal' '%s-shm'",
		    conf->list.database, conf->list.database, conf->list.database);
		cr_assert_eq(system(path), 0);
		h.s = tutil_store_new(conf->list.database);
		b = ingest_batch_new(h.s, conf, &o, &hk, batch_cases[i].max_messages, 0);
		rc = add_n(b, batch_cases[i].n);
		if (rc == 0)
			rc = ingest_batch_commit(b);
		cr_expect_eq(rc, batch_cases[i].want_rc, "%s: got rc %d, want %d",
		    batch_cases[i].name, rc, batch_cases[i].want_rc);
		cr_expect_eq(h.committed, batch_cases[i].want_committed,
		    "%s: %u committed, want %u", batch_cases[i].name, h.committed,
		    batch_cases[i].want_committed);
		cr_expect_eq(h.stored, batch_cases[i].want_stored,
		    "%s: stored hook called %u times, want %u", batch_cases[i].name,
		    h.stored, batch_cases[i].want_stored);
		for (unsigned k = 0; k < h.committed; k++)
			cr_expect_eq(h.order[k], k, "%s: committed #%u is message %lu",
			    batch_cases[i].name, k, h.order[k]);
		cr_expect_eq(store_meta_get(h.s, "test_pipeline", &v), 0,
		    "%s: the failed pass's write survived (%s)", batch_cases[i].name,
		    v ? v : "?");
		free(v);
		ingest_batch_free(&b);
		cr_assert_null(b);
		/* what was committed is there, once: ingesting it again finds
		 * duplicates only, the rest is new */
		for (unsigned k = 0; k < batch_cases[i].n; k++) {
			struct ingest_result res;
			size_t len;
			char *raw = gen_message(k, 20, &len);

			cr_assert_eq(ingest_message(h.s, conf, raw, len, "test", 0, &res), 0);
			cr_expect_eq(res.duplicate, k < h.committed ? 1 : 0,
			    "%s: message %u: duplicate %d", batch_cases[i].name, k,
			    res.duplicate);
			free(raw);
		}
		store_close(&h.s);
	}
}
