/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pipeline - ingest's first stage on a second thread (see pipeline.h)
 *
 * One worker, one consumer, a ring of max_items slots under one mutex:
 * the worker waits on not_full, the consumer on not_empty.  The reader and
 * ingest_prepare() run outside the lock, so the two threads only meet to
 * move an item.  The worker stops at the reader's end or error (recorded
 * in done/err/err_no for pipeline_next), or when pipeline_stop() asks.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "ingest.h"
#include "pipeline.h"
#include "store_zip.h"
#include "xalloc.h"

struct pipeline {
	const struct conf *c;
	struct classifier *cl;        /* the first stage's own (PCRE2 match data) */
	struct store_zip *zip;        /* its own: stored forms made here */
	pipeline_read_fn fn;
	void *arg;
	size_t max_items, max_bytes;

	pthread_mutex_t mu;
	pthread_cond_t not_full, not_empty;
	pthread_t worker;
	int threaded;                 /* the worker runs (join it) */

	/* under mu */
	struct pipeline_item *ring;   /* max_items slots */
	size_t head, count, bytes, peak;
	int worker_waits;             /* the worker waits for half_empty() */
	int done;                     /* the reader said 0 or -1 */
	int err, err_no;              /* it said -1, with this errno */
	int stop;                     /* pipeline_stop() asks the worker to end */
};

/* produce - one message from the reader, prepared; 1, 0 or -1 as the
 * reader said */
static int
produce(struct pipeline *pl, struct pipeline_item *it, int *err_no)
{
	int rc;

	memset(it, 0, sizeof(*it));
	errno = 0;
	rc = pl->fn(pl->arg, it);
	if (rc != 1) {
		*err_no = errno;
		pipeline_item_release(it);
		return rc < 0 ? -1 : 0;
	}
	it->p = ingest_prepare(pl->c, pl->cl, it->raw, it->len, it->full_size);
	ingest_prepare_pack(it->p, pl->zip);
	return 1;
}

/* full - the queue takes no more (one item always fits) */
static int
full(const struct pipeline *pl)
{
	return pl->count >= pl->max_items ||
	    (pl->count > 0 && pl->bytes >= pl->max_bytes);
}

/* half_empty - the worker, once stopped by full(), goes on */
static int
half_empty(const struct pipeline *pl)
{
	return pl->count <= pl->max_items / 2 &&
	    (pl->count == 0 || pl->bytes <= pl->max_bytes / 2);
}

static void *
worker(void *arg)
{
	struct pipeline *pl = arg;
	struct pipeline_item it;
	int rc, err_no = 0;

	for (;;) {
		pthread_mutex_lock(&pl->mu);
		if (full(pl)) {
			/* Wait until the queue is half empty, not for one free
			 * slot: a wake-up per message would cost both threads a
			 * futex call and a context switch. */
			pl->worker_waits = 1;
			while (!pl->stop && !half_empty(pl))
				pthread_cond_wait(&pl->not_full, &pl->mu);
			pl->worker_waits = 0;
		}
		if (pl->stop) {
			pthread_mutex_unlock(&pl->mu);
			return NULL;
		}
		pthread_mutex_unlock(&pl->mu);

		rc = produce(pl, &it, &err_no);

		pthread_mutex_lock(&pl->mu);
		if (rc == 1) {
			pl->ring[(pl->head + pl->count) % pl->max_items] = it;
			pl->count++;
			pl->bytes += it.len;
			if (pl->count > pl->peak)
				pl->peak = pl->count;
		} else {
			pl->done = 1;
			pl->err = rc < 0;
			pl->err_no = err_no;
		}
		pthread_cond_signal(&pl->not_empty);
		pthread_mutex_unlock(&pl->mu);
		if (rc != 1)
			return NULL;
	}
}

/* pipeline_start - see pipeline.h */
struct pipeline *
pipeline_start(const struct conf *c, pipeline_read_fn fn, void *arg,
    size_t max_items, size_t max_bytes, int threaded)
{
	struct pipeline *pl = xcalloc(1, sizeof(*pl));

	pl->c = c;
	pl->cl = classify_new(c);
	pl->zip = store_zip_new();   /* NULL: the store makes them */
	pl->fn = fn;
	pl->arg = arg;
	pl->max_items = max_items ? max_items : PIPELINE_MAX_ITEMS;
	pl->max_bytes = max_bytes ? max_bytes : PIPELINE_MAX_BYTES;
	pl->ring = xcalloc(pl->max_items, sizeof(*pl->ring));
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->not_full, NULL);
	pthread_cond_init(&pl->not_empty, NULL);
	if (threaded && pthread_create(&pl->worker, NULL, worker, pl) == 0)
		pl->threaded = 1;
	return pl;
}

/* pipeline_next - see pipeline.h */
int
pipeline_next(struct pipeline *pl, struct pipeline_item *it)
{
	int rc;

	memset(it, 0, sizeof(*it));
	if (!pl->threaded) {
		int err_no = 0;

		if (pl->done) {
			errno = pl->err_no;
			return pl->err ? -1 : 0;
		}
		if ((rc = produce(pl, it, &err_no)) != 1) {
			pl->done = 1;
			pl->err = rc < 0;
			pl->err_no = err_no;
			errno = err_no;
		}
		return rc;
	}
	pthread_mutex_lock(&pl->mu);
	while (pl->count == 0 && !pl->done)
		pthread_cond_wait(&pl->not_empty, &pl->mu);
	if (pl->count > 0) {
		*it = pl->ring[pl->head];
		memset(&pl->ring[pl->head], 0, sizeof(pl->ring[pl->head]));
		pl->head = (pl->head + 1) % pl->max_items;
		pl->count--;
		pl->bytes -= it->len;
		if (pl->worker_waits && half_empty(pl))
			pthread_cond_signal(&pl->not_full);
		rc = 1;
	} else {
		rc = pl->err ? -1 : 0;
		errno = pl->err_no;
	}
	pthread_mutex_unlock(&pl->mu);
	return rc;
}

/* pipeline_item_release - see pipeline.h */
void
pipeline_item_release(struct pipeline_item *it)
{
	ingest_prepared_free(&it->p);
	if (!it->borrowed)
		free(it->raw);
	memset(it, 0, sizeof(*it));
}

/* pipeline_stop - see pipeline.h */
void
pipeline_stop(struct pipeline **pp)
{
	struct pipeline *pl = *pp;

	if (pl == NULL)
		return;
	if (pl->threaded) {
		pthread_mutex_lock(&pl->mu);
		pl->stop = 1;
		pthread_cond_broadcast(&pl->not_full);
		pthread_mutex_unlock(&pl->mu);
		pthread_join(pl->worker, NULL);
	}
	while (pl->count > 0) {
		pipeline_item_release(&pl->ring[pl->head]);
		pl->head = (pl->head + 1) % pl->max_items;
		pl->count--;
	}
	pthread_cond_destroy(&pl->not_empty);
	pthread_cond_destroy(&pl->not_full);
	pthread_mutex_destroy(&pl->mu);
	classify_free(&pl->cl);
	store_zip_free(&pl->zip);
	free(pl->ring);
	free(pl);
	*pp = NULL;
}

/* pipeline_peak - see pipeline.h */
size_t
pipeline_peak(struct pipeline *pl)
{
	size_t n;

	pthread_mutex_lock(&pl->mu);
	n = pl->peak;
	pthread_mutex_unlock(&pl->mu);
	return n;
}
