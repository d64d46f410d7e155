/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request - mail to the list's own machinery
 *
 * request_handle() acts on a message that route.c sent to cop+request@ or a
 * shortcut (subscribe, unsubscribe, help), cop+confirm-TOKEN@,
 * cop+unsubscribe-TOKEN@ (one-click), cop+owner@ or cop+summary[-THEME]@.
 * It runs inside the ingest transaction, after the message row was added
 * (message_row), and queues every answer in the same transaction.
 * Commands and mail to the owner are handled in request.c, confirmations
 * in request_confirm.c, summaries in request_summary.c.
 *
 * Rules kept here: answers go to the From address (never a Reply-To);
 * subscription is confirmed through a single-use 128-bit token that
 * expires after 7 days, and so are the commands that change a member
 * (unsubscribe, nomail, digest, each, themes, language) unless the
 * receiving server authenticated the sender (sender_auth.h), all of one
 * mail under one token; one-click unsubscription from the member's own
 * address is immediate and acknowledged once, from any other it is
 * confirmed; "not understood" and refusals go out at
 * most once a day per address; more than REQUEST_MAX_PER_HOUR command mails
 * an hour from one address are dropped (logged), never answered in a loop;
 * mail to cop+owner@ is forwarded at most REQUEST_OWNER_PER_DAY times a day
 * per sender (the rest kept, the facilitators told once).
 * Summaries: only an active facilitator's; authenticated by the trusted
 * server's Authentication-Results (dkim or spf pass for the From domain)
 * or else by a confirmation round-trip; a summary closes its session and
 * goes to every active member whatever their delivery mode.
 */
#ifndef BARAZA_REQUEST_H
#define BARAZA_REQUEST_H

#include <stdint.h>

#include "conf.h"
#include "message.h"
#include "route.h"
#include "store.h"

#define REQUEST_MAX_PER_HOUR 10
#define REQUEST_OWNER_PER_DAY 3   /* mails to cop+owner@ forwarded per sender a day */

/* request_handle - act on m (see above).  *state gets the message state to
 * record: "stored" when acted on, "ignored" when dropped (rate limit, no
 * sender).  0, or -1 on a database error (the transaction is rolled back
 * by the caller and the message fetched again). */
int request_handle(struct store *s, const struct conf *c, const struct message *m,
    const struct route_result *rr, int64_t message_row, const char **state);

#endif
