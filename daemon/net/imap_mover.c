/* SPDX-License-Identifier: GPL-3.0-or-later */
/* imap_mover - imap.after on a second connection, by a thread (see
 * imap_mover.h)
 *
 * One mutex guards the queue (a growing array of UIDs, ascending because
 * batches are handed over in UID order) and the state; the thread takes
 * the whole queue at once, so while it marks one batch the next ones
 * gather and go as one UID set.  The connection is the thread's alone:
 * the caller's connection and this one share nothing but the server.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap.h"
#include "imap_mover.h"
#include "log.h"
#include "xalloc.h"

struct imap_mover {
	const struct conf *conf;      /* borrowed */
	uint32_t uidvalidity;         /* of the UIDs handed over */
	size_t group;                 /* UIDs a round waits for */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;          /* queue filled, or closing */
	uint32_t *queue;              /* owned: UIDs handed over, not taken */
	size_t nqueue, capqueue;
	uint32_t *left;               /* owned: UIDs taken but not marked */
	size_t nleft, capleft;
	unsigned marked;
	int failed;                   /* no login or a lost connection */
	int closing;                  /* flush or finish: end when empty */
};

/* append - add n uids to an owned growing array */
static void
append(uint32_t **a, size_t *len, size_t *cap, const uint32_t *uids,
    size_t n)
{
	if (n == 0)
		return;
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 512;

		while (c < *len + n)
			c *= 2;
		*a = xreallocarray(*a, c, sizeof(**a));
		*cap = c;
	}
	memcpy(*a + *len, uids, n * sizeof(*uids));
	*len += n;
}

/* mover_login - the thread's connection (*imp), checked against the
 * UIDVALIDITY of the UIDs it will be handed; OUTCOME_OK or a logged failure
 * (the caller marks on its own connection then) */
static enum outcome
mover_login(struct imap_mover *mv, struct imap **imp)
{
	struct timespec t0, t1;
	char err[1024];
	enum outcome rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = imap_open(mv->conf, imp, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != OUTCOME_OK) {
		log_warnx("imap: second connection for marking: %s; marking "
		    "on the main connection", err);
		return rc;
	}
	log_debug("imap: second connection for marking logged in (%ld ms)",
	    (long)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	if (imap_uidvalidity(*imp) != mv->uidvalidity) {
		log_warnx("imap: second connection for marking: UIDVALIDITY "
		    "%u, not %u; marking on the main connection",
		    (unsigned)imap_uidvalidity(*imp), (unsigned)mv->uidvalidity);
		imap_close(imp);
		return OUTCOME_TEMP;
	}
	return OUTCOME_OK;
}

/* mover_main - the thread: log in at the first work, then mark what is
 * queued whenever it makes a group (or at the end), round after round,
 * until closing and empty */
static void *
mover_main(void *arg)
{
	struct imap_mover *mv = arg;
	struct imap *im = NULL;
	uint32_t *uids = NULL;
	size_t n, cap = 0;
	char err[1024];

	pthread_mutex_lock(&mv->mu);
	for (;;) {
		enum outcome rc = OUTCOME_OK;

		while (mv->nqueue == 0 && !mv->closing)
			pthread_cond_wait(&mv->work, &mv->mu);
		if (mv->nqueue == 0)
			break;
		/* log in at the first work, while more gathers */
		if (im == NULL) {
			pthread_mutex_unlock(&mv->mu);
			rc = mover_login(mv, &im);
			pthread_mutex_lock(&mv->mu);
		}
		/* a group worth a command set (or all there will be) */
		while (rc == OUTCOME_OK && mv->nqueue < mv->group &&
		    !mv->closing)
			pthread_cond_wait(&mv->work, &mv->mu);
		/* take the whole queue: swap arrays */
		{
			uint32_t *t = uids;
			size_t tc = cap;

			uids = mv->queue;
			cap = mv->capqueue;
			n = mv->nqueue;
			mv->queue = t;
			mv->capqueue = tc;
			mv->nqueue = 0;
		}
		pthread_mutex_unlock(&mv->mu);

		if (rc == OUTCOME_OK) {
			rc = imap_mark(im, uids, n, err, sizeof(err));
			if (rc != OUTCOME_OK) {
				log_warnx("imap: second connection for marking: "
				    "%s; marking on the main connection", err);
				imap_close(&im);
			}
		}

		pthread_mutex_lock(&mv->mu);
		if (rc == OUTCOME_OK) {
			mv->marked += (unsigned)n;
		} else {
			/* hand back this round and whatever was queued since */
			mv->failed = 1;
			append(&mv->left, &mv->nleft, &mv->capleft, uids, n);
			append(&mv->left, &mv->nleft, &mv->capleft, mv->queue,
			    mv->nqueue);
			mv->nqueue = 0;
		}
		if (mv->failed)
			break;
	}
	pthread_mutex_unlock(&mv->mu);
	free(uids);
	imap_close(&im);
	return NULL;
}

/* imap_mover_start - see imap_mover.h */
struct imap_mover *
imap_mover_start(const struct conf *c, uint32_t uidvalidity, size_t group)
{
	struct imap_mover *mv = xcalloc(1, sizeof(*mv));
	sigset_t all, old;
	int r;

	mv->conf = c;
	mv->uidvalidity = uidvalidity;
	mv->group = group > 0 ? group : 1;
	pthread_mutex_init(&mv->mu, NULL);
	pthread_cond_init(&mv->work, NULL);
	/* The thread starts with every signal blocked: TERM, HUP and the
	 * rest go to the main thread, whose IDLE wait and stop flags expect
	 * them (and the mover's reads are never cut short by one). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&mv->thread, NULL, mover_main, mv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		fatal("imap: cannot start the marking thread");
	return mv;
}

/* imap_mover_push - see imap_mover.h */
int
imap_mover_push(struct imap_mover *mv, const uint32_t *uids, size_t n)
{
	int rc = 0;

	if (n == 0)
		return 0;
	pthread_mutex_lock(&mv->mu);
	if (mv->failed || mv->closing) {
		rc = -1;
	} else {
		append(&mv->queue, &mv->nqueue, &mv->capqueue, uids, n);
		pthread_cond_signal(&mv->work);
	}
	pthread_mutex_unlock(&mv->mu);
	return rc;
}

/* imap_mover_flush - see imap_mover.h */
void
imap_mover_flush(struct imap_mover *mv)
{
	pthread_mutex_lock(&mv->mu);
	mv->closing = 1;
	pthread_cond_signal(&mv->work);
	pthread_mutex_unlock(&mv->mu);
}

/* imap_mover_finish - see imap_mover.h */
unsigned
imap_mover_finish(struct imap_mover **mvp, uint32_t **left, size_t *nleft)
{
	struct imap_mover *mv = *mvp;
	unsigned marked;

	*left = NULL;
	*nleft = 0;
	if (mv == NULL)
		return 0;
	pthread_mutex_lock(&mv->mu);
	mv->closing = 1;
	pthread_cond_signal(&mv->work);
	pthread_mutex_unlock(&mv->mu);
	pthread_join(mv->thread, NULL);

	/* the thread is gone: no lock needed any more */
	marked = mv->marked;
	if (mv->nleft > 0) {
		*left = mv->left;
		*nleft = mv->nleft;
		mv->left = NULL;
	}
	free(mv->left);
	free(mv->queue);
	pthread_cond_destroy(&mv->work);
	pthread_mutex_destroy(&mv->mu);
	free(mv);
	*mvp = NULL;
	return marked;
}
