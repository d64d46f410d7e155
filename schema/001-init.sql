-- SPDX-License-Identifier: GPL-3.0-or-later
-- 001-init: the first schema of baraza.
-- Times are UTC seconds since the epoch.  Addresses are stored normalised
-- (local part as given, domain lower-cased) and compared case-insensitively.
-- Applied by store_migrate() inside one transaction; PRAGMA user_version
-- records the number of the last migration applied.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT
);

-- The programme, synced from the config by `baraza init` and at daemon start.
CREATE TABLE themes (
	slug     TEXT PRIMARY KEY,
	title    TEXT NOT NULL,
	keywords TEXT,
	position INTEGER NOT NULL DEFAULT 0,
	active   INTEGER NOT NULL DEFAULT 1   -- 0 once removed from the config
);

CREATE TABLE theme_questions (
	theme    TEXT NOT NULL REFERENCES themes(slug) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	question TEXT NOT NULL,
	PRIMARY KEY (theme, position)
);

-- state: planned (before opens), open, closed.  source: config or admin.
CREATE TABLE sessions (
	id        INTEGER PRIMARY KEY,
	theme     TEXT NOT NULL REFERENCES themes(slug),
	opens     INTEGER NOT NULL,
	closes    INTEGER NOT NULL,
	state     TEXT NOT NULL DEFAULT 'planned'
	          CHECK (state IN ('planned', 'open', 'closed')),
	source    TEXT NOT NULL DEFAULT 'config' CHECK (source IN ('config', 'admin')),
	closed_at INTEGER,
	summary   INTEGER REFERENCES posts(id),
	UNIQUE (theme, opens)
);

-- status: pending (awaiting confirmation), active, unsubscribed, bouncing.
-- all_themes = 1 follows every theme; else the rows of member_themes.
CREATE TABLE members (
	id         INTEGER PRIMARY KEY,
	email      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name       TEXT,
	role       TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'facilitator')),
	delivery   TEXT NOT NULL DEFAULT 'each' CHECK (delivery IN ('each', 'digest', 'none')),
	region     TEXT,
	language   TEXT,
	status     TEXT NOT NULL DEFAULT 'active'
	           CHECK (status IN ('pending', 'active', 'unsubscribed', 'bouncing')),
	all_themes INTEGER NOT NULL DEFAULT 1,
	unsub_token TEXT UNIQUE,         -- personal one-click unsubscribe token
	created    INTEGER NOT NULL,
	updated    INTEGER NOT NULL
);

CREATE TABLE member_themes (
	member INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	theme  TEXT NOT NULL,
	PRIMARY KEY (member, theme)
);

-- Every inbound message, once, whatever its route.  state: stored (effects
-- committed), failed (could not be parsed/handled; reason says why), ignored
-- (auto-reply, loop, ...).
CREATE TABLE messages (
	id         INTEGER PRIMARY KEY,
	message_id TEXT NOT NULL UNIQUE,   -- Message-ID, or "sha256:HEX" of the raw bytes
	received   INTEGER NOT NULL,
	origin     TEXT,                   -- "imap:MAILBOX:UIDVALIDITY:UID", "mbox:FILE", "cli"
	route      TEXT NOT NULL,
	state      TEXT NOT NULL,
	reason     TEXT,
	sender     TEXT,
	size       INTEGER NOT NULL,
	raw        BLOB NOT NULL
);

CREATE TABLE threads (
	id           INTEGER PRIMARY KEY,
	theme        TEXT NOT NULL,
	session      INTEGER REFERENCES sessions(id),
	subject      TEXT,
	norm_subject TEXT,
	root         INTEGER,              -- first post of the thread
	created      INTEGER NOT NULL,
	last_post    INTEGER NOT NULL,
	posts        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX threads_subject ON threads(theme, norm_subject, last_post);

-- state: accepted (relayed), held (awaiting moderation), rejected.
CREATE TABLE posts (
	id           INTEGER PRIMARY KEY,
	message      INTEGER NOT NULL UNIQUE REFERENCES messages(id),
	message_id   TEXT NOT NULL UNIQUE,
	thread       INTEGER NOT NULL REFERENCES threads(id),
	parent       INTEGER REFERENCES posts(id),
	depth        INTEGER NOT NULL DEFAULT 0,
	theme        TEXT NOT NULL,
	session      INTEGER REFERENCES sessions(id),
	kind         TEXT NOT NULL CHECK (kind IN ('idea', 'question', 'resource', 'feedback', 'summary')),
	state        TEXT NOT NULL DEFAULT 'accepted' CHECK (state IN ('accepted', 'held', 'rejected')),
	author       INTEGER REFERENCES members(id) ON DELETE SET NULL,
	author_name  TEXT,
	author_email TEXT,
	subject      TEXT,
	date         INTEGER,             -- the Date: header (UTC)
	received     INTEGER NOT NULL,    -- arrival; drives session and digests
	text         TEXT NOT NULL DEFAULT '',
	new_text     TEXT NOT NULL DEFAULT '',
	nlinks       INTEGER NOT NULL DEFAULT 0,
	nattachments INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX posts_thread ON posts(thread, received);
CREATE INDEX posts_session ON posts(session);
CREATE INDEX posts_received ON posts(received);
CREATE INDEX posts_author ON posts(author);

CREATE VIRTUAL TABLE posts_fts USING fts5(
	subject, author_name, text,
	content = 'posts', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER posts_fts_ai AFTER INSERT ON posts BEGIN
	INSERT INTO posts_fts(rowid, subject, author_name, text)
	VALUES (new.id, new.subject, new.author_name, new.text);
END;
CREATE TRIGGER posts_fts_ad AFTER DELETE ON posts BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, subject, author_name, text)
	VALUES ('delete', old.id, old.subject, old.author_name, old.text);
END;
CREATE TRIGGER posts_fts_au AFTER UPDATE OF subject, author_name, text ON posts BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, subject, author_name, text)
	VALUES ('delete', old.id, old.subject, old.author_name, old.text);
	INSERT INTO posts_fts(rowid, subject, author_name, text)
	VALUES (new.id, new.subject, new.author_name, new.text);
END;

-- JWZ containers: one row per Message-ID seen, as a post or as a reference
-- only (post IS NULL: a placeholder).  parent_mid is the container's parent
-- by References/In-Reply-To.  A late parent adopts its orphans through this.
CREATE TABLE containers (
	mid        TEXT PRIMARY KEY,
	post       INTEGER REFERENCES posts(id),
	parent_mid TEXT,
	thread     INTEGER REFERENCES threads(id)
);
CREATE INDEX containers_parent ON containers(parent_mid);
CREATE INDEX containers_thread ON containers(thread);

CREATE TABLE links (
	post INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	url  TEXT NOT NULL
);
CREATE INDEX links_post ON links(post);

CREATE TABLE attachments (
	post  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	name  TEXT,
	type  TEXT,
	bytes INTEGER NOT NULL
);
CREATE INDEX attachments_post ON attachments(post);

-- Outbound mail.  kind: post, notice, digest, summary, announce, kit, probe, ...
-- A relayed post has post set and no body: it is composed per recipient at
-- send time from the stored raw message.  Everything else carries its body.
CREATE TABLE outbox (
	id      INTEGER PRIMARY KEY,
	kind    TEXT NOT NULL,
	post    INTEGER REFERENCES posts(id),
	created INTEGER NOT NULL,
	body    BLOB
);

-- One row per recipient of an outbox entry.  state: queued, deferred, sent,
-- failed.  next_try: when a deferred row may be tried again.
CREATE TABLE outbox_rcpt (
	id         INTEGER PRIMARY KEY,
	outbox     INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
	member     INTEGER REFERENCES members(id) ON DELETE SET NULL,
	address    TEXT NOT NULL,
	state      TEXT NOT NULL DEFAULT 'queued'
	           CHECK (state IN ('queued', 'deferred', 'sent', 'failed')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_try   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	updated    INTEGER NOT NULL,
	UNIQUE (outbox, address)
);
CREATE INDEX outbox_rcpt_due ON outbox_rcpt(state, next_try);

-- Single-use tokens.  kind: confirm-subscribe, confirm-unsubscribe, approve
-- (holds), summary-confirm, ...  used: time of use, NULL while unused.
CREATE TABLE tokens (
	token   TEXT PRIMARY KEY,
	kind    TEXT NOT NULL,
	address TEXT,
	member  INTEGER REFERENCES members(id) ON DELETE CASCADE,
	ref     INTEGER,
	data    TEXT,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	used    INTEGER,
	used_by TEXT
);

-- Moderation holds.  state: held, approved, rejected, expired.
CREATE TABLE held (
	id         INTEGER PRIMARY KEY,
	message    INTEGER NOT NULL UNIQUE REFERENCES messages(id),
	post       INTEGER REFERENCES posts(id),
	reason     TEXT NOT NULL,
	token      TEXT NOT NULL UNIQUE,
	state      TEXT NOT NULL DEFAULT 'held'
	           CHECK (state IN ('held', 'approved', 'rejected', 'expired')),
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	decided    INTEGER,
	decided_by TEXT,
	comment    TEXT
);

-- Delivery failures.  day is the local calendar day (for "3 distinct days
-- within 14").  temporary rows are kept for the record but never count.
CREATE TABLE bounces (
	id        INTEGER PRIMARY KEY,
	member    INTEGER REFERENCES members(id) ON DELETE CASCADE,
	address   TEXT NOT NULL,
	day       INTEGER NOT NULL,
	at        INTEGER NOT NULL,
	temporary INTEGER NOT NULL DEFAULT 0,
	reason    TEXT,
	message   INTEGER REFERENCES messages(id)
);
CREATE INDEX bounces_address ON bounces(address, day);

-- Rate limits for notices: at most one of a kind per address per day.
CREATE TABLE notices (
	address TEXT NOT NULL COLLATE NOCASE,
	kind    TEXT NOT NULL,
	day     INTEGER NOT NULL,
	PRIMARY KEY (address, kind, day)
);

CREATE TABLE imap_state (
	mailbox     TEXT PRIMARY KEY,
	uidvalidity INTEGER NOT NULL,
	last_uid    INTEGER NOT NULL DEFAULT 0,
	last_fetch  INTEGER
);

-- Due work.  kind: session-open, session-kit, session-close, digest.
-- ref names the object (a session id, a digest number).  A job's effects
-- and its done mark commit in one transaction.
CREATE TABLE jobs (
	id   INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	ref  TEXT NOT NULL,
	due  INTEGER NOT NULL,
	done INTEGER,
	UNIQUE (kind, ref)
);
CREATE INDEX jobs_due ON jobs(done, due);

CREATE TABLE digests (
	number       INTEGER PRIMARY KEY,
	period_start INTEGER NOT NULL,
	period_end   INTEGER NOT NULL,
	built        INTEGER
);

CREATE TABLE digest_sent (
	digest INTEGER NOT NULL REFERENCES digests(number),
	member INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	outbox INTEGER REFERENCES outbox(id),
	PRIMARY KEY (digest, member)
);
