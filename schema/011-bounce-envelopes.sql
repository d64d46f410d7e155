-- SPDX-License-Identifier: GPL-3.0-or-later
-- 011-bounce-envelopes: signed bounce addresses and the bounce lifecycle.
--
-- Every SMTP transaction's envelope sender is cop+bounces-ID-DD-MAC@
-- (daemon/list/bounceaddr.h), ID being the outbox_rcpt.id of the
-- transaction's first recipient.  A transaction of one recipient (every
-- one with personalize = yes, and every single mail) is its own row and
-- leaves envelope NULL; the rows of a shared transaction (personalize =
-- no) all get envelope = ID when their results are recorded, so that a
-- delivery report to that address can count against those rows only.
ALTER TABLE outbox_rcpt ADD COLUMN envelope INTEGER;
CREATE INDEX outbox_rcpt_envelope ON outbox_rcpt(envelope) WHERE envelope IS NOT NULL;

-- The transaction a counted failure came from (the report's signed
-- address, or the row refused at SMTP); NULL for older rows.
ALTER TABLE bounces ADD COLUMN envelope INTEGER;
CREATE INDEX bounces_envelope ON bounces(envelope) WHERE envelope IS NOT NULL;

-- Members whose mail is stopped because it bounced (status 'bouncing'),
-- with what the lifecycle needs: why and since when, the delivery to give
-- back, and the probes.  A probe is a small mail sent on a schedule
-- (bounce.c); when one is accepted and no report comes back to its
-- signed address for a few days, the member is enabled again and the row
-- goes.  days, first_day, last_day: the failures that stopped it (local
-- day numbers); delivery: what to give back; next_probe: NULL when no
-- probe is left to send.
CREATE TABLE bouncing (
	member     INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
	since      INTEGER NOT NULL,
	days       INTEGER NOT NULL,
	first_day  INTEGER NOT NULL,
	last_day   INTEGER NOT NULL,
	reason     TEXT,
	delivery   TEXT NOT NULL,
	probes     INTEGER NOT NULL DEFAULT 0,
	next_probe INTEGER
);

-- Every probe sent to a stopped member: its outbox_rcpt row, whose state
-- says whether the server took it and whose id is the transaction a
-- report to its signed address names (bounces.envelope).
CREATE TABLE bounce_probes (
	rcpt   INTEGER PRIMARY KEY,
	member INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	sent   INTEGER NOT NULL
);
CREATE INDEX bounce_probes_member ON bounce_probes(member);
