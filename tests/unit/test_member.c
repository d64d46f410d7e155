/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_member - addresses, the CSV reader, member import, export, forget
 *
 * The store tests run against a fresh database in a temporary directory,
 * with the themes "funding" and "risk" synced from a configuration built
 * in memory.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "address.h"
#include "cmd.h"
#include "cmd_opt.h"
#include "buf.h"
#include "conf.h"
#include "csv.h"
#include "json.h"
#include "member_import.h"
#include "store.h"
#include "store_int.h"
#include "store_member.h"
#include "store_programme.h"
#include "tutil.h"

/* ---- addresses ------------------------------------------------------------ */

struct addr_case {
	const char *in;
	const char *want;             /* NULL: must be refused */
};

static struct addr_case addr_cases[] = {
	{ "alice@example.org", "alice@example.org" },
	{ "Alice@Example.ORG", "Alice@example.org" },
	{ "  <Bob.Smith@EXAMPLE.org>  ", "Bob.Smith@example.org" },
	{ "\tcarol+tag@sub.example.org ", "carol+tag@sub.example.org" },
	{ "user@localhost", "user@localhost" },
	{ "j\xc3\xb6rg@b\xc3\xbc" "cher.de", "j\xc3\xb6rg@b\xc3\xbc" "cher.de" },
	{ "", NULL },
	{ "   ", NULL },
	{ "<>", NULL },
	{ "alice", NULL },
	{ "@example.org", NULL },
	{ "alice@", NULL },
	{ "alice@@example.org", NULL },
	{ "a@b@example.org", NULL },
	{ "alice smith@example.org", NULL },
	{ "alice@example.org\r\nBcc: x@y.z", NULL },
	{ "alice@exa\nmple.org", NULL },
	{ "alice\x01@example.org", NULL },
	{ "\"alice\"@example.org", NULL },
	{ "alice@[127.0.0.1]", NULL },
	{ "alice@example..org", NULL },
	{ "alice@.example.org", NULL },
	{ "alice@example.org.", NULL },
	{ "<alice@example.org", NULL },
	{ "alice,bob@example.org", NULL },
	{ "al\xffice@example.org", NULL },
	{ "alice@exa_mple.org", NULL },
};

ParameterizedTestParameters(address, normalize)
{
	_Static_assert(TUTIL_NELEM(addr_cases) <= TUTIL_MAX_PARAMS, "raise TUTIL_MAX_PARAMS");
	return TUTIL_PARAMS(addr_cases);
}

ParameterizedTest(size_t *pi, address, normalize)
{
	struct addr_case *tc = &addr_cases[*pi];
	char out[ADDR_MAX + 1];
	const char *why = NULL;
	int rc = addr_normalize(tc->in, out, sizeof(out), &why);

	if (tc->want == NULL) {
		cr_assert_eq(rc, -1, "'%s': got '%s', want a refusal", tc->in, rc == 0 ? out : "");
		cr_assert_not_null(why, "a refusal says why");
	} else {
		cr_assert_eq(rc, 0, "'%s': got refusal (%s), want '%s'", tc->in, why, tc->want);
		cr_assert_str_eq(out, tc->want, "'%s': got '%s', want '%s'", tc->in, out, tc->want);
	}
}

Test(address, length_limits)
{
	char in[400], out[ADDR_MAX + 1];

	memset(in, 'a', 65);
	strcpy(in + 65, "@example.org");
	cr_assert_eq(addr_normalize(in, out, sizeof(out), NULL), -1, "65-byte local part");
	memset(in, 'a', 64);
	strcpy(in + 64, "@example.org");
	cr_assert_eq(addr_normalize(in, out, sizeof(out), NULL), 0, "64-byte local part");
	strcpy(in, "a@");
	memset(in + 2, 'b', 260);
	in[262] = '\0';
	cr_assert_eq(addr_normalize(in, out, sizeof(out), NULL), -1, "over 254 bytes");
}

Test(address, equal_and_domain)
{
	cr_assert(addr_equal("Alice@Example.org", "alice@example.ORG"));
	cr_assert_not(addr_equal("alice@example.org", "alicia@example.org"));
	cr_assert_not(addr_equal(NULL, "a@b"));
	cr_assert_str_eq(addr_domain("alice@example.org"), "example.org");
	cr_assert_null(addr_domain("nodomain"));
}

/* ---- CSV ------------------------------------------------------------------ */

/* csv_dump - every record of text as "LINE:f1|f2|..;" or "LINE:!err;" */
static void
csv_dump(const char *text, size_t len, size_t max_field, size_t max_fields,
    struct buf *out)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	struct csv c;
	int rc;

	cr_assert_not_null(fp);
	buf_init(out, 1 << 16);
	csv_init(&c, fp, max_field, max_fields);
	while ((rc = csv_next(&c)) != 0) {
		buf_printf(out, "%d:", c.line);
		if (rc < 0) {
			buf_printf(out, "!%s;", c.err);
			continue;
		}
		for (size_t i = 0; i < c.nfields; i++)
			buf_printf(out, "%s%s", i ? "|" : "", c.fields[i]);
		buf_putc(out, ';');
	}
	csv_release(&c);
	fclose(fp);
}

struct csv_case {
	const char *name;
	const char *in;
	const char *want;
};

static struct csv_case csv_cases[] = {
	{ "plain", "a,b,c\n1,2,3\n", "1:a|b|c;2:1|2|3;" },
	{ "no final newline", "a,b\n1,2", "1:a|b;2:1|2;" },
	{ "crlf", "a,b\r\n1,2\r\n", "1:a|b;2:1|2;" },
	{ "lone cr", "a,b\r1,2\r", "1:a|b;2:1|2;" },
	{ "empty fields", ",,\n", "1:||;" },
	{ "quoted comma", "\"Smith, Ann\",x\n", "1:Smith, Ann|x;" },
	{ "doubled quote", "\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x;" },
	{ "newline in quotes", "\"two\nlines\",x\nnext,y\n", "1:two\nlines|x;3:next|y;" },
	{ "crlf in quotes", "\"two\r\nlines\",x\r\nnext,y\r\n", "1:two\nlines|x;3:next|y;" },
	{ "blank lines skipped", "a\n\n\nb\n", "1:a;4:b;" },
	{ "bom skipped", "\xef\xbb\xbf" "email,name\nx,y\n", "1:email|name;2:x|y;" },
	{ "utf-8 kept", "Jos\xc3\xa9,\xe5\x8c\x97\xe4\xba\xac\n", "1:Jos\xc3\xa9|\xe5\x8c\x97\xe4\xba\xac;" },
	{ "quote in unquoted field", "ab\"c,d\nok,1\n", "1:!quote inside unquoted field 1 (quote the whole field and double the quote);2:ok|1;" },
	{ "text after closing quote", "\"ab\"c,d\nok,1\n", "1:!text after the closing quote of field 1;2:ok|1;" },
	{ "unterminated quote", "ok,1\n\"never closed,\nmore\n", "1:ok|1;2:!quoted field opened on line 2 is never closed;" },
	{ "quoted empty", "\"\",x\n", "1:|x;" },
};

ParameterizedTestParameters(csv, records)
{
	_Static_assert(TUTIL_NELEM(csv_cases) <= TUTIL_MAX_PARAMS, "raise TUTIL_MAX_PARAMS");
	return TUTIL_PARAMS(csv_cases);
}

ParameterizedTest(size_t *pi, csv, records)
{
	struct csv_case *tc = &csv_cases[*pi];
	struct buf out;

	csv_dump(tc->in, strlen(tc->in), 100, 10, &out);
	cr_assert_str_eq(out.data, tc->want, "%s: got '%s', want '%s'", tc->name,
	    out.data, tc->want);
	buf_release(&out);
}

Test(csv, caps_and_recovery)
{
	struct buf out;

	csv_dump("abcdefghij,x\nshort,y\n", 21, 5, 10, &out);
	cr_assert_str_eq(out.data, "1:!field longer than 5 bytes;2:short|y;", "got '%s'", out.data);
	buf_release(&out);
	csv_dump("a,b,c,d\na,b\n", 12, 10, 3, &out);
	cr_assert_str_eq(out.data, "1:!more than 3 fields;2:a|b;", "got '%s'", out.data);
	buf_release(&out);
	csv_dump("a\0b,c\nd,e\n", 10, 10, 3, &out);
	cr_assert_str_eq(out.data, "1:!NUL byte in a field;2:d|e;", "got '%s'", out.data);
	buf_release(&out);
}

Test(csv, one_byte_at_a_time_equals_whole)
{
	/* The reader works on a stream: feeding it through a pipe in one-byte
	 * writes must give the same records. */
	static const char text[] = "email,name\r\n\"a@x.org\",\"A, \"\"the\"\"\nfirst\"\r\nb@x.org,B\n";
	struct buf whole, piped;
	int fds[2];
	FILE *fp;
	struct csv c;
	int rc;

	csv_dump(text, sizeof(text) - 1, 100, 10, &whole);
	cr_assert_eq(pipe(fds), 0);
	if (fork() == 0) {
		close(fds[0]);
		for (size_t i = 0; i < sizeof(text) - 1; i++)
			if (write(fds[1], text + i, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	fp = fdopen(fds[0], "r");
	setvbuf(fp, NULL, _IONBF, 0);
	buf_init(&piped, 1 << 16);
	csv_init(&c, fp, 100, 10);
	while ((rc = csv_next(&c)) != 0) {
		buf_printf(&piped, "%d:", c.line);
		for (size_t i = 0; rc > 0 && i < c.nfields; i++)
			buf_printf(&piped, "%s%s", i ? "|" : "", c.fields[i]);
		buf_putc(&piped, ';');
	}
	csv_release(&c);
	fclose(fp);
	cr_assert_str_eq(piped.data, whole.data, "got '%s', want '%s'", piped.data, whole.data);
	cr_assert_str_eq(whole.data, "1:email|name;2:a@x.org|A, \"the\"\nfirst;4:b@x.org|B;");
	buf_release(&whole);
	buf_release(&piped);
}

/* ---- a database with two themes -------------------------------------------- */

static char tmpdir[64];
static struct store *db;
static struct conf_theme themes[2];
static struct conf cfg;

static void
db_setup(void)
{
	char path[128];

	tutil_scratch_dir(tmpdir, sizeof(tmpdir), "member");
	snprintf(path, sizeof(path), "%s/test.db", tmpdir);
	db = tutil_store_open(path);
	cr_assert_geq(tutil_store_migrate(db), 1, "a new database: got no migration");
	memset(&cfg, 0, sizeof(cfg));
	themes[0].slug = (char *)"funding";
	themes[0].title = (char *)"The Organisation of Funding Streams";
	themes[1].slug = (char *)"risk";
	themes[1].title = (char *)"Risk";
	cfg.themes = themes;
	cfg.nthemes = 2;
	cr_assert_eq(store_programme_sync(db, &cfg, NULL), 0);
}

static void
db_teardown(void)
{
	store_close(&db);
	tutil_rmtree(tmpdir);
}

/* import_text - run member_import over text; report into *report */
static int
import_text(const char *text, int skip, struct buf *report,
    struct member_import_result *r)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc;

	cr_assert_not_null(fp);
	buf_init(report, 1 << 16);
	rc = member_import(db, fp, "members.csv", skip, report, r);
	fclose(fp);
	return rc;
}

TestSuite(import, .init = db_setup, .fini = db_teardown);

Test(import, good_file)
{
	struct buf report;
	struct member_import_result r;
	struct member m;
	int rc = import_text(
	    "email,name,role,delivery,region,language,themes\n"
	    "Ann@Example.ORG,\"Mwangi, Ann\",facilitator,each,East Africa,en,all\n"
	    "jose@example.org,Jos\xc3\xa9 P\xc3\xa9rez,member,digest,Latin America,es,funding risk\n"
	    "li@example.org,,,,,,funding;risk\n"
	    "\n"
	    "kofi@example.org,Kofi,MEMBER,None,,,\n", 0, &report, &r);

	cr_assert_eq(rc, 0, "got %d, report:\n%s", rc, report.data);
	cr_assert_eq(r.added, 4, "got %ld added, want 4", r.added);
	cr_assert_eq(r.bad, 0);
	cr_assert_eq(store_member_get(db, "ann@example.org", &m), 1, "case-insensitive look-up");
	cr_assert_str_eq(m.email, "Ann@example.org", "stored normalised: local part kept");
	cr_assert_str_eq(m.name, "Mwangi, Ann");
	cr_assert_str_eq(m.role, "facilitator");
	cr_assert_eq(m.all_themes, 1);
	cr_assert_eq(strlen(m.unsub_token), MEMBER_TOKEN_HEX, "a personal 128-bit token");
	member_release(&m);
	cr_assert_eq(store_member_get(db, "jose@example.org", &m), 1);
	cr_assert_str_eq(m.name, "Jos\xc3\xa9 P\xc3\xa9rez");
	cr_assert_str_eq(m.delivery, "digest");
	cr_assert_eq(m.all_themes, 0);
	cr_assert_eq(m.nthemes, 2);
	cr_assert_str_eq(m.themes[0], "funding");
	cr_assert_str_eq(m.themes[1], "risk");
	member_release(&m);
	cr_assert_eq(store_member_get(db, "kofi@example.org", &m), 1);
	cr_assert_str_eq(m.delivery, "none", "values are case-insensitive");
	cr_assert_eq(m.all_themes, 1, "no themes column value: all");
	member_release(&m);
	buf_release(&report);
}

Test(import, any_bad_row_imports_nothing_and_reports_every_row)
{
	struct buf report;
	struct member_import_result r;
	int rc = import_text(
	    "email,name,role,delivery,region,language,themes\n"
	    "ok@example.org,Ok,member,each,,,\n"
	    "not-an-address,X,member,each,,,\n"
	    "two@example.org,Two,boss,each,,,\n"
	    "three@example.org,Three,member,weekly,,,\n"
	    "four@example.org,Four,member,each,,,gossip\n"
	    "OK@example.org,Again,member,each,,,\n"
	    "five@example.org,Five\n"
	    "six@example.org,\"Six\"x,member,each,,,\n", 0, &report, &r);
	static const char *const want[] = {
		"members.csv:3: email 'not-an-address': no '@'\n",
		"members.csv:4: role 'boss' must be member or facilitator\n",
		"members.csv:5: delivery 'weekly' must be each, digest or none\n",
		"members.csv:6: themes: unknown theme 'gossip'",
		"members.csv:7: OK@example.org already given on line 2\n",
		"members.csv:8: 2 fields, but the header has 7\n",
		"members.csv:9: text after the closing quote",
	};

	cr_assert_eq(rc, 1, "got %d, want 1 (bad rows)", rc);
	cr_assert_eq(r.bad, 7, "got %ld bad rows, want 7:\n%s", r.bad, report.data);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_not_null(strstr(report.data, want[i]), "report lacks '%s':\n%s",
		    want[i], report.data);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM members"), 0, "nothing imported");
	buf_release(&report);
}

Test(import, skip_invalid_imports_the_rest)
{
	struct buf report;
	struct member_import_result r;
	int rc = import_text(
	    "email,name\n"
	    "a@example.org,A\n"
	    "bad address,B\n"
	    "c@example.org,C\n", 1, &report, &r);

	cr_assert_eq(rc, 1);
	cr_assert_eq(r.added, 2, "got %ld, want 2", r.added);
	cr_assert_eq(r.bad, 1);
	cr_assert_not_null(strstr(report.data, "members.csv:3: email 'bad address'"), "%s", report.data);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM members"), 2);
	buf_release(&report);
}

Test(import, header_problems_import_nothing_even_when_skipping)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "name,role\nA,member\n", "members.csv:1: the first line must be a header" },
		{ "email,colour\na@example.org,red\n", "members.csv:1: unknown column 'colour'" },
		{ "email,name,email\na@x.org,A,b@x.org\n", "members.csv:1: column 'email' twice" },
		{ "", "members.csv:1: empty file" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf report;
		struct member_import_result r;
		int rc = import_text(cases[i].text, 1, &report, &r);

		cr_assert_eq(rc, 1, "case %zu: got %d", i, rc);
		cr_assert(r.unreadable, "case %zu: unreadable", i);
		cr_assert_not_null(strstr(report.data, cases[i].want), "case %zu: got '%s', want '%s'",
		    i, report.data, cases[i].want);
		cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM members"), 0);
		buf_release(&report);
	}
}

Test(import, columns_in_any_order_and_update)
{
	struct buf report;
	struct member_import_result r;
	struct member m;

	cr_assert_eq(import_text("themes,email\nrisk,a@example.org\n", 0, &report, &r), 0,
	    "%s", report.data);
	buf_release(&report);
	cr_assert_eq(import_text("email,name,delivery\nA@EXAMPLE.ORG,Ann,digest\n", 0,
	    &report, &r), 0, "%s", report.data);
	cr_assert_eq(r.updated, 1, "got %ld updated, want 1", r.updated);
	cr_assert_eq(r.added, 0);
	cr_assert_eq(store_member_get(db, "a@example.org", &m), 1);
	cr_assert_str_eq(m.name, "Ann");
	cr_assert_str_eq(m.delivery, "digest");
	cr_assert_eq(m.all_themes, 0, "themes left alone when the column is absent");
	cr_assert_eq(m.nthemes, 1);
	member_release(&m);
	buf_release(&report);
}

Test(import, names_must_be_utf8)
{
	struct buf report;
	struct member_import_result r;

	cr_assert_eq(import_text("email,name\na@example.org,Jos\xe9\n", 0, &report, &r), 1);
	cr_assert_not_null(strstr(report.data, "members.csv:2: name is not UTF-8"), "%s", report.data);
	buf_release(&report);
}

/* ---- members in the store --------------------------------------------------- */

TestSuite(members, .init = db_setup, .fini = db_teardown);

static int
count_cb(const struct member *m, void *arg)
{
	long *n = arg;

	(void)m;
	(*n)++;
	return 0;
}

Test(members, put_update_remove)
{
	struct member_put p = { .email = "zoe@example.org", .name = "Zoe" };
	struct member m;
	int64_t id, id2;
	long n = 0;

	cr_assert_eq(store_member_put(db, &p, &id), 1, "added");
	memset(&p, 0, sizeof(p));
	p.email = "ZOE@example.org";
	p.delivery = "digest";
	cr_assert_eq(store_member_put(db, &p, &id2), 0, "updated, case-insensitively");
	cr_assert_eq(id, id2);
	cr_assert_eq(store_member_get(db, "zoe@example.org", &m), 1);
	cr_assert_str_eq(m.name, "Zoe", "name left alone");
	cr_assert_str_eq(m.delivery, "digest");
	cr_assert_str_eq(m.status, "active");
	member_release(&m);
	cr_assert_eq(store_member_remove(db, "Zoe@Example.org"), 1);
	cr_assert_eq(store_member_get(db, "zoe@example.org", &m), 1, "the row stays");
	cr_assert_str_eq(m.status, "unsubscribed");
	member_release(&m);
	cr_assert_eq(store_member_remove(db, "nobody@example.org"), 0);
	p.delivery = NULL;
	cr_assert_eq(store_member_put(db, &p, NULL), 0);
	cr_assert_eq(store_member_get(db, "zoe@example.org", &m), 1);
	cr_assert_str_eq(m.status, "active", "add brings a removed member back");
	member_release(&m);
	cr_assert_eq(store_member_each(db, count_cb, &n), 0);
	cr_assert_eq(n, 1);
}

Test(members, tokens_are_unique_and_found)
{
	struct member_put p = { .email = "a@example.org" };
	struct member a, b, t;

	store_member_put(db, &p, NULL);
	p.email = "b@example.org";
	store_member_put(db, &p, NULL);
	cr_assert_eq(store_member_get(db, "a@example.org", &a), 1);
	cr_assert_eq(store_member_get(db, "b@example.org", &b), 1);
	cr_assert_str_neq(a.unsub_token, b.unsub_token);
	cr_assert_eq(store_member_by_token(db, b.unsub_token, &t), 1);
	cr_assert_str_eq(t.email, "b@example.org");
	cr_assert_eq(store_member_by_token(db, "00", &t), 0);
	member_release(&a);
	member_release(&b);
	member_release(&t);
}

/* add_post - a message and a post by author (may be 0) */
static void
add_post(int64_t author, const char *name, const char *email, const char *subject)
{
	char sql[1024];
	static int n;

	n++;
	snprintf(sql, sizeof(sql),
	    "INSERT OR IGNORE INTO threads(id, theme, created, last_post) VALUES (1, 'funding', 1, 1);"
	    "INSERT INTO messages(message_id, received, route, state, sender, size, raw)"
	    " VALUES ('<m%d@x>', 1, 'post', 'stored', '%s', 10,"
	    " CAST('From: %s <%s>' || char(13,10) || 'Subject: %s' AS BLOB));"
	    "INSERT INTO posts(message, message_id, thread, theme, kind, author_name,"
	    " author_email, subject, received, text) VALUES (last_insert_rowid(), '<m%d@x>', 1,"
	    " 'funding', 'idea', '%s', '%s', '%s', 1, 'text about donors');",
	    n, email, name, email, subject, n, name, email, subject);
	/* the author id: posts.author must be the member id, set below.
	 * In a store transaction, as the daemon writes posts: store_commit
	 * indexes them for search (schema 005). */
	cr_assert_eq(store_begin(db), 0);
	cr_assert_eq(store_exec(db, sql), 0);
	cr_assert_eq(store_commit(db), 0);
	if (author) {
		snprintf(sql, sizeof(sql), "UPDATE posts SET author = %lld WHERE message_id = '<m%d@x>'",
		    (long long)author, n);
		cr_assert_eq(store_exec(db, sql), 0);
	}
}

Test(members, export_holds_everything)
{
	struct member_put p = { .email = "amina@example.org", .name = "Amina" };
	struct buf out;
	struct json j;
	int64_t id;
	char sql[256];

	cr_assert_eq(store_member_put(db, &p, &id), 1);
	add_post(id, "Amina", "amina@example.org", "Funding flows");
	snprintf(sql, sizeof(sql), "INSERT INTO bounces(member, address, day, at, reason)"
	    " VALUES (%lld, 'amina@example.org', 18600, 1607000000, '550 no such user')",
	    (long long)id);
	cr_assert_eq(store_exec(db, sql), 0);
	buf_init(&out, 1 << 16);
	json_init(&j, &out);
	cr_assert_eq(store_member_export(db, "AMINA@example.org", &j), 1);
	cr_assert_not_null(strstr(out.data, "\"email\":\"amina@example.org\""), "%s", out.data);
	cr_assert_not_null(strstr(out.data, "\"subject\":\"Funding flows\""), "%s", out.data);
	cr_assert_not_null(strstr(out.data, "\"reason\":\"550 no such user\""), "%s", out.data);
	cr_assert_null(strstr(out.data, "unsub_token"), "token values are not exported");
	buf_reset(&out);
	json_init(&j, &out);
	cr_assert_eq(store_member_export(db, "nobody@example.org", &j), 0);
	buf_release(&out);
}

Test(members, forget_keeps_posts_as_former_member)
{
	struct member_put p = { .email = "amina@example.org", .name = "Amina Otieno" };
	struct member m;
	int64_t id;
	char sql[256];

	cr_assert_eq(store_member_put(db, &p, &id), 1);
	add_post(id, "Amina Otieno", "amina@example.org", "Funding flows");
	snprintf(sql, sizeof(sql), "INSERT INTO tokens(token, kind, address, member, created, expires)"
	    " VALUES ('t1', 'confirm-subscribe', 'amina@example.org', %lld, 1, 2)", (long long)id);
	cr_assert_eq(store_exec(db, sql), 0);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'otieno'"), 1);

	cr_assert_eq(store_member_forget(db, "Amina@Example.org"), 1);
	cr_assert_eq(store_member_get(db, "amina@example.org", &m), 0, "the member is gone");
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM posts"), 1, "the post stays");
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM posts WHERE author IS NULL AND"
	    " author_name = 'former member' AND author_email IS NULL"), 1);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM tokens"), 0);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'otieno'"), 0,
	    "the full-text index forgot the name");
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'donors'"), 1,
	    "the text is still searchable");
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM messages WHERE instr(lower(CAST(bz_raw(raw) AS TEXT)),"
	    " 'amina@example.org') > 0"), 0, "the address is gone from the raw message");
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM messages WHERE sender IS NOT NULL"), 0);
	cr_assert_eq(store_member_forget(db, "amina@example.org"), 0, "forgetting twice: absent");
}

Test(members, parse_themes)
{
	int all;
	char **list;
	size_t n;
	char err[128];

	cr_assert_eq(member_parse_themes(db, "Funding, risk;funding", &all, &list, &n,
	    err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(all, 0);
	cr_assert_eq(n, 2, "duplicates dropped");
	cr_assert_str_eq(list[0], "funding");
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	cr_assert_eq(member_parse_themes(db, "all", &all, &list, &n, err, sizeof(err)), 0);
	cr_assert_eq(all, 1);
	cr_assert_eq(member_parse_themes(db, "all risk", &all, &list, &n, err, sizeof(err)), -1);
	cr_assert_eq(member_parse_themes(db, "  ", &all, &list, &n, err, sizeof(err)), -1);
	cr_assert_eq(member_parse_themes(db, "general", &all, &list, &n, err, sizeof(err)), 0,
	    "the floor theme exists without configuration");
	free(list[0]);
	free(list);
	cr_assert(member_language_valid("pt-BR"));
	cr_assert(member_language_valid("en"));
	cr_assert_not(member_language_valid("English"));
	cr_assert_not(member_language_valid("e"));
}

static int
stop_at_second(const struct member *m, void *arg)
{
	int *n = arg;

	(void)m;
	return ++*n == 2 ? 7 : 0;
}

Test(members, walk_in_order_and_stop)
{
	static const char *const emails[] = { "c@example.org", "A@example.org", "b@example.org" };
	int n = 0;

	for (size_t i = 0; i < 3; i++) {
		struct member_put p = { .email = emails[i] };

		cr_assert_eq(store_member_put(db, &p, NULL), 1);
	}
	cr_assert_eq(store_member_count(db), 3);
	cr_assert_eq(store_member_each(db, stop_at_second, &n), 7, "the callback's value");
	cr_assert_eq(n, 2);
}

/* ---- command-line options ---------------------------------------------------- */

/* cmd_usage_error lives in baraza.c, which this test does not link */
static char usage_seen[256];

int
cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(usage_seen, sizeof(usage_seen), "%s: ", cmd);

	va_start(ap, fmt);
	vsnprintf(usage_seen + n, sizeof(usage_seen) - (size_t)n, fmt, ap);
	va_end(ap);
	return 2;
}

Test(cmd_opt, values_flags_and_positionals)
{
	const char *name = NULL, *theme_list = NULL;
	int json = 0, npos;
	const struct cmd_opt opts[] = {
		{ "--name", &name, NULL }, { "--themes", &theme_list, NULL },
		{ "--json", NULL, &json }, { NULL, NULL, NULL },
	};
	char *argv[] = { "member", "add", "a@example.org", "--name", "Ann Smith",
		"--themes=funding,risk", "--json", "--", "--not-an-option", NULL };
	char *pos[3];

	cr_assert_eq(cmd_opt_parse("member add", 9, argv, 2, opts, pos, 3, &npos), 0,
	    "got an error: %s", usage_seen);
	cr_assert_eq(npos, 2);
	cr_assert_str_eq(pos[0], "a@example.org");
	cr_assert_str_eq(pos[1], "--not-an-option", "after --, everything is positional");
	cr_assert_str_eq(name, "Ann Smith");
	cr_assert_str_eq(theme_list, "funding,risk");
	cr_assert_eq(json, 1);
}

Test(cmd_opt, usage_errors)
{
	static const struct { int argc; char *argv[4]; const char *want; } cases[] = {
		{ 3, { "member", "list", "--bogus" }, "member list: unknown option '--bogus'" },
		{ 3, { "member", "list", "--name" }, "member list: --name needs a value" },
		{ 3, { "member", "list", "--json=yes" }, "member list: --json takes no value" },
		{ 4, { "member", "list", "x", "y" }, "member list: unexpected argument 'y'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *name = NULL;
		int json = 0, npos;
		const struct cmd_opt opts[] = {
			{ "--name", &name, NULL }, { "--json", NULL, &json }, { NULL, NULL, NULL },
		};
		char *pos[1];

		usage_seen[0] = '\0';
		cr_assert_eq(cmd_opt_parse("member list", cases[i].argc, (char **)cases[i].argv, 2,
		    opts, pos, 1, &npos), 2, "case %zu: want exit status 2", i);
		cr_assert_str_eq(usage_seen, cases[i].want, "got '%s', want '%s'", usage_seen,
		    cases[i].want);
	}
}
