/* ingest - the story of one inbound message
 *
 * What happens to a message, in order:
 *
 *   1. parse it once (message.c) into a struct message living in its own
 *      arena; a message over the parser's hard limit gives none;
 *   2. route it (route.c): which list address, and what it is;
 *   3. in ONE transaction (its own; or a savepoint or simply a part of the
 *      caller's, for import-mbox batches: see struct ingest_options):
 *      - a message whose Message-ID (or, without one, the SHA-256 of its
 *        bytes) is already stored is a duplicate: nothing is done;
 *      - the raw message row is written with its route and state;
 *      - posts and replies become a post: author, theme, session, kind,
 *        thread (thread.c), links, attachments, the FTS row (a trigger);
 *        then held for moderation or queued for relay;
 *      - approvals, rejections and bounces go to their modules;
 *      - commands, confirmations, one-click unsubscriptions, summaries and
 *        mail to the owner go to request.c (ingest_dispatch_request);
 *      - auto-replies, loops, oversize and invalid messages are stored
 *        'ignored' with the reason;
 *   4. commit, log one line keyed by the Message-ID, free the arena.
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

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "classify.h"
#include "clock.h"
#include "ingest.h"
#include "log.h"
#include "message.h"
#include "moderation.h"
#include "relay.h"
#include "request.h"
#include "route.h"
#include "store_member.h"
#include "store_message.h"
#include "store_post.h"
#include "store_programme.h"
#include "store_thread.h"
#include "subject.h"
#include "thread.h"
#include "xalloc.h"

#define INGEST_SAVEPOINT_NAME "ingest_message"
#define INGEST_OVERSIZE_KEEP_MIN (64u * 1024)
#define INGEST_GENERAL_THEME "general"

/* What stage 1 (ingest_prepare) finds in a message without the database.
 * The message and the strings below live until ingest_prepared_free. */
struct ingest_prepared {
	const char *raw;              /* borrowed */
	size_t len, size;             /* bytes given, real size */
	struct message *m;            /* owned; NULL when over the parse limit */
	struct route_result rr;
	const char *mid;              /* Message-ID (m's arena) or hash_id */
	char hash_id[80];
	char *norm;                   /* owned: normalised subject (posts only) */
	char *name;                   /* owned: author's name (posts only) */
	struct classify_result kind;  /* the kind rules' result (posts only) */
	int have_kw;                  /* kw was worked out (posts, with a classifier) */
	struct classify_keywords kw;  /* the keyword rule's result */
};

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
	struct classifier *cl;        /* borrowed from the options, or owned_cl */
	struct classifier *owned_cl;
	char *theme;                  /* owned: the post's theme */
};

/* ---- classification --------------------------------------------------- */

/* classify_post - theme, session and kind by SPEC 5 (classify.c), with the
 * database's view of the sessions open at arrival (admin-opened ones,
 * early closes); the config's windows only while the database has none */
static int
classify_post(struct ingest_ctx *x, const char *thread_theme,
    struct classify_result *cr, int64_t *session)
{
	struct classify_input in = { 0 };
	struct classify_session *cs = NULL;
	struct store_session_row *rows = NULL;
	size_t nrows = 0;
	int any;

	*session = 0;
	if (store_sessions_open_at(x->s, x->received, &rows, &nrows, &any) < 0)
		return -1;
	if (any) {
		cs = xreallocarray(NULL, nrows + 1, sizeof(*cs));
		for (size_t i = 0; i < nrows; i++) {
			cs[i].theme = rows[i].theme;
			cs[i].opens = rows[i].opens;
			cs[i].closes = rows[i].closes;
			cs[i].id = rows[i].id;
		}
		in.sessions = cs;
		in.nsessions = nrows;
		in.have_sessions = 1;
	}
	if (x->o->theme)
		in.tag_theme = x->o->theme;
	else if (x->rr.route == ROUTE_POST)
		in.tag_theme = x->rr.arg;
	in.thread_theme = thread_theme;
	in.arrival = x->received;
	in.reply_route = x->rr.route == ROUTE_REPLY;
	in.keywords = x->p->have_kw ? &x->p->kw : NULL;
	if (x->cl == NULL)
		x->cl = x->owned_cl = classify_new(x->c);
	/* classify_message() in two halves: the kind needs no database and
	 * was found by ingest_prepare */
	memset(cr, 0, sizeof(*cr));
	classify_theme(x->cl, x->m, &in, cr);
	cr->kind = x->p->kind.kind;
	cr->kind_rule = x->p->kind.kind_rule;
	memcpy(cr->kind_why, x->p->kind.kind_why, sizeof(cr->kind_why));
	if (cr->session)
		*session = cr->session->id;
	/* The result's theme may point into the rows: keep it valid. */
	if (cr->theme) {
		x->theme = xstrdup(cr->theme);
		cr->theme = x->theme;
	}
	cr->session = NULL;
	free(cs);
	store_sessions_free(&rows, nrows);
	return 0;
}

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

/* author_name - display name, else the local part of the address */
static char *
author_name(const struct message *m)
{
	const char *at;

	if (m->from.name && *m->from.name)
		return xstrdup(m->from.name);
	if (m->from.address == NULL)
		return NULL;
	at = strrchr(m->from.address, '@');
	return at ? xstrndup(m->from.address, (size_t)(at - m->from.address))
	    : xstrdup(m->from.address);
}

/* reply_parent_mid - for cop+reply-POSTID@: the Message-ID of that post
 * (owned), or NULL when it does not exist */
static int
reply_parent_mid(struct ingest_ctx *x, char **pmid)
{
	const char *a = x->rr.arg;
	char *end;
	long long id;

	*pmid = NULL;
	if (a == NULL || !isdigit((unsigned char)*a))
		return 0;
	id = strtoll(a, &end, 10);
	if (*end != '\0' || id <= 0)
		return 0;
	return store_post_message_id(x->s, id, pmid);
}

/* store_post_message - a post or a reply, with its thread and effects */
static int
store_post_message(struct ingest_ctx *x)
{
	const struct message *m = x->m;
	const char *chain[THREAD_MAX_REFS];
	const char *theme, *kind, *reason = NULL;
	char *thread_theme = NULL;
	const char *norm = x->p->norm ? x->p->norm : "";
	struct classify_result cr;
	char *reply_mid = NULL;
	struct thread_msg tm = { 0 };
	struct thread_cache tcache = { 0 };  /* containers read once for all */
	struct thread_placed placed;
	struct store_post sp = { 0 };
	int64_t thread = 0, session = 0, author = 0, post = 0;
	int rc, held, ret = -1;

	/* The chain: a reply from a digest names its parent by post id. */
	if (x->rr.route == ROUTE_REPLY) {
		if (reply_parent_mid(x, &reply_mid) < 0)
			return -1;
		if (reply_mid == NULL)
			log_info("<%s>: reply to unknown post %s; threaded by its "
			    "headers", x->mid, x->rr.arg ? x->rr.arg : "?");
	}
	if (reply_mid && strcmp(reply_mid, x->mid) != 0) {
		chain[0] = reply_mid;
		tm.nchain = 1;
	} else {
		tm.nchain = thread_chain(x->mid, m->references, m->nreferences,
		    m->in_reply_to, chain, THREAD_MAX_REFS);
	}
	tm.mid = x->mid;
	tm.cache = &tcache;
	tm.chain = chain;
	tm.subject = m->subject;
	tm.norm_subject = norm;
	tm.received = x->received;
	tm.reply_like = tm.nchain > 0 || subject_is_reply(m->subject);

	/* Thread first: a reply inherits the thread's theme. */
	if ((rc = thread_find(x->s, &tm, &thread, &thread_theme)) < 0)
		goto out;
	if (classify_post(x, thread_theme, &cr, &session) < 0)
		goto out;
	theme = cr.theme ? cr.theme : INGEST_GENERAL_THEME;
	kind = classify_kind_name(cr.kind);
	if (thread == 0) {
		if ((rc = thread_find_subject(x->s, &tm, theme, &thread)) < 0)
			goto out;
		tm.by_subject = rc == 1;
	}
	if (thread == 0 && store_thread_add(x->s, theme, session, m->subject,
	    norm, x->received, &thread) < 0)
		goto out;

	if (m->from.address &&
	    store_member_by_email(x->s, m->from.address, &author) < 0)
		goto out;
	held = 0;
	if (!x->o->no_moderation &&
	    (held = moderation_check(x->s, x->c, m, author, &reason)) < 0)
		goto out;
	if (thread_guess_parent(x->s, &tm, thread, &sp.parent, &sp.depth) < 0)
		goto out;

	if (add_message_row(x, "stored", held ? reason : NULL) < 0)
		goto out;
	sp.message = x->message_row;
	sp.message_id = x->mid;
	sp.thread = thread;
	sp.theme = theme;
	sp.session = session;
	sp.kind = kind;
	sp.state = held ? "held" : "accepted";
	sp.author = author;
	sp.author_name = x->p->name;
	sp.author_email = m->from.address;
	sp.subject = m->subject;
	sp.date = m->date;
	sp.received = x->received;
	sp.text = m->text;
	sp.new_text = m->new_text;
	sp.nlinks = m->nlinks;
	sp.nattachments = m->nattachments;
	if (store_post_add(x->s, &sp, &post) < 0)
		goto out;
	x->res->post = post;
	for (size_t i = 0; i < m->nlinks; i++)
		if (m->links[i] && store_post_add_link(x->s, post, m->links[i]) < 0)
			goto out;
	for (size_t i = 0; i < m->nattachments; i++)
		if (store_post_add_attachment(x->s, post, m->attachments[i].name,
		    m->attachments[i].type, (int64_t)m->attachments[i].bytes) < 0)
			goto out;
	if (thread_place(x->s, &tm, thread, post, &placed) < 0)
		goto out;

	if (held) {
		x->res->held = 1;
		if (moderation_hold(x->s, x->c, m, x->message_row, post, reason) < 0)
			goto out;
	} else if (x->o->relay && relay_enqueue_post(x->s, x->c, post) < 0) {
		goto out;
	}
	log_info("<%s>: %s %lld in thread %lld (theme %s by %s, kind %s, parent %lld%s%s)%s%s",
	    x->mid, route_name(x->rr.route), (long long)post,
	    (long long)placed.thread, theme, cr.theme_why, kind, (long long)placed.parent,
	    tm.by_subject ? ", by subject" : "", placed.adopted ? ", adopted replies" : "",
	    held ? ", held: " : (x->o->relay ? ", queued" : ", not relayed"),
	    held ? (reason ? reason : "moderation") : "");
	ret = 0;
out:
	thread_cache_release(&tcache);
	free(reply_mid);
	free(thread_theme);
	return ret;
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
		rc = add_message_row(x, "ignored", reason);
		if (rc == 0)
			log_info("<%s>: %s, ignored: %s", x->mid,
			    route_name(x->rr.route), reason);
		/* SPEC 9: the author of a message too large is told (once a
		 * day); an archive being imported tells nobody */
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

/* ingest_prepare - see ingest.h */
struct ingest_prepared *
ingest_prepare(const struct conf *c, struct classifier *cl, const char *raw,
    size_t len, size_t full_size)
{
	struct ingest_prepared *p = xcalloc(1, sizeof(*p));
	struct msg_limits lim;

	p->raw = raw;
	p->len = len;
	p->size = full_size > len ? full_size : len;
	message_default_limits(&lim);
	p->m = message_parse(raw, len, &lim);
	route_message(c, p->m, p->size, &p->rr);
	if (full_size > len && p->rr.route != ROUTE_OVERSIZE) {
		p->rr.route = ROUTE_OVERSIZE;
		p->rr.reason = "larger than the reader's cap";
		p->rr.detail = NULL;
	}
	/* Without a parse (too large) there is nothing else to go by. */
	if (p->m == NULL && p->rr.route != ROUTE_OVERSIZE)
		p->rr.route = ROUTE_OVERSIZE;
	if (p->m && p->m->message_id && *p->m->message_id &&
	    strlen(p->m->message_id) <= THREAD_MAX_ID)
		p->mid = p->m->message_id;
	else
		p->mid = message_hash_id(raw, len, p->hash_id, sizeof(p->hash_id));
	/* What a post needs from the message alone, worked out here so that a
	 * pipeline does it on its second thread. */
	if (p->m && (p->rr.route == ROUTE_POST || p->rr.route == ROUTE_REPLY)) {
		struct classify_input in = { 0 };

		p->norm = classify_normalize_subject(c, p->m->subject);
		p->name = author_name(p->m);
		in.reply_route = p->rr.route == ROUTE_REPLY;
		classify_kind(c, p->m, &in, &p->kind);
		/* The keyword rule comes after the thread's theme: only a
		 * message that names no parent surely reaches it (the others
		 * match in the store stage when their parent is unknown). */
		if (cl && p->rr.route != ROUTE_REPLY && p->m->in_reply_to == NULL &&
		    p->m->nreferences == 0) {
			classify_keywords(cl, p->m, &p->kw);
			p->have_kw = 1;
		}
	}
	return p;
}

/* ingest_prepared_free - see ingest.h */
void
ingest_prepared_free(struct ingest_prepared **pp)
{
	struct ingest_prepared *p = *pp;

	if (p == NULL)
		return;
	message_free(&p->m);
	free(p->norm);
	free(p->name);
	free(p);
	*pp = NULL;
}

/* ingest_prepared_mid - see ingest.h */
const char *
ingest_prepared_mid(const struct ingest_prepared *p)
{
	return p->mid;
}

/* ingest_store_prepared - see ingest.h */
int
ingest_store_prepared(struct store *s, const struct conf *c,
    struct ingest_prepared *p, const char *origin,
    const struct ingest_options *o, struct ingest_result *res)
{
	static const struct ingest_options defaults = { .relay = 1 };
	struct ingest_ctx x = { 0 };
	int64_t id;
	int rc, ret = -1;

	memset(res, 0, sizeof(*res));
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
	x.cl = x.o->classifier;
	if (x.o->date_as_received && x.m && x.m->date > 0 && x.m->date <= x.now)
		x.received = x.m->date;
	res->route = route_name(x.rr.route);

	if (begin(&x) < 0)
		goto temporary;
	if ((rc = store_message_find(s, x.mid, &id)) != 0) {
		if (rc < 0 && x.o->in_transaction == INGEST_BATCH)
			goto redo;
		if (rc < 0) {
			int temp = store_error_temporary(s);

			abort_work(&x);
			if (temp)
				goto temporary;
			ret = store_failed(&x, "database refused the look-up");
			goto out;
		}
		res->duplicate = 1;
		res->message = id;
		if (finish(&x) < 0)
			goto temporary;
		log_info("<%s>: duplicate of message %lld, nothing done", x.mid,
		    (long long)id);
		ret = 0;
		goto out;
	}
	if (handle(&x) < 0 || finish(&x) < 0) {
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
	classify_free(&x.owned_cl);
	free(x.theme);
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
