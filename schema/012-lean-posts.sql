-- SPDX-License-Identifier: GPL-3.0-or-later
-- 012-lean-posts: a post's new_text is kept as byte ranges of its text
-- (issue 22: text and new_text were each 444 MB at 100 000 posts).  The
-- form is daemon/store/store_newtext.c's: "\x01" and "START+LENGTH,..."
-- (bz_pack_new_text makes it, bz_new_text reads it; both registered on
-- every connection by store_open); any other value is the new_text itself.
-- A text rewritten later (forget scrubs names out of it) would leave the
-- ranges pointing at other bytes: the trigger first puts the new_text back
-- in full, read from the old text.  Existing rows are converted here; the
-- file keeps its size until the next VACUUM (the freed pages are reused).
CREATE TRIGGER posts_text_au AFTER UPDATE OF text ON posts
WHEN substr(old.new_text, 1, 1) = char(1) AND substr(old.new_text, 2, 1) <> '='
BEGIN
	UPDATE posts SET new_text = bz_new_text(old.text, old.new_text) WHERE id = new.id;
END;
UPDATE posts SET new_text = bz_pack_new_text(text, new_text) WHERE length(new_text) >= 64;
