/* SPDX-License-Identifier: GPL-3.0-or-later */
/* route - where did this message go, and what is it?
 *
 * Pure: reads a parsed message, the configuration and the raw size; touches
 * no database.  The recipient address is found in Delivered-To,
 * X-Original-To, Envelope-To, then To/Cc (first one that is the list
 * address or a tagged form of it; listaddr.h says what each form means).
 * Auto-replies, loops, bounces and oversize messages are recognised here,
 * from the signs autoreply.h collects.  Acting on the route is the
 * caller's business (ingest.c).  The order in which the checks are applied,
 * and why, is written up at the top of route.c.
 *
 * Every string a route_result points at is free of CR, LF and other
 * control characters, so it may be logged or put into a header as is.
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
	ROUTE_INVALID      /* unusable: no sender, unknown address */
};

struct route_result {
	enum route route;
	/* The tag's argument: THEME for posts and summaries (the configured
	 * slug's spelling, or "general"), TOKEN (case kept as received:
	 * compare tokens case-insensitively, MTAs may fold case), POSTID
	 * (digits), the command word for shortcuts ("subscribe",
	 * "unsubscribe", "help", "request"), "LOCAL=DOMAIN" for VERP bounces.
	 * Points into a copy owned by the message's arena, or NULL. */
	const char *arg;
	/* the list address it reached, as written in the header (arena), or
	 * NULL when no header names the list (then a post is assumed) */
	const char *to;
	/* the header field in which `to` was found: "Delivered-To",
	 * "X-Original-To", "Envelope-To", "To", "Cc" (static), or NULL */
	const char *to_header;
	/* static, set for every route: the rule that decided, in a few words
	 * ("posting address", "Auto-Submitted", "out-of-office subject", ...) */
	const char *reason;
	/* the evidence, for people (inspect, the log): e.g. "Auto-Submitted:
	 * auto-replied" or "X-Loop: cop@example.org"; arena, or NULL.  Header
	 * values in it are cut to ~200 bytes and control characters replaced. */
	const char *detail;
	/* 1: never send an automatic answer to this sender (null envelope
	 * sender, MAILER-DAEMON, any auto-reply sign, a loop, a bounce).  Set
	 * whatever the route, e.g. for an oversize auto-reply, so the caller
	 * never answers a robot. */
	int noreply;
};

/* route_message - classify m (raw size raw_len) for list c.  Always fills
 * r.  m may be NULL (message_parse refused the message as too large): the
 * route is then ROUTE_OVERSIZE.  Strings are allocated from m->arena; if
 * the arena is exhausted they are NULL (never a crash). */
void route_message(const struct conf *c, const struct message *m,
    size_t raw_len, struct route_result *r);
/* route_name - "post", "command", ... (the route names inspect prints) */
const char *route_name(enum route r);

/* route_guess_list_address - for inspect without a configuration: the
 * first address in Delivered-To, X-Original-To, Envelope-To, To, Cc with
 * any "SEP..." tag cut off its local part.  Owned string, or NULL. */
char *route_guess_list_address(const struct message *m, char sep);

#endif
