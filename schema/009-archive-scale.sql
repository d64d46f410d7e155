-- SPDX-License-Identifier: GPL-3.0-or-later
-- 009-archive-scale: an archive update proportional to the change (issue 22).
--
-- posts_session covers what the participation figures and the index's
-- counts read of a session's posts, so they scan a small index instead of
-- every post row (text included: at 100 000 posts that is 400 MB of pages).
--
-- meta 'archive_gen' counts the changes to posts that are not a new post
-- arriving: a post approved, rejected, moved to another thread, theme or
-- session, forgotten or deleted, a raw message rewritten.  While it stays
-- the same, everything the archive wrote up to post id N still holds, and
-- an update only needs the posts above N (an mbox file is appended to in
-- place); when it moved, the archive checks its files against the database
-- as it did before.
-- threads_list finds a session's threads in the order they were started
-- (the pages of a long session's list) without reading every thread.
DROP INDEX posts_session;
CREATE INDEX posts_session ON posts(session, state, kind, author_email, thread, parent,
	author, received, theme);
CREATE INDEX threads_list ON threads(theme, COALESCE(session, 0), id);
INSERT OR IGNORE INTO meta(key, value) VALUES ('archive_gen', '0');
CREATE TRIGGER posts_archive_au AFTER UPDATE OF thread, theme, session, state, kind,
	author, author_name, author_email, subject, received, text, new_text, message ON posts
BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'archive_gen';
END;
CREATE TRIGGER posts_archive_ad AFTER DELETE ON posts BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'archive_gen';
END;
CREATE TRIGGER messages_archive_au AFTER UPDATE OF raw ON messages BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'archive_gen';
END;
