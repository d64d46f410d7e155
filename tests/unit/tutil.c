/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tutil - the unit tests' shared helpers (see tutil.h for the contract)
 *
 * Every failure is a cr_assert in the calling test's process, so it is
 * reported against that test with the message written here.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "message.h"
#include "store.h"
#include "store_int.h"
#include "xalloc.h"
#include "tutil.h"

/* ---- the source tree ------------------------------------------------------ */

/* tutil_srcdir - $BARAZA_SRCDIR, else derived from this file's path */
const char *
tutil_srcdir(void)
{
	static char dir[4096];
	const char *env = getenv("BARAZA_SRCDIR");
	const char *f = __FILE__, *tail = "tests/unit/tutil.c";
	size_t n = strlen(f), t = strlen(tail);

	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (n > t && strcmp(f + n - t, tail) == 0)
		snprintf(dir, sizeof(dir), "%.*s", (int)(n - t - 1), f);
	else
		snprintf(dir, sizeof(dir), ".");
	return dir;
}

/* tutil_use_source_templates - the templates of the source tree */
void
tutil_use_source_templates(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/conf/templates", tutil_srcdir());
	cr_assert_eq(setenv("BARAZA_TEMPLATES", path, 1), 0, "cannot set BARAZA_TEMPLATES");
}

/* ---- scratch directories and files ---------------------------------------- */

/* tutil_scratch_dir - mkdtemp under /tmp, named for the test */
void
tutil_scratch_dir(char *dir, size_t size, const char *name)
{
	int n = snprintf(dir, size, "/tmp/baraza-%s-XXXXXX", name);

	cr_assert(n > 0 && (size_t)n < size, "scratch directory name for %s: %d bytes, room for %zu",
	    name, n, size);
	cr_assert_not_null(mkdtemp(dir), "cannot make %s: %s", dir, strerror(errno));
}

/* rm_one - nftw callback: remove one entry, children before parents */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) != 0) {
		cr_log_warn("cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* tutil_rmtree - rm -rf dir, without a shell */
int
tutil_rmtree(const char *dir)
{
	struct stat st;

	if (dir == NULL || *dir == '\0')
		return 0;
	if (lstat(dir, &st) != 0 && errno == ENOENT)
		return 0;
	if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		cr_log_warn("could not remove %s", dir);
		return -1;
	}
	return 0;
}

/* tutil_write_file - write text and set the mode */
void
tutil_write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	cr_assert_not_null(fp, "cannot write %s: %s", path, strerror(errno));
	cr_assert(fputs(text, fp) >= 0, "cannot write %s: %s", path, strerror(errno));
	cr_assert_eq(fclose(fp), 0, "cannot write %s: %s", path, strerror(errno));
	cr_assert_eq(chmod(path, mode), 0, "cannot chmod %04o %s: %s", (unsigned)mode, path,
	    strerror(errno));
}

/* tutil_try_read_file - read a whole file, or NULL if it cannot be opened */
char *
tutil_try_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	size_t n = 0, size = 0, got;

	if (fp == NULL)
		return NULL;
	do {
		if (size - n < 8192) {
			size = size ? 2 * size : 65536;
			data = xreallocarray(data, size, 1);
		}
		got = fread(data + n, 1, size - n - 1, fp);
		n += got;
	} while (got > 0);
	cr_assert(!ferror(fp), "cannot read %s: %s", path, strerror(errno));
	fclose(fp);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

/* tutil_read_file - read a whole file that must be there */
char *
tutil_read_file(const char *path, size_t *len)
{
	char *data = tutil_try_read_file(path, len);

	cr_assert_not_null(data, "cannot read %s: %s", path, strerror(errno));
	return data;
}

/* ---- configuration -------------------------------------------------------- */

/* tutil_conf_try_load - write DIR/baraza.conf and load it */
struct conf *
tutil_conf_try_load(const char *dir, const char *text, struct buf *errs)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/baraza.conf", dir);
	tutil_write_file(path, text, 0644);
	buf_init(errs, 1 << 16);
	return conf_load(path, errs);
}

/* tutil_conf_load - write DIR/baraza.conf and load it, or fail the test */
struct conf *
tutil_conf_load(const char *dir, const char *text)
{
	struct buf errs;
	struct conf *c = tutil_conf_try_load(dir, text, &errs);

	cr_assert_not_null(c, "config %s/baraza.conf: %s", dir, errs.data);
	buf_release(&errs);
	return c;
}

/* tutil_conf_list - the list's identity, in memory */
void
tutil_conf_list(struct conf *c)
{
	c->list.name = "Shifting the Power CoP";
	c->list.address = "cop@example.org";
	c->list.local = "cop";
	c->list.domain = "example.org";
	c->list.tag_separator = "+";
	c->list.language = "en";
}

/* ---- the store and SQL ------------------------------------------------------- */

/* tutil_store_open - open (create) without migrating */
struct store *
tutil_store_open(const char *path)
{
	struct store *s = NULL;
	char err[256];

	cr_assert_eq(store_open(path, 1, &s, err, sizeof(err)), 0, "store %s: %s", path, err);
	return s;
}

/* tutil_store_migrate - migrate to the latest schema */
int
tutil_store_migrate(struct store *s)
{
	char err[256];
	int n = store_migrate(s, err, sizeof(err));

	cr_assert_geq(n, 0, "migrating %s: %s", s->path, err);
	return n;
}

/* tutil_store_new - a store at the latest schema */
struct store *
tutil_store_new(const char *path)
{
	struct store *s = tutil_store_open(path);

	tutil_store_migrate(s);
	return s;
}

/* tutil_sql_exec - SQL that must run */
void
tutil_sql_exec(struct store *s, const char *sql)
{
	cr_assert_eq(store_exec(s, sql), 0, "SQL failed: %s: %s", sql, store_errmsg(s));
}

/* prepare - compile sql on db or fail the test */
static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
	    sqlite3_errmsg(db));
	return st;
}

/* tutil_sql_int - one number out of the database */
long long
tutil_sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = prepare(db, sql);
	long long v = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* tutil_sql_text - one text out of the database */
char *
tutil_sql_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = prepare(db, sql);
	char *v = NULL;

	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* ---- time ---------------------------------------------------------------------- */

/* tutil_at - parse an ISO 8601 instant */
time_t
tutil_at(const char *iso)
{
	time_t t;

	cr_assert_eq(clock_parse_iso(iso, &t), 0, "bad test time %s", iso);
	return t;
}

/* tutil_set_now - the clock BARAZA_NOW */
void
tutil_set_now(const char *iso)
{
	if (iso == NULL) {
		unsetenv("BARAZA_NOW");
		return;
	}
	(void)tutil_at(iso);
	cr_assert_eq(setenv("BARAZA_NOW", iso, 1), 0, "cannot set BARAZA_NOW=%s", iso);
}

/* ---- mail and text ----------------------------------------------------------- */

/* tutil_parse - a message that must parse */
struct message *
tutil_parse(const char *raw)
{
	struct message *m = message_parse(raw, strlen(raw), NULL);

	cr_assert_not_null(m, "message_parse refused:\n%.500s", raw);
	return m;
}

/* tutil_join - strings joined by sep */
void
tutil_join(char *out, size_t outlen, const char *sep, const char **v, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, sep, outlen - strlen(out) - 1);
		strncat(out, v[i], outlen - strlen(out) - 1);
	}
}

/* ---- parameterised tests ------------------------------------------------------ */

/* tutil_indices - the identity, for parameter arrays */
size_t *
tutil_indices(size_t n)
{
	static size_t idx[TUTIL_MAX_PARAMS];

	cr_assert_leq(n, TUTIL_MAX_PARAMS, "%zu parameters, at most %d", n, TUTIL_MAX_PARAMS);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return idx;
}
