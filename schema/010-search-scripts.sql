-- SPDX-License-Identifier: GPL-3.0-or-later
-- 010-search-scripts: the search index finds words inside Chinese,
-- Japanese, Korean, Thai (and Lao, Khmer, Myanmar) text (issue 20).
-- The tokenizer "baraza" (daemon/store/store_fts_tok.c, registered on
-- every connection by store_open) is unicode61 with the same arguments,
-- cutting the characters of those scripts into tokens of their own; other
-- text is indexed as before.  The index is rebuilt once from its content
-- table; the triggers of 008 name the table, not the tokenizer, and stay.
DROP TABLE posts_fts;
CREATE VIRTUAL TABLE posts_fts USING fts5(
	subject, author_name, text,
	content = 'posts', content_rowid = 'id',
	tokenize = 'baraza unicode61 remove_diacritics 2'
);
INSERT INTO posts_fts(posts_fts) VALUES ('rebuild');
