/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_archive - the static archive built from a real ingested discussion
 * with hostile messages: escaping, links, addresses hidden, attachment
 * names never paths, Atom well-formed, mboxrd, incremental updates */
#include "config.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "archive_mask.h"
#include "archive_session.h"
#include "mask.h"
#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "ingest.h"
#include "store.h"
#include "store_member.h"
#include "tutil.h"
#include "xalloc.h"

static char dir[64];
static struct conf *conf;
static struct store *store;

/* read_file - a file of the archive (owned) */
static char *
read_file(const char *rel)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/archive/%s", dir, rel);
	return tutil_read_file(path, NULL);
}

/* stat_file - stat a file of the archive */
static int
stat_file(const char *rel, struct stat *st)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/archive/%s", dir, rel);
	return stat(path, st);
}

static void
ingest(const char *raw)
{
	struct ingest_options o = { 0 };
	struct ingest_result res;

	o.relay = 0;
	cr_assert_eq(ingest_message_opts(store, conf, raw, strlen(raw), "test", &o, &res), 0);
}

static void
setup(void)
{
	char pw[512], text[4096];

	tutil_scratch_dir(dir, sizeof(dir), "archive");
	tutil_use_source_templates();
	tutil_set_now("2020-11-20T10:00:00Z");
	snprintf(pw, sizeof(pw), "%s/imap.pass", dir);
	tutil_write_file(pw, "secret\n", 0600);
	snprintf(text, sizeof(text),
	    "[list]\nname = Shifting the Power CoP\naddress = cop@example.org\n"
	    "subject_prefix = [CoP]\ndatabase = %s/db.sqlite\nmoderate = none\n"
	    "[imap]\nurl = imap://127.0.0.1:1/INBOX\nuser = cop\npassword_file = %s\n"
	    "[smtp]\nurl = smtp://127.0.0.1:2\n"
	    "[archive]\ndir = %s/archive\nurl = https://cop.example.org/archive\n"
	    "[theme funding]\ntitle = The Organisation of Funding Streams\n"
	    "session = 2020-11-17..2020-12-01\n",
	    dir, pw, dir);
	conf = tutil_conf_load(dir, text);
	store = tutil_store_new(conf->list.database);
	tutil_sql_exec(store,
	    "INSERT INTO themes(slug, title, position) VALUES ('funding', 'The Organisation of Funding Streams', 1);"
	    "INSERT INTO sessions(id, theme, opens, closes, state) VALUES (1, 'funding', 1605571200, 1606780800, 'open');"
	    "INSERT INTO members(email, name, status, created, updated) VALUES"
	    " ('amina@example.org', 'Amina Yusuf', 'active', 0, 0);");

	ingest("From: Amina Yusuf <amina@example.org>\r\nTo: cop+funding@example.org\r\n"
	    "Subject: Who decides? <script>document.title='PWNED'</script>\r\n"
	    "Message-ID: <root@example.org>\r\nDate: Wed, 18 Nov 2020 10:00:00 +0000\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "Who decides on budgets? Mail me at amina@example.org.\r\n"
	    "See https://example.net/report?a=1&b=2 and javascript:alert(1)\r\n"
	    "From the field: partners.\r\n");
	ingest("From: =?UTF-8?B?PGltZyBzcmM9eCBvbmVycm9yPWFsZXJ0KDEpPg==?= <evil@example.com>\r\n"
	    "To: cop@example.org\r\nSubject: Re: Who decides?\r\n"
	    "Message-ID: <reply@example.com>\r\nIn-Reply-To: <root@example.org>\r\n"
	    "References: <root@example.org>\r\nDate: Wed, 18 Nov 2020 11:00:00 +0000\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xe2\x80\xae" "evil\r\n\r\n"
	    "On Wed, Amina wrote:\r\n> Who decides on budgets?\r\n"
	    "--b\r\nContent-Type: application/pdf; name=\"../../etc/passwd<script>.pdf\"\r\n"
	    "Content-Disposition: attachment; filename=\"../../etc/passwd<script>.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n");
}

static void
teardown(void)
{
	store_close(&store);
	conf_free(&conf);
	tutil_rmtree(dir);
	tutil_set_now(NULL);
}

TestSuite(archive, .init = setup, .fini = teardown);

/* rebuilt_mbox - funding/1.mbox as a full build writes it from nothing
 * (the file removed first: a build keeps one that is already right) */
static char *
rebuilt_mbox(void)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/archive/funding/1.mbox", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_gt(archive_build(store, conf), 0);
	return read_file("funding/1.mbox");
}

/* grep_tree - does any file under archive/ contain needle? */
static int
grep_tree(const char *sub, const char *needle)
{
	char path[600];
	DIR *d;
	struct dirent *e;
	int found = 0;

	snprintf(path, sizeof(path), "%s/archive%s%s", dir, *sub ? "/" : "", sub);
	d = opendir(path);
	cr_assert_not_null(d, "no directory %s", path);
	while (!found && (e = readdir(d)) != NULL) {
		char rel[600];
		struct stat st;
		char full[1200];

		if (e->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s%s%s", sub, *sub ? "/" : "", e->d_name);
		snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		stat(full, &st);
		if (S_ISDIR(st.st_mode)) {
			found = grep_tree(rel, needle);
		} else {
			char *data = read_file(rel);

			found = strstr(data, needle) != NULL;
			free(data);
		}
	}
	closedir(d);
	return found;
}

Test(archive, pages_escape_everything_and_hide_addresses)
{
	char *page;
	int n = archive_build(store, conf);

	cr_assert_gt(n, 8, "files written: %d", n);
	page = read_file("index.html");
	cr_expect(strstr(page, "The Organisation of Funding Streams") != NULL);
	cr_expect(strstr(page, "session-1.html") != NULL);
	cr_expect(strstr(page, "open now") != NULL);
	free(page);
	page = read_file("thread-1.html");
	cr_expect(strstr(page, "<script>document") == NULL, "subject script not escaped");
	cr_expect(strstr(page, "&lt;script&gt;document.title") != NULL);
	cr_expect(strstr(page, "<img") == NULL, "display name markup not escaped");
	cr_expect(strstr(page, "href=\"https://example.net/report?a=1&amp;b=2\" rel=\"nofollow noopener\"") != NULL,
	    "link made clickable");
	cr_expect(strstr(page, "href=\"javascript") == NULL);
	cr_expect(strstr(page, "<details>") != NULL, "quoted text folded");
	cr_expect(strstr(page, "dir=\"auto\"") != NULL);
	cr_expect(strstr(page, "\xe2\x80\xae") == NULL, "RTL override removed");
	cr_expect(strstr(page, "passwd&lt;script&gt;.pdf") != NULL, "attachment listed, escaped");
	cr_expect(strstr(page, "mailto:cop+reply-1@example.org") != NULL);
	cr_expect(strstr(page, "margin-left:1.2rem") != NULL, "the reply is indented");
	free(page);
	cr_expect(!grep_tree("", "amina@example.org"), "a member address leaked into the archive");
	cr_expect(!grep_tree("", "evil@example.com"), "an address leaked into the archive");
	cr_expect(access("/etc/passwd<script>.pdf", F_OK) != 0);
	page = read_file("funding/1.mbox");
	cr_expect(strncmp(page, "From baraza ", 12) == 0, "mboxrd separator");
	cr_expect(strstr(page, "\n>From the field") != NULL, ">From escaping: %s", page);
	cr_expect(strstr(page, "Message-ID: <root@example.org>") != NULL, "ids kept for threading");
	cr_expect(strstr(page, "hidden@hidden.invalid") != NULL);
	free(page);
}

Test(archive, atom_feed_is_well_formed)
{
	char cmd[700];
	char *feed;

	cr_assert_gt(archive_build(store, conf), 0);
	feed = read_file("feed-funding.atom");
	cr_expect(strstr(feed, "<feed xmlns=\"http://www.w3.org/2005/Atom\">") != NULL);
	cr_expect(strstr(feed, "<entry>") && strstr(feed, "<id>") && strstr(feed, "<updated>"));
	cr_expect(strstr(feed, "https://cop.example.org/archive/thread-1.html#p1") != NULL, "%s", feed);
	free(feed);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'import sys, xml.dom.minidom as m;"
	    " [m.parse(f) for f in sys.argv[1:]]' %s/archive/feed.atom %s/archive/feed-funding.atom",
	    dir, dir);
	cr_expect_eq(system(cmd), 0, "the Atom feeds must parse as XML");
}

Test(archive, update_rewrites_only_what_changed)
{
	int full, again;

	/* The posts arrived at 10:00; the first build runs at 12:00. */
	setenv("BARAZA_NOW", "2020-11-20T12:00:00Z", 1);
	full = archive_build(store, conf);
	setenv("BARAZA_NOW", "2020-11-21T10:00:00Z", 1);
	again = archive_update(store, conf);
	cr_assert_geq(again, 0);
	cr_expect_lt(again, full, "nothing new: only the global pages (%d < %d)", again, full);
	ingest("From: Amina Yusuf <amina@example.org>\r\nTo: cop+funding@example.org\r\n"
	    "Subject: A new thread\r\nMessage-ID: <new@example.org>\r\n\r\nNew thread body\r\n");
	cr_assert_gt(archive_update(store, conf), again, "the new thread and its session are written");
	{
		char *page = read_file("session-1.html");

		cr_expect(strstr(page, "A new thread") != NULL);
		free(page);
	}
}

/* member forget: the next update rewrites every page, so the forgotten
 * name leaves thread pages and session pages the update would otherwise
 * not touch (nothing new was posted), and the mbox downloads. */
Test(archive, update_after_forget_removes_the_name)
{
	setenv("BARAZA_NOW", "2020-11-20T12:00:00Z", 1);
	cr_assert_gt(archive_build(store, conf), 0);
	cr_assert(grep_tree("", "Amina Yusuf"), "the name is in the archive before");
	cr_assert_eq(store_member_forget(store, "amina@example.org"), 1);
	setenv("BARAZA_NOW", "2020-11-21T10:00:00Z", 1);
	cr_assert_gt(archive_update(store, conf), 0);
	cr_expect(!grep_tree("", "Amina Yusuf"), "a forgotten name is still in the archive");
	cr_expect(grep_tree("", "former member"), "the posts now read 'former member'");
}

/* An update appends the new posts to a session's mbox instead of
 * rewriting it: the result must be the file a full build writes, also
 * after a post was taken out (then the update rewrites it). */
Test(archive, update_appends_to_mbox_as_a_build_writes_it)
{
	char *appended, *built;
	struct stat before, after;

	setenv("BARAZA_NOW", "2020-11-20T12:00:00Z", 1);
	cr_assert_gt(archive_build(store, conf), 0);
	setenv("BARAZA_NOW", "2020-11-21T10:00:00Z", 1);
	ingest("From: Amina Yusuf <amina@example.org>\r\nTo: cop+funding@example.org\r\n"
	    "Subject: Appended\r\nMessage-ID: <app1@example.org>\r\n\r\nFrom the start\r\n");
	ingest("From: Amina Yusuf <amina@example.org>\r\nTo: cop+funding@example.org\r\n"
	    "Subject: Appended too\r\nMessage-ID: <app2@example.org>\r\n\r\nmail x@y.org\r\n");
	setenv("BARAZA_NOW", "2020-11-21T11:00:00Z", 1);
	cr_assert_eq(stat_file("funding/1.mbox", &before), 0);
	cr_assert_geq(archive_update(store, conf), 0);
	cr_assert_eq(stat_file("funding/1.mbox", &after), 0);
	cr_expect(before.st_ino == after.st_ino && after.st_size > before.st_size,
	    "the mbox was not appended to in place (inode %llu -> %llu)",
	    (unsigned long long)before.st_ino, (unsigned long long)after.st_ino);
	appended = read_file("funding/1.mbox");
	cr_expect(strstr(appended, "Subject: Appended too") != NULL, "the new post is missing");
	built = rebuilt_mbox();
	cr_expect_str_eq(appended, built, "the appended mbox differs from a rebuilt one");
	free(appended);
	free(built);
	/* a post taken out: the next update must not append to a file that
	 * still holds it */
	cr_assert_eq(store_exec(store, "UPDATE posts SET state = 'rejected'"
	    " WHERE message_id = 'app1@example.org'"), 0);
	setenv("BARAZA_NOW", "2020-11-21T12:00:00Z", 1);
	ingest("From: Amina Yusuf <amina@example.org>\r\nTo: cop+funding@example.org\r\n"
	    "Subject: Third\r\nMessage-ID: <app3@example.org>\r\n\r\nthird\r\n");
	setenv("BARAZA_NOW", "2020-11-21T13:00:00Z", 1);
	cr_assert_geq(archive_update(store, conf), 0);
	appended = read_file("funding/1.mbox");
	cr_expect(strstr(appended, "Subject: Appended\r") == NULL &&
	    strstr(appended, "Subject: Appended\n") == NULL,
	    "the rejected post is still in the mbox");
	cr_expect(strstr(appended, "Subject: Third") != NULL, "the third post is missing");
	built = rebuilt_mbox();
	cr_expect_str_eq(appended, built, "after a removal: the updated mbox differs from a rebuilt one");
	free(appended);
	free(built);
}

/* A full build keeps a session's mbox that verifiably holds what it would
 * write (same archive generation, largest post id, hide_addresses and
 * baraza version as recorded, and the very file recorded: inode, size,
 * modification time), and rewrites it otherwise: a file changed behind
 * its back, a post changed or added, another version's signature. */
Test(archive, build_keeps_an_mbox_only_when_it_is_verifiably_right)
{
	struct stat a, b;
	char path[700], *want, *got, *sig, *old;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/archive/funding/1.mbox", dir);
	cr_assert_gt(archive_build(store, conf), 0);
	want = read_file("funding/1.mbox");
	cr_assert_eq(stat_file("funding/1.mbox", &a), 0);
	cr_assert_gt(archive_build(store, conf), 0);
	cr_assert_eq(stat_file("funding/1.mbox", &b), 0);
	cr_expect(a.st_ino == b.st_ino && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
	    a.st_mtim.tv_nsec == b.st_mtim.tv_nsec, "an unchanged mbox was written again");
	/* the same size, other bytes, written by someone else (a tick of the
	 * file system's clock later: a file's times move in ticks) */
	usleep(20000);
	cr_assert_not_null(fp = fopen(path, "r+"));
	fputc('X', fp);
	fclose(fp);
	cr_assert_gt(archive_build(store, conf), 0);
	got = read_file("funding/1.mbox");
	cr_expect_str_eq(got, want, "a file changed behind the build's back was kept");
	free(got);
	/* a post changed: the generation moved */
	cr_assert_eq(store_exec(store, "UPDATE posts SET state = 'rejected'"
	    " WHERE message_id = 'reply@example.com'"), 0);
	cr_assert_gt(archive_build(store, conf), 0);
	got = read_file("funding/1.mbox");
	cr_expect(strstr(got, "reply@example.com") == NULL, "a rejected post was kept");
	free(got);
	/* a new post */
	ingest("From: Amina Yusuf <amina@example.org>\r\nTo: cop+funding@example.org\r\n"
	    "Subject: Newer\r\nMessage-ID: <newer@example.org>\r\n\r\nnewer\r\n");
	cr_assert_gt(archive_build(store, conf), 0);
	got = read_file("funding/1.mbox");
	cr_expect(strstr(got, "Subject: Newer") != NULL, "a new post is missing");
	free(got);
	/* a signature another version wrote */
	cr_assert_eq(store_meta_get(store, "archive_mbox:funding/1.mbox", &sig), 1);
	cr_assert_eq(strcmp(strrchr(sig, ' ') + 1, PACKAGE_VERSION), 0, "signature %s", sig);
	*strrchr(sig, ' ') = '\0';
	old = xasprintf("%s 0.0.0-old", sig);
	cr_assert_eq(store_meta_set(store, "archive_mbox:funding/1.mbox", old), 0);
	free(old);
	free(sig);
	cr_assert_eq(stat_file("funding/1.mbox", &a), 0);
	cr_assert_gt(archive_build(store, conf), 0);
	cr_assert_eq(stat_file("funding/1.mbox", &b), 0);
	cr_expect(a.st_ino != b.st_ino, "another version's mbox was kept");
	free(want);
}

/* search_files - search.json and every file of the word index, with
 * their names, in one string (owned) */
static char *
search_files(void)
{
	struct buf all;
	struct dirent **names;
	char path[700];
	int n;

	snprintf(path, sizeof(path), "%s/archive", dir);
	n = scandir(path, &names, NULL, alphasort);
	cr_assert_geq(n, 0);
	buf_init(&all, 1u << 24);
	for (int i = 0; i < n; i++) {
		if (strncmp(names[i]->d_name, "search", 6) == 0 &&
		    strstr(names[i]->d_name, ".json") != NULL) {
			char *f = read_file(names[i]->d_name);

			buf_printf(&all, "== %s\n%s", names[i]->d_name, f);
			free(f);
		}
		free(names[i]);
	}
	free(names);
	return buf_detach(&all, NULL);
}

/* A full build makes search.json and the word index from one pass over
 * the posts (oldest first, search.json streamed out); an update that
 * cannot append writes the index from its own pass (newest first).  Both
 * must write the same files and record the same signature. */
Test(archive, build_writes_the_word_index_an_update_writes)
{
	char *updated, *built, *usig, *bsig;

	cr_assert_gt(archive_build(store, conf), 0);
	setenv("BARAZA_NOW", "2020-11-21T10:00:00Z", 1);
	ingest("From: Amina Yusuf <amina@example.org>\r\nTo: cop+funding@example.org\r\n"
	    "Subject: Re: Who decides?\r\nMessage-ID: <third@example.org>\r\n"
	    "In-Reply-To: <root@example.org>\r\n\r\nThe committee decides on budgets,"
	    " partners too. Mail amina@example.org.\r\n");
	/* no signature: the update writes the index whole */
	cr_assert_eq(store_meta_set(store, "archive_words", ""), 0);
	setenv("BARAZA_NOW", "2020-11-21T11:00:00Z", 1);
	cr_assert_gt(archive_update(store, conf), 0);
	updated = search_files();
	cr_assert_eq(store_meta_get(store, "archive_words", &usig), 1);
	cr_assert_gt(archive_build(store, conf), 0);
	built = search_files();
	cr_assert_eq(store_meta_get(store, "archive_words", &bsig), 1);
	cr_expect(strstr(built, "\"decides\",[") != NULL, "no word index in:\n%s", built);
	cr_expect_str_eq(built, updated, "the build's search files differ from the update's");
	cr_expect_str_eq(bsig, usig, "the build's word index signature differs");
	free(updated);
	free(built);
	free(usig);
	free(bsig);
}

/* An update appends new posts to search.json in place instead of writing
 * every post again: the result must be the file a full build writes, also
 * after a post was taken out, its author forgotten or its thread changed
 * (then the update writes it whole). */
Test(archive, update_appends_to_search_json_as_a_build_writes_it)
{
	static const struct {
		const char *change;     /* SQL run before the new post, or NULL */
		const char *mid;        /* of the new post */
	} steps[] = {
		{ NULL, "s1@example.org" },
		{ NULL, "s2@example.org" },
		{ "UPDATE posts SET state = 'rejected' WHERE message_id = 's1@example.org'",
		  "s3@example.org" },
		{ "UPDATE posts SET author = NULL, author_name = 'former member',"
		  " author_email = NULL WHERE message_id = 's2@example.org'", "s4@example.org" },
		{ "UPDATE posts SET thread = (SELECT min(thread) FROM posts)"
		  " WHERE message_id = 's3@example.org'", "s5@example.org" },
	};
	char now[32], mail[512];
	char *updated, *built;

	setenv("BARAZA_NOW", "2020-11-20T12:00:00Z", 1);
	cr_assert_gt(archive_build(store, conf), 0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].change)
			cr_assert_eq(store_exec(store, steps[i].change), 0, "step %zu", i);
		snprintf(now, sizeof(now), "2020-11-21T1%zu:00:00Z", i);
		setenv("BARAZA_NOW", now, 1);
		{
			snprintf(mail, sizeof(mail), "From: Amina Yusuf <amina@example.org>\r\n"
			    "To: cop+funding@example.org\r\nSubject: Search %zu \"q\"\r\n"
			    "Message-ID: <%s>\r\n\r\nmail x@y.org, caf\xc3\xa9 %zu\r\n",
			    i, steps[i].mid, i);
			ingest(mail);
		}
		snprintf(now, sizeof(now), "2020-11-21T1%zu:30:00Z", i);
		setenv("BARAZA_NOW", now, 1);
		cr_assert_geq(archive_update(store, conf), 0, "step %zu", i);
		updated = read_file("search.json");
		snprintf(mail, sizeof(mail), "Search %zu", i);
		cr_expect(strstr(updated, mail) != NULL, "step %zu: the new post is missing", i);
		cr_assert_gt(archive_build(store, conf), 0);
		built = read_file("search.json");
		cr_expect_str_eq(updated, built, "step %zu: got an updated search.json of %zu bytes,"
		    " want the %zu bytes a build writes", i, strlen(updated), strlen(built));
		free(updated);
		free(built);
	}
}

/* by_str - qsort: C strings */
static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* word_index - what the search page finds through the word index: every
 * (word, post) pair of every search-w-KEY.json as "word id" lines, sorted,
 * each once (owned).  The files are checked to be what the page parses:
 * a JSON array of ["word",[ids]] entries. */
static char *
word_index(void)
{
	char path[600], **pairs = NULL;
	size_t n = 0, alloc = 0, len = 0;
	DIR *d;
	struct dirent *e;
	char *out;

	snprintf(path, sizeof(path), "%s/archive", dir);
	cr_assert_not_null(d = opendir(path));
	while ((e = readdir(d)) != NULL) {
		char *data, *p;

		if (strncmp(e->d_name, "search-w-", 9) != 0)
			continue;
		data = p = read_file(e->d_name);
		cr_assert_eq(*p, '[', "%s: not an array", e->d_name);
		p++;
		for (;;) {
			const char *w;
			size_t wl;

			cr_assert(p[0] == '[' && p[1] == '"', "%s: an entry at %s", e->d_name, p);
			w = p + 1;
			for (p += 2; *p != '"'; p++)
				if (*p == '\\')
					p++;
			wl = (size_t)(p + 1 - w);
			cr_assert(p[1] == ',' && p[2] == '[', "%s: ids at %s", e->d_name, p);
			p += 3;
			while (*p != ']') {
				char *end;
				long long id = strtoll(p, &end, 10);

				cr_assert(end > p, "%s: an id at %s", e->d_name, p);
				if (n == alloc) {
					alloc = alloc ? 2 * alloc : 256;
					pairs = realloc(pairs, alloc * sizeof(*pairs));
				}
				cr_assert(asprintf(&pairs[n], "%.*s %lld", (int)wl, w, id) > 0);
				len += strlen(pairs[n++]) + 1;
				p = end + (*end == ',');
			}
			cr_assert_eq(p[1], ']', "%s: entry end at %s", e->d_name, p);
			p += 2;
			if (strcmp(p, "]\n") == 0)
				break;
			cr_assert(p[0] == ',' && p[1] == '\n', "%s: separator at %s", e->d_name, p);
			p += 2;
		}
		free(data);
	}
	closedir(d);
	qsort(pairs, n, sizeof(*pairs), by_str);
	out = calloc(1, len + 1);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(pairs[i], pairs[i - 1]) != 0) {
			strcat(out, pairs[i]);
			strcat(out, "\n");
		}
	for (size_t i = 0; i < n; i++)
		free(pairs[i]);
	free(pairs);
	return out;
}

/* An update appends the words of new posts to the search page's word
 * index in place (issue 22): the file of a key grows, same inode, its old
 * bytes kept; the page then finds what a full build's index finds, also
 * after a crash left a file longer than recorded.  A forgotten member
 * (the archive generation moves) rewrites the index: the name is gone. */
Test(archive, update_appends_to_the_word_index_as_a_build_writes_it)
{
	char now[32], mail[512], *before, *after, *updated, *built;
	struct stat st0, st1;
	size_t len0;

	setenv("BARAZA_NOW", "2020-11-20T12:00:00Z", 1);
	cr_assert_gt(archive_build(store, conf), 0);
	cr_assert_eq(stat_file("search-w-z.json", &st0), -1, "no word starts with z yet");
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(stat_file("search-w-b.json", &st0), 0);
		before = read_file("search-w-b.json");
		len0 = strlen(before);
		if (i == 2) {
			/* a crash between an append and its record */
			char path[600];
			FILE *fp;

			snprintf(path, sizeof(path), "%s/archive/search-w-b.json", dir);
			cr_assert_not_null(fp = fopen(path, "a"));
			fputs(",\n[\"bogus\",[999]]]\n", fp);
			fclose(fp);
		}
		snprintf(mail, sizeof(mail), "From: Amina Yusuf <amina@example.org>\r\n"
		    "To: cop+funding@example.org\r\nSubject: Budget %d\r\n"
		    "Message-ID: <w%d@example.org>\r\n\r\nbudgets of zanzibar%d, caf\xc3\xa9\r\n",
		    i, i, i);
		snprintf(now, sizeof(now), "2020-11-21T1%d:00:00Z", i);
		setenv("BARAZA_NOW", now, 1);
		ingest(mail);
		snprintf(now, sizeof(now), "2020-11-21T1%d:30:00Z", i);
		setenv("BARAZA_NOW", now, 1);
		cr_assert_geq(archive_update(store, conf), 0, "step %d", i);
		cr_assert_eq(stat_file("search-w-b.json", &st1), 0);
		after = read_file("search-w-b.json");
		cr_expect_eq(st0.st_ino, st1.st_ino, "step %d: search-w-b.json written anew", i);
		cr_expect_gt(strlen(after), len0, "step %d: search-w-b.json did not grow", i);
		cr_expect(strncmp(before, after, len0 - 2) == 0, "step %d: old bytes changed", i);
		cr_expect(strstr(after, "bogus") == NULL, "step %d: not cut back", i);
		snprintf(mail, sizeof(mail), "[\"zanzibar%d\",[", i);
		updated = read_file("search-w-z.json");
		cr_expect(strstr(updated, mail) != NULL, "step %d: the new word is missing", i);
		free(updated);
		updated = word_index();
		cr_assert_gt(archive_build(store, conf), 0);
		built = word_index();
		cr_expect_str_eq(updated, built, "step %d: the updated index finds other posts"
		    " than a built one", i);
		free(updated);
		free(built);
		free(before);
		free(after);
	}
	/* the generation moves: the index is written whole, the name gone */
	cr_assert(strstr(updated = word_index(), "\"yusuf\" ") != NULL);
	free(updated);
	cr_assert_eq(stat_file("search-w-y.json", &st0), 0);
	cr_assert_eq(store_member_forget(store, "amina@example.org"), 1);
	setenv("BARAZA_NOW", "2020-11-22T10:00:00Z", 1);
	cr_assert_gt(archive_update(store, conf), 0);
	updated = word_index();
	cr_expect(strstr(updated, "\"yusuf\" ") == NULL && strstr(updated, "\"amina\" ") == NULL,
	    "a forgotten name is still in the word index");
	cr_expect(strstr(updated, "\"former\" ") != NULL, "the posts now read 'former member'");
	cr_assert_gt(archive_build(store, conf), 0);
	built = word_index();
	cr_expect_str_eq(updated, built, "after a forget: the index differs from a built one");
	free(updated);
	free(built);
}

/* A session with more threads than a page holds has its list on pages
 * (issue 22): a reply rewrites its thread's page and leaves the others
 * alone, and each page is what a build writes. */
Test(archive, long_session_list_on_pages)
{
	char mail[512], *updated, *built;
	struct stat p1, p2, q1, q2;

	/* the setup's thread and ARCHIVE_SESSION_PAGE more: two pages */
	conf->list.max_posts_per_hour = 100000;
	for (int i = 0; i < ARCHIVE_SESSION_PAGE; i++) {
		snprintf(mail, sizeof(mail), "From: Amina Yusuf <amina@example.org>\r\n"
		    "To: cop+funding@example.org\r\nSubject: Topic %d\r\n"
		    "Message-ID: <t%d@example.org>\r\n\r\nbody %d\r\n", i, i, i);
		ingest(mail);
	}
	setenv("BARAZA_NOW", "2020-11-20T12:00:00Z", 1);
	cr_assert_gt(archive_build(store, conf), 0);
	cr_assert_eq(stat_file("session-1-1.html", &p1), 0, "no first page");
	cr_assert_eq(stat_file("session-1-2.html", &p2), 0, "no second page");
	cr_expect_neq(stat_file("session-1-3.html", &q1), 0, "a third page");
	updated = read_file("session-1.html");
	cr_expect(strstr(updated, "href=\"session-1-1.html\"") &&
	    strstr(updated, "href=\"session-1-2.html\""), "the session links to its pages");
	free(updated);
	updated = read_file("session-1-2.html");
	cr_expect(strstr(updated, ">Topic 499<") != NULL && strstr(updated, ">Topic 498<") == NULL,
	    "the second page holds the newest thread only");
	free(updated);
	/* a reply in the first thread */
	setenv("BARAZA_NOW", "2020-11-21T10:00:00Z", 1);
	ingest("From: Amina Yusuf <amina@example.org>\r\nTo: cop@example.org\r\n"
	    "Subject: Re: Who decides?\r\nMessage-ID: <late@example.org>\r\n"
	    "In-Reply-To: <root@example.org>\r\nReferences: <root@example.org>\r\n\r\nlate\r\n");
	setenv("BARAZA_NOW", "2020-11-21T11:00:00Z", 1);
	cr_assert_gt(archive_update(store, conf), 0);
	cr_assert_eq(stat_file("session-1-1.html", &q1), 0);
	cr_assert_eq(stat_file("session-1-2.html", &q2), 0);
	cr_expect_neq(p1.st_ino, q1.st_ino, "the reply's page was not written");
	cr_expect_eq(p2.st_ino, q2.st_ino, "the other page was written again");
	updated = read_file("session-1-1.html");
	cr_assert_gt(archive_build(store, conf), 0);
	built = read_file("session-1-1.html");
	cr_expect_str_eq(updated, built, "the updated page differs from a built one");
	free(updated);
	free(built);
}

Test(mask, addresses_masked_ids_kept)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "From: A <a@b.org>\r\n\r\nmail a.b+c@x.example.com now\r\n",
		  "From: A <hidden@hidden.invalid>\r\n\r\nmail hidden@hidden.invalid now\r\n" },
		{ "Message-ID: <x@y.org>\r\nReferences: <p@q.org>\r\n <r@s.org>\r\n\r\nbody\n",
		  "Message-ID: <x@y.org>\r\nReferences: <p@q.org>\r\n <r@s.org>\r\n\r\nbody\n" },
		{ "To: x\r\n\r\n@ alone, a@b, user@host.\n",
		  "To: x\r\n\r\n@ alone, hidden@hidden.invalid, hidden@hidden.invalid.\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 4096);
		mask_message(&b, cases[i].in, strlen(cases[i].in));
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got %s", i, b.data);
		buf_release(&b);
	}
}

Test(archive, a_100_post_thread_page_stays_small)
{
	char raw[4096];
	struct stat st;
	char path[600];

	for (int i = 0; i < 100; i++) {
		char parent[64];

		/* each answers the previous one: a deep thread */
		if (i == 0)
			snprintf(parent, sizeof(parent), "root@example.org");
		else
			snprintf(parent, sizeof(parent), "long%d@example.org", i - 1);
		snprintf(raw, sizeof(raw),
		    "From: Member %d <m%d@example.org>\r\nTo: cop+funding@example.org\r\n"
		    "Subject: Re: Who decides?\r\nMessage-ID: <long%d@example.org>\r\n"
		    "In-Reply-To: <%s>\r\nReferences: <root@example.org>\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		    "In our partnership the partners co-design the budget lines with the donor;\r\n"
		    "it took two years and a lot of trust. Reports go both ways now, and the\r\n"
		    "risk register is shared. https://example.net/case-%d.pdf\r\n\r\n"
		    "On Wed, someone wrote:\r\n> Who decides?\r\n> And how?\r\n",
		    i, i, i, parent, i);
		ingest(raw);
	}
	cr_assert_gt(archive_build(store, conf), 0);
	snprintf(path, sizeof(path), "%s/archive/thread-1.html", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_lt(st.st_size, 150 * 1024, "a 102-post thread page is %lld bytes",
	    (long long)st.st_size);
	{
		char *page = read_file("thread-1.html");
		int posts = 0;

		for (const char *p = page; (p = strstr(p, "<article")) != NULL; p++)
			posts++;
		cr_expect_eq(posts, 102, "got %d posts on the page", posts);
		free(page);
	}
}

/* reply - a reply by Amina to parent, with id <id@example.org> */
static void
reply(const char *id, const char *parent)
{
	char raw[1024];

	snprintf(raw, sizeof(raw), "From: Amina Yusuf <amina@example.org>\r\n"
	    "To: cop@example.org\r\nSubject: Re: Who decides?\r\n"
	    "Message-ID: <%s@example.org>\r\nIn-Reply-To: <%s>\r\n"
	    "References: <root@example.org> <%s>\r\n\r\nText of %s\r\n",
	    id, parent, parent, id);
	ingest(raw);
}

/* order_of - the post ids of thread-1.html in page order with their
 * indentation, as "1:0 2:1.2 ..." */
static void
order_of(char *out, size_t outlen)
{
	char *page = read_file("thread-1.html"), *p = page;
	size_t used = 0;

	out[0] = '\0';
	while ((p = strstr(p, "<article class=\"post\" id=\"p")) != NULL) {
		long id;
		double indent;

		cr_assert_eq(sscanf(p, "<article class=\"post\" id=\"p%ld\" style=\"margin-left:%lfrem",
		    &id, &indent), 2);
		used += (size_t)snprintf(out + used, outlen - used, "%s%ld:%g",
		    used ? " " : "", id, indent);
		cr_assert_lt(used, outlen);
		p++;
	}
	free(page);
}

/* A thread page lists parents before replies and siblings by arrival,
 * indented by depth; a reply whose parent is not shown (held) starts a
 * branch of its own at the left margin. */
Test(archive, thread_order_parents_first_held_parent_starts_a_branch)
{
	static const struct {
		const char *hold;       /* Message-ID of the post made held, or NULL */
		const char *want;
	} cases[] = {
		{ NULL, "1:0 2:1.2 3:2.4 5:3.6 4:1.2 6:1.2" },
		{ "c@example.org", "1:0 2:1.2 4:1.2 6:1.2 5:0" },
		{ "reply@example.com", "1:0 4:1.2 6:1.2 3:0 5:1.2" },
	};
	char got[256], sql[256];

	reply("c", "reply@example.com");       /* 3, under 2 */
	reply("d", "root@example.org");        /* 4, under 1 */
	reply("e", "c@example.org");           /* 5, under 3 */
	reply("f", "root@example.org");        /* 6, under 1 */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].hold) {
			snprintf(sql, sizeof(sql), "UPDATE posts SET state = 'accepted';"
			    "UPDATE posts SET state = 'held' WHERE message_id = '%s'",
			    cases[i].hold);
			cr_assert_eq(store_exec(store, sql), 0);
		}
		cr_assert_gt(archive_build(store, conf), 0);
		order_of(got, sizeof(got));
		cr_expect_str_eq(got, cases[i].want, "case %zu: got '%s', want '%s'", i,
		    got, cases[i].want);
	}
}

/* big_posts - n replies to the root, then every post of thread 1 given a
 * text of chars '<' (each "&lt;" on the page, so 4 * chars bytes of HTML);
 * SQL makes the text, so no message of that size is parsed */
static void
big_posts(int n, long chars)
{
	char sql[512];

	for (int i = 0; i < n; i++) {
		char id[32];

		snprintf(id, sizeof(id), "big%d", i);
		reply(id, "root@example.org");
	}
	/* accepted: so many posts at once pass the rate limit */
	snprintf(sql, sizeof(sql), "UPDATE posts SET state = 'accepted',"
	    " new_text = replace(hex(zeroblob(%ld)), '00', '<'),"
	    " text = replace(hex(zeroblob(%ld)), '00', '<') WHERE thread = 1", chars, chars);
	cr_assert_eq(store_exec(store, sql), 0);
}

/* thread_pages - how many pages thread-1 has on disk (thread-1.html,
 * thread-1-2.html, ...) */
static int
thread_pages(void)
{
	char path[600];
	int n = 0;

	for (;;) {
		if (n == 0)
			snprintf(path, sizeof(path), "%s/archive/thread-1.html", dir);
		else
			snprintf(path, sizeof(path), "%s/archive/thread-1-%d.html", dir, n + 1);
		if (access(path, F_OK) != 0)
			return n;
		n++;
	}
}

/* A thread whose page would pass the 64 MB cap of a page is split into
 * pages, each whole: thread-1.html first (every existing link to it stays
 * valid, and it keeps an anchor for every post on a later page), then
 * thread-1-2.html...; each says "page k of n" with previous and next
 * links.  62 posts of 1.2 MB of HTML each make about 74 MB. */
Test(archive, a_thread_past_the_page_cap_gets_pages, .timeout = 120)
{
	int pages, articles = 0;
	char rel[64], want[128];

	big_posts(60, 300000);
	cr_assert_gt(archive_build(store, conf), 0, "the build must succeed");
	pages = thread_pages();
	cr_expect_geq(pages, 2, "got %d page(s) for a thread of about 74 MB", pages);
	for (int k = 1; k <= pages; k++) {
		char *page;
		size_t len;
		struct stat st;
		char path[600];

		if (k == 1)
			snprintf(rel, sizeof(rel), "thread-1.html");
		else
			snprintf(rel, sizeof(rel), "thread-1-%d.html", k);
		snprintf(path, sizeof(path), "%s/archive/%s", dir, rel);
		cr_assert_eq(stat(path, &st), 0);
		cr_expect_leq(st.st_size, 64 << 20, "%s: %lld bytes, past the cap", rel,
		    (long long)st.st_size);
		page = read_file(rel);
		len = strlen(page);
		cr_expect(len > 8 && strcmp(page + len - 8, "</html>\n") == 0,
		    "%s: the page does not end with </html>", rel);
		snprintf(want, sizeof(want), "Page %d of %d", k, pages);
		cr_expect(strstr(page, want) != NULL, "%s: no '%s'", rel, want);
		if (k > 1) {
			if (k == 2)
				snprintf(want, sizeof(want), "href=\"thread-1.html\" rel=\"prev\"");
			else
				snprintf(want, sizeof(want), "href=\"thread-1-%d.html\" rel=\"prev\"", k - 1);
			cr_expect(strstr(page, want) != NULL, "%s: no link to the previous page", rel);
		}
		if (k < pages) {
			snprintf(want, sizeof(want), "href=\"thread-1-%d.html\" rel=\"next\"", k + 1);
			cr_expect(strstr(page, want) != NULL, "%s: no link to the next page", rel);
		}
		for (const char *p = page; (p = strstr(p, "<article")) != NULL; p++)
			articles++;
		if (k == 1) {
			/* the last post is on the last page; the first page holds
			 * its anchor, which leads there */
			cr_expect(strstr(page, "id=\"p62\"") != NULL, "no anchor for post 62");
			snprintf(want, sizeof(want), "href=\"thread-1-%d.html#p62\"", pages);
			cr_expect(strstr(page, want) != NULL, "the anchor of post 62 does not lead"
			    " to its page");
		}
		free(page);
	}
	cr_expect_eq(articles, 62, "got %d posts on the pages, want 62", articles);
	/* fewer posts again: the pages that are no longer needed go */
	cr_assert_eq(store_exec(store, "UPDATE posts SET new_text = 'short', text = 'short'"), 0);
	cr_assert_gt(archive_build(store, conf), 0);
	cr_expect_eq(thread_pages(), 1, "got %d pages for a small thread", thread_pages());
	{
		char *page = read_file("thread-1.html");

		cr_expect(strstr(page, "Page 1 of") == NULL, "a one-page thread says nothing of pages");
		free(page);
	}
}

/* One post that alone passes the cap cannot be put on any page: the build
 * fails and writes none of the thread's pages rather than a truncated
 * one; the other pages are written. */
Test(archive, a_post_past_the_page_cap_fails_the_build, .timeout = 120)
{
	char path[600];

	cr_assert_eq(store_exec(store, "UPDATE posts SET"
	    " new_text = replace(hex(zeroblob(17000000)), '00', '<')"
	    " WHERE message_id = 'reply@example.com'"), 0);
	setenv("BARAZA_NOW", "2020-11-20T12:00:00Z", 1);
	cr_expect_eq(archive_build(store, conf), -1, "the build must fail");
	snprintf(path, sizeof(path), "%s/archive/thread-1.html", dir);
	cr_expect_neq(access(path, F_OK), 0, "a page of thread 1 was written");
	snprintf(path, sizeof(path), "%s/archive/index.html", dir);
	cr_expect_eq(access(path, F_OK), 0, "the other pages must be written");
	/* An update does not try it again before the thread changes: it
	 * would come out the same. */
	setenv("BARAZA_NOW", "2020-11-21T10:00:00Z", 1);
	cr_expect_eq(archive_update(store, conf), 0, "nothing changed: nothing to write");
	reply("later", "root@example.org");
	setenv("BARAZA_NOW", "2020-11-21T11:00:00Z", 1);
	cr_expect_eq(archive_update(store, conf), -1, "the thread changed: tried, and failed");
}
