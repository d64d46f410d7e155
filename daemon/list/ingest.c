/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ingest - the story of one inbound message
 *
 * What happens to a message, in order:
 *
 *   1. parse it once (message.c) into a struct message living in its own
 *      arena; a message over the parser's hard limit gives none; route it
 *      (route.c): which list address, and what it is (ingest_prepare.c);
 *   2. in ONE transaction (its own; or a savepoint or simply a part of the
 *      caller's, for import-mbox batches: see struct ingest_options):
 *      - decide, reading only (ingest_decide.c, which `baraza inspect`
 *        asks too): a duplicate by Message-ID (or, without one, the
 *        SHA-256 of its bytes) is left alone; for a post or a reply, its
 *        thread, theme, session, kind, author, parent, held or not;
 *      - the raw message row is written with its route and state;
 *      - posts and replies become a post as decided: its thread, links,
 *        attachments, the FTS row (a trigger), its place among the
 *        containers (thread.c); then held for moderation or queued for
 *        relay;
 *      - approvals, rejections and bounces go to their modules;
 *      - commands, confirmations, one-click unsubscriptions, summaries and
 *        mail to the owner go to request.c (ingest_dispatch_request);
 *      - auto-replies, loops, oversize and invalid messages are stored
 *        'ignored' with the reason;
 *   3. commit, log one line keyed by the Message-ID, free the arena.
 *
 * States: stored (effects committed), ignored (never acted on, by rule),
 * failed (could not be handled: the reason says why; bad input is never a
 * temporary failure, so it never blocks the mailbox), or what request.c
 * says for the list's own addresses.  Only database trouble that may pass
 * (busy, disk full, I/O) returns -1: everything is rolled back and the
 * message stays in IMAP for the next cycle.  (In an INGEST_BATCH, any
 * failure returns -1 and the caller redoes the batch one by one.)
 *
 * Oversize messages keep their first max_message_kb kilobytes (at least
 * 64 KB, so the header is always there for the author's notice) and their
 * real size; nothing larger is ever written to the database.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "clock.h"
#include "ingest.h"
#include "ingest_decide.h"
#include "log.h"
#include "message.h"
#include "moderation.h"
#include "relay.h"
#include "request.h"
#include "route.h"
#include "store_member.h"
#include "store_message.h"
#include "store_post.h"
#include "store_thread.h"
#include "thread.h"
#include "xalloc.h"

#define INGEST_SAVEPOINT_NAME "ingest_message"
#define INGEST_OVERSIZE_KEEP_MIN (64u * 1024)

/* Everything one message's handling needs, in one place. */
struct ingest_ctx {
	struct store *s;
	const struct conf *c;
	const struct ingest_options *o;
	struct ingest_result *res;
	const char *raw;
	size_t len, size;             /* bytes given, real size */
	const char *origin;
	struct ingest_prepared *p;    /* what stage 1 found (borrowed) */
	struct message *m;            /* p->m; NULL when over the parse limit */
	struct route_result rr;       /* p->rr */
	const char *mid;              /* p->mid: Message-ID or hash id */
	time_t now, received;
	int64_t message_row;
	struct ingest_decision d;     /* what ingest_decide said */
};

/* ---- the message row ----------------------------------------------------- */

/* add_message_row - the raw message with its route, state and reason */
static int
add_message_row(struct ingest_ctx *x, const char *state, const char *reason)
{
	struct store_message sm = { 0 };
	size_t keep = x->len;

	if (x->rr.route == ROUTE_OVERSIZE) {
		size_t limit = (size_t)x->c->list.max_message_kb * 1024;

		if (limit < INGEST_OVERSIZE_KEEP_MIN)
			limit = INGEST_OVERSIZE_KEEP_MIN;
		if (keep > limit)
			keep = limit;
	}
	sm.message_id = x->mid;
	sm.received = x->received;
	sm.origin = x->origin;
	sm.route = route_name(x->rr.route);
	sm.state = state;
	sm.reason = reason;
	sm.sender = x->m ? x->m->from.address : NULL;
	sm.size = x->size;
	sm.raw = x->raw;
	sm.raw_len = keep;
	if (x->p->packed && keep == x->p->len) {     /* made on the worker */
		sm.raw_z = x->p->raw_z ? x->p->raw_z : (const void *)x->raw;
		sm.raw_z_len = x->p->raw_z ? x->p->raw_z_len : keep;
	}
	if (store_message_add(x->s, &sm, &x->message_row) < 0)
		return -1;
	x->res->message = x->message_row;
	x->res->state = state;
	x->res->failed = strcmp(state, "failed") == 0;
	return 0;
}

/* route_reason - "reason (detail)" for the log and the messages row */
static char *
route_reason(const struct route_result *rr)
{
	const char *r = rr->reason ? rr->reason : route_name(rr->route);

	return rr->detail ? xasprintf("%s (%s)", r, rr->detail) : xstrdup(r);
}

/* ---- posts ----------------------------------------------------------------- */

/* store_post_message - a post or a reply, as x->d decided: its thread,
 * the post row, links, attachments, its place among the containers, then
 * held or queued */
static int
store_post_message(struct ingest_ctx *x)
{
	const struct message *m = x->m;
	struct ingest_decision *d = &x->d;
	struct thread_placed placed;
	struct store_post sp = { 0 };
	int64_t thread = d->thread, post = 0;
	int64_t session = d->has_session ? d->session.id : 0;
	char *mark = NULL;
	int rc;

	if (x->rr.route == ROUTE_REPLY && d->reply_mid == NULL)
		log_info("<%s>: reply to unknown post %s; threaded by its "
		    "headers", x->mid, x->rr.arg ? x->rr.arg : "?");
	if (thread == 0 && store_thread_add(x->s, d->theme, session, m->subject,
	    d->tm.norm_subject, x->received, &thread) < 0)
		return -1;
	if (x->p->archive_reason) {
		mark = x->p->archive_detail ? xasprintf("kept from an archive "
		    "although live mail would not be relayed: %s (%s)",
		    x->p->archive_reason, x->p->archive_detail) :
		    xasprintf("kept from an archive although live mail would "
		    "not be relayed: %s", x->p->archive_reason);
		x->res->marked = x->p->archive_reason;
	}
	rc = add_message_row(x, "stored", d->held ? d->held_reason : mark);
	free(mark);
	if (rc < 0)
		return -1;
	sp.message = x->message_row;
	sp.message_id = x->mid;
	sp.thread = thread;
	sp.theme = d->theme;
	sp.session = session;
	sp.kind = d->kind;
	sp.state = d->held ? "held" : "accepted";
	sp.author = d->author;
	sp.author_name = x->p->name;
	sp.author_email = m->from.address;
	sp.subject = m->subject;
	sp.date = m->date;
	sp.received = x->received;
	sp.text = m->text;
	sp.new_text = m->new_text;
	sp.text_packed = x->p->packed;
	sp.text_z = x->p->text_z;
	sp.text_z_len = x->p->text_z_len;
	if (x->p->packed) {
		sp.new_text_z = x->p->new_text_z->data;
		sp.new_text_z_len = x->p->new_text_z->len;
	}
	sp.nlinks = m->nlinks;
	sp.nattachments = m->nattachments;
	sp.parent = d->parent;
	sp.depth = d->depth;
	if (store_post_add(x->s, &sp, &post) < 0)
		return -1;
	x->res->post = post;
	for (size_t i = 0; i < m->nlinks; i++)
		if (m->links[i] && store_post_add_link(x->s, post, m->links[i]) < 0)
			return -1;
	for (size_t i = 0; i < m->nattachments; i++)
		if (store_post_add_attachment(x->s, post, m->attachments[i].name,
		    m->attachments[i].type, (int64_t)m->attachments[i].bytes) < 0)
			return -1;
	if (thread_place(x->s, &d->tm, thread, post, &placed) < 0)
		return -1;

	if (d->held) {
		x->res->held = 1;
		if (moderation_hold(x->s, x->c, m, x->message_row, post,
		    d->held_reason) < 0)
			return -1;
	} else if (x->o->relay && relay_enqueue_post(x->s, x->c, post) < 0) {
		return -1;
	}
	log_info("<%s>: %s %lld in thread %lld (theme %s by %s, kind %s, parent %lld%s%s)%s%s",
	    x->mid, route_name(x->rr.route), (long long)post,
	    (long long)placed.thread, d->theme, d->cr.theme_why, d->kind,
	    (long long)placed.parent, d->tm.by_subject ? ", by subject" : "",
	    placed.adopted ? ", adopted replies" : "",
	    d->held ? ", held: " : (x->o->relay ? ", queued" : ", not relayed"),
	    d->held ? (d->held_reason ? d->held_reason : "moderation") : "");
	return 0;
}

/* ---- everything else -------------------------------------------------------- */

/* ingest_dispatch_request - mail for the list's own machinery: commands
 * (cop+request@ and the shortcuts), confirmations, one-click
 * unsubscriptions, summaries, and mail to cop+owner@.  The message row is
 * added first (a summary becomes a post that points at it); request.c acts
 * inside this transaction and says which state to record. */
static int
ingest_dispatch_request(struct ingest_ctx *x, const char **state)
{
	*state = "stored";
	if (add_message_row(x, "stored", NULL) < 0)
		return -1;
	if (x->m == NULL)
		return 0;
	if (request_handle(x->s, x->c, x->m, &x->rr, x->message_row, state) < 0)
		return -1;
	if (strcmp(*state, "stored") != 0 &&
	    store_message_set_state(x->s, x->message_row, *state, NULL) < 0)
		return -1;
	x->res->state = *state;
	return 0;
}

/* handle - the route's effects; inside the transaction */
static int
handle(struct ingest_ctx *x)
{
	const char *state = "stored";
	char *reason = NULL;
	int rc;

	switch (x->rr.route) {
	case ROUTE_POST:
	case ROUTE_REPLY:
		return store_post_message(x);
	case ROUTE_APPROVE:
	case ROUTE_REJECT:
		if (add_message_row(x, "stored", NULL) < 0 ||
		    moderation_answer(x->s, x->c, x->m,
		    x->rr.route == ROUTE_APPROVE, x->rr.arg) < 0)
			return -1;
		log_info("<%s>: %s %s", x->mid, route_name(x->rr.route),
		    x->rr.arg ? x->rr.arg : "(no token)");
		return 0;
	case ROUTE_BOUNCE:
		if (add_message_row(x, "stored", NULL) < 0 ||
		    bounce_handle(x->s, x->c, x->m, x->message_row, x->rr.arg) < 0)
			return -1;
		log_info("<%s>: bounce%s%s recorded", x->mid,
		    x->rr.arg ? " for " : "", x->rr.arg ? x->rr.arg : "");
		return 0;
	case ROUTE_COMMAND:
	case ROUTE_CONFIRM:
	case ROUTE_UNSUBSCRIBE:
	case ROUTE_SUMMARY:
	case ROUTE_OWNER:
		if (ingest_dispatch_request(x, &state) < 0)
			return -1;
		log_info("<%s>: %s%s%s, %s", x->mid, route_name(x->rr.route),
		    x->rr.arg ? " " : "", x->rr.arg ? x->rr.arg : "", state);
		return 0;
	case ROUTE_AUTOREPLY:
	case ROUTE_LOOP:
	case ROUTE_OVERSIZE:
	case ROUTE_INVALID:
	default:
		reason = route_reason(&x->rr);
		if (x->rr.route == ROUTE_OVERSIZE) {
			char *r2 = xasprintf("%s: %zu bytes, limit %ld KB", reason,
			    x->size, x->c->list.max_message_kb);

			free(reason);
			reason = r2;
		}
		x->res->skipped = x->rr.reason ? x->rr.reason : route_name(x->rr.route);
		rc = add_message_row(x, "ignored", reason);
		if (rc == 0)
			log_info("<%s>: %s, ignored: %s", x->mid,
			    route_name(x->rr.route), reason);
		/* the author of a message too large is told (once a day);
		 * an archive being imported tells nobody */
		if (rc == 0 && x->rr.route == ROUTE_OVERSIZE && !x->rr.noreply &&
		    !x->o->no_moderation && moderation_oversize(x->s, x->c, x->m,
		    x->size) < 0)
			rc = -1;
		free(reason);
		return rc;
	}
}

/* begin / finish / abort - the message's own transaction or savepoint */
static int
begin(struct ingest_ctx *x)
{
	switch (x->o->in_transaction) {
	case INGEST_SAVEPOINT:
		return store_savepoint(x->s, INGEST_SAVEPOINT_NAME);
	case INGEST_BATCH:
		return 0;
	default:
		return store_begin(x->s);
	}
}

static int
finish(struct ingest_ctx *x)
{
	switch (x->o->in_transaction) {
	case INGEST_SAVEPOINT:
		return store_release(x->s, INGEST_SAVEPOINT_NAME);
	case INGEST_BATCH:
		return 0;
	default:
		return store_commit(x->s);
	}
}

static void
abort_work(struct ingest_ctx *x)
{
	switch (x->o->in_transaction) {
	case INGEST_SAVEPOINT:
		store_rollback_to(x->s, INGEST_SAVEPOINT_NAME);
		break;
	case INGEST_BATCH:
		break;   /* the caller rolls the whole batch back */
	default:
		store_rollback(x->s);
		break;
	}
}

/* store_failed - after a rollback: keep the message as failed, with why */
static int
store_failed(struct ingest_ctx *x, const char *why)
{
	struct ingest_result *res = x->res;
	int64_t id;

	res->post = 0;
	res->held = 0;
	if (begin(x) < 0)
		return -1;
	if (store_message_find(x->s, x->mid, &id) != 0 ||
	    add_message_row(x, "failed", why) < 0 || finish(x) < 0) {
		abort_work(x);
		return -1;
	}
	log_warnx("<%s>: failed: %s", x->mid, why);
	return 0;
}

/* ingest_store_prepared - see ingest.h */
int
ingest_store_prepared(struct store *s, const struct conf *c,
    struct ingest_prepared *p, const char *origin,
    const struct ingest_options *o, struct ingest_result *res)
{
	static const struct ingest_options defaults = { .relay = 1 };
	struct ingest_ctx x = { 0 };
	struct ingest_decide_opts dopts = { 0 };
	int rc, ret = -1;

	memset(res, 0, sizeof(*res));
	if (o && o->archive)
		(void)ingest_prepare_as_post(c, p);
	x.s = s;
	x.c = c;
	x.o = o ? o : &defaults;
	x.res = res;
	x.p = p;
	x.m = p->m;
	x.rr = p->rr;
	x.mid = p->mid;
	x.raw = p->raw;
	x.len = p->len;
	x.size = p->size;
	x.origin = origin;
	x.now = x.received = clock_now();
	if (x.o->date_as_received && x.m && x.m->date > 0 && x.m->date <= x.now)
		x.received = x.m->date;
	res->route = route_name(x.rr.route);
	dopts.received = x.received;
	dopts.theme = x.o->theme;
	dopts.no_moderation = x.o->no_moderation;
	dopts.stop_at_duplicate = 1;
	dopts.classifier = x.o->classifier;

	if (begin(&x) < 0)
		goto temporary;
	/* Decide (reads only), then act (writes). */
	rc = ingest_decide(s, c, p, &dopts, &x.d);
	if (rc < 0 && x.d.lookup_failed) {
		if (x.o->in_transaction == INGEST_BATCH)
			goto redo;
		int temp = store_error_temporary(s);

		abort_work(&x);
		if (temp)
			goto temporary;
		ret = store_failed(&x, "database refused the look-up");
		goto out;
	}
	if (rc == 0 && x.d.duplicate) {
		res->duplicate = 1;
		res->message = x.d.duplicate_of;
		if (finish(&x) < 0)
			goto temporary;
		log_info("<%s>: duplicate of message %lld, nothing done", x.mid,
		    (long long)x.d.duplicate_of);
		ret = 0;
		goto out;
	}
	if (rc < 0 || handle(&x) < 0 || finish(&x) < 0) {
		if (x.o->in_transaction == INGEST_BATCH)
			goto redo;
		/* Read the cause before the rollback resets it. */
		int temp = store_error_temporary(s);
		char *why = xasprintf("could not store (%s): %s", res->route,
		    store_errmsg(s));

		abort_work(&x);
		memset(res, 0, sizeof(*res));
		res->route = route_name(x.rr.route);
		if (temp) {
			free(why);
			goto temporary;
		}
		ret = store_failed(&x, why);
		free(why);
		goto out;
	}
	ret = 0;
	goto out;
redo:
	/* Part of this message may be in the caller's transaction. */
	log_info("<%s>: not stored in this batch (%s); the batch is redone "
	    "message by message", x.mid, store_errmsg(s));
	memset(res, 0, sizeof(*res));
	res->route = route_name(x.rr.route);
	ret = -1;
	goto out;
temporary:
	log_warnx("<%s>: temporary failure (%s), left for the next attempt",
	    x.mid, store_errmsg(s));
	ret = -1;
out:
	ingest_decide_release(&x.d);
	return ret;
}

int
ingest_message_opts(struct store *s, const struct conf *c, const char *raw,
    size_t len, const char *origin, const struct ingest_options *o,
    struct ingest_result *res)
{
	struct ingest_prepared *p;
	int ret;

	p = ingest_prepare(c, o ? o->classifier : NULL, raw, len,
	    o ? o->full_size : 0);
	ret = ingest_store_prepared(s, c, p, origin, o, res);
	ingest_prepared_free(&p);
	return ret;
}

int
ingest_message(struct store *s, const struct conf *c, const char *raw,
    size_t len, const char *origin, int relay, struct ingest_result *res)
{
	struct ingest_options o = { .relay = relay };

	return ingest_message_opts(s, c, raw, len, origin, &o, res);
}
