/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_store - migrations, the programme sync, session states, backup
 *
 * Each test gets a fresh database file in its own temporary directory.
 * Sessions are built in the Europe/Amsterdam zone so that local dates
 * matter.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "clock.h"
#include "conf.h"
#include "store.h"
#include "store_int.h"
#include "store_programme.h"
#include "store_jobs.h"
#include "buf.h"
#include "tutil.h"

static char tmpdir[64];
static char dbpath[128];
static struct store *db;

/* setup - a new, empty database file (not migrated) in a scratch directory */
static void
setup(void)
{
	tutil_scratch_dir(tmpdir, sizeof(tmpdir), "store");
	snprintf(dbpath, sizeof(dbpath), "%s/test.db", tmpdir);
	db = tutil_store_open(dbpath);
	cr_assert_eq(clock_set_timezone("Europe/Amsterdam"), 0);
}

static void
teardown(void)
{
	store_close(&db);
	tutil_rmtree(tmpdir);
}

TestSuite(migrate, .init = setup, .fini = teardown);

Test(migrate, fresh_database)
{
	char err[256];
	int n = store_migrate(db, err, sizeof(err));

	cr_assert_eq(n, store_latest_version(), "got %d migrations, want %d", n,
	    store_latest_version());
	cr_assert_eq(store_version(db), store_latest_version());
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM sqlite_master WHERE name = 'members'"), 1);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM sqlite_master WHERE name = 'posts_fts'"), 1);
	cr_assert_eq(tutil_sql_int(db->db, "PRAGMA foreign_keys"), 1, "foreign keys on");
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1, "WAL");
}

Test(migrate, twice_changes_nothing)
{
	char err[256];
	long objects;

	cr_assert_geq(store_migrate(db, err, sizeof(err)), 1, "%s", err);
	objects = tutil_sql_int(db->db, "SELECT count(*) FROM sqlite_master");
	cr_assert_eq(store_migrate(db, err, sizeof(err)), 0, "second run applies nothing");
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM sqlite_master"), objects);
}

Test(migrate, refuses_a_newer_database)
{
	char err[256], pragma[64];

	tutil_store_migrate(db);
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", store_latest_version() + 1);
	cr_assert_eq(store_exec(db, pragma), 0);
	cr_assert_eq(store_migrate(db, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "newer than this program"), "got '%s'", err);
}

Test(migrate, meta_and_integrity)
{
	char err[256], *v = NULL;

	tutil_store_migrate(db);
	cr_assert_eq(store_meta_set(db, "k", "v1"), 0);
	cr_assert_eq(store_meta_set(db, "k", "v2"), 0);
	cr_assert_eq(store_meta_get(db, "k", &v), 1);
	cr_assert_str_eq(v, "v2");
	free(v);
	cr_assert_eq(store_meta_get(db, "absent", &v), 0);
	cr_assert_eq(store_integrity(db, err, sizeof(err)), 0, "%s", err);
}

Test(migrate, backup_is_a_consistent_copy)
{
	char err[256], dest[160];
	struct store *copy = NULL;

	tutil_store_migrate(db);
	cr_assert_eq(store_exec(db, "INSERT INTO meta(key, value) VALUES ('x', 'y')"), 0);
	snprintf(dest, sizeof(dest), "%s/backup.db", tmpdir);
	cr_assert_eq(store_backup(db, dest, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(store_open(dest, 0, &copy, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(store_version(copy), store_latest_version());
	{
		char *v = NULL;

		cr_assert_eq(store_meta_get(copy, "x", &v), 1);
		cr_assert_str_eq(v, "y");
		free(v);
	}
	store_close(&copy);
	snprintf(dest, sizeof(dest), "%s/no/such/dir/backup.db", tmpdir);
	cr_assert_eq(store_backup(db, dest, err, sizeof(err)), -1, "unwritable destination");
}

/* ---- the programme ---------------------------------------------------------- */

static struct conf_session funding_sessions[2];
static struct conf_session risk_sessions[1];
static char *risk_questions[] = { (char *)"Who carries the risk?", (char *)"Who decides?" };
static struct conf_theme themes[2];
static struct conf cfg;

/* programme - funding (two sessions) and risk (one, two questions) */
static void
programme(void)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(themes, 0, sizeof(themes));
	funding_sessions[0].opens = clock_local(2020, 11, 17, 0, 0);
	funding_sessions[0].closes = clock_local(2020, 12, 1, 0, 0);
	funding_sessions[1].opens = clock_local(2021, 1, 5, 0, 0);
	funding_sessions[1].closes = clock_local(2021, 1, 19, 0, 0);
	risk_sessions[0].opens = clock_local(2020, 12, 1, 0, 0);
	risk_sessions[0].closes = clock_local(2020, 12, 15, 0, 0);
	themes[0].slug = (char *)"funding";
	themes[0].title = (char *)"The Organisation of Funding Streams";
	themes[0].keywords = (char *)"(?i)fund";
	themes[0].sessions = funding_sessions;
	themes[0].nsessions = 2;
	themes[1].slug = (char *)"risk";
	themes[1].title = (char *)"Risk Assessments and Risk Sharing";
	themes[1].sessions = risk_sessions;
	themes[1].nsessions = 1;
	themes[1].questions = risk_questions;
	themes[1].nquestions = 2;
	cfg.themes = themes;
	cfg.nthemes = 2;
}

static void
sync_setup(void)
{
	setup();
	tutil_store_migrate(db);
	programme();
}

TestSuite(sync, .init = sync_setup, .fini = teardown);

Test(sync, first_run_adds_everything)
{
	struct programme_sync r;

	cr_assert_eq(store_programme_sync(db, &cfg, &r), 0);
	cr_assert_eq(r.themes_added, 3, "funding, risk and general: got %d", r.themes_added);
	cr_assert_eq(r.sessions_added, 3);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM themes WHERE slug = 'general' AND active = 1"), 1);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM theme_questions WHERE theme = 'risk'"), 2);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT opens FROM sessions WHERE theme = 'risk'"), 1606777200,
	    "local midnight of 1 December in Amsterdam");
}

Test(sync, second_run_changes_nothing)
{
	struct programme_sync r;
	long changes;

	cr_assert_eq(store_programme_sync(db, &cfg, &r), 0);
	changes = tutil_sql_int(db->db, "SELECT total_changes()");
	cr_assert_eq(store_programme_sync(db, &cfg, &r), 0);
	cr_assert_eq(r.themes_added + r.themes_updated + r.themes_retired, 0);
	cr_assert_eq(r.sessions_added + r.sessions_updated + r.sessions_removed, 0);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT total_changes()"), changes, "no row was written");
}

Test(sync, changes_are_applied)
{
	struct programme_sync r;
	static char *one_question[] = { (char *)"Who decides?" };

	cr_assert_eq(store_programme_sync(db, &cfg, &r), 0);
	themes[0].title = (char *)"Funding";
	funding_sessions[0].closes = clock_local(2020, 12, 3, 0, 0);
	themes[1].questions = one_question;
	themes[1].nquestions = 1;
	cr_assert_eq(store_programme_sync(db, &cfg, &r), 0);
	cr_assert_eq(r.themes_updated, 2, "title and questions: got %d", r.themes_updated);
	cr_assert_eq(r.sessions_updated, 1, "the end date moved, same row");
	cr_assert_eq(r.sessions_added, 0);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM sessions"), 3);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT count(*) FROM theme_questions WHERE theme = 'risk'"), 1);
}

Test(sync, removed_theme_is_retired_and_sessions_dropped)
{
	struct programme_sync r;

	cr_assert_eq(store_programme_sync(db, &cfg, &r), 0);
	/* a post was filed in the first funding session */
	cr_assert_eq(store_exec(db,
	    "INSERT INTO threads(id, theme, created, last_post) VALUES (1, 'funding', 1, 1);"
	    "INSERT INTO messages(id, message_id, received, route, state, size, raw)"
	    " VALUES (1, '<a@x>', 1, 'post', 'stored', 1, x'00');"
	    "INSERT INTO posts(message, message_id, thread, theme, session, kind, received)"
	    " SELECT 1, '<a@x>', 1, 'funding', id, 'idea', 1 FROM sessions"
	    " WHERE theme = 'funding' ORDER BY opens LIMIT 1"), 0);
	cfg.nthemes = 1;
	themes[0].nsessions = 0;
	cr_assert_eq(store_programme_sync(db, &cfg, &r), 0);
	cr_assert_eq(r.themes_retired, 1, "risk retired");
	cr_assert_eq(r.sessions_removed, 2, "the unused funding and risk sessions: got %d",
	    r.sessions_removed);
	cr_assert_eq(r.sessions_kept, 1, "the session holding a post stays");
	cr_assert_eq(tutil_sql_int(db->db, "SELECT active FROM themes WHERE slug = 'risk'"), 0);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT active FROM themes WHERE slug = 'general'"), 1);
	cfg.nthemes = 2;
	cr_assert_eq(store_programme_sync(db, &cfg, &r), 0);
	cr_assert_eq(tutil_sql_int(db->db,
	    "SELECT active FROM themes WHERE slug = 'risk'"), 1, "and back");
}

/* ---- session states ---------------------------------------------------------- */

struct state_case {
	const char *stored;
	const char *now;
	enum session_state want;
};

/* The funding session 2020-11-17..2020-12-01 in Amsterdam (UTC+1). */
static struct state_case state_cases[] = {
	{ "planned", "2020-11-16T22:59:59Z", SESSION_PLANNED },
	{ "planned", "2020-11-16T23:00:00Z", SESSION_OPEN },
	{ "planned", "2020-11-20T10:00:00Z", SESSION_OPEN },
	{ "planned", "2020-11-30T22:59:59Z", SESSION_OPEN },
	{ "planned", "2020-11-30T23:00:00Z", SESSION_CLOSED },
	{ "open", "2020-12-05T10:00:00Z", SESSION_OPEN },
	{ "open", "2020-11-01T10:00:00Z", SESSION_OPEN },
	{ "closed", "2020-11-20T10:00:00Z", SESSION_CLOSED },
	{ "closed", "2020-11-01T10:00:00Z", SESSION_CLOSED },
};

ParameterizedTestParameters(session, state)
{
	_Static_assert(TUTIL_NELEM(state_cases) <= TUTIL_MAX_PARAMS, "raise TUTIL_MAX_PARAMS");
	return TUTIL_PARAMS(state_cases);
}

ParameterizedTest(size_t *pi, session, state)
{
	struct state_case *tc = &state_cases[*pi];
	time_t now, opens, closes;

	cr_assert_eq(clock_set_timezone("Europe/Amsterdam"), 0);
	opens = clock_local(2020, 11, 17, 0, 0);
	closes = clock_local(2020, 12, 1, 0, 0);
	cr_assert_eq(clock_parse_iso(tc->now, &now), 0);
	cr_assert_eq(store_session_state(tc->stored, opens, closes, now), tc->want,
	    "%s at %s: got %s, want %s", tc->stored, tc->now,
	    session_state_name(store_session_state(tc->stored, opens, closes, now)),
	    session_state_name(tc->want));
}

TestSuite(sessions, .init = sync_setup, .fini = teardown);

struct collected {
	char text[1024];
};

static int
collect(const struct session_row *r, void *arg)
{
	struct collected *c = arg;
	char a[16], b[16];
	size_t n = strlen(c->text);

	snprintf(c->text + n, sizeof(c->text) - n, "%s %s..%s %s %ld;", r->theme,
	    clock_format_date(r->opens, a, sizeof(a)), clock_format_date(r->closes, b, sizeof(b)),
	    session_state_name(r->state), r->posts);
	return 0;
}

Test(sessions, listed_with_states_over_time)
{
	static const struct { const char *now; const char *want; } cases[] = {
		{ "2020-11-10T12:00:00Z",
		    "funding 2020-11-17..2020-12-01 planned 0;risk 2020-12-01..2020-12-15 planned 0;"
		    "funding 2021-01-05..2021-01-19 planned 0;" },
		{ "2020-11-20T10:00:00Z",
		    "funding 2020-11-17..2020-12-01 open 0;risk 2020-12-01..2020-12-15 planned 0;"
		    "funding 2021-01-05..2021-01-19 planned 0;" },
		{ "2020-12-01T08:00:00Z",
		    "funding 2020-11-17..2020-12-01 closed 0;risk 2020-12-01..2020-12-15 open 0;"
		    "funding 2021-01-05..2021-01-19 planned 0;" },
	};

	cr_assert_eq(store_programme_sync(db, &cfg, NULL), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collected c = { "" };
		time_t now;

		cr_assert_eq(clock_parse_iso(cases[i].now, &now), 0);
		cr_assert_eq(store_session_each(db, now, collect, &c), 0);
		cr_assert_str_eq(c.text, cases[i].want, "at %s: got\n%s\nwant\n%s",
		    cases[i].now, c.text, cases[i].want);
	}
}

Test(sessions, open_and_close_by_admin)
{
	time_t now, closes;
	int64_t id, id2;
	char err[128];
	struct session_row r;

	cr_assert_eq(store_programme_sync(db, &cfg, NULL), 0);
	cr_assert_eq(clock_parse_iso("2020-11-20T10:00:00Z", &now), 0);
	closes = clock_local(2020, 11, 25, 0, 0);
	cr_assert_eq(store_session_open(db, "funding", now, closes, &id, err, sizeof(err)), 0,
	    "funding has an open session already");
	cr_assert_not_null(strstr(err, "open already"), "got '%s'", err);
	cr_assert_eq(store_session_open(db, "risk", now, now - 1, &id, err, sizeof(err)), 0,
	    "the end must be after now");
	cr_assert_eq(store_session_open(db, "risk", now, closes, &id, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(store_session_get(db, id, now, &r), 1);
	cr_assert_eq(r.state, SESSION_OPEN);
	cr_assert_str_eq(r.source, "admin");
	session_row_release(&r);
	/* a sync leaves admin sessions alone */
	cr_assert_eq(store_programme_sync(db, &cfg, NULL), 0);
	cr_assert_eq(store_session_get(db, id, now, &r), 1);
	session_row_release(&r);

	cr_assert_eq(store_session_close(db, id, now + 60), 1);
	cr_assert_eq(store_session_close(db, id, now + 120), 2, "closed already");
	cr_assert_eq(store_session_close(db, 9999, now), 0, "no such session");
	cr_assert_eq(store_session_get(db, id, now + 60, &r), 1);
	cr_assert_eq(r.state, SESSION_CLOSED);
	cr_assert_eq(r.closed_at, now + 60);
	session_row_release(&r);
	cr_assert_eq(store_session_open(db, "risk", now + 180, closes, &id2, err, sizeof(err)), 1,
	    "after closing, a new session may open: %s", err);
	cr_assert_neq(id, id2);
}

Test(sessions, themes_listed_in_order)
{
	cr_assert_eq(store_programme_sync(db, &cfg, NULL), 0);
	cr_assert_eq(store_theme_exists(db, "funding"), 1);
	cr_assert_eq(store_theme_exists(db, "Risk"), 1);
	cr_assert_eq(store_theme_exists(db, "general"), 1);
	cr_assert_eq(store_theme_exists(db, "gossip"), 0);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT position FROM themes WHERE slug = 'general'"), 2,
	    "the floor theme comes after the configured ones");
}

Test(sessions, follow_baraza_now)
{
	static const struct { const char *now; const char *want; } cases[] = {
		{ "2020-11-16T23:30:00Z", "open" },      /* 00:30 on 17 Nov in Amsterdam */
		{ "2020-11-16T22:30:00Z", "planned" },
		{ "2020-12-01T00:00:00Z", "closed" },    /* 01:00 on 1 Dec: ended */
	};

	cr_assert_eq(store_programme_sync(db, &cfg, NULL), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct session_row r;

		setenv("BARAZA_NOW", cases[i].now, 1);
		cr_assert_eq(store_session_get(db, 1, clock_now(), &r), 1);
		cr_assert_str_eq(session_state_name(r.state), cases[i].want,
		    "BARAZA_NOW=%s: got %s, want %s", cases[i].now,
		    session_state_name(r.state), cases[i].want);
		session_row_release(&r);
	}
	unsetenv("BARAZA_NOW");
}

/* ---- checkpoints on their own thread (store_ckpt.c) ---------------------- */

static long
wal_size(void)
{
	char path[160];
	struct stat st;

	snprintf(path, sizeof(path), "%s-wal", dbpath);
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* commit_blobs - n transactions of one 16 KB row each into t */
static void
commit_blobs(int n)
{
	static char blob[16384];

	for (int i = 0; i < n; i++) {
		sqlite3_stmt *st;

		blob[i % sizeof(blob)]++;
		cr_assert_eq(store_begin(db), 0);
		cr_assert_eq(sqlite3_prepare_v2(db->db, "INSERT INTO t(b) VALUES (?1)",
		    -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_blob(st, 1, blob, sizeof(blob), SQLITE_STATIC);
		cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
		cr_assert_eq(store_commit(db), 0);
	}
}

static void
ckpt_setup(void)
{
	setup();
	cr_assert_eq(store_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)"), 0);
}

TestSuite(ckpt, .init = ckpt_setup, .fini = teardown);

Test(ckpt, thread_checkpoints_and_the_wal_starts_again)
{
	int frames = -1, done = -1;

	/* 16 KB rows: 5 pages each, so every commit wakes the thread; it
	 * catches up while we wait, and the next commit starts the WAL from
	 * its beginning */
	cr_assert_eq(store_ckpt_start(db, 5, 1 << 20), 0);
	for (unsigned long i = 1; i <= 10; i++) {
		commit_blobs(1);
		for (int ms = 0; ms < 5000 && store_ckpt_runs(db) < i; ms += 5)
			usleep(5000);
		cr_assert_eq(store_ckpt_runs(db), i,
		    "got %lu checkpoints on the thread after %lu commits",
		    store_ckpt_runs(db), i);
	}
	store_ckpt_stop(db);
	cr_assert_eq(store_ckpt_runs(db), 0, "no thread after stop");
	/* only the last commit's frames are in the WAL (all ten without the
	 * thread: 50 or more) */
	cr_assert_eq(sqlite3_wal_checkpoint_v2(db->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &frames, &done), SQLITE_OK);
	cr_assert_lt(frames, 10, "got %d frames in the WAL, want one commit's", frames);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM t"), 10);
}

Test(ckpt, rows_survive_close_and_reopen)
{
	char err[256];
	long want;

	cr_assert_eq(store_ckpt_start(db, 16, 1 << 20), 0);
	commit_blobs(150);
	want = tutil_sql_int(db->db, "SELECT count(*) FROM t");
	store_close(&db);            /* stops the thread, then checkpoints the rest */
	cr_assert_eq(wal_size(), 0, "the last close leaves no WAL behind");
	cr_assert_eq(store_open(dbpath, 0, &db, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(want, 150);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM t"), want);
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check <> 'ok'"), 0);
}

Test(ckpt, committing_thread_checkpoints_past_max_pages)
{
	/* a thread never woken (kick far away): the hook itself keeps the
	 * WAL below max_pages plus one commit */
	cr_assert_eq(store_ckpt_start(db, 1 << 30, 40), 0);
	for (int i = 0; i < 30; i++) {
		commit_blobs(3);
		cr_assert_leq(wal_size(), (40L + 10) * 4096 + 32 * 1024,
		    "WAL %ld bytes after %d commits with max_pages 40", wal_size(),
		    (i + 1) * 3);
	}
	cr_assert_eq(store_ckpt_runs(db), 0, "the thread was never woken");
	cr_assert_eq(tutil_sql_int(db->db, "SELECT count(*) FROM t"), 90);
}

/* ---- new voices in a session's kit (store_jobs.c) ------------------------- */

static int
collect_voice(void *arg, const char *name)
{
	struct buf *b = arg;

	buf_puts(b, name);
	buf_putc(b, ';');
	return 0;
}

/* The query before it was rewritten (every post grouped by author): the
 * oracle for the table below. */
static void
old_new_voices(int64_t session, struct buf *out)
{
	sqlite3_stmt *st;

	cr_assert_eq(sqlite3_prepare_v2(db->db,
	    "SELECT COALESCE(NULLIF(p.author_name, ''), 'a new member') FROM"
	    " (SELECT min(id) AS first FROM posts WHERE state = 'accepted'"
	    "  AND kind <> 'summary' AND author_email IS NOT NULL"
	    "  GROUP BY lower(author_email)) f JOIN posts p ON p.id = f.first"
	    " WHERE p.session = ?1 ORDER BY p.id LIMIT 200", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, session);
	while (sqlite3_step(st) == SQLITE_ROW)
		collect_voice(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

Test(migrate, new_voices_are_first_posts_of_their_authors)
{
	/* id, session, state, kind, name, email: ids in arrival order */
	static const struct {
		int session;
		const char *state, *kind, *name, *email;
	} posts[] = {
		{ 1, "accepted", "idea", "Amina", "amina@example.org" },
		{ 1, "accepted", "feedback", "Amina", "AMINA@example.org" },  /* same voice */
		{ 1, "held", "idea", "Bo", "bo@example.org" },                 /* held: not yet */
		{ 2, "accepted", "idea", "Bo", "bo@example.org" },             /* Bo's first: session 2 */
		{ 1, "accepted", "summary", "Cy", "cy@example.org" },          /* summaries do not count */
		{ 2, "accepted", "question", "Cy", "Cy@Example.ORG" },         /* Cy's first: session 2 */
		{ 1, "accepted", "idea", "", "dee@example.org" },               /* no name */
		{ 1, "accepted", "idea", "Nobody", NULL },                     /* no address: never */
		{ 2, "accepted", "idea", "Amina", "amina@example.org" },       /* not new in 2 */
		{ 2, "rejected", "idea", "Eve", "eve@example.org" },
		{ 2, "accepted", "resource", "Fay", "fay@example.org" },
		{ 1, "accepted", "idea", "Fay", "FAY@example.org" },           /* later, session 1 */
		{ 3, "accepted", "idea", "Gil", "gil@example.org" },
	};
	static const struct { int session; const char *want; } cases[] = {
		{ 1, "Amina;a new member;" },
		{ 2, "Bo;Cy;Fay;" },
		{ 3, "Gil;" },
		{ 4, "" },
	};

	tutil_store_migrate(db);
	cr_assert_eq(store_exec(db, "INSERT INTO themes (slug, title, position) VALUES "
	    "('funding', 'Funding', 0)"), 0);
	for (int sn = 1; sn <= 4; sn++) {
		char sql[256];

		snprintf(sql, sizeof(sql), "INSERT INTO sessions (id, theme, opens, closes) "
		    "VALUES (%d, 'funding', %d, %d)", sn, sn * 100, sn * 100 + 50);
		cr_assert_eq(store_exec(db, sql), 0, "%s", sqlite3_errmsg(db->db));
	}
	for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
		sqlite3_stmt *st;
		int id = (int)i + 1;

		cr_assert_eq(sqlite3_prepare_v2(db->db,
		    "INSERT INTO messages (id, message_id, received, route, state, size, raw) "
		    "VALUES (?1, 'm' || ?1, ?1, 'post', 'stored', 1, 'x')", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_int(st, 1, id);
		cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(db->db));
		sqlite3_finalize(st);
		cr_assert_eq(sqlite3_prepare_v2(db->db,
		    "INSERT INTO threads (id, theme, session, created, last_post) "
		    "VALUES (?1, 'funding', ?2, ?1, ?1)", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_int(st, 1, id);
		sqlite3_bind_int(st, 2, posts[i].session);
		cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(db->db));
		sqlite3_finalize(st);
		cr_assert_eq(sqlite3_prepare_v2(db->db,
		    "INSERT INTO posts (id, message, message_id, thread, theme, session, kind, "
		    "state, author_name, author_email, received) VALUES "
		    "(?1, ?1, 'm' || ?1, ?1, 'funding', ?2, ?3, ?4, ?5, ?6, ?1)", -1, &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_int(st, 1, id);
		sqlite3_bind_int(st, 2, posts[i].session);
		sqlite3_bind_text(st, 3, posts[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, posts[i].state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, posts[i].name, -1, SQLITE_STATIC);
		if (posts[i].email)
			sqlite3_bind_text(st, 6, posts[i].email, -1, SQLITE_STATIC);
		cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "post %d: %s", id,
		    sqlite3_errmsg(db->db));
		sqlite3_finalize(st);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf got, oracle;

		buf_init(&got, 4096);
		buf_init(&oracle, 4096);
		cr_assert_eq(store_session_new_voices(db, cases[i].session, collect_voice,
		    &got), 0);
		old_new_voices(cases[i].session, &oracle);
		cr_expect_str_eq(got.data, cases[i].want, "session %d: got \"%s\", want \"%s\"",
		    cases[i].session, got.data, cases[i].want);
		cr_expect_str_eq(got.data, oracle.data, "session %d: got \"%s\", the old "
		    "query \"%s\"", cases[i].session, got.data, oracle.data);
		buf_release(&got);
		buf_release(&oracle);
	}
}

/* ---- never public before publication (issue 17.10) ---------------------- */

#include "store_archive.h"
#include "store_thread.h"

struct seen_thread {
	char subject[128], starter[128];
	int n;
};

static int
seen_thread(void *arg, const struct archive_thread *t)
{
	struct seen_thread *st = arg;

	snprintf(st->subject, sizeof(st->subject), "%s", t->subject);
	snprintf(st->starter, sizeof(st->starter), "%s", t->starter);
	st->n++;
	return 0;
}

static void
public_setup(void)
{
	setup();
	tutil_store_migrate(db);
}

TestSuite(publication, .init = public_setup, .fini = teardown);

/* A thread whose root is held or rejected (a late parent that adopted
 * a public reply) is titled by its first public post, never by the root. */
Test(publication, a_thread_is_never_titled_by_a_post_that_is_not_public)
{
	struct seen_thread st = { "", "", 0 };

	tutil_sql_exec(db, "INSERT INTO messages (id, message_id, received, route, state, size, raw)"
	    " VALUES (1, 'spam@x', 10, 'post', 'stored', 1, 'x'),"
	    " (2, 'reply@x', 20, 'post', 'stored', 1, 'x')");
	tutil_sql_exec(db, "INSERT INTO threads (id, theme, subject, root, created, last_post, posts)"
	    " VALUES (1, 'general', 'CHEAP PILLS', 1, 10, 20, 2)");
	tutil_sql_exec(db, "INSERT INTO posts (id, message, message_id, thread, theme, kind, state,"
	    " received, subject, author_name) VALUES"
	    " (1, 1, 'spam@x', 1, 'general', 'idea', 'rejected', 10, 'CHEAP PILLS', 'Spammer'),"
	    " (2, 2, 'reply@x', 1, 'general', 'feedback', 'accepted', 20, 'Funding timelines', 'Bo')");
	cr_assert_eq(store_thread_published(db, 1), 1);
	cr_assert_geq(store_archive_threads(db, "general", 0, seen_thread, &st), 0);
	cr_assert_eq(st.n, 1, "got %d threads, want 1", st.n);
	cr_expect_str_eq(st.subject, "Funding timelines", "got title %s", st.subject);
	cr_expect_str_eq(st.starter, "Bo", "got starter %s", st.starter);
	/* no public post at all: no title to inherit */
	tutil_sql_exec(db, "UPDATE posts SET state = 'held' WHERE id = 2");
	cr_expect_eq(store_thread_published(db, 1), 0);
	/* once the root is approved, it names the thread again */
	tutil_sql_exec(db, "UPDATE posts SET state = 'accepted'");
	st.n = 0;
	cr_assert_geq(store_archive_threads(db, "general", 0, seen_thread, &st), 0);
	cr_expect_str_eq(st.subject, "CHEAP PILLS");
	cr_expect_str_eq(st.starter, "Spammer");
}

/* funding_thread - theme "funding", raw messages 1..n and thread 1, for
 * posts written by hand */
static void
funding_thread(int n)
{
	char sql[128];

	tutil_sql_exec(db, "INSERT INTO themes(slug, title) VALUES ('funding', 'F');"
	    "INSERT INTO threads(id, theme, created, last_post) VALUES (1, 'funding', 0, 0);");
	for (int i = 1; i <= n; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO messages(id, message_id, received,"
		    " route, state, size, raw) VALUES (%d, '<%c@x>', 0, 'post', 'stored', 1,"
		    " 'x')", i, 'a' + i - 1);
		tutil_sql_exec(db, sql);
	}
}

/* A post's new_text is kept as ranges of its text (schema 012), read back
 * whole; a short or foreign one stays as it is; a text rewritten later
 * (forget scrubs it) first puts the new_text back in full. */
Test(migrate, new_text_kept_as_ranges_of_text)
{
	static const char text[] =
	    "We asked the district office and they agreed to fund the well.\n\n"
	    "> Did anyone ask the district office about the well?\n"
	    "> It would help.\n\n"
	    "The money comes in March, after the rains; the committee decides.\n\n"
	    "-- \nAmina";
	static const char new_text[] =
	    "We asked the district office and they agreed to fund the well.\n\n"
	    "The money comes in March, after the rains; the committee decides.";
	char sql[1024], *v;

	cr_assert_geq(tutil_store_migrate(db), 0);
	funding_thread(3);
	snprintf(sql, sizeof(sql), "INSERT INTO posts(id, message, message_id, thread, theme,"
	    " kind, received, text, new_text) VALUES (1, 1, '<a@x>', 1, 'funding', 'idea', 0,"
	    " '%s', bz_pack_new_text('%s', '%s'))", text, text, new_text);
	tutil_sql_exec(db, sql);
	tutil_sql_exec(db, "INSERT INTO posts(id, message, message_id, thread, theme, kind,"
	    " received, text, new_text) VALUES (2, 2, '<b@x>', 1, 'funding', 'idea', 0,"
	    " 'short', bz_pack_new_text('short', 'short')),"
	    " (3, 3, '<c@x>', 1, 'funding', 'idea', 0, 'unrelated text',"
	    " bz_pack_new_text('unrelated text', char(1) || 'not a slice of the text, and long"
	    " enough to be worth packing if it were one'))");
	cr_expect_eq(tutil_sql_int(db->db, "SELECT length(new_text) < 20 FROM posts WHERE id = 1"),
	    1, "the new_text is stored whole");
	v = tutil_sql_text(db->db, "SELECT bz_new_text(text, new_text) FROM posts WHERE id = 1");
	cr_expect_str_eq(v, new_text);
	free(v);
	v = tutil_sql_text(db->db, "SELECT new_text || '|' || bz_new_text(text, new_text)"
	    " FROM posts WHERE id = 2");
	cr_expect_str_eq(v, "short|short");
	free(v);
	cr_expect_eq(tutil_sql_int(db->db, "SELECT bz_new_text(text, new_text) = char(1) ||"
	    " 'not a slice of the text, and long enough to be worth packing if it were one'"
	    " FROM posts WHERE id = 3"), 1, "a new_text starting with \\x01 comes back as it was");
	/* the text rewritten: the new_text is what it was */
	tutil_sql_exec(db, "UPDATE posts SET text = replace(text, 'district', 'former member')"
	    " WHERE id = 1");
	v = tutil_sql_text(db->db, "SELECT bz_new_text(text, new_text) FROM posts WHERE id = 1");
	cr_expect_str_eq(v, new_text);
	free(v);
}

struct post_seen {
	int n;
	char text[1024], new_text[1024];
};

static int
seen_post(void *arg, const struct archive_post *p)
{
	struct post_seen *ps = arg;

	ps->n++;
	snprintf(ps->text, sizeof(ps->text), "%s", p->text);
	snprintf(ps->new_text, sizeof(ps->new_text), "%s", p->new_text);
	return 0;
}

/* The archive reads a post's stored text and new_text itself (the text
 * decompressed once for both): a compressed text with its new_text as
 * ranges, a plain one, a new_text stored whole all read back as written;
 * a damaged frame fails the read instead of giving other bytes. */
Test(migrate, archive_posts_read_stored_texts)
{
	static const char text[] =
	    "We asked the district office and they agreed to fund the well.\n\n"
	    "> Did anyone ask the district office about the well?\n"
	    "> We asked the district office and they agreed to fund the well.\n\n"
	    "The money comes in March, after the rains; the committee decides.\n\n"
	    "-- \nAmina";
	static const char new_text[] =
	    "We asked the district office and they agreed to fund the well.\n\n"
	    "The money comes in March, after the rains; the committee decides.";
	static const struct {
		int64_t id;
		const char *text, *new_text;
	} posts[] = {
		{ 1, text, new_text },
		{ 2, "short", "short" },
		{ 3, text, "\x01not a slice of the text" },
	};
	struct post_seen ps;
	char sql[2048];

	cr_assert_geq(tutil_store_migrate(db), 0);
	tutil_sql_exec(db, "INSERT INTO themes(slug, title) VALUES ('funding', 'F');"
	    "INSERT INTO threads(id, theme, created, last_post) VALUES (1, 'funding', 0, 0),"
	    " (2, 'funding', 0, 0), (3, 'funding', 0, 0);");
	for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO messages(id, message_id, received, route,"
		    " state, size, raw) VALUES (%lld, '<m%lld@x>', 0, 'post', 'stored', 1, 'x');"
		    "INSERT INTO posts(id, message, message_id, thread, theme, kind, received,"
		    " state, text, new_text) VALUES (%lld, %lld, '<m%lld@x>', %lld, 'funding', 'idea',"
		    " 0, 'accepted', bz_ztext('%s'), bz_pack_new_text('%s', '%s'))",
		    (long long)posts[i].id, (long long)posts[i].id, (long long)posts[i].id,
		    (long long)posts[i].id, (long long)posts[i].id, (long long)posts[i].id,
		    posts[i].text, posts[i].text, posts[i].new_text);
		tutil_sql_exec(db, sql);
	}
	cr_expect_eq(tutil_sql_int(db->db, "SELECT typeof(text) = 'blob' AND"
	    " substr(new_text, 1, 1) = char(1) FROM posts WHERE id = 1"), 1,
	    "post 1 is not stored compressed with its new_text as ranges");
	for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
		memset(&ps, 0, sizeof(ps));
		cr_expect_eq(store_archive_posts(db, posts[i].id, seen_post, &ps), 0);
		cr_expect_eq(ps.n, 1, "post %lld: %d rows, want 1", (long long)posts[i].id, ps.n);
		cr_expect_str_eq(ps.text, posts[i].text, "post %lld: text \"%s\"",
		    (long long)posts[i].id, ps.text);
		cr_expect_str_eq(ps.new_text, posts[i].new_text, "post %lld: new_text \"%s\"",
		    (long long)posts[i].id, ps.new_text);
	}
	/* a damaged frame (the triggers that would read it dropped first):
	 * the read fails */
	tutil_sql_exec(db, "DROP TRIGGER posts_fts_au; DROP TRIGGER posts_text_au;"
	    "UPDATE posts SET text = substr(text, 1, 12) WHERE id = 1");
	memset(&ps, 0, sizeof(ps));
	cr_expect_lt(store_archive_posts(db, 1, seen_post, &ps), 0, "a damaged text was read");
	cr_expect_eq(ps.n, 0, "a damaged text reached the page");
}

/* Raw messages and texts stored compressed (schema 016, store_zip.c): every
 * form reads back byte for byte; what does not shrink stays as it is; a raw
 * message that itself starts like a stored form is escaped; a damaged frame
 * is an error, never other bytes. */
Test(migrate, raw_and_text_stored_compressed)
{
	static const struct {
		const char *what, *sql;     /* sql: an expression for the value */
		int compressed;             /* 1: stored as a zstd frame */
	} vals[] = {
		{ "empty", "''", 0 },
		{ "short", "'Lottery.'", 0 },
		{ "a post", "'We asked the district office and they agreed to fund the well. "
		  "The money comes in March, after the rains; the committee decides. "
		  "We asked the district office again and they agreed again.'", 1 },
		{ "Arabic", "'" "\xd9\x86\xd8\xad\xd9\x86 \xd9\x86\xd8\xaa\xd8\xb4\xd8\xa7\xd8\xb1\xd9\x83 "
		  "\xd8\xa7\xd9\x84\xd9\x82\xd8\xb1\xd8\xa7\xd8\xb1 \xd9\x85\xd8\xb9 \xd8\xa7\xd9\x84\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa7\xd8\xa1. "
		  "\xd9\x86\xd8\xad\xd9\x86 \xd9\x86\xd8\xaa\xd8\xb4\xd8\xa7\xd8\xb1\xd9\x83 "
		  "\xd8\xa7\xd9\x84\xd9\x82\xd8\xb1\xd8\xa7\xd8\xb1 \xd9\x85\xd8\xb9 \xd8\xa7\xd9\x84\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa7\xd8\xa1." "'", 1 },
		{ "random bytes", "CAST(randomblob(4000) AS TEXT)", 0 },
		{ "starts with 0x01", "char(1) || 'Subject: odd but possible'", 0 },
		{ "starts with zstd's magic", "CAST(X'28B52FFD' AS TEXT) || CAST(randomblob(200) AS TEXT)", 0 },
	};
	char sql[1024];

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		/* as a raw message: bz_raw(bz_zraw(v)) = v, as bytes */
		snprintf(sql, sizeof(sql), "WITH x(v) AS (SELECT CAST(%s AS BLOB)),"
		    " z(v, s) AS (SELECT v, bz_zraw(v) FROM x)"
		    " SELECT (bz_raw(s) = v AND typeof(bz_raw(s)) = 'blob')"
		    " | (CASE WHEN substr(s, 1, 4) = X'28B52FFD' THEN 2 ELSE 0 END)"
		    " | (CASE WHEN s <> v THEN 4 ELSE 0 END) FROM z", vals[i].sql);
		long long r = tutil_sql_int(db->db, sql);
		int escaped = strncmp(vals[i].what, "starts with", 11) == 0;

		cr_expect(r & 1, "%s: the raw message does not read back", vals[i].what);
		cr_expect_eq((r & 2) != 0, vals[i].compressed, "%s: compressed %d, want %d",
		    vals[i].what, (r & 2) != 0, vals[i].compressed);
		cr_expect_eq((r & 4) != 0, vals[i].compressed || escaped,
		    "%s: stored form differs %d, want %d", vals[i].what, (r & 4) != 0,
		    vals[i].compressed || escaped);
		/* as a text: bz_text(bz_ztext(v)) = v, as text; TEXT when not
		 * compressed */
		snprintf(sql, sizeof(sql), "WITH x(v) AS (SELECT %s), z(v, s) AS"
		    " (SELECT v, bz_ztext(v) FROM x)"
		    " SELECT (bz_text(s) = v AND typeof(bz_text(s)) = 'text')"
		    " | (CASE WHEN typeof(s) = 'blob' THEN 2 ELSE 0 END) FROM z",
		    vals[i].sql);
		r = tutil_sql_int(db->db, sql);
		cr_expect(r & 1, "%s: the text does not read back", vals[i].what);
		cr_expect_eq((r & 2) != 0, vals[i].compressed, "%s: text compressed %d, want %d",
		    vals[i].what, (r & 2) != 0, vals[i].compressed);
	}
	/* a value from before 016 (or written by hand) reads as itself */
	cr_expect_eq(tutil_sql_int(db->db, "SELECT bz_raw(CAST('Subject: x' AS BLOB)) ="
	    " CAST('Subject: x' AS BLOB) AND bz_text('plain') = 'plain'"
	    " AND bz_raw(NULL) IS NULL AND bz_text(NULL) IS NULL"), 1);
	/* a damaged frame: an error, not a value */
	cr_expect_neq(sqlite3_exec(db->db, "SELECT bz_raw(substr(bz_zraw(CAST(printf('%.500c', 'a')"
	    " AS BLOB)), 1, 12))", NULL, NULL, NULL), SQLITE_OK, "a cut frame read as a value");
	cr_expect_neq(sqlite3_exec(db->db, "SELECT bz_text(X'28B52FFD00000000')", NULL, NULL,
	    NULL), SQLITE_OK, "a bad frame read as a text");
}

/* The text compressed: a rewrite still keeps the new_text (the ranges
 * point into the decompressed text), and a post stored through the store
 * is compressed and found by search with its snippet. */
Test(migrate, new_text_kept_when_a_compressed_text_is_rewritten)
{
	static const char text[] =
	    "> On Monday Amina wrote:\n> the district should decide\n\n"
	    "We asked the district office and they agreed to fund the well.\n\n"
	    "The money comes in March, after the rains; the committee decides.\n"
	    "We asked the district office and they agreed to fund the well.";
	static const char new_text[] =
	    "We asked the district office and they agreed to fund the well.\n\n"
	    "The money comes in March, after the rains; the committee decides.\n"
	    "We asked the district office and they agreed to fund the well.";
	char sql[1024], *v;

	cr_assert_geq(tutil_store_migrate(db), 0);
	funding_thread(1);
	snprintf(sql, sizeof(sql), "INSERT INTO posts(id, message, message_id, thread, theme,"
	    " kind, received, text, new_text) VALUES (1, 1, '<a@x>', 1, 'funding', 'idea', 0,"
	    " bz_ztext('%s'), bz_pack_new_text('%s', '%s'))", text, text, new_text);
	tutil_sql_exec(db, sql);
	cr_expect_eq(tutil_sql_int(db->db, "SELECT typeof(text) = 'blob' AND"
	    " substr(new_text, 1, 1) = char(1) FROM posts WHERE id = 1"), 1,
	    "the text is not compressed, or the new_text not packed");
	v = tutil_sql_text(db->db, "SELECT bz_new_text(text, new_text) FROM posts WHERE id = 1");
	cr_expect_str_eq(v, new_text);
	free(v);
	tutil_sql_exec(db, "UPDATE posts SET text = bz_ztext(replace(bz_text(text), 'district',"
	    " 'former member')) WHERE id = 1");
	v = tutil_sql_text(db->db, "SELECT bz_new_text(text, new_text) FROM posts WHERE id = 1");
	cr_expect_str_eq(v, new_text, "the new_text after the text was rewritten");
	free(v);
	/* the search index reads the decompressed text: a snippet, no error */
	tutil_sql_exec(db, "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')");
	v = tutil_sql_text(db->db, "SELECT snippet(posts_fts, 2, '[', ']', '...', 4)"
	    " FROM posts_fts WHERE posts_fts MATCH 'committee'");
	cr_expect(v && strstr(v, "[committee]") != NULL, "snippet: %s", v ? v : "(none)");
	free(v);
	tutil_sql_exec(db, "INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 1)");
}

#include "store_post.h"
#include "store_zip.h"

/* add_packed - a post whose text was compressed ahead (as the import's
 * worker does), in the open transaction */
static int64_t
add_packed(struct store_zip *z, int64_t message, const char *text)
{
	struct store_post p = { 0 };
	void *tz = NULL;
	size_t tzlen = 0;
	int64_t id = 0;

	p.message = message;
	p.message_id = text;            /* unique enough here */
	p.thread = 1;
	p.theme = "funding";
	p.kind = "idea";
	p.state = "accepted";
	p.received = 1605880000;
	p.text = text;
	p.new_text = text;
	p.text_packed = 1;
	cr_assert_eq(store_zip_text(z, text, strlen(text), &tz, &tzlen), 1,
	    "the test text does not compress");
	p.text_z = tz;
	p.text_z_len = tzlen;
	p.new_text_z = "";
	cr_assert_eq(store_post_add(db, &p, &id), 0, "%s", store_errmsg(db));
	free(tz);
	return id;
}

/* The search index takes the texts of a transaction's new posts from
 * memory (store_fts_text), not by decompressing them: what it indexes is
 * still exactly what is stored, also when a transaction is rolled back and
 * the next post gets the same id, or a text changes before the commit. */
Test(migrate, search_index_takes_kept_texts_and_never_a_stale_one)
{
	struct store_zip *z = store_zip_new();
	char a[1024], b[1024];
	int64_t id1, id2;

	cr_assert_geq(tutil_store_migrate(db), 0);
	static const char sa[] = "The mangroves along the coast protect the village;"
	    " the mangroves need the fishers, the fishers need the mangroves, and the"
	    " committee decides how the mangroves are kept.";
	static const char sb[] = "The boreholes in the north are dry; the boreholes"
	    " need a pump, the pump needs a mechanic, and the committee decides who"
	    " repairs the boreholes and when.";

	/* three times over: long enough to be stored compressed */
	snprintf(a, sizeof(a), "%s %s %s", sa, sa, sa);
	snprintf(b, sizeof(b), "%s %s %s", sb, sb, sb);
	funding_thread(3);
	/* rolled back: its id comes again with another text */
	cr_assert_eq(store_begin(db), 0);
	id1 = add_packed(z, 1, a);
	store_rollback(db);
	cr_assert_eq(store_begin(db), 0);
	id2 = add_packed(z, 2, b);
	cr_expect_eq(id1, id2, "the test needs the id again (got %lld, %lld)",
	    (long long)id1, (long long)id2);
	cr_assert_eq(store_commit(db), 0, "%s", store_errmsg(db));
	cr_expect_eq(tutil_sql_int(db->db, "SELECT count(*) FROM posts_fts"
	    " WHERE posts_fts MATCH 'mangroves'"), 0, "a rolled-back text was indexed");
	cr_expect_eq(tutil_sql_int(db->db, "SELECT count(*) FROM posts_fts"
	    " WHERE posts_fts MATCH 'boreholes'"), 1, "the stored text is not indexed");
	/* changed before the commit: the stored text is indexed */
	cr_assert_eq(store_begin(db), 0);
	add_packed(z, 3, a);
	tutil_sql_exec(db, "UPDATE posts SET text = bz_ztext(replace(bz_text(text),"
	    " 'mangroves', 'seagrass')) WHERE message = 3");
	cr_assert_eq(store_commit(db), 0, "%s", store_errmsg(db));
	cr_expect_eq(tutil_sql_int(db->db, "SELECT count(*) FROM posts_fts"
	    " WHERE posts_fts MATCH 'mangroves'"), 0, "a text changed before the commit");
	cr_expect_eq(tutil_sql_int(db->db, "SELECT count(*) FROM posts_fts"
	    " WHERE posts_fts MATCH 'seagrass'"), 1);
	cr_expect_eq(tutil_sql_int(db->db, "SELECT count(*) FROM temp.fts_text"), 0,
	    "texts left behind after the commit");
	tutil_sql_exec(db, "INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 1)");
	store_zip_free(&z);
}
