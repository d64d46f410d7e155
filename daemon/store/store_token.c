/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_token - create, read and spend single-use tokens */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store_int.h"
#include "store_member.h"
#include "store_token.h"

/* store_token_new - see store_token.h */
int
store_token_new(struct store *s, const char *kind, const char *address,
    int64_t member, int64_t ref, const char *data, time_t now, time_t ttl,
    char *out)
{
	static const char sql[] =
	    "INSERT INTO tokens(token, kind, address, member, ref, data, created, expires)"
	    " VALUES (?1, ?2, ?3, NULLIF(?4, 0), NULLIF(?5, 0), ?6, ?7, ?8)";
	sqlite3_stmt *st;

	if (store_random_hex(out, TOKEN_HEX / 2) < 0 || (st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, out, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, member);
	sqlite3_bind_int64(st, 5, ref);
	sqlite3_bind_text(st, 6, data, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)(now + ttl));
	return store_step_done(s, st);
}

/* copy_col - text column i into out, "" for NULL, cut to fit */
static void
copy_col(char *out, size_t outlen, sqlite3_stmt *st, int i)
{
	snprintf(out, outlen, "%s", store_column_str(st, i));
}

/* store_token_get - see store_token.h */
int
store_token_get(struct store *s, const char *token, struct token *t)
{
	static const char sql[] =
	    "SELECT token, kind, COALESCE(address, ''), COALESCE(member, 0),"
	    " COALESCE(ref, 0), COALESCE(data, ''), created, expires, COALESCE(used, 0),"
	    " COALESCE(used_by, '') FROM tokens WHERE token = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(t, 0, sizeof(*t));
		copy_col(t->token, sizeof(t->token), st, 0);
		copy_col(t->kind, sizeof(t->kind), st, 1);
		copy_col(t->address, sizeof(t->address), st, 2);
		t->member = sqlite3_column_int64(st, 3);
		t->ref = sqlite3_column_int64(st, 4);
		copy_col(t->data, sizeof(t->data), st, 5);
		t->created = (time_t)sqlite3_column_int64(st, 6);
		t->expires = (time_t)sqlite3_column_int64(st, 7);
		t->used = (time_t)sqlite3_column_int64(st, 8);
		copy_col(t->used_by, sizeof(t->used_by), st, 9);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "token");
}

/* store_token_use - see store_token.h */
int
store_token_use(struct store *s, const char *token, const char *used_by, time_t now)
{
	static const char sql[] =
	    "UPDATE tokens SET used = ?2, used_by = ?3"
	    " WHERE token = ?1 AND used IS NULL AND expires > ?2";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_text(st, 3, used_by, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* store_request_count - see store_token.h */
long
store_request_count(struct store *s, const char *sender, const char *route,
    time_t since)
{
	static const char sql[] =
	    "SELECT count(*) FROM messages WHERE sender = ?1 COLLATE NOCASE"
	    " AND route = ?2 AND received >= ?3";
	sqlite3_stmt *st = store_stmt(s, sql);
	long n = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, route, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)since);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}
