/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request_ctx - one mail to the list's own machinery, and its answer
 *
 * What every handler of request.c, request_confirm.c and request_summary.c
 * needs about the mail it acts on: the sender (a member or not), the
 * language to answer in, and the answer being written.  Answers are
 * notices (notice.h) from cop+request@ in the ingest transaction, to the
 * From address only, and never to a robot: with noreply set a handler
 * still acts but request_ctx_notice() sends nothing.
 */
#ifndef BARAZA_REQUEST_CTX_H
#define BARAZA_REQUEST_CTX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "message.h"
#include "route.h"
#include "store.h"
#include "store_member.h"
#include "template.h"

#define REQUEST_CONFIRM_TTL (7 * 86400)   /* a confirmation token's life */
#define REQUEST_TEXT_MAX (1u << 20)       /* cap on an answer's text */

struct request_ctx {
	struct store *s;
	const struct conf *c;
	const struct message *m;
	const struct route_result *rr;
	int64_t message_row;     /* the mail's messages.id */
	const char *sender;      /* its From address (borrowed from m) */
	struct member member;    /* owned; valid when is_member */
	int is_member;
	const char *lang;        /* the answer's language: member's or list's */
	time_t now;
	struct buf results;      /* what the answer lists, one item per command */
	int want_help;           /* the answer carries the help text */
	int confirmations;       /* confirmation requests sent */
	int noreply;             /* the sender is a robot: act, never answer */
	char mail_lang[24];         /* the mail's Content-Language when we can
	                             * write it ("fr"), else "" */
	/* Commands that change a member (unsubscribe, nomail, digest, each,
	 * themes, language) from a sender the receiving server did not
	 * authenticate (sender_auth.h) wait for the member's confirmation:
	 * with defer set they are collected, not carried out. */
	int defer;
	struct buf pending;      /* the waiting commands, "verb arg\n" each */
	struct buf changes;      /* what they will change, for the member */
	/* Carries out the confirmed commands lines as the member at address
	 * (set by request.c, called by request_confirm.c).  0, or -1. */
	int (*apply_changes)(struct request_ctx *r, const char *address,
	    const char *lines);
};

/* request_ctx_init - r for m (sent by its From address, which must be
 * set) routed as rr and stored as message_row; the sender is looked up
 * among the members.  0, or -1 on a database error (r is then released). */
int request_ctx_init(struct request_ctx *r, struct store *s,
    const struct conf *c, const struct message *m,
    const struct route_result *rr, int64_t message_row);
/* request_ctx_release - free what r owns */
void request_ctx_release(struct request_ctx *r);

/* request_ctx_say - append the strings.txt text of key in r's language,
 * expanded with vars, to r->results; cmdline (may be NULL) is quoted
 * above it as "> cmdline" */
void request_ctx_say(struct request_ctx *r, const char *cmdline,
    const char *key, const struct template_var *vars, size_t nvars);

/* request_ctx_say_to - request_ctx_say into out instead of r->results */
void request_ctx_say_to(struct request_ctx *r, struct buf *out,
    const char *cmdline, const char *key, const struct template_var *vars,
    size_t nvars);

/* request_ctx_results_ok - 1 when r->results was built whole; else 0,
 * logged: an answer is not sent with a piece missing */
int request_ctx_results_ok(struct request_ctx *r);

/* request_ctx_notice - queue one notice from cop+request@ to `to`, in lang,
 * answering r's mail (In-Reply-To), with an optional Reply-To; nothing
 * when r->noreply (logged).  0, or -1 on a database error. */
int request_ctx_notice(struct request_ctx *r, const char *kind,
    const char *template, const char *to, const char *lang,
    const struct template_var *vars, size_t nvars, const char *reply_to);

/* request_ctx_delivery_words - the words for a delivery mode ("each",
 * "digest", "none") in r's language into out; returns out */
const char *request_ctx_delivery_words(struct request_ctx *r,
    const char *delivery, char *out, size_t outlen);

#endif
