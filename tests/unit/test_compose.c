/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_compose - the bytes members receive: headers, footer, MIME, safety
 *
 * Posts in the shapes real clients send (plain ASCII, quoted-printable
 * Latin-1, base64 UTF-8, multipart/alternative, PGP/MIME signed,
 * HTML-only) go through compose_prepare/compose_render; the tests look at
 * the header fields, where the footer went, and that nothing from the
 * input can break a header line.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "compose.h"
#include "mime_out.h"
#include "tutil.h"
#include "utf8.h"
#include "xalloc.h"

/* The templates of the source tree (conf/templates). */
TestSuite(compose, .init = tutil_use_source_templates);

static const struct compose_list LIST = {
	.name = "Shifting the Power CoP",
	.local = "cop",
	.domain = "example.org",
	.sep = "+",
	.subject_prefix = "[CoP]",
	.archive_url = "https://cop.example.org/archive",
	.language = "en",
	.reply_to_list = 1,
	.from_munging = 0,
};

/* render - prepare + render one copy; returns the bytes (owned) */
static char *
render(const struct compose_list *l, const struct compose_post *p,
    const struct compose_rcpt *r, const char **mode)
{
	struct compose *cp = compose_prepare(l, p);
	struct buf out;

	cr_assert_not_null(cp, "compose_prepare failed");
	buf_init(&out, BUF_NOLIMIT);
	cr_assert_eq(compose_render(cp, r, &out), 0);
	if (mode)
		*mode = strcmp(compose_mode(cp), "text") == 0 ? "text" : "wrap";
	compose_free(&cp);
	return buf_detach(&out, NULL);
}

static struct compose_post
post_of(const char *raw)
{
	struct compose_post p = {
		.raw = raw, .raw_len = strlen(raw), .subject = NULL,
		.author_name = "Amina Diallo", .author_email = "amina@example.net",
		.theme = "funding", .theme_title = "The Organisation of Funding Streams",
		.kind = "question", .session = "17 Nov - 1 Dec 2020",
	};
	return p;
}

/* header_end - offset of the blank line ending the header */
static size_t
header_len(const char *m)
{
	const char *e = strstr(m, "\r\n\r\n");

	cr_assert_not_null(e, "no blank line after the header");
	return (size_t)(e - m) + 2;
}

/* header - the unfolded value of the first field name (owned), or NULL */
static char *
header(const char *m, const char *name)
{
	size_t hl = header_len(m), n = strlen(name);
	const char *p = m;

	while (p < m + hl) {
		const char *eol = strstr(p, "\r\n");

		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			struct buf v;
			const char *q = p + n + 1;

			buf_init(&v, BUF_NOLIMIT);
			while (*q == ' ')
				q++;
			for (;;) {
				buf_append(&v, q, (size_t)(eol - q));
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				q = eol + 2;
				eol = strstr(q, "\r\n");
			}
			return buf_detach(&v, NULL);
		}
		p = eol + 2;
	}
	return NULL;
}

static int
count_fields(const char *m, const char *name)
{
	size_t hl = header_len(m), n = strlen(name);
	int count = 0;

	for (const char *p = m; p < m + hl; p = strstr(p, "\r\n") + 2)
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			count++;
	return count;
}

/* check_lines - CRLF only, header lines <= 78 unless a kept long field,
 * continuation lines start with whitespace */
static void
check_wire(const char *m)
{
	size_t hl = header_len(m);

	for (const char *p = m; *p; p++) {
		if (*p == '\n')
			cr_assert(p > m && p[-1] == '\r', "bare LF at offset %zu", (size_t)(p - m));
		if (*p == '\r')
			cr_assert(p[1] == '\n', "bare CR at offset %zu", (size_t)(p - m));
	}
	for (const char *p = m; p < m + hl;) {
		const char *eol = strstr(p, "\r\n");

		cr_assert_leq((size_t)(eol - p), 998, "header line over 998: %.60s", p);
		cr_assert(*p == ' ' || *p == '\t' || memchr(p, ':', (size_t)(eol - p)),
		    "header line without a colon: got '%.*s'", (int)(eol - p), p);
		p = eol + 2;
	}
}

static int
is_ascii_str(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int
b64v(int c)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? (int)(p - a) : -1;
}

static void
b64dec(struct buf *out, const char *p, size_t n)
{
	uint32_t v = 0;
	int bits = 0;

	for (size_t i = 0; i < n && p[i] != '='; i++) {
		int d = b64v((unsigned char)p[i]);

		if (d < 0)
			continue;
		v = (v << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (int)((v >> bits) & 0xff));
		}
	}
}

/* decode_words - decode every =?UTF-8?B?...?= word, checking each holds
 * whole UTF-8 characters and is at most 75 characters; other text kept,
 * whitespace between two words dropped */
static char *
decode_words(const char *v)
{
	struct buf out, w;
	const char *p = v;
	int prev_word = 0;

	buf_init(&out, BUF_NOLIMIT);
	buf_init(&w, BUF_NOLIMIT);
	while (*p) {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			const char *e = strstr(p + 10, "?=");

			cr_assert_not_null(e);
			cr_assert_leq((size_t)(e + 2 - p), 75, "encoded word longer than 75");
			buf_reset(&w);
			b64dec(&w, p + 10, (size_t)(e - p - 10));
			cr_assert(utf8_valid(w.data, w.len), "encoded word splits a UTF-8 sequence");
			buf_append(&out, w.data, w.len);
			p = e + 2;
			prev_word = 1;
			continue;
		}
		if (*p == ' ' && prev_word) {
			const char *q = p;

			while (*q == ' ')
				q++;
			if (strncmp(q, "=?UTF-8?B?", 10) == 0) {
				p = q;
				continue;
			}
		}
		buf_putc(&out, *p++);
		prev_word = 0;
	}
	buf_release(&w);
	return buf_detach(&out, NULL);
}

/* body_text - the body after the header (borrowed pointer into m) */
static const char *
body_of(const char *m)
{
	return m + header_len(m) + 2;
}

/* ---- the subject prefix ------------------------------------------------- */

struct subject_case {
	const char *prefix, *in, *want;
};

static const struct subject_case subject_cases[] = {
	{ "[CoP]", "Funding flows", "[CoP] Funding flows" },
	{ "[CoP]", "[CoP] Funding flows", "[CoP] Funding flows" },
	{ "[CoP]", "Re: [CoP] Funding flows", "Re: [CoP] Funding flows" },
	{ "[CoP]", "[CoP] Re: [CoP] Funding flows", "Re: [CoP] Funding flows" },
	{ "[CoP]", "RE: Re: [CoP] x", "RE: Re: [CoP] x" },
	{ "[CoP]", "AW: [CoP] Frage", "AW: [CoP] Frage" },
	{ "[CoP]", "SV: [CoP] fråga", "SV: [CoP] fråga" },
	{ "[CoP]", "RE : [CoP] question", "RE : [CoP] question" },
	{ "[CoP]", "Re[2]: [cop] x", "Re[2]: [CoP] x" },
	{ "[CoP]", "Fwd: report", "Fwd: [CoP] report" },
	{ "[CoP]", "Re: Funding", "Re: [CoP] Funding" },
	{ "[CoP]", "  [CoP]   spaced  ", "[CoP] spaced" },
	{ "[CoP]", "", "[CoP] (no subject)" },
	{ "[CoP]", "Regarding funds", "[CoP] Regarding funds" },
	{ "[CoP]", "Réunion", "[CoP] Réunion" },
	{ "", "Re: anything", "Re: anything" },
	{ "", "", "(no subject)" },
	{ "[CoP]", "line\r\nBcc: evil@example.com", "[CoP] line Bcc: evil@example.com" },
	/* the markers of subject.h, which the relay once knew only in part */
	{ "[CoP]", "\xe5\x9b\x9e\xe5\xa4\x8d: [CoP] \xe8\xb5\x84\xe9\x87\x91",
	  "\xe5\x9b\x9e\xe5\xa4\x8d: [CoP] \xe8\xb5\x84\xe9\x87\x91" },
	{ "[CoP]", "Antwort: Frage", "Antwort: [CoP] Frage" },
	{ "[CoP]", "R\xc3\xa9" "f. : [CoP] budget", "R\xc3\xa9" "f. : [CoP] budget" },
	{ "[CoP]", "Re^2: x", "Re^2: [CoP] x" },
	{ "[CoP]", "TR:  Re:   [CoP] x", "TR: Re: [CoP] x" },
};

Test(compose, subject_prefix)
{
	for (size_t i = 0; i < sizeof(subject_cases) / sizeof(subject_cases[0]); i++) {
		const struct subject_case *c = &subject_cases[i];
		char *got = compose_subject(c->prefix, c->in);

		cr_expect_str_eq(got, c->want, "prefix '%s' subject '%s': got '%s', want '%s'",
		    c->prefix, c->in, got, c->want);
		free(got);
	}
}

/* ---- folding and encoding ------------------------------------------------ */

Test(compose, fold_long_ascii_subject)
{
	struct buf b;
	const char *subj = "A very long subject line about the organisation of funding "
	    "streams and how donors shape the priorities of the organisations they "
	    "fund across several regions and many years of practice";

	buf_init(&b, BUF_NOLIMIT);
	cr_assert_eq(mime_header_text(&b, "Subject", subj), 0);
	for (const char *p = b.data; *p;) {
		const char *eol = strstr(p, "\r\n");

		cr_assert_not_null(eol);
		cr_expect_leq((size_t)(eol - p), 78, "line of %zu: '%.*s'",
		    (size_t)(eol - p), (int)(eol - p), p);
		p = eol + 2;
	}
	cr_assert_not_null(strstr(b.data, "\r\n "), "not folded: %s", b.data);
	buf_release(&b);
}

Test(compose, encode_non_ascii_subject)
{
	static const char *const subjects[] = {
		"Réunion du comité: financement participatif",
		"Финансирование и доноры: кто решает? Очень длинная тема для проверки переноса строк",
		"資金の流れと意思決定についての長い件名です。日本語の文字がたくさん続きます。",
		"emoji 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 end",
		"mixed ascii words then ünïcödé then ascii again and more",
		"looks encoded =?utf-8?q?x?= but is not",
	};

	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct buf b;
		char *raw, *dec;

		buf_init(&b, BUF_NOLIMIT);
		buf_puts(&b, "X: y\r\n");
		cr_assert_eq(mime_header_text(&b, "Subject", subjects[i]), 0);
		buf_puts(&b, "\r\nbody\r\n");
		check_wire(b.data);
		for (const char *p = b.data; *p;) {
			const char *eol = strstr(p, "\r\n");

			cr_expect_leq((size_t)(eol - p), 78, "subject %zu: line of %zu", i,
			    (size_t)(eol - p));
			p = eol + 2;
		}
		raw = header(b.data, "Subject");
		cr_expect(is_ascii_str(raw), "subject %zu not ASCII on the wire", i);
		dec = decode_words(raw);
		cr_expect_str_eq(dec, subjects[i], "subject %zu: got '%s', want '%s'", i,
		    dec, subjects[i]);
		free(dec);
		free(raw);
		buf_release(&b);
	}
}

Test(compose, mailbox_phrases)
{
	struct {
		const char *name, *addr, *want;
		int rc;
	} cases[] = {
		{ "Amina Diallo", "a@example.org", "\"Amina Diallo\" <a@example.org>", 0 },
		{ "O'Brien, Pat", "p@example.org", "\"O'Brien, Pat\" <p@example.org>", 0 },
		{ "say \"hi\"", "p@example.org", "\"say \\\"hi\\\"\" <p@example.org>", 0 },
		{ NULL, "p@example.org", "<p@example.org>", 0 },
		{ "x", "p@example.org>\r\nBcc: e@x", "", -1 },
		{ "x", "no-at-sign", "", -1 },
		{ "José", "j@example.org", "=?UTF-8?B?Sm9zw6k=?= <j@example.org>", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		struct mime_field f = { &b, MIME_CRLF, 6, 0 };
		int rc;

		buf_init(&b, BUF_NOLIMIT);
		rc = mime_field_mailbox(&f, cases[i].name, cases[i].addr);
		cr_expect_eq(rc, cases[i].rc, "case %zu: rc got %d, want %d", i, rc, cases[i].rc);
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got '%s', want '%s'", i,
		    b.data, cases[i].want);
		buf_release(&b);
	}
}

Test(compose, clean_values)
{
	struct {
		const char *in, *want;
	} cases[] = {
		{ "a\r\nb", "a b" },
		{ "\ttab\tand\rcr\n", "tab and cr" },
		{ "bad \xff utf8", "bad ? utf8" },
		{ "nul-free \x01\x7f ok", "nul-free ok" },
		{ "sep\xe2\x80\xa8line", "sep line" },
		{ "  many    spaces  ", "many spaces" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mime_clean(cases[i].in, 1000);

		cr_expect_str_eq(got, cases[i].want, "case %zu: got '%s', want '%s'", i, got,
		    cases[i].want);
		free(got);
	}
}

/* ---- real-world posts ------------------------------------------------------ */

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* decoded_body - the body of a single-part message decoded per its
 * Content-Transfer-Encoding (owned) */
static char *
decoded_body(const char *m)
{
	char *cte = header(m, "Content-Transfer-Encoding");
	const char *b = body_of(m);
	struct buf out;

	buf_init(&out, BUF_NOLIMIT);
	if (cte && strcasecmp(cte, "base64") == 0) {
		b64dec(&out, b, strlen(b));
	} else if (cte && strcasecmp(cte, "quoted-printable") == 0) {
		for (const char *p = b; *p; p++) {
			if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
				p += 2;
			} else if (p[0] == '=' && hexv(p[1]) >= 0 && hexv(p[2]) >= 0) {
				buf_putc(&out, hexv(p[1]) * 16 + hexv(p[2]));
				p += 2;
			} else {
				buf_putc(&out, *p);
			}
		}
	} else {
		buf_puts(&out, b);
	}
	free(cte);
	return buf_detach(&out, NULL);
}

struct post_case {
	const char *what;
	const char *raw;
	const char *mode;           /* "text" or "wrap" */
	const char *subject;        /* want */
	const char *body_has;       /* in the decoded body (text) or raw body (wrap) */
	const char *charset;        /* text mode: want in Content-Type, or NULL */
};

static const struct post_case posts[] = {
	{ "plain ASCII from Thunderbird, with fields to drop",
	  "Return-Path: <amina@example.net>\n"
	  "Delivered-To: cop@example.org\n"
	  "X-Original-To: cop@example.org\n"
	  "Envelope-To: cop@example.org\n"
	  "Received: from mx.example.net by mail.example.org; Fri, 20 Nov 2020 10:00:00 +0100\n"
	  "ARC-Seal: i=1; a=rsa-sha256; d=example.net; s=arc; b=abc\n"
	  "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=s1;\n"
	  "\th=from:to:subject; bh=xyz; b=abc\n"
	  "From: Amina Diallo <amina@example.net>\n"
	  "To: cop@example.org\n"
	  "Bcc: secret@example.net\n"
	  "Subject: Re: [CoP] How do funding flows shape who decides?\n"
	  "Message-ID: <abc123@example.net>\n"
	  "In-Reply-To: <root@example.org>\n"
	  "References: <root@example.org>\n"
	  "Date: Fri, 20 Nov 2020 10:00:00 +0100\n"
	  "List-Id: Other list <other.example.com>\n"
	  "List-Unsubscribe: <mailto:other-leave@example.com>\n"
	  "Precedence: bulk\n"
	  "X-Baraza-Theme: spoofed\n"
	  "X-Loop: other@example.com\n"
	  "Reply-To: somewhere@example.com\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: text/plain; charset=us-ascii; format=flowed\n"
	  "Content-Transfer-Encoding: 7bit\n"
	  "\n"
	  "I think the donors decide more than we admit.\n"
	  ".\n"
	  "-- \n"
	  "Amina\n",
	  "text", "Re: [CoP] How do funding flows shape who decides?",
	  "donors decide more than we admit.\r\n.\r\n-- \r\nAmina\r\n", "UTF-8" },
	{ "quoted-printable Latin-1 from Outlook",
	  "From: =?iso-8859-1?Q?Ren=E9e_Dupr=E9?= <renee@example.fr>\n"
	  "To: <cop@example.org>\n"
	  "Subject: =?iso-8859-1?Q?R=E9union_du_comit=E9?=\n"
	  "Message-ID: <AM0PR01MB1234@eurprd01.prod.outlook.com>\n"
	  "Date: Fri, 20 Nov 2020 09:00:00 +0000\n"
	  "Content-Type: text/plain; charset=\"iso-8859-1\"\n"
	  "Content-Transfer-Encoding: quoted-printable\n"
	  "MIME-Version: 1.0\n"
	  "\n"
	  "Bonjour =E0 tous,\n"
	  "le caf=E9 de la r=E9union sera servi =\n"
	  "=E0 10h.\n",
	  "text", "[CoP] Réunion du comité",
	  "Bonjour à tous,\r\nle café de la réunion sera servi à 10h.\r\n", "UTF-8" },
	{ "base64 UTF-8 from a mobile client",
	  "From: Olga <olga@example.ru>\n"
	  "Subject: =?UTF-8?B?0J/RgNC40LLQtdGC?=\n"
	  "Message-ID: <m1@example.ru>\n"
	  "Date: Fri, 20 Nov 2020 09:00:00 +0000\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: base64\n"
	  "\n"
	  "0J/RgNC40LLQtdGCLCDQutC+0LvQu9C10LPQuCEK\n",
	  "text", "[CoP] Привет", "Привет, коллеги!\n", "UTF-8" },
	{ "multipart/alternative from Gmail",
	  "From: Kofi <kofi@gmail.example>\n"
	  "Subject: [CoP] Resources on participatory grantmaking\n"
	  "Message-ID: <CAF=abc@mail.gmail.example>\n"
	  "Date: Fri, 20 Nov 2020 09:00:00 +0000\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/alternative; boundary=\"000000000000abcdef\"\n"
	  "\n"
	  "--000000000000abcdef\n"
	  "Content-Type: text/plain; charset=\"UTF-8\"\n"
	  "\n"
	  "See https://example.org/guide\n"
	  "\n"
	  "--000000000000abcdef\n"
	  "Content-Type: text/html; charset=\"UTF-8\"\n"
	  "\n"
	  "<div>See <a href=\"https://example.org/guide\">the guide</a></div>\n"
	  "\n"
	  "--000000000000abcdef--\n",
	  "wrap", "[CoP] Resources on participatory grantmaking",
	  "--000000000000abcdef\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\n"
	  "See https://example.org/guide\r\n", NULL },
	{ "PGP/MIME signed from Thunderbird",
	  "From: Sam <sam@example.org>\n"
	  "Subject: Signed idea\n"
	  "Message-ID: <signed@example.org>\n"
	  "Date: Fri, 20 Nov 2020 09:00:00 +0000\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/signed; micalg=pgp-sha256;\n"
	  " protocol=\"application/pgp-signature\";\n"
	  " boundary=\"sig42\"\n"
	  "\n"
	  "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"
	  "--sig42\n"
	  "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: quoted-printable\n"
	  "\n"
	  "An idea, signed.\n"
	  "--sig42\n"
	  "Content-Type: application/pgp-signature; name=\"signature.asc\"\n"
	  "\n"
	  "-----BEGIN PGP SIGNATURE-----\n"
	  "iQEzBAEBCAAdFiEE\n"
	  "-----END PGP SIGNATURE-----\n"
	  "--sig42--\n",
	  "wrap", "[CoP] Signed idea",
	  "--sig42\r\nContent-Type: text/plain; charset=utf-8\r\n"
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\nAn idea, signed.\r\n"
	  "--sig42\r\n", NULL },
	{ "HTML-only from a web client",
	  "From: Web <web@example.com>\n"
	  "Subject: Question about reporting\n"
	  "Message-ID: <html@example.com>\n"
	  "Date: Fri, 20 Nov 2020 09:00:00 +0000\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: text/html; charset=utf-8\n"
	  "\n"
	  "<p>Who reads our reports?</p>\n",
	  "wrap", "[CoP] Question about reporting",
	  "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Who reads our reports?</p>\r\n",
	  NULL },
	{ "no MIME fields, 8bit UTF-8 body, CRLF already",
	  "From: x@example.com\r\n"
	  "Subject: naïve\r\n"
	  "Message-ID: <plain8@example.com>\r\n"
	  "\r\n"
	  "Ça marche très bien.\r\n",
	  "text", "[CoP] naïve", "Ça marche très bien.\r\n", "UTF-8" },
	{ "text/plain without charset holding Latin-1 bytes",
	  "From: x@example.com\n"
	  "Subject: old client\n"
	  "Message-ID: <old@example.com>\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "caf\xe9\n",
	  "wrap", "[CoP] old client", "\r\n\r\ncaf\xe9\r\n", NULL },
	{ "text/plain attachment at the top",
	  "From: x@example.com\n"
	  "Subject: notes\n"
	  "Message-ID: <att@example.com>\n"
	  "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Disposition: attachment; filename=\"notes.txt\"\n"
	  "\n"
	  "notes\n",
	  "wrap", "[CoP] notes", "Content-Disposition: attachment; filename=\"notes.txt\"\r\n", NULL },
	/* The charsets and encoded words below are read by charset.c and
	 * rfc2047.c, as ingest reads them; the relay once had a reader of
	 * its own that knew fewer names and wrapped or garbled these. */
	{ "Korean from Outlook: ks_c_5601-1987, a name iconv does not know",
	  "From: Kim <kim@example.kr>\n"
	  "Subject: =?ks_c_5601-1987?B?yLjAxw==?=\n"
	  "Message-ID: <ko@example.kr>\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: text/plain; charset=\"ks_c_5601-1987\"\n"
	  "Content-Transfer-Encoding: 8bit\n"
	  "\n"
	  "\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4\n",
	  "text", "[CoP] \xed\x9a\x8c\xec\x9d\x98",
	  "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94\r\n", "UTF-8" },
	{ "Outlook's iso-8859-1 label on windows-1252 quotes",
	  "From: x@example.com\n"
	  "Subject: quotes\n"
	  "Message-ID: <cp1252@example.com>\n"
	  "Content-Type: text/plain; charset=\"iso-8859-1\"\n"
	  "Content-Transfer-Encoding: quoted-printable\n"
	  "\n"
	  "She said =93yes=94 =96 twice.\n",
	  "text", "[CoP] quotes",
	  "She said \xe2\x80\x9cyes\xe2\x80\x9d \xe2\x80\x93 twice.\r\n", "UTF-8" },
	{ "UTF-8 text under a shift_jis label",
	  "From: x@example.com\n"
	  "Subject: =?UTF-8?B?5pel5pys6A==?= =?UTF-8?B?qp7jga4=?=\n"
	  "Message-ID: <sjis@example.com>\n"
	  "Content-Type: text/plain; charset=shift_jis\n"
	  "Content-Transfer-Encoding: 8bit\n"
	  "\n"
	  "\xe6\x97\xa5\xe6\x9c\xac\n",
	  "text", "[CoP] \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae",
	  "\xe6\x97\xa5\xe6\x9c\xac\r\n", "UTF-8" },
};

static void
check_list_fields(const char *m, const char *what)
{
	struct {
		const char *name, *want;
	} want[] = {
		{ "List-Id", "Shifting the Power CoP <cop.example.org>" },
		{ "List-Post", "<mailto:cop@example.org>" },
		{ "List-Help", "<mailto:cop+help@example.org>" },
		{ "List-Subscribe", "<mailto:cop+subscribe@example.org>" },
		{ "List-Unsubscribe", "<mailto:cop+unsubscribe@example.org>" },
		{ "List-Archive", "<https://cop.example.org/archive>" },
		{ "Precedence", "list" },
		{ "X-Baraza-Theme", "funding" },
		{ "X-Baraza-Kind", "question" },
		{ "Reply-To", "<cop@example.org>" },
		{ "X-Loop", "cop@example.org" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *got = header(m, want[i].name);

		cr_expect_not_null(got, "%s: no %s", what, want[i].name);
		if (got)
			cr_expect_str_eq(got, want[i].want, "%s: %s: got '%s', want '%s'", what,
			    want[i].name, got, want[i].want);
		cr_expect_eq(count_fields(m, want[i].name), 1, "%s: %s %d times", what,
		    want[i].name, count_fields(m, want[i].name));
		free(got);
	}
	static const char *const gone[] = {
		"Return-Path", "Delivered-To", "X-Original-To", "Envelope-To", "Bcc",
		"DKIM-Signature",
	};
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		cr_expect_eq(count_fields(m, gone[i]), 0, "%s: %s relayed", what, gone[i]);
	cr_expect_eq(count_fields(m, "Subject"), 1, "%s: Subject count", what);
	cr_expect_eq(count_fields(m, "Content-Type"), 1, "%s: top Content-Type count", what);
	cr_expect_eq(count_fields(m, "MIME-Version"), 1, "%s: MIME-Version count", what);
}

Test(compose, real_world_posts)
{
	for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
		const struct post_case *c = &posts[i];
		struct compose_post p = post_of(c->raw);
		const char *mode;
		char *m = render(&LIST, &p, NULL, &mode);
		char *subj, *ct, *body, *mid;

		check_wire(m);
		cr_expect_str_eq(mode, c->mode, "%s: mode got %s, want %s", c->what, mode, c->mode);
		check_list_fields(m, c->what);
		subj = header(m, "Subject");
		{
			char *dec = decode_words(subj);

			cr_expect_str_eq(dec, c->subject, "%s: subject got '%s', want '%s'",
			    c->what, dec, c->subject);
			free(dec);
		}
		mid = header(m, "Message-ID");
		cr_expect_not_null(mid, "%s: Message-ID lost", c->what);
		ct = header(m, "Content-Type");
		if (strcmp(c->mode, "text") == 0) {
			cr_expect(strncasecmp(ct, "text/plain; charset=", 20) == 0 &&
			    strstr(ct, c->charset), "%s: Content-Type got '%s'", c->what, ct);
			body = decoded_body(m);
			cr_expect(utf8_valid(body, strlen(body)), "%s: body not UTF-8", c->what);
			cr_expect_not_null(strstr(body, c->body_has), "%s: body lacks '%s': got '%s'",
			    c->what, c->body_has, body);
			cr_expect_not_null(strstr(body, "To leave the list, write to "
			    "cop+unsubscribe@example.org"), "%s: no footer in '%s'", c->what, body);
			cr_expect_gt(strstr(body, "To leave") - strstr(body, c->body_has), 0,
			    "%s: footer before the text", c->what);
			if (strstr(c->raw, "format=flowed"))
				cr_expect_not_null(strstr(ct, "format=flowed"), "%s: format lost", c->what);
			free(body);
		} else {
			const char *b = body_of(m);
			char *bd = strstr(ct, "boundary=\"");
			char want_close[200];

			cr_expect(strncmp(ct, "multipart/mixed;", 16) == 0,
			    "%s: Content-Type got '%s'", c->what, ct);
			cr_assert_not_null(bd);
			cr_expect_not_null(strstr(b, c->body_has), "%s: original part changed: "
			    "want '%s' in '%s'", c->what, c->body_has, b);
			cr_expect_not_null(strstr(b, "Content-Disposition: inline\r\n\r\n"
			    "_____"), "%s: no footer part", c->what);
			cr_expect_not_null(strstr(b, "To leave the list"), "%s: no footer", c->what);
			snprintf(want_close, sizeof(want_close), "\r\n--%.*s--\r\n",
			    (int)strcspn(bd + 10, "\""), bd + 10);
			cr_expect_not_null(strstr(b, want_close), "%s: no closing boundary %s",
			    c->what, want_close);
			cr_expect(strstr(b, want_close) > strstr(b, "To leave"),
			    "%s: footer after the closing boundary", c->what);
		}
		free(ct);
		free(mid);
		free(subj);
		free(m);
	}
}

Test(compose, kept_fields)
{
	struct compose_post p = post_of(posts[0].raw);
	char *m = render(&LIST, &p, NULL, NULL);
	struct {
		const char *name, *want;
	} kept[] = {
		{ "From", "Amina Diallo <amina@example.net>" },
		{ "Message-ID", "<abc123@example.net>" },
		{ "In-Reply-To", "<root@example.org>" },
		{ "References", "<root@example.org>" },
		{ "Date", "Fri, 20 Nov 2020 10:00:00 +0100" },
		{ "To", "cop@example.org" },
		{ "ARC-Seal", "i=1; a=rsa-sha256; d=example.net; s=arc; b=abc" },
	};

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		char *got = header(m, kept[i].name);

		cr_expect(got && strcmp(got, kept[i].want) == 0, "%s: got '%s', want '%s'",
		    kept[i].name, got ? got : "(none)", kept[i].want);
		free(got);
	}
	cr_expect_eq(count_fields(m, "Received"), 1, "Received not kept");
	cr_expect_null(strstr(m, "spoofed"), "an X-Baraza field of the input survived");
	cr_expect_null(strstr(m, "somewhere@example.com"), "the author's Reply-To survived");
	cr_expect_null(strstr(m, "other.example.com"), "another list's field survived");
	free(m);
}

Test(compose, personal_unsubscribe_and_language)
{
	struct compose_post p = post_of(posts[1].raw);
	struct compose_rcpt fr = { .unsub_token = "0123456789abcdef0123456789abcdef",
	    .language = "fr" };
	struct compose_rcpt bad = { .unsub_token = "abc\r\nBcc: evil@example.com",
	    .language = "../../etc" };
	struct compose *cp = compose_prepare(&LIST, &p);
	struct buf out;
	char *lu, *body;

	cr_assert_not_null(cp);
	buf_init(&out, BUF_NOLIMIT);
	cr_assert_eq(compose_render(cp, &fr, &out), 0);
	check_wire(out.data);
	lu = header(out.data, "List-Unsubscribe");
	cr_expect_str_eq(lu, "<mailto:cop+unsubscribe-0123456789abcdef0123456789abcdef@example.org>",
	    "got '%s'", lu);
	cr_expect_null(header(out.data, "List-Unsubscribe-Post"),
	    "List-Unsubscribe-Post without [web] url");
	body = decoded_body(out.data);
	/* the footer names the generic address: a reply would quote it */
	cr_expect_not_null(strstr(body, "Pour quitter la liste, écrivez à "
	    "cop+unsubscribe@example.org"), "no French footer: '%s'", body);
	cr_expect_null(strstr(body, "0123456789abcdef0123456789abcdef"),
	    "the personal token is in the body: '%s'", body);
	cr_expect_not_null(strstr(body, "le café de la réunion"), "text lost: '%s'", body);
	free(lu);
	free(body);

	buf_reset(&out);
	cr_assert_eq(compose_render(cp, &bad, &out), 0);
	check_wire(out.data);
	lu = header(out.data, "List-Unsubscribe");
	cr_expect_str_eq(lu, "<mailto:cop+unsubscribe@example.org>", "got '%s'", lu);
	cr_expect_eq(count_fields(out.data, "Bcc"), 0, "token injected a field");
	body = decoded_body(out.data);
	cr_expect_not_null(strstr(body, "To leave the list"), "no English fallback: '%s'", body);
	free(lu);
	free(body);
	buf_release(&out);
	compose_free(&cp);
}

/* With [web] url: the https URI first, the mailto form, and -Post, for a
 * member's copy; the shared copy of a batch keeps the generic field. */
Test(compose, one_click_web_uri)
{
	struct compose_list l = LIST;
	struct compose_post p = post_of(posts[0].raw);
	struct compose_rcpt r = { .unsub_token = "0123456789abcdef0123456789abcdef",
	    .language = "en" };
	char *m, *lu, *lup;

	l.web_url = "https://lists.example.org/cop";
	m = render(&l, &p, &r, NULL);
	check_wire(m);
	lu = header(m, "List-Unsubscribe");
	lup = header(m, "List-Unsubscribe-Post");
	cr_expect_str_eq(lu, "<https://lists.example.org/cop/unsubscribe/"
	    "0123456789abcdef0123456789abcdef>, "
	    "<mailto:cop+unsubscribe-0123456789abcdef0123456789abcdef@example.org>",
	    "got '%s'", lu);
	cr_expect_str_eq(lup ? lup : "", "List-Unsubscribe=One-Click");
	free(lu);
	free(lup);
	free(m);
	m = render(&l, &p, NULL, NULL);
	lu = header(m, "List-Unsubscribe");
	cr_expect_str_eq(lu, "<mailto:cop+unsubscribe@example.org>", "shared copy: '%s'", lu);
	cr_expect_null(header(m, "List-Unsubscribe-Post"), "shared copy with -Post");
	free(lu);
	free(m);
}

Test(compose, from_munging)
{
	struct compose_list l = LIST;
	struct compose_post p = post_of(posts[0].raw);
	char *m, *from, *rt, *cc;
	const char *line;

	l.from_munging = 1;
	m = render(&l, &p, NULL, NULL);
	check_wire(m);
	from = header(m, "From");
	cr_expect_str_eq(from, "\"Amina Diallo via Shifting the Power CoP\" <cop@example.org>",
	    "From got '%s'", from);
	cr_expect_eq(count_fields(m, "From"), 1);
	/* SPEC 6: reply_to = list: Reply-To the list, the author in Cc */
	rt = header(m, "Reply-To");
	cr_expect_str_eq(rt, "<cop@example.org>", "Reply-To got '%s'", rt);
	cc = header(m, "Cc");
	cr_expect_str_eq(cc, "\"Amina Diallo\" <amina@example.net>", "Cc got '%s'", cc);
	free(from);
	free(rt);
	free(cc);
	free(m);

	l.reply_to_list = 0;
	m = render(&l, &p, NULL, NULL);
	rt = header(m, "Reply-To");
	cr_expect_str_eq(rt, "\"Amina Diallo\" <amina@example.net>", "Reply-To got '%s'", rt);
	/* one blank after the colon, as in every other field */
	line = strstr(m, "\r\nReply-To:");
	cr_expect_not_null(strstr(m, "\r\nReply-To: \"Amina Diallo\" <amina@example.net>\r\n"),
	    "Reply-To written as '%.60s'", line ? line + 2 : "(none)");
	free(rt);
	free(m);
}

/* from_munging = auto: the post's own decision (munge_from), and an
 * original Cc kept with the author added to it once */
Test(compose, munge_from_per_post_with_cc)
{
	static const char raw[] =
	    "From: Amina Diallo <amina@example.net>\n"
	    "To: cop@example.org\n"
	    "Cc: Bo <bo@example.com>, amina@example.net\n"
	    "Reply-To: elsewhere@example.net\n"
	    "Subject: Funding\n"
	    "Message-ID: <cc1@example.net>\n"
	    "Date: Tue, 17 Nov 2020 10:00:00 +0000\n"
	    "\n"
	    "Hello.\n";
	struct compose_list l = LIST;
	struct compose_post p = post_of(raw);
	char *m, *from, *cc, *rt;

	m = render(&l, &p, NULL, NULL);
	from = header(m, "From");
	cr_expect_str_eq(from, "Amina Diallo <amina@example.net>", "unmunged From got '%s'", from);
	free(from);
	free(m);

	p.munge_from = 1;
	m = render(&l, &p, NULL, NULL);
	check_wire(m);
	from = header(m, "From");
	cr_expect_str_eq(from, "\"Amina Diallo via Shifting the Power CoP\" <cop@example.org>",
	    "From got '%s'", from);
	cr_expect_eq(count_fields(m, "Cc"), 1, "one Cc field");
	cc = header(m, "Cc");
	cr_expect_str_eq(cc, "\"Bo\" <bo@example.com>, <amina@example.net>", "Cc got '%s'", cc);
	rt = header(m, "Reply-To");
	cr_expect_str_eq(rt, "<cop@example.org>", "Reply-To got '%s'", rt);
	cr_expect_eq(count_fields(m, "Reply-To"), 1);
	free(from);
	free(cc);
	free(rt);
	free(m);

	l.reply_to_list = 0;
	m = render(&l, &p, NULL, NULL);
	rt = header(m, "Reply-To");
	cr_expect_str_eq(rt, "\"Amina Diallo\" <amina@example.net>", "Reply-To got '%s'", rt);
	cc = header(m, "Cc");
	cr_expect_str_eq(cc, "\"Bo\" <bo@example.com>, <amina@example.net>", "Cc got '%s'", cc);
	free(rt);
	free(cc);
	free(m);
}

Test(compose, reply_to_sender_keeps_author_reply_to)
{
	struct compose_list l = LIST;
	struct compose_post p = post_of(posts[0].raw);
	char *m, *rt;

	l.reply_to_list = 0;
	m = render(&l, &p, NULL, NULL);
	rt = header(m, "Reply-To");
	cr_expect_str_eq(rt, "somewhere@example.com", "Reply-To got '%s'", rt);
	free(rt);
	free(m);
}

Test(compose, injection)
{
	struct compose_list l = LIST;
	struct compose_post p = post_of(posts[0].raw);
	char *m;

	l.name = "Evil\r\nBcc: a@example.com";
	l.subject_prefix = "[X]\r\nBcc: b@example.com";
	l.archive_url = "https://x/\r\nBcc: c@example.com";
	l.from_munging = 1;
	p.subject = "hello\r\nBcc: d@example.com\nX-Injected: 1";
	p.author_name = "Mallory\r\nBcc: e@example.com";
	p.author_email = "m@example.com>\r\nBcc: f@example.com";
	p.theme = "funding\r\nBcc: g@example.com";
	p.theme_title = "T\r\nBcc: h@example.com";
	p.kind = "idea\r\nBcc: i@example.com";
	p.session = "s\r\n\r\nBody";
	m = render(&l, &p, NULL, NULL);
	check_wire(m);
	cr_expect_eq(count_fields(m, "Bcc"), 0, "a Bcc field was injected:\n%s", m);
	cr_expect_eq(count_fields(m, "X-Injected"), 0, "a field was injected");
	cr_expect_eq(count_fields(m, "X-Baraza-Kind"), 0, "bad kind relayed");
	{
		char *th = header(m, "X-Baraza-Theme");

		cr_expect_str_eq(th, "general", "bad theme slug: got '%s'", th);
		free(th);
	}
	free(m);
}

Test(compose, no_header_is_refused)
{
	struct compose_post p = post_of("\njust a body\n");

	cr_expect_null(compose_prepare(&LIST, &p));
}

Test(compose, long_lines_become_quoted_printable)
{
	struct buf raw;
	struct compose_post p;
	char *m, *cte, *body;

	buf_init(&raw, BUF_NOLIMIT);
	buf_puts(&raw, "From: x@example.com\nSubject: long\nMessage-ID: <l@x>\n\n");
	for (int i = 0; i < 1500; i++)
		buf_putc(&raw, 'a' + i % 26);
	buf_puts(&raw, "\n");
	p = post_of(raw.data);
	m = render(&LIST, &p, NULL, NULL);
	check_wire(m);
	cte = header(m, "Content-Transfer-Encoding");
	cr_expect_str_eq(cte, "quoted-printable", "got %s", cte);
	for (const char *q = body_of(m); *q;) {
		const char *eol = strstr(q, "\r\n");

		cr_assert_not_null(eol);
		cr_expect_leq((size_t)(eol - q), 76, "QP line of %zu", (size_t)(eol - q));
		q = eol + 2;
	}
	body = decoded_body(m);
	cr_expect_eq(strspn(body, "abcdefghijklmnopqrstuvwxyz"), 1500, "text damaged");
	free(body);
	free(cte);
	free(m);
	buf_release(&raw);
}

/* A header line that is no field is skipped when fields follow, as ingest
 * skips it (message.h): the fields after it stay fields, the body is the
 * body. */
Test(compose, broken_header_line_is_skipped)
{
	struct compose_post p = post_of(
	    "From: x@example.com\n"
	    "Subject: broken\n"
	    "Message-ID: <broken@example.com>\n"
	    "This line has no colon\n"
	    "X-After: still a header\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "Body after the bad line.\n");
	const char *mode;
	char *m = render(&LIST, &p, NULL, &mode), *after, *body;

	check_wire(m);
	cr_expect_str_eq(mode, "text");
	after = header(m, "X-After");
	cr_expect(after && strcmp(after, "still a header") == 0, "X-After got '%s'",
	    after ? after : "(none)");
	body = decoded_body(m);
	cr_expect(strncmp(body, "Body after the bad line.\r\n", 26) == 0, "body got '%s'", body);
	cr_expect_null(strstr(body, "no colon"), "the broken line went into the body");
	free(body);
	free(after);
	free(m);
}

/* Quoted-printable text is written by mime_out, which encodes a '.' and
 * the F of "From " at the start of a line: a relay that forgets to
 * dot-stuff, or an mbox writer that makes ">From ", cannot alter them. */
Test(compose, quoted_printable_guards_line_starts)
{
	struct compose_post p = post_of(
	    "From: x@example.com\n"
	    "Subject: dots\n"
	    "Message-ID: <qp-dots@example.com>\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "First line\n"
	    ".\n"
	    "From here on, caf=C3=A9.\n");
	const char *mode;
	char *m = render(&LIST, &p, NULL, &mode), *body;

	check_wire(m);
	cr_expect_str_eq(mode, "text");
	cr_expect_not_null(strstr(body_of(m), "First line\r\n=2E\r\n=46rom here on, caf=C3=A9.\r\n"),
	    "line starts not guarded: %s", body_of(m));
	body = decoded_body(m);
	cr_expect_not_null(strstr(body, "First line\r\n.\r\nFrom here on, caf\xc3\xa9.\r\n"),
	    "text changed: %s", body);
	free(body);
	free(m);
}

Test(compose, shared_copy_is_identical_across_renders)
{
	struct compose_post p = post_of(posts[3].raw);
	struct compose *cp = compose_prepare(&LIST, &p);
	struct buf a, b;

	cr_assert_not_null(cp);
	buf_init(&a, BUF_NOLIMIT);
	buf_init(&b, BUF_NOLIMIT);
	compose_render(cp, NULL, &a);
	compose_render(cp, NULL, &b);
	cr_expect_eq(a.len, b.len);
	cr_expect(memcmp(a.data, b.data, a.len) == 0, "two renders differ");
	buf_release(&a);
	buf_release(&b);
	compose_free(&cp);
}

/* ---- hostile input ------------------------------------------------------------ */

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

Test(compose, hostile_messages_never_break_the_wire)
{
	static const char *const pieces[] = {
		"From: x@example.com\n", "Subject: =?utf-8?b?w6k=?= \r\n", "\r", "\n", "\r\n",
		" folded\n", "\t", "Content-Type: multipart/mixed; boundary=\"b\"\n",
		"Content-Type: text/plain; charset=\"koi8-r\"\n",
		"Content-Type: text/plain; charset=nonsense\n",
		"Content-Transfer-Encoding: base64\n", "Content-Transfer-Encoding: quoted-printable\n",
		"=\n", "=4", "=ZZ", "\xff\xfe", "\xc3", "\0", ":", "No-Colon-Line\n",
		"List-Id: <x>\n", "Bcc: y@example.com\n", "--b\n", "--b--\n", ".\n", "a",
		"\xe2\x80\xa8", "=?", "?=", "Subject: ", "\n\n",
	};
	uint32_t seed = 12345;

	for (int round = 0; round < 400; round++) {
		struct buf raw, out;
		struct compose_post p;
		struct compose *cp;
		int n = 1 + (int)(rnd(&seed) % 60);

		buf_init(&raw, BUF_NOLIMIT);
		buf_init(&out, BUF_NOLIMIT);
		for (int i = 0; i < n; i++) {
			const char *pc = pieces[rnd(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];

			buf_append(&raw, pc, *pc ? strlen(pc) : 1);
		}
		p = post_of("");
		p.raw = raw.data;
		p.raw_len = raw.len;
		p.subject = NULL;
		cp = compose_prepare(&LIST, &p);
		if (cp) {
			struct compose_rcpt r = { "tok", "fr" };

			cr_assert_eq(compose_render(cp, &r, &out), 0);
			if (strstr(out.data, "\r\n\r\n") == NULL)
				cr_assert_fail("round %d: no header/body separator", round);
			check_wire(out.data);
			cr_expect_eq(count_fields(out.data, "Bcc"), 0, "round %d: Bcc relayed", round);
			cr_expect_eq(count_fields(out.data, "List-Id"), 1, "round %d: List-Id count",
			    round);
			compose_free(&cp);
		}
		buf_release(&raw);
		buf_release(&out);
	}
}
