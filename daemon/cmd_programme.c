/* cmd_programme - (to be written: issue 2/6) */
#include "config.h"

#include <stdio.h>

#include "cmd.h"

int
cmd_theme(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}

int
cmd_session(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}
