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

/* ---- Authentication-Results for facilitators' summaries ------------------ */

#include "conf.h"
#include "message.h"
#include "request_summary.h"

struct auth_case {
	const char *name;
	const char *from;
	const char *fields;     /* Authentication-Results lines */
	int want;
};

static const struct auth_case auth_cases[] = {
	{ "dkim pass, same domain", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=example.org header.s=s1\n", 1 },
	{ "spf pass, same domain", "amina@example.org",
	  "Authentication-Results: mx.example.org;\n spf=pass smtp.mailfrom=amina@example.org\n", 1 },
	{ "dkim pass for a parent domain (relaxed)", "amina@mail.example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\n", 1 },
	{ "case does not matter", "Amina@Example.ORG",
	  "Authentication-Results: MX.Example.Org; DKIM=Pass header.d=EXAMPLE.org\n", 1 },
	{ "dkim fail", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=fail header.d=example.org\n", 0 },
	{ "dkim pass for another domain", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=evil.example\n", 0 },
	{ "a domain that only ends like ours", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=ample.org\n", 0 },
	{ "a forged field from another server", "amina@example.org",
	  "Authentication-Results: mx.evil.example; dkim=pass header.d=example.org\n", 0 },
	{ "authserv-id prefix is not enough", "amina@example.org",
	  "Authentication-Results: mx.example.org.evil; dkim=pass header.d=example.org\n", 0 },
	{ "second field is ours", "amina@example.org",
	  "Authentication-Results: other.example; dkim=pass header.d=example.org\n"
	  "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org\n", 1 },
	{ "none at all", "amina@example.org", "", 0 },
	{ "top-level domain only", "amina@example.org",
	  "Authentication-Results: mx.example.org; dkim=pass header.d=org\n", 0 },
};

Test(command, authentication_results_table)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	c.list.trusted_authserv_id = "mx.example.org";
	for (size_t i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
		char raw[2048];
		struct message *m;

		snprintf(raw, sizeof(raw), "From: A <%s>\nTo: cop+summary@example.org\n%s"
		    "Subject: Summary\n\nText\n", auth_cases[i].from, auth_cases[i].fields);
		m = tutil_parse(raw);
		cr_expect_eq(request_summary_auth_ok(&c, m), auth_cases[i].want, "%s: got %d, want %d",
		    auth_cases[i].name, !auth_cases[i].want, auth_cases[i].want);
		message_free(&m);
	}
	/* Without a trusted server nothing vouches. */
	c.list.trusted_authserv_id = NULL;
	{
		const char *raw = "From: a@example.org\nAuthentication-Results: mx.example.org;"
		    " dkim=pass header.d=example.org\n\nx\n";
		struct message *m = message_parse(raw, strlen(raw), NULL);

		cr_expect_eq(request_summary_auth_ok(&c, m), 0);
		message_free(&m);
	}
}
