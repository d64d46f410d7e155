/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_bounce - delivery report parsing and bounce counting
 *
 * 1. The corpus: every tests/fixtures/bounces/NAME.eml is parsed with
 *    message_parse() and dsn_parse(); tests/fixtures/bounces/expected.txt
 *    says, per fixture, the family, whether it is permanent, temporary or no
 *    report at all, and the failed addresses in order.
 * 2. Tables of plain strings for the scanning rules (dsn_parse_input).
 * 3. Counting against a temporary database: 3 distinct days within 14 stop
 *    a member; temporary reports never count; signed bounce addresses tie a
 *    report to its transaction; unsigned, forged, expired and non-reports
 *    count for no one; decay.
 * 4. The lifecycle: probes on their schedule, re-enabling.
 * 5. The signed address itself (bounceaddr.h).
 */
#include "config.h"

#include <criterion/criterion.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "bounce.h"
#include "dsn.h"
#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "message.h"
#include "store.h"
#include "store_bounce.h"
#include "store_held.h"
#include "store_int.h"
#include "bounceaddr.h"
#include "tutil.h"
#include "xalloc.h"

/* ---- 1. the corpus -------------------------------------------------------- */

Test(bounce_corpus, every_fixture_gives_the_expected_report)
{
	const char *dir = tutil_srcdir();
	char *exp_path = xasprintf("%s/tests/fixtures/bounces/expected.txt", dir);
	size_t len, nfix = 0, nreport = 0, nnot = 0, ntemp = 0;
	char *table = tutil_try_read_file(exp_path, &len), *save = NULL;
	const char *families[16];
	size_t nfamilies = 0;

	cr_assert_not_null(table, "cannot read %s", exp_path);
	for (char *line = strtok_r(table, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *f[4] = { NULL, NULL, NULL, NULL }, *p = line;
		struct message *m;
		struct dsn_report r;
		char got[4096], *path, *raw;
		size_t rawlen;
		int rc;

		if (*line == '#' || *line == '\0')
			continue;
		for (int i = 0; i < 4; i++) {
			f[i] = p;
			p = strchr(p, '|');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		cr_assert_not_null(f[3], "expected.txt: bad line for %s", f[0]);
		path = xasprintf("%s/tests/fixtures/bounces/%s.eml", dir, f[0]);
		raw = tutil_try_read_file(path, &rawlen);
		cr_assert_not_null(raw, "cannot read %s", path);
		cr_expect(strncmp(raw, "X-Fixture: ", 11) == 0,
		    "%s: first line is not an X-Fixture header", f[0]);
		m = message_parse(raw, rawlen, NULL);
		cr_assert_not_null(m, "%s: message_parse failed", f[0]);
		rc = dsn_parse(m, m->arena, &r);
		nfix++;
		if (strcmp(f[2], "none") == 0) {
			nnot++;
			cr_expect_eq(rc, 0, "%s: got a report (family %s, %zu addresses), want none",
			    f[0], r.family ? r.family : "-", r.naddresses);
		} else {
			int want_temp = strcmp(f[2], "temp") == 0;

			nreport++;
			ntemp += want_temp;
			cr_expect_eq(rc, 1, "%s: got rc %d, want a report", f[0], rc);
			if (rc == 1) {
				tutil_join(got, sizeof(got), ",", r.addresses, r.naddresses);
				cr_expect_str_eq(got, f[3], "%s: got addresses \"%s\", want \"%s\"",
				    f[0], got, f[3]);
				cr_expect_eq(r.temporary, want_temp, "%s: got temporary=%d, want %d",
				    f[0], r.temporary, want_temp);
				cr_expect_str_eq(r.family ? r.family : "(null)", f[1],
				    "%s: got family %s, want %s", f[0],
				    r.family ? r.family : "(null)", f[1]);
			}
			{
				int seen = 0;

				for (size_t i = 0; i < nfamilies; i++)
					if (strcmp(families[i], f[1]) == 0)
						seen = 1;
				if (!seen && nfamilies < 16)
					families[nfamilies++] = f[1];
			}
		}
		message_free(&m);
		free(raw);
		free(path);
	}
	cr_expect_geq(nreport, 60, "got %zu delivery reports in the corpus, want at least 60", nreport);
	cr_expect_geq(nnot, 5, "got %zu non-reports in the corpus, want at least 5", nnot);
	cr_expect_geq(ntemp, 10, "got %zu delay notices in the corpus, want at least 10", ntemp);
	cr_expect_geq(nfamilies, 9, "got %zu families, want at least 9", nfamilies);
	cr_log_info("bounce corpus: %zu fixtures, %zu reports (%zu temporary), %zu non-reports",
	    nfix, nreport, ntemp, nnot);
	free(table);
	free(exp_path);
}

/* Every fixture in the directory is listed in expected.txt (no silent
 * fixtures) and every fixture survives being cut short anywhere. */
Test(bounce_corpus, every_fixture_is_listed_and_truncation_is_harmless)
{
	const char *dir = tutil_srcdir();
	char *fixdir = xasprintf("%s/tests/fixtures/bounces", dir);
	char *exp_path = xasprintf("%s/expected.txt", fixdir);
	size_t len;
	char *table = tutil_try_read_file(exp_path, &len);
	DIR *d = opendir(fixdir);
	struct dirent *e;

	cr_assert_not_null(table);
	cr_assert_not_null(d, "cannot open %s", fixdir);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char key[300], *path, *raw;
		size_t rawlen;

		if (n < 5 || strcmp(e->d_name + n - 4, ".eml") != 0)
			continue;
		snprintf(key, sizeof(key), "\n%.*s|", (int)(n - 4), e->d_name);
		cr_expect_not_null(strstr(table, key), "%s is not in expected.txt", e->d_name);
		path = xasprintf("%s/%s", fixdir, e->d_name);
		raw = tutil_try_read_file(path, &rawlen);
		cr_assert_not_null(raw);
		/* cut at 40 places: never a crash, always 0 or 1 */
		for (size_t k = 1; k <= 40; k++) {
			size_t cut = rawlen * k / 41;
			char *copy = xstrndup(raw, cut);
			struct message *m = message_parse(copy, cut, NULL);
			struct dsn_report r;
			int rc;

			cr_assert_not_null(m);
			rc = dsn_parse(m, m->arena, &r);
			cr_expect(rc == 0 || rc == 1, "%s cut at %zu: got rc %d", e->d_name, cut, rc);
			message_free(&m);
			free(copy);
		}
		free(raw);
		free(path);
	}
	closedir(d);
	free(table);
	free(exp_path);
	free(fixdir);
}

/* same_set - do the comma-joined lists a and b name the same addresses? */
static int
same_set(const char *a, const char *b)
{
	char *x = xstrdup(a), *save = NULL;
	size_t na = 0, nb = 0;
	int ok = 1;

	for (const char *p = b; *p; p++)
		nb += *p == ',';
	nb += *b != '\0';
	for (char *t = strtok_r(x, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char key[512];

		na++;
		snprintf(key, sizeof(key), ",%s,", t);
		{
			char *bb = xasprintf(",%s,", b);

			if (strstr(bb, key) == NULL)
				ok = 0;
			free(bb);
		}
	}
	free(x);
	return ok && na == nb;
}

/* The held-out reports (tests/fixtures/bounces-heldout): written apart from
 * the corpus above, from public descriptions of each MTA's format, and
 * never tuned on.  At least 90 % must be read exactly right: the same
 * failed addresses, and permanent / temporary / no report. */
Test(bounce_corpus, held_out_reports_are_read_right)
{
	const char *dir = tutil_srcdir();
	char *exp_path = xasprintf("%s/tests/fixtures/bounces-heldout/expected.txt", dir);
	size_t len, total = 0, right = 0;
	char *table = tutil_try_read_file(exp_path, &len), *save = NULL;

	cr_assert_not_null(table, "cannot read %s", exp_path);
	for (char *line = strtok_r(table, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *f[4] = { NULL, NULL, NULL, NULL }, *p = line, *path, *raw, got[4096];
		struct message *m;
		struct dsn_report r;
		size_t rawlen;
		int rc, ok;

		if (*line == '#' || *line == '\0')
			continue;
		for (int i = 0; i < 4; i++) {
			f[i] = p;
			p = strchr(p, '|');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		cr_assert_not_null(f[3], "expected.txt: bad line for %s", f[0]);
		path = xasprintf("%s/tests/fixtures/bounces-heldout/%s.eml", dir, f[0]);
		raw = tutil_try_read_file(path, &rawlen);
		cr_assert_not_null(raw, "cannot read %s", path);
		m = message_parse(raw, rawlen, NULL);
		cr_assert_not_null(m);
		rc = dsn_parse(m, m->arena, &r);
		got[0] = '\0';
		if (rc == 1)
			tutil_join(got, sizeof(got), ",", r.addresses, r.naddresses);
		if (strcmp(f[2], "none") == 0)
			ok = rc == 0;
		else
			ok = rc == 1 && r.temporary == (strcmp(f[2], "temp") == 0) &&
			    same_set(got, f[3]);
		total++;
		right += ok;
		if (!ok)
			cr_log_info("held-out %s: got %s %s \"%s\", want %s \"%s\"", f[0],
			    rc == 1 ? "report" : "no report", rc == 1 && r.temporary ?
			    "temp" : "perm", got, f[2], f[3]);
		message_free(&m);
		free(raw);
		free(path);
	}
	cr_log_info("held-out bounces: %zu of %zu exactly right", right, total);
	cr_expect_geq(total, 25, "got %zu held-out reports, want at least 25", total);
	cr_expect_geq(right * 100, total * 90, "held-out: %zu of %zu right, want 90 %%",
	    right, total);
	free(table);
	free(exp_path);
}

/* ---- 2. the scanning rules on plain strings ---------------------------------- */

struct text_case {
	const char *name;
	const char *from, *from_name, *return_path, *content_type, *subject;
	const char *x_failed, *text, *delivery_status, *returned_headers;
	int want_rc;
	int want_temp;
	const char *want;        /* comma-joined addresses */
	const char *want_status; /* or NULL: not checked */
};

static const struct text_case text_cases[] = {
	{ "ordinary post is never a report", "alice@example.com", "Alice", "alice@example.com",
	  "text/plain", "Undeliverable",
	  NULL, "This message could not be delivered to bob@example.net, it said.", NULL, NULL,
	  0, 0, "", NULL },
	{ "null sender with an anchor", NULL, NULL, "", "text/plain", "x",
	  NULL, "The following address(es) failed:\n\n  Bob@Example.NET\n", NULL, NULL,
	  1, 0, "bob@example.net", NULL },
	{ "postmaster sender with an anchor", "postmaster@mx.example.net", NULL, NULL,
	  "text/plain", "x", NULL,
	  "Delivery to the following recipient failed permanently:\n\n   carl@example.net\n", NULL, NULL,
	  1, 0, "carl@example.net", NULL },
	{ "display name Mail Delivery System", "daemon@mx.example.net", "Mail Delivery System", NULL,
	  "text/plain", "x", NULL,
	  "Sorry, we were unable to deliver your message to the following address.\n\n<d@example.net>:\n550 5.1.1 no\n",
	  NULL, NULL, 1, 0, "d@example.net", "5.1.1" },
	{ "vacation with null sender", "zawadi@example.net", "Zawadi", "", "text/plain",
	  "Out of Office: back on Monday", NULL, "I am away. Write to info@example.net.", NULL, NULL,
	  0, 0, "", NULL },
	{ "vacation whose subject says undeliverable", "p@example.net", NULL, "", "text/plain",
	  "Automatic reply: undeliverable mail", NULL, "Away.", NULL, NULL, 0, 0, "", NULL },
	{ "DSN wins over the text", NULL, NULL, "", "multipart/report", "x", NULL,
	  "The following address(es) failed:\n  other@example.net\n",
	  "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; e@example.net\nAction: failed\nStatus: 5.2.2\n",
	  NULL, 1, 0, "e@example.net", "5.2.2" },
	{ "DSN failed with 4.x.x is temporary", NULL, NULL, "", "multipart/report", "x", NULL, "",
	  "Final-Recipient: rfc822; f@example.net\nAction: failed\nStatus: 4.4.7\n",
	  NULL, 1, 1, "f@example.net", "4.4.7" },
	{ "DSN delayed", NULL, NULL, "", "multipart/report", "x", NULL, "",
	  "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; g@example.net\nAction: delayed\nStatus: 4.4.1\n",
	  NULL, 1, 1, "g@example.net", NULL },
	{ "DSN success only: a report naming nobody", NULL, NULL, "", "multipart/report", "x", NULL, "",
	  "Final-Recipient: rfc822; h@example.net\nAction: delivered\nStatus: 2.0.0\n",
	  NULL, 1, 1, "", NULL },
	{ "DSN with CRLF and a postmaster recipient left out", NULL, NULL, "", "multipart/report", "x",
	  NULL, "",
	  "Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; i@example.net\r\nAction: failed\r\n"
	  "Status: 5.1.1\r\n\r\nFinal-Recipient: rfc822; postmaster@example.net\r\nAction: failed\r\n"
	  "Status: 5.1.1\r\n",
	  NULL, 1, 0, "i@example.net", "5.1.1" },
	{ "X-Failed-Recipients is exact", "mailer-daemon@mx.example.net", NULL, "", "text/plain",
	  "Mail delivery failed", "J@example.net,  k@example.net", "A message could not be delivered.\n"
	  "Contact admin@help.example.net for help.\n", NULL, NULL,
	  1, 0, "j@example.net,k@example.net", NULL },
	{ "returned sender and message ids are not failures", "mailer-daemon@mx.example.net", NULL, "",
	  "text/plain", "Undelivered Mail Returned to Sender", NULL,
	  "This is the mail system at host mx.\n\n<l@example.net>: 550 5.1.1 unknown\n"
	  "Message-ID: <abc123@mail.example.com>\nThe message identifier is <x1@mx.example.net>\n"
	  "Sender: alice@example.com\n",
	  NULL, "From: Alice <alice@example.com>\nTo: cop@example.org\n",
	  1, 0, "l@example.net", "5.1.1" },
	{ "text cut at the returned message", "mailer-daemon@mx.example.net", NULL, "", "text/plain", "x",
	  NULL, "Hi. This is the qmail-send program at mx.\n\n<m@example.net>:\nno mailbox\n\n"
	  "--- Below this line is a copy of the message.\n\nReturn-Path: <x@example.org>\nTo: n@example.net\n",
	  NULL, NULL, 1, 0, "m@example.net", NULL },
	{ "returned header block cut without a marker", "mailer-daemon@mx.example.net", NULL, "",
	  "text/plain", "x", NULL,
	  "Delivery has failed to these recipients or groups:\n\no@example.net\n\n"
	  "Received: from a.example.com by b.example.com\n\twith ESMTP\nTo: p@example.net\n",
	  NULL, NULL, 1, 0, "o@example.net", NULL },
	{ "temporary sendmail warning", "MAILER-DAEMON@mx.example.net", NULL, "", "text/plain",
	  "Warning: could not send message for past 4 hours", NULL,
	  "   ----- The following addresses had transient non-fatal errors -----\n<q@example.net>\n",
	  NULL, NULL, 1, 1, "q@example.net", NULL },
	{ "permanent and temporary sections: permanent wins", "MAILER-DAEMON@mx.example.net", NULL, "",
	  "text/plain", "Returned mail", NULL,
	  "   ----- The following addresses had permanent fatal errors -----\n<r@example.net>\n\n"
	  "   ----- The following addresses had transient non-fatal errors -----\n<s@example.net>\n",
	  NULL, NULL, 1, 0, "r@example.net", NULL },
	{ "phrase broken over lines", "MAILER-DAEMON@mx.example.net", NULL, "", "text/plain", "x",
	  NULL, "Delivery to the following\n recipient failed\n\tpermanently:\n\n t@example.net\n",
	  NULL, NULL, 1, 0, "t@example.net", NULL },
	{ "mail system with no anchor and no report subject", "MAILER-DAEMON@mx.example.net", NULL, "",
	  "text/plain", "Your mailbox statistics", NULL, "u@example.net received 4 messages.", NULL, NULL,
	  0, 0, "", NULL },
	{ "read receipt", "v@example.net", NULL, "v@example.net",
	  "multipart/report", "Read: hello", NULL, "Your message was displayed.", NULL, NULL,
	  0, 0, "", NULL },
	{ "IP literal domains are not addresses", "MAILER-DAEMON@mx.example.net", NULL, "",
	  "text/plain", "Undeliverable", NULL,
	  "This message could not be delivered:\nw@example.net via root@192.0.2.1\n", NULL, NULL,
	  1, 0, "w@example.net", NULL },
};

Test(bounce_text, table)
{
	for (size_t i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		const struct text_case *tc = &text_cases[i];
		const char *excl[] = { "cop+bounces@example.org" };
		struct dsn_input in = {
			.subject = tc->subject, .from = tc->from, .from_name = tc->from_name,
			.return_path = tc->return_path, .content_type = tc->content_type,
			.x_failed = tc->x_failed, .text = tc->text,
			.delivery_status = tc->delivery_status,
			.returned_headers = tc->returned_headers,
			.exclude = excl, .nexclude = 1,
		};
		struct arena *a = arena_new(1u << 20);
		struct dsn_report r;
		char got[1024];
		int rc = dsn_parse_input(&in, a, &r);

		cr_expect_eq(rc, tc->want_rc, "%s: got rc %d, want %d", tc->name, rc, tc->want_rc);
		if (rc == 1 && tc->want_rc == 1) {
			tutil_join(got, sizeof(got), ",", r.addresses, r.naddresses);
			cr_expect_str_eq(got, tc->want, "%s: got \"%s\", want \"%s\"", tc->name, got, tc->want);
			cr_expect_eq(r.temporary, tc->want_temp, "%s: got temporary %d, want %d",
			    tc->name, r.temporary, tc->want_temp);
			if (tc->want_status)
				cr_expect_str_eq(r.status ? r.status : "(null)", tc->want_status,
				    "%s: got status %s, want %s", tc->name,
				    r.status ? r.status : "(null)", tc->want_status);
		}
		arena_free(&a);
	}
}

Test(bounce_text, hostile_sizes_are_capped)
{
	struct buf b;
	struct arena *a = arena_new(64u << 20);
	struct dsn_report r;
	struct dsn_input in = { .return_path = "", .subject = "Undeliverable",
	    .content_type = "multipart/report" };
	struct buf ds;

	buf_init(&b, 8u << 20);
	buf_puts(&b, "The following address(es) failed:\n");
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "  user%d@example.net\n", i);
	buf_init(&ds, 8u << 20);
	for (int i = 0; i < 3000; i++)
		buf_printf(&ds, "Final-Recipient: rfc822;x%d@example.net\nAction: failed\nStatus: 5.1.1\n\n", i);
	in.text = b.data;
	cr_assert_eq(dsn_parse_input(&in, a, &r), 1);
	cr_expect_leq(r.naddresses, 100, "got %zu addresses, want at most 100", r.naddresses);
	cr_expect_gt(r.naddresses, 0);
	in.delivery_status = ds.data;
	cr_assert_eq(dsn_parse_input(&in, a, &r), 1);
	cr_expect_leq(r.naddresses, 100, "DSN: got %zu addresses, want at most 100", r.naddresses);
	/* an '@' storm and a line without end */
	buf_reset(&b);
	for (int i = 0; i < 200000; i++)
		buf_putc(&b, i % 7 ? '@' : 'a');
	in.text = b.data;
	in.delivery_status = "Final-Recipient: rfc822;\nAction:";
	cr_expect_eq(dsn_parse_input(&in, a, &r), 1);
	buf_release(&b);
	buf_release(&ds);
	arena_free(&a);
}

/* ---- 3. counting ----------------------------------------------------------------- */

/* The fixture's outbox: one-recipient transactions 10 (bob), 11 (a=b),
 * 12 (carol), 13 (stranger, no member); a shared transaction 20 of bob,
 * carol and dave (rows 20, 21, 22, envelope 20). */
struct fx {
	char dir[64];
	struct store *s;
	struct conf c;
};

static void
fx_open(struct fx *f)
{
	char path[128];

	memset(f, 0, sizeof(*f));
	tutil_scratch_dir(f->dir, sizeof(f->dir), "bounce");
	snprintf(path, sizeof(path), "%s/db", f->dir);
	f->s = tutil_store_new(path);
	tutil_conf_list(&f->c);
	f->c.smtp.retry_for_hours = 72;
	f->c.digest.every_days = 10;
	setenv("TZ", "UTC", 1);
	tzset();
	tutil_use_source_templates();
	tutil_sql_exec(f->s,
	    "INSERT INTO messages (id, message_id, received, route, state, size, raw)"
	    " WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 60)"
	    " SELECT v, 'm' || v, 0, 'bounce', 'stored', 1, 'x' FROM n");
	tutil_sql_exec(f->s,
	    "INSERT INTO members (id, email, name, delivery, created, updated) VALUES"
	    " (1, 'Bob@example.net', 'Bob', 'digest', 0, 0), (2, 'a=b@example.net', 'Eq', 'each', 0, 0),"
	    " (3, 'carol@example.net', 'Carol', 'each', 0, 0), (4, 'dave@example.net', 'Dave', 'each', 0, 0)");
	tutil_sql_exec(f->s,
	    "INSERT INTO members (id, email, name, role, created, updated) VALUES"
	    " (5, 'fran@example.org', 'Fran', 'facilitator', 0, 0)");
	tutil_sql_exec(f->s, "INSERT INTO outbox (id, kind, created, body) VALUES (1, 'mail', 0, 'x')");
	tutil_sql_exec(f->s,
	    "INSERT INTO outbox_rcpt (id, outbox, member, address, state, updated, envelope) VALUES"
	    " (10, 1, 1, 'bob@example.net', 'sent', 0, NULL),"
	    " (11, 1, 2, 'a=b@example.net', 'sent', 0, NULL),"
	    " (12, 1, 3, 'carol@example.net', 'sent', 0, NULL),"
	    " (13, 1, NULL, 'stranger@example.net', 'sent', 0, NULL),"
	    " (20, 1, 1, 'bob2@example.net', 'sent', 0, 20),"
	    " (21, 1, 3, 'Carol@Example.NET', 'sent', 0, 20),"
	    " (22, 1, 4, 'dave@example.net', 'sent', 0, 20)");
}

static void
fx_close(struct fx *f)
{
	store_close(&f->s);
	cr_expect_eq(tutil_rmtree(f->dir), 0);
	tutil_set_now(NULL);
}

static void
member_state(struct fx *f, const char *email, char *status, char *delivery)
{
	struct held_member m;

	cr_assert_eq(store_held_member_by_email(f->s, email, &m), 1, "no member %s", email);
	strcpy(status, m.status);
	strcpy(delivery, m.delivery);
	store_held_member_release(&m);
}

/* sign - the argument of transaction id's signed address, made days_ago */
static char *
sign(struct fx *f, int64_t id, long days_ago)
{
	unsigned char key[BOUNCEADDR_KEY_LEN];
	char arg[BOUNCEADDR_ARG_MAX];

	cr_assert_eq(store_bounce_key(f->s, key, sizeof(key)), 0);
	cr_assert_eq(bounceaddr_sign(key, sizeof(key), id,
	    (long)(clock_now() / 86400) - days_ago, arg, sizeof(arg)), 0);
	return xstrdup(arg);
}

static const char dsn_fmt[] =
    "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.net\nTo: cop+bounces@example.org\n"
    "Subject: Undelivered Mail Returned to Sender\nMessage-ID: <b%d@mx.example.net>\n"
    "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"X\"\n\n"
    "--X\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n"
    "--X\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
    "Final-Recipient: rfc822; %s\nAction: %s\nStatus: %s\nDiagnostic-Code: smtp; %s\n\n--X--\n";

/* handle_raw - bounce_handle raw as message row n + 1 to cop+bounces-ARG@ */
static int
handle_raw(struct fx *f, int n, const char *raw, const char *arg)
{
	struct message *m = tutil_parse(raw);
	int rc;

	cr_assert_eq(store_begin(f->s), 0);
	rc = bounce_handle(f->s, &f->c, m, n + 1, arg);
	cr_assert_eq(store_commit(f->s), 0);
	message_free(&m);
	return rc;
}

/* handle - a DSN naming rcpt, to transaction txn's signed address (txn 0:
 * to arg as given, which may be NULL) */
static int
handle(struct fx *f, int n, const char *rcpt, const char *action, const char *status,
    int64_t txn, const char *arg)
{
	char *raw = xasprintf(dsn_fmt, n, rcpt, action, status, "550 no such user");
	char *signed_arg = txn ? sign(f, txn, 0) : NULL;
	int rc = handle_raw(f, n, raw, txn ? signed_arg : arg);

	free(signed_arg);
	free(raw);
	return rc;
}

static long
sql_int(struct fx *f, const char *sql)
{
	return (long)tutil_sql_int(f->s->db, sql);
}

Test(bounce_count, three_days_within_fourteen_stop_the_member)
{
	struct fx f;
	char st[32], dl[32], *probe;

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	cr_expect_eq(handle(&f, 1, "bob@example.net", "failed", "5.1.1", 10, NULL), 0);
	tutil_set_now("2020-11-01T18:00:00Z");        /* same day: still one day */
	cr_expect_eq(handle(&f, 2, "bob@example.net", "failed", "5.1.1", 10, NULL), 0);
	tutil_set_now("2020-11-05T10:00:00Z");
	cr_expect_eq(handle(&f, 3, "bob@example.net", "failed", "5.1.1", 10, NULL), 0);
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "active", "after 2 days: got status %s, want active", st);
	tutil_set_now("2020-11-14T10:00:00Z");        /* 3rd distinct day, 13 days after the 1st */
	cr_expect_eq(handle(&f, 4, "bob@example.net", "failed", "5.1.1", 10, NULL), 0);
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "bouncing", "after 3 days: got status %s, want bouncing", st);
	cr_expect_str_eq(dl, "none", "after 3 days: got delivery %s, want none", dl);
	cr_expect_eq(store_bounce_days(f.s, "bob@example.net", 0), 0,
	    "the score starts again from zero once the member is stopped");
	/* the lifecycle started: its row, a probe with the true figures, a
	 * notice to the facilitator */
	cr_expect_eq(sql_int(&f, "SELECT days FROM bouncing WHERE member = 1"), 3);
	cr_expect_eq(sql_int(&f, "SELECT probes FROM bouncing WHERE member = 1"), 1);
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM bounce_probes WHERE member = 1"), 1);
	probe = tutil_sql_text(f.s->db, "SELECT o.body FROM outbox o JOIN outbox_rcpt r"
	    " ON r.outbox = o.id WHERE o.kind = 'probe' AND r.member = 1");
	cr_assert_not_null(probe, "no probe queued");
	cr_expect_not_null(strstr(probe, "on 3\ndifferent days between 2020-11-01 and 2020-11-14"),
	    "probe without the true figures:\n%s", probe);
	cr_expect_not_null(strstr(probe, "every 10 days"), "probe ignores every_days:\n%s", probe);
	cr_expect_null(strstr(probe, "two weeks"), "probe still says two weeks:\n%s", probe);
	free(probe);
	/* the facilitator hears of it in the next lifecycle run */
	cr_expect_geq(bounce_lifecycle_run(f.s, &f.c, clock_now()), 0);
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'bounce-notice' AND r.address = 'fran@example.org'"), 1,
	    "the facilitator was not told");
	fx_close(&f);
}

/* Two members stopped in one go: one notice to the facilitator naming
 * both, with their figures; the next run tells nothing again. */
Test(bounce_life, the_facilitators_get_one_notice_for_many_stops)
{
	struct fx f;
	const char *days[] = { "2020-11-01T10:00:00Z", "2020-11-02T10:00:00Z", "2020-11-03T10:00:00Z" };
	char *body;

	fx_open(&f);
	for (int i = 0; i < 3; i++) {
		tutil_set_now(days[i]);
		handle(&f, 2 * i, "bob@example.net", "failed", "5.1.1", 10, NULL);
		handle(&f, 2 * i + 1, "a=b@example.net", "failed", "5.1.1", 11, NULL);
	}
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM bouncing"), 2);
	cr_assert_geq(bounce_lifecycle_run(f.s, &f.c, clock_now()), 0);
	cr_assert_geq(bounce_lifecycle_run(f.s, &f.c, clock_now()), 0);
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'bounce-notice' AND r.address = 'fran@example.org'"), 1,
	    "want one notice for both stops");
	body = tutil_sql_text(f.s->db, "SELECT o.body FROM outbox o WHERE o.kind = 'bounce-notice'");
	cr_assert_not_null(body);
	cr_expect_not_null(strstr(body, "Subject: Mail stopped to 2 member(s)"), "%s", body);
	cr_expect_not_null(strstr(body, "- Bob <Bob@example.net>: failed on 3 days from 2020-11-01 to 2020-11-03"),
	    "bob's line missing:\n%s", body);
	cr_expect_not_null(strstr(body, "<a=b@example.net>: failed on 3 days"), "a=b's line missing:\n%s", body);
	free(body);
	fx_close(&f);
}

Test(bounce_count, days_outside_the_window_do_not_count)
{
	struct fx f;
	char st[32], dl[32];

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	handle(&f, 1, "bob@example.net", "failed", "5.1.1", 10, NULL);
	tutil_set_now("2020-11-10T10:00:00Z");
	handle(&f, 2, "bob@example.net", "failed", "5.1.1", 10, NULL);
	tutil_set_now("2020-11-15T10:00:00Z");        /* 14 days after the 1st: out of the window */
	handle(&f, 3, "bob@example.net", "failed", "5.1.1", 10, NULL);
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "active", "got status %s, want active", st);
	cr_expect_eq(store_bounce_days(f.s, "bob@example.net", clock_local_day(clock_now()) - 13), 2);
	fx_close(&f);
}

Test(bounce_count, temporary_reports_never_count)
{
	struct fx f;
	char st[32], dl[32];
	const char *days[] = { "2020-11-01T10:00:00Z", "2020-11-02T10:00:00Z",
	    "2020-11-03T10:00:00Z", "2020-11-04T10:00:00Z" };

	fx_open(&f);
	for (int i = 0; i < 4; i++) {
		tutil_set_now(days[i]);
		handle(&f, i, "bob@example.net", "delayed", "4.4.1", 10, NULL);
		handle(&f, 10 + i, "bob@example.net", "failed", "4.2.2", 10, NULL);
	}
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "active", "got status %s, want active", st);
	cr_expect_eq(store_bounce_days(f.s, "bob@example.net", 0), 0);
	fx_close(&f);
}

/* personalize = yes: the transaction names its one recipient, whatever
 * address the report names (the member may forward elsewhere) */
Test(bounce_count, a_one_recipient_transaction_names_the_member)
{
	struct fx f;
	char st[32], dl[32];
	const char *days[] = { "2020-11-01T10:00:00Z", "2020-11-02T10:00:00Z", "2020-11-03T10:00:00Z" };

	fx_open(&f);
	for (int i = 0; i < 3; i++) {
		tutil_set_now(days[i]);
		cr_expect_eq(handle(&f, i, "forward@elsewhere.example", "failed", "5.1.1", 11, NULL), 0);
	}
	member_state(&f, "a=b@example.net", st, dl);
	cr_expect_str_eq(st, "bouncing", "got status %s, want bouncing", st);
	cr_expect_eq(store_bounce_days(f.s, "forward@elsewhere.example", 0), 0);
	fx_close(&f);
}

/* personalize = no: only the named recipients of that transaction count */
Test(bounce_count, a_shared_transaction_counts_only_its_named_recipients)
{
	struct fx f;

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	cr_expect_eq(handle(&f, 1, "CAROL@example.net", "failed", "5.1.1", 20, NULL), 0);
	cr_expect_eq(store_bounce_days(f.s, "carol@example.net", 0), 1, "carol not counted");
	cr_expect_eq(sql_int(&f, "SELECT envelope FROM bounces WHERE address = 'carol@example.net'"), 20);
	/* bob got that mail as bob2@: bob@ was no recipient of it; eve none */
	cr_expect_eq(handle(&f, 2, "bob@example.net", "failed", "5.1.1", 20, NULL), 0);
	cr_expect_eq(handle(&f, 3, "eve@example.net", "failed", "5.1.1", 20, NULL), 0);
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM bounces"), 1, "a non-recipient counted");
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM messages WHERE id IN (3, 4) AND state = 'ignored'"), 2);
	fx_close(&f);
}

/* Issue 17.1: what counts for no one, each kept as ignored with a reason */
Test(bounce_count, unsigned_forged_expired_and_non_reports_count_for_no_one)
{
	struct fx f;
	char *expired, *forged, *raw;

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	/* the plain bounce address, an old VERP form, garbage */
	cr_expect_eq(handle(&f, 1, "bob@example.net", "failed", "5.1.1", 0, NULL), 0);
	cr_expect_eq(handle(&f, 2, "bob@example.net", "failed", "5.1.1", 0, "bob=example.net"), 0);
	cr_expect_eq(handle(&f, 3, "bob@example.net", "failed", "5.1.1", 0, "10-aa-aaaaaaaaaaaaaaaa"), 0);
	/* a signature of ours for another transaction, with the id changed */
	forged = sign(&f, 12, 0);
	forged[1] = '1';            /* "12-..." -> "11-..." */
	cr_expect_eq(handle(&f, 4, "a=b@example.net", "failed", "5.1.1", 0, forged), 0);
	/* ours, but 31 days old */
	expired = sign(&f, 10, BOUNCEADDR_DAYS + 1);
	cr_expect_eq(handle(&f, 5, "bob@example.net", "failed", "5.1.1", 0, expired), 0);
	/* signed and in date, but no delivery report at all */
	raw = xasprintf("From: Mallory <m@evil.example>\nTo: cop+bounces@example.org\n"
	    "Subject: hello\nMessage-ID: <h1@evil.example>\n\nhello\n");
	{
		char *arg = sign(&f, 10, 0);

		cr_expect_eq(handle_raw(&f, 6, raw, arg), 0);
		free(arg);
	}
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM bounces"), 0, "something counted");
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM messages WHERE id BETWEEN 2 AND 7"
	    " AND state = 'ignored' AND reason IS NOT NULL"), 6, "not all kept as ignored");
	free(raw);
	free(forged);
	free(expired);
	fx_close(&f);
}

Test(bounce_count, smtp_failures_count_and_success_decays)
{
	struct fx f;
	char st[32], dl[32];

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	cr_expect_eq(bounce_record_failure(f.s, &f.c, "carol@example.net", 12, "550 5.1.1 unknown"), 0);
	tutil_set_now("2020-11-02T10:00:00Z");
	cr_expect_eq(bounce_record_failure(f.s, &f.c, "Carol@Example.NET", 12, "552 5.2.2 full"), 0);
	cr_expect_eq(store_bounce_days(f.s, "carol@example.net", 0), 2);
	/* the same server now accepts the address: the SMTP bounces go */
	cr_expect_eq(bounce_record_success(f.s, "carol@example.net"), 0);
	cr_expect_eq(store_bounce_days(f.s, "carol@example.net", 0), 0,
	    "after a success: got %ld days, want 0", store_bounce_days(f.s, "carol@example.net", 0));
	tutil_set_now("2020-11-03T10:00:00Z");
	bounce_record_failure(f.s, &f.c, "carol@example.net", 12, "550");
	member_state(&f, "carol@example.net", st, dl);
	cr_expect_str_eq(st, "active", "got status %s, want active", st);
	fx_close(&f);
}

Test(bounce_count, a_smarthost_success_keeps_fresh_report_bounces)
{
	struct fx f;

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	handle(&f, 1, "bob@example.net", "failed", "5.1.1", 10, NULL);
	tutil_set_now("2020-11-02T10:00:00Z");
	handle(&f, 2, "bob@example.net", "failed", "5.1.1", 10, NULL);
	bounce_record_success(f.s, "bob@example.net");
	cr_expect_eq(store_bounce_days(f.s, "bob@example.net", 0), 2,
	    "fresh report bounces must survive a smarthost 250");
	tutil_set_now("2020-11-09T10:00:00Z");          /* a week of quiet, then a success */
	bounce_record_success(f.s, "bob@example.net");
	cr_expect_eq(store_bounce_days(f.s, "bob@example.net", 0), 0,
	    "stale bounces must decay after a success");
	fx_close(&f);
}

Test(bounce_count, unknown_addresses_are_recorded_not_fatal)
{
	struct fx f;

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	cr_expect_eq(handle(&f, 1, "stranger@example.net", "failed", "5.1.1", 13, NULL), 0);
	cr_expect_eq(store_bounce_days(f.s, "stranger@example.net", 0), 1);
	fx_close(&f);
}

/* ---- 4. the lifecycle ------------------------------------------------------------- */

/* stop bob (three days of failures ending at 2020-11-03T10:00Z) */
static void
stop_bob(struct fx *f)
{
	const char *days[] = { "2020-11-01T10:00:00Z", "2020-11-02T10:00:00Z", "2020-11-03T10:00:00Z" };

	for (int i = 0; i < 3; i++) {
		tutil_set_now(days[i]);
		handle(f, i, "bob@example.net", "failed", "5.1.1", 10, NULL);
	}
}

/* the relay took every queued probe at now */
static void
probes_sent(struct fx *f)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "UPDATE outbox_rcpt SET state = 'sent', updated = %lld"
	    " WHERE state = 'queued' AND id IN (SELECT rcpt FROM bounce_probes)",
	    (long long)clock_now());
	tutil_sql_exec(f->s, sql);
}

Test(bounce_life, probes_follow_the_schedule_and_a_bounced_probe_enables_no_one)
{
	struct fx f;
	char st[32], dl[32];
	const struct { const char *at; long probes; } steps[] = {
		{ "2020-11-03T20:00:00Z", 1 },  /* nothing due before a day */
		{ "2020-11-04T10:00:00Z", 2 },  /* day 1 */
		{ "2020-11-05T10:00:00Z", 2 },
		{ "2020-11-06T10:00:00Z", 3 },  /* day 3 */
		{ "2020-11-10T10:00:00Z", 4 },  /* day 7: the last */
		{ "2020-11-30T10:00:00Z", 4 },
	};

	fx_open(&f);
	stop_bob(&f);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		long got;

		tutil_set_now(steps[i].at);
		cr_assert_geq(bounce_lifecycle_run(f.s, &f.c, clock_now()), 0);
		got = sql_int(&f, "SELECT count(*) FROM bounce_probes WHERE member = 1");
		cr_expect_eq(got, steps[i].probes, "at %s: got %ld probes, want %ld",
		    steps[i].at, got, steps[i].probes);
		/* every probe is taken by the server, and bounces back */
		probes_sent(&f);
		{
			char *arg, *raw;
			int64_t rcpt = sql_int(&f, "SELECT max(rcpt) FROM bounce_probes");

			arg = sign(&f, rcpt, 0);
			raw = xasprintf(dsn_fmt, 100 + (int)i, "bob@example.net", "failed",
			    "5.1.1", "550 gone");
			handle_raw(&f, 40 + (int)i, raw, arg);
			free(arg);
			free(raw);
		}
	}
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "bouncing", "every probe bounced: got status %s", st);
	fx_close(&f);
}

Test(bounce_life, a_probe_that_goes_through_enables_the_member_again)
{
	struct fx f;
	char st[32], dl[32];

	fx_open(&f);
	stop_bob(&f);
	member_state(&f, "bob@example.net", st, dl);
	cr_assert_str_eq(st, "bouncing");
	probes_sent(&f);                                /* at 2020-11-03T10:00 */
	tutil_set_now("2020-11-04T10:00:00Z");         /* a day: not yet */
	bounce_lifecycle_run(f.s, &f.c, clock_now());
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "bouncing", "enabled before the grace: %s", st);
	tutil_set_now("2020-11-05T10:00:00Z");         /* two days, no report */
	cr_expect_geq(bounce_lifecycle_run(f.s, &f.c, clock_now()), 1);
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "active", "got status %s, want active", st);
	cr_expect_str_eq(dl, "digest", "got delivery %s, want digest (what bob had)", dl);
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM bouncing"), 0);
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM outbox WHERE kind = 'bounce-restored'"), 1,
	    "bob was not told");
	cr_expect_eq(sql_int(&f, "SELECT count(*) FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'bounce-notice' AND r.address = 'fran@example.org'"), 2,
	    "the facilitator was not told of the stop and the restart");
	fx_close(&f);
}

/* ---- 5. the signed address itself ---------------------------------------------------- */

Test(bounceaddr, sign_and_verify)
{
	unsigned char key[BOUNCEADDR_KEY_LEN], other[BOUNCEADDR_KEY_LEN];
	char arg[BOUNCEADDR_ARG_MAX], up[BOUNCEADDR_ARG_MAX];
	int64_t id;
	long today = 18567;          /* 2020-11-01 */

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	cr_assert_eq(bounceaddr_sign(key, sizeof(key), 4242, today, arg, sizeof(arg)), 0);
	cr_expect_lt(strlen(arg), BOUNCEADDR_ARG_MAX);
	cr_expect_eq(bounceaddr_verify(key, sizeof(key), arg, strlen(arg), today, &id),
	    BOUNCEADDR_VALID);
	cr_expect_eq(id, 4242);
	/* MTAs fold case */
	for (size_t i = 0; i <= strlen(arg); i++)
		up[i] = (char)toupper((unsigned char)arg[i]);
	cr_expect_eq(bounceaddr_verify(key, sizeof(key), up, strlen(up), today, &id),
	    BOUNCEADDR_VALID, "%s refused", up);
	/* the window: 30 days late is fine, 31 is not; a day early is fine */
	cr_expect_eq(bounceaddr_verify(key, sizeof(key), arg, strlen(arg), today + 30, &id),
	    BOUNCEADDR_VALID);
	cr_expect_eq(bounceaddr_verify(key, sizeof(key), arg, strlen(arg), today + 31, &id),
	    BOUNCEADDR_EXPIRED);
	cr_expect_eq(bounceaddr_verify(key, sizeof(key), arg, strlen(arg), today - 1, &id),
	    BOUNCEADDR_VALID);
	/* far in the past, the day's remainder comes round again: no match */
	cr_expect_eq(bounceaddr_verify(key, sizeof(key), arg, strlen(arg), today + 1024, &id),
	    BOUNCEADDR_FORGED);
	cr_expect_eq(bounceaddr_verify(other, sizeof(other), arg, strlen(arg), today, &id),
	    BOUNCEADDR_FORGED);
	/* every single character changed: never valid */
	for (size_t i = 0; i < strlen(arg); i++) {
		char copy[BOUNCEADDR_ARG_MAX];

		strcpy(copy, arg);
		copy[i] = copy[i] == 'a' ? 'b' : copy[i] == '1' ? '2' : 'a';
		cr_expect_neq(bounceaddr_verify(key, sizeof(key), copy, strlen(copy), today, &id),
		    BOUNCEADDR_VALID, "%s accepted", copy);
	}
	{
		static const char *const bad[] = { "", "bob=example.net", "0-aa-aaaaaaaaaaaaaaaa",
		    "12-aa-aaaaaaaaaaaaaaa", "12-aa-aaaaaaaaaaaaaaaaa", "12-a-aaaaaaaaaaaaaaaa",
		    "12aa-aaaaaaaaaaaaaaaa", "1234567890123456789-aa-aaaaaaaaaaaaaaaa",
		    "12-a1-aaaaaaaaaaaaaaaa", "-12-aa-aaaaaaaaaaaaaaaa" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			cr_expect_eq(bounceaddr_verify(key, sizeof(key), bad[i], strlen(bad[i]),
			    today, &id), BOUNCEADDR_MALFORMED, "%s: not malformed", bad[i]);
	}
	cr_expect_eq(bounceaddr_sign(key, sizeof(key), 0, today, arg, sizeof(arg)), -1);
	cr_expect_eq(bounceaddr_sign(key, sizeof(key), 1, today, arg, 10), -1);
}
