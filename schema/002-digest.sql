-- SPDX-License-Identifier: GPL-3.0-or-later
-- 002-digest: indexes for digests, figures, the report and request rate limits.
CREATE INDEX posts_parent ON posts(parent);
CREATE INDEX posts_author_email ON posts(author_email COLLATE NOCASE);
CREATE INDEX posts_kind ON posts(kind, state);
CREATE INDEX messages_sender ON messages(sender COLLATE NOCASE, route, received);
