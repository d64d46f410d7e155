/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ingest_decide - what ingest will do with a prepared message, and why
 *
 * One function takes every decision of ingest's store stage that needs
 * the database, without writing anything: is the message a duplicate;
 * for a post or a reply, which thread it joins and how that thread was
 * found, its theme, session and kind with the rule that gave each, the
 * post it will hang under, its author and whether it is held for
 * moderation.  ingest.c calls it inside the message's transaction and
 * then writes what it says; `baraza inspect` calls it on a database it
 * only reads and prints it, so "why did my message go there?" is answered
 * by the code that sent it there.
 *
 * The rules themselves live in their modules: route.c (the route),
 * thread.c (the JWZ chain, the subject fallback, the parent),
 * classify.c (theme, session, kind), moderation.c (held or not).
 */
#ifndef BARAZA_INGEST_DECIDE_H
#define BARAZA_INGEST_DECIDE_H

#include <stdint.h>
#include <time.h>

#include "classify.h"
#include "conf.h"
#include "ingest_prepare.h"
#include "store.h"
#include "thread.h"

/* How the thread was found */
enum ingest_thread_rule {
	INGEST_THREAD_UNKNOWN,    /* not looked up: no database, or not a post */
	INGEST_THREAD_REFERENCES, /* a stored message of its References/In-Reply-To,
	                           * or its own place kept by an earlier reply */
	INGEST_THREAD_REPLY_ADDRESS, /* the post its cop+reply-POSTID@ names */
	INGEST_THREAD_SUBJECT,    /* the subject fallback (it looks like a reply) */
	INGEST_THREAD_NEW         /* none: it starts a thread */
};

struct ingest_decide_opts {
	time_t received;          /* arrival: decides the open session */
	const char *theme;        /* a forced theme slug (import-mbox --theme), or NULL */
	int no_moderation;        /* 1: never held (an imported archive) */
	/* 1: stop at a duplicate (ingest does nothing more with one);
	 * 0: decide the rest all the same (inspect shows it) */
	int stop_at_duplicate;
	/* a classifier for the conf (classify_new), or NULL: one is made
	 * when a post needs it, and freed with the decision */
	struct classifier *classifier;
};

/* The decisions.  Strings are owned by the decision or static, valid
 * until ingest_decide_release(); the thread fields point into the
 * decision itself, so it must not be copied or moved once decided. */
struct ingest_decision {
	const struct ingest_prepared *p;   /* borrowed: the message */
	time_t received;
	int store_read;           /* 1: the database was consulted */
	/* a message with this Message-ID (or hash id) is stored already */
	int duplicate;
	int64_t duplicate_of;     /* its messages.id */
	int lookup_failed;        /* -1 came from the duplicate look-up */

	/* theme, session and kind: posts, replies, and summaries (for which
	 * they say what the classifier makes of the words; request.c picks
	 * the session a summary closes) */
	int classified;
	struct classify_result cr;  /* cr.theme is theme below; cr.session NULL */
	const char *theme;        /* the theme's slug ("general" at least) */
	const char *kind;         /* "idea", ... or "summary" (static) */
	const char *kind_why;     /* the reason of kind */
	int has_session;          /* session below is the open one */
	struct classify_session session;  /* theme points at session_theme */
	char session_theme[128];

	/* posts and replies (ROUTE_POST, ROUTE_REPLY) */
	int post;
	enum ingest_thread_rule thread_rule;
	int64_t thread;           /* 0: a new thread (or not looked up) */
	char *thread_theme;       /* owned: the found thread's theme, or NULL */
	int unpublished_thread;   /* the thread found holds no published post:
	                           * left alone, a new one is started */
	char *reply_mid;          /* owned: cop+reply-POSTID@'s post, or NULL
	                           * when it names none that exists */
	int64_t parent;           /* the post it will hang under, 0: a root */
	int depth;
	int64_t author;           /* members.id of the From address, or 0 */
	int held;                 /* held for moderation */
	const char *held_reason;  /* static: "non-member", ... */
	/* for thread_place() after the post is written */
	const char *chain[THREAD_MAX_REFS];
	struct thread_msg tm;
	struct thread_cache cache;

	char *theme_owned;
	struct classifier *owned_cl;
};

/* ingest_decide - decide p against the store s (read only; inside the
 * caller's transaction when it has one; s may be NULL: then only what
 * needs no database is decided, with the configuration's session windows,
 * store_read 0 and thread_rule INGEST_THREAD_UNKNOWN).  o may be NULL for
 * received = now.  Always fills *d (release it).  0, or -1 on a database
 * error (lookup_failed says whether the duplicate look-up failed). */
int ingest_decide(struct store *s, const struct conf *c,
    const struct ingest_prepared *p, const struct ingest_decide_opts *o,
    struct ingest_decision *d);

/* ingest_decide_release - free what d owns; d is zeroed */
void ingest_decide_release(struct ingest_decision *d);

/* ingest_decide_thread_rule_name - "references", "reply address",
 * "subject", "new", or NULL for INGEST_THREAD_UNKNOWN */
const char *ingest_decide_thread_rule_name(enum ingest_thread_rule r);

/* ingest_decide_thread_why - the thread rule in words, for people */
const char *ingest_decide_thread_why(const struct ingest_decision *d);

#endif
