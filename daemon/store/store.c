/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store - open, migrate and transact on the SQLite database
 *
 * Migrations come from schema/NNN-name.sql, embedded into the binary by
 * schema/embed.sh; PRAGMA user_version holds the last one applied.  Each
 * migration runs in its own transaction, so an interrupted migration leaves
 * the database at the previous version, never half-way.  A migration whose
 * first line is "-- baraza: table rebuild" runs as SQLite's table rebuild
 * (foreign keys off around the transaction, foreign_key_check clean before
 * COMMIT), so that it may drop and re-create a table others refer to.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "schema.h"
#include "store_int.h"
#include "xalloc.h"

/* store_why - the last error in words; SQLite's "database is locked"
 * says nothing of why or what to do, so a busy database says both */
static const char *
store_why(struct store *s)
{
	if ((sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_BUSY)
		return "database is busy: another process held its write lock "
		    "longer than the busy timeout; try again";
	return sqlite3_errmsg(s->db);
}

/* store_log_error - see store_int.h */
int
store_log_error(struct store *s, const char *what)
{
	return log_error("database %s: %s: %s", s->path, what, store_why(s));
}

/* store_errmsg - see store.h */
const char *
store_errmsg(struct store *s)
{
	return store_why(s);
}

/* store_set_cache - see store.h */
int
store_set_cache(struct store *s, int kb)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kb);
	return store_exec(s, sql);
}

/* store_set_autocheckpoint - see store.h */
int
store_set_autocheckpoint(struct store *s, int pages)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA wal_autocheckpoint = %d", pages);
	return store_exec(s, sql);
}

/* store_exec - see store.h */
int
store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("database %s: %s", s->path,
		    (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_BUSY ?
		    store_why(s) : msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* store_open - see store.h */
int
store_open(const char *path, int create, struct store **out, char *err,
    size_t errlen)
{
	struct store *s;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	sqlite3 *db = NULL;

	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db, 1);
	if (store_fts_tokenizer(db) < 0 || store_zip_functions(db) < 0) {
		snprintf(err, errlen, "cannot open database %s: no FTS5 in SQLite", path);
		sqlite3_close(db);
		return -1;
	}
	s = xcalloc(1, sizeof(*s));
	s->db = db;
	s->path = xstrdup(path);
	if (store_exec(s, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = MEMORY;") < 0) {
		snprintf(err, errlen, "cannot set up database %s: %s", path,
		    sqlite3_errmsg(db));
		store_close(&s);
		return -1;
	}
	*out = s;
	return 0;
}

/* store_close - see store.h */
void
store_close(struct store **sp)
{
	struct store *s = *sp;

	if (s == NULL)
		return;
	if (s->in_txn)
		store_rollback(s);
	store_ckpt_stop(s);
	store_held_rate_forget(s);
	for (size_t i = 0; i < STORE_STMT_SLOTS; i++)
		if (s->slots[i].stmt)
			sqlite3_finalize(s->slots[i].stmt);
	sqlite3_close(s->db);
	store_zip_close(s);
	free(s->path);
	free(s);
	*sp = NULL;
}

/* store_stmt - open addressing on the SQL string's address */
sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) % STORE_STMT_SLOTS;

	for (size_t n = 0; n < STORE_STMT_SLOTS; n++, h = (h + 1) % STORE_STMT_SLOTS) {
		struct store_stmt_slot *slot = &s->slots[h];

		if (slot->sql == sql) {
			sqlite3_reset(slot->stmt);
			sqlite3_clear_bindings(slot->stmt);
			return slot->stmt;
		}
		if (slot->sql == NULL) {
			if (sqlite3_prepare_v3(s->db, sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &slot->stmt, NULL) != SQLITE_OK) {
				log_error("database %s: cannot prepare \"%.60s\": %s",
				    s->path, sql, sqlite3_errmsg(s->db));
				slot->stmt = NULL;
				return NULL;
			}
			slot->sql = sql;
			return slot->stmt;
		}
	}
	BUG("store statement cache full (raise STORE_STMT_SLOTS)");
}

/* store_step_done - see store_int.h */
int
store_step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_error("database %s: %s: %s", s->path,
		    sqlite3_sql(st) ? sqlite3_sql(st) : "?", store_why(s));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

/* store_column_dup - see store_int.h */
char *
store_column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? xstrdup((const char *)t) : NULL;
}

/* store_bind_text - see store_int.h */
void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* store_bind_id - see store_int.h */
void
store_bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* store_column_text - see store_int.h */
const char *
store_column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : NULL;
}

/* store_column_str - see store_int.h */
const char *
store_column_str(sqlite3_stmt *st, int col)
{
	const char *t = store_column_text(st, col);

	return t != NULL ? t : "";
}

/* store_lookup_id - see store_int.h */
int
store_lookup_id(struct store *s, sqlite3_stmt *st, int64_t *id, const char *what)
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

/* store_begin - see store.h */
int
store_begin(struct store *s)
{
	if (s->in_txn)
		BUG("nested store transaction");
	if (store_exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	s->in_txn = 1;
	return 0;
}

/* store_commit - see store.h */
int
store_commit(struct store *s)
{
	if (!s->in_txn)
		BUG("commit without transaction");
	/* Posts are indexed for search once per transaction (schema 005). */
	if (s->fts_deferred && store_fts_flush(s) < 0) {
		store_rollback(s);
		return -1;
	}
	if (store_exec(s, "COMMIT") < 0) {
		store_rollback(s);
		return -1;
	}
	s->in_txn = 0;
	store_held_rate_forget(s);
	return 0;
}

/* store_rollback - see store.h */
void
store_rollback(struct store *s)
{
	if (!s->in_txn)
		return;
	/* ROLLBACK may fail if SQLite already rolled back (e.g. SQLITE_FULL);
	 * either way no transaction is open afterwards. */
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = 0;
	store_held_rate_forget(s);
}

/* store_error_temporary - see store.h */
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

/* store_savepoint - see store.h */
int
store_savepoint(struct store *s, const char *name)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "SAVEPOINT %s", name);
	return store_exec(s, sql);
}

/* store_release - see store.h */
int
store_release(struct store *s, const char *name)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "RELEASE %s", name);
	return store_exec(s, sql);
}

/* store_rollback_to - see store.h */
void
store_rollback_to(struct store *s, const char *name)
{
	char sql[96];

	/* ROLLBACK TO keeps the savepoint open: release it as well. */
	snprintf(sql, sizeof(sql), "ROLLBACK TO %s; RELEASE %s", name, name);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/* store_version - see store.h */
int
store_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* store_latest_version - see store.h */
int
store_latest_version(void)
{
	return schema_nmigrations ?
	    (int)schema_migrations[schema_nmigrations - 1].version : 0;
}

/* The first line of a migration that rebuilds tables (schema/008-...). */
#define REBUILD_MARK "-- baraza: table rebuild\n"

/* fk_violation - whether PRAGMA foreign_key_check finds a row; 1 with the
 * first in err, 0 clean, -1 on error */
static int
fk_violation(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *table = sqlite3_column_text(st, 0);
		const unsigned char *parent = sqlite3_column_text(st, 2);

		snprintf(err, errlen, "foreign key violation: row %lld of %s "
		    "refers to a missing row of %s", sqlite3_column_int64(st, 1),
		    table ? (const char *)table : "?",
		    parent ? (const char *)parent : "?");
	} else if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* migrate_one - apply m in one transaction; a table rebuild (REBUILD_MARK)
 * as SQLite documents it (lang_altertable.html, "Making Other Kinds Of
 * Table Schema Changes"): foreign keys off before BEGIN, since PRAGMA
 * foreign_keys cannot change inside a transaction and DROP TABLE would
 * otherwise delete or null the rows that refer to the old table; every
 * reference checked before COMMIT; foreign keys on again whatever
 * happened.  Failure rolls back: the database stays at the version before. */
static int
migrate_one(struct store *s, const struct schema_migration *m, char *err,
    size_t errlen)
{
	int rebuild = strncmp(m->sql, REBUILD_MARK, strlen(REBUILD_MARK)) == 0;
	char pragma[64], why[192];
	int rc = -1;

	if (rebuild && store_exec(s, "PRAGMA foreign_keys = OFF") < 0) {
		snprintf(err, errlen, "cannot turn foreign keys off for migration "
		    "%s: %s", m->name, sqlite3_errmsg(s->db));
		return -1;
	}
	if (store_begin(s) < 0) {
		snprintf(err, errlen, "cannot begin migration %s: %s",
		    m->name, sqlite3_errmsg(s->db));
		goto out;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %u", m->version);
	if (store_exec(s, m->sql) < 0 || store_exec(s, pragma) < 0) {
		snprintf(err, errlen, "migration %s failed: %s", m->name,
		    sqlite3_errmsg(s->db));
		store_rollback(s);
		goto out;
	}
	if (rebuild && fk_violation(s, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "migration %s failed: %s", m->name, why);
		store_rollback(s);
		goto out;
	}
	if (store_commit(s) < 0) {
		snprintf(err, errlen, "cannot commit migration %s: %s",
		    m->name, sqlite3_errmsg(s->db));
		goto out;
	}
	rc = 0;
out:
	if (rebuild && store_exec(s, "PRAGMA foreign_keys = ON") < 0 && rc == 0) {
		snprintf(err, errlen, "cannot turn foreign keys on after migration "
		    "%s: %s", m->name, sqlite3_errmsg(s->db));
		rc = -1;
	}
	return rc;
}

/* store_migrate - see store.h */
int
store_migrate(struct store *s, char *err, size_t errlen)
{
	int have = store_version(s), applied = 0;

	if (have < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (have > store_latest_version()) {
		snprintf(err, errlen, "database schema version %d is newer than this "
		    "program (%d): upgrade baraza", have, store_latest_version());
		return -1;
	}
	/* A migration may rewrite every post in one statement, and SQLite
	 * keeps that statement's journal (every page it changes, in case it
	 * has to undo it half-way) in the temporary store: in memory, that is
	 * the size of the table (1.1 GB for 012 at 100 000 posts).  On disk
	 * while migrating. */
	if (have < store_latest_version() && store_exec(s, "PRAGMA temp_store = FILE") < 0) {
		snprintf(err, errlen, "cannot set up the migration: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	for (unsigned i = 0; i < schema_nmigrations; i++) {
		const struct schema_migration *m = &schema_migrations[i];

		if ((int)m->version <= have)
			continue;
		if (migrate_one(s, m, err, errlen) < 0) {
			(void)store_exec(s, "PRAGMA temp_store = MEMORY");
			return -1;
		}
		log_debug("database %s: applied migration %s", s->path, m->name);
		applied++;
	}
	if (applied > 0 && store_exec(s, "PRAGMA temp_store = MEMORY") < 0) {
		snprintf(err, errlen, "cannot set up the database: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	/* From 005 on, new posts wait for the search index until commit (since
	 * 007: every post above the largest id in posts_fts_docsize). */
	s->fts_deferred = store_version(s) >= 5;
	if (store_version(s) >= 16)     /* texts stored compressed */
		(void)store_fts_text_setup(s);
	return applied;
}

/* store_meta_get - see store.h */
int
store_meta_get(struct store *s, const char *key, char **out)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = store_column_dup(st, 0);
		if (*out == NULL)
			*out = xstrdup("");
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "meta");
}

/* store_meta_set - see store.h */
int
store_meta_set(struct store *s, const char *key, const char *value)
{
	static const char sql[] =
	    "INSERT INTO meta(key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

/* store_integrity - see store.h */
int
store_integrity(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int ok = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		ok = r && strcmp(r, "ok") == 0;
		if (!ok)
			snprintf(err, errlen, "%s", r ? r : "quick_check failed");
	} else {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}
