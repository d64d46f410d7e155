/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tutil - the unit tests' shared helpers
 *
 * What two or more tests/unit/test_*.c need, written once: where the source
 * tree is, scratch directories, whole files written and read, a
 * configuration file written from text and loaded, a store opened and
 * migrated, one value out of SQL, the test clock (BARAZA_NOW), a message
 * parsed from a string, and the indices Criterion's parameterised tests
 * run over.
 *
 * A helper that cannot do its job fails the calling test itself, with
 * cr_assert and a message saying what failed and where (the path, the SQL,
 * the configuration's errors), so a test reads as a list of steps.  The
 * helpers whose names say "try" return the failure instead, for the tests
 * that look at it.  Every path is the caller's choice; nothing here keeps
 * state between calls except the static strings documented below.
 *
 * Not here: a test's own fixtures (its tables, messages and configuration
 * text) and helpers only one test uses, which stay in that test; and the
 * integration tests' servers and programs, which are tests/harness.h.
 * Unit tests include it as "tutil.h" (Makefile.am builds it into each).
 */
#ifndef BARAZA_TUTIL_H
#define BARAZA_TUTIL_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <sqlite3.h>

struct buf;
struct conf;
struct message;
struct store;

/* ---- the source tree ------------------------------------------------------ */

/* tutil_srcdir - the source tree: $BARAZA_SRCDIR (make check sets it), else
 * the tree this file was compiled from (a test run by hand from the build
 * directory), else ".".  Static storage, valid for the whole run. */
const char *tutil_srcdir(void);

/* tutil_use_source_templates - BARAZA_TEMPLATES = SRCDIR/conf/templates */
void tutil_use_source_templates(void);

/* ---- scratch directories and files ---------------------------------------- */

/* tutil_scratch_dir - make a fresh, empty /tmp/baraza-NAME-XXXXXX and put
 * its path into dir (size bytes); the test fails if it cannot */
void tutil_scratch_dir(char *dir, size_t size, const char *name);

/* tutil_rmtree - remove dir and everything under it, following no link.
 * 0 (also when dir is absent or ""), or -1 with a warning in the test's
 * log: a directory left behind is the caller's to judge. */
int tutil_rmtree(const char *dir);

/* tutil_write_file - text into path (created or truncated), then chmod to
 * mode; the test fails if either cannot be done */
void tutil_write_file(const char *path, const char *text, mode_t mode);

/* tutil_read_file - the whole file at path, NUL-terminated (owned, free);
 * its length into *len unless len is NULL.  The test fails if the file
 * cannot be read. */
char *tutil_read_file(const char *path, size_t *len);

/* tutil_try_read_file - tutil_read_file, but NULL when path cannot be
 * opened (a fixture that may be missing, a check of its own) */
char *tutil_try_read_file(const char *path, size_t *len);

/* ---- configuration -------------------------------------------------------- */

/* tutil_conf_try_load - write text into DIR/baraza.conf and conf_load it.
 * errs is initialised here (cap 64 KiB) and holds the loader's messages;
 * the caller releases it.  The configuration (owned, conf_free), or NULL. */
struct conf *tutil_conf_try_load(const char *dir, const char *text, struct buf *errs);

/* tutil_conf_load - tutil_conf_try_load that must succeed: the test fails
 * with the loader's messages if it does not.  Owned, conf_free. */
struct conf *tutil_conf_load(const char *dir, const char *text);

/* tutil_conf_list - the list the tests talk to, set in c->list without a
 * file: "Shifting the Power CoP" <cop@example.org>, tag separator "+",
 * language "en".  Only those fields are touched; the strings are static. */
void tutil_conf_list(struct conf *c);

/* ---- the store and SQL ------------------------------------------------------- */

/* tutil_store_open - open the database at path, creating it, without
 * migrating.  Owned, store_close; the test fails if it cannot be opened. */
struct store *tutil_store_open(const char *path);

/* tutil_store_migrate - store_migrate s; the number of migrations applied
 * (0 or more).  The test fails with the store's error if one fails. */
int tutil_store_migrate(struct store *s);

/* tutil_store_new - tutil_store_open and tutil_store_migrate: a database at
 * the latest schema.  Owned, store_close. */
struct store *tutil_store_new(const char *path);

/* tutil_sql_exec - run sql (no result rows) on s; the test fails with the
 * SQL and the store's error if it does not run */
void tutil_sql_exec(struct store *s, const char *sql);

/* tutil_sql_int - the first column of the first row of sql on db, as a
 * number; -1 when there is no row.  The test fails if sql does not
 * compile. */
long long tutil_sql_int(sqlite3 *db, const char *sql);

/* tutil_sql_text - the first column of the first row of sql on db as text
 * (owned, free), or NULL when there is no row or the value is NULL.  The
 * test fails if sql does not compile. */
char *tutil_sql_text(sqlite3 *db, const char *sql);

/* ---- time ---------------------------------------------------------------------- */

/* tutil_at - the instant an ISO 8601 text names ("2020-11-20T10:00:00Z",
 * see clock_parse_iso); the test fails on a text that is not one */
time_t tutil_at(const char *iso);

/* tutil_set_now - set the clock every module reads (BARAZA_NOW) to iso,
 * which must parse (tutil_at); NULL: back to the real clock */
void tutil_set_now(const char *iso);

/* ---- mail and text ----------------------------------------------------------- */

/* tutil_parse - message_parse a NUL-terminated raw message with no limits
 * (owned, message_free); the test fails if the parser refuses it */
struct message *tutil_parse(const char *raw);

/* tutil_join - the n strings of v joined by sep into out (outlen bytes,
 * always NUL-terminated, cut short if it has to be) */
void tutil_join(char *out, size_t outlen, const char *sep, const char **v, size_t n);

/* ---- parameterised tests ------------------------------------------------------ */

/* Criterion may run a parameterised test in a fresh process of the test
 * binary, where pointers copied from the parent mean nothing: parameters
 * are therefore indices into the test's static tables,
 *
 *	ParameterizedTestParameters(suite, name) { return TUTIL_PARAMS(cases); }
 *	ParameterizedTest(size_t *pi, suite, name) { ... cases[*pi] ... }
 *
 * (with <criterion/parameterized.h>).  A table may have at most
 * TUTIL_MAX_PARAMS rows. */
#define TUTIL_MAX_PARAMS 512
#define TUTIL_NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define TUTIL_PARAMS(table) \
	cr_make_param_array(size_t, tutil_indices(TUTIL_NELEM(table)), TUTIL_NELEM(table))

/* tutil_indices - 0, 1, ..., n - 1 in static storage, one array for every
 * caller (harmless: element i always holds i); the test fails if n is over
 * TUTIL_MAX_PARAMS */
size_t *tutil_indices(size_t n);

#endif
