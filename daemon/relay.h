/* relay - the outbound side: queue deliveries, run the outbox over SMTP
 *
 * relay_enqueue_post() is called inside the ingest transaction of an
 * accepted post: it adds one outbox entry and one outbox_rcpt row per
 * recipient (active members with delivery = each who follow the post's
 * theme, minus the author), so a post and its deliveries commit together.
 * relay_enqueue_mail() queues any other mail (notices, announcements,
 * digests) with its complete body.
 *
 * relay_run() delivers what is due: personalised (one envelope per
 * recipient, VERP) or batched (max_recipients RCPT per transaction), over
 * one reused SMTP connection per worker, and records each recipient's
 * result: sent, deferred (4xx, connection failure; backoff) or failed (5xx,
 * or deferred past retry_for_hours; a bounce is recorded).  The schedule
 * is written up at the top of relay.c.
 */
#ifndef BARAZA_RELAY_H
#define BARAZA_RELAY_H

#include <signal.h>
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

/* relay_run - deliver every due outbox row (queued, or deferred whose
 * next_try has come), once each per run.  *remaining (may be NULL) gets
 * the number of rows still queued or deferred afterwards.  Returns 0, or
 * -1 when the SMTP server could not be used at all (connection, TLS,
 * AUTH, greeting or our envelope sender refused): the run stops there,
 * the few rows tried are deferred (at most two transactions per
 * connection) and the rest stay queued for the next run.  Also -1 when
 * the database cannot record results (disk full, locked past the busy
 * timeout, logged): nothing is sent before a first small write succeeds,
 * and a run stops at the first results it cannot commit (their
 * recipients, at most the transactions under way, get a copy again).
 * Results are committed in small groups (4 recipients' worth of finished
 * transactions, or every 5 ms): a crash resends at most one group besides
 * the transactions under way. */
int relay_run(struct store *s, const struct conf *c, int *remaining);
/* relay_run_until - relay_run that ends early once *stop (may be NULL)
 * becomes non-zero: the transactions under way finish and are recorded,
 * the rows not yet handed to a connection stay queued; returns 0 then */
int relay_run_until(struct store *s, const struct conf *c, int *remaining,
    const volatile sig_atomic_t *stop);

/* relay_check - connect and greet the SMTP server (EHLO, STARTTLS and
 * AUTH as configured, then NOOP) for `baraza check`; 0 and
 * "smtp: greeted HOST:PORT (220 ...)" in msg, or -1 with the reason */
int relay_check(const struct conf *c, char *msg, size_t msglen);

#endif
