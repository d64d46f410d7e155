/* cmd_admin - (to be written: issue 2) */
#include "config.h"

#include <stdio.h>

#include "cmd.h"

int
cmd_init(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}

int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}

int
cmd_backup(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}
