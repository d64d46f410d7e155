-- SPDX-License-Identifier: GPL-3.0-or-later
-- 007-ingest-speed: less work per stored post.
--
-- 1. No trigger fires per inserted post.  Since 005 the AFTER INSERT
--    trigger only noted each new post in posts_fts_pending, but running a
--    trigger program per row cost as much as the post's own row (import
--    of 20 000 messages: 0.2 s of 6 s CPU).  Which posts wait for the
--    search index is now read from the index itself: FTS5 keeps one row
--    per indexed post in posts_fts_docsize, so the posts above its largest
--    id are the ones not yet indexed.  That holds because posts are only
--    ever added with the next rowid (no explicit ids, no AUTOINCREMENT
--    gaps that matter: a deleted post leaves the index too), and
--    store_fts_flush() indexes every post above that id at once, inside
--    the same transaction, just before COMMIT.  An update or delete of a
--    post that is not indexed yet touches nothing: the flush indexes its
--    final values.
-- 2. containers is keyed by Message-ID and read by it several times per
--    message (thread.c): WITHOUT ROWID, a look-up is one B-tree search
--    instead of two (the key's index, then the row), and an insert writes
--    three B-trees instead of four.  Children are now listed in Message-ID
--    order (their order changes nothing but which ones a capped walk
--    visits).
-- 3. posts_author_email (author_email) is a prefix of
--    posts_author_email_received (author_email, received): every look-up
--    that used the first uses the second, and each post paid for both.
INSERT INTO posts_fts(rowid, subject, author_name, text)
	SELECT p.id, p.subject, p.author_name, p.text
	FROM posts_fts_pending q JOIN posts p ON p.id = q.id ORDER BY q.id;
DROP TRIGGER posts_fts_ai;
DROP TRIGGER posts_fts_ad;
DROP TRIGGER posts_fts_au;
DROP TABLE posts_fts_pending;
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
DROP INDEX posts_author_email;
CREATE TABLE containers_007 (
	mid        TEXT PRIMARY KEY,
	post       INTEGER REFERENCES posts(id),
	parent_mid TEXT,
	thread     INTEGER REFERENCES threads(id)
) WITHOUT ROWID;
INSERT INTO containers_007(mid, post, parent_mid, thread)
	SELECT mid, post, parent_mid, thread FROM containers;
DROP TABLE containers;
ALTER TABLE containers_007 RENAME TO containers;
CREATE INDEX containers_parent ON containers(parent_mid);
CREATE INDEX containers_thread ON containers(thread);
