-- SPDX-License-Identifier: GPL-3.0-or-later
-- 003-ingest-indexes: look-ups that run once per inbound message must not
-- grow with the archive.  The per-sender rate limit (store_held_recent_posts:
-- author_email = ? AND received >= ?) reads only the sender's last hour of
-- posts, not every post they ever wrote; the expiry of holds reads only the
-- due ones.
CREATE INDEX posts_author_email_received ON posts(author_email COLLATE NOCASE, received);
CREATE INDEX held_state_expires ON held(state, expires);
