/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ingest_batch - many messages in one transaction, nothing lost on failure
 *
 * Storing a message costs little next to committing it, so the fetch cycle
 * and import-mbox take messages in batches: one transaction for many
 * messages, each stored without a savepoint of its own (INGEST_BATCH; FTS5
 * flushes its index at every savepoint, which made batches several times
 * slower).  The protocol, in one place for both callers:
 *
 *   1. ingest_batch_add() begins the batch's transaction with its first
 *      message and stores each message in it, then calls the caller's
 *      stored() hook inside the same transaction (the fetch cycle raises
 *      its IMAP high-water mark there, so a message and the mark commit
 *      together).
 *   2. ingest_batch_commit() commits.  Then committed() hears of every
 *      message of the batch, in order, with its result.
 *   3. When a message fails in the batch (ingest says the transaction may
 *      hold part of it), its hook fails, or the commit fails, the whole
 *      transaction is rolled back and the batch's messages are done again
 *      one by one, each in a transaction of its own with a savepoint
 *      around the message (INGEST_SAVEPOINT): a bad message is then kept
 *      as failed with its reason and never undoes its neighbours.  A
 *      temporary failure (database busy or full) in that careful pass
 *      stops it: what was committed before it is reported to committed(),
 *      the rest is dropped and the call returns -1 (the caller leaves those
 *      messages where they came from, to be tried again).
 *
 * The batch keeps each message's raw bytes (borrowed, or owned with
 * own_raw) until it is committed, for the careful pass; a prepared message
 * (ingest_prepare, e.g. from a pipeline) is used once and freed: the
 * careful pass parses again.
 */
#ifndef BARAZA_INGEST_BATCH_H
#define BARAZA_INGEST_BATCH_H

#include <stddef.h>

#include "conf.h"
#include "ingest.h"
#include "store.h"

/* One message given to the batch. */
struct ingest_item {
	const char *raw;              /* borrowed, or owned when own_raw */
	size_t len;
	size_t full_size;             /* as in struct ingest_options */
	int own_raw;                  /* raw is xmalloc'd: the batch frees it */
	unsigned long tag;            /* the caller's: an IMAP UID, an mbox line */
	const char *origin;           /* "imap:INBOX:17:42" (copied) */
	struct ingest_prepared *p;    /* ingest_prepare of raw (taken), or NULL */
};

struct ingest_batch_hooks {
	/* inside the transaction, right after it->raw was stored (also in the
	 * careful pass): 0, or -1 to fail the message.  May be NULL. */
	int (*stored)(void *arg, const struct ingest_item *it,
	    const struct ingest_result *res);
	/* after a commit, once per committed message, in order (it->p is
	 * NULL then; raw is still valid).  May be NULL. */
	void (*committed)(void *arg, const struct ingest_item *it,
	    const struct ingest_result *res);
	void *arg;
};

struct ingest_batch;

/* ingest_batch_new - a batch for s and c (borrowed) with the options o
 * (copied; o->in_transaction is ignored) and the hooks h (copied, may be
 * NULL).  max_messages / max_bytes: ingest_batch_add commits by itself
 * once the batch holds that many messages or raw bytes (0: only
 * ingest_batch_commit does).  Never NULL. */
struct ingest_batch *ingest_batch_new(struct store *s, const struct conf *c,
    const struct ingest_options *o, const struct ingest_batch_hooks *h,
    size_t max_messages, size_t max_bytes);

/* ingest_batch_add - store it (taken over: raw when own_raw, and p) in
 * the open batch.  0, or -1 when the batch had to be done again one by one
 * and stopped at a temporary failure (see the top of this file); the open
 * batch is empty after -1. */
int ingest_batch_add(struct ingest_batch *b, struct ingest_item *it);

/* ingest_batch_commit - commit the open batch (nothing to do when it is
 * empty).  0, or -1 as ingest_batch_add. */
int ingest_batch_commit(struct ingest_batch *b);

/* ingest_batch_free - roll back what is not committed, free; *bp = NULL */
void ingest_batch_free(struct ingest_batch **bp);

#endif
