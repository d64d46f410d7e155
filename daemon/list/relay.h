/* SPDX-License-Identifier: GPL-3.0-or-later */
/* relay - the outbound side's first half: queue deliveries
 *
 * relay_enqueue_post() is called inside the ingest transaction of an
 * accepted post: it adds one outbox entry and one outbox_rcpt row per
 * recipient (active members with delivery = each who follow the post's
 * theme, minus the author), so a post and its deliveries commit together.
 * relay_enqueue_mail() queues any other mail (notices, announcements,
 * digests) with its complete body.
 *
 * Sending what is queued is the daemon's deliver.h.
 */
#ifndef BARAZA_RELAY_H
#define BARAZA_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

/* relay_enqueue_post - queue deliveries of post_id; inside a transaction.
 * Returns the number of recipients, or -1. */
int relay_enqueue_post(struct store *s, const struct conf *c, int64_t post_id);

/* relay_enqueue_mail - queue a complete message (headers + body, CRLF or
 * LF) of the given kind to one recipient; member may be 0.  Returns the
 * outbox id, or -1.  Inside or outside a transaction. */
int64_t relay_enqueue_mail(struct store *s, const char *kind, const char *body,
    size_t len, const char *rcpt, int64_t member);

#endif
