/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_held - the SQL of moderation: holds, the facts about members and
 * posts that the moderation rules need, and the once-a-day notices table
 *
 * Every function works inside whatever transaction the caller holds; none
 * begins or commits one.  Strings handed back are owned by the caller and
 * released with the matching *_release function.
 */
#ifndef BARAZA_STORE_HELD_H
#define BARAZA_STORE_HELD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

/* What moderation and bounce handling need to know of a member. */
struct held_member {
	int64_t id;
	char *email;              /* owned */
	char *name;               /* owned, NULL when unset */
	char *role;               /* owned: "member" | "facilitator" */
	char *status;             /* owned: "pending" | "active" | ... */
	char *delivery;           /* owned: "each" | "digest" | "none" */
	char *language;           /* owned, NULL when unset */
};
void store_held_member_release(struct held_member *m);

/* store_held_member_by_email - look-up (case-insensitive): 1 found, 0 absent, -1 */
int store_held_member_by_email(struct store *s, const char *email,
    struct held_member *out);
/* store_held_member_by_id - 1 found, 0 absent, -1 */
int store_held_member_by_id(struct store *s, int64_t id, struct held_member *out);
/* store_held_facilitators - every active facilitator, by id; *out owned
 * (release each, then free the array).  0 or -1. */
int store_held_facilitators(struct store *s, struct held_member **out, size_t *n);

/* store_held_accepted_posts - accepted posts written by member; -1 error */
long store_held_accepted_posts(struct store *s, int64_t member);
/* store_held_recent_posts - accepted posts from address (case-insensitive)
 * received at or after since, leaving out the post whose Message-ID is
 * except (may be NULL), counted up to cap at most (cap <= 0: no cap; a
 * rate limit needs no more than the limit, and the count then costs the
 * same however busy the sender); -1 error */
long store_held_recent_posts(struct store *s, const char *address, time_t since,
    const char *except, long cap);
/* store_held_recent_reaches - 1 when address (case-insensitive) has at
 * least limit accepted posts received at or after since, leaving out the
 * post whose Message-ID is except (may be NULL); 0 when not (also when
 * limit <= 0); -1 error.  First counts every post of the sender in the
 * window from the index alone (no table row read): when even that stays
 * under the limit, as it almost always does, the answer is 0 without
 * looking at states; only a sender at the limit pays for the exact count. */
int store_held_recent_reaches(struct store *s, const char *address,
    time_t since, const char *except, long limit);

/* One hold, with the facts of its post. */
struct held_row {
	int64_t id, message, post;
	char *reason, *token, *state;       /* owned */
	time_t created, expires, decided;   /* decided 0 while undecided */
	char *decided_by, *comment;         /* owned, NULL while undecided */
	int64_t author;                     /* posts.author, 0 for a non-member */
	char *author_email, *author_name;   /* owned, may be NULL */
	char *subject, *message_id;         /* owned, may be NULL */
	char *post_state;                   /* owned */
	time_t received;
};
void store_held_row_release(struct held_row *r);

/* store_held_insert - add a hold ('held'); 0 and *id, or -1 */
int store_held_insert(struct store *s, int64_t message, int64_t post,
    const char *reason, const char *token, time_t created, time_t expires,
    int64_t *id);
/* store_held_by_token / store_held_by_id - 1 found, 0 absent, -1 */
int store_held_by_token(struct store *s, const char *token, struct held_row *out);
int store_held_by_id(struct store *s, int64_t id, struct held_row *out);
/* store_held_list - every hold, oldest first (states filter: NULL = all,
 * else one state); *rows owned (release each, free the array).  0 or -1. */
int store_held_list(struct store *s, const char *state, struct held_row **rows,
    size_t *n);
/* store_held_decide - move a hold out of 'held' into state (approved,
 * rejected, expired); returns 1 when it was still held and is now
 * decided, 0 when it was no longer held (nothing changed), -1 error */
int store_held_decide(struct store *s, int64_t id, const char *state,
    time_t when, const char *by, const char *comment);
/* store_held_expired - ids of holds still 'held' whose expiry is at or
 * before now; *ids owned.  0 or -1. */
int store_held_expired(struct store *s, time_t now, int64_t **ids, size_t *n);

/* store_held_post_state - set posts.state of post_id; 0 or -1 */
int store_held_post_state(struct store *s, int64_t post, const char *state);
/* store_held_message_raw - the raw bytes of messages.id (owned, NUL-
 * terminated, *len bytes); 1 found, 0 absent, -1 */
int store_held_message_raw(struct store *s, int64_t message, char **raw, size_t *len);

/* store_notice_once - record a notice of kind to address on local day
 * day: 1 recorded (send it), 0 already sent that day, -1 error */
int store_notice_once(struct store *s, const char *address, const char *kind, long day);

#endif
