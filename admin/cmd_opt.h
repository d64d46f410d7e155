/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_opt - option parsing shared by the `baraza` subcommands
 *
 * Long options only, as "--name VALUE" or "--name=VALUE", flags as
 * "--name"; "--" ends the options; everything else is positional.
 * Unknown options, a missing value, a value given to a flag or too many
 * positional arguments are usage errors: cmd_opt_parse prints
 * "baraza CMD: problem" and a hint (cmd_usage_error) and returns 2.
 */
#ifndef BARAZA_CMD_OPT_H
#define BARAZA_CMD_OPT_H

struct cmd_opt {
	const char *name;         /* "--name" */
	const char **value;       /* for options with a value, else NULL */
	int *flag;                /* for flags (set to 1), else NULL */
};

/* cmd_opt_parse - parse argv[first..argc-1] against opts (terminated by a
 * NULL name).  Positional arguments go into pos (at most maxpos, borrowed
 * from argv), their number into *npos.  0, or 2 after printing the error
 * for the command named cmd ("member add"). */
int cmd_opt_parse(const char *cmd, int argc, char **argv, int first,
    const struct cmd_opt *opts, char **pos, int maxpos, int *npos);

#endif
