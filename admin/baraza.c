/* SPDX-License-Identifier: GPL-3.0-or-later */
/* baraza - the admin command line
 *
 * Usage: baraza [-c FILE] COMMAND [ARGS...]; each command lives in a cmd_*.c
 * file (see cmd.h).  This file holds only the option parsing, the table and
 * the lazy loading of configuration and database that commands share.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "log.h"

static const struct command {
	const char *name;
	cmd_fn *fn;
	const char *summary;
} commands[] = {
	{ "init",        cmd_init,        "create or migrate the database, sync themes and sessions" },
	{ "check",       cmd_check,       "check configuration, database, IMAP login and SMTP greeting" },
	{ "member",      cmd_member,      "add|remove|list|import|export|forget members" },
	{ "theme",       cmd_theme,       "list themes" },
	{ "session",     cmd_session,     "list|open|close sessions" },
	{ "thread",      cmd_thread,      "list|show threads" },
	{ "inspect",     cmd_inspect,     "show what baraza makes of one raw message" },
	{ "search",      cmd_search,      "full-text search over posts" },
	{ "import-mbox", cmd_import_mbox, "import an existing mbox archive" },
	{ "queue",       cmd_queue,       "outbox counts, oldest deferral; queue retry" },
	{ "held",        cmd_held,        "moderation queue: list, approve ID, reject ID" },
	{ "digest",      cmd_digest,      "preview EMAIL | send" },
	{ "stats",       cmd_stats,       "participation figures" },
	{ "report",      cmd_report,      "the final synthesis of all sessions" },
	{ "archive",     cmd_archive,     "build the static web archive" },
	{ "web",         cmd_web,         "serve one-click unsubscribe (RFC 8058) until SIGTERM" },
	{ "backup",      cmd_backup,      "copy the database safely while it is in use" },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: baraza [-c FILE] COMMAND [ARGS...]\n"
	    "       baraza --version | --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\n'baraza COMMAND --help' describes one command.\n"
	    "The configuration is read from -c FILE, $BARAZA_CONF, or %s.\n",
	    conf_default_path());
}

int
cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int
cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "baraza %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'baraza %s --help')\n", cmd);
	return 2;
}

struct conf *
cmd_conf(struct cmd_ctx *ctx)
{
	struct buf errs;

	if (ctx->conf)
		return ctx->conf;
	buf_init(&errs, 1 << 20);
	ctx->conf = conf_load(ctx->conf_path, &errs);
	if (ctx->conf == NULL)
		fputs(errs.data, stderr);
	buf_release(&errs);
	return ctx->conf;
}

struct store *
cmd_store(struct cmd_ctx *ctx)
{
	char err[512];

	if (ctx->store)
		return ctx->store;
	if (cmd_conf(ctx) == NULL)
		return NULL;
	if (store_open(ctx->conf->list.database, 1, &ctx->store, err, sizeof(err)) < 0 ||
	    store_migrate(ctx->store, err, sizeof(err)) < 0) {
		fprintf(stderr, "baraza: %s\n", err);
		store_close(&ctx->store);
		return NULL;
	}
	return ctx->store;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx = { 0 };
	char err[256];
	int i, rc;

	log_init("baraza", 0, LOG_LEVEL_WARN);
	ctx.conf_path = conf_default_path();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			ctx.conf_path = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			ctx.conf_path = argv[i] + 9;
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			log_set_level(log_get_level() < LOG_LEVEL_DEBUG ?
			    log_get_level() + 1 : LOG_LEVEL_DEBUG);
		} else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			printf("baraza %s\n%s\n", PACKAGE_VERSION, BARAZA_LICENSE_NOTICE);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "baraza: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (clock_check_env(err, sizeof(err)) < 0) {
		fprintf(stderr, "baraza: %s\n", err);
		return 2;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) == 0) {
			rc = commands[k].fn(&ctx, argc - i, argv + i);
			store_close(&ctx.store);
			conf_free(&ctx.conf);
			return rc;
		}
	}
	fprintf(stderr, "baraza: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
