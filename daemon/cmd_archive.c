/* cmd_archive - (to be written: issue 7) */
#include "config.h"

#include <stdio.h>

#include "cmd.h"

int
cmd_archive(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}
