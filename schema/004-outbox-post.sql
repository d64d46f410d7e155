-- SPDX-License-Identifier: GPL-3.0-or-later
-- 004-outbox-post: relay_enqueue_post asks, for every accepted post, whether
-- it is already queued (outbox.post); without an index that question reads
-- the whole outbox, so ingest slowed down as the outbox grew.
CREATE INDEX IF NOT EXISTS outbox_post ON outbox(post);
