/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_jobs - SQL for due jobs, session states and shared outbox mail */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "store_int.h"
#include "store_jobs.h"

/* store_jobs_plan - see store_jobs.h */
int
store_jobs_plan(struct store *s, time_t kit_before)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO jobs(kind, ref, due)"
	    " SELECT 'session-open', id, opens FROM sessions"
	    " UNION ALL SELECT 'session-kit', id, closes - ?1 FROM sessions"
	    " UNION ALL SELECT 'session-close', id, closes FROM sessions";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)kit_before);
	return store_step_done(s, st);
}

/* store_jobs_next - see store_jobs.h */
int
store_jobs_next(struct store *s, time_t now, struct job *j)
{
	/* Order: by due time; at the same instant a close runs before the
	 * open of the next session and the kit before its close. */
	static const char sql[] =
	    "SELECT id, kind, ref, due FROM jobs WHERE done IS NULL AND due <= ?1"
	    " ORDER BY due, CASE kind WHEN 'session-kit' THEN 0"
	    " WHEN 'session-close' THEN 1 ELSE 2 END, id LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		j->id = sqlite3_column_int64(st, 0);
		snprintf(j->kind, sizeof(j->kind), "%s", sqlite3_column_text(st, 1));
		snprintf(j->ref, sizeof(j->ref), "%s", sqlite3_column_text(st, 2));
		j->due = (time_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "jobs");
}

/* store_jobs_done - see store_jobs.h */
int
store_jobs_done(struct store *s, int64_t id, time_t when)
{
	static const char sql[] = "UPDATE jobs SET done = ?2 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)when);
	return store_step_done(s, st);
}

/* store_session_set_state - see store_jobs.h */
int
store_session_set_state(struct store *s, int64_t session, const char *state,
    time_t when)
{
	static const char sql[] =
	    "UPDATE sessions SET state = ?2,"
	    " closed_at = CASE WHEN ?2 = 'closed' THEN ?3 ELSE closed_at END"
	    " WHERE id = ?1 AND state <> 'closed' AND state <> ?2";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)when);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* store_job_session - see store_jobs.h */
int
store_job_session(struct store *s, int64_t id, struct job_session *js)
{
	static const char sql[] =
	    "SELECT s.id, s.theme, COALESCE(t.title, s.theme), s.state, s.opens, s.closes"
	    " FROM sessions s LEFT JOIN themes t ON t.slug = s.theme WHERE s.id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		js->id = sqlite3_column_int64(st, 0);
		snprintf(js->theme, sizeof(js->theme), "%s", sqlite3_column_text(st, 1));
		snprintf(js->title, sizeof(js->title), "%s", sqlite3_column_text(st, 2));
		snprintf(js->state, sizeof(js->state), "%s", sqlite3_column_text(st, 3));
		js->opens = (time_t)sqlite3_column_int64(st, 4);
		js->closes = (time_t)sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "session");
}

/* store_mail_queue - see store_jobs.h */
int64_t
store_mail_queue(struct store *s, const char *kind, const char *body, size_t len)
{
	static const char sql[] =
	    "INSERT INTO outbox(kind, created, body) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)clock_now());
	sqlite3_bind_blob(st, 3, body, (int)len, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

/* store_mail_add_rcpt - see store_jobs.h */
int
store_mail_add_rcpt(struct store *s, int64_t outbox, int64_t member,
    const char *address)
{
	static const char sql[] =
	    "INSERT INTO outbox_rcpt(outbox, member, address, updated)"
	    " VALUES (?1, NULLIF(?2, 0), ?3, ?4) ON CONFLICT DO NOTHING";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, outbox);
	sqlite3_bind_int64(st, 2, member);
	sqlite3_bind_text(st, 3, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
	return store_step_done(s, st);
}

/* store_job_recipients - see store_jobs.h */
int
store_job_recipients(struct store *s, const char *who,
    int (*fn)(void *arg, int64_t id, const char *email, const char *name,
    const char *lang), void *arg)
{
	static const char sql[] =
	    "SELECT id, email, COALESCE(language, ''), COALESCE(name, '') FROM members"
	    " WHERE status = 'active' AND id > ?2"
	    " AND (?1 = 'active' OR role = 'facilitator') ORDER BY id LIMIT 256";
	int64_t last = 0;

	for (;;) {
		sqlite3_stmt *st = store_stmt(s, sql);
		int rc, rows = 0;

		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, last);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			rows++;
			if (fn(arg, last, (const char *)sqlite3_column_text(st, 1),
			    (const char *)sqlite3_column_text(st, 3),
			    (const char *)sqlite3_column_text(st, 2)) < 0) {
				sqlite3_reset(st);
				return -1;
			}
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_log_error(s, "recipients");
		if (rows < 256)
			return 0;
	}
}

/* store_session_new_voices - see store_jobs.h */
int
store_session_new_voices(struct store *s, int64_t session,
    int (*fn)(void *arg, const char *name), void *arg)
{
	/* The session's posts that are their author's first (accepted,
	 * not a summary; addresses compared as NOCASE, ASCII case as
	 * lower() did): each is looked for among the author's earlier posts
	 * through posts_author_email_received, instead of grouping every
	 * post of the list by author (a scan of the whole table for each
	 * kit, which would be most of its cost). */
	static const char sql[] =
	    "SELECT COALESCE(NULLIF(p.author_name, ''), 'a new member')"
	    " FROM posts p WHERE p.session = ?1 AND p.state = 'accepted'"
	    " AND p.kind <> 'summary' AND p.author_email IS NOT NULL"
	    " AND NOT EXISTS (SELECT 1 FROM posts q"
	    "  WHERE q.author_email = p.author_email COLLATE NOCASE"
	    "  AND q.id < p.id AND q.state = 'accepted' AND q.kind <> 'summary')"
	    " ORDER BY p.id LIMIT 200";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, (const char *)sqlite3_column_text(st, 0)) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "new voices");
}

/* store_summary_session - see store_jobs.h */
int
store_summary_session(struct store *s, const char *theme, time_t now, int64_t *id)
{
	static const char open_sql[] =
	    "SELECT id FROM sessions WHERE (?1 IS NULL OR theme = ?1)"
	    " AND state <> 'closed' AND opens <= ?2 AND closes > ?2"
	    " ORDER BY closes, id LIMIT 1";
	static const char closed_sql[] =
	    "SELECT id FROM sessions WHERE (?1 IS NULL OR theme = ?1)"
	    " AND (state = 'closed' OR closes <= ?2) AND opens <= ?2"
	    " ORDER BY COALESCE(closed_at, closes) DESC, id DESC LIMIT 1";
	const char *const sqls[2] = { open_sql, closed_sql };

	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = store_stmt(s, sqls[i]);
		int rc;

		if (st == NULL)
			return -1;
		if (theme)
			sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 1);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			return 1;
		if (rc != SQLITE_DONE)
			return store_log_error(s, "summary session");
	}
	return 0;
}

/* store_session_set_summary - see store_jobs.h */
int
store_session_set_summary(struct store *s, int64_t session, int64_t post,
    int64_t *previous)
{
	static const char get[] = "SELECT COALESCE(summary, 0) FROM sessions WHERE id = ?1";
	static const char set[] = "UPDATE sessions SET summary = ?2 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, get);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session);
	*previous = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if ((st = store_stmt(s, set)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session);
	sqlite3_bind_int64(st, 2, post);
	return store_step_done(s, st);
}
