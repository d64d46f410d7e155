/* route - where did this message go, and what is it? (SPEC sections 4, 9)
 *
 * Pure: reads a parsed message, the configuration and the raw size; touches
 * no database.  The recipient address is found in Delivered-To,
 * X-Original-To, Envelope-To, then To/Cc (first one that is the list
 * address or a tagged form of it).  Auto-replies, loops, bounces and
 * oversize messages are recognised here.  Acting on the route is the
 * caller's business (ingest.c).
 */
#ifndef BARAZA_ROUTE_H
#define BARAZA_ROUTE_H

#include <stddef.h>

#include "conf.h"
#include "message.h"

enum route {
	ROUTE_POST,        /* cop@ or cop+THEME@ */
	ROUTE_COMMAND,     /* cop+request@, cop+subscribe@, cop+unsubscribe@, cop+help@ */
	ROUTE_SUMMARY,     /* cop+summary@, cop+summary-THEME@ */
	ROUTE_CONFIRM,     /* cop+confirm-TOKEN@ */
	ROUTE_APPROVE,     /* cop+approve-TOKEN@ */
	ROUTE_REJECT,      /* cop+reject-TOKEN@ */
	ROUTE_UNSUBSCRIBE, /* cop+unsubscribe-TOKEN@ (one-click) */
	ROUTE_REPLY,       /* cop+reply-POSTID@ */
	ROUTE_OWNER,       /* cop+owner@ */
	ROUTE_BOUNCE,      /* cop+bounces@, cop+bounces-LOCAL=DOMAIN@, or a DSN to the list */
	ROUTE_AUTOREPLY,   /* vacation, Auto-Submitted, Precedence bulk/junk/list ... */
	ROUTE_LOOP,        /* our own List-Id / X-Loop */
	ROUTE_OVERSIZE,    /* over list.max_message_kb */
	ROUTE_INVALID      /* unusable: no sender, not for us, unparsable */
};

struct route_result {
	enum route route;
	/* The tag's argument: THEME for posts and summaries, TOKEN, POSTID,
	 * the command word for shortcuts ("subscribe", "unsubscribe", "help",
	 * "request"), "LOCAL=DOMAIN" for VERP bounces.  Points into a copy
	 * owned by the message's arena, or NULL. */
	const char *arg;
	const char *to;        /* the list address it reached (arena), or NULL */
	const char *reason;    /* static, for autoreply/loop/invalid/oversize: why */
};

/* route_message - classify m (raw size raw_len) for list c.  Always fills r. */
void route_message(const struct conf *c, const struct message *m,
    size_t raw_len, struct route_result *r);
/* route_name - "post", "command", ... as in SPEC section 2 (inspect) */
const char *route_name(enum route r);

#endif
