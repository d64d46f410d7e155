/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fetch - one fetch cycle: the mailbox, through ingest, into the store
 * (see fetch.h) */
#include "config.h"

#include <pthread.h>
#include <signal.h>
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

/* ---- the plan and the batches ------------------------------------------
 *
 * The plan is the list of new UIDs (one UID SEARCH, answered from the
 * server's index) and, for those next in line, their sizes: a window of
 * at most one batch of them, asked for just before the batch is cut.  A
 * server reads every message to tell its size (Dovecot's Maildir does), so
 * asking for all sizes first kept barazad waiting before the first batch
 * (80-160 ms for 5 000 messages); asked per batch, the sizes come with the
 * batch, on the thread that fetches it ahead.
 */

/* The plan of a cycle. */
struct plan {
	uint32_t *uids;               /* owned: the UIDs above the mark, sorted */
	size_t nuids;
	size_t asked;                 /* uids[0 .. asked) had their sizes asked */
	struct imap_uid_size *win;    /* owned: sizes asked, not yet batched */
	size_t nwin, capwin;
};

/* One batch: cut from the plan, then fetched; on the caller's thread or
 * ahead, on a thread of its own, while the batch before is stored. */
struct job {
	struct imap *im;              /* borrowed: the thread's alone while ahead */
	struct plan *pl;              /* borrowed: idem */
	size_t budget;                /* announced bytes the batch may take */
	unsigned batch_max;
	size_t max_size;              /* imap_max_size() */
	uint32_t *uids;               /* owned: batch_max */
	size_t nb;                    /* UIDs in the batch */
	size_t bytes;                 /* their announced bytes (a partial one
	                               * counts max_size) */
	int partial;                  /* one oversized message, fetched partially */
	size_t partial_size;          /* its announced size */
	int none;                     /* the plan is done: nothing to fetch */
	int wait;                     /* the next message does not fit the
	                               * budget: fetch it once the batch before
	                               * is stored */
	struct imap_batch *fetched;   /* owned */
	enum outcome rc;
	char err[1024];
	pthread_t thread;
	int ahead;                    /* running on its own thread */
};

/* plan_fill - ask the sizes of the next UIDs until the window holds
 * want of them or the plan has no more */
static enum outcome
plan_fill(struct plan *pl, struct imap *im, size_t want, char *err,
    size_t errlen)
{
	while (pl->nwin < want && pl->asked < pl->nuids) {
		struct imap_uid_size *got = NULL;
		size_t k = want - pl->nwin, ngot = 0;
		enum outcome rc;

		if (k > pl->nuids - pl->asked)
			k = pl->nuids - pl->asked;
		rc = imap_sizes(im, pl->uids + pl->asked, k, &got, &ngot, err,
		    errlen);
		if (rc != OUTCOME_OK)
			return rc;
		pl->asked += k;
		if (pl->nwin + ngot > pl->capwin) {
			pl->capwin = pl->nwin + ngot;
			pl->win = xreallocarray(pl->win, pl->capwin,
			    sizeof(*pl->win));
		}
		if (ngot > 0)
			memcpy(pl->win + pl->nwin, got, ngot * sizeof(*got));
		pl->nwin += ngot;
		free(got);
	}
	return OUTCOME_OK;
}

/* job_cut - the next batch from the plan: up to batch_max messages and
 * budget bytes; an oversized message goes alone, fetched partially.  The
 * first message is always taken when the budget is the whole
 * FETCH_BATCH_BYTES; under a smaller one (a batch fetched ahead) it may
 * not fit: j->wait. */
static enum outcome
job_cut(struct job *j)
{
	struct plan *pl = j->pl;
	size_t k = 0;
	enum outcome rc;

	j->nb = j->bytes = 0;
	j->partial = 0;
	j->partial_size = 0;
	j->none = j->wait = 0;
	rc = plan_fill(pl, j->im, j->batch_max, j->err, sizeof(j->err));
	if (rc != OUTCOME_OK)
		return rc;
	if (pl->nwin == 0) {
		j->none = 1;
		return OUTCOME_OK;
	}
	if (pl->win[0].size > j->max_size) {
		if (j->max_size > j->budget && j->budget < FETCH_BATCH_BYTES) {
			j->wait = 1;
			return OUTCOME_OK;
		}
		j->partial_size = pl->win[0].size;
		j->uids[j->nb++] = pl->win[k++].uid;
		j->bytes = j->max_size;
		j->partial = 1;
	} else {
		while (k < pl->nwin && j->nb < j->batch_max &&
		    pl->win[k].size <= j->max_size &&
		    (j->bytes + pl->win[k].size <= j->budget ||
		    (j->nb == 0 && j->budget >= FETCH_BATCH_BYTES))) {
			j->bytes += pl->win[k].size;
			j->uids[j->nb++] = pl->win[k++].uid;
		}
		if (j->nb == 0) {
			j->wait = 1;
			return OUTCOME_OK;
		}
	}
	pl->nwin -= k;
	memmove(pl->win, pl->win + k, pl->nwin * sizeof(*pl->win));
	return OUTCOME_OK;
}

/* job_run - cut the next batch and fetch it; the outcome into j->rc */
static void
job_run(struct job *j)
{
	j->fetched = NULL;
	j->rc = job_cut(j);
	if (j->rc == OUTCOME_OK && j->nb > 0)
		j->rc = imap_fetch_bodies(j->im, j->uids, j->nb, j->partial,
		    &j->fetched, j->err, sizeof(j->err));
}

/* job_main - a job's thread */
static void *
job_main(void *arg)
{
	job_run(arg);
	return NULL;
}

/* job_ahead - run the job on a thread of its own (the connection and the
 * plan are its alone until job_wait); on the caller's thread when no
 * thread can be made.  Signals go to the caller's thread, whose flags
 * they set. */
static void
job_ahead(struct job *j)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	j->ahead = pthread_create(&j->thread, NULL, job_main, j) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!j->ahead)
		job_run(j);
}

/* job_wait - wait for a job run ahead */
static void
job_wait(struct job *j)
{
	if (j->ahead)
		pthread_join(j->thread, NULL);
	j->ahead = 0;
}

/* fetch_run - see fetch.h
 *
 * Batch k + 1 is cut and fetched ahead, on a thread, while batch k is
 * parsed and stored, as long as both stay under FETCH_BATCH_BYTES
 * together (so memory stays where one batch of that size put it); when
 * the next message does not fit it is fetched after the store, as it
 * always was.  The connection is used by one thread at a time: the main
 * thread marks on it only after the job ahead is joined. */
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
	struct plan pl = { 0 };
	struct job jobs[2], *cur = &jobs[0], *nxt = &jobs[1];
	struct imap_mover *mover = NULL;
	uint32_t last = 0;
	unsigned batch_max = fo->batch_messages >= 1 &&
	    fo->batch_messages <= FETCH_BATCH_MESSAGES ? fo->batch_messages :
	    FETCH_BATCH_MESSAGES;
	unsigned marked = 0;
	enum outcome rc;
	int k;

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
	if ((rc = imap_new_uids(im, last, &pl.uids, &pl.nuids, err,
	    errlen)) != OUTCOME_OK)
		return rc;
	if (pl.nuids == 0) {
		free(pl.uids);
		return OUTCOME_OK;
	}
	memset(jobs, 0, sizeof(jobs));
	for (k = 0; k < 2; k++) {
		jobs[k].im = im;
		jobs[k].pl = &pl;
		jobs[k].batch_max = batch_max;
		jobs[k].max_size = imap_max_size(im);
		jobs[k].uids = xreallocarray(NULL, batch_max,
		    sizeof(*jobs[k].uids));
	}
	cy.done = xreallocarray(NULL, batch_max, sizeof(*cy.done));
	o.classifier = fo->cl;
	ib = ingest_batch_new(s, c, &o, &hooks, 0, 0);

	cur->budget = FETCH_BATCH_BYTES;
	job_run(cur);
	while (rc == OUTCOME_OK && cur->rc == OUTCOME_OK && !cur->none) {
		struct batch_reader rd = { 0 };
		struct job *t;
		int ahead = 0, more;

		st->batches++;
		/* the next batch comes while this one is stored */
		if (!(stop && *stop) && cur->bytes < FETCH_BATCH_BYTES) {
			nxt->budget = FETCH_BATCH_BYTES - cur->bytes;
			job_ahead(nxt);
			ahead = 1;
		}
		rd.partial_size = cur->partial_size;
		rd.got = imap_batch_messages(cur->fetched, &rd.ngot);
		if (store_batch(&cy, ib, c, fo, &rd, stop) < 0)
			st->deferred = 1;
		imap_batch_free(&cur->fetched);
		if (ahead)
			job_wait(nxt);
		more = ahead ? nxt->rc != OUTCOME_OK || !nxt->none :
		    pl.nwin > 0 || pl.asked < pl.nuids;
		/* More to fetch: hand the marking to the mover and fetch on.
		 * Once there is a mover it gets every later batch too, so the
		 * marks keep their order on one connection. */
		if (cy.nd > 0 && mover == NULL && more && !(stop && *stop) &&
		    !st->deferred && (!ahead || nxt->rc == OUTCOME_OK))
			mover = imap_mover_start(c, cy.uidvalidity,
			    (size_t)batch_max * IMAP_MOVER_GROUP_BATCHES);
		if (mover == NULL || imap_mover_push(mover, cy.done, cy.nd) < 0) {
			/* the connection is unusable after a failed fetch:
			 * the sweep of the next cycle marks these */
			if (ahead && nxt->rc != OUTCOME_OK)
				break;
			rc = imap_mark(im, cy.done, cy.nd, err, errlen);
			if (rc != OUTCOME_OK)
				break;
			st->marked += (unsigned)cy.nd;
		}
		if ((stop && *stop) || st->deferred)
			break;
		if (!ahead || nxt->wait) {
			nxt->budget = FETCH_BATCH_BYTES;
			job_run(nxt);
		}
		t = cur;
		cur = nxt;
		nxt = t;
	}
	/* a failed job ended the loop: its error is the cycle's */
	for (k = 0; k < 2 && rc == OUTCOME_OK; k++)
		if (jobs[k].rc != OUTCOME_OK) {
			rc = jobs[k].rc;
			snprintf(err, errlen, "%s", jobs[k].err);
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
	for (k = 0; k < 2; k++) {
		imap_batch_free(&jobs[k].fetched);
		free(jobs[k].uids);
	}
	free(pl.uids);
	free(pl.win);
	free(cy.done);
	return rc;
}
