/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_member - members CRUD, export and forget (see store_member.h)
 *
 * Statements are static strings cached by store_stmt().  The walk over all
 * members steps one statement and loads each member's themes with a second
 * one, so memory stays bounded whatever the size of the list.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "clock.h"
#include "log.h"
#include "store_forget.h"
#include "store_int.h"
#include "store_member.h"
#include "xalloc.h"

#define MEMBER_COLS \
	"id, email, name, role, delivery, region, language, status," \
	" all_themes, unsub_token, created, updated"

static const char *const roles[] = { "member", "facilitator", NULL };
static const char *const deliveries[] = { "each", "digest", "none", NULL };
static const char *const statuses[] = {
	"pending", "active", "unsubscribed", "bouncing", NULL,
};

/* word_in - 1 when s is one of the NULL-terminated words */
static int
word_in(const char *s, const char *const *words)
{
	if (s == NULL)
		return 0;
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

/* member_role_valid - see store_member.h */
int
member_role_valid(const char *s)
{
	return word_in(s, roles);
}

/* member_delivery_valid - see store_member.h */
int
member_delivery_valid(const char *s)
{
	return word_in(s, deliveries);
}

/* member_status_valid - see store_member.h */
int
member_status_valid(const char *s)
{
	return word_in(s, statuses);
}

/* member_release - see store_member.h */
void
member_release(struct member *m)
{
	free(m->email);
	free(m->name);
	free(m->role);
	free(m->delivery);
	free(m->region);
	free(m->language);
	free(m->status);
	for (size_t i = 0; i < m->nthemes; i++)
		free(m->themes[i]);
	free(m->themes);
	free(m->unsub_token);
	memset(m, 0, sizeof(*m));
}

/* store_random_hex - see store_member.h */
int
store_random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t got = 0;

	if (nbytes > sizeof(raw))
		BUG("store_random_hex: %zu bytes", nbytes);
	while (got < nbytes) {
		ssize_t r = getrandom(raw + got, nbytes - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_warn("getrandom");
			return -1;
		}
		got += (size_t)r;
	}
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return 0;
}

/* member_themes_load - the theme slugs of member m->id into m */
static int
member_themes_load(struct store *s, struct member *m)
{
	static const char sql[] =
	    "SELECT theme FROM member_themes WHERE member = ?1 ORDER BY theme";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, m->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m->themes = xreallocarray(m->themes, m->nthemes + 1, sizeof(*m->themes));
		m->themes[m->nthemes++] = store_column_dup(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "member themes");
}

/* member_fill - the MEMBER_COLS of the current row into m */
static void
member_fill(sqlite3_stmt *st, struct member *m)
{
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	m->email = store_column_dup(st, 1);
	m->name = store_column_dup(st, 2);
	m->role = store_column_dup(st, 3);
	m->delivery = store_column_dup(st, 4);
	m->region = store_column_dup(st, 5);
	m->language = store_column_dup(st, 6);
	m->status = store_column_dup(st, 7);
	m->all_themes = sqlite3_column_int(st, 8);
	m->unsub_token = store_column_dup(st, 9);
	m->created = (time_t)sqlite3_column_int64(st, 10);
	m->updated = (time_t)sqlite3_column_int64(st, 11);
}

/* member_one - step a query for one member; 1/0/-1 */
static int
member_one(struct store *s, sqlite3_stmt *st, struct member *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		member_fill(st, out);
		sqlite3_reset(st);
		if (!out->all_themes && member_themes_load(s, out) < 0) {
			member_release(out);
			return -1;
		}
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "member");
}

/* store_member_get - see store_member.h */
int
store_member_get(struct store *s, const char *email, struct member *out)
{
	static const char sql[] =
	    "SELECT " MEMBER_COLS " FROM members WHERE email = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	return member_one(s, st, out);
}

/* store_member_by_email - see store_member.h */
int
store_member_by_email(struct store *s, const char *email, int64_t *id)
{
	static const char sql[] = "SELECT id FROM members WHERE email = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	return store_lookup_id(s, st, id, "find member");
}

/* store_member_by_token - see store_member.h */
int
store_member_by_token(struct store *s, const char *token, struct member *out)
{
	static const char sql[] =
	    "SELECT " MEMBER_COLS " FROM members WHERE unsub_token = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	if (token == NULL || strlen(token) != MEMBER_TOKEN_HEX)
		return 0;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	return member_one(s, st, out);
}

/* member_themes_set - replace the member_themes rows of id */
static int
member_themes_set(struct store *s, int64_t id, const struct member_put *p)
{
	static const char del[] = "DELETE FROM member_themes WHERE member = ?1";
	static const char ins[] =
	    "INSERT OR IGNORE INTO member_themes(member, theme) VALUES (?1, ?2)";
	sqlite3_stmt *st = store_stmt(s, del);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(s, st) < 0)
		return -1;
	if (p->all_themes)
		return 0;
	for (size_t i = 0; i < p->nthemes; i++) {
		if ((st = store_stmt(s, ins)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, p->themes[i], -1, SQLITE_STATIC);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	return 0;
}

/* member_put_txn - store_member_put inside an open transaction */
static int
member_put_txn(struct store *s, const struct member_put *p, int64_t *idp)
{
	static const char find[] = "SELECT id FROM members WHERE email = ?1";
	static const char ins[] =
	    "INSERT INTO members(email, name, role, delivery, region, language,"
	    " status, all_themes, unsub_token, created, updated)"
	    " VALUES (?1, ?2, COALESCE(?3, 'member'), COALESCE(?4, 'each'), ?5, ?6,"
	    " COALESCE(?7, 'active'), ?8, ?9, ?10, ?10)";
	static const char upd[] =
	    "UPDATE members SET name = COALESCE(?2, name), role = COALESCE(?3, role),"
	    " delivery = COALESCE(?4, delivery), region = COALESCE(?5, region),"
	    " language = COALESCE(?6, language), status = COALESCE(?7, 'active'),"
	    " all_themes = CASE WHEN ?8 THEN ?9 ELSE all_themes END,"
	    " updated = ?10 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, find);
	int64_t id = 0;
	int rc, added;
	time_t now = clock_now();
	char token[MEMBER_TOKEN_HEX + 1];

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, p->email, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_log_error(s, "find member");
	added = rc == SQLITE_DONE;
	if (added) {
		if (store_random_hex(token, MEMBER_TOKEN_HEX / 2) < 0)
			return -1;
		if ((st = store_stmt(s, ins)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, p->email, -1, SQLITE_STATIC);
		store_bind_text(st, 2, p->name);
		store_bind_text(st, 3, p->role);
		store_bind_text(st, 4, p->delivery);
		store_bind_text(st, 5, p->region);
		store_bind_text(st, 6, p->language);
		store_bind_text(st, 7, p->status);
		sqlite3_bind_int(st, 8, p->set_themes ? p->all_themes : 1);
		sqlite3_bind_text(st, 9, token, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, (sqlite3_int64)now);
		if (store_step_done(s, st) < 0)
			return -1;
		id = sqlite3_last_insert_rowid(s->db);
	} else {
		if ((st = store_stmt(s, upd)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		store_bind_text(st, 2, p->name);
		store_bind_text(st, 3, p->role);
		store_bind_text(st, 4, p->delivery);
		store_bind_text(st, 5, p->region);
		store_bind_text(st, 6, p->language);
		store_bind_text(st, 7, p->status);
		sqlite3_bind_int(st, 8, p->set_themes);
		sqlite3_bind_int(st, 9, p->all_themes);
		sqlite3_bind_int64(st, 10, (sqlite3_int64)now);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	if (p->set_themes && member_themes_set(s, id, p) < 0)
		return -1;
	if (idp)
		*idp = id;
	return added;
}

/* store_member_put - see store_member.h */
int
store_member_put(struct store *s, const struct member_put *p, int64_t *id)
{
	int own = !s->in_txn, rc;

	if (p->email == NULL || (p->role && !member_role_valid(p->role)) ||
	    (p->delivery && !member_delivery_valid(p->delivery)) ||
	    (p->status && !member_status_valid(p->status)))
		BUG("store_member_put: unchecked input");
	if (own && store_begin(s) < 0)
		return -1;
	rc = member_put_txn(s, p, id);
	if (own) {
		if (rc < 0)
			store_rollback(s);
		else if (store_commit(s) < 0)
			return -1;
	}
	return rc;
}

/* member_update_one - run an UPDATE ... WHERE id = ?1 with text ?2;
 * 1 changed, 0 no row, -1 */
static int
member_update_one(struct store *s, const char *sql, int64_t id, const char *v)
{
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* store_member_set_status - see store_member.h */
int
store_member_set_status(struct store *s, int64_t id, const char *status)
{
	static const char sql[] =
	    "UPDATE members SET status = ?2, updated = ?3 WHERE id = ?1";

	if (!member_status_valid(status))
		BUG("bad member status '%s'", status ? status : "(null)");
	return member_update_one(s, sql, id, status);
}

/* store_member_set_delivery - see store_member.h */
int
store_member_set_delivery(struct store *s, int64_t id, const char *delivery)
{
	static const char sql[] =
	    "UPDATE members SET delivery = ?2, updated = ?3 WHERE id = ?1";

	if (!member_delivery_valid(delivery))
		BUG("bad member delivery '%s'", delivery ? delivery : "(null)");
	return member_update_one(s, sql, id, delivery);
}

/* store_member_remove - see store_member.h */
int
store_member_remove(struct store *s, const char *email)
{
	static const char sql[] =
	    "UPDATE members SET status = 'unsubscribed', updated = ?2 WHERE email = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)clock_now());
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* store_member_each - see store_member.h */
int
store_member_each(struct store *s, store_member_fn *fn, void *arg)
{
	/* Not a cached statement: the walk must not be reset by a nested
	 * store_member_get() in the callback. */
	static const char sql[] =
	    "SELECT " MEMBER_COLS " FROM members ORDER BY email COLLATE NOCASE, id";
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_log_error(s, "list members");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct member m;

		member_fill(st, &m);
		if (!m.all_themes && member_themes_load(s, &m) < 0) {
			member_release(&m);
			rc = SQLITE_ERROR;
			break;
		}
		stop = fn(&m, arg);
		member_release(&m);
		if (stop)
			break;
	}
	if (!stop && rc != SQLITE_DONE) {
		store_log_error(s, "list members");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return stop;
}

/* store_member_count - see store_member.h */
long
store_member_count(struct store *s)
{
	static const char sql[] = "SELECT count(*) FROM members";
	sqlite3_stmt *st = store_stmt(s, sql);
	long n = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* ---- export ------------------------------------------------------------- */

/* json_time - an ISO instant, or null for 0/NULL */
static void
json_time(struct json *j, sqlite3_stmt *st, int col)
{
	char iso[32];

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		json_null(j);
	else
		json_string(j, clock_format_iso((time_t)sqlite3_column_int64(st, col),
		    iso, sizeof(iso)));
}

/* json_col - a column as JSON: integers as numbers, text as strings */
static void
json_col(struct json *j, sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		json_null(j);
		break;
	case SQLITE_INTEGER:
		json_int(j, sqlite3_column_int64(st, col));
		break;
	default:
		json_string(j, (const char *)sqlite3_column_text(st, col));
		break;
	}
}

/* export_rows - "key": [ {...}, ... ] from a query bound with ?1 = member
 * id and ?2 = email.  Columns named in cols; those in time_cols (a bitmask
 * of column numbers) are written as ISO instants. */
static int
export_rows(struct store *s, struct json *j, const char *key, const char *sql,
    int64_t id, const char *email, const char *const *cols, unsigned time_cols)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
	json_key(j, key);
	json_array_begin(j);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_object_begin(j);
		for (int c = 0; cols[c]; c++) {
			json_key(j, cols[c]);
			if (time_cols & (1u << c))
				json_time(j, st, c);
			else
				json_col(j, st, c);
		}
		json_object_end(j);
	}
	sqlite3_reset(st);
	json_array_end(j);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, key);
}

/* store_member_export - see store_member.h */
int
store_member_export(struct store *s, const char *email, struct json *j)
{
	static const char posts_sql[] =
	    "SELECT id, message_id, theme, kind, state, subject, received FROM posts"
	    " WHERE author = ?1 OR author_email = ?2 COLLATE NOCASE ORDER BY received, id";
	static const char *const posts_cols[] = {
		"id", "message_id", "theme", "kind", "state", "subject", "received", NULL,
	};
	static const char tokens_sql[] =
	    "SELECT kind, created, expires, used FROM tokens"
	    " WHERE member = ?1 OR address = ?2 COLLATE NOCASE ORDER BY created";
	static const char *const tokens_cols[] = { "kind", "created", "expires", "used", NULL };
	static const char bounces_sql[] =
	    "SELECT at, temporary, reason FROM bounces"
	    " WHERE member = ?1 OR address = ?2 COLLATE NOCASE ORDER BY at";
	static const char *const bounces_cols[] = { "at", "temporary", "reason", NULL };
	static const char held_sql[] =
	    "SELECT h.id, h.reason, h.state, h.created FROM held h"
	    " JOIN messages m ON m.id = h.message"
	    " WHERE m.sender = ?2 COLLATE NOCASE AND ?1 IS NOT NULL ORDER BY h.created";
	static const char *const held_cols[] = { "id", "reason", "state", "created", NULL };
	static const char outbox_sql[] =
	    "SELECT o.id, o.kind, r.state, r.attempts, r.last_error, r.updated"
	    " FROM outbox_rcpt r JOIN outbox o ON o.id = r.outbox"
	    " WHERE r.member = ?1 OR r.address = ?2 COLLATE NOCASE ORDER BY r.id";
	static const char *const outbox_cols[] = {
		"outbox", "kind", "state", "attempts", "last_error", "updated", NULL,
	};
	static const char notices_sql[] =
	    "SELECT kind, day FROM notices WHERE address = ?2 AND ?1 IS NOT NULL"
	    " ORDER BY day";
	static const char *const notices_cols[] = { "kind", "day", NULL };
	struct member m;
	char iso[32];
	int rc;

	rc = store_member_get(s, email, &m);
	if (rc <= 0)
		return rc;
	json_object_begin(j);
	json_key(j, "email");
	json_string(j, m.email);
	json_key(j, "name");
	json_string(j, m.name);
	json_key(j, "role");
	json_string(j, m.role);
	json_key(j, "delivery");
	json_string(j, m.delivery);
	json_key(j, "region");
	json_string(j, m.region);
	json_key(j, "language");
	json_string(j, m.language);
	json_key(j, "status");
	json_string(j, m.status);
	json_key(j, "all_themes");
	json_bool(j, m.all_themes);
	json_key(j, "themes");
	json_array_begin(j);
	for (size_t i = 0; i < m.nthemes; i++)
		json_string(j, m.themes[i]);
	json_array_end(j);
	json_key(j, "created");
	json_string(j, clock_format_iso(m.created, iso, sizeof(iso)));
	json_key(j, "updated");
	json_string(j, clock_format_iso(m.updated, iso, sizeof(iso)));
	rc = export_rows(s, j, "posts", posts_sql, m.id, m.email, posts_cols, 1u << 6);
	if (rc == 0)
		rc = export_rows(s, j, "tokens", tokens_sql, m.id, m.email,
		    tokens_cols, (1u << 1) | (1u << 2) | (1u << 3));
	if (rc == 0)
		rc = export_rows(s, j, "bounces", bounces_sql, m.id, m.email,
		    bounces_cols, 1u << 0);
	if (rc == 0)
		rc = export_rows(s, j, "held", held_sql, m.id, m.email, held_cols, 1u << 3);
	if (rc == 0)
		rc = export_rows(s, j, "outbox", outbox_sql, m.id, m.email,
		    outbox_cols, 1u << 5);
	if (rc == 0)
		rc = export_rows(s, j, "notices", notices_sql, m.id, m.email,
		    notices_cols, 0);
	json_object_end(j);
	member_release(&m);
	return rc < 0 ? -1 : 1;
}

/* ---- forget ------------------------------------------------------------- */

/* forget_txn - store_member_forget inside a transaction */
static int
forget_txn(struct store *s, int64_t id, const char *email, const char *name)
{
	static const char *const steps[] = {
		"UPDATE messages SET sender = NULL WHERE sender = ?2 COLLATE NOCASE"
		" AND ?1 IS NOT NULL",
		"UPDATE posts SET author = NULL, author_name = 'former member',"
		" author_email = NULL WHERE author = ?1 OR author_email = ?2 COLLATE NOCASE",
		"DELETE FROM tokens WHERE member = ?1 OR address = ?2 COLLATE NOCASE",
		"DELETE FROM bounces WHERE member = ?1 OR address = ?2 COLLATE NOCASE",
		"DELETE FROM outbox_rcpt WHERE member = ?1 OR address = ?2 COLLATE NOCASE",
		"DELETE FROM notices WHERE address = ?2 AND ?1 IS NOT NULL",
		"UPDATE held SET decided_by = NULL WHERE decided_by = ?2 COLLATE NOCASE"
		" AND ?1 IS NOT NULL",
		"DELETE FROM digest_sent WHERE member = ?1 AND ?2 IS NOT NULL",
		"DELETE FROM member_themes WHERE member = ?1 AND ?2 IS NOT NULL",
		"DELETE FROM members WHERE id = ?1 AND ?2 IS NOT NULL",
		/* The archive's pages show the name: the next update (barazad's
		 * next cycle, or `archive build`) rewrites the whole archive. */
		"DELETE FROM meta WHERE key = 'archive_built' AND ?1 IS NOT NULL"
		" AND ?2 IS NOT NULL",
	};

	if (store_forget_scrub(s, id, email, name) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sqlite3_stmt *st = store_stmt(s, steps[i]);

		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	return store_forget_reindex(s);
}

/* store_member_forget - see store_member.h */
int
store_member_forget(struct store *s, const char *email)
{
	struct member m;
	int own = !s->in_txn, rc;

	/* What is deleted or rewritten is overwritten with zeros in the file,
	 * not left readable in free space (store_forget.c). */
	if (own && store_exec(s, "PRAGMA secure_delete = ON") < 0)
		return -1;
	if (own && store_begin(s) < 0)
		return -1;
	rc = store_member_get(s, email, &m);
	if (rc == 1) {
		rc = forget_txn(s, m.id, m.email, m.name) < 0 ? -1 : 1;
		member_release(&m);
	}
	if (own) {
		if (rc < 0)
			store_rollback(s);
		else if (store_commit(s) < 0)
			rc = -1;
		/* secure_delete zeroes what this transaction freed, but SQLite
		 * leaves stale copies of cells in the unused space of pages it
		 * rebalanced long ago: only a VACUUM (a fresh file) leaves none.
		 * Then the old pages out of the write-ahead log too.  The copy
		 * is built in a temporary file, not in memory. */
		if (rc == 1 && (store_exec(s, "PRAGMA temp_store = FILE;"
		    " VACUUM; PRAGMA temp_store = MEMORY") < 0 ||
		    store_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)") < 0))
			log_warnx("forget: done, but the database file could not be"
			    " compacted (busy?): old copies of her data may remain in"
			    " its free space until `sqlite3 %s VACUUM` runs with barazad"
			    " stopped", s->path);
		(void)store_exec(s, "PRAGMA secure_delete = OFF");
	}
	return rc;
}
