/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_post - posts, their links and attachments: the SQL side (see
 * store_post.h)
 *
 * Only row reads and writes live here; what to link to what is decided in
 * thread.c and ingest.c.  Text is bound SQLITE_STATIC: every caller's
 * string outlives the step.
 */
#include "config.h"

#include "store_int.h"
#include "store_post.h"

/* store_post_add - see store_post.h */
int
store_post_add(struct store *s, const struct store_post *p, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO posts(message, message_id, thread, theme, session, kind,"
	    " state, author, author_name, author_email, subject, date, received,"
	    " text, new_text, nlinks, nattachments, parent, depth) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " CASE WHEN ?20 THEN COALESCE(?21, ?14) ELSE bz_ztext(?14) END,"
	    " CASE WHEN ?20 THEN ?22 ELSE bz_pack_new_text(?14, ?15) END,"
	    " ?16, ?17, ?18, ?19)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->message);
	sqlite3_bind_text(st, 2, p->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->thread);
	sqlite3_bind_text(st, 4, p->theme, -1, SQLITE_STATIC);
	store_bind_id(st, 5, p->session);
	sqlite3_bind_text(st, 6, p->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->state ? p->state : "accepted", -1, SQLITE_STATIC);
	store_bind_id(st, 8, p->author);
	store_bind_text(st, 9, p->author_name);
	store_bind_text(st, 10, p->author_email);
	store_bind_text(st, 11, p->subject);
	if (p->date > 0)
		sqlite3_bind_int64(st, 12, (sqlite3_int64)p->date);
	else
		sqlite3_bind_null(st, 12);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)p->received);
	sqlite3_bind_text(st, 14, p->text ? p->text : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, p->new_text ? p->new_text : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)p->nlinks);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)p->nattachments);
	store_bind_id(st, 18, p->parent);
	sqlite3_bind_int(st, 19, p->parent > 0 ? p->depth : 0);
	sqlite3_bind_int(st, 20, p->text_packed);
	if (p->text_packed && p->text_z != NULL)
		sqlite3_bind_blob64(st, 21, p->text_z, p->text_z_len, SQLITE_STATIC);
	if (p->text_packed)
		sqlite3_bind_text64(st, 22, p->new_text_z ? p->new_text_z : "",
		    p->new_text_z_len, SQLITE_STATIC, SQLITE_UTF8);
	if (store_step_done(s, st) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	/* a text compressed ahead: the search index takes it from here */
	if (p->text_packed && p->text_z != NULL && store_fts_text(s, *id, p->text) < 0)
		return -1;
	store_held_rate_post(s, p->author_email, p->received);
	return 0;
}

/* store_post_add_link - see store_post.h */
int
store_post_add_link(struct store *s, int64_t post, const char *url)
{
	static const char sql[] = "INSERT INTO links(post, url) VALUES (?1, ?2)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

/* store_post_add_attachment - see store_post.h */
int
store_post_add_attachment(struct store *s, int64_t post, const char *name,
    const char *type, int64_t bytes)
{
	static const char sql[] =
	    "INSERT INTO attachments(post, name, type, bytes) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, type);
	sqlite3_bind_int64(st, 4, bytes);
	return store_step_done(s, st);
}

/* store_post_message_id - see store_post.h */
int
store_post_message_id(struct store *s, int64_t post, char **mid)
{
	static const char sql[] = "SELECT message_id FROM posts WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*mid = store_column_dup(st, 0);
		sqlite3_reset(st);
		return *mid ? 1 : 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "post message id");
}

/* store_post_parent - see store_post.h */
int
store_post_parent(struct store *s, int64_t post, int64_t *parent, int *depth)
{
	static const char sql[] = "SELECT parent, depth FROM posts WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*parent = sqlite3_column_int64(st, 0);
		*depth = sqlite3_column_int(st, 1);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "post parent");
}

/* store_post_set_parent - see store_post.h */
int
store_post_set_parent(struct store *s, int64_t post, int64_t parent, int depth)
{
	static const char sql[] =
	    "UPDATE posts SET parent = ?2, depth = ?3 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	store_bind_id(st, 2, parent);
	sqlite3_bind_int(st, 3, depth);
	return store_step_done(s, st);
}
