/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bounce - delivery failures counted against members
 *
 * Reading a delivery report is dsn.h's business (pure, in the mail layer);
 * the signed bounce address is bounceaddr.h's; this module decides what a
 * failure means for a member.
 *
 * What counts (SPEC §4, §9).  A failure counts against a member only
 *  - when the SMTP server refuses that member's address (5xx, or 4xx until
 *    retry_for_hours have passed), or
 *  - when a delivery report (dsn_parse() says it is one, and permanent)
 *    reaches a signed bounce address of ours that is in date; it then
 *    counts against recipients of that transaction only: the one
 *    recipient of a one-recipient transaction (personalize = yes; the
 *    report may name a forwarding target instead), or, of a shared one,
 *    those its failed addresses name.
 * Mail to cop+bounces@ without a signature, a malformed, forged or expired
 * signature, a transaction we do not know, a mail that is no delivery
 * report, a delay notice (4.x.x), and every address a report names that
 * was not a recipient of that transaction: logged, the message kept
 * (state ignored, with the reason), counted for no one.
 *
 * The rule: permanent failures on BOUNCE_DAYS distinct days within
 * BOUNCE_WINDOW stop the member (status bouncing, delivery none), and the
 * lifecycle of bounce_life.c starts: probes, then re-enabling.
 */
#ifndef BARAZA_BOUNCE_H
#define BARAZA_BOUNCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "message.h"
#include "store.h"

#define BOUNCE_DAYS 3                /* distinct days ... */
#define BOUNCE_WINDOW 14             /* ... within this many days */

/* bounce_handle - a message that reached cop+bounces[-ARG]@; arg is ARG
 * (NULL for the bare address or a report recognised by its shape at
 * another address).  Inside the ingest transaction; message_row is
 * messages.id, whose state becomes "ignored" with the reason when the
 * message counts for no one.  0 or -1 (database). */
int bounce_handle(struct store *s, const struct conf *c, const struct message *m,
    int64_t message_row, const char *arg);

/* bounce_record_failure - count one permanent SMTP failure (5xx, or a
 * deferral past retry_for_hours) for address, whose outbox_rcpt row is
 * rcpt (0: none); used by the relay.  0 or -1. */
int bounce_record_failure(struct store *s, const struct conf *c,
    const char *address, int64_t rcpt, const char *reason);

/* bounce_record_success - a delivery to address succeeded (the relay calls
 * this on the final 2xx to DATA); decays the score: when the newest
 * counting bounce of address came from the SMTP dialogue itself (the same
 * server now accepts it), or is 7 days old or more, the address's counting
 * bounces are cleared.  A success at a smarthost says nothing about a
 * delivery report still on its way, so fresh report-based bounces stay.
 * Inside or outside a transaction.  0 or -1. */
int bounce_record_success(struct store *s, const char *address);

/* bounce_envelope - the signed envelope sender cop+bounces-ID-DD-MAC@ of
 * the transaction whose first recipient row is id, made at now with key
 * (BOUNCEADDR_KEY_LEN bytes; store_bounce_key).  Owned; NULL when it
 * cannot be made (the caller then uses the unsigned cop+bounces@). */
char *bounce_envelope(const struct conf *c, const unsigned char *key,
    int64_t id, time_t now);

/* ---- the lifecycle (bounce_life.c) --------------------------------------- */

/* bounce_stop - the rule has stopped member (status bouncing, its
 * bouncing row written by store_bounce_disable): send the first probe and
 * schedule the others, tell the facilitators.  Inside the caller's
 * transaction.  0 or -1. */
int bounce_stop(struct store *s, const struct conf *c, int64_t member, time_t now);

/* bounce_lifecycle_run - the due work of stopped members at now, each in
 * its own transaction: send the probes that are due, and enable again
 * every member whose latest probe went through (accepted by the server and
 * no report back to its signed address for BOUNCE_PROBE_GRACE days).
 * Returns the number of probes sent and members enabled, or -1. */
int bounce_lifecycle_run(struct store *s, const struct conf *c, time_t now);

/* Probes after the stop: at once, then these many days after it */
#define BOUNCE_PROBE_DAYS { 0, 1, 3, 7 }
/* Days an accepted probe must stay unanswered by a report to count as
 * "went through" */
#define BOUNCE_PROBE_GRACE 2

#endif
