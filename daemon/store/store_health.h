/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_health - the facts `baraza check` reports on a running list
 * (table health, schema 006)
 *
 * The daemon stamps two moments: the end of an IMAP fetch that completed
 * without an error (store_health_fetched, once per cycle, also when it
 * found nothing new) and a relay batch in which the SMTP server accepted
 * at least one delivery (store_health_delivered, inside the transaction
 * that records the batch, so the stamp and the sent rows commit
 * together).  It also notes its process id when its loop starts
 * (store_health_daemon), so check can tell whether a daemon runs without
 * a pid file.  store_health_get reads all of it back, with the holds
 * waiting for a moderator.
 *
 * The marks are best effort for their callers: a failure is logged here
 * and must never undo the work it marks (the callers ignore the result).
 */
#ifndef BARAZA_STORE_HEALTH_H
#define BARAZA_STORE_HEALTH_H

#include <time.h>

#include "store.h"

struct store_health {
	time_t last_fetch;        /* 0: never */
	time_t last_delivery;     /* 0: never */
	long daemon_pid;          /* 0: no daemon has started its loop */
	time_t daemon_started;    /* 0 with daemon_pid */
	long held_waiting;        /* holds in state 'held' */
	time_t held_oldest;       /* created of the oldest of them; 0 if none */
};

/* store_health_fetched - last_fetch = now.  One UPDATE, inside or outside
 * a transaction.  0 or -1 (logged). */
int store_health_fetched(struct store *s, time_t now);

/* store_health_delivered - last_delivery = now (never moving it back).
 * Meant inside the transaction that records accepted deliveries.  0 or
 * -1 (logged). */
int store_health_delivered(struct store *s, time_t now);

/* store_health_daemon - note the daemon's process id and start time.  0
 * or -1 (logged). */
int store_health_daemon(struct store *s, long pid, time_t started);

/* store_health_get - fill *h (see struct store_health).  0, or -1 (logged;
 * e.g. a database before schema 006). */
int store_health_get(struct store *s, struct store_health *h);

#endif
