/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_opt - option parsing for the subcommands (see cmd_opt.h) */
#include "config.h"

#include <string.h>

#include "cmd.h"
#include "cmd_opt.h"

int
cmd_opt_parse(const char *cmd, int argc, char **argv, int first,
    const struct cmd_opt *opts, char **pos, int maxpos, int *npos)
{
	int only_pos = 0;

	*npos = 0;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		const struct cmd_opt *o;
		const char *eq;
		size_t n;

		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			if (*npos >= maxpos)
				return cmd_usage_error(cmd, "unexpected argument '%s'", a);
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
		for (o = opts; o && o->name; o++)
			if (strlen(o->name) == n && strncmp(o->name, a, n) == 0)
				break;
		if (o == NULL || o->name == NULL)
			return cmd_usage_error(cmd, "unknown option '%.*s'", (int)n, a);
		if (o->flag) {
			if (eq)
				return cmd_usage_error(cmd, "%s takes no value", o->name);
			*o->flag = 1;
			continue;
		}
		if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			return cmd_usage_error(cmd, "%s needs a value", o->name);
		}
	}
	return 0;
}
