/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request_summary - a facilitator's summary closes its session
 *
 * The rules are at the top of request_summary.c.  Everything runs inside
 * the ingest transaction.
 */
#ifndef BARAZA_REQUEST_SUMMARY_H
#define BARAZA_REQUEST_SUMMARY_H

#include <stdint.h>

#include "conf.h"
#include "message.h"
#include "request_ctx.h"

/* request_summary_handle - a mail to cop+summary[-THEME]@ (r->rr->arg the
 * theme or NULL): published at once when the sender is an active
 * facilitator vouched for by the trusted server, confirmed first when not
 * vouched for, refused otherwise.  0, or -1 on a database error. */
int request_summary_handle(struct request_ctx *r);

/* request_summary_publish - the stored message message_row becomes the
 * summary of session (a post and thread of its own, the session closed,
 * a copy queued for every active member).  0 (also when the session or
 * the message has gone), or -1 on a database error. */
int request_summary_publish(struct request_ctx *r, int64_t message_row,
    int64_t session);

#endif
