/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ingest_batch - many messages in one transaction (see ingest_batch.h) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ingest_batch.h"
#include "log.h"
#include "xalloc.h"

/* One message of the open batch. */
struct kept {
	struct ingest_item it;        /* origin owned; raw owned when own_raw */
	struct ingest_result res;
};

struct ingest_batch {
	struct store *s;
	const struct conf *c;
	struct ingest_options o;
	struct ingest_batch_hooks h;
	size_t max_messages, max_bytes;
	struct kept *k;
	size_t n, alloc, bytes;
	int in_txn;
};

/* ingest_batch_new - see ingest_batch.h */
struct ingest_batch *
ingest_batch_new(struct store *s, const struct conf *c,
    const struct ingest_options *o, const struct ingest_batch_hooks *h,
    size_t max_messages, size_t max_bytes)
{
	struct ingest_batch *b = xcalloc(1, sizeof(*b));

	b->s = s;
	b->c = c;
	if (o != NULL)
		b->o = *o;
	else
		b->o.relay = 1;
	if (h != NULL)
		b->h = *h;
	b->max_messages = max_messages;
	b->max_bytes = max_bytes;
	return b;
}

/* clear - forget the batch's messages (after a commit or a rollback) */
static void
clear(struct ingest_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct ingest_item *it = &b->k[i].it;

		if (it->own_raw)
			free((char *)it->raw);
		free((char *)it->origin);
		ingest_prepared_free(&it->p);
	}
	b->n = b->bytes = 0;
}

/* report - the committed hook for the first n kept messages */
static void
report(struct ingest_batch *b, size_t n)
{
	if (b->h.committed == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		b->h.committed(b->h.arg, &b->k[i].it, &b->k[i].res);
}

/* careful - roll the batch back and do its messages again, one
 * transaction each; 0, or -1 at the first temporary failure (what was
 * committed before it is reported, the rest dropped) */
static int
careful(struct ingest_batch *b)
{
	struct ingest_options o = b->o;
	size_t i;
	int stopped;

	if (b->in_txn)
		store_rollback(b->s);
	b->in_txn = 0;
	o.in_transaction = INGEST_SAVEPOINT;
	for (i = 0; i < b->n; i++) {
		struct kept *k = &b->k[i];

		ingest_prepared_free(&k->it.p);
		o.full_size = k->it.full_size;
		if (store_begin(b->s) < 0)
			break;
		if (ingest_message_opts(b->s, b->c, k->it.raw, k->it.len,
		    k->it.origin, &o, &k->res) < 0 ||
		    (b->h.stored != NULL &&
		    b->h.stored(b->h.arg, &k->it, &k->res) < 0) ||
		    store_commit(b->s) < 0) {
			store_rollback(b->s);
			break;
		}
	}
	report(b, i);
	stopped = i < b->n;
	if (stopped)
		log_warnx("%s: stopped at a temporary failure (database: %s); "
		    "%zu message%s left for the next attempt", b->k[i].it.origin,
		    store_errmsg(b->s), b->n - i, b->n - i == 1 ? "" : "s");
	clear(b);
	return stopped ? -1 : 0;
}

/* ingest_batch_add - see ingest_batch.h */
int
ingest_batch_add(struct ingest_batch *b, struct ingest_item *it)
{
	struct ingest_options o = b->o;
	struct kept *k;
	int rc;

	if (b->n == b->alloc) {
		b->alloc = b->alloc ? b->alloc * 2 : 64;
		b->k = xreallocarray(b->k, b->alloc, sizeof(*b->k));
	}
	k = &b->k[b->n++];
	memset(k, 0, sizeof(*k));
	k->it = *it;
	k->it.origin = xstrdup(it->origin ? it->origin : "");
	it->p = NULL;
	it->own_raw = 0;
	b->bytes += it->len;
	if (!b->in_txn) {
		if (store_begin(b->s) < 0)
			return careful(b);
		b->in_txn = 1;
	}
	o.in_transaction = INGEST_BATCH;
	o.full_size = k->it.full_size;
	if (k->it.p != NULL)
		rc = ingest_store_prepared(b->s, b->c, k->it.p, k->it.origin, &o,
		    &k->res);
	else
		rc = ingest_message_opts(b->s, b->c, k->it.raw, k->it.len,
		    k->it.origin, &o, &k->res);
	/* The parse is not kept for a careful pass: a batch may hold many
	 * megabytes of messages already; that pass parses again. */
	ingest_prepared_free(&k->it.p);
	if (rc < 0 || (b->h.stored != NULL &&
	    b->h.stored(b->h.arg, &k->it, &k->res) < 0))
		return careful(b);
	if ((b->max_messages && b->n >= b->max_messages) ||
	    (b->max_bytes && b->bytes >= b->max_bytes))
		return ingest_batch_commit(b);
	return 0;
}

/* ingest_batch_commit - see ingest_batch.h */
int
ingest_batch_commit(struct ingest_batch *b)
{
	if (!b->in_txn) {
		clear(b);
		return 0;
	}
	b->in_txn = 0;
	if (store_commit(b->s) < 0) {
		log_info("a batch of %zu messages could not be committed (%s); "
		    "doing them one by one", b->n, store_errmsg(b->s));
		return careful(b);
	}
	report(b, b->n);
	clear(b);
	return 0;
}

/* ingest_batch_free - see ingest_batch.h */
void
ingest_batch_free(struct ingest_batch **bp)
{
	struct ingest_batch *b = *bp;

	if (b == NULL)
		return;
	if (b->in_txn)
		store_rollback(b->s);
	clear(b);
	free(b->k);
	free(b);
	*bp = NULL;
}
