/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_message - the message parser: golden fixtures, field tables,
 * malformations built in code, every prefix of a few fixtures
 *
 * The golden fixtures live in tests/fixtures/messages (see
 * make-fixtures.py there); each row names a file and the fields expected
 * from it.  NULL in a row means "not checked"; "-" means "must be NULL".
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "codec.h"
#include "message.h"
#include "tutil.h"
#include "utf8.h"

/* ---- helpers ------------------------------------------------------------ */

/* load - the bytes of tests/fixtures/messages/NAME (owned, free) */
static char *
load(const char *name, size_t *len)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/tests/fixtures/messages/%s", tutil_srcdir(), name);
	return tutil_read_file(path, len);
}

static int
valid(const char *s)
{
	return s == NULL || utf8_valid(s, strlen(s));
}

/* check_sane - every string is valid UTF-8, spans are ordered and inside
 * the text: what must hold for any input whatsoever */
static void
check_sane(const struct message *m)
{
	size_t i, prev = 0;

	cr_assert_not_null(m->subject);
	cr_assert_not_null(m->text);
	cr_assert_not_null(m->new_text);
	cr_assert(valid(m->subject), "subject not UTF-8");
	cr_assert(valid(m->text), "text not UTF-8");
	cr_assert(valid(m->new_text), "new_text not UTF-8");
	cr_assert_eq(strlen(m->text), m->text_len, "text_len %zu, strlen %zu", m->text_len, strlen(m->text));
	cr_assert(valid(m->message_id) && valid(m->in_reply_to) && valid(m->return_path));
	cr_assert(valid(m->from.name) && valid(m->from.address));
	cr_assert(valid(m->delivery_status) && valid(m->returned_headers));
	for (i = 0; i < m->nheaders; i++)
		cr_assert(valid(m->headers[i].name) && valid(m->headers[i].value), "header %zu", i);
	for (i = 0; i < m->nreferences; i++)
		cr_assert(valid(m->references[i]));
	for (i = 0; i < m->nto; i++)
		cr_assert(valid(m->to[i].name) && valid(m->to[i].address));
	for (i = 0; i < m->nattachments; i++)
		cr_assert(valid(m->attachments[i].name) && valid(m->attachments[i].type));
	for (i = 0; i < m->nlinks; i++)
		cr_assert(valid(m->links[i]));
	for (i = 0; i < m->nspans; i++) {
		cr_assert(m->spans[i].start >= prev && m->spans[i].end > m->spans[i].start &&
		    m->spans[i].end <= m->text_len, "span %zu: %zu-%zu (text %zu)",
		    i, m->spans[i].start, m->spans[i].end, m->text_len);
		prev = m->spans[i].end;
	}
	cr_assert(strlen(m->new_text) <= m->text_len);
}

static int
has_defect(const struct message *m, const char *d)
{
	size_t i;

	for (i = 0; i < m->ndefects; i++)
		if (strcmp(m->defects[i], d) == 0)
			return 1;
	return 0;
}

/* defects_str - "a b c" of the defects, in order */
static void
defects_str(const struct message *m, char *out, size_t n)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < m->ndefects && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, "%s%s", i ? " " : "", m->defects[i]);
}

static void
check_str(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		return;
	if (strcmp(want, "-") == 0) {
		cr_expect_null(got, "%s: got '%s', want NULL", what, got);
		return;
	}
	cr_expect(got && strcmp(got, want) == 0, "%s: got '%s', want '%s'", what,
	    got ? got : "(null)", want);
}

/* parse_str - tutil_parse, and the result is sane */
static struct message *
parse_str(const char *s)
{
	struct message *m = tutil_parse(s);

	check_sane(m);
	return m;
}

static const char *
iso(time_t t, char *buf, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* ---- golden fixtures ------------------------------------------------------ */

enum { F_MULTI = 1, F_SIGNED = 2, F_HTML = 4, F_DSN = 8, F_NOTMULTI = 16 };

struct golden {
	const char *file;
	const char *subject;
	const char *from_name;
	const char *from_addr;
	const char *message_id;
	const char *in_reply_to;
	const char *references;   /* ids joined by one space */
	const char *date;         /* ISO 8601 UTC, or "0" */
	const char *text_has;     /* substring of text */
	const char *new_has;      /* substring of new_text */
	const char *new_lacks;    /* must not be in new_text */
	const char *attachments;  /* "name|type|bytes;..." in order; "" none */
	const char *defects;      /* the exact defect list; "" none */
	int flags;
};

static struct golden golden[] = {
	{ "outlook-alternative.eml", "RE: Water committee minutes", "Okello, Peter",
	  "Peter.Okello@example.org",
	  "DB7PR01MB1234ABCD@DB7PR01MB1234.eurprd01.prod.exchangelabs.com",
	  "CAJ1fz+root@mail.gmail.com", "CAJ1fz+root@mail.gmail.com",
	  "2020-11-17T07:04:59Z", "-----Original Message-----",
	  "Details at https://example.org/minutes?id=42.\n\nPeter", "Dear all", "", "", F_MULTI },
	{ "outlook-html-only.eml", "RE: Borehole costs", "Mary Wanjiru", "mary@example.co.ke",
	  "000001d6bd4a$1a2b3c4d$4e5f6a7b@example.co.ke", "abc123@example.org", "",
	  "2020-11-18T06:15:00Z", "What did the borehole cost?",
	  "The costs are in the spreadsheet <https://example.org/costs.xlsx> \xe2\x80\x93 three items:\n\n"
	  "- drilling & casing\n- pump\n- tank\n\nRegards,\nMary", "borehole cost", "", "", F_HTML },
	{ "outlook-web-html.eml", "Re: Meeting", "Jane Wairimu", "jane.w@example.org",
	  "DM6PR.owa.1@example.org", "meeting@example.org", "meeting@example.org",
	  "2020-11-28T09:00:00Z", "Sent: Friday, November 27, 2020 17:00\nTo: cop@lists.example.net",
	  "Sounds good, see you there. Caf\xc3\xa9 at 10.", "meet tomorrow", "", "", F_HTML },
	{ "outlook-winmail.eml", "Training schedule", "Grace Achieng", "grace@example.org",
	  "002a01d6be$aa$bb@example.org", "-", "", "2020-11-19T05:00:00Z", NULL,
	  "The training schedule is attached.", "winmail", "winmail.dat|application/ms-tnef|1024",
	  "", F_MULTI },
	{ "outlook-forward-attached.eml", "FW: Budget", "Peter Okello", "peter@example.org",
	  "fw-att-1@example.org", NULL, NULL, "2020-11-27T07:00:00Z",
	  "---------- Forwarded message ----------\nFrom: Finance <finance@example.org>",
	  "See the forwarded budget.", "Budget attached",
	  "budget.xls|application/vnd.ms-excel|512", "", F_MULTI },
	{ "gmail-reply.eml", "Re: Water committee minutes", "Amina Hassan",
	  "amina.hassan@gmail.com", "CAJ1fz+abc=def@mail.gmail.com", "mid-2@example.org",
	  "root-1@example.org mid-2@example.org", "2020-11-17T07:12:33Z", "> Peter",
	  "I agree with Peter. See www.example.org/water for the plan.", "wrote:", "", "", F_MULTI },
	{ "gmail-forward.eml", "Fwd: Funding call", "Daniel Mwangi", "daniel.mwangi@gmail.com",
	  "CAFwd+xyz@mail.gmail.com", "-", "", "2020-11-20T08:00:00Z",
	  "Applications open at https://grants.example.org/call",
	  "FYI, deadline is next week.", "Forwarded", "", "", F_NOTMULTI },
	{ "gmail-html-only.eml", "Agenda", "Wanjiku K.", "wanjiku@example.org",
	  "html-only-1@example.org", "-", "", "2020-11-21T06:00:00Z",
	  "> Can we have an agenda?",
	  "Agenda for Monday\xe2\x80\x99s call:\n\n1. Welcome & intros\n"
	  "2. Report from the field <https://example.org/report>\n\n"
	  "See https://example.org/ <- the site \xc2\xa9 2020 \xe2\x98\xba\nLine one\nLine two",
	  "agenda?", "", "", F_HTML },
	{ "apple-forward-qp.eml", "Fwd: Caf\xc3\xa9 meeting", "Joseph Kamau", "joseph@example.org",
	  "5E2F1A3B-1C2D-4E5F-8A9B-0C1D2E3F4A5B@example.org", "-", "", "2020-11-22T15:30:00Z",
	  "Begin forwarded message:\n\nFrom: Caf\xc3\xa9 Owner",
	  "Here\xe2\x80\x99s the note from the caf\xc3\xa9 owner \xe2\x80\x94 worth a look. "
	  "This line was soft-broken.", "Tuesdays", "", "", 0 },
	{ "apple-inline-image.eml", "Photo of the tank", "Esther", "esther@example.org",
	  "A1B2C3D4-E5F6-4789-ABCD-EF0123456789@example.org", NULL, NULL, "2020-11-23T09:00:00Z",
	  "Sent from my iPhone", "Here is the tank:\nIt holds 5000 litres.", "iPhone",
	  "IMG_0042.jpg|image/jpeg|1000", "", F_MULTI },
	{ "thunderbird-flowed.eml", "Re: Session 2 reading", "Ruth Njeri", "ruth@example.org",
	  "4b1c2d3e-5f60-7182-93a4-b5c6d7e8f901@example.org", "s2-root@example.org",
	  "s2-root@example.org", "2020-11-24T17:00:00Z",
	  "> Has everyone read chapter 3? It is long but worth it.",
	  "Yes, I finished it yesterday. The part about community water boards was the most "
	  "useful for our work.\n\nNot yet.", "Kisumu", "", "", 0 },
	{ "k9-mobile.eml", "Re: Field visit", "Otieno", "otieno@example.org",
	  "k9-1a2b3c@email.android.com", "visit-1@example.org", "visit-1@example.org",
	  "2020-11-25T07:30:00Z", ">Who is coming", "I can join on Friday.", "K-9", "", "", 0 },
	{ "iphone-french.eml", "Re\xc2\xa0: R\xc3\xa9union", "Fran\xc3\xa7oise Dubois",
	  "francoise@example.fr", "FR1-2345@example.fr", "reunion@example.org", "",
	  "2020-11-26T07:00:00Z", "Envoy\xc3\xa9 de mon iPhone", "D\xe2\x80\x99" "accord pour jeudi.",
	  "iPhone", "", "", 0 },
	{ "spanish-reply.eml", "Re: Taller", "Juan P\xc3\xa9rez", "juan@example.es", "es-1@example.es",
	  "taller@example.org", "", "2020-11-26T09:00:00Z", "escribi\xc3\xb3:",
	  "S\xc3\xad, participar\xc3\xa9 en el taller.", "Enviado", "", "", 0 },
	{ "portuguese-reply.eml", "Re: Relat\xc3\xb3rio", "Maria Silva", "maria@example.pt",
	  "pt-1@example.pt", "-", "", "2020-11-26T11:00:00Z", "escreveu:",
	  "Obrigada, o relat\xc3\xb3rio est\xc3\xa1 \xc3\xb3timo.", "Segue", "", "", 0 },
	{ "german-reply.eml", "AW: Protokoll", "Hans M\xc3\xbcller", "hans@example.de", "de-1@example.de",
	  "-", "", "2020-11-26T11:00:00Z", "schrieb Klaus", "Danke f\xc3\xbcr das Protokoll.",
	  "iPhone", "", "", 0 },
	{ "dutch-reply.eml", "Re: Verslag", "Piet de Vries", "piet@example.nl", "nl-1@example.nl",
	  "-", "", "2020-11-26T12:00:00Z", "schreef Anke", "Goed verslag, dank je.", "Hier is",
	  "", "", 0 },
	{ "swahili-reply.eml", "Re: Mkutano", "Amina Hassan", "amina@example.org", "sw-1@example.org",
	  "-", "", "2020-11-26T11:00:00Z", "aliandika:", "Asante, nitahudhuria.", "Mkutano ni",
	  "", "", 0 },
	{ "list-digest.eml", "CoP Digest, Vol 3, Issue 12", "-", "cop-request@lists.example.net",
	  "mailman.12.1606478403.1234.cop@lists.example.net", "-", "", "2020-11-27T12:00:03Z",
	  "Every six months.", "Today's Topics:", "service the pumps",
	  "schedule.pdf|application/pdf|100", "", F_MULTI },
	{ "signed.eml", "Signed note", "Ruth Njeri", "ruth@example.org", "signed-1@example.org",
	  "-", "", "2020-11-27T08:00:00Z", NULL, "This note is signed.", "PGP", "", "",
	  F_MULTI | F_SIGNED },
	{ "dsn-report.eml", "Undelivered Mail Returned to Sender", "Mail Delivery System",
	  "MAILER-DAEMON@mx.example.net", "20201127123000.ABC123@mx.example.net", "-", "",
	  "2020-11-27T12:30:00Z", "550 5.1.1 User unknown", "could not", "Reporting-MTA", "", "",
	  F_MULTI | F_DSN },
	{ "dsn-rfc822.eml", "Undeliverable: Session 2", "-", "postmaster@example.com",
	  "ndr-1@example.com", "-", "", "2020-11-27T12:31:00Z", "Delivery has failed",
	  "bob@example.com", "Body of the returned", "", "", F_MULTI | F_DSN },

	/* charsets: every one the issue names, through iconv */
	{ "charset-utf-8.eml", "charset utf-8", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Habari yako? Caf\xc3\xa9, na\xc3\xafve, \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e, "
	  "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", NULL, "", "", 0 },
	{ "charset-us-ascii.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Plain ASCII text only", NULL, "", "", 0 },
	{ "charset-iso-8859-1.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Caf\xc3\xa9 cr\xc3\xa8me \xc3\xa0 l'\xc3\xa9t\xc3\xa9, d\xc3\xa9j\xc3\xa0 vu", NULL, "", "", 0 },
	{ "charset-iso-8859-2.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "P\xc5\x99\xc3\xadli\xc5\xa1 \xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd k\xc5\xaf\xc5\x88 \xc3\xbap\xc4\x9bl",
	  NULL, "", "", 0 },
	{ "charset-iso-8859-5.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80", NULL, "", "", 0 },
	{ "charset-iso-8859-7.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1", NULL, "", "", 0 },
	{ "charset-iso-8859-15.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Prix: 10 \xe2\x82\xac net", NULL, "", "", 0 },
	{ "charset-windows-1250.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84", NULL, "", "", 0 },
	{ "charset-windows-1251.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xd0\x97\xd0\xb4\xd1\x80\xd0\xb0\xd0\xb2\xd1\x81\xd1\x82\xd0\xb2\xd1\x83\xd0\xb9\xd1\x82\xd0\xb5",
	  NULL, "", "", 0 },
	{ "charset-windows-1252.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xe2\x80\x9cSmart quotes\xe2\x80\x9d \xe2\x80\x93 and a dash\xe2\x80\xa6", NULL, "", "", 0 },
	{ "charset-windows-1256.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", NULL, "", "", 0 },
	{ "charset-koi8-r.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xd0\xa1\xd1\x8a\xd0\xb5\xd1\x88\xd1\x8c \xd0\xb6\xd0\xb5 \xd0\xb5\xd1\x89\xd1\x91", NULL, "", "", 0 },
	{ "charset-shift_jis.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\xe4\xb8\x96\xe7\x95\x8c",
	  NULL, "", "", 0 },
	{ "charset-iso-2022-jp.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab",
	  NULL, "", "", 0 },
	{ "charset-gb2312.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c", NULL, "", "", 0 },
	{ "charset-gbk.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xe4\xbc\x9a\xe8\xae\xae\xe5\x9c\xa8\xe6\x98\x8e\xe5\xa4\xa9", NULL, "", "", 0 },
	{ "charset-gb18030.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c", NULL, "", "", 0 },
	{ "charset-big5.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xe6\x82\xa8\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\xe3\x80\x82\xe6\x9c\x83\xe8\xad\xb0",
	  NULL, "", "", 0 },
	{ "charset-euc-kr.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94", NULL, "", "", 0 },
	{ "charset-alias-utf8.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Jambo, dunia \xe2\x9c\x93", NULL, "", "", 0 },
	{ "charset-alias-latin1.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "No\xc3\xabl \xc3\xa0 Z\xc3\xbcrich", NULL, "", "", 0 },
	{ "charset-alias-cp1252.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Price \xe2\x80\x9c" "50\xe2\x82\xac\xe2\x80\x9d", NULL, "", "", 0 },
	{ "charset-alias-ks_c_5601-1987.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94", NULL, "", "", 0 },
	{ "charset-alias-x-unknown.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "UTF-8 bytes: \xc3\xa9", NULL, "", "", 0 },
	{ "charset-lying-utf-8.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "written Latin-1: caf\xc3\xa9", NULL, "", "bad-charset:utf-8", 0 },
	{ "charset-unknown-charset.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "but UTF-8: \xc3\xb1" "and\xc3\xba", NULL, "", "bad-charset:x-no-such-charset", 0 },
	{ "charset-lying-shift_jis.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "written UTF-8: \xe6\x97\xa5\xe6\x9c\xac", NULL, "", "bad-charset:shift_jis", 0 },

	/* RFC 2047 subjects, 8-bit headers, RFC 2231 file names */
	{ "subject-latin1-q.eml", "R\xc3\xa9union \xc3\xa0 Paris", NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-utf8-split.eml", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae", NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-iso2022jp.eml",
	  "\xe4\xbc\x9a\xe8\xad\xb0\xe3\x81\xae\xe3\x81\x8a\xe7\x9f\xa5\xe3\x82\x89\xe3\x81\x9b",
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-koi8r.eml", "Re: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-gb2312.eml", "\xe4\xbc\x9a\xe8\xae\xae\xe9\x80\x9a\xe7\x9f\xa5", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-big5.eml", "\xe6\x9c\x83\xe8\xad\xb0\xe9\x80\x9a\xe7\x9f\xa5", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-euckr.eml", "\xed\x9a\x8c\xec\x9d\x98 \xec\x95\x88\xeb\x82\xb4", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-cp1251.eml", "\xd0\x9e\xd1\x82\xd1\x87\xd1\x91\xd1\x82", NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-mixed.eml", "Fwd: Caf\xc3\xa9 and th\xc3\xa9 =?utf-8?Q?broken", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL, "", "", 0 },
	{ "subject-unknown-cs.eml", "hello world", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL, "", "bad-charset:x-martian", 0 },
	{ "header-8bit.eml", "R\xc3\xa9union demain", "Ren\xc3\xa9 Dupont", "rene@example.fr",
	  "h8bit@example.fr", NULL, NULL, NULL, NULL, "ok", NULL, "", "8bit-header", 0 },
	{ "rfc2231-filenames.eml", "files", NULL, NULL, NULL, NULL, NULL, NULL, NULL, "Four files.",
	  "notes are", "na\xc3\xafve r\xc3\xa9sum\xc3\xa9.pdf|application/pdf|100;"
	  "\xc3\xa9t\xc3\xa9 2020 tr\xc3\xa8s long name.txt|application/octet-stream|3;"
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.png|image/png|8;notes.txt|text/plain|45", "", F_MULTI },

	/* malformations */
	{ "bad-no-boundary-param.eml", "bad-no-boundary-param", NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL, "Just some text.", NULL, "", "missing-boundary", F_MULTI },
	{ "bad-boundary-absent.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Text without any delimiter.", NULL, "", "missing-boundary", F_MULTI },
	{ "bad-unclosed.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "First part.\nSecond part, cut off", NULL, "", "missing-close-boundary", F_MULTI },
	{ "bad-boundary-reuse.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "Inner text.",
	  NULL, "", "boundary-reused", F_MULTI },
	{ "bad-base64-truncated.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "Truncated base64 body text", NULL, "", "bad-base64", 0 },
	{ "bad-base64-junk.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "Hello world", NULL,
	  "", "bad-base64", 0 },
	{ "bad-nul-bytes.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "NULhereand there",
	  NULL, "", "nul-bytes", 0 },
	{ "bad-long-line.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, "word word", "\nend", NULL,
	  "", "line-too-long", 0 },
	{ "bad-no-colon.eml", "bad-no-colon", "Test", "test@example.org", "bad-no-colon@example.org",
	  NULL, NULL, NULL, NULL, "Body after bad header.", NULL, "", "header-no-colon", 0 },
	{ "bad-garbage.eml", "bad-garbage", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "",
	  "header-no-colon bad-charset:us-ascii nul-bytes", 0 },
	{ "bad-header-only.eml", "header only", "-", "a@example.org", "-", "-", "", "0", NULL, "",
	  NULL, "", "", 0 },
	{ "bad-qp.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "A =ZZ bad escape, a softbreak, \xc3\xa9 and a trailing", NULL, "", "bad-quoted-printable", 0 },
	{ "bad-content-type.eml", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "Still text.", NULL,
	  "", "bad-content-type", 0 },
};

ParameterizedTestParameters(message, golden)
{
	return TUTIL_PARAMS(golden);
}

ParameterizedTest(size_t *pi, message, golden)
{
	struct golden *g = &golden[*pi];
	size_t len, i;
	char *raw = load(g->file, &len);
	struct message *m = message_parse(raw, len, NULL);
	char got[4096], d[64];

	cr_assert_not_null(m, "%s: parse returned NULL", g->file);
	check_sane(m);
	check_str("subject", m->subject, g->subject);
	check_str("from.name", m->from.name, g->from_name);
	check_str("from.address", m->from.address, g->from_addr);
	check_str("message_id", m->message_id, g->message_id);
	check_str("in_reply_to", m->in_reply_to, g->in_reply_to);
	if (g->references) {
		size_t k = 0;

		got[0] = '\0';
		for (i = 0; i < m->nreferences; i++)
			k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s", i ? " " : "", m->references[i]);
		cr_expect_str_eq(got, g->references, "%s: references: got '%s', want '%s'", g->file,
		    got, g->references);
	}
	if (g->date) {
		if (strcmp(g->date, "0") == 0)
			cr_expect_eq(m->date, 0, "%s: date: got %lld, want 0", g->file, (long long)m->date);
		else
			cr_expect_str_eq(iso(m->date, d, sizeof(d)), g->date, "%s: date: got %s, want %s",
			    g->file, d, g->date);
	}
	if (g->text_has)
		cr_expect(strstr(m->text, g->text_has), "%s: text lacks '%s'; got:\n%s", g->file,
		    g->text_has, m->text);
	if (g->new_has)
		cr_expect(strstr(m->new_text, g->new_has), "%s: new_text lacks '%s'; got:\n%s", g->file,
		    g->new_has, m->new_text);
	if (g->new_lacks)
		cr_expect(!strstr(m->new_text, g->new_lacks), "%s: new_text has '%s'; got:\n%s",
		    g->file, g->new_lacks, m->new_text);
	if (g->attachments) {
		size_t k = 0;

		got[0] = '\0';
		for (i = 0; i < m->nattachments; i++)
			k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s|%s|%zu", i ? ";" : "",
			    m->attachments[i].name ? m->attachments[i].name : "-",
			    m->attachments[i].type, m->attachments[i].bytes);
		cr_expect_str_eq(got, g->attachments, "%s: attachments: got '%s', want '%s'", g->file,
		    got, g->attachments);
	}
	if (g->defects) {
		defects_str(m, got, sizeof(got));
		cr_expect_str_eq(got, g->defects, "%s: defects: got '%s', want '%s'", g->file, got,
		    g->defects);
	}
	if (g->flags & F_MULTI)
		cr_expect(m->multipart, "%s: want multipart", g->file);
	if (g->flags & F_NOTMULTI)
		cr_expect(!m->multipart, "%s: want not multipart", g->file);
	cr_expect_eq(!!m->is_signed, !!(g->flags & F_SIGNED), "%s: is_signed %d", g->file, m->is_signed);
	cr_expect_eq(!!m->has_html_only, !!(g->flags & F_HTML), "%s: has_html_only %d", g->file,
	    m->has_html_only);
	if (g->flags & F_DSN) {
		cr_expect(m->delivery_status && strstr(m->delivery_status, "Action: failed"),
		    "%s: delivery_status '%s'", g->file, m->delivery_status);
		cr_expect(m->returned_headers && strstr(m->returned_headers, "Message-ID: <relay-"),
		    "%s: returned_headers '%s'", g->file, m->returned_headers);
	} else {
		cr_expect_null(m->delivery_status);
	}
	message_free(&m);
	cr_assert_null(m);
	free(raw);
}

/* ---- dates ---------------------------------------------------------------- */

struct date_case {
	const char *value;
	const char *want;   /* ISO UTC, or "0" */
};

static struct date_case dates[] = {
	{ "Tue, 17 Nov 2020 10:00:00 +0300", "2020-11-17T07:00:00Z" },
	{ "17 Nov 2020 10:00:00 +0300", "2020-11-17T07:00:00Z" },             /* no weekday */
	{ "Tue, 17 Nov 20 10:00:00 +0000", "2020-11-17T10:00:00Z" },          /* 2-digit year */
	{ "Tue, 17 Nov 99 10:00:00 GMT", "1999-11-17T10:00:00Z" },
	{ "Tue, 17 Nov 2020 10:00 EST", "2020-11-17T15:00:00Z" },              /* no seconds */
	{ "Tue, 17 Nov 2020 10:00:00 PST", "2020-11-17T18:00:00Z" },
	{ "Tue, 17 Nov 2020 10:00:00 UT", "2020-11-17T10:00:00Z" },
	{ "Tue, 17 Jul 2020 10:00:00 CEST", "2020-07-17T08:00:00Z" },
	{ "Tue, 17 Nov 2020 10:00:00 +0000 (UTC)", "2020-11-17T10:00:00Z" },   /* comment */
	{ "Tue, 17 Nov 2020 10:00:00 -0500 (EST) extra words", "2020-11-17T15:00:00Z" },
	{ "Tue,  1 Dec 2020 00:30:00 +0100", "2020-11-30T23:30:00Z" },
	{ "Tuesday, November 17, 2020 10:00:00 AM +0300", "2020-11-17T07:00:00Z" },
	{ "Tue Nov 17 10:00:00 2020", "2020-11-17T10:00:00Z" },                /* asctime */
	{ "2020-11-20T10:00:00Z", "2020-11-20T10:00:00Z" },                    /* ISO 8601 */
	{ "Sat, 29 Feb 2020 23:59:60 +0000", "2020-02-29T23:59:59Z" },         /* leap second */
	{ "not a date", "0" },
	{ "Tue, 32 Nov 2020 10:00:00 +0000", "0" },
	{ "", "0" },
};

ParameterizedTestParameters(message, dates)
{
	return TUTIL_PARAMS(dates);
}

ParameterizedTest(size_t *pi, message, dates)
{
	struct date_case *dc = &dates[*pi];
	char raw[512], d[64];
	struct message *m;

	snprintf(raw, sizeof(raw), "Date: %s\nFrom: a@b.c\n\nx\n", dc->value);
	m = parse_str(raw);
	if (strcmp(dc->want, "0") == 0)
		cr_expect_eq(m->date, 0, "date '%s': got %s, want 0", dc->value, iso(m->date, d, sizeof(d)));
	else
		cr_expect_str_eq(iso(m->date, d, sizeof(d)), dc->want, "date '%s': got %s, want %s",
		    dc->value, d, dc->want);
	message_free(&m);
}

/* ---- addresses --------------------------------------------------------------- */

struct addr_case {
	const char *value;
	const char *want;   /* "name|address;..." with "-" for NULL */
};

static struct addr_case addrs[] = {
	{ "Jane Doe <jane@Example.ORG>", "Jane Doe|jane@example.org" },
	{ "\"Doe, Jane\" <jane@example.org>", "Doe, Jane|jane@example.org" },
	{ "jane@example.org (Jane Doe)", "Jane Doe|jane@example.org" },
	{ "<jane@example.org>", "-|jane@example.org" },
	{ "jane@example.org", "-|jane@example.org" },
	{ "'Jane Doe' <jane@example.org>", "Jane Doe|jane@example.org" },
	{ "\"Jane \\\"JD\\\" Doe\" <jane@example.org>", "Jane \"JD\" Doe|jane@example.org" },
	{ "=?UTF-8?B?SmFuZSBEw7Zl?= <jane@example.org>", "Jane D\xc3\xb6" "e|jane@example.org" },
	{ "\"=?iso-8859-1?Q?Ren=E9?=\" <rene@example.fr>", "Ren\xc3\xa9|rene@example.fr" },
	{ "Team: a@x.org, B <b@y.org>;, c@z.org", "-|a@x.org;B|b@y.org;-|c@z.org" },
	{ "undisclosed-recipients:;", "" },
	{ "<@route.example:jane@example.org>", "-|jane@example.org" },
	{ "Jane Doe <jane @ example.org>", "Jane Doe|jane@example.org" },
	{ "Jane<jane@example.org>", "Jane|jane@example.org" },
	{ "Smith, John <john@example.org>", "Smith|-;John|john@example.org" },
	{ "Just a name", "Just a name|-" },
	{ "a@b.org, , ,c@d.org", "-|a@b.org;-|c@d.org" },
	{ "\"Unclosed <a@b.org>", "Unclosed|a@b.org" },           /* quote never closed */
	{ "\"john doe\"@example.org", "-|\"john doe\"@example.org" },  /* quoted local part */
	{ "jane@example.org>", "-|jane@example.org" },                /* stray bracket */
};

ParameterizedTestParameters(message, addresses)
{
	return TUTIL_PARAMS(addrs);
}

ParameterizedTest(size_t *pi, message, addresses)
{
	struct addr_case *ac = &addrs[*pi];
	char raw[1024], got[1024];
	struct message *m;
	size_t i, k = 0;

	snprintf(raw, sizeof(raw), "To: %s\n\nx\n", ac->value);
	m = parse_str(raw);
	got[0] = '\0';
	for (i = 0; i < m->nto; i++)
		k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s|%s", i ? ";" : "",
		    m->to[i].name ? m->to[i].name : "-", m->to[i].address ? m->to[i].address : "-");
	cr_expect_str_eq(got, ac->want, "To: %s: got '%s', want '%s'", ac->value, got, ac->want);
	message_free(&m);
}

/* ---- message ids -------------------------------------------------------------- */

struct id_case {
	const char *field;
	const char *value;
	const char *want;   /* ids joined by a space; for Message-ID and In-Reply-To the one id */
};

static struct id_case ids[] = {
	{ "References", "<a@x> <b@x> <c@x>", "a@x b@x c@x" },
	{ "References", "<a@x>\n <b@x>\n\t<c@x>", "a@x b@x c@x" },             /* folded */
	{ "References", "<a@x> <b@\n x>", "a@x b@x" },                         /* id folded inside */
	{ "References", "<a@x> <a@x> <b@x> <a@x>", "a@x b@x" },                /* duplicates */
	{ "References", "a@x, b@x", "a@x b@x" },                               /* no brackets */
	{ "References", "(comment) <a@x> junk words <b@x", "a@x b@x" },         /* junk, unclosed */
	{ "In-Reply-To", "Your message of Tue <p@x> (from Bob)", "p@x" },
	{ "In-Reply-To", "<p@x> <q@x>", "p@x" },
	{ "In-Reply-To", "just junk", "-" },
	/* phrase forms of real clients: the id, never the person's address
	 * nor a word of the phrase (MH, exmh, Gnus, Elm, mutt, digests) */
	{ "In-Reply-To", "Message from Jean Dupont <jean@example.org>\n of \"Tue, 05 Mar 2002 10:00:00 +0100.\" <200203050900.KAA01234@mail.example.org>",
	  "200203050900.KAA01234@mail.example.org" },
	{ "In-Reply-To", "Your message of \"Tue, 05 Mar 2002 10:00:00 +0100.\"\n <15492.1015318800@exmh.example.net>", "15492.1015318800@exmh.example.net" },
	{ "In-Reply-To", "<87y9k2m3x1.fsf@gnus.example.com> (Amina Diallo's message of\n \"Fri, 01 Mar 2002 09:30:00 +0000\")", "87y9k2m3x1.fsf@gnus.example.com" },
	{ "In-Reply-To", "jean@example.org's message of Tue, 5 Mar 2002 10:00:00 +0100", "-" },
	{ "In-Reply-To", "<jean@example.org>'s message of Tue, 5 Mar 2002 10:00:00 +0100", "-" },
	{ "In-Reply-To", "Message from Jean Dupont <jean@example.org> of Tue, 5 Mar 2002", "-" },
	{ "In-Reply-To", "<20020305100000.GA1234@mutt.example.org>; from jean@example.org on Tue, Mar 05, 2002 at 10:00:00AM +0100",
	  "20020305100000.GA1234@mutt.example.org" },
	{ "In-Reply-To", "<Pine.LNX.4.44.0203051000.1234-100000@host.example.edu> from \"Jean Dupont\" at Mar 5, 2002 10:00 am",
	  "Pine.LNX.4.44.0203051000.1234-100000@host.example.edu" },
	{ "In-Reply-To", "Message de Jean Dupont <jean@example.fr> du 5 mars 2002 <3C84A1B2.5060708@example.fr>", "3C84A1B2.5060708@example.fr" },
	{ "In-Reply-To", "Mensaje de Ana <ana@example.es> del 5 de marzo <a1b2c3@example.es>", "a1b2c3@example.es" },
	{ "References", "Message from Jean <jean@example.org> <a@x>", "a@x" },
	{ "References", "jean@example.org's message of Tue", "" },
	{ "Message-ID", "<m@x>", "m@x" },
	{ "Message-ID", "m@x", "m@x" },
	{ "Message-ID", "<  m@x  >", "m@x" },
	{ "Message-ID", "<>", "-" },
};

ParameterizedTestParameters(message, ids)
{
	return TUTIL_PARAMS(ids);
}

ParameterizedTest(size_t *pi, message, ids)
{
	struct id_case *ic = &ids[*pi];
	char raw[1024], got[1024];
	struct message *m;
	size_t i, k = 0;
	const char *one;

	snprintf(raw, sizeof(raw), "%s: %s\n\nx\n", ic->field, ic->value);
	m = parse_str(raw);
	if (strcmp(ic->field, "References") == 0) {
		got[0] = '\0';
		for (i = 0; i < m->nreferences; i++)
			k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s", i ? " " : "", m->references[i]);
		cr_expect_str_eq(got, ic->want, "References: %s: got '%s', want '%s'", ic->value, got,
		    ic->want);
	} else {
		one = strcmp(ic->field, "Message-ID") == 0 ? m->message_id : m->in_reply_to;
		check_str(ic->field, one, ic->want);
	}
	message_free(&m);
}

/* In-Reply-To names two ids: the one References also names is the parent
 * (a digest reader quoting the digest's id first, then the post's). */
Test(message, in_reply_to_prefers_references)
{
	struct message *m = parse_str("In-Reply-To: <digest-12@lists.example.org> <post-7@example.org>\n"
	    "References: <root-1@example.org> <post-7@example.org>\n\nx\n");

	cr_expect_str_eq(m->in_reply_to, "post-7@example.org");
	message_free(&m);
	m = parse_str("In-Reply-To: Message from Jean Dupont <jean@example.org> of \"Tue, 5 Mar 2002\"\n"
	    "References: <root-1@example.org> <post-7@example.org>\n\nx\n");
	cr_expect_null(m->in_reply_to, "the person's address is no parent");
	cr_expect_eq(m->nreferences, 2);
	message_free(&m);
}

/* ---- quotes and signatures on plain bodies -------------------------------------- */

struct quote_case {
	const char *body;
	const char *want_new;
};

static struct quote_case quotes[] = {
	{ "Reply.\n\n> quoted\n> more\n", "Reply." },
	{ "> q1\nanswer 1\n> q2\nanswer 2\n", "answer 1\nanswer 2" },          /* inline replies */
	{ "Top.\n\nOn Mon, 1 Jan 2020, Bob <b@x> wrote:\n> old\n", "Top." },
	{ "Top.\n\nOn Mon, 1 Jan 2020 at 10:00, Bob Smith <b@x>\nwrote:\n\n> old\n", "Top." },
	{ "Top.\n\nOn Mon, Bob wrote:\nold text without marks\nmore\n", "Top." },
	{ "Top.\n\n-----Original Message-----\nFrom: B\nSent: Monday\n\nold\n", "Top." },
	{ "Top.\n\n----- Mensaje original -----\nDe: B\n\nold\n", "Top." },
	{ "Top.\n\n________________________________\nDe : Bob\nEnvoy\xc3\xa9 : lundi\n\nold\n", "Top." },
	{ "Top.\n\nFrom: Bob <b@x>\nSent: Monday, 1 June 2020\nTo: c@x\n\nold\n", "Top." },
	{ "Top.\n\nFrom: Bob <b@x>\nDate: Monday, 1 June 2020\n\nold\n", "Top." },
	{ "Body.\n-- \nSig line\n", "Body." },
	{ "Body.\n--\nSig line\n", "Body." },
	{ "Body.\n\nSent from my iPhone\n", "Body." },
	{ "Body.\n\nGet Outlook for Android\n\n> old\n", "Body." },
	{ "Body.\n\nEnviado desde mi iPhone\n", "Body." },
	{ "Sent from my phone is how I write everything.\nReally.\n", "Sent from my phone is how I write everything.\nReally." },
	{ "Look:\n\n---------- Forwarded message ---------\nFrom: X\n\nforwarded\n", "Look:" },
	{ "Look:\n\nBegin forwarded message:\n\nFrom: X\n\nforwarded\n", "Look:" },
	{ "Le 1 janv. 2020 \xc3\xa0 10:00, Bob <b@x> a \xc3\xa9" "crit\xc2\xa0:\n> vieux\nNouveau.\n", "Nouveau." },
	{ "I wrote: this line ends with wrote:\nfine\n", "I wrote: this line ends with wrote:\nfine" },
	{ "Text.\n\n\n\n", "Text." },                                         /* trailing blanks */
	{ "Top.\n\nVon: Hans\nGesendet: Montag\nAn: x\n\nalt\n", "Top." },
	{ "Top.\n\nDe: Juan\nEnviado el: lunes\n\nviejo\n", "Top." },
	{ "Top.\n\nOn Tuesday, November 17, 2020, 10:00:00 AM GMT+3, Jane <j@x> wrote:\n\n\nold\n", "Top." },
	{ "\xef\xbb\xbfHello\n", "Hello" },                                    /* byte order mark */
	{ "Fine.\n\nFrom: the field team\nwe have news\n", "Fine.\n\nFrom: the field team\nwe have news" },
	{ "A\n\n> q\n\nB\n\n> q\n\nC\n", "A\n\nB\n\nC" },
};

ParameterizedTestParameters(message, quotes)
{
	return TUTIL_PARAMS(quotes);
}

ParameterizedTest(size_t *pi, message, quotes)
{
	struct quote_case *qc = &quotes[*pi];
	struct buf raw;
	struct message *m;

	buf_init(&raw, BUF_NOLIMIT);
	buf_printf(&raw, "Subject: q\nContent-Type: text/plain; charset=utf-8\n\n%s", qc->body);
	m = parse_str(raw.data);
	cr_expect_str_eq(m->new_text, qc->want_new, "body:\n%s\ngot new_text '%s', want '%s'",
	    qc->body, m->new_text, qc->want_new);
	message_free(&m);
	buf_release(&raw);
}

/* ---- HTML to text ------------------------------------------------------------------ */

static struct quote_case htmls[] = {
	{ "<p>One</p><p>Two</p>", "One\n\nTwo" },
	{ "<div>a</div><div><br></div><div>b</div>", "a\n\nb" },
	{ "a<br>b<br/>c", "a\nb\nc" },
	{ "<ul><li>x</li><li>y</li></ul>", "- x\n- y" },
	{ "<a href=\"https://e.org/a?b=1&amp;c=2\">here</a>", "here <https://e.org/a?b=1&c=2>" },
	{ "<a href=\"mailto:x@e.org\">x@e.org</a>", "x@e.org" },
	{ "<script>var a = '<p>';</script><style>p{}</style>Hi", "Hi" },
	{ "&lt;tag&gt; &amp; &quot;q&quot; &#233;&#xE9; &eacute; &bogus;", "<tag> & \"q\" \xc3\xa9\xc3\xa9 \xc3\xa9 &bogus;" },
	{ "<pre>  keep   spaces\n  here</pre>", "  keep   spaces\n  here" },
	{ "<p>  lots   of\n\n  blanks </p>", "lots of blanks" },
	{ "<!-- comment <p>x</p> -->shown", "shown" },
	{ "a < b and c > d", "a < b and c > d" },
	{ "<blockquote>quoted</blockquote>new", "new" },
	/* the whole HTML5 table (real newsletters and Outlook in Portuguese,
	 * Spanish, Icelandic; arrows and maths from Word) */
	{ "&Oacute;rg&atilde;o &ordm; &Atilde;o &rarr; &larr; &hArr; &Icirc;le", "\xc3\x93rg\xc3\xa3o \xc2\xba \xc3\x83o \xe2\x86\x92 \xe2\x86\x90 \xe2\x87\x94 \xc3\x8e" "le" },
	{ "&THORN;&eth;&aelig; &alpha;&Omega; &le;&ge;&ne; &infin; &check; &star;", "\xc3\x9e\xc3\xb0\xc3\xa6 \xce\xb1\xce\xa9 \xe2\x89\xa4\xe2\x89\xa5\xe2\x89\xa0 \xe2\x88\x9e \xe2\x9c\x93 \xe2\x98\x86" },
	{ "&NotEqualTilde; &fjlig;", "\xe2\x89\x82\xcc\xb8 fj" },                  /* two code points */
	{ "&CounterClockwiseContourIntegral; x", "\xe2\x88\xb3 x" },            /* the longest name */
	{ "&eacutes &copy2026 &notin; &notit", "\xc3\xa9s \xc2\xa9" "2026 \xe2\x88\x89 \xc2\xacit" }, /* legacy, no ';' */
	{ "&rarr &Oacute &zz; &;", "&rarr \xc3\x93 &zz; &;" },                  /* rarr needs its ';' */
};

ParameterizedTestParameters(message, html)
{
	return TUTIL_PARAMS(htmls);
}

ParameterizedTest(size_t *pi, message, html)
{
	struct quote_case *hc = &htmls[*pi];
	struct buf raw;
	struct message *m;

	buf_init(&raw, BUF_NOLIMIT);
	buf_printf(&raw, "Content-Type: text/html; charset=utf-8\n\n<html><body>%s</body></html>\n",
	    hc->body);
	m = parse_str(raw.data);
	cr_expect_str_eq(m->new_text, hc->want_new, "html '%s': got '%s', want '%s'", hc->body,
	    m->new_text, hc->want_new);
	cr_expect(m->has_html_only);
	message_free(&m);
	buf_release(&raw);
}

/* ---- links ---------------------------------------------------------------------------- */

static struct quote_case links[] = {
	{ "See https://example.org/a.", "https://example.org/a" },
	{ "(see http://e.org/x) and http://e.org/x again", "http://e.org/x" },
	{ "Wiki: https://en.wikipedia.org/wiki/Foo_(bar), ok", "https://en.wikipedia.org/wiki/Foo_(bar)" },
	{ "ftp://files.e.org/pub and www.e.org!", "ftp://files.e.org/pub www.e.org" },
	{ "mail mailto:x@e.org? or <https://e.org/q?a=1&b=2>", "mailto:x@e.org https://e.org/q?a=1&b=2" },
	{ "no links here, just www and http: words", "" },
	{ "new http://a.org\n\n> quoted http://b.org\n", "http://a.org" },
};

ParameterizedTestParameters(message, links)
{
	return TUTIL_PARAMS(links);
}

ParameterizedTest(size_t *pi, message, links)
{
	struct quote_case *lc = &links[*pi];
	struct buf raw;
	struct message *m;
	char got[1024];
	size_t i, k = 0;

	buf_init(&raw, BUF_NOLIMIT);
	buf_printf(&raw, "Subject: l\n\n%s\n", lc->body);
	m = parse_str(raw.data);
	got[0] = '\0';
	for (i = 0; i < m->nlinks; i++)
		k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s", i ? " " : "", m->links[i]);
	cr_expect_str_eq(got, lc->want_new, "'%s': got '%s', want '%s'", lc->body, got, lc->want_new);
	message_free(&m);
	buf_release(&raw);
}

/* ---- malformations built in code ------------------------------------------------------- */

Test(message, empty_input)
{
	struct message *m = message_parse("", 0, NULL);

	cr_assert_not_null(m);
	check_sane(m);
	cr_expect(has_defect(m, "empty"));
	cr_expect_str_eq(m->subject, "");
	cr_expect_null(m->from.address);
	cr_expect_eq(m->nheaders, 0);
	message_free(&m);
}

Test(message, over_max_size_is_null)
{
	struct msg_limits lim;
	const char *raw = "Subject: big\n\n0123456789012345678901234567890123456789\n";

	message_default_limits(&lim);
	lim.max_size = 20;
	cr_expect_null(message_parse(raw, strlen(raw), &lim), "got a message, want NULL past max_size");
	lim.max_size = strlen(raw);
	{
		struct message *m = message_parse(raw, strlen(raw), &lim);

		cr_assert_not_null(m, "exactly max_size must parse");
		message_free(&m);
	}
}

Test(message, ten_thousand_headers)
{
	struct buf raw;
	struct message *m;
	int i;

	buf_init(&raw, BUF_NOLIMIT);
	for (i = 0; i < 10000; i++)
		buf_printf(&raw, "X-Junk-%d: value %d\n", i, i);
	buf_puts(&raw, "Subject: after the junk\n\nbody\n");
	m = message_parse(raw.data, raw.len, NULL);
	cr_assert_not_null(m);
	check_sane(m);
	cr_expect(has_defect(m, "too-many-headers"));
	cr_expect_eq(m->nheaders, 1000, "got %zu headers kept, want 1000", m->nheaders);
	cr_expect_str_eq(m->subject, "after the junk", "fields past the cap still parsed");
	cr_expect_str_eq(m->text, "body");
	message_free(&m);
	buf_release(&raw);
}

Test(message, fifty_deep_nesting)
{
	struct buf raw;
	struct message *m;
	int i;

	buf_init(&raw, BUF_NOLIMIT);
	buf_puts(&raw, "Subject: deep\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n");
	for (i = 1; i < 50; i++)
		buf_printf(&raw, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i - 1, i);
	buf_printf(&raw, "--b49\nContent-Type: text/plain\n\ndeepest text\n");
	for (i = 49; i >= 0; i--)
		buf_printf(&raw, "--b%d--\n", i);
	m = message_parse(raw.data, raw.len, NULL);
	cr_assert_not_null(m);
	check_sane(m);
	cr_expect(has_defect(m, "too-deep"), "want too-deep");
	cr_expect(strstr(m->text, "deepest") == NULL, "text below the depth limit must be dropped");
	message_free(&m);

	/* within a raised limit the text is reached */
	{
		struct msg_limits lim;

		message_default_limits(&lim);
		lim.max_depth = 55;
		m = message_parse(raw.data, raw.len, &lim);
		cr_assert_not_null(m);
		cr_expect(!has_defect(m, "too-deep"));
		cr_expect_str_eq(m->text, "deepest text");
		message_free(&m);
	}
	buf_release(&raw);
}

Test(message, many_parts_capped)
{
	struct buf raw;
	struct message *m;
	int i;

	buf_init(&raw, BUF_NOLIMIT);
	buf_puts(&raw, "Content-Type: multipart/mixed; boundary=\"b\"\n\n");
	for (i = 0; i < 2000; i++)
		buf_printf(&raw, "--b\nContent-Type: application/octet-stream; name=\"f%d\"\n\nx\n", i);
	buf_puts(&raw, "--b--\n");
	m = message_parse(raw.data, raw.len, NULL);
	cr_assert_not_null(m);
	check_sane(m);
	cr_expect(has_defect(m, "too-many-parts"));
	cr_expect(m->nattachments <= 500, "got %zu attachments", m->nattachments);
	message_free(&m);
	buf_release(&raw);
}

Test(message, text_cap_and_arena_cap)
{
	struct buf raw;
	struct message *m;
	struct msg_limits lim;
	int i;

	buf_init(&raw, BUF_NOLIMIT);
	buf_puts(&raw, "Subject: long\n\n");
	for (i = 0; i < 20000; i++)
		buf_puts(&raw, "caf\xc3\xa9 ");
	message_default_limits(&lim);
	lim.max_text = 1001;    /* cuts inside a two-byte character */
	m = message_parse(raw.data, raw.len, &lim);
	cr_assert_not_null(m);
	check_sane(m);
	cr_expect(has_defect(m, "text-truncated"));
	cr_expect(m->text_len <= 1001, "got %zu bytes of text", m->text_len);
	message_free(&m);

	/* A body that passes the decoding buffer's cap too: what fits of it
	 * is decoded, and the text is its start, cut at max_text. */
	buf_reset(&raw);
	buf_puts(&raw, "Subject: long\nContent-Type: text/plain; charset=iso-8859-1\n\n");
	for (i = 0; i < 20000; i++)
		buf_puts(&raw, "caf\xe9 ");
	m = message_parse(raw.data, raw.len, &lim);
	cr_assert_not_null(m);
	cr_expect(has_defect(m, "text-truncated"));
	cr_expect(m->text_len > 990 && m->text_len <= 1001 &&
	    strncmp(m->text, "caf\xc3\xa9 caf\xc3\xa9 ", 12) == 0,
	    "got %zu bytes of text, want the first 1 000 or so", m->text_len);
	message_free(&m);

	lim.max_text = 1u << 20;
	lim.arena_max = 4096;
	m = message_parse(raw.data, raw.len, &lim);
	cr_assert_not_null(m);
	check_sane(m);
	cr_expect(has_defect(m, "arena-full"));
	message_free(&m);
	buf_release(&raw);
}

Test(message, empty_plain_alternative_falls_back_to_html)
{
	struct message *m = parse_str("Content-Type: multipart/alternative; boundary=a\n\n"
	    "--a\nContent-Type: text/plain\n\n \n\n--a\nContent-Type: text/html\n\n<p>Real text</p>\n--a--\n");

	cr_expect_str_eq(m->text, "Real text", "got '%s'", m->text);
	cr_expect(m->has_html_only);
	message_free(&m);
	m = parse_str("Content-Type: multipart/alternative; boundary=a\n\n"
	    "--a\nContent-Type: text/plain\n\nPlain wins\n--a\nContent-Type: text/html\n\n<p>Html</p>\n--a--\n");
	cr_expect_str_eq(m->text, "Plain wins", "got '%s'", m->text);
	cr_expect(!m->has_html_only);
	message_free(&m);
}

Test(message, crlf_and_bare_lf_agree)
{
	const char *lf = "Subject: x\nContent-Type: text/plain\n\nline 1\nline 2\n";
	const char *crlf = "Subject: x\r\nContent-Type: text/plain\r\n\r\nline 1\r\nline 2\r\n";
	struct message *a = parse_str(lf), *b = parse_str(crlf);

	cr_expect_str_eq(a->text, "line 1\nline 2");
	cr_expect_str_eq(b->text, a->text, "CRLF: got '%s'", b->text);
	cr_expect_str_eq(b->subject, "x");
	message_free(&a);
	message_free(&b);
}

Test(message, return_path_forms)
{
	struct message *m = parse_str("Return-Path: <>\n\nx\n");

	cr_expect_str_eq(m->return_path, "", "got '%s', want \"\" for <>", m->return_path);
	message_free(&m);
	m = parse_str("Return-Path: <Bounce@Example.ORG>\n\nx\n");
	cr_expect_str_eq(m->return_path, "Bounce@example.org");
	message_free(&m);
	m = parse_str("Subject: none\n\nx\n");
	cr_expect_null(m->return_path);
	message_free(&m);
}

/* ---- header access, hash ----------------------------------------------------------------- */

Test(message, header_lookup_and_next)
{
	struct message *m = parse_str("Received: one\nSubject: s\nreceived: two\n  folded\nX-Empty:\n\nx\n");
	size_t i = 0;
	const char *v;

	cr_expect_str_eq(message_header(m, "SUBJECT"), "s");
	cr_expect_str_eq(message_header(m, "x-empty"), "");
	cr_expect_null(message_header(m, "Missing"));
	v = message_header_next(m, "Received", &i);
	cr_expect_str_eq(v, "one");
	v = message_header_next(m, "Received", &i);
	cr_expect_str_eq(v, "two  folded", "got '%s'", v);
	cr_expect_null(message_header_next(m, "Received", &i));
	cr_expect_null(message_header_next(m, "Received", &i));
	cr_expect_str_eq(m->headers[2].name, "received");
	message_free(&m);
}

/* The relay copies the top-level fields as written and reads the top-level
 * MIME fields from struct message */
Test(message, raw_fields_and_top_mime)
{
	struct message *m = parse_str("From: a@example.org\r\n"
	    "Subject: one\r\n\ttwo\r\n"
	    "Content-Type: text/plain; charset=\"ISO-8859-1\"; format=flowed;\r\n"
	    " delsp=yes; name=\"a \\\"b\\\" c\"\r\n"
	    "Content-Transfer-Encoding: Quoted-Printable (comment)\r\n"
	    "X-Last: end\r\n"
	    "\r\nbody\r\n");
	struct {
		const char *raw;
	} want[] = {
		{ "From: a@example.org" },
		{ "Subject: one\r\n\ttwo" },
		{ "Content-Type: text/plain; charset=\"ISO-8859-1\"; format=flowed;\r\n"
		  " delsp=yes; name=\"a \\\"b\\\" c\"" },
		{ "Content-Transfer-Encoding: Quoted-Printable (comment)" },
		{ "X-Last: end" },
	};

	cr_assert_eq(m->nheaders, 5);
	for (size_t i = 0; i < 5; i++)
		cr_expect(m->headers[i].raw_len == strlen(want[i].raw) &&
		    memcmp(m->headers[i].raw, want[i].raw, m->headers[i].raw_len) == 0,
		    "field %zu: got '%.*s', want '%s'", i, (int)m->headers[i].raw_len,
		    m->headers[i].raw, want[i].raw);
	cr_expect_str_eq(m->raw + m->header_len, "body\r\n");
	cr_expect_str_eq(m->cte, "quoted-printable");
	cr_expect_null(m->disposition);
	cr_expect_eq(m->nparams, 4);
	cr_expect_str_eq(message_param(m, "charset"), "ISO-8859-1");
	cr_expect_str_eq(message_param(m, "format"), "flowed");
	cr_expect_str_eq(message_param(m, "delsp"), "yes");
	cr_expect_str_eq(message_param(m, "name"), "a \"b\" c");
	cr_expect_null(message_param(m, "boundary"));
	message_free(&m);

	m = parse_str("Subject: no MIME fields\n\nx");
	cr_expect_null(m->cte);
	cr_expect_null(m->disposition);
	cr_expect_eq(m->nparams, 0);
	cr_expect_null(message_param(m, "charset"));
	cr_expect_str_eq(m->headers[0].raw, "Subject: no MIME fields\n\nx");
	cr_expect_eq(m->headers[0].raw_len, 23);
	message_free(&m);

	m = parse_str("Content-Disposition: INLINE; filename=x.txt\n\nx");
	cr_expect_str_eq(m->disposition, "inline");
	message_free(&m);
}

Test(message, hash_id)
{
	char out[80];

	cr_assert_not_null(message_hash_id("abc", 3, out, sizeof(out)));
	cr_expect_str_eq(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_expect_null(message_hash_id("abc", 3, out, 10), "a short buffer must be refused");
}

/* Attachments are only sized: codec_base64 without an output counts, and
 * must give the size and flags that decoding gives, for clean and hostile
 * input alike (runs longer than its 64-byte blocks, padding mid-stream,
 * stray bytes, truncation). */
Test(message, base64_count_matches_decode)
{
	static const char *const cases[] = {
		"", "QQ==", "QUJD", "QUI", "Q", "QUJDRA", "QQ==QUJD", "QQ=\nQUI=",
		"QU JD\r\nRE VG", "QU*JD", "====", "\xff\xfeQUJD", "QUJD=",
		"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n"
		"NTY3ODkrLw==\n",
		"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0"
		"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0=A",
		"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx!jM0"
		"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMj",
	};
	char big[4096];

	for (size_t i = 0; i <= TUTIL_NELEM(cases); i++) {
		const char *in = i < TUTIL_NELEM(cases) ? cases[i] : big;
		size_t len, dec = 0, cnt = 0;
		struct buf out;
		int rd, rc;

		if (i == TUTIL_NELEM(cases)) {
			/* 4 KB of 76-column lines with a stray '=' near the end */
			for (size_t k = 0; k < sizeof(big) - 1; k++)
				big[k] = k % 77 == 76 ? '\n' : "QUJD"[k % 4];
			big[sizeof(big) - 100] = '=';
			big[sizeof(big) - 1] = '\0';
		}
		len = strlen(in);
		buf_init(&out, 1 << 16);
		rd = codec_base64(in, len, &out, &dec);
		rc = codec_base64(in, len, NULL, &cnt);
		cr_expect_eq(cnt, dec, "case %zu: counted %zu bytes, want %zu", i, cnt, dec);
		cr_expect_eq(out.len, dec, "case %zu: decoded %zu bytes, reported %zu", i,
		    out.len, dec);
		cr_expect_eq(rc, rd, "case %zu: counting gave flags %d, want %d", i, rc, rd);
		buf_release(&out);
	}
}

/* ---- every prefix of a few fixtures: truncation at each byte ---------------------------- */

static const char *prefix_files[] = {
	"gmail-reply.eml", "rfc2231-filenames.eml", "apple-forward-qp.eml", "dsn-report.eml",
	"charset-iso-2022-jp.eml", "outlook-html-only.eml", "subject-utf8-split.eml",
};

ParameterizedTestParameters(message, prefixes)
{
	return TUTIL_PARAMS(prefix_files);
}

ParameterizedTest(size_t *pi, message, prefixes)
{
	const char **file = &prefix_files[*pi];
	size_t len, n;
	char *raw = load(*file, &len);
	struct message *full = message_parse(raw, len, NULL);

	cr_assert_not_null(full);
	for (n = 0; n <= len; n++) {
		/* a fresh copy of exactly n bytes, so that reading past the
		 * end is caught by the sanitizers */
		char *cut = malloc(n ? n : 1);
		struct message *m;

		memcpy(cut, raw, n);
		m = message_parse(cut, n, NULL);
		cr_assert_not_null(m, "%s: prefix %zu: NULL", *file, n);
		check_sane(m);
		cr_assert(m->text_len <= full->text_len + 200, "%s: prefix %zu: text grew to %zu",
		    *file, n, m->text_len);
		message_free(&m);
		free(cut);
	}
	message_free(&full);
	free(raw);
}

/* ---- pathological inputs finish in linear-ish time ---------------------------------- */

struct slow_case {
	const char *name;
	const char *head;     /* written once */
	const char *unit;     /* repeated */
	int repeat;
};

static struct slow_case slow[] = {
	{ "encoded-word openers", "Subject: ", "=?a?q?xx", 200000 },
	{ "references", "References: ", "<id@x> ", 100000 },
	{ "addresses", "To: ", "a@b.c, \"q\" <d@e.f>, (c) ", 50000 },
	{ "quoted lines", "\n", "> quoted line\n\n", 200000 },
	{ "attribution-like lines", "\n", "On Monday I\n", 200000 },
	{ "html heads", "Content-Type: text/html\n\n<body>", "<head><a href=x>", 100000 },
	{ "link parens", "\nhttp://x.org/", "(((((((((())))))))))", 50000 },
	{ "boundary-like lines", "Content-Type: multipart/mixed; boundary=b\n\n", "--b\n\n", 100000 },
	{ "header lines without colon", "", "garbage line\n", 200000 },
	{ "nested rfc822", "", "Content-Type: message/rfc822\n\n", 5000 },
};

ParameterizedTestParameters(message, pathological)
{
	return TUTIL_PARAMS(slow);
}

ParameterizedTest(size_t *pi, message, pathological)
{
	struct slow_case *sc = &slow[*pi];
	struct buf raw;
	struct message *m;
	clock_t t0;
	double secs;
	int i;

	buf_init(&raw, BUF_NOLIMIT);
	buf_puts(&raw, sc->head);
	for (i = 0; i < sc->repeat; i++)
		buf_puts(&raw, sc->unit);
	buf_puts(&raw, "\n\nend\n");
	t0 = clock();
	m = message_parse(raw.data, raw.len, NULL);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	cr_assert_not_null(m);
	check_sane(m);
	/* a few MB; linear work takes well under a second even under ASan */
	cr_expect(secs < 3.0, "%s: %zu bytes took %.2f s of CPU", sc->name, raw.len, secs);
	message_free(&m);
	buf_release(&raw);
}

/* ---- a text over the cap ------------------------------------------------------ */

/* A plain text of 1.5 MB (over the 1 MB text cap) in UTF-8, in latin-1 and
 * in base64 keeps its first megabyte, cut at a line end, with the mark
 * "[…]" - on the code before this change the whole text was empty. */
Test(message, long_text_cut_at_a_line_not_emptied)
{
	static const char *const heads[] = {
		"Content-Type: text/plain; charset=utf-8\n",
		"Content-Type: text/plain; charset=iso-8859-1\n",
		"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
	};
	for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
		struct buf body, raw;
		struct message *m;
		size_t n;

		buf_init(&body, BUF_NOLIMIT);
		for (int i = 0; body.len < 1500u * 1024; i++)
			buf_printf(&body, h == 1 ? "ligne %06d : donn\xe9""es du r\xe9seau\n" :
			    "ligne %06d : donn\xc3\xa9""es du r\xc3\xa9seau \xe2\x80\x94 \xd8\xb9\n", i);
		buf_init(&raw, BUF_NOLIMIT);
		buf_printf(&raw, "From: a@example.org\nSubject: long\nMIME-Version: 1.0\n%s\n", heads[h]);
		if (h == 2) {
			struct buf b64;

			buf_init(&b64, BUF_NOLIMIT);
			codec_base64_encode(body.data, body.len, &b64);
			for (size_t k = 0; k < b64.len; k += 76) {
				buf_append(&raw, b64.data + k, b64.len - k < 76 ? b64.len - k : 76);
				buf_putc(&raw, '\n');
			}
			buf_release(&b64);
		} else {
			buf_append(&raw, body.data, body.len);
		}
		m = tutil_parse(raw.data);
		cr_assert_not_null(m);
		n = m->text ? strlen(m->text) : 0;
		cr_expect(n > 900u * 1024 && n <= 1u << 20, "case %zu: text of %zu bytes", h, n);
		cr_expect(n >= 6 && strstr(m->text + n - 8, "\n[\xe2\x80\xa6]") != NULL,
		    "case %zu: no cut mark at the end", h);
		{
			const char *mk = strstr(m->text + n - 8, "\n[\xe2\x80\xa6]");
			const char *end = h == 1 ? "seau" : "\xd8\xb9";

			cr_expect(mk && mk - m->text > 4 && memcmp(mk - strlen(end), end,
			    strlen(end)) == 0, "case %zu: not cut at a line end", h);
		}
		cr_expect(strncmp(m->text, "ligne 000000", 12) == 0, "case %zu: the start is lost", h);
		cr_expect(has_defect(m, "text-truncated"), "case %zu: no text-truncated defect", h);
		message_free(&m);
		buf_release(&body);
		buf_release(&raw);
	}
}
