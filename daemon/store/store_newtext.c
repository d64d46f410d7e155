/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_newtext - a post's new_text kept as offsets into its text (see
 * store_int.h)
 *
 * new_text (the text without quoted replies and signature) is by
 * construction the text's own slices in order (mail/message.c), so storing
 * it again doubled what a post costs (issue 22: 444 MB of text and 444 MB
 * of new_text at 100 000 posts).  In posts.new_text it is kept as "\x01"
 * followed by "START+LENGTH" byte ranges of text, comma-separated; a value
 * that does not start with "\x01" is the new_text itself (rows written
 * before schema 012, or by hand), and "\x01=" escapes one that does.  Two
 * SQL functions, registered on every connection: bz_pack_new_text(text,
 * new_text) makes the stored form (INSERT, migration), bz_new_text(text,
 * stored) gives the new_text back (every SELECT).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_int.h"
#include "store_zip.h"

/* pack - new_text nt as ranges of text t into b; 0, or -1 when it is not
 * made of t's slices in order (b then unusable).  Each range is checked
 * byte for byte, so a range list always gives nt back. */
static int
pack(const char *t, size_t tn, const char *nt, size_t nn, struct buf *b)
{
	size_t i = 0, j = 0;

	buf_putc(b, '\x01');
	while (i < nn) {
		size_t k = nn - i < 32 ? nn - i : 32, len = 0, max;
		const char *p = NULL;

		/* the next piece of nt, from where the last one ended: its first
		 * 32 bytes, or fewer when a piece is shorter than that */
		for (; p == NULL && k > 0; k /= 2)
			p = j + k <= tn ? memmem(t + j, tn - j, nt + i, k) : NULL;
		if (p == NULL)
			return -1;
		/* as far as they agree: 64 bytes at a time, then byte by byte */
		max = nn - i < tn - (size_t)(p - t) ? nn - i : tn - (size_t)(p - t);
		while (len + 64 <= max && memcmp(p + len, nt + i + len, 64) == 0)
			len += 64;
		while (len < max && p[len] == nt[i + len])
			len++;
		if (b->len > 1)
			buf_putc(b, ',');
		buf_printf(b, "%zu+%zu", (size_t)(p - t), len);
		i += len;
		j = (size_t)(p - t) + len;
	}
	return buf_failed(b) ? -1 : 0;
}

/* store_newtext_pack - see store_zip.h */
int
store_newtext_pack(const char *t, size_t tn, const char *nt, size_t nn, struct buf *b)
{
	buf_reset(b);
	/* short ones and misses stay as they are (escaped if need be) */
	if (t == NULL || nn < 64 || pack(t, tn, nt, nn, b) < 0 || b->len >= nn) {
		buf_reset(b);
		if (nn > 0 && nt[0] == '\x01')
			buf_puts(b, "\x01=");
		buf_append(b, nt, nn);
	}
	return buf_failed(b) ? -1 : 0;
}

/* bz_pack_new_text(text, new_text) */
static void
sql_pack(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *t = (const char *)sqlite3_value_text(argv[0]);
	const char *nt = (const char *)sqlite3_value_text(argv[1]);
	size_t tn = (size_t)sqlite3_value_bytes(argv[0]), nn;
	struct buf b;

	(void)argc;
	if (nt == NULL) {
		sqlite3_result_null(cx);
		return;
	}
	nn = (size_t)sqlite3_value_bytes(argv[1]);
	buf_init(&b, nn + 64);
	if (store_newtext_pack(t, tn, nt, nn, &b) < 0)
		sqlite3_result_error_nomem(cx);
	else
		sqlite3_result_text(cx, b.data, (int)b.len, SQLITE_TRANSIENT);
	buf_release(&b);
}

/* store_newtext_unpack - see store_int.h */
const char *
store_newtext_unpack(const char *t, size_t tn, const char *v, struct buf *b)
{
	char *end;

	if (v == NULL || v[0] != '\x01')
		return v;
	if (v[1] == '=')
		return v + 2;
	buf_reset(b);
	for (const char *p = v + 1; *p; p = *end == ',' ? end + 1 : end) {
		unsigned long long at = strtoull(p, &end, 10), len;

		if (*end != '+')
			break;
		len = strtoull(end + 1, &end, 10);
		if (t == NULL || at > tn || len > tn - at)
			break;          /* never past the text: a damaged row reads short */
		buf_append(b, t + at, (size_t)len);
		if (*end != ',')
			break;
	}
	return buf_failed(b) ? NULL : b->data;
}

/* bz_new_text(text, stored) */
static void
sql_unpack(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *v = (const char *)sqlite3_value_text(argv[1]);
	const char *t, *nt;
	size_t tn;
	struct buf b;
	char *own;

	(void)argc;
	if (v == NULL || v[0] != '\x01') {
		sqlite3_result_value(cx, argv[1]);
		return;
	}
	if (v[1] == '=') {
		sqlite3_result_text(cx, v + 2, -1, SQLITE_TRANSIENT);
		return;
	}
	/* the text may be stored compressed (store_zip.c) */
	if ((t = store_zip_value_text(sqlite3_user_data(cx), argv[0], &own, &tn)) == NULL &&
	    sqlite3_value_type(argv[0]) != SQLITE_NULL) {
		sqlite3_result_error(cx, "baraza: a stored text is damaged", -1);
		return;
	}
	buf_init(&b, tn + 1);
	if ((nt = store_newtext_unpack(t, tn, v, &b)) == NULL)
		sqlite3_result_error_nomem(cx);
	else
		sqlite3_result_text(cx, nt, (int)b.len, SQLITE_TRANSIENT);
	buf_release(&b);
	free(own);
}

/* store_newtext_functions - see store_int.h */
int
store_newtext_functions(sqlite3 *db, struct store_zip *z)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	if (sqlite3_create_function(db, "bz_pack_new_text", 2, flags, NULL, sql_pack,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "bz_new_text", 2, flags, z, sql_unpack,
	    NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
