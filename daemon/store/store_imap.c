/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_imap - the imap_state table (see store_imap.h) */
#include "config.h"

#include <stdint.h>

#include "clock.h"
#include "store_imap.h"
#include "store_int.h"

/* store_imap_get - read one mailbox's row */
int
store_imap_get(struct store *s, const char *mailbox, uint32_t *uidvalidity,
    uint32_t *last_uid)
{
	static const char sql[] =
	    "SELECT uidvalidity, last_uid FROM imap_state WHERE mailbox = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(st, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "imap_state");
}

/* store_imap_set - upsert one mailbox's row */
int
store_imap_set(struct store *s, const char *mailbox, uint32_t uidvalidity,
    uint32_t last_uid)
{
	static const char sql[] =
	    "INSERT INTO imap_state(mailbox, uidvalidity, last_uid, last_fetch)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(mailbox) DO UPDATE SET"
	    " uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,"
	    " last_fetch = excluded.last_fetch";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, last_uid);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
	return store_step_done(s, st);
}

/* store_imap_advance - raise the high-water mark, never lower it */
int
store_imap_advance(struct store *s, const char *mailbox, uint32_t uidvalidity,
    uint32_t uid)
{
	static const char sql[] =
	    "UPDATE imap_state SET last_uid = ?3, last_fetch = ?4"
	    " WHERE mailbox = ?1 AND uidvalidity = ?2 AND last_uid < ?3";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uid);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
	return store_step_done(s, st);
}
