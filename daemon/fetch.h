/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fetch - one fetch cycle: the mailbox, through ingest, into the store
 *
 * fetch_run() ties three layers together, in this order, for every
 * message above the stored high-water UID (store_imap.h):
 *
 *   1. imap_plan() lists the new UIDs and their sizes; they are fetched
 *      in batches of at most FETCH_BATCH_MESSAGES messages and
 *      FETCH_BATCH_BYTES bytes (an oversized message alone, partially);
 *   2. each batch goes through ingest_batch.h in ONE transaction, the
 *      high-water mark raised with each message inside it, so a message's
 *      effects and the mark commit together; with prepare_threaded the
 *      messages are parsed on a second thread (pipeline.h) while earlier
 *      ones are stored;
 *   3. only committed messages are marked per imap.after (imap_mark):
 *      when a cycle has more than one batch, by a thread on a second
 *      connection (imap_mover.h), so batch k is moved while batch k + 1 is
 *      fetched and stored; fetch_run() (or, when the caller asks to run
 *      its jobs meanwhile, fetch_finish()) waits for it and marks on its
 *      own connection what the mover could not, so every cycle ends with
 *      its committed messages marked.
 *
 * A crash loses nothing: an uncommitted message is fetched again (and
 * ingest's Message-ID dedupe would make even a second pass harmless); a
 * committed but unmarked one is found by imap_sweep() at the start of the
 * next cycle.  When the mailbox's UIDVALIDITY differs from the stored one
 * the mark is reset to 0 and the mailbox rescanned (logged).
 */
#ifndef BARAZA_FETCH_H
#define BARAZA_FETCH_H

#include <signal.h>

#include "conf.h"
#include "imap.h"
#include "store.h"

struct classifier;

#define FETCH_BATCH_MESSAGES 500         /* messages per UID FETCH */
/* bytes per UID FETCH (sum of sizes).  Each parsed message holds up to
 * 1 MB of text beside its raw bytes until its batch commits: with 16 MB a
 * cycle of 24 plain-text messages of 1.9 MB peaked at 65.7 MB RSS once
 * long texts were kept (they used to be emptied), over the 64 MB bound
 * it_security checks; 12 MB: 61 MB.  Small messages never reach it. */
#define FETCH_BATCH_BYTES (12u << 20)

/* The marking a cycle left under way (fetch_options.pending). */
struct fetch_pending;

struct fetch_options {
	unsigned batch_messages;  /* 1 .. FETCH_BATCH_MESSAGES; 0: the default */
	int prepare_threaded;     /* parse on a second thread (pipeline.h) */
	struct classifier *cl;    /* a classifier for c, or NULL (ingest.h) */
	/* NULL: fetch_run returns once every committed message is marked.
	 * Else it may return while the mover still marks the last batches
	 * (so the caller can run its jobs meanwhile): *pending is set to
	 * them (owned; NULL when nothing is under way), and fetch_finish()
	 * must be called before the connection is used again or closed. */
	struct fetch_pending **pending;
};

struct fetch_stats {
	unsigned batches;     /* UID FETCH commands for message bodies */
	unsigned fetched;     /* messages handed to ingest */
	unsigned done;        /* messages committed */
	unsigned deferred;    /* 1 when a temporary failure stopped the cycle */
	unsigned marked;      /* messages marked per imap.after (incl. leftovers) */
	int rescanned;        /* UIDVALIDITY changed: the mark was reset */
};

/* fetch_run - process every new message of im's mailbox once (see the top
 * of this file) for list c (borrowed; it must outlive the call).  fo may
 * be NULL for the defaults.  stop (may be NULL) is polled between
 * messages: when it becomes non-zero what was stored is committed and
 * marked, and OUTCOME_OK returned.  st (may be NULL) gets the figures.
 * OUTCOME_OK (also when a temporary failure stopped the cycle: st->deferred
 * says so; those messages stay in the mailbox for the next cycle), or with
 * err: OUTCOME_TEMP / OUTCOME_PERM from the server, OUTCOME_INTERNAL when
 * the database cannot keep the high-water mark.  After a failure the
 * connection is unusable: imap_close() it. */
enum outcome fetch_run(struct imap *im, struct store *s, const struct conf *c,
    const struct fetch_options *fo, const volatile sig_atomic_t *stop,
    struct fetch_stats *st, char *err, size_t errlen);

/* fetch_finish - wait for the marking fetch_run left under way (*pp, may
 * be NULL: nothing to do), mark on im what the mover could not, and add
 * to st->marked (st may be NULL); *pp = NULL.  OUTCOME_OK, or OUTCOME_TEMP
 * with err when im failed (then imap_close() it).  The messages are
 * committed: what stays unmarked is found by the next cycle's sweep. */
enum outcome fetch_finish(struct fetch_pending **pp, struct imap *im,
    struct fetch_stats *st, char *err, size_t errlen);

#endif
