/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_bounce - the SQL of bounce counting (the bounces table)
 *
 * Addresses are stored and compared lower-cased.  Every function works
 * inside whatever transaction the caller holds.
 */
#ifndef BARAZA_STORE_BOUNCE_H
#define BARAZA_STORE_BOUNCE_H

#include <stdint.h>
#include <time.h>

#include "store.h"

/* store_bounce_insert - one bounces row; member, message and envelope
 * (the transaction: outbox_rcpt.id) may be 0 (NULL in the table); reason
 * may be NULL.  0 or -1. */
int store_bounce_insert(struct store *s, int64_t member, const char *address,
    long day, time_t at, int temporary, const char *reason, int64_t message,
    int64_t envelope);

/* ---- signed bounce addresses (bounceaddr.h) ---------------------------- */

/* store_bounce_key - the database's bounce-address key (keylen bytes,
 * BOUNCEADDR_KEY_LEN), made from getrandom() the first time and kept in
 * meta.bounce_key (hex) ever after.  Writes only the first time.  0 or -1. */
int store_bounce_key(struct store *s, unsigned char *key, size_t keylen);

/* One recipient of a transaction. */
struct bounce_rcpt {
	int64_t id;               /* outbox_rcpt.id */
	int64_t member;           /* 0: none */
	char *address;            /* owned, lower-case */
};

/* store_bounce_envelope_rcpts - the recipients of transaction envelope:
 * the rows recorded with that envelope, or the row of that id when it was
 * a transaction of its own.  0 and *out (owned: store_bounce_rcpts_free)
 * and *n (0 when the transaction is unknown), or -1. */
int store_bounce_envelope_rcpts(struct store *s, int64_t envelope,
    struct bounce_rcpt **out, size_t *n);
void store_bounce_rcpts_free(struct bounce_rcpt **r, size_t n);

/* store_bounce_envelope_set - record that row id went in transaction
 * envelope (a shared one); inside the relay's transaction.  0 or -1. */
int store_bounce_envelope_set(struct store *s, int64_t id, int64_t envelope);

/* store_bounce_days - distinct local days on or after from_day with a
 * permanent (counting) bounce of address; -1 error */
long store_bounce_days(struct store *s, const char *address, long from_day);

/* store_bounce_first_day - the earliest local day on or after from_day
 * with a counting bounce of address; -1 when none or on error */
long store_bounce_first_day(struct store *s, const char *address, long from_day);

/* store_bounce_last - the newest counting bounce of address: 1 with its day
 * and whether it came from the SMTP dialogue (no message row), 0 none, -1 */
int store_bounce_last(struct store *s, const char *address, long *day, int *smtp);

/* store_bounce_clear - delete the counting bounces of address (a decay);
 * returns the number of rows removed, or -1 */
long store_bounce_clear(struct store *s, const char *address);

/* ---- the lifecycle of a stopped member (bounce_life.c) -------------------- */

/* What is known of a stopped member (the bouncing table). */
struct bouncing {
	int64_t member;
	time_t since;             /* when the mail was stopped */
	long days, first_day, last_day; /* the failures that stopped it */
	char *reason;             /* owned, or NULL: the last failure */
	char *delivery;           /* owned: the delivery to give back */
	int probes;               /* probes sent so far */
	time_t next_probe;        /* 0: none left */
};
void store_bouncing_release(struct bouncing *b);

/* store_bounce_disable - stop mail to an active member: delivery 'none',
 * status 'bouncing', and its bouncing row (delivery kept, next_probe =
 * now).  1 when it changed an active member, 0 when the member was not
 * active (nothing done), -1 error. */
int store_bounce_disable(struct store *s, int64_t member, time_t now,
    long days, long first_day, long last_day, const char *reason);

/* store_bouncing_get - member's bouncing row: 1 and *b, 0 none, -1 */
int store_bouncing_get(struct store *s, int64_t member, struct bouncing *b);

/* store_bouncing_members - up to max members (ids into out, *n) that are
 * still bouncing and either have a probe due at now (which = 0) or have a
 * probe the server took at or before sent_before with no report counted
 * against it since (which = 1).  Rows of members no longer bouncing are
 * deleted first.  0 or -1. */
int store_bouncing_members(struct store *s, int which, time_t now,
    time_t sent_before, int64_t *out, size_t max, size_t *n);

/* store_bouncing_stopped_after - the members still stopped whose stop came
 * after the instant after (bouncing.since > after): the first max of them
 * in the order they were stopped (ids into out, *n), how many there are in
 * all (*total) and the newest stop among all of them (*last; after when
 * none).  0 or -1. */
int store_bouncing_stopped_after(struct store *s, time_t after, int64_t *out,
    size_t max, size_t *n, long *total, time_t *last);

/* store_bouncing_probed - a probe (outbox entry outbox) went to member:
 * count it, remember its recipient row, set the next one (0: none).
 * 0 or -1. */
int store_bouncing_probed(struct store *s, int64_t member, int64_t outbox,
    time_t now, time_t next_probe);

/* store_bouncing_enable - member's mail went through: status active, the
 * delivery it had, its bouncing row and probes and counted bounces gone.
 * 1 when it changed a bouncing member, 0 not, -1 error. */
int store_bouncing_enable(struct store *s, int64_t member, time_t now);

#endif
