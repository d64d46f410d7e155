/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf - the configuration file, parsed through one table of keys
 *
 * Loading happens in three steps:
 *  1. the file is cut into records (conf_ini.c): section headers and
 *     "key = value" lines, comments and blank lines dropped, syntax errors
 *     reported;
 *  2. the [list] timezone is set first, because session and digest dates
 *     are local times; then every record is applied through the key table
 *     (conf_keys.c), which knows each key's section, type, field, default,
 *     flags and checks;
 *  3. what involves several keys is checked last, here: required keys, the
 *     list address against the tag separator, overlapping sessions, the
 *     SMTP user without a password file, the archive directory's default.
 *
 * All errors are collected; the struct is returned only when there were
 * none.  Secrets are never read while loading: only password file paths
 * and modes (conf_read_secret reads one at the moment of use).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "conf_int.h"
#include "log.h"
#include "xalloc.h"

#define CONF_MAX_THEMES 256

/* Theme slugs that would collide with the list's own tagged addresses
 * (README: cop+request@, cop+summary@, ...). */
static const char *const reserved_slugs[] = {
	"request", "subscribe", "unsubscribe", "help", "confirm", "reply",
	"summary", "approve", "reject", "bounces", "owner", "all",
};

/* The floor theme, there even when it is not configured. */
static const struct conf_theme general_theme = {
	.slug = (char *)CONF_GENERAL_THEME,
	.title = (char *)"General",
};

/* ---- errors ------------------------------------------------------------ */

/* conf_err - see conf_int.h */
void
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

/* session_cmp - order of sessions by opening time */
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

/* post_checks - what involves more than one key */
static void
post_checks(struct loader *L)
{
	struct conf *c = L->c;
	char label[CONF_SLUG_MAX + 16];

	for (size_t i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->sect == S_THEME || L->seen[i] || !((k->flags & F_REQ) ||
		    ((k->flags & F_REQ_SECT) && L->sect_line[k->sect])))
			continue;
		snprintf(label, sizeof(label), "[%s]", conf_sect_names[k->sect]);
		conf_err(L, L->sect_line[k->sect], label, k->name, "missing (required)");
	}
	for (size_t t = 0; t < c->nthemes; t++) {
		struct conf_theme *th = &c->themes[t];

		snprintf(label, sizeof(label), "[theme %s]", th->slug);
		for (size_t i = 0; i < conf_nkeys; i++)
			if (conf_keys[i].sect == S_THEME && (conf_keys[i].flags & F_REQ) &&
			    !L->theme_seen[t][i])
				conf_err(L, th->line, label, conf_keys[i].name, "missing (required)");
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
		conf_err(L, L->seen[conf_key_find(S_LIST, "address")], "[list]", "address",
		    "the local part '%s' contains the tag separator '%s'",
		    c->list.local, c->list.tag_separator);
	if (c->smtp.user && !c->smtp.password_file && L->seen[conf_key_find(S_SMTP, "user")])
		conf_err(L, L->seen[conf_key_find(S_SMTP, "user")], "[smtp]", "user",
		    "set password_file too (or leave user empty for no AUTH)");
	if (!c->smtp.user && c->smtp.password_file)
		conf_err(L, L->seen[conf_key_find(S_SMTP, "password_file")], "[smtp]",
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
	if (conf_nkeys > sizeof(L.seen) / sizeof(L.seen[0]))
		BUG("conf: raise loader.seen");

	for (int s = S_LIST; s < S_THEME; s++)
		conf_key_defaults(&L, (enum sect)s, c);

	nrecs = conf_ini_read(&L, path, &recs);
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
				if (strcasecmp(r->name, conf_sect_names[s]) == 0)
					break;
			if (s == S_NONE) {
				conf_err(&L, r->line, NULL, NULL, "[%s]: unknown section", r->name);
				continue;
			}
			if (s != S_THEME) {
				snprintf(label, sizeof(label), "[%s]", conf_sect_names[s]);
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
			L.theme_seen[c->nthemes] = xcalloc(conf_nkeys, sizeof(int));
			conf_key_defaults(&L, S_THEME, &c->themes[c->nthemes]);
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
		if (cur == S_THEME && strchr(r->name, '.') != NULL) {
			/* title.LANG, questions.LANG: conf_keys.c */
			if (conf_theme_translation(&c->themes[c->nthemes - 1], r->name,
			    r->arg, prob, sizeof(prob)) < 0)
				conf_err(&L, r->line, label, r->name, "%s", prob);
			continue;
		}
		ki = conf_key_find(cur, r->name);
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
		if (seen[ki] && !(conf_keys[ki].flags & F_REPEAT)) {
			conf_err(&L, r->line, label, conf_keys[ki].name,
			    "given twice (first on line %d)", seen[ki]);
			continue;
		}
		seen[ki] = r->line;
		if (conf_key_apply(&L, &conf_keys[ki], base, r->arg, prob, sizeof(prob)) < 0) {
			/* the commonest INI habit baraza does not share */
			int inline_comment = strstr(r->arg, " ;") || strstr(r->arg, "\t;") ||
			    strstr(r->arg, " #") || strstr(r->arg, "\t#");

			conf_err(&L, r->line, label, conf_keys[ki].name, "%s%s", prob,
			    inline_comment ? " (comments must be on a line of their own)" : "");
			continue;
		}
		if (cur == S_THEME && strcmp(conf_keys[ki].name, "session") == 0) {
			struct conf_theme *t = base;

			t->sessions[t->nsessions - 1].line = r->line;
		}
next_record:	;
	}
	post_checks(&L);
	conf_ini_free(recs, nrecs);
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
	free(c->archive.group);
	free(c->dns.server);
	free(c->dkim.domain);
	free(c->dkim.selector);
	free(c->dkim.key_file);
	free(c->web.listen);
	free(c->web.url);
	free(c->web.host);
	free(c->web.path);
	for (size_t t = 0; t < c->nthemes; t++) {
		struct conf_theme *th = &c->themes[t];

		free(th->slug);
		free(th->title);
		free(th->keywords);
		free(th->sessions);
		for (size_t q = 0; q < th->nquestions; q++)
			free(th->questions[q]);
		free(th->questions);
		for (size_t q = 0; q < th->ntitles; q++) {
			free(th->titles[q].lang);
			free(th->titles[q].text);
		}
		free(th->titles);
		for (size_t q = 0; q < th->nquestions_tr; q++) {
			free(th->questions_tr[q].lang);
			free(th->questions_tr[q].text);
		}
		free(th->questions_tr);
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

/* lang_matches - 1 when a translation's lang serves want: the same tag,
 * or (primary_only) the same primary subtag ("pt" for "pt-BR") */
static int
lang_matches(const char *have, const char *want, int primary_only)
{
	size_t n;

	if (want == NULL)
		return 0;
	if (!primary_only)
		return strcasecmp(have, want) == 0;
	n = strcspn(want, "-_");
	return strlen(have) == n && strncasecmp(have, want, n) == 0;
}

/* conf_theme_title - see conf.h */
const char *
conf_theme_title(const struct conf_theme *t, const char *lang)
{
	for (int primary = 0; t && primary < 2; primary++)
		for (size_t i = 0; i < t->ntitles; i++)
			if (lang_matches(t->titles[i].lang, lang, primary))
				return t->titles[i].text;
	return t ? t->title : "";
}

/* questions_pass - the pass (0 exact, 1 primary) whose questions.LANG
 * lines serve lang, or -1: the default questions */
static int
questions_pass(const struct conf_theme *t, const char *lang)
{
	for (int primary = 0; primary < 2; primary++)
		for (size_t i = 0; i < t->nquestions_tr; i++)
			if (lang_matches(t->questions_tr[i].lang, lang, primary))
				return primary;
	return -1;
}

/* conf_theme_questions - see conf.h */
size_t
conf_theme_questions(const struct conf_theme *t, const char *lang)
{
	int pass = questions_pass(t, lang);
	size_t n = 0;

	if (pass < 0)
		return t->nquestions;
	for (size_t i = 0; i < t->nquestions_tr; i++)
		n += lang_matches(t->questions_tr[i].lang, lang, pass);
	return n;
}

/* conf_theme_question - see conf.h */
const char *
conf_theme_question(const struct conf_theme *t, const char *lang, size_t k)
{
	int pass = questions_pass(t, lang);

	if (pass < 0)
		return k < t->nquestions ? t->questions[k] : "";
	for (size_t i = 0; i < t->nquestions_tr; i++)
		if (lang_matches(t->questions_tr[i].lang, lang, pass) && k-- == 0)
			return t->questions_tr[i].text;
	return "";
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
