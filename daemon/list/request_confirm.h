/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request_confirm - confirmations: asked for, answered, and one-click
 *
 * Subscription and unsubscription by mail, and a facilitator's summary
 * that the receiving server did not vouch for, take effect only when the
 * sender's own mailbox answers a confirmation request: a single-use
 * 128-bit token in cop+confirm-TOKEN@ that expires after
 * REQUEST_CONFIRM_TTL; so do the member-changing commands of a sender the
 * receiving server did not authenticate, all of one mail under one token.
 * One-click unsubscription by a member's personal cop+unsubscribe-TOKEN@
 * is immediate when it comes from the member's own address.  Everything runs inside the ingest
 * transaction; the answers go out through request_ctx_notice().
 */
#ifndef BARAZA_REQUEST_CONFIRM_H
#define BARAZA_REQUEST_CONFIRM_H

#include <stdint.h>

#include "request_ctx.h"

/* request_confirm_ask - send r's sender a confirmation request: a token
 * of kind ("confirm-subscribe", "confirm-unsubscribe") for member
 * (members.id or 0) with data (kept with the token, e.g. the delivery
 * mode), in the notice template.  At most one a day per address and kind,
 * so a forged request cannot mail-bomb anyone; none to a robot.  1 sent
 * (r->confirmations counts it), 0 not sent, -1 on a database error. */
int request_confirm_ask(struct request_ctx *r, const char *kind,
    const char *template, int64_t member, const char *data);

/* request_confirm_changes - ask mem to confirm the waiting commands lines
 * ("verb arg\n" each), described in changes, with others (may be "") the
 * answers to the rest of the mail: one token for the whole set, one mail
 * to the member's own address (never to the sender, who may be anyone).
 * Only "unsubscribe" uses the confirm-unsubscribe request.  At most
 * REQUEST_CONFIRM_PER_DAY a day per member, none to a robot.  0, or -1. */
#define REQUEST_CONFIRM_PER_DAY 3
int request_confirm_changes(struct request_ctx *r, const struct member *mem,
    const char *lines, const char *changes, const char *others);

/* request_confirm_handle - a mail to cop+confirm-TOKEN@ (r->rr->arg): the
 * token's subscription (then a welcome), unsubscription (then a goodbye)
 * or summary takes effect; a spent or expired token is answered "already
 * done" or "expired" (once a day); an unknown one is ignored.  0, or -1
 * on a database error. */
int request_confirm_handle(struct request_ctx *r);

/* request_confirm_one_click - a mail to cop+unsubscribe-TOKEN@: mailed
 * from the member's own address, the member with that personal token is
 * unsubscribed at once and told so once; from any other address (a token
 * quoted, forwarded or leaked) the member is asked to confirm instead;
 * unknown tokens are ignored.  0, or -1 on a database error. */
int request_confirm_one_click(struct request_ctx *r);

#endif
