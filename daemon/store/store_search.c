/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_search - the search index over posts (FTS5): the SQL side (see
 * store_search.h)
 *
 * Posts are indexed in one go at each COMMIT (store_fts_flush, called by
 * store_commit), not by a trigger per post; a search first makes sure
 * nothing written is left out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_int.h"
#include "store_search.h"
#include "utf8.h"
#include "xalloc.h"

/* fts_word_ok - a word with at least one letter or digit (FTS5's
 * unicode61 tokenizer drops everything else) */
static int
fts_word_ok(const char *w)
{
	for (const unsigned char *p = (const unsigned char *)w; *p; p++)
		if (*p >= 0x80 || (*p >= '0' && *p <= '9') ||
		    ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			return 1;
	return 0;
}

/* fts_query - the FTS5 query for words into a fresh string (owned); NULL
 * when no word has any searchable character.  The user's words never
 * reach MATCH as syntax: each becomes a string ("..." with inner quotes
 * doubled), which FTS5 treats as a phrase of its tokens; the phrases are
 * ANDed.  Only a trailing '*' keeps its meaning (prefix search).  Invalid
 * UTF-8 is dropped rather than passed on. */
static char *
fts_query(char *const *words, size_t nwords)
{
	struct buf q;

	buf_init(&q, 1u << 16);
	for (size_t i = 0; i < nwords; i++) {
		const char *w = words[i];
		size_t len = strlen(w);
		int prefix = 0;

		if (len > 0 && w[len - 1] == '*') {
			prefix = 1;
			len--;
		}
		char *word = xstrndup(w, len);
		if (!fts_word_ok(word) || !utf8_valid(word, len)) {
			free(word);
			continue;
		}
		if (q.len)
			buf_putc(&q, ' ');
		buf_putc(&q, '"');
		for (const char *p = word; *p; p++) {
			if (*p == '"')
				buf_putc(&q, '"');
			buf_putc(&q, *p);
		}
		buf_putc(&q, '"');
		if (prefix)
			buf_putc(&q, '*');
		free(word);
	}
	if (q.len == 0) {
		buf_release(&q);
		return NULL;
	}
	return buf_detach(&q, NULL);
}

/* Posts not yet in the search index: those above the largest indexed id
 * (schema/007-ingest-speed.sql says why that is exact). */
#define FTS_UNINDEXED \
	" FROM posts WHERE id > (SELECT COALESCE(max(id), 0) FROM posts_fts_docsize)"

/* fts_pending - 1 when posts wait to be indexed, 0 when none, -1 logged */
static int
fts_pending(struct store *s)
{
	static const char sql[] = "SELECT 1" FTS_UNINDEXED " LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	return store_log_error(s, "search index");
}

/* store_fts_flush - see store_int.h.  One statement indexes them all, so
 * FTS5 writes one segment per transaction instead of one per post
 * (schema/005-fts-deferred.sql says why), and no trigger runs per post
 * (007). */
int
store_fts_flush(struct store *s)
{
	static const char sql_index[] =
	    "INSERT INTO posts_fts(rowid, subject, author_name, text)"
	    " SELECT id, subject, author_name, bz_text(text)" FTS_UNINDEXED " ORDER BY id";
	static const char sql_index_kept[] =
	    "INSERT INTO posts_fts(rowid, subject, author_name, text)"
	    " SELECT p.id, p.subject, p.author_name, COALESCE(t.text, bz_text(p.text))"
	    " FROM posts p LEFT JOIN temp.fts_text t ON t.id = p.id"
	    " WHERE p.id > (SELECT COALESCE(max(id), 0) FROM posts_fts_docsize)"
	    " ORDER BY p.id";
	sqlite3_stmt *st;
	int any = fts_pending(s);

	if (any <= 0)
		return any;
	if ((st = store_stmt(s, s->fts_text ? sql_index_kept : sql_index)) == NULL ||
	    store_step_done(s, st) < 0)
		return -1;
	if (s->fts_text && store_exec(s, "DELETE FROM temp.fts_text") < 0)
		return -1;
	return 0;
}

/* store_fts_text_setup - see store_int.h */
int
store_fts_text_setup(struct store *s)
{
	if (s->in_txn || !s->fts_deferred || s->fts_text)
		return 0;
	/* outside any transaction: a ROLLBACK must not take the table away */
	if (store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS fts_text("
	    " id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
	    "CREATE TEMP TRIGGER IF NOT EXISTS fts_text_au AFTER UPDATE OF text"
	    " ON main.posts BEGIN DELETE FROM fts_text WHERE id = old.id; END;"
	    "CREATE TEMP TRIGGER IF NOT EXISTS fts_text_ad AFTER DELETE"
	    " ON main.posts BEGIN DELETE FROM fts_text WHERE id = old.id; END;") < 0)
		return -1;
	s->fts_text = 1;
	return 0;
}

/* store_fts_text - see store_int.h.  A post's text is stored compressed
 * (store_zip.c); indexing it at commit would decompress what the writer
 * had in hand a moment before (11 % of an import's writing thread).  The
 * texts of the transaction's new posts wait in a TEMP table instead,
 * emptied by the flush; ROLLBACK empties it as well (TEMP tables are part
 * of the transaction), and the TEMP triggers drop a text that changes or
 * goes before the flush, so what is indexed is always the stored text. */
int
store_fts_text(struct store *s, int64_t id, const char *text)
{
	static const char sql[] = "INSERT OR REPLACE INTO temp.fts_text(id, text) VALUES (?1, ?2)";
	sqlite3_stmt *st;

	if (!s->in_txn || !s->fts_text)
		return 0;
	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

/* fts_ready - make every stored post searchable before a search: flush
 * inside the open transaction, or in a short one of its own (only when
 * posts were written outside any transaction) */
static int
fts_ready(struct store *s)
{
	int any;

	if (!s->fts_deferred)
		return 0;
	if (s->in_txn)
		return store_fts_flush(s);
	if ((any = fts_pending(s)) <= 0)
		return any;
	if (store_begin(s) < 0)
		return -1;
	return store_commit(s);
}

/* How many of the newest matches are ranked: a word in every post would
 * otherwise score every post (bm25 reads each one's length) before the
 * first answer; ranking the newest RANK_WINDOW and cutting there keeps a
 * common word as fast as a rare one (issue 22), and a word rarer than that
 * is ranked among all its posts. */
#define RANK_WINDOW 2000

/* store_post_search - see store_search.h.  Ranked and cut in SQLite;
 * the snippet is drawn only for the rows handed over. */
int
store_post_search(struct store *s, char *const *words, size_t nwords,
    int limit, store_post_cb *cb, void *arg)
{
	static const char sql[] =
	    "SELECT p.id, p.parent, p.depth, p.message_id, p.theme, p.session,"
	    " p.kind, p.state, p.author_name, p.author_email, p.subject, p.date,"
	    " p.received, bz_new_text(p.text, p.new_text), p.thread"
	    " FROM (SELECT rowid AS id, bm25(posts_fts, 4.0, 2.0, 1.0) AS r FROM posts_fts"
	    " WHERE posts_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?3) c"
	    " JOIN posts p ON p.id = c.id"
	    " WHERE p.state = 'accepted' ORDER BY c.r, p.id LIMIT ?2";
	static const char sql_snippet[] =
	    "SELECT snippet(posts_fts, 2, '[', ']', '...', 12) FROM posts_fts"
	    " WHERE posts_fts MATCH ?1 AND rowid = ?2";
	sqlite3_stmt *st, *sn;
	struct store_post_row p;
	char *q = fts_query(words, nwords);
	int rc, r = 0, hits = 0;

	if (q == NULL)
		return 0;
	if (fts_ready(s) < 0) {
		free(q);
		return -1;
	}
	if ((st = store_stmt(s, sql)) == NULL || (sn = store_stmt(s, sql_snippet)) == NULL) {
		free(q);
		return -1;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 20);
	sqlite3_bind_int(st, 3, RANK_WINDOW);
	sqlite3_bind_text(sn, 1, q, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&p, 0, sizeof(p));
		p.id = sqlite3_column_int64(st, 0);
		p.parent = sqlite3_column_int64(st, 1);
		p.depth = sqlite3_column_int(st, 2);
		p.message_id = store_column_text(st, 3);
		p.theme = store_column_text(st, 4);
		p.session = sqlite3_column_int64(st, 5);
		p.kind = store_column_text(st, 6);
		p.state = store_column_text(st, 7);
		p.author_name = store_column_text(st, 8);
		p.author_email = store_column_text(st, 9);
		p.subject = store_column_text(st, 10);
		p.date = (time_t)sqlite3_column_int64(st, 11);
		p.received = (time_t)sqlite3_column_int64(st, 12);
		p.new_text = store_column_text(st, 13);
		p.thread = sqlite3_column_int64(st, 14);
		sqlite3_bind_int64(sn, 2, p.id);
		if (sqlite3_step(sn) == SQLITE_ROW)
			p.snippet = store_column_text(sn, 0);
		hits++;
		r = cb(arg, &p);
		sqlite3_reset(sn);
		if (r != 0)
			break;
	}
	sqlite3_reset(st);
	free(q);
	if (r != 0)
		return r < 0 ? r : hits;
	return rc == SQLITE_DONE ? hits : store_log_error(s, "search");
}
