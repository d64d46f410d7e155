-- SPDX-License-Identifier: GPL-3.0-or-later
-- 013-unsub-token: the life of a member's personal unsubscribe token
-- (members.unsub_token; it appears only in List-Unsubscribe, as
-- cop+unsubscribe-TOKEN@ and under [web] url).
--
-- A used token is spent: whenever a member becomes 'unsubscribed' (by the
-- token, by mail, by an admin, whatever the path), the token leaves the
-- member row and is kept in tokens as kind 'one-click', already used, so
-- that using it again is recognised as "already done" and does nothing.
-- A member who comes back (any status but 'unsubscribed') with no token
-- gets a new one, so an address that leaked before never works again.
-- Triggers rather than code in each writer: every path that changes a
-- member's status is covered, including ones written later.
CREATE TRIGGER members_unsub_token_spend AFTER UPDATE OF status ON members
WHEN NEW.status = 'unsubscribed' AND NEW.unsub_token IS NOT NULL
BEGIN
	INSERT OR IGNORE INTO tokens(token, kind, address, member, created, expires, used, used_by)
	VALUES (NEW.unsub_token, 'one-click', NEW.email, NEW.id,
	        CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER),
	        CAST(strftime('%s', 'now') AS INTEGER), 'unsubscribed');
	UPDATE members SET unsub_token = NULL WHERE id = NEW.id;
END;

CREATE TRIGGER members_unsub_token_renew AFTER UPDATE OF status ON members
WHEN NEW.status <> 'unsubscribed' AND NEW.unsub_token IS NULL
BEGIN
	UPDATE members SET unsub_token = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;

-- Members who left before this migration: their tokens are spent now.
INSERT OR IGNORE INTO tokens(token, kind, address, member, created, expires, used, used_by)
	SELECT unsub_token, 'one-click', email, id, updated, updated, updated, 'unsubscribed'
	FROM members WHERE status = 'unsubscribed' AND unsub_token IS NOT NULL;
UPDATE members SET unsub_token = NULL WHERE status = 'unsubscribed';
