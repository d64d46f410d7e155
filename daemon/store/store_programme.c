/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_programme - themes and sessions: sync from the configuration,
 * listings, and the administrator's session open/close (see the header)
 *
 * The sync compares before it writes, so that a second run reports (and
 * does) nothing; UNIQUE(theme, opens) identifies a configured session, so
 * changing a session's end date updates the row instead of adding one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "store_programme.h"
#include "xalloc.h"

/* ---- sync ---------------------------------------------------------------- */

/* text_eq - equal strings, NULL equal only to NULL */
static int
text_eq(const unsigned char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == NULL && b == NULL;
	return strcmp((const char *)a, b) == 0;
}

/* questions_same - 1 when theme's stored questions equal t's */
static int
questions_same(struct store *s, const struct conf_theme *t)
{
	static const char sql[] =
	    "SELECT question FROM theme_questions WHERE theme = ?1 ORDER BY position";
	sqlite3_stmt *st = store_stmt(s, sql);
	size_t n = 0;
	int rc, same = 1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->slug, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n >= t->nquestions ||
		    !text_eq(sqlite3_column_text(st, 0), t->questions[n]))
			same = 0;
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_log_error(s, "theme questions");
	return same && n == t->nquestions;
}

/* questions_write - replace theme's questions with t's */
static int
questions_write(struct store *s, const struct conf_theme *t)
{
	static const char del[] = "DELETE FROM theme_questions WHERE theme = ?1";
	static const char ins[] =
	    "INSERT INTO theme_questions(theme, position, question) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = store_stmt(s, del);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->slug, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	for (size_t i = 0; i < t->nquestions; i++) {
		if ((st = store_stmt(s, ins)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, t->slug, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, (int)i);
		sqlite3_bind_text(st, 3, t->questions[i], -1, SQLITE_STATIC);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	return 0;
}

/* sync_theme - insert or update one theme at position pos */
static int
sync_theme(struct store *s, const struct conf_theme *t, int pos,
    struct programme_sync *r)
{
	static const char sel[] =
	    "SELECT title, keywords, position, active FROM themes WHERE slug = ?1";
	static const char ins[] =
	    "INSERT INTO themes(slug, title, keywords, position, active)"
	    " VALUES (?1, ?2, ?3, ?4, 1)";
	static const char upd[] =
	    "UPDATE themes SET title = ?2, keywords = ?3, position = ?4, active = 1"
	    " WHERE slug = ?1";
	sqlite3_stmt *st = store_stmt(s, sel);
	int rc, changed = 0, exists, same;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	exists = rc == SQLITE_ROW;
	if (exists)
		changed = !text_eq(sqlite3_column_text(st, 0), t->title) ||
		    !text_eq(sqlite3_column_text(st, 1), t->keywords) ||
		    sqlite3_column_int(st, 2) != pos || sqlite3_column_int(st, 3) != 1;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_log_error(s, "themes");
	if (!exists || changed) {
		if ((st = store_stmt(s, exists ? upd : ins)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, t->slug, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, t->title, -1, SQLITE_STATIC);
		if (t->keywords)
			sqlite3_bind_text(st, 3, t->keywords, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_int(st, 4, pos);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	if ((same = questions_same(s, t)) < 0)
		return -1;
	if (!same && questions_write(s, t) < 0)
		return -1;
	if (!exists)
		r->themes_added++;
	else if (changed || !same)
		r->themes_updated++;
	return 0;
}

/* retire_themes - mark active themes that are no longer configured */
static int
retire_themes(struct store *s, const struct conf *c, struct programme_sync *r)
{
	static const char sel[] = "SELECT slug FROM themes WHERE active = 1";
	static const char upd[] = "UPDATE themes SET active = 0 WHERE slug = ?1";
	sqlite3_stmt *st = store_stmt(s, sel);
	char **gone = NULL;
	size_t n = 0;
	int rc, ret = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *slug = (const char *)sqlite3_column_text(st, 0);

		if (slug && conf_theme_find(c, slug) == NULL) {
			gone = xreallocarray(gone, n + 1, sizeof(*gone));
			gone[n++] = xstrdup(slug);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		ret = store_log_error(s, "themes");
	for (size_t i = 0; i < n; i++) {
		if (ret == 0) {
			if ((st = store_stmt(s, upd)) == NULL)
				ret = -1;
			else {
				sqlite3_bind_text(st, 1, gone[i], -1, SQLITE_STATIC);
				ret = store_step_done(s, st);
				r->themes_retired++;
			}
		}
		free(gone[i]);
	}
	free(gone);
	return ret;
}

/* sync_session - insert or update one configured session */
static int
sync_session(struct store *s, const char *theme, const struct conf_session *cs,
    struct programme_sync *r)
{
	static const char sel[] =
	    "SELECT id, closes FROM sessions WHERE theme = ?1 AND opens = ?2";
	static const char ins[] =
	    "INSERT INTO sessions(theme, opens, closes, state, source)"
	    " VALUES (?1, ?2, ?3, 'planned', 'config')";
	static const char upd[] = "UPDATE sessions SET closes = ?2 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sel);
	int rc;
	int64_t id = 0, closes = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)cs->opens);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		closes = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		if ((st = store_stmt(s, ins)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)cs->opens);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)cs->closes);
		if (store_step_done(s, st) < 0)
			return -1;
		r->sessions_added++;
		return 0;
	}
	if (rc != SQLITE_ROW)
		return store_log_error(s, "sessions");
	if (closes != (int64_t)cs->closes) {
		if ((st = store_stmt(s, upd)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)cs->closes);
		if (store_step_done(s, st) < 0)
			return -1;
		r->sessions_updated++;
	}
	return 0;
}

/* session_configured - 1 when theme has a configured session opening at opens */
static int
session_configured(const struct conf *c, const char *theme, int64_t opens)
{
	const struct conf_theme *t = conf_theme_find(c, theme);

	if (t == NULL)
		return 0;
	for (size_t i = 0; i < t->nsessions; i++)
		if ((int64_t)t->sessions[i].opens == opens)
			return 1;
	return 0;
}

/* drop_sessions - configured sessions gone from the configuration: delete
 * those nothing refers to, keep (and count) the others */
static int
drop_sessions(struct store *s, const struct conf *c, struct programme_sync *r)
{
	static const char sel[] =
	    "SELECT id, theme, opens, state = 'planned' AND summary IS NULL"
	    " AND NOT EXISTS (SELECT 1 FROM posts WHERE session = sessions.id)"
	    " AND NOT EXISTS (SELECT 1 FROM threads WHERE session = sessions.id)"
	    " FROM sessions WHERE source = 'config'";
	static const char del_jobs[] =
	    "DELETE FROM jobs WHERE kind LIKE 'session-%' AND ref = CAST(?1 AS TEXT)"
	    " AND done IS NULL";
	static const char del[] = "DELETE FROM sessions WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sel);
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *theme = (const char *)sqlite3_column_text(st, 1);

		if (theme && session_configured(c, theme, sqlite3_column_int64(st, 2)))
			continue;
		if (sqlite3_column_int(st, 3)) {
			ids = xreallocarray(ids, n + 1, sizeof(*ids));
			ids[n++] = sqlite3_column_int64(st, 0);
		} else {
			r->sessions_kept++;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		return store_log_error(s, "sessions");
	}
	for (size_t i = 0; i < n; i++) {
		if ((st = store_stmt(s, del_jobs)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, ids[i]);
		if (store_step_done(s, st) < 0)
			goto fail;
		if ((st = store_stmt(s, del)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, ids[i]);
		if (store_step_done(s, st) < 0)
			goto fail;
		r->sessions_removed++;
	}
	free(ids);
	return 0;
fail:
	free(ids);
	return -1;
}

/* sync_all - the sync inside a transaction */
static int
sync_all(struct store *s, const struct conf *c, struct programme_sync *r)
{
	const struct conf_theme *general = conf_theme_find(c, CONF_GENERAL_THEME);
	int general_configured = 0;

	for (size_t i = 0; i < c->nthemes; i++) {
		if (strcmp(c->themes[i].slug, CONF_GENERAL_THEME) == 0)
			general_configured = 1;
		if (sync_theme(s, &c->themes[i], (int)i, r) < 0)
			return -1;
	}
	if (!general_configured && sync_theme(s, general, (int)c->nthemes, r) < 0)
		return -1;
	if (retire_themes(s, c, r) < 0)
		return -1;
	for (size_t i = 0; i < c->nthemes; i++)
		for (size_t k = 0; k < c->themes[i].nsessions; k++)
			if (sync_session(s, c->themes[i].slug, &c->themes[i].sessions[k], r) < 0)
				return -1;
	return drop_sessions(s, c, r);
}

/* store_programme_sync - see store_programme.h */
int
store_programme_sync(struct store *s, const struct conf *c,
    struct programme_sync *r)
{
	struct programme_sync dummy;
	int own = !s->in_txn;

	if (r == NULL)
		r = &dummy;
	memset(r, 0, sizeof(*r));
	if (own && store_begin(s) < 0)
		return -1;
	if (sync_all(s, c, r) < 0) {
		if (own)
			store_rollback(s);
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return own ? store_commit(s) : 0;
}

/* ---- themes ------------------------------------------------------------- */

/* theme_row_release - see store_programme.h */
void
theme_row_release(struct theme_row *t)
{
	free(t->slug);
	free(t->title);
	free(t->keywords);
	memset(t, 0, sizeof(*t));
}

/* store_theme_each - see store_programme.h */
int
store_theme_each(struct store *s, store_theme_fn *fn, void *arg)
{
	static const char sql[] =
	    "SELECT t.slug, t.title, t.keywords, t.position, t.active,"
	    " (SELECT count(*) FROM sessions WHERE theme = t.slug),"
	    " (SELECT count(*) FROM posts WHERE theme = t.slug AND state = 'accepted')"
	    " FROM themes t ORDER BY t.active DESC, t.position, t.slug";
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_log_error(s, "list themes");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct theme_row t;

		t.slug = store_column_dup(st, 0);
		t.title = store_column_dup(st, 1);
		t.keywords = store_column_dup(st, 2);
		t.position = sqlite3_column_int(st, 3);
		t.active = sqlite3_column_int(st, 4);
		t.sessions = (long)sqlite3_column_int64(st, 5);
		t.posts = (long)sqlite3_column_int64(st, 6);
		stop = fn(&t, arg);
		theme_row_release(&t);
		if (stop)
			break;
	}
	if (!stop && rc != SQLITE_DONE)
		stop = store_log_error(s, "list themes");
	sqlite3_finalize(st);
	return stop;
}

/* store_theme_exists - see store_programme.h */
int
store_theme_exists(struct store *s, const char *slug)
{
	static const char sql[] =
	    "SELECT 1 FROM themes WHERE slug = ?1 COLLATE NOCASE AND active = 1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "themes");
}

/* ---- sessions ----------------------------------------------------------- */

/* store_session_state - see store_programme.h */
enum session_state
store_session_state(const char *stored, time_t opens, time_t closes, time_t now)
{
	if (stored && strcmp(stored, "closed") == 0)
		return SESSION_CLOSED;
	if (stored && strcmp(stored, "open") == 0)
		return SESSION_OPEN;
	if (now < opens)
		return SESSION_PLANNED;
	return now < closes ? SESSION_OPEN : SESSION_CLOSED;
}

/* session_state_name - see store_programme.h */
const char *
session_state_name(enum session_state st)
{
	switch (st) {
	case SESSION_PLANNED:
		return "planned";
	case SESSION_OPEN:
		return "open";
	case SESSION_CLOSED:
		return "closed";
	}
	return "?";
}

/* session_row_release - see store_programme.h */
void
session_row_release(struct session_row *r)
{
	free(r->theme);
	free(r->stored_state);
	free(r->source);
	memset(r, 0, sizeof(*r));
}

#define SESSION_COLS \
	"s.id, s.theme, s.opens, s.closes, s.closed_at, s.state, s.source," \
	" (SELECT count(*) FROM posts p WHERE p.session = s.id AND p.state = 'accepted')"

/* session_fill - the row of SESSION_COLS at st into *r (owned strings),
 * its state computed against now */
static void
session_fill(sqlite3_stmt *st, time_t now, struct session_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->theme = store_column_dup(st, 1);
	r->opens = (time_t)sqlite3_column_int64(st, 2);
	r->closes = (time_t)sqlite3_column_int64(st, 3);
	r->closed_at = (time_t)sqlite3_column_int64(st, 4);
	r->stored_state = store_column_dup(st, 5);
	r->source = store_column_dup(st, 6);
	r->posts = (long)sqlite3_column_int64(st, 7);
	r->state = store_session_state(r->stored_state, r->opens, r->closes, now);
}

/* store_session_each - see store_programme.h */
int
store_session_each(struct store *s, time_t now, store_session_fn *fn, void *arg)
{
	static const char sql[] =
	    "SELECT " SESSION_COLS " FROM sessions s ORDER BY s.opens, s.theme, s.id";
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_log_error(s, "list sessions");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct session_row r;

		session_fill(st, now, &r);
		stop = fn(&r, arg);
		session_row_release(&r);
		if (stop)
			break;
	}
	if (!stop && rc != SQLITE_DONE)
		stop = store_log_error(s, "list sessions");
	sqlite3_finalize(st);
	return stop;
}

/* store_session_get - see store_programme.h */
int
store_session_get(struct store *s, int64_t id, time_t now, struct session_row *out)
{
	static const char sql[] =
	    "SELECT " SESSION_COLS " FROM sessions s WHERE s.id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		session_fill(st, now, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "session");
}

/* store_session_open - see store_programme.h */
int
store_session_open(struct store *s, const char *theme, time_t now, time_t closes,
    int64_t *id, char *err, size_t errlen)
{
	static const char sel[] =
	    "SELECT id, state, opens, closes FROM sessions WHERE theme = ?1";
	static const char ins[] =
	    "INSERT INTO sessions(theme, opens, closes, state, source)"
	    " VALUES (?1, ?2, ?3, 'open', 'admin')";
	sqlite3_stmt *st;
	int rc, ret = -1, own = !s->in_txn;
	time_t opens = now;

	if (closes <= now) {
		snprintf(err, errlen, "the end must be after now");
		return 0;
	}
	if (own && store_begin(s) < 0)
		return -1;
	if ((st = store_stmt(s, sel)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 1);

		if (store_session_state(state, (time_t)sqlite3_column_int64(st, 2),
		    (time_t)sqlite3_column_int64(st, 3), now) == SESSION_OPEN) {
			snprintf(err, errlen, "session %lld of theme %s is open already",
			    (long long)sqlite3_column_int64(st, 0), theme);
			sqlite3_reset(st);
			ret = 0;
			goto out;
		}
		/* (theme, opens) is unique: a session opened and closed within
		 * this same second would refuse the new one (a raw UNIQUE
		 * error), so the new one opens a second later */
		if ((time_t)sqlite3_column_int64(st, 2) == opens)
			opens++;
	}
	sqlite3_reset(st);
	if (opens >= closes) {
		snprintf(err, errlen, "the end must be after the last session's start");
		ret = 0;
		goto out;
	}
	if (rc != SQLITE_DONE) {
		store_log_error(s, "sessions");
		goto out;
	}
	if ((st = store_stmt(s, ins)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)opens);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)closes);
	if (store_step_done(s, st) < 0)
		goto out;
	*id = sqlite3_last_insert_rowid(s->db);
	if (own && store_commit(s) < 0)
		return -1;
	return 1;
out:
	if (own)
		store_rollback(s);
	return ret;
}

/* store_session_close - see store_programme.h */
int
store_session_close(struct store *s, int64_t id, time_t now)
{
	static const char sel[] = "SELECT state FROM sessions WHERE id = ?1";
	static const char upd[] =
	    "UPDATE sessions SET state = 'closed', closed_at = ?2 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sel);
	int rc, closed = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);

		closed = state && strcmp(state, "closed") == 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_log_error(s, "session");
	if (closed)
		return 2;
	if ((st = store_stmt(s, upd)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	return store_step_done(s, st) < 0 ? -1 : 1;
}

/* ---- sessions open at a time ----------------------------------------- */

/* A session is "open at t" when it opened at or before t and either its
 * state is open (opened early by an admin, or its close job has not run
 * yet), or it is planned and t is before its end, or it was closed only
 * after t.  A summary closes a session early: closed_at then bounds it. */
#define SESSION_OPEN_AT \
	" opens <= ?2 AND (state = 'open'" \
	" OR (state = 'planned' AND ?2 < closes)" \
	" OR (state = 'closed' AND ?2 < closes AND ?2 < COALESCE(closed_at, closes)))"

/* store_sessions_open_at - see store_programme.h */
int
store_sessions_open_at(struct store *s, time_t t,
    struct store_session_row **out, size_t *n, int *any)
{
	static const char sql_any[] = "SELECT EXISTS (SELECT 1 FROM sessions)";
	static const char sql[] =
	    "SELECT id, theme, opens, closes, state, closed_at FROM sessions"
	    " WHERE ?1 IS NOT NULL AND" SESSION_OPEN_AT " ORDER BY opens, id";
	struct store_session_row *v = NULL;
	size_t nv = 0, alloc = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	*any = 0;
	/* The open sessions first: when there are some, the database has
	 * sessions, and the EXISTS below (once per message) is not needed. */
	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, 1);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_session_row *r;
		const char *state = store_column_text(st, 4);

		if (nv == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		r = &v[nv++];
		r->id = sqlite3_column_int64(st, 0);
		r->theme = store_column_dup(st, 1);
		if (r->theme == NULL)
			r->theme = xstrdup("general");
		r->opens = (time_t)sqlite3_column_int64(st, 2);
		r->closes = (time_t)sqlite3_column_int64(st, 3);
		if (state && strcmp(state, "closed") == 0 &&
		    sqlite3_column_type(st, 5) != SQLITE_NULL &&
		    (time_t)sqlite3_column_int64(st, 5) < r->closes)
			r->closes = (time_t)sqlite3_column_int64(st, 5);
		if (r->closes <= t)
			r->closes = t + 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_sessions_free(&v, nv);
		return store_log_error(s, "sessions open");
	}
	if (nv > 0) {
		*any = 1;
	} else {
		if ((st = store_stmt(s, sql_any)) == NULL)
			return -1;
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*any = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return store_log_error(s, "sessions");
	}
	*out = v;
	*n = nv;
	return 0;
}

/* store_sessions_free - see store_programme.h */
void
store_sessions_free(struct store_session_row **rows, size_t n)
{
	if (*rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*rows)[i].theme);
	xfree(rows);
}
