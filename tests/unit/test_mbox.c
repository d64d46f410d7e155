/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mbox - the streaming mbox reader: separators, escapes, caps, CRLF,
 * lines across chunk boundaries */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mbox.h"
#include "xalloc.h"

/* read_all - every message of text as "[msg]" joined by "|", sizes in
 * "(size)" when cut */
static char *
read_all(const char *text, size_t len, size_t cap)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	struct mbox *mb;
	struct buf out;
	const char *msg;
	size_t n, size;
	int rc;

	cr_assert_not_null(fp);
	buf_init(&out, BUF_NOLIMIT);
	mb = mbox_open(fp, cap);
	while ((rc = mbox_next(mb, &msg, &n, &size)) == 1) {
		cr_assert_eq(msg[n], '\0', "message not NUL-terminated");
		buf_putc(&out, '[');
		buf_append(&out, msg, n);
		buf_putc(&out, ']');
		if (size != n)
			buf_printf(&out, "(%zu)", size);
		buf_putc(&out, '|');
	}
	cr_assert_eq(rc, 0, "mbox_next returned %d", rc);
	mbox_close(&mb);
	fclose(fp);
	return buf_detach(&out, NULL);
}

static const struct {
	const char *name, *in, *want;
} cases[] = {
	{ "empty file", "", "" },
	{ "one message",
	  "From a@b Fri Nov 20 10:00:00 2020\nSubject: x\n\nbody\n",
	  "[Subject: x\n\nbody\n]|" },
	{ "two messages, separator blank line dropped",
	  "From a@b Fri Nov 20 10:00:00 2020\nS: 1\n\none\n\n"
	  "From c@d Fri Nov 20 11:00:00 2020\nS: 2\n\ntwo\n\n",
	  "[S: 1\n\none\n]|[S: 2\n\ntwo\n]|" },
	{ "From in a body without blank line before: not a separator",
	  "From a@b Fri Nov 20 10:00:00 2020\nS: 1\n\nline\nFrom a@b Fri Nov 20 10:00:00 2020\n",
	  "[S: 1\n\nline\nFrom a@b Fri Nov 20 10:00:00 2020\n]|" },
	{ "unescaped prose after a blank line stays (no date-like words)",
	  "From a@b Fri Nov 20 10:00:00 2020\nS: 1\n\nhi\n\nFrom here on we go.\n",
	  "[S: 1\n\nhi\n\nFrom here on we go.\n]|" },
	{ "mboxrd unescaping strips one '>'",
	  "From a@b Fri Nov 20 10:00:00 2020\nS: 1\n\n>From x\n>>From y\n>Fromage\n> From z\n",
	  "[S: 1\n\nFrom x\n>From y\n>Fromage\n> From z\n]|" },
	{ "CRLF lines and CRLF blank before separator",
	  "From a@b Fri Nov 20 10:00:00 2020\r\nS: 1\r\n\r\none\r\n\r\n"
	  "From c@d Fri Nov 20 11:00:00 2020\r\nS: 2\r\n\r\n>From two\r\n",
	  "[S: 1\r\n\r\none\r\n]|[S: 2\r\n\r\nFrom two\r\n]|" },
	{ "text before the first separator is a message",
	  "Subject: stray\n\nx\n\nFrom a@b Fri Nov 20 10:00:00 2020\nS: 1\n",
	  "[Subject: stray\n\nx\n]|[S: 1\n]|" },
	{ "blank lines inside are kept, only the last is dropped",
	  "From a@b Fri Nov 20 10:00:00 2020\nS: 1\n\n\n\nx\n\n\n",
	  "[S: 1\n\n\n\nx\n\n]|" },
	{ "no final newline",
	  "From a@b Fri Nov 20 10:00:00 2020\nS: 1\n\nx",
	  "[S: 1\n\nx]|" },
	{ "empty message between separators",
	  "From a@b Fri Nov 20 10:00:00 2020\n\nFrom c@d Fri Nov 20 10:00:00 2020\nS: 2\n",
	  "[]|[S: 2\n]|" },
};

Test(mbox, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = read_all(cases[i].in, strlen(cases[i].in), 1 << 20);

		cr_expect_str_eq(got, cases[i].want, "%s: got '%s', want '%s'",
		    cases[i].name, got, cases[i].want);
		free(got);
	}
}

Test(mbox, nul_bytes_survive)
{
	static const char text[] = "From a@b Fri Nov 20 10:00:00 2020\nS: \0x\n";
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct mbox *mb = mbox_open(fp, 1024);
	const char *m;
	size_t n, size;

	cr_assert_eq(mbox_next(mb, &m, &n, &size), 1);
	cr_expect_eq(n, 6, "got %zu bytes, want 6", n);
	cr_expect(memcmp(m, "S: \0x\n", 6) == 0, "bytes differ");
	mbox_close(&mb);
	fclose(fp);
}

Test(mbox, separator_shape)
{
	static const struct {
		const char *line;
		int want;
	} seps[] = {
		{ "From alice@example.org Fri Nov 20 10:00:00 2020", 1 },
		{ "From MAILER-DAEMON Mon Jan  1 00:00:00 2001", 1 },
		{ "From - Tue Nov 17 10:00:00 2020", 1 },
		{ "From a@b 1605866400", 0 },                 /* two words only */
		{ "From here on we go.", 0 },
		{ "From the 3 of us: hi", 1 },                /* unavoidable */
		{ "From ", 0 },
		{ "From", 0 },
		{ ">From a@b Fri Nov 20 10:00:00 2020", 0 },
		{ "from a@b Fri Nov 20 10:00:00 2020", 0 },
	};

	for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		int got = mbox_is_separator(seps[i].line, strlen(seps[i].line));

		cr_expect_eq(got, seps[i].want, "'%s': got %d, want %d",
		    seps[i].line, got, seps[i].want);
	}
}

Test(mbox, cap_cuts_and_counts)
{
	static const char text[] = "From a@b Fri Nov 20 10:00:00 2020\n0123456789\nabcdef\n\n"
	    "From a@b Fri Nov 20 10:00:00 2020\nsmall\n";
	char *got = read_all(text, sizeof(text) - 1, 8);

	cr_expect_str_eq(got, "[01234567](18)|[small\n]|", "got '%s'", got);
	free(got);
}

/* Many messages with long lines: every line and separator crosses a chunk
 * boundary somewhere; each message must come back byte for byte. */
Test(mbox, chunk_boundaries)
{
	struct buf in, want;
	char *got;

	buf_init(&in, BUF_NOLIMIT);
	buf_init(&want, BUF_NOLIMIT);
	for (int i = 0; i < 300; i++) {
		size_t start;

		buf_printf(&in, "From sender%d@example.org Fri Nov 20 10:%02d:00 2020\n", i, i % 60);
		buf_putc(&want, '[');
		start = in.len;
		buf_printf(&in, "Subject: message %d\n\n", i);
		for (int k = 0; k < (i * 37) % 200; k++)
			buf_putc(&in, 'a' + k % 26);
		buf_puts(&in, "\n");
		for (int k = 0; k < i % 7; k++)
			buf_printf(&in, "line %d of %d with some words in it\n", k, i);
		if (i % 5 == 0) {
			/* a very long line, longer than the look-ahead window */
			for (int k = 0; k < 3000 + i; k++)
				buf_putc(&in, 'x');
			buf_putc(&in, '\n');
		}
		buf_append(&want, in.data + start, in.len - start);
		if (i % 3 == 0) {
			buf_puts(&in, ">From escaped\n");
			buf_puts(&want, "From escaped\n");
		}
		buf_puts(&in, "\n");
		buf_puts(&want, "]|");
	}
	got = read_all(in.data, in.len, 1 << 20);
	cr_assert_eq(strlen(got), want.len, "got %zu bytes, want %zu", strlen(got), want.len);
	cr_assert(memcmp(got, want.data, want.len) == 0, "messages differ");
	free(got);
	buf_release(&in);
	buf_release(&want);
}

Test(mbox, line_numbers)
{
	static const char text[] =
	    "From a@b Fri Nov 20 10:00:00 2020\nS: 1\n\nx\n\n"
	    "From c@d Fri Nov 20 11:00:00 2020\nS: 2\n";
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct mbox *mb = mbox_open(fp, 1024);
	const char *m;
	size_t n, size;

	cr_assert_eq(mbox_next(mb, &m, &n, &size), 1);
	cr_expect_eq(mbox_line(mb), 1, "got line %lu, want 1", mbox_line(mb));
	cr_assert_eq(mbox_next(mb, &m, &n, &size), 1);
	cr_expect_eq(mbox_line(mb), 6, "got line %lu, want 6", mbox_line(mb));
	cr_assert_eq(mbox_next(mb, &m, &n, &size), 0);
	mbox_close(&mb);
	fclose(fp);
}
