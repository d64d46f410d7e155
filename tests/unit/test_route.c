/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_route - routing (route.c) and classification (classify.c)
 *
 * Tables of real-world shapes: addresses in every header form, auto-replies
 * of every family and language, loops, bounces, oversize, theme rules,
 * kind rules, subject normalisation.  Messages are built from small raw
 * strings through the real parser (message_parse), so these tests also
 * hold route.c to what message.c really produces.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "classify.h"
#include "clock.h"
#include "conf.h"
#include "message.h"
#include "question.h"
#include "route.h"
#include "subject.h"
#include "tutil.h"
#include "utf8.h"

/* ---- a configuration like SPEC section 3 --------------------------------- */

static struct conf_session funding_sessions[1], power_sessions[1],
    learning_sessions[1];
static struct conf_theme themes[3];
static struct conf tconf;

static struct conf *
test_conf(void)
{
	clock_set_timezone("UTC");
	memset(&tconf, 0, sizeof(tconf));
	tutil_conf_list(&tconf);
	tconf.list.subject_prefix = "[CoP]";
	tconf.list.max_message_kb = 64;

	funding_sessions[0].opens = tutil_at("2020-11-17T00:00:00Z");
	funding_sessions[0].closes = tutil_at("2020-12-01T00:00:00Z");
	power_sessions[0].opens = tutil_at("2020-12-01T00:00:00Z");
	power_sessions[0].closes = tutil_at("2020-12-15T00:00:00Z");
	/* overlaps power's second week: the newest open session wins */
	learning_sessions[0].opens = tutil_at("2020-12-08T00:00:00Z");
	learning_sessions[0].closes = tutil_at("2020-12-22T00:00:00Z");

	memset(themes, 0, sizeof(themes));
	themes[0].slug = "funding";
	themes[0].title = "The Organisation of Funding Streams";
	themes[0].keywords = "(?i)\\b(fund(ing|er|s)?|donors?|grants?)\\b";
	themes[0].sessions = funding_sessions;
	themes[0].nsessions = 1;
	themes[1].slug = "power";
	themes[1].title = "Power and Decision-Making";
	themes[1].keywords = "(?i)\\b(power|decid\\w*|governance)\\b";
	themes[1].sessions = power_sessions;
	themes[1].nsessions = 1;
	themes[2].slug = "learning";
	themes[2].title = "Learning Together";
	themes[2].sessions = learning_sessions;
	themes[2].nsessions = 1;
	tconf.themes = themes;
	tconf.nthemes = 3;
	return &tconf;
}

/* parse - a message from a header block and a body (LF line ends are
 * turned into CRLF, as they arrive from IMAP) */
static struct message *
parse(const char *headers, const char *body, char **rawp)
{
	size_t hl = strlen(headers), bl = body ? strlen(body) : 0;
	char *raw = malloc(2 * (hl + bl) + 8), *o = raw;
	struct message *m;

	for (const char *p = headers; *p; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	memcpy(o, "\r\n", 2);
	o += 2;
	for (const char *p = body ? body : ""; *p; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	*o = '\0';
	m = message_parse(raw, (size_t)(o - raw), NULL);
	cr_assert_not_null(m, "message_parse refused a small message");
	*rawp = raw;
	return m;
}

static int
has_control(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* ---- route table ------------------------------------------------------- */

#define ANN "From: Ann Mwangi <ann@example.net>\n"
#define DATE "Date: Fri, 20 Nov 2020 10:00:00 +0000\nMessage-ID: <a1@example.net>\n"
#define TOK "k7f3q9x2m4c8v6b1n5z0r2t4y6"   /* 26 characters: 128 bits in base32 */
#define DSN_BODY "--B\nContent-Type: text/plain\n\nDelivery to the following recipient failed permanently:\n\n    bob@example.com\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.1.1\n\n--B--\n"
#define DSN_HEADERS "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\nReturn-Path: <>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\nSubject: Undelivered Mail Returned to Sender\n" DATE

struct route_case {
	const char *name;
	const char *headers;
	const char *body;
	size_t raw_len;           /* 0: the real length */
	enum route want;
	const char *want_arg;     /* NULL: want NULL */
	const char *want_reason;  /* substring, or NULL: not checked */
	int want_noreply;         /* -1: not checked */
	const char *want_header;  /* to_header, or NULL: not checked */
};

static const struct route_case route_cases[] = {
	/* ---- the address, in every header form ---- */
	{ "plain To", ANN DATE "To: cop@example.org\nSubject: Hello\n", "Hi.\n", 0,
	  ROUTE_POST, NULL, "posting address", 0, "To" },
	{ "Delivered-To tag beats To", ANN DATE "Delivered-To: cop+funding@example.org\nTo: cop@example.org\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, "funding", "theme address", 0, "Delivered-To" },
	{ "X-Original-To", ANN DATE "X-Original-To: cop+power@example.org\nTo: Members <cop@example.org>\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, "power", NULL, 0, "X-Original-To" },
	{ "Exim Envelope-to", ANN DATE "Envelope-to: cop+request@example.org\nTo: somebody@example.net\nSubject: subscribe\n",
	  "subscribe\n", 0, ROUTE_COMMAND, "request", NULL, 0, "Envelope-To" },
	{ "Envelope-to list", ANN DATE "Envelope-to: x@example.net, cop+owner@example.org\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_OWNER, NULL, "owner", 0, NULL },
	{ "second Delivered-To", ANN DATE "Delivered-To: ann-forward@example.net\nDelivered-To: cop+help@example.org\nTo: ann-forward@example.net\nSubject: x\n",
	  "help\n", 0, ROUTE_COMMAND, "help", NULL, 0, "Delivered-To" },
	{ "case and display name", ANN DATE "To: \"The CoP\" <COP+Funding@EXAMPLE.ORG>\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, "funding", NULL, 0, "To" },
	{ "Cc only", ANN DATE "To: bob@example.com\nCc: Shifting the Power <cop@example.org>\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, NULL, "posting address", 0, "Cc" },
	{ "bracketed Delivered-To", ANN DATE "Delivered-To: <cop+power@example.org>\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, "power", NULL, 0, "Delivered-To" },
	{ "tag stripped on a later hop", ANN DATE "Delivered-To: cop@example.org\nX-Original-To: cop+funding@example.org\nTo: cop@example.org\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, "funding", NULL, 0, "X-Original-To" },
	{ "bare envelope beats a tagged Cc", ANN DATE "Delivered-To: cop@example.org\nTo: cop@example.org\nCc: cop+owner@example.org\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, NULL, "posting address", 0, "Delivered-To" },
	{ "Bcc: no list address", ANN DATE "To: bob@example.com\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, NULL, "taken as the posting address", 0, NULL },
	{ "other domain is not ours", ANN DATE "To: cop@example.com\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, NULL, "taken as", 0, NULL },
	{ "longer local part is not ours", ANN DATE "To: copx@example.org\nDelivered-To: cop-funding@example.org\nSubject: x\n",
	  "Hi.\n", 0, ROUTE_POST, NULL, "taken as", 0, NULL },
	{ "subscribe shortcut", ANN DATE "To: cop+subscribe@example.org\nSubject: x\n", "", 0,
	  ROUTE_COMMAND, "subscribe", "shortcut", 0, NULL },
	{ "unsubscribe shortcut", ANN DATE "To: cop+Unsubscribe@example.org\nSubject: x\n", "", 0,
	  ROUTE_COMMAND, "unsubscribe", NULL, 0, NULL },
	{ "summary", ANN DATE "To: cop+summary@example.org\nSubject: Summary\n", "Text.\n", 0,
	  ROUTE_SUMMARY, NULL, "summary address", 0, NULL },
	{ "summary-THEME", ANN DATE "To: cop+summary-Funding@example.org\nSubject: Summary\n", "Text.\n", 0,
	  ROUTE_SUMMARY, "funding", NULL, 0, NULL },
	{ "summary of no theme", ANN DATE "To: cop+summary-nosuch@example.org\nSubject: Summary\n", "Text.\n", 0,
	  ROUTE_INVALID, NULL, "no such theme", -1, NULL },
	{ "confirm token", ANN DATE "To: cop+confirm-" TOK "@example.org\nSubject: Re: Please confirm\n", "yes\n", 0,
	  ROUTE_CONFIRM, TOK, "confirmation", 0, NULL },
	{ "short token", ANN DATE "To: cop+confirm-abc12@example.org\nSubject: x\n", "yes\n", 0,
	  ROUTE_INVALID, NULL, "bad token", -1, NULL },
	{ "token with punctuation", ANN DATE "To: cop+confirm-abc12345_$x@example.org\nSubject: x\n", "", 0,
	  ROUTE_INVALID, NULL, "bad token", -1, NULL },
	{ "approve token", ANN DATE "To: cop+approve-" TOK "@example.org\nSubject: Re: held\n", "ok\n", 0,
	  ROUTE_APPROVE, TOK, NULL, 0, NULL },
	{ "reject token", ANN DATE "To: cop+reject-" TOK "@example.org\nSubject: Re: held\n", "spam\n", 0,
	  ROUTE_REJECT, TOK, NULL, 0, NULL },
	{ "one-click unsubscribe", ANN DATE "To: cop+unsubscribe-" TOK "@example.org\nSubject: unsubscribe\n", "", 0,
	  ROUTE_UNSUBSCRIBE, TOK, NULL, 0, NULL },
	{ "digest reply", ANN DATE "To: cop+reply-42@example.org\nSubject: Re: Digest 3\n", "Yes!\n", 0,
	  ROUTE_REPLY, "42", NULL, 0, NULL },
	{ "reply to no number", ANN DATE "To: cop+reply-4x2@example.org\nSubject: x\n", "", 0,
	  ROUTE_INVALID, NULL, "bad post number", -1, NULL },
	{ "reply-0", ANN DATE "To: cop+reply-0@example.org\nSubject: x\n", "", 0,
	  ROUTE_INVALID, NULL, NULL, -1, NULL },
	{ "bounces", "From: MAILER-DAEMON@mx.example.com\n" DATE "To: cop+bounces@example.org\nSubject: failure\n", "x\n", 0,
	  ROUTE_BOUNCE, NULL, "bounce address", 1, NULL },
	{ "VERP bounce", "From: MAILER-DAEMON@mx.example.com\n" DATE "Delivered-To: cop+bounces-bob=example.com@example.org\nSubject: failure\n", "x\n", 0,
	  ROUTE_BOUNCE, "bob=example.com", "tagged", 1, NULL },
	{ "VERP with '+' and '=' in local part", DATE "Delivered-To: cop+bounces-b+c=d=example.com@example.org\nSubject: x\n", "x\n", 0,
	  ROUTE_BOUNCE, "b+c=d=example.com", NULL, 1, NULL },
	{ "any bounces-X is the bounce address", ANN DATE "To: cop+bounces-nodomain@example.org\nSubject: x\n", "x\n", 0,
	  ROUTE_BOUNCE, "nodomain", "tagged", 1, NULL },
	{ "signed bounce address", "From: MAILER-DAEMON@mx.example.com\n" DATE "Delivered-To: cop+bounces-12-ab-k3m9x2q7w4n8p5r6@example.org\nSubject: failure\n", "x\n", 0,
	  ROUTE_BOUNCE, "12-ab-k3m9x2q7w4n8p5r6", "tagged", 1, NULL },
	{ "unknown tag", ANN DATE "To: cop+fundng@example.org\nSubject: typo\n", "x\n", 0,
	  ROUTE_INVALID, NULL, "unknown address", -1, NULL },
	{ "general tag", ANN DATE "To: cop+General@example.org\nSubject: x\n", "x\n", 0,
	  ROUTE_POST, "general", NULL, 0, NULL },

	/* ---- auto-replies ---- */
	{ "Auto-Submitted auto-replied", ANN DATE "To: cop@example.org\nAuto-Submitted: auto-replied\nSubject: Re: x\n", "Away\n", 0,
	  ROUTE_AUTOREPLY, NULL, "Auto-Submitted", 1, NULL },
	{ "Auto-Submitted auto-generated with comment", ANN DATE "To: cop@example.org\nAuto-Submitted: auto-generated (vacation)\nSubject: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "Auto-Submitted", 1, NULL },
	{ "Auto-Submitted no", ANN DATE "To: cop@example.org\nAuto-Submitted: no\nSubject: x\n", "x\n", 0,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "Precedence bulk", ANN DATE "To: cop@example.org\nPrecedence: bulk\nSubject: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "Precedence", 1, NULL },
	{ "Precedence junk", ANN DATE "To: cop@example.org\nPrecedence: junk\nSubject: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "Precedence", 1, NULL },
	{ "Precedence list (another list)", ANN DATE "To: cop@example.org\nPrecedence: list\nList-Id: Other <other.example.net>\nSubject: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "Precedence", 1, NULL },
	{ "X-Precedence auto_reply", ANN DATE "To: cop@example.org\nX-Precedence: auto_reply\nSubject: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "Precedence", 1, NULL },
	{ "Precedence first-class", ANN DATE "To: cop@example.org\nPrecedence: first-class\nSubject: x\n", "x\n", 0,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "Exchange X-Auto-Response-Suppress", ANN DATE "To: cop@example.org\nX-Auto-Response-Suppress: All\nSubject: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "X-Auto-Response-Suppress", 1, NULL },
	{ "X-Autoreply", ANN DATE "To: cop@example.org\nX-Autoreply: yes\nSubject: Re: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "auto-responder header", 1, NULL },
	{ "X-Autorespond", ANN DATE "To: cop@example.org\nX-Autorespond: Vacation\nSubject: Re: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "auto-responder header", 1, NULL },
	{ "en Out of Office", ANN DATE "To: cop@example.org\nSubject: Out of Office: [CoP] Funding\n", "I am away.\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "en Outlook Automatic reply", ANN DATE "To: cop@example.org\nSubject: Automatic reply: Re: [CoP] Funding\n", "Away.\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "Sieve Auto:", ANN DATE "To: cop@example.org\nSubject: Auto: Re: [CoP] Funding\n", "Away.\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "Lotus AUTO: is out of the office", ANN DATE "To: cop@example.org\nSubject: AUTO: Ann Mwangi is out of the office (returning 01/12/2020)\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "fr Réponse automatique", ANN DATE "To: cop@example.org\nSubject: =?UTF-8?Q?R=C3=A9ponse_automatique_:_Financement?=\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "fr Absent du bureau", ANN DATE "To: cop@example.org\nSubject: Absent du bureau jusqu'au 3 janvier\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "fr Absence :", ANN DATE "To: cop@example.org\nSubject: Absence : Marie Dupont\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "es Respuesta automática", ANN DATE "To: cop@example.org\nSubject: =?ISO-8859-1?Q?Respuesta_autom=E1tica:_Fondos?=\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "es upper case RESPUESTA AUTOMÁTICA", ANN DATE "To: cop@example.org\nSubject: =?UTF-8?B?UkVTUFVFU1RBIEFVVE9Nw4FUSUNBOiB4?=\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "es Fuera de la oficina", ANN DATE "To: cop@example.org\nSubject: Fuera de la oficina\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "pt Resposta automática", ANN DATE "To: cop@example.org\nSubject: =?UTF-8?Q?Resposta_autom=C3=A1tica:_x?=\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "pt/es Ausente:", ANN DATE "To: cop@example.org\nSubject: Ausente: Re: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "nl Afwezig", ANN DATE "To: cop@example.org\nSubject: Afwezig\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "nl Automatisch antwoord", ANN DATE "To: cop@example.org\nSubject: Automatisch antwoord: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "de Abwesenheitsnotiz", ANN DATE "To: cop@example.org\nSubject: Abwesenheitsnotiz: Re: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "de Automatische Antwort", ANN DATE "To: cop@example.org\nSubject: Automatische Antwort: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "[Auto-Reply] bracketed", ANN DATE "To: cop@example.org\nSubject: [Auto-Reply] x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "long OOF subject cut inside no character", ANN DATE "To: cop@example.org\nSubject: =?UTF-8?B?QXV0b21hdGljIHJlcGx5OiDDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "not OOF: Absence of funding", ANN DATE "To: cop@example.org\nSubject: Absence of funding in rural areas\n", "x\n", 0,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "not OOF: a person's Re: Automatic reply", ANN DATE "To: cop@example.org\nSubject: Re: Automatic reply: x\n", "x\n", 0,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "not OOF: Automation", ANN DATE "To: cop@example.org\nSubject: Automation in grant making\n", "x\n", 0,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "not OOF: Away days", ANN DATE "To: cop@example.org\nSubject: Away days for the team\n", "x\n", 0,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "read receipt", ANN DATE "To: cop@example.org\nSubject: Read: x\nContent-Type: multipart/report; report-type=disposition-notification; boundary=\"B\"\n",
	  "--B\nContent-Type: text/plain\n\nRead.\n--B--\n", 0, ROUTE_AUTOREPLY, NULL, "read receipt", 1, NULL },
	{ "null sender, not a report", ANN DATE "Return-Path: <>\nTo: cop@example.org\nSubject: Thanks for your mail\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "null envelope sender", 1, NULL },
	/* token answers: a person's reply to a confirmation is not an auto-reply */
	{ "confirm reply with Precedence bulk", ANN DATE "To: cop+confirm-" TOK "@example.org\nPrecedence: bulk\nSubject: Re: Confirm your subscription\n", "yes\n", 0,
	  ROUTE_CONFIRM, TOK, NULL, 0, NULL },
	{ "confirm reply with X-Auto-Response-Suppress", ANN DATE "To: cop+confirm-" TOK "@example.org\nX-Auto-Response-Suppress: DR, RN, NRN\nSubject: RE: Confirm\n", "yes\n", 0,
	  ROUTE_CONFIRM, TOK, NULL, 0, NULL },
	{ "approve with Precedence bulk", ANN DATE "To: cop+approve-" TOK "@example.org\nPrecedence: bulk\nSubject: RE: held post\n", "ok\n", 0,
	  ROUTE_APPROVE, TOK, NULL, 0, NULL },
	{ "reject with X-Auto-Response-Suppress", ANN DATE "To: cop+reject-" TOK "@example.org\nX-Auto-Response-Suppress: All\nSubject: RE: held post\n", "spam\n", 0,
	  ROUTE_REJECT, TOK, NULL, 0, NULL },
	{ "summary from a vacation responder", ANN DATE "To: cop+summary@example.org\nSubject: Out of Office\n", "away\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "owner with Precedence junk", ANN DATE "To: cop+owner@example.org\nPrecedence: junk\nSubject: x\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, "Precedence", 1, NULL },
	{ "digest reply from a robot", ANN DATE "To: cop+reply-42@example.org\nAuto-Submitted: auto-replied\nSubject: Re: Digest 3\n", "x\n", 0,
	  ROUTE_AUTOREPLY, NULL, NULL, 1, NULL },
	{ "BOUNCES in capitals", "From: MAILER-DAEMON@mx.example.com\n" DATE "To: COP+BOUNCES-Bob=Example.com@EXAMPLE.ORG\nSubject: x\n", "x\n", 0,
	  ROUTE_BOUNCE, "Bob=Example.com", NULL, 1, NULL },
	{ "OOF to confirm address never confirms", ANN DATE "To: cop+confirm-" TOK "@example.org\nSubject: Automatic reply: Confirm your subscription\n", "away\n", 0,
	  ROUTE_AUTOREPLY, NULL, "out-of-office", 1, NULL },
	{ "Auto-Submitted to approve address never approves", ANN DATE "To: cop+approve-" TOK "@example.org\nAuto-Submitted: auto-replied\nSubject: Re: held\n", "away\n", 0,
	  ROUTE_AUTOREPLY, NULL, "Auto-Submitted", 1, NULL },
	{ "one-click unsubscribe marked auto-generated", ANN DATE "To: cop+unsubscribe-" TOK "@example.org\nAuto-Submitted: auto-generated\nSubject: unsubscribe\n", "", 0,
	  ROUTE_UNSUBSCRIBE, TOK, NULL, 0, NULL },
	{ "mailto unsubscribe marked auto-generated", ANN DATE "To: cop+unsubscribe@example.org\nAuto-Submitted: auto-generated\nSubject: unsubscribe\n", "", 0,
	  ROUTE_COMMAND, "unsubscribe", NULL, 0, NULL },
	{ "OOF to request address", ANN DATE "To: cop+request@example.org\nSubject: Out of office\n", "subscribe\n", 0,
	  ROUTE_AUTOREPLY, NULL, NULL, 1, NULL },

	/* ---- loops ---- */
	{ "our List-Id", ANN DATE "To: cop@example.org\nList-Id: Shifting the Power CoP <cop.example.org>\nSubject: [CoP] x\n", "x\n", 0,
	  ROUTE_LOOP, NULL, "List-Id", 1, NULL },
	{ "our List-Id, other case, with Precedence", ANN DATE "To: cop@example.org\nPrecedence: list\nList-Id: <COP.Example.ORG>\nSubject: x\n", "x\n", 0,
	  ROUTE_LOOP, NULL, "List-Id", 1, NULL },
	{ "X-Loop", ANN DATE "To: cop@example.org\nX-Loop: cop@example.org\nSubject: x\n", "x\n", 0,
	  ROUTE_LOOP, NULL, "X-Loop", 1, NULL },
	{ "X-Loop of another list", ANN DATE "To: cop@example.org\nX-Loop: other@example.net\nSubject: x\n", "x\n", 0,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "munged From coming back", "From: \"Ann via CoP\" <cop@example.org>\n" DATE "To: cop@example.org\nSubject: [CoP] x\n", "x\n", 0,
	  ROUTE_LOOP, NULL, "From", 1, NULL },

	/* ---- bounces ---- */
	{ "DSN to the posting address", DSN_HEADERS "To: cop@example.org\n", DSN_BODY, 0,
	  ROUTE_BOUNCE, NULL, "delivery report", 1, NULL },
	{ "DSN to an approve address never approves", DSN_HEADERS "To: cop+approve-" TOK "@example.org\n", DSN_BODY, 0,
	  ROUTE_BOUNCE, NULL, "delivery report", 1, NULL },
	{ "DSN to VERP keeps its argument", DSN_HEADERS "Delivered-To: cop+bounces-bob=example.com@example.org\n", DSN_BODY, 0,
	  ROUTE_BOUNCE, "bob=example.com", NULL, 1, NULL },
	{ "qmail text bounce", "From: MAILER-DAEMON@mail.example.com\nReturn-Path: <>\n" DATE "To: cop@example.org\nSubject: failure notice\n",
	  "Hi. This is the qmail-send program at mail.example.com.\nI'm afraid I wasn't able to deliver your message.\n\n<bob@example.com>:\nSorry, no mailbox here by that name. (#5.1.1)\n", 0,
	  ROUTE_BOUNCE, NULL, NULL, 1, NULL },
	{ "postmaster writing as a person", "From: postmaster@example.net\n" DATE "To: cop@example.org\nSubject: A question about funding\n", "Hello.\n", 0,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "vacation reply to the VERP address", "From: Zawadi <zawadi@example.net>\nReturn-Path: <>\n" DATE "Delivered-To: cop+bounces-zawadi=example.net@example.org\nAuto-Submitted: auto-replied\nSubject: Automatic reply: [CoP] x\n", "Away.\n", 0,
	  ROUTE_AUTOREPLY, NULL, "auto-reply sent to the bounce address", 1, NULL },
	{ "report marked Auto-Submitted stays a bounce", DSN_HEADERS "Auto-Submitted: auto-replied\nTo: cop+bounces-bob=example.com@example.org\n", DSN_BODY, 0,
	  ROUTE_BOUNCE, "bob=example.com", NULL, 1, NULL },
	{ "Exim-style text bounce marked Auto-Submitted", "From: Mail Delivery System <Mailer-Daemon@mx.example.com>\nReturn-Path: <>\nAuto-Submitted: auto-replied\nX-Failed-Recipients: bob@example.com\n" DATE "To: cop+bounces@example.org\nSubject: Mail delivery failed: returning message to sender\n",
	  "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  bob@example.com\n    SMTP error from remote mail server after RCPT TO:<bob@example.com>:\n    550 5.1.1 User unknown\n", 0,
	  ROUTE_BOUNCE, NULL, NULL, 1, NULL },
	{ "bounce address beats our List-Id", "From: MAILER-DAEMON@mx.example.com\n" DATE "To: cop+bounces@example.org\nList-Id: <cop.example.org>\nSubject: x\n", "x\n", 0,
	  ROUTE_BOUNCE, NULL, NULL, 1, NULL },

	/* ---- size ---- */
	{ "oversize", ANN DATE "To: cop@example.org\nSubject: big\n", "x\n", 65 * 1024,
	  ROUTE_OVERSIZE, NULL, "max_message_kb", 0, NULL },
	{ "exactly the limit", ANN DATE "To: cop@example.org\nSubject: big\n", "x\n", 64 * 1024,
	  ROUTE_POST, NULL, NULL, 0, NULL },
	{ "oversize auto-reply stays an auto-reply", ANN DATE "To: cop@example.org\nAuto-Submitted: auto-replied\nSubject: x\n", "x\n", 1 << 20,
	  ROUTE_AUTOREPLY, NULL, NULL, 1, NULL },
	{ "oversize report to the bounce address", DSN_HEADERS "To: cop+bounces@example.org\n", DSN_BODY, 1 << 20,
	  ROUTE_BOUNCE, NULL, NULL, 1, NULL },

	/* ---- unusable ---- */
	{ "no From", DATE "To: cop@example.org\nSubject: x\n", "x\n", 0,
	  ROUTE_INVALID, NULL, "no usable From", 0, NULL },
	{ "From without an address", "From: undisclosed-recipients:;\n" DATE "To: cop@example.org\nSubject: x\n", "x\n", 0,
	  ROUTE_INVALID, NULL, "no usable From", 0, NULL },
	{ "folded hostile X-Loop is sanitised", ANN DATE "To: cop@example.org\nX-Loop: cop@example.org\n\tInjected: yes\nSubject: x\n", "x\n", 0,
	  ROUTE_LOOP, NULL, NULL, 1, NULL },
};

Test(route, table)
{
	struct conf *c = test_conf();
	size_t n = sizeof(route_cases) / sizeof(route_cases[0]);

	cr_log_info("%zu route cases", n);
	for (size_t i = 0; i < n; i++) {
		const struct route_case *t = &route_cases[i];
		struct route_result r;
		struct message *m;
		char *raw;

		m = parse(t->headers, t->body, &raw);
		route_message(c, m, t->raw_len ? t->raw_len : m->raw_len, &r);
		cr_expect_eq(r.route, t->want, "%s: got route %s (%s: %s), want %s",
		    t->name, route_name(r.route), r.reason ? r.reason : "-",
		    r.detail ? r.detail : "-", route_name(t->want));
		if (t->want_arg)
			cr_expect(r.arg && strcmp(r.arg, t->want_arg) == 0,
			    "%s: got arg '%s', want '%s'", t->name,
			    r.arg ? r.arg : "(null)", t->want_arg);
		else
			cr_expect_null(r.arg, "%s: got arg '%s', want none",
			    t->name, r.arg);
		cr_expect_not_null(r.reason, "%s: no reason", t->name);
		if (t->want_reason && r.reason)
			cr_expect(strstr(r.reason, t->want_reason) != NULL,
			    "%s: got reason '%s', want '%s' in it", t->name,
			    r.reason, t->want_reason);
		if (t->want_noreply >= 0)
			cr_expect_eq(r.noreply, t->want_noreply,
			    "%s: got noreply %d, want %d", t->name, r.noreply,
			    t->want_noreply);
		if (t->want_header)
			cr_expect(r.to_header && strcmp(r.to_header, t->want_header) == 0,
			    "%s: got to_header '%s', want '%s'", t->name,
			    r.to_header ? r.to_header : "(null)", t->want_header);
		cr_expect(!has_control(r.arg) && !has_control(r.to) &&
		    !has_control(r.detail) && !has_control(r.reason),
		    "%s: a control character in the result", t->name);
		cr_expect(r.detail == NULL || utf8_valid(r.detail, strlen(r.detail)),
		    "%s: detail '%s' is not UTF-8", t->name, r.detail);
		message_free(&m);
		free(raw);
	}
}

Test(route, parser_refused_is_oversize)
{
	struct route_result r;

	route_message(test_conf(), NULL, 100u << 20, &r);
	cr_assert_eq(r.route, ROUTE_OVERSIZE, "got %s, want oversize", route_name(r.route));
}

Test(route, no_list_address_configured)
{
	struct conf empty;
	struct route_result r;
	struct message *m;
	char *raw;

	memset(&empty, 0, sizeof(empty));
	m = parse(ANN DATE "To: cop+funding@example.org\nSubject: x\n", "x\n", &raw);
	route_message(&empty, m, m->raw_len, &r);
	cr_assert_eq(r.route, ROUTE_POST, "got %s, want post", route_name(r.route));
	cr_assert_null(r.to);
	message_free(&m);
	free(raw);
}

Test(route, names)
{
	cr_assert_str_eq(route_name(ROUTE_POST), "post");
	cr_assert_str_eq(route_name(ROUTE_UNSUBSCRIBE), "unsubscribe");
	cr_assert_str_eq(route_name(ROUTE_INVALID), "invalid");
	cr_assert_str_eq(route_name((enum route)99), "invalid");
}

Test(route, guess_list_address)
{
	static const struct {
		const char *headers;
		const char *want;
	} cases[] = {
		{ ANN DATE "Delivered-To: cop+funding@example.org\nTo: x@example.net\n", "cop@example.org" },
		{ ANN DATE "To: \"List\" <team@lists.example.net>\n", "team@lists.example.net" },
		{ ANN DATE "Subject: nobody\n", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *raw, *got;
		struct message *m = parse(cases[i].headers, "x\n", &raw);

		got = route_guess_list_address(m, '+');
		if (cases[i].want)
			cr_expect(got && strcmp(got, cases[i].want) == 0,
			    "case %zu: got '%s', want '%s'", i, got ? got : "(null)",
			    cases[i].want);
		else
			cr_expect_null(got, "case %zu: got '%s', want none", i, got);
		free(got);
		message_free(&m);
		free(raw);
	}
}

/* ---- theme ------------------------------------------------------------- */

struct theme_case {
	const char *name;
	const char *subject;
	const char *body;
	const char *tag;
	const char *thread;
	const char *arrival;
	const char *want;
	enum classify_theme_rule rule;
	int want_session;          /* 1: a session is expected */
};

static const struct theme_case theme_cases[] = {
	{ "address tag", "Hello", "Nothing here.", "funding", NULL,
	  "2021-02-01T00:00:00Z", "funding", CLASSIFY_THEME_TAG, 0 },
	{ "address tag in capitals", "Hello", "x", "FUNDING", NULL,
	  "2020-11-20T10:00:00Z", "funding", CLASSIFY_THEME_TAG, 1 },
	{ "tag beats subject tag", "[power] x", "x", "funding", NULL,
	  "2020-11-20T10:00:00Z", "funding", CLASSIFY_THEME_TAG, 1 },
	{ "subject slug tag", "[power] Who decides?", "x", NULL, NULL,
	  "2020-11-20T10:00:00Z", "power", CLASSIFY_THEME_SUBJECT, 0 },
	{ "subject title tag after Re: and prefix", "Re: [CoP] [The organisation of  funding streams] x",
	  "x", NULL, NULL, "2021-02-01T00:00:00Z", "funding", CLASSIFY_THEME_SUBJECT, 0 },
	{ "subject tag at the end", "Donor mapping [Funding]", "x", NULL, NULL,
	  "2021-02-01T00:00:00Z", "funding", CLASSIFY_THEME_SUBJECT, 0 },
	{ "[general] tag", "[general] hello", "grants grants", NULL, NULL,
	  "2020-11-20T10:00:00Z", "general", CLASSIFY_THEME_SUBJECT, 0 },
	{ "list prefix is not a tag; unknown tag skipped", "[CoP] [misc] x", "x", NULL, NULL,
	  "2021-02-01T00:00:00Z", "general", CLASSIFY_THEME_DEFAULT, 0 },
	{ "thread theme", "Re: x", "I agree about donors.", NULL, "power",
	  "2020-11-20T10:00:00Z", "power", CLASSIFY_THEME_THREAD, 0 },
	{ "subject tag beats thread", "Re: [learning] x", "x", NULL, "power",
	  "2020-11-20T10:00:00Z", "learning", CLASSIFY_THEME_SUBJECT, 0 },
	{ "keywords in text", "An observation", "We need more grants and donors who listen.",
	  NULL, NULL, "2020-12-05T10:00:00Z", "funding", CLASSIFY_THEME_KEYWORDS, 0 },
	{ "keywords: subject weighs more", "Governance matters",
	  "One funder told us so.", NULL, NULL, "2021-02-01T00:00:00Z", "power",
	  CLASSIFY_THEME_KEYWORDS, 0 },
	{ "keywords: whole words only", "Refunds policy", "Our refundable deposits.",
	  NULL, NULL, "2021-02-01T00:00:00Z", "general", CLASSIFY_THEME_DEFAULT, 0 },
	{ "open session", "Hello", "Nothing to see.", NULL, NULL,
	  "2020-11-20T10:00:00Z", "funding", CLASSIFY_THEME_SESSION, 1 },
	{ "open session, second theme", "Hello", "Nothing to see.", NULL, NULL,
	  "2020-12-03T10:00:00Z", "power", CLASSIFY_THEME_SESSION, 1 },
	{ "overlapping sessions: the newest", "Hello", "Nothing to see.", NULL, NULL,
	  "2020-12-10T10:00:00Z", "learning", CLASSIFY_THEME_SESSION, 1 },
	{ "session end is exclusive", "Hello", "x", NULL, NULL,
	  "2020-12-22T00:00:00Z", "general", CLASSIFY_THEME_DEFAULT, 0 },
	{ "between sessions", "Hello", "Nothing to see.", NULL, NULL,
	  "2021-01-10T10:00:00Z", "general", CLASSIFY_THEME_DEFAULT, 0 },
	{ "keywords theme outside its session", "Grants", "x", NULL, NULL,
	  "2020-12-03T10:00:00Z", "funding", CLASSIFY_THEME_KEYWORDS, 0 },
};

Test(classify, theme_table)
{
	struct conf *c = test_conf();
	struct classifier *cl = classify_new(c);
	size_t n = sizeof(theme_cases) / sizeof(theme_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct theme_case *t = &theme_cases[i];
		struct classify_input in = { 0 };
		struct classify_result r;
		struct message *m;
		char hdr[512], *raw;

		snprintf(hdr, sizeof(hdr), ANN DATE "To: cop@example.org\nSubject: %s\n",
		    t->subject);
		m = parse(hdr, t->body, &raw);
		in.tag_theme = t->tag;
		in.thread_theme = t->thread;
		in.arrival = tutil_at(t->arrival);
		classify_message(cl, m, &in, &r);
		cr_expect(r.theme && strcmp(r.theme, t->want) == 0,
		    "%s: got theme %s (%s: %s), want %s", t->name, r.theme,
		    classify_theme_rule_name(r.theme_rule), r.theme_why, t->want);
		cr_expect_eq(r.theme_rule, t->rule, "%s: got rule %s, want %s",
		    t->name, classify_theme_rule_name(r.theme_rule),
		    classify_theme_rule_name(t->rule));
		cr_expect_eq(r.session != NULL, t->want_session,
		    "%s: got session %d, want %d", t->name, r.session != NULL,
		    t->want_session);
		cr_expect(r.theme_why[0] != '\0', "%s: no explanation", t->name);
		message_free(&m);
		free(raw);
	}
	classify_free(&cl);
	cr_assert_null(cl);
}

/* The keyword rule worked out beforehand by another classifier (as
 * ingest's first stage does on its own thread) gives the same theme, rule
 * and explanation for every row of the table. */
Test(classify, theme_table_with_keywords_beforehand)
{
	struct conf *c = test_conf();
	struct classifier *cl = classify_new(c), *cl2 = classify_new(c);
	size_t n = sizeof(theme_cases) / sizeof(theme_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct theme_case *t = &theme_cases[i];
		struct classify_input in = { 0 };
		struct classify_keywords kw;
		struct classify_result r, r2;
		struct message *m;
		char hdr[512], *raw;

		snprintf(hdr, sizeof(hdr), ANN DATE "To: cop@example.org\nSubject: %s\n",
		    t->subject);
		m = parse(hdr, t->body, &raw);
		in.tag_theme = t->tag;
		in.thread_theme = t->thread;
		in.arrival = tutil_at(t->arrival);
		classify_message(cl, m, &in, &r);
		classify_keywords(cl2, m, &kw);
		in.keywords = &kw;
		classify_message(cl, m, &in, &r2);
		cr_expect(r2.theme && strcmp(r2.theme, r.theme) == 0,
		    "%s: got theme %s, want %s", t->name, r2.theme, r.theme);
		cr_expect_eq(r2.theme_rule, r.theme_rule, "%s: got rule %s, want %s",
		    t->name, classify_theme_rule_name(r2.theme_rule),
		    classify_theme_rule_name(r.theme_rule));
		cr_expect_str_eq(r2.theme_why, r.theme_why, "%s: got why '%s', want '%s'",
		    t->name, r2.theme_why, r.theme_why);
		if (r.theme_rule == CLASSIFY_THEME_KEYWORDS)
			cr_expect(kw.slug && strcmp(kw.slug, r.theme) == 0,
			    "%s: classify_keywords got %s, want %s", t->name,
			    kw.slug ? kw.slug : "(none)", r.theme);
		message_free(&m);
		free(raw);
	}
	classify_free(&cl2);
	classify_free(&cl);
}

Test(classify, keywords_ignore_quoted_text)
{
	struct conf *c = test_conf();
	struct classifier *cl = classify_new(c);
	struct classify_input in = { .arrival = tutil_at("2021-02-01T00:00:00Z") };
	struct classify_result r;
	char *raw;
	struct message *m = parse(ANN DATE "To: cop@example.org\nSubject: My view\n",
	    "I agree.\n\n> Donors and grants and funding shape everything.\n", &raw);

	m->new_text = "I agree.\n";   /* what the quote detector leaves */
	classify_message(cl, m, &in, &r);
	cr_expect_str_eq(r.theme, "general", "got %s (%s), want general", r.theme, r.theme_why);
	message_free(&m);
	free(raw);
	classify_free(&cl);
}

Test(classify, sessions_from_the_database)
{
	struct conf *c = test_conf();
	struct classifier *cl = classify_new(c);
	/* an administrator opened "learning" early and closed "funding" on
	 * 19 November: the database's view replaces the config's */
	struct classify_session db[] = {
		{ "funding", 0, 0, 7 },
		{ "learning", 0, 0, 9 },
	};
	struct classify_input in = { 0 };
	struct classify_result r;
	char *raw;
	struct message *m = parse(ANN DATE "To: cop@example.org\nSubject: Hello\n", "x\n", &raw);

	db[0].opens = tutil_at("2020-11-17T00:00:00Z");
	db[0].closes = tutil_at("2020-11-19T00:00:00Z");
	db[1].opens = tutil_at("2020-11-18T00:00:00Z");
	db[1].closes = tutil_at("2020-11-25T00:00:00Z");
	in.sessions = db;
	in.nsessions = 2;
	in.have_sessions = 1;
	in.arrival = tutil_at("2020-11-20T10:00:00Z");
	classify_message(cl, m, &in, &r);
	cr_expect_str_eq(r.theme, "learning", "got %s, want learning", r.theme);
	cr_expect(r.session && r.session->id == 9, "got session %lld, want 9",
	    r.session ? (long long)r.session->id : -1LL);

	/* an empty database list means no session, whatever the config says */
	in.nsessions = 0;
	classify_message(cl, m, &in, &r);
	cr_expect_str_eq(r.theme, "general", "got %s, want general", r.theme);
	cr_expect_null(r.session);

	/* the tag's theme gets its session from the same list */
	in.nsessions = 2;
	in.tag_theme = "funding";
	in.arrival = tutil_at("2020-11-18T10:00:00Z");
	classify_message(cl, m, &in, &r);
	cr_expect(r.session && r.session->id == 7, "got no session 7");
	message_free(&m);
	free(raw);
	classify_free(&cl);
}

Test(classify, bad_keywords_pattern_is_ignored)
{
	struct conf *c = test_conf();
	struct classifier *cl;
	char err[200];

	cr_assert_eq(classify_check_pattern("(?i)\\b(fund", err, sizeof(err)), -1);
	cr_expect(strstr(err, "offset") != NULL, "got '%s', want an offset", err);
	cr_assert_eq(classify_check_pattern("(?i)\\bgrants?\\b", err, sizeof(err)), 0);
	themes[1].keywords = "(unclosed";
	cl = classify_new(c);
	cr_assert_not_null(cl);
	classify_free(&cl);
}

Test(classify, catastrophic_pattern_terminates)
{
	struct conf *c = test_conf();
	struct classifier *cl;
	struct classify_input in = { .arrival = tutil_at("2021-02-01T00:00:00Z") };
	struct classify_result r;
	char body[4096], *raw;
	struct message *m;

	themes[0].keywords = "(a+)+$";
	cl = classify_new(c);
	memset(body, 'a', sizeof(body) - 3);
	body[sizeof(body) - 3] = '!';
	body[sizeof(body) - 2] = '\n';
	body[sizeof(body) - 1] = '\0';
	m = parse(ANN DATE "To: cop@example.org\nSubject: x\n", body, &raw);
	classify_message(cl, m, &in, &r);   /* must return: the match limit stops it */
	cr_expect_str_eq(r.theme, "general");
	message_free(&m);
	free(raw);
	classify_free(&cl);
}

/* ---- kind -------------------------------------------------------------- */

struct kind_case {
	const char *name;
	const char *headers;       /* extra headers */
	const char *subject;
	const char *body;
	enum classify_kind want;
	enum classify_kind_rule rule;
};

static const struct kind_case kind_cases[] = {
	{ "tag [question]", "", "[question] Donor lists", "Here is a list.", CLASSIFY_QUESTION, CLASSIFY_KIND_TAG },
	{ "tag [idée]", "", "=?UTF-8?Q?[Id=C3=A9e]_Un_fonds_commun?=", "x", CLASSIFY_IDEA, CLASSIFY_KIND_TAG },
	{ "tag [Pregunta]", "", "[Pregunta] Fondos", "x", CLASSIFY_QUESTION, CLASSIFY_KIND_TAG },
	{ "tag [RESSOURCE]", "", "[CoP] [RESSOURCE] Guide", "x", CLASSIFY_RESOURCE, CLASSIFY_KIND_TAG },
	{ "tag [feedback] on a new post", "", "[feedback] On the call", "x", CLASSIFY_FEEDBACK, CLASSIFY_KIND_TAG },
	{ "tag beats reply", "In-Reply-To: <p@example.org>\n", "Re: [resource] x", "x", CLASSIFY_RESOURCE, CLASSIFY_KIND_TAG },
	{ "In-Reply-To", "In-Reply-To: <p@example.org>\n", "Funding", "Why not?", CLASSIFY_FEEDBACK, CLASSIFY_KIND_REPLY },
	{ "References only", "References: <p@example.org> <q@example.org>\n", "Funding", "x", CLASSIFY_FEEDBACK, CLASSIFY_KIND_REPLY },
	{ "Re: subject only", "", "Re: Funding", "x", CLASSIFY_FEEDBACK, CLASSIFY_KIND_REPLY },
	{ "AW: subject only", "", "AW: Funding", "x", CLASSIFY_FEEDBACK, CLASSIFY_KIND_REPLY },
	{ "Fwd: is not a reply", "", "Fwd: A report", "See https://example.com/report.pdf for details.", CLASSIFY_RESOURCE, CLASSIFY_KIND_RESOURCE },
	{ "link", "", "A report", "The report: https://example.com/r.pdf\n", CLASSIFY_RESOURCE, CLASSIFY_KIND_RESOURCE },
	{ "question en", "", "Funding flows", "How do funding flows shape who decides?\n", CLASSIFY_QUESTION, CLASSIFY_KIND_QUESTION },
	{ "question after greeting", "", "Funding", "Hi all,\n\nHas anyone worked with participatory grant making? We are starting.\n\nThanks, Ann\n", CLASSIFY_QUESTION, CLASSIFY_KIND_QUESTION },
	{ "question word without '?'", "", "Donors", "Hi all,\nDoes anyone know a good donor database\n", CLASSIFY_QUESTION, CLASSIFY_KIND_QUESTION },
	{ "statement opening with What", "", "Kenya", "What we learned in Kenya is that donors listen.\n", CLASSIFY_IDEA, CLASSIFY_KIND_DEFAULT },
	{ "question es", "", "Fondos", "=C2=BFC=C3=B3mo podemos compartir fondos?\n", CLASSIFY_QUESTION, CLASSIFY_KIND_QUESTION },
	{ "question fr with space", "", "Financement", "Bonjour à tous,\n\nComment financer nos projets ?\n", CLASSIFY_QUESTION, CLASSIFY_KIND_QUESTION },
	{ "question in the second paragraph only", "", "Idea", "We could pool our funds.\n\nWhat do you think?\n", CLASSIFY_IDEA, CLASSIFY_KIND_DEFAULT },
	{ "idea", "", "An idea", "Let us pool our funds across the region.\n", CLASSIFY_IDEA, CLASSIFY_KIND_DEFAULT },
};

Test(classify, kind_table)
{
	struct conf *c = test_conf();
	size_t n = sizeof(kind_cases) / sizeof(kind_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct kind_case *t = &kind_cases[i];
		struct classify_input in = { 0 };
		struct classify_result r;
		struct message *m;
		char hdr[1024], *raw;
		const char *body = t->body;

		snprintf(hdr, sizeof(hdr), ANN DATE "To: cop@example.org\n%sSubject: %s\n%s",
		    t->headers, t->subject, strstr(body, "=C2") || strstr(body, "=C3") ?
		    "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
		    "Content-Transfer-Encoding: quoted-printable\n" :
		    "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n");
		m = parse(hdr, body, &raw);
		memset(&r, 0, sizeof(r));
		classify_kind(c, m, &in, &r);
		cr_expect_eq(r.kind, t->want, "%s: got %s (%s), want %s", t->name,
		    classify_kind_name(r.kind), r.kind_why, classify_kind_name(t->want));
		cr_expect_eq(r.kind_rule, t->rule, "%s: got rule %d, want %d",
		    t->name, r.kind_rule, t->rule);
		message_free(&m);
		free(raw);
	}
}

Test(classify, kind_attachments)
{
	static const struct {
		const char *type;
		size_t bytes;
		enum classify_kind want;
	} cases[] = {
		{ "application/pdf", 120000, CLASSIFY_RESOURCE },
		{ "image/png", 4000, CLASSIFY_IDEA },           /* a signature logo */
		{ "image/jpeg", 900000, CLASSIFY_RESOURCE },    /* a photo */
		{ "application/pgp-signature", 500, CLASSIFY_IDEA },
		{ "application/pkcs7-signature", 4000, CLASSIFY_IDEA },
		{ "text/vcard", 300, CLASSIFY_IDEA },
		{ "application/ms-tnef", 3000, CLASSIFY_IDEA },
	};
	struct classify_input in = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msg_attachment a = { "file", cases[i].type, cases[i].bytes };
		struct classify_result r;
		char *raw;
		struct message *m = parse(ANN DATE "To: cop@example.org\nSubject: Here\n",
		    "Attached.\n", &raw);

		m->attachments = &a;
		m->nattachments = 1;
		memset(&r, 0, sizeof(r));
		classify_kind(NULL, m, &in, &r);
		cr_expect_eq(r.kind, cases[i].want, "%s: got %s, want %s",
		    cases[i].type, classify_kind_name(r.kind),
		    classify_kind_name(cases[i].want));
		m->attachments = NULL;
		m->nattachments = 0;
		message_free(&m);
		free(raw);
	}
}

Test(classify, kind_links_and_reply_route)
{
	const char *mailto[] = { "mailto:ann@example.net" };
	const char *web[] = { "mailto:ann@example.net", "https://example.org/guide" };
	struct classify_input in = { 0 };
	struct classify_result r;
	char *raw;
	struct message *m = parse(ANN DATE "To: cop@example.org\nSubject: Contact\n",
	    "Write to me.\n", &raw);

	m->links = mailto;
	m->nlinks = 1;
	memset(&r, 0, sizeof(r));
	classify_kind(NULL, m, &in, &r);
	cr_expect_eq(r.kind, CLASSIFY_IDEA, "a mailto link: got %s, want idea",
	    classify_kind_name(r.kind));
	m->links = web;
	m->nlinks = 2;
	classify_kind(NULL, m, &in, &r);
	cr_expect_eq(r.kind, CLASSIFY_RESOURCE, "got %s, want resource",
	    classify_kind_name(r.kind));
	in.reply_route = 1;
	classify_kind(NULL, m, &in, &r);
	cr_expect_eq(r.kind, CLASSIFY_FEEDBACK, "reply address: got %s, want feedback",
	    classify_kind_name(r.kind));
	m->links = NULL;
	m->nlinks = 0;
	message_free(&m);
	free(raw);
}

Test(classify, is_question)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "Why?", 1 },
		{ "Is there a shared calendar?\n", 1 },
		{ "Quelqu'un a-t-il une idée\n", 1 },
		{ "Pourquoi les bailleurs décident-ils seuls ?\n", 1 },
		{ "¿Alguien tiene experiencia con esto?\n", 1 },
		{ "Garbage \xc2\xbf without a closing mark\n", 0 },
		{ "Dear colleagues:\n\nCan anyone share a template?\n", 1 },
		{ "See https://example.org/page?id=3 for the data.\n", 0 },
		{ "We met. It went well!\n", 0 },
		{ "", 0 },
		{ "\n\n\n", 0 },
		{ "Hi all,\n\nI wanted to share our report.\n\nAny thoughts?\n", 0 },
		{ "どう思いますか？\n", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(question_asked(cases[i].text, NULL), cases[i].want,
		    "'%s': got %d, want %d", cases[i].text, !cases[i].want,
		    cases[i].want);
	cr_expect_eq(question_asked(NULL, NULL), 0);
}

/* ---- subjects ------------------------------------------------------------- */

Test(classify, normalize_subject)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "Re: AW: [CoP] Re: Fwd: Funding flows", "funding flows" },
		{ "RE : [CoP]  Funding   flows ", "funding flows" },
		{ "Funding flows", "funding flows" },
		{ "Re[2]: Funding", "funding" },
		{ "Re^3: Funding", "funding" },
		{ "Re(4): Funding", "funding" },
		{ "Réf. : Funding", "funding" },
		{ "TR: Funding", "funding" },
		{ "WG: Funding", "funding" },
		{ "SV: VS: Funding", "funding" },
		{ "Antw: Funding", "funding" },
		{ "RV: Funding", "funding" },
		{ "Fw: Funding", "funding" },
		{ "R: Funding", "funding" },
		{ "[CoP] [funding] Re: Donors", "donors" },
		{ "[question] Re: [CoP] Donors", "donors" },
		{ "Re: [The Organisation of Funding Streams] Donors", "donors" },
		{ "[URGENT] Donors", "[urgent] donors" },
		{ "Rethinking grants", "rethinking grants" },
		{ "Réponse sans deux-points", "réponse sans deux-points" },
		{ "ÉCOLE ÇA", "école ça" },
		{ "Привет Мир", "привет мир" },
		{ "\xe5\x9b\x9e\xe5\xa4\x8d: \xe8\xb5\x84\xe9\x87\x91", "\xe8\xb5\x84\xe9\x87\x91" },
		{ "Re\xef\xbc\x9a Funding", "funding" },
		{ "Re:", "" },
		{ "Re: Re: Re: ", "" },
		{ "", "" },
		{ "Re:Funding\tflows", "funding flows" },
		{ "[cop] lower-case prefix", "lower-case prefix" },
	};
	struct conf *c = test_conf();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = classify_normalize_subject(c, cases[i].in);

		cr_expect_str_eq(got, cases[i].want, "'%s': got '%s', want '%s'",
		    cases[i].in, got, cases[i].want);
		free(got);
	}
	{
		char *got = classify_normalize_subject(NULL, NULL);

		cr_expect_str_eq(got, "");
		free(got);
	}
}

Test(classify, normalize_subject_is_capped_and_utf8)
{
	char in[3000], *got;

	for (size_t i = 0; i + 2 < sizeof(in); i += 2)
		memcpy(in + i, "\xc3\xa9", 2);
	in[sizeof(in) - 2] = '\0';
	got = classify_normalize_subject(NULL, in);
	cr_assert_leq(strlen(got), 1000);
	cr_assert(got[0] == '\0' || utf8_valid(got, strlen(got)), "cut inside a character");
	free(got);
}

Test(classify, prefixes)
{
	struct conf *c = test_conf();

	cr_expect_str_eq(classify_strip_prefix(c, "Re: [CoP] Hello World"), "Hello World");
	cr_expect_str_eq(subject_skip_reply("Re: AW: [CoP] x"), "[CoP] x");
	cr_expect_eq(classify_has_list_prefix(c, "Re: [CoP] x"), 1);
	cr_expect_eq(classify_has_list_prefix(c, "AW: [funding] [cop] x"), 1);
	cr_expect_eq(classify_has_list_prefix(c, "x [CoP]"), 0);
	cr_expect_eq(classify_has_list_prefix(c, "Funding"), 0);
	cr_expect_eq(subject_is_reply("Re: x"), 1);
	cr_expect_eq(subject_is_reply("Fwd: Re: x"), 0);
	cr_expect_eq(subject_is_reply("Rethinking"), 0);
	/* Portuguese Outlook's "RES:", which only the relay's table had */
	cr_expect_eq(subject_is_reply("RES: [CoP] Financiamento"), 1);
	cr_expect_str_eq(classify_strip_prefix(c, "RES: [CoP] Financiamento"), "Financiamento");
}

Test(classify, fold)
{
	char out[64];

	cr_expect_str_eq(utf8_fold("ÀÉÎÕÜ Ÿ Ł Ω Ж", strlen("ÀÉÎÕÜ Ÿ Ł Ω Ж"), out, sizeof(out)),
	    "àéîõü ÿ ł ω ж");
	cr_expect_str_eq(utf8_fold("ABC", 3, out, 3), "ab");
	cr_expect_str_eq(utf8_fold("\xff\xfe", 2, out, sizeof(out)), "\xff\xfe");
}

/* ---- the shared fixtures ------------------------------------------------ */

/* Every delivery report of engineer G's corpus routes as a bounce, and
 * every look-alike in it (vacation replies, read receipts, posts that
 * mention "undeliverable") does not */
Test(route, bounce_corpus)
{
	struct conf *c = test_conf();
	const char *src = tutil_srcdir();
	char path[4096], line[1024];
	FILE *fp;
	int rows = 0;

	snprintf(path, sizeof(path), "%s/tests/fixtures/bounces/expected.txt", src);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "cannot open %s", path);
	while (fgets(line, sizeof(line), fp)) {
		char *name = line, *kind, *bar;
		struct route_result r;
		struct message *m;
		size_t len;
		char *raw;
		int report;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if ((bar = strchr(name, '|')) == NULL || (kind = strchr(bar + 1, '|')) == NULL)
			continue;
		*bar = '\0';
		kind++;
		report = strncmp(kind, "none", 4) != 0;
		snprintf(path, sizeof(path), "%s/tests/fixtures/bounces/%s.eml", src, name);
		raw = tutil_try_read_file(path, &len);
		cr_assert_not_null(raw, "cannot read %s", path);
		m = message_parse(raw, len, NULL);
		cr_assert_not_null(m);
		route_message(c, m, len, &r);
		if (report)
			cr_expect_eq(r.route, ROUTE_BOUNCE, "%s: got %s (%s), want bounce",
			    name, route_name(r.route), r.reason);
		else
			cr_expect_neq(r.route, ROUTE_BOUNCE, "%s: got bounce (%s), want anything else",
			    name, r.reason);
		cr_expect(!has_control(r.arg) && !has_control(r.detail),
		    "%s: a control character in the result", name);
		message_free(&m);
		free(raw);
		rows++;
	}
	fclose(fp);
	cr_expect_geq(rows, 60, "got %d corpus rows, want at least 60", rows);
}

/* Every message fixture of engineer C's corpus (clients, charsets,
 * malformations) goes through route and classify without trouble, with
 * explanations and no control characters in anything routed */
Test(route, message_corpus_is_handled)
{
	static const char *const names[] = { "bad-garbage", "bad-nul-bytes",
	    "bad-long-line", "bad-unclosed", "bad-boundary-reuse",
	    "outlook-winmail", "signed", "list-digest", "gmail-reply",
	    "iphone-french", "charset-iso-2022-jp", "subject-mixed",
	    "dsn-report", "dsn-rfc822", "thunderbird-flowed" };
	struct conf *c = test_conf();
	struct classifier *cl = classify_new(c);
	const char *src = tutil_srcdir();
	char path[4096];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct classify_input in = { .arrival = tutil_at("2020-11-20T10:00:00Z") };
		struct classify_result cr;
		struct route_result r;
		struct message *m;
		size_t len;
		char *raw, *norm;

		snprintf(path, sizeof(path), "%s/tests/fixtures/messages/%s.eml", src, names[i]);
		raw = tutil_try_read_file(path, &len);
		if (raw == NULL) {
			cr_log_warn("%s: fixture missing, skipped", names[i]);
			continue;
		}
		m = message_parse(raw, len, NULL);
		cr_assert_not_null(m, "%s: refused", names[i]);
		route_message(c, m, len, &r);
		cr_expect_not_null(r.reason, "%s: no route reason", names[i]);
		cr_expect(!has_control(r.arg) && !has_control(r.to) &&
		    !has_control(r.detail), "%s: a control character", names[i]);
		classify_message(cl, m, &in, &cr);
		cr_expect_not_null(cr.theme, "%s: no theme", names[i]);
		cr_expect(cr.theme_why[0] && cr.kind_why[0], "%s: no explanation", names[i]);
		norm = classify_normalize_subject(c, m->subject);
		cr_expect(norm[0] == '\0' || utf8_valid(norm, strlen(norm)),
		    "%s: normalised subject is not UTF-8", names[i]);
		free(norm);
		message_free(&m);
		free(raw);
	}
	classify_free(&cl);
}

/* ---- baraza inspect, the real program ------------------------------------ */

/* baraza_path - the built program: $BARAZA_BUILDDIR/admin/baraza, else
 * ./admin/baraza (a test run from the build directory); NULL if absent */
static char *
baraza_path(void)
{
	const char *b = getenv("BARAZA_BUILDDIR");
	char path[4096];

	snprintf(path, sizeof(path), "%s/admin/baraza", b && *b ? b : ".");
	return access(path, X_OK) == 0 ? strdup(path) : NULL;
}

/* run - the exit status of sh -c cmd, its standard output in out */
static int
run(const char *cmd, char *out, size_t outlen)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	cr_assert_not_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(inspect, json_keys_and_exit_codes)
{
	static const char *const keys[] = { "\"message_id\":", "\"from\":",
	    "\"subject\":", "\"date\":", "\"route\":", "\"theme\":", "\"kind\":",
	    "\"in_reply_to\":", "\"references\":", "\"text\":", "\"new_text\":",
	    "\"links\":", "\"attachments\":", "\"bounce\":", "\"defects\":",
	    "\"route_reason\":", "\"theme_reason\":", "\"kind_reason\":" };
	char *b = baraza_path(), cmd[8192], out[65536];
	const char *src = tutil_srcdir();
	int rc;

	if (b == NULL)
		cr_skip_test("admin/baraza is not built here");
	snprintf(cmd, sizeof(cmd), "printf 'Delivered-To: cop+funding@example.org\\r\\n"
	    "From: Ann <ann@example.net>\\r\\nSubject: [question] Donors\\r\\n"
	    "Date: Fri, 20 Nov 2020 10:00:00 +0000\\r\\n\\r\\nWho funds this?\\r\\n' | "
	    "BARAZA_CONF=/nonexistent %s inspect --json - 2>/dev/null", b);
	rc = run(cmd, out, sizeof(out));
	cr_expect_eq(rc, 0, "got exit %d, want 0", rc);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_expect(strstr(out, keys[i]) != NULL, "key %s missing in %s", keys[i], out);
	cr_expect(strstr(out, "\"route\":\"post\"") != NULL, "got %s, want route post", out);
	cr_expect(strstr(out, "\"theme\":\"funding\"") != NULL, "got %s, want theme funding", out);
	cr_expect(strstr(out, "\"kind\":\"question\"") != NULL, "got %s, want kind question", out);
	cr_expect(strstr(out, "\"date\":\"2020-11-20T10:00:00Z\"") != NULL, "got %s", out);

	snprintf(cmd, sizeof(cmd), "BARAZA_CONF=/nonexistent %s inspect --json "
	    "%s/tests/fixtures/bounces/postfix-dsn-user-unknown.eml 2>/dev/null", b, src);
	rc = run(cmd, out, sizeof(out));
	cr_expect_eq(rc, 0, "got exit %d, want 0", rc);
	cr_expect(strstr(out, "\"route\":\"bounce\"") != NULL, "got %s, want a bounce", out);
	cr_expect(strstr(out, "\"bounce\":{\"addresses\":[\"bob@example.net\"],\"temporary\":false") != NULL,
	    "got %s, want the failed address", out);

	snprintf(cmd, sizeof(cmd), "%s inspect --json /nonexistent/x.eml 2>/dev/null", b);
	cr_expect_eq(run(cmd, out, sizeof(out)), 1, "an unreadable file: want exit 1");
	snprintf(cmd, sizeof(cmd), "%s inspect 2>/dev/null", b);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "no file: want exit 2");
	snprintf(cmd, sizeof(cmd), "%s inspect --frobnicate x 2>/dev/null", b);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "bad option: want exit 2");
	snprintf(cmd, sizeof(cmd), "%s inspect --help", b);
	cr_expect_eq(run(cmd, out, sizeof(out)), 0, "--help: want exit 0");
	cr_expect(strstr(out, "usage:") != NULL, "got %s, want a usage text", out);
	snprintf(cmd, sizeof(cmd), "head -c 5000 /dev/urandom | BARAZA_CONF=/nonexistent "
	    "%s inspect --json - 2>/dev/null", b);
	cr_expect_eq(run(cmd, out, sizeof(out)), 0, "binary junk: want exit 0");
	cr_expect(strstr(out, "\"route\":") != NULL, "binary junk: got %s", out);
	free(b);
}
