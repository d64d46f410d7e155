/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dmarc - DMARC records and the From decision (see dmarc.h) */
#include "config.h"

#include <ctype.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"

#define DMARC_MAX_TAGS 64

/* is_wsp - blanks a record may have around tags (and, leniently, line
 * breaks that survived the joining of strings) */
static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* policy_of - "none", "quarantine", "reject" (any case) into *p; 0/-1 */
static int
policy_of(const char *v, size_t n, enum dmarc_policy *p)
{
	if (n == 4 && strncasecmp(v, "none", 4) == 0)
		*p = DMARC_P_NONE;
	else if (n == 10 && strncasecmp(v, "quarantine", 10) == 0)
		*p = DMARC_P_QUARANTINE;
	else if (n == 6 && strncasecmp(v, "reject", 6) == 0)
		*p = DMARC_P_REJECT;
	else
		return -1;
	return 0;
}

/* dmarc_parse - see dmarc.h */
int
dmarc_parse(const char *txt, size_t len, struct dmarc_record *r)
{
	const char *p = txt, *end = txt + len;
	int ntags = 0, has_p = 0, has_rua = 0;

	memset(r, 0, sizeof(*r));
	r->pct = 100;
	while (p < end && ntags < DMARC_MAX_TAGS) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *te = semi ? semi : end, *eq, *ns, *ne, *vs, *ve;

		/* one tag: name WSP "=" WSP value */
		ns = p;
		while (ns < te && is_wsp((unsigned char)*ns))
			ns++;
		ve = te;
		while (ve > ns && is_wsp((unsigned char)ve[-1]))
			ve--;
		p = semi ? semi + 1 : end;
		if (ns == ve) {
			if (ntags == 0)
				return 0;     /* the record must start with v= */
			continue;             /* an empty tag (";;", a trailing ";") */
		}
		eq = memchr(ns, '=', (size_t)(ve - ns));
		if (eq == NULL) {
			if (ntags == 0)
				return 0;
			continue;             /* not a tag: skipped */
		}
		ne = eq;
		while (ne > ns && is_wsp((unsigned char)ne[-1]))
			ne--;
		vs = eq + 1;
		while (vs < ve && is_wsp((unsigned char)*vs))
			vs++;
		if (ntags++ == 0) {
			if (!(ne - ns == 1 && (*ns == 'v' || *ns == 'V') &&
			    ve - vs == 6 && strncasecmp(vs, "DMARC1", 6) == 0))
				return 0;
			continue;
		}
		if (ne - ns == 1 && (*ns == 'p' || *ns == 'P')) {
			if (!has_p && policy_of(vs, (size_t)(ve - vs), &r->p) == 0)
				has_p = 1;
		} else if (ne - ns == 2 && strncasecmp(ns, "sp", 2) == 0) {
			if (!r->has_sp && policy_of(vs, (size_t)(ve - vs), &r->sp) == 0)
				r->has_sp = 1;
		} else if (ne - ns == 3 && strncasecmp(ns, "pct", 3) == 0) {
			int v = 0, ok = ve > vs && ve - vs <= 3;

			for (const char *q = vs; ok && q < ve; q++) {
				ok = isdigit((unsigned char)*q);
				v = v * 10 + (*q - '0');
			}
			if (ok && v <= 100)
				r->pct = v;
		} else if (ne - ns == 3 && strncasecmp(ns, "rua", 3) == 0) {
			has_rua = ve - vs > 7 && strncasecmp(vs, "mailto:", 7) == 0;
		}
	}
	if (ntags == 0)
		return 0;
	if (!has_p) {
		if (!has_rua)
			return 0;
		r->p = DMARC_P_NONE;
	}
	return 1;
}

/* dmarc_policy_name - see dmarc.h */
const char *
dmarc_policy_name(enum dmarc_policy p)
{
	return p == DMARC_P_REJECT ? "reject" : p == DMARC_P_QUARANTINE ?
	    "quarantine" : "none";
}

/* dmarc_source_name - see dmarc.h */
const char *
dmarc_source_name(enum dmarc_source s)
{
	return s == DMARC_SRC_AUTHOR ? "author" : s == DMARC_SRC_ORG ?
	    "organizational" : "none";
}

/* dmarc_outcome_name - see dmarc.h */
const char *
dmarc_outcome_name(enum dmarc_outcome o)
{
	return o == DMARC_POLICY_FOUND ? "policy" : o == DMARC_NO_POLICY ?
	    "no-policy" : "lookup-failed";
}

/* dmarc_org_domain - see dmarc.h */
int
dmarc_org_domain(const char *domain, char *out, size_t outlen)
{
	const psl_ctx_t *psl = psl_builtin();
	const char *reg;

	if (outlen)
		out[0] = '\0';
	if (psl == NULL || (reg = psl_registrable_domain(psl, domain)) == NULL ||
	    strlen(reg) >= outlen)
		return 0;
	snprintf(out, outlen, "%s", reg);
	return strcmp(reg, domain) != 0;
}

/* host_name - the domain of addr, lower-cased, into out when it is an
 * ASCII host name; 0/-1 */
static int
host_name(const char *addr, char *out, size_t outlen)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	size_t n;

	if (at == NULL || (n = strlen(at + 1)) == 0 || n > 253 || n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)at[1 + i];

		if (!(isalnum(c) || c == '-' || c == '.' || c == '_'))
			return -1;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '.')    /* a fully qualified form */
		out[--n] = '\0';
	if (n == 0 || out[0] == '.' || strstr(out, "..") != NULL)
		return -1;
	return 0;
}

/* ask - look up _dmarc.domain and keep its DMARC records: the number of
 * them (the last one in *rec and its text in rectext), or -1 when the
 * look-up failed (why) */
static int
ask(dmarc_lookup_fn *lookup, void *ctx, const char *domain, char *name,
    size_t namelen, struct dmarc_record *rec, char *rectext, size_t rectextlen,
    char *why, size_t whylen)
{
	struct buf recs;
	enum dmarc_txt t;
	int count = 0;

	snprintf(name, namelen, "_dmarc.%s", domain);
	buf_init(&recs, 1 << 20);
	why[0] = '\0';
	t = lookup(ctx, name, &recs, why, whylen);
	if (t == DMARC_TXT_FAILED) {
		buf_release(&recs);
		if (why[0] == '\0')
			snprintf(why, whylen, "no answer");
		return -1;
	}
	if (t == DMARC_TXT_FOUND) {
		const char *p = recs.data, *end = recs.data + recs.len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = (size_t)((nl ? nl : end) - p);
			struct dmarc_record r;

			if (dmarc_parse(p, n, &r) == 1) {
				count++;
				*rec = r;
				snprintf(rectext, rectextlen, "%.*s",
				    (int)(n < rectextlen ? n : rectextlen - 1), p);
			}
			p = nl ? nl + 1 : end;
		}
	}
	buf_release(&recs);
	return count;
}

/* dmarc_decide - see dmarc.h */
int
dmarc_decide(const char *author_email, dmarc_lookup_fn *lookup, void *ctx,
    struct dmarc_verdict *v)
{
	struct dmarc_record rec;
	char why[200], name[272];
	int n;

	memset(v, 0, sizeof(*v));
	v->source = DMARC_SRC_NONE;
	if (host_name(author_email, v->domain, sizeof(v->domain)) < 0) {
		v->domain[0] = '\0';
		v->munge = 1;
		v->outcome = DMARC_LOOKUP_FAILED;
		v->policy = DMARC_P_REJECT;
		snprintf(v->why, sizeof(v->why), "the author's domain cannot be "
		    "looked up: treated as p=reject, From rewritten");
		return 1;
	}
	n = ask(lookup, ctx, v->domain, name, sizeof(name), &rec, v->record,
	    sizeof(v->record), why, sizeof(why));
	if (n == 0 && dmarc_org_domain(v->domain, v->org, sizeof(v->org))) {
		n = ask(lookup, ctx, v->org, name, sizeof(name), &rec, v->record,
		    sizeof(v->record), why, sizeof(why));
		v->source = DMARC_SRC_ORG;
		if (n == 1 && rec.has_sp)
			rec.p = rec.sp;     /* D is a subdomain of O */
	} else {
		if (v->org[0] == '\0')
			(void)dmarc_org_domain(v->domain, v->org, sizeof(v->org));
		v->source = DMARC_SRC_AUTHOR;
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	if (n < 0) {
		v->munge = 1;
		v->outcome = DMARC_LOOKUP_FAILED;
		v->policy = DMARC_P_REJECT;
		v->record[0] = '\0';
		snprintf(v->why, sizeof(v->why), "DMARC look-up of %s failed (%s): "
		    "treated as p=reject, From rewritten", name, why);
		return 1;
	}
	if (n != 1) {
		v->outcome = DMARC_NO_POLICY;
		v->policy = DMARC_P_NONE;
		v->record[0] = '\0';
		if (n == 0)
			snprintf(v->why, sizeof(v->why), "no DMARC record for %s%s%s: "
			    "From kept", v->domain, v->source == DMARC_SRC_ORG ? " or " : "",
			    v->source == DMARC_SRC_ORG ? v->org : "");
		else
			snprintf(v->why, sizeof(v->why), "%d DMARC records at %s, "
			    "so no policy (RFC 7489 6.6.3): From kept", n, name);
		v->source = DMARC_SRC_NONE;
		return 0;
	}
	v->outcome = DMARC_POLICY_FOUND;
	v->policy = rec.p;
	v->munge = rec.p != DMARC_P_NONE;
	snprintf(v->why, sizeof(v->why), "p=%s at %s (%s domain%s): %s",
	    dmarc_policy_name(rec.p), name, dmarc_source_name(v->source),
	    v->source == DMARC_SRC_ORG && rec.has_sp ? ", sp" : "",
	    v->munge ? "From rewritten" : "From kept");
	return v->munge;
}
