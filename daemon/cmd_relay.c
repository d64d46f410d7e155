/* cmd_relay - (to be written: issue 4) */
#include "config.h"

#include <stdio.h>

#include "cmd.h"

int
cmd_queue(struct cmd_ctx *ctx, int argc, char **argv)
{
	fprintf(stderr, "baraza %s: not implemented yet\n", argv[0]);
	return 1;
}
