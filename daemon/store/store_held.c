/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_held - SQL for moderation holds, member facts and notice limits
 *
 * Only SQL lives here; the rules are in moderation.c.  Statements are the
 * cached kind (store_stmt) with bound parameters.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_held.h"
#include "store_int.h"
#include "xalloc.h"

/* store_held_member_release - free the strings of a held_member */
void
store_held_member_release(struct held_member *m)
{
	if (m == NULL)
		return;
	free(m->email);
	free(m->name);
	free(m->role);
	free(m->status);
	free(m->delivery);
	free(m->language);
	memset(m, 0, sizeof(*m));
}

#define MEMBER_COLS "id, email, name, role, status, delivery, language"

/* member_fill - read the MEMBER_COLS of the current row */
static void
member_fill(sqlite3_stmt *st, struct held_member *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->email = store_column_dup(st, 1);
	out->name = store_column_dup(st, 2);
	out->role = store_column_dup(st, 3);
	out->status = store_column_dup(st, 4);
	out->delivery = store_column_dup(st, 5);
	out->language = store_column_dup(st, 6);
}

/* member_one - step a one-row member query */
static int
member_one(struct store *s, sqlite3_stmt *st, struct held_member *out)
{
	int rc = sqlite3_step(st);

	memset(out, 0, sizeof(*out));
	if (rc == SQLITE_ROW) {
		member_fill(st, out);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return store_log_error(s, "member look-up");
}

/* store_held_member_by_email - a member by address (case-insensitive) */
int
store_held_member_by_email(struct store *s, const char *email, struct held_member *out)
{
	static const char sql[] =
	    "SELECT " MEMBER_COLS " FROM members WHERE email = ?1 COLLATE NOCASE";
	sqlite3_stmt *st = store_stmt(s, sql);

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	if (email == NULL)
		return 0;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	return member_one(s, st, out);
}

/* store_held_member_by_id - a member by id */
int
store_held_member_by_id(struct store *s, int64_t id, struct held_member *out)
{
	static const char sql[] =
	    "SELECT " MEMBER_COLS " FROM members WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return member_one(s, st, out);
}

/* store_held_facilitators - every active facilitator */
int
store_held_facilitators(struct store *s, struct held_member **out, size_t *n)
{
	static const char sql[] =
	    "SELECT " MEMBER_COLS " FROM members"
	    " WHERE role = 'facilitator' AND status = 'active' ORDER BY id";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct held_member *v = NULL;
	size_t len = 0, alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		member_fill(st, &v[len++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < len; i++)
			store_held_member_release(&v[i]);
		free(v);
		return store_log_error(s, "facilitators");
	}
	*out = v;
	*n = len;
	return 0;
}

/* count_one - step a query returning one integer */
static long
count_one(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	long v;

	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_log_error(s, what);
	}
	v = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* store_held_accepted_posts - accepted posts by a member */
long
store_held_accepted_posts(struct store *s, int64_t member)
{
	static const char sql[] =
	    "SELECT count(*) FROM posts WHERE author = ?1 AND state = 'accepted'";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member);
	return count_one(s, st, "accepted posts");
}

/* store_held_recent_posts - accepted posts from an address since a time */
long
store_held_recent_posts(struct store *s, const char *address, time_t since,
    const char *except, long cap)
{
	static const char sql[] =
	    "SELECT count(*) FROM (SELECT 1 FROM posts WHERE received >= ?1"
	    " AND author_email = ?2 COLLATE NOCASE AND state = 'accepted'"
	    " AND (?3 IS NULL OR message_id <> ?3) LIMIT ?4)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	if (except)
		sqlite3_bind_text(st, 3, except, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, cap > 0 ? (sqlite3_int64)cap : -1);
	return count_one(s, st, "recent posts");
}

/* The sender counts of the open transaction (struct store_rate).  A batch
 * of messages in one transaction asks store_held_recent_reaches once per
 * message; each ask walked the sender's index entries of the last hour
 * (k/10 entries for message k of a batch from 10 senders).  Now a sender's
 * first ask in a transaction counts them once, and every post stored after
 * it (store_held_rate_post, from store_post_add) adds one.  The count is of
 * posts of any state received at or after the window's start at that first
 * ask: an upper bound of the accepted posts in any later, narrower window,
 * so "under the limit" from it is exact, and a sender at it still gets the
 * exact count from SQL.  Counted posts that a savepoint rollback removes
 * keep it an upper bound; the whole table is forgotten at every COMMIT and
 * ROLLBACK (store.c), since another process may write between
 * transactions.  No ask outside a transaction is remembered. */
#define RATE_MAX 4096           /* senders remembered per transaction */

struct rate_entry {
	char *addr;             /* owned, ASCII lower case (SQLite's NOCASE) */
	time_t since;           /* window start of the first ask */
	long count;             /* posts of any state received >= since */
};

struct store_rate {
	struct rate_entry *slot;        /* open addressing, cap a power of 2 */
	size_t cap, n;
};

/* rate_hash - FNV-1a of the address folded as NOCASE compares it */
static size_t
rate_hash(const char *a)
{
	size_t h = 2166136261u;

	for (; *a; a++) {
		unsigned char c = (unsigned char)*a;

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	return h;
}

/* rate_eq - NOCASE equality of a folded key and an address */
static int
rate_eq(const char *key, const char *a)
{
	for (; *key && *a; key++, a++) {
		unsigned char c = (unsigned char)*a;

		if ((unsigned char)*key != (c >= 'A' && c <= 'Z' ? c + 32 : c))
			return 0;
	}
	return *key == *a;
}

/* rate_find - the slot of address: its entry, or the empty slot where it
 * would go; NULL when nothing is remembered */
static struct rate_entry *
rate_find(struct store_rate *r, const char *address)
{
	size_t i;

	if (r == NULL || r->cap == 0)
		return NULL;
	for (i = rate_hash(address) & (r->cap - 1);; i = (i + 1) & (r->cap - 1))
		if (r->slot[i].addr == NULL || rate_eq(r->slot[i].addr, address))
			return &r->slot[i];
}

/* rate_put - remember address's count; silently not past RATE_MAX */
static void
rate_put(struct store *s, const char *address, time_t since, long count)
{
	struct store_rate *r = s->rate;
	struct rate_entry *e;

	if (r == NULL)
		r = s->rate = xcalloc(1, sizeof(*r));
	if (r->n >= RATE_MAX)
		return;
	if (2 * (r->n + 1) > r->cap) {
		struct rate_entry *old = r->slot;
		size_t oldcap = r->cap;

		r->cap = r->cap ? 2 * r->cap : 64;
		r->slot = xcalloc(r->cap, sizeof(*r->slot));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].addr)
				*rate_find(r, old[i].addr) = old[i];
		free(old);
	}
	e = rate_find(r, address);
	if (e->addr == NULL) {
		char *k = xstrdup(address);

		for (char *p = k; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		e->addr = k;
		r->n++;
	}
	e->since = since;
	e->count = count;
}

/* store_held_rate_post - see store_int.h */
void
store_held_rate_post(struct store *s, const char *author_email, time_t received)
{
	struct rate_entry *e;

	if (author_email == NULL || (e = rate_find(s->rate, author_email)) == NULL ||
	    e->addr == NULL)
		return;
	if (received >= e->since)
		e->count++;
}

/* store_held_rate_forget - see store_int.h */
void
store_held_rate_forget(struct store *s)
{
	struct store_rate *r = s->rate;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->cap; i++)
		free(r->slot[i].addr);
	free(r->slot);
	free(r);
	s->rate = NULL;
}

/* store_held_recent_reaches - is a sender at the rate limit? */
int
store_held_recent_reaches(struct store *s, const char *address, time_t since,
    const char *except, long limit)
{
	/* Posts of any state: an upper bound of the accepted ones, read
	 * from posts_author_email_received alone (a covering index), where
	 * the exact count reads every counted row of the table (state,
	 * message_id).  A busy sender under a high limit (a mail loop, an
	 * archive resent through IMAP) costs index steps, not row reads;
	 * within a transaction, only at the sender's first message. */
	static const char sql[] =
	    "SELECT count(*) FROM (SELECT 1 FROM posts WHERE author_email = ?2"
	    " COLLATE NOCASE AND received >= ?1 LIMIT ?3)";
	struct rate_entry *e;
	sqlite3_stmt *st;
	long n;

	if (limit <= 0 || address == NULL)
		return 0;
	e = s->in_txn ? rate_find(s->rate, address) : NULL;
	if (e && e->addr && since >= e->since && e->count < limit)
		return 0;
	if (e == NULL || e->addr == NULL || since < e->since) {
		if ((st = store_stmt(s, sql)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
		sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
		if ((n = count_one(s, st, "recent posts (index)")) < 0)
			return -1;
		if (n < limit) {
			/* exact, not capped: worth remembering */
			if (s->in_txn)
				rate_put(s, address, since, n);
			return 0;
		}
	}
	n = store_held_recent_posts(s, address, since, except, limit);
	return n < 0 ? -1 : n >= limit;
}

/* store_held_row_release - free the strings of a held_row */
void
store_held_row_release(struct held_row *r)
{
	if (r == NULL)
		return;
	free(r->reason);
	free(r->token);
	free(r->state);
	free(r->decided_by);
	free(r->comment);
	free(r->author_email);
	free(r->author_name);
	free(r->subject);
	free(r->message_id);
	free(r->post_state);
	memset(r, 0, sizeof(*r));
}

#define HELD_COLS "h.id, h.message, h.post, h.reason, h.token, h.state," \
	" h.created, h.expires, h.decided, h.decided_by, h.comment," \
	" p.author, p.author_email, p.author_name, p.subject, p.message_id," \
	" p.state, p.received"
#define HELD_FROM " FROM held h LEFT JOIN posts p ON p.id = h.post"

/* held_fill - read the HELD_COLS of the current row */
static void
held_fill(sqlite3_stmt *st, struct held_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->message = sqlite3_column_int64(st, 1);
	r->post = sqlite3_column_int64(st, 2);
	r->reason = store_column_dup(st, 3);
	r->token = store_column_dup(st, 4);
	r->state = store_column_dup(st, 5);
	r->created = (time_t)sqlite3_column_int64(st, 6);
	r->expires = (time_t)sqlite3_column_int64(st, 7);
	r->decided = (time_t)sqlite3_column_int64(st, 8);
	r->decided_by = store_column_dup(st, 9);
	r->comment = store_column_dup(st, 10);
	r->author = sqlite3_column_int64(st, 11);
	r->author_email = store_column_dup(st, 12);
	r->author_name = store_column_dup(st, 13);
	r->subject = store_column_dup(st, 14);
	r->message_id = store_column_dup(st, 15);
	r->post_state = store_column_dup(st, 16);
	r->received = (time_t)sqlite3_column_int64(st, 17);
}

/* held_one - step a one-row hold query */
static int
held_one(struct store *s, sqlite3_stmt *st, struct held_row *out)
{
	int rc = sqlite3_step(st);

	memset(out, 0, sizeof(*out));
	if (rc == SQLITE_ROW) {
		held_fill(st, out);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return store_log_error(s, "hold look-up");
}

/* store_held_insert - add a hold */
int
store_held_insert(struct store *s, int64_t message, int64_t post,
    const char *reason, const char *token, time_t created, time_t expires,
    int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO held (message, post, reason, token, state, created, expires)"
	    " VALUES (?1, ?2, ?3, ?4, 'held', ?5, ?6)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, message);
	if (post > 0)
		sqlite3_bind_int64(st, 2, post);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)created);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)expires);
	if (store_step_done(s, st) < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* store_held_by_token - a hold by its token */
int
store_held_by_token(struct store *s, const char *token, struct held_row *out)
{
	static const char sql[] =
	    "SELECT " HELD_COLS HELD_FROM " WHERE h.token = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	return held_one(s, st, out);
}

/* store_held_by_id - a hold by id */
int
store_held_by_id(struct store *s, int64_t id, struct held_row *out)
{
	static const char sql[] =
	    "SELECT " HELD_COLS HELD_FROM " WHERE h.id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return held_one(s, st, out);
}

/* store_held_list - the holds, oldest first */
int
store_held_list(struct store *s, const char *state, struct held_row **rows, size_t *n)
{
	static const char sql[] =
	    "SELECT " HELD_COLS HELD_FROM " WHERE ?1 IS NULL OR h.state = ?1"
	    " ORDER BY h.id";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct held_row *v = NULL;
	size_t len = 0, alloc = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	if (state)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		held_fill(st, &v[len++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < len; i++)
			store_held_row_release(&v[i]);
		free(v);
		return store_log_error(s, "held list");
	}
	*rows = v;
	*n = len;
	return 0;
}

/* store_held_decide - move a hold out of 'held', once */
int
store_held_decide(struct store *s, int64_t id, const char *state, time_t when,
    const char *by, const char *comment)
{
	static const char sql[] =
	    "UPDATE held SET state = ?2, decided = ?3, decided_by = ?4, comment = ?5"
	    " WHERE id = ?1 AND state = 'held'";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)when);
	if (by)
		sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	if (comment)
		sqlite3_bind_text(st, 5, comment, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

/* store_held_expired - ids of holds past their expiry */
int
store_held_expired(struct store *s, time_t now, int64_t **ids, size_t *n)
{
	static const char sql[] =
	    "SELECT id FROM held WHERE state = 'held' AND expires <= ?1 ORDER BY id";
	sqlite3_stmt *st = store_stmt(s, sql);
	int64_t *v = NULL;
	size_t len = 0, alloc = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		v[len++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_log_error(s, "expired holds");
	}
	*ids = v;
	*n = len;
	return 0;
}

/* store_held_post_state - set a post's state */
int
store_held_post_state(struct store *s, int64_t post, const char *state)
{
	static const char sql[] = "UPDATE posts SET state = ?2 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

/* store_held_message_raw - the raw bytes of a stored message */
int
store_held_message_raw(struct store *s, int64_t message, char **raw, size_t *len)
{
	static const char sql[] = "SELECT bz_raw(raw) FROM messages WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	*raw = NULL;
	*len = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, message);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		*raw = xmalloc(n + 1);
		if (n)
			memcpy(*raw, p, n);
		(*raw)[n] = '\0';
		*len = n;
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "message raw");
}

/* store_notice_once - record a notice for the day unless one was sent */
int
store_notice_once(struct store *s, const char *address, const char *kind, long day)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO notices (address, kind, day) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, day);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}
