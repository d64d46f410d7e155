/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_smtp_pipe - what a pipelined transaction writes and how replies
 * are read (daemon/net/smtp_pipe.c), and what a reply code means
 * (smtp_outcome) */
#include "config.h"

#include <criterion/criterion.h>

#include <string.h>

#include "buf.h"
#include "smtp.h"
#include "smtp_pipe.h"

Test(pipe, dot_stuffing)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "", "\r\n.\r\n" },
		{ "hello\r\n", "hello\r\n.\r\n" },
		{ "no line end", "no line end\r\n.\r\n" },
		{ ".first\r\n", "..first\r\n.\r\n" },
		{ "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n" },
		{ "a\r\n..x\r\n", "a\r\n...x\r\n.\r\n" },
		{ "a\r\n.\r\n", "a\r\n..\r\n.\r\n" },
		{ ".", "..\r\n.\r\n" },
		{ "x.\r\ny .\r\n", "x.\r\ny .\r\n.\r\n" },
		{ "a\n.b\n", "a\n..b\n.\r\n" },          /* bare LF lines too */
		{ "a\r\n.b\r\n.c\r\n.\r\n", "a\r\n..b\r\n..c\r\n..\r\n.\r\n" },
		{ "end with dot line\r\n.", "end with dot line\r\n..\r\n.\r\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 1024);
		cr_assert_eq(smtp_pipe_body(&b, cases[i].in, strlen(cases[i].in)), 0);
		cr_expect_eq(b.len, strlen(cases[i].want), "case %zu: got %zu bytes, want %zu",
		    i, b.len, strlen(cases[i].want));
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got \"%s\"", i, b.data);
		buf_release(&b);
	}
}

Test(pipe, dot_stuffing_respects_the_cap)
{
	struct buf b;

	buf_init(&b, 8);
	cr_expect_eq(smtp_pipe_body(&b, "0123456789\r\n", 12), -1);
	buf_release(&b);
}

Test(pipe, commands)
{
	static char *const rcpts[] = { (char *)"a@example.org", (char *)"b@example.net" };
	struct buf b;

	buf_init(&b, 4096);
	cr_assert_eq(smtp_pipe_commands(&b, "cop+bounces@example.org", rcpts, 2), 0);
	cr_expect_str_eq(b.data, "MAIL FROM:<cop+bounces@example.org>\r\n"
	    "RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
	buf_reset(&b);
	cr_assert_eq(smtp_pipe_commands(&b, "", rcpts, 1), 0);
	cr_expect_str_eq(b.data, "MAIL FROM:<>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n");
	buf_release(&b);
}

Test(pipe, addresses)
{
	static const struct { const char *addr; int ok; } cases[] = {
		{ "alice@example.org", 1 },
		{ "", 1 },                                  /* the null sender */
		{ "o'brien+tag@sub.example.org", 1 },
		{ "jos\xc3\xa9@example.org", 1 },           /* SMTPUTF8 bytes pass */
		{ "a@example.org>\r\nRCPT TO:<evil@example.net", 0 },
		{ "a@example.org\nDATA", 0 },
		{ "a b@example.org", 0 },
		{ "a<b@example.org", 0 },
		{ "a\x7f@example.org", 0 },
		{ "tab\t@example.org", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(smtp_pipe_address_ok(cases[i].addr), cases[i].ok,
		    "case %zu (%s): got %d, want %d", i, cases[i].addr,
		    smtp_pipe_address_ok(cases[i].addr), cases[i].ok);
}

Test(pipe, replies)
{
	static const struct {
		const char *in;
		int rc, code;
		const char *line;
		size_t used;
	} cases[] = {
		{ "250 2.1.0 Ok\r\n", 1, 250, "250 2.1.0 Ok", 14 },
		{ "250 Ok\r\n354 go\r\n", 1, 250, "250 Ok", 8 },
		{ "250-first\r\n250-second\r\n250 last\r\n", 1, 250, "250 last", 33 },
		{ "550 5.1.1 No such user\n", 1, 550, "550 5.1.1 No such user", 23 },
		{ "354\r\n", 1, 354, "354", 5 },
		{ "250 Ok", 0, 0, NULL, 0 },                   /* no line end yet */
		{ "250-first\r\n250-sec", 0, 0, NULL, 0 },     /* more to come */
		{ "", 0, 0, NULL, 0 },
		{ "hello\r\n", -1, 0, NULL, 7 },
		{ "25 short\r\n", -1, 0, NULL, 10 },
		{ "650 bad class\r\n", -1, 0, NULL, 15 },
		{ "250xOk\r\n", -1, 0, NULL, 8 },
		{ "250-ok\r\nxyz\r\n", -1, 0, NULL, 13 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *line = NULL;
		size_t linelen = 0, used = 0;
		int code = 0;
		int rc = smtp_pipe_reply(cases[i].in, strlen(cases[i].in), &code, &line,
		    &linelen, &used);

		cr_expect_eq(rc, cases[i].rc, "case %zu: got %d, want %d", i, rc, cases[i].rc);
		if (rc == 1) {
			cr_expect_eq(code, cases[i].code, "case %zu: code %d", i, code);
			cr_expect_eq(linelen, strlen(cases[i].line), "case %zu: line length %zu",
			    i, linelen);
			cr_expect_eq(strncmp(line, cases[i].line, linelen), 0,
			    "case %zu: line \"%.*s\"", i, (int)linelen, line);
		}
		if (rc != 0)
			cr_expect_eq(used, cases[i].used, "case %zu: used %zu, want %zu", i,
			    used, cases[i].used);
	}
}

/* a reply handed over one byte at a time is complete only at the end */
Test(pipe, replies_byte_by_byte)
{
	const char *in = "250-a\r\n250-b\r\n250 c\r\n";
	size_t n = strlen(in);

	for (size_t k = 0; k < n; k++) {
		const char *line;
		size_t linelen, used;
		int code;

		cr_expect_eq(smtp_pipe_reply(in, k, &code, &line, &linelen, &used), 0,
		    "complete after %zu of %zu bytes", k, n);
	}
}

Test(smtp, outcome_of_reply_codes)
{
	static const struct { int code; enum outcome want; } cases[] = {
		{ 250, OUTCOME_OK }, { 251, OUTCOME_OK }, { 200, OUTCOME_OK },
		{ 421, OUTCOME_TEMP }, { 450, OUTCOME_TEMP }, { 452, OUTCOME_TEMP },
		{ 0, OUTCOME_TEMP },                    /* no answer at all */
		{ 354, OUTCOME_TEMP }, { 199, OUTCOME_TEMP }, { 600, OUTCOME_TEMP },
		{ 500, OUTCOME_PERM }, { 550, OUTCOME_PERM }, { 553, OUTCOME_PERM },
		{ 554, OUTCOME_PERM }, { 599, OUTCOME_PERM },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum outcome got = smtp_outcome(cases[i].code);

		cr_expect_eq(got, cases[i].want, "%d: got %s, want %s",
		    cases[i].code, outcome_name(got), outcome_name(cases[i].want));
	}
}
