/* conf - the configuration file (SPEC section 3), parsed from one table
 *
 * Loading happens in three steps:
 *  1. the file is read (capped at CONF_MAX_FILE) and cut into records:
 *     section headers and "key = value" lines, comments and blank lines
 *     dropped, syntax errors reported;
 *  2. the [list] timezone is set first, because session and digest dates
 *     are local times; then every record is applied through the key table
 *     (keys[] below), which knows each key's section, type, field, default,
 *     flags and checks;
 *  3. what involves several keys is checked last: required keys, the list
 *     address against the tag separator, overlapping sessions, the SMTP
 *     user without a password file, the archive directory's default.
 *
 * All errors are collected; the struct is returned only when there were
 * none.  Secrets are never read here: only password file paths and modes.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "address.h"
#include "clock.h"
#include "conf.h"
#include "hex.h"
#include "log.h"
#include "utf8.h"
#include "xalloc.h"

#define CONF_MAX_FILE (1 << 20)   /* bytes */
#define CONF_MAX_LINE 4096        /* bytes per line */
#define CONF_MAX_THEMES 256
#define CONF_MAX_REPEAT 1000      /* sessions or questions per theme */
#define CONF_SLUG_MAX 64

enum sect { S_LIST, S_IMAP, S_SMTP, S_DIGEST, S_ARCHIVE, S_THEME, S_NONE };

static const char *const sect_names[] = {
	"list", "imap", "smtp", "digest", "archive", "theme",
};

enum ktype {
	K_STR,          /* char *, any text */
	K_PATH,         /* char *, made absolute against the file's directory */
	K_LONG,         /* long within [min, max] */
	K_BOOL,         /* int: yes/no */
	K_ENUM,         /* int (an enum) from names[] */
	K_FN,           /* the key's own setter */
};

#define F_REQ        0x01   /* must be given */
#define F_REPEAT     0x02   /* may be given many times */
#define F_EMPTY_NULL 0x04   /* an empty value means "not set" (NULL) */
#define F_SECRET     0x08   /* a password file: must exist, mode & 077 == 0 */
#define F_READABLE   0x10   /* a file that must exist and be readable */

struct conf_enum {
	const char *name;
	int value;
};

struct loader;
/* A setter parses v into its field(s) of base (a struct conf or a struct
 * conf_theme).  0, or -1 with the problem in prob. */
typedef int setter_fn(struct loader *L, void *base, const char *v,
    char *prob, size_t problen);

struct conf_key {
	enum sect sect;
	const char *name;
	enum ktype type;
	size_t off;              /* field in struct conf or struct conf_theme */
	const char *def;         /* default, applied through the same path; NULL: none */
	int flags;
	long min, max;           /* K_LONG */
	const struct conf_enum *names; /* K_ENUM, NULL-terminated */
	setter_fn *set;          /* K_FN */
};

/* One line of the file that matters: a header or a key. */
struct record {
	int line;
	int is_header;
	char *name;              /* section name or key */
	char *arg;               /* theme slug, or NULL; the value for a key */
};

struct loader {
	struct conf *c;
	struct buf *errs;
	int nerrs;
	char *dir;               /* directory of the file, or NULL */
	/* where the current record is, for error messages */
	const char *label;       /* "[list]", "[theme funding]" */
	/* the line each global key was set on, and of each section header */
	int seen[64];
	int sect_line[S_THEME];
	int **theme_seen;        /* per theme, like seen[] */
};

static setter_fn set_address, set_tag_separator, set_timezone, set_language,
    set_imap_url, set_smtp_url, set_after, set_first, set_sections,
    set_archive_url, set_session, set_keywords, set_question, set_token;

static const struct conf_enum reply_to_names[] = {
	{ "list", REPLY_TO_LIST }, { "sender", REPLY_TO_SENDER }, { NULL, 0 },
};
static const struct conf_enum moderate_names[] = {
	{ "none", MODERATE_NONE }, { "nonmembers", MODERATE_NONMEMBERS },
	{ "first-post", MODERATE_FIRST_POST }, { "all", MODERATE_ALL },
	{ NULL, 0 },
};
static const struct conf_enum munging_names[] = {
	{ "never", FROM_MUNGING_NEVER }, { "always", FROM_MUNGING_ALWAYS },
	{ NULL, 0 },
};
static const struct conf_enum starttls_names[] = {
	{ "auto", STARTTLS_AUTO }, { "yes", STARTTLS_YES }, { "no", STARTTLS_NO },
	{ NULL, 0 },
};
static const struct conf_enum pipelining_names[] = {
	{ "auto", 1 }, { "no", 0 }, { NULL, 0 },
};

/* The digest sections a digest may have, in their canonical order. */
static const char *const digest_section_names[] = {
	"summaries", "threads", "questions", "resources", "figures", "next",
};

#define LF(f) offsetof(struct conf, list.f)
#define IF(f) offsetof(struct conf, imap.f)
#define SF(f) offsetof(struct conf, smtp.f)
#define DF(f) offsetof(struct conf, digest.f)
#define AF(f) offsetof(struct conf, archive.f)
#define TF(f) offsetof(struct conf_theme, f)

/* The configuration: every key of SPEC section 3, once (and smtp.pipelining). */
static const struct conf_key keys[] = {
	{ S_LIST, "name", K_STR, LF(name), NULL, F_REQ, 0, 0, NULL, NULL },
	{ S_LIST, "address", K_FN, LF(address), NULL, F_REQ, 0, 0, NULL, set_address },
	{ S_LIST, "tag_separator", K_FN, LF(tag_separator), "+", 0, 0, 0, NULL, set_tag_separator },
	{ S_LIST, "subject_prefix", K_STR, LF(subject_prefix), "", 0, 0, 0, NULL, NULL },
	{ S_LIST, "database", K_PATH, LF(database), NULL, F_REQ, 0, 0, NULL, NULL },
	{ S_LIST, "timezone", K_FN, LF(timezone), "UTC", 0, 0, 0, NULL, set_timezone },
	{ S_LIST, "language", K_FN, LF(language), "en", 0, 0, 0, NULL, set_language },
	{ S_LIST, "reply_to", K_ENUM, LF(reply_to), "list", 0, 0, 0, reply_to_names, NULL },
	{ S_LIST, "moderate", K_ENUM, LF(moderate), "nonmembers", 0, 0, 0, moderate_names, NULL },
	{ S_LIST, "max_message_kb", K_LONG, LF(max_message_kb), "2048", 0, 1, 1048576, NULL, NULL },
	{ S_LIST, "max_posts_per_hour", K_LONG, LF(max_posts_per_hour), "20", 0, 0, 1000000, NULL, NULL },
	{ S_LIST, "from_munging", K_ENUM, LF(from_munging), "never", 0, 0, 0, munging_names, NULL },
	{ S_LIST, "trusted_authserv_id", K_FN, LF(trusted_authserv_id), NULL, F_EMPTY_NULL, 0, 0, NULL, set_token },

	{ S_IMAP, "url", K_FN, IF(url), NULL, F_REQ, 0, 0, NULL, set_imap_url },
	{ S_IMAP, "user", K_STR, IF(user), NULL, F_REQ, 0, 0, NULL, NULL },
	{ S_IMAP, "password_file", K_PATH, IF(password_file), NULL, F_REQ | F_SECRET, 0, 0, NULL, NULL },
	{ S_IMAP, "ca_file", K_PATH, IF(ca_file), NULL, F_EMPTY_NULL | F_READABLE, 0, 0, NULL, NULL },
	{ S_IMAP, "starttls", K_ENUM, IF(starttls), "auto", 0, 0, 0, starttls_names, NULL },
	{ S_IMAP, "idle", K_BOOL, IF(idle), "yes", 0, 0, 0, NULL, NULL },
	{ S_IMAP, "poll_seconds", K_LONG, IF(poll_seconds), "60", 0, 1, 86400, NULL, NULL },
	{ S_IMAP, "after", K_FN, IF(after), "move:Processed", 0, 0, 0, NULL, set_after },

	{ S_SMTP, "url", K_FN, SF(url), NULL, F_REQ, 0, 0, NULL, set_smtp_url },
	{ S_SMTP, "user", K_STR, SF(user), NULL, F_EMPTY_NULL, 0, 0, NULL, NULL },
	{ S_SMTP, "password_file", K_PATH, SF(password_file), NULL, F_EMPTY_NULL | F_SECRET, 0, 0, NULL, NULL },
	{ S_SMTP, "ca_file", K_PATH, SF(ca_file), NULL, F_EMPTY_NULL | F_READABLE, 0, 0, NULL, NULL },
	{ S_SMTP, "starttls", K_ENUM, SF(starttls), "auto", 0, 0, 0, starttls_names, NULL },
	{ S_SMTP, "personalize", K_BOOL, SF(personalize), "yes", 0, 0, 0, NULL, NULL },
	{ S_SMTP, "max_recipients", K_LONG, SF(max_recipients), "100", 0, 1, 100000, NULL, NULL },
	{ S_SMTP, "connections", K_LONG, SF(connections), "2", 0, 1, 64, NULL, NULL },
	{ S_SMTP, "retry_for_hours", K_LONG, SF(retry_for_hours), "72", 0, 1, 8760, NULL, NULL },
	/* not in SPEC: auto = RFC 2920 PIPELINING when the server offers it,
	 * no = never (README) */
	{ S_SMTP, "pipelining", K_ENUM, SF(pipelining), "auto", 0, 0, 0, pipelining_names, NULL },

	{ S_DIGEST, "every_days", K_LONG, DF(every_days), "14", 0, 1, 366, NULL, NULL },
	{ S_DIGEST, "first", K_FN, DF(first), NULL, 0, 0, 0, NULL, set_first },
	{ S_DIGEST, "sections", K_FN, DF(sections),
	    "summaries, threads, questions, resources, figures, next", 0, 0, 0, NULL, set_sections },

	{ S_ARCHIVE, "dir", K_PATH, AF(dir), NULL, 0, 0, 0, NULL, NULL },
	{ S_ARCHIVE, "url", K_FN, AF(url), NULL, F_EMPTY_NULL, 0, 0, NULL, set_archive_url },
	{ S_ARCHIVE, "hide_addresses", K_BOOL, AF(hide_addresses), "yes", 0, 0, 0, NULL, NULL },

	{ S_THEME, "title", K_STR, TF(title), NULL, F_REQ, 0, 0, NULL, NULL },
	{ S_THEME, "session", K_FN, TF(sessions), NULL, F_REPEAT, 0, 0, NULL, set_session },
	{ S_THEME, "keywords", K_FN, TF(keywords), NULL, F_EMPTY_NULL, 0, 0, NULL, set_keywords },
	{ S_THEME, "questions", K_FN, TF(questions), NULL, F_REPEAT, 0, 0, NULL, set_question },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Theme slugs that would collide with the list's own addresses (SPEC 4). */
static const char *const reserved_slugs[] = {
	"request", "subscribe", "unsubscribe", "help", "confirm", "reply",
	"summary", "approve", "reject", "bounces", "owner", "all",
};

/* The floor theme when it is not configured (SPEC section 5). */
static const struct conf_theme general_theme = {
	.slug = (char *)CONF_GENERAL_THEME,
	.title = (char *)"General",
};

/* ---- errors ------------------------------------------------------------ */

/* conf_err - "FILE:LINE: [section] key: problem" into the error buffer */
static void __attribute__((format(printf, 5, 6)))
conf_err(struct loader *L, int line, const char *label, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	buf_printf(L->errs, "%s:%d: ", L->c->path, line);
	if (label != NULL && key != NULL)
		buf_printf(L->errs, "%s %s: ", label, key);
	else if (label != NULL)
		buf_printf(L->errs, "%s: ", label);
	else if (key != NULL)
		buf_printf(L->errs, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(L->errs, fmt, ap);
	va_end(ap);
	buf_putc(L->errs, '\n');
	L->nerrs++;
}

/* ---- small helpers ----------------------------------------------------- */

static int
is_blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* trim - strip blanks at both ends, in place; returns the new start */
static char *
trim(char *s)
{
	char *e;

	while (is_blank((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* valid_date - 1 when y-m-d is a real calendar date */
static int
valid_date(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* parse_digits - exactly n decimal digits at s into *out; 0 or -1 */
static int
parse_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* parse_date - "YYYY-MM-DD" (exactly) into its fields; 0 or -1 */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	if (parse_digits(s, 4, y) || s[4] != '-' || parse_digits(s + 5, 2, m) ||
	    s[7] != '-' || parse_digits(s + 8, 2, d))
		return -1;
	return valid_date(*y, *m, *d) ? 0 : -1;
}

/* resolve_path - v made absolute against the configuration's directory */
static char *
resolve_path(struct loader *L, const char *v)
{
	if (v[0] == '/' || L->dir == NULL)
		return xstrdup(v);
	return xasprintf("%s/%s", L->dir, v);
}

/* check_private_file - problem text for a password file that is missing,
 * not a regular file, or readable by group or others; NULL when fine */
static int
check_private_file(const char *path, char *prob, size_t problen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(prob, problen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(prob, problen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(prob, problen, "%s: must not be accessible by group or "
		    "others (mode %04o; chmod 600 it)", path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* ---- setters ----------------------------------------------------------- */

static char **
str_field(void *base, size_t off)
{
	return (char **)(void *)((char *)base + off);
}

/* set_address - the posting address, split into local part and domain */
static int
set_address(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	const char *why;
	char *a = addr_normalize_dup(v, &why);
	const char *at;

	(void)L;
	if (a == NULL) {
		snprintf(prob, problen, "'%s' is not a valid address: %s", v, why);
		return -1;
	}
	at = strrchr(a, '@');
	free(c->list.address);
	free(c->list.local);
	free(c->list.domain);
	c->list.address = a;
	c->list.local = xstrndup(a, (size_t)(at - a));
	c->list.domain = xstrdup(at + 1);
	return 0;
}

/* set_tag_separator - one printable ASCII character that cannot be part of
 * a domain or confuse an address */
static int
set_tag_separator(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;

	(void)L;
	if (strlen(v) != 1 || !ispunct((unsigned char)v[0]) ||
	    strchr("@\"(),:;<>[]\\.", v[0]) != NULL) {
		snprintf(prob, problen, "'%s' must be one punctuation character "
		    "such as '+' or '-'", v);
		return -1;
	}
	free(c->list.tag_separator);
	c->list.tag_separator = xstrdup(v);
	return 0;
}

/* set_timezone - a zone the system knows; makes it the process's zone */
static int
set_timezone(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;

	(void)L;
	if (clock_set_timezone(v) < 0) {
		snprintf(prob, problen, "unknown time zone '%s'", v);
		return -1;
	}
	free(c->list.timezone);
	c->list.timezone = xstrdup(v);
	return 0;
}

/* set_language - a language tag such as "en", "fr", "pt-BR" */
static int
set_language(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	size_t n = 0;

	(void)L;
	while (v[n] >= 'a' && v[n] <= 'z')
		n++;
	if (n < 2 || n > 3)
		goto bad;
	for (const char *p = v + n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			goto bad;
	if (v[n] != '\0' && (v[n] != '-' && v[n] != '_'))
		goto bad;
	if (strlen(v) > 16)
		goto bad;
	free(c->list.language);
	c->list.language = xstrdup(v);
	return 0;
bad:
	snprintf(prob, problen, "'%s' is not a language tag such as 'en' or 'pt-BR'", v);
	return -1;
}

/* set_token - a single word without spaces (an authserv-id) */
static int
set_token(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;

	(void)L;
	for (const char *p = v; *p; p++)
		if (is_blank((unsigned char)*p) || *p == ';' || *p == '"') {
			snprintf(prob, problen, "'%s' must be one word", v);
			return -1;
		}
	free(c->list.trusted_authserv_id);
	c->list.trusted_authserv_id = xstrdup(v);
	return 0;
}

struct url_parts {
	int implicit_tls;
	char *host;          /* owned */
	int port;
	char *path;          /* owned, percent-decoded, without the leading '/' */
};

/* parse_url - SCHEME://HOST[:PORT][/PATH] where SCHEME is plain or
 * tls_scheme; 0 and *u (release its strings), or -1 with prob */
static int
parse_url(const char *v, const char *plain, const char *tls_scheme,
    int plain_port, int tls_port, struct url_parts *u, char *prob,
    size_t problen)
{
	const char *p, *h, *he;
	size_t n;

	memset(u, 0, sizeof(*u));
	n = strlen(tls_scheme);
	if (strncasecmp(v, tls_scheme, n) == 0 && strncmp(v + n, "://", 3) == 0) {
		u->implicit_tls = 1;
		u->port = tls_port;
		p = v + n + 3;
	} else if (n = strlen(plain), strncasecmp(v, plain, n) == 0 &&
	    strncmp(v + n, "://", 3) == 0) {
		u->port = plain_port;
		p = v + n + 3;
	} else {
		snprintf(prob, problen, "'%s' must start with %s:// or %s://",
		    v, tls_scheme, plain);
		return -1;
	}
	n = strcspn(p, "/?#");
	if (memchr(p, '@', n) != NULL) {
		snprintf(prob, problen, "no user or password in the url: "
		    "use the user and password_file keys");
		return -1;
	}
	if (*p == '[') {
		h = p + 1;
		he = strchr(h, ']');
		if (he == NULL || he == h) {
			snprintf(prob, problen, "'%s': bad IPv6 address", v);
			return -1;
		}
		for (const char *q = h; q < he; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.') {
				snprintf(prob, problen, "'%s': bad IPv6 address", v);
				return -1;
			}
		p = he + 1;
	} else {
		h = p;
		while (isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_')
			p++;
		he = p;
		if (he == h) {
			snprintf(prob, problen, "'%s': no host name", v);
			return -1;
		}
	}
	if (*p == ':') {
		long port = 0;

		p++;
		if (!isdigit((unsigned char)*p)) {
			snprintf(prob, problen, "'%s': bad port", v);
			return -1;
		}
		while (isdigit((unsigned char)*p) && port <= 65535)
			port = port * 10 + (*p++ - '0');
		if (port < 1 || port > 65535 || isdigit((unsigned char)*p)) {
			snprintf(prob, problen, "'%s': port must be 1 to 65535", v);
			return -1;
		}
		u->port = (int)port;
	}
	if (*p != '\0' && *p != '/') {
		snprintf(prob, problen, "'%s': unexpected '%c' after the host", v, *p);
		return -1;
	}
	if (*p == '/') {
		struct buf b;

		p++;
		buf_init(&b, 1024);
		for (; *p; p++) {
			int hi, lo;

			if (*p == '?' || *p == '#') {
				buf_release(&b);
				snprintf(prob, problen, "'%s': no query or fragment allowed", v);
				return -1;
			}
			if (*p == '%') {
				if ((hi = hex_value(p[1])) < 0 || (lo = hex_value(p[2])) < 0 ||
				    (hi == 0 && lo < 0x20)) {
					buf_release(&b);
					snprintf(prob, problen, "'%s': bad %%-escape", v);
					return -1;
				}
				buf_putc(&b, hi * 16 + lo);
				p += 2;
			} else {
				buf_putc(&b, *p);
			}
		}
		u->path = buf_detach(&b, NULL);
		buf_release(&b);
	}
	u->host = xstrndup(h, (size_t)(he - h));
	return 0;
}

/* set_imap_url - imaps://host[:port][/MAILBOX], MAILBOX default INBOX */
static int
set_imap_url(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	struct url_parts u;

	(void)L;
	if (parse_url(v, "imap", "imaps", 143, 993, &u, prob, problen) < 0)
		return -1;
	free(c->imap.url);
	free(c->imap.host);
	free(c->imap.mailbox);
	c->imap.url = xstrdup(v);
	c->imap.host = u.host;
	c->imap.port = u.port;
	c->imap.implicit_tls = u.implicit_tls;
	if (u.path == NULL || *u.path == '\0') {
		free(u.path);
		c->imap.mailbox = xstrdup("INBOX");
	} else {
		c->imap.mailbox = u.path;
	}
	return 0;
}

/* set_smtp_url - smtps://host[:port] or smtp://host[:port] */
static int
set_smtp_url(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	struct url_parts u;

	(void)L;
	if (parse_url(v, "smtp", "smtps", 25, 465, &u, prob, problen) < 0)
		return -1;
	/* libcurl would take a path as the EHLO name; baraza has no use for
	 * one, so refuse it rather than send something surprising. */
	if (u.path != NULL && *u.path != '\0') {
		snprintf(prob, problen, "'%s': no path allowed after the host", v);
		free(u.host);
		free(u.path);
		return -1;
	}
	free(u.path);
	free(c->smtp.url);
	free(c->smtp.host);
	c->smtp.url = xstrdup(v);
	c->smtp.host = u.host;
	c->smtp.port = u.port;
	c->smtp.implicit_tls = u.implicit_tls;
	return 0;
}

/* set_after - move:FOLDER | flag | delete */
static int
set_after(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;

	(void)L;
	free(c->imap.after_folder);
	c->imap.after_folder = NULL;
	if (strcasecmp(v, "flag") == 0) {
		c->imap.after = IMAP_AFTER_FLAG;
	} else if (strcasecmp(v, "delete") == 0) {
		c->imap.after = IMAP_AFTER_DELETE;
	} else if (strncasecmp(v, "move:", 5) == 0) {
		const char *f = v + 5;

		while (is_blank((unsigned char)*f))
			f++;
		if (*f == '\0' || strpbrk(f, "\"\\*%") != NULL) {
			snprintf(prob, problen, "'%s': move needs a folder name "
			    "without '\"', '\\', '*' or '%%'", v);
			return -1;
		}
		c->imap.after = IMAP_AFTER_MOVE;
		c->imap.after_folder = xstrdup(f);
	} else {
		snprintf(prob, problen, "'%s' must be move:FOLDER, flag or delete", v);
		return -1;
	}
	return 0;
}

/* set_first - "YYYY-MM-DD HH:MM", local time of the first digest */
static int
set_first(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	int y, m, d, hh, mm;

	(void)L;
	if (strlen(v) != 16 || parse_date(v, &y, &m, &d) < 0 || v[10] != ' ' ||
	    parse_digits(v + 11, 2, &hh) < 0 || v[13] != ':' ||
	    parse_digits(v + 14, 2, &mm) < 0 || hh > 23 || mm > 59) {
		snprintf(prob, problen, "'%s' is not a local time 'YYYY-MM-DD HH:MM'", v);
		return -1;
	}
	c->digest.first = clock_local(y, m, d, hh, mm);
	return 0;
}

/* set_sections - a comma-separated list of known digest sections */
static int
set_sections(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	char *copy = xstrdup(v), *save = NULL, *tok;
	char **list = NULL;
	size_t n = 0;
	const size_t known = sizeof(digest_section_names) / sizeof(digest_section_names[0]);

	(void)L;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k;

		tok = trim(tok);
		for (k = 0; k < known; k++)
			if (strcasecmp(tok, digest_section_names[k]) == 0)
				break;
		if (k == known) {
			snprintf(prob, problen, "unknown section '%s' (known: summaries, "
			    "threads, questions, resources, figures, next)", tok);
			goto fail;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(list[i], digest_section_names[k]) == 0) {
				snprintf(prob, problen, "section '%s' given twice", tok);
				goto fail;
			}
		list = xreallocarray(list, n + 1, sizeof(*list));
		list[n++] = xstrdup(digest_section_names[k]);
	}
	if (n == 0) {
		snprintf(prob, problen, "name at least one section");
		goto fail;
	}
	free(copy);
	for (size_t i = 0; i < c->digest.nsections; i++)
		free(c->digest.sections[i]);
	free(c->digest.sections);
	c->digest.sections = list;
	c->digest.nsections = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	free(copy);
	return -1;
}

/* set_archive_url - an http(s) URL; a trailing '/' is dropped */
static int
set_archive_url(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	size_t n;

	(void)L;
	if ((strncasecmp(v, "https://", 8) != 0 && strncasecmp(v, "http://", 7) != 0) ||
	    strpbrk(v, " \t\"<>") != NULL || strlen(v) < 9) {
		snprintf(prob, problen, "'%s' must be an http:// or https:// URL", v);
		return -1;
	}
	free(c->archive.url);
	c->archive.url = xstrdup(v);
	n = strlen(c->archive.url);
	while (n > 8 && c->archive.url[n - 1] == '/')
		c->archive.url[--n] = '\0';
	return 0;
}

/* set_session - "START..END", local dates, END exclusive and after START */
static int
set_session(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf_theme *t = base;
	const char *dots = strstr(v, "..");
	char a[16], b[16];
	int y1, m1, d1, y2, m2, d2;
	size_t na, nb;
	const char *bs;
	struct conf_session *s;

	(void)L;
	if (dots == NULL)
		goto bad;
	na = (size_t)(dots - v);
	while (na > 0 && is_blank((unsigned char)v[na - 1]))
		na--;
	bs = dots + 2;
	while (is_blank((unsigned char)*bs))
		bs++;
	nb = strlen(bs);
	if (na != 10 || nb != 10)
		goto bad;
	memcpy(a, v, 10);
	a[10] = '\0';
	memcpy(b, bs, 10);
	b[10] = '\0';
	if (parse_date(a, &y1, &m1, &d1) < 0 || parse_date(b, &y2, &m2, &d2) < 0)
		goto bad;
	if (t->nsessions >= CONF_MAX_REPEAT) {
		snprintf(prob, problen, "more than %d sessions", CONF_MAX_REPEAT);
		return -1;
	}
	if (strcmp(b, a) <= 0) {
		snprintf(prob, problen, "'%s': the end (exclusive) must be after the start", v);
		return -1;
	}
	t->sessions = xreallocarray(t->sessions, t->nsessions + 1, sizeof(*t->sessions));
	s = &t->sessions[t->nsessions++];
	s->opens = clock_local(y1, m1, d1, 0, 0);
	s->closes = clock_local(y2, m2, d2, 0, 0);
	s->line = 0;    /* set by the caller, which knows the line */
	return 0;
bad:
	snprintf(prob, problen, "'%s' is not 'YYYY-MM-DD..YYYY-MM-DD'", v);
	return -1;
}

/* set_keywords - a PCRE2 pattern; compiled here only to check it */
static int
set_keywords(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf_theme *t = base;
	pcre2_code *re;
	int errcode;
	PCRE2_SIZE erroff;

	(void)L;
	re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED, CONF_PCRE2_OPTIONS,
	    &errcode, &erroff, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		snprintf(prob, problen, "bad pattern at offset %zu: %s",
		    (size_t)erroff, (const char *)msg);
		return -1;
	}
	pcre2_code_free(re);
	free(t->keywords);
	t->keywords = xstrdup(v);
	return 0;
}

/* set_question - one more question of the theme */
static int
set_question(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf_theme *t = base;

	(void)L;
	if (t->nquestions >= CONF_MAX_REPEAT) {
		snprintf(prob, problen, "more than %d questions", CONF_MAX_REPEAT);
		return -1;
	}
	t->questions = xreallocarray(t->questions, t->nquestions + 1, sizeof(*t->questions));
	t->questions[t->nquestions++] = xstrdup(v);
	return 0;
}

/* ---- applying one key --------------------------------------------------- */

/* apply - set key k of base to v; 0 or -1 with prob */
static int
apply(struct loader *L, const struct conf_key *k, void *base, const char *v,
    char *prob, size_t problen)
{
	char **sp;
	char *end;
	long n;
	int *ip;

	if (*v == '\0' && (k->flags & F_EMPTY_NULL)) {
		if (k->type == K_STR || k->type == K_PATH || k->type == K_FN) {
			sp = str_field(base, k->off);
			xfree(sp);
		}
		return 0;
	}
	if (*v == '\0' && !(k->type == K_STR && !(k->flags & F_REQ))) {
		snprintf(prob, problen, "empty value");
		return -1;
	}
	switch (k->type) {
	case K_STR:
		sp = str_field(base, k->off);
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case K_PATH:
		sp = str_field(base, k->off);
		free(*sp);
		*sp = resolve_path(L, v);
		if ((k->flags & F_SECRET) && check_private_file(*sp, prob, problen) < 0)
			return -1;
		if ((k->flags & F_READABLE) && access(*sp, R_OK) < 0) {
			snprintf(prob, problen, "%s: %s", *sp, strerror(errno));
			return -1;
		}
		return 0;
	case K_LONG:
		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end != '\0' || errno == ERANGE || !isdigit((unsigned char)v[strlen(v) - 1])) {
			snprintf(prob, problen, "'%s' is not a whole number", v);
			return -1;
		}
		if (n < k->min || n > k->max) {
			snprintf(prob, problen, "%ld is out of range (%ld to %ld)",
			    n, k->min, k->max);
			return -1;
		}
		*(long *)(void *)((char *)base + k->off) = n;
		return 0;
	case K_BOOL:
		ip = (int *)(void *)((char *)base + k->off);
		if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
		    !strcasecmp(v, "on") || !strcmp(v, "1"))
			*ip = 1;
		else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
		    !strcasecmp(v, "off") || !strcmp(v, "0"))
			*ip = 0;
		else {
			snprintf(prob, problen, "'%s' must be yes or no", v);
			return -1;
		}
		return 0;
	case K_ENUM:
		for (const struct conf_enum *e = k->names; e->name; e++)
			if (strcasecmp(v, e->name) == 0) {
				*(int *)(void *)((char *)base + k->off) = e->value;
				return 0;
			}
		{
			size_t len = (size_t)snprintf(prob, problen, "'%s' must be one of", v);

			for (const struct conf_enum *e = k->names; e->name && len < problen; e++)
				len += (size_t)snprintf(prob + len, problen - len, "%s %s",
				    e == k->names ? "" : ",", e->name);
		}
		return -1;
	case K_FN:
		return k->set(L, base, v, prob, problen);
	}
	BUG("bad key type");
}

/* apply_defaults - every default of section sect into base */
static void
apply_defaults(struct loader *L, enum sect sect, void *base)
{
	char prob[256];

	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sect == sect && keys[i].def != NULL &&
		    apply(L, &keys[i], base, keys[i].def, prob, sizeof(prob)) < 0)
			BUG("default of %s.%s: %s", sect_names[sect], keys[i].name, prob);
}

/* ---- reading the file --------------------------------------------------- */

/* read_records - cut the file into records; syntax errors are reported.
 * Returns the number of records, or -1 when the file cannot be read. */
static long
read_records(struct loader *L, const char *path, struct record **out)
{
	struct record *recs = NULL;
	size_t nrecs = 0;
	struct buf data;
	char chunk[8192];
	ssize_t r;
	int fd, lineno = 0;
	char *p, *nl;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		conf_err(L, 0, NULL, NULL, "cannot open: %s", strerror(errno));
		return -1;
	}
	buf_init(&data, CONF_MAX_FILE);
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			conf_err(L, 0, NULL, NULL, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (buf_append(&data, chunk, (size_t)r) < 0) {
			conf_err(L, 0, NULL, NULL, "file larger than %d bytes", CONF_MAX_FILE);
			goto fail;
		}
	}
	close(fd);
	fd = -1;

	p = data.data;
	if (data.len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < data.data + data.len; p = nl + 1) {
		char *line, *eq;
		size_t len;

		lineno++;
		nl = memchr(p, '\n', (size_t)(data.data + data.len - p));
		if (nl == NULL)
			nl = data.data + data.len;
		len = (size_t)(nl - p);
		if (memchr(p, '\0', len) != NULL) {
			conf_err(L, lineno, NULL, NULL, "line contains a NUL byte");
			continue;
		}
		*nl = '\0';
		if (len > CONF_MAX_LINE) {
			conf_err(L, lineno, NULL, NULL, "line longer than %d bytes", CONF_MAX_LINE);
			continue;
		}
		if (!utf8_valid(p, len)) {
			conf_err(L, lineno, NULL, NULL, "line is not valid UTF-8");
			continue;
		}
		line = trim(p);
		if (*line == '\0' || *line == ';' || *line == '#')
			continue;
		for (const char *q = line; *q; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t') {
				conf_err(L, lineno, NULL, NULL, "line contains a control character");
				goto next;
			}
		recs = xreallocarray(recs, nrecs + 1, sizeof(*recs));
		memset(&recs[nrecs], 0, sizeof(recs[nrecs]));
		recs[nrecs].line = lineno;
		if (*line == '[') {
			char *close = strchr(line, ']'), *name, *arg;

			if (close == NULL || close[1] != '\0') {
				conf_err(L, lineno, NULL, NULL, "section header must be "
				    "'[name]' or '[theme SLUG]' alone on its line");
				continue;
			}
			*close = '\0';
			name = trim(line + 1);
			arg = name + strcspn(name, " \t");
			if (*arg) {
				*arg++ = '\0';
				arg = trim(arg);
			}
			recs[nrecs].is_header = 1;
			recs[nrecs].name = xstrdup(name);
			recs[nrecs].arg = *arg ? xstrdup(arg) : NULL;
			nrecs++;
			continue;
		}
		eq = strchr(line, '=');
		if (eq == NULL) {
			conf_err(L, lineno, NULL, NULL, "expected 'key = value', got '%.40s'", line);
			continue;
		}
		*eq = '\0';
		recs[nrecs].name = xstrdup(trim(line));
		recs[nrecs].arg = xstrdup(trim(eq + 1));
		if (recs[nrecs].name[0] == '\0') {
			conf_err(L, lineno, NULL, NULL, "no key before '='");
			free(recs[nrecs].name);
			free(recs[nrecs].arg);
			continue;
		}
		nrecs++;
next:		;
	}
	buf_release(&data);
	*out = recs;
	return (long)nrecs;
fail:
	if (fd >= 0)
		close(fd);
	buf_release(&data);
	return -1;
}

static void
free_records(struct record *recs, long n)
{
	for (long i = 0; i < n; i++) {
		free(recs[i].name);
		free(recs[i].arg);
	}
	free(recs);
}

/* ---- the whole load ----------------------------------------------------- */

/* slug_problem - why slug cannot name a theme, or NULL */
static const char *
slug_problem(const char *slug)
{
	size_t n = strlen(slug);

	if (n == 0)
		return "missing theme slug: write [theme SLUG]";
	if (n > CONF_SLUG_MAX)
		return "theme slug longer than 64 characters";
	for (const char *p = slug; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-')
			return "theme slug may hold only a-z, 0-9 and '-'";
	if (slug[0] == '-' || slug[n - 1] == '-')
		return "theme slug may not start or end with '-'";
	for (size_t i = 0; i < sizeof(reserved_slugs) / sizeof(reserved_slugs[0]); i++) {
		size_t r = strlen(reserved_slugs[i]);

		if (strcmp(slug, reserved_slugs[i]) == 0 ||
		    (strncmp(slug, reserved_slugs[i], r) == 0 && slug[r] == '-'))
			return "theme slug is reserved for the list's own addresses";
	}
	return NULL;
}

static int
session_cmp(const void *a, const void *b)
{
	const struct conf_session *x = a, *y = b;

	return x->opens < y->opens ? -1 : x->opens > y->opens;
}

/* dir_of - the directory part of path, or NULL when it has none */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return NULL;
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* find_key - the table entry of key name in section sect, or -1 */
static int
find_key(enum sect sect, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sect == sect && strcasecmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* post_checks - what involves more than one key */
static void
post_checks(struct loader *L)
{
	struct conf *c = L->c;
	char label[CONF_SLUG_MAX + 16];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &keys[i];

		if (k->sect == S_THEME || !(k->flags & F_REQ) || L->seen[i])
			continue;
		snprintf(label, sizeof(label), "[%s]", sect_names[k->sect]);
		conf_err(L, L->sect_line[k->sect], label, k->name, "missing (required)");
	}
	for (size_t t = 0; t < c->nthemes; t++) {
		struct conf_theme *th = &c->themes[t];

		snprintf(label, sizeof(label), "[theme %s]", th->slug);
		for (size_t i = 0; i < NKEYS; i++)
			if (keys[i].sect == S_THEME && (keys[i].flags & F_REQ) &&
			    !L->theme_seen[t][i])
				conf_err(L, th->line, label, keys[i].name, "missing (required)");
		if (th->nsessions > 1)
			qsort(th->sessions, th->nsessions, sizeof(*th->sessions), session_cmp);
		for (size_t s = 1; s < th->nsessions; s++)
			if (th->sessions[s].opens < th->sessions[s - 1].closes)
				conf_err(L, th->sessions[s].line, label, "session",
				    "overlaps the session on line %d",
				    th->sessions[s - 1].line);
	}
	if (c->list.local && c->list.tag_separator &&
	    strchr(c->list.local, c->list.tag_separator[0]) != NULL)
		conf_err(L, L->seen[find_key(S_LIST, "address")], "[list]", "address",
		    "the local part '%s' contains the tag separator '%s'",
		    c->list.local, c->list.tag_separator);
	if (c->smtp.user && !c->smtp.password_file && L->seen[find_key(S_SMTP, "user")])
		conf_err(L, L->seen[find_key(S_SMTP, "user")], "[smtp]", "user",
		    "set password_file too (or leave user empty for no AUTH)");
	if (!c->smtp.user && c->smtp.password_file)
		conf_err(L, L->seen[find_key(S_SMTP, "password_file")], "[smtp]",
		    "password_file", "set user too");
	/* Without digest.first the first digest goes out every_days after the
	 * programme starts, at 09:00 local time: a digest before anything
	 * was discussed would be empty anyway. */
	if (c->digest.first == 0) {
		time_t start = 0;

		for (size_t t = 0; t < c->nthemes; t++)
			for (size_t i = 0; i < c->themes[t].nsessions; i++)
				if (start == 0 || c->themes[t].sessions[i].opens < start)
					start = c->themes[t].sessions[i].opens;
		if (start != 0) {
			struct tm tm;

			localtime_r(&start, &tm);
			c->digest.first = clock_local(tm.tm_year + 1900, tm.tm_mon + 1,
			    tm.tm_mday + (int)c->digest.every_days, 9, 0);
		}
	}
	if (c->archive.dir == NULL && c->list.database) {
		char *d = dir_of(c->list.database);

		c->archive.dir = d ? xasprintf("%s/archive", d) : xstrdup("archive");
		free(d);
	}
}

/* restore_tz - put back the TZ the process had before conf_load */
static void
restore_tz(const char *old)
{
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
}

/* conf_load - see conf.h */
struct conf *
conf_load(const char *path, struct buf *errs)
{
	struct loader L;
	struct conf *c = xcalloc(1, sizeof(*c));
	struct record *recs;
	long nrecs;
	enum sect cur = S_NONE;
	int skip = 1;            /* ignore keys under a bad header */
	int any_header = 0;
	char label[CONF_SLUG_MAX + 16] = "";
	char prob[512];
	char *old_tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;

	memset(&L, 0, sizeof(L));
	L.c = c;
	L.errs = errs;
	c->path = xstrdup(path);
	L.dir = dir_of(path);
	if (NKEYS > sizeof(L.seen) / sizeof(L.seen[0]))
		BUG("conf: raise loader.seen");

	for (int s = S_LIST; s < S_THEME; s++)
		apply_defaults(&L, (enum sect)s, c);

	nrecs = read_records(&L, path, &recs);
	if (nrecs < 0)
		goto out;

	/* Dates are local: the time zone goes first, wherever it is written. */
	for (long i = 0, in_list = 0; i < nrecs; i++) {
		if (recs[i].is_header) {
			in_list = strcasecmp(recs[i].name, "list") == 0 && !recs[i].arg;
		} else if (in_list && strcasecmp(recs[i].name, "timezone") == 0) {
			if (clock_set_timezone(recs[i].arg) < 0)
				clock_set_timezone("UTC");
			break;
		}
	}

	for (long i = 0; i < nrecs; i++) {
		struct record *r = &recs[i];
		int ki, *seen;
		void *base;

		if (r->is_header) {
			const char *why;
			int s;

			skip = 1;
			any_header = 1;
			for (s = S_LIST; s < S_NONE; s++)
				if (strcasecmp(r->name, sect_names[s]) == 0)
					break;
			if (s == S_NONE) {
				conf_err(&L, r->line, NULL, NULL, "[%s]: unknown section", r->name);
				continue;
			}
			if (s != S_THEME) {
				snprintf(label, sizeof(label), "[%s]", sect_names[s]);
				if (r->arg) {
					conf_err(&L, r->line, label, NULL,
					    "takes no name (found '%s')", r->arg);
					continue;
				}
				if (L.sect_line[s]) {
					conf_err(&L, r->line, label, NULL,
					    "section repeated (first on line %d)", L.sect_line[s]);
					continue;
				}
				L.sect_line[s] = r->line;
				cur = (enum sect)s;
				skip = 0;
				continue;
			}
			snprintf(label, sizeof(label), "[theme %.64s]", r->arg ? r->arg : "");
			if ((why = slug_problem(r->arg ? r->arg : "")) != NULL) {
				conf_err(&L, r->line, label, NULL, "%s", why);
				continue;
			}
			for (size_t t = 0; t < c->nthemes; t++)
				if (strcmp(c->themes[t].slug, r->arg) == 0) {
					conf_err(&L, r->line, label, NULL,
					    "theme repeated (first on line %d)", c->themes[t].line);
					goto next_record;
				}
			if (c->nthemes >= CONF_MAX_THEMES) {
				conf_err(&L, r->line, label, NULL, "more than %d themes",
				    CONF_MAX_THEMES);
				continue;
			}
			c->themes = xreallocarray(c->themes, c->nthemes + 1, sizeof(*c->themes));
			memset(&c->themes[c->nthemes], 0, sizeof(c->themes[0]));
			c->themes[c->nthemes].slug = xstrdup(r->arg);
			c->themes[c->nthemes].line = r->line;
			L.theme_seen = xreallocarray(L.theme_seen, c->nthemes + 1,
			    sizeof(*L.theme_seen));
			L.theme_seen[c->nthemes] = xcalloc(NKEYS, sizeof(int));
			apply_defaults(&L, S_THEME, &c->themes[c->nthemes]);
			c->nthemes++;
			cur = S_THEME;
			skip = 0;
			continue;
		}

		if (!any_header) {
			conf_err(&L, r->line, NULL, r->name, "key outside any [section]");
			continue;
		}
		if (skip)
			continue;
		ki = find_key(cur, r->name);
		if (ki < 0) {
			conf_err(&L, r->line, label, r->name, "unknown key");
			continue;
		}
		if (cur == S_THEME) {
			base = &c->themes[c->nthemes - 1];
			seen = L.theme_seen[c->nthemes - 1];
		} else {
			base = c;
			seen = L.seen;
		}
		if (seen[ki] && !(keys[ki].flags & F_REPEAT)) {
			conf_err(&L, r->line, label, keys[ki].name,
			    "given twice (first on line %d)", seen[ki]);
			continue;
		}
		seen[ki] = r->line;
		if (apply(&L, &keys[ki], base, r->arg, prob, sizeof(prob)) < 0) {
			/* the commonest INI habit baraza does not share */
			int inline_comment = strstr(r->arg, " ;") || strstr(r->arg, "\t;") ||
			    strstr(r->arg, " #") || strstr(r->arg, "\t#");

			conf_err(&L, r->line, label, keys[ki].name, "%s%s", prob,
			    inline_comment ? " (comments must be on a line of their own)" : "");
			continue;
		}
		if (cur == S_THEME && strcmp(keys[ki].name, "session") == 0) {
			struct conf_theme *t = base;

			t->sessions[t->nsessions - 1].line = r->line;
		}
next_record:	;
	}
	post_checks(&L);
	free_records(recs, nrecs);
out:
	for (size_t t = 0; L.theme_seen && t < c->nthemes; t++)
		free(L.theme_seen[t]);
	free(L.theme_seen);
	free(L.dir);
	if (L.nerrs > 0) {
		restore_tz(old_tz);
		free(old_tz);
		conf_free(&c);
		return NULL;
	}
	free(old_tz);
	return c;
}

/* conf_free - see conf.h */
void
conf_free(struct conf **cp)
{
	struct conf *c = *cp;

	if (c == NULL)
		return;
	free(c->path);
	free(c->list.name);
	free(c->list.address);
	free(c->list.local);
	free(c->list.domain);
	free(c->list.tag_separator);
	free(c->list.subject_prefix);
	free(c->list.database);
	free(c->list.timezone);
	free(c->list.language);
	free(c->list.trusted_authserv_id);
	free(c->imap.url);
	free(c->imap.user);
	free(c->imap.password_file);
	free(c->imap.ca_file);
	free(c->imap.after_folder);
	free(c->imap.host);
	free(c->imap.mailbox);
	free(c->smtp.url);
	free(c->smtp.user);
	free(c->smtp.password_file);
	free(c->smtp.ca_file);
	free(c->smtp.host);
	for (size_t i = 0; i < c->digest.nsections; i++)
		free(c->digest.sections[i]);
	free(c->digest.sections);
	free(c->archive.dir);
	free(c->archive.url);
	for (size_t t = 0; t < c->nthemes; t++) {
		struct conf_theme *th = &c->themes[t];

		free(th->slug);
		free(th->title);
		free(th->keywords);
		free(th->sessions);
		for (size_t q = 0; q < th->nquestions; q++)
			free(th->questions[q]);
		free(th->questions);
	}
	free(c->themes);
	free(c);
	*cp = NULL;
}

/* conf_default_path - see conf.h */
const char *
conf_default_path(void)
{
	const char *e = getenv("BARAZA_CONF");

	return e && *e ? e : SYSCONFDIR "/baraza.conf";
}

/* conf_theme_find - see conf.h */
const struct conf_theme *
conf_theme_find(const struct conf *c, const char *slug)
{
	if (slug == NULL)
		return NULL;
	for (size_t i = 0; i < c->nthemes; i++)
		if (strcasecmp(c->themes[i].slug, slug) == 0)
			return &c->themes[i];
	if (strcasecmp(slug, CONF_GENERAL_THEME) == 0)
		return &general_theme;
	return NULL;
}

/* conf_read_secret - see conf.h */
int
conf_read_secret(const char *path, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char tmp[1024];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "no password file configured");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(err, errlen, "%s: %s", path, !S_ISREG(st.st_mode) ?
		    "not a regular file" : "must not be accessible by group or others");
		close(fd);
		return -1;
	}
	do
		n = read(fd, tmp, sizeof(tmp) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	tmp[n] = '\0';
	len = strcspn(tmp, "\r\n");
	if (len == (size_t)n && (size_t)n == sizeof(tmp) - 1)
		len = outlen;           /* the line did not end: too long */
	if (len == 0 || len + 1 > outlen) {
		snprintf(err, errlen, "%s: %s", path, len == 0 ?
		    "is empty" : "password too long");
#ifdef HAVE_EXPLICIT_BZERO
		explicit_bzero(tmp, sizeof(tmp));
#endif
		return -1;
	}
	memcpy(out, tmp, len);
	out[len] = '\0';
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(tmp, sizeof(tmp));
#else
	memset(tmp, 0, sizeof(tmp));
#endif
	return 0;
}
