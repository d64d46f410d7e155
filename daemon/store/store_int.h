/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_int - shared insides of the store*.c files (not for other modules)
 *
 * store_stmt() hands out a prepared statement for a static SQL string,
 * preparing it on first use and caching it by the string's address for the
 * life of the connection.  The statement comes back reset, with bindings
 * cleared.  Callers bind, step, and need not finalise.
 *
 *	static const char sql[] = "SELECT id FROM members WHERE email = ?1";
 *	sqlite3_stmt *st = store_stmt(s, sql);
 *	if (st == NULL) return -1;
 *	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
 *	switch (sqlite3_step(st)) { case SQLITE_ROW: ... }
 */
#ifndef BARAZA_STORE_INT_H
#define BARAZA_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define STORE_STMT_SLOTS 256

struct store_stmt_slot {
	const char *sql;        /* borrowed: a static string */
	sqlite3_stmt *stmt;     /* owned */
};

struct store {
	sqlite3 *db;
	char *path;
	int in_txn;
	int fts_deferred;       /* schema 005+: posts indexed at commit */
	int fts_text;           /* temp.fts_text exists (store_search.c) */
	struct store_rate *rate; /* store_held.c: sender counts of the open
	                          * transaction, or NULL */
	struct store_ckpt *ckpt; /* store_ckpt.c: the checkpoint thread, or
	                          * NULL */
	struct store_stmt_slot slots[STORE_STMT_SLOTS];
	struct store_zip *zip;  /* store_archive.c: texts read in C, made at
	                         * first use, or NULL */
};

/* store_stmt - the cached statement for sql (a static string), reset and
 * cleared; NULL (logged) when it does not prepare */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
/* store_step_done - step a statement that returns no rows; 0 or -1 logged */
int store_step_done(struct store *s, sqlite3_stmt *st);
/* store_column_dup - xstrdup of a text column, NULL for SQL NULL */
char *store_column_dup(sqlite3_stmt *st, int col);
/* store_newtext_functions - register bz_pack_new_text(text, new_text) and
 * bz_new_text(text, stored) (store_newtext.c: new_text kept as offsets
 * into text; text may be stored compressed: z decompresses it) on a
 * connection; store_zip_functions does it.  0 or -1. */
struct store_zip;
int store_newtext_functions(sqlite3 *db, struct store_zip *z);
/* store_newtext_unpack - the new_text stored as v, given the post's text t
 * (tn bytes, as store_zip_value_text gives it back; NULL for none): v
 * itself or a pointer into it when v is no range list, else b's data
 * (b reset first); NULL when v is NULL or b's cap was passed */
struct buf;
const char *store_newtext_unpack(const char *t, size_t tn, const char *v, struct buf *b);
/* store_zip_value_text - the text stored in v (compressed or not): a pointer
 * into v or into *own (then to be freed by the caller), its length in
 * *len; NULL when v holds a damaged frame */
const char *store_zip_value_text(struct store_zip *z, sqlite3_value *v, char **own, size_t *len);
/* store_zip_close - free s->zip, the context of texts read in C
 * (store_zip.c), for store_close */
void store_zip_close(struct store *s);

/* store_fts_flush - index the posts not yet in posts_fts (schema 007: ids
 * above the largest in posts_fts_docsize) inside the open transaction; 0
 * or -1 logged.  store_commit calls it; store_search.c implements it. */
int store_fts_flush(struct store *s);
/* store_fts_text - the plain text of post id, just added compressed in
 * the open transaction: the flush indexes it from there instead of
 * decompressing it again (store_search.c); 0 or -1 logged */
int store_fts_text(struct store *s, int64_t id, const char *text);
/* store_fts_text_setup - make the TEMP table store_fts_text fills (after
 * the migrations, outside any transaction); until then, and if this
 * fails, texts are decompressed at the flush.  0 or -1 logged. */
int store_fts_text_setup(struct store *s);
/* store_held_rate_post - a post of author_email (may be NULL) was stored
 * in the open transaction: the rate limit's remembered count of that
 * sender, if any, grows by one.  store_post_add calls it; store_held.c
 * implements it. */
void store_held_rate_post(struct store *s, const char *author_email,
    time_t received);
/* store_held_rate_forget - drop the remembered sender counts (at COMMIT,
 * ROLLBACK and close: only a transaction's own writes keep them exact) */
void store_held_rate_forget(struct store *s);
/* store_bind_text - bind v as text (SQLITE_STATIC: it must outlive the
 * step), or SQL NULL when v is NULL */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* store_bind_id - bind a row id, or SQL NULL when v <= 0 (none) */
void store_bind_id(sqlite3_stmt *st, int i, int64_t v);
/* store_column_text - a text column, NULL for SQL NULL (valid until the
 * next step or reset of st) */
const char *store_column_text(sqlite3_stmt *st, int col);
/* store_column_str - a text column, "" for SQL NULL (valid until the
 * next step or reset of st) */
const char *store_column_str(sqlite3_stmt *st, int col);
/* store_lookup_id - step st (bound) once: 1 and *id from column 0 on a
 * row, 0 when none, -1 logged as what */
int store_lookup_id(struct store *s, sqlite3_stmt *st, int64_t *id,
    const char *what);
/* store_log_error - log "what: sqlite message" and return -1 */
int store_log_error(struct store *s, const char *what);

#endif
