-- SPDX-License-Identifier: GPL-3.0-or-later
-- 005-fts-deferred: index new posts into posts_fts once per transaction,
-- not once per post.  With the old AFTER INSERT trigger every post INSERT
-- put posts_fts in the transaction, and SQLite 3.40's FTS5 flushes its
-- pending terms to a new on-disk segment at every statement savepoint, so
-- each post became its own segment and automerge rewrote them over and
-- over (about 40 % of import CPU under callgrind).  Now the trigger only
-- notes the post in posts_fts_pending; store_commit() (store_fts_flush in
-- store_post.c) indexes all noted posts with one INSERT ... SELECT just
-- before COMMIT, in the same transaction, and search flushes first, so
-- what is committed and what is searchable stay the same.  A post updated
-- or deleted while still pending is indexed with its final values at the
-- flush, so the update and delete triggers leave pending posts alone.
CREATE TABLE posts_fts_pending (
	id INTEGER PRIMARY KEY          -- posts.id not yet in posts_fts
);
DROP TRIGGER posts_fts_ai;
DROP TRIGGER posts_fts_ad;
DROP TRIGGER posts_fts_au;
CREATE TRIGGER posts_fts_ai AFTER INSERT ON posts BEGIN
	INSERT OR IGNORE INTO posts_fts_pending(id) VALUES (new.id);
END;
CREATE TRIGGER posts_fts_ad AFTER DELETE ON posts BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, subject, author_name, text)
	SELECT 'delete', old.id, old.subject, old.author_name, old.text
	WHERE NOT EXISTS (SELECT 1 FROM posts_fts_pending WHERE id = old.id);
	DELETE FROM posts_fts_pending WHERE id = old.id;
END;
CREATE TRIGGER posts_fts_au AFTER UPDATE OF subject, author_name, text ON posts
WHEN NOT EXISTS (SELECT 1 FROM posts_fts_pending WHERE id = old.id) BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, subject, author_name, text)
	VALUES ('delete', old.id, old.subject, old.author_name, old.text);
	INSERT INTO posts_fts(rowid, subject, author_name, text)
	VALUES (new.id, new.subject, new.author_name, new.text);
END;
