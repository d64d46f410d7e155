/* cmd_digest - (to be written: issue 6) */
#include "config.h"

#include <stdio.h>

#include "cmd.h"

int
cmd_digest(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}

int
cmd_stats(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}

int
cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}
