/* SPDX-License-Identifier: GPL-3.0-or-later */
/* smtp_pool - the SMTP client's pool: a thread per connection, the
 * queues between them and the caller, and the hand-back of finished
 * transactions in groups (see smtp.h)
 *
 * One thread per connection, each with its own easy handle (and so its own
 * cached connection), doing blocking curl_easy_perform() calls; the
 * caller's thread composes the next transactions meanwhile.  Up to two
 * transactions per connection, plus group - 1, are in hand at once (one
 * under way on each connection, the rest waiting), so a connection never
 * waits for the caller.  Finished transactions come back through a list and
 * the done callback runs in the caller's thread only (inside submit and
 * drain), so the store is never touched by two threads.
 *
 * Waking the caller for every finished transaction costs two context
 * switches and, in the relay, one database commit each; with a group of g
 * the workers wake the caller only when g transactions have finished (or
 * when they run out of work, or the caller drains), and the caller hands
 * finished ones back only then or when the oldest has waited wait_ms: so
 * at most g - 1 finished transactions, none older than wait_ms, wait
 * while the caller is busy.
 */
#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "smtp.h"
#include "smtp_int.h"
#include "xalloc.h"

#define SMTP_POOL_BYTES ((size_t)16 << 20) /* message bytes in hand beyond two per connection */

/* One sending thread and the connection it alone uses. */
struct worker {
	struct smtp_pool *p;
	pthread_t tid;
	int started;
	struct smtp_conn conn;
};

struct smtp_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;          /* todo got an entry, or stop */
	pthread_cond_t done_cv;       /* done got an entry */
	struct smtp_txn *todo, **todo_tail;  /* FIFO through t->next */
	struct smtp_txn *done, **done_tail;
	long in_hand;                 /* submitted and not yet handed back */
	size_t ndone;                 /* entries in done */
	struct timespec first_done;   /* when the oldest of them finished */
	size_t bytes;                 /* message bytes in hand */
	size_t group;                 /* wake the caller after this many */
	long wait_ms;                 /* or when the oldest is this old */
	int draining;                 /* the caller waits for everything */
	int urgent;                   /* a finished one found the server
	                               * unusable: hand back at once */
	int proven;                   /* one went through: the server works */
	smtp_group_fn *group_fn;
	int stop;
	struct worker *w;
	long n;
	smtp_done_fn *done_fn;
	void *arg;
	char *url;
};

/* worker_main - a sending thread: take the next transaction, run it on
 * the worker's connection, file it as finished; until stop and empty */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct smtp_pool *p = w->p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct smtp_txn *t;

		while (p->todo == NULL && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->todo == NULL)
			break;              /* stop, and nothing left */
		t = p->todo;
		p->todo = t->next;
		if (p->todo == NULL)
			p->todo_tail = &p->todo;
		pthread_mutex_unlock(&p->mu);

		smtp_conn_run(&w->conn, t);

		pthread_mutex_lock(&p->mu);
		t->next = NULL;
		*p->done_tail = t;
		p->done_tail = &t->next;
		if (p->ndone++ == 0)
			clock_gettime(CLOCK_MONOTONIC, &p->first_done);
		if (t->unusable)
			p->urgent = 1;
		else
			p->proven = 1;
		/* wake the caller for a whole group, or when there is nothing
		 * left to send (it may be waiting to refill, or to drain), or
		 * at once when the server cannot be used: it should stop
		 * submitting after two transactions per connection, as before */
		if (p->ndone >= p->group || p->todo == NULL || p->draining ||
		    p->urgent)
			pthread_cond_signal(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* smtp_pool_new - see smtp.h */
struct smtp_pool *
smtp_pool_new(const struct conf *c, long nconn, smtp_done_fn *done, void *arg,
    char *err, size_t errlen)
{
	struct smtp_pool *p;
	char password[1024] = "";
	sigset_t all, old;

	if (nconn < 1)
		nconn = 1;
	if (c->smtp.user && conf_read_secret(c->smtp.password_file, password,
	    sizeof(password), err, errlen) < 0)
		return NULL;
	/* before any thread: curl_global_init is not thread-safe */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("smtp: curl_global_init failed");
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	{
		pthread_condattr_t ca;

		/* timed waits measure from the monotonic clock */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->done_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	p->todo_tail = &p->todo;
	p->done_tail = &p->done;
	p->n = nconn;
	p->w = xcalloc((size_t)nconn, sizeof(*p->w));
	p->done_fn = done;
	p->arg = arg;
	p->group = 1;
	p->url = smtp_url(c);
	for (long i = 0; i < nconn; i++) {
		struct worker *w = &p->w[i];

		w->p = p;
		if (smtp_conn_init(&w->conn, c, p->url, password) < 0) {
			snprintf(err, errlen, "libcurl refused an option");
			memset(password, 0, sizeof(password));
			smtp_pool_free(&p);
			return NULL;
		}
	}
	memset(password, 0, sizeof(password));
	/* The sending threads take no signals: SIGTERM, SIGHUP and the rest
	 * stay with the caller's thread, which the daemon's loop watches. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (long i = 0; i < nconn; i++) {
		if (pthread_create(&p->w[i].tid, NULL, worker_main, &p->w[i]) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			snprintf(err, errlen, "cannot start a sending thread");
			smtp_pool_free(&p);
			return NULL;
		}
		p->w[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

/* hand_back - give every finished transaction to the callback (caller's
 * thread; called with the lock held, returns with it held) */
static void
hand_back(struct smtp_pool *p)
{
	while (p->done) {
		struct smtp_txn *list = p->done;
		long n = 0;
		size_t bytes = 0;

		p->done = NULL;
		p->done_tail = &p->done;
		p->ndone = 0;
		p->urgent = 0;
		pthread_mutex_unlock(&p->mu);
		while (list) {
			struct smtp_txn *t = list;

			list = t->next;
			t->next = NULL;
			n++;
			bytes += t->len;
			p->done_fn(t, p->arg);
		}
		if (p->group_fn)
			p->group_fn(p->arg);
		pthread_mutex_lock(&p->mu);
		p->in_hand -= n;
		p->bytes -= bytes;
	}
}

/* ms_since - milliseconds from *t0 to now (monotonic) */
static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* due - finished transactions that should be handed back now (lock held) */
static int
due(struct smtp_pool *p)
{
	return p->ndone > 0 && (p->ndone >= p->group || p->urgent || p->wait_ms <= 0 ||
	    ms_since(&p->first_done) >= p->wait_ms);
}

/* full - no room for another transaction (lock held): two per connection
 * until one has gone through (a server that cannot be used costs no more
 * tries than that), then group - 1 more, unless they hold the bytes cap */
static int
full(struct smtp_pool *p)
{
	if (p->in_hand < 2 * p->n)
		return 0;
	return !p->proven || p->in_hand >= 2 * p->n + (long)p->group - 1 ||
	    p->bytes >= SMTP_POOL_BYTES;
}

/* wait_done - sleep until a worker signals, or until the oldest finished
 * transaction is wait_ms old (from now when there is none yet: one that
 * finishes meanwhile is looked at again by then) (lock held) */
static void
wait_done(struct smtp_pool *p)
{
	struct timespec until;

	if (p->wait_ms <= 0) {
		pthread_cond_wait(&p->done_cv, &p->mu);
		return;
	}
	if (p->ndone > 0)
		until = p->first_done;
	else
		clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += p->wait_ms / 1000;
	until.tv_nsec += (p->wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&p->done_cv, &p->mu, &until);
}

/* smtp_pool_group - see smtp.h */
void
smtp_pool_group(struct smtp_pool *p, size_t group, long wait_ms,
    smtp_group_fn *fn)
{
	pthread_mutex_lock(&p->mu);
	p->group = group ? group : 1;
	p->wait_ms = wait_ms;
	p->group_fn = fn;
	pthread_mutex_unlock(&p->mu);
}

/* smtp_pool_submit - see smtp.h */
int
smtp_pool_submit(struct smtp_pool *p, struct smtp_txn *t)
{
	pthread_mutex_lock(&p->mu);
	if (due(p))
		hand_back(p);
	while (full(p)) {
		if (!due(p))
			wait_done(p);
		if (due(p))
			hand_back(p);
	}
	t->next = NULL;
	*p->todo_tail = t;
	p->todo_tail = &t->next;
	p->in_hand++;
	p->bytes += t->len;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* drain - wait for every transaction under way, handing each back */
static void
drain(struct smtp_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->draining = 1;
	for (;;) {
		hand_back(p);
		if (p->in_hand == 0)
			break;
		pthread_cond_wait(&p->done_cv, &p->mu);
	}
	p->draining = 0;
	pthread_mutex_unlock(&p->mu);
}

/* smtp_pool_free - see smtp.h */
void
smtp_pool_free(struct smtp_pool **pp)
{
	struct smtp_pool *p = *pp;

	if (p == NULL)
		return;
	drain(p);
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (long i = 0; i < p->n; i++) {
		if (p->w[i].started)
			pthread_join(p->w[i].tid, NULL);
		smtp_conn_release(&p->w[i].conn);
	}
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done_cv);
	pthread_mutex_destroy(&p->mu);
	free(p->w);
	free(p->url);
	free(p);
	curl_global_cleanup();
	*pp = NULL;
}
