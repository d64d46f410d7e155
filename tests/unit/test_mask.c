/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mask - the one address masker (mask.h): a table of the ways real
 * people and real mail clients write addresses, the sentences it must
 * leave alone, and raw messages whose encoded parts hide addresses */
#include "config.h"

#include <criterion/criterion.h>

#include <string.h>

#include "buf.h"
#include "mask.h"
#include "tutil.h"

#define H MASK_HIDDEN

Test(mask, text_table)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		/* plain forms */
		{ "write to fred@example.org today", "write to " H " today" },
		{ "<fred.smith+cop@mail.example.co.uk>", "<" H ">" },
		{ "\"fred@example.org\" <fred@example.org>", "\"" H "\" <" H ">" },
		{ "fred@example.org.", H "." },
		{ "ends fred@localhost", "ends " H },
		/* other scripts (RFC 6531, IDN) */
		{ "fr\xc3\xa9" "d@ex\xc3\xa4mple.net wrote", H " wrote" },
		{ "\xd9\x84\xd9\x8a\xd9\x84\xd9\x89@\xd9\x85\xd8\xab\xd8\xa7\xd9\x84."
		  "\xd8\xb9\xd8\xb1\xd8\xa8 \xd9\x87\xd9\x86\xd8\xa7", H " \xd9\x87\xd9\x86\xd8\xa7" },
		{ "fred@example\xe3\x80\x82org", H },
		{ "fred\xef\xbc\xa0" "example.org", H },
		/* IP literals and bare IPs */
		{ "fred@[192.0.2.1] said", H " said" },
		{ "fred@[IPv6:2001:db8::1]", H },
		{ "fred@192.0.2.1", H },
		/* encoded "@" */
		{ "mailto:fred%40example.org", "mailto:" H },
		{ "undecoded fred=40example.org", "undecoded " H },
		{ "fred&#64;example.org and fred&#x40;example.org", H " and " H },
		/* spellings against harvesters */
		{ "fred (at) example (dot) org", H },
		{ "fred [at] example [dot] org.", H "." },
		{ "fred[at]example.org", H },
		{ "fred {AT} example . org", H },
		{ "fred @ example.org", H },
		{ "fred at example dot org", H },
		{ "Fred AT Example DOT Org!", H "!" },
		{ "reach me: fred at example.org", "reach me: " H },
		{ "fred ( at ) example ( dot ) co ( dot ) ke", H },
		/* what stays */
		{ "@ alone, @fred on a forum", "@ alone, @fred on a forum" },
		{ "meet at 10.30 at the office", "meet at 10.30 at the office" },
		{ "look at this. Then go", "look at this. Then go" },
		{ "5@10 EUR", "5@10 EUR" },
		{ "a (at) b", "a (at) b" },
		{ "email at noon.", "email at noon." },
		{ "", "" },
		/* each form by its first byte, with tabs and up to three blanks
		 * around a spelled sign (the masker's fast path, issue 22) */
		{ "fred\t@\texample.org", H },
		{ "fred  AT\t example   DOT  org", H },
		{ "fred <at> example <dot> org", H },
		{ "fred\t(at)example.org", H },
		{ "fred&#X40;example.org", H },
		{ "x fred(at)example(dot)org y", "x " H " y" },
		{ "fred    at example.org", "fred    at example.org" },
		{ "fred (at)", "fred (at)" },
		{ "fred at", "fred at" },
		{ "fred @", "fred @" },
		{ "fred %40 example.org", "fred %40 example.org" },
		{ "fred&#64example.org", "fred&#64example.org" },
		{ "fred.(at).example.org", "fred.(at).example.org" },
		{ "fred (AT example.org", "fred (AT example.org" },
		{ "fred attends example.org", "fred attends example.org" },
		{ "fred @example.org", "fred @example.org" },
		{ "fred atexample.org", "fred atexample.org" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 4096);
		mask_text(&b, cases[i].in, cases[i].in + strlen(cases[i].in));
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: %s: got \"%s\", want \"%s\"", i,
		    cases[i].in, b.data, cases[i].want);
		buf_release(&b);
	}
}

/* contains - is needle in the n bytes at hay? */
static int
contains(const char *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

Test(mask, messages_decoded_masked_encoded_again)
{
	static const struct {
		const char *what, *in;
		const char *gone, *kept;
	} cases[] = {
		{ "display name that is an address, encoded",
		  "From: =?UTF-8?B?ZnJlZEBleGFtcGxlLm9yZw==?= <fred@example.org>\r\n"
		  "Subject: =?UTF-8?Q?write_to_fred=40example.org?=\r\n"
		  "Message-ID: <id1@example.org>\r\n\r\nhi\r\n",
		  "ZnJlZEBleGFtcGxlLm9yZw", "Message-ID: <id1@example.org>" },
		{ "quoted-printable body, soft line break inside the address",
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		  "Reach me at fr=\r\ned=40exam=\r\nple.org caf=C3=A9\r\n",
		  "exam=", "caf=C3=A9" },
		{ "base64 body in a multipart, Latin-1",
		  "Content-Type: multipart/mixed; boundary=\"b1@x\"\r\n\r\npreamble\r\n"
		  "--b1@x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
		  "Content-Transfer-Encoding: base64\r\n\r\n"
		  "Q2Fm6SBmcmVkQGV4YW1wbGUub3JnIQ==\r\n"
		  "--b1@x\r\nContent-Type: application/pdf; name=\"fred@example.org.pdf\"\r\n"
		  "Content-Disposition: attachment; filename*=UTF-8''fred%40example.org.pdf\r\n"
		  "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b1@x--\r\n",
		  "ZnJlZEBleGFtcGxlLm9yZ", "boundary=\"b1@x\"" },
		{ "encoded file name",
		  "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
		  "Content-Type: application/octet-stream;\r\n"
		  " name=\"=?UTF-8?B?ZnJlZEBleGFtcGxlLm9yZy50eHQ=?=\"\r\n\r\nAAAA\r\n--zz--\r\n",
		  "ZnJlZEBleGFtcGxlLm9yZy50eHQ", "AAAA" },
		{ "forwarded message, base64 inside",
		  "Content-Type: message/rfc822\r\n\r\nFrom: fred@example.org\r\n"
		  "Content-Transfer-Encoding: base64\r\n\r\nZnJlZEBleGFtcGxlLm9yZw==\r\n",
		  "ZnJlZEBleGFtcGxlLm9yZw", "Content-Type: message/rfc822" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 1 << 20);
		cr_assert_eq(mask_message(&b, cases[i].in, strlen(cases[i].in)), 0);
		cr_expect(!contains(b.data, b.len, "fred@example.org") &&
		    !contains(b.data, b.len, "fred%40") && !contains(b.data, b.len, "fred=40") &&
		    !contains(b.data, b.len, cases[i].gone),
		    "%s: an address is left:\n%s", cases[i].what, b.data);
		cr_expect(contains(b.data, b.len, cases[i].kept), "%s: lost \"%s\":\n%s",
		    cases[i].what, cases[i].kept, b.data);
		buf_release(&b);
	}
}

/* decode_b64_part - the decoded text of the first base64 block after
 * the blank line following marker */
Test(mask, masked_base64_decodes_to_the_masked_text)
{
	static const char in[] =
	    "Content-Type: text/plain; charset=iso-8859-1\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "Q2Fm6SBmcmVkQGV4YW1wbGUub3JnIQ==\r\n";
	struct buf b;

	buf_init(&b, 1 << 20);
	cr_assert_eq(mask_message(&b, in, strlen(in)), 0);
	/* "Café hidden@hidden.invalid!" in UTF-8, base64, and the charset
	 * now says so */
	cr_expect(contains(b.data, b.len, "charset=utf-8"), "%s", b.data);
	cr_expect(contains(b.data, b.len, "Q2Fmw6kgaGlkZGVuQGhpZGRlbi5pbnZhbGlkIQ=="),
	    "got %s", b.data);
	buf_release(&b);
}

Test(mask, unchanged_message_keeps_its_bytes)
{
	static const char in[] =
	    "From: Amina <amina@example.org>\r\nSubject: =?UTF-8?Q?Caf=C3=A9?=\r\n"
	    "Content-Type: multipart/alternative; boundary=\"=_x\"\r\n\r\n"
	    "--=_x\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nsoft\r\n"
	    "--=_x--\r\n";
	struct buf b;
	const char *at;

	buf_init(&b, 1 << 20);
	cr_assert_eq(mask_message(&b, in, strlen(in)), 0);
	at = strstr(in, "Subject:");
	cr_expect(contains(b.data, b.len, "Subject: =?UTF-8?Q?Caf=C3=A9?=\r\n"), "%s", b.data);
	cr_expect(strcmp(b.data + (strstr(b.data, "Subject:") - b.data), at) == 0,
	    "the rest changed:\n%s", b.data);
	buf_release(&b);
}
