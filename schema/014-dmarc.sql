-- SPDX-License-Identifier: GPL-3.0-or-later
-- 014-dmarc: DMARC look-ups cached for their TTL, and the From decision
-- taken once per relayed post (from_munging = auto, README
-- "Deliverability").
--
-- dns_txt: one row per TXT name asked (_dmarc.example.org).  status 0: an
-- answer (txt holds its records, one a line, control characters made
-- spaces), 1: no such name or no TXT record (cached as long as the zone's
-- SOA says, RFC 2308), 2: the look-up failed (timeout, SERVFAIL: cached
-- briefly, so that a resolver outage does not cost every post the full
-- time-out).  expires: UTC seconds; a row past it is ignored and replaced.
CREATE TABLE dns_txt (
	name    TEXT PRIMARY KEY,
	status  INTEGER NOT NULL CHECK (status = 0 OR status = 1 OR status = 2),
	txt     TEXT NOT NULL DEFAULT '',
	expires INTEGER NOT NULL
);
-- post_from: whether a post's copies carry the list's From (munge = 1) or
-- the author's, and why (the policy and where it was found).  Written the
-- first time the post is delivered, read by every later attempt, so a
-- retry sends the same From as the first copies did.  A table of its own,
-- not a column of posts, so that no rebuild of posts has to know of it.
CREATE TABLE post_from (
	post    INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
	munge   INTEGER NOT NULL CHECK (munge = 0 OR munge = 1),
	why     TEXT NOT NULL
);
