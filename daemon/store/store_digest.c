/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_digest - SQL for digests, figures, summary kits and the report */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "store_digest.h"
#include "store_int.h"
#include "xalloc.h"

/* The scope of a query, always bound as ?1 session, ?2 start, ?3 end, ?4 theme. */
#define SCOPE \
	" p.state = 'accepted' AND p.kind <> 'summary'" \
	" AND (?1 = 0 OR p.session = ?1)" \
	" AND (?3 = 0 OR (p.received >= ?2 AND p.received < ?3))" \
	" AND (?4 IS NULL OR p.theme = ?4) "
/* SCOPE for a scope with a session: the same rows, but "p.session = ?1"
 * alone lets SQLite use posts_session, where "(?1 = 0 OR ...)" makes it
 * read every post (text included) - the figures of a session page ran
 * eight such scans per archive refresh. */
#define SCOPE_SESSION \
	" p.session = ?1 AND p.state = 'accepted' AND p.kind <> 'summary'" \
	" AND (?3 = 0 OR (p.received >= ?2 AND p.received < ?3))" \
	" AND (?4 IS NULL OR p.theme = ?4) "

/* bind_scope - bind a digest scope as ?1 session, ?2 start, ?3 end, ?4
 * theme */
static void
bind_scope(sqlite3_stmt *st, const struct digest_scope *sc)
{
	sqlite3_bind_int64(st, 1, sc->session);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sc->start);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)sc->end);
	if (sc->theme)
		sqlite3_bind_text(st, 4, sc->theme, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
}

/* A thread's subject is its root post's: shown only when that post is
 * public (a held or rejected root never names a thread, SPEC §9); the
 * digest then shows the post's own subject. */
#define ROOT_PUBLIC \
	"EXISTS (SELECT 1 FROM posts r WHERE r.id = th.root AND r.state = 'accepted')"
#define POST_COLUMNS \
	"SELECT p.id, p.thread, COALESCE(p.parent, 0), COALESCE(p.session, 0)," \
	" p.theme, COALESCE(t.title, p.theme), COALESCE(p.author_name, 'former member')," \
	" COALESCE(p.subject, ''), CASE WHEN " ROOT_PUBLIC " THEN COALESCE(th.subject, '')" \
	" ELSE '' END, bz_new_text(p.text, p.new_text), p.kind," \
	" p.received, p.depth," \
	" (SELECT count(*) FROM posts c WHERE c.parent = p.id AND c.state = 'accepted')," \
	" EXISTS (SELECT 1 FROM posts r WHERE r.thread = p.thread AND r.kind = 'summary')" \
	" FROM posts p JOIN threads th ON th.id = p.thread" \
	" LEFT JOIN themes t ON t.slug = p.theme"

/* read_post - the row of POST_COLUMNS at st into *p (strings valid until
 * the next step) */
static void
read_post(sqlite3_stmt *st, struct digest_post *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->thread = sqlite3_column_int64(st, 1);
	p->parent = sqlite3_column_int64(st, 2);
	p->session = sqlite3_column_int64(st, 3);
	p->theme = store_column_str(st, 4);
	p->theme_title = store_column_str(st, 5);
	p->author_name = store_column_str(st, 6);
	p->subject = store_column_str(st, 7);
	p->thread_subject = store_column_str(st, 8);
	p->new_text = store_column_str(st, 9);
	p->kind = store_column_str(st, 10);
	p->received = (time_t)sqlite3_column_int64(st, 11);
	p->depth = sqlite3_column_int(st, 12);
	p->replies = sqlite3_column_int(st, 13);
	p->on_summary = sqlite3_column_int(st, 14);
}

/* run_posts - step a post query and feed the callback */
static int
run_posts(struct store *s, sqlite3_stmt *st,
    int (*fn)(void *arg, const struct digest_post *p), void *arg)
{
	struct digest_post p;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_post(st, &p);
		if (fn(arg, &p) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "digest posts");
}

/* store_digest_posts - see store_digest.h */
int
store_digest_posts(struct store *s, const struct digest_scope *sc,
    int (*fn)(void *arg, const struct digest_post *p), void *arg)
{
	static const char sql[] = POST_COLUMNS " WHERE" SCOPE
	    " ORDER BY COALESCE(t.position, 1000000), p.theme, p.session IS NULL, p.session,"
	    " th.created, p.thread, p.received, p.id";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	bind_scope(st, sc);
	return run_posts(s, st, fn, arg);
}

/* store_digest_questions - see store_digest.h */
int
store_digest_questions(struct store *s, const struct digest_scope *sc,
    int (*fn)(void *arg, const struct digest_post *p), void *arg)
{
	static const char sql[] = POST_COLUMNS " WHERE" SCOPE
	    " AND p.kind = 'question' AND NOT EXISTS"
	    " (SELECT 1 FROM posts c WHERE c.parent = p.id AND c.state = 'accepted')"
	    " ORDER BY p.received, p.id";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	bind_scope(st, sc);
	return run_posts(s, st, fn, arg);
}

/* store_digest_links - see store_digest.h */
int
store_digest_links(struct store *s, const struct digest_scope *sc,
    int (*fn)(void *arg, const struct digest_link *l), void *arg)
{
	static const char sql[] =
	    "SELECT l.url, COALESCE(p.author_name, 'former member'),"
	    " COALESCE(p.subject, ''), p.theme, p.id"
	    " FROM links l JOIN posts p ON p.id = l.post WHERE" SCOPE
	    " ORDER BY p.received, p.id, l.rowid";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct digest_link l;
	int rc;

	if (st == NULL)
		return -1;
	bind_scope(st, sc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		l.url = store_column_str(st, 0);
		l.author_name = store_column_str(st, 1);
		l.subject = store_column_str(st, 2);
		l.theme = store_column_str(st, 3);
		l.post = sqlite3_column_int64(st, 4);
		if (fn(arg, &l) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "digest links");
}

/* store_digest_top_threads - see store_digest.h */
int
store_digest_top_threads(struct store *s, const struct digest_scope *sc,
    int limit, int (*fn)(void *arg, const struct digest_thread *t), void *arg)
{
	static const char sql[] =
	    "SELECT p.thread, CASE WHEN " ROOT_PUBLIC " THEN COALESCE(th.subject, '')"
	    " ELSE COALESCE(min(p.subject), '') END,"
	    " CASE WHEN " ROOT_PUBLIC
	    " THEN COALESCE((SELECT r.author_name FROM posts r WHERE r.id = th.root), '')"
	    " ELSE '' END,"
	    " count(*), max(p.received)"
	    " FROM posts p JOIN threads th ON th.id = p.thread WHERE" SCOPE
	    " GROUP BY p.thread ORDER BY count(*) DESC, max(p.received) DESC LIMIT ?5";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct digest_thread t;
	int rc;

	if (st == NULL)
		return -1;
	bind_scope(st, sc);
	sqlite3_bind_int(st, 5, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(st, 0);
		t.subject = store_column_str(st, 1);
		t.starter = store_column_str(st, 2);
		t.posts = (long)sqlite3_column_int64(st, 3);
		t.last_post = (time_t)sqlite3_column_int64(st, 4);
		if (fn(arg, &t) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "top threads");
}

#define SESSION_COLUMNS \
	"SELECT s.id, s.theme, COALESCE(t.title, s.theme), s.state, s.opens, s.closes," \
	" COALESCE(s.summary, 0), bz_new_text(sp.text, sp.new_text)," \
	" COALESCE(sp.author_name, 'former member')," \
	" COALESCE(sp.received, 0)" \
	" FROM sessions s LEFT JOIN themes t ON t.slug = s.theme" \
	" LEFT JOIN posts sp ON sp.id = s.summary"

/* run_sessions - step st, handing each session row to fn; 0, fn's -1, or
 * -1 logged */
static int
run_sessions(struct store *s, sqlite3_stmt *st,
    int (*fn)(void *arg, const struct digest_session *d), void *arg)
{
	struct digest_session d;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		d.id = sqlite3_column_int64(st, 0);
		d.theme = store_column_str(st, 1);
		d.theme_title = store_column_str(st, 2);
		d.state = store_column_str(st, 3);
		d.opens = (time_t)sqlite3_column_int64(st, 4);
		d.closes = (time_t)sqlite3_column_int64(st, 5);
		d.summary_post = sqlite3_column_int64(st, 6);
		d.summary_text = sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL :
		    store_column_str(st, 7);
		d.summary_author = store_column_str(st, 8);
		d.summary_received = (time_t)sqlite3_column_int64(st, 9);
		if (fn(arg, &d) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "digest sessions");
}

/* store_digest_summaries - see store_digest.h */
int
store_digest_summaries(struct store *s, time_t start, time_t end,
    int (*fn)(void *arg, const struct digest_session *d), void *arg)
{
	static const char sql[] = SESSION_COLUMNS
	    " WHERE s.summary IS NOT NULL AND sp.received >= ?1 AND sp.received < ?2"
	    " ORDER BY COALESCE(t.position, 1000000), s.opens";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)start);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)end);
	return run_sessions(s, st, fn, arg);
}

/* store_digest_sessions - see store_digest.h */
int
store_digest_sessions(struct store *s, time_t after,
    int (*fn)(void *arg, const struct digest_session *d), void *arg)
{
	static const char sql[] = SESSION_COLUMNS
	    " WHERE (?1 = 0 OR s.closes > ?1)"
	    " ORDER BY s.opens, COALESCE(t.position, 1000000), s.id";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
	return run_sessions(s, st, fn, arg);
}

/* one_int - run a scoped single-value query */
static int
one_int(struct store *s, const char *sql, const struct digest_scope *sc, long *out)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	bind_scope(st, sc);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_log_error(s, "figures");
}

/* Voices while the figures are added up: the rows of q_voices come
 * grouped by voice (lower-cased address, or "former member"), so one
 * voice's rows are consecutive. */
struct fig_acc {
	struct figures *f;
	size_t alloc;               /* of f->regions */
	long top[3];                /* the three largest voices' posts */
	long replies;
	char *voice;                /* the current voice (owned) */
	long vposts;                /* its posts */
	int64_t first;              /* its first post with an address, or 0 */
	char *first_email;          /* that post's address (owned) */
	size_t *vregions;           /* regions the current voice was counted in */
	size_t nvregions, avregions;
};

/* fig_region - the index of region in f->regions, added when new */
static size_t
fig_region(struct fig_acc *a, const char *region)
{
	struct figures *f = a->f;
	size_t i;

	for (i = 0; i < f->nregions; i++)
		if (strcmp(f->regions[i].region, region) == 0)
			return i;
	if (f->nregions == a->alloc) {
		a->alloc = a->alloc ? a->alloc * 2 : 8;
		f->regions = xreallocarray(f->regions, a->alloc, sizeof(*f->regions));
	}
	f->regions[i].region = xstrdup(region);
	f->regions[i].posts = 0;
	f->regions[i].voices = 0;
	f->nregions++;
	return i;
}

/* fig_voice_end - the current voice is complete: top three, new voice */
static int
fig_voice_end(struct store *s, struct fig_acc *a)
{
	/* new: no accepted non-summary post with a smaller id under its
	 * address (posts_author_email_received; NOCASE folds ASCII as lower()) */
	static const char sql_new[] =
	    "SELECT NOT EXISTS (SELECT 1 FROM posts q WHERE q.author_email = ?1"
	    " COLLATE NOCASE AND q.id < ?2 AND q.state = 'accepted' AND q.kind <> 'summary')";
	sqlite3_stmt *st;
	int rc;

	if (a->voice == NULL)
		return 0;
	for (int k = 0; k < 3; k++)
		if (a->vposts > a->top[k]) {
			for (int j = 2; j > k; j--)
				a->top[j] = a->top[j - 1];
			a->top[k] = a->vposts;
			break;
		}
	if (a->first_email != NULL) {
		if ((st = store_stmt(s, sql_new)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, a->first_email, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, a->first);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_int(st, 0))
			a->f->new_voices++;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return store_log_error(s, "figures: new voices");
	}
	free(a->voice);
	free(a->first_email);
	a->voice = a->first_email = NULL;
	a->vposts = 0;
	a->first = 0;
	a->nvregions = 0;
	return 0;
}

/* fig_row - one (voice, author) group of q_voices */
static int
fig_row(struct store *s, struct fig_acc *a, sqlite3_stmt *st)
{
	const char *voice = store_column_str(st, 0), *email;
	const char *region = store_column_str(st, 1);
	long n = (long)sqlite3_column_int64(st, 2);
	int64_t first = sqlite3_column_int64(st, 4);
	size_t r, i;

	if (a->voice == NULL || strcmp(a->voice, voice) != 0) {
		if (fig_voice_end(s, a) < 0)
			return -1;
		a->voice = xstrdup(voice);
		a->f->voices++;
	}
	a->f->posts += n;
	a->vposts += n;
	a->replies += (long)sqlite3_column_int64(st, 3);
	email = (const char *)sqlite3_column_text(st, 5);
	if (email != NULL && (a->first == 0 || first < a->first)) {
		a->first = first;
		free(a->first_email);
		a->first_email = xstrdup(email);
	}
	r = fig_region(a, region);
	a->f->regions[r].posts += n;
	for (i = 0; i < a->nvregions && a->vregions[i] != r; i++)
		;
	if (i == a->nvregions) {
		if (a->nvregions == a->avregions) {
			a->avregions = a->avregions ? a->avregions * 2 : 4;
			a->vregions = xreallocarray(a->vregions, a->avregions, sizeof(size_t));
		}
		a->vregions[a->nvregions++] = r;
		a->f->regions[r].voices++;
	}
	return 0;
}

/* region_order - posts descending, then the name */
static int
region_order(const void *x, const void *y)
{
	const struct figures_region *a = x, *b = y;

	if (a->posts != b->posts)
		return a->posts > b->posts ? -1 : 1;
	return strcmp(a->region, b->region);
}

/* store_figures - see store_digest.h.  One pass over the scope's posts
 * grouped by voice and author gives posts, voices, replies, the three
 * most active voices, the regions and each voice's first post (for new
 * voices); threads and unanswered questions are two more.  At 100 000
 * posts in a session this is a third of the eight queries it replaces. */
int
store_figures(struct store *s, const struct digest_scope *sc, struct figures *f)
{
	/* [0]: any scope, [1]: a session's (SCOPE_SESSION) */
#define FIGURE_QUERY(name, head, tail) \
	static const char *const name[2] = { head SCOPE tail, head SCOPE_SESSION tail }
	FIGURE_QUERY(q_threads, "SELECT count(DISTINCT p.thread) FROM posts p WHERE", "");
	FIGURE_QUERY(q_unanswered, "SELECT count(*) FROM posts p WHERE",
	    " AND p.kind = 'question' AND NOT EXISTS (SELECT 1 FROM posts c"
	    " WHERE c.parent = p.id AND c.state = 'accepted')");
	/* per voice and author: the region (the member's, once per group),
	 * posts, replies, and the first post with an address and that
	 * address (a bare column beside min() comes from min()'s row) */
	FIGURE_QUERY(q_voices,
	    "SELECT lower(COALESCE(p.author_email, 'former member')) AS v,"
	    " COALESCE((SELECT NULLIF(m.region, '') FROM members m WHERE m.id = p.author),"
	    " 'unknown'), count(*), count(p.parent),"
	    " min(CASE WHEN p.author_email IS NOT NULL THEN p.id END), p.author_email"
	    " FROM posts p WHERE",
	    " GROUP BY v, p.author ORDER BY v");
#undef FIGURE_QUERY
	const int v = sc->session != 0;
	struct fig_acc a;
	sqlite3_stmt *st;
	int rc;

	memset(f, 0, sizeof(*f));
	memset(&a, 0, sizeof(a));
	a.f = f;
	if (one_int(s, q_threads[v], sc, &f->threads) < 0 ||
	    one_int(s, q_unanswered[v], sc, &f->unanswered) < 0)
		return -1;
	if ((st = store_stmt(s, q_voices[v])) == NULL)
		return -1;
	bind_scope(st, sc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fig_row(s, &a, st) < 0)
			break;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE && fig_voice_end(s, &a) < 0)
		rc = SQLITE_ERROR;
	free(a.voice);
	free(a.first_email);
	free(a.vregions);
	if (rc != SQLITE_DONE) {
		figures_release(f);
		return rc == SQLITE_ROW ? -1 : store_log_error(s, "figures");
	}
	f->replies_per_thread = f->threads ? (double)a.replies / (double)f->threads : 0;
	f->top3_share = f->posts ? (double)(a.top[0] + a.top[1] + a.top[2]) /
	    (double)f->posts : 0;
	if (f->nregions > 1)   /* qsort(NULL, 0, ...) is undefined (UBSan) */
		qsort(f->regions, f->nregions, sizeof(*f->regions), region_order);
	while (f->nregions > 50)
		free(f->regions[--f->nregions].region);
	return 0;
}

/* figures_release - see store_digest.h */
void
figures_release(struct figures *f)
{
	for (size_t i = 0; i < f->nregions; i++)
		free(f->regions[i].region);
	free(f->regions);
	f->regions = NULL;
	f->nregions = 0;
}

#define MEMBER_COLUMNS \
	"SELECT m.id, m.email, COALESCE(m.name, ''), COALESCE(m.language, '')," \
	" COALESCE(m.unsub_token, ''), m.all_themes," \
	" (SELECT group_concat(theme, ' ') FROM" \
	"  (SELECT theme FROM member_themes WHERE member = m.id ORDER BY theme))" \
	" FROM members m"

/* read_member - the row of MEMBER_COLUMNS at st into *m (strings valid
 * until the next step) */
static void
read_member(sqlite3_stmt *st, struct digest_member *m)
{
	m->id = sqlite3_column_int64(st, 0);
	m->email = store_column_str(st, 1);
	m->name = store_column_str(st, 2);
	m->language = store_column_str(st, 3);
	m->unsub_token = store_column_str(st, 4);
	m->all_themes = sqlite3_column_int(st, 5);
	m->themes = store_column_str(st, 6);
}

/* Paged by id so the member table is never held in memory, and rows that
 * the callback marks as sent drop out of later pages. */
/* store_digest_members - see store_digest.h */
int
store_digest_members(struct store *s, int64_t number,
    int (*fn)(void *arg, const struct digest_member *m), void *arg)
{
	static const char sql[] = MEMBER_COLUMNS
	    " WHERE m.status = 'active' AND m.delivery = 'digest' AND m.id > ?2"
	    " AND NOT EXISTS (SELECT 1 FROM digest_sent d WHERE d.digest = ?1"
	    " AND d.member = m.id) ORDER BY m.id LIMIT 256";
	int64_t last = 0;

	for (;;) {
		sqlite3_stmt *st = store_stmt(s, sql);
		struct digest_member m;
		int rc, rows = 0;

		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, number);
		sqlite3_bind_int64(st, 2, last);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			read_member(st, &m);
			last = m.id;
			rows++;
			if (fn(arg, &m) < 0) {
				sqlite3_reset(st);
				return -1;
			}
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_log_error(s, "digest members");
		if (rows < 256)
			return 0;
	}
}

/* store_digest_member - see store_digest.h */
int
store_digest_member(struct store *s, const char *email,
    int (*fn)(void *arg, const struct digest_member *m), void *arg)
{
	static const char sql[] = MEMBER_COLUMNS " WHERE m.email = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);
	struct digest_member m;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_member(st, &m);
		rc = fn(arg, &m);
		sqlite3_reset(st);
		return rc < 0 ? -1 : 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_log_error(s, "digest member");
}

/* store_digest_has_content - see store_digest.h */
int
store_digest_has_content(struct store *s, time_t start, time_t end)
{
	static const char sql[] =
	    "SELECT EXISTS (SELECT 1 FROM posts WHERE state = 'accepted'"
	    " AND received >= ?1 AND received < ?2)";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc, v = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)start);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)end);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? v : store_log_error(s, "digest content");
}

/* store_digest_begin - see store_digest.h */
int
store_digest_begin(struct store *s, long number, time_t start, time_t end)
{
	static const char sql[] =
	    "INSERT INTO digests(number, period_start, period_end) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT(number) DO NOTHING";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)start);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)end);
	return store_step_done(s, st);
}

/* store_digest_last_built - see store_digest.h */
long
store_digest_last_built(struct store *s)
{
	static const char sql[] =
	    "SELECT COALESCE(max(number), 0) FROM digests WHERE built IS NOT NULL";
	sqlite3_stmt *st = store_stmt(s, sql);
	long n = 0;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* store_digest_mark_built - see store_digest.h */
int
store_digest_mark_built(struct store *s, long number, time_t when)
{
	static const char sql[] = "UPDATE digests SET built = ?2 WHERE number = ?1";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)when);
	return store_step_done(s, st);
}

/* store_digest_queue - see store_digest.h */
int64_t
store_digest_queue(struct store *s, const char *body, size_t len)
{
	static const char sql[] =
	    "INSERT INTO outbox(kind, created, body) VALUES ('digest', ?2, ?1)";
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)clock_now());
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

/* store_digest_add_rcpt - see store_digest.h */
int
store_digest_add_rcpt(struct store *s, long number, int64_t outbox,
    int64_t member, const char *address)
{
	static const char sent[] =
	    "INSERT INTO digest_sent(digest, member, outbox) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT DO NOTHING";
	static const char rcpt[] =
	    "INSERT INTO outbox_rcpt(outbox, member, address, updated)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";
	sqlite3_stmt *st = store_stmt(s, sent);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 2, member);
	sqlite3_bind_int64(st, 3, outbox);
	if (store_step_done(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if ((st = store_stmt(s, rcpt)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, outbox);
	sqlite3_bind_int64(st, 2, member);
	sqlite3_bind_text(st, 3, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
	return store_step_done(s, st) < 0 ? -1 : 1;
}
