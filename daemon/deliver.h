/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deliver - run the outbox over SMTP, and decide what each answer means
 *
 * deliver_run() delivers what is due: personalised (one envelope per
 * recipient, VERP) or batched (max_recipients RCPT per transaction), over
 * one reused SMTP connection per worker (smtp.h), and records each
 * recipient's result: sent, deferred (4xx, connection failure; backoff) or
 * failed (5xx, or deferred past retry_for_hours; a bounce is recorded with
 * bounce.h).  The transport reports; this module decides.  The schedule is
 * written up at the top of deliver.c.
 */
#ifndef BARAZA_DELIVER_H
#define BARAZA_DELIVER_H

#include <signal.h>

#include "conf.h"
#include "store.h"

/* deliver_run - deliver every due outbox row (queued, or deferred whose
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
int deliver_run(struct store *s, const struct conf *c, int *remaining);
/* deliver_run_until - deliver_run that ends early once *stop (may be NULL)
 * becomes non-zero: the transactions under way finish and are recorded,
 * the rows not yet handed to a connection stay queued; returns 0 then */
int deliver_run_until(struct store *s, const struct conf *c, int *remaining,
    const volatile sig_atomic_t *stop);

#endif
