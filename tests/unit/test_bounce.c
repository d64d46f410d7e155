/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_bounce - delivery report parsing and bounce counting
 *
 * 1. The corpus: every tests/fixtures/bounces/NAME.eml is parsed with
 *    message_parse() and dsn_parse(); tests/fixtures/bounces/expected.txt
 *    says, per fixture, the family, whether it is permanent, temporary or no
 *    report at all, and the failed addresses in order.
 * 2. Tables of plain strings for the scanning rules (dsn_parse_input).
 * 3. Counting against a temporary database: 3 distinct days within 14 stop
 *    a member; temporary reports never count; VERP addresses; decay.
 */
#include "config.h"

#include <criterion/criterion.h>

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
	setenv("TZ", "UTC", 1);
	tzset();
	tutil_use_source_templates();
	tutil_sql_exec(f->s,
	    "INSERT INTO messages (id, message_id, received, route, state, size, raw)"
	    " WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 40)"
	    " SELECT v, 'm' || v, 0, 'bounce', 'stored', 1, 'x' FROM n");
	tutil_sql_exec(f->s,
	    "INSERT INTO members (email, name, created, updated) VALUES"
	    " ('Bob@example.net', 'Bob', 0, 0), ('a=b@example.net', 'Eq', 0, 0),"
	    " ('carol@example.net', 'Carol', 0, 0)");
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

static const char dsn_fmt[] =
    "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.net\nTo: cop+bounces@example.org\n"
    "Subject: Undelivered Mail Returned to Sender\nMessage-ID: <b%d@mx.example.net>\n"
    "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"X\"\n\n"
    "--X\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n"
    "--X\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
    "Final-Recipient: rfc822; %s\nAction: %s\nStatus: %s\nDiagnostic-Code: smtp; %s\n\n--X--\n";

static int
handle(struct fx *f, int n, const char *rcpt, const char *action, const char *status,
    const char *verp)
{
	char *raw = xasprintf(dsn_fmt, n, rcpt, action, status, "550 no such user");
	struct message *m = tutil_parse(raw);
	int rc;

	cr_assert_eq(store_begin(f->s), 0);
	rc = bounce_handle(f->s, &f->c, m, n + 1, verp);
	cr_assert_eq(store_commit(f->s), 0);
	message_free(&m);
	free(raw);
	return rc;
}

Test(bounce_count, three_days_within_fourteen_stop_the_member)
{
	struct fx f;
	char st[32], dl[32];

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	cr_expect_eq(handle(&f, 1, "bob@example.net", "failed", "5.1.1", NULL), 0);
	tutil_set_now("2020-11-01T18:00:00Z");        /* same day: still one day */
	cr_expect_eq(handle(&f, 2, "bob@example.net", "failed", "5.1.1", NULL), 0);
	tutil_set_now("2020-11-05T10:00:00Z");
	cr_expect_eq(handle(&f, 3, "bob@example.net", "failed", "5.1.1", NULL), 0);
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "active", "after 2 days: got status %s, want active", st);
	tutil_set_now("2020-11-14T10:00:00Z");        /* 3rd distinct day, 13 days after the 1st */
	cr_expect_eq(handle(&f, 4, "bob@example.net", "failed", "5.1.1", NULL), 0);
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "bouncing", "after 3 days: got status %s, want bouncing", st);
	cr_expect_str_eq(dl, "none", "after 3 days: got delivery %s, want none", dl);
	cr_expect_eq(store_bounce_days(f.s, "bob@example.net", 0), 0,
	    "the score starts again from zero once the member is stopped");
	fx_close(&f);
}

Test(bounce_count, days_outside_the_window_do_not_count)
{
	struct fx f;
	char st[32], dl[32];

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	handle(&f, 1, "bob@example.net", "failed", "5.1.1", NULL);
	tutil_set_now("2020-11-10T10:00:00Z");
	handle(&f, 2, "bob@example.net", "failed", "5.1.1", NULL);
	tutil_set_now("2020-11-15T10:00:00Z");        /* 14 days after the 1st: out of the window */
	handle(&f, 3, "bob@example.net", "failed", "5.1.1", NULL);
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
		handle(&f, i, "bob@example.net", "delayed", "4.4.1", NULL);
		handle(&f, 10 + i, "bob@example.net", "failed", "4.2.2", NULL);
	}
	member_state(&f, "bob@example.net", st, dl);
	cr_expect_str_eq(st, "active", "got status %s, want active", st);
	cr_expect_eq(store_bounce_days(f.s, "bob@example.net", 0), 0);
	fx_close(&f);
}

Test(bounce_count, verp_address_names_the_member)
{
	struct fx f;
	char st[32], dl[32];
	const char *days[] = { "2020-11-01T10:00:00Z", "2020-11-02T10:00:00Z", "2020-11-03T10:00:00Z" };

	fx_open(&f);
	for (int i = 0; i < 3; i++) {
		tutil_set_now(days[i]);
		/* the report names a forward target; VERP names the member,
		 * whose local part itself holds '=' */
		cr_expect_eq(handle(&f, i, "forward@elsewhere.example", "failed", "5.1.1", "a=b=example.net"), 0);
	}
	member_state(&f, "a=b@example.net", st, dl);
	cr_expect_str_eq(st, "bouncing", "got status %s, want bouncing", st);
	cr_expect_eq(store_bounce_days(f.s, "forward@elsewhere.example", 0), 0);
	/* a malformed VERP argument falls back to the report's addresses */
	tutil_set_now("2020-11-04T10:00:00Z");
	cr_expect_eq(handle(&f, 9, "carol@example.net", "failed", "5.1.1", "no-equals-sign"), 0);
	cr_expect_eq(store_bounce_days(f.s, "carol@example.net", 0), 1);
	fx_close(&f);
}

Test(bounce_count, smtp_failures_count_and_success_decays)
{
	struct fx f;
	char st[32], dl[32];

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	cr_expect_eq(bounce_record_failure(f.s, &f.c, "carol@example.net", "550 5.1.1 unknown"), 0);
	tutil_set_now("2020-11-02T10:00:00Z");
	cr_expect_eq(bounce_record_failure(f.s, &f.c, "Carol@Example.NET", "552 5.2.2 full"), 0);
	cr_expect_eq(store_bounce_days(f.s, "carol@example.net", 0), 2);
	/* the same server now accepts the address: the SMTP bounces go */
	cr_expect_eq(bounce_record_success(f.s, "carol@example.net"), 0);
	cr_expect_eq(store_bounce_days(f.s, "carol@example.net", 0), 0,
	    "after a success: got %ld days, want 0", store_bounce_days(f.s, "carol@example.net", 0));
	tutil_set_now("2020-11-03T10:00:00Z");
	bounce_record_failure(f.s, &f.c, "carol@example.net", "550");
	member_state(&f, "carol@example.net", st, dl);
	cr_expect_str_eq(st, "active", "got status %s, want active", st);
	fx_close(&f);
}

Test(bounce_count, a_smarthost_success_keeps_fresh_report_bounces)
{
	struct fx f;

	fx_open(&f);
	tutil_set_now("2020-11-01T10:00:00Z");
	handle(&f, 1, "bob@example.net", "failed", "5.1.1", NULL);
	tutil_set_now("2020-11-02T10:00:00Z");
	handle(&f, 2, "bob@example.net", "failed", "5.1.1", NULL);
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
	cr_expect_eq(handle(&f, 1, "stranger@example.net", "failed", "5.1.1", NULL), 0);
	cr_expect_eq(store_bounce_days(f.s, "stranger@example.net", 0), 1);
	fx_close(&f);
}
