/* SPDX-License-Identifier: GPL-3.0-or-later */
/* listhead - the list header fields that make a mail list mail
 *
 * Every mail sent to members as list mail (relayed posts, announcements,
 * summaries, digests; SPEC §6) carries List-Id, List-Help, List-Post,
 * List-Subscribe, List-Unsubscribe and, when the archive has a URL,
 * List-Archive (RFC 2369, RFC 2919).  This module writes them, with the
 * addresses from listaddr.h and the values through mime_out.h.
 *
 * List-Unsubscribe is personal when the recipient's token is known
 * (personalize = yes): "<mailto:cop+unsubscribe-TOKEN@...>" and, with
 * [web] url, "<URL/unsubscribe/TOKEN>" before it and the field
 * "List-Unsubscribe-Post: List-Unsubscribe=One-Click" (RFC 8058).  A mail
 * shared by many recipients carries the generic "<mailto:cop+unsubscribe@>"
 * (which asks for a confirmation) and no List-Unsubscribe-Post: RFC 8058
 * one-click needs a URI that names one recipient.
 *
 * The personal token appears only in these two header fields, never in a
 * body (a reply would quote it); bodies say how to leave without it
 * (listhead_leave_line).
 *
 * Mail built once for many members (announcements, summaries, digests) is
 * stored with the generic field; listhead_personalize() swaps in the
 * recipient's own at delivery.
 */
#ifndef BARAZA_LISTHEAD_H
#define BARAZA_LISTHEAD_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "listaddr.h"

/* Path of the one-click URI under [web] url: URL "/unsubscribe/" TOKEN */
#define LISTHEAD_WEB_PATH "/unsubscribe/"

/* What the fields need (strings borrowed) */
struct listhead {
	struct listaddr la;
	const char *name;           /* the list's name (List-Id phrase) */
	const char *web_url;        /* [web] url, or NULL */
	const char *archive_url;    /* [archive] url, or NULL */
};

/* listhead_init - h for c's list (borrows c's strings); 0, or -1 when c
 * has no usable list address */
int listhead_init(struct listhead *h, const struct conf *c);

/* listhead_fields - List-Id, List-Post, List-Help, List-Subscribe and
 * (with an archive URL) List-Archive, each ending in eol (MIME_CRLF or
 * MIME_LF).  0, or -1 (out's cap). */
int listhead_fields(struct buf *out, const char *eol, const struct listhead *h);

/* listhead_unsubscribe - List-Unsubscribe for the member whose token this
 * is, and List-Unsubscribe-Post when h has a web URL; token NULL or unfit
 * (not 8..128 letters and digits): the generic field.  0, or -1. */
int listhead_unsubscribe(struct buf *out, const char *eol,
    const struct listhead *h, const char *token);

/* listhead_web_link - append URL/unsubscribe/TOKEN (no brackets).  0, or
 * -1 when h has no web URL, the token is unfit, or out's cap is reached */
int listhead_web_link(struct buf *out, const struct listhead *h,
    const char *token);

/* listhead_personalize - append msg[0..len) (a whole message, CRLF or LF
 * line ends) to out, with its header's List-Unsubscribe and
 * List-Unsubscribe-Post fields (folded lines included) replaced by
 * listhead_unsubscribe(token), written where List-Unsubscribe was, with
 * the message's own line end.  Returns 1 when a field was replaced, 0 when
 * the message has no List-Unsubscribe (copied unchanged), -1 (out's cap). */
int listhead_personalize(struct buf *out, const char *msg, size_t len,
    const struct listhead *h, const char *token);

/* listhead_leave_line - append the body line that tells a member how to
 * leave without a personal secret ("To leave LIST, mail cop+unsubscribe@
 * ...") in lang (template label "footer_leave"), without a line end.
 * 0, or -1 (out's cap). */
int listhead_leave_line(struct buf *out, const struct conf *c,
    const char *lang);

#endif
