/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_thread - threads and the JWZ containers behind them: the SQL
 * side (see store_thread.h)
 *
 * Only row reads and writes live here; the threading decisions are
 * thread.c's.  store_thread_posts() puts a thread's posts in reading order
 * in memory: SQLite hands them over unordered, and the order (parents
 * before replies, siblings by date) needs the whole thread anyway.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "store_thread.h"
#include "xalloc.h"

/* ---- containers --------------------------------------------------------- */

/* store_container_get - see store_thread.h */
int
store_container_get(struct store *s, const char *mid, struct store_container *c)
{
	static const char sql[] =
	    "SELECT post, parent_mid, thread FROM containers WHERE mid = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->post = sqlite3_column_int64(st, 0);
		c->parent_mid = store_column_dup(st, 1);
		c->thread = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "container");
}

/* store_container_release - see store_thread.h */
void
store_container_release(struct store_container *c)
{
	xfree(&c->parent_mid);
}

/* store_container_add - see store_thread.h */
int
store_container_add(struct store *s, const char *mid, int64_t post,
    const char *parent_mid, int64_t thread)
{
	static const char sql[] =
	    "INSERT INTO containers(mid, post, parent_mid, thread) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	store_bind_id(st, 2, post);
	store_bind_text(st, 3, parent_mid);
	store_bind_id(st, 4, thread);
	return store_step_done(s, st);
}

/* store_container_set_parent - see store_thread.h */
int
store_container_set_parent(struct store *s, const char *mid, const char *parent_mid)
{
	static const char sql[] = "UPDATE containers SET parent_mid = ?2 WHERE mid = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	store_bind_text(st, 2, parent_mid);
	return store_step_done(s, st);
}

/* store_container_set_post - see store_thread.h */
int
store_container_set_post(struct store *s, const char *mid, int64_t post)
{
	static const char sql[] = "UPDATE containers SET post = ?2 WHERE mid = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	store_bind_id(st, 2, post);
	return store_step_done(s, st);
}

/* store_container_set_thread - see store_thread.h */
int
store_container_set_thread(struct store *s, const char *mid, int64_t thread)
{
	static const char sql[] = "UPDATE containers SET thread = ?2 WHERE mid = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	store_bind_id(st, 2, thread);
	return store_step_done(s, st);
}

/* store_container_children - see store_thread.h */
int
store_container_children(struct store *s, const char *mid,
    struct store_child **out, size_t *n, size_t max)
{
	static const char sql[] =
	    "SELECT mid, post FROM containers WHERE parent_mid = ?1 ORDER BY mid";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct store_child *v = NULL;
	size_t nv = 0, alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, mid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cm = store_column_text(st, 0);

		if (cm == NULL)
			continue;
		if (nv == max) {
			log_warnx("container <%s>: more than %zu children, "
			    "the rest are not re-linked", mid, max);
			rc = SQLITE_DONE;
			break;
		}
		if (nv == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		v[nv].mid = xstrdup(cm);
		v[nv].post = sqlite3_column_int64(st, 1);
		nv++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_children_free(&v, nv);
		return store_log_error(s, "container children");
	}
	*out = v;
	*n = nv;
	return 0;
}

/* store_children_free - see store_thread.h */
void
store_children_free(struct store_child **cp, size_t n)
{
	if (*cp == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*cp)[i].mid);
	xfree(cp);
}

/* ---- threads ------------------------------------------------------------ */

/* store_thread_add - see store_thread.h */
int
store_thread_add(struct store *s, const char *theme, int64_t session,
    const char *subject, const char *norm_subject, time_t created, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO threads(theme, session, subject, norm_subject, created,"
	    " last_post, posts) VALUES (?1, ?2, ?3, ?4, ?5, ?5, 0)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	store_bind_id(st, 2, session);
	store_bind_text(st, 3, subject);
	store_bind_text(st, 4, norm_subject);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)created);
	if (store_step_done(s, st) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* store_thread_get - see store_thread.h */
int
store_thread_get(struct store *s, int64_t id, struct store_thread *t)
{
	static const char sql[] =
	    "SELECT theme, session, root, created, last_post, posts FROM threads"
	    " WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	memset(t, 0, sizeof(*t));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->id = id;
		t->theme = store_column_dup(st, 0);
		t->session = sqlite3_column_int64(st, 1);
		t->root = sqlite3_column_int64(st, 2);
		t->created = (time_t)sqlite3_column_int64(st, 3);
		t->last_post = (time_t)sqlite3_column_int64(st, 4);
		t->posts = sqlite3_column_int64(st, 5);
		sqlite3_reset(st);
		if (t->theme == NULL)
			t->theme = xstrdup("general");
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "thread");
}

/* store_thread_by_subject - see store_thread.h */
int
store_thread_by_subject(struct store *s, const char *theme,
    const char *norm_subject, time_t since, time_t until, int64_t *id)
{
	static const char sql[] =
	    "SELECT id FROM threads WHERE theme = ?1 AND norm_subject = ?2"
	    " AND last_post >= ?3 AND created <= ?4"
	    " ORDER BY last_post DESC, id DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, norm_subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)until);
	return store_lookup_id(s, st, id, "thread by subject");
}

/* store_thread_subject_later - see store_thread.h */
int
store_thread_subject_later(struct store *s, const char *theme,
    const char *norm_subject, int64_t except, time_t from, time_t to,
    struct store_subject_thread *out, size_t max, size_t *n)
{
	static const char sql[] =
	    "SELECT id, subject, root FROM threads WHERE theme = ?1"
	    " AND norm_subject = ?2 AND id <> ?3 AND created >= ?4 AND created <= ?5"
	    " ORDER BY created, id LIMIT ?6";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, norm_subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, except);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)to);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out[*n].id = sqlite3_column_int64(st, 0);
		out[*n].subject = store_column_dup(st, 1);
		out[*n].root = sqlite3_column_int64(st, 2);
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_subject_threads_free(out, *n);
		*n = 0;
		return store_log_error(s, "threads by subject");
	}
	return 0;
}

/* store_thread_has_subject - see store_thread.h */
int
store_thread_has_subject(struct store *s, int64_t id, const char *norm_subject)
{
	static const char sql[] =
	    "SELECT id FROM threads WHERE id = ?1 AND norm_subject = ?2";
	sqlite3_stmt *st = store_stmt(s, sql);
	int64_t found;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, norm_subject, -1, SQLITE_STATIC);
	return store_lookup_id(s, st, &found, "thread subject");
}

/* store_thread_tops - see store_thread.h */
int
store_thread_tops(struct store *s, int64_t thread, char ***mids, size_t max,
    size_t *n)
{
	static const char sql[] =
	    "SELECT mid FROM containers WHERE thread = ?1 AND parent_mid IS NULL"
	    " LIMIT ?2";
	sqlite3_stmt *st = store_stmt(s, sql);
	char **v;
	int rc;

	*n = 0;
	*mids = NULL;
	if (st == NULL)
		return -1;
	v = xcalloc(max ? max : 1, sizeof(*v));
	sqlite3_bind_int64(st, 1, thread);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		v[(*n)++] = store_column_dup(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_children_free_mids(v, *n);
		*n = 0;
		return store_log_error(s, "thread tops");
	}
	*mids = v;
	return 0;
}

/* store_children_free_mids - see store_thread.h */
void
store_children_free_mids(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* store_thread_published - see store_thread.h */
int
store_thread_published(struct store *s, int64_t id)
{
	static const char sql[] =
	    "SELECT id FROM posts WHERE thread = ?1 AND state = 'accepted' LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql);
	int64_t post;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_lookup_id(s, st, &post, "thread published");
}

/* store_subject_threads_free - see store_thread.h */
void
store_subject_threads_free(struct store_subject_thread *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].subject);
		v[i].subject = NULL;
	}
}

/* store_thread_merge - see store_thread.h */
int
store_thread_merge(struct store *s, int64_t into, int64_t from)
{
	static const char sql_posts[] = "UPDATE posts SET thread = ?1 WHERE thread = ?2";
	static const char sql_cont[] = "UPDATE containers SET thread = ?1 WHERE thread = ?2";
	static const char sql_count[] =
	    "UPDATE threads SET posts = posts + (SELECT posts FROM threads WHERE id = ?2),"
	    " last_post = max(last_post, (SELECT last_post FROM threads WHERE id = ?2)),"
	    " created = min(created, (SELECT created FROM threads WHERE id = ?2))"
	    " WHERE id = ?1";
	static const char sql_del[] = "DELETE FROM threads WHERE id = ?1";
	const char *const sqls[] = { sql_posts, sql_cont, sql_count };
	sqlite3_stmt *st;

	if (into == from)
		return 0;
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		if ((st = store_stmt(s, sqls[i])) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, into);
		sqlite3_bind_int64(st, 2, from);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	if ((st = store_stmt(s, sql_del)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	return store_step_done(s, st);
}

/* store_thread_count_post - see store_thread.h */
int
store_thread_count_post(struct store *s, int64_t id, time_t t)
{
	static const char sql[] =
	    "UPDATE threads SET posts = posts + 1, last_post = max(last_post, ?2)"
	    " WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t);
	return store_step_done(s, st);
}

/* store_thread_set_root - see store_thread.h */
int
store_thread_set_root(struct store *s, int64_t id, int64_t root,
    const char *subject, const char *norm_subject)
{
	static const char sql[] =
	    "UPDATE threads SET root = ?2, subject = ?3, norm_subject = ?4 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_id(st, 2, root);
	store_bind_text(st, 3, subject);
	store_bind_text(st, 4, norm_subject);
	return store_step_done(s, st);
}

/* ---- reading ------------------------------------------------------------ */

/* store_thread_list - see store_thread.h */
int
store_thread_list(struct store *s, const char *theme, int64_t session,
    store_thread_cb *cb, void *arg)
{
	static const char sql[] =
	    "SELECT id, theme, session, subject, posts, created, last_post"
	    " FROM threads WHERE (?1 IS NULL OR theme = ?1)"
	    " AND (?2 IS NULL OR session = ?2) ORDER BY created, id";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct store_thread_row t;
	int rc, r = 0;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, theme);
	store_bind_id(st, 2, session);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(st, 0);
		t.theme = store_column_text(st, 1);
		t.session = sqlite3_column_int64(st, 2);
		t.subject = store_column_text(st, 3);
		t.posts = sqlite3_column_int64(st, 4);
		t.created = (time_t)sqlite3_column_int64(st, 5);
		t.last_post = (time_t)sqlite3_column_int64(st, 6);
		/* The callback may run other statements, never this one. */
		if ((r = cb(arg, &t)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (r != 0)
		return r;
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "thread list");
}

/* One post held in memory while a thread is put in order. */
struct tpost {
	struct store_post_row row;
	char *strs[8];            /* owned copies behind row's strings */
	int64_t sortkey;
	size_t first_child, nchildren; /* into the order array */
};

/* tpost_set - keep a copy of v as p's string i, and point *field at it */
static void
tpost_set(struct tpost *p, int i, const char **field, const char *v)
{
	p->strs[i] = v ? xstrdup(v) : NULL;
	*field = p->strs[i];
}

/* by_parent_then_date - siblings together, each group by date then id */
static int
by_parent_then_date(const void *a, const void *b)
{
	const struct tpost *x = a, *y = b;

	if (x->row.parent != y->row.parent)
		return x->row.parent < y->row.parent ? -1 : 1;
	if (x->sortkey != y->sortkey)
		return x->sortkey < y->sortkey ? -1 : 1;
	return x->row.id < y->row.id ? -1 : x->row.id > y->row.id;
}

/* by_id - order of struct tpost pointers by post id */
static int
by_id(const void *a, const void *b)
{
	const struct tpost *const *x = a, *const *y = b;

	return (*x)->row.id < (*y)->row.id ? -1 : (*x)->row.id > (*y)->row.id;
}

/* find_post - the post with this id in index (sorted by id), or NULL */
static struct tpost *
find_post(struct tpost **index, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (index[mid]->row.id == id)
			return index[mid];
		if (index[mid]->row.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* store_thread_posts - see store_thread.h */
int
store_thread_posts(struct store *s, int64_t thread, store_post_cb *cb, void *arg)
{
	static const char sql[] =
	    "SELECT id, parent, depth, message_id, theme, session, kind, state,"
	    " author_name, author_email, subject, date, received,"
	    " bz_new_text(text, new_text), thread"
	    " FROM posts WHERE thread = ?1 AND state != 'rejected'";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct tpost *v = NULL, **index = NULL;
	size_t *stack = NULL, n = 0, alloc = 0, sp = 0;
	int rc, r = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, thread);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tpost *p;

		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		p = &v[n++];
		memset(p, 0, sizeof(*p));
		p->row.id = sqlite3_column_int64(st, 0);
		p->row.parent = sqlite3_column_int64(st, 1);
		p->row.depth = sqlite3_column_int(st, 2);
		tpost_set(p, 0, &p->row.message_id, store_column_text(st, 3));
		tpost_set(p, 1, &p->row.theme, store_column_text(st, 4));
		p->row.session = sqlite3_column_int64(st, 5);
		tpost_set(p, 2, &p->row.kind, store_column_text(st, 6));
		tpost_set(p, 3, &p->row.state, store_column_text(st, 7));
		tpost_set(p, 4, &p->row.author_name, store_column_text(st, 8));
		tpost_set(p, 5, &p->row.author_email, store_column_text(st, 9));
		tpost_set(p, 6, &p->row.subject, store_column_text(st, 10));
		p->row.date = (time_t)sqlite3_column_int64(st, 11);
		p->row.received = (time_t)sqlite3_column_int64(st, 12);
		tpost_set(p, 7, &p->row.new_text, store_column_text(st, 13));
		p->row.thread = sqlite3_column_int64(st, 14);
		p->sortkey = p->row.date > 0 ? (int64_t)p->row.date : (int64_t)p->row.received;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		r = store_log_error(s, "thread posts");
		goto out;
	}
	if (n == 0)
		goto out;

	/* A parent outside this thread (never expected) makes a root. */
	index = xreallocarray(NULL, n, sizeof(*index));
	for (size_t i = 0; i < n; i++)
		index[i] = &v[i];
	qsort(index, n, sizeof(*index), by_id);
	for (size_t i = 0; i < n; i++)
		if (v[i].row.parent && !find_post(index, n, v[i].row.parent))
			v[i].row.parent = 0;

	/* Sort by (parent, date): the roots (parent 0) come first and every
	 * post's children form one run; then walk depth-first. */
	qsort(v, n, sizeof(*v), by_parent_then_date);
	for (size_t i = 0; i < n; i++)
		index[i] = &v[i];
	qsort(index, n, sizeof(*index), by_id);
	for (size_t i = 0; i < n; i++) {
		if (v[i].row.parent == 0)
			continue;
		struct tpost *par = find_post(index, n, v[i].row.parent);

		if (par->nchildren == 0)
			par->first_child = i;
		par->nchildren++;
	}
	stack = xreallocarray(NULL, n + 1, sizeof(*stack));
	/* Push the roots in reverse so the oldest comes out first. */
	for (size_t i = n; i-- > 0;)
		if (v[i].row.parent == 0)
			stack[sp++] = i;
	while (sp > 0 && r == 0) {
		struct tpost *p = &v[stack[--sp]];

		r = cb(arg, &p->row);
		for (size_t k = p->nchildren; k-- > 0;)
			if (sp < n)
				stack[sp++] = p->first_child + k;
	}
out:
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < 8; k++)
			free(v[i].strs[k]);
	free(v);
	free(index);
	free(stack);
	return r;
}
