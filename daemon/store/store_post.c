/* store_post - messages, posts, threads and containers: the SQL side
 *
 * Only row reads and writes live here; what to link to what is decided in
 * thread.c and ingest.c.  Statements are static strings prepared once per
 * connection (store_stmt).  Text is bound SQLITE_STATIC: every caller's
 * string outlives the step.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "store_int.h"
#include "store_post.h"
#include "utf8.h"
#include "xalloc.h"

/* ---- helpers ------------------------------------------------------------ */

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_id_or_null(sqlite3_stmt *st, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static const char *
col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : NULL;
}

/* lookup_id - run st (bound), 1 and *id from column 0 on a row */
static int
lookup_id(struct store *s, sqlite3_stmt *st, int64_t *id, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, what);
}

int
store_error_temporary(struct store *s)
{
	switch (sqlite3_errcode(s->db) & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
	case SQLITE_INTERRUPT:
		return 1;
	default:
		return 0;
	}
}

int
store_savepoint(struct store *s, const char *name)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "SAVEPOINT %s", name);
	return store_exec(s, sql);
}

int
store_release(struct store *s, const char *name)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "RELEASE %s", name);
	return store_exec(s, sql);
}

void
store_rollback_to(struct store *s, const char *name)
{
	char sql[96];

	/* ROLLBACK TO keeps the savepoint open: release it as well. */
	snprintf(sql, sizeof(sql), "ROLLBACK TO %s; RELEASE %s", name, name);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/* ---- messages ----------------------------------------------------------- */

int
store_message_find(struct store *s, const char *message_id, int64_t *id)
{
	static const char sql[] = "SELECT id FROM messages WHERE message_id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	return lookup_id(s, st, id, "find message");
}

int
store_message_add(struct store *s, const struct store_message *m, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO messages(message_id, received, origin, route, state,"
	    " reason, sender, size, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, m->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)m->received);
	bind_text_or_null(st, 3, m->origin);
	sqlite3_bind_text(st, 4, m->route, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->state, -1, SQLITE_STATIC);
	bind_text_or_null(st, 6, m->reason);
	bind_text_or_null(st, 7, m->sender);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)m->size);
	sqlite3_bind_blob64(st, 9, m->raw ? m->raw : "", m->raw_len, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_message_set_state(struct store *s, int64_t id, const char *state,
    const char *reason)
{
	static const char sql[] =
	    "UPDATE messages SET state = ?2, reason = ?3 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, reason);
	return store_step_done(s, st);
}

/* ---- posts -------------------------------------------------------------- */

int
store_post_add(struct store *s, const struct store_post *p, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO posts(message, message_id, thread, theme, session, kind,"
	    " state, author, author_name, author_email, subject, date, received,"
	    " text, new_text, nlinks, nattachments, parent, depth) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	    " ?18, ?19)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->message);
	sqlite3_bind_text(st, 2, p->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->thread);
	sqlite3_bind_text(st, 4, p->theme, -1, SQLITE_STATIC);
	bind_id_or_null(st, 5, p->session);
	sqlite3_bind_text(st, 6, p->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->state ? p->state : "accepted", -1, SQLITE_STATIC);
	bind_id_or_null(st, 8, p->author);
	bind_text_or_null(st, 9, p->author_name);
	bind_text_or_null(st, 10, p->author_email);
	bind_text_or_null(st, 11, p->subject);
	if (p->date > 0)
		sqlite3_bind_int64(st, 12, (sqlite3_int64)p->date);
	else
		sqlite3_bind_null(st, 12);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)p->received);
	sqlite3_bind_text(st, 14, p->text ? p->text : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, p->new_text ? p->new_text : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)p->nlinks);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)p->nattachments);
	bind_id_or_null(st, 18, p->parent);
	sqlite3_bind_int(st, 19, p->parent > 0 ? p->depth : 0);
	if (store_step_done(s, st) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	store_held_rate_post(s, p->author_email, p->received);
	return 0;
}

int
store_post_add_link(struct store *s, int64_t post, const char *url)
{
	static const char sql[] = "INSERT INTO links(post, url) VALUES (?1, ?2)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

int
store_post_add_attachment(struct store *s, int64_t post, const char *name,
    const char *type, int64_t bytes)
{
	static const char sql[] =
	    "INSERT INTO attachments(post, name, type, bytes) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	bind_text_or_null(st, 2, name);
	bind_text_or_null(st, 3, type);
	sqlite3_bind_int64(st, 4, bytes);
	return store_step_done(s, st);
}

int
store_post_message_id(struct store *s, int64_t post, char **mid)
{
	static const char sql[] = "SELECT message_id FROM posts WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*mid = store_column_dup(st, 0);
		sqlite3_reset(st);
		return *mid ? 1 : 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "post message id");
}

int
store_post_parent(struct store *s, int64_t post, int64_t *parent, int *depth)
{
	static const char sql[] = "SELECT parent, depth FROM posts WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*parent = sqlite3_column_int64(st, 0);
		*depth = sqlite3_column_int(st, 1);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "post parent");
}

int
store_post_set_parent(struct store *s, int64_t post, int64_t parent, int depth)
{
	static const char sql[] =
	    "UPDATE posts SET parent = ?2, depth = ?3 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	bind_id_or_null(st, 2, parent);
	sqlite3_bind_int(st, 3, depth);
	return store_step_done(s, st);
}

int
store_member_by_email(struct store *s, const char *email, int64_t *id)
{
	static const char sql[] = "SELECT id FROM members WHERE email = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	return lookup_id(s, st, id, "find member");
}

/* A session is "open at t" when it opened at or before t and either its
 * state is open (opened early by an admin, or its close job has not run
 * yet), or it is planned and t is before its end, or it was closed only
 * after t.  A summary closes a session early: closed_at then bounds it. */
#define SESSION_OPEN_AT \
	" opens <= ?2 AND (state = 'open'" \
	" OR (state = 'planned' AND ?2 < closes)" \
	" OR (state = 'closed' AND ?2 < closes AND ?2 < COALESCE(closed_at, closes)))"

int
store_session_at(struct store *s, const char *theme, time_t t, int64_t *id)
{
	static const char sql[] =
	    "SELECT id FROM sessions WHERE theme = ?1 AND" SESSION_OPEN_AT
	    " ORDER BY opens DESC, id DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t);
	return lookup_id(s, st, id, "session at");
}

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
		const char *state = col_text(st, 4);

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

void
store_sessions_free(struct store_session_row **rows, size_t n)
{
	if (*rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*rows)[i].theme);
	xfree(rows);
}

/* ---- containers --------------------------------------------------------- */

int
store_container_get(struct store *s, const char *mid, struct store_container *c)
{
	static const char sql[] =
	    "SELECT post, parent_mid, thread FROM containers WHERE mid = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->post = sqlite3_column_int64(st, 0);
		c->parent_mid = store_column_dup(st, 1);
		c->thread = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "container");
}

void
store_container_release(struct store_container *c)
{
	xfree(&c->parent_mid);
}

int
store_container_add(struct store *s, const char *mid, int64_t post,
    const char *parent_mid, int64_t thread)
{
	static const char sql[] =
	    "INSERT INTO containers(mid, post, parent_mid, thread) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	bind_id_or_null(st, 2, post);
	bind_text_or_null(st, 3, parent_mid);
	bind_id_or_null(st, 4, thread);
	return store_step_done(s, st);
}

int
store_container_set_parent(struct store *s, const char *mid, const char *parent_mid)
{
	static const char sql[] = "UPDATE containers SET parent_mid = ?2 WHERE mid = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	bind_text_or_null(st, 2, parent_mid);
	return store_step_done(s, st);
}

int
store_container_set_post(struct store *s, const char *mid, int64_t post)
{
	static const char sql[] = "UPDATE containers SET post = ?2 WHERE mid = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	bind_id_or_null(st, 2, post);
	return store_step_done(s, st);
}

int
store_container_set_thread(struct store *s, const char *mid, int64_t thread)
{
	static const char sql[] = "UPDATE containers SET thread = ?2 WHERE mid = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	bind_id_or_null(st, 2, thread);
	return store_step_done(s, st);
}

int
store_container_children(struct store *s, const char *mid,
    struct store_child **out, size_t *n, size_t max)
{
	static const char sql[] =
	    "SELECT mid, post FROM containers WHERE parent_mid = ?1 ORDER BY mid";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct store_child *v = NULL;
	size_t nv = 0, alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cm = col_text(st, 0);

		if (cm == NULL)
			continue;
		if (nv == max) {
			log_warnx("container <%s>: more than %zu children, "
			    "the rest are not re-linked", mid, max);
			rc = SQLITE_DONE;
			break;
		}
		if (nv == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		v[nv].mid = xstrdup(cm);
		v[nv].post = sqlite3_column_int64(st, 1);
		nv++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_children_free(&v, nv);
		return store_log_error(s, "container children");
	}
	*out = v;
	*n = nv;
	return 0;
}

void
store_children_free(struct store_child **cp, size_t n)
{
	if (*cp == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*cp)[i].mid);
	xfree(cp);
}

/* ---- threads ------------------------------------------------------------ */

int
store_thread_add(struct store *s, const char *theme, int64_t session,
    const char *subject, const char *norm_subject, time_t created, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO threads(theme, session, subject, norm_subject, created,"
	    " last_post, posts) VALUES (?1, ?2, ?3, ?4, ?5, ?5, 0)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	bind_id_or_null(st, 2, session);
	bind_text_or_null(st, 3, subject);
	bind_text_or_null(st, 4, norm_subject);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)created);
	if (store_step_done(s, st) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_thread_get(struct store *s, int64_t id, struct store_thread *t)
{
	static const char sql[] =
	    "SELECT theme, session, root, created, last_post, posts FROM threads"
	    " WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	memset(t, 0, sizeof(*t));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->id = id;
		t->theme = store_column_dup(st, 0);
		t->session = sqlite3_column_int64(st, 1);
		t->root = sqlite3_column_int64(st, 2);
		t->created = (time_t)sqlite3_column_int64(st, 3);
		t->last_post = (time_t)sqlite3_column_int64(st, 4);
		t->posts = sqlite3_column_int64(st, 5);
		sqlite3_reset(st);
		if (t->theme == NULL)
			t->theme = xstrdup("general");
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "thread");
}

int
store_thread_by_subject(struct store *s, const char *theme,
    const char *norm_subject, time_t since, int64_t *id)
{
	static const char sql[] =
	    "SELECT id FROM threads WHERE theme = ?1 AND norm_subject = ?2"
	    " AND last_post >= ?3 ORDER BY last_post DESC, id DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, norm_subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)since);
	return lookup_id(s, st, id, "thread by subject");
}

int
store_thread_merge(struct store *s, int64_t into, int64_t from)
{
	static const char sql_posts[] = "UPDATE posts SET thread = ?1 WHERE thread = ?2";
	static const char sql_cont[] = "UPDATE containers SET thread = ?1 WHERE thread = ?2";
	static const char sql_count[] =
	    "UPDATE threads SET posts = posts + (SELECT posts FROM threads WHERE id = ?2),"
	    " last_post = max(last_post, (SELECT last_post FROM threads WHERE id = ?2)),"
	    " created = min(created, (SELECT created FROM threads WHERE id = ?2))"
	    " WHERE id = ?1";
	static const char sql_del[] = "DELETE FROM threads WHERE id = ?1";
	const char *const sqls[] = { sql_posts, sql_cont, sql_count };
	sqlite3_stmt *st;

	if (into == from)
		return 0;
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		if ((st = store_stmt(s, sqls[i])) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, into);
		sqlite3_bind_int64(st, 2, from);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	if ((st = store_stmt(s, sql_del)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	return store_step_done(s, st);
}

int
store_thread_count_post(struct store *s, int64_t id, time_t t)
{
	static const char sql[] =
	    "UPDATE threads SET posts = posts + 1, last_post = max(last_post, ?2)"
	    " WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t);
	return store_step_done(s, st);
}

int
store_thread_set_root(struct store *s, int64_t id, int64_t root,
    const char *subject, const char *norm_subject)
{
	static const char sql[] =
	    "UPDATE threads SET root = ?2, subject = ?3, norm_subject = ?4 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_id_or_null(st, 2, root);
	bind_text_or_null(st, 3, subject);
	bind_text_or_null(st, 4, norm_subject);
	return store_step_done(s, st);
}

/* ---- reading ------------------------------------------------------------ */

int
store_thread_list(struct store *s, const char *theme, int64_t session,
    store_thread_cb *cb, void *arg)
{
	static const char sql[] =
	    "SELECT id, theme, session, subject, posts, created, last_post"
	    " FROM threads WHERE (?1 IS NULL OR theme = ?1)"
	    " AND (?2 IS NULL OR session = ?2) ORDER BY created, id";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct store_thread_row t;
	int rc, r = 0;

	if (st == NULL)
		return -1;
	bind_text_or_null(st, 1, theme);
	bind_id_or_null(st, 2, session);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(st, 0);
		t.theme = col_text(st, 1);
		t.session = sqlite3_column_int64(st, 2);
		t.subject = col_text(st, 3);
		t.posts = sqlite3_column_int64(st, 4);
		t.created = (time_t)sqlite3_column_int64(st, 5);
		t.last_post = (time_t)sqlite3_column_int64(st, 6);
		/* The callback may run other statements, never this one. */
		if ((r = cb(arg, &t)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r != 0)
		return r;
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "thread list");
}

/* One post held in memory while a thread is put in order. */
struct tpost {
	struct store_post_row row;
	char *strs[8];            /* owned copies behind row's strings */
	int64_t sortkey;
	size_t first_child, nchildren; /* into the order array */
};

static void
tpost_set(struct tpost *p, int i, const char **field, const char *v)
{
	p->strs[i] = v ? xstrdup(v) : NULL;
	*field = p->strs[i];
}

/* by_parent_then_date - siblings together, each group by date then id */
static int
by_parent_then_date(const void *a, const void *b)
{
	const struct tpost *x = a, *y = b;

	if (x->row.parent != y->row.parent)
		return x->row.parent < y->row.parent ? -1 : 1;
	if (x->sortkey != y->sortkey)
		return x->sortkey < y->sortkey ? -1 : 1;
	return x->row.id < y->row.id ? -1 : x->row.id > y->row.id;
}

static int
by_id(const void *a, const void *b)
{
	const struct tpost *const *x = a, *const *y = b;

	return (*x)->row.id < (*y)->row.id ? -1 : (*x)->row.id > (*y)->row.id;
}

static struct tpost *
find_post(struct tpost **index, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (index[mid]->row.id == id)
			return index[mid];
		if (index[mid]->row.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
store_thread_posts(struct store *s, int64_t thread, store_post_cb *cb, void *arg)
{
	static const char sql[] =
	    "SELECT id, parent, depth, message_id, theme, session, kind, state,"
	    " author_name, author_email, subject, date, received, new_text, thread"
	    " FROM posts WHERE thread = ?1 AND state != 'rejected'";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct tpost *v = NULL, **index = NULL;
	size_t *stack = NULL, n = 0, alloc = 0, sp = 0;
	int rc, r = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, thread);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tpost *p;

		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		p = &v[n++];
		memset(p, 0, sizeof(*p));
		p->row.id = sqlite3_column_int64(st, 0);
		p->row.parent = sqlite3_column_int64(st, 1);
		p->row.depth = sqlite3_column_int(st, 2);
		tpost_set(p, 0, &p->row.message_id, col_text(st, 3));
		tpost_set(p, 1, &p->row.theme, col_text(st, 4));
		p->row.session = sqlite3_column_int64(st, 5);
		tpost_set(p, 2, &p->row.kind, col_text(st, 6));
		tpost_set(p, 3, &p->row.state, col_text(st, 7));
		tpost_set(p, 4, &p->row.author_name, col_text(st, 8));
		tpost_set(p, 5, &p->row.author_email, col_text(st, 9));
		tpost_set(p, 6, &p->row.subject, col_text(st, 10));
		p->row.date = (time_t)sqlite3_column_int64(st, 11);
		p->row.received = (time_t)sqlite3_column_int64(st, 12);
		tpost_set(p, 7, &p->row.new_text, col_text(st, 13));
		p->row.thread = sqlite3_column_int64(st, 14);
		p->sortkey = p->row.date > 0 ? (int64_t)p->row.date : (int64_t)p->row.received;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		r = store_log_error(s, "thread posts");
		goto out;
	}
	if (n == 0)
		goto out;

	/* A parent outside this thread (never expected) makes a root. */
	index = xreallocarray(NULL, n, sizeof(*index));
	for (size_t i = 0; i < n; i++)
		index[i] = &v[i];
	qsort(index, n, sizeof(*index), by_id);
	for (size_t i = 0; i < n; i++)
		if (v[i].row.parent && !find_post(index, n, v[i].row.parent))
			v[i].row.parent = 0;

	/* Sort by (parent, date): the roots (parent 0) come first and every
	 * post's children form one run; then walk depth-first. */
	qsort(v, n, sizeof(*v), by_parent_then_date);
	for (size_t i = 0; i < n; i++)
		index[i] = &v[i];
	qsort(index, n, sizeof(*index), by_id);
	for (size_t i = 0; i < n; i++) {
		if (v[i].row.parent == 0)
			continue;
		struct tpost *par = find_post(index, n, v[i].row.parent);

		if (par->nchildren == 0)
			par->first_child = i;
		par->nchildren++;
	}
	stack = xreallocarray(NULL, n + 1, sizeof(*stack));
	/* Push the roots in reverse so the oldest comes out first. */
	for (size_t i = n; i-- > 0;)
		if (v[i].row.parent == 0)
			stack[sp++] = i;
	while (sp > 0 && r == 0) {
		struct tpost *p = &v[stack[--sp]];

		r = cb(arg, &p->row);
		for (size_t k = p->nchildren; k-- > 0;)
			if (sp < n)
				stack[sp++] = p->first_child + k;
	}
out:
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < 8; k++)
			free(v[i].strs[k]);
	free(v);
	free(index);
	free(stack);
	return r;
}

/* fts_word_ok - a word with at least one letter or digit (FTS5's
 * unicode61 tokenizer drops everything else) */
static int
fts_word_ok(const char *w)
{
	for (const unsigned char *p = (const unsigned char *)w; *p; p++)
		if (*p >= 0x80 || (*p >= '0' && *p <= '9') ||
		    ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			return 1;
	return 0;
}

/* The user's words never reach MATCH as syntax: each becomes a string
 * ("..." with inner quotes doubled), which FTS5 treats as a phrase of its
 * tokens; the phrases are ANDed.  Only a trailing '*' keeps its meaning
 * (prefix search).  Invalid UTF-8 is dropped rather than passed on. */
char *
store_fts_query(char *const *words, size_t nwords)
{
	struct buf q;

	buf_init(&q, 1u << 16);
	for (size_t i = 0; i < nwords; i++) {
		const char *w = words[i];
		size_t len = strlen(w);
		int prefix = 0;

		if (len > 0 && w[len - 1] == '*') {
			prefix = 1;
			len--;
		}
		char *word = xstrndup(w, len);
		if (!fts_word_ok(word) || !utf8_valid(word, len)) {
			free(word);
			continue;
		}
		if (q.len)
			buf_putc(&q, ' ');
		buf_putc(&q, '"');
		for (const char *p = word; *p; p++) {
			if (*p == '"')
				buf_putc(&q, '"');
			buf_putc(&q, *p);
		}
		buf_putc(&q, '"');
		if (prefix)
			buf_putc(&q, '*');
		free(word);
	}
	if (q.len == 0) {
		buf_release(&q);
		return NULL;
	}
	return buf_detach(&q, NULL);
}

/* Posts not yet in the search index: those above the largest indexed id
 * (schema/007-ingest-speed.sql says why that is exact). */
#define FTS_UNINDEXED \
	" FROM posts WHERE id > (SELECT COALESCE(max(id), 0) FROM posts_fts_docsize)"

/* fts_pending - 1 when posts wait to be indexed, 0 when none, -1 logged */
static int
fts_pending(struct store *s)
{
	static const char sql[] = "SELECT 1" FTS_UNINDEXED " LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	return store_log_error(s, "search index");
}

/* store_fts_flush - index the posts written since the last flush with one
 * statement, so FTS5 writes one segment per transaction instead of one per
 * post (schema/005-fts-deferred.sql says why), and no trigger runs per
 * post (007) */
int
store_fts_flush(struct store *s)
{
	static const char sql_index[] =
	    "INSERT INTO posts_fts(rowid, subject, author_name, text)"
	    " SELECT id, subject, author_name, text" FTS_UNINDEXED " ORDER BY id";
	sqlite3_stmt *st;
	int any = fts_pending(s);

	if (any <= 0)
		return any;
	if ((st = store_stmt(s, sql_index)) == NULL || store_step_done(s, st) < 0)
		return -1;
	return 0;
}

/* fts_ready - make every stored post searchable before a search: flush
 * inside the open transaction, or in a short one of its own (only when
 * posts were written outside any transaction) */
static int
fts_ready(struct store *s)
{
	int any;

	if (!s->fts_deferred)
		return 0;
	if (s->in_txn)
		return store_fts_flush(s);
	if ((any = fts_pending(s)) <= 0)
		return any;
	if (store_begin(s) < 0)
		return -1;
	return store_commit(s);
}

int
store_post_search(struct store *s, char *const *words, size_t nwords,
    int limit, store_post_cb *cb, void *arg)
{
	static const char sql[] =
	    "SELECT p.id, p.parent, p.depth, p.message_id, p.theme, p.session,"
	    " p.kind, p.state, p.author_name, p.author_email, p.subject, p.date,"
	    " p.received, p.new_text,"
	    " snippet(posts_fts, 2, '[', ']', '...', 12), p.thread"
	    " FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid"
	    " WHERE posts_fts MATCH ?1 AND p.state = 'accepted'"
	    " ORDER BY bm25(posts_fts, 4.0, 2.0, 1.0), p.id LIMIT ?2";
	sqlite3_stmt *st;
	struct store_post_row p;
	char *q = store_fts_query(words, nwords);
	int rc, r = 0, hits = 0;

	if (q == NULL)
		return 0;
	if (fts_ready(s) < 0) {
		free(q);
		return -1;
	}
	if ((st = store_stmt(s, sql)) == NULL) {
		free(q);
		return -1;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 20);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&p, 0, sizeof(p));
		p.id = sqlite3_column_int64(st, 0);
		p.parent = sqlite3_column_int64(st, 1);
		p.depth = sqlite3_column_int(st, 2);
		p.message_id = col_text(st, 3);
		p.theme = col_text(st, 4);
		p.session = sqlite3_column_int64(st, 5);
		p.kind = col_text(st, 6);
		p.state = col_text(st, 7);
		p.author_name = col_text(st, 8);
		p.author_email = col_text(st, 9);
		p.subject = col_text(st, 10);
		p.date = (time_t)sqlite3_column_int64(st, 11);
		p.received = (time_t)sqlite3_column_int64(st, 12);
		p.new_text = col_text(st, 13);
		p.snippet = col_text(st, 14);
		p.thread = sqlite3_column_int64(st, 15);
		hits++;
		if ((r = cb(arg, &p)) != 0)
			break;
	}
	sqlite3_reset(st);
	free(q);
	if (r != 0)
		return r < 0 ? r : hits;
	return rc == SQLITE_DONE ? hits : store_log_error(s, "search");
}
