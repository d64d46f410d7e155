/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_mx - baraza behind a real MTA, with real DNS: the deployment of the
 * README's "Deliverability" section, on loopback
 *
 *   SMTP in --> Postfix (the MX; recipient_delimiter +) --LMTP--> Dovecot
 *   (user cop@example.org's INBOX, Delivered-To: cop+TAG@) --IMAP-->
 *   barazad --> DMARC look-ups at dnsmasq --> compose, DKIM sign -->
 *   SMTP to Postfix --> relayed to the SMTP capture (the members' MX)
 *
 * Every server is started by the test and stopped by its .fini, which
 * runs also when an assertion ended the test: Postfix
 * (tests/servers/postfix-mx-start, a private instance from its own
 * configuration directory, never the system MTA), a Dovecot of its own
 * with LMTP (dovecot-start with DOVECOT_LMTP=yes), dnsmasq answering the
 * _dmarc TXT records, and the harness's SMTP capture.
 *
 * What is checked: a post from an author whose domain publishes p=reject
 * reaches a member From the list with the author in Cc; one from a p=none
 * domain keeps its From; one whose look-up fails (dnsmasq refuses names
 * it has no data for) is treated as p=reject; every copy carries a DKIM
 * signature of example.org that python3-dkim verifies with the public key
 * that `baraza check` prints, and whose h= covers From, Cc, Subject and
 * the List-* fields; the theme comes from the envelope's +tag (the To
 * field says cop@ and another theme's session is open); `baraza inspect
 * --json` explains the decision.  Root is needed (Postfix, Dovecot as
 * root): elsewhere the test says so and passes without checking.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"

/* in the risk session (2020-12-01..15): only the envelope says funding */
#define NOW "2020-12-03T10:00:00Z"
#define MEMBER "amina@members.test"

static struct h_env env;
static char mxdir[H_PATH + 8];
static int started;

/* read_port - the number in DIR/name */
static int
read_port(const char *dir, const char *name)
{
	char path[H_PATH + 32];
	char *t;
	int port;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	t = h_read_file(path, NULL);
	cr_assert_not_null(t, "cannot read %s", path);
	port = atoi(t);
	free(t);
	return port;
}

/* free_tcp_udp_port - a port free for TCP and UDP on 127.0.0.1 right now */
static int
free_port(void)
{
	struct h_out out;
	int port;

	h_run(&env, &out, "/usr/bin/python3 -c 'import socket\n"
	    "s = socket.socket(); s.bind((\"127.0.0.1\", 0))\n"
	    "u = socket.socket(type=socket.SOCK_DGRAM); u.bind((\"127.0.0.1\", s.getsockname()[1]))\n"
	    "print(s.getsockname()[1])'");
	cr_assert_eq(out.status, 0, "no free port: %s", out.err);
	port = atoi(out.out);
	h_out_free(&out);
	return port;
}

/* run_ok - a shell command that must succeed */
static void
run_ok(const char *what, const char *fmt, const char *a, const char *b)
{
	struct h_out out;

	h_run(&env, &out, fmt, a, b);
	cr_assert_eq(out.status, 0, "%s: exit %d\nstdout: %s\nstderr: %s", what,
	    out.status, out.out, out.err);
	h_out_free(&out);
}

/* stop_all - the .fini: every server this test started, by its pid */
static void
stop_all(void)
{
	struct h_out out;

	if (!started)
		return;
	h_run(&env, &out, "%s/tests/servers/postfix-mx-stop %s/pf; "
	    "%s/tests/servers/dovecot-stop %s/dv; "
	    "test -f %s/dnsmasq.pid && kill -TERM $(cat %s/dnsmasq.pid); true",
	    env.srcdir, mxdir, env.srcdir, mxdir, mxdir, mxdir);
	h_out_free(&out);
	h_env_fini(&env);
	started = 0;
}

/* send_post - hand a message to the MX over SMTP: envelope to rcpt */
static void
send_post(const char *name, const char *from, const char *rcpt, const char *subject,
    int smtp_port)
{
	char path[H_PATH + 32], text[2048], cmd[4096];
	struct h_out out;

	snprintf(text, sizeof(text),
	    "From: %s <%s>\n"
	    "To: Test CoP <cop@example.org>\n"
	    "Subject: %s\n"
	    "Message-ID: <%s@mx.test>\n"
	    "Date: Thu, 03 Dec 2020 09:00:00 +0000\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "\n"
	    "How do funding flows shape who decides? A thought from %s.\n",
	    name, from, subject, subject, name);
	snprintf(path, sizeof(path), "%s/%s.eml", env.dir, subject);
	h_write_file(&env, path, text, -1, 0644, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "curl -sS --url smtp://127.0.0.1:%d --mail-from %s "
	    "--mail-rcpt %s -T %s", smtp_port, from, rcpt, path);
	h_run(&env, &out, "%s", cmd);
	cr_assert_eq(out.status, 0, "SMTP to Postfix failed: %s", out.err);
	h_out_free(&out);
}

/* copy_for - the member's copy of the post with this subject (owned), or
 * NULL */
static char *
copy_for(const char *subject)
{
	return h_smtp_find(&env, MEMBER, subject);
}

/* header_value - the unfolded value of the first field name in m (owned) */
static char *
header_value(const char *m, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = m; p && *p; ) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e = v;
			char *out = malloc(strlen(v) + 1), *o = out;

			while (*e) {
				if (e[0] == '\r' && e[1] == '\n' && (e[2] == ' ' || e[2] == '\t')) {
					e += 2;
					continue;
				}
				if (e[0] == '\r' || e[0] == '\n')
					break;
				*o++ = *e++;
			}
			*o = '\0';
			while (*out == ' ')
				memmove(out, out + 1, strlen(out));
			return out;
		}
		if (p[0] == '\r' && p[1] == '\n')
			break;          /* end of the header */
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return NULL;
}

/* verify - python3-dkim over msg with the published record: its output */
static char *
verify(const char *msg, const char *record, const char *tag)
{
	char path[H_PATH + 32];
	char *q = h_shq(record), *res;
	struct h_out out;

	snprintf(path, sizeof(path), "%s/copy-%s.eml", env.dir, tag);
	h_write_file(&env, path, msg, -1, 0644, path, sizeof(path));
	h_run(&env, &out, "/usr/bin/python3 %s/tests/servers/dkim-verify.py %s %s",
	    env.srcdir, path, q);
	free(q);
	cr_expect_eq(out.status, 0, "%s: DKIM does not verify: %s %s", tag, out.out, out.err);
	res = strdup(out.out);
	h_out_free(&out);
	return res;
}

TestSuite(mx, .timeout = 600);

Test(mx, postfix_dnsmasq_dmarc_dkim, .fini = stop_all)
{
	char extra[4096], dv[H_PATH + 16], pf[H_PATH + 16], key[H_PATH + 16];
	char *record = NULL, *p, *m, *v, *res;
	struct h_out out;
	int pf_port, dns_port, lmtp_port, imap_port, n = 0;

	if (geteuid() != 0) {
		cr_log_warn("it_mx needs root (a private Postfix and Dovecot): skipped");
		return;
	}
	h_env_init(&env, "mx");
	started = 1;
	env.now = NOW;
	env.timeout_ms = 120000;
	snprintf(mxdir, sizeof(mxdir), "%s/mx", env.dir);
	snprintf(dv, sizeof(dv), "%s/dv", mxdir);
	snprintf(pf, sizeof(pf), "%s/pf", mxdir);
	h_smtp_start(&env);

	/* DNS: dnsmasq answers the _dmarc records; names under .example it
	 * does not know are NXDOMAIN (--local), anything else is refused */
	dns_port = free_port();
	snprintf(extra, sizeof(extra), "mkdir -p %s && dnsmasq --no-resolv --no-hosts "
	    "--port=%d --listen-address=127.0.0.1 --bind-interfaces "
	    "--pid-file=%s/dnsmasq.pid --local=/example/ --local=/example.org/ "
	    "--txt-record=_dmarc.reject.example,'v=DMARC1; p=reject; rua=mailto:d@reject.example' "
	    "--txt-record=_dmarc.none.example,'v=DMARC1; p=none' "
	    "--txt-record=_dmarc.example.org,'v=DMARC1; p=quarantine'",
	    mxdir, dns_port, mxdir);
	run_ok("dnsmasq", "%s%s", extra, "");

	/* Dovecot with LMTP, and the list's own user */
	run_ok("dovecot-start", "DOVECOT_LMTP=yes %s/tests/servers/dovecot-start %s >/dev/null",
	    env.srcdir, dv);
	run_ok("dovecot-adduser", "%s/tests/servers/dovecot-adduser %s cop@example.org cop-secret",
	    env.srcdir, dv);
	lmtp_port = read_port(dv, "lmtp.port");
	imap_port = read_port(dv, "imap.port");

	/* Postfix: in on pf_port, LMTP to Dovecot, out to the capture */
	pf_port = free_port();
	snprintf(extra, sizeof(extra), "%%s/tests/servers/postfix-mx-start %%s %d %d %d",
	    pf_port, lmtp_port, env.smtp_port);
	run_ok("postfix-mx-start", extra, env.srcdir, pf);

	/* the DKIM key, owner-only */
	snprintf(key, sizeof(key), "%s/dkim.key", env.dir);
	run_ok("openssl", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
	    "-out %s 2>/dev/null && chmod 600 %s", key, key);
	h_write_file(&env, "cop.pass", "cop-secret\n", -1, 0600, extra, sizeof(extra));

	snprintf(extra, sizeof(extra),
	    "[list]\nfrom_munging = auto\nmoderate = none\n"
	    "[imap]\nurl = imap://127.0.0.1:%d/INBOX\nuser = cop@example.org\n"
	    "password_file = cop.pass\nca_file = %s/ca.pem\n"
	    "[smtp]\nurl = smtp://127.0.0.1:%d\n"
	    "[dns]\nserver = 127.0.0.1:%d\n"
	    "[dkim]\ndomain = example.org\nselector = baraza\nkey_file = dkim.key\n",
	    imap_port, dv, pf_port, dns_port);
	h_write_config(&env, extra);
	h_baraza(&env, &out, "init");
	cr_assert_eq(out.status, 0, "init: %s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "member add %s --name Amina --delivery each", MEMBER);
	cr_assert_eq(out.status, 0, "member add: %s", out.err);
	h_out_free(&out);

	/* check: all green, the resolver answers, the record to publish */
	h_baraza(&env, &out, "check");
	cr_expect_eq(out.status, 0, "check: exit %d\n%s%s", out.status, out.out, out.err);
	cr_expect_not_null(strstr(out.out, "dns: ok 127.0.0.1:"), "%s", out.out);
	cr_expect_not_null(strstr(out.out, "v=DMARC1; p=quarantine"), "%s", out.out);
	cr_expect_not_null(strstr(out.out, "dkim: ok baraza._domainkey.example.org"), "%s", out.out);
	p = strstr(out.out, "IN TXT (");
	cr_assert_not_null(p, "no TXT record printed:\n%s", out.out);
	{
		/* the quoted strings joined: v=DKIM1; k=rsa; p=... */
		char *r = calloc(1, strlen(p) + 1), *o = r;
		int inq = 0;

		for (p += 8; *p && *p != ')'; p++) {
			if (*p == '"')
				inq = !inq;
			else if (inq)
				*o++ = *p;
		}
		record = r;
	}
	cr_expect(strncmp(record, "v=DKIM1; k=rsa; p=MII", 21) == 0, "record: %s", record);
	h_out_free(&out);

	/* three posts through the MX; the envelope names the theme */
	send_post("Ann", "ann@reject.example", "cop+funding@example.org", "reject-post", pf_port);
	send_post("Bo", "bo@none.example", "cop+funding@example.org", "none-post", pf_port);
	send_post("Cy", "cy@fail.test", "cop+funding@example.org", "fail-post", pf_port);

	/* barazad until the member has all three (Postfix delivers on both
	 * legs asynchronously; generous: 2 cores shared) */
	for (int i = 0; i < 90 && n < 3; i++) {
		h_barazad_once(&env, &out);
		cr_assert_eq(out.status, 0, "barazad: exit %d\n%s", out.status, out.err);
		h_out_free(&out);
		n = (h_smtp_count_matching(&env, MEMBER, "reject-post") > 0) +
		    (h_smtp_count_matching(&env, MEMBER, "none-post") > 0) +
		    (h_smtp_count_matching(&env, MEMBER, "fail-post") > 0);
		if (n < 3) {
			run_ok("postfix flush", "postfix -c %s flush%s", pf, "");
			sleep(1);
		}
	}
	cr_assert_eq(n, 3, "the member got %d of the 3 posts", n);
	cr_expect_eq(h_smtp_count_matching(&env, MEMBER, "reject-post"), 1, "one copy each");

	/* p=reject: From the list, the author in Cc, DKIM valid */
	m = copy_for("reject-post");
	cr_assert_not_null(m);
	v = header_value(m, "From");
	cr_expect_str_eq(v, "\"Ann via Test CoP\" <cop@example.org>", "From: %s", v);
	free(v);
	v = header_value(m, "Cc");
	cr_expect(v && strstr(v, "ann@reject.example"), "Cc: %s", v ? v : "(none)");
	free(v);
	v = header_value(m, "X-Baraza-Theme");
	cr_expect_str_eq(v, "funding", "theme from the envelope's tag: %s", v);
	free(v);
	res = verify(m, record, "reject");
	cr_expect(strncmp(res, "pass d=example.org s=baraza a=rsa-sha256 c=relaxed/relaxed", 58) == 0,
	    "verifier: %s", res);
	for (const char *f = "from:cc:subject:list-id:list-unsubscribe:list-post:reply-to:date:message-id";
	    *f; ) {
		const char *colon = strchr(f, ':');
		size_t len = colon ? (size_t)(colon - f) : strlen(f);
		char want[64];

		snprintf(want, sizeof(want), "%.*s", (int)len, f);
		cr_expect(strcasestr(res, want) != NULL, "h= lacks %s: %s", want, res);
		f += len + (colon != NULL);
	}
	free(res);
	/* and a List-Unsubscribe changed on the way breaks it (RFC 8058 4) */
	p = strstr(m, "cop+unsubscribe");
	cr_assert_not_null(p);
	p[strlen("cop+unsubscrib")] = 'x';
	{
		char path[H_PATH + 32], *q = h_shq(record);

		snprintf(path, sizeof(path), "%s/tampered.eml", env.dir);
		h_write_file(&env, path, m, -1, 0644, path, sizeof(path));
		h_run(&env, &out, "/usr/bin/python3 %s/tests/servers/dkim-verify.py %s %s",
		    env.srcdir, path, q);
		cr_expect_eq(out.status, 1, "a tampered copy verified: %s", out.out);
		h_out_free(&out);
		free(q);
	}
	free(m);

	/* p=none: From kept, still signed by the list */
	m = copy_for("none-post");
	cr_assert_not_null(m);
	v = header_value(m, "From");
	cr_expect_str_eq(v, "Bo <bo@none.example>", "From: %s", v);
	free(v);
	cr_expect_null(header_value(m, "Cc"), "no Cc without munging");
	res = verify(m, record, "none");
	cr_expect(strncmp(res, "pass d=example.org", 18) == 0, "verifier: %s", res);
	free(res);
	free(m);

	/* a failed look-up counts as p=reject */
	m = copy_for("fail-post");
	cr_assert_not_null(m);
	v = header_value(m, "From");
	cr_expect_str_eq(v, "\"Cy via Test CoP\" <cop@example.org>", "From: %s", v);
	free(v);
	free(m);

	/* inspect says why, reading the cache the relay filled */
	snprintf(extra, sizeof(extra), "%s/reject-post.eml", env.dir);
	h_baraza(&env, &out, "inspect --json %s", extra);
	cr_expect_eq(out.status, 0, "inspect: %s", out.err);
	cr_expect_not_null(strstr(out.out, "\"from_rewrite\":{\"mode\":\"auto\",\"rewrite\":true"),
	    "%s", out.out);
	cr_expect_not_null(strstr(out.out, "\"policy\":\"reject\",\"source\":\"author\""), "%s", out.out);
	cr_expect_not_null(strstr(out.out, "\"record_name\":\"_dmarc.reject.example\""), "%s", out.out);
	h_out_free(&out);
	snprintf(extra, sizeof(extra), "%s/fail-post.eml", env.dir);
	h_baraza(&env, &out, "inspect --json %s", extra);
	cr_expect_not_null(strstr(out.out, "\"outcome\":\"lookup-failed\""), "%s", out.out);
	h_out_free(&out);
	free(record);
}
