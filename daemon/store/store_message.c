/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_message - every inbound message, once: the SQL side (see
 * store_message.h)
 *
 * Text is bound SQLITE_STATIC: every caller's string outlives the step.
 */
#include "config.h"

#include "store_int.h"
#include "store_message.h"

/* store_message_find - see store_message.h */
int
store_message_find(struct store *s, const char *message_id, int64_t *id)
{
	static const char sql[] = "SELECT id FROM messages WHERE message_id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	return store_lookup_id(s, st, id, "find message");
}

/* store_message_add - see store_message.h */
int
store_message_add(struct store *s, const struct store_message *m, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO messages(message_id, received, origin, route, state,"
	    " reason, sender, size, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " CASE WHEN ?10 IS NULL THEN bz_zraw(?9) ELSE ?10 END)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, m->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)m->received);
	store_bind_text(st, 3, m->origin);
	sqlite3_bind_text(st, 4, m->route, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->state, -1, SQLITE_STATIC);
	store_bind_text(st, 6, m->reason);
	store_bind_text(st, 7, m->sender);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)m->size);
	sqlite3_bind_blob64(st, 9, m->raw ? m->raw : "", m->raw_len, SQLITE_STATIC);
	if (m->raw_z != NULL)
		sqlite3_bind_blob64(st, 10, m->raw_z, m->raw_z_len, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* store_message_set_state - see store_message.h */
int
store_message_set_state(struct store *s, int64_t id, const char *state,
    const char *reason)
{
	static const char sql[] =
	    "UPDATE messages SET state = ?2, reason = ?3 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	store_bind_text(st, 3, reason);
	return store_step_done(s, st);
}

/* store_message_prune_raw - see store_message.h */
int
store_message_prune_raw(struct store *s, time_t before, int limit)
{
	static const char sql[] =
	    "UPDATE messages SET raw = X'' WHERE id IN (SELECT m.id FROM messages m"
	    " WHERE m.received < ?1 AND length(m.raw) > 0 AND m.state <> 'pending'"
	    " AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.message = m.id)"
	    " AND NOT EXISTS (SELECT 1 FROM held h WHERE h.message = m.id"
	    " AND h.state = 'held') LIMIT ?2)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
	sqlite3_bind_int(st, 2, limit);
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db);
}
