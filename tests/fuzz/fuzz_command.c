/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_command - libFuzzer harness for the command-mail parser
 *
 * The input's first line is the subject, the rest the body (both as
 * command_parse() gets them: decoded text, here any bytes up to a NUL).
 * Each body line is also given to command_parse_line() alone.
 * Invariants: at most COMMAND_MAX commands; every verb is known and has a
 * name; arg and line are NUL-terminated within their arrays and hold no CR,
 * LF or other control character (they are echoed into the answer mail's
 * header and body); command_parse returns the count it stored.
 *
 *	make fuzz-command FUZZ_SECONDS=60   (or run tests/fuzz/fuzz_command CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap + 1);

	if (n > cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void
check_cmd(const struct command *c)
{
	if ((unsigned)c->verb > CMD_HELP || strcmp(command_verb_name(c->verb), "?") == 0)
		abort();
	check_text(c->arg, COMMAND_ARG_MAX);
	check_text(c->line, COMMAND_ARG_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *nl, *body, *p;
	struct command_list *out = malloc(sizeof(*out));
	struct command one;
	size_t n;

	if (s == NULL || out == NULL) {
		free(s);
		free(out);
		return 0;
	}
	memcpy(s, data, size);
	s[size] = '\0';
	nl = strchr(s, '\n');
	body = nl ? nl + 1 : NULL;
	if (nl)
		*nl = '\0';
	memset(out, 0xa5, sizeof(*out));
	n = command_parse(s, body, out);
	if (n != out->n || n > COMMAND_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		check_cmd(&out->cmd[i]);
	check_text(out->first_unknown, COMMAND_ARG_MAX);
	n = command_parse(NULL, body, out);
	if (n != out->n || n > COMMAND_MAX)
		abort();
	for (p = body; p != NULL && *p; ) {
		size_t len = strcspn(p, "\n");

		memset(&one, 0xa5, sizeof(one));
		if (command_parse_line(p, len, &one) == 1)
			check_cmd(&one);
		p += len;
		if (*p == '\n')
			p++;
	}
	free(out);
	free(s);
	return 0;
}
