/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_privacy - what the public, strangers and a forgotten member's
 * readers can find (issue 17, points 5, 6, 7, 11 and 12's raw messages),
 * tried as an outsider would, against the real Dovecot and SMTP servers:
 * addresses written every way mail and people write them never reach the
 * archive (pages, feeds, search files, mbox decoded); search by mail is
 * for members, with masked excerpts and no signatures; after `member
 * forget` neither the database file nor the archive holds her name or
 * address, however encoded; raw bytes of mail that is no post are pruned;
 * a thread too big for one page is paginated, each page whole. */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"

/* find_private - run tests/servers/find-private.py: 0 when none of the
 * needles (comma-separated) is anywhere in paths, else what it found */
static int
find_private(struct h_env *env, const char *needles, const char *paths, char **found)
{
	struct h_out out;
	int rc;

	h_run(env, &out, "/usr/bin/python3 %s/tests/servers/find-private.py '%s' %s",
	    env->srcdir, needles, paths);
	rc = out.status;
	*found = strdup(out.out && *out.out ? out.out : out.err);
	h_out_free(&out);
	return rc;
}

/* 17.5: a display name that is an address, an address in the subject, in a
 * quoted-printable body (soft line break, "=40"), in a base64 body, as an
 * attachment's file name, in IDN and IP-literal forms and spelled "(at)":
 * none of them anywhere in the archive, decoded mbox included. */
Test(privacy, addresses_never_reach_the_archive, .timeout = 300)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char *found;

	h_cop_env(&env, "privacy_mask", "2020-11-18T10:00:00Z");
	h_baraza(&env, &out, "member add amina@example.org --name 'Amina Yusuf'");
	h_out_free(&out);

	m.from = "\"fred.otieno@example.net\" <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Ask fred.otieno@example.net about funding";
	m.message_id = "<mask-1@example.org>";
	m.content_type = "text/plain; charset=utf-8";
	m.headers = "Content-Transfer-Encoding: quoted-printable";
	m.body = "Reach him: fr=\r\ned.otieno=40exa=\r\nmple.net, or fr=C3=A9d@ex=C3=A4mple.net,\r\n"
	    "or fred@[192.0.2.1], or fred (at) example (dot) net.\r\n";
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "The funding sheet";
	m.message_id = "<mask-2@example.org>";
	m.content_type = "multipart/mixed; boundary=\"sep\"";
	m.body =
	    "--sep\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    /* "Funding sheet from wanjiru@example.net attached.\n" */
	    "RnVuZGluZyBzaGVldCBmcm9tIHdhbmppcnVAZXhhbXBsZS5uZXQgYXR0YWNoZWQuCg==\r\n"
	    "--sep\r\nContent-Type: application/pdf\r\n"
	    "Content-Disposition: attachment; filename=\"wanjiru@example.net.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--sep--\r\n";
	h_post(&env, &m);
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "archive build");
	cr_assert_eq(out.status, 0, "archive build: %s", out.err);
	h_out_free(&out);

	cr_expect_eq(find_private(&env, "example.net,ex\xc3\xa4mple,192.0.2.1,(at),otieno,"
	    "wanjiru,fred@,fred=40,fred%40", env.archive, &found), 0,
	    "the archive shows an address:\n%s", found);
	free(found);
	h_env_fini(&env);
}

/* 17.6: a stranger searching by mail gets one refusal a day and nothing of
 * the discussion; a member gets excerpts with addresses masked and without
 * the signature. */
Test(privacy, search_by_mail_is_for_members, .timeout = 300)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char *mail;

	h_cop_env(&env, "privacy_search", "2020-11-18T10:00:00Z");
	h_baraza(&env, &out, "member add amina@example.org --name 'Amina Yusuf'");
	h_out_free(&out);
	h_baraza(&env, &out, "member add bea@example.org --name 'Bea Mensah'");
	h_out_free(&out);
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Budgets in the Sahel";
	m.body = "Sahel budgets: write to kofi@example.net for the sheet.\n"
	    "-- \nAmina Yusuf\nMobile +254 700 000 111\n";
	h_post(&env, &m);
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);

	for (int i = 0; i < 2; i++) {
		memset(&m, 0, sizeof(m));
		m.from = "Nosy Stranger <stranger@example.com>";
		m.to = "cop+request@example.org";
		m.subject = "search";
		m.body = "search budgets\n";
		h_post(&env, &m);
	}
	memset(&m, 0, sizeof(m));
	m.from = "Bea Mensah <bea@example.org>";
	m.to = "cop+request@example.org";
	m.subject = "search";
	m.body = "search budgets\n";
	h_post(&env, &m);
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);

	cr_expect_eq(h_smtp_count_rcpt(&env, "stranger@example.com"), 1,
	    "the stranger got %d answers, want 1 refusal",
	    h_smtp_count_rcpt(&env, "stranger@example.com"));
	mail = h_smtp_find(&env, "stranger@example.com", "");
	cr_assert_not_null(mail, "no refusal to the stranger");
	cr_expect(strstr(mail, "Sahel") == NULL && strstr(mail, "cop+reply-") == NULL,
	    "the stranger got excerpts:\n%s", mail);
	cr_expect(strstr(mail, "members") != NULL, "the refusal does not say why:\n%s", mail);
	free(mail);

	mail = h_smtp_find(&env, "bea@example.org", "Sahel");
	cr_assert_not_null(mail, "the member got no search answer");
	cr_expect(strstr(mail, "kofi@example.net") == NULL, "an address in the excerpt:\n%s",
	    mail);
	cr_expect(strstr(mail, "+254") == NULL, "the signature in the excerpt:\n%s", mail);
	free(mail);
	h_env_fini(&env);
}

/* 17.7: after `member forget`, her name and address are nowhere in the
 * database file (free pages and write-ahead log included; stored mail
 * decoded) nor in the rebuilt archive - not in her own mails, not in the
 * reply that quoted her. */
Test(privacy, forget_leaves_no_trace, .timeout = 300)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char paths[2 * H_PATH + 8], *found;

	h_cop_env(&env, "privacy_forget", "2020-11-18T10:00:00Z");
	h_baraza(&env, &out, "member add zanele.mokoena@example.net --name 'Zanele Mokoena'");
	h_out_free(&out);
	h_baraza(&env, &out, "member add bea@example.org --name 'Bea Mensah'");
	h_out_free(&out);
	m.from = "=?UTF-8?Q?Zanele_Mokoena?= <zanele.mokoena@example.net>";
	m.to = "cop+funding@example.org";
	m.subject = "Pooled budgets";
	m.message_id = "<forget-1@example.org>";
	m.content_type = "text/plain; charset=utf-8";
	m.headers = "Content-Transfer-Encoding: base64";
	/* "Our pooled budgets work.\n-- \nZanele Mokoena\nzanele.mokoena@example.net\n" */
	m.body = "T3VyIHBvb2xlZCBidWRnZXRzIHdvcmsuCi0tIApaYW5lbGUgTW9rb2VuYQp6YW5lbGUubW9r\r\n"
	    "b2VuYUBleGFtcGxlLm5ldAo=\r\n";
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Bea Mensah <bea@example.org>";
	m.to = "cop@example.org";
	m.subject = "Re: Pooled budgets";
	m.message_id = "<forget-2@example.org>";
	m.in_reply_to = "<forget-1@example.org>";
	m.references = "<forget-1@example.org>";
	m.body = "Agreed.\n\nOn Wed, Zanele Mokoena <zanele.mokoena@example.net> wrote:\n"
	    "> Our pooled budgets work.\n";
	h_post(&env, &m);
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "archive build");
	cr_assert_eq(out.status, 0, "archive build: %s", out.err);
	h_out_free(&out);

	h_baraza(&env, &out, "member forget zanele.mokoena@example.net");
	cr_assert_eq(out.status, 0, "forget: %s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "archive build");
	cr_assert_eq(out.status, 0, "archive build: %s", out.err);
	h_out_free(&out);

	snprintf(paths, sizeof(paths), "%s %s", env.db, env.archive);
	cr_expect_eq(find_private(&env, "zanele,mokoena", paths, &found), 0,
	    "her name or address is still there:\n%s", found);
	free(found);
	/* her posts stay, by "former member"; the reply keeps its own words */
	h_run(&env, &out, "sqlite3 %s \"SELECT count(*) FROM posts WHERE author_name ="
	    " 'former member'\"", env.db);
	cr_expect_eq(atoi(out.out), 1, "her post: %s", out.out);
	h_out_free(&out);
	h_env_fini(&env);
}

/* 17.12: the raw bytes of mail that is no post (a command, an auto-reply)
 * are emptied once older than keep_raw_days; posts keep theirs. */
Test(privacy, raw_non_posts_are_pruned, .timeout = 300)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;

	h_cop_env(&env, "privacy_prune", "2020-11-18T10:00:00Z");
	h_baraza(&env, &out, "member add amina@example.org --name 'Amina Yusuf'");
	h_out_free(&out);
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "A post";
	m.body = "Kept as long as the archive.\n";
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+request@example.org";
	m.subject = "help";
	m.body = "help\n";
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Robot <robot@example.com>";
	m.to = "cop@example.org";
	m.subject = "Out of office";
	m.headers = "Auto-Submitted: auto-replied";
	m.body = "I am away.\n";
	h_post(&env, &m);
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);

	/* a week later nothing is pruned yet */
	env.now = "2020-11-25T10:00:00Z";
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	h_run(&env, &out, "sqlite3 %s \"SELECT count(*) FROM messages WHERE length(raw) > 0\"",
	    env.db);
	cr_expect_eq(atoi(out.out), 3, "after a week: %s messages with their raw bytes, want 3",
	    out.out);
	h_out_free(&out);

	/* past the default 30 days: only the post keeps its bytes */
	env.now = "2020-12-20T10:00:00Z";
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	cr_expect(strstr(out.err, "pruned the raw bytes of 2 messages") != NULL,
	    "not logged: %s", out.err);
	h_out_free(&out);
	h_run(&env, &out, "sqlite3 %s \"SELECT count(*) FROM messages m WHERE length(raw) > 0"
	    " AND EXISTS (SELECT 1 FROM posts p WHERE p.message = m.id)\"", env.db);
	cr_expect_eq(atoi(out.out), 1, "the post lost its raw bytes: %s", out.out);
	h_out_free(&out);
	h_run(&env, &out, "sqlite3 %s \"SELECT count(*) FROM messages m WHERE length(raw) > 0"
	    " AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.message = m.id)"
	    " AND received < strftime('%%s', '2020-11-19')\"", env.db);
	cr_expect_eq(atoi(out.out), 0, "%s old non-posts keep their raw bytes", out.out);
	h_out_free(&out);
	h_run(&env, &out, "sqlite3 %s \"SELECT count(*) FROM messages\"", env.db);
	cr_expect_geq(atoi(out.out), 3, "rows were deleted: %s", out.out);
	h_out_free(&out);
	h_env_fini(&env);
}

/* count - occurrences of needle in the file at path */
static int
count_in_file(const char *path, const char *needle, char **tail)
{
	size_t len;
	char *data = h_read_file(path, &len), *p;
	int n = 0;

	*tail = NULL;
	if (data == NULL)
		return -1;
	for (p = data; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	*tail = strdup(len > 16 ? data + len - 16 : data);
	free(data);
	return n;
}

/* 17.11: a thread of posts bigger together than a page's cap is written on
 * several pages, each whole; a post that alone cannot fit makes `archive
 * build` exit 1 and leaves the pages written before as they were. */
Test(privacy, long_threads_are_paginated_and_whole, .timeout = 900)
{
	struct h_env env;
	struct h_out out;
	char path[H_PATH], file[H_PATH], *tail;
	struct stat before, after;
	int n1, n2;
	struct {
		char buf[16384];
	} mb;
	size_t k = 0;

	h_env_init(&env, "privacy_pages");
	h_smtp_start(&env);
	h_write_config(&env, "[list]\nmoderate = none\n");
	env.now = "2020-11-20T10:00:00Z";
	h_baraza(&env, &out, "init");
	cr_assert_eq(out.status, 0, "init: %s", out.err);
	h_out_free(&out);
	for (int i = 0; i < 8; i++)
		k += (size_t)snprintf(mb.buf + k, sizeof(mb.buf) - k,
		    "From amina@example.org Wed Nov 18 1%d:00:00 2020\n"
		    "From: Amina Yusuf <amina@example.org>\nTo: cop+funding@example.org\n"
		    "Subject: %sBudgets\nMessage-ID: <page-%d@example.org>\n%s%s%s"
		    "Date: Wed, 18 Nov 2020 1%d:00:00 +0000\n\nPost %d.\n\n",
		    i, i ? "Re: " : "", i, i ? "In-Reply-To: <page-0@example.org>\n" : "",
		    i ? "References: <page-0@example.org>" : "", i ? "\n" : "", i, i);
	h_write_file(&env, "eight.mbox", mb.buf, (size_t)-1, 0644, file, sizeof(file));
	h_baraza(&env, &out, "import-mbox %s --no-relay", file);
	cr_assert_eq(out.status, 0, "import-mbox: %s", out.err);
	h_out_free(&out);
	/* eight posts of 10 MB each: 80 MB, more than one page's 64 MB */
	h_run(&env, &out, "sqlite3 %s \"UPDATE posts SET new_text ="
	    " replace(hex(zeroblob(10000000)), '00', 'a')\"", env.db);
	cr_assert_eq(out.status, 0, "sqlite3: %s", out.err);
	h_out_free(&out);

	h_baraza(&env, &out, "archive build");
	cr_expect_eq(out.status, 0, "archive build: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	h_path(&env, path, sizeof(path), "archive/thread-1.html");
	n1 = count_in_file(path, "<article class=\"post\"", &tail);
	cr_expect(tail && strstr(tail, "</html>") != NULL, "thread-1.html is not whole");
	free(tail);
	h_path(&env, path, sizeof(path), "archive/thread-1-2.html");
	n2 = count_in_file(path, "<article class=\"post\"", &tail);
	cr_expect(tail && strstr(tail, "</html>") != NULL, "thread-1-2.html is not whole");
	free(tail);
	cr_expect_eq(n1 + n2, 8, "posts on the pages: %d + %d, want 8", n1, n2);
	cr_expect(n1 > 0 && n2 > 0, "not paginated: %d + %d", n1, n2);

	/* one post now too big for any page: exit 1, the pages stay */
	h_path(&env, path, sizeof(path), "archive/thread-1.html");
	cr_assert_eq(stat(path, &before), 0);
	h_run(&env, &out, "sqlite3 %s \"UPDATE posts SET new_text ="
	    " replace(hex(zeroblob(70000000)), '00', 'a') WHERE message_id ="
	    " 'page-7@example.org'\"", env.db);
	cr_assert_eq(out.status, 0, "sqlite3: %s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "archive build");
	cr_expect_eq(out.status, 1, "archive build: exit %d, want 1", out.status);
	cr_expect(strstr(out.err, "not written") != NULL, "the page is not named: %s", out.err);
	h_out_free(&out);
	cr_assert_eq(stat(path, &after), 0, "the old page was removed");
	cr_expect(after.st_size == before.st_size && after.st_mtime == before.st_mtime &&
	    after.st_ino == before.st_ino, "the old page was replaced");
	h_env_fini(&env);
}
