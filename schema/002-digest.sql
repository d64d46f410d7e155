-- 002-digest: indexes for digests, figures and the report.
CREATE INDEX posts_parent ON posts(parent);
CREATE INDEX posts_author_email ON posts(author_email COLLATE NOCASE);
CREATE INDEX posts_kind ON posts(kind, state);
