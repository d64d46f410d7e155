/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_zip - raw messages and post texts kept compressed (see store_int.h)
 *
 * A post's raw message is read when it is relayed, put in the archive's
 * mbox, inspected or scrubbed; its text when a page, a digest or a search
 * result shows it.  Both are stored once per post and were most of what a
 * post cost (issue 22: 564 MB of raw and 444 MB of text for 480 MB of
 * mbox).  Each value is now a zstd frame of its own when that saves at
 * least an eighth: a row is still read alone, in a few microseconds.
 *
 * The stored forms, told apart by SQLite type and first bytes:
 *   text: TEXT is the text itself (rows before schema 016, short texts,
 *         texts that do not shrink); a BLOB starting with zstd's magic
 *         number is a compressed text.
 *   raw:  a BLOB starting with zstd's magic number is a compressed raw
 *         message; one starting with 0x01 is the message after that byte
 *         (the escape for a message that itself starts with 0x01 or the
 *         magic); any other value is the message itself.
 * Four SQL functions, registered on every connection by store_open:
 * bz_ztext(text) and bz_zraw(raw) make the stored form (INSERT, UPDATE,
 * migration), bz_text(stored) and bz_raw(stored) give the value back
 * (every SELECT).  A damaged frame is an SQL error, never other bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "store_int.h"
#include "store_zip.h"
#include "xalloc.h"

/* zstd's first fast level: on raw messages of 1-8 KB (bench/scale's
 * posts, one value at a time, this machine) it keeps 3.10 x at 309 MB/s,
 * where level 1 keeps 3.41 x at 189 MB/s and level 3 3.42 x at 209 MB/s;
 * the import compresses every message and text once, so speed wins */
#define ZIP_LEVEL (-1)
/* below this a frame's own 10-20 bytes eat the gain */
#define ZIP_MIN 64
/* the largest value given back (SQLite's own default limit) */
#define ZIP_MAX ((size_t)1000000000)

static const unsigned char zip_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

/* The contexts of one connection (one thread at a time uses it) */
struct store_zip {
	ZSTD_CCtx *cc;
	ZSTD_DCtx *dc;
};

static void
zip_free(void *arg)
{
	struct store_zip *z = arg;

	ZSTD_freeCCtx(z->cc);
	ZSTD_freeDCtx(z->dc);
	free(z);
}

/* store_zip_new - see store_zip.h */
struct store_zip *
store_zip_new(void)
{
	struct store_zip *z = xcalloc(1, sizeof(*z));

	z->cc = ZSTD_createCCtx();
	z->dc = ZSTD_createDCtx();
	if (z->cc == NULL || z->dc == NULL) {
		zip_free(z);
		return NULL;
	}
	return z;
}

/* store_zip_free - see store_zip.h */
void
store_zip_free(struct store_zip **zp)
{
	if (*zp != NULL)
		zip_free(*zp);
	*zp = NULL;
}

/* store_zip_close - see store_int.h */
void
store_zip_close(struct store *s)
{
	store_zip_free(&s->zip);
}

/* is_frame - does a stored BLOB of n bytes at p start with a zstd frame? */
static int
is_frame(const unsigned char *p, size_t n)
{
	return n >= sizeof(zip_magic) && memcmp(p, zip_magic, sizeof(zip_magic)) == 0;
}

/* compress - a frame of [p, p + n) when it saves an eighth: its length
 * (*out owned by the caller), or 0 */
static size_t
compress(struct store_zip *z, const void *p, size_t n, void **out)
{
	size_t cap, got;
	void *o;

	if (n < ZIP_MIN)
		return 0;
	cap = ZSTD_compressBound(n);
	o = xmalloc(cap);
	got = ZSTD_compressCCtx(z->cc, o, cap, p, n, ZIP_LEVEL);
	if (ZSTD_isError(got) || got > n - n / 8) {
		free(o);
		return 0;
	}
	*out = xreallocarray(o, got, 1);   /* a frame may wait in a queue a while */
	return got;
}

/* decompress - the frame at [p, p + n) into *out (owned by the caller,
 * NUL-terminated): its length, or -1 with *why set */
static long long
decompress(struct store_zip *z, const void *p, size_t n, char **out, const char **why)
{
	unsigned long long size = ZSTD_getFrameContentSize(p, n);
	size_t got;
	char *o;

	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
	    size > ZIP_MAX) {
		*why = "baraza: a stored value is damaged (bad compressed frame)";
		return -1;
	}
	o = xmalloc((size_t)size + 1);
	got = ZSTD_decompressDCtx(z->dc, o, (size_t)size, p, n);
	if (ZSTD_isError(got) || got != size) {
		free(o);
		*why = "baraza: a stored value is damaged (frame does not decompress)";
		return -1;
	}
	o[got] = '\0';
	*out = o;
	return (long long)got;
}

/* store_zip_text - see store_zip.h */
int
store_zip_text(struct store_zip *z, const char *t, size_t n, void **out, size_t *outlen)
{
	return (*outlen = compress(z, t, n, out)) > 0;
}

/* store_zip_raw - see store_zip.h */
int
store_zip_raw(struct store_zip *z, const void *raw, size_t n, void **out, size_t *outlen)
{
	const unsigned char *r = raw;
	unsigned char *o;

	if ((*outlen = compress(z, raw, n, out)) > 0)
		return 1;
	if (n > 0 && (r[0] == 0x01 || is_frame(r, n))) {
		o = xmalloc(n + 1);
		o[0] = 0x01;
		memcpy(o + 1, r, n);
		*out = o;
		*outlen = n + 1;
		return 1;
	}
	return 0;
}

/* bz_ztext(text): a compressed BLOB, or the text as it is */
static void
sql_ztext(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct store_zip *z = sqlite3_user_data(cx);
	const char *t = (const char *)sqlite3_value_text(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]), got;
	void *o;

	(void)argc;
	if (t == NULL || sqlite3_value_type(argv[0]) != SQLITE_TEXT ||
	    !store_zip_text(z, t, n, &o, &got)) {
		sqlite3_result_value(cx, argv[0]);
		return;
	}
	sqlite3_result_blob(cx, o, (int)got, free);
}

/* bz_zraw(raw): a compressed BLOB, or the raw message (escaped if need be) */
static void
sql_zraw(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	struct store_zip *z = sqlite3_user_data(cx);
	const void *r = sqlite3_value_blob(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]), got;
	void *o;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		sqlite3_result_null(cx);
	else if (store_zip_raw(z, r, n, &o, &got))
		sqlite3_result_blob(cx, o, (int)got, free);
	else
		sqlite3_result_blob(cx, n ? r : "", (int)n, SQLITE_TRANSIENT);
}

/* unzip - bz_text and bz_raw: the value back, as TEXT or as a BLOB */
static void
unzip(sqlite3_context *cx, sqlite3_value *v, int as_text)
{
	struct store_zip *z = sqlite3_user_data(cx);
	const unsigned char *p;
	size_t n;
	const char *why;
	char *o;
	long long got;

	if (sqlite3_value_type(v) != SQLITE_BLOB) {
		if (as_text)
			sqlite3_result_value(cx, v);
		else if (sqlite3_value_type(v) == SQLITE_NULL)
			sqlite3_result_null(cx);
		else     /* a TEXT raw (written by hand): its bytes */
			sqlite3_result_blob(cx, sqlite3_value_text(v),
			    sqlite3_value_bytes(v), SQLITE_TRANSIENT);
		return;
	}
	p = sqlite3_value_blob(v);
	n = (size_t)sqlite3_value_bytes(v);
	if (n > 0 && is_frame(p, n)) {
		if ((got = decompress(z, p, n, &o, &why)) < 0) {
			sqlite3_result_error(cx, why, -1);
			return;
		}
		if (as_text)
			sqlite3_result_text(cx, o, (int)got, free);
		else
			sqlite3_result_blob(cx, o, (int)got, free);
		return;
	}
	if (!as_text && n > 0 && p[0] == 0x01) {
		p++;
		n--;
	}
	if (as_text)
		sqlite3_result_text(cx, n ? (const char *)p : "", (int)n, SQLITE_TRANSIENT);
	else
		sqlite3_result_blob(cx, n ? (const void *)p : "", (int)n, SQLITE_TRANSIENT);
}

static void
sql_text(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	unzip(cx, argv[0], 1);
}

static void
sql_raw(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	unzip(cx, argv[0], 0);
}

/* store_zip_value_text - see store_int.h */
const char *
store_zip_value_text(struct store_zip *z, sqlite3_value *v, char **own, size_t *len)
{
	const unsigned char *p;
	size_t n;
	const char *why;
	long long got;

	*own = NULL;
	if (sqlite3_value_type(v) != SQLITE_BLOB ||
	    !is_frame((p = sqlite3_value_blob(v)), (n = (size_t)sqlite3_value_bytes(v)))) {
		const char *t = (const char *)sqlite3_value_text(v);

		*len = (size_t)sqlite3_value_bytes(v);
		return t;
	}
	if ((got = decompress(z, p, n, own, &why)) < 0)
		return NULL;
	*len = (size_t)got;
	return *own;
}

/* store_zip_functions - see store_int.h */
int
store_zip_functions(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	struct store_zip *z = store_zip_new();

	if (z == NULL)
		return -1;
	/* the last registration owns z: SQLite frees it when the
	 * connection closes (or at once if registering fails) */
	if (sqlite3_create_function(db, "bz_ztext", 1, flags, z, sql_ztext,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "bz_zraw", 1, flags, z, sql_zraw,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "bz_text", 1, flags, z, sql_text,
	    NULL, NULL) != SQLITE_OK) {
		zip_free(z);
		return -1;
	}
	if (sqlite3_create_function_v2(db, "bz_raw", 1, flags, z, sql_raw,
	    NULL, NULL, zip_free) != SQLITE_OK)
		return -1;
	return store_newtext_functions(db, z);
}
