/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ingest - the story of one inbound message
 *
 * ingest_message() parses, routes, threads, classifies and stores one raw
 * message in one transaction, together with every effect (outbox rows via
 * relay_enqueue_post, held record, bounce record, command answers).  Only
 * when it returns 0 may the caller mark the message in IMAP (imap.after):
 * then its effects are committed, or it was a duplicate already stored.
 * It returns -1 for temporary failures (database busy or full): the message
 * is left in the mailbox and fetched again next cycle.  Bad input is never a
 * failure: it is stored as state 'failed' with a reason, and returns 0.
 */
#ifndef BARAZA_INGEST_H
#define BARAZA_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ingest_prepare.h"
#include "store.h"

struct classifier;

struct ingest_result {
	int duplicate;        /* already stored: nothing done */
	const char *route;    /* static string: "post", "command", ... */
	int64_t message;      /* messages.id */
	int64_t post;         /* posts.id, 0 when not a post */
	int held;             /* the post was held for moderation */
	/* messages.state written: "stored", "failed", "ignored", "pending"
	 * (static; NULL for a duplicate) */
	const char *state;
	int failed;           /* state is "failed" (kept with its reason) */
	/* why a message that is no post was not one (route_result's static
	 * reason: "no usable sender", ...), else NULL */
	const char *skipped;
	/* a post of an imported archive that live mail would not have
	 * relayed (an auto-reply, a loop ...): the rule it was kept against */
	const char *marked;
};

#define INGEST_OWN_TXN 0
#define INGEST_SAVEPOINT 1
#define INGEST_BATCH 2

/* How one message is taken in; ingest_message() uses the defaults
 * (relay as given, nothing forced, its own transaction). */
struct ingest_options {
	int relay;            /* 0: store without queueing deliveries */
	const char *theme;    /* force this theme slug (import-mbox --theme), or NULL */
	/* INGEST_OWN_TXN: the message gets its own transaction.
	 * INGEST_SAVEPOINT: the caller holds a transaction (store_begin) and
	 * commits it; the message is done inside a savepoint, so a failure
	 * undoes only its own work.
	 * INGEST_BATCH: the caller holds a transaction and nothing more is
	 * opened (FTS5 flushes its index at every savepoint: batches without
	 * them import several times faster).  A -1 then means the caller's
	 * transaction holds part of this message: roll it back and do the
	 * batch's messages again one by one (INGEST_OWN_TXN). */
	int in_transaction;
	/* 1: no moderation (posts of an archive were moderated where they
	 * came from; holding them would mail every facilitator) */
	int no_moderation;
	/* 1: the Date: header is the arrival time when it is plausible (not
	 * after now): imported archives keep their sessions and threads */
	int date_as_received;
	/* 1: an archive being imported: every message that can be a post is
	 * one (ingest_prepare_as_post), nobody is answered */
	int archive;
	/* the message's real size when raw holds only its first len bytes
	 * (a reader cut it at its cap): it is recorded as oversize */
	size_t full_size;
	/* a classifier made once for c (classify_new), or NULL: one is made
	 * for this message (compiling the keyword patterns each time) */
	struct classifier *classifier;
};

/* ingest_message - raw/len borrowed; origin e.g. "imap:INBOX:17:42";
 * relay = 0 stores without queueing deliveries (import-mbox --no-relay) */
int ingest_message(struct store *s, const struct conf *c, const char *raw,
    size_t len, const char *origin, int relay, struct ingest_result *res);

/* ingest_message_opts - ingest_message() with options (o may be NULL for
 * the defaults with relay = 1).  Same return values. */
int ingest_message_opts(struct store *s, const struct conf *c, const char *raw,
    size_t len, const char *origin, const struct ingest_options *o,
    struct ingest_result *res);

/* ---- in stages ---------------------------------------------------------
 *
 * ingest_message_opts() is ingest_prepare() (ingest_prepare.h: no
 * database) then ingest_store_prepared() on one thread; a pipeline
 * (pipeline.h) runs the first stage on a second thread while this one
 * stores.  The store stage takes its decisions with ingest_decide()
 * (ingest_decide.h: read only, the same function `baraza inspect` asks)
 * and then writes them. */

/* ingest_store_prepared - the second stage: everything that needs the
 * database, exactly as ingest_message_opts() (same return values; o's
 * full_size is ignored: ingest_prepare was given it).  p stays the
 * caller's and may be stored again (e.g. when a batch is redone). */
int ingest_store_prepared(struct store *s, const struct conf *c,
    struct ingest_prepared *p, const char *origin,
    const struct ingest_options *o, struct ingest_result *res);

#endif
