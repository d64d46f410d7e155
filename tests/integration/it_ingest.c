/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_ingest - ingest end to end: messages appended to the real Dovecot
 * are fetched by `barazad --once`, stored once, threaded and moved; the
 * same discussion imported from an mbox gives the same threads; thread
 * list --json has the documented shape; search finds words in UTF-8
 * bodies; `baraza inspect` says what ingest then does.
 *
 * JSON is checked by /usr/bin/python3 (json module), not by substring.
 * Database counts are read with the sqlite3 shell.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../harness.h"
#include "store.h"

#define NOW "2020-11-20T12:00:00Z"

/* Posts are accepted from anyone here: moderation has its own tests. */
#define EXTRA_CONF "[list]\nmoderate = none\n"

/* One discussion.  In thread order:
 *   root.1  Alice   Funding flows
 *     re.2  Bob     Re: [CoP] Funding flows
 *       re.3  Carol   (German, UTF-8, quoted-printable)
 *     re.4  Dan     RE: Funding flows  (Outlook: In-Reply-To only)
 *   other.5 Eve     Land rights  (a thread of its own)
 */
struct post {
	const char *id, *irt, *refs, *subject, *date, *from, *body, *headers, *ctype;
};

static const struct post disc[] = {
	{ "root.1@test.example", NULL, NULL, "Funding flows",
	  "Fri, 20 Nov 2020 09:00:00 +0000", "Alice Example <alice@example.org>",
	  "How do funding flows shape who decides?\n", NULL, NULL },
	{ "re.2@test.example", "<root.1@test.example>", "<root.1@test.example>",
	  "Re: [CoP] Funding flows", "Fri, 20 Nov 2020 09:30:00 +0000",
	  "Bob <bob@example.org>",
	  "Grants come with strings.\n\n> How do funding flows shape who decides?\n",
	  NULL, NULL },
	{ "re.3@test.example", "<re.2@test.example>",
	  "<root.1@test.example> <re.2@test.example>", "Re: [CoP] Funding flows",
	  "Fri, 20 Nov 2020 10:00:00 +0000", "Carol <carol@example.org>",
	  "Die F=C3=B6rderung der Gemeinschaft ist wichtig.\n",
	  "Content-Transfer-Encoding: quoted-printable", "text/plain; charset=utf-8" },
	{ "re.4@test.example", "<root.1@test.example>", NULL, "RE: Funding flows",
	  "Fri, 20 Nov 2020 10:30:00 +0000", "Dan <dan@example.org>",
	  "Agreed.\n", NULL, NULL },
	{ "other.5@test.example", NULL, NULL, "Land rights",
	  "Fri, 20 Nov 2020 11:00:00 +0000", "Eve <eve@example.org>",
	  "A separate topic.\n", NULL, NULL },
};
#define NDISC (sizeof(disc) / sizeof(disc[0]))

static char *
build(const struct post *p, size_t *len)
{
	struct h_mail m = { 0 };
	char mid[128];

	snprintf(mid, sizeof(mid), "<%s>", p->id);
	m.from = p->from;
	m.subject = p->subject;
	m.date = p->date;
	m.message_id = mid;
	m.in_reply_to = p->irt;
	m.references = p->refs;
	m.body = p->body;
	m.headers = p->headers;
	m.content_type = p->ctype;
	return h_mail_build(&m, len, NULL, 0);
}

static void
env_up(struct h_env *env, const char *name)
{
	struct h_out out;

	h_env_init(env, name);
	env->now = NOW;
	h_smtp_start(env);
	h_write_config(env, EXTRA_CONF);
	h_baraza(env, &out, "init");
	cr_assert_eq(out.status, 0, "init: exit %d: %s", out.status, out.err);
	h_out_free(&out);
}

/* append - the discussion's messages to INBOX in the given order */
static void
append(struct h_env *env, const size_t *order, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *raw = build(&disc[order[i]], &len);

		h_imap_append(env, "INBOX", raw, len);
		free(raw);
	}
}

/* sql_int - one integer from the database via the sqlite3 shell */
static long
sql_int(struct h_env *env, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long v;

	/* in this process, with the store's SQL functions (bz_raw, bz_text:
	 * raw messages and texts are stored compressed) */
	cr_assert_eq(sqlite3_open_v2(env->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(store_zip_functions(db), 0);
	cr_assert_eq(store_fts_tokenizer(db), 0);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
	v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
once(struct h_env *env)
{
	struct h_out out;

	h_barazad_once(env, &out);
	cr_assert_eq(out.status, 0, "barazad --once: exit %d: %s", out.status, out.err);
	h_out_free(&out);
}

/* json_expect - `baraza ARGS` exits 0 with JSON d for which the Python
 * expression expr holds */
static void
json_expect(struct h_env *env, const char *args, const char *expr)
{
	struct h_out out, py;
	char path[H_PATH + 32], *prog = NULL, *qprog;

	h_baraza(env, &out, "%s", args);
	cr_assert_eq(out.status, 0, "baraza %s: exit %d: %s", args, out.status, out.err);
	h_write_file(env, "json.out", out.out, out.outlen, 0644, path, sizeof(path));
	if (asprintf(&prog, "import json,sys\n"
	    "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	    "sys.exit(0 if (%s) else 1)\n", expr) < 0)
		cr_assert_fail("asprintf");
	qprog = h_shq(prog);
	h_run(env, &py, "/usr/bin/python3 -c %s %s", qprog, path);
	cr_expect_eq(py.status, 0, "baraza %s: got %s, want JSON where %s (python: %s)",
	    args, out.out, expr, py.err);
	h_out_free(&py);
	h_out_free(&out);
	free(qprog);
	free(prog);
}

/* The threads as the test expects them, whatever the arrival order. */
#define WANT_THREADS \
    "sorted([t['message_ids'] for t in d]) == [" \
    "['other.5@test.example'], " \
    "['root.1@test.example', 're.2@test.example', 're.3@test.example', 're.4@test.example']]"

/* Replies arrive before their parents; one --once fetches, stores,
 * threads (the late root adopts its replies) and moves everything; a
 * second --once does nothing. */
Test(ingest, imap_out_of_order_then_nothing)
{
	static const size_t order[] = { 2, 3, 4, 1, 0 };
	struct h_env env;

	env_up(&env, "order");
	append(&env, order, NDISC);
	once(&env);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM messages"), 5);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM posts"), 5);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM threads"), 2,
	    "threads: want 2 after the late root merged them");
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0, "INBOX not emptied");
	cr_expect_eq(h_imap_count(&env, "Processed"), 5, "not moved to Processed");
	json_expect(&env, "thread list --json", WANT_THREADS);
	json_expect(&env, "thread list --json",
	    "[t['subject'] for t in d if len(t['message_ids']) == 4] == ['Funding flows']");
	cr_expect_eq(sql_int(&env, "SELECT depth FROM posts WHERE message_id = 're.3@test.example'"),
	    2, "re.3 depth");

	once(&env);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM messages"), 5,
	    "a second --once stored something");
	cr_expect_eq(h_imap_count(&env, "Processed"), 5);
	json_expect(&env, "thread list --json", WANT_THREADS);
	h_env_fini(&env);
}

/* A changed UIDVALIDITY makes the daemon fetch the mailbox again: the same
 * messages are recognised by Message-ID, only the new one is stored. */
Test(ingest, uidvalidity_reset_no_duplicates)
{
	static const size_t first[] = { 0, 1, 2 }, again[] = { 0, 1, 2, 3 };
	struct h_env env;
	struct h_out out;
	int rc;

	env_up(&env, "uidv");
	append(&env, first, 3);
	once(&env);
	cr_assert_eq(sql_int(&env, "SELECT count(*) FROM messages"), 3);
	/* The same three again (as a restore from backup would), plus one. */
	append(&env, again, 4);
	rc = h_doveadm(&env, &out, "mailbox update -u '%s' --uid-validity 777 INBOX",
	    env.imap_user);
	cr_assert_eq(rc, 0, "doveadm mailbox update: %s", out.err);
	h_out_free(&out);
	once(&env);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM messages"), 4,
	    "want 4 messages: the 3 again are duplicates");
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM posts"), 4);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0, "duplicates left in INBOX");
	h_env_fini(&env);
}

/* mbox_write - the discussion as an mboxrd file in the given order */
static void
mbox_write(struct h_env *env, const char *rel, const size_t *order, size_t n,
    char *path, size_t pathlen)
{
	char *text = NULL;
	size_t tlen = 0;
	FILE *fp = open_memstream(&text, &tlen);

	cr_assert(fp != NULL);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *raw = build(&disc[order[i]], &len), *line = raw;

		fprintf(fp, "From sender@example.org Fri Nov 20 09:00:00 2020\n");
		/* LF line ends; escape From lines (mboxrd) */
		while (*line) {
			char *nl = strstr(line, "\r\n");
			size_t l = nl ? (size_t)(nl - line) : strlen(line);
			const char *p = line;

			while (*p == '>')
				p++;
			if (strncmp(p, "From ", 5) == 0)
				fputc('>', fp);
			fwrite(line, 1, l, fp);
			fputc('\n', fp);
			line += l + (nl ? 2 : 0);
		}
		fputc('\n', fp);
		free(raw);
	}
	fclose(fp);
	h_write_file(env, rel, text, tlen, 0644, path, pathlen);
	free(text);
}

/* import-mbox of the same discussion gives the same threads as IMAP
 * ingest; a second import finds only duplicates. */
Test(ingest, mbox_same_threads_as_imap)
{
	static const size_t order[] = { 0, 1, 2, 3, 4 };
	struct h_env env;
	struct h_out out;
	char path[H_PATH + 32];

	env_up(&env, "mbox");
	mbox_write(&env, "disc.mbox", order, NDISC, path, sizeof(path));
	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_assert_eq(out.status, 0, "import-mbox: exit %d: %s", out.status, out.err);
	cr_expect(strstr(out.out, "imported 5 messages: 5 posts, 0 duplicates, 0 skipped, 0 failed") != NULL,
	    "got '%s'", out.out);
	h_out_free(&out);
	json_expect(&env, "thread list --json", WANT_THREADS);
	/* The same threads, field by field, as the IMAP test builds: theme
	 * funding for the discussion (keywords), its session, the root's
	 * subject. */
	json_expect(&env, "thread list --json",
	    "[(t['theme'], t['subject']) for t in d if len(t['message_ids']) == 4]"
	    " == [('funding', 'Funding flows')]");
	json_expect(&env, "thread list --json",
	    "all(t['session'] is not None for t in d if t['theme'] == 'funding')");
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM outbox"), 0,
	    "--no-relay queued mail");

	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_assert_eq(out.status, 0, "second import: exit %d: %s", out.status, out.err);
	cr_expect(strstr(out.out, "imported 5 messages: 0 posts, 5 duplicates, 0 skipped, 0 failed") != NULL,
	    "got '%s'", out.out);
	h_out_free(&out);
	h_env_fini(&env);
}

/* The IMAP path for the same discussion in file order, compared with the
 * mbox result of another database exactly (ids included: same order, same
 * sessions). */
Test(ingest, imap_equals_mbox_exactly)
{
	static const size_t order[] = { 0, 1, 2, 3, 4 };
	struct h_env a, b;
	struct h_out oa, ob;
	char path[H_PATH + 32];

	env_up(&a, "eqimap");
	append(&a, order, NDISC);
	once(&a);
	env_up(&b, "eqmbox");
	mbox_write(&b, "disc.mbox", order, NDISC, path, sizeof(path));
	h_baraza(&b, &ob, "import-mbox %s --no-relay", path);
	cr_assert_eq(ob.status, 0, "import-mbox: %s", ob.err);
	h_out_free(&ob);
	h_baraza(&a, &oa, "thread list --json");
	h_baraza(&b, &ob, "thread list --json");
	cr_expect_str_eq(oa.out, ob.out, "IMAP: %s\nmbox: %s", oa.out, ob.out);
	h_out_free(&oa);
	h_out_free(&ob);
	h_env_fini(&a);
	h_env_fini(&b);
}

/* The JSON of thread list has exactly the documented keys, in order. */
Test(ingest, thread_list_json_shape)
{
	static const size_t order[] = { 0, 1, 4 };
	struct h_env env;
	char path[H_PATH + 32];
	struct h_out out;

	env_up(&env, "shape");
	mbox_write(&env, "d.mbox", order, 3, path, sizeof(path));
	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	json_expect(&env, "thread list --json",
	    "isinstance(d, list) and len(d) == 2 and all(list(t.keys()) == "
	    "['id', 'theme', 'session', 'subject', 'message_ids'] and "
	    "isinstance(t['id'], int) and isinstance(t['theme'], str) and "
	    "(t['session'] is None or isinstance(t['session'], int)) and "
	    "all(isinstance(m, str) for m in t['message_ids']) for t in d)");
	json_expect(&env, "thread list --theme funding --json", "len(d) >= 1 and "
	    "all(t['theme'] == 'funding' for t in d)");
	json_expect(&env, "thread list --theme nosuchtheme --json", "d == []");
	h_baraza(&env, &out, "thread show 1");
	cr_expect_eq(out.status, 0, "thread show: %s", out.err);
	cr_expect(strstr(out.out, "Alice Example") && strstr(out.out, "  #2"),
	    "thread show: got %s", out.out);
	h_out_free(&out);
	h_baraza(&env, &out, "thread show 999");
	cr_expect_eq(out.status, 1, "thread show of a missing thread: exit %d", out.status);
	h_out_free(&out);
	h_env_fini(&env);
}

/* search finds a word of a UTF-8 (quoted-printable) body, with and without
 * its diacritics; user syntax never reaches FTS5 as syntax. */
Test(ingest, search_utf8_and_hostile_words)
{
	static const size_t order[] = { 0, 1, 2, 3, 4 };
	static const char *const hostile[] = {
		"'\"'", "'NEAR(a b)'", "'a OR b'", "'*'", "'-x'", "'col:x'", "'^'",
		"'(('", "'AND'",
	};
	struct h_env env;
	char path[H_PATH + 32];
	struct h_out out;

	env_up(&env, "search");
	mbox_write(&env, "d.mbox", order, NDISC, path, sizeof(path));
	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	json_expect(&env, "search --json förderung",
	    "[h['message_id'] for h in d] == ['re.3@test.example']");
	json_expect(&env, "search --json Forderung Gemeinschaft",
	    "[h['message_id'] for h in d] == ['re.3@test.example']");
	json_expect(&env, "search --json 'gemein*'",
	    "[h['message_id'] for h in d] == ['re.3@test.example']");
	json_expect(&env, "search --json strings",
	    "[h['message_id'] for h in d] == ['re.2@test.example']");
	json_expect(&env, "search --json nothinglikethis", "d == []");
	h_baraza(&env, &out, "search Gemeinschaft");
	cr_expect(out.status == 0 && strstr(out.out, "Carol") && strstr(out.out, "[Gemeinschaft]"),
	    "search text output: %s", out.out);
	h_out_free(&out);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		h_baraza(&env, &out, "search %s", hostile[i]);
		cr_expect_eq(out.status, 0, "search %s: exit %d: %s", hostile[i],
		    out.status, out.err);
		h_out_free(&out);
	}
	h_env_fini(&env);
}

/* Words inside scripts written without spaces are found (issue 20):
 * Chinese, Japanese, Thai, and a Korean word with its particle glued on;
 * a Latin word beside them still is, and a word that is not there is not. */
Test(ingest, search_unspaced_scripts)
{
	static const char mbox[] =
	    "From chen@example.org Wed Nov 18 10:00:00 2020\n"
	    "From: Chen Wei <chen@example.org>\nTo: cop@example.org\n"
	    "Subject: Funds\nMessage-ID: <zh@test.example>\n"
	    "Date: Wed, 18 Nov 2020 10:00:00 +0000\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n\n"
	    "\xe7\xa4\xbe\xe5\x8c\xba\xe5\x86\xb3\xe5\xae\x9a\xe8\xb5\x84"
	    "\xe9\x87\x91\xe7\x9a\x84\xe7\x94\xa8\xe9\x80\x94\xe3\x80\x82 grants\n\n"
	    "From hana@example.org Wed Nov 18 11:00:00 2020\n"
	    "From: Hana <hana@example.org>\nTo: cop@example.org\n"
	    "Subject: community\nMessage-ID: <ja@test.example>\n"
	    "Date: Wed, 18 Nov 2020 11:00:00 +0000\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n\n"
	    "\xe5\x9c\xb0\xe5\x9f\x9f\xe7\xa4\xbe\xe4\xbc\x9a\xe3\x81\x8c"
	    "\xe6\xb1\xba\xe3\x82\x81\xe3\x82\x8b\xe3\x81\xb9\xe3\x81\x8d"
	    "\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\n\n"
	    "From somchai@example.org Wed Nov 18 12:00:00 2020\n"
	    "From: Somchai <somchai@example.org>\nTo: cop@example.org\n"
	    "Subject: budget\nMessage-ID: <th@test.example>\n"
	    "Date: Wed, 18 Nov 2020 12:00:00 +0000\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n\n"
	    "\xe0\xb8\x8a\xe0\xb8\xb8\xe0\xb8\xa1\xe0\xb8\x8a\xe0\xb8\x99"
	    "\xe0\xb8\x95\xe0\xb9\x89\xe0\xb8\xad\xe0\xb8\x87\xe0\xb8\x81"
	    "\xe0\xb8\xb2\xe0\xb8\xa3\xe0\xb8\x87\xe0\xb8\x9a\xe0\xb8\x9b"
	    "\xe0\xb8\xa3\xe0\xb8\xb0\xe0\xb8\xa1\xe0\xb8\xb2\xe0\xb8\x93\n\n"
	    "From minji@example.org Wed Nov 18 13:00:00 2020\n"
	    "From: Minji <minji@example.org>\nTo: cop@example.org\n"
	    "Subject: funding\nMessage-ID: <ko@test.example>\n"
	    "Date: Wed, 18 Nov 2020 13:00:00 +0000\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n\n"
	    "\xec\xa7\x80\xec\x97\xad \xec\x82\xac\xed\x9a\x8c\xea\xb0\x80 "
	    "\xec\x9e\x90\xea\xb8\x88\xec\x9d\x84 \xea\xb4\x80\xeb\xa6\xac"
	    "\xed\x95\xa9\xeb\x8b\x88\xeb\x8b\xa4.\n\n";
	struct h_env env;
	char file[H_PATH];
	struct h_out out;

	env_up(&env, "scripts");
	h_write_file(&env, "s.mbox", mbox, (size_t)-1, 0644, file, sizeof(file));
	h_baraza(&env, &out, "import-mbox %s --no-relay", file);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	/* 资金 (funds) inside 社区决定资金的用途 */
	json_expect(&env, "search --json \xe8\xb5\x84\xe9\x87\x91",
	    "[h['message_id'] for h in d] == ['zh@test.example']");
	/* 社会 (society) inside 地域社会が決めるべきです; 社 alone is in both */
	json_expect(&env, "search --json \xe7\xa4\xbe\xe4\xbc\x9a",
	    "[h['message_id'] for h in d] == ['ja@test.example']");
	json_expect(&env, "search --json \xe7\xa4\xbe",
	    "sorted(h['message_id'] for h in d) == ['ja@test.example', 'zh@test.example']");
	/* งบประมาณ (budget) inside ชุมชนต้องการงบประมาณ */
	json_expect(&env, "search --json \xe0\xb8\x87\xe0\xb8\x9a\xe0\xb8\x9b"
	    "\xe0\xb8\xa3\xe0\xb8\xb0\xe0\xb8\xa1\xe0\xb8\xb2\xe0\xb8\x93",
	    "[h['message_id'] for h in d] == ['th@test.example']");
	/* 자금 (funds) in 자금을 */
	json_expect(&env, "search --json \xec\x9e\x90\xea\xb8\x88",
	    "[h['message_id'] for h in d] == ['ko@test.example']");
	json_expect(&env, "search --json grants",
	    "[h['message_id'] for h in d] == ['zh@test.example']");
	/* 资本 (capital): its characters are not side by side anywhere */
	json_expect(&env, "search --json \xe8\xb5\x84\xe6\x9c\xac", "d == []");
	h_env_fini(&env);
}

/* --theme forces the theme of every imported post. */
Test(ingest, import_forced_theme)
{
	static const size_t order[] = { 0, 1, 4 };
	struct h_env env;
	char path[H_PATH + 32];
	struct h_out out;

	env_up(&env, "forced");
	mbox_write(&env, "d.mbox", order, 3, path, sizeof(path));
	h_baraza(&env, &out, "import-mbox %s --theme risk --no-relay", path);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM posts WHERE theme = 'risk'"), 3);
	h_baraza(&env, &out, "import-mbox %s --theme nosuch", path);
	cr_expect_eq(out.status, 2, "unknown theme: exit %d, want 2", out.status);
	h_out_free(&out);
	h_env_fini(&env);
}

/* A message that the database refuses (here: a trigger that aborts on its
 * subject) is kept as failed with the reason; its neighbours in the same
 * batch are imported all the same, and the import says so. */
Test(ingest, import_refused_message_kept_as_failed)
{
	static const size_t order[] = { 0, 1, 2, 3, 4 };
	struct h_env env;
	char path[H_PATH + 32];
	struct h_out out;

	env_up(&env, "refused");
	mbox_write(&env, "d.mbox", order, NDISC, path, sizeof(path));
	h_run(&env, &out, "sqlite3 %s \"CREATE TRIGGER boom BEFORE INSERT ON posts "
	    "WHEN new.message_id = 're.4@test.example' BEGIN "
	    "SELECT RAISE(ABORT, 'refused by test'); END\"", env.db);
	cr_assert_eq(out.status, 0, "sqlite3: %s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_expect_eq(out.status, 0, "import-mbox: exit %d: %s", out.status, out.err);
	cr_expect(strstr(out.out, "imported 5 messages: 4 posts, 0 duplicates, 0 skipped, 1 failed") != NULL,
	    "got '%s'", out.out);
	h_out_free(&out);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM posts"), 4);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM messages WHERE state = 'failed'"
	    " AND message_id = 're.4@test.example' AND reason LIKE '%refused by test%'"), 1,
	    "the refused message is not kept as failed with its reason");
	/* Run again: the failed one is a duplicate now (kept, not retried). */
	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_expect(strstr(out.out, "imported 5 messages: 0 posts, 5 duplicates, 0 skipped, 0 failed") != NULL,
	    "got '%s'", out.out);
	h_out_free(&out);
	h_env_fini(&env);
}

/* An archive's messages over max_message_kb were accepted where they came
 * from: they become posts (kept whole, marked); only a message beyond the
 * reader's cap (16 MB at least) is skipped, recorded with its real size.
 * A message without Message-ID is deduplicated by the hash of its bytes. */
Test(ingest, import_oversize_and_missing_message_id)
{
	static const char head[] = "From a@b Fri Nov 20 10:00:00 2020\n"
	    "From: A <a@example.org>\nTo: cop@example.org\nSubject: %s\n"
	    "%sDate: Fri, 20 Nov 2020 10:00:00 +0000\n\n";
	struct h_env env;
	struct h_out out;
	char path[H_PATH + 32], *text = NULL;
	size_t tlen = 0;
	FILE *fp;

	env_up(&env, "oversize");
	h_write_config(&env, EXTRA_CONF "max_message_kb = 64\n");
	fp = open_memstream(&text, &tlen);
	cr_assert(fp != NULL);
	fprintf(fp, head, "a bit big", "Message-ID: <big@test.example>\n");
	for (int i = 0; i < 1000; i++)      /* 77 KB: over 64 */
		fprintf(fp, "%076d\n", i);
	fprintf(fp, "\n");
	fprintf(fp, head, "no id", "");
	fprintf(fp, "hello\n\n");
	fprintf(fp, head, "no id", "");       /* the very same bytes again */
	fprintf(fp, "hello\n\n");
	fprintf(fp, head, "huge", "Message-ID: <huge@test.example>\n");
	for (int i = 0; i < 230000; i++)    /* 17.7 MB: beyond the reader's cap */
		fprintf(fp, "%076d\n", i);
	fclose(fp);
	h_write_file(&env, "o.mbox", text, tlen, 0644, path, sizeof(path));
	free(text);
	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_assert_eq(out.status, 0, "import-mbox: exit %d: %s", out.status, out.err);
	cr_expect(strstr(out.out, "imported 4 messages: 2 posts (1 with list or auto-reply "
	    "headers, kept), 1 duplicates, 1 skipped (1 larger than the reader's cap), "
	    "0 failed") != NULL, "got '%s'", out.out);
	h_out_free(&out);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM posts p JOIN messages m ON m.id = p.message"
	    " WHERE p.message_id = 'big@test.example' AND m.state = 'stored'"
	    " AND length(bz_raw(m.raw)) = m.size AND m.size > 65536 AND m.reason LIKE"
	    " 'kept from an archive%max_message_kb%'"), 1,
	    "the message over max_message_kb is not a post, kept whole and marked");
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM messages WHERE route = 'oversize'"
	    " AND state = 'ignored' AND size > 17000000 AND message_id = 'huge@test.example'"), 1,
	    "the message beyond the reader's cap is not recorded as ignored with its size");
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM posts WHERE message_id LIKE 'sha256:%'"), 1,
	    "a message without Message-ID is not stored once under its hash");
	h_env_fini(&env);
}

/* A real list archive: everything a list server distributed carries
 * Precedence: list (or bulk) and its List-Id, some carry X-Loop, and the
 * odd auto-reply got through.  import-mbox keeps every message that has an
 * author as a post (marked where live mail would not relay it), skips the
 * one without a usable From, and says so on its last line.  On the code
 * before this change 6 of the 7 posts were dropped as auto-replies and
 * loops while the import printed "0 failed". */
Test(ingest, import_keeps_list_archive)
{
	static const char *const extra[] = {
		"Precedence: list\nList-Id: Old list <old.lists.example.net>\n",
		"Precedence: bulk\nList-Id: Old list <old.lists.example.net>\n",
		"Precedence: list\nList-Id: Test CoP <cop.example.org>\n",  /* our own id */
		"X-Loop: " H_LIST_ADDRESS "\n",
		"Auto-Submitted: auto-replied\n",
		"X-Auto-Response-Suppress: All\nPrecedence: junk\n",
		"",
	};
	struct h_env env;
	struct h_out out;
	char path[H_PATH + 32], *text = NULL;
	size_t tlen = 0;
	FILE *fp;

	env_up(&env, "listarchive");
	fp = open_memstream(&text, &tlen);
	cr_assert(fp != NULL);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		fprintf(fp, "From a@b Fri Nov 20 10:00:00 2020\n"
		    "From: Member %zu <m%zu@example.org>\nTo: old@lists.example.net\n"
		    "Subject: Point %zu on funding\nMessage-ID: <arch.%zu@test.example>\n"
		    "Date: Fri, 20 Nov 2020 1%zu:00:00 +0000\n%s\nText %zu.\n\n",
		    i, i, i, i, i, extra[i], i);
	fprintf(fp, "From a@b Fri Nov 20 10:00:00 2020\nFrom: nobody\nSubject: x\n"
	    "Message-ID: <nofrom@test.example>\nDate: Fri, 20 Nov 2020 10:00:00 +0000\n\nx\n\n");
	fclose(fp);
	h_write_file(&env, "list.mbox", text, tlen, 0644, path, sizeof(path));
	free(text);
	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_assert_eq(out.status, 0, "import-mbox: exit %d: %s", out.status, out.err);
	cr_expect(strstr(out.out, "imported 8 messages: 7 posts (6 with list or auto-reply "
	    "headers, kept), 0 duplicates, 1 skipped (1 no usable From), 0 failed") != NULL,
	    "got '%s'", out.out);
	h_out_free(&out);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM posts WHERE state = 'accepted'"), 7);
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM messages WHERE reason LIKE"
	    " 'kept from an archive%'"), 6, "the kept auto-replies and loops are not marked");
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM outbox"), 0, "an import answered someone");
	h_env_fini(&env);
}

/* ---- inspect answers what ingest does ------------------------------------ */

/* What `baraza inspect --json` said of one message, and what ingest then
 * stored for it. */
struct verdict {
	long thread;            /* inspect: the thread it joins, 0: a new one */
	int duplicate, held;
	char theme[64], kind[32];
};

/* inspect_file - run inspect --json on rel (in the scratch dir) */
static void
inspect_file(struct h_env *env, const char *rel, struct verdict *v)
{
	static const char prog[] = "import json,sys\n"
	    "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	    "print(d.get('thread') or 0, int(bool(d.get('duplicate'))),"
	    " int(bool(d.get('held'))), d.get('theme') or '-', d.get('kind') or '-')\n";
	struct h_out out, py;
	char path[H_PATH + 32], *q = h_shq(prog);

	h_baraza(env, &out, "inspect --json %s", rel);
	cr_assert_eq(out.status, 0, "inspect %s: exit %d: %s", rel, out.status, out.err);
	h_write_file(env, "inspect.json", out.out, out.outlen, 0644, path, sizeof(path));
	h_run(env, &py, "/usr/bin/python3 -c %s %s", q, path);
	cr_assert_eq(py.status, 0, "inspect %s: not JSON: %s (%s)", rel, out.out, py.err);
	memset(v, 0, sizeof(*v));
	cr_assert_eq(sscanf(py.out, "%ld %d %d %63s %31s", &v->thread, &v->duplicate,
	    &v->held, v->theme, v->kind), 5, "inspect %s: got %s", rel, py.out);
	h_out_free(&py);
	h_out_free(&out);
	free(q);
}

/* Messages are inspected first, then fetched and stored by barazad; what
 * inspect said of each (its thread, theme, kind, held or not, duplicate
 * or not) is what ingest did with it.  A reply that names no parent
 * joins a thread by its subject, a message without Message-ID that was
 * stored before is a duplicate by the hash of its bytes: inspect used to
 * say "a new thread" and "not stored" for these. */
Test(ingest, inspect_agrees_with_ingest)
{
	static const char noid[] = "From: Bob <bob@example.org>\r\n"
	    "To: cop@example.org\r\nSubject: No id here\r\n"
	    "Date: Fri, 20 Nov 2020 09:00:00 +0000\r\n\r\nA message without an id.\r\n";
	static const struct {
		const char *file, *from, *subject, *mid, *irt;
	} round2[] = {
		{ "by-subject.eml", "Bob <bob@example.org>", "Re: Funding flows",
		  "<subj.1@test.example>", NULL },
		{ "by-references.eml", "Alice Example <alice@example.org>",
		  "Re: [CoP] Funding flows", "<refs.2@test.example>", "<root.1@test.example>" },
		{ "non-member.eml", "Zed <zed@example.net>", "Hello all",
		  "<zed.3@test.example>", NULL },
	};
	struct verdict v[4];
	struct h_env env;
	struct h_out out;
	char path[H_PATH + 32], sql[512];
	long before;

	h_env_init(&env, "agree");
	env.now = NOW;
	h_smtp_start(&env);
	h_write_config(&env, NULL);          /* moderate = nonmembers */
	h_baraza(&env, &out, "init");
	cr_assert_eq(out.status, 0, "init: %s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "member add alice@example.org && %s member add bob@example.org",
	    env.baraza);
	cr_assert_eq(out.status, 0, "member add: %s", out.err);
	h_out_free(&out);

	/* round 1: a thread, and a message without Message-ID */
	{
		size_t len;
		char *raw = build(&disc[0], &len);

		h_imap_append(&env, "INBOX", raw, len);
		free(raw);
		h_imap_append(&env, "INBOX", noid, strlen(noid));
	}
	once(&env);
	cr_assert_eq(sql_int(&env, "SELECT count(*) FROM posts"), 2);
	before = sql_int(&env, "SELECT max(id) FROM threads");

	/* round 2: inspect first ... */
	for (size_t i = 0; i < 3; i++) {
		struct h_mail m = { 0 };
		size_t len;
		char *raw;

		m.from = round2[i].from;
		m.subject = round2[i].subject;
		m.date = "Fri, 20 Nov 2020 11:00:00 +0000";
		m.message_id = round2[i].mid;
		m.in_reply_to = round2[i].irt;
		m.references = round2[i].irt;
		m.body = "Some words.\n";
		raw = h_mail_build(&m, &len, NULL, 0);
		h_write_file(&env, round2[i].file, raw, len, 0644, path, sizeof(path));
		inspect_file(&env, round2[i].file, &v[i]);
		h_imap_append(&env, "INBOX", raw, len);
		free(raw);
	}
	h_write_file(&env, "noid.eml", noid, (size_t)-1, 0644, path, sizeof(path));
	inspect_file(&env, "noid.eml", &v[3]);
	h_imap_append(&env, "INBOX", noid, strlen(noid));
	/* ... then ingest */
	once(&env);

	for (size_t i = 0; i < 3; i++) {
		char mid[128];
		long thread;

		snprintf(mid, sizeof(mid), "%.*s", (int)strlen(round2[i].mid) - 2,
		    round2[i].mid + 1);
		snprintf(sql, sizeof(sql), "SELECT thread FROM posts WHERE message_id = '%s'", mid);
		thread = sql_int(&env, sql);
		cr_assert_gt(thread, 0, "%s was not stored as a post", mid);
		if (v[i].thread)
			cr_expect_eq(thread, v[i].thread, "%s: inspect said thread %ld, "
			    "ingest stored it in thread %ld", mid, v[i].thread, thread);
		else
			cr_expect_gt(thread, before, "%s: inspect said a new thread, "
			    "ingest stored it in thread %ld", mid, thread);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM posts WHERE message_id = '%s'"
		    " AND theme = '%s' AND kind = '%s' AND state = '%s'", mid, v[i].theme,
		    v[i].kind, v[i].held ? "held" : "accepted");
		cr_expect_eq(sql_int(&env, sql), 1, "%s: inspect said theme %s, kind %s, %s; "
		    "ingest stored something else", mid, v[i].theme, v[i].kind,
		    v[i].held ? "held" : "not held");
		cr_expect_eq(v[i].duplicate, 0, "%s: inspect said duplicate", mid);
	}
	cr_expect_eq(v[0].thread, 1, "the reply by subject: inspect said thread %ld, want 1",
	    v[0].thread);
	cr_expect_eq(v[2].held, 1, "the non-member's post: inspect did not say held");
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM messages WHERE message_id LIKE 'sha256:%'"),
	    1, "the message without Message-ID was stored twice");
	cr_expect_eq(v[3].duplicate, 1, "the message without Message-ID is stored already: "
	    "inspect did not say duplicate");
	h_env_fini(&env);
}

/* Replies whose In-Reply-To is a phrase (MH, exmh: "Message from NAME
 * <addr> of DATE") named the author's address as their parent: two
 * replies to two different posts by Jean met in one placeholder and their
 * threads were merged.  Now only ids count, References decides, and
 * inspect shows the right parent for a phrase-form reply whose only id is
 * at the end of the phrase.  (On the code before: 1 thread, not 2.) */
Test(ingest, phrase_in_reply_to_right_parent)
{
	static const char msgs[] =
	    "From a@b Mon Mar  4 10:00:00 2002\n"
	    "From: Jean Dupont <jean@example.org>\nTo: cop@example.org\n"
	    "Subject: Water points\nMessage-ID: <water.1@test.example>\n"
	    "Date: Mon, 4 Mar 2002 10:00:00 +0000\n\nWho maintains the pumps?\n\n"
	    "From a@b Mon Mar  4 11:00:00 2002\n"
	    "From: Jean Dupont <jean@example.org>\nTo: cop@example.org\n"
	    "Subject: Land titles\nMessage-ID: <land.1@test.example>\n"
	    "Date: Mon, 4 Mar 2002 11:00:00 +0000\n\nWho holds the titles?\n\n"
	    "From a@b Tue Mar  5 10:00:00 2002\n"
	    "From: Amina <amina@example.org>\nTo: cop@example.org\n"
	    "Subject: Re: Water points\nMessage-ID: <water.2@test.example>\n"
	    "In-Reply-To: Message from Jean Dupont <jean@example.org>\n"
	    "   of \"Mon, 04 Mar 2002 10:00:00 GMT.\"\n"
	    "References: <water.1@test.example>\n"
	    "Date: Tue, 5 Mar 2002 10:00:00 +0000\n\nThe village committee.\n\n"
	    "From a@b Tue Mar  5 11:00:00 2002\n"
	    "From: Bruno <bruno@example.org>\nTo: cop@example.org\n"
	    "Subject: Re: Land titles\nMessage-ID: <land.2@test.example>\n"
	    "In-Reply-To: Message from Jean Dupont <jean@example.org>\n"
	    "   of \"Mon, 04 Mar 2002 11:00:00 GMT.\"\n"
	    "References: <land.1@test.example>\n"
	    "Date: Tue, 5 Mar 2002 11:00:00 +0000\n\nThe families, mostly.\n\n";
	static const char reply[] =
	    "From: Chen <chen@example.org>\nTo: cop@example.org\n"
	    "Subject: Title deeds\nMessage-ID: <land.3@test.example>\n"
	    "In-Reply-To: Message from Jean Dupont <jean@example.org> of\n"
	    "   \"Mon, 04 Mar 2002 11:00:00 GMT.\" <land.1@test.example>\n"
	    "Date: Wed, 6 Mar 2002 09:00:00 +0000\n\nAnd the women's groups.\n";
	struct h_env env;
	struct h_out out;
	char path[H_PATH + 32], expr[256];
	long land1;

	env_up(&env, "phrase");
	h_write_file(&env, "p.mbox", msgs, sizeof(msgs) - 1, 0644, path, sizeof(path));
	h_baraza(&env, &out, "import-mbox %s --no-relay", path);
	cr_assert_eq(out.status, 0, "import-mbox: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	cr_expect_eq(sql_int(&env, "SELECT count(DISTINCT thread) FROM posts"), 2,
	    "replies to two posts of one author were put in one thread");
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM posts r JOIN posts p ON p.id = r.parent"
	    " WHERE (r.message_id, p.message_id) IN (VALUES ('water.2@test.example',"
	    " 'water.1@test.example'), ('land.2@test.example', 'land.1@test.example'))"), 2,
	    "a phrase-form reply does not hang under the post References names");
	cr_expect_eq(sql_int(&env, "SELECT count(*) FROM containers WHERE mid = 'jean@example.org'"),
	    0, "the author's address became a message id");
	land1 = sql_int(&env, "SELECT id FROM posts WHERE message_id = 'land.1@test.example'");
	h_write_file(&env, "reply.eml", reply, sizeof(reply) - 1, 0644, path, sizeof(path));
	snprintf(expr, sizeof(expr), "d['in_reply_to'] == 'land.1@test.example' and d['parent'] == %ld",
	    land1);
	{
		char args[H_PATH + 64];

		snprintf(args, sizeof(args), "inspect --json %s", path);
		json_expect(&env, args, expr);
	}
	h_env_fini(&env);
}
