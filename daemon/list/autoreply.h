/* SPDX-License-Identifier: GPL-3.0-or-later */
/* autoreply - the signs of a robot, a bounce or the list's own mail
 *
 * Pure: reads a parsed message and the configuration.  It recognises, and
 * route.c weighs (the precedence is written up at the top of route.c):
 *
 *  - loops: the list's own List-Id <LOCAL.DOMAIN>, an X-Loop naming one of
 *    the list's addresses, a From that is one;
 *  - delivery reports: a null envelope sender, From MAILER-DAEMON or
 *    postmaster, a report shape (multipart/report, a delivery-status part,
 *    or dsn_parse() recognising the text);
 *  - auto-replies.  Strong signs: Auto-Submitted other than "no", the
 *    X-Autoreply family of headers, an out-of-office subject in English,
 *    French, Spanish, Portuguese, Dutch, German or Italian (the phrase must
 *    open the subject, so "Re: Automatic reply: ..." or "Absence of
 *    funding" is not one), a read receipt, a null envelope sender, From
 *    MAILER-DAEMON.  Weak signs: Precedence (or X-Precedence) bulk, junk,
 *    list or auto_reply, X-Auto-Response-Suppress.
 *
 * Each sign found comes with its evidence, the header field and value that
 * show it, borrowed from the message; route.c quotes it for people.
 */
#ifndef BARAZA_AUTOREPLY_H
#define BARAZA_AUTOREPLY_H

#include "conf.h"
#include "message.h"

/* One sign and its evidence: reason NULL when there is none.  The
 * evidence is "name: value"; with name NULL, value is the whole evidence
 * (a static string).  Borrowed from the message or static. */
struct autoreply_sign {
	const char *reason;     /* static: "Auto-Submitted", ... */
	const char *name;
	const char *value;      /* may be NULL when name is set */
};

struct autoreply_signs {
	int null_sender;        /* Return-Path: <> */
	int from_daemon;        /* From MAILER-DAEMON or postmaster */
	int daemon_only;        /* From MAILER-DAEMON (not postmaster) */
	int report;             /* delivery-report shape */
	int mdn;                /* read receipt */
	int auto_marked;        /* a strong sign other than the sender alone */
	struct autoreply_sign strong, weak, loop;
};

/* autoreply_signs - every loop, bounce and auto-reply sign of m into *g
 * (always filled).  to_bounces: m was sent to the bounce address, so the
 * report parser is asked whatever the sender.  May allocate from
 * m->arena (the report parser). */
void autoreply_signs(const struct conf *c, const struct message *m,
    int to_bounces, struct autoreply_signs *g);

#endif
