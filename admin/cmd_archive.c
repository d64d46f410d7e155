/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_archive - `baraza archive build` */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "cmd.h"

int
cmd_archive(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct store *s;
	int n;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: baraza archive build\n\n"
		    "Rebuild the whole static web archive in [archive] dir: index.html,\n"
		    "a page per session and per thread, Atom feeds, mbox downloads and\n"
		    "the search page.  barazad keeps it up to date after every cycle.\n");
		return 0;
	}
	if (argc != 2 || strcmp(argv[1], "build") != 0)
		return cmd_usage_error("archive", "the only subcommand is 'build'");
	if ((s = cmd_store(ctx)) == NULL)
		return ctx->conf ? 1 : 2;
	n = archive_build(s, ctx->conf);
	if (n < 0) {
		fprintf(stderr, "baraza archive: building %s failed (see above)\n",
		    ctx->conf->archive.dir);
		return 1;
	}
	printf("archive: %d files written in %s\n", n, ctx->conf->archive.dir);
	return 0;
}
