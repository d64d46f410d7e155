/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_bounce - bounces end to end, against the real Dovecot and SMTP server
 * (issue 17 point 1, issue 19 "bounce lifecycle"; SPEC §4, §9)
 *
 *  1. The real path: a post goes out with a signed envelope sender per
 *     recipient; a delivery report to that address arrives over IMAP and
 *     counts against that recipient only; on the third day the member is
 *     stopped, a probe with the true figures goes out, `member list` says
 *     why.  With personalize = no, a report to a shared transaction's
 *     address counts only the recipients of that transaction it names.
 *  2. The three attacks of issue 17 point 1, each of which stopped a
 *     member on the main of that day: forged RFC 3464 reports on three
 *     days to the old VERP address cop+bounces-ann=example.net@; forged
 *     reports to the plain cop+bounces@ naming bob; one-line mails that
 *     are no report at all to cop+bounces-cy=example.net@.  Nobody counts,
 *     every one of them is kept (state ignored, with the reason).
 *  3. The lifecycle: the SMTP server refuses a member's address on three
 *     days, the member is stopped, the first probe is refused too; the
 *     server takes the address again, the next probe goes through, and
 *     two days later the member is enabled again with their delivery, and
 *     told, and so are the facilitators.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../harness.h"

/* ---- helpers --------------------------------------------------------------- */

static void
run_ok(struct h_env *env, const char *cmd)
{
	struct h_out out;

	h_baraza(env, &out, "%s", cmd);
	cr_assert_eq(out.status, 0, "baraza %s: got exit %d, want 0\n%s", cmd,
	    out.status, out.err);
	h_out_free(&out);
}

static char *
baraza_out(struct h_env *env, const char *cmd)
{
	struct h_out out;
	char *s;

	h_baraza(env, &out, "%s", cmd);
	cr_assert_eq(out.status, 0, "baraza %s: got exit %d, want 0\n%s", cmd,
	    out.status, out.err);
	s = strdup(out.out);
	h_out_free(&out);
	return s;
}

/* db_long - the first column of sql on the test's database, -1 if no row */
static long
db_long(struct h_env *env, const char *fmt, ...)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char sql[1024];
	va_list ap;
	long v = -1;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	cr_assert_eq(sqlite3_open_v2(env->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s",
	    sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* member_field - the member's value of key in `member list --json` ("" when
 * absent; static buffer) */
static const char *
member_field(struct h_env *env, const char *email, const char *key)
{
	static char val[64];
	char needle[256], kk[64], *json = baraza_out(env, "member list --json");
	const char *p, *q, *end;

	val[0] = '\0';
	snprintf(needle, sizeof(needle), "\"email\":\"%s\"", email);
	snprintf(kk, sizeof(kk), "\"%s\":\"", key);
	if ((p = strstr(json, needle)) != NULL) {
		end = strstr(p + 1, "{\"email\"");
		q = strstr(p, kk);
		if (q && (end == NULL || q < end)) {
			q += strlen(kk);
			snprintf(val, sizeof(val), "%.*s", (int)strcspn(q, "\""), q);
		}
	}
	free(json);
	return val;
}

/* setup_list - facilitator amina, members ann, bob, cy (each) */
static void
setup_list(struct h_env *env, const char *name, const char *extra, const char *now)
{
	h_env_init(env, name);
	h_smtp_start(env);
	h_write_config(env, extra);
	env->now = now;
	run_ok(env, "init");
	run_ok(env, "member add amina@example.org --name 'Amina Yusuf' --role facilitator");
	run_ok(env, "member add ann@example.net --name 'Ann Lee'");
	run_ok(env, "member add bob@example.net --name 'Bob Ochieng'");
	run_ok(env, "member add cy@example.net --name 'Cy Diallo'");
	h_barazad_once_ok(env);
}

/* post - bob posts; one daemon cycle relays it.  Returns the number of
 * mails captured before it. */
static int
post(struct h_env *env, int n)
{
	struct h_mail m = { 0 };
	char subject[64];
	int before = h_smtp_count(env);

	snprintf(subject, sizeof(subject), "Funding question %d", n);
	m.from = "Bob Ochieng <bob@example.net>";
	m.subject = subject;
	m.body = "Who decides where the money goes?\n";
	h_post(env, &m);
	h_barazad_once_ok(env);
	return before;
}

/* envelope_to - the envelope sender of the newest captured mail to rcpt
 * (owned); fails the test when there is none */
static char *
envelope_to(struct h_env *env, const char *rcpt, int from)
{
	char *found = NULL;
	int n = h_smtp_count(env);

	for (int i = from; i < n; i++) {
		struct h_smtp_msg m;

		if (h_smtp_message(env, i, &m) != 1)
			continue;
		for (size_t k = 0; k < m.nrcpts; k++)
			if (strcasecmp(m.rcpts[k], rcpt) == 0) {
				free(found);
				found = strdup(m.mail_from);
			}
		h_smtp_msg_free(&m);
	}
	cr_assert_not_null(found, "no mail to %s captured", rcpt);
	return found;
}

/* dsn - a Postfix-shaped RFC 3464 report to envelope naming failed */
static char *
dsn(const char *envelope, const char *failed, const char *also, int n)
{
	char *raw;

	if (asprintf(&raw,
	    "Return-Path: <>\r\n"
	    "Delivered-To: %s\r\n"
	    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
	    "To: %s\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "Message-ID: <dsn.%d.%d@mx.example.net>\r\n"
	    "Date: Fri, 20 Nov 2020 10:05:00 +0000\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"B.%d\"\r\n"
	    "\r\n"
	    "--B.%d\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n"
	    "This is the mail system at host mx.example.net.\r\n"
	    "\r\n"
	    "I'm sorry to have to inform you that your message could not\r\n"
	    "be delivered to one or more recipients.\r\n"
	    "\r\n"
	    "<%s>: host mx.example.net said: 550 5.1.1 User unknown\r\n"
	    "\r\n"
	    "--B.%d\r\n"
	    "Content-Type: message/delivery-status\r\n"
	    "\r\n"
	    "Reporting-MTA: dns; mx.example.net\r\n"
	    "\r\n"
	    "Final-Recipient: rfc822; %s\r\n"
	    "Action: failed\r\n"
	    "Status: 5.1.1\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <%s>: User unknown\r\n"
	    "%s%s%s"
	    "\r\n"
	    "--B.%d--\r\n",
	    envelope, envelope, n, getpid(), n, n, failed, n, failed, failed,
	    also ? "\r\nFinal-Recipient: rfc822; " : "", also ? also : "",
	    also ? "\r\nAction: failed\r\nStatus: 5.1.1\r\n" : "", n) < 0)
		cr_assert_fail("asprintf");
	return raw;
}

/* deliver_raw - append raw to the INBOX, one daemon cycle */
static void
deliver_raw(struct h_env *env, const char *raw)
{
	h_imap_append(env, "INBOX", raw, strlen(raw));
	h_barazad_once_ok(env);
}

static const char *const days[] = {
	"2020-11-20T10:00:00Z", "2020-11-21T10:00:00Z", "2020-11-22T10:00:00Z",
	"2020-11-23T10:00:00Z", "2020-11-24T10:00:00Z", "2020-11-25T10:00:00Z",
	"2020-11-26T10:00:00Z", "2020-11-27T10:00:00Z",
};

/* ---- 1. the real path -------------------------------------------------------- */

Test(bounce, a_report_to_the_signed_address_counts_for_that_recipient_only)
{
	struct h_env env;
	char *out;

	setup_list(&env, "bounce_real", "[smtp]\npersonalize = yes\n", days[0]);
	for (int d = 0; d < 3; d++) {
		int from;
		char *env_from, *raw;

		env.now = days[d];
		from = post(&env, d);
		env_from = envelope_to(&env, "ann@example.net", from);
		cr_expect(strncmp(env_from, "cop+bounces-", 12) == 0,
		    "envelope %s is no bounce address", env_from);
		/* the report also names bob: he was no recipient of ann's copy */
		raw = dsn(env_from, "ann@example.net", "bob@example.net", d);
		deliver_raw(&env, raw);
		free(raw);
		free(env_from);
		cr_expect_eq(db_long(&env, "SELECT count(DISTINCT day) FROM bounces"
		    " WHERE address = 'ann@example.net'"), d < 2 ? d + 1 : 0,
		    "day %d: ann's count is wrong", d);
	}
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounces WHERE address <> 'ann@example.net'"), 0,
	    "someone other than ann counted");
	cr_expect_str_eq(member_field(&env, "ann@example.net", "status"), "bouncing");
	cr_expect_str_eq(member_field(&env, "bob@example.net", "status"), "active");
	/* the probe went out, with the figures, from a signed address */
	cr_expect_geq(h_smtp_count_matching(&env, "ann@example.net",
	    "could not be delivered on 3\r\ndifferent days between 2020-11-20 and 2020-11-22"), 1,
	    "no probe with the true figures");
	cr_expect_eq(h_smtp_count_matching(&env, "amina@example.org", "Mail stopped to 1 member(s)"), 1,
	    "the facilitator was not told");
	cr_expect_eq(h_smtp_count_matching(&env, "amina@example.org", "<ann@example.net>: failed on 3 days"), 1,
	    "the facilitator's notice does not name ann with her figures");
	/* member list says why */
	out = baraza_out(&env, "member list");
	cr_expect_not_null(strstr(out, "bouncing since 2020-11-22: failed on 3 days from "
	    "2020-11-20 to 2020-11-22; last: 5.1.1"), "member list does not say why:\n%s", out);
	free(out);
	out = baraza_out(&env, "member list --json");
	cr_expect_not_null(strstr(out, "\"bounce\":{\"since\":\"2020-11-22\",\"days\":3"),
	    "member list --json does not say why:\n%s", out);
	free(out);
	h_env_fini(&env);
}

Test(bounce, a_shared_transaction_counts_only_the_recipients_it_names)
{
	struct h_env env;
	char *env_from, *raw;
	int from;

	setup_list(&env, "bounce_shared", "[smtp]\npersonalize = no\nmax_recipients = 10\n", days[0]);
	from = post(&env, 1);
	env_from = envelope_to(&env, "cy@example.net", from);
	/* a recipient of it (cy), and an outsider who was not (eve) */
	raw = dsn(env_from, "cy@example.net", "eve@example.org", 1);
	deliver_raw(&env, raw);
	free(raw);
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounces WHERE address = 'cy@example.net'"), 1,
	    "cy, a recipient of that transaction, was not counted");
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounces WHERE address <> 'cy@example.net'"), 0,
	    "an address that was no recipient counted");
	/* bob wrote the post: he was no recipient of it */
	raw = dsn(env_from, "bob@example.net", NULL, 2);
	deliver_raw(&env, raw);
	free(raw);
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounces WHERE address = 'bob@example.net'"), 0,
	    "the author, no recipient, counted");
	free(env_from);
	h_env_fini(&env);
}

/* ---- 2. the three attacks of issue 17 point 1 ---------------------------------- */

Test(bounce_attack, forged_reports_to_an_unsigned_verp_address_count_for_no_one)
{
	struct h_env env;

	setup_list(&env, "bounce_forged_verp", NULL, days[0]);
	for (int d = 0; d < 3; d++) {
		char *raw = dsn("cop+bounces-ann=example.net@example.org", "ann@example.net", NULL, d);

		env.now = days[d];
		deliver_raw(&env, raw);
		free(raw);
	}
	cr_expect_str_eq(member_field(&env, "ann@example.net", "status"), "active",
	    "three forged reports stopped ann");
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounces"), 0, "a forged report counted");
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM messages WHERE route = 'bounce'"
	    " AND state = 'ignored' AND reason LIKE 'bounce address%%'"), 3,
	    "the forged reports were not kept as ignored");
	h_env_fini(&env);
}

Test(bounce_attack, a_report_to_the_plain_bounce_address_counts_for_no_one)
{
	struct h_env env;

	setup_list(&env, "bounce_plain", NULL, days[0]);
	for (int d = 0; d < 3; d++) {
		char *raw = dsn("cop+bounces@example.org", "bob@example.net", NULL, d);

		env.now = days[d];
		deliver_raw(&env, raw);
		free(raw);
	}
	cr_expect_str_eq(member_field(&env, "bob@example.net", "status"), "active",
	    "fake reports to cop+bounces@ stopped bob");
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounces"), 0, "a fake report counted");
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM messages WHERE route = 'bounce'"
	    " AND state = 'ignored'"), 3, "the reports were not kept");
	h_env_fini(&env);
}

Test(bounce_attack, mail_that_is_no_report_never_counts)
{
	struct h_env env;
	char *signed_cy;
	int from;

	setup_list(&env, "bounce_hello", NULL, days[0]);
	/* even at cy's genuine signed address (she forwards it, say) */
	from = post(&env, 0);
	signed_cy = envelope_to(&env, "cy@example.net", from);
	for (int d = 0; d < 3; d++) {
		struct h_mail m = { 0 };
		char hdr[512];

		env.now = days[d];
		m.from = "Mallory <mallory@evil.example>";
		m.to = "cop+bounces-cy=example.net@example.org";
		m.subject = "hello";
		m.body = "hello\n";
		h_post(&env, &m);
		snprintf(hdr, sizeof(hdr), "Return-Path: <>");
		m.to = signed_cy;
		m.headers = hdr;
		h_post(&env, &m);
		h_barazad_once_ok(&env);
	}
	cr_expect_str_eq(member_field(&env, "cy@example.net", "status"), "active",
	    "mails that are no report stopped cy");
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounces"), 0, "a non-report counted");
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM messages WHERE state = 'ignored'"), 6,
	    "the mails were not kept as ignored");
	free(signed_cy);
	h_env_fini(&env);
}

/* ---- 3. the lifecycle ------------------------------------------------------------- */

Test(bounce_life, from_failure_to_reenable)
{
	struct h_env env;
	char *out;

	setup_list(&env, "bounce_life", "[smtp]\npersonalize = yes\n", days[0]);
	run_ok(&env, "member add cy@example.net --delivery each");
	/* cy's server refuses her on three days */
	h_smtp_rules(&env, "{\"rcpt\": {\"cy@example.net\": \"550 5.1.1 No such user\"}}");
	for (int d = 0; d < 3; d++) {
		env.now = days[d];
		post(&env, d);
	}
	cr_expect_str_eq(member_field(&env, "cy@example.net", "status"), "bouncing");
	cr_expect_str_eq(member_field(&env, "cy@example.net", "delivery"), "none");
	/* the first probe went at once, and was refused too */
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounce_probes p JOIN outbox_rcpt r"
	    " ON r.id = p.rcpt WHERE r.state = 'failed'"), 1, "the first probe was not tried");
	out = baraza_out(&env, "member list");
	cr_expect_not_null(strstr(out, "last: 550 5.1.1 No such user; probes sent: 1, next: 2020-11-23"),
	    "member list does not say why:\n%s", out);
	free(out);

	/* her server takes mail again; a day later the second probe goes */
	h_smtp_rules(&env, NULL);
	env.now = days[3];
	h_barazad_once_ok(&env);
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bounce_probes p JOIN outbox_rcpt r"
	    " ON r.id = p.rcpt WHERE r.state = 'sent'"), 1, "the second probe was not sent");
	cr_expect_geq(h_smtp_count_matching(&env, "cy@example.net", "This is check 2."), 1);
	cr_expect_str_eq(member_field(&env, "cy@example.net", "status"), "bouncing",
	    "enabled before the probe had its grace");
	/* no report to it within two days: she is back, with her delivery */
	env.now = days[5];
	h_barazad_once_ok(&env);
	cr_expect_str_eq(member_field(&env, "cy@example.net", "status"), "active");
	cr_expect_str_eq(member_field(&env, "cy@example.net", "delivery"), "each");
	cr_expect_eq(h_smtp_count_matching(&env, "cy@example.net", "has started again"), 1,
	    "cy was not told");
	cr_expect_eq(h_smtp_count_matching(&env, "amina@example.org", "Mail to cy@example.net started again"), 1,
	    "the facilitator was not told");
	/* and she gets posts again */
	{
		int from = post(&env, 9);
		char *e = envelope_to(&env, "cy@example.net", from);

		free(e);
	}
	cr_expect_eq(db_long(&env, "SELECT count(*) FROM bouncing"), 0);
	h_env_fini(&env);
}
