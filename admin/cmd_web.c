/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_web - `baraza web`: the one-click unsubscribe endpoint
 *
 * Runs in the foreground until SIGTERM or SIGINT, as its own process (its
 * own systemd unit, behind the site's HTTPS proxy: README "Deploying").
 * The transport is net/httpd.h, the answers list/oneclick.h; this file
 * only joins them to the configuration and the database.  The one server
 * thread calls the handler for one request at a time, so the one store
 * handle is never used twice at once; SQLite's busy timeout lets it wait
 * for barazad's transactions.
 *
 * What the process needs (for the unit's hardening): read the
 * configuration, read and write the database and its -wal/-shm files
 * (the directory of [list] database), read the templates; listen on
 * [web] listen (a loopback address and a port above 1024 need no
 * privilege); no other network, no child processes.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "httpd.h"
#include "log.h"
#include "oneclick.h"

struct web {
	struct store *s;
	const struct conf *c;
};

/* handle - one request (httpd.h's handler) */
static void
handle(void *arg, const struct httpd_request *rq, struct httpd_response *rs)
{
	struct web *w = arg;

	rs->status = oneclick_serve(w->s, w->c, rq->method, rq->path,
	    rq->content_type, rq->body, rq->body_len, &rs->body);
}

int
cmd_web(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct httpd_limits lim;
	struct httpd *h;
	struct web w;
	sigset_t set;
	char err[512];
	int sig = 0;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: baraza web\n\n"
		    "Serve the one-click unsubscribe pages of [web] url on [web] listen\n"
		    "(RFC 8058), in the foreground, until SIGTERM.  GET shows a page with\n"
		    "a button and changes nothing; POST List-Unsubscribe=One-Click\n"
		    "unsubscribes.  Put it behind the site's HTTPS proxy.\n");
		return 0;
	}
	if (argc != 1)
		return cmd_usage_error("web", "takes no arguments");
	if ((w.s = cmd_store(ctx)) == NULL)
		return ctx->conf ? 1 : 2;
	w.c = ctx->conf;
	if (w.c->web.url == NULL)
		log_warnx("web: [web] url is not set: list mail carries no web link"
		    " to this endpoint until it is");
	httpd_limits_default(&lim);
	lim.max_connections = (unsigned)w.c->web.max_connections;
	lim.timeout = (unsigned)w.c->web.timeout_seconds;
	/* SIGTERM and SIGINT are waited for below, never delivered; the
	 * server thread inherits the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	h = httpd_start(w.c->web.host, w.c->web.port, &lim, handle, &w, err, sizeof(err));
	if (h == NULL) {
		fprintf(stderr, "baraza web: %s\n", err);
		return 1;
	}
	fprintf(stderr, "baraza web: listening on %s\n", w.c->web.listen);
	while (sigwait(&set, &sig) != 0)
		;
	httpd_stop(&h);
	fprintf(stderr, "baraza web: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}
