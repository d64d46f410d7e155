/* cmd - the subcommands of the admin program `baraza`
 *
 * baraza.c parses the global options (-c FILE, --help, --version), finds the
 * command in its table and calls it.  Each cmd_* function gets argv with
 * argv[0] = the command word ("member", "inspect", ...) and returns the
 * process exit status: 0 success, 1 runtime failure, 2 bad usage or bad
 * configuration (SPEC section 2).  Every command answers --help.
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

typedef int cmd_fn(struct cmd_ctx *ctx, int argc, char **argv);

/* cmd_admin.c */
cmd_fn cmd_init, cmd_check;
/* cmd_member.c */
cmd_fn cmd_member;
/* cmd_programme.c */
cmd_fn cmd_theme, cmd_session;
/* cmd_ingest.c */
cmd_fn cmd_inspect, cmd_thread, cmd_search, cmd_import_mbox;
/* cmd_relay.c */
cmd_fn cmd_queue, cmd_held;
/* cmd_digest.c (issue 6) */
cmd_fn cmd_digest, cmd_stats, cmd_report;
/* cmd_archive.c (issue 7) */
cmd_fn cmd_archive;
/* cmd_admin.c (issue 8) */
cmd_fn cmd_backup;

#endif
