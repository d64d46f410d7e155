-- SPDX-License-Identifier: GPL-3.0-or-later
-- 006-health: what `baraza check` reports about a running list.
-- One row (id = 1).  The daemon stamps last_fetch after every IMAP fetch
-- that completed without an error (also one that found nothing new: that
-- is still a working mailbox), and last_delivery in the transaction that
-- records a batch of SMTP deliveries the server accepted.  Both are one
-- UPDATE per cycle or per relay batch, never per message.  daemon_pid and
-- daemon_started are written when barazad starts its loop, so that check
-- can tell whether a daemon runs even when it was started without
-- --pidfile (systemd).  Times are UTC seconds; NULL means never.
CREATE TABLE health (
	id             INTEGER PRIMARY KEY CHECK (id = 1),
	last_fetch     INTEGER,
	last_delivery  INTEGER,
	daemon_pid     INTEGER,
	daemon_started INTEGER
);
-- An existing list starts with what its tables already show: the last
-- time a message was fetched and the last delivery accepted.
INSERT INTO health(id, last_fetch, last_delivery) VALUES (1,
	(SELECT max(last_fetch) FROM imap_state),
	(SELECT max(updated) FROM outbox_rcpt WHERE state = 'sent'));
