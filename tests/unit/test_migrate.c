/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_migrate - schema migrations from every earlier version
 *
 * For each version v from 1 to the latest - 1 a database is built exactly
 * as a baraza of that version left it: only the embedded migrations
 * 001..v are applied (schema.h), each in its own transaction with its
 * user_version, as store_migrate did at the time.  It is filled with
 * representative rows of every table a list uses (members and their
 * themes, a session, messages, a thread of two posts with links and an
 * attachment, the search index, a held post, tokens, outbox rows sent and
 * deferred, a bounce, notices, the IMAP state, jobs, a digest and who got
 * it).  Then the normal path opens it (store_open, store_migrate) and the
 * test checks that it reached the latest version, that every row is
 * still there, that the data is usable through the store's own functions
 * (search finds the posts, the members list, the outbox reports its
 * deferral, a new post can be stored and found, the health row works),
 * and that PRAGMA integrity_check and foreign_key_check are clean.
 *
 * The fill is plain SQL against the columns of 001, which later
 * migrations have only added to.  Where a version keeps data in another
 * form (from 005 new posts wait in posts_fts_pending until the commit
 * indexes them), the fill does what that version's store did.  A future
 * migration that changes one of these tables must teach fill() the form
 * the data had before it.
 *
 * Also: a database from a newer baraza is refused with a clear error and
 * left untouched (no downgrade); a table rebuild (008) that fails half-way
 * or would leave a dangling reference rolls back to the old schema with
 * every row, and foreign keys are enforced again afterwards; the CHECKs of
 * posts and outbox_rcpt make SQLite build no table per row.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schema.h"
#include "store.h"
#include "store_health.h"
#include "store_member.h"
#include "store_outbox.h"
#include "store_message.h"
#include "store_post.h"
#include "store_search.h"
#include "tutil.h"

static char tmpdir[64];
static char dbpath[128];

static void
setup(void)
{
	tutil_scratch_dir(tmpdir, sizeof(tmpdir), "migrate");
	snprintf(dbpath, sizeof(dbpath), "%s/old.db", tmpdir);
}

static void
teardown(void)
{
	tutil_rmtree(tmpdir);
}

/* ---- building a database of an earlier version ---------------------------- */

/* exec_ok - run SQL on s or fail the test naming the version */
static void
exec_ok(struct store *s, int v, const char *sql)
{
	cr_assert_eq(store_exec(s, sql), 0, "at version %d: %s\nSQL: %.300s", v,
	    store_errmsg(s), sql);
}

/* build_at - a new database with migrations 001..v applied, the way
 * store_migrate applies them (one transaction each, user_version set) */
static void
build_at(int v)
{
	struct store *s = NULL;
	char err[256], pragma[64];

	cr_assert_eq(store_open(dbpath, 1, &s, err, sizeof(err)), 0, "%s", err);
	for (unsigned i = 0; i < schema_nmigrations; i++) {
		const struct schema_migration *m = &schema_migrations[i];

		if ((int)m->version > v)
			break;
		cr_assert_eq(store_begin(s), 0);
		exec_ok(s, v, m->sql);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %u",
		    m->version);
		exec_ok(s, v, pragma);
		cr_assert_eq(store_commit(s), 0, "commit of %s: %s", m->name,
		    store_errmsg(s));
	}
	cr_assert_eq(store_version(s), v, "built version %d, want %d",
	    store_version(s), v);
	store_close(&s);
}

/* The representative rows, in the columns of schema 001.  Times are
 * around 2020-11-20 (1605866400). */
/* long enough to be stored compressed from 016 on */
#define POST1_TEXT "Our community fund decides by lottery among eligible projects." \
	" The lottery is drawn in public, every quarter, by members of the fund," \
	" and every eligible project has the same chance in the lottery." \
	" The lottery is drawn in public, every quarter, by members of the fund," \
	" and every eligible project has the same chance in the lottery."
static const char fill_sql[] =
    "INSERT INTO meta(key, value) VALUES ('relay_started', '1605866400');"
    "INSERT INTO themes(slug, title, keywords, position) VALUES"
    " ('funding', 'Funding', 'grant,fund', 0), ('risk', 'Risk', NULL, 1);"
    "INSERT INTO theme_questions(theme, position, question) VALUES"
    " ('funding', 0, 'How do you decide on grants?');"
    "INSERT INTO sessions(id, theme, opens, closes, state) VALUES"
    " (1, 'funding', 1605571200, 1606780800, 'open'),"
    " (2, 'risk', 1606780800, 1607990400, 'planned');"
    "INSERT INTO members(id, email, name, role, delivery, region, language,"
    " status, all_themes, unsub_token, created, updated) VALUES"
    " (1, 'amina@example.org', 'Amina Yusuf', 'facilitator', 'each', 'West Africa',"
    "  'en', 'active', 1, 'tok-amina', 1605000000, 1605000000),"
    " (2, 'bo@example.net', 'Bo Lindqvist', 'member', 'digest', NULL, 'sv',"
    "  'active', 0, 'tok-bo', 1605000000, 1605000000),"
    " (3, 'chidi@example.net', 'Chidi Okafor', 'member', 'each', NULL, NULL,"
    "  'bouncing', 1, NULL, 1605000000, 1605000000);"
    "INSERT INTO member_themes(member, theme) VALUES (2, 'funding');"
    "INSERT INTO messages(id, message_id, received, origin, route, state, sender,"
    " size, raw) VALUES"
    " (1, '<p1@example.org>', 1605866400, 'imap:INBOX:1:1', 'post', 'stored',"
    "  'amina@example.org', 60, CAST('Subject: Grant rounds' || char(13, 10) ||"
    "  char(13, 10) || 'Lottery.' AS BLOB)),"
    " (2, '<p2@example.net>', 1605870000, 'imap:INBOX:1:2', 'post', 'stored',"
    "  'bo@example.net', 50, CAST('Subject: Re: Grant rounds' AS BLOB)),"
    " (3, '<held@example.com>', 1605871000, 'imap:INBOX:1:3', 'post', 'stored',"
    "  'dana@example.com', 40, CAST('Subject: Hello' AS BLOB)),"
    " (4, 'sha256:00ff', 1605872000, 'imap:INBOX:1:4', 'bounce', 'stored',"
    "  'MAILER-DAEMON@example.net', 30, CAST('bounce' AS BLOB));"
    "INSERT INTO threads(id, theme, session, subject, norm_subject, root, created,"
    " last_post, posts) VALUES"
    " (1, 'funding', 1, 'Grant rounds', 'grant rounds', 1, 1605866400, 1605870000, 2),"
    " (2, 'funding', 1, 'Hello', 'hello', 3, 1605871000, 1605871000, 0);"
    "INSERT INTO posts(id, message, message_id, thread, parent, depth, theme,"
    " session, kind, state, author, author_name, author_email, subject, date,"
    " received, text, new_text, nlinks, nattachments) VALUES"
    " (1, 1, '<p1@example.org>', 1, NULL, 0, 'funding', 1, 'idea', 'accepted', 1,"
    "  'Amina Yusuf', 'amina@example.org', 'Grant rounds', 1605866400, 1605866400,"
    "  '" POST1_TEXT "', '" POST1_TEXT "', 1, 1),"
    " (2, 2, '<p2@example.net>', 1, 1, 1, 'funding', 1, 'question', 'accepted', 2,"
    "  'Bo Lindqvist', 'bo@example.net', 'Re: Grant rounds', 1605870000,"
    "  1605870000, 'How often does the lottery run? > lottery',"
    "  'How often does the lottery run?', 0, 0),"
    " (3, 3, '<held@example.com>', 2, NULL, 0, 'funding', 1, 'idea', 'held', NULL,"
    "  'Dana Stranger', 'dana@example.com', 'Hello', 1605871000, 1605871000,"
    "  'A microgrant programme in Lagos.', 'A microgrant programme in Lagos.', 0, 0);"
    "INSERT INTO containers(mid, post, parent_mid, thread) VALUES"
    " ('<p1@example.org>', 1, NULL, 1), ('<p2@example.net>', 2, '<p1@example.org>', 1),"
    " ('<gone@example.org>', NULL, NULL, 1), ('<held@example.com>', 3, NULL, 2);"
    "INSERT INTO links(post, url) VALUES (1, 'https://fund.example.org/lottery');"
    "INSERT INTO attachments(post, name, type, bytes) VALUES"
    " (1, 'rules.pdf', 'application/pdf', 48213);"
    "INSERT INTO outbox(id, kind, post, created, body) VALUES"
    " (1, 'post', 1, 1605866400, NULL),"
    " (2, 'notice', NULL, 1605871000, CAST('Subject: held' AS BLOB));"
    "INSERT INTO outbox_rcpt(id, outbox, member, address, state, attempts,"
    " next_try, last_error, updated) VALUES"
    " (1, 1, 1, 'amina@example.org', 'sent', 1, 0, NULL, 1605866410),"
    " (2, 1, 3, 'chidi@example.net', 'deferred', 2, 1605866700,"
    "  '451 4.3.0 try later', 1605866500),"
    " (3, 2, NULL, 'dana@example.com', 'queued', 0, 0, NULL, 1605871000);"
    "INSERT INTO tokens(token, kind, address, member, ref, data, created, expires)"
    " VALUES ('abc123', 'approve', 'amina@example.org', 1, 1, NULL, 1605871000,"
    " 1606475800);"
    "INSERT INTO held(id, message, post, reason, token, state, created, expires)"
    " VALUES (1, 3, 3, 'non-member', 'abc123', 'held', 1605871000, 1606475800);"
    "INSERT INTO bounces(id, member, address, day, at, temporary, reason, message)"
    " VALUES (1, 3, 'chidi@example.net', 18586, 1605872000, 0, '550 5.1.1', 4);"
    "INSERT INTO notices(address, kind, day) VALUES ('dana@example.com', 'held', 18586);"
    "INSERT INTO imap_state(mailbox, uidvalidity, last_uid, last_fetch) VALUES"
    " ('INBOX', 1, 4, 1605872000);"
    "INSERT INTO jobs(id, kind, ref, due, done) VALUES"
    " (1, 'session-open', '1', 1605571200, 1605571200),"
    " (2, 'session-close', '1', 1606780800, NULL);"
    "INSERT INTO digests(number, period_start, period_end, built) VALUES"
    " (1, 1605571200, 1606176000, 1606176000);"
    "INSERT INTO digest_sent(digest, member, outbox) VALUES (1, 2, 2);";

/* The tables fill_sql writes and how many rows each holds. */
static const struct {
	const char *table;
	int rows;
} filled[] = {
	{ "themes", 2 }, { "theme_questions", 1 }, { "sessions", 2 },
	{ "members", 3 }, { "member_themes", 1 }, { "messages", 4 },
	{ "threads", 2 }, { "posts", 3 }, { "containers", 4 }, { "links", 1 },
	{ "attachments", 1 }, { "outbox", 2 }, { "outbox_rcpt", 3 },
	{ "tokens", 1 }, { "held", 1 }, { "bounces", 1 }, { "notices", 1 },
	{ "imap_state", 1 }, { "jobs", 2 }, { "digests", 1 },
	{ "digest_sent", 1 },
};

/* fill - the representative rows, as the store of version v left them */
static void
fill(int v)
{
	struct store *s = NULL;
	char err[256];

	cr_assert_eq(store_open(dbpath, 0, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(store_begin(s), 0);
	exec_ok(s, v, fill_sql);
	if (v >= 5 && v < 7) {
		/* 005-006: the commit indexed the noted posts (store_fts_flush
		 * of those versions); nothing was left pending */
		exec_ok(s, v, "INSERT INTO posts_fts(rowid, subject, author_name, text)"
		    " SELECT p.id, p.subject, p.author_name, p.text FROM"
		    " posts_fts_pending q JOIN posts p ON p.id = q.id ORDER BY q.id;"
		    "DELETE FROM posts_fts_pending;");
	}
	cr_assert_eq(store_commit(s), 0, "%s", store_errmsg(s));
	store_close(&s);
}

/* ---- looking at the migrated database --------------------------------------- */

struct hits {
	int n;
	char ids[256];
};

static int
on_hit(void *arg, const struct store_post_row *p)
{
	struct hits *h = arg;
	size_t len = strlen(h->ids);

	h->n++;
	snprintf(h->ids + len, sizeof(h->ids) - len, "%s%s", len ? " " : "",
	    p->message_id);
	return 0;
}

/* search - the Message-IDs store_post_search finds for one word */
static struct hits
search(struct store *s, const char *word)
{
	struct hits h = { 0, "" };
	char *words[1] = { (char *)word };

	cr_assert_geq(store_post_search(s, words, 1, 10, on_hit, &h), 0,
	    "search %s: %s", word, store_errmsg(s));
	return h;
}

static int
on_member(const struct member *m, void *arg)
{
	char *list = arg;
	size_t len = strlen(list);

	snprintf(list + len, 256 - len, "%s%s", len ? " " : "", m->email);
	return 0;
}

/* ---- the tests ----------------------------------------------------------- */

/* expect_text - the text sql gives on db is want (v: the version migrated
 * from, what: the name in the failure) */
static void
expect_text(sqlite3 *db, int v, const char *what, const char *sql, const char *want)
{
	char *text = tutil_sql_text(db, sql);

	cr_expect(text && strcmp(text, want) == 0, "from %d: %s: got %s", v, what,
	    text ? text : "(nothing)");
	free(text);
}

ParameterizedTestParameters(migrate, from_every_earlier_version)
{
	size_t n = store_latest_version() > 1 ?
	    (size_t)store_latest_version() - 1 : 0;

	cr_assert_leq(n, TUTIL_MAX_PARAMS);
	return cr_make_param_array(size_t, tutil_indices(n), n);
}

ParameterizedTest(size_t *idx, migrate, from_every_earlier_version,
    .init = setup, .fini = teardown)
{
	int v = (int)*idx + 1, latest = store_latest_version(), applied, gen;
	struct store *s = NULL;
	struct store_health h;
	struct outbox_stats q;
	struct store_message msg;
	struct store_post post;
	struct hits hits;
	sqlite3 *db;
	char err[256], sql[128], members[256] = "", *text;
	int64_t id, msg_id;

	build_at(v);
	fill(v);

	/* the normal path: open, migrate */
	cr_assert_eq(store_open(dbpath, 0, &s, err, sizeof(err)), 0, "%s", err);
	applied = store_migrate(s, err, sizeof(err));
	cr_assert_eq(applied, latest - v, "from %d: applied %d migrations, want %d "
	    "(%s)", v, applied, latest - v, applied < 0 ? err : "");
	cr_expect_eq(store_version(s), latest, "from %d: got version %d, want %d", v,
	    store_version(s), latest);
	cr_expect_eq(store_migrate(s, err, sizeof(err)), 0,
	    "from %d: a second migrate did something", v);

	/* usable through the store: search, members, outbox, health */
	hits = search(s, "lottery");
	cr_expect_eq(hits.n, 2, "from %d: search lottery: got %d hits (%s), want 2",
	    v, hits.n, hits.ids);
	/* The held post is indexed too (the FTS5 integrity check below), but
	 * search shows accepted posts only. */
	hits = search(s, "microgrant");
	cr_expect_eq(hits.n, 0, "from %d: search microgrant (a held post): got %d "
	    "hits (%s), want 0", v, hits.n, hits.ids);
	cr_expect_eq(store_member_count(s), 3, "from %d: got %ld members, want 3", v,
	    store_member_count(s));
	cr_expect_eq(store_member_each(s, on_member, members), 0);
	cr_expect_str_eq(members,
	    "amina@example.org bo@example.net chidi@example.net",
	    "from %d: members: got '%s'", v, members);
	cr_assert_eq(outbox_stats_get(s, &q), 0);
	cr_expect(q.queued == 1 && q.deferred == 1 && q.sent == 1 && q.failed == 0,
	    "from %d: outbox: got %ld queued %ld deferred %ld sent %ld failed, "
	    "want 1 1 1 0", v, q.queued, q.deferred, q.sent, q.failed);
	cr_expect(q.oldest_address && strcmp(q.oldest_address, "chidi@example.net") == 0 &&
	    q.oldest_reason && strcmp(q.oldest_reason, "451 4.3.0 try later") == 0,
	    "from %d: oldest deferral: got %s: %s", v,
	    q.oldest_address ? q.oldest_address : "(none)",
	    q.oldest_reason ? q.oldest_reason : "(none)");
	outbox_stats_release(&q);
	cr_assert_eq(store_health_get(s, &h), 0, "from %d: health: %s", v,
	    store_errmsg(s));
	if (v < 6) {
		/* 006 starts from what the old tables show */
		cr_expect_eq(h.last_fetch, 1605872000, "from %d: last_fetch %lld", v,
		    (long long)h.last_fetch);
		cr_expect_eq(h.last_delivery, 1605866410, "from %d: last_delivery %lld",
		    v, (long long)h.last_delivery);
	}
	cr_expect(h.held_waiting == 1 && h.held_oldest == 1605871000,
	    "from %d: held: got %ld since %lld", v, h.held_waiting,
	    (long long)h.held_oldest);
	cr_expect_eq(store_health_fetched(s, 1605880000), 0);

	/* a new post after the upgrade is stored and found with the old ones */
	cr_assert_eq(store_begin(s), 0);
	memset(&msg, 0, sizeof(msg));
	msg.message_id = "<new@example.net>";
	msg.received = 1605880000;
	msg.origin = "cli";
	msg.route = "post";
	msg.state = "stored";
	msg.sender = "bo@example.net";
	msg.raw = "Subject: lottery odds\r\n\r\nbody";
	msg.size = msg.raw_len = strlen(msg.raw);
	cr_assert_eq(store_message_add(s, &msg, &msg_id), 0, "%s",
	    store_errmsg(s));
	memset(&post, 0, sizeof(post));
	post.message = msg_id;
	post.message_id = "<new@example.net>";
	post.thread = 1;
	post.parent = 1;
	post.depth = 1;
	post.theme = "funding";
	post.session = 1;
	post.kind = "resource";
	post.state = "accepted";
	post.author = 2;
	post.author_name = "Bo Lindqvist";
	post.author_email = "bo@example.net";
	post.subject = "lottery odds";
	post.received = 1605880000;
	post.text = "The odds of the lottery, worked out.";
	post.new_text = post.text;
	cr_assert_eq(store_post_add(s, &post, &id), 0, "from %d: new post: %s", v,
	    store_errmsg(s));
	cr_assert_eq(store_commit(s), 0, "%s", store_errmsg(s));
	hits = search(s, "lottery");
	cr_expect_eq(hits.n, 3, "from %d: after a new post: got %d hits (%s), want 3",
	    v, hits.n, hits.ids);
	store_close(&s);

	/* every row there, and the file sound */
	cr_assert_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	cr_assert_eq(store_fts_tokenizer(db), 0);
	cr_assert_eq(store_zip_functions(db), 0);
	for (size_t i = 0; i < sizeof(filled) / sizeof(filled[0]); i++) {
		int want = filled[i].rows;

		if (strcmp(filled[i].table, "posts") == 0 ||
		    strcmp(filled[i].table, "messages") == 0)
			want++;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", filled[i].table);
		cr_expect_eq(tutil_sql_int(db, sql), want, "from %d: %s: got %lld rows, "
		    "want %d", v, filled[i].table, tutil_sql_int(db, sql), want);
	}
	cr_expect_eq(tutil_sql_int(db, "SELECT count(*) FROM health"), 1);
	/* 009: the archive generation starts at 0; a new post does not move it,
	 * nor does 016 compressing the stored texts (012 packing post 1's
	 * new_text as ranges moved it once, from before 012) */
	gen = v < 12 ? 1 : 0;
	cr_expect_eq(tutil_sql_int(db, "SELECT value FROM meta WHERE key = 'archive_gen'"),
	    gen, "from %d: archive_gen %lld, want %d", v,
	    tutil_sql_int(db, "SELECT value FROM meta WHERE key = 'archive_gen'"), gen);
	/* same ids (008 rebuilds posts and outbox_rcpt): what refers to them
	 * by number (links, held, containers, outbox, the search index) still
	 * means the same row */
	expect_text(db, v, "posts", "SELECT group_concat(id || message_id, ' ') FROM"
	    " (SELECT id, message_id FROM posts WHERE id <= 3 ORDER BY id)",
	    "1<p1@example.org> 2<p2@example.net> 3<held@example.com>");
	expect_text(db, v, "outbox_rcpt", "SELECT group_concat(id || address || state, ' ')"
	    " FROM (SELECT * FROM outbox_rcpt ORDER BY id)", "1amina@example.orgsent "
	    "2chidi@example.netdeferred 3dana@example.comqueued");
	cr_expect_eq(tutil_sql_int(db,
	    "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'microgrant'"),
	    1, "from %d: the held post is not in the search index", v);
	/* 016: texts and raw messages stored compressed where that pays, and
	 * read back as they were */
	cr_expect_eq(tutil_sql_int(db, "SELECT typeof(text) = 'blob' AND"
	    " bz_text(text) = '" POST1_TEXT "' FROM posts WHERE id = 1"), 1,
	    "from %d: post 1's text is not stored compressed, or reads back wrong", v);
	expect_text(db, v, "short texts", "SELECT group_concat(bz_text(text), '|') FROM"
	    " (SELECT text FROM posts WHERE id IN (2, 3) ORDER BY id)",
	    "How often does the lottery run? > lottery|A microgrant programme in Lagos.");
	expect_text(db, v, "raw of message 2", "SELECT CAST(bz_raw(raw) AS TEXT)"
	    " FROM messages WHERE id = 2", "Subject: Re: Grant rounds");
	text = tutil_sql_text(db, "PRAGMA integrity_check");
	cr_expect(text && strcmp(text, "ok") == 0, "from %d: integrity_check: %s",
	    v, text ? text : "(nothing)");
	free(text);
	text = tutil_sql_text(db, "PRAGMA foreign_key_check");
	cr_expect_null(text, "from %d: foreign_key_check: a violation in %s", v,
	    text);
	free(text);
	sqlite3_close(db);
	/* the search index agrees with its content table (a write) */
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(store_fts_tokenizer(db), 0);
	cr_assert_eq(store_zip_functions(db), 0);
	/* 009: a post approved (not a new post) moves the archive generation */
	cr_expect_eq(sqlite3_exec(db, "UPDATE posts SET state = 'accepted' WHERE id = 3",
	    NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_expect_eq(tutil_sql_int(db, "SELECT value FROM meta WHERE key = 'archive_gen'"),
	    gen + 1, "from %d: archive_gen after an approval", v);
	cr_expect_eq(sqlite3_exec(db, "INSERT INTO posts_fts(posts_fts, rank) "
	    "VALUES ('integrity-check', 1)", NULL, NULL, NULL), SQLITE_OK,
	    "from %d: posts_fts integrity-check: %s", v, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* A database written by a newer baraza is refused, named, and untouched. */
Test(migrate, newer_database_refused, .init = setup, .fini = teardown)
{
	struct store *s = NULL;
	char err[256], pragma[64];
	int latest = store_latest_version(), rc;

	build_at(latest);
	cr_assert_eq(store_open(dbpath, 0, &s, err, sizeof(err)), 0, "%s", err);
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", latest + 1);
	cr_assert_eq(store_exec(s, pragma), 0);
	store_close(&s);

	cr_assert_eq(store_open(dbpath, 0, &s, err, sizeof(err)), 0, "%s", err);
	err[0] = '\0';
	rc = store_migrate(s, err, sizeof(err));
	cr_expect_eq(rc, -1, "migrate of a newer database: got %d, want -1", rc);
	cr_expect(strstr(err, "newer than this program") != NULL &&
	    strstr(err, "upgrade baraza") != NULL,
	    "got error '%s', want one saying the database is newer and to "
	    "upgrade baraza", err);
	cr_expect_eq(store_version(s), latest + 1, "the version changed to %d",
	    store_version(s));
	store_close(&s);
}

/* Every embedded migration is numbered one above the one before, from 1:
 * a gap or a duplicate number would make databases skip or repeat one. */
Test(migrate, numbered_without_gaps)
{
	for (unsigned i = 0; i < schema_nmigrations; i++)
		cr_expect_eq(schema_migrations[i].version, i + 1,
		    "migration %u (%s): got number %u, want %u", i,
		    schema_migrations[i].name, schema_migrations[i].version, i + 1);
}

/* build_fill7 - a filled database of version 7, the last before 008's
 * table rebuild */
static void
build_fill7(void)
{
	build_at(7);
	fill(7);
}

/* expect_still7 - after a failed migration to 8: version 7, the old posts
 * table with its rows and ids, foreign keys enforced on s again */
static void
expect_still7(struct store *s, const char *what)
{
	sqlite3 *db;
	char *text;

	cr_expect_eq(store_version(s), 7, "%s: got version %d, want 7", what,
	    store_version(s));
	cr_expect_neq(store_exec(s, "INSERT INTO links(post, url) VALUES (999, 'x')"),
	    0, "%s: foreign keys are off after the failed migration", what);
	cr_assert_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	text = tutil_sql_text(db, "SELECT sql FROM sqlite_schema WHERE name = 'posts'");
	cr_expect(text && strstr(text, "kind IN (") != NULL,
	    "%s: posts is not the old table: %s", what, text ? text : "(none)");
	free(text);
	text = tutil_sql_text(db, "SELECT group_concat(id || message_id, ' ') FROM"
	    " (SELECT id, message_id FROM posts ORDER BY id)");
	cr_expect(text && strcmp(text, "1<p1@example.org> 2<p2@example.net> "
	    "3<held@example.com>") == 0, "%s: posts: got %s", what,
	    text ? text : "(nothing)");
	free(text);
	cr_expect_eq(tutil_sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name"
	    " IN ('posts_008', 'posts_fts_ad', 'posts_fts_au', 'posts_kind',"
	    " 'posts_author_email_received') OR (name = 'posts_thread' AND"
	    " sql LIKE '%(thread, received)')"), 5,
	    "%s: the old schema's objects are not all there (or a new one is)",
	    what);
	cr_expect_eq(tutil_sql_int(db, "SELECT count(*) FROM outbox_rcpt"), 3);
	text = tutil_sql_text(db, "PRAGMA integrity_check");
	cr_expect(text && strcmp(text, "ok") == 0, "%s: integrity_check: %s",
	    what, text ? text : "(nothing)");
	free(text);
	sqlite3_close(db);
}

/* 008 fails after it dropped and replaced posts (a view already holds the
 * name of its second new table): everything rolls back, old schema intact. */
Test(migrate, rebuild_failing_half_way_rolls_back, .init = setup,
    .fini = teardown)
{
	struct store *s = NULL;
	char err[256] = "";

	build_fill7();
	cr_assert_eq(store_open(dbpath, 0, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(store_exec(s, "CREATE VIEW outbox_rcpt_008 AS SELECT 1"), 0);
	cr_expect_eq(store_migrate(s, err, sizeof(err)), -1,
	    "migrate with a clashing name: did not fail");
	cr_expect(strstr(err, "008") != NULL, "error does not name 008: %s", err);
	expect_still7(s, "failed half-way");
	cr_assert_eq(store_exec(s, "DROP VIEW outbox_rcpt_008"), 0);
	store_close(&s);
	/* and once the obstacle is gone it goes through */
	cr_assert_eq(store_open(dbpath, 0, &s, err, sizeof(err)), 0, "%s", err);
	/* 008 and every later migration */
	cr_expect_eq(store_migrate(s, err, sizeof(err)), store_latest_version() - 7, "%s",
	    err);
	cr_expect_eq(store_version(s), store_latest_version());
	store_close(&s);
}

/* A row referring to a missing post (possible only if someone wrote with
 * foreign keys off) fails foreign_key_check before COMMIT: rolled back. */
Test(migrate, rebuild_with_dangling_reference_rolls_back, .init = setup,
    .fini = teardown)
{
	struct store *s = NULL;
	char err[256] = "";

	build_fill7();
	cr_assert_eq(store_open(dbpath, 0, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(store_exec(s, "PRAGMA foreign_keys = OFF;"
	    "INSERT INTO links(post, url) VALUES (42, 'https://dangling.example/');"
	    "PRAGMA foreign_keys = ON"), 0);
	cr_expect_eq(store_migrate(s, err, sizeof(err)), -1,
	    "migrate with a dangling link: did not fail");
	cr_expect(strstr(err, "foreign key") != NULL && strstr(err, "links") != NULL,
	    "got error '%s', want a foreign key violation in links", err);
	expect_still7(s, "dangling reference");
	store_close(&s);
}

/* explain_ephemeral - how many OpenEphemeral ops SQLite codes for sql */
static int
explain_ephemeral(sqlite3 *db, const char *sql)
{
	char q[512];
	sqlite3_stmt *st;
	int n = 0;

	snprintf(q, sizeof(q), "EXPLAIN %s", sql);
	cr_assert_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK,
	    "%s: %s", q, sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 1), "OpenEphemeral") == 0)
			n++;
	sqlite3_finalize(st);
	return n;
}

/* The writes that run per post and per recipient build no table for their
 * CHECKs (007's IN lists built one per row); the checks still hold. */
Test(migrate, checks_without_ephemeral_tables, .init = setup, .fini = teardown)
{
	static const char *const writes[] = {
		"INSERT INTO posts(message, message_id, thread, theme, kind, state,"
		" received) VALUES (4, '<x@example.org>', 1, 'funding', 'idea',"
		" 'accepted', 1)",
		"UPDATE posts SET state = 'rejected' WHERE id = 3",
		"INSERT INTO outbox_rcpt(outbox, address, updated) VALUES (1, 'x@example.org', 1)",
		"UPDATE outbox_rcpt SET state = 'sent', updated = 2 WHERE id = 2",
	};
	static const char *const refused[] = {
		"UPDATE posts SET kind = 'rant' WHERE id = 1",
		"UPDATE posts SET state = 'Accepted' WHERE id = 1",
		"UPDATE outbox_rcpt SET state = 'lost' WHERE id = 1",
	};
	struct store *s = NULL;
	sqlite3 *db;
	char err[256];

	build_at(store_latest_version());
	fill(store_latest_version());
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		cr_expect_eq(explain_ephemeral(db, writes[i]), 0,
		    "%s: got OpenEphemeral, want none", writes[i]);
	sqlite3_close(db);
	cr_assert_eq(store_open(dbpath, 0, &s, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		cr_expect_neq(store_exec(s, refused[i]), 0, "%s: accepted", refused[i]);
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		cr_expect_eq(store_exec(s, writes[i]), 0, "%s: %s", writes[i],
		    store_errmsg(s));
	store_close(&s);
}
