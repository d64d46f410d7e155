/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_admin - `baraza init`, `baraza check`, `baraza backup`
 *
 * init creates or migrates the database and syncs the programme (themes
 * and sessions) from the configuration, saying what it did; running it
 * again changes nothing and says so.  check tests the configuration, the
 * database, an IMAP login and an SMTP greeting, one line each, and exits 0
 * only when all four pass; then it reports the list's health (below).
 * Neither prints a secret.
 *
 * Health.  After the four checks come "health:" lines: whether a barazad
 * runs (its --pidfile when check is given one, else the process id the
 * daemon noted in the database when its loop started, confirmed alive and
 * named barazad), the last IMAP fetch that completed without an error and
 * the last delivery the SMTP server accepted (both stamped by the daemon,
 * store_health.h), the outbox rows pending (and those given up on,
 * "undeliverable": the word "failed" is kept for a check that fails), the
 * oldest deferral with its age and reason, and the holds waiting for a
 * moderator.  Two conditions
 * are warnings, printed as "health: WARNING ...": a deferral older than
 * an hour (HEALTH_DEFERRAL_WARN: mail is late; the retry schedule is in
 * deliver.c), and, while a daemon runs, no successful fetch for longer than
 * ten poll intervals (at least HEALTH_FETCH_MIN_WARN, above the daemon's
 * five-minute reconnection back-off).  Warnings do not change the exit
 * status: check fails on the configuration, the database and the servers
 * only; monitoring can look for the word WARNING.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_opt.h"
#include "httpd.h"
#include "imap.h"
#include "listhead.h"
#include "smtp.h"
#include "clock.h"
#include "store_health.h"
#include "store_member.h"
#include "store_outbox.h"
#include "store_programme.h"
#include "xalloc.h"

/* mkdir_parents - create the directories leading to path (like mkdir -p
 * of its dirname); 0 or -1 with errno */
static int
mkdir_parents(const char *path)
{
	char *p = xstrdup(path), *slash;

	for (slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(p, 0750) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*slash = '/';
	}
	free(p);
	return 0;
}

/* count_sessions - the configured session windows */
static size_t
count_sessions(const struct conf *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nthemes; i++)
		n += c->themes[i].nsessions;
	return n;
}

static const char init_usage[] =
    "usage: baraza [-c FILE] init\n"
    "\n"
    "Create the database (or migrate it to this version's schema) and copy\n"
    "the themes and sessions of the configuration into it.  Running it again\n"
    "changes nothing.\n";

int
cmd_init(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct conf *c;
	struct programme_sync r;
	struct stat st;
	char err[512];
	char *pos[1];
	int npos, created, before, applied;

	if (cmd_wants_help(argc, argv)) {
		fputs(init_usage, stdout);
		return 0;
	}
	if (cmd_opt_parse("init", argc, argv, 1, NULL, pos, 0, &npos) != 0)
		return 2;
	if ((c = cmd_conf(ctx)) == NULL)
		return 2;
	created = stat(c->list.database, &st) < 0;
	if (created && mkdir_parents(c->list.database) < 0) {
		fprintf(stderr, "baraza init: cannot create the directory of %s: %s\n",
		    c->list.database, strerror(errno));
		return 1;
	}
	/* member data: not for other users */
	umask(027);
	if (store_open(c->list.database, 1, &ctx->store, err, sizeof(err)) < 0) {
		fprintf(stderr, "baraza init: %s\n", err);
		return 1;
	}
	before = store_version(ctx->store);
	if ((applied = store_migrate(ctx->store, err, sizeof(err))) < 0) {
		fprintf(stderr, "baraza init: %s\n", err);
		return 1;
	}
	if (created)
		printf("database %s: created (schema version %d)\n", c->list.database,
		    store_version(ctx->store));
	else if (applied > 0)
		printf("database %s: migrated from schema version %d to %d\n",
		    c->list.database, before, store_version(ctx->store));
	else
		printf("database %s: up to date (schema version %d)\n",
		    c->list.database, store_version(ctx->store));
	if (store_programme_sync(ctx->store, c, &r) < 0) {
		fprintf(stderr, "baraza init: cannot sync themes and sessions: %s\n",
		    store_errmsg(ctx->store));
		return 1;
	}
	if (r.themes_added + r.themes_updated + r.themes_retired == 0)
		printf("themes: up to date (%zu configured)\n", c->nthemes);
	else
		printf("themes: %d added, %d updated, %d retired\n",
		    r.themes_added, r.themes_updated, r.themes_retired);
	if (r.sessions_added + r.sessions_updated + r.sessions_removed == 0)
		printf("sessions: up to date (%zu configured)\n", count_sessions(c));
	else
		printf("sessions: %d added, %d updated, %d removed\n",
		    r.sessions_added, r.sessions_updated, r.sessions_removed);
	if (r.sessions_kept > 0)
		printf("sessions: %d no longer configured but kept (they hold posts "
		    "or have run)\n", r.sessions_kept);
	return 0;
}

static const char check_usage[] =
    "usage: baraza [-c FILE] check [--pidfile FILE]\n"
    "\n"
    "Check the configuration, the database, an IMAP login to the list's\n"
    "mailbox, an SMTP greeting (EHLO), the DNS resolver (a DMARC query for\n"
    "the list's domain, with from_munging = auto or [dns]) and the [dkim]\n"
    "key (readable by its owner only, an RSA key; the TXT record to publish\n"
    "is printed), one line each.  Exit 0 when all pass, 1 when one fails,\n"
    "2 when the configuration is bad.\n"
    "\n"
    "Then report the list's health: whether barazad runs (from --pidfile\n"
    "FILE, as given to barazad, else from the database), the last\n"
    "successful IMAP fetch and SMTP delivery, the outbox rows pending, the\n"
    "oldest deferral and the held messages waiting.  A deferral older than\n"
    "an hour, or no successful fetch for ten poll intervals while barazad\n"
    "runs, prints a \"health: WARNING\" line; warnings do not change the\n"
    "exit status.\n";

/* Health thresholds (see the top of this file). */
#define HEALTH_DEFERRAL_WARN (60 * 60)
#define HEALTH_FETCH_POLLS 10
#define HEALTH_FETCH_MIN_WARN (10 * 60)
#define HEALTH_TEXT_MAX 200     /* bytes of a reason or address shown */

/* check_database - one "database: ..." line; 0 ok, -1 failed */
static int
check_database(const struct conf *c)
{
	struct store *s = NULL;
	struct stat st;
	char err[512];
	int v, rc = -1;
	long members;

	if (stat(c->list.database, &st) < 0) {
		printf("database: FAILED %s: %s (run 'baraza init')\n",
		    c->list.database, strerror(errno));
		return -1;
	}
	if (store_open(c->list.database, 0, &s, err, sizeof(err)) < 0) {
		printf("database: FAILED %s\n", err);
		return -1;
	}
	v = store_version(s);
	if (v < store_latest_version()) {
		printf("database: FAILED %s has schema version %d, this program needs "
		    "%d (run 'baraza init')\n", c->list.database, v, store_latest_version());
	} else if (v > store_latest_version()) {
		printf("database: FAILED %s has schema version %d, newer than this "
		    "program (%d): upgrade baraza\n", c->list.database, v,
		    store_latest_version());
	} else if (store_integrity(s, err, sizeof(err)) < 0) {
		printf("database: FAILED %s: integrity check: %s\n", c->list.database, err);
	} else if ((members = store_member_count(s)) < 0) {
		printf("database: FAILED %s: %s\n", c->list.database, store_errmsg(s));
	} else {
		printf("database: ok (%s, schema version %d, %ld members)\n",
		    c->list.database, v, members);
		rc = 0;
	}
	store_close(&s);
	return rc;
}

/* printable - text from the outside (an SMTP server's reply, an address)
 * made safe for a terminal and one line: control characters (C0, DEL and
 * C1) become '?'; at most HEALTH_TEXT_MAX bytes, cut on a character
 * boundary and marked "..." */
static const char *
printable(const char *text, char *out, size_t outlen)
{
	size_t i, n = 0, max = outlen - 1;

	if (text == NULL)
		text = "(no reason recorded)";
	if (max > HEALTH_TEXT_MAX)
		max = HEALTH_TEXT_MAX;
	for (i = 0; text[i] != '\0' && n < max; i++) {
		unsigned char ch = (unsigned char)text[i];

		/* C1 controls (U+0080..U+009F, e.g. CSI) steer terminals too */
		if (ch == 0xc2 && (unsigned char)text[i + 1] >= 0x80 &&
		    (unsigned char)text[i + 1] <= 0x9f) {
			out[n++] = '?';
			i++;
			continue;
		}
		out[n++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	if (text[i] != '\0') {
		/* cut: do not leave half a UTF-8 sequence */
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0)
			n--;
		if (n + 3 <= outlen - 1) {
			memcpy(out + n, "...", 3);
			n += 3;
		}
	}
	out[n] = '\0';
	return out;
}

/* pid_is_barazad - 1 when process pid exists and (where /proc tells) is a
 * barazad, 0 otherwise.  The name check keeps a recycled pid from passing
 * for the daemon: one of the words of its command line must be a program
 * named barazad (a path ending in "/barazad", so that a daemon run under
 * valgrind or another wrapper counts too).  Without /proc (or hidden by
 * hidepid) existence alone counts; EPERM from kill means it exists under
 * another user. */
static int
pid_is_barazad(long pid)
{
	char path[64], cmdline[4096];
	ssize_t n;
	size_t off;
	int fd;

	if (pid <= 0 || (pid_t)pid != pid)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n <= 0)
		return 1;     /* a zombie, or not ours to read */
	cmdline[n] = '\0';
	/* NUL-separated words; a cut last word is still NUL-terminated */
	for (off = 0; off < (size_t)n; off += strlen(cmdline + off) + 1) {
		const char *w = cmdline + off, *base = strrchr(w, '/');

		if (strcmp(base ? base + 1 : w, "barazad") == 0)
			return 1;
	}
	return 0;
}

/* pidfile_read - the pid in path: >0, 0 when missing or unreadable */
static long
pidfile_read(const char *path)
{
	char buf[32];
	ssize_t n;
	long pid;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? pid : 0;
}

/* health_daemon - the "barazad" line; 1 when a daemon runs, else 0 */
static int
health_daemon(const struct store_health *h, const char *pidfile)
{
	char t[32];
	long pid;

	if (pidfile != NULL) {
		pid = pidfile_read(pidfile);
		if (pid == 0) {
			printf("health: barazad not running (no pid in %s)\n", pidfile);
			return 0;
		}
		if (!pid_is_barazad(pid)) {
			printf("health: barazad not running (stale pid file %s: "
			    "process %ld is gone)\n", pidfile, pid);
			return 0;
		}
		if (pid == h->daemon_pid && h->daemon_started > 0)
			printf("health: barazad running (pid %ld, since %s)\n", pid,
			    clock_format_iso(h->daemon_started, t, sizeof(t)));
		else
			printf("health: barazad running (pid %ld, from %s)\n", pid,
			    pidfile);
		return 1;
	}
	if (h->daemon_pid == 0) {
		printf("health: barazad not running (no daemon loop has run on "
		    "this database)\n");
		return 0;
	}
	if (!pid_is_barazad(h->daemon_pid)) {
		printf("health: barazad not running (last started as pid %ld at "
		    "%s)\n", h->daemon_pid,
		    clock_format_iso(h->daemon_started, t, sizeof(t)));
		return 0;
	}
	printf("health: barazad running (pid %ld, since %s)\n", h->daemon_pid,
	    clock_format_iso(h->daemon_started, t, sizeof(t)));
	return 1;
}

/* health_moment - "health: WHAT never" or "health: WHAT T (D ago)" */
static void
health_moment(const char *what, time_t when, time_t now)
{
	char t[32], d[32];

	if (when <= 0)
		printf("health: %s never\n", what);
	else
		printf("health: %s %s (%s ago)\n", what,
		    clock_format_iso(when, t, sizeof(t)),
		    clock_format_duration(now - when, d, sizeof(d)));
}

/* check_health - the "health:" lines (see the top of this file); 0, or -1
 * when the database cannot be read (the only failure) */
static int
check_health(const struct conf *c, const char *pidfile)
{
	struct store *s = NULL;
	struct store_health h;
	struct outbox_stats q;
	time_t now = clock_now(), limit, since;
	char err[512], t[32], d[32], d2[32], addr[HEALTH_TEXT_MAX + 4],
	    why[HEALTH_TEXT_MAX + 4];
	int running, warnings = 0;

	if (store_open(c->list.database, 0, &s, err, sizeof(err)) < 0) {
		printf("health: FAILED %s\n", err);
		return -1;
	}
	memset(&q, 0, sizeof(q));
	if (store_health_get(s, &h) < 0 || outbox_stats_get(s, &q) < 0) {
		printf("health: FAILED cannot read %s: %s\n", c->list.database,
		    store_errmsg(s));
		outbox_stats_release(&q);
		store_close(&s);
		return -1;
	}
	store_close(&s);

	running = health_daemon(&h, pidfile);
	health_moment("last fetch", h.last_fetch, now);
	health_moment("last delivery", h.last_delivery, now);
	printf("health: queue %ld pending (%ld queued, %ld deferred), %ld "
	    "undeliverable\n", q.queued + q.deferred, q.queued, q.deferred,
	    q.failed);
	if (q.oldest_address == NULL) {
		printf("health: oldest deferral none\n");
	} else {
		printf("health: oldest deferral %s old: %s (%s), %d attempt%s, next "
		    "try %s%s: %s\n",
		    clock_format_duration(now - q.oldest_created, d, sizeof(d)),
		    printable(q.oldest_address, addr, sizeof(addr)),
		    q.oldest_kind ? q.oldest_kind : "?", q.oldest_attempts,
		    q.oldest_attempts == 1 ? "" : "s",
		    q.oldest_next_try <= now ? "" : "in ",
		    q.oldest_next_try <= now ? "now" :
		    clock_format_duration(q.oldest_next_try - now, d2, sizeof(d2)),
		    printable(q.oldest_reason, why, sizeof(why)));
	}
	if (h.held_waiting == 0)
		printf("health: held 0 waiting\n");
	else
		printf("health: held %ld waiting (oldest since %s, %s ago)\n",
		    h.held_waiting, clock_format_iso(h.held_oldest, t, sizeof(t)),
		    clock_format_duration(now - h.held_oldest, d, sizeof(d)));

	if (q.oldest_address != NULL &&
	    now - q.oldest_created > HEALTH_DEFERRAL_WARN) {
		printf("health: WARNING mail is late: a deferral is %s old (more "
		    "than %s); see 'baraza queue'\n",
		    clock_format_duration(now - q.oldest_created, d, sizeof(d)),
		    clock_format_duration(HEALTH_DEFERRAL_WARN, d2, sizeof(d2)));
		warnings++;
	}
	limit = (time_t)c->imap.poll_seconds * HEALTH_FETCH_POLLS;
	if (limit < HEALTH_FETCH_MIN_WARN)
		limit = HEALTH_FETCH_MIN_WARN;
	/* a daemon that has not fetched yet is judged from its start */
	since = h.last_fetch > 0 ? h.last_fetch : h.daemon_started;
	if (running && since > 0 && now - since > limit) {
		printf("health: WARNING barazad runs but has not fetched for %s "
		    "(more than %s): see its log for the IMAP error\n",
		    clock_format_duration(now - since, d, sizeof(d)),
		    clock_format_duration(limit, d2, sizeof(d2)));
		warnings++;
	}
	if (warnings == 0)
		printf("health: ok\n");
	else
		printf("health: %d warning%s\n", warnings, warnings == 1 ? "" : "s");
	outbox_stats_release(&q);
	return 0;
}

/* check_web - with [web] url, the endpoint on [web] listen must answer as
 * baraza web does: 404 and an HTML page for a token nobody has.  0, or
 * -1 (printed).  Without [web] url nothing is asked of it. */
static int
check_web(const struct conf *c)
{
	char err[512], ctype[128];
	long status = 0;

	if (c->web.url == NULL) {
		printf("web: not configured ([web] url unset; List-Unsubscribe is mailto only)\n");
		return 0;
	}
	if (httpd_probe(c->web.host, c->web.port,
	    "/unsubscribe/00000000000000000000000000000000", &status, ctype,
	    sizeof(ctype), err, sizeof(err)) < 0) {
		printf("web: FAILED nothing answers on %s (%s); start `baraza web`\n",
		    c->web.listen, err);
		return -1;
	}
	if (status != 404 || strncmp(ctype, "text/html", 9) != 0) {
		printf("web: FAILED %s answers %ld (%s), not as baraza web would (404, text/html)\n",
		    c->web.listen, status, ctype[0] ? ctype : "no type");
		return -1;
	}
	printf("web: ok %s answers; public URL %s" LISTHEAD_WEB_PATH "TOKEN\n",
	    c->web.listen, c->web.url);
	return 0;
}

/* unprefixed - msg without a leading "imap: " or "smtp: " (the check
 * functions name their server; the check line does already) */
static const char *
unprefixed(const char *msg, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(msg, prefix, n) == 0 ? msg + n : msg;
}

/* is_loopback - 127.0.0.0/8, ::1 or localhost */
static int
is_loopback(const char *host)
{
	return host && (strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	    strcasecmp(host, "localhost") == 0);
}

/* warn_plain - a "warning:" line when a server is reached without TLS
 * (starttls = no on a plain URL) anywhere but on loopback: fine on a
 * trusted private network, which check cannot know */
static void
warn_plain(const char *section, enum starttls starttls, int implicit_tls,
    const char *host)
{
	if (starttls == STARTTLS_NO && !implicit_tls && !is_loopback(host))
		printf("warning: [%s] starttls = no and %s is not loopback: passwords and "
		    "mail cross the network in clear text (only on a trusted private "
		    "network)\n", section, host ? host : "?");
}

int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct conf *c;
	const char *pidfile = NULL;
	const struct cmd_opt opts[] = {
		{ "--pidfile", &pidfile, NULL },
		{ NULL, NULL, NULL },
	};
	char msg[512];
	char *pos[1];
	int npos, failed = 0, db_ok;

	if (cmd_wants_help(argc, argv)) {
		fputs(check_usage, stdout);
		return 0;
	}
	if (cmd_opt_parse("check", argc, argv, 1, opts, pos, 0, &npos) != 0)
		return 2;
	if ((c = cmd_conf(ctx)) == NULL) {
		printf("config: FAILED %s (errors above)\n", ctx->conf_path);
		return 2;
	}
	printf("config: ok (%s: list %s, %zu themes, %zu sessions)\n", c->path,
	    c->list.address, c->nthemes, count_sessions(c));
	warn_plain("imap", c->imap.starttls, c->imap.implicit_tls, c->imap.host);
	warn_plain("smtp", c->smtp.starttls, c->smtp.implicit_tls, c->smtp.host);
	fflush(stdout);
	if (!(db_ok = check_database(c) == 0))
		failed = 1;
	fflush(stdout);
	msg[0] = '\0';
	if (imap_check(c, msg, sizeof(msg)) == 0) {
		printf("imap: ok %s\n", unprefixed(msg, "imap: "));
	} else {
		printf("imap: FAILED %s\n", msg[0] ? unprefixed(msg, "imap: ") :
		    "(no reason given)");
		failed = 1;
	}
	fflush(stdout);
	msg[0] = '\0';
	if (smtp_check(c, msg, sizeof(msg)) == 0) {
		printf("smtp: ok %s\n", unprefixed(msg, "smtp: "));
	} else {
		printf("smtp: FAILED %s\n", msg[0] ? unprefixed(msg, "smtp: ") :
		    "(no reason given)");
		failed = 1;
	}
	fflush(stdout);
	if (cmd_check_dns(c) < 0)
		failed = 1;
	if (cmd_check_dkim(c) < 0)
		failed = 1;
	if (check_web(c) < 0)
		failed = 1;
	fflush(stdout);
	if (!db_ok)
		printf("health: unknown (the database check failed)\n");
	else if (check_health(c, pidfile) < 0)
		failed = 1;
	return failed;
}

static const char backup_usage[] =
    "usage: baraza [-c FILE] backup FILE\n"
    "\n"
    "Write a consistent copy of the database to FILE, safely while the daemon\n"
    "runs (SQLite online backup).  FILE is replaced atomically.\n";

int
cmd_backup(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct conf *c;
	struct store *s = NULL;
	char err[512];
	char *pos[1];
	int npos;

	if (cmd_wants_help(argc, argv)) {
		fputs(backup_usage, stdout);
		return 0;
	}
	if (cmd_opt_parse("backup", argc, argv, 1, NULL, pos, 1, &npos) != 0)
		return 2;
	if (npos != 1)
		return cmd_usage_error("backup", "name the file to write");
	if ((c = cmd_conf(ctx)) == NULL)
		return 2;
	if (store_open(c->list.database, 0, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "baraza backup: %s\n", err);
		return 1;
	}
	umask(077);
	if (store_backup(s, pos[0], err, sizeof(err)) < 0) {
		fprintf(stderr, "baraza backup: %s\n", err);
		store_close(&s);
		return 1;
	}
	store_close(&s);
	printf("backup of %s written to %s\n", c->list.database, pos[0]);
	return 0;
}
