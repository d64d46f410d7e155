/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf_keys - the configuration's key table and what checks each key
 * (see conf_int.h)
 *
 * conf_keys[] holds every key once: its section, name, type, field,
 * default and flags; a key of type K_FN has a setter of its own below,
 * which checks the value and writes it (and what it implies: the list
 * address's local part and domain, a URL's host and port) into the
 * struct.  Defaults go through the same path as the file's values, so
 * they are checked too.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
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
#include "conf_int.h"
#include "log.h"
#include "url.h"
#include "xalloc.h"

#define CONF_MAX_REPEAT 1000      /* sessions or questions per theme */

const char *const conf_sect_names[] = {
	"list", "imap", "smtp", "digest", "archive", "web", "dns", "dkim", "theme",
};

static setter_fn set_address, set_tag_separator, set_timezone, set_language,
    set_imap_url, set_smtp_url, set_after, set_first, set_sections,
    set_archive_url, set_web_listen, set_web_url,
    set_session, set_keywords, set_question, set_token;

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
	{ "auto", FROM_MUNGING_AUTO }, { NULL, 0 },
};
static const struct conf_enum starttls_names[] = {
	{ "yes", STARTTLS_YES }, { "no", STARTTLS_NO },
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
#define WF(f) offsetof(struct conf, web.f)
#define TF(f) offsetof(struct conf_theme, f)
#define NF(f) offsetof(struct conf, dns.f)
#define KF(f) offsetof(struct conf, dkim.f)

/* The configuration: every key, once, as conf/baraza.conf.example
 * documents them. */
const struct conf_key conf_keys[] = {
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
	/* raw bytes of mail that is no post (bounces, commands, junk, loops):
	 * at least the 14 days a hold or a confirmation may still need them */
	{ S_LIST, "keep_raw_days", K_LONG, LF(keep_raw_days), "30", 0, 14, 36500, NULL, NULL },
	{ S_LIST, "max_posts_per_hour", K_LONG, LF(max_posts_per_hour), "20", 0, 0, 1000000, NULL, NULL },
	/* not in SPEC: the least minutes between two hold notices to the
	 * facilitators (README, "Held posts"); 0 = one per daemon cycle */
	{ S_LIST, "hold_notice_minutes", K_LONG, LF(hold_notice_minutes), "0", 0, 0, 10080, NULL, NULL },
	{ S_LIST, "from_munging", K_ENUM, LF(from_munging), "auto", 0, 0, 0, munging_names, NULL },
	{ S_LIST, "trusted_authserv_id", K_FN, LF(trusted_authserv_id), NULL, F_EMPTY_NULL, 0, 0, NULL, set_token },

	{ S_IMAP, "url", K_FN, IF(url), NULL, F_REQ, 0, 0, NULL, set_imap_url },
	{ S_IMAP, "user", K_STR, IF(user), NULL, F_REQ, 0, 0, NULL, NULL },
	{ S_IMAP, "password_file", K_PATH, IF(password_file), NULL, F_REQ | F_SECRET, 0, 0, NULL, NULL },
	{ S_IMAP, "ca_file", K_PATH, IF(ca_file), NULL, F_EMPTY_NULL | F_READABLE, 0, 0, NULL, NULL },
	{ S_IMAP, "starttls", K_ENUM, IF(starttls), "yes", 0, 0, 0, starttls_names, NULL },
	{ S_IMAP, "idle", K_BOOL, IF(idle), "yes", 0, 0, 0, NULL, NULL },
	{ S_IMAP, "poll_seconds", K_LONG, IF(poll_seconds), "60", 0, 1, 86400, NULL, NULL },
	{ S_IMAP, "after", K_FN, IF(after), "move:Processed", 0, 0, 0, NULL, set_after },

	{ S_SMTP, "url", K_FN, SF(url), NULL, F_REQ, 0, 0, NULL, set_smtp_url },
	{ S_SMTP, "user", K_STR, SF(user), NULL, F_EMPTY_NULL, 0, 0, NULL, NULL },
	{ S_SMTP, "password_file", K_PATH, SF(password_file), NULL, F_EMPTY_NULL | F_SECRET, 0, 0, NULL, NULL },
	{ S_SMTP, "ca_file", K_PATH, SF(ca_file), NULL, F_EMPTY_NULL | F_READABLE, 0, 0, NULL, NULL },
	{ S_SMTP, "starttls", K_ENUM, SF(starttls), "yes", 0, 0, 0, starttls_names, NULL },
	{ S_SMTP, "personalize", K_BOOL, SF(personalize), "yes", 0, 0, 0, NULL, NULL },
	{ S_SMTP, "max_recipients", K_LONG, SF(max_recipients), "100", 0, 1, 100000, NULL, NULL },
	{ S_SMTP, "connections", K_LONG, SF(connections), "2", 0, 1, 64, NULL, NULL },
	{ S_SMTP, "retry_for_hours", K_LONG, SF(retry_for_hours), "72", 0, 1, 8760, NULL, NULL },
	/* auto = RFC 2920 PIPELINING when the server offers it, no = never
	 * (README, "SMTP pipelining") */
	{ S_SMTP, "pipelining", K_ENUM, SF(pipelining), "auto", 0, 0, 0, pipelining_names, NULL },

	{ S_DIGEST, "every_days", K_LONG, DF(every_days), "14", 0, 1, 366, NULL, NULL },
	{ S_DIGEST, "first", K_FN, DF(first), NULL, 0, 0, 0, NULL, set_first },
	{ S_DIGEST, "sections", K_FN, DF(sections),
	    "summaries, threads, questions, resources, figures, next", 0, 0, 0, NULL, set_sections },

	{ S_ARCHIVE, "dir", K_PATH, AF(dir), NULL, 0, 0, 0, NULL, NULL },
	{ S_ARCHIVE, "url", K_FN, AF(url), NULL, F_EMPTY_NULL, 0, 0, NULL, set_archive_url },
	{ S_ARCHIVE, "hide_addresses", K_BOOL, AF(hide_addresses), "yes", 0, 0, 0, NULL, NULL },
	/* what the web server needs, whatever barazad's umask (README,
	 * "Archive permissions") */
	{ S_ARCHIVE, "mode", K_FN, AF(mode), "0644", 0, 0, 0, NULL, set_archive_mode },
	{ S_ARCHIVE, "group", K_FN, AF(group), NULL, F_EMPTY_NULL, 0, 0, NULL, set_archive_group },

	/* optional sections: the DMARC look-ups' resolver, DKIM signing
	 * (README, "Deliverability") */
	{ S_DNS, "server", K_FN, NF(server), NULL, F_EMPTY_NULL, 0, 0, NULL, conf_set_dns_server },
	{ S_DKIM, "domain", K_FN, KF(domain), NULL, F_REQ_SECT, 0, 0, NULL, conf_set_dkim_domain },
	{ S_DKIM, "selector", K_FN, KF(selector), NULL, F_REQ_SECT, 0, 0, NULL, conf_set_dkim_selector },
	{ S_DKIM, "key_file", K_PATH, KF(key_file), NULL, F_REQ_SECT | F_SECRET, 0, 0, NULL, NULL },
	/* the one-click unsubscribe endpoint (baraza web; README "Deploying") */
	{ S_WEB, "listen", K_FN, WF(listen), "127.0.0.1:8025", 0, 0, 0, NULL, set_web_listen },
	{ S_WEB, "url", K_FN, WF(url), NULL, F_EMPTY_NULL, 0, 0, NULL, set_web_url },
	{ S_WEB, "max_connections", K_LONG, WF(max_connections), "64", 0, 1, 10000, NULL, NULL },
	{ S_WEB, "timeout_seconds", K_LONG, WF(timeout_seconds), "15", 0, 1, 3600, NULL, NULL },

	{ S_THEME, "title", K_STR, TF(title), NULL, F_REQ, 0, 0, NULL, NULL },
	{ S_THEME, "session", K_FN, TF(sessions), NULL, F_REPEAT, 0, 0, NULL, set_session },
	{ S_THEME, "keywords", K_FN, TF(keywords), NULL, F_EMPTY_NULL, 0, 0, NULL, set_keywords },
	{ S_THEME, "questions", K_FN, TF(questions), NULL, F_REPEAT, 0, 0, NULL, set_question },
	/* and, outside the table, title.LANG and questions.LANG (repeatable):
	 * the theme's title and questions in one more language
	 * (conf_theme_translation below) */
};

const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);

/* ---- small helpers ----------------------------------------------------- */

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

/* str_field - the char * field at offset off of base */
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

/* lang_tag_problem - NULL when v is a language tag such as "en" or
 * "pt-BR", else the problem */
static const char *
lang_tag_problem(const char *v)
{
	size_t n = 0;

	while (v[n] >= 'a' && v[n] <= 'z')
		n++;
	if (n < 2 || n > 3 || strlen(v) > 16 ||
	    (v[n] != '\0' && v[n] != '-' && v[n] != '_'))
		return "is not a language tag such as 'en' or 'pt-BR'";
	for (const char *p = v + n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return "is not a language tag such as 'en' or 'pt-BR'";
	return NULL;
}

/* conf_theme_translation - see conf_int.h */
int
conf_theme_translation(struct conf_theme *t, const char *name, const char *v,
    char *prob, size_t problen)
{
	const char *dot = strchr(name, '.'), *why;
	struct conf_translation **arr;
	size_t *n;

	if (dot - name == 5 && strncasecmp(name, "title", 5) == 0) {
		arr = &t->titles;
		n = &t->ntitles;
	} else if (dot - name == 9 && strncasecmp(name, "questions", 9) == 0) {
		arr = &t->questions_tr;
		n = &t->nquestions_tr;
	} else {
		snprintf(prob, problen, "unknown key (only title.LANG and "
		    "questions.LANG take a language)");
		return -1;
	}
	if ((why = lang_tag_problem(dot + 1)) != NULL) {
		snprintf(prob, problen, "'%s' %s", dot + 1, why);
		return -1;
	}
	if (*v == '\0') {
		snprintf(prob, problen, "empty value");
		return -1;
	}
	if (arr == &t->titles)
		for (size_t i = 0; i < *n; i++)
			if (strcasecmp((*arr)[i].lang, dot + 1) == 0) {
				snprintf(prob, problen, "given twice");
				return -1;
			}
	if (*n >= CONF_MAX_REPEAT) {
		snprintf(prob, problen, "more than %d translations", CONF_MAX_REPEAT);
		return -1;
	}
	*arr = xreallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[*n].lang = xstrdup(dot + 1);
	(*arr)[*n].text = xstrdup(v);
	(*n)++;
	return 0;
}

/* set_token - a single word without spaces (an authserv-id) */
static int
set_token(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;

	(void)L;
	for (const char *p = v; *p; p++)
		if (conf_ini_blank((unsigned char)*p) || *p == ';' || *p == '"') {
			snprintf(prob, problen, "'%s' must be one word", v);
			return -1;
		}
	free(c->list.trusted_authserv_id);
	c->list.trusted_authserv_id = xstrdup(v);
	return 0;
}

/* The schemes of each server's url (url.h): the TLS one first, as the
 * error message names them. */
static const struct url_scheme imap_schemes[] = {
	{ "imaps", 993, 1 }, { "imap", 143, 0 }, { NULL, 0, 0 },
};
static const struct url_scheme smtp_schemes[] = {
	{ "smtps", 465, 1 }, { "smtp", 25, 0 }, { NULL, 0, 0 },
};

/* server_url - take v apart (url.h); 0, or -1 with prob.  Credentials
 * have keys of their own, and the message says which. */
static int
server_url(const char *v, const struct url_scheme *schemes, struct url *u,
    char *prob, size_t problen)
{
	int rc = url_parse(v, schemes, u, prob, problen);

	if (rc == URL_CREDENTIALS) {
		size_t n = strlen(prob);

		snprintf(prob + n, problen - n, ": use the user and password_file keys");
	}
	return rc == URL_OK ? 0 : -1;
}

/* set_imap_url - imaps://host[:port][/MAILBOX], MAILBOX default INBOX */
static int
set_imap_url(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	struct url u;

	(void)L;
	if (server_url(v, imap_schemes, &u, prob, problen) < 0)
		return -1;
	free(c->imap.url);
	free(c->imap.host);
	free(c->imap.mailbox);
	c->imap.url = xstrdup(v);
	c->imap.host = xstrdup(u.host);
	c->imap.port = u.port;
	c->imap.implicit_tls = u.scheme->tls;
	c->imap.mailbox = xstrdup(u.path[0] != '\0' ? u.path : "INBOX");
	return 0;
}

/* set_smtp_url - smtps://host[:port] or smtp://host[:port] */
static int
set_smtp_url(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	struct url u;

	(void)L;
	if (server_url(v, smtp_schemes, &u, prob, problen) < 0)
		return -1;
	/* libcurl would take a path as the EHLO name; baraza has no use for
	 * one, so refuse it rather than send something surprising. */
	if (u.path[0] != '\0') {
		snprintf(prob, problen, "'%s': no path allowed after the host", v);
		return -1;
	}
	free(c->smtp.url);
	free(c->smtp.host);
	c->smtp.url = xstrdup(v);
	c->smtp.host = xstrdup(u.host);
	c->smtp.port = u.port;
	c->smtp.implicit_tls = u.scheme->tls;
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

		while (conf_ini_blank((unsigned char)*f))
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

		tok = conf_ini_trim(tok);
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

/* set_web_listen - "HOST:PORT" (an IPv4 address, or [IPv6]) where baraza
 * web listens; host and port kept apart */
static int
set_web_listen(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	const char *colon = strrchr(v, ':'), *host = v;
	size_t hlen;
	char *end;
	long port;

	(void)L;
	if (colon == NULL || colon == v)
		goto bad;
	hlen = (size_t)(colon - v);
	if (*host == '[') {
		if (hlen < 3 || v[hlen - 1] != ']')
			goto bad;
		host++;
		hlen -= 2;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end != '\0' || end == colon + 1 || port < 1 || port > 65535 ||
	    hlen > 64 || strspn(host, "0123456789abcdefABCDEF.:") < hlen)
		goto bad;
	free(c->web.listen);
	free(c->web.host);
	c->web.listen = xstrdup(v);
	c->web.host = xstrndup(host, hlen);
	c->web.port = (int)port;
	return 0;
bad:
	snprintf(prob, problen, "'%s' must be ADDRESS:PORT, e.g. 127.0.0.1:8025", v);
	return -1;
}

/* set_web_url - an http(s) URL without query or fragment; a trailing '/'
 * is dropped; its path is kept apart (the endpoint answers under it) */
static int
set_web_url(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	const char *host, *path;
	size_t n;

	(void)L;
	if ((strncasecmp(v, "https://", 8) != 0 && strncasecmp(v, "http://", 7) != 0) ||
	    strpbrk(v, " \t\"<>?#%\\'") != NULL || strlen(v) < 9 || strlen(v) > 200) {
		snprintf(prob, problen, "'%s' must be an http:// or https:// URL"
		    " without query, fragment or escapes", v);
		return -1;
	}
	free(c->web.url);
	free(c->web.path);
	c->web.url = xstrdup(v);
	n = strlen(c->web.url);
	while (n > 8 && c->web.url[n - 1] == '/')
		c->web.url[--n] = '\0';
	host = strstr(c->web.url, "://") + 3;
	path = strchr(host, '/');
	c->web.path = xstrdup(path ? path : "");
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
	while (na > 0 && conf_ini_blank((unsigned char)v[na - 1]))
		na--;
	bs = dots + 2;
	while (conf_ini_blank((unsigned char)*bs))
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

/* conf_key_apply - see conf_int.h */
int
conf_key_apply(struct loader *L, const struct conf_key *k, void *base, const char *v,
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
		if (k->names == starttls_names && strcasecmp(v, "auto") == 0) {
			/* "auto" logged in or sent in clear text when a man in the
			 * middle stripped STARTTLS; it is gone (issue 17.12) */
			snprintf(prob, problen, "'auto' is no longer accepted: say yes (never "
			    "log in or send without TLS) or no (plain text, for loopback or a "
			    "trusted private network)");
			return -1;
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

/* conf_key_defaults - see conf_int.h */
void
conf_key_defaults(struct loader *L, enum sect sect, void *base)
{
	char prob[256];

	for (size_t i = 0; i < conf_nkeys; i++)
		if (conf_keys[i].sect == sect && conf_keys[i].def != NULL &&
		    conf_key_apply(L, &conf_keys[i], base, conf_keys[i].def, prob,
		    sizeof(prob)) < 0)
			BUG("default of %s.%s: %s", conf_sect_names[sect],
			    conf_keys[i].name, prob);
}

/* conf_key_find - see conf_int.h */
int
conf_key_find(enum sect sect, const char *name)
{
	for (size_t i = 0; i < conf_nkeys; i++)
		if (conf_keys[i].sect == sect &&
		    strcasecmp(conf_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}
