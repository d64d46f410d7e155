/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_forget - a forgotten member's name and address scrubbed from all
 * that is stored (see store_forget.h)
 *
 * Her address and every name she went by (the member row's, and each
 * display name her posts carried) are replaced wherever they are written:
 * in every raw message - hers, and the replies that quote "On Monday, Ann
 * <ann@example.net> wrote:" - header fields decoded from RFC 2047 and
 * bodies decoded from base64 and quoted-printable (mask.h's rewriter, so a
 * name in an encoded word or an encoded body is found too); in the posts'
 * subjects and texts; in the bodies of stored outgoing mail; in thread
 * subjects and attachment names.  The search index is then rebuilt from
 * the scrubbed posts, so no word of hers stays in its segments.
 *
 * Rows rewritten or deleted leave their old bytes in free space inside
 * the file; the caller runs it with PRAGMA secure_delete on, which has
 * SQLite overwrite freed space with zeros (and then checkpoints the
 * write-ahead log), so the file holds no readable copy afterwards.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "mask.h"
#include "store_forget.h"
#include "store_int.h"
#include "xalloc.h"

#define NAMES_MAX 16
#define BATCH 128

struct scrub {
	const char *addr;
	size_t alen;
	char *names[NAMES_MAX];     /* owned */
	size_t nnames;
};

static const char addr_repl[] = "former-member@invalid";
static const char name_repl[] = "former member";

/* lower - ASCII lower case of c */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* scrub_text - a mask_rewriter: [p, end) with her address and names
 * replaced (ASCII letters compared in any case, other bytes as they are) */
static void
scrub_text(void *arg, struct buf *out, const char *p, const char *end)
{
	const struct scrub *sc = arg;
	const char *run = p;

	while (p < end) {
		size_t left = (size_t)(end - p), hit = 0;
		const char *repl = NULL;
		int c = lower((unsigned char)*p);

		if (sc->alen && left >= sc->alen && c == lower((unsigned char)sc->addr[0]) &&
		    strncasecmp(p, sc->addr, sc->alen) == 0) {
			hit = sc->alen;
			repl = addr_repl;
		}
		for (size_t i = 0; hit == 0 && i < sc->nnames; i++) {
			size_t n = strlen(sc->names[i]);

			if (left >= n && c == lower((unsigned char)sc->names[i][0]) &&
			    strncasecmp(p, sc->names[i], n) == 0) {
				hit = n;
				repl = name_repl;
			}
		}
		if (hit == 0) {
			p++;
			continue;
		}
		buf_append(out, run, (size_t)(p - run));
		buf_puts(out, repl);
		run = p += hit;
	}
	buf_append(out, run, (size_t)(end - run));
}

/* add_name - one more name she went by (3 bytes or more, once) */
static void
add_name(struct scrub *sc, const char *name)
{
	if (name == NULL || strlen(name) < 3 || strcmp(name, name_repl) == 0 ||
	    sc->nnames == NAMES_MAX)
		return;
	for (size_t i = 0; i < sc->nnames; i++)
		if (strcasecmp(sc->names[i], name) == 0)
			return;
	sc->names[sc->nnames++] = xstrdup(name);
}

/* The columns scrubbed: a query of (id, value) after an id, in id order,
 * and the update of one value; message says the value is a whole mail. */
static const struct column {
	const char *what, *sel, *upd;
	int message;
} columns[] = {
	{ "messages", "SELECT id, bz_raw(raw) FROM messages WHERE id > ?1 ORDER BY id LIMIT 128",
	  "UPDATE messages SET raw = bz_zraw(?2) WHERE id = ?1", 1 },
	{ "outbox", "SELECT id, body FROM outbox WHERE id > ?1 AND body IS NOT NULL"
	  " ORDER BY id LIMIT 128", "UPDATE outbox SET body = ?2 WHERE id = ?1", 1 },
	{ "post texts", "SELECT id, bz_text(text) FROM posts WHERE id > ?1 ORDER BY id"
	  " LIMIT 128", "UPDATE posts SET text = bz_ztext(?2) WHERE id = ?1", 0 },
	{ "post new texts", "SELECT id, new_text FROM posts WHERE id > ?1 ORDER BY id"
	  " LIMIT 128", "UPDATE posts SET new_text = ?2 WHERE id = ?1", 0 },
	{ "post subjects", "SELECT id, subject FROM posts WHERE id > ?1 AND subject IS NOT NULL"
	  " ORDER BY id LIMIT 128", "UPDATE posts SET subject = ?2 WHERE id = ?1", 0 },
	{ "thread subjects", "SELECT id, subject FROM threads WHERE id > ?1"
	  " AND subject IS NOT NULL ORDER BY id LIMIT 128",
	  "UPDATE threads SET subject = ?2 WHERE id = ?1", 0 },
	{ "attachments", "SELECT rowid, name FROM attachments WHERE rowid > ?1"
	  " AND name IS NOT NULL ORDER BY rowid LIMIT 128",
	  "UPDATE attachments SET name = ?2 WHERE rowid = ?1", 0 },
	{ "message reasons", "SELECT id, reason FROM messages WHERE id > ?1"
	  " AND reason IS NOT NULL ORDER BY id LIMIT 128",
	  "UPDATE messages SET reason = ?2 WHERE id = ?1", 0 },
	{ "hold comments", "SELECT id, comment FROM held WHERE id > ?1"
	  " AND comment IS NOT NULL ORDER BY id LIMIT 128",
	  "UPDATE held SET comment = ?2 WHERE id = ?1", 0 },
};

/* scrub_column - every value of one column rewritten where it changes;
 * 0 or -1 */
static int
scrub_column(struct store *s, const struct column *col, struct scrub *sc, long *changed)
{
	int64_t after = 0, ids[BATCH];
	struct buf vals[BATCH];
	int rc = 0;

	for (size_t i = 0; i < BATCH; i++)
		buf_init(&vals[i], BUF_NOLIMIT);
	while (rc == 0) {
		sqlite3_stmt *st = store_stmt(s, col->sel);
		size_t rows = 0, n = 0;
		int r;

		if (st == NULL) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(st, 1, after);
		while ((r = sqlite3_step(st)) == SQLITE_ROW && rows < BATCH) {
			const char *v = sqlite3_column_blob(st, 1);
			size_t len = (size_t)sqlite3_column_bytes(st, 1);

			rows++;
			ids[n] = after = sqlite3_column_int64(st, 0);
			buf_reset(&vals[n]);
			if (v == NULL)
				v = "";
			if (col->message)
				mask_message_with(&vals[n], v, len, 0, scrub_text, sc);
			else
				scrub_text(sc, &vals[n], v, v + len);
			if (vals[n].len != len || memcmp(vals[n].data, v, len) != 0)
				n++;            /* changed: rewritten below */
		}
		sqlite3_reset(st);
		if (r != SQLITE_DONE && r != SQLITE_ROW) {
			rc = store_log_error(s, col->what);
			break;
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			if (buf_failed(&vals[i]) || (st = store_stmt(s, col->upd)) == NULL) {
				rc = -1;
				break;
			}
			sqlite3_bind_int64(st, 1, ids[i]);
			if (col->message)
				sqlite3_bind_blob(st, 2, vals[i].data, (int)vals[i].len,
				    SQLITE_STATIC);
			else
				sqlite3_bind_text(st, 2, vals[i].data, (int)vals[i].len,
				    SQLITE_STATIC);
			rc = store_step_done(s, st);
			(*changed)++;
		}
		if (rows < BATCH)
			break;
	}
	for (size_t i = 0; i < BATCH; i++)
		buf_release(&vals[i]);
	return rc;
}

/* store_forget_scrub - see store_forget.h */
int
store_forget_scrub(struct store *s, int64_t member, const char *email, const char *name)
{
	static const char sql_names[] =
	    "SELECT DISTINCT author_name FROM posts WHERE (author = ?1 OR"
	    " author_email = ?2 COLLATE NOCASE) AND author_name IS NOT NULL";
	struct scrub sc;
	sqlite3_stmt *st;
	long changed = 0;
	int rc = 0, r;

	memset(&sc, 0, sizeof(sc));
	sc.addr = email;
	sc.alen = strlen(email);
	add_name(&sc, name);
	if ((st = store_stmt(s, sql_names)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, member);
	sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		add_name(&sc, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		rc = store_log_error(s, "forget: names");
	for (size_t i = 0; rc == 0 && i < sizeof(columns) / sizeof(columns[0]); i++)
		rc = scrub_column(s, &columns[i], &sc, &changed);
	if (rc == 0)
		log_info("forget: %ld stored values rewritten", changed);
	for (size_t i = 0; i < sc.nnames; i++)
		free(sc.names[i]);
	return rc;
}

/* store_forget_reindex - see store_forget.h */
int
store_forget_reindex(struct store *s)
{
	/* The index built again from the scrubbed posts: its old segments,
	 * and the delete markers the updates wrote (which carry the old
	 * words), are freed, and zeroed by secure_delete. */
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')");

	return st == NULL ? -1 : store_step_done(s, st);
}
