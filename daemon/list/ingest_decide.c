/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ingest_decide - what ingest will do with a prepared message, and why
 *
 * The decisions, in the order ingest takes them (each needs the ones
 * before it):
 *
 *   1. Duplicate: a stored message with the same Message-ID, or without
 *      one the same SHA-256 of its bytes (ingest_prepare chose which).
 *   2. For a post or a reply, the chain of ancestors it claims: its
 *      References and In-Reply-To cleaned by thread_chain(), or for a
 *      digest reply (cop+reply-POSTID@) the Message-ID of that post.
 *   3. The thread by that chain (thread_find): it comes first because a
 *      reply inherits its thread's theme.
 *   4. Theme, session and kind (classify.c) with the sessions the
 *      database knows open at arrival (administrators open and close
 *      sessions by hand); the configuration's windows only while the
 *      database has none.  The kind was found by ingest_prepare.
 *   5. No thread by the chain: the subject fallback within that theme
 *      (thread_find_subject), else a new thread.
 *   6. The author (a member or not), held or not (moderation_check), and
 *      the post it will most likely hang under (thread_guess_parent), so
 *      that the post row is written once with its parent.
 *
 * Nothing here writes.  Steps 1, 3, 5 and 6 need the database; without
 * one only 2 and 4 are taken (by the configuration).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ingest_decide.h"
#include "moderation.h"
#include "store_member.h"
#include "store_message.h"
#include "store_post.h"
#include "store_programme.h"
#include "store_thread.h"
#include "subject.h"
#include "xalloc.h"

/* reply_parent_mid - for cop+reply-POSTID@ (arg the digits): the
 * Message-ID of that post (owned), or NULL when it does not exist */
static int
reply_parent_mid(struct store *s, const char *arg, char **pmid)
{
	char *end;
	long long id;

	*pmid = NULL;
	if (arg == NULL || !isdigit((unsigned char)*arg))
		return 0;
	id = strtoll(arg, &end, 10);
	if (*end != '\0' || id <= 0)
		return 0;
	return store_post_message_id(s, id, pmid) < 0 ? -1 : 0;
}

/* decide_theme - theme, session and kind of p (step 4) into d */
static int
decide_theme(struct store *s, const struct conf *c, const struct ingest_prepared *p,
    const struct ingest_decide_opts *o, struct ingest_decision *d)
{
	struct classify_input in = { 0 };
	struct classify_session *cs = NULL;
	struct store_session_row *rows = NULL;
	struct classifier *cl = o->classifier;
	size_t nrows = 0;
	int any = 0;

	if (s && store_sessions_open_at(s, o->received, &rows, &nrows, &any) < 0)
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
	if (o->theme)
		in.tag_theme = o->theme;
	else if (p->rr.route == ROUTE_POST || p->rr.route == ROUTE_SUMMARY)
		in.tag_theme = p->rr.arg;
	in.thread_theme = d->thread_theme;
	in.arrival = o->received;
	in.reply_route = p->rr.route == ROUTE_REPLY;
	in.keywords = p->have_kw ? &p->kw : NULL;
	if (cl == NULL)
		cl = d->owned_cl = classify_new(c);
	classify_theme(cl, p->m, &in, &d->cr);
	d->classified = 1;
	/* The result points into the rows or the input: keep copies. */
	d->theme = d->theme_owned = xstrdup(d->cr.theme ? d->cr.theme : CONF_GENERAL_THEME);
	d->cr.theme = d->theme;
	if (d->cr.session) {
		d->session = *d->cr.session;
		snprintf(d->session_theme, sizeof(d->session_theme), "%s",
		    d->cr.session->theme ? d->cr.session->theme : "");
		d->session.theme = d->session_theme;
		d->has_session = 1;
	}
	d->cr.session = NULL;
	free(cs);
	store_sessions_free(&rows, nrows);

	/* The kind needs no database: ingest_prepare found it for posts. */
	if (p->rr.route == ROUTE_SUMMARY) {
		d->kind = "summary";
		d->kind_why = "sent to the summary address";
	} else {
		d->cr.kind = p->kind.kind;
		d->cr.kind_rule = p->kind.kind_rule;
		memcpy(d->cr.kind_why, p->kind.kind_why, sizeof(d->cr.kind_why));
		d->kind = classify_kind_name(d->cr.kind);
		d->kind_why = d->cr.kind_why;
	}
	return 0;
}

/* unless_published - with thread found for p: keep it only when it holds
 * a published post.  A thread of held, rejected or pending posts alone
 * must not lend a reply its subject or its place (SPEC §9: a reply to a
 * rejected post starts its own thread, under its own subject), so the
 * reply forgets the chain that leads there.  0, or -1. */
static int
unless_published(struct store *s, struct ingest_decision *d, struct thread_msg *tm)
{
	int rc;

	if (d->thread == 0)
		return 0;
	if ((rc = store_thread_published(s, d->thread)) != 0)
		return rc < 0 ? -1 : 0;
	d->thread = 0;
	free(d->thread_theme);
	d->thread_theme = NULL;
	tm->nchain = 0;
	tm->by_subject = 0;
	d->unpublished_thread = 1;
	return 0;
}

/* decide_post - steps 2 to 6 for a post or a reply */
static int
decide_post(struct store *s, const struct conf *c, const struct ingest_prepared *p,
    const struct ingest_decide_opts *o, struct ingest_decision *d)
{
	const struct message *m = p->m;
	struct thread_msg *tm = &d->tm;
	int rc, by_reply_address = 0;

	d->post = 1;
	if (s && p->rr.route == ROUTE_REPLY &&
	    reply_parent_mid(s, p->rr.arg, &d->reply_mid) < 0)
		return -1;
	if (d->reply_mid && strcmp(d->reply_mid, p->mid) != 0) {
		d->chain[0] = d->reply_mid;
		tm->nchain = 1;
		by_reply_address = 1;
	} else {
		tm->nchain = thread_chain(p->mid, m->references, m->nreferences,
		    m->in_reply_to, d->chain, THREAD_MAX_REFS);
	}
	tm->mid = p->mid;
	tm->cache = &d->cache;
	tm->chain = d->chain;
	tm->subject = m->subject;
	tm->norm_subject = p->norm ? p->norm : "";
	tm->received = o->received;
	tm->reply_like = tm->nchain > 0 || subject_is_reply(m->subject);

	if (s && (thread_find(s, tm, &d->thread, &d->thread_theme) < 0 ||
	    unless_published(s, d, tm) < 0))
		return -1;
	if (d->unpublished_thread)
		by_reply_address = 0;
	if (decide_theme(s, c, p, o, d) < 0)
		return -1;
	if (s == NULL)
		return 0;
	if (d->thread) {
		d->thread_rule = by_reply_address ? INGEST_THREAD_REPLY_ADDRESS :
		    INGEST_THREAD_REFERENCES;
	} else {
		if ((rc = thread_find_subject(s, tm, d->theme, &d->thread)) < 0)
			return -1;
		tm->by_subject = rc == 1;
		if (unless_published(s, d, tm) < 0)
			return -1;
		d->thread_rule = tm->by_subject ? INGEST_THREAD_SUBJECT : INGEST_THREAD_NEW;
	}
	if (m->from.address &&
	    store_member_by_email(s, m->from.address, &d->author) < 0)
		return -1;
	if (!o->no_moderation) {
		if ((rc = moderation_check(s, c, m, d->author, &d->held_reason)) < 0)
			return -1;
		d->held = rc;
	}
	return thread_guess_parent(s, tm, d->thread, &d->parent, &d->depth);
}

/* ingest_decide - see ingest_decide.h */
int
ingest_decide(struct store *s, const struct conf *c,
    const struct ingest_prepared *p, const struct ingest_decide_opts *o,
    struct ingest_decision *d)
{
	struct ingest_decide_opts now = { 0 };
	int rc;

	memset(d, 0, sizeof(*d));
	if (o == NULL) {
		now.received = clock_now();
		o = &now;
	}
	d->p = p;
	d->received = o->received;
	d->store_read = s != NULL;
	if (s) {
		if ((rc = store_message_find(s, p->mid, &d->duplicate_of)) < 0) {
			d->lookup_failed = 1;
			return -1;
		}
		d->duplicate = rc == 1;
		if (d->duplicate && o->stop_at_duplicate)
			return 0;
	}
	if (p->m == NULL)
		return 0;
	switch (p->rr.route) {
	case ROUTE_POST:
	case ROUTE_REPLY:
		return decide_post(s, c, p, o, d);
	case ROUTE_SUMMARY:
		/* request.c acts on a summary: what is decided here is what
		 * its words say, and that it starts a thread of its own */
		if (s)
			d->thread_rule = INGEST_THREAD_NEW;
		return decide_theme(s, c, p, o, d);
	default:
		return 0;
	}
}

/* ingest_decide_release - see ingest_decide.h */
void
ingest_decide_release(struct ingest_decision *d)
{
	thread_cache_release(&d->cache);
	free(d->thread_theme);
	free(d->reply_mid);
	free(d->theme_owned);
	classify_free(&d->owned_cl);
	memset(d, 0, sizeof(*d));
}

/* ingest_decide_thread_rule_name - see ingest_decide.h */
const char *
ingest_decide_thread_rule_name(enum ingest_thread_rule r)
{
	switch (r) {
	case INGEST_THREAD_REFERENCES: return "references";
	case INGEST_THREAD_REPLY_ADDRESS: return "reply address";
	case INGEST_THREAD_SUBJECT: return "subject";
	case INGEST_THREAD_NEW: return "new";
	default: return NULL;
	}
}

/* ingest_decide_thread_why - see ingest_decide.h */
const char *
ingest_decide_thread_why(const struct ingest_decision *d)
{
	switch (d->thread_rule) {
	case INGEST_THREAD_REFERENCES:
		if (d->tm.nchain)
			return "a stored message it replies to";
		return d->duplicate ? "the thread it is stored in" :
		    "a reply to it was stored first";
	case INGEST_THREAD_REPLY_ADDRESS:
		return "the post its reply address names";
	case INGEST_THREAD_SUBJECT:
		return "its subject: it looks like a reply, and a thread of its "
		    "theme has that subject within 30 days";
	case INGEST_THREAD_NEW:
		return d->post ? "no stored message it replies to" :
		    "a summary starts a thread of its own";
	default:
		return NULL;
	}
}
