/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_outbox - the outbox tables (outbox, outbox_rcpt) in baraza's terms
 *
 * An outbox entry is one message to send: a relayed post (post set, no
 * body: composed from the stored raw message at send time) or any other
 * mail with its complete body.  Each recipient is an outbox_rcpt row whose
 * state moves queued -> sent | deferred -> ... -> sent | failed.
 * Functions that change rows expect the caller to hold a transaction
 * where they say so; the rest run on their own.
 */
#ifndef BARAZA_STORE_OUTBOX_H
#define BARAZA_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

/* outbox_add_post - the outbox entry of post_id and one row per recipient:
 * active members with delivery = each who follow the post's theme, minus
 * the author (by member id or address, ignoring case), in one
 * INSERT ... SELECT.  Inside a transaction.  Returns the number of
 * recipients (0 also when the post was queued before: never twice), or -1. */
int outbox_add_post(struct store *s, int64_t post_id, time_t now);

/* outbox_add_mail - an entry with its body (len bytes) and one recipient;
 * member may be 0.  Returns the outbox id, or -1. */
int64_t outbox_add_mail(struct store *s, const char *kind, const char *body,
    size_t len, const char *rcpt, int64_t member, time_t now);

/* One due recipient row, with what sending it needs. */
struct outbox_row {
	int64_t id;               /* outbox_rcpt.id */
	int64_t outbox;
	int64_t post;             /* 0: a mail with a body */
	int64_t member;           /* 0: none */
	char *kind;               /* owned */
	char *address;            /* owned */
	char *unsub_token;        /* owned, or NULL */
	char *language;           /* owned, or NULL */
	int attempts;
	time_t created;           /* of the outbox entry */
	int bounced;              /* the address has counting bounces on
	                           * record (a success must decay them) */
};

/* outbox_claim - claim up to max rows with id > after that are due at now
 * (queued, or deferred with next_try <= now) and not claimed by another
 * owner whose lease runs after wall, for owner until lease_until (both
 * wall-clock seconds, not the testing clock: a lease must run out in real
 * time).  The claim is one UPDATE, so two processes never claim one row.
 * Then *rows (owned, outbox_rows_free) / *n are the rows claimed, in id
 * order (a post's recipients are consecutive).  0, or -1. */
int outbox_claim(struct store *s, time_t now, int64_t after, size_t max,
    const char *owner, time_t wall, time_t lease_until,
    struct outbox_row **rows, size_t *n);

/* outbox_claims_renew - extend owner's claims on rows not yet settled to
 * lease_until; the number of rows, or -1 */
long outbox_claims_renew(struct store *s, const char *owner, time_t lease_until);

/* outbox_claims_release - give up owner's claims on rows not yet settled
 * (a run that stops early); the number of rows, or -1 */
long outbox_claims_release(struct store *s, const char *owner);

/* outbox_claim_owners - the distinct owners of claims current at wall on
 * rows not yet settled: 0 and *owners (owned, each and the array) / *n,
 * or -1 */
int outbox_claim_owners(struct store *s, time_t wall, char ***owners, size_t *n);

void outbox_rows_free(struct outbox_row **rows, size_t n);

/* outbox_body - the body of a mail entry: 1 and *body (owned) / *len,
 * 0 when it has none, -1 on error */
int outbox_body(struct store *s, int64_t outbox, char **body, size_t *len);

/* What relaying a post needs of it. */
struct outbox_post {
	char *raw;                /* owned: the stored raw message */
	size_t raw_len;
	char *subject, *author_name, *author_email, *theme, *kind; /* owned or NULL */
	time_t opens, closes;     /* its session, or 0 */
	char *parent_mid;         /* Message-ID of the post it answers, or NULL */
};

/* outbox_post_load - 1 and *p (release with outbox_post_release), 0 when
 * the post or its message is gone, -1 on error */
int outbox_post_load(struct store *s, int64_t post, struct outbox_post *p);
void outbox_post_release(struct outbox_post *p);

/* Recording results; inside a transaction (the relay commits in batches).
 * Each clears the row's claim. */
/* outbox_mark_sent_many - rows ids[0..n) sent (one more attempt each), a
 * few statements instead of one per row */
int outbox_mark_sent_many(struct store *s, const int64_t *ids, size_t n,
    time_t now);
int outbox_mark_deferred(struct store *s, int64_t id, time_t now,
    time_t next_try, const char *why);
int outbox_mark_failed(struct store *s, int64_t id, time_t now, const char *why);

/* outbox_fill_tokens - give every member who has mail waiting and no
 * unsubscribe token a fresh one (128 random bits, hex).  0 or -1. */
int outbox_fill_tokens(struct store *s);

/* outbox_pending - rows still queued or deferred, or -1 */
long outbox_pending(struct store *s);

struct outbox_stats {
	long queued, deferred, sent, failed;
	/* the deferred row whose entry is oldest (when deferred > 0): */
	char *oldest_address;     /* owned */
	char *oldest_reason;      /* owned, or NULL */
	char *oldest_kind;        /* owned */
	time_t oldest_created, oldest_next_try;
	int oldest_attempts;
};

/* outbox_stats_get - counts by state and the oldest deferral; 0 or -1.
 * Release with outbox_stats_release. */
int outbox_stats_get(struct store *s, struct outbox_stats *st);
void outbox_stats_release(struct outbox_stats *st);

/* outbox_retry_all - make every deferred row due now; the number of rows,
 * or -1 */
long outbox_retry_all(struct store *s, time_t now);

#endif
