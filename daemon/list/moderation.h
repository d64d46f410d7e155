/* SPDX-License-Identifier: GPL-3.0-or-later */
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
#include <time.h>

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
 * cop+reject-TOKEN@ (0).  Only an active facilitator's From decides (when
 * list.trusted_authserv_id is set, that server's Authentication-Results
 * must not say dkim/spf fail); unknown tokens and other senders are
 * ignored with a log line and no reply.  A second answer is told "already
 * approved/rejected by X", a late one "expired" (once a day at most).  On
 * reject the new text of the answer goes to the author as the comment.
 * 0 (whatever was decided), or -1 on a database error. */
int moderation_answer(struct store *s, const struct conf *c,
    const struct message *m, int approve, const char *token);

enum moderation_outcome {
	MODERATION_DONE,      /* decided now */
	MODERATION_ALREADY,   /* decided before (by *by_out) */
	MODERATION_EXPIRED,   /* too late: now expired */
	MODERATION_UNKNOWN    /* no such hold */
};

/* moderation_decide - the shared decision of the mail path and `baraza held
 * approve|reject`: approve (1) or reject (0) hold id, by (a facilitator's
 * address, or "NAME (command line)"), with comment (may be NULL; sent to
 * the author on reject).  answer is the deciding mail (NULL from the
 * command line): it gets the "already ..." / "expired" reply.  Inside a
 * transaction.  Returns an enum moderation_outcome, or -1; *by_out (may be
 * NULL) gets who decided first when MODERATION_ALREADY (owned). */
int moderation_decide(struct store *s, const struct conf *c, int64_t id,
    int approve, const char *by, const char *comment,
    const struct message *answer, char **by_out);

/* moderation_expire - holds still undecided at their expiry (14 days)
 * become 'expired' and their posts 'rejected'.  Opens and commits its own
 * transaction (call it outside one, e.g. from the daemon's due jobs).
 * Returns the number expired, or -1. */
int moderation_expire(struct store *s, time_t now);

/* moderation_oversize - tell the author of a message over
 * list.max_message_kb (size bytes, the real size) that it was not
 * distributed: one "oversize" notice, at most once a day per address.
 * Nothing for a message without a From.
 * Inside the caller's transaction.  0 (sent or not due), or -1. */
int moderation_oversize(struct store *s, const struct conf *c,
    const struct message *m, size_t size);

#endif
