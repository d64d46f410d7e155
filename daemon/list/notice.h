/* SPDX-License-Identifier: GPL-3.0-or-later */
/* notice - the short mails baraza writes itself (holds, probes, refusals)
 *
 * A notice is a complete RFC 5322 message built from a template
 * (conf/templates/<lang>/NAME.txt, whose first line may be "Subject: ...")
 * and queued with relay_enqueue_mail().  Its header fields are written by
 * mime_out.h, so every value that came from input (a subject, a display
 * name) is cleaned of control characters (no CR or LF from a message can
 * reach an outgoing header) and RFC 2047 encoded where it is not ASCII.
 * Lines end in LF; the relay turns them into CRLF on the wire.
 *
 * notice_once() implements "at most once a day per address and kind" with
 * the notices table.
 */
#ifndef BARAZA_NOTICE_H
#define BARAZA_NOTICE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "listaddr.h"
#include "store.h"
#include "template.h"

#define NOTICE_MAX (8u << 20)     /* cap on one built notice (attachment included) */

struct notice {
	const char *kind;         /* outbox kind and X-Baraza-Notice value: "held-author", ... */
	const char *template;     /* template NAME */
	const char *lang;         /* recipient's language or NULL (list language) */
	const struct template_var *vars;
	size_t nvars;
	const char *to;           /* recipient address */
	const char *to_name;      /* display name or NULL */
	int64_t member;           /* members.id or 0 */
	/* From: LISTADDR_OWNER (cop+owner@) or LISTADDR_REQUEST; a zeroed
	 * field (LISTADDR_POST) counts as LISTADDR_OWNER */
	enum listaddr_kind from;
	const char *reply_to;     /* Reply-To address, or NULL */
	/* 1: list mail to members (announcements): From the list's own
	 * address, the list header fields (listhead.h; List-Unsubscribe
	 * generic, personalised at delivery), Precedence: list, and the line
	 * on how to leave at the end of the body */
	int list_mail;
	const char *in_reply_to;  /* Message-ID (no brackets) this answers, or NULL */
	const char *attach;       /* raw message attached as message/rfc822, or NULL (borrowed) */
	size_t attach_len;
};

/* notice_random_hex - nbytes random bytes (getrandom) as 2*nbytes lower-case
 * hex digits into out (at least 2*nbytes+1 bytes).  0, or -1 (logged) when
 * the kernel gives no randomness. */
int notice_random_hex(char *out, size_t nbytes);

/* notice_one_line - a copy of s fit for one line (a subject, a name in a
 * template's Subject: line), as mime_clean() makes it: control characters
 * (CR, LF, ...) become spaces, white space runs collapse, at most 998
 * bytes.  Owned; s may be NULL. */
char *notice_one_line(const char *s);

/* notice_build - render n's template and build the whole message into out.
 * 0, or -1 (template missing, cap reached; logged). */
int notice_build(struct buf *out, const struct conf *c, const struct notice *n);

#define NOTICE_NONMEMBER_PER_DAY 3   /* notices a day to an address that is no member */

/* notice_send - build n and queue it with relay_enqueue_mail().  The outbox
 * id; 0 when nothing was queued because n->to is no member (active or
 * bouncing) and had NOTICE_NONMEMBER_PER_DAY notices today already
 * (logged); or -1. */
int64_t notice_send(struct store *s, const struct conf *c, const struct notice *n);

/* notice_once - may a notice of this kind go to address today (local day of
 * now)?  1 yes (and it is now recorded as sent), 0 one went already today,
 * -1 error.  Inside the caller's transaction. */
int notice_once(struct store *s, const char *address, const char *kind, time_t now);

/* notice_up_to - notice_once for at most max (1..9) notices of this kind to
 * address on the local day of now: 1 yes (recorded), 0 max went already,
 * -1 error */
int notice_up_to(struct store *s, const char *address, const char *kind, int max,
    time_t now);

#endif
