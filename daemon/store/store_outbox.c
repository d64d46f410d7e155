/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_outbox - SQL for the outbox (see store_outbox.h) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "store_outbox.h"
#include "xalloc.h"

/* outbox_add_post - see store_outbox.h */
int
outbox_add_post(struct store *s, int64_t post_id, time_t now)
{
	static const char seen_sql[] =
	    "SELECT 1 FROM outbox WHERE kind = 'post' AND post = ?1";
	static const char outbox_sql[] =
	    "INSERT INTO outbox (kind, post, created) VALUES ('post', ?1, ?2)";
	/* A post's recipients: active, delivery = each, following the
	 * post's theme (all themes, or a member_themes row), not the author. */
	static const char rcpt_sql[] =
	    "INSERT OR IGNORE INTO outbox_rcpt (outbox, member, address, updated) "
	    "SELECT ?1, m.id, m.email, ?3 FROM members m, posts p "
	    "WHERE p.id = ?2 AND m.status = 'active' AND m.delivery = 'each' "
	    "AND (m.all_themes = 1 OR EXISTS (SELECT 1 FROM member_themes t "
	    "     WHERE t.member = m.id AND t.theme = p.theme COLLATE NOCASE)) "
	    "AND (p.author IS NULL OR m.id <> p.author) "
	    "AND (p.author_email IS NULL OR m.email <> p.author_email COLLATE NOCASE) "
	    "ORDER BY m.id";
	sqlite3_stmt *st;
	int64_t outbox;

	if ((st = store_stmt(s, seen_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post_id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		sqlite3_reset(st);
		log_info("relay: post %lld is queued already", (long long)post_id);
		return 0;
	case SQLITE_DONE:
		break;
	default:
		return store_log_error(s, "outbox: look up post");
	}
	if ((st = store_stmt(s, outbox_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (store_step_done(s, st) < 0)
		return -1;
	outbox = sqlite3_last_insert_rowid(s->db);
	if ((st = store_stmt(s, rcpt_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, outbox);
	sqlite3_bind_int64(st, 2, post_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

/* outbox_add_mail - see store_outbox.h */
int64_t
outbox_add_mail(struct store *s, const char *kind, const char *body, size_t len,
    const char *rcpt, int64_t member, time_t now)
{
	static const char outbox_sql[] =
	    "INSERT INTO outbox (kind, created, body) VALUES (?1, ?2, ?3)";
	static const char rcpt_sql[] =
	    "INSERT INTO outbox_rcpt (outbox, member, address, updated) "
	    "VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st;
	int64_t outbox;

	if ((st = store_stmt(s, outbox_sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_blob64(st, 3, body, (sqlite3_uint64)len, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	outbox = sqlite3_last_insert_rowid(s->db);
	if ((st = store_stmt(s, rcpt_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, outbox);
	if (member > 0)
		sqlite3_bind_int64(st, 2, member);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if (store_step_done(s, st) < 0)
		return -1;
	return outbox;
}

/* outbox_claim - see store_outbox.h */
int
outbox_claim(struct store *s, time_t now, int64_t after, size_t max,
    const char *owner, time_t wall, time_t lease_until,
    struct outbox_row **rows, size_t *n)
{
	/* One statement: SQLite runs it under the write lock, so the rows it
	 * picks cannot be picked by another process before they are marked. */
	static const char claim_sql[] =
	    "UPDATE outbox_rcpt SET claim_owner = ?4, claim_until = ?5 "
	    "WHERE id IN (SELECT id FROM outbox_rcpt "
	    "WHERE id > ?2 AND (state = 'queued' OR "
	    "(state = 'deferred' AND next_try <= ?1)) "
	    "AND (claim_until IS NULL OR claim_until <= ?6 OR claim_owner = ?4) "
	    "ORDER BY id LIMIT ?3)";
	static const char sql[] =
	    "SELECT r.id, r.outbox, o.post, r.member, o.kind, r.address, "
	    "m.unsub_token, m.language, r.attempts, o.created, "
	    /* what bounce_record_success looks for: most have none */
	    "EXISTS (SELECT 1 FROM bounces b WHERE b.address = lower(r.address) "
	    "AND b.temporary = 0) "
	    "FROM outbox_rcpt r JOIN outbox o ON o.id = r.outbox "
	    "LEFT JOIN members m ON m.id = r.member "
	    "WHERE r.id > ?2 AND (r.state = 'queued' OR "
	    "(r.state = 'deferred' AND r.next_try <= ?1)) "
	    "AND r.claim_owner = ?4 AND r.claim_until = ?5 "
	    "ORDER BY r.id LIMIT ?3";
	sqlite3_stmt *st;
	struct outbox_row *out = NULL;
	size_t cnt = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((st = store_stmt(s, claim_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)lease_until);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)wall);
	if (store_step_done(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)lease_until);
	out = xcalloc(max ? max : 1, sizeof(*out));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && cnt < max) {
		struct outbox_row *r = &out[cnt++];

		r->id = sqlite3_column_int64(st, 0);
		r->outbox = sqlite3_column_int64(st, 1);
		r->post = sqlite3_column_int64(st, 2);
		r->member = sqlite3_column_int64(st, 3);
		r->kind = store_column_dup(st, 4);
		r->address = store_column_dup(st, 5);
		r->unsub_token = store_column_dup(st, 6);
		r->language = store_column_dup(st, 7);
		r->attempts = sqlite3_column_int(st, 8);
		r->created = (time_t)sqlite3_column_int64(st, 9);
		r->bounced = sqlite3_column_int(st, 10);
		if (r->kind == NULL)
			r->kind = xstrdup("mail");
		if (r->address == NULL)
			r->address = xstrdup("");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		outbox_rows_free(&out, cnt);
		return store_log_error(s, "outbox: claimed rows");
	}
	*rows = out;
	*n = cnt;
	return 0;
}

/* claims_update - one UPDATE of owner's claims on unsettled rows */
static long
claims_update(struct store *s, const char *sql, const char *owner,
    time_t lease_until)
{
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	if (lease_until > 0)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)lease_until);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

/* outbox_claims_renew - see store_outbox.h */
long
outbox_claims_renew(struct store *s, const char *owner, time_t lease_until)
{
	static const char sql[] =
	    "UPDATE outbox_rcpt SET claim_until = ?2 WHERE state IN "
	    "('queued', 'deferred') AND claim_owner = ?1";

	return claims_update(s, sql, owner, lease_until);
}

/* outbox_claims_release - see store_outbox.h */
long
outbox_claims_release(struct store *s, const char *owner)
{
	static const char sql[] =
	    "UPDATE outbox_rcpt SET claim_owner = NULL, claim_until = NULL "
	    "WHERE state IN ('queued', 'deferred') AND claim_owner = ?1";

	return claims_update(s, sql, owner, 0);
}

/* outbox_claim_owners - see store_outbox.h */
int
outbox_claim_owners(struct store *s, time_t wall, char ***owners, size_t *n)
{
	static const char sql[] =
	    "SELECT DISTINCT claim_owner FROM outbox_rcpt WHERE state IN "
	    "('queued', 'deferred') AND claim_owner IS NOT NULL "
	    "AND claim_until > ?1";
	sqlite3_stmt *st;
	char **out = NULL;
	size_t cnt = 0;
	int rc;

	*owners = NULL;
	*n = 0;
	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)wall);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out = xreallocarray(out, cnt + 1, sizeof(*out));
		out[cnt++] = store_column_dup(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < cnt; i++)
			free(out[i]);
		free(out);
		return store_log_error(s, "outbox: claim owners");
	}
	*owners = out;
	*n = cnt;
	return 0;
}

/* outbox_rows_free - see store_outbox.h */
void
outbox_rows_free(struct outbox_row **rows, size_t n)
{
	struct outbox_row *r = *rows;

	if (r == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(r[i].kind);
		free(r[i].address);
		free(r[i].unsub_token);
		free(r[i].language);
	}
	free(r);
	*rows = NULL;
}

/* outbox_body - see store_outbox.h */
int
outbox_body(struct store *s, int64_t outbox, char **body, size_t *len)
{
	static const char sql[] = "SELECT body FROM outbox WHERE id = ?1";
	sqlite3_stmt *st;
	int rc;

	*body = NULL;
	*len = 0;
	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, outbox);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		const void *b = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		*body = xmalloc(n + 1);
		if (n)
			memcpy(*body, b, n);
		(*body)[n] = '\0';
		*len = n;
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	return store_log_error(s, "outbox: body");
}

/* outbox_post_load - see store_outbox.h */
int
outbox_post_load(struct store *s, int64_t post, struct outbox_post *p)
{
	static const char sql[] =
	    "SELECT bz_raw(m.raw), p.subject, p.author_name, p.author_email, p.theme, "
	    "p.kind, se.opens, se.closes, "
	    "(SELECT q.message_id FROM posts q WHERE q.id = p.parent) "
	    "FROM posts p JOIN messages m ON m.id = p.message "
	    "LEFT JOIN sessions se ON se.id = p.session WHERE p.id = ?1";
	sqlite3_stmt *st;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *raw = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		p->raw = xmalloc(n + 1);
		if (n)
			memcpy(p->raw, raw, n);
		p->raw[n] = '\0';
		p->raw_len = n;
		p->subject = store_column_dup(st, 1);
		p->author_name = store_column_dup(st, 2);
		p->author_email = store_column_dup(st, 3);
		p->theme = store_column_dup(st, 4);
		p->kind = store_column_dup(st, 5);
		p->opens = (time_t)sqlite3_column_int64(st, 6);
		p->closes = (time_t)sqlite3_column_int64(st, 7);
		p->parent_mid = store_column_dup(st, 8);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return store_log_error(s, "outbox: load post");
}

/* outbox_post_release - see store_outbox.h */
void
outbox_post_release(struct outbox_post *p)
{
	free(p->raw);
	free(p->subject);
	free(p->author_name);
	free(p->author_email);
	free(p->theme);
	free(p->kind);
	free(p->parent_mid);
	memset(p, 0, sizeof(*p));
}

/* mark - one state change */
static int
mark(struct store *s, int64_t id, const char *state, time_t now,
    time_t next_try, const char *why, int count_attempt)
{
	static const char sql[] =
	    "UPDATE outbox_rcpt SET state = ?2, updated = ?3, next_try = ?4, "
	    "last_error = coalesce(?5, last_error), attempts = attempts + ?6, "
	    "claim_owner = NULL, claim_until = NULL WHERE id = ?1";
	sqlite3_stmt *st;

	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)next_try);
	if (why)
		sqlite3_bind_text(st, 5, why, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int(st, 6, count_attempt);
	return store_step_done(s, st);
}

/* outbox_mark_sent_many - see store_outbox.h */
int
outbox_mark_sent_many(struct store *s, const int64_t *ids, size_t n, time_t now)
{
	/* 16 ids a statement; unused places are NULL, which matches no row.
	 * The IN list is built anew on each run of the statement, which
	 * costs about as much as two single-row UPDATEs: below 4 ids the
	 * rows are marked one by one. */
	static const char sql[] =
	    "UPDATE outbox_rcpt SET state = 'sent', updated = ?1, next_try = 0, "
	    "attempts = attempts + 1, claim_owner = NULL, claim_until = NULL "
	    "WHERE id IN (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
	enum { PER = 16, MIN = 4 };

	for (size_t i = 0; i < n; i += PER) {
		sqlite3_stmt *st;

		if (n - i < MIN) {
			for (; i < n; i++)
				if (mark(s, ids[i], "sent", now, 0, NULL, 1) < 0)
					return -1;
			break;
		}
		if ((st = store_stmt(s, sql)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
		for (size_t k = 0; k < PER; k++) {
			if (i + k < n)
				sqlite3_bind_int64(st, (int)k + 2, ids[i + k]);
			else
				sqlite3_bind_null(st, (int)k + 2);
		}
		if (store_step_done(s, st) < 0)
			return -1;
	}
	return 0;
}

/* outbox_mark_deferred - see store_outbox.h */
int
outbox_mark_deferred(struct store *s, int64_t id, time_t now, time_t next_try,
    const char *why)
{
	return mark(s, id, "deferred", now, next_try, why, 1);
}

/* outbox_mark_failed - see store_outbox.h */
int
outbox_mark_failed(struct store *s, int64_t id, time_t now, const char *why)
{
	return mark(s, id, "failed", now, 0, why, 1);
}

/* outbox_fill_tokens - see store_outbox.h */
int
outbox_fill_tokens(struct store *s)
{
	static const char sql[] =
	    "UPDATE members SET unsub_token = lower(hex(randomblob(16))) "
	    "WHERE unsub_token IS NULL AND id IN (SELECT member FROM outbox_rcpt "
	    "WHERE state IN ('queued', 'deferred') AND member IS NOT NULL)";
	sqlite3_stmt *st = store_stmt(s, sql);

	return st ? store_step_done(s, st) : -1;
}

/* outbox_pending - see store_outbox.h */
long
outbox_pending(struct store *s)
{
	static const char sql[] =
	    "SELECT count(*) FROM outbox_rcpt WHERE state IN ('queued', 'deferred')";
	sqlite3_stmt *st = store_stmt(s, sql);
	long n;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_log_error(s, "outbox: pending");
	}
	n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* outbox_stats_get - see store_outbox.h */
int
outbox_stats_get(struct store *s, struct outbox_stats *stt)
{
	static const char count_sql[] =
	    "SELECT state, count(*) FROM outbox_rcpt GROUP BY state";
	static const char oldest_sql[] =
	    "SELECT r.address, r.last_error, o.kind, o.created, r.next_try, r.attempts "
	    "FROM outbox_rcpt r JOIN outbox o ON o.id = r.outbox "
	    "WHERE r.state = 'deferred' ORDER BY o.created, r.id LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	memset(stt, 0, sizeof(*stt));
	if ((st = store_stmt(s, count_sql)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		long n = (long)sqlite3_column_int64(st, 1);

		if (state == NULL)
			continue;
		if (strcmp(state, "queued") == 0)
			stt->queued = n;
		else if (strcmp(state, "deferred") == 0)
			stt->deferred = n;
		else if (strcmp(state, "sent") == 0)
			stt->sent = n;
		else if (strcmp(state, "failed") == 0)
			stt->failed = n;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_log_error(s, "outbox: counts");
	if (stt->deferred == 0)
		return 0;
	if ((st = store_stmt(s, oldest_sql)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stt->oldest_address = store_column_dup(st, 0);
		stt->oldest_reason = store_column_dup(st, 1);
		stt->oldest_kind = store_column_dup(st, 2);
		stt->oldest_created = (time_t)sqlite3_column_int64(st, 3);
		stt->oldest_next_try = (time_t)sqlite3_column_int64(st, 4);
		stt->oldest_attempts = sqlite3_column_int(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_log_error(s, "outbox: oldest deferral");
	return 0;
}

/* outbox_stats_release - see store_outbox.h */
void
outbox_stats_release(struct outbox_stats *st)
{
	free(st->oldest_address);
	free(st->oldest_reason);
	free(st->oldest_kind);
	memset(st, 0, sizeof(*st));
}

/* outbox_retry_all - see store_outbox.h */
long
outbox_retry_all(struct store *s, time_t now)
{
	static const char sql[] =
	    "UPDATE outbox_rcpt SET next_try = ?1 WHERE state = 'deferred'";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db);
}
