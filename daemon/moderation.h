/* moderation - holding posts for a facilitator, and their answers
 *
 * A post that list.moderate (or the per-sender rate limit) says must be held
 * is stored with state 'held'; moderation_hold() records the hold with a
 * token and queues the notices (author once, each facilitator with the
 * cop+approve-TOKEN@ / cop+reject-TOKEN@ addresses).  An answer, by mail or
 * by `baraza held approve|reject ID`, decides once; approval relays the post
 * as if just received.  All inside the caller's transaction.
 */
#ifndef BARAZA_MODERATION_H
#define BARAZA_MODERATION_H

#include <stdint.h>

#include "conf.h"
#include "message.h"
#include "store.h"

/* moderation_check - must this post be held?  1 (with a static reason),
 * 0 no, -1 error.  author is members.id or 0 for a non-member. */
int moderation_check(struct store *s, const struct conf *c,
    const struct message *m, int64_t author, const char **reason);

/* moderation_hold - record the hold of post_id (stored 'held') and queue
 * the notices.  0 or -1. */
int moderation_hold(struct store *s, const struct conf *c,
    const struct message *m, int64_t message_row, int64_t post_id,
    const char *reason);

/* moderation_answer - a mail to cop+approve-TOKEN@ (approve = 1) or
 * cop+reject-TOKEN@ (0).  0 or -1. */
int moderation_answer(struct store *s, const struct conf *c,
    const struct message *m, int approve, const char *token);

#endif
