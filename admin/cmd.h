/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd - the subcommands of the admin program `baraza`
 *
 * baraza.c parses the global options (-c FILE, --help, --version), finds the
 * command in its table and calls it.  Each cmd_* function gets argv with
 * argv[0] = the command word ("member", "inspect", ...) and returns the
 * process exit status: 0 success, 1 runtime failure, 2 bad usage or bad
 * configuration (README, "Commands").  Every command answers --help.
 *
 * The context loads the configuration and opens the database lazily, so that
 * a command that needs neither (inspect of a file, --help) works without them.
 */
#ifndef BARAZA_CMD_H
#define BARAZA_CMD_H

#include "conf.h"
#include "store.h"

struct cmd_ctx {
	const char *conf_path;  /* -c, $BARAZA_CONF, or the default */
	struct conf *conf;      /* owned; NULL until cmd_conf() */
	struct store *store;    /* owned; NULL until cmd_store() */
};

/* The helpers every command uses (baraza.c). */

/* cmd_conf - load the configuration once; prints errors and returns NULL
 * (the caller returns 2) when it does not load */
struct conf *cmd_conf(struct cmd_ctx *ctx);
/* cmd_store - open and migrate the database once (loads the config too);
 * prints the error and returns NULL (caller returns 1) on failure */
struct store *cmd_store(struct cmd_ctx *ctx);
/* cmd_usage_error - print "baraza CMD: msg" and a hint to stderr; returns 2 */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* cmd_wants_help - 1 when argv holds -h or --help */
int cmd_wants_help(int argc, char **argv);

/* A command: argv[0] is its word; returns the exit status. */
typedef int cmd_fn(struct cmd_ctx *ctx, int argc, char **argv);

/* cmd_admin.c: set-up, checks and backups */
cmd_fn cmd_init, cmd_check, cmd_backup;
/* cmd_member.c */
cmd_fn cmd_member;
/* cmd_programme.c: themes and sessions */
cmd_fn cmd_theme, cmd_session;
/* cmd_inspect.c: why a message went where it went */
cmd_fn cmd_inspect;
/* cmd_ingest.c: threads, search, mbox import */
cmd_fn cmd_thread, cmd_search, cmd_import_mbox;
/* cmd_relay.c: the outbox */
cmd_fn cmd_queue;
/* cmd_held.c: moderation */
cmd_fn cmd_held;
/* cmd_digest.c: digests, figures, the report */
cmd_fn cmd_digest, cmd_stats, cmd_report;
/* cmd_archive.c */
cmd_fn cmd_archive;
/* cmd_web.c: the one-click unsubscribe endpoint */
cmd_fn cmd_web;

/* cmd_check_mail.c: check's lines on deliverability.  check_dns - one
 * "dns: ..." line (the resolver answers a DMARC query); 0 ok, -1 failed.
 * check_dkim - a "dkim: ..." line (the key, and the TXT record to
 * publish); 0 ok or not configured, -1 failed. */
int cmd_check_dns(const struct conf *c);
int cmd_check_dkim(const struct conf *c);

#endif
