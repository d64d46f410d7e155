/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_conf - the configuration parser: a table of good and bad files
 *
 * Every case is written into a fresh temporary directory holding a private
 * password file (imap.pass, mode 0600) and a public one (open.pass, 0644);
 * relative paths in the cases resolve against that directory.  A bad case
 * names the exact "LINE: [section] key:" prefix its error must start with
 * (after "FILE:") and how many error lines the file must produce.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "listaddr.h"
#include "tutil.h"

/* the minimal good configuration: 10 lines, so case lines start at 11 */
#define BASE \
	"[list]\n" \
	"name = CoP\n" \
	"address = cop@example.org\n" \
	"database = baraza.db\n" \
	"[imap]\n" \
	"url = imaps://127.0.0.1:10993/INBOX\n" \
	"user = cop\n" \
	"password_file = imap.pass\n" \
	"[smtp]\n" \
	"url = smtp://127.0.0.1:10025\n"

static char tmpdir[64];

/* fixture_dir - a temp dir with imap.pass (0600) and open.pass (0644) */
static void
fixture_dir(void)
{
	char path[128];

	tutil_scratch_dir(tmpdir, sizeof(tmpdir), "conf");
	snprintf(path, sizeof(path), "%s/imap.pass", tmpdir);
	tutil_write_file(path, "s3cret\nsecond line\n", 0600);
	snprintf(path, sizeof(path), "%s/open.pass", tmpdir);
	tutil_write_file(path, "s3cret\n", 0644);
}

static void
fixture_clean(void)
{
	tutil_rmtree(tmpdir);
}

/* load - write text into DIR/baraza.conf and load it; errors into errs */
static struct conf *
load(const char *text, struct buf *errs)
{
	return tutil_conf_try_load(tmpdir, text, errs);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- the table of bad files ------------------------------------------ */

struct bad_case {
	const char *name;
	const char *text;
	const char *want;     /* "LINE: [section] key:" after "FILE:" */
	int nerrs;            /* error lines expected */
};

static struct bad_case bad_cases[] = {
	{ "section repeated", BASE "[list]\n", "11: [list]: section repeated (first on line 1)", 1 },
	{ "unknown key in imap", BASE "[digest]\nfrobnicate = 1\n", "12: [digest] frobnicate: unknown key", 1 },
	{ "unknown section", BASE "[mailman]\nx = 1\ny = 2\n", "11: [mailman]: unknown section", 1 },
	{ "key before any section", "name = x\n" BASE, "1: name: key outside any [section]", 1 },
	{ "duplicate key", BASE "[digest]\nevery_days = 7\nevery_days = 14\n",
	    "13: [digest] every_days: given twice (first on line 12)", 1 },
	{ "no equals sign", BASE "[digest]\nevery_days 7\n", "12: expected 'key = value'", 1 },
	{ "translated title, bad language", BASE "[theme a]\ntitle = A\ntitle.French = Un\n",
	    "13: [theme a] title.French: 'French' is not a language tag", 1 },
	{ "translation of a key that has none", BASE "[theme a]\ntitle = A\nkeywords.fr = x\n",
	    "13: [theme a] keywords.fr: unknown key", 1 },
	{ "translated title twice", BASE "[theme a]\ntitle = A\ntitle.fr = Un\ntitle.fr = Deux\n",
	    "14: [theme a] title.fr: given twice", 1 },
	{ "starttls = auto is gone (issue 17.12)", BASE "starttls = auto\n",
	    "11: [smtp] starttls: 'auto' is no longer accepted: say yes (never log in or send "
	    "without TLS) or no (plain text, for loopback or a trusted private network)", 1 },
	{ "bad enum", BASE "[archive]\nhide_addresses = perhaps\n", "12: [archive] hide_addresses: 'perhaps' must be yes or no", 1 },
	{ "bad moderate", "[list]\nmoderate = some\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "2: [list] moderate: 'some' must be one of none, nonmembers, first-post, all", 1 },
	{ "inline comment is part of the value", BASE "[digest]\nevery_days = 7 ; weekly\n",
	    "12: [digest] every_days: '7 ; weekly' is not a whole number (comments must be on a line of their own)", 1 },
	{ "not a number", BASE "[digest]\nevery_days = two\n", "12: [digest] every_days: 'two' is not a whole number", 1 },
	{ "number out of range", BASE "[digest]\nevery_days = 0\n", "12: [digest] every_days: 0 is out of range", 1 },
	{ "imap url scheme", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = http://mail.example.org/\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "6: [imap] url: 'http://mail.example.org/' must start with imaps:// or imap://", 1 },
	{ "imap url port", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imap://h:99999\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "6: [imap] url: 'imap://h:99999': port must be 1 to 65535", 1 },
	{ "imap url with credentials", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://u:pw@h/INBOX\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "6: [imap] url: no user or password in the url", 1 },
	{ "imap url control character in the mailbox", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h/a%1Fb\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "6: [imap] url: 'imaps://h/a%1Fb': bad %-escape", 1 },
	{ "smtp url scheme", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = submission://127.0.0.1\n", "10: [smtp] url: 'submission://127.0.0.1' must start with smtps:// or smtp://", 1 },
	{ "bad list address", "[list]\nname = CoP\naddress = cop@@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "3: [list] address: 'cop@@example.org' is not a valid address", 1 },
	{ "tag separator two chars", "[list]\ntag_separator = +-\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "2: [list] tag_separator: '+-' must be one punctuation character", 1 },
	{ "address holds separator", "[list]\nname = CoP\naddress = cop+x@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "3: [list] address: the local part 'cop+x' contains the tag separator", 1 },
	{ "unknown timezone", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\ntimezone = Europe/Atlantis\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "5: [list] timezone: unknown time zone 'Europe/Atlantis'", 1 },
	{ "digest first without time", BASE "[digest]\nfirst = 2020-12-01\n",
	    "12: [digest] first: '2020-12-01' is not a local time 'YYYY-MM-DD HH:MM'", 1 },
	{ "digest first impossible date", BASE "[digest]\nfirst = 2020-02-30 09:00\n",
	    "12: [digest] first:", 1 },
	{ "digest unknown section", BASE "[digest]\nsections = summaries, gossip\n",
	    "12: [digest] sections: unknown section 'gossip'", 1 },
	{ "theme slug upper case", BASE "[theme Funding]\ntitle = F\n",
	    "11: [theme Funding]: theme slug may hold only a-z, 0-9 and '-'", 1 },
	{ "theme slug reserved", BASE "[theme request]\ntitle = F\n",
	    "11: [theme request]: theme slug is reserved", 1 },
	{ "theme without slug", BASE "[theme]\ntitle = F\n", "11: [theme ]: missing theme slug", 1 },
	{ "theme without title", BASE "\n[theme funding]\nsession = 2020-11-17..2020-12-01\n",
	    "12: [theme funding] title: missing (required)", 1 },
	{ "theme repeated", BASE "[theme a]\ntitle = A\n[theme a]\ntitle = B\n",
	    "13: [theme a]: theme repeated (first on line 11)", 1 },
	{ "session end before start", BASE "[theme a]\ntitle = A\nsession = 2020-12-01..2020-11-17\n",
	    "13: [theme a] session: '2020-12-01..2020-11-17': the end (exclusive) must be after the start", 1 },
	{ "session empty window", BASE "[theme a]\ntitle = A\nsession = 2020-12-01..2020-12-01\n",
	    "13: [theme a] session:", 1 },
	{ "session not dates", BASE "[theme a]\ntitle = A\nsession = next week\n",
	    "13: [theme a] session: 'next week' is not 'YYYY-MM-DD..YYYY-MM-DD'", 1 },
	{ "sessions overlap", BASE "[theme a]\ntitle = A\nsession = 2020-11-17..2020-12-01\n"
	    "session = 2020-11-30..2020-12-14\n",
	    "14: [theme a] session: overlaps the session on line 13", 1 },
	{ "keywords bad pattern", BASE "[theme a]\ntitle = A\nkeywords = (fund\n",
	    "13: [theme a] keywords: bad pattern at offset 5: missing closing parenthesis", 1 },
	{ "after bad", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\nafter = archive\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "9: [imap] after: 'archive' must be move:FOLDER, flag or delete", 1 },
	{ "password file world-readable", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = open.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "8: [imap] password_file:", 1 },
	{ "password file missing", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = nowhere.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "8: [imap] password_file:", 1 },
	{ "smtp password file group-readable", BASE "user = relay\npassword_file = open.pass\n",
	    "12: [smtp] password_file:", 1 },
	{ "smtp user without password", BASE "user = relay\n",
	    "11: [smtp] user: set password_file too", 1 },
	{ "missing required keys", "[list]\nname = CoP\n[imap]\nurl = imaps://h\n",
	    "1: [list] address: missing (required)", 5 },
	{ "missing section", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n",
	    "0: [smtp] url: missing (required)", 1 },
	{ "empty required value", "[list]\nname =\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "2: [list] name: empty value", 1 },
	{ "section header with trailing text", BASE "[digest] ; comment\n",
	    "11: section header must be", 1 },
	{ "archive url not http", BASE "[archive]\nurl = ftp://x.org/a\n",
	    "12: [archive] url: 'ftp://x.org/a' must be an http:// or https:// URL", 1 },
	{ "language tag", "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\nlanguage = English\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", "5: [list] language: 'English' is not a language tag", 1 },
};

ParameterizedTestParameters(conf, bad_files)
{
	_Static_assert(TUTIL_NELEM(bad_cases) <= TUTIL_MAX_PARAMS, "raise TUTIL_MAX_PARAMS");
	return TUTIL_PARAMS(bad_cases);
}

ParameterizedTest(size_t *pi, conf, bad_files,
    .init = fixture_dir, .fini = fixture_clean)
{
	struct bad_case *bc = &bad_cases[*pi];
	struct buf errs;
	struct conf *c = load(bc->text, &errs);
	char want[512];

	cr_assert_null(c, "%s: got a configuration, want errors", bc->name);
	snprintf(want, sizeof(want), "%s/baraza.conf:%s", tmpdir, bc->want);
	cr_assert(strncmp(errs.data, want, strlen(want)) == 0 ||
	    strstr(errs.data, want) != NULL,
	    "%s: got\n%s\nwant a line starting with\n%s", bc->name, errs.data, want);
	cr_assert_eq(count_lines(errs.data), bc->nerrs,
	    "%s: got %d error lines, want %d:\n%s", bc->name,
	    count_lines(errs.data), bc->nerrs, errs.data);
	buf_release(&errs);
}

/* ---- good files --------------------------------------------------------- */

TestSuite(conf_good, .init = fixture_dir, .fini = fixture_clean);

Test(conf_good, defaults)
{
	struct buf errs;
	struct conf *c = load(BASE, &errs);
	static const char *const want_sections[] = {
		"summaries", "threads", "questions", "resources", "figures", "next",
	};
	char want[160];

	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	cr_assert_str_eq(c->list.tag_separator, "+");
	cr_assert_str_eq(c->list.subject_prefix, "");
	cr_assert_str_eq(c->list.timezone, "UTC");
	cr_assert_str_eq(c->list.language, "en");
	cr_assert_eq(c->list.reply_to, REPLY_TO_LIST);
	cr_assert_eq(c->list.moderate, MODERATE_NONMEMBERS);
	cr_assert_eq(c->list.max_message_kb, 2048);
	cr_assert_eq(c->list.max_posts_per_hour, 20);
	cr_assert_eq(c->list.from_munging, FROM_MUNGING_AUTO);
	cr_assert_null(c->list.trusted_authserv_id);
	cr_assert_eq(c->imap.idle, 1);
	cr_assert_eq(c->imap.poll_seconds, 60);
	cr_assert_eq(c->imap.after, IMAP_AFTER_MOVE);
	cr_assert_str_eq(c->imap.after_folder, "Processed");
	cr_assert_eq(c->imap.starttls, STARTTLS_YES, "TLS required by default");
	cr_assert_null(c->imap.ca_file);
	cr_assert_eq(c->smtp.starttls, STARTTLS_YES, "TLS required by default");
	cr_assert_eq(c->smtp.personalize, 1);
	cr_assert_eq(c->smtp.max_recipients, 100);
	cr_assert_eq(c->smtp.connections, 2);
	cr_assert_eq(c->smtp.pipelining, 1, "PIPELINING used when offered, by default");
	cr_assert_eq(c->smtp.retry_for_hours, 72);
	cr_assert_null(c->smtp.user);
	cr_assert_null(c->smtp.password_file);
	cr_assert_eq(c->digest.every_days, 14);
	cr_assert_eq(c->digest.first, 0);
	cr_assert_eq(c->digest.nsections, 6, "got %zu sections, want 6", c->digest.nsections);
	for (size_t i = 0; i < 6; i++)
		cr_assert_str_eq(c->digest.sections[i], want_sections[i]);
	cr_assert_eq(c->archive.hide_addresses, 1);
	cr_assert_null(c->archive.url);
	snprintf(want, sizeof(want), "%s/archive", tmpdir);
	cr_assert_str_eq(c->archive.dir, want, "got archive.dir %s, want %s", c->archive.dir, want);
	snprintf(want, sizeof(want), "%s/baraza.db", tmpdir);
	cr_assert_str_eq(c->list.database, want, "got database %s, want %s", c->list.database, want);
	cr_assert_eq(c->nthemes, 0);
	conf_free(&c);
	cr_assert_null(c);
	buf_release(&errs);
}

Test(conf_good, spec_example)
{
	struct buf errs;
	struct conf *c = load(
	    "; the SPEC section 3 example\n"
	    "[list]\n"
	    "name = Shifting the Power CoP\n"
	    "address = cop@Example.ORG\n"
	    "tag_separator = +\n"
	    "subject_prefix = [CoP]\n"
	    "database = /var/lib/baraza/baraza.db\n"
	    "timezone = Europe/Amsterdam\n"
	    "language = en\n"
	    "reply_to = sender\n"
	    "moderate = first-post\n"
	    "max_message_kb = 1024\n"
	    "max_posts_per_hour = 5\n"
	    "from_munging = always\n"
	    "trusted_authserv_id = mx.example.org\n"
	    "\n"
	    "[imap]\n"
	    "url = imap://mail.example.org/Lists/CoP\n"
	    "user = cop@example.org\n"
	    "password_file = imap.pass\n"
	    "ca_file = imap.pass\n"
	    "idle = no\n"
	    "poll_seconds = 30\n"
	    "after = flag\n"
	    "starttls = yes\n"
	    "\n"
	    "[smtp]\n"
	    "url = smtps://relay.example.org\n"
	    "user = cop\n"
	    "password_file = imap.pass\n"
	    "starttls = no\n"
	    "personalize = no\n"
	    "max_recipients = 50\n"
	    "connections = 4\n"
	    "retry_for_hours = 24\n"
	    "\n"
	    "[digest]\n"
	    "every_days = 7\n"
	    "first = 2020-12-01 09:00\n"
	    "sections = threads, summaries, next\n"
	    "\n"
	    "[archive]\n"
	    "dir = /var/lib/baraza/archive\n"
	    "url = https://cop.example.org/archive/\n"
	    "hide_addresses = no\n"
	    "\n"
	    "# a theme\n"
	    "[theme funding]\n"
	    "title = The Organisation of Funding Streams\n"
	    "session = 2020-11-17..2020-12-01\n"
	    "keywords = (?i)\\b(fund(ing|er|s)?|donors?|grants?)\\b\n"
	    "questions = How do funding flows shape who decides?\n", &errs);

	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	cr_assert_str_eq(c->list.name, "Shifting the Power CoP");
	cr_assert_str_eq(c->list.address, "cop@example.org", "domain lower-cased");
	cr_assert_str_eq(c->list.local, "cop");
	cr_assert_str_eq(c->list.domain, "example.org");
	cr_assert_str_eq(c->list.subject_prefix, "[CoP]");
	cr_assert_str_eq(c->list.database, "/var/lib/baraza/baraza.db");
	cr_assert_eq(c->list.reply_to, REPLY_TO_SENDER);
	cr_assert_eq(c->list.moderate, MODERATE_FIRST_POST);
	cr_assert_eq(c->list.max_message_kb, 1024);
	cr_assert_eq(c->list.max_posts_per_hour, 5);
	cr_assert_eq(c->list.from_munging, FROM_MUNGING_ALWAYS);
	cr_assert_str_eq(c->list.trusted_authserv_id, "mx.example.org");
	cr_assert_str_eq(c->imap.host, "mail.example.org");
	cr_assert_eq(c->imap.port, 143);
	cr_assert_eq(c->imap.implicit_tls, 0);
	cr_assert_str_eq(c->imap.mailbox, "Lists/CoP");
	cr_assert_eq(c->imap.idle, 0);
	cr_assert_eq(c->imap.poll_seconds, 30);
	cr_assert_eq(c->imap.after, IMAP_AFTER_FLAG);
	cr_assert_null(c->imap.after_folder);
	cr_assert_eq(c->imap.starttls, STARTTLS_YES);
	cr_assert_not_null(c->imap.ca_file);
	cr_assert_str_eq(c->smtp.host, "relay.example.org");
	cr_assert_eq(c->smtp.port, 465);
	cr_assert_eq(c->smtp.implicit_tls, 1);
	cr_assert_str_eq(c->smtp.user, "cop");
	cr_assert_eq(c->smtp.starttls, STARTTLS_NO);
	cr_assert_eq(c->smtp.personalize, 0);
	cr_assert_eq(c->smtp.max_recipients, 50);
	cr_assert_eq(c->smtp.connections, 4);
	cr_assert_eq(c->smtp.retry_for_hours, 24);
	cr_assert_eq(c->digest.every_days, 7);
	/* 09:00 in Amsterdam on 1 December is 08:00 UTC */
	cr_assert_eq(c->digest.first, 1606809600, "got %ld, want 1606809600", (long)c->digest.first);
	cr_assert_eq(c->digest.nsections, 3);
	cr_assert_str_eq(c->digest.sections[0], "threads");
	cr_assert_str_eq(c->digest.sections[2], "next");
	cr_assert_str_eq(c->archive.url, "https://cop.example.org/archive", "trailing slash dropped");
	cr_assert_eq(c->archive.hide_addresses, 0);
	cr_assert_eq(c->nthemes, 1);
	cr_assert_str_eq(c->themes[0].slug, "funding");
	cr_assert_str_eq(c->themes[0].title, "The Organisation of Funding Streams");
	cr_assert_str_eq(c->themes[0].keywords, "(?i)\\b(fund(ing|er|s)?|donors?|grants?)\\b");
	cr_assert_eq(c->themes[0].nquestions, 1);
	cr_assert_eq(c->themes[0].line, 48);
	conf_free(&c);
	buf_release(&errs);
}

Test(conf_good, semicolon_is_not_a_comment)
{
	struct buf errs;
	struct conf *c = load(BASE "[theme a]\ntitle = Risk; and sharing\n"
	    "keywords = (?i)risk;share\nquestions = Who pays?  ; who decides?\n", &errs);

	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	cr_assert_str_eq(c->themes[0].title, "Risk; and sharing");
	cr_assert_str_eq(c->themes[0].keywords, "(?i)risk;share");
	cr_assert_str_eq(c->themes[0].questions[0], "Who pays?  ; who decides?",
	    "got '%s': values are trimmed only at the ends", c->themes[0].questions[0]);
	conf_free(&c);
	buf_release(&errs);
}

/* title.LANG and questions.LANG: the theme in other languages, with the
 * default for any language not given and "pt" serving "pt-BR" */
Test(conf_good, theme_translations)
{
	struct buf errs;
	struct conf *c = load(BASE "[theme a]\ntitle = Funding\n"
	    "questions = Who decides?\nquestions = Who pays?\n"
	    "title.fr = Financement\ntitle.pt = Financiamento\n"
	    "questions.sw = Nani huamua?\n", &errs);
	const struct conf_theme *t;

	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	t = &c->themes[0];
	cr_expect_str_eq(conf_theme_title(t, "fr"), "Financement");
	cr_expect_str_eq(conf_theme_title(t, "pt-BR"), "Financiamento");
	cr_expect_str_eq(conf_theme_title(t, "sw"), "Funding");
	cr_expect_str_eq(conf_theme_title(t, NULL), "Funding");
	cr_expect_eq(conf_theme_questions(t, "sw"), 1);
	cr_expect_str_eq(conf_theme_question(t, "sw", 0), "Nani huamua?");
	cr_expect_eq(conf_theme_questions(t, "fr"), 2, "no questions.fr: the default ones");
	cr_expect_str_eq(conf_theme_question(t, "fr", 1), "Who pays?");
	conf_free(&c);
	buf_release(&errs);
}

Test(conf_good, repeatable_keys_and_sorted_sessions)
{
	struct buf errs;
	struct conf *c = load(BASE "[theme risk]\ntitle = Risk\n"
	    "session = 2021-01-05..2021-01-19\n"
	    "questions = First?\n"
	    "session = 2020-11-17..2020-12-01\n"
	    "questions = Second?\n"
	    "questions = Third?\n"
	    "session = 2020-12-01..2020-12-15\n", &errs);

	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	cr_assert_eq(c->themes[0].nsessions, 3);
	cr_assert_eq(c->themes[0].sessions[0].opens, 1605571200, "sorted by opens");
	cr_assert_eq(c->themes[0].sessions[0].line, 15);
	cr_assert_eq(c->themes[0].sessions[1].opens, 1606780800);
	cr_assert_eq(c->themes[0].sessions[2].opens, 1609804800);
	cr_assert_eq(c->themes[0].sessions[2].line, 13);
	cr_assert_eq(c->themes[0].nquestions, 3);
	cr_assert_str_eq(c->themes[0].questions[0], "First?");
	cr_assert_str_eq(c->themes[0].questions[2], "Third?");
	conf_free(&c);
	buf_release(&errs);
}

Test(conf_good, sessions_are_dst_correct_in_amsterdam)
{
	struct buf errs;
	struct conf *c = load(
	    "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n"
	    "[theme a]\ntitle = A\n"
	    /* summer time ends on 25 October 2020 */
	    "session = 2020-10-20..2020-11-03\n"
	    /* summer time starts on 28 March 2021 */
	    "session = 2021-03-22..2021-04-05\n"
	    /* the zone comes last: dates are still read in it */
	    "[list]\n", &errs);

	/* [list] twice is an error; write the zone properly instead */
	cr_assert_null(c);
	buf_release(&errs);
	c = load(
	    "[theme a]\ntitle = A\n"
	    "session = 2020-10-20..2020-11-03\n"
	    "session = 2021-03-22..2021-04-05\n"
	    "[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "timezone = Europe/Amsterdam\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n", &errs);
	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	/* 2020-10-20 00:00 CEST = 2020-10-19T22:00Z; 2020-11-03 00:00 CET = 2020-11-02T23:00Z */
	cr_assert_eq(c->themes[0].sessions[0].opens, 1603144800,
	    "got %ld, want 1603144800", (long)c->themes[0].sessions[0].opens);
	cr_assert_eq(c->themes[0].sessions[0].closes, 1604358000,
	    "got %ld, want 1604358000", (long)c->themes[0].sessions[0].closes);
	/* 2021-03-22 00:00 CET = 2021-03-21T23:00Z; 2021-04-05 00:00 CEST = 2021-04-04T22:00Z */
	cr_assert_eq(c->themes[0].sessions[1].opens, 1616367600,
	    "got %ld, want 1616367600", (long)c->themes[0].sessions[1].opens);
	cr_assert_eq(c->themes[0].sessions[1].closes, 1617573600,
	    "got %ld, want 1617573600", (long)c->themes[0].sessions[1].closes);
	conf_free(&c);
	buf_release(&errs);
}

Test(conf_good, every_error_is_reported)
{
	struct buf errs;
	struct conf *c = load(BASE "[digest]\nevery_days = 0\nfirst = soon\nsections = gossip\n"
	    "[archive]\nhide_addresses = maybe\n", &errs);

	cr_assert_null(c);
	cr_assert_eq(count_lines(errs.data), 4, "got %d errors, want 4:\n%s",
	    count_lines(errs.data), errs.data);
	cr_assert_not_null(strstr(errs.data, ":12: [digest] every_days:"));
	cr_assert_not_null(strstr(errs.data, ":13: [digest] first:"));
	cr_assert_not_null(strstr(errs.data, ":14: [digest] sections:"));
	cr_assert_not_null(strstr(errs.data, ":16: [archive] hide_addresses:"));
	buf_release(&errs);
}

Test(conf_good, crlf_bom_comments_and_case)
{
	struct buf errs;
	struct conf *c = load("\xef\xbb\xbf# comment\r\n[LIST]\r\nName = CoP\r\n"
	    "address = cop@example.org\r\ndatabase = d\r\n  ; indented comment\r\n"
	    "[imap]\r\nurl = IMAPS://h:1993\r\nuser = u\r\npassword_file = imap.pass\r\n"
	    "[smtp]\r\nurl = smtp://[::1]:2525\r\n", &errs);

	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	cr_assert_str_eq(c->list.name, "CoP");
	cr_assert_eq(c->imap.port, 1993);
	cr_assert_eq(c->imap.implicit_tls, 1);
	cr_assert_str_eq(c->imap.mailbox, "INBOX");
	cr_assert_str_eq(c->smtp.host, "::1");
	cr_assert_eq(c->smtp.port, 2525);
	conf_free(&c);
	buf_release(&errs);
}

Test(conf_good, missing_file)
{
	struct buf errs;
	struct conf *c;

	buf_init(&errs, 4096);
	c = conf_load("/nonexistent/baraza.conf", &errs);
	cr_assert_null(c);
	cr_assert(strncmp(errs.data, "/nonexistent/baraza.conf:0: cannot open:", 40) == 0,
	    "got '%s'", errs.data);
	buf_release(&errs);
}

Test(conf_good, failed_load_restores_time_zone)
{
	struct buf errs;
	struct conf *c;

	setenv("TZ", "UTC", 1);
	tzset();
	c = load(BASE "[list]\n", &errs);
	cr_assert_null(c);
	buf_release(&errs);
	c = load("[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "timezone = Asia/Tokyo\n[imap]\nurl = imaps://h\n", &errs);
	cr_assert_null(c);
	cr_assert_str_eq(getenv("TZ"), "UTC", "got TZ=%s after a failed load", getenv("TZ"));
	buf_release(&errs);
}

Test(conf_good, password_file_modes)
{
	static const struct { mode_t mode; int ok; } cases[] = {
		{ 0600, 1 }, { 0400, 1 }, { 0640, 0 }, { 0604, 0 }, { 0660, 0 }, { 0700, 1 },
	};
	char path[128];

	snprintf(path, sizeof(path), "%s/imap.pass", tmpdir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf errs;
		struct conf *c;

		chmod(path, cases[i].mode);
		c = load(BASE, &errs);
		if (cases[i].ok)
			cr_assert_not_null(c, "mode %04o: got errors\n%s", cases[i].mode, errs.data);
		else
			cr_assert(c == NULL && strstr(errs.data,
			    ":8: [imap] password_file: ") != NULL,
			    "mode %04o: got '%s', want a refusal on line 8",
			    cases[i].mode, errs.data);
		conf_free(&c);
		buf_release(&errs);
	}
}

Test(conf_good, read_secret)
{
	char path[128], out[64], err[256];

	snprintf(path, sizeof(path), "%s/imap.pass", tmpdir);
	cr_assert_eq(conf_read_secret(path, out, sizeof(out), err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(out, "s3cret", "got '%s': only the first line", out);
	snprintf(path, sizeof(path), "%s/open.pass", tmpdir);
	cr_assert_eq(conf_read_secret(path, out, sizeof(out), err, sizeof(err)), -1);
	cr_assert_null(strstr(err, "s3cret"), "the secret must never appear in an error");
	snprintf(path, sizeof(path), "%s/imap.pass", tmpdir);
	cr_assert_eq(conf_read_secret(path, out, 4, err, sizeof(err)), -1, "too long for out");
	cr_assert_null(strstr(err, "s3cret"));
}

Test(conf_good, tagged_addresses_and_theme_lookup)
{
	struct buf errs;
	struct conf *c = load("[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "tag_separator = -\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n[theme power-tool]\ntitle = Power\n", &errs);
	char *s;
	const struct conf_theme *t;

	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	s = listaddr_tagged(c, LISTADDR_REQUEST, NULL);
	cr_assert_str_eq(s, "cop-request@example.org");
	free(s);
	t = conf_theme_find(c, "Power-Tool");
	cr_assert(t != NULL && strcmp(t->slug, "power-tool") == 0);
	t = conf_theme_find(c, "general");
	cr_assert(t != NULL && strcmp(t->slug, "general") == 0,
	    "the floor theme exists without being configured");
	cr_assert_null(conf_theme_find(c, "funding"));
	conf_free(&c);
	buf_release(&errs);
}

Test(conf_good, default_path)
{
	setenv("BARAZA_CONF", "/etc/other.conf", 1);
	cr_assert_str_eq(conf_default_path(), "/etc/other.conf");
	unsetenv("BARAZA_CONF");
	cr_assert(strstr(conf_default_path(), "/baraza.conf") != NULL);
}

Test(conf_good, digest_first_defaults_from_the_programme)
{
	struct buf errs;
	struct conf *c = load("[list]\nname = CoP\naddress = cop@example.org\ndatabase = d\n"
	    "timezone = Europe/Amsterdam\n"
	    "[imap]\nurl = imaps://h\nuser = u\npassword_file = imap.pass\n"
	    "[smtp]\nurl = smtp://127.0.0.1\n"
	    "[theme b]\ntitle = B\nsession = 2020-12-01..2020-12-15\n"
	    "[theme a]\ntitle = A\nsession = 2020-11-17..2020-12-01\n", &errs);

	cr_assert_not_null(c, "got errors:\n%s", errs.data);
	/* 14 days after the first session opens, 09:00 in Amsterdam = 08:00 UTC */
	cr_assert_eq(c->digest.first, 1606809600, "got %ld, want 1606809600 (2020-12-01 09:00)",
	    (long)c->digest.first);
	conf_free(&c);
	buf_release(&errs);
}

/* smtp.pipelining (not in SPEC): auto by default, no turns it off, and
 * anything else is an error naming the key */
Test(conf_good, smtp_pipelining)
{
	static const struct { const char *v; int ok, want; } cases[] = {
		{ NULL, 1, 1 }, { "auto", 1, 1 }, { "no", 1, 0 }, { "sometimes", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf errs;
		char text[512];
		struct conf *c;

		snprintf(text, sizeof(text), "%s%s%s%s", BASE,
		    cases[i].v ? "pipelining = " : "", cases[i].v ? cases[i].v : "",
		    cases[i].v ? "\n" : "");
		c = load(text, &errs);
		if (cases[i].ok) {
			cr_assert_not_null(c, "pipelining = %s: %s", cases[i].v, errs.data);
			cr_expect_eq(c->smtp.pipelining, cases[i].want,
			    "pipelining = %s: got %d", cases[i].v, c->smtp.pipelining);
			conf_free(&c);
		} else {
			cr_expect_null(c, "pipelining = %s accepted", cases[i].v);
			cr_expect_not_null(strstr(errs.data, "[smtp] pipelining:"),
			    "got: %s", errs.data);
		}
		buf_release(&errs);
	}
}

/* [dns] server and [dkim]: optional sections; a [dkim] needs all three
 * keys and a key file readable by its owner only */
Test(conf_good, dns_and_dkim)
{
	static const struct { const char *text; const char *err; } cases[] = {
		{ "", NULL },
		{ "[dns]\nserver = 127.0.0.1:5353\n", NULL },
		{ "[dns]\nserver = [::1]:53\n", NULL },
		{ "[dns]\nserver = 127.0.0.1\n", "[dns] server:" },
		{ "[dns]\nserver = localhost:53\n", "[dns] server:" },
		{ "[dns]\nserver = 127.0.0.1:70000\n", "[dns] server:" },
		{ "[dkim]\ndomain = Example.ORG\nselector = baraza\nkey_file = dkim.key\n", NULL },
		{ "[dkim]\ndomain = example.org\nselector = baraza\n", "[dkim] key_file: missing" },
		{ "[dkim]\ndomain = exa mple.org\nselector = b\nkey_file = dkim.key\n", "[dkim] domain:" },
		{ "[dkim]\ndomain = example.org\nselector = a;b\nkey_file = dkim.key\n", "[dkim] selector:" },
		{ "[dkim]\ndomain = example.org\nselector = b\nkey_file = open.key\n",
		    "must not be accessible by group or others" },
		{ "[list]\n", "section repeated" },
	};
	char path[128];

	snprintf(path, sizeof(path), "%s/dkim.key", tmpdir);
	tutil_write_file(path, "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n", 0600);
	snprintf(path, sizeof(path), "%s/open.key", tmpdir);
	tutil_write_file(path, "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n", 0644);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf errs;
		char text[1024];
		struct conf *c;

		snprintf(text, sizeof(text), "%s%s", BASE, cases[i].text);
		c = load(text, &errs);
		if (cases[i].err == NULL) {
			cr_assert_not_null(c, "case %zu: %s", i, errs.data);
			if (strstr(cases[i].text, "Example.ORG"))
				cr_expect_str_eq(c->dkim.domain, "example.org");
			if (strstr(cases[i].text, "5353"))
				cr_expect_str_eq(c->dns.server, "127.0.0.1:5353");
			if (cases[i].text[0] == '\0') {
				cr_expect_null(c->dns.server);
				cr_expect_null(c->dkim.domain);
			}
			conf_free(&c);
		} else {
			cr_expect_null(c, "case %zu accepted", i);
			cr_expect_not_null(strstr(errs.data, cases[i].err),
			    "case %zu: want '%s', got: %s", i, cases[i].err, errs.data);
		}
		buf_release(&errs);
	}
}
