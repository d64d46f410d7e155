/* cmd_ingest - (to be written: issue 3) */
#include "config.h"

#include <stdio.h>

#include "cmd.h"

int
cmd_thread(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}

int
cmd_search(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}

int
cmd_import_mbox(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}
