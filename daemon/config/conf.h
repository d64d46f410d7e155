/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf - the configuration file, parsed from one table
 *
 * Named conf.h, not config.h: config.h is autoconf's.
 *
 * conf_load() reads an INI file into a struct conf: [list], [imap], [smtp],
 * [digest], [archive] and any number of [theme SLUG] sections.  Every key is
 * described once, in the table in conf_keys.c: its section, name, type,
 * default, whether it is required and how it is checked.  Errors are collected (not
 * just the first) and reported as "FILE:LINE: [section] key: problem"; a
 * problem with no line (a missing required key) uses the section header's
 * line, or 0.  Secrets are never stored here: only password file paths, and
 * conf_read_secret() reads a password file at the moment of use.
 *
 * A struct conf is owned by the caller of conf_load() and released with
 * conf_free(); every string in it lives as long as the struct.
 *
 * Details of the accepted syntax (see also conf/baraza.conf.example):
 * - section names and keys are matched case-insensitively; a section may
 *   appear only once, a key only once unless it is repeatable (session,
 *   questions);
 * - errors without a key read "FILE:LINE: [section]: problem", errors
 *   outside any section "FILE:LINE: problem";
 * - relative paths (database, password_file, ca_file, archive.dir) are
 *   taken relative to the directory of the configuration file;
 * - an empty optional value (e.g. "ca_file =") means "not set" (NULL);
 * - defaults: subject_prefix "" (no prefix), timezone UTC, language en,
 *   archive.dir "archive" next to the database, digest.first 09:00 local
 *   time every_days after the first session opens (0 when no session is
 *   configured: then no digest is due), every other key as in
 *   conf/baraza.conf.example;
 * - the theme "general" is the implicit floor theme (posts no other theme
 *   takes go there): it need not be configured (conf_theme_find() always
 *   finds it);
 * - keywords are checked by compiling them with pcre2_compile() and the
 *   options CONF_PCRE2_OPTIONS; whoever matches them must use the same.
 */
#ifndef BARAZA_CONF_H
#define BARAZA_CONF_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

enum reply_to { REPLY_TO_LIST, REPLY_TO_SENDER };
enum moderate { MODERATE_NONE, MODERATE_NONMEMBERS, MODERATE_FIRST_POST, MODERATE_ALL };
enum from_munging { FROM_MUNGING_NEVER, FROM_MUNGING_ALWAYS, FROM_MUNGING_AUTO };
enum starttls { STARTTLS_YES, STARTTLS_NO };   /* yes: TLS or nothing */
enum imap_after { IMAP_AFTER_MOVE, IMAP_AFTER_FLAG, IMAP_AFTER_DELETE };

/* One session window from a "session = START..END" line: local dates,
 * END exclusive.  opens/closes are UTC instants of local midnight. */
struct conf_session {
	time_t opens, closes;
	int line;
};

/* A theme's text in one more language: "title.fr = ..." or one
 * "questions.sw = ..." line. */
struct conf_translation {
	char *lang;                   /* "fr", "pt-BR" (owned) */
	char *text;                   /* owned */
};

struct conf_theme {
	char *slug;
	char *title;
	char *keywords;               /* PCRE2 source, or NULL */
	struct conf_session *sessions; /* sorted by opens */
	size_t nsessions;
	char **questions;
	size_t nquestions;
	struct conf_translation *titles;     /* title.LANG lines */
	size_t ntitles;
	struct conf_translation *questions_tr; /* questions.LANG lines, in order */
	size_t nquestions_tr;
	int line;                     /* line of the [theme SLUG] header */
};

/* Compile theme keywords with these options (needs <pcre2.h>). */
#define CONF_PCRE2_OPTIONS (PCRE2_UTF | PCRE2_UCP)

/* The slug of the implicit floor theme. */
#define CONF_GENERAL_THEME "general"

struct conf {
	char *path;                   /* the file that was read */

	struct {
		char *name;           /* "Shifting the Power CoP" */
		char *address;        /* "cop@example.org" (lower-case domain) */
		char *local;          /* "cop": the part before '@' */
		char *domain;         /* "example.org" */
		char *tag_separator;  /* "+" (one character) */
		char *subject_prefix; /* "[CoP]", may be empty */
		char *database;
		char *timezone;
		char *language;
		enum reply_to reply_to;
		enum moderate moderate;
		long max_message_kb;
		long keep_raw_days;     /* raw bytes of non-posts kept this long */
		long max_posts_per_hour;
		long hold_notice_minutes; /* 0: hold notices once per cycle */
		enum from_munging from_munging;
		char *trusted_authserv_id; /* NULL when empty */
	} list;

	struct {
		char *url;            /* imaps://host:port/MAILBOX */
		char *user;
		char *password_file;
		char *ca_file;        /* NULL when empty */
		enum starttls starttls;
		int idle;
		long poll_seconds;
		enum imap_after after;
		char *after_folder;   /* for move:FOLDER */
		/* url taken apart: */
		char *host;           /* "mail.example.org" (no brackets for IPv6) */
		int port;             /* 993 for imaps, 143 for imap unless given */
		char *mailbox;        /* "INBOX" unless given */
		int implicit_tls;     /* 1 for imaps:// */
	} imap;

	struct {
		char *url;
		char *user;           /* NULL when empty: no AUTH */
		char *password_file;  /* NULL when empty */
		char *ca_file;
		enum starttls starttls;
		int personalize;
		long max_recipients;
		long connections;
		long retry_for_hours;
		int pipelining;       /* 1 auto: RFC 2920 when offered; 0 no */
		/* url taken apart: */
		char *host;
		int port;             /* 465 for smtps, 25 for smtp unless given */
		int implicit_tls;     /* 1 for smtps:// */
	} smtp;

	struct {
		long every_days;
		time_t first;         /* UTC instant of the local "first" time;
		                       * 0: no sessions and no first: no digests */
		char **sections;      /* "summaries", "threads", ... in order */
		size_t nsections;
	} digest;

	struct {
		char *dir;
		char *url;            /* NULL when empty */
		int hide_addresses;
		long mode;            /* files (folders: plus x where r): 0644 */
		char *group;          /* chgrp files and folders to it, or NULL */
		long gid;             /* group's id when group is set */
	} archive;

	struct {
		char *server;         /* "HOST:PORT" as given ([v6]:port too), or
		                       * NULL: the system's (/etc/resolv.conf) */
	} dns;

	struct {
		char *domain;         /* NULL: no [dkim], baraza does not sign */
		char *selector;
		char *key_file;       /* PEM private key, mode 0600 (checked) */
	} dkim;

	struct {
		char *listen;         /* "127.0.0.1:8025" */
		char *url;            /* public base URL, no trailing '/'; NULL:
		                       * no web URI in List-Unsubscribe */
		long max_connections; /* open connections at once */
		long timeout_seconds; /* idle connection closed after */
		/* taken apart: */
		char *host;           /* listen address, no brackets */
		int port;
		char *path;           /* url's path ("/cop", or "") */
	} web;

	struct conf_theme *themes;    /* in file order */
	size_t nthemes;
};

/* conf_load - parse path.  Returns a struct conf (owned by the caller), or
 * NULL with every problem written into errs, one per line, as
 * "FILE:LINE: [section] key: problem".  Also checks password file modes
 * and sets the process time zone (clock_set_timezone). */
struct conf *conf_load(const char *path, struct buf *errs);
/* conf_free - release a struct conf; *cp = NULL */
void conf_free(struct conf **cp);

/* conf_default_path - $BARAZA_CONF, else SYSCONFDIR "/baraza.conf" */
const char *conf_default_path(void);

/* conf_theme_find - the theme with this slug (case-insensitive), or NULL */
const struct conf_theme *conf_theme_find(const struct conf *c, const char *slug);

/* conf_read_secret - read the first line of a password file into out
 * (trailing newline removed).  Refuses files that are group- or
 * world-readable.  0, or -1 with a reason in err (never the secret). */
int conf_read_secret(const char *path, char *out, size_t outlen,
    char *err, size_t errlen);

/* conf_theme_title - t's title in lang (title.LANG, else title.PRIMARY
 * for "pt-BR", else the title); borrowed from t */
const char *conf_theme_title(const struct conf_theme *t, const char *lang);

/* conf_theme_questions - t's opening questions in lang: the questions.LANG
 * lines when there are any (else those of lang's primary subtag), else
 * the questions lines.  *n gets their number; the i-th is
 * conf_theme_question(t, lang, i) (borrowed from t). */
size_t conf_theme_questions(const struct conf_theme *t, const char *lang);
const char *conf_theme_question(const struct conf_theme *t, const char *lang, size_t i);

#endif
