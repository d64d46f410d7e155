/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pipeline - ingest's first stage on a second thread
 *
 * Ingest has two stages: ingest_prepare() (ingest_prepare.h) parses and
 * routes a message without the database, ingest_store_prepared()
 * (ingest.h) does the rest on the database.  A pipeline runs a reader (e.g. mbox_next) and the first
 * stage on a worker thread and hands the prepared messages, in the order
 * the reader gave them, to the thread that stores them: on two cores both
 * stages work at once.
 *
 * Memory is bounded: at most max_items prepared messages, or max_bytes of
 * raw message bytes, wait in the queue (whichever comes first; one message
 * larger than max_bytes still passes, alone).  What the consumer holds is
 * its own business.
 *
 * The reader runs on the worker thread only, so it needs no locking of its
 * own; it must not touch the store.  If the worker cannot be started the
 * pipeline runs the reader and the first stage in pipeline_next(), on the
 * caller's thread: same results, one core.
 */
#ifndef BARAZA_PIPELINE_H
#define BARAZA_PIPELINE_H

#include <stddef.h>

#include "conf.h"
#include "ingest.h"

/* 256: a prepared message holds ~33 KB (its parse), so 8 MB; a longer
 * queue lets the worker run further ahead of a commit (import-mbox) */
#define PIPELINE_MAX_ITEMS 256
#define PIPELINE_MAX_BYTES (16u << 20)

struct pipeline;

/* One message through the pipeline.  The reader fills raw (xmalloc'd,
 * NUL-terminated after len bytes), len, full_size (as in struct
 * ingest_options: 0 when raw is whole) and tag (the reader's own, e.g. a
 * line number); the worker adds p.  borrowed = 1: raw is the reader's
 * (it must stay valid and unchanged until the pipeline is stopped) and is
 * not freed with the item. */
struct pipeline_item {
	char *raw;
	size_t len, full_size;
	unsigned long tag;
	int borrowed;
	struct ingest_prepared *p;
};

/* pipeline_read_fn - the next message into *it: 1, or 0 at the end, or -1
 * on a read error (errno set).  Called on the worker thread. */
typedef int (*pipeline_read_fn)(void *arg, struct pipeline_item *it);

/* pipeline_start - start the worker for conf c (borrowed, read-only; must
 * outlive the pipeline); max_items / max_bytes 0 for the defaults above.
 * threaded = 0 runs everything in pipeline_next() (tests, fallback).
 * Never NULL. */
struct pipeline *pipeline_start(const struct conf *c, pipeline_read_fn fn,
    void *arg, size_t max_items, size_t max_bytes, int threaded);

/* pipeline_next - the next prepared message, in reader order: 1 and *it
 * (the caller owns it now: pipeline_item_release), 0 at the end, -1 when
 * the reader failed (errno set as it left it).  After 0 or -1 every later
 * call returns the same. */
int pipeline_next(struct pipeline *pl, struct pipeline_item *it);

/* pipeline_item_release - free raw and p; the item is zeroed */
void pipeline_item_release(struct pipeline_item *it);

/* pipeline_stop - stop the worker (a reader call under way finishes
 * first), free whatever is queued and the pipeline; *pp = NULL */
void pipeline_stop(struct pipeline **pp);

/* pipeline_peak - the most items that were ever queued at once (tests) */
size_t pipeline_peak(struct pipeline *pl);

#endif
