/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_dmarc - dns_txt and post_from (see store_dmarc.h) */
#include "config.h"

#include "store_dmarc.h"
#include "store_int.h"

/* store_txt_get - see store_dmarc.h */
int
store_txt_get(struct store *s, const char *name, time_t now,
    enum store_txt_status *status, struct buf *txt)
{
	static const char sql[] =
	    "SELECT status, txt FROM dns_txt WHERE name = ?1 AND expires > ?2";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int v = sqlite3_column_int(st, 0);

		*status = v == 0 ? STORE_TXT_ANSWER : v == 1 ? STORE_TXT_NONE :
		    STORE_TXT_FAILED;
		buf_puts(txt, store_column_str(st, 1));
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return store_log_error(s, "dns cache: read");
}

/* store_txt_put - see store_dmarc.h */
int
store_txt_put(struct store *s, const char *name, enum store_txt_status status,
    const char *txt, time_t expires, time_t now)
{
	static const char put_sql[] =
	    "INSERT OR REPLACE INTO dns_txt(name, status, txt, expires)"
	    " VALUES (?1, ?2, ?3, ?4)";
	/* a day past expiry: a name asked once a year does not stay forever */
	static const char prune_sql[] =
	    "DELETE FROM dns_txt WHERE expires < ?1";
	sqlite3_stmt *st = store_stmt(s, put_sql);

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, name);
	sqlite3_bind_int(st, 2, (int)status);
	store_bind_text(st, 3, txt ? txt : "");
	sqlite3_bind_int64(st, 4, (sqlite3_int64)expires);
	if (store_step_done(s, st) < 0)
		return -1;
	if ((st = store_stmt(s, prune_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now - 86400);
	return store_step_done(s, st);
}

/* store_post_from_get - see store_dmarc.h */
int
store_post_from_get(struct store *s, int64_t post, int *munge, struct buf *why)
{
	static const char sql[] = "SELECT munge, why FROM post_from WHERE post = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*munge = sqlite3_column_int(st, 0) != 0;
		if (why)
			buf_puts(why, store_column_str(st, 1));
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return store_log_error(s, "post_from: read");
}

/* store_post_from_set - see store_dmarc.h */
int
store_post_from_set(struct store *s, int64_t post, int munge, const char *why)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO post_from(post, munge, why) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	sqlite3_bind_int(st, 2, munge ? 1 : 0);
	store_bind_text(st, 3, why ? why : "");
	return store_step_done(s, st);
}
