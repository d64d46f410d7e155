/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_dmarc - DMARC records, the organizational domain, the From
 * decision (list/dmarc.c) and the reader of DNS TXT answers (net/dns.c)
 *
 * The records are the shapes published in the wild (the big mailbox
 * providers, government and NGO domains, hand-written ones with odd
 * spacing and case), plus the RFC 7489 corner cases.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dmarc.h"
#include "dns.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the record parser ------------------------------------------------- */

static const struct {
	const char *txt;
	int ok;                    /* dmarc_parse result */
	enum dmarc_policy p;
	int has_sp;
	enum dmarc_policy sp;
	int pct;
} dmarc_records[] = {
	/* as published by large providers */
	{ "v=DMARC1; p=reject; pct=100; rua=mailto:d@rua.agari.com; ruf=mailto:d@ruf.agari.com; fo=1", 1, DMARC_P_REJECT, 0, 0, 100 },
	{ "v=DMARC1; p=none; sp=quarantine; rua=mailto:mailauth-reports@google.com", 1, DMARC_P_NONE, 1, DMARC_P_QUARANTINE, 100 },
	{ "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s", 1, DMARC_P_REJECT, 1, DMARC_P_REJECT, 100 },
	{ "v=DMARC1;p=quarantine;pct=25;rua=mailto:x@example.org", 1, DMARC_P_QUARANTINE, 0, 0, 25 },
	/* spacing and case */
	{ "v = DMARC1 ;  p = Reject ; sp = NONE", 1, DMARC_P_REJECT, 1, DMARC_P_NONE, 100 },
	{ "V=dmarc1; P=QUARANTINE", 1, DMARC_P_QUARANTINE, 0, 0, 100 },
	{ "  v=DMARC1; p=reject;  ", 1, DMARC_P_REJECT, 0, 0, 100 },
	{ "v=DMARC1;;p=reject;;", 1, DMARC_P_REJECT, 0, 0, 100 },
	{ "v=DMARC1;\tp=reject", 1, DMARC_P_REJECT, 0, 0, 100 },
	/* missing or bad p: none with rua (RFC 7489 6.6.3 step 6), else not a record */
	{ "v=DMARC1; rua=mailto:reports@example.org", 1, DMARC_P_NONE, 0, 0, 100 },
	{ "v=DMARC1; p=block; rua=mailto:reports@example.org", 1, DMARC_P_NONE, 0, 0, 100 },
	{ "v=DMARC1; sp=reject", 0, 0, 0, 0, 0 },
	{ "v=DMARC1", 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=", 0, 0, 0, 0, 0 },
	/* bad sp and pct are ignored */
	{ "v=DMARC1; p=reject; sp=maybe; pct=150", 1, DMARC_P_REJECT, 0, 0, 100 },
	{ "v=DMARC1; p=quarantine; pct=0", 1, DMARC_P_QUARANTINE, 0, 0, 0 },
	{ "v=DMARC1; p=reject; pct=-5", 1, DMARC_P_REJECT, 0, 0, 100 },
	/* the first p counts */
	{ "v=DMARC1; p=none; p=reject", 1, DMARC_P_NONE, 0, 0, 100 },
	/* not DMARC records */
	{ "v=spf1 include:_spf.google.com ~all", 0, 0, 0, 0, 0 },
	{ "p=reject; v=DMARC1", 0, 0, 0, 0, 0 },
	{ "v=DMARC2; p=reject", 0, 0, 0, 0, 0 },
	{ "v=DMARC10; p=reject", 0, 0, 0, 0, 0 },
	{ "google-site-verification=abc", 0, 0, 0, 0, 0 },
	{ "", 0, 0, 0, 0, 0 },
	{ ";", 0, 0, 0, 0, 0 },
	{ "v DMARC1; p=reject", 0, 0, 0, 0, 0 },
};

Test(dmarc, parse)
{
	for (size_t i = 0; i < N(dmarc_records); i++) {
		struct dmarc_record r;
		const char *t = dmarc_records[i].txt;
		int got = dmarc_parse(t, strlen(t), &r);

		cr_expect_eq(got, dmarc_records[i].ok, "'%s': got %d, want %d", t,
		    got, dmarc_records[i].ok);
		if (!got || !dmarc_records[i].ok)
			continue;
		cr_expect_eq(r.p, dmarc_records[i].p, "'%s': p got %s", t,
		    dmarc_policy_name(r.p));
		cr_expect_eq(r.has_sp, dmarc_records[i].has_sp, "'%s': has_sp", t);
		if (r.has_sp)
			cr_expect_eq(r.sp, dmarc_records[i].sp, "'%s': sp got %s", t,
			    dmarc_policy_name(r.sp));
		cr_expect_eq(r.pct, dmarc_records[i].pct, "'%s': pct got %d", t, r.pct);
	}
}

/* a record is read by length, not to a NUL */
Test(dmarc, parse_by_length)
{
	struct dmarc_record r;
	const char txt[] = "v=DMARC1; p=none\0; p=reject";

	cr_assert_eq(dmarc_parse(txt, 16, &r), 1);
	cr_expect_eq(r.p, DMARC_P_NONE);
}

/* ---- the organizational domain (libpsl) ------------------------------------ */

Test(dmarc, org_domain)
{
	static const struct { const char *d, *want; int differs; } cases[] = {
		{ "mail.example.com", "example.com", 1 },
		{ "example.com", "example.com", 0 },
		{ "a.b.c.example.co.uk", "example.co.uk", 1 },
		{ "health.go.ke", "health.go.ke", 0 },
		{ "moh.health.go.ke", "health.go.ke", 1 },
		{ "co.uk", "", 0 },
		{ "yahoo.fr", "yahoo.fr", 0 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		char out[256];
		int got = dmarc_org_domain(cases[i].d, out, sizeof(out));

		cr_expect_eq(got, cases[i].differs, "%s: got %d", cases[i].d, got);
		cr_expect_str_eq(out, cases[i].want, "%s: got '%s', want '%s'",
		    cases[i].d, out, cases[i].want);
	}
}

/* ---- the decision, over a table of DNS answers ------------------------------ */

struct zone {
	const char *name;
	enum dmarc_txt t;
	const char *txt;           /* records, one a line */
};

static const struct zone zone[] = {
	{ "_dmarc.yahoo.com", DMARC_TXT_FOUND, "v=DMARC1; p=reject; pct=100; rua=mailto:d@rua.agari.com\n" },
	{ "_dmarc.gmail.com", DMARC_TXT_FOUND, "v=DMARC1; p=none; sp=quarantine; rua=mailto:x@google.com\n" },
	{ "_dmarc.example.org", DMARC_TXT_FOUND, "v=spf1 -all\nv=DMARC1; p=quarantine; sp=none\n" },
	{ "_dmarc.strict.example", DMARC_TXT_FOUND, "v=DMARC1; p=reject\n" },
	{ "_dmarc.twice.example", DMARC_TXT_FOUND, "v=DMARC1; p=reject\nv=DMARC1; p=none\n" },
	{ "_dmarc.broken.example", DMARC_TXT_FAILED, "" },
	{ "_dmarc.ngo.or.ke", DMARC_TXT_FOUND, "v=DMARC1; p=reject; sp=reject\n" },
	{ "_dmarc.nosp.org", DMARC_TXT_FOUND, "v=DMARC1; p=quarantine\n" },
};

static enum dmarc_txt
table_lookup(void *ctx, const char *name, struct buf *records, char *why, size_t whylen)
{
	int *asked = ctx;

	(*asked)++;
	for (size_t i = 0; i < N(zone); i++)
		if (strcmp(zone[i].name, name) == 0) {
			buf_puts(records, zone[i].txt);
			if (zone[i].t == DMARC_TXT_FAILED)
				snprintf(why, whylen, "SERVFAIL");
			return zone[i].t;
		}
	return DMARC_TXT_NONE;
}

Test(dmarc, decide)
{
	static const struct {
		const char *author;
		int munge;
		enum dmarc_outcome outcome;
		enum dmarc_source source;
		const char *name;      /* the name that decided */
		int asked;             /* look-ups made */
	} cases[] = {
		{ "ann@yahoo.com", 1, DMARC_POLICY_FOUND, DMARC_SRC_AUTHOR, "_dmarc.yahoo.com", 1 },
		{ "Ann@YAHOO.COM", 1, DMARC_POLICY_FOUND, DMARC_SRC_AUTHOR, "_dmarc.yahoo.com", 1 },
		{ "bo@gmail.com", 0, DMARC_POLICY_FOUND, DMARC_SRC_AUTHOR, "_dmarc.gmail.com", 1 },
		/* the subdomain falls back to the org domain and takes sp */
		{ "bo@lists.gmail.com", 1, DMARC_POLICY_FOUND, DMARC_SRC_ORG, "_dmarc.gmail.com", 2 },
		{ "cy@mail.example.org", 0, DMARC_POLICY_FOUND, DMARC_SRC_ORG, "_dmarc.example.org", 2 },
		{ "cy@example.org", 1, DMARC_POLICY_FOUND, DMARC_SRC_AUTHOR, "_dmarc.example.org", 1 },
		/* no sp: p applies to subdomains */
		{ "di@x.y.nosp.org", 1, DMARC_POLICY_FOUND, DMARC_SRC_ORG, "_dmarc.nosp.org", 2 },
		{ "ed@health.ngo.or.ke", 1, DMARC_POLICY_FOUND, DMARC_SRC_ORG, "_dmarc.ngo.or.ke", 2 },
		/* no record anywhere */
		{ "fa@nowhere.example.net", 0, DMARC_NO_POLICY, DMARC_SRC_NONE, "_dmarc.example.net", 2 },
		{ "fa@example.net", 0, DMARC_NO_POLICY, DMARC_SRC_NONE, "_dmarc.example.net", 1 },
		/* two records: no policy, and no fall-back */
		{ "go@twice.example", 0, DMARC_NO_POLICY, DMARC_SRC_NONE, "_dmarc.twice.example", 1 },
		/* a failed look-up is a reject */
		{ "ha@broken.example", 1, DMARC_LOOKUP_FAILED, DMARC_SRC_AUTHOR, "_dmarc.broken.example", 1 },
		{ "ha@sub.broken.example", 1, DMARC_LOOKUP_FAILED, DMARC_SRC_ORG, "_dmarc.broken.example", 2 },
		/* unreadable domains: treated as a failed look-up, nothing asked */
		{ "no-at-sign", 1, DMARC_LOOKUP_FAILED, DMARC_SRC_NONE, "", 0 },
		{ "x@exa mple.org", 1, DMARC_LOOKUP_FAILED, DMARC_SRC_NONE, "", 0 },
		{ "x@b\xc3\xbcro.de", 1, DMARC_LOOKUP_FAILED, DMARC_SRC_NONE, "", 0 },
		{ NULL, 1, DMARC_LOOKUP_FAILED, DMARC_SRC_NONE, "", 0 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct dmarc_verdict v;
		int asked = 0;
		int got = dmarc_decide(cases[i].author, table_lookup, &asked, &v);

		cr_expect_eq(got, cases[i].munge, "%s: munge got %d (%s)",
		    cases[i].author, got, v.why);
		cr_expect_eq(v.munge, got);
		cr_expect_eq(v.outcome, cases[i].outcome, "%s: outcome got %s (%s)",
		    cases[i].author, dmarc_outcome_name(v.outcome), v.why);
		cr_expect_eq(v.source, cases[i].source, "%s: source got %s (%s)",
		    cases[i].author, dmarc_source_name(v.source), v.why);
		cr_expect_str_eq(v.name, cases[i].name, "%s: name got '%s'",
		    cases[i].author, v.name);
		cr_expect_eq(asked, cases[i].asked, "%s: %d look-ups", cases[i].author, asked);
		cr_expect(v.why[0] != '\0');
		if (cases[i].author && strchr(cases[i].author, '@'))
			cr_expect_null(strstr(v.why, cases[i].author),
			    "the reason names the address: %s", v.why);
	}
}

/* ---- the DNS answer reader ---------------------------------------------- */

/* msg_start - a reply header with rcode and counts, the question
 * _dmarc.ex.org TXT IN */
static size_t
msg_start(unsigned char *m, int rcode, int an, int ns)
{
	static const unsigned char q[] = "\006_dmarc\002ex\003org";
	size_t o = 12;

	memset(m, 0, 12);
	m[0] = 0x12;
	m[2] = 0x81;               /* QR, RD */
	m[3] = 0x80 | (unsigned char)rcode;
	m[5] = 1;
	m[7] = (unsigned char)an;
	m[9] = (unsigned char)ns;
	memcpy(m + o, q, sizeof(q));   /* with the root label */
	o += sizeof(q);
	m[o++] = 0; m[o++] = 16; m[o++] = 0; m[o++] = 1;
	return o;
}

/* put_rr - a record owned by the question's name (pointer 0xc00c) */
static size_t
put_rr(unsigned char *m, size_t o, int type, unsigned ttl, const unsigned char *rd, size_t n)
{
	m[o++] = 0xc0; m[o++] = 12;
	m[o++] = 0; m[o++] = (unsigned char)type;
	m[o++] = 0; m[o++] = 1;
	m[o++] = (unsigned char)(ttl >> 24); m[o++] = (unsigned char)(ttl >> 16);
	m[o++] = (unsigned char)(ttl >> 8); m[o++] = (unsigned char)ttl;
	m[o++] = (unsigned char)(n >> 8); m[o++] = (unsigned char)n;
	memcpy(m + o, rd, n);
	return o + n;
}

Test(dns, parse_answers)
{
	unsigned char m[1024];
	struct dns_result r;
	size_t o;
	/* one record split in two strings, one plain, one with a control byte */
	static const unsigned char t1[] = "\010v=DMARC1\012; p=reject";
	static const unsigned char t2[] = "\012v=spf1 -al";
	static const unsigned char t3[] = "\003a\nb";
	static const unsigned char soa[] =
	    "\002ns\002ex\003org\000\004host\002ex\003org\000"
	    "\000\000\000\001" "\000\000\000\002" "\000\000\000\003" "\000\000\000\004"
	    "\000\000\001\054";   /* MINIMUM 300 */

	dns_result_init(&r);
	o = msg_start(m, 0, 3, 0);
	o = put_rr(m, o, 16, 3600, t1, sizeof(t1) - 1);
	o = put_rr(m, o, 16, 600, t2, sizeof(t2) - 1);
	o = put_rr(m, o, 16, 7200, t3, sizeof(t3) - 1);
	cr_assert_eq(dns_parse_txt(m, o, &r), 0, "%s", r.why);
	cr_expect_eq(r.status, DNS_ANSWER);
	cr_expect_eq(r.nrecords, 3);
	cr_expect_str_eq(r.txt.data, "v=DMARC1; p=reject\nv=spf1 -al\na b\n", "got '%s'", r.txt.data);
	cr_expect_eq(r.ttl, 600, "the smallest TTL: got %ld", r.ttl);

	/* NXDOMAIN with the zone's SOA: min(SOA TTL 900, MINIMUM 300) */
	o = msg_start(m, 3, 0, 1);
	o = put_rr(m, o, 6, 900, soa, sizeof(soa) - 1);
	cr_assert_eq(dns_parse_txt(m, o, &r), 0, "%s", r.why);
	cr_expect_eq(r.status, DNS_NONE);
	cr_expect_eq(r.ttl, 300, "got %ld", r.ttl);

	/* NOERROR, no TXT and no SOA: none, no TTL */
	o = msg_start(m, 0, 0, 0);
	cr_assert_eq(dns_parse_txt(m, o, &r), 0);
	cr_expect_eq(r.status, DNS_NONE);
	cr_expect_eq(r.ttl, -1);

	/* SERVFAIL, REFUSED */
	o = msg_start(m, 2, 0, 0);
	cr_expect_eq(dns_parse_txt(m, o, &r), -1);
	cr_expect_eq(r.status, DNS_FAILED);
	o = msg_start(m, 5, 0, 0);
	cr_expect_eq(dns_parse_txt(m, o, &r), -1);

	/* truncated anywhere: failed, never read past the end */
	o = msg_start(m, 0, 1, 0);
	o = put_rr(m, o, 16, 60, t1, sizeof(t1) - 1);
	for (size_t cut = 0; cut < o; cut++) {
		unsigned char *copy = malloc(cut ? cut : 1);

		memcpy(copy, m, cut);
		cr_expect_eq(dns_parse_txt(copy, cut, &r), -1, "cut at %zu parsed", cut);
		free(copy);
	}
	/* a string longer than its record */
	o = msg_start(m, 0, 1, 0);
	o = put_rr(m, o, 16, 60, (const unsigned char *)"\050abc", 4);
	cr_expect_eq(dns_parse_txt(m, o, &r), -1);
	/* a compression loop in an owner name is not followed */
	o = msg_start(m, 0, 1, 0);
	m[o] = 0xc0; m[o + 1] = (unsigned char)o;
	o = put_rr(m, o, 16, 60, t2, sizeof(t2) - 1) ;
	cr_expect_eq(dns_parse_txt(m, o, &r), 0, "a pointer ends a name: %s", r.why);
	/* not a reply */
	o = msg_start(m, 0, 0, 0);
	m[2] = 0x01;
	cr_expect_eq(dns_parse_txt(m, o, &r), -1);
	dns_result_release(&r);
}
