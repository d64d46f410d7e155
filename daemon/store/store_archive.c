/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_archive - SQL for the static web archive */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_archive.h"
#include "buf.h"
#include "log.h"
#include "store_int.h"
#include "store_zip.h"
#include "xalloc.h"

/* A thread is titled by its root post only when that post is public; a
 * thread whose root is held or rejected takes the subject and author of
 * its first public post (SPEC §9: never public before publication). */
#define ROOT_PUBLIC \
	"EXISTS (SELECT 1 FROM posts r WHERE r.id = th.root AND r.state = 'accepted')"
#define FIRST_PUBLIC(col) \
	"(SELECT f." col " FROM posts f WHERE f.thread = th.id AND f.state = 'accepted'" \
	" AND f.kind <> 'summary' ORDER BY f.received, f.id LIMIT 1)"
#define THREAD_COLUMNS \
	"SELECT th.id, COALESCE(th.session, 0), th.theme," \
	" CASE WHEN " ROOT_PUBLIC " THEN COALESCE(th.subject, '')" \
	" ELSE COALESCE(" FIRST_PUBLIC("subject") ", '') END," \
	" CASE WHEN " ROOT_PUBLIC \
	" THEN COALESCE((SELECT r.author_name FROM posts r WHERE r.id = th.root), 'former member')" \
	" ELSE COALESCE(" FIRST_PUBLIC("author_name") ", 'former member') END," \
	" count(p.id), min(p.received), max(p.received)" \
	" FROM threads th JOIN posts p ON p.thread = th.id AND p.state = 'accepted'" \
	" AND p.kind <> 'summary'"

/* run_threads - step st, handing each thread row to fn; the number handed
 * over, or -1 */
static int
run_threads(struct store *s, sqlite3_stmt *st,
    int (*fn)(void *arg, const struct archive_thread *t), void *arg)
{
	struct archive_thread t;
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(st, 0);
		t.session = sqlite3_column_int64(st, 1);
		t.theme = store_column_str(st, 2);
		t.subject = store_column_str(st, 3);
		t.starter = store_column_str(st, 4);
		t.posts = (long)sqlite3_column_int64(st, 5);
		t.created = (time_t)sqlite3_column_int64(st, 6);
		t.last_post = (time_t)sqlite3_column_int64(st, 7);
		n++;
		if (fn(arg, &t) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : store_log_error(s, "archive threads");
}

/* store_archive_threads - see store_archive.h */
int
store_archive_threads(struct store *s, const char *theme, int64_t session,
    int (*fn)(void *arg, const struct archive_thread *t), void *arg)
{
	static const char sql[] = THREAD_COLUMNS
	    " WHERE th.theme = ?1 AND COALESCE(th.session, 0) = ?2"
	    " GROUP BY th.id ORDER BY max(p.received) DESC, th.id DESC";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	return run_threads(s, st, fn, arg) < 0 ? -1 : 0;
}

/* The threads of a theme in a session (0: outside the sessions), in the
 * order they were started: the pages of a long session's list. */
#define THREAD_ROWS " FROM threads WHERE theme = ?1 AND COALESCE(session, 0) = ?2"

/* store_archive_threads_page - see store_archive.h */
int
store_archive_threads_page(struct store *s, const char *theme, int64_t session,
    long offset, long limit, int (*fn)(void *arg, const struct archive_thread *t),
    void *arg)
{
	static const char sql[] = THREAD_COLUMNS
	    " WHERE th.id IN (SELECT id" THREAD_ROWS " ORDER BY id LIMIT ?4 OFFSET ?3)"
	    " GROUP BY th.id ORDER BY max(p.received) DESC, th.id DESC";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	sqlite3_bind_int64(st, 3, offset);
	sqlite3_bind_int64(st, 4, limit);
	return run_threads(s, st, fn, arg) < 0 ? -1 : 0;
}

/* store_archive_thread_rows - see store_archive.h */
int
store_archive_thread_rows(struct store *s, const char *theme, int64_t session,
    int64_t below, long *n)
{
	static const char sql[] = "SELECT count(*)" THREAD_ROWS " AND id < ?3";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	sqlite3_bind_int64(st, 3, below > 0 ? below : INT64_MAX);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_log_error(s, "archive thread rows");
}

/* store_archive_has_threads - see store_archive.h */
int
store_archive_has_threads(struct store *s, const char *theme, int64_t session)
{
	static const char sql[] =
	    "SELECT EXISTS (SELECT 1 FROM threads th JOIN posts p ON p.thread = th.id"
	    " AND p.state = 'accepted' AND p.kind <> 'summary'"
	    " WHERE th.theme = ?1 AND COALESCE(th.session, 0) = ?2)";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc, has = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		has = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? has : store_log_error(s, "archive threads");
}

/* The text and new_text columns are the stored forms: run_posts gives
 * them back, decompressing the text once for both (bz_text and
 * bz_new_text in the SQL decompressed it twice per row, 14 % of a build) */
#define POST_COLUMNS \
	" p.id, COALESCE(p.parent, 0), p.thread, p.message_id," \
	" COALESCE(p.author_name, 'former member'), COALESCE(p.subject, ''), p.text," \
	" p.new_text, p.kind, p.theme, p.received"

/* run_posts - step st, handing each post row to fn (its depth from column
 * depth_col, unless negative); 0 or -1 */
static int
run_posts(struct store *s, sqlite3_stmt *st, int depth_col,
    int (*fn)(void *arg, const struct archive_post *p), void *arg)
{
	struct archive_post p;
	struct buf nt;
	int rc;

	if (s->zip == NULL && (s->zip = store_zip_new()) == NULL)
		return log_error("archive posts: out of memory");
	buf_init(&nt, (size_t)1 << 30);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *own = NULL;
		size_t tn;
		const char *t = store_zip_value_text(s->zip, sqlite3_column_value(st, 6),
		    &own, &tn);

		if (t == NULL && sqlite3_column_type(st, 6) != SQLITE_NULL) {
			log_warnx("archive posts: post %lld: a stored text is damaged",
			    (long long)sqlite3_column_int64(st, 0));
			rc = SQLITE_CORRUPT;
			break;
		}
		p.id = sqlite3_column_int64(st, 0);
		p.parent = sqlite3_column_int64(st, 1);
		p.thread = sqlite3_column_int64(st, 2);
		p.message_id = store_column_str(st, 3);
		p.author_name = store_column_str(st, 4);
		p.subject = store_column_str(st, 5);
		p.text = t != NULL ? t : "";
		p.new_text = store_newtext_unpack(t, t != NULL ? tn : 0,
		    store_column_text(st, 7), &nt);
		if (p.new_text == NULL)
			p.new_text = "";
		p.kind = store_column_str(st, 8);
		p.theme = store_column_str(st, 9);
		p.received = (time_t)sqlite3_column_int64(st, 10);
		p.depth = depth_col >= 0 ? sqlite3_column_int(st, depth_col) : 0;
		rc = fn(arg, &p);
		free(own);
		if (rc < 0) {
			sqlite3_reset(st);
			buf_release(&nt);
			return -1;
		}
	}
	buf_release(&nt);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "archive posts");
}

/* A post of a thread page while its order is worked out. */
struct tnode {
	int64_t id, parent;
	int first_child, next_sibling;  /* indexes, -1 for none */
	int depth;
};

/* tnode_by_id - order of struct tnode by post id */
static int
tnode_by_id(const void *a, const void *b)
{
	int64_t x = ((const struct tnode *)a)->id, y = ((const struct tnode *)b)->id;

	return x < y ? -1 : x > y;
}

/* find_node - the index in nodes (sorted by arrival) of post id, through
 * byid (the same ids sorted), or -1 */
static int
find_node(const struct tnode *byid, const int *pos, int n, int64_t id)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (byid[mid].id == id)
			return pos[mid];
		if (byid[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* read_begin - a read transaction unless one is open: 1 when begun.
 * Prepared once (store_stmt), not parsed per thread as sqlite3_exec
 * would. */
static int
read_begin(struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	if (!sqlite3_get_autocommit(s->db) || (st = store_stmt(s, "BEGIN")) == NULL)
		return 0;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

/* read_end - end what read_begin began */
static void
read_end(struct store *s, int began)
{
	sqlite3_stmt *st;

	if (!began)
		return;
	if ((st = store_stmt(s, "COMMIT")) != NULL) {
		int rc = sqlite3_step(st);

		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return;
	}
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

#define THREAD_DEPTH_MAX 200    /* deeper replies are not shown */

/* store_archive_posts - see store_archive.h */
int
store_archive_posts(struct store *s, int64_t thread,
    int (*fn)(void *arg, const struct archive_post *p), void *arg)
{
	/* Thread order is a pre-order walk: roots and the replies to each
	 * post by (arrival, id); a post whose parent is not shown (held,
	 * rejected, another thread) starts a branch of its own; replies
	 * deeper than THREAD_DEPTH_MAX, and posts whose parents form a
	 * cycle, are left out.  The walk is done here over one indexed
	 * query of (id, parent): a recursive CTE per thread, ordered by a
	 * path string, made SQLite build and drop several ephemeral tables
	 * for every thread (half the SQL of a first archive build).  Both
	 * queries run in one read transaction. */
	static const char ids_sql[] =
	    "SELECT p.id, COALESCE(p.parent, 0) FROM posts p"
	    " WHERE p.thread = ?1 AND p.state = 'accepted'"
	    " ORDER BY p.received, p.id";
	static const char post_sql[] =
	    "SELECT" POST_COLUMNS ", ?2 FROM posts p WHERE p.id = ?1";
	sqlite3_stmt *st = store_stmt(s, ids_sql), *pst;
	struct tnode *nodes = NULL, *byid = NULL;
	int *pos = NULL, *last = NULL, *stack = NULL;
	int n = 0, cap = 0, rc, ret = 0, root = -1, lastroot = -1, began;

	if (st == NULL)
		return -1;
	began = read_begin(s);
	sqlite3_bind_int64(st, 1, thread);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nodes = xreallocarray(nodes, (size_t)cap, sizeof(*nodes));
		}
		nodes[n].id = sqlite3_column_int64(st, 0);
		nodes[n].parent = sqlite3_column_int64(st, 1);
		nodes[n].first_child = nodes[n].next_sibling = -1;
		nodes[n].depth = -1;
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ret = store_log_error(s, "archive posts");
		goto out;
	}
	if (n == 0)
		goto out;
	/* children lists in arrival order: walk the posts in arrival order
	 * and append each to its parent's list (last[] is a list's tail) */
	byid = xreallocarray(NULL, (size_t)n, sizeof(*byid));
	pos = xreallocarray(NULL, (size_t)n, sizeof(*pos));
	last = xreallocarray(NULL, (size_t)n, sizeof(*last));
	stack = xreallocarray(NULL, (size_t)n, sizeof(*stack));
	for (int i = 0; i < n; i++) {
		byid[i] = nodes[i];
		byid[i].first_child = i;        /* where it is in nodes */
		last[i] = -1;
	}
	qsort(byid, (size_t)n, sizeof(*byid), tnode_by_id);
	for (int i = 0; i < n; i++)
		pos[i] = byid[i].first_child;
	for (int i = 0; i < n; i++) {
		int par = nodes[i].parent ? find_node(byid, pos, n, nodes[i].parent) : -1;

		if (par < 0) {                  /* a root */
			if (lastroot < 0)
				root = i;
			else
				nodes[lastroot].next_sibling = i;
			lastroot = i;
		} else {
			if (last[par] < 0)
				nodes[par].first_child = i;
			else
				nodes[last[par]].next_sibling = i;
			last[par] = i;
		}
	}
	if ((pst = store_stmt(s, post_sql)) == NULL) {
		ret = -1;
		goto out;
	}
	/* pre-order, depth first; each post's row is read when its turn
	 * comes, so only ids are held */
	for (int r = root; r >= 0 && ret == 0; r = nodes[r].next_sibling) {
		int sp = 0;

		nodes[r].depth = 0;
		stack[sp++] = r;
		while (sp > 0 && ret == 0) {
			int i = stack[--sp], kids = 0;

			sqlite3_bind_int64(pst, 1, nodes[i].id);
			sqlite3_bind_int(pst, 2, nodes[i].depth);
			if (run_posts(s, pst, 11, fn, arg) < 0) {
				ret = -1;
				break;
			}
			if (nodes[i].depth >= THREAD_DEPTH_MAX)
				continue;
			/* push the replies last first, so the first pops first */
			for (int c = nodes[i].first_child; c >= 0; c = nodes[c].next_sibling)
				kids++;
			sp += kids;
			for (int c = nodes[i].first_child, k = 1; c >= 0;
			    c = nodes[c].next_sibling, k++) {
				nodes[c].depth = nodes[i].depth + 1;
				stack[sp - k] = c;
			}
		}
	}
out:
	read_end(s, began);
	free(nodes);
	free(byid);
	free(pos);
	free(last);
	free(stack);
	return ret;
}

/* store_archive_recent - see store_archive.h */
int
store_archive_recent(struct store *s, const char *theme, int limit,
    int (*fn)(void *arg, const struct archive_post *p), void *arg)
{
	static const char sql[] =
	    "SELECT" POST_COLUMNS " FROM posts p WHERE p.state = 'accepted'"
	    " AND (?1 IS NULL OR p.theme = ?1) ORDER BY p.received DESC, p.id DESC LIMIT ?2";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	if (theme)
		sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int(st, 2, limit);
	return run_posts(s, st, -1, fn, arg);
}

/* store_archive_search_all - see store_archive.h.  The oldest post kept
 * first (a small sort of two columns), then the rows in the order of
 * posts_received: sorting whole rows (texts included) held every post in
 * memory (917 MB at 100 000 posts, temp_store = MEMORY). */
int
store_archive_search_all(struct store *s, int limit,
    int (*fn)(void *arg, const struct archive_post *p), void *arg)
{
	static const char sql_from[] =
	    "SELECT received, id FROM posts WHERE state = 'accepted'"
	    " ORDER BY received DESC, id DESC LIMIT 1 OFFSET ?1";
	static const char sql[] =
	    "SELECT" POST_COLUMNS " FROM posts p WHERE p.state = 'accepted'"
	    " AND p.received >= ?1 AND (p.received > ?1 OR p.id >= ?2)"
	    " ORDER BY p.received, p.id";
	sqlite3_stmt *st = store_stmt(s, sql_from);
	sqlite3_int64 from = -(1LL << 62), from_id = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, limit > 0 ? limit - 1 : 0);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		from = sqlite3_column_int64(st, 0);
		from_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_log_error(s, "archive search");
	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, from_id);
	return run_posts(s, st, -1, fn, arg);
}

/* store_archive_attachments - see store_archive.h */
int
store_archive_attachments(struct store *s, int64_t post,
    int (*fn)(void *arg, const struct archive_attachment *a), void *arg)
{
	static const char sql[] =
	    "SELECT COALESCE(name, ''), COALESCE(type, 'application/octet-stream'), bytes"
	    " FROM attachments WHERE post = ?1 ORDER BY rowid";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct archive_attachment a;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, post);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.name = store_column_str(st, 0);
		a.type = store_column_str(st, 1);
		a.bytes = sqlite3_column_int64(st, 2);
		if (fn(arg, &a) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "attachments");
}

#define RAWS_AFTER "(p.received > ?3 OR (p.received = ?3 AND p.id > ?4))"

/* store_archive_raws_after - see store_archive.h */
int
store_archive_raws_after(struct store *s, const char *theme, int64_t session,
    time_t received, int64_t id,
    int (*fn)(void *arg, const char *raw, size_t len, time_t received, int64_t id),
    void *arg)
{
	static const char sql[] =
	    "SELECT bz_raw(m.raw), p.received, p.id FROM posts p JOIN messages m ON m.id = p.message"
	    " WHERE p.state = 'accepted' AND p.theme = ?1 AND COALESCE(p.session, 0) = ?2"
	    " AND " RAWS_AFTER " ORDER BY p.received, p.id";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)received);
	sqlite3_bind_int64(st, 4, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *raw = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		if (fn(arg, raw ? raw : "", (size_t)n,
		    (time_t)sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2)) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "archive raws");
}

/* store_archive_gen - see store_archive.h */
int
store_archive_gen(struct store *s, int64_t *gen, int64_t *maxid)
{
	static const char sql[] =
	    "SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'archive_gen'),"
	    " (SELECT COALESCE(max(id), 0) FROM posts)";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	*gen = -1;
	*maxid = 0;
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			*gen = sqlite3_column_int64(st, 0);
		*maxid = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_log_error(s, "archive generation");
}

/* store_archive_raws_new - see store_archive.h */
int
store_archive_raws_new(struct store *s, const char *theme, int64_t session,
    int64_t above, int64_t upto, time_t received, int64_t id,
    int (*fn)(void *arg, const char *raw, size_t len, time_t received, int64_t id),
    void *arg)
{
	/* the new posts through the primary key, whatever the session holds */
	static const char sql[] =
	    "SELECT bz_raw(m.raw), p.received, p.id FROM posts p JOIN messages m ON m.id = p.message"
	    " WHERE p.id > ?3 AND p.id <= ?4 AND p.state = 'accepted' AND p.theme = ?1"
	    " AND COALESCE(p.session, 0) = ?2 ORDER BY p.received, p.id";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc, first = 1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	sqlite3_bind_int64(st, 3, above);
	sqlite3_bind_int64(st, 4, upto);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *raw = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		time_t r = (time_t)sqlite3_column_int64(st, 1);
		int64_t pid = sqlite3_column_int64(st, 2);

		/* sorted: only the first can sort before the file's end */
		if (first && (r < received || (r == received && pid <= id))) {
			sqlite3_reset(st);
			return 1;
		}
		first = 0;
		if (fn(arg, raw ? raw : "", (size_t)n, r, pid) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "archive raws");
}

/* store_archive_raws_split - see store_archive.h */
int
store_archive_raws_split(struct store *s, const char *theme, int64_t session,
    time_t received, int64_t id, int64_t *upto, int64_t *sum, int64_t *after)
{
	static const char sql[] =
	    "SELECT total(NOT " RAWS_AFTER "), total(CASE WHEN NOT " RAWS_AFTER
	    " THEN p.id END), total(" RAWS_AFTER ") FROM posts p"
	    " WHERE p.state = 'accepted' AND p.theme = ?1 AND COALESCE(p.session, 0) = ?2";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, theme, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)received);
	sqlite3_bind_int64(st, 4, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*upto = (int64_t)sqlite3_column_double(st, 0);
		*sum = (int64_t)sqlite3_column_double(st, 1);
		*after = (int64_t)sqlite3_column_double(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_log_error(s, "archive raws split");
}

/* store_archive_changed - see store_archive.h */
int
store_archive_changed(struct store *s, time_t since,
    int (*fn)(void *arg, int64_t thread, const char *theme, int64_t session),
    void *arg)
{
	static const char sql[] =
	    "SELECT DISTINCT p.thread, p.theme, COALESCE(th.session, 0)"
	    " FROM posts p JOIN threads th ON th.id = p.thread"
	    " WHERE p.received >= ?1 ORDER BY p.thread";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, sqlite3_column_int64(st, 0), store_column_str(st, 1),
		    sqlite3_column_int64(st, 2)) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "archive changes");
}

/* store_archive_counts - see store_archive.h */
int
store_archive_counts(struct store *s, int64_t session, long *posts, long *voices)
{
	static const char sql[] =
	    "SELECT count(*), count(DISTINCT lower(COALESCE(author_email, 'former')))"
	    " FROM posts WHERE session = ?1 AND state = 'accepted' AND kind <> 'summary'";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session);
	rc = sqlite3_step(st);
	*posts = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	*voices = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_log_error(s, "archive counts");
}

#define SEARCH_AFTER "(p.received > ?1 OR (p.received = ?1 AND p.id > ?2))"

/* store_archive_search_after - see store_archive.h */
int
store_archive_search_after(struct store *s, time_t received, int64_t id,
    int (*fn)(void *arg, const struct archive_post *p), void *arg)
{
	static const char sql[] =
	    "SELECT" POST_COLUMNS " FROM posts p WHERE p.state = 'accepted'"
	    " AND " SEARCH_AFTER " ORDER BY p.received, p.id";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)received);
	sqlite3_bind_int64(st, 2, id);
	return run_posts(s, st, -1, fn, arg);
}

/* store_archive_search_new - see store_archive.h */
int
store_archive_search_new(struct store *s, time_t received, int64_t id, int64_t above,
    int64_t upto, int64_t *after, int64_t *newids)
{
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM posts p WHERE p.state = 'accepted' AND " SEARCH_AFTER "),"
	    " (SELECT count(*) FROM posts p WHERE p.id > ?3 AND p.id <= ?4"
	    " AND p.state = 'accepted')";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)received);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, above);
	sqlite3_bind_int64(st, 4, upto);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*after = sqlite3_column_int64(st, 0);
		*newids = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_log_error(s, "archive search new");
}

/* store_archive_search_split - see store_archive.h */
int
store_archive_search_split(struct store *s, time_t received, int64_t id,
    int64_t sig[ARCHIVE_SEARCH_SIG], int64_t *after)
{
	/* Subjects, texts and themes are never changed; a forgotten author
	 * loses author and address.  One pass over the rows (their first
	 * columns only), and the few newer ones through posts_received. */
	static const char sql[] =
	    "SELECT count(*), total(p.id), total(p.thread), count(p.author_email),"
	    " count(p.author) FROM posts p WHERE p.state = 'accepted' AND NOT " SEARCH_AFTER;
	static const char sql_after[] =
	    "SELECT count(*) FROM posts p WHERE p.state = 'accepted' AND " SEARCH_AFTER;
	sqlite3_stmt *st = store_stmt(s, sql), *sa = store_stmt(s, sql_after);
	int rc;

	if (st == NULL || sa == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)received);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (int i = 0; i < ARCHIVE_SEARCH_SIG; i++)
			sig[i] = (int64_t)sqlite3_column_double(st, i);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_log_error(s, "archive search split");
	sqlite3_bind_int64(sa, 1, (sqlite3_int64)received);
	sqlite3_bind_int64(sa, 2, id);
	rc = sqlite3_step(sa);
	if (rc == SQLITE_ROW)
		*after = sqlite3_column_int64(sa, 0);
	sqlite3_reset(sa);
	return rc == SQLITE_ROW ? 0 : store_log_error(s, "archive search split");
}

/* store_archive_search_range - see store_archive.h */
int
store_archive_search_range(struct store *s, time_t from, int64_t from_id, time_t to,
    int64_t to_id, int64_t sig[ARCHIVE_SEARCH_SIG])
{
	static const char sql[] =
	    "SELECT count(*), total(p.id), total(p.thread), count(p.author_email),"
	    " count(p.author) FROM posts p WHERE p.state = 'accepted'"
	    " AND (p.received > ?3 OR (p.received = ?3 AND p.id > ?4)) AND NOT " SEARCH_AFTER;
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)to);
	sqlite3_bind_int64(st, 2, to_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 4, from_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (int i = 0; i < ARCHIVE_SEARCH_SIG; i++)
			sig[i] = (int64_t)sqlite3_column_double(st, i);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_log_error(s, "archive search range");
}

/* store_archive_snapshot - see store_archive.h */
int
store_archive_snapshot(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	return sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 1 : 0;
}

/* store_archive_snapshot_end - see store_archive.h */
void
store_archive_snapshot_end(struct store *s, int began)
{
	if (began && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}
