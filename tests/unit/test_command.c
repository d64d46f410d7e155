/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_command - command mails to cop+request@, in the shapes clients send */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "command.h"
#include "tutil.h"

struct case_ {
	const char *name;
	const char *subject;
	const char *body;
	const char *want;   /* "verb:arg|verb:arg" */
};

static const struct case_ cases[] = {
	{ "plain body", NULL, "subscribe\n", "subscribe:" },
	{ "subject only", "help", "", "help:" },
	{ "subject with Re:", "Re: unsubscribe", "Thanks!\n", "unsubscribe:" },
	{ "RE : french outlook", "RE : digest", NULL, "digest:" },
	{ "AW: german", "AW: nomail", NULL, "nomail:" },
	{ "subject not a command", "Question about the list", "help\n", "help:" },
	{ "several lines", NULL, "digest\nthemes funding risk\nlanguage fr\n",
	  "digest:|themes:funding risk|language:fr" },
	{ "stops at signature", NULL, "each\n-- \nAmina Yusuf\nsubscribe\n", "each:" },
	{ "stops at quote", NULL, "subscribe digest\n\n> help\n> unsubscribe\n",
	  "subscribe:digest" },
	{ "stops at first non-command", NULL, "help\nPlease tell me more.\nunsubscribe\n",
	  "help:" },
	{ "leading blank lines and spaces", NULL, "\n\n   Subscribe Each  \n", "subscribe:each" },
	{ "CRLF line ends", NULL, "digest\r\nthemes all\r\n", "digest:|themes:all" },
	{ "trailing punctuation", NULL, "unsubscribe.\n", "unsubscribe:" },
	{ "no-break spaces (mobile)", NULL, "themes\xc2\xa0" "funding\xc2\xa0\n", "themes:funding" },
	{ "commas in themes", NULL, "themes funding, power-tool\n", "themes:funding power-tool" },
	{ "language with colon", NULL, "language: ES\n", "language:es" },
	{ "search words kept", NULL, "search risk sharing matrix\n", "search:risk sharing matrix" },
	{ "search accents", NULL, "search évaluation des risques\n", "search:évaluation des risques" },
	{ "bad subscribe mode", NULL, "subscribe weekly\n", "" },
	{ "help with junk is not help", NULL, "help me please\n", "" },
	{ "sentence starting with verb word", NULL, "Digest of our meeting follows\n", "" },
	{ "gmail signature block", "subscribe", "\n--\nSent from Gmail\n", "subscribe:" },
	{ "greeting first: body ignored, subject used", "Re: subscribe digest",
	  "Hi, please add me\nsubscribe\n", "subscribe:digest" },
	{ "html-only mail turned to text", NULL, "  unsubscribe  \n\n", "unsubscribe:" },
	{ "empty", NULL, NULL, "" },
	{ "themes invalid slug", NULL, "themes <script>\n", "" },
	{ "leave alias", NULL, "leave\n", "unsubscribe:" },
};

static void
render(const struct command_list *l, char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			strncat(out, "|", outlen - strlen(out) - 1);
		strncat(out, command_verb_name(l->cmd[i].verb), outlen - strlen(out) - 1);
		strncat(out, ":", outlen - strlen(out) - 1);
		strncat(out, l->cmd[i].arg, outlen - strlen(out) - 1);
	}
}

Test(command, client_shapes)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct command_list l;
		char got[1024];

		command_parse(cases[i].subject, cases[i].body, &l);
		render(&l, got, sizeof(got));
		cr_expect_str_eq(got, cases[i].want, "%s: got '%s', want '%s'",
		    cases[i].name, got, cases[i].want);
	}
}

Test(command, first_unknown_line_reported)
{
	struct command_list l;

	command_parse("Hello", "Can you add me?\nsubscribe\n", &l);
	cr_assert_eq(l.n, 0);
	cr_assert_str_eq(l.first_unknown, "Can you add me?");
}

Test(command, flood_is_capped)
{
	char body[4096] = "";
	struct command_list l;

	for (int i = 0; i < 50; i++)
		strcat(body, "help\n");
	command_parse(NULL, body, &l);
	cr_assert_eq(l.n, COMMAND_MAX);
	cr_assert_eq(l.ignored, 50 - COMMAND_MAX);
}

Test(command, long_and_hostile_arguments)
{
	char line[2000];
	struct command c;

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "search ", 7);
	cr_assert_eq(command_parse_line(line, strlen(line), &c), 1);
	cr_assert_leq(strlen(c.arg), COMMAND_ARG_MAX);
	cr_assert_eq(command_parse_line("search a\rBcc: x@y", 17, &c), 1);
	cr_assert_null(strchr(c.arg, '\r'), "no CR may survive in an argument");
}
