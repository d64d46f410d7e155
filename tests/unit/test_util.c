/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_util - the util layer (daemon/util): buf, arena, utf8, url, outcome,
 * json, clock, template */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "catalog.h"
#include "clock.h"
#include "html.h"
#include "json.h"
#include "outcome.h"
#include "template.h"
#include "tutil.h"
#include "url.h"
#include "utf8.h"

/* ---- buf ---------------------------------------------------------------- */

Test(buf, starts_empty_and_printable)
{
	struct buf b;

	buf_init(&b, 16);
	cr_assert_not_null(b.data);
	cr_assert_str_eq(b.data, "");
	cr_assert_eq(b.len, 0);
	buf_release(&b);
}

Test(buf, cap_refuses_and_keeps_content)
{
	struct buf b;

	buf_init(&b, 8);
	cr_assert_eq(buf_puts(&b, "12345678"), 0);
	cr_assert_eq(buf_putc(&b, '9'), -1, "append past the cap must fail");
	cr_assert_eq(buf_printf(&b, "%d", 1), -1);
	cr_assert_str_eq(b.data, "12345678", "got '%s', want the content unchanged", b.data);
	buf_release(&b);
}

Test(buf, printf_grows_and_detach)
{
	struct buf b;
	char *s;
	size_t n;

	buf_init(&b, BUF_NOLIMIT);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(buf_printf(&b, "%04d,", i), 0);
	cr_assert_eq(b.len, 5000);
	cr_assert(strncmp(b.data + 4995, "0999,", 5) == 0);
	s = buf_detach(&b, &n);
	cr_assert_eq(n, 5000);
	cr_assert_str_eq(b.data, "");
	free(s);
	buf_release(&b);
}

Test(buf, embedded_nul_and_truncate)
{
	struct buf b;

	buf_init(&b, 100);
	buf_append(&b, "a\0b", 3);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(b.data[1], '\0');
	buf_truncate(&b, 1);
	cr_assert_str_eq(b.data, "a");
	buf_truncate(&b, 10);
	cr_assert_eq(b.len, 1);
	buf_release(&b);
}

/* A refused append makes the buffer fail for good: every later append,
 * of any size and by any of the append calls, does nothing and returns -1,
 * so a writer that checks once at the end never uses a buffer with a piece
 * missing from the middle. */
Test(buf, failure_is_sticky_for_every_append)
{
	static const char *const calls[] = { "append", "puts", "putc", "printf", "empty" };

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct buf b;
		int rc = 0;

		buf_init(&b, 8);
		cr_assert_eq(buf_puts(&b, "1234"), 0);
		cr_assert_eq(buf_failed(&b), 0);
		cr_assert_eq(buf_puts(&b, "56789"), -1, "5 more bytes pass the cap of 8");
		cr_assert_eq(buf_failed(&b), 1);
		/* "xy" would fit in what is left; it must be refused all the same */
		if (strcmp(calls[i], "append") == 0)
			rc = buf_append(&b, "xy", 2);
		else if (strcmp(calls[i], "puts") == 0)
			rc = buf_puts(&b, "xy");
		else if (strcmp(calls[i], "putc") == 0)
			rc = buf_putc(&b, 'x');
		else if (strcmp(calls[i], "printf") == 0)
			rc = buf_printf(&b, "%d", 7);
		else
			rc = buf_append(&b, "", 0);
		cr_expect_eq(rc, -1, "%s after a failure: got %d, want -1", calls[i], rc);
		cr_expect_str_eq(b.data, "1234", "%s after a failure: got '%s', want '1234'",
		    calls[i], b.data);
		cr_expect_eq(b.len, 4);
		cr_expect_eq(buf_failed(&b), 1, "%s: the failure must stay", calls[i]);
		cr_expect_eq(buf_room(&b), 0, "%s: a failed buffer has no room", calls[i]);
		buf_release(&b);
	}
}

Test(buf, reset_release_and_init_forget_the_failure)
{
	struct buf b;

	buf_init(&b, 4);
	cr_assert_eq(buf_puts(&b, "12345"), -1);
	buf_truncate(&b, 0);
	cr_expect_eq(buf_failed(&b), 1, "truncating does not bring back what was refused");
	cr_expect_eq(buf_puts(&b, "ab"), -1);
	buf_reset(&b);
	cr_expect_eq(buf_failed(&b), 0, "reset forgets the failure");
	cr_expect_eq(buf_puts(&b, "abcd"), 0, "a reset buffer has its whole cap again");
	cr_expect_eq(buf_putc(&b, 'e'), -1);
	buf_release(&b);
	cr_expect_eq(buf_failed(&b), 0, "release forgets the failure");
	cr_expect_eq(buf_puts(&b, "wxyz"), 0, "a released buffer is empty, same cap");
	cr_expect_str_eq(b.data, "wxyz");
	cr_expect_eq(buf_putc(&b, '!'), -1);
	buf_release(&b);
	b.failed = 1;      /* whatever an embedding struct held before */
	buf_init(&b, 4);
	cr_expect_eq(buf_failed(&b), 0);
	cr_expect_eq(buf_room(&b), 4);
	buf_release(&b);
}

Test(buf, detach_leaves_an_empty_working_buffer)
{
	struct buf b;
	char *s;
	size_t n;

	buf_init(&b, 4);
	buf_puts(&b, "ab");
	cr_assert_eq(buf_puts(&b, "cde"), -1);
	s = buf_detach(&b, &n);
	cr_expect_str_eq(s, "ab");
	cr_expect_eq(n, 2);
	free(s);
	cr_expect_eq(buf_failed(&b), 0);
	cr_expect_eq(buf_puts(&b, "abcd"), 0);
	buf_release(&b);
}

Test(buf, fail_marks_a_piece_missing)
{
	struct buf b, piece;

	buf_init(&b, 100);
	buf_init(&piece, 4);
	buf_puts(&b, "page: ");
	buf_puts(&piece, "too long");
	if (buf_failed(&piece))
		cr_expect_eq(buf_fail(&b), -1);
	cr_expect_eq(buf_failed(&b), 1, "the page lacks the piece");
	cr_expect_eq(buf_puts(&b, "more"), -1, "and refuses more, as after a refused append");
	cr_expect_str_eq(b.data, "page: ");
	buf_release(&piece);
	buf_release(&b);
}

/* buf_room is how a caller keeps what fits (a text cut at its cap)
 * without making the buffer fail. */
Test(buf, room_lets_a_caller_fill_to_the_cap)
{
	struct buf b;
	const char *text = "0123456789";
	size_t n;

	buf_init(&b, 6);
	cr_expect_eq(buf_room(&b), 6);
	buf_puts(&b, "ab");
	n = strlen(text);
	if (n > buf_room(&b))
		n = buf_room(&b);
	cr_assert_eq(buf_append(&b, text, n), 0);
	cr_expect_str_eq(b.data, "ab0123");
	cr_expect_eq(buf_room(&b), 0);
	cr_expect_eq(buf_failed(&b), 0, "filling exactly to the cap is no failure");
	cr_expect_eq(buf_append(&b, "", 0), 0, "nothing more fits, and nothing is asked");
	buf_release(&b);
}

/* ---- arena -------------------------------------------------------------- */

Test(arena, aligned_zeroed_and_capped)
{
	struct arena *a = arena_new(100000);
	char *big;

	for (int i = 0; i < 100; i++) {
		long *p = arena_alloc(a, sizeof(long) * 3);

		cr_assert_not_null(p);
		cr_assert_eq((uintptr_t)p % 16, 0, "allocation %d not aligned", i);
		cr_assert_eq(p[0] | p[1] | p[2], 0);
	}
	big = arena_alloc(a, 50000);
	cr_assert_not_null(big, "a big one-off block must be possible below the cap");
	cr_assert_null(arena_alloc(a, 60000), "past the cap must give NULL");
	cr_assert_str_eq(arena_strdup(a, "héllo"), "héllo");
	arena_free(&a);
	cr_assert_null(a);
}

/* ---- utf8 --------------------------------------------------------------- */

struct utf8_case {
	const char *bytes;
	size_t len;
	int valid;
};

Test(utf8, validity_table)
{
	static const struct utf8_case cases[] = {
		{ "plain ascii", 11, 1 },
		{ "caf\xc3\xa9", 5, 1 },
		{ "\xe2\x82\xac", 3, 1 },                 /* euro */
		{ "\xf0\x9f\x98\x80", 4, 1 },             /* emoji */
		{ "\xd8\xa7\xd9\x84\xd8\xb9", 6, 1 },     /* Arabic */
		{ "caf\xe9", 4, 0 },                      /* latin-1 */
		{ "\xc0\xaf", 2, 0 },                     /* overlong '/' */
		{ "\xed\xa0\x80", 3, 0 },                 /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0 },             /* > U+10FFFF */
		{ "\xe2\x82", 2, 0 },                     /* truncated */
		{ "a\0b", 3, 0 },                         /* NUL */
		{ "\x80", 1, 0 },                         /* lone continuation */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(utf8_valid(cases[i].bytes, cases[i].len), cases[i].valid,
		    "case %zu: got %d, want %d", i, !cases[i].valid, cases[i].valid);
}

Test(utf8, encode_roundtrip)
{
	static const uint32_t cps[] = { 0x41, 0xe9, 0x20ac, 0x1f600, 0x10ffff };
	char out[4];
	uint32_t back;

	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		size_t n = utf8_encode(cps[i], out);

		cr_assert_eq(utf8_decode((unsigned char *)out, n, &back), n);
		cr_assert_eq(back, cps[i], "got U+%X, want U+%X", back, cps[i]);
	}
	cr_assert_eq(utf8_encode(0xd800, out), 3, "a surrogate encodes as U+FFFD");
}

Test(utf8, columns_table)
{
	static const struct { const char *s; size_t cols; } cases[] = {
		{ "", 0 },
		{ "Amina Okafor", 12 },
		{ "Jos\xc3\xa9 Garc\xc3\xad" "a", 11 },          /* precomposed */
		{ "Jose\xcc\x81", 4 },                      /* e + combining acute */
		{ "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99", 6 },   /* three Han */
		{ "\xea\xb9\x80\xec\xa7\x80\xec\x9b\x90", 6 },   /* Hangul */
		{ "\xd8\xb9\xd9\x84\xd9\x8a", 3 },              /* Arabic */
		{ "Wanjiru \xf0\x9f\x8c\x8d", 10 },           /* emoji is wide */
		{ "caf\xe9", 4 },                            /* latin-1 byte */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t got = utf8_columns(cases[i].s);

		cr_expect_eq(got, cases[i].cols, "case %zu (%s): got %zu columns, want %zu",
		    i, cases[i].s, got, cases[i].cols);
	}
}

/* ---- url ---------------------------------------------------------------- */

static const struct url_scheme test_schemes[] = {
	{ "imaps", 993, 1 }, { "imap", 143, 0 }, { NULL, 0, 0 },
};

struct url_case {
	const char *in;
	int rc;               /* URL_OK, URL_BAD, URL_CREDENTIALS */
	const char *scheme;   /* when URL_OK */
	const char *host;
	int port;
	const char *path;
	const char *err;      /* when not URL_OK: the whole message */
};

Test(url, table)
{
	static const struct url_case cases[] = {
		{ "imaps://mail.example.org", URL_OK, "imaps", "mail.example.org", 993, "", NULL },
		{ "IMAP://h:1993/INBOX", URL_OK, "imap", "h", 1993, "INBOX", NULL },
		{ "imap://h/", URL_OK, "imap", "h", 143, "", NULL },
		{ "imap://[::1]:10143/Lists%2FCoP", URL_OK, "imap", "::1", 10143, "Lists/CoP", NULL },
		{ "imaps://[::ffff:127.0.0.1]", URL_OK, "imaps", "::ffff:127.0.0.1", 993, "", NULL },
		{ "imap://mx_1.example-2.org:65535/caf%C3%a9 noir", URL_OK, "imap",
		    "mx_1.example-2.org", 65535, "caf\xc3\xa9 noir", NULL },
		{ "imap://h/100%25", URL_OK, "imap", "h", 143, "100%", NULL },
		{ "http://h/", URL_BAD, NULL, NULL, 0, NULL,
		    "'http://h/' must start with imaps:// or imap://" },
		{ "imap:/h", URL_BAD, NULL, NULL, 0, NULL,
		    "'imap:/h' must start with imaps:// or imap://" },
		{ "imaps://u:secret@h/INBOX", URL_CREDENTIALS, NULL, NULL, 0, NULL,
		    "no user or password in the url" },
		{ "imap://", URL_BAD, NULL, NULL, 0, NULL, "'imap://': no host name" },
		{ "imap://:143", URL_BAD, NULL, NULL, 0, NULL, "'imap://:143': no host name" },
		{ "imap://[::1", URL_BAD, NULL, NULL, 0, NULL, "'imap://[::1': bad IPv6 address" },
		{ "imap://[]", URL_BAD, NULL, NULL, 0, NULL, "'imap://[]': bad IPv6 address" },
		{ "imap://[::g]", URL_BAD, NULL, NULL, 0, NULL, "'imap://[::g]': bad IPv6 address" },
		{ "imap://h:", URL_BAD, NULL, NULL, 0, NULL, "'imap://h:': bad port" },
		{ "imap://h:x", URL_BAD, NULL, NULL, 0, NULL, "'imap://h:x': bad port" },
		{ "imap://h:0", URL_BAD, NULL, NULL, 0, NULL, "'imap://h:0': port must be 1 to 65535" },
		{ "imap://h:65536", URL_BAD, NULL, NULL, 0, NULL,
		    "'imap://h:65536': port must be 1 to 65535" },
		{ "imap://h:99999999999999999999", URL_BAD, NULL, NULL, 0, NULL,
		    "'imap://h:99999999999999999999': port must be 1 to 65535" },
		{ "imap://h!x", URL_BAD, NULL, NULL, 0, NULL, "'imap://h!x': unexpected '!' after the host" },
		{ "imap://h?x", URL_BAD, NULL, NULL, 0, NULL, "'imap://h?x': unexpected '?' after the host" },
		{ "imap://h/a?b", URL_BAD, NULL, NULL, 0, NULL, "'imap://h/a?b': no query or fragment allowed" },
		{ "imap://h/a#b", URL_BAD, NULL, NULL, 0, NULL, "'imap://h/a#b': no query or fragment allowed" },
		{ "imap://h/%2", URL_BAD, NULL, NULL, 0, NULL, "'imap://h/%2': bad %-escape" },
		{ "imap://h/%zz", URL_BAD, NULL, NULL, 0, NULL, "'imap://h/%zz': bad %-escape" },
		{ "imap://h/a%0Ab", URL_BAD, NULL, NULL, 0, NULL, "'imap://h/a%0Ab': bad %-escape" },
		{ "imap://h/a%1fb", URL_BAD, NULL, NULL, 0, NULL, "'imap://h/a%1fb': bad %-escape" },
		{ "imap://h/a%7Fb", URL_BAD, NULL, NULL, 0, NULL, "'imap://h/a%7Fb': bad %-escape" },
		{ "imap://h/a\tb", URL_BAD, NULL, NULL, 0, NULL,
		    "'imap://h/a\tb': control character in the path" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct url_case *tc = &cases[i];
		struct url u;
		char err[256] = "";
		int rc = url_parse(tc->in, test_schemes, &u, err, sizeof(err));

		cr_expect_eq(rc, tc->rc, "case %zu (%s): got %d (%s), want %d", i,
		    tc->in, rc, err, tc->rc);
		if (rc != tc->rc)
			continue;
		if (rc != URL_OK) {
			cr_expect_str_eq(err, tc->err, "case %zu: got '%s', want '%s'",
			    i, err, tc->err);
			continue;
		}
		cr_expect_str_eq(u.scheme->name, tc->scheme, "case %zu: scheme %s", i,
		    u.scheme->name);
		cr_expect_eq(u.scheme->tls, tc->scheme[4] == 's', "case %zu: tls", i);
		cr_expect_str_eq(u.host, tc->host, "case %zu: got host '%s', want '%s'",
		    i, u.host, tc->host);
		cr_expect_eq(u.port, tc->port, "case %zu: got port %d, want %d", i,
		    u.port, tc->port);
		cr_expect_str_eq(u.path, tc->path, "case %zu: got path '%s', want '%s'",
		    i, u.path, tc->path);
	}
}

Test(url, hard_caps)
{
	char in[URL_MAX_HOST + URL_MAX_PATH * 3 + 64], want[sizeof(in) + 64];
	char err[sizeof(want)];
	struct url u;
	size_t n;

	/* the longest host passes, one byte more does not */
	n = (size_t)snprintf(in, sizeof(in), "imap://");
	memset(in + n, 'h', URL_MAX_HOST - 1);
	in[n + URL_MAX_HOST - 1] = '\0';
	cr_expect_eq(url_parse(in, test_schemes, &u, err, sizeof(err)), URL_OK, "%s", err);
	cr_expect_eq(strlen(u.host), URL_MAX_HOST - 1);
	strcat(in, "h");
	cr_expect_eq(url_parse(in, test_schemes, &u, err, sizeof(err)), URL_BAD);
	snprintf(want, sizeof(want), "'%s': host name longer than %d bytes", in,
	    URL_MAX_HOST - 1);
	cr_expect_str_eq(err, want);

	/* the cap on the path counts decoded bytes */
	n = (size_t)snprintf(in, sizeof(in), "imap://h/");
	for (size_t i = 0; i < URL_MAX_PATH - 1; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "%%41");
	cr_expect_eq(url_parse(in, test_schemes, &u, err, sizeof(err)), URL_OK, "%s", err);
	cr_expect_eq(strlen(u.path), URL_MAX_PATH - 1);
	cr_expect_eq(u.path[0], 'A');
	strcat(in, "A");
	cr_expect_eq(url_parse(in, test_schemes, &u, err, sizeof(err)), URL_BAD);
	snprintf(want, sizeof(want), "'%s': path longer than %d bytes", in,
	    URL_MAX_PATH - 1);
	cr_expect_str_eq(err, want);

	/* credentials are never echoed */
	cr_expect_eq(url_parse("imap://amina:hunter2@h", test_schemes, &u, err,
	    sizeof(err)), URL_CREDENTIALS);
	cr_expect_null(strstr(err, "hunter2"), "got '%s'", err);
}

/* ---- outcome ------------------------------------------------------------ */

Test(outcome, names)
{
	cr_expect_eq(OUTCOME_OK, 0, "OUTCOME_OK must be 0");
	cr_expect_str_eq(outcome_name(OUTCOME_OK), "ok");
	cr_expect_str_eq(outcome_name(OUTCOME_TEMP), "temporary");
	cr_expect_str_eq(outcome_name(OUTCOME_PERM), "permanent");
	cr_expect_str_eq(outcome_name(OUTCOME_INTERNAL), "internal");
}

/* ---- json --------------------------------------------------------------- */

Test(json, nested_with_commas)
{
	struct buf b;
	struct json j;

	buf_init(&b, 4096);
	json_init(&j, &b);
	json_array_begin(&j);
	json_object_begin(&j);
	json_key(&j, "id"); json_int(&j, 7);
	json_key(&j, "name"); json_string(&j, NULL);
	json_key(&j, "tags"); json_array_begin(&j);
	json_string(&j, "a"); json_string(&j, "b"); json_array_end(&j);
	json_key(&j, "ok"); json_bool(&j, 1);
	json_object_end(&j);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_end(&j);
	cr_assert_str_eq(b.data,
	    "[{\"id\":7,\"name\":null,\"tags\":[\"a\",\"b\"],\"ok\":true},{}]",
	    "got %s", b.data);
	buf_release(&b);
}

Test(json, escaping_hostile_strings)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
		{ "line\r\nnext\t", 11, "\"line\\r\\nnext\\t\"" },
		{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
		{ "caf\xe9", 4, "\"caf\xef\xbf\xbd\"" },          /* latin-1 -> U+FFFD */
		{ "x\0y", 3, "\"x\\u0000y\"" },
		{ "\xe2\x80\xa8", 3, "\"\\u2028\"" },
		{ "</script>", 9, "\"</script>\"" },
		{ "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", 8, "\"\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 1024);
		json_escape(&b, cases[i].in, cases[i].len);
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got %s, want %s",
		    i, b.data, cases[i].want);
		buf_release(&b);
	}
}

/* ---- clock -------------------------------------------------------------- */

Test(clock, iso_forms)
{
	static const struct {
		const char *in;
		long long want;   /* -1: must fail */
	} cases[] = {
		{ "2020-11-20T10:00:00Z", 1605866400LL },
		{ "2020-11-20T11:00:00+01:00", 1605866400LL },
		{ "2020-11-20T05:00:00-0500", 1605866400LL },
		{ "2020-11-20t10:00z", 1605866400LL },
		{ "2020-11-20T10:00:00.250Z", 1605866400LL },
		{ "2020-02-29T00:00:00Z", 1582934400LL },
		{ "2020-13-01T00:00:00Z", -1 },
		{ "2020-11-20 10:00:00Z", -1 },
		{ "yesterday", -1 },
		{ "2020-11-20T10:00:00Zjunk", -1 },
		{ "", -1 },
	};
	time_t t;

	clock_set_timezone("UTC");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = clock_parse_iso(cases[i].in, &t);

		if (cases[i].want < 0) {
			cr_expect_eq(rc, -1, "'%s' should not parse", cases[i].in);
		} else {
			cr_expect_eq(rc, 0, "'%s' should parse", cases[i].in);
			cr_expect_eq((long long)t, cases[i].want, "'%s': got %lld, want %lld",
			    cases[i].in, (long long)t, cases[i].want);
		}
	}
}

Test(clock, baraza_now_overrides)
{
	char err[128];

	setenv("BARAZA_NOW", "2020-11-20T10:00:00Z", 1);
	cr_assert_eq((long long)clock_now(), 1605866400LL);
	cr_assert_eq(clock_check_env(err, sizeof(err)), 0);
	setenv("BARAZA_NOW", "not a date", 1);
	cr_assert_eq(clock_check_env(err, sizeof(err)), -1);
	cr_assert(strstr(err, "BARAZA_NOW") != NULL, "got '%s'", err);
	unsetenv("BARAZA_NOW");
	cr_assert((long long)clock_now() > 1700000000LL);
}

Test(clock, local_dates_are_dst_correct)
{
	time_t t;
	char out[64];

	cr_assert_eq(clock_set_timezone("Europe/Amsterdam"), 0);
	/* Summer (CEST, UTC+2) and winter (CET, UTC+1) midnights. */
	cr_assert_eq(clock_parse_local("2020-07-01", &t), 0);
	cr_assert_eq((long long)t, 1593554400LL, "got %lld", (long long)t);
	cr_assert_eq(clock_parse_local("2020-11-17", &t), 0);
	cr_assert_eq((long long)t, 1605567600LL, "got %lld", (long long)t);
	cr_assert_eq(clock_parse_local("2020-12-01 09:00", &t), 0);
	cr_assert_str_eq(clock_format_iso(t, out, sizeof(out)), "2020-12-01T08:00:00Z");
	cr_assert_str_eq(clock_format_date(t, out, sizeof(out)), "2020-12-01");
	cr_assert_str_eq(clock_format_rfc5322(t, out, sizeof(out)),
	    "Tue, 1 Dec 2020 09:00:00 +0100", "got %s", out);
	/* Two local days across the DST change are one calendar day apart. */
	cr_assert_eq(clock_local_day(clock_local(2020, 10, 26, 0, 0)) -
	    clock_local_day(clock_local(2020, 10, 25, 0, 0)), 1);
	cr_assert_eq(clock_set_timezone("Mars/Olympus"), -1);
	cr_assert_eq(clock_set_timezone("../../etc/passwd"), -1);
	clock_set_timezone("UTC");
}

/* ---- template ----------------------------------------------------------- */

static char tdir[64];

/* write_template - TDIR/LANG/NAME.txt */
static void
write_template(const char *lang, const char *name, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tdir, lang);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s.txt", tdir, lang, name);
	tutil_write_file(path, text, 0644);
}

static void
template_setup(void)
{
	tutil_scratch_dir(tdir, sizeof(tdir), "tmpl");
	setenv("BARAZA_TEMPLATES", tdir, 1);
	write_template("en", "hello", "Hello {{name}}!\n{{#theme}}\nTheme: {{theme}}\n{{/theme}}\nBye {{unknown}}.\n");
	write_template("fr", "hello", "Bonjour {{name}} !\n");
}

static void
template_teardown(void)
{
	tutil_rmtree(tdir);
}

TestSuite(template, .init = template_setup, .fini = template_teardown);

Test(template, render_language_and_fallback)
{
	static const struct {
		const char *lang, *fallback, *want;
		int with_theme;
	} cases[] = {
		{ "en", "en", "Hello Amina!\nTheme: funding\nBye .\n", 1 },
		{ "en", "en", "Hello Amina!\nBye .\n", 0 },
		{ "fr", "en", "Bonjour Amina !\n", 1 },
		{ "es", "fr", "Bonjour Amina !\n", 1 },   /* no es: list language fr */
		{ "sw", "de", "Hello Amina!\nTheme: funding\nBye .\n", 1 }, /* en last */
		{ "../x", "en", "Hello Amina!\nTheme: funding\nBye .\n", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct template_var vars[] = {
			{ "name", "Amina" },
			{ "theme", cases[i].with_theme ? "funding" : "" },
		};
		struct buf b;

		buf_init(&b, 4096);
		cr_assert_eq(template_render(&b, "hello", cases[i].lang, cases[i].fallback,
		    vars, 2), 0);
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got '%s', want '%s'",
		    i, b.data, cases[i].want);
		buf_release(&b);
	}
}

Test(template, missing_and_hostile_names)
{
	struct buf b;

	buf_init(&b, 4096);
	cr_assert_eq(template_render(&b, "nosuch", "en", "en", NULL, 0), -1);
	cr_assert_null(template_find("../en/hello", "en", "en"));
	cr_assert_null(template_find("", "en", "en"));
	buf_release(&b);
}

/* ---- catalog: Plural-Forms, .mo look-ups, templates through the catalog - */

/* The Plural-Forms expressions of the shipped languages and of a few
 * harder ones, against the forms CLDR gives */
Test(catalog, plural_expressions)
{
	static const char ar[] = "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && "
	    "n%100<=10 ? 3 : n%100>=11 ? 4 : 5)";
	static const char ru[] = "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
	    "(n%100<10 || n%100>=20) ? 1 : 2)";
	static const struct {
		const char *expr;
		unsigned long n;
		long want;
	} cases[] = {
		{ "n != 1", 0, 1 }, { "n != 1", 1, 0 }, { "n != 1", 2, 1 },
		{ "(n > 1)", 0, 0 }, { "(n > 1)", 1, 0 }, { "(n > 1)", 2, 1 },
		{ ar, 0, 0 }, { ar, 1, 1 }, { ar, 2, 2 }, { ar, 3, 3 }, { ar, 10, 3 },
		{ ar, 11, 4 }, { ar, 99, 4 }, { ar, 100, 5 }, { ar, 102, 5 }, { ar, 103, 3 },
		{ ar, 111, 4 },
		{ ru, 1, 0 }, { ru, 21, 0 }, { ru, 11, 2 }, { ru, 3, 1 }, { ru, 14, 2 },
		{ ru, 22, 1 }, { ru, 5, 2 },
		{ "0", 7, 0 }, { "n % 0", 5, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long got = catalog_plural_index(cases[i].expr, cases[i].n);

		cr_expect_eq(got, cases[i].want, "%s for n=%lu: got %ld, want %ld",
		    cases[i].expr, cases[i].n, got, cases[i].want);
	}
	cr_expect_eq(catalog_plural_index("n ==", 1), -1, "a broken expression");
	cr_expect_eq(catalog_plural_index("(n", 1), -1);
	cr_expect_eq(catalog_plural_index("n; rm", 1), -1);
}

/* The build's catalogs (BARAZA_LOCALEDIR, set by make check) */
Test(catalog, lookups_fallbacks_and_plurals)
{
	cr_assert(catalog_has("fr"), "no French catalog under BARAZA_LOCALEDIR=%s",
	    getenv("BARAZA_LOCALEDIR") ? getenv("BARAZA_LOCALEDIR") : "(unset)");
	cr_expect_str_eq(catalog_tr("fr", "Reply to this post"), "R\xc3\xa9pondre \xc3\xa0 ce message");
	cr_expect_str_eq(catalog_tr("pt-BR", "Reply to this post"), "Responder a esta mensagem",
	    "pt-BR falls back to pt");
	cr_expect_str_eq(catalog_tr("en", "Reply to this post"), "Reply to this post");
	cr_expect_str_eq(catalog_tr("de", "Reply to this post"), "Reply to this post",
	    "no catalog: English");
	cr_expect_str_eq(catalog_tr("fr", "no such msgid"), "no such msgid");
	cr_expect_str_eq(catalog_tr("../../etc", "Reply to this post"), "Reply to this post");
	cr_expect(!catalog_has("de") && catalog_has("en") && catalog_has("ar"));
	cr_expect_str_eq(catalog_pick("de", "es"), "es");
	cr_expect_str_eq(catalog_pick("de", "xx"), "en");
	cr_expect(catalog_is_rtl("ar") && !catalog_is_rtl("fr"));
	{
		struct buf b;

		buf_init(&b, 1024);
		template_plural(&b, "en", "{{n}} post", "{{n}} posts", 1, NULL, 0);
		cr_expect_str_eq(b.data, "1 post", "no \"1 posts\"");
		buf_reset(&b);
		template_plural(&b, "fr", "{{n}} more item is not shown here.",
		    "{{n}} more items are not shown here.", 0, NULL, 0);
		cr_expect(strstr(b.data, "0 autre \xc3\xa9l\xc3\xa9ment n'est") != NULL,
		    "French: 0 takes the singular: %s", b.data);
		buf_reset(&b);
		template_plural(&b, "ar", "{{n}} more item is not shown here.",
		    "{{n}} more items are not shown here.", 2, NULL, 0);
		cr_expect(strstr(b.data, "{{") == NULL && strstr(b.data, "2") == NULL,
		    "Arabic dual is a word, not a number: %s", b.data);
		buf_release(&b);
	}
}

/* Templates are cut into paragraphs, translated, then expanded */
Test(catalog, template_translated_paragraph_by_paragraph)
{
	static const char text[] = "Subject: How to use {{list}}\n"
	    "{{list}} is a community of practice that talks by email.\n\n"
	    "{{unknown paragraph stays}}\n\nNot in any catalog.\n";
	struct buf b;

	buf_init(&b, 4096);
	cr_assert_eq(template_translate(&b, text, strlen(text), "es"), 0);
	{
		static const char want[] = "Subject: C\xc3\xb3mo usar {{list}}\n";

		cr_expect(strncmp(b.data, want, strlen(want)) == 0, "%s", b.data);
	}
	cr_expect(strstr(b.data, "{{list}} es una comunidad de pr\xc3\xa1" "ctica") != NULL, "%s", b.data);
	cr_expect(strstr(b.data, "\n\n{{unknown paragraph stays}}\n\nNot in any catalog.\n") != NULL,
	    "untranslated paragraphs and the blank lines stay: %s", b.data);
	buf_release(&b);
}

/* Dates: the end day inclusive, in each language's words */
Test(catalog, date_range_end_inclusive)
{
	struct buf b;
	time_t opens = tutil_at("2020-11-17T00:00:00Z"), closes = tutil_at("2020-12-01T00:00:00Z");

	setenv("TZ", "UTC", 1);
	tzset();
	tutil_use_source_templates();
	buf_init(&b, 256);
	template_date_range(&b, opens, closes, "en", "en");
	cr_expect_str_eq(b.data, "17 Nov \xe2\x80\x93 30 Nov 2020", "a session ..12-01 ends on 30 Nov");
	buf_reset(&b);
	template_date_range(&b, opens, closes, "pt", "en");
	cr_expect_str_eq(b.data, "17 nov \xe2\x80\x93 30 nov 2020");
	buf_release(&b);
}
/* html_text_pre: the text as html_text makes it, but every newline stays a
 * newline (the archive draws posts under white-space: pre-wrap, where a
 * <br> as well doubled every line: issue 21) */
Test(html, text_pre_keeps_newlines_without_br)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "one\ntwo\n", "one\ntwo\n" },
		{ "  indented\n\tcode\n", "  indented\n\tcode\n" },
		{ "<b>\nsee https://example.org/a?b=1&c=2\n",
		  "&lt;b&gt;\nsee <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow "
		  "noopener\">https://example.org/a?b=1&amp;c=2</a>\n" },
		{ "\xd9\x84\xd9\x8a\n\xe2\x80\xae", "\xd9\x84\xd9\x8a\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 4096);
		html_text_pre(&b, cases[i].in, strlen(cases[i].in));
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got \"%s\"", i, b.data);
		buf_release(&b);
		buf_init(&b, 4096);
		html_text(&b, cases[i].in, strlen(cases[i].in));
		cr_expect(strchr(cases[i].in, '\n') == NULL || strstr(b.data, "<br>") != NULL,
		    "html_text keeps its <br> (mail clients need them)");
		buf_release(&b);
	}
}
