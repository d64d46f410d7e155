/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dmarc - whether a post's From must be the list's (from_munging = auto)
 *
 * A receiver that checks DMARC rejects or quarantines a relayed post
 * whose From domain publishes p=reject or p=quarantine: the list changed
 * the subject and body, so the author's DKIM signature no longer holds,
 * and the list's own SPF and DKIM are not aligned with the author's
 * domain.  Such posts go out From the list ("Name via LIST" <cop@...>).
 *
 * Policy discovery, RFC 7489 6.6.3, in prose.  The author domain D is the
 * From address's domain, lower-cased.  Ask _dmarc.D for TXT records;
 * keep those that are DMARC records (dmarc_parse).  Exactly one: its p
 * decides.  More than one: no policy (the RFC ends discovery there).
 * None: ask _dmarc.O, O being D's organizational domain (the registrable
 * domain by the Public Suffix List, libpsl), when O differs from D; there
 * sp decides when given, else p; none or several again mean no policy.
 * A look-up that fails (timeout, SERVFAIL, a malformed answer) counts as
 * p=reject: mail that might be rejected is sent in the form that will
 * not be.  An author address whose domain is not a plain ASCII host name
 * is treated as a failed look-up too.  pct is read but does not change
 * the decision: with pct below 100 a receiver still applies the policy
 * to some mail and the next lower one (quarantine) to the rest.
 *
 * This module does no I/O: the caller's look-up function answers each
 * name (a cache and a resolver, in daemon/from_policy.c; a table in the
 * unit tests).
 */
#ifndef BARAZA_DMARC_H
#define BARAZA_DMARC_H

#include <stddef.h>

#include "buf.h"

enum dmarc_policy { DMARC_P_NONE, DMARC_P_QUARANTINE, DMARC_P_REJECT };

/* One DMARC record, as far as the From decision needs it. */
struct dmarc_record {
	enum dmarc_policy p;
	int has_sp;
	enum dmarc_policy sp;      /* valid when has_sp */
	int pct;                   /* 0..100; 100 when absent or invalid */
};

/* dmarc_parse - read one TXT record (its strings joined): 1 and *r when
 * it is a DMARC record (first tag v=DMARC1, any case, blanks allowed
 * around tags and values; p= none|quarantine|reject; without a valid p
 * it counts as p=none when it has rua, RFC 7489 6.6.3 step 6, and is no
 * DMARC record otherwise), 0 when it is not one.  Unknown tags are
 * ignored; an invalid sp or pct is ignored. */
int dmarc_parse(const char *txt, size_t len, struct dmarc_record *r);

/* dmarc_policy_name - "none", "quarantine", "reject" */
const char *dmarc_policy_name(enum dmarc_policy p);

/* dmarc_org_domain - the organizational domain of domain (lower-case
 * ASCII) into out: 1 when it differs from domain, 0 when it is domain
 * itself or the list knows none (a public suffix, an unknown TLD) */
int dmarc_org_domain(const char *domain, char *out, size_t outlen);

/* What a look-up of one name came back with. */
enum dmarc_txt { DMARC_TXT_FOUND, DMARC_TXT_NONE, DMARC_TXT_FAILED };

/* The caller's look-up: TXT records of name appended to records, one a
 * line; why (may be ignored) gets a reason for DMARC_TXT_FAILED. */
typedef enum dmarc_txt dmarc_lookup_fn(void *ctx, const char *name,
    struct buf *records, char *why, size_t whylen);

enum dmarc_outcome {
	DMARC_POLICY_FOUND,        /* one record decided (policy) */
	DMARC_NO_POLICY,           /* no record, or several: From kept */
	DMARC_LOOKUP_FAILED,       /* counted as p=reject */
};

enum dmarc_source { DMARC_SRC_NONE, DMARC_SRC_AUTHOR, DMARC_SRC_ORG };

struct dmarc_verdict {
	int munge;                 /* 1: From becomes the list's */
	enum dmarc_outcome outcome;
	enum dmarc_policy policy;  /* the one applied (reject for a failure) */
	enum dmarc_source source;  /* whose record: author or organizational domain */
	char domain[256];          /* the author domain ("" when unreadable) */
	char org[256];             /* its organizational domain, or "" */
	char name[272];            /* the name that decided (_dmarc.D), or "" */
	char record[256];          /* that record (cut), or "" */
	char why[1024];            /* one line for logs, inspect and the store */
};

/* dmarc_decide - the decision for a post by author_email (see the top of
 * this file).  Always fills v; returns v->munge. */
int dmarc_decide(const char *author_email, dmarc_lookup_fn *lookup, void *ctx,
    struct dmarc_verdict *v);

/* dmarc_source_name - "author", "organizational", or "none" */
const char *dmarc_source_name(enum dmarc_source s);
/* dmarc_outcome_name - "policy", "no-policy", "lookup-failed" */
const char *dmarc_outcome_name(enum dmarc_outcome o);

#endif
