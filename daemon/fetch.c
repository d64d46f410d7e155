/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fetch - one fetch cycle: the mailbox, through ingest, into the store
 * (see fetch.h) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "imap_mover.h"
#include "ingest_batch.h"
#include "log.h"
#include "pipeline.h"
#include "store_imap.h"
#include "xalloc.h"

/* What the cycle knows while a batch goes through ingest. */
struct cycle {
	struct store *s;
	const char *mailbox;          /* borrowed from the connection */
	uint32_t uidvalidity;
	uint32_t *done;               /* committed UIDs of the current batch */
	size_t nd;
	struct fetch_stats *st;
};

/* stored - ingest_batch's hook, inside the transaction: raise the mark
 * to this message's UID (a message and the mark commit together) */
static int
stored(void *arg, const struct ingest_item *it, const struct ingest_result *res)
{
	struct cycle *cy = arg;

	(void)res;
	return store_imap_advance(cy->s, cy->mailbox, cy->uidvalidity,
	    (uint32_t)it->tag);
}

/* committed - ingest_batch's hook after the commit: the UID may now be
 * marked; one log line per message */
static void
committed(void *arg, const struct ingest_item *it,
    const struct ingest_result *res)
{
	struct cycle *cy = arg;

	cy->done[cy->nd++] = (uint32_t)it->tag;
	cy->st->done++;
	if (res->duplicate)
		log_info("%s: duplicate of message %lld: nothing to do",
		    it->origin, (long long)res->message);
	else if (res->post)
		log_info("%s: message %lld, route %s, post%s", it->origin,
		    (long long)res->message, res->route ? res->route : "?",
		    res->held ? ", held" : "");
	else if (res->skipped)
		log_info("%s: message %lld, route %s, not a post, ignored: %s",
		    it->origin, (long long)res->message,
		    res->route ? res->route : "?", res->skipped);
	else
		log_info("%s: message %lld, route %s, not a post, %s", it->origin,
		    (long long)res->message, res->route ? res->route : "?",
		    res->failed ? "failed (its reason is kept with it)" :
		    "handled by its address");
}

/* The reader of a batch's pipeline: the fetched messages in order. */
struct batch_reader {
	const struct imap_fetched *got;
	size_t ngot, next;
	size_t partial_size;          /* the announced size of a partial fetch */
};

/* read_fetched - pipeline_read_fn: the next fetched message, borrowed
 * (the batch lives until it is stored); tag = its index */
static int
read_fetched(void *arg, struct pipeline_item *it)
{
	struct batch_reader *r = arg;
	const struct imap_fetched *f;

	if (r->next >= r->ngot)
		return 0;
	f = &r->got[r->next];
	it->raw = (char *)f->data;
	it->len = f->len;
	it->borrowed = 1;
	it->full_size = f->len < r->partial_size ? r->partial_size : 0;
	it->tag = r->next++;
	return 1;
}

/* store_batch - one fetched batch through ingest in one transaction; the
 * committed UIDs are in cy->done.  0, or -1 when a temporary failure
 * stopped it (the rest stays in the mailbox). */
static int
store_batch(struct cycle *cy, struct ingest_batch *ib, const struct conf *c,
    const struct fetch_options *fo, struct batch_reader *rd,
    const volatile sig_atomic_t *stop)
{
	struct pipeline *pl;
	struct pipeline_item pi;
	int rc = 0;

	cy->nd = 0;
	pl = pipeline_start(c, read_fetched, rd, 0, 0, fo->prepare_threaded);
	while (pipeline_next(pl, &pi) == 1) {
		char origin[600];
		struct ingest_item it = { 0 };

		if (stop && *stop) {
			pipeline_item_release(&pi);
			break;
		}
		snprintf(origin, sizeof(origin), "imap:%s:%u:%u", cy->mailbox,
		    (unsigned)cy->uidvalidity, (unsigned)rd->got[pi.tag].uid);
		it.raw = pi.raw;
		it.len = pi.len;
		it.full_size = pi.full_size;
		it.tag = rd->got[pi.tag].uid;
		it.origin = origin;
		it.p = pi.p;
		pi.p = NULL;
		cy->st->fetched++;
		rc = ingest_batch_add(ib, &it);
		pipeline_item_release(&pi);
		if (rc < 0)
			break;
	}
	pipeline_stop(&pl);
	if (rc == 0)
		rc = ingest_batch_commit(ib);
	return rc;
}

/* finish_mover - wait for the mover; mark on this connection what it
 * could not (unless this one failed too: rc); then take the untagged
 * EXPUNGE responses its moves caused here (NOOP), so that IDLE does not
 * wake for them.  The status of fetch_run. */
static enum outcome
finish_mover(struct imap *im, struct imap_mover **mover, enum outcome rc,
    struct fetch_stats *st, char *err, size_t errlen)
{
	uint32_t *left = NULL;
	size_t nleft = 0;

	st->marked += imap_mover_finish(mover, &left, &nleft);
	if (rc == OUTCOME_OK && nleft > 0) {
		rc = imap_mark(im, left, nleft, err, errlen);
		if (rc == OUTCOME_OK)
			st->marked += (unsigned)nleft;
	}
	free(left);
	if (rc == OUTCOME_OK && imap_after(im) != IMAP_AFTER_FLAG)
		rc = imap_noop(im, err, errlen);
	return rc;
}

/* What fetch_run left under way (fetch.h). */
struct fetch_pending {
	struct imap_mover *mover;     /* owned */
};

/* fetch_finish - see fetch.h */
enum outcome
fetch_finish(struct fetch_pending **pp, struct imap *im,
    struct fetch_stats *st, char *err, size_t errlen)
{
	struct fetch_stats dummy = { 0 };
	enum outcome rc;

	if (*pp == NULL)
		return OUTCOME_OK;
	rc = finish_mover(im, &(*pp)->mover, OUTCOME_OK,
	    st != NULL ? st : &dummy, err, errlen);
	free(*pp);
	*pp = NULL;
	return rc;
}

/* start_over - the high-water mark for this mailbox: the stored one, or 0
 * when there is none or it belongs to another UIDVALIDITY.  OUTCOME_OK, or
 * OUTCOME_INTERNAL when the database cannot say. */
static enum outcome
start_over(struct cycle *cy, uint32_t *last, char *err, size_t errlen)
{
	uint32_t stored_uv = 0;
	int have = store_imap_get(cy->s, cy->mailbox, &stored_uv, last);

	if (have < 0) {
		snprintf(err, errlen, "database: cannot read imap_state");
		return OUTCOME_INTERNAL;
	}
	if (have == 1 && stored_uv == cy->uidvalidity)
		return OUTCOME_OK;
	if (have == 1) {
		log_warnx("imap: %s: UIDVALIDITY changed from %u to %u: "
		    "rescanning the mailbox (duplicates are skipped)",
		    cy->mailbox, (unsigned)stored_uv, (unsigned)cy->uidvalidity);
		cy->st->rescanned = 1;
	}
	*last = 0;
	if (store_imap_set(cy->s, cy->mailbox, cy->uidvalidity, 0) < 0) {
		snprintf(err, errlen, "database: cannot write imap_state");
		return OUTCOME_INTERNAL;
	}
	return OUTCOME_OK;
}

/* fetch_run - see fetch.h */
enum outcome
fetch_run(struct imap *im, struct store *s, const struct conf *c,
    const struct fetch_options *fop, const volatile sig_atomic_t *stop,
    struct fetch_stats *stp, char *err, size_t errlen)
{
	static const struct fetch_options defaults = { 0 };
	const struct fetch_options *fo = fop != NULL ? fop : &defaults;
	struct fetch_stats dummy;
	struct fetch_stats *st = stp != NULL ? stp : &dummy;
	struct cycle cy = { 0 };
	struct ingest_options o = { .relay = 1 };
	struct ingest_batch_hooks hooks = { stored, committed, &cy };
	struct ingest_batch *ib;
	struct imap_uid_size *plan = NULL;
	struct imap_mover *mover = NULL;
	uint32_t last = 0, *batch;
	size_t nplan = 0, i = 0, max_size = imap_max_size(im);
	unsigned batch_max = fo->batch_messages >= 1 &&
	    fo->batch_messages <= FETCH_BATCH_MESSAGES ? fo->batch_messages :
	    FETCH_BATCH_MESSAGES;
	unsigned marked = 0;
	enum outcome rc;

	memset(st, 0, sizeof(*st));
	if (fo->pending != NULL)
		*fo->pending = NULL;
	cy.s = s;
	cy.mailbox = imap_mailbox(im);
	cy.uidvalidity = imap_uidvalidity(im);
	cy.st = st;
	if ((rc = start_over(&cy, &last, err, errlen)) != OUTCOME_OK)
		return rc;
	rc = imap_sweep(im, last, &marked, err, errlen);
	st->marked += marked;
	if (rc != OUTCOME_OK)
		return rc;
	if ((rc = imap_plan(im, last, &plan, &nplan, err, errlen)) != OUTCOME_OK)
		return rc;
	batch = xreallocarray(NULL, batch_max, sizeof(*batch));
	cy.done = xreallocarray(NULL, batch_max, sizeof(*cy.done));
	o.classifier = fo->cl;
	ib = ingest_batch_new(s, c, &o, &hooks, 0, 0);

	while (i < nplan && !(stop && *stop) && !st->deferred) {
		struct imap_batch *fetched = NULL;
		struct batch_reader rd = { 0 };
		size_t nb = 0, bytes = 0;
		int partial = 0;

		/* a batch: up to batch_max messages and FETCH_BATCH_BYTES
		 * bytes; an oversized message goes alone, fetched partially */
		if (plan[i].size > max_size) {
			rd.partial_size = plan[i].size;
			batch[nb++] = plan[i++].uid;
			partial = 1;
		} else {
			while (i < nplan && nb < batch_max &&
			    plan[i].size <= max_size &&
			    (nb == 0 || bytes + plan[i].size <= FETCH_BATCH_BYTES)) {
				bytes += plan[i].size;
				batch[nb++] = plan[i++].uid;
			}
		}
		rc = imap_fetch_bodies(im, batch, nb, partial, &fetched, err,
		    errlen);
		if (rc != OUTCOME_OK)
			break;
		st->batches++;
		rd.got = imap_batch_messages(fetched, &rd.ngot);
		if (store_batch(&cy, ib, c, fo, &rd, stop) < 0)
			st->deferred = 1;
		imap_batch_free(&fetched);
		/* More to fetch: hand the marking to the mover and fetch on.
		 * Once there is a mover it gets every later batch too, so the
		 * marks keep their order on one connection. */
		if (cy.nd > 0 && mover == NULL && i < nplan && !(stop && *stop) &&
		    !st->deferred)
			mover = imap_mover_start(c, cy.uidvalidity,
			    (size_t)batch_max * IMAP_MOVER_GROUP_BATCHES);
		if (mover != NULL && imap_mover_push(mover, cy.done, cy.nd) == 0)
			continue;
		rc = imap_mark(im, cy.done, cy.nd, err, errlen);
		if (rc != OUTCOME_OK)
			break;
		st->marked += (unsigned)cy.nd;
	}
	if (mover != NULL && rc == OUTCOME_OK && fo->pending != NULL) {
		/* the last round starts now (not at fetch_finish: it would
		 * wait for a group) and goes on while the caller runs its
		 * jobs */
		imap_mover_flush(mover);
		*fo->pending = xcalloc(1, sizeof(**fo->pending));
		(*fo->pending)->mover = mover;
		mover = NULL;
	}
	if (mover != NULL)
		rc = finish_mover(im, &mover, rc, st, err, errlen);
	ingest_batch_free(&ib);
	free(plan);
	free(batch);
	free(cy.done);
	return rc;
}
