/* SPDX-License-Identifier: GPL-3.0-or-later */
/* from_policy - whose From a relayed post carries: the list's setting, or
 * (from_munging = auto) the author domain's DMARC policy, looked up once
 * per post through the database's cache and the resolver
 *
 * The decision (list/dmarc.h) is taken when the post is first composed
 * for delivery, not while it is ingested: a DNS look-up never holds a
 * batch of incoming mail (or its database transaction) open, and a post
 * that is held for moderation is looked up only once it is approved.  It
 * is stored (post_from) before the first copy goes out, so every copy
 * and every retry carries the same From.
 *
 * The cache (dns_txt): an answer is kept for its TTL, at least
 * FROM_POLICY_TTL_MIN and at most FROM_POLICY_TTL_MAX; "no record"
 * for the SOA's negative TTL within the same floor and
 * FROM_POLICY_NEG_MAX (FROM_POLICY_NEG_DEFAULT without SOA); a failed
 * look-up for FROM_POLICY_FAIL_TTL, so that a resolver outage costs
 * one time-out per name a minute, not one per post.  Each look-up waits
 * at most DNS_TIMEOUT_MS (dns.h).
 */
#ifndef BARAZA_FROM_POLICY_H
#define BARAZA_FROM_POLICY_H

#include <stdint.h>

#include "dmarc.h"

#define FROM_POLICY_TTL_MIN 60
#define FROM_POLICY_TTL_MAX 86400
#define FROM_POLICY_NEG_MAX 3600
#define FROM_POLICY_NEG_DEFAULT 300
#define FROM_POLICY_FAIL_TTL 60

struct conf;
struct store;
struct from_policy;

/* from_policy_new - for one run over s (borrowed, as is c).  With
 * write_cache 0 nothing is written to the database (baraza inspect).
 * The resolver is started on the first look-up that the cache cannot
 * answer.  Owned: from_policy_free. */
struct from_policy *from_policy_new(struct store *s, const struct conf *c,
    int write_cache);
/* from_policy_free - release; *fpp = NULL */
void from_policy_free(struct from_policy **fpp);

/* from_policy_verdict - the DMARC verdict for author_email (cache, then
 * DNS); always fills v; returns v->munge */
int from_policy_verdict(struct from_policy *fp, const char *author_email,
    struct dmarc_verdict *v);

/* from_policy_post - 1 when post's copies carry the list's From, else 0:
 * never/always by the setting; auto by the decision stored for post, or
 * one taken now and stored (logged with the post id).  A database error
 * reading or writing the decision makes it 1 (the safe form). */
int from_policy_post(struct from_policy *fp, int64_t post, const char *author_email);

#endif
