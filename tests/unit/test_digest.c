/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_digest - digest schedule, rendering and once-per-member queueing,
 * figures, and the calendar jobs, against a scratch SQLite database */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "digest.h"
#include "html.h"
#include "jobs.h"
#include "mime_out.h"
#include "store.h"
#include "store_digest.h"
#include "template.h"
#include "tutil.h"

static char dir[64];
static struct conf *conf;
static struct store *store;

static void
setup(void)
{
	char pw[512], text[4096];

	tutil_scratch_dir(dir, sizeof(dir), "digest");
	tutil_use_source_templates();
	snprintf(pw, sizeof(pw), "%s/imap.pass", dir);
	tutil_write_file(pw, "secret\n", 0600);
	snprintf(text, sizeof(text),
	    "[list]\nname = Shifting the Power CoP\naddress = cop@example.org\n"
	    "subject_prefix = [CoP]\ndatabase = %s/db.sqlite\ntimezone = Europe/Amsterdam\n"
	    "[imap]\nurl = imap://127.0.0.1:1/INBOX\nuser = cop\npassword_file = %s\n"
	    "[smtp]\nurl = smtp://127.0.0.1:2\n"
	    "[digest]\nevery_days = 14\nfirst = 2020-12-01 09:00\n"
	    "[theme funding]\ntitle = The Organisation of Funding Streams\n"
	    "session = 2020-11-17..2020-12-01\nquestions = How do funding flows shape who decides?\n"
	    "[theme risk]\ntitle = Risk Assessments and Risk Sharing\nsession = 2020-12-01..2020-12-15\n",
	    dir, pw);
	conf = tutil_conf_load(dir, text);
	store = tutil_store_new(conf->list.database);
}

static void
teardown(void)
{
	store_close(&store);
	conf_free(&conf);
	tutil_rmtree(dir);
}

/* q - one integer from the database, through a second connection */
static long long
q(const char *sql)
{
	sqlite3 *db;
	long long v;

	cr_assert_eq(sqlite3_open(conf->list.database, &db), SQLITE_OK);
	v = tutil_sql_int(db, sql);
	sqlite3_close(db);
	return v;
}

/* seed - two themes, two sessions, members of every kind, posts */
static void
seed(void)
{
	char sql[4096];

	snprintf(sql, sizeof(sql),
	    "INSERT INTO themes(slug, title, position) VALUES"
	    " ('funding', 'The Organisation of Funding Streams', 1),"
	    " ('risk', 'Risk Assessments and Risk Sharing', 2);"
	    "INSERT INTO sessions(id, theme, opens, closes) VALUES"
	    " (1, 'funding', %lld, %lld), (2, 'risk', %lld, %lld);"
	    "INSERT INTO members(id, email, name, role, delivery, region, language, status,"
	    " all_themes, created, updated) VALUES"
	    " (1, 'amina@example.org', 'Amina Yusuf', 'facilitator', 'each', 'East Africa', 'en', 'active', 1, 0, 0),"
	    " (2, 'jean@example.fr', 'Jean Dupont', 'member', 'digest', 'Europe', 'fr', 'active', 1, 0, 0),"
	    " (3, 'rosa@example.org', 'Rosa', 'member', 'digest', 'Latin America', 'es', 'active', 0, 0, 0),"
	    " (4, 'gone@example.org', 'Gone', 'member', 'digest', 'Europe', 'en', 'unsubscribed', 1, 0, 0),"
	    " (5, 'kofi@example.org', 'Kofi', 'member', 'digest', 'West Africa', 'en', 'active', 1, 0, 0);"
	    "INSERT INTO member_themes(member, theme) VALUES (3, 'risk');"
	    "INSERT INTO messages(id, message_id, received, route, state, size, raw) VALUES"
	    " (1, 'a@x', 0, 'post', 'stored', 1, 'x'), (2, 'b@x', 0, 'post', 'stored', 1, 'x'),"
	    " (3, 'c@x', 0, 'post', 'stored', 1, 'x'), (4, 'd@x', 0, 'post', 'stored', 1, 'x');"
	    "INSERT INTO threads(id, theme, session, subject, root, created, last_post, posts) VALUES"
	    " (1, 'funding', 1, 'Who decides on budgets? <script>alert(1)</script>', 1, %lld, %lld, 2),"
	    " (2, 'funding', 1, 'Pooled funds', 3, %lld, %lld, 1);"
	    "INSERT INTO posts(id, message, message_id, thread, parent, depth, theme, session, kind,"
	    " author, author_name, author_email, subject, received, text, new_text) VALUES"
	    " (1, 1, 'a@x', 1, NULL, 0, 'funding', 1, 'question', 1, 'Amina Yusuf', 'amina@example.org',"
	    "  'Who decides on budgets? <script>alert(1)</script>', %lld,"
	    "  'Who decides?\n> quoted old text', 'Who decides on the budget lines?'),"
	    " (2, 2, 'b@x', 1, 1, 1, 'funding', 1, 'feedback', 5, 'Kofi', 'kofi@example.org',"
	    "  'Re: Who decides', %lld, 'In our network the partners do.', 'In our network the partners do.'),"
	    " (3, 3, 'c@x', 2, NULL, 0, 'funding', 1, 'question', 5, 'Kofi', 'kofi@example.org',"
	    "  'Pooled funds', %lld, 'Has anyone tried pooled funds?', 'Has anyone tried pooled funds?');"
	    "INSERT INTO links(post, url) VALUES (3, 'https://example.net/pooled-funds.pdf');",
	    (long long)tutil_at("2020-11-16T23:00:00Z"), (long long)tutil_at("2020-11-30T23:00:00Z"),
	    (long long)tutil_at("2020-11-30T23:00:00Z"), (long long)tutil_at("2020-12-14T23:00:00Z"),
	    (long long)tutil_at("2020-11-18T10:00:00Z"), (long long)tutil_at("2020-11-19T10:00:00Z"),
	    (long long)tutil_at("2020-11-20T10:00:00Z"), (long long)tutil_at("2020-11-20T10:00:00Z"),
	    (long long)tutil_at("2020-11-18T10:00:00Z"), (long long)tutil_at("2020-11-19T10:00:00Z"),
	    (long long)tutil_at("2020-11-20T10:00:00Z"));
	tutil_sql_exec(store, sql);
}

TestSuite(digest, .init = setup, .fini = teardown);

Test(digest, schedule_is_local_and_dst_correct)
{
	static const struct {
		long n;
		const char *want;
	} due[] = {
		{ 1, "2020-12-01T08:00:00Z" },
		{ 2, "2020-12-15T08:00:00Z" },
		{ 10, "2021-04-06T07:00:00Z" },   /* after the switch to summer time */
	};
	char out[32];

	for (size_t i = 0; i < sizeof(due) / sizeof(due[0]); i++) {
		clock_format_iso(digest_due(conf, due[i].n), out, sizeof(out));
		cr_expect_str_eq(out, due[i].want, "digest %ld: got %s, want %s",
		    due[i].n, out, due[i].want);
	}
	cr_expect_eq(digest_number_at(conf, tutil_at("2020-12-01T07:59:59Z")), 0);
	cr_expect_eq(digest_number_at(conf, tutil_at("2020-12-01T08:00:00Z")), 1);
	cr_expect_eq(digest_number_at(conf, tutil_at("2020-12-29T07:00:00Z")), 2);
	cr_expect_eq(digest_number_at(conf, tutil_at("2021-04-06T07:00:00Z")), 10);
	cr_expect_eq(digest_number_at(conf, tutil_at("2021-04-06T06:59:00Z")), 9);
}

Test(digest, range_in_three_languages)
{
	static const struct {
		const char *lang, *want;
	} cases[] = {
		{ "en", "17 Nov \xe2\x80\x93 1 Dec 2020" },
		{ "fr", "17 nov. \xe2\x80\x93 1 d\xc3\xa9" "c. 2020" },
		{ "es", "17 nov. \xe2\x80\x93 1 dic. 2020" },
	};
	time_t start = tutil_at("2020-11-17T08:00:00Z"), end = tutil_at("2020-12-01T08:00:00Z");

	for (size_t i = 0; i < 3; i++) {
		struct buf b;

		buf_init(&b, 256);
		template_date_range(&b, start, end, cases[i].lang, "en");
		cr_expect_str_eq(b.data, cases[i].want, "%s: got '%s'", cases[i].lang, b.data);
		buf_release(&b);
	}
}

Test(digest, render_shows_new_text_reply_links_and_escapes)
{
	struct digest_opts o = { 1, 0, 0, "en", NULL };
	struct buf text, html;
	int items;

	seed();
	digest_period(conf, 1, &o.start, &o.end);
	buf_init(&text, 1 << 20);
	buf_init(&html, 1 << 20);
	items = digest_render(store, conf, &o, &text, &html);
	cr_assert_eq(items, 3, "got %d items, want 3 posts", items);
	cr_expect(strstr(text.data, "Who decides on the budget lines?") != NULL);
	cr_expect(strstr(text.data, "quoted old text") == NULL, "quotes must be left out");
	cr_expect(strstr(text.data, "mailto:cop+reply-2@example.org") != NULL, "%s", text.data);
	cr_expect(strstr(text.data, "== Discussions ==") != NULL);
	cr_expect(strstr(text.data, "== Questions still waiting for an answer ==") != NULL);
	cr_expect(strstr(text.data, "Has anyone tried pooled funds?") != NULL);
	cr_expect(strstr(text.data, "https://example.net/pooled-funds.pdf") != NULL);
	cr_expect(strstr(text.data, "amina@example.org") == NULL, "no member address in a digest");
	cr_expect(strstr(html.data, "<script>") == NULL, "hostile subject must be escaped");
	cr_expect(strstr(html.data, "&lt;script&gt;") != NULL);
	cr_expect(strstr(html.data, "href=\"mailto:cop+reply-1@example.org?subject=Re%3A%20") != NULL,
	    "a reply from the digest carries the post's subject: %s", html.data);
	cr_expect(strstr(html.data, "<svg") == NULL, "no SVG in mail: Gmail and Outlook drop it");
	cr_expect(strstr(html.data, "background-color:#2a7ab0") != NULL, "the bar chart's cells");
	cr_expect(strstr(html.data, "<html lang=\"en\" dir=\"ltr\">") != NULL);
	buf_release(&text);
	buf_release(&html);
}

Test(digest, themes_filter_and_empty_period)
{
	struct digest_opts o = { 1, 0, 0, "es", "risk" };
	struct buf text, html;

	seed();
	digest_period(conf, 1, &o.start, &o.end);
	buf_init(&text, 1 << 20);
	buf_init(&html, 1 << 20);
	cr_assert_eq(digest_render(store, conf, &o, &text, &html), 0,
	    "a member following only 'risk' has nothing in this period");
	buf_release(&text);
	buf_release(&html);
}

Test(digest, run_due_once_per_member_and_late_not_skipped)
{
	seed();
	/* Three periods have passed: 1 and 2 are built, in order; 1 has posts. */
	cr_assert_eq(digest_run_due(store, conf, tutil_at("2020-12-16T00:00:00Z")), 2);
	cr_assert_eq(digest_run_due(store, conf, tutil_at("2020-12-16T00:00:00Z")), 0,
	    "nothing is built twice");
	/* digest 1: members 2 (fr) and 5 (en) follow funding; 3 follows risk only. */
	{
		struct digest_scope none = { 0, 0, 0, NULL };
		struct figures f;

		cr_assert_eq(store_figures(store, &none, &f), 0);
		cr_expect_eq(f.posts, 3);
		cr_expect_eq(f.voices, 2);
		cr_expect_eq(f.new_voices, 2);
		cr_expect_eq(f.unanswered, 1, "the pooled-funds question has no reply");
		cr_expect_eq(f.threads, 2);
		cr_expect(f.top3_share > 0.99);
		cr_expect_eq(f.nregions, 2);
		cr_expect_str_eq(f.regions[0].region, "West Africa");
		cr_expect_eq(f.regions[0].posts, 2);
		figures_release(&f);
	}
	/* digest 1 goes to the two funding followers (an fr and an en body),
	 * digest 2 to nobody (nothing arrived in its period). */
	cr_expect_eq(q("SELECT count(*) FROM digest_sent WHERE digest = 1"), 2);
	cr_expect_eq(q("SELECT count(*) FROM digest_sent WHERE digest = 2"), 0);
	cr_expect_eq(q("SELECT count(*) FROM outbox WHERE kind = 'digest'"), 2);
	cr_expect_eq(q("SELECT count(*) FROM outbox_rcpt"), 2);
	cr_expect_eq(q("SELECT count(*) FROM digests WHERE built IS NOT NULL"), 2);
}

/* A period far larger than a mail may be (here a 9 MB session summary
 * and a 4.5 MB post) still makes a digest: what is shown is capped, the
 * HTML stays under 100 KB with the footer inside, and the digest is
 * built, so later digests are not blocked behind it.  (On the old code
 * the rendering failed and digest_run_due returned -1 for ever.) */
Test(digest, too_large_is_capped_and_sent)
{
	struct digest_opts o = { 1, 0, 0, "en", NULL };
	struct buf text, html;

	seed();
	tutil_sql_exec(store, "UPDATE posts SET new_text = replace(hex(zeroblob(4500000)), '00', 'ab')"
	    " WHERE id = 3;"
	    "UPDATE sessions SET summary = 3 WHERE id = 1");
	digest_period(conf, 1, &o.start, &o.end);
	buf_init(&text, 8u << 20);
	buf_init(&html, 8u << 20);
	cr_expect_gt(digest_render(store, conf, &o, &text, &html), 0);
	cr_expect_lt(html.len, 100u << 10, "HTML of %zu bytes", html.len);
	cr_expect(strstr(html.data, "To leave the list") != NULL, "the footer is inside");
	buf_release(&text);
	buf_release(&html);
	cr_expect_eq(digest_run_due(store, conf, tutil_at("2020-12-16T00:00:00Z")), 2);
	cr_expect_geq(q("SELECT count(*) FROM outbox WHERE kind = 'digest'"), 1);
	cr_expect_eq(q("SELECT count(*) FROM digests WHERE built IS NOT NULL"), 2);
}

Test(digest, preview_for_member_and_unknown)
{
	struct buf out;

	seed();
	setenv("BARAZA_NOW", "2020-11-25T12:00:00Z", 1);
	buf_init(&out, 8 << 20);
	cr_assert_eq(digest_preview(store, conf, "jean@example.fr", &out), 1);
	cr_expect(strstr(out.data, "X-Baraza-Digest: 1\r\n") != NULL, "%.400s", out.data);
	cr_expect(strstr(out.data, "Content-Type: multipart/alternative;") != NULL);
	/* jean writes French: the subject too (RFC 2047 encoded) */
	cr_expect(strstr(out.data, "Subject: [CoP] =?UTF-8?") != NULL,
	    "non-ASCII subject is encoded: %.600s", out.data);
	cr_expect(strstr(out.data, "<html lang=3D\"fr\" dir=3D\"ltr\">") != NULL, "quoted-printable HTML");
	buf_reset(&out);
	cr_assert_eq(digest_preview(store, conf, "nobody@example.org", &out), 0);
	buf_release(&out);
	unsetenv("BARAZA_NOW");
}

Test(digest, jobs_open_kit_close_in_order_once)
{
	seed();
	tutil_sql_exec(store, "UPDATE sessions SET state = 'planned'");
	/* On time: funding opens (17 Nov), its kit (29 Nov), it closes and
	 * risk opens (1 Dec), risk's kit (13 Dec), risk closes (15 Dec). */
	cr_assert_geq(jobs_run_due(store, conf, tutil_at("2020-11-17T01:00:00Z")), 1);
	cr_assert_geq(jobs_run_due(store, conf, tutil_at("2020-11-29T01:00:00Z")), 1);
	cr_assert_geq(jobs_run_due(store, conf, tutil_at("2020-12-01T01:00:00Z")), 2);
	cr_assert_geq(jobs_run_due(store, conf, tutil_at("2020-12-13T01:00:00Z")), 1);
	cr_assert_geq(jobs_run_due(store, conf, tutil_at("2020-12-20T00:00:00Z")), 1);
	cr_assert_eq(jobs_run_due(store, conf, tutil_at("2020-12-20T00:00:00Z")), 0);
	cr_expect_eq(q("SELECT count(*) FROM jobs WHERE done IS NOT NULL"), 6);
	cr_expect_eq(q("SELECT count(*) FROM sessions WHERE state = 'closed'"), 2);
	/* One announcement body per language in use (en, fr, es) per session;
	 * every active member is a recipient of each. */
	cr_expect_eq(q("SELECT count(*) FROM outbox WHERE kind = 'announce'"), 6);
	cr_expect_eq(q("SELECT count(*) FROM outbox_rcpt r JOIN outbox o ON o.id = r.outbox"
	    " WHERE o.kind = 'announce'"), 8);
	cr_expect_eq(q("SELECT count(*) FROM outbox WHERE kind = 'kit'"), 2);
	cr_expect_eq(q("SELECT count(*) FROM outbox_rcpt r JOIN outbox o ON o.id = r.outbox"
	    " WHERE o.kind = 'kit' AND r.address = 'amina@example.org'"), 2);
}

/* After both sessions' closes (a daemon that was down): every job runs
 * once, in order, late, but sends nothing stale - no announcement and no
 * kit for a session that is over (issue 19's catch-up). */
Test(digest, jobs_late_run_once_and_send_nothing_stale)
{
	seed();
	tutil_sql_exec(store, "UPDATE sessions SET state = 'planned'");
	cr_assert_geq(jobs_run_due(store, conf, tutil_at("2020-12-20T00:00:00Z")), 6);
	cr_assert_eq(jobs_run_due(store, conf, tutil_at("2020-12-20T00:00:00Z")), 0);
	cr_expect_eq(q("SELECT count(*) FROM jobs WHERE done IS NOT NULL"), 6);
	cr_expect_eq(q("SELECT count(*) FROM sessions WHERE state = 'closed'"), 2);
	cr_expect_eq(q("SELECT count(*) FROM outbox WHERE kind = 'announce'"), 0);
	cr_expect_eq(q("SELECT count(*) FROM outbox WHERE kind = 'kit'"), 0);
}

/* ---- html and mime_out: pure -------------------------------------------- */

Test(html, escaping_hostile_text)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
		{ "a & b \"c\"", "a &amp; b &quot;c&quot;" },
		{ "caf\xe9", "caf\xef\xbf\xbd" },
		{ "rtl\xe2\x80\xae" "evil", "rtlevil" },
		{ "nul\x01" "ctl", "nulctl" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 1024);
		html_escape_str(&b, cases[i].in);
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got %s", i, b.data);
		buf_release(&b);
	}
}

Test(html, links_only_for_http)
{
	struct buf b;
	const char *in = "see https://example.org/a?b=1&c=2. and javascript:alert(1) data:text/html,x\nnext";

	buf_init(&b, 4096);
	html_text(&b, in, strlen(in));
	cr_expect(strstr(b.data, "<a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow noopener\">") != NULL,
	    "got %s", b.data);
	cr_expect(strstr(b.data, "href=\"javascript") == NULL);
	cr_expect(strstr(b.data, "href=\"data") == NULL);
	cr_expect(strstr(b.data, "<br>") != NULL);
	buf_release(&b);
}

Test(mime_out, header_encoding_and_injection)
{
	struct buf b;

	buf_init(&b, 8192);
	mime_header_text(&b, "Subject", "Hello\r\nBcc: victim@example.org");
	cr_expect_str_eq(b.data, "Subject: Hello Bcc: victim@example.org\r\n", "got %s", b.data);
	buf_reset(&b);
	mime_header_text(&b, "Subject", "Digest 1: 17 Nov \xe2\x80\x93 1 Dec");
	cr_expect_str_eq(b.data, "Subject: Digest 1: 17 Nov =?UTF-8?B?4oCT?= 1 Dec\r\n",
	    "only the word that is not ASCII is encoded: got %s", b.data);
	buf_reset(&b);
	mime_header_addr(&b, "From", "Amina \"A\" Yusuf", "amina@example.org");
	cr_expect_str_eq(b.data, "From: \"Amina \\\"A\\\" Yusuf\" <amina@example.org>\r\n");
	buf_release(&b);
}

Test(mime_out, quoted_printable)
{
	struct buf b;
	const char *in = "caf\xc3\xa9 = ok \n.dot\nFrom here\n";

	buf_init(&b, 8192);
	mime_qp_encode(&b, in, strlen(in));
	cr_expect_str_eq(b.data, "caf=C3=A9 =3D ok=20\r\n=2Edot\r\n=46rom here\r\n", "got %s", b.data);
	buf_release(&b);
}

Test(digest, first_digest_takes_the_list_s_first_days)
{
	struct digest_opts o = { 1, 0, 0, "en", NULL };
	struct buf text, html;
	char sql[1024];

	seed();
	/* A post from before digest 1's period (the list's first days). */
	snprintf(sql, sizeof(sql),
	    "INSERT INTO messages(id, message_id, received, route, state, size, raw) VALUES"
	    " (9, 'early@x', 0, 'post', 'stored', 1, 'x');"
	    "INSERT INTO posts(id, message, message_id, thread, depth, theme, kind, author_name,"
	    " subject, received, text, new_text) VALUES (9, 9, 'early@x', 2, 0, 'funding', 'idea',"
	    " 'Early Bird', 'Welcome everyone', %lld, 'Glad to be here.', 'Glad to be here.');",
	    (long long)tutil_at("2020-11-10T10:00:00Z"));
	tutil_sql_exec(store, sql);
	digest_period(conf, 1, &o.start, &o.end);
	buf_init(&text, 1 << 20);
	buf_init(&html, 1 << 20);
	cr_assert_eq(digest_render(store, conf, &o, &text, &html), 4);
	cr_expect(strstr(text.data, "Glad to be here.") != NULL, "%s", text.data);
	buf_reset(&text);
	buf_reset(&html);
	o.number = 2;
	digest_period(conf, 2, &o.start, &o.end);
	cr_expect_eq(digest_render(store, conf, &o, &text, &html), 0,
	    "digest 2 does not repeat it");
	buf_release(&text);
	buf_release(&html);
	/* 150 empty periods are marked built at once, without mail. */
	cr_assert_eq(digest_run_due(store, conf, tutil_at("2026-11-28T00:00:00Z")),
	    digest_number_at(conf, tutil_at("2026-11-28T00:00:00Z")));
	cr_expect_eq(q("SELECT count(*) FROM outbox WHERE kind = 'digest'"), 2,
	    "only digest 1 has content (fr and en bodies)");
}
