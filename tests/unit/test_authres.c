/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_authres - Authentication-Results: the RFC 8601 parser (authres.c)
 * and the one rule that decides whose word counts (sender_auth.c)
 *
 * The field values are in the shapes real receiving servers write them:
 * OpenDKIM and OpenDMARC milters, Postfix + policyd-spf, Gmail, Outlook
 * (Exchange Online), Fastmail, and RFC 8601's own appendix B examples.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "conf.h"
#include "message.h"
#include "sender_auth.h"
#include "tutil.h"

/* ---- the grammar ----------------------------------------------------------- */

struct parse_case {
	const char *name;
	const char *value;
	int rc;                 /* authres_parse's answer */
	const char *id;         /* authserv-id */
	size_t n;               /* results */
	const char *first;      /* "method=result d=... i=... mf=..." of r[0] */
};

static const struct parse_case parse_cases[] = {
	{ "RFC 8601 B.2: nothing done", "example.org 1; none", 0, "example.org", 0, NULL },
	{ "RFC 8601 B.3: spf", "example.com; spf=pass smtp.mailfrom=example.net",
	  0, "example.com", 1, "spf=pass d= i= mf=example.net" },
	{ "RFC 8601 B.4: comments and multiple results",
	  "example.com;\r\n  auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
	  "  spf=pass smtp.mailfrom=example.net", 0, "example.com", 2,
	  "auth=pass d= i= mf=" },
	{ "RFC 8601 B.5: versions, comments in odd places",
	  "example.com 1;\r\n   dkim=pass (good signature) header.d=example.com;"
	  "  dkim/1=pass (bad signature) header.d=example.com", 0, "example.com", 2,
	  "dkim=pass d=example.com i= mf=" },
	{ "OpenDKIM", "mx.example.org; dkim=pass (2048-bit key; unprotected) "
	  "header.d=example.org header.i=@example.org header.a=rsa-sha256 header.s=s1 "
	  "header.b=AbC+/dEf", 0, "mx.example.org", 1,
	  "dkim=pass d=example.org i=@example.org mf=" },
	{ "Gmail", "mx.google.com;\r\n       dkim=pass header.i=@Example.ORG header.s=20230601 "
	  "header.b=Xy1;\r\n       spf=pass (google.com: domain of amina@example.org designates "
	  "192.0.2.1 as permitted sender) smtp.mailfrom=amina@example.org;\r\n"
	  "       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.org",
	  0, "mx.google.com", 3, "dkim=pass d= i=@example.org mf=" },
	{ "Outlook", "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.org; "
	  "dkim=pass (signature was verified) header.d=example.org;dmarc=pass action=none "
	  "header.from=example.org;compauth=pass reason=100", -1, NULL, 0, NULL },
	{ "quoted authserv-id and value", "\"mx.example.org\"; dkim=pass header.d=\"example.org\"",
	  0, "mx.example.org", 1, "dkim=pass d=example.org i= mf=" },
	{ "reason with a quoted string", "mx.example.org; dkim=fail reason=\"signature; "
	  "verification failed\" header.d=example.org", 0, "mx.example.org", 1,
	  "dkim=fail d=example.org i= mf=" },
	{ "trailing semicolon", "mx.example.org; spf=softfail smtp.mailfrom=example.org;",
	  0, "mx.example.org", 1, "spf=softfail d= i= mf=example.org" },
	{ "white space around = and .", "mx.example.org; dkim = pass header . d = example.org",
	  0, "mx.example.org", 1, "dkim=pass d=example.org i= mf=" },
	{ "nested comment", "mx.example.org (a (nested) comment); dkim=pass header.d=example.org",
	  0, "mx.example.org", 1, "dkim=pass d=example.org i= mf=" },
	{ "unclosed comment", "mx.example.org; dkim=pass (oops header.d=example.org", -1, NULL, 0, NULL },
	{ "unclosed quote", "mx.example.org; dkim=pass header.d=\"example.org", -1, NULL, 0, NULL },
	{ "no result", "mx.example.org; dkim=", -1, NULL, 0, NULL },
	{ "no semicolon", "mx.example.org dkim=pass", -1, NULL, 0, NULL },
	{ "empty", "", -1, NULL, 0, NULL },
	{ "empty quoted id (found by fuzz_authres)", "\"\" (c); spf=pass", -1, NULL, 0, NULL },
	{ "only an id", "mx.example.org", -1, NULL, 0, NULL },
	{ "garbage after a property", "mx.example.org; dkim=pass header.d=example.org ??",
	  -1, NULL, 0, NULL },
};

Test(authres, grammar_table)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *t = &parse_cases[i];
		struct authres ar;
		int rc = authres_parse(t->value, &ar);

		cr_expect_eq(rc, t->rc, "%s: got %d, want %d", t->name, rc, t->rc);
		if (rc != 0 || t->rc != 0)
			continue;
		cr_expect_str_eq(ar.authserv_id, t->id, "%s: got id %s, want %s", t->name,
		    ar.authserv_id, t->id);
		cr_expect_eq(ar.n, t->n, "%s: got %zu results, want %zu", t->name, ar.n, t->n);
		if (t->first) {
			char got[1200];

			snprintf(got, sizeof(got), "%s=%s d=%s i=%s mf=%s", ar.r[0].method,
			    ar.r[0].result, ar.r[0].header_d, ar.r[0].header_i,
			    ar.r[0].smtp_mailfrom);
			cr_expect_str_eq(got, t->first, "%s: got %s, want %s", t->name, got, t->first);
		}
	}
}

Test(authres, none_and_version)
{
	struct authres ar;

	cr_assert_eq(authres_parse("mx.example.org 1; none", &ar), 0);
	cr_expect_eq(ar.none, 1);
	cr_expect_eq(ar.version, 1);
	cr_expect_eq(ar.n, 0);
	cr_assert_eq(authres_parse("mx.example.org 22; spf=none", &ar), 0);
	cr_expect_eq(ar.version, 22);
	cr_expect_eq(ar.none, 0);
	cr_expect_eq(ar.n, 1);
}

Test(authres, many_results_are_bounded)
{
	char v[8192];
	size_t len = (size_t)snprintf(v, sizeof(v), "mx.example.org");
	struct authres ar;

	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(v + len, sizeof(v) - len, "; dkim=fail header.d=x%d.example", i);
	cr_assert_eq(authres_parse(v, &ar), 0);
	cr_expect_eq(ar.n, AUTHRES_MAX, "got %zu results kept, want %d", ar.n, AUTHRES_MAX);
}

/* Fed one byte at a time: no prefix of a good field crashes, and the
 * parser never reads past the terminator (ASan in CI). */
Test(authres, every_prefix)
{
	const char *v = "mx.example.org 1; dkim=pass (good (nested)) header.d=\"ex\\\"ample.org\" "
	    "header.i=@example.org; spf=pass smtp.mailfrom=a@example.org; none";
	size_t n = strlen(v);

	for (size_t k = 0; k <= n; k++) {
		char *cut = strndup(v, k);
		struct authres ar;

		(void)authres_parse(cut, &ar);
		free(cut);
	}
}

/* ---- whose word counts ------------------------------------------------------ */

struct auth_case {
	const char *name;
	const char *from;
	const char *fields;     /* Authentication-Results lines, top first */
	enum sender_auth want;
};

#define P SENDER_AUTH_PASS
#define F SENDER_AUTH_FAIL
#define N SENDER_AUTH_NONE

static const struct auth_case auth_cases[] = {
	{ "dkim pass, same domain", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=example.org header.s=s1\n", P },
	{ "spf pass, same domain", "amina@example.org",
	  "Authentication-Results: mx.example.org;\n spf=pass smtp.mailfrom=amina@example.org\n", P },
	{ "dkim pass by header.i only", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.i=@example.org\n", P },
	{ "dkim pass for a parent domain (relaxed)", "amina@mail.example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\n", P },
	{ "case does not matter", "Amina@Example.ORG",
	  "Authentication-Results: MX.Example.Org; DKIM=Pass header.d=EXAMPLE.org\n", P },
	{ "dkim fail", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=fail header.d=example.org\n", F },
	{ "dkim pass for another domain", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=evil.example\n", N },
	{ "spf pass for another domain", "amina@example.org",
	  "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=x@evil.example\n", N },
	{ "a domain that only ends like ours", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=ample.org\n", N },
	{ "a child domain does not vouch for its parent", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=evil.example.org\n", N },
	{ "a forged field from another server", "amina@example.org",
	  "Authentication-Results: mx.evil.example; dkim=pass header.d=example.org\n", N },
	{ "authserv-id prefix is not enough", "amina@example.org",
	  "Authentication-Results: mx.example.org.evil; dkim=pass header.d=example.org\n", N },
	{ "another server's field on top, then ours", "amina@example.org",
	  "Authentication-Results: other.example; dkim=fail header.d=example.org\n"
	  "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org\n", P },
	/* issue 17.2: the server's own field on top, a forgery lower down */
	{ "topmost ours says fail, a forged pass below", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=none; spf=fail smtp.mailfrom=example.org\n"
	  "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\n", F },
	{ "topmost ours says none, a forged pass below", "amina@example.org",
	  "Authentication-Results: mx.example.org; none\n"
	  "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\n", N },
	{ "topmost ours unreadable, a forged pass below", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass (unclosed\n"
	  "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\n", N },
	{ "spf fail naming no domain", "amina@example.org",
	  "Authentication-Results: mx.example.org; spf=fail\n", F },
	{ "dmarc fail for the From domain", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=none; dmarc=fail header.from=example.org\n", F },
	{ "a failure for another domain is no failure of ours", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=fail header.d=other.example\n", N },
	{ "dmarc pass alone does not authenticate", "amina@example.org",
	  "Authentication-Results: mx.example.org; dmarc=pass header.from=example.org\n", N },
	{ "a pass beats a failure of another signature", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=fail header.d=example.org; "
	  "dkim=pass header.d=example.org\n", P },
	{ "substring dkim=pass in a comment", "amina@example.org",
	  "Authentication-Results: mx.example.org; spf=neutral (dkim=pass header.d=example.org) "
	  "smtp.mailfrom=example.org\n", N },
	{ "none at all", "amina@example.org", "", N },
	{ "top-level domain only", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=org\n", N },
};

Test(authres, whose_word_counts_table)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	c.list.trusted_authserv_id = "mx.example.org";
	for (size_t i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
		char raw[2048];
		struct message *m;
		enum sender_auth got;

		snprintf(raw, sizeof(raw), "%sFrom: A <%s>\nTo: cop+summary@example.org\n"
		    "Subject: Summary\n\nText\n", auth_cases[i].fields, auth_cases[i].from);
		m = tutil_parse(raw);
		got = sender_auth(&c, m);
		cr_expect_eq(got, auth_cases[i].want, "%s: got %d, want %d",
		    auth_cases[i].name, got, auth_cases[i].want);
		message_free(&m);
	}
	/* Without a trusted server nothing vouches. */
	c.list.trusted_authserv_id = NULL;
	{
		struct message *m = tutil_parse("Authentication-Results: mx.example.org;"
		    " dkim=pass header.d=example.org\nFrom: a@example.org\n\nx\n");

		cr_expect_eq(sender_auth(&c, m), SENDER_AUTH_NONE);
		message_free(&m);
	}
}
