/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_post - posts, their links and attachments, in SQLite
 *
 * The SQL side of a post: written once by ingest (inside the caller's
 * transaction, one per message), re-parented by threading.  The thread a
 * post belongs to is store_thread.h's; finding posts by words is
 * store_search.h's; both hand posts back as a struct store_post_row.
 *
 * Return conventions: actions 0 / -1 (logged); look-ups 1 found / 0 absent
 * / -1 error.  Strings handed back are owned by the caller (free) unless
 * the comment says otherwise; strings passed in are borrowed.
 */
#ifndef BARAZA_STORE_POST_H
#define BARAZA_STORE_POST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct store_post {
	int64_t message;          /* messages.id */
	const char *message_id;
	int64_t thread;
	int64_t parent;           /* 0: none (thread.c may change it) */
	int depth;
	const char *theme;
	int64_t session;          /* 0: none */
	const char *kind;         /* idea, question, resource, feedback, summary */
	const char *state;        /* accepted, held */
	int64_t author;           /* members.id, 0: not a member */
	const char *author_name;
	const char *author_email;
	const char *subject;
	time_t date;              /* 0: unknown */
	time_t received;
	const char *text;
	const char *new_text;
	/* text's stored form made ahead (store_zip.h), when text_packed:
	 * text_z (text_z_len bytes) or, when NULL, text as it is */
	int text_packed;
	const void *text_z;
	size_t text_z_len;
	const char *new_text_z;   /* when text_packed: new_text's stored form */
	size_t new_text_z_len;
	size_t nlinks;
	size_t nattachments;
};

/* store_post_add - insert a post; 0 and *id, or -1.  It is indexed for
 * search when the transaction commits (store_search.h). */
int store_post_add(struct store *s, const struct store_post *p, int64_t *id);
/* store_post_add_link - one more link (a URL found in its text); 0 or -1 */
int store_post_add_link(struct store *s, int64_t post, const char *url);
/* store_post_add_attachment - one more attachment's name, MIME type and
 * size (name and type may be NULL); 0 or -1 */
int store_post_add_attachment(struct store *s, int64_t post, const char *name,
    const char *type, int64_t bytes);
/* store_post_message_id - 1 and *mid (owned) for the post with this id */
int store_post_message_id(struct store *s, int64_t post, char **mid);
/* store_post_parent - 1 with the post's parent (0: none) and depth */
int store_post_parent(struct store *s, int64_t post, int64_t *parent, int *depth);
/* store_post_set_parent - set parent (0: none) and depth */
int store_post_set_parent(struct store *s, int64_t post, int64_t parent, int depth);

/* A post as read back (store_thread_posts, store_post_search). */
struct store_post_row {
	int64_t id;
	int64_t thread;
	int64_t parent;           /* 0: none */
	int depth;
	const char *message_id;   /* every string valid during the callback */
	const char *theme;
	int64_t session;
	const char *kind;
	const char *state;
	const char *author_name;
	const char *author_email;
	const char *subject;
	time_t date, received;
	const char *new_text;
	const char *snippet;      /* search only */
};
typedef int store_post_cb(void *arg, const struct store_post_row *p);

#endif
