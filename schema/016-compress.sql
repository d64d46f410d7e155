-- SPDX-License-Identifier: GPL-3.0-or-later
-- 016-compress: raw messages and post texts are kept compressed (issue 22:
-- at 100 000 posts they were 564 MB and 444 MB of a 1 236 MB database for
-- 480 MB of mbox).  The forms are daemon/store/store_zip.c's: bz_zraw and
-- bz_ztext make them, bz_raw and bz_text read them (all registered on every
-- connection by store_open); a text stored as TEXT, and a raw message that
-- does not start with zstd's magic number or 0x01, are the value itself.
--
-- The search index reads post texts for snippets and rebuilds through a
-- view that decompresses them, so posts_fts is made again over that view
-- (same columns and tokenizer; rebuilt once here).  Its triggers give FTS5
-- the decompressed old text to delete.  The new_text trigger of 012 fires
-- only when the text itself changes, not when its stored form does.
-- Existing rows are compressed here, with 009's archive triggers off while
-- it happens (what the archive shows does not change, so its generation
-- must not move and force a rebuild); the file keeps its size until the
-- next VACUUM (the freed pages are reused by new posts).
DROP TRIGGER posts_text_au;
DROP TRIGGER posts_fts_ad;
DROP TRIGGER posts_fts_au;
DROP TABLE posts_fts;
DROP TRIGGER posts_archive_au;
DROP TRIGGER messages_archive_au;

UPDATE posts SET text = bz_ztext(text) WHERE typeof(text) = 'text';
UPDATE messages SET raw = bz_zraw(raw);

CREATE TRIGGER posts_archive_au AFTER UPDATE OF thread, theme, session, state, kind,
	author, author_name, author_email, subject, received, text, new_text, message ON posts
BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'archive_gen';
END;
CREATE TRIGGER messages_archive_au AFTER UPDATE OF raw ON messages BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'archive_gen';
END;

CREATE VIEW posts_fts_content AS
	SELECT id, subject, author_name, bz_text(text) AS text FROM posts;
CREATE VIRTUAL TABLE posts_fts USING fts5(
	subject, author_name, text,
	content = 'posts_fts_content', content_rowid = 'id',
	tokenize = 'baraza unicode61 remove_diacritics 2'
);
INSERT INTO posts_fts(posts_fts) VALUES ('rebuild');

CREATE TRIGGER posts_fts_ad AFTER DELETE ON posts
WHEN EXISTS (SELECT 1 FROM posts_fts_docsize WHERE id = old.id) BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, subject, author_name, text)
	VALUES ('delete', old.id, old.subject, old.author_name, bz_text(old.text));
END;
CREATE TRIGGER posts_fts_au AFTER UPDATE OF subject, author_name, text ON posts
WHEN EXISTS (SELECT 1 FROM posts_fts_docsize WHERE id = old.id)
 AND (old.subject IS NOT new.subject OR old.author_name IS NOT new.author_name
      OR bz_text(old.text) IS NOT bz_text(new.text)) BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, subject, author_name, text)
	VALUES ('delete', old.id, old.subject, old.author_name, bz_text(old.text));
	INSERT INTO posts_fts(rowid, subject, author_name, text)
	VALUES (new.id, new.subject, new.author_name, bz_text(new.text));
END;
CREATE TRIGGER posts_text_au AFTER UPDATE OF text ON posts
WHEN substr(old.new_text, 1, 1) = char(1) AND substr(old.new_text, 2, 1) <> '='
 AND bz_text(old.text) IS NOT bz_text(new.text)
BEGIN
	UPDATE posts SET new_text = bz_new_text(old.text, old.new_text) WHERE id = new.id;
END;
