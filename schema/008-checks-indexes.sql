-- baraza: table rebuild
-- SPDX-License-Identifier: GPL-3.0-or-later
-- 008-checks-indexes: posts and outbox_rcpt rebuilt with the same columns,
-- rows and ids, but CHECKs SQLite can test without building a table.
--
-- The first line above makes store_migrate run this migration as SQLite's
-- twelve-step table rebuild (lang_altertable.html, "Making Other Kinds Of
-- Table Schema Changes"): foreign keys off before BEGIN, so that dropping
-- posts cascades to nothing; PRAGMA foreign_key_check must be clean before
-- COMMIT; foreign keys back on after.  A failure anywhere rolls back to 007.
--
-- 1. CHECK (kind IN ('idea', ...)) and CHECK (state IN (...)): SQLite 3.40
--    codes a constant IN list as an ephemeral table filled once per
--    statement run, and a cached INSERT or UPDATE of one row is one run, so
--    every post INSERT built two small tables and every outbox_rcpt UPDATE
--    one (~20 000 instructions per recipient in fan-out).  The same rules as
--    a chain of equalities are a few comparisons (EXPLAIN of the INSERT and
--    the UPDATE: no OpenEphemeral; test_migrate checks it).  The CHECKs stay
--    in the schema rather than in C so that every writer, the sqlite3 shell
--    included, is held to them.
-- 2. Indexes on posts.  posts_thread (thread, received) becomes
--    posts_thread (thread, state, received, kind): the archive's thread
--    lists (THREAD_COLUMNS in store_archive.c: p.thread = th.id AND
--    p.state = 'accepted' AND p.kind <> 'summary', count, min and max of
--    received; the between and session pages) are then answered from the
--    index without reading any post row ("COVERING INDEX posts_thread
--    (thread=? AND state=?)"), a thread page's accepted posts come in
--    received order (only ties on received are sorted: "TEMP B-TREE FOR
--    RIGHT PART OF ORDER BY"), and every look-up by thread alone still
--    uses its first column.  Nine indexes on posts, as in 007.
--    The others each serve a query (EXPLAIN QUERY PLAN on the 10 000-post
--    bench database) or a foreign key's child look-up:
--
--    index                        used by
--    message UNIQUE               dedupe (the constraint itself)
--    message_id UNIQUE            dedupe; store_post parent/containers look-ups
--    posts_thread                 store_archive thread lists, between and
--                                 session pages, thread page posts (thread =,
--                                 state =); store_post thread merge (UPDATE
--                                 ... WHERE thread =) and thread walk;
--                                 digest hot threads; FK threads -> posts
--    posts_session                store_archive session figures, programme
--                                 (session has posts; count per session);
--                                 FK sessions -> posts
--    posts_received               archive changed-since (received >= ?),
--                                 digest "any posts in the period"
--    posts_author                 store_held author's accepted posts, member
--                                 export and forget (author = ? OR ...);
--                                 FK members -> posts ON DELETE SET NULL
--    posts_parent                 digest replies / unanswered questions
--                                 (c.parent = p.id); FK posts -> posts
--    posts_kind (kind, state)     digest unanswered questions (kind =
--                                 'question', state); the period test there
--                                 is (?3 = 0 OR received ...), no range:
--                                 without it, a scan of every post
--    posts_author_email_received  sender rate limit (author_email = ? AND
--                                 received >= ?), digest first-time posters,
--                                 member export and forget
--
--    outbox_rcpt keeps UNIQUE (outbox, address) (one row per recipient,
--    INSERT OR IGNORE) and outbox_rcpt_due (state, next_try) (the relay's
--    due rows and the queue figures).
-- 3. The search index: posts_fts is external content on posts by name and
--    rowid; ids are copied unchanged, so it needs no rebuild.  Its delete
--    and update triggers are dropped with the old table and re-created
--    exactly as 007 left them.

CREATE TABLE posts_008 (
	id           INTEGER PRIMARY KEY,
	message      INTEGER NOT NULL UNIQUE REFERENCES messages(id),
	message_id   TEXT NOT NULL UNIQUE,
	thread       INTEGER NOT NULL REFERENCES threads(id),
	parent       INTEGER REFERENCES posts(id),
	depth        INTEGER NOT NULL DEFAULT 0,
	theme        TEXT NOT NULL,
	session      INTEGER REFERENCES sessions(id),
	kind         TEXT NOT NULL
	             CHECK (kind = 'idea' OR kind = 'question' OR kind = 'resource' OR kind = 'feedback' OR kind = 'summary'),
	state        TEXT NOT NULL DEFAULT 'accepted'
	             CHECK (state = 'accepted' OR state = 'held' OR state = 'rejected'),
	author       INTEGER REFERENCES members(id) ON DELETE SET NULL,
	author_name  TEXT,
	author_email TEXT,
	subject      TEXT,
	date         INTEGER,             -- the Date: header (UTC)
	received     INTEGER NOT NULL,    -- arrival; drives session and digests
	text         TEXT NOT NULL DEFAULT '',
	new_text     TEXT NOT NULL DEFAULT '',
	nlinks       INTEGER NOT NULL DEFAULT 0,
	nattachments INTEGER NOT NULL DEFAULT 0
);
INSERT INTO posts_008(id, message, message_id, thread, parent, depth, theme,
	session, kind, state, author, author_name, author_email, subject, date,
	received, text, new_text, nlinks, nattachments)
	SELECT id, message, message_id, thread, parent, depth, theme,
	session, kind, state, author, author_name, author_email, subject, date,
	received, text, new_text, nlinks, nattachments FROM posts ORDER BY id;
DROP TABLE posts;
ALTER TABLE posts_008 RENAME TO posts;
CREATE INDEX posts_thread ON posts(thread, state, received, kind);
CREATE INDEX posts_session ON posts(session);
CREATE INDEX posts_received ON posts(received);
CREATE INDEX posts_author ON posts(author);
CREATE INDEX posts_parent ON posts(parent);
CREATE INDEX posts_kind ON posts(kind, state);
CREATE INDEX posts_author_email_received ON posts(author_email COLLATE NOCASE, received);
CREATE TRIGGER posts_fts_ad AFTER DELETE ON posts
WHEN EXISTS (SELECT 1 FROM posts_fts_docsize WHERE id = old.id) BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, subject, author_name, text)
	VALUES ('delete', old.id, old.subject, old.author_name, old.text);
END;
CREATE TRIGGER posts_fts_au AFTER UPDATE OF subject, author_name, text ON posts
WHEN EXISTS (SELECT 1 FROM posts_fts_docsize WHERE id = old.id) BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, subject, author_name, text)
	VALUES ('delete', old.id, old.subject, old.author_name, old.text);
	INSERT INTO posts_fts(rowid, subject, author_name, text)
	VALUES (new.id, new.subject, new.author_name, new.text);
END;

CREATE TABLE outbox_rcpt_008 (
	id         INTEGER PRIMARY KEY,
	outbox     INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
	member     INTEGER REFERENCES members(id) ON DELETE SET NULL,
	address    TEXT NOT NULL,
	state      TEXT NOT NULL DEFAULT 'queued'
	           CHECK (state = 'queued' OR state = 'deferred' OR state = 'sent' OR state = 'failed'),
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_try   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	updated    INTEGER NOT NULL,
	UNIQUE (outbox, address)
);
INSERT INTO outbox_rcpt_008(id, outbox, member, address, state, attempts,
	next_try, last_error, updated)
	SELECT id, outbox, member, address, state, attempts, next_try,
	last_error, updated FROM outbox_rcpt ORDER BY id;
DROP TABLE outbox_rcpt;
ALTER TABLE outbox_rcpt_008 RENAME TO outbox_rcpt;
CREATE INDEX outbox_rcpt_due ON outbox_rcpt(state, next_try);
