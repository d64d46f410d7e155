/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_bounce - SQL for recording and counting delivery failures
 *
 * The rule itself (3 distinct days within 14) is in bounce.c.
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "store_bounce.h"
#include "store_int.h"

/* store_bounce_insert - add a bounces row */
int
store_bounce_insert(struct store *s, int64_t member, const char *address,
    long day, time_t at, int temporary, const char *reason, int64_t message)
{
	static const char sql[] =
	    "INSERT INTO bounces (member, address, day, at, temporary, reason, message)"
	    " VALUES (?1, lower(?2), ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	if (member > 0)
		sqlite3_bind_int64(st, 1, member);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, day);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)at);
	sqlite3_bind_int(st, 5, temporary ? 1 : 0);
	if (reason)
		sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	if (message > 0)
		sqlite3_bind_int64(st, 7, message);
	return store_step_done(s, st);
}

/* store_bounce_days - distinct days with counting bounces */
long
store_bounce_days(struct store *s, const char *address, long from_day)
{
	static const char sql[] =
	    "SELECT count(DISTINCT day) FROM bounces"
	    " WHERE address = lower(?1) AND day >= ?2 AND temporary = 0";
	sqlite3_stmt *st = store_stmt(s, sql);
	long v;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_day);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_log_error(s, "bounce days");
	}
	v = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* store_bounce_last - the newest counting bounce of an address */
int
store_bounce_last(struct store *s, const char *address, long *day, int *smtp)
{
	static const char sql[] =
	    "SELECT day, message IS NULL FROM bounces"
	    " WHERE address = lower(?1) AND temporary = 0 ORDER BY at DESC, id DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*day = (long)sqlite3_column_int64(st, 0);
		*smtp = sqlite3_column_int(st, 1);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "last bounce");
}

/* store_bounce_clear - forget the counting bounces of an address */
long
store_bounce_clear(struct store *s, const char *address)
{
	static const char sql[] =
	    "DELETE FROM bounces WHERE address = lower(?1) AND temporary = 0";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	return (long)sqlite3_changes(s->db);
}

/* store_bounce_disable - stop mail to a bouncing member */
int
store_bounce_disable(struct store *s, int64_t member, time_t now)
{
	static const char sql[] =
	    "UPDATE members SET delivery = 'none', status = 'bouncing', updated = ?2"
	    " WHERE id = ?1 AND status = 'active'";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}
