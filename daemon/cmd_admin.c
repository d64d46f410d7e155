/* cmd_admin - `baraza init`, `baraza check`, `baraza backup`
 *
 * init creates or migrates the database and syncs the programme (themes
 * and sessions) from the configuration, saying what it did; running it
 * again changes nothing and says so.  check tests the configuration, the
 * database, an IMAP login and an SMTP greeting, one line each, and exits 0
 * only when all four pass.  Neither prints a secret.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_opt.h"
#include "imap.h"
#include "relay.h"
#include "store_member.h"
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
    "usage: baraza [-c FILE] check\n"
    "\n"
    "Check the configuration, the database, an IMAP login to the list's\n"
    "mailbox and an SMTP greeting (EHLO), one line each.  Exit 0 when all\n"
    "pass, 1 when one fails, 2 when the configuration is bad.\n";

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

/* unprefixed - msg without a leading "imap: " or "smtp: " (the check
 * functions name their server; the check line does already) */
static const char *
unprefixed(const char *msg, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(msg, prefix, n) == 0 ? msg + n : msg;
}

int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct conf *c;
	char msg[512];
	char *pos[1];
	int npos, failed = 0;

	if (cmd_wants_help(argc, argv)) {
		fputs(check_usage, stdout);
		return 0;
	}
	if (cmd_opt_parse("check", argc, argv, 1, NULL, pos, 0, &npos) != 0)
		return 2;
	if ((c = cmd_conf(ctx)) == NULL) {
		printf("config: FAILED %s (errors above)\n", ctx->conf_path);
		return 2;
	}
	printf("config: ok (%s: list %s, %zu themes, %zu sessions)\n", c->path,
	    c->list.address, c->nthemes, count_sessions(c));
	fflush(stdout);
	if (check_database(c) < 0)
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
	if (relay_check(c, msg, sizeof(msg)) == 0) {
		printf("smtp: ok %s\n", unprefixed(msg, "smtp: "));
	} else {
		printf("smtp: FAILED %s\n", msg[0] ? unprefixed(msg, "smtp: ") :
		    "(no reason given)");
		failed = 1;
	}
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
