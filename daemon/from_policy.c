/* SPDX-License-Identifier: GPL-3.0-or-later */
/* from_policy - the From decision through the cache and the resolver
 * (see from_policy.h) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "dns.h"
#include "from_policy.h"
#include "log.h"
#include "store_dmarc.h"
#include "xalloc.h"

struct from_policy {
	struct store *s;
	const struct conf *c;
	int write_cache;
	struct dns *dns;           /* started on the first miss */
	int dns_failed;            /* it could not start: why in dns_why */
	char dns_why[200];
};

/* from_policy_new - see from_policy.h */
struct from_policy *
from_policy_new(struct store *s, const struct conf *c, int write_cache)
{
	struct from_policy *fp = xcalloc(1, sizeof(*fp));

	fp->s = s;
	fp->c = c;
	fp->write_cache = write_cache;
	return fp;
}

/* from_policy_free - see from_policy.h */
void
from_policy_free(struct from_policy **fpp)
{
	struct from_policy *fp = *fpp;

	if (fp == NULL)
		return;
	dns_free(&fp->dns);
	free(fp);
	*fpp = NULL;
}

/* clamp - v within [lo, hi] */
static long
clamp(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* lookup - dmarc_lookup_fn: the cache, else the resolver (the answer then
 * cached) */
static enum dmarc_txt
lookup(void *ctx, const char *name, struct buf *records, char *why, size_t whylen)
{
	struct from_policy *fp = ctx;
	enum store_txt_status st;
	struct dns_result r;
	enum dmarc_txt t;
	time_t now = clock_now();
	long ttl;
	int rc = fp->s ? store_txt_get(fp->s, name, now, &st, records) : 0;

	if (rc == 1) {
		if (st == STORE_TXT_FAILED)
			snprintf(why, whylen, "failed a moment ago (cached)");
		return st == STORE_TXT_ANSWER ? DMARC_TXT_FOUND :
		    st == STORE_TXT_NONE ? DMARC_TXT_NONE : DMARC_TXT_FAILED;
	}
	records->len = 0;
	if (fp->dns == NULL && !fp->dns_failed) {
		fp->dns = dns_new(fp->c->dns.server, fp->dns_why, sizeof(fp->dns_why));
		fp->dns_failed = fp->dns == NULL;
		if (fp->dns_failed)
			log_warnx("dmarc: no resolver: %s", fp->dns_why);
	}
	if (fp->dns == NULL) {
		snprintf(why, whylen, "no resolver: %s", fp->dns_why);
		return DMARC_TXT_FAILED;
	}
	dns_result_init(&r);
	switch (dns_txt(fp->dns, name, DNS_TIMEOUT_MS, &r)) {
	case DNS_ANSWER:
		t = DMARC_TXT_FOUND;
		st = STORE_TXT_ANSWER;
		ttl = clamp(r.ttl < 0 ? 3600 : r.ttl, FROM_POLICY_TTL_MIN, FROM_POLICY_TTL_MAX);
		buf_append(records, r.txt.data, r.txt.len);
		break;
	case DNS_NONE:
		t = DMARC_TXT_NONE;
		st = STORE_TXT_NONE;
		ttl = clamp(r.ttl < 0 ? FROM_POLICY_NEG_DEFAULT : r.ttl,
		    FROM_POLICY_TTL_MIN, FROM_POLICY_NEG_MAX);
		break;
	default:
		t = DMARC_TXT_FAILED;
		st = STORE_TXT_FAILED;
		ttl = FROM_POLICY_FAIL_TTL;
		snprintf(why, whylen, "%s", r.why[0] ? r.why : "no answer");
		log_warnx("dmarc: %s: %s", name, why);
		break;
	}
	if (fp->write_cache && fp->s)
		(void)store_txt_put(fp->s, name, st, st == STORE_TXT_ANSWER ?
		    r.txt.data : NULL, now + (time_t)ttl, now);
	dns_result_release(&r);
	return t;
}

/* from_policy_verdict - see from_policy.h */
int
from_policy_verdict(struct from_policy *fp, const char *author_email,
    struct dmarc_verdict *v)
{
	return dmarc_decide(author_email, lookup, fp, v);
}

/* from_policy_post - see from_policy.h */
int
from_policy_post(struct from_policy *fp, int64_t post, const char *author_email)
{
	struct dmarc_verdict v;
	int munge = 1, rc;

	switch (fp->c->list.from_munging) {
	case FROM_MUNGING_NEVER:
		return 0;
	case FROM_MUNGING_ALWAYS:
		return 1;
	case FROM_MUNGING_AUTO:
		break;
	}
	rc = store_post_from_get(fp->s, post, &munge, NULL);
	if (rc == 1)
		return munge;
	if (rc < 0)
		return 1;
	munge = from_policy_verdict(fp, author_email, &v);
	log_info("dmarc: post %lld: %s", (long long)post, v.why);
	if (store_post_from_set(fp->s, post, munge, v.why) < 0)
		return 1;
	/* the first decision stands, should another writer have been first */
	if (store_post_from_get(fp->s, post, &munge, NULL) != 1)
		return 1;
	return munge;
}
