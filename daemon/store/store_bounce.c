/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_bounce - SQL for recording and counting delivery failures
 *
 * The rule itself (3 distinct days within 14) is in bounce.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "store_bounce.h"
#include "store_int.h"
#include "store_member.h"
#include "xalloc.h"

/* store_bounce_insert - add a bounces row */
int
store_bounce_insert(struct store *s, int64_t member, const char *address,
    long day, time_t at, int temporary, const char *reason, int64_t message,
    int64_t envelope)
{
	static const char sql[] =
	    "INSERT INTO bounces (member, address, day, at, temporary, reason, message,"
	    " envelope) VALUES (?1, lower(?2), ?3, ?4, ?5, ?6, ?7, ?8)";
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
	if (envelope > 0)
		sqlite3_bind_int64(st, 8, envelope);
	return store_step_done(s, st);
}

/* unhex - 2n hex digits of h into n bytes; 0 or -1 */
static int
unhex(const char *h, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int a = hex_value((unsigned char)h[2 * i]);
		int b = a < 0 ? -1 : hex_value((unsigned char)h[2 * i + 1]);

		if (b < 0)
			return -1;
		out[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}

/* store_bounce_key - the bounce-address key, made once */
int
store_bounce_key(struct store *s, unsigned char *key, size_t keylen)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO meta (key, value) VALUES ('bounce_key', ?1)";
	char *hexkey = NULL;
	int rc = store_meta_get(s, "bounce_key", &hexkey);

	if (keylen == 0 || keylen > 64)
		BUG("store_bounce_key: %zu bytes", keylen);
	if (rc == 0) {
		char fresh[129];
		sqlite3_stmt *st = store_stmt(s, sql);

		/* INSERT OR IGNORE: a second process that made one first wins */
		if (st == NULL || store_random_hex(fresh, keylen) < 0)
			return -1;
		sqlite3_bind_text(st, 1, fresh, -1, SQLITE_TRANSIENT);
		if (store_step_done(s, st) < 0)
			return -1;
		rc = store_meta_get(s, "bounce_key", &hexkey);
	}
	if (rc <= 0)
		return -1;
	if (strlen(hexkey) != 2 * keylen || unhex(hexkey, key, keylen) < 0) {
		free(hexkey);
		log_warnx("store: meta.bounce_key is not %zu hex bytes", keylen);
		return -1;
	}
	free(hexkey);
	return 0;
}

/* store_bounce_envelope_rcpts - the recipients of one transaction */
int
store_bounce_envelope_rcpts(struct store *s, int64_t envelope,
    struct bounce_rcpt **out, size_t *n)
{
	static const char sql[] =
	    "SELECT id, member, lower(address) FROM outbox_rcpt WHERE envelope = ?1"
	    " UNION SELECT id, member, lower(address) FROM outbox_rcpt"
	    "   WHERE id = ?1 AND envelope IS NULL"
	    " ORDER BY 1 LIMIT 10000";
	sqlite3_stmt *st = store_stmt(s, sql);
	size_t alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, envelope);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 2);

		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			*out = xreallocarray(*out, alloc, sizeof(**out));
		}
		(*out)[*n].id = sqlite3_column_int64(st, 0);
		(*out)[*n].member = sqlite3_column_int64(st, 1);
		(*out)[*n].address = xstrdup(a ? a : "");
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_bounce_rcpts_free(out, *n);
		*n = 0;
		return store_log_error(s, "bounce envelope");
	}
	return 0;
}

/* store_bounce_rcpts_free - release what store_bounce_envelope_rcpts gave */
void
store_bounce_rcpts_free(struct bounce_rcpt **r, size_t n)
{
	if (*r == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*r)[i].address);
	free(*r);
	*r = NULL;
}

/* store_bounce_envelope_set - row id went out in shared transaction envelope */
int
store_bounce_envelope_set(struct store *s, int64_t id, int64_t envelope)
{
	static const char sql[] =
	    "UPDATE outbox_rcpt SET envelope = ?2 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, envelope);
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

/* store_bounce_first_day - the first day with a counting bounce */
long
store_bounce_first_day(struct store *s, const char *address, long from_day)
{
	static const char sql[] =
	    "SELECT min(day) FROM bounces"
	    " WHERE address = lower(?1) AND day >= ?2 AND temporary = 0";
	sqlite3_stmt *st = store_stmt(s, sql);
	long v = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_day);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_log_error(s, "bounce first day");
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
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
store_bounce_disable(struct store *s, int64_t member, time_t now,
    long days, long first_day, long last_day, const char *reason)
{
	static const char keep[] =
	    "INSERT OR REPLACE INTO bouncing (member, since, days, first_day,"
	    " last_day, reason, delivery, probes, next_probe)"
	    " SELECT id, ?2, ?3, ?4, ?5, ?6, delivery, 0, ?2 FROM members"
	    " WHERE id = ?1 AND status = 'active'";
	static const char stop[] =
	    "UPDATE members SET delivery = 'none', status = 'bouncing', updated = ?2"
	    " WHERE id = ?1 AND status = 'active'";
	sqlite3_stmt *st = store_stmt(s, keep);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 3, days);
	sqlite3_bind_int64(st, 4, first_day);
	sqlite3_bind_int64(st, 5, last_day);
	if (reason)
		sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	if ((st = store_stmt(s, stop)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

/* store_bouncing_release - free what store_bouncing_get gave */
void
store_bouncing_release(struct bouncing *b)
{
	free(b->reason);
	free(b->delivery);
	memset(b, 0, sizeof(*b));
}

/* store_bouncing_get - one stopped member's row */
int
store_bouncing_get(struct store *s, int64_t member, struct bouncing *b)
{
	static const char sql[] =
	    "SELECT since, days, first_day, last_day, reason, delivery, probes,"
	    " coalesce(next_probe, 0) FROM bouncing WHERE member = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	memset(b, 0, sizeof(*b));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 4);
		const char *d = (const char *)sqlite3_column_text(st, 5);

		b->member = member;
		b->since = (time_t)sqlite3_column_int64(st, 0);
		b->days = (long)sqlite3_column_int64(st, 1);
		b->first_day = (long)sqlite3_column_int64(st, 2);
		b->last_day = (long)sqlite3_column_int64(st, 3);
		b->reason = r ? xstrdup(r) : NULL;
		b->delivery = xstrdup(d ? d : "each");
		b->probes = sqlite3_column_int(st, 6);
		b->next_probe = (time_t)sqlite3_column_int64(st, 7);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "bouncing member");
}


/* collect_ids - step st (bound), column 0 of up to max rows into out,
 * counted in *n; 0, or -1 (logged as what) */
static int
collect_ids(struct store *s, sqlite3_stmt *st, int64_t *out, size_t max,
    size_t *n, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		out[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_log_error(s, what);
	return 0;
}
/* store_bouncing_members - stopped members with work due */
int
store_bouncing_members(struct store *s, int which, time_t now,
    time_t sent_before, int64_t *out, size_t max, size_t *n)
{
	static const char tidy[] =
	    "DELETE FROM bouncing WHERE NOT EXISTS (SELECT 1 FROM members m"
	    " WHERE m.id = bouncing.member AND m.status = 'bouncing')";
	static const char due[] =
	    "SELECT b.member FROM bouncing b JOIN members m ON m.id = b.member"
	    " WHERE m.status = 'bouncing' AND b.next_probe IS NOT NULL"
	    " AND b.next_probe <= ?1 ORDER BY b.member LIMIT ?2";
	static const char through[] =
	    "SELECT DISTINCT p.member FROM bounce_probes p"
	    " JOIN bouncing b ON b.member = p.member"
	    " JOIN members m ON m.id = p.member AND m.status = 'bouncing'"
	    " JOIN outbox_rcpt r ON r.id = p.rcpt"
	    " WHERE r.state = 'sent' AND r.updated <= ?1 AND p.sent >= b.since"
	    " AND NOT EXISTS (SELECT 1 FROM bounces x WHERE x.envelope = p.rcpt)"
	    " ORDER BY p.member LIMIT ?2";
	sqlite3_stmt *st;

	*n = 0;
	if ((st = store_stmt(s, tidy)) == NULL || store_step_done(s, st) < 0)
		return -1;
	st = store_stmt(s, which ? through : due);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(which ? sent_before : now));
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	return collect_ids(s, st, out, max, n, "bouncing members");
}

/* store_bouncing_stopped_after - members stopped since the last notice */
int
store_bouncing_stopped_after(struct store *s, time_t after, int64_t *out,
    size_t max, size_t *n, long *total, time_t *last)
{
	static const char all[] =
	    "SELECT count(*), coalesce(max(b.since), ?1) FROM bouncing b"
	    " JOIN members m ON m.id = b.member"
	    " WHERE m.status = 'bouncing' AND b.since > ?1";
	static const char first[] =
	    "SELECT b.member FROM bouncing b JOIN members m ON m.id = b.member"
	    " WHERE m.status = 'bouncing' AND b.since > ?1"
	    " ORDER BY b.since, b.member LIMIT ?2";
	sqlite3_stmt *st = store_stmt(s, all);

	*n = 0;
	*total = 0;
	*last = after;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_log_error(s, "stopped members");
	}
	*total = (long)sqlite3_column_int64(st, 0);
	*last = (time_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (*total == 0)
		return 0;
	if ((st = store_stmt(s, first)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	return collect_ids(s, st, out, max, n, "stopped members");
}

/* store_bouncing_probed - one more probe went out */
int
store_bouncing_probed(struct store *s, int64_t member, int64_t outbox,
    time_t now, time_t next_probe)
{
	static const char upd[] =
	    "UPDATE bouncing SET probes = probes + 1, next_probe = ?2 WHERE member = ?1";
	static const char add[] =
	    "INSERT OR IGNORE INTO bounce_probes (rcpt, member, sent)"
	    " SELECT id, ?2, ?3 FROM outbox_rcpt WHERE outbox = ?1";
	sqlite3_stmt *st = store_stmt(s, upd);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member);
	if (next_probe > 0)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)next_probe);
	if (store_step_done(s, st) < 0 || (st = store_stmt(s, add)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, outbox);
	sqlite3_bind_int64(st, 2, member);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	return store_step_done(s, st);
}

/* store_bouncing_enable - give a stopped member their mail back */
int
store_bouncing_enable(struct store *s, int64_t member, time_t now)
{
	static const char upd[] =
	    "UPDATE members SET status = 'active', updated = ?2, delivery ="
	    " coalesce((SELECT delivery FROM bouncing WHERE member = ?1), 'each')"
	    " WHERE id = ?1 AND status = 'bouncing'";
	static const char *const after[] = {
	    "DELETE FROM bounces WHERE temporary = 0 AND address ="
	    " (SELECT lower(email) FROM members WHERE id = ?1)",
	    "DELETE FROM bounce_probes WHERE member = ?1",
	    "DELETE FROM bouncing WHERE member = ?1",
	};
	sqlite3_stmt *st = store_stmt(s, upd);
	int changed;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (store_step_done(s, st) < 0)
		return -1;
	changed = sqlite3_changes(s->db) > 0;
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		if ((st = store_stmt(s, after[i])) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, member);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	return changed;
}
