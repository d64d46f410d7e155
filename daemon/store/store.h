/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store - the SQLite database: open, migrate, transactions
 *
 * Only the store*.c files include sqlite3.h; everything else sees a
 * struct store and functions that speak in baraza's terms.  The domain parts
 * live in their own files and headers, one per family of tables
 * (store_message.h, store_post.h, store_thread.h, store_search.h,
 * store_member.h, store_outbox.h, ...), all sharing store_int.h.
 *
 * The database runs in WAL mode with foreign keys on, synchronous=NORMAL and
 * a busy timeout, so the admin command can work while the daemon runs.
 * Statements are prepared once per connection and kept (store_int.h).
 * Each inbound message is handled in one transaction (store_begin ..
 * store_commit); a failure rolls back everything it did.
 */
#ifndef BARAZA_STORE_H
#define BARAZA_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_BUSY_TIMEOUT_MS 10000

/* store_fts_tokenizer - register the search index's tokenizer "baraza"
 * (unicode61, cutting the scripts written without spaces into characters;
 * store_fts_tok.c) on a connection: every connection that writes posts
 * needs it, store_open does it.  0 or -1. */
struct sqlite3;
int store_fts_tokenizer(struct sqlite3 *db);
/* store_zip_functions - register the SQL functions that store and read
 * raw messages and post texts compressed (bz_zraw, bz_ztext, bz_raw,
 * bz_text; store_zip.c) and new_text as ranges of the text (bz_new_text,
 * bz_pack_new_text; store_newtext.c) on a connection: every connection
 * that reads or writes posts or messages needs them, store_open does it.
 * 0 or -1. */
int store_zip_functions(struct sqlite3 *db);

/* store_open - open (creating when create is set) the database at path.
 * Does not migrate.  0 and *out (owned, store_close), or -1 with err. */
int store_open(const char *path, int create, struct store **out,
    char *err, size_t errlen);
/* store_close - finalise statements and close; *sp = NULL */
void store_close(struct store **sp);

/* store_ckpt_start - checkpoint s's WAL on a second connection owned by a
 * thread of its own (store_ckpt.c) instead of in the thread that commits:
 * woken each time the WAL has grown by kick_pages pages; a commit that
 * finds the WAL at max_pages or more (0: never) checkpoints itself.  For a process
 * that writes much (barazad, import-mbox).  0, or -1 (logged): SQLite's
 * automatic checkpoints stay.  store_ckpt_stop (store_close calls it)
 * waits for a checkpoint under way and ends the thread. */
int store_ckpt_start(struct store *s, int kick_pages, int max_pages);
void store_ckpt_stop(struct store *s);
/* store_ckpt_runs - checkpoints the thread has finished so far (0 without
 * one) */
unsigned long store_ckpt_runs(struct store *s);

/* store_set_cache - SQLite's page cache for this connection, in KB (the
 * default is 2 MB; a process that looks indexes up at random over many
 * messages wants more).  0 or -1 (logged). */
int store_set_cache(struct store *s, int kb);
/* store_set_autocheckpoint - SQLite's own WAL checkpoint every pages pages
 * (its default is 1000), for a writer without the checkpoint thread.
 * 0 or -1 (logged). */
int store_set_autocheckpoint(struct store *s, int pages);

/* store_version - the schema version of the open database (0 when empty) */
int store_version(struct store *s);
/* store_latest_version - the version the embedded migrations reach */
int store_latest_version(void);
/* store_migrate - apply every embedded migration above the current
 * version, each in its own transaction.  Returns the number applied (0
 * when up to date), or -1 with err.  Refuses a database newer than this
 * program. */
int store_migrate(struct store *s, char *err, size_t errlen);

/* store_begin - BEGIN IMMEDIATE (takes the write lock now, so a busy
 * database is waited for here, not at COMMIT).  0 or -1. */
int store_begin(struct store *s);
/* store_commit - COMMIT; 0 or -1 (the transaction is rolled back) */
int store_commit(struct store *s);
/* store_rollback - ROLLBACK if a transaction is open */
void store_rollback(struct store *s);

/* store_error_temporary - 1 when the last error of s is one that a later
 * attempt may not meet (busy, locked, disk full, I/O, out of memory,
 * read-only), 0 when it is about the data (constraint, too big, ...) */
int store_error_temporary(struct store *s);

/* store_savepoint / store_release / store_rollback_to - nested atomic
 * units inside a transaction (import-mbox batches many messages into one
 * transaction, each in its own savepoint).  name: a static identifier. */
int store_savepoint(struct store *s, const char *name);
int store_release(struct store *s, const char *name);
void store_rollback_to(struct store *s, const char *name);

/* store_exec - run SQL text without results (migrations, pragmas); 0/-1 */
int store_exec(struct store *s, const char *sql);
/* store_errmsg - the last SQLite error message (valid until the next call) */
const char *store_errmsg(struct store *s);

/* store_meta_get - 1 and a copy in out (owned) / 0 absent / -1 error */
int store_meta_get(struct store *s, const char *key, char **out);
int store_meta_set(struct store *s, const char *key, const char *value);

/* store_integrity - PRAGMA quick_check; 0 when ok, -1 with err */
int store_integrity(struct store *s, char *err, size_t errlen);

/* store_backup - copy the open database to dest with SQLite's online
 * backup (consistent while the daemon writes), through a temporary file
 * renamed into place.  0, or -1 with err.  (store_backup.c) */
int store_backup(struct store *s, const char *dest, char *err, size_t errlen);

#endif
