/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_health - the health row and the holds count (see store_health.h) */
#include "config.h"

#include <string.h>

#include "store_health.h"
#include "store_int.h"

/* stamp - run one UPDATE of the health row with ?1 = v, ?2 = w */
static int
stamp(struct store *s, const char *sql, sqlite3_int64 v, sqlite3_int64 w)
{
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, v);
	sqlite3_bind_int64(st, 2, w);
	return store_step_done(s, st);
}

/* store_health_fetched - see store_health.h */
int
store_health_fetched(struct store *s, time_t now)
{
	static const char sql[] = "UPDATE health SET last_fetch = ?1 WHERE id = 1";

	return stamp(s, sql, (sqlite3_int64)now, 0);
}

/* store_health_delivered - see store_health.h */
int
store_health_delivered(struct store *s, time_t now)
{
	/* max(): a testing clock or a clock step back never hides a later
	 * delivery already recorded */
	static const char sql[] =
	    "UPDATE health SET last_delivery = max(coalesce(last_delivery, 0), ?1)"
	    " WHERE id = 1";

	return stamp(s, sql, (sqlite3_int64)now, 0);
}

/* store_health_daemon - see store_health.h */
int
store_health_daemon(struct store *s, long pid, time_t started)
{
	static const char sql[] =
	    "UPDATE health SET daemon_pid = ?1, daemon_started = ?2 WHERE id = 1";

	return stamp(s, sql, (sqlite3_int64)pid, (sqlite3_int64)started);
}

/* store_health_get - see store_health.h */
int
store_health_get(struct store *s, struct store_health *h)
{
	static const char row_sql[] =
	    "SELECT last_fetch, last_delivery, daemon_pid, daemon_started"
	    " FROM health WHERE id = 1";
	/* held_state_expires (schema 003) serves both */
	static const char held_sql[] =
	    "SELECT count(*), min(created) FROM held WHERE state = 'held'";
	sqlite3_stmt *st;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((st = store_stmt(s, row_sql)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h->last_fetch = (time_t)sqlite3_column_int64(st, 0);
		h->last_delivery = (time_t)sqlite3_column_int64(st, 1);
		h->daemon_pid = (long)sqlite3_column_int64(st, 2);
		h->daemon_started = (time_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_log_error(s, "health");
	if ((st = store_stmt(s, held_sql)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h->held_waiting = (long)sqlite3_column_int64(st, 0);
		h->held_oldest = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_log_error(s, "health: holds");
	return 0;
}
