/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deliver - run the outbox over SMTP (see deliver.h)
 *
 * The retry schedule, in prose.  Every recipient row is tried when it is
 * due: queued rows at once, deferred rows once next_try has passed.  The
 * outcome for that recipient (outcome.h) decides, in settle() and nowhere
 * else; the SMTP client reports it (smtp.h), and the checks made here
 * before sending report theirs the same way:
 *   OK        the server took it after the end of DATA: sent.
 *   PERM      a 5xx for this recipient (at RCPT or at the end of DATA),
 *             an address that cannot go into an envelope, or a copy too
 *             large to compose: failed, and the failure counts as a
 *             bounce at once.
 *   TEMP      a 4xx, or no answer at all (connection refused or lost):
 *             deferred; attempt n waits 1 min * 2^(n-1), at most 1 hour.
 *             Once retry_for_hours have passed since the entry was
 *             queued, a TEMP result makes the row failed and counts as a
 *             bounce instead.
 *   INTERNAL  the entry has nothing to send (its post is gone or cannot
 *             be composed): failed, without a bounce - not the member's
 *             fault.
 * A refusal of our own envelope sender (MAIL FROM) is TEMP for every
 * recipient: it says nothing about them.
 *
 * A run reads due rows in id order, in batches of RELAY_BATCH (never all
 * rows at once).  A post's rows are consecutive, so the composed post is
 * kept while its rows go by: with personalize = yes each recipient gets
 * their own copy (personal unsubscribe address, footer language), with
 * personalize = no up to max_recipients share one transaction and one
 * copy.  Mail built once for many (announcements, summaries, digests) gets
 * each member's own List-Unsubscribe the same way (listhead_personalize)
 * with personalize = yes.  Every transaction's envelope sender is signed
 * (bounceaddr.h): cop+bounces-ID-DD-MAC@, ID the first recipient row of
 * the transaction; the rows of a shared transaction record that ID
 * (envelope), so a delivery report to the address can blame only them.
 * When the server cannot be used at all (connection,
 * TLS, AUTH, greeting), the run stops: the rows tried are deferred, the
 * rest stay queued.
 *
 * Results are committed in small groups: the SMTP pool hands finished
 * transactions back when RELAY_GROUP_RCPTS recipients' worth of them have
 * finished (4 one-recipient transactions with personalize = yes; every
 * transaction once it has 4 or more recipients) or when the oldest has
 * waited RELAY_GROUP_MS, and the group is committed at once (large
 * transactions also every RELAY_COMMIT recipients).  A commit per
 * personalised copy cost more CPU than composing and sending it; a group
 * of 4 costs a quarter of that, and a crash still resends at most one
 * small group per run besides the transactions under way (a crash may
 * send one batch twice, never more).  A slow server does not make the
 * group wait longer than RELAY_GROUP_MS, so there the window stays a
 * transaction or two.
 *
 * Claims.  A run sends only rows it has claimed (outbox_claim: one UPDATE
 * that names this process, "HOST:PID", and a lease of RELAY_LEASE seconds
 * of wall-clock time, renewed while the run lasts), so two processes on one
 * database - barazad's lock bypassed, or a test calling deliver_run beside
 * a daemon - never send one row twice.  Recording a row's result clears
 * its claim; the run releases what it did not get to; a run first
 * releases the claims of processes on this host that no longer exist (a
 * kill -9), so a restart does not wait for their leases to lapse.
 *
 * A success decays the address's bounce score (bounce_record_success); the
 * due rows say which addresses have counting bounces at all, so the
 * look-up is skipped for the others (nearly everyone), unless this run has
 * itself counted a bounce.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "bounce.h"
#include "bounceaddr.h"
#include "buf.h"
#include "clock.h"
#include "compose.h"
#include "dkim_sign.h"
#include "from_policy.h"
#include "listaddr.h"
#include "listhead.h"
#include "log.h"
#include "deliver.h"
#include "smtp.h"
#include "store_bounce.h"
#include "store_health.h"
#include "store_outbox.h"
#include "xalloc.h"

/* Due rows read at a time (~150 bytes each).  Each outbox_claim() call
 * gathers and sorts every due row (SQLite's multi-index OR over the two
 * due states), so small batches would make a run quadratic in the length
 * of its queue; with this many, a post to tens of thousands of members
 * reads its queue a few times at most. */
#define RELAY_BATCH 10000
#define RELAY_COMMIT 100           /* results per transaction */
#define RELAY_GROUP_RCPTS 4        /* results handed back together */
#define RELAY_GROUP_MS 5           /* ... or once the oldest is this old */
#define RELAY_MSG_MAX ((size_t)200 << 20)
#define RELAY_LEASE 3600           /* seconds a claim holds; renewed at half */
#define BACKOFF_FIRST 60
#define BACKOFF_MAX 3600

/* One recipient of a transaction under way. */
struct pending_rcpt {
	int64_t id;
	int attempts;
	time_t created;
	char *address;             /* owned */
	int bounced;               /* counting bounces on record */
	int64_t envelope;          /* the shared transaction it went in, or 0 */
};

struct txn_meta {
	size_t n;
	struct pending_rcpt *r;    /* owned */
};

/* A recorded outcome not yet committed. */
struct result {
	struct pending_rcpt r;     /* owns address */
	enum outcome outcome;
	char text[256];            /* the server's reply, or why not sent */
};

struct run {
	struct store *s;
	const struct conf *c;
	time_t now;
	struct result *results;
	size_t nresults;
	long sent, deferred, failed;
	int unusable, any_answer;
	int bounces_recorded;      /* this run counted a bounce */
	int store_failed;          /* results could not be recorded: stop */
	char unusable_why[256];
	struct from_policy *from;  /* the From decisions (from_policy.h) */
	struct dkim_sign *signer; /* [dkim], or NULL */
	unsigned char key[BOUNCEADDR_KEY_LEN]; /* signs envelope senders */
	int have_key;
	char owner[300];           /* "HOST:PID": the name of our claims */
	time_t lease_until;        /* wall clock: when our claims lapse */
};

/* relay_backoff - seconds to wait after the attempts-th failed attempt */
static time_t
relay_backoff(int attempts)
{
	time_t d = BACKOFF_FIRST;

	for (int i = 1; i < attempts && d < BACKOFF_MAX; i++)
		d *= 2;
	return d > BACKOFF_MAX ? BACKOFF_MAX : d;
}

/* relay_can_record - before the first transaction of a run: a small
 * write (the run's start in meta), so that a database that cannot take the
 * results (disk full, locked past busy_timeout) stops the run before any
 * mail goes out; without it every run would send the head of the queue
 * again and lose the result each time.  0, or -1 (logged). */
static int
relay_can_record(struct store *s)
{
	char stamp[32];

	snprintf(stamp, sizeof(stamp), "%lld", (long long)clock_now());
	if (store_meta_set(s, "relay_started", stamp) < 0) {
		log_warnx("relay: the database cannot record results (%s): "
		    "nothing is sent until it can", store_errmsg(s));
		return -1;
	}
	return 0;
}

/* settle - what r's outcome means for its row, written in the open
 * transaction: the one place where an outcome becomes sent, deferred or
 * failed, and where a failure counts as a bounce (see the top of this
 * file).  A sent row's id goes into sent[*nsent] instead: the caller marks
 * them all in one go.  0 or -1. */
static int
settle(struct run *run, const struct result *r, int64_t *sent, size_t *nsent)
{
	struct store *s = run->s;
	const struct conf *c = run->c;
	time_t give_up = r->r.created + (time_t)c->smtp.retry_for_hours * 3600;
	char why[400];
	int ok = 1;

	if (r->r.envelope > 0 &&
	    store_bounce_envelope_set(s, r->r.id, r->r.envelope) < 0)
		return -1;
	switch (r->outcome) {
	case OUTCOME_OK:
		/* a delivery that works decays the member's bounce score */
		sent[(*nsent)++] = r->r.id;
		ok = !r->r.bounced && !run->bounces_recorded ? 1 :
		    bounce_record_success(s, r->r.address) == 0;
		run->sent++;
		break;
	case OUTCOME_PERM:
		ok = outbox_mark_failed(s, r->r.id, run->now, r->text) == 0 &&
		    bounce_record_failure(s, c, r->r.address, r->r.id, r->text) == 0;
		run->bounces_recorded = 1;
		run->failed++;
		log_info("relay: %s: failed: %s", r->r.address, r->text);
		break;
	case OUTCOME_TEMP:
		if (run->now >= give_up) {
			snprintf(why, sizeof(why), "gave up after %ld hours: %s",
			    c->smtp.retry_for_hours, r->text);
			ok = outbox_mark_failed(s, r->r.id, run->now, why) == 0 &&
			    bounce_record_failure(s, c, r->r.address, r->r.id, why) == 0;
			run->bounces_recorded = 1;
			run->failed++;
			log_info("relay: %s: %s", r->r.address, why);
		} else {
			time_t next = run->now + relay_backoff(r->r.attempts + 1);

			ok = outbox_mark_deferred(s, r->r.id, run->now, next,
			    r->text) == 0;
			run->deferred++;
			log_debug("relay: %s: deferred: %s", r->r.address, r->text);
		}
		break;
	case OUTCOME_INTERNAL:
		/* our fault, not the member's: no bounce */
		ok = outbox_mark_failed(s, r->r.id, run->now, r->text) == 0;
		run->failed++;
		break;
	}
	return ok ? 0 : -1;
}

/* flush - commit the recorded outcomes */
static void
flush(struct run *run)
{
	struct store *s = run->s;
	long sent_before = run->sent;
	int64_t sent[RELAY_COMMIT];
	size_t nsent = 0;
	int ok = 1;

	if (run->nresults == 0)
		return;
	if (store_begin(s) < 0) {
		log_warnx("relay: cannot record %zu results; they will be sent again",
		    run->nresults);
		ok = 0;
	}
	for (size_t i = 0; ok && i < run->nresults; i++)
		ok = settle(run, &run->results[i], sent, &nsent) == 0;
	if (ok && nsent > 0)
		ok = outbox_mark_sent_many(s, sent, nsent, run->now) == 0;
	if (ok && run->sent > sent_before)  /* for `baraza check` */
		(void)store_health_delivered(s, run->now);
	if (ok && time(NULL) >= run->lease_until - RELAY_LEASE / 2) {
		time_t until = time(NULL) + RELAY_LEASE;

		ok = outbox_claims_renew(s, run->owner, until) >= 0;
		if (ok)
			run->lease_until = until;
	}
	if (ok && store_commit(s) < 0)
		ok = 0;
	if (!ok) {
		/* Sending on would send mail whose result cannot be kept either
		 * (disk full, database locked past busy_timeout): every later
		 * run would send it again.  Stop; what is under way finishes. */
		store_rollback(s);
		log_warnx("relay: recording results failed; %zu recipients may get "
		    "a copy again; no more mail is sent in this run", run->nresults);
		run->store_failed = 1;
	}
	for (size_t i = 0; i < run->nresults; i++)
		free(run->results[i].r.address);
	run->nresults = 0;
}

/* record - keep one outcome (takes p's address) */
static void
record(struct run *run, struct pending_rcpt *p, enum outcome outcome,
    const char *text)
{
	struct result *r = &run->results[run->nresults++];

	r->r = *p;
	p->address = NULL;
	r->outcome = outcome;
	snprintf(r->text, sizeof(r->text), "%s", text);
	if (run->nresults == RELAY_COMMIT)
		flush(run);
}

/* txn_done - the pool's callback: one finished transaction */
static void
txn_done(struct smtp_txn *t, void *arg)
{
	struct run *run = arg;
	struct txn_meta *m = t->udata;

	if (t->unusable && !run->unusable) {
		run->unusable = 1;
		snprintf(run->unusable_why, sizeof(run->unusable_why), "%s",
		    t->nrcpts ? t->result[0].text : "no answer");
	}
	for (size_t i = 0; i < m->n; i++) {
		if (t->result[i].code != 0)
			run->any_answer = 1;
		record(run, &m->r[i], t->result[i].outcome, t->result[i].text);
	}
	free(m->r);
	free(m);
	smtp_txn_free(&t);
}

/* relay_group - transactions per group: RELAY_GROUP_RCPTS recipients'
 * worth, at least one */
static size_t
relay_group(const struct conf *c)
{
	long per = c->smtp.personalize || c->smtp.max_recipients < 1 ? 1 :
	    c->smtp.max_recipients;

	return per >= RELAY_GROUP_RCPTS ? 1 : (size_t)((RELAY_GROUP_RCPTS + per - 1) / per);
}

/* txn_group - the pool's group callback: commit the group's results */
static void
txn_group(void *arg)
{
	flush(arg);
}

/* envelope_from - the signed bounce address of the transaction whose
 * first recipient row is id, or the unsigned cop+bounces@ when there is no
 * key (reports to it then count for no one) (owned) */
static char *
envelope_from(const struct run *run, int64_t id)
{
	char *from = run->have_key ?
	    bounce_envelope(run->c, run->key, id, run->now) : NULL;

	return from ? from : listaddr_tagged(run->c, LISTADDR_BOUNCES, NULL);
}

/* format_session - "2020-11-17 - 2020-12-01" (owned) or NULL */
static char *
format_session(time_t opens, time_t closes)
{
	char a[16], b[16];

	if (opens == 0 || closes == 0)
		return NULL;
	clock_format_date(opens, a, sizeof(a));
	clock_format_date(closes, b, sizeof(b));
	return xasprintf("%s - %s", a, b);
}

/* What is known about the entry whose rows are going by. */
struct current {
	int64_t outbox;
	struct compose *cp;        /* a post */
	char *body;                /* a mail: CRLF bytes */
	size_t len;
	char *shared;              /* a post's shared copy (personalize = no) */
	size_t shared_len;
	int unusable;              /* cannot be composed: fail its rows */
	char why[128];
};

/* current_release - forget the entry whose rows went by */
static void
current_release(struct current *cur)
{
	compose_free(&cur->cp);
	free(cur->body);
	free(cur->shared);
	memset(cur, 0, sizeof(*cur));
}

/* current_load - prepare the entry of row r */
static void
current_load(struct run *run, struct current *cur, const struct outbox_row *r)
{
	current_release(cur);
	cur->outbox = r->outbox;
	if (r->post > 0) {
		struct outbox_post p;
		struct compose_list l;
		struct compose_post cpost;
		const struct conf_theme *th;
		int rc = outbox_post_load(run->s, r->post, &p);

		if (rc < 0) {
			/* a database error is not the post's fault: its rows stay */
			run->store_failed = 1;
			cur->unusable = 1;
			snprintf(cur->why, sizeof(cur->why), "database error");
			return;
		}
		if (rc == 0) {
			cur->unusable = 1;
			snprintf(cur->why, sizeof(cur->why), "post %lld is gone",
			    (long long)r->post);
			return;
		}
		compose_list_init(&l, run->c);
		th = conf_theme_find(run->c, p.theme);
		memset(&cpost, 0, sizeof(cpost));
		cpost.raw = p.raw;
		cpost.raw_len = p.raw_len;
		cpost.subject = p.subject;
		cpost.author_name = p.author_name;
		cpost.author_email = p.author_email;
		cpost.munge_from = from_policy_post(run->from, r->post, p.author_email);
		cpost.theme = p.theme;
		cpost.theme_title = th ? th->title : NULL;
		cpost.kind = p.kind;
		cpost.session = format_session(p.opens, p.closes);
		cpost.session_opens = p.opens;
		cpost.session_closes = p.closes;
		cpost.parent_mid = p.parent_mid;
		cur->cp = compose_prepare(&l, &cpost);
		free((char *)cpost.session);
		outbox_post_release(&p);
		if (cur->cp == NULL) {
			cur->unusable = 1;
			snprintf(cur->why, sizeof(cur->why), "post %lld cannot be composed",
			    (long long)r->post);
		}
		return;
	}
	{
		char *b;
		size_t n;
		struct buf out;
		int rc = outbox_body(run->s, r->outbox, &b, &n);

		if (rc <= 0) {
			if (rc < 0)
				run->store_failed = 1;
			cur->unusable = 1;
			snprintf(cur->why, sizeof(cur->why), "outbox %lld has no body",
			    (long long)r->outbox);
			return;
		}
		buf_init(&out, RELAY_MSG_MAX);
		if (compose_crlf(&out, b, n) < 0 ||
		    (out.len >= 2 && memcmp(out.data + out.len - 2, "\r\n", 2) != 0 &&
		     buf_append(&out, "\r\n", 2) < 0)) {
			cur->unusable = 1;
			snprintf(cur->why, sizeof(cur->why), "outbox %lld too large",
			    (long long)r->outbox);
			buf_release(&out);
		} else {
			cur->body = buf_detach(&out, &cur->len);
		}
		free(b);
	}
}

/* submit - one transaction for rows[0..n) of the current entry */
static void
submit(struct run *run, struct smtp_pool *pool, struct current *cur,
    struct outbox_row *rows, size_t n)
{
	struct txn_meta *m = xcalloc(1, sizeof(*m));
	const char **rcpts = xcalloc(n, sizeof(*rcpts));
	char *data, *from;
	size_t len;
	struct smtp_txn *t;

	m->r = xcalloc(n, sizeof(*m->r));
	for (size_t i = 0; i < n; i++) {
		m->r[i].id = rows[i].id;
		m->r[i].attempts = rows[i].attempts;
		m->r[i].created = rows[i].created;
		m->r[i].address = xstrdup(rows[i].address);
		m->r[i].bounced = rows[i].bounced;
		m->r[i].envelope = n > 1 ? rows[0].id : 0;
		rcpts[i] = rows[i].address;
	}
	m->n = n;
	if (cur->cp && run->c->smtp.personalize) {
		struct compose_rcpt cr = { rows[0].unsub_token, rows[0].language };
		struct buf out;

		buf_init(&out, RELAY_MSG_MAX);
		if (compose_render(cur->cp, &cr, &out) < 0) {
			buf_release(&out);
			goto fail;
		}
		data = buf_detach(&out, &len);
	} else if (cur->cp) {
		if (cur->shared == NULL) {
			struct buf out;

			buf_init(&out, RELAY_MSG_MAX);
			if (compose_render(cur->cp, NULL, &out) < 0) {
				buf_release(&out);
				goto fail;
			}
			cur->shared = buf_detach(&out, &cur->shared_len);
		}
		data = xmalloc(cur->shared_len + 1);
		memcpy(data, cur->shared, cur->shared_len + 1);
		len = cur->shared_len;
	} else if (run->c->smtp.personalize && n == 1 && rows[0].unsub_token) {
		/* list mail built once for many (announcements, summaries,
		 * digests): this member's own List-Unsubscribe (listhead.h);
		 * any other mail is copied as it is */
		struct listhead h;
		struct buf out;

		buf_init(&out, RELAY_MSG_MAX);
		if (listhead_init(&h, run->c) < 0 ||
		    listhead_personalize(&out, cur->body, cur->len, &h,
		    rows[0].unsub_token) < 0) {
			buf_release(&out);
			goto fail;
		}
		data = buf_detach(&out, &len);
	} else {
		data = xmalloc(cur->len + 1);
		memcpy(data, cur->body, cur->len + 1);
		len = cur->len;
	}
	if (run->signer) {
		/* the list's DKIM signature over the final bytes (dkim_sign.h) */
		struct buf signed_;
		char err[256];

		buf_init(&signed_, RELAY_MSG_MAX);
		if (dkim_sign_message(run->signer, data, len, &signed_, err,
		    sizeof(err)) < 0) {
			log_warnx("relay: %s", err);
			buf_release(&signed_);
			free(data);
			for (size_t i = 0; i < n; i++)
				record(run, &m->r[i], OUTCOME_TEMP, err);
			free(m->r);
			free(m);
			free(rcpts);
			return;
		}
		free(data);
		data = buf_detach(&signed_, &len);
	}
	from = envelope_from(run, rows[0].id);
	t = smtp_txn_new(from, rcpts, n, data, len, m);
	free(from);
	free(rcpts);
	smtp_pool_submit(pool, t);
	return;
fail:
	for (size_t i = 0; i < n; i++)
		record(run, &m->r[i], OUTCOME_PERM, "554 message too large to compose");
	free(m->r);
	free(m);
	free(rcpts);
}

/* stopping - the caller asked the run to end (SIGTERM): a long run over a
 * big queue must not keep the daemon from stopping for minutes */
static int
stopping(const volatile sig_atomic_t *stop)
{
	return stop != NULL && *stop;
}

/* claim_owner - "HOST:PID", the name of this process's claims */
static void
claim_owner(char *out, size_t len)
{
	char host[256];

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, len, "%s:%ld", host, (long)getpid());
}

/* release_dead_claims - the claims of processes of this host that are gone
 * (killed mid-run) go back to the queue at once rather than when their
 * lease lapses */
static void
release_dead_claims(struct store *s, const char *self)
{
	char **owners;
	size_t n, hlen = strcspn(self, ":") + 1;

	if (outbox_claim_owners(s, time(NULL), &owners, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *o = owners[i];
		char *end;
		long pid;

		if (o == NULL || strcmp(o, self) == 0 || strncmp(o, self, hlen) != 0)
			goto next;
		pid = strtol(o + hlen, &end, 10);
		if (*end != '\0' || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			goto next;
		if (outbox_claims_release(s, o) > 0)
			log_info("relay: claims of process %ld (gone) released", pid);
	next:
		free(owners[i]);
	}
	free(owners);
}

/* deliver_run - see deliver.h */
int
deliver_run(struct store *s, const struct conf *c, int *remaining)
{
	return deliver_run_until(s, c, remaining, NULL);
}

/* deliver_run_until - see deliver.h */
int
deliver_run_until(struct store *s, const struct conf *c, int *remaining,
    const volatile sig_atomic_t *stop)
{
	struct run run;
	struct current cur;
	struct smtp_pool *pool = NULL;
	int64_t after = 0;
	long tried = 0;
	char err[256];
	int rc = 0, second_look = 0;

	memset(&run, 0, sizeof(run));
	memset(&cur, 0, sizeof(cur));
	run.s = s;
	run.c = c;
	run.now = clock_now();
	run.results = xcalloc(RELAY_COMMIT, sizeof(*run.results));
	run.from = from_policy_new(s, c, 1);
	if (c->dkim.domain) {
		/* a list that signs never sends unsigned mail: with the key
		 * unusable, nothing goes out and the rows wait */
		if ((run.signer = dkim_sign_new(c, err, sizeof(err))) == NULL) {
			log_warnx("relay: [dkim] key unusable, nothing is sent until it "
			    "is fixed: %s", err);
			from_policy_free(&run.from);
			free(run.results);
			if (remaining) {
				long left = outbox_pending(s);

				*remaining = left < 0 ? 0 : (int)left;
			}
			return -1;
		}
	}

	if (store_bounce_key(s, run.key, sizeof(run.key)) == 0)
		run.have_key = 1;
	else
		log_warnx("relay: no bounce-address key: envelope senders go unsigned "
		    "and delivery reports count for no one");
	if (c->smtp.personalize && outbox_fill_tokens(s) < 0)
		log_warnx("relay: could not give members unsubscribe tokens");
	claim_owner(run.owner, sizeof(run.owner));
	release_dead_claims(s, run.owner);
	run.lease_until = time(NULL) + RELAY_LEASE;

	for (;;) {
		struct outbox_row *rows;
		size_t n, i = 0;

		if (outbox_claim(s, run.now, after, RELAY_BATCH, run.owner,
		    time(NULL), run.lease_until, &rows, &n) < 0) {
			rc = -1;
			break;
		}
		if (n == 0) {
			outbox_rows_free(&rows, n);
			/* What the last results queued (the probe and notices
			 * of a member this run has just stopped) goes out in
			 * this run too: commit them, then look once more. */
			if (pool != NULL && !second_look && !stopping(stop)) {
				smtp_pool_free(&pool);   /* waits for what is under way */
				flush(&run);
				second_look = 1;
				if (run.bounces_recorded && !run.unusable && !run.store_failed)
					continue;
			}
			break;
		}
		after = rows[n - 1].id;
		if (pool == NULL && relay_can_record(s) < 0) {
			outbox_rows_free(&rows, n);
			rc = -1;
			break;
		}
		if (pool == NULL) {
			pool = smtp_pool_new(c, c->smtp.connections, txn_done, &run,
			    err, sizeof(err));
			if (pool == NULL) {
				log_warnx("relay: smtp: %s", err);
				outbox_rows_free(&rows, n);
				rc = -1;
				break;
			}
			smtp_pool_group(pool, relay_group(c), RELAY_GROUP_MS, txn_group);
		}
		while (i < n && !run.unusable && !run.store_failed && !stopping(stop)) {
			size_t j = i;

			while (j < n && rows[j].outbox == rows[i].outbox)
				j++;
			if (cur.outbox != rows[i].outbox)
				current_load(&run, &cur, &rows[i]);
			for (size_t k = i; k < j && !run.unusable && !run.store_failed &&
			    !stopping(stop);) {
				size_t take = 1;

				if (!addr_envelope_ok(rows[k].address)) {
					struct pending_rcpt p = { rows[k].id, rows[k].attempts,
					    rows[k].created, xstrdup(rows[k].address), 0, 0 };

					record(&run, &p, OUTCOME_PERM,
					    "553 invalid recipient address");
					k++;
					continue;
				}
				if (cur.unusable) {
					/* nothing to send: failed without a bounce */
					struct pending_rcpt p = { rows[k].id, rows[k].attempts,
					    rows[k].created, xstrdup(rows[k].address), 0, 0 };

					log_warnx("relay: %s: %s", rows[k].address, cur.why);
					record(&run, &p, OUTCOME_INTERNAL, cur.why);
					k++;
					continue;
				}
				if (!c->smtp.personalize) {
					/* consecutive valid rows, up to max_recipients */
					while (k + take < j && take < (size_t)c->smtp.max_recipients &&
					    addr_envelope_ok(rows[k + take].address))
						take++;
				}
				submit(&run, pool, &cur, &rows[k], take);
				tried += (long)take;
				k += take;
			}
			i = j;
		}
		outbox_rows_free(&rows, n);
		if (run.unusable || run.store_failed)
			break;
		if (stopping(stop)) {
			/* The rows not handed to a connection stay queued. */
			log_info("relay: stopping: the rest of the queue waits for the next run");
			break;
		}
	}
	if (pool)
		smtp_pool_free(&pool);   /* waits for what is under way */
	flush(&run);
	/* what was claimed and not tried (a stop, an unusable server) */
	if (outbox_claims_release(s, run.owner) < 0)
		log_warnx("relay: could not release the claims of this run; "
		    "their rows wait for the lease to lapse (%d s)", RELAY_LEASE);
	current_release(&cur);
	free(run.results);
	from_policy_free(&run.from);
	dkim_sign_free(&run.signer);

	if (tried || run.sent || run.failed)
		log_info("relay: %ld sent, %ld deferred, %ld failed", run.sent,
		    run.deferred, run.failed);
	if (run.store_failed)
		rc = -1;
	if (run.unusable) {
		log_warnx("relay: SMTP server %s:%d unusable: %s", c->smtp.host,
		    c->smtp.port, run.unusable_why);
		if (!run.any_answer)
			rc = -1;
	}
	if (remaining) {
		long left = outbox_pending(s);

		*remaining = left < 0 ? 0 : (int)left;
	}
	return rc;
}

