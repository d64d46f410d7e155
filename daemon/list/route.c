/* SPDX-License-Identifier: GPL-3.0-or-later */
/* route - where did this message go, and what is it?
 *
 * This module answers two questions about one parsed message, without
 * touching the database: which of the list's addresses it reached, and
 * whether it is something baraza must act on as the address says (a post,
 * a command, a token answer) or something it must only record (a bounce,
 * an auto-reply, a loop, an oversize or unusable message).
 *
 * The address.  The daemon reads one mailbox into which every address of
 * the list is delivered, so the headers must say which one this copy was
 * for.  Envelope headers written by the receiving MTA come first, because
 * To and Cc are what the author typed and miss Bcc'd and redirected mail:
 * Delivered-To, X-Original-To, Envelope-To, then To, then Cc; within one
 * field name every occurrence is looked at from the top.  The first
 * address that is the list address or LOCAL+TAG@DOMAIN (case-insensitive)
 * wins, with one refinement: the three envelope fields describe the same
 * delivery, and an alias or a later hop may strip a tag but never adds
 * one, so a tagged form in any of them beats the bare address in another
 * (Delivered-To: cop@ with X-Original-To: cop+funding@ is a funding post).
 * To and Cc are consulted only when no envelope field names the list.
 * What the tag means is listaddr.c's answer (listaddr.h has the forms):
 * an unknown tag, a malformed token, POSTID or VERP form, or a
 * summary-THEME for no theme is an unknown address (route invalid), never
 * guessed at.  When no header
 * names the list at all (Bcc with an MTA that writes no envelope header)
 * the message is taken as sent to the posting address: it did reach our
 * mailbox, and the normal membership and moderation rules then apply.
 *
 * The precedence.  Every sign is collected first (autoreply.c); then the
 * first of these rules that applies decides:
 *
 *  1. m == NULL (the parser refused it: over its hard limit) -> oversize.
 *  2. Sent to cop+bounces@ or its VERP form -> bounce.  The envelope says
 *     it is a report on our own outgoing mail; nothing done with it can
 *     loop, and it is exempt from max_message_kb because a report that
 *     returns a post of nearly max_message_kb is itself larger than that.
 *     Vacation responders answer the envelope sender, i.e. this address:
 *     a message with a strong auto-reply sign (below) that is in no way a
 *     report (no report shape, not from MAILER-DAEMON) is an auto-reply.
 *  3. Loop: our own List-Id <LOCAL.DOMAIN>, an X-Loop naming the list
 *     address, or a From that is one of the list's addresses (a munged
 *     relay or a notice coming back).  Before everything else that could
 *     produce an answer: the list's own mail must produce nothing at all.
 *  4. Bounce by shape: a null envelope sender (<>) or a MAILER-DAEMON /
 *     postmaster From together with a delivery-report shape
 *     (multipart/report of type delivery-status, a message/delivery-status
 *     part, or dsn_parse() recognising it), or MAILER-DAEMON with a
 *     null sender even when the text is not recognised.  Whatever address
 *     it was sent to: a report to an approve-TOKEN address must never
 *     approve anything.  Read receipts (report-type disposition-
 *     notification) are not bounces; they are auto-replies (rule 5).
 *  5. Auto-reply.  Strong signs: Auto-Submitted other than "no", the
 *     X-Autoreply family of headers, an out-of-office subject (the phrase
 *     must open the subject, so a person's "Re: Automatic reply: ..." or
 *     "Absence of funding" is not one), a read receipt, a null envelope
 *     sender.  Weak signs: Precedence bulk/junk/list,
 *     X-Auto-Response-Suppress.  Two address classes are treated apart:
 *       - cop+unsubscribe@ and cop+unsubscribe-TOKEN@ are never overridden
 *         by auto-reply signs: mail clients send one-click unsubscribe
 *         messages marked Auto-Submitted: auto-generated (RFC 8058 style),
 *         nothing of ours ever invites a robot to write there, and the
 *         worst outcome is a confirmation request.
 *       - confirm-, approve- and reject-TOKEN are overridden by strong
 *         signs only: a person's reply to a confirmation request is not an
 *         auto-reply because of a stray Precedence header, but an
 *         out-of-office answer must never confirm a subscription or
 *         approve a held post.
 *     Every other address, posts and commands included, obeys all signs.
 *  6. Oversize: raw_len > max_message_kb * 1024.  After the robots, so
 *     that only a person is ever told "your message was too large".
 *  7. Invalid: no usable From address.
 *  8. The address decides (unknown address -> invalid).
 *
 * Independently of the route, noreply is set whenever the sender is a
 * robot (null sender, MAILER-DAEMON, any auto-reply sign, loop, bounce),
 * so the caller never answers one, whatever it does with the message.
 *
 * Not here: membership, moderation and rate limits (they need the
 * database: ingest.c), and the meaning of a bounce (bounce.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "autoreply.h"
#include "listaddr.h"
#include "route.h"
#include "xalloc.h"

#define DETAIL_MAX 200          /* bytes of a header value quoted in detail */
#define ADDR_MAX LISTADDR_ADDR_MAX

/* ---- evidence, quoted for people ------------------------------------------ */

/* adup - an arena copy of n bytes with control characters turned into
 * spaces and cut (at a UTF-8 boundary) to max bytes; NULL without arena */
static const char *
adup(const struct message *m, const char *s, size_t n, size_t max)
{
	char *p;

	if (m == NULL || m->arena == NULL || s == NULL)
		return NULL;
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	p = arena_strndup(m->arena, s, n);
	if (p == NULL)
		return NULL;
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = ' ';
	return p;
}

/* detail2 - "A: B" in the arena, sanitised and capped */
static const char *
detail2(const struct message *m, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;
	char tmp[DETAIL_MAX * 2 + 8];

	if (la > DETAIL_MAX)
		la = DETAIL_MAX;
	if (lb > DETAIL_MAX) {
		lb = DETAIL_MAX;
		while (lb > 0 && ((unsigned char)b[lb] & 0xc0) == 0x80)
			lb--;
	}
	memcpy(tmp, a, la);
	memcpy(tmp + la, ": ", 2);
	if (lb)
		memcpy(tmp + la + 2, b, lb);
	return adup(m, tmp, la + 2 + lb, DETAIL_MAX + la + 2);
}

/* sign_detail - the evidence of an autoreply sign as "Name: value" */
static const char *
sign_detail(const struct message *m, const struct autoreply_sign *g)
{
	if (g->name == NULL)
		return g->value;
	return detail2(m, g->name, g->value);
}

/* ---- the recipient ------------------------------------------------------ */

/* A found list address: where, as written, and its tag */
struct found {
	const char *header;     /* static */
	char addr[ADDR_MAX];
	char tagbuf[ADDR_MAX];
	const char *tag;        /* tagbuf, or NULL for the bare address */
};

/* found_tag - remember the tag of f->addr in f->tagbuf */
static int
found_tag(const struct conf *c, struct found *f)
{
	const char *t;
	size_t n;

	if (!listaddr_match(c, f->addr, &t, &n))
		return 0;
	f->tag = NULL;
	if (t) {
		memcpy(f->tagbuf, t, n);
		f->tagbuf[n] = '\0';
		f->tag = f->tagbuf;
	}
	return 1;
}

/* next_in_value - the next list address in a raw header value from the
 * cursor *pp on (which it advances) */
static int
next_in_value(const struct conf *c, const char **pp, const char *header,
    struct found *f)
{
	while (listaddr_scan(pp, f->addr, sizeof(f->addr))) {
		if (found_tag(c, f)) {
			f->header = header;
			return 1;
		}
	}
	return 0;
}

/* find_in_value - the first list address in a raw header value */
static int
find_in_value(const struct conf *c, const char *value, const char *header,
    struct found *f)
{
	const char *p = value;

	return next_in_value(c, &p, header, f);
}

/* find_in_list - the first list address among parsed addresses */
static int
find_in_list(const struct conf *c, const struct msg_address *a, size_t n,
    const char *header, struct found *f)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].address == NULL || strlen(a[i].address) >= sizeof(f->addr))
			continue;
		strcpy(f->addr, a[i].address);
		if (found_tag(c, f)) {
			f->header = header;
			return 1;
		}
	}
	return 0;
}

/* find_recipient - the list address this copy was delivered to (see the
 * top comment for the order); 1 and *f, or 0 */
static int
find_recipient(const struct conf *c, const struct message *m, struct found *f)
{
	static const char *const envelope[] = { "Delivered-To", "X-Original-To",
	    "Envelope-To" };
	static const char *const visible[] = { "To", "Cc" };
	struct found bare;
	const char *v, *p;
	size_t i;
	int have_bare = 0;

	/* The envelope fields describe this one delivery.  A tagged form
	 * among them beats the bare address in another: an alias or an MTA
	 * may strip the tag on a later hop (Delivered-To: cop@ after
	 * X-Original-To: cop+funding@), but never adds one. */
	for (size_t k = 0; k < 3; k++)
		for (i = 0; (v = message_header_next(m, envelope[k], &i)) != NULL; )
			for (p = v; next_in_value(c, &p, envelope[k], f); ) {
				if (f->tag)
					return 1;
				if (!have_bare) {
					bare = *f;
					have_bare = 1;
				}
			}
	if (have_bare) {
		*f = bare;
		return 1;
	}
	if (find_in_list(c, m->to, m->nto, "To", f) ||
	    find_in_list(c, m->cc, m->ncc, "Cc", f))
		return 1;
	/* A parser that left To/Cc unparsed (or a hand-made struct): look at
	 * the raw fields, still only for the list's own address. */
	if (m->nto == 0 && m->ncc == 0)
		for (size_t k = 0; k < 2; k++)
			for (i = 0; (v = message_header_next(m, visible[k], &i)) != NULL; )
				if (find_in_value(c, v, visible[k], f))
					return 1;
	return 0;
}

/* route_guess_list_address - see route.h */
char *
route_guess_list_address(const struct message *m, char sep)
{
	static const char *const fields[] = { "Delivered-To", "X-Original-To",
	    "Envelope-To", "To", "Cc" };
	char addr[ADDR_MAX];
	const char *v, *p, *at, *cut;

	if (m == NULL)
		return NULL;
	for (size_t k = 0; k < 5; k++) {
		if (k == 3 && m->nto > 0 && m->to[0].address)
			v = m->to[0].address;
		else if (k == 4 && m->ncc > 0 && m->cc[0].address)
			v = m->cc[0].address;
		else
			v = message_header(m, fields[k]);
		if (v == NULL)
			continue;
		p = v;
		if (!listaddr_scan(&p, addr, sizeof(addr)))
			continue;
		at = strrchr(addr, '@');
		cut = memchr(addr, sep, (size_t)(at - addr));
		if (cut == NULL || cut == addr)
			return xstrdup(addr);
		return xasprintf("%.*s%s", (int)(cut - addr), addr, at);
	}
	return NULL;
}

/* ---- the address -------------------------------------------------------- */

/* The address route, before any other rule */
struct addr_route {
	enum route route;
	const char *arg;        /* static, a config string, or into the tag */
	size_t arglen;          /* > 0: arg points into the tag (copy it) */
	const char *reason;     /* static */
};

/* addr_route - what cop+TAG@ means for routing (tag NULL: the bare
 * address) */
static void
addr_route(const struct conf *c, const char *tag, struct addr_route *a)
{
	static const struct {
		enum route route;
		const char *reason;
	} kinds[] = {
		[LISTADDR_POST] = { ROUTE_POST, "posting address" },
		[LISTADDR_THEME] = { ROUTE_POST, "theme address" },
		[LISTADDR_REQUEST] = { ROUTE_COMMAND, "command address" },
		[LISTADDR_SUBSCRIBE] = { ROUTE_COMMAND, "command shortcut address" },
		[LISTADDR_UNSUBSCRIBE] = { ROUTE_COMMAND, "command shortcut address" },
		[LISTADDR_HELP] = { ROUTE_COMMAND, "command shortcut address" },
		[LISTADDR_OWNER] = { ROUTE_OWNER, "owner address" },
		[LISTADDR_SUMMARY] = { ROUTE_SUMMARY, "summary address" },
		[LISTADDR_BOUNCES] = { ROUTE_BOUNCE, "sent to the bounce address" },
		[LISTADDR_CONFIRM] = { ROUTE_CONFIRM, "confirmation address" },
		[LISTADDR_APPROVE] = { ROUTE_APPROVE, "approval address" },
		[LISTADDR_REJECT] = { ROUTE_REJECT, "rejection address" },
		[LISTADDR_ONECLICK] = { ROUTE_UNSUBSCRIBE, "one-click unsubscribe address" },
		[LISTADDR_REPLY] = { ROUTE_REPLY, "digest reply address" },
		[LISTADDR_UNKNOWN] = { ROUTE_INVALID, "unknown address" },
		[LISTADDR_BAD_THEME] = { ROUTE_INVALID, "unknown address (no such theme)" },
		[LISTADDR_BAD_VERP] = { ROUTE_INVALID, "unknown address (bad bounce address)" },
		[LISTADDR_BAD_POSTID] = { ROUTE_INVALID, "unknown address (bad post number)" },
		[LISTADDR_BAD_TOKEN] = { ROUTE_INVALID, "unknown address (bad token)" },
	};
	struct listaddr_tag t;

	listaddr_parse_tag(c, tag, tag ? strlen(tag) : 0, &t);
	memset(a, 0, sizeof(*a));
	a->route = kinds[t.kind].route;
	a->reason = kinds[t.kind].reason;
	a->arg = t.arg;
	a->arglen = t.arg_in_tag ? t.arglen : 0;
	switch (t.kind) {
	case LISTADDR_REQUEST:
	case LISTADDR_SUBSCRIBE:
	case LISTADDR_UNSUBSCRIBE:
	case LISTADDR_HELP:
		/* a command address: the argument is its word */
		a->arg = listaddr_word(t.kind);
		break;
	case LISTADDR_SUMMARY:
		if (t.arg)
			a->reason = "summary address of a theme";
		break;
	case LISTADDR_BOUNCES:
		if (t.arg)
			a->reason = "sent to a tagged bounce address";
		break;
	default:
		break;
	}
}

/* ---- the decision ------------------------------------------------------ */

/* decide - set the route, its rule and its evidence */
static void
decide(struct route_result *r, enum route route, const char *reason,
    const char *detail)
{
	r->route = route;
	r->reason = reason;
	r->detail = detail;
}

/* route_message - see route.h; the rules are at the top of this file */
void
route_message(const struct conf *c, const struct message *m, size_t raw_len,
    struct route_result *r)
{
	struct found f;
	struct addr_route a;
	struct autoreply_signs g;
	int have_to, exempt, token_route;
	long max_kb;

	memset(r, 0, sizeof(*r));
	if (m == NULL) {
		decide(r, ROUTE_OVERSIZE, "too large to parse", NULL);
		return;
	}

	memset(&f, 0, sizeof(f));
	have_to = find_recipient(c, m, &f);
	addr_route(c, have_to ? f.tag : NULL, &a);
	if (have_to) {
		r->to = adup(m, f.addr, strlen(f.addr), ADDR_MAX);
		r->to_header = f.header;
	} else {
		a.reason = "no list address in the headers; taken as the posting address";
	}
	if (a.arg)
		r->arg = a.arglen ? adup(m, a.arg, a.arglen, ADDR_MAX) : a.arg;
	autoreply_signs(c, m, a.route == ROUTE_BOUNCE, &g);

	/* 2. the bounce address: a report, or at least nothing to answer.
	 * Vacation responders answer the envelope sender, which is this
	 * address: what is plainly an auto-reply (and in no way a report) is
	 * called one, so the log and inspect say what it is. */
	if (a.route == ROUTE_BOUNCE) {
		r->noreply = 1;
		if (g.auto_marked && !g.report && !g.from_daemon) {
			r->arg = NULL;
			decide(r, ROUTE_AUTOREPLY, "auto-reply sent to the bounce address",
			    sign_detail(m, &g.strong));
		} else {
			decide(r, ROUTE_BOUNCE, a.reason, detail2(m, f.header, f.addr));
		}
		return;
	}

	/* 3. loops */
	if (g.loop.reason) {
		r->noreply = 1;
		r->arg = NULL;
		decide(r, ROUTE_LOOP, g.loop.reason, sign_detail(m, &g.loop));
		return;
	}

	/* 4. bounces by their shape */
	if ((g.null_sender || g.from_daemon) && g.report) {
		r->noreply = 1;
		r->arg = NULL;
		decide(r, ROUTE_BOUNCE, g.null_sender ?
		    "delivery report from a null sender" :
		    "delivery report from MAILER-DAEMON",
		    detail2(m, "From", m->from.address ? m->from.address : ""));
		return;
	}
	if (g.daemon_only && g.null_sender) {
		r->noreply = 1;
		r->arg = NULL;
		decide(r, ROUTE_BOUNCE, "MAILER-DAEMON with a null sender",
		    detail2(m, "From", m->from.address));
		return;
	}

	/* 5. auto-replies */
	exempt = a.route == ROUTE_UNSUBSCRIBE || (a.route == ROUTE_COMMAND &&
	    a.arg && strcmp(a.arg, "unsubscribe") == 0);
	token_route = a.route == ROUTE_CONFIRM || a.route == ROUTE_APPROVE ||
	    a.route == ROUTE_REJECT;
	if (exempt) {
		r->noreply = g.null_sender || g.daemon_only;
	} else if (g.strong.reason || (g.weak.reason && !token_route)) {
		r->noreply = 1;
		r->arg = NULL;
		if (g.strong.reason)
			decide(r, ROUTE_AUTOREPLY, g.strong.reason, sign_detail(m, &g.strong));
		else
			decide(r, ROUTE_AUTOREPLY, g.weak.reason, sign_detail(m, &g.weak));
		return;
	}
	/* a weak sign on a token answer: a person after all (not noreply) */

	/* 6. size */
	max_kb = c ? c->list.max_message_kb : 0;
	if (max_kb > 0 && (unsigned long)max_kb <= SIZE_MAX / 1024 &&
	    raw_len > (size_t)max_kb * 1024) {
		r->arg = NULL;
		decide(r, ROUTE_OVERSIZE, "larger than max_message_kb", NULL);
		return;
	}

	/* 7. a usable sender */
	if (m->from.address == NULL || strchr(m->from.address, '@') == NULL ||
	    m->from.address[0] == '@') {
		r->arg = NULL;
		decide(r, ROUTE_INVALID, "no usable From", NULL);
		return;
	}

	/* 8. the address */
	if (a.route == ROUTE_INVALID)
		r->arg = NULL;
	decide(r, a.route, a.reason, have_to ? detail2(m, f.header, f.addr) : NULL);
}

/* route_name - see route.h */
const char *
route_name(enum route r)
{
	static const char *const names[] = { "post", "command", "summary",
	    "confirm", "approve", "reject", "unsubscribe", "reply", "owner",
	    "bounce", "autoreply", "loop", "oversize", "invalid" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "invalid";
}