/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bounce - delivery failures counted against members
 *
 * Reading a delivery report is dsn.h's business (pure, in the mail layer);
 * this module decides what a failure means for a member.
 * bounce_handle() records a report inside the ingest transaction and applies
 * the rule: 3 distinct days within 14 -> nomail + probe.
 */
#ifndef BARAZA_BOUNCE_H
#define BARAZA_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "message.h"
#include "store.h"

/* bounce_handle - record the report in m for the VERP recipient verp
 * ("LOCAL=DOMAIN" from the route, or NULL); inside a transaction.
 * message_row is messages.id.  0 or -1. */
int bounce_handle(struct store *s, const struct conf *c, const struct message *m,
    int64_t message_row, const char *verp);

/* bounce_record_failure - count one permanent SMTP failure (5xx, or a
 * deferral past retry_for_hours) for address; used by the relay.  0 or -1. */
int bounce_record_failure(struct store *s, const struct conf *c,
    const char *address, const char *reason);

/* bounce_record_success - a delivery to address succeeded (the relay calls
 * this on the final 2xx to DATA); decays the score: when the newest
 * counting bounce of address came from the SMTP dialogue itself (the same
 * server now accepts it), or is 7 days old or more, the address's counting
 * bounces are cleared.  A success at a smarthost says nothing about a
 * delivery report still on its way, so fresh report-based bounces stay.
 * Inside or outside a transaction.  0 or -1. */
int bounce_record_success(struct store *s, const char *address);

#endif
