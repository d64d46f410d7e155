-- SPDX-License-Identifier: GPL-3.0-or-later
-- 015-outbox-claim: a delivery run claims the rows it is about to send,
-- so that two processes on one database (barazad's lock bypassed, or an
-- admin command delivering beside it) never send one row twice.  A claim
-- is made in one UPDATE (atomic in SQLite) and names its owner
-- ("HOST:PID") and the wall-clock second its lease ends; a row whose
-- lease is current is not due for anyone else.  Recording the row's
-- result (sent, deferred, failed) clears the claim; a run that stops
-- early releases what it did not send; the claims of an owner that died
-- are released by the next run on the same host (or lapse with the
-- lease).  No index: claims are read only together with the due states,
-- which outbox_rcpt_due finds.
ALTER TABLE outbox_rcpt ADD COLUMN claim_owner TEXT;
ALTER TABLE outbox_rcpt ADD COLUMN claim_until INTEGER;
