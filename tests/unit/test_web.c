/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_web - the list header fields (listhead) and what baraza web reads
 * from a request (oneclick): tables of the paths and bodies that real
 * clients and mail providers send, and of hostile ones.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "listhead.h"
#include "mime_out.h"
#include "oneclick.h"
#include "store.h"
#include "store_member.h"
#include "store_token.h"
#include "tutil.h"

#define TOK "0123456789abcdef0123456789abcdef"

static struct listhead
head(const char *web_url)
{
	static struct conf c;
	struct listhead h;

	memset(&c, 0, sizeof(c));
	tutil_conf_list(&c);
	c.web.url = (char *)web_url;
	c.archive.url = "https://cop.example.org/archive";
	cr_assert_eq(listhead_init(&h, &c), 0);
	return h;
}

Test(listhead, unsubscribe_fields)
{
	static const struct {
		const char *web, *token, *want;
	} cases[] = {
		/* personal, with the web endpoint: RFC 8058 */
		{ "https://lists.example.org/cop", TOK,
		  "List-Unsubscribe: <https://lists.example.org/cop/unsubscribe/" TOK ">,\r\n"
		  " <mailto:cop+unsubscribe-" TOK "@example.org>\r\n"
		  "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" },
		/* an MTA or a store that kept the token in upper case: the URI
		 * is written in lower case, the address as it was */
		{ "https://lists.example.org/cop", "0123456789ABCDEF0123456789ABCDEF",
		  "List-Unsubscribe: <https://lists.example.org/cop/unsubscribe/" TOK ">,\r\n"
		  " <mailto:cop+unsubscribe-0123456789ABCDEF0123456789ABCDEF@example.org>\r\n"
		  "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" },
		/* personal, mail only */
		{ NULL, TOK, "List-Unsubscribe: <mailto:cop+unsubscribe-" TOK "@example.org>\r\n" },
		/* shared copy: generic, never -Post (no URI names one member) */
		{ "https://lists.example.org/cop", NULL,
		  "List-Unsubscribe: <mailto:cop+unsubscribe@example.org>\r\n" },
		/* hostile or broken tokens fall back to the generic field */
		{ "https://lists.example.org/cop", "abc\r\nBcc: evil@example.com",
		  "List-Unsubscribe: <mailto:cop+unsubscribe@example.org>\r\n" },
		{ "https://lists.example.org/cop", "short",
		  "List-Unsubscribe: <mailto:cop+unsubscribe@example.org>\r\n" },
		{ "https://lists.example.org/cop", "",
		  "List-Unsubscribe: <mailto:cop+unsubscribe@example.org>\r\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct listhead h = head(cases[i].web);
		struct buf b;

		buf_init(&b, 4096);
		cr_expect_eq(listhead_unsubscribe(&b, MIME_CRLF, &h, cases[i].token), 0);
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got\n%s\nwant\n%s", i,
		    b.data, cases[i].want);
		buf_release(&b);
	}
}

Test(listhead, fields)
{
	struct listhead h = head(NULL);
	struct buf b;

	buf_init(&b, 4096);
	cr_expect_eq(listhead_fields(&b, MIME_LF, &h), 0);
	cr_expect_str_eq(b.data,
	    "List-Id: Shifting the Power CoP <cop.example.org>\n"
	    "List-Post: <mailto:cop@example.org>\n"
	    "List-Help: <mailto:cop+help@example.org>\n"
	    "List-Subscribe: <mailto:cop+subscribe@example.org>\n"
	    "List-Archive: <https://cop.example.org/archive>\n", "got\n%s", b.data);
	buf_release(&b);
}

Test(listhead, personalize_a_stored_mail)
{
	static const struct {
		const char *in, *want;
		int rc;
	} cases[] = {
		/* a digest as stored: the generic field, CRLF */
		{ "From: x@example.org\r\nList-Unsubscribe: <mailto:cop+unsubscribe@example.org>\r\n"
		  "Subject: s\r\n\r\nList-Unsubscribe: in the body stays\r\n",
		  "From: x@example.org\r\nList-Unsubscribe: <https://l.example/u/unsubscribe/" TOK ">,\r\n"
		  " <mailto:cop+unsubscribe-" TOK "@example.org>\r\n"
		  "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
		  "Subject: s\r\n\r\nList-Unsubscribe: in the body stays\r\n", 1 },
		/* folded, with an old -Post and another case; LF line ends */
		{ "list-unsubscribe:\n <mailto:a@b>,\n\t<https://old>\nList-Unsubscribe-Post: x\nX: y\n\nbody\n",
		  "List-Unsubscribe: <https://l.example/u/unsubscribe/" TOK ">,\n"
		  " <mailto:cop+unsubscribe-" TOK "@example.org>\n"
		  "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
		  "X: y\n\nbody\n", 1 },
		/* a notice to one person: no list field, copied as it is */
		{ "From: x@example.org\r\nSubject: welcome\r\n\r\nHello\r\n",
		  "From: x@example.org\r\nSubject: welcome\r\n\r\nHello\r\n", 0 },
		/* no body, no blank line */
		{ "List-Unsubscribe: <mailto:x@y>\r\n",
		  "List-Unsubscribe: <https://l.example/u/unsubscribe/" TOK ">,\r\n"
		  " <mailto:cop+unsubscribe-" TOK "@example.org>\r\n"
		  "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", 1 },
		/* a field whose name only starts the same is not touched */
		{ "List-Unsubscribe-Foo: a\r\n\r\n", "List-Unsubscribe-Foo: a\r\n\r\n", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct listhead h = head("https://l.example/u");
		struct buf b;

		buf_init(&b, 1 << 16);
		cr_expect_eq(listhead_personalize(&b, cases[i].in, strlen(cases[i].in), &h, TOK),
		    cases[i].rc, "case %zu", i);
		cr_expect_str_eq(b.data, cases[i].want, "case %zu: got\n%s\nwant\n%s", i,
		    b.data, cases[i].want);
		buf_release(&b);
	}
}

Test(oneclick, path_token)
{
	static const struct {
		const char *path, *prefix;
		int ok;
	} cases[] = {
		{ "/cop/unsubscribe/" TOK, "/cop", 1 },
		{ "/unsubscribe/" TOK, "/cop", 1 },              /* proxy stripped /cop */
		{ "/unsubscribe/" TOK, "", 1 },
		{ "/cop/unsubscribe/" TOK "/", "/cop", 1 },      /* a trailing slash */
		{ "/cop/unsubscribe/0123456789ABCDEF0123456789ABCDEF", "/cop", 1 },
		{ "/cop/unsubscribe/" TOK "0", "/cop", 0 },      /* too long */
		{ "/cop/unsubscribe/0123456789abcdef", "/cop", 0 },
		{ "/cop/unsubscribe/" TOK "/x", "/cop", 0 },
		{ "/cop/unsubscribe/../../etc/passwd", "/cop", 0 },
		{ "/cop/unsubscribe/0123456789abcdef0123456789abcdeg", "/cop", 0 },
		{ "/other/unsubscribe/" TOK, "/cop", 0 },
		{ "/copunsubscribe/" TOK, "/cop", 0 },
		{ "/", "/cop", 0 },
		{ "", "", 0 },
		{ "/unsubscribe/", "", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[ONECLICK_TOKEN_LEN + 1] = "";

		cr_expect_eq(oneclick_path_token(cases[i].path, cases[i].prefix, out),
		    cases[i].ok, "%s under '%s': got %d", cases[i].path, cases[i].prefix, !cases[i].ok);
		if (cases[i].ok)
			cr_expect_str_eq(out, TOK, "%s: token %s", cases[i].path, out);
	}
}

Test(oneclick, body)
{
	static const struct {
		const char *body;
		int ok;
	} cases[] = {
		{ "List-Unsubscribe=One-Click", 1 },                 /* RFC 8058 §3.2 */
		{ "List-Unsubscribe=One-Click\r\n", 1 },
		{ "List-Unsubscribe=One%2DClick", 1 },               /* escaped */
		{ "a=b&List-Unsubscribe=One-Click&c=d", 1 },         /* among others */
		{ "List%2DUnsubscribe=One-Click", 1 },
		{ "List-Unsubscribe=One+Click", 0 },
		{ "List-Unsubscribe=one-click", 0 },
		{ "list-unsubscribe=One-Click", 0 },
		{ "List-Unsubscribe=One-Click2", 0 },
		{ "List-Unsubscribe", 0 },
		{ "", 0 },
		{ "=&=&&", 0 },
		{ "List-Unsubscribe=One-Click%", 0 },
		{ "List-Unsubscribe=One-Click%4", 0 },
		{ "List-Unsubscribe=%00One-Click", 0 },
		{ "{\"List-Unsubscribe\":\"One-Click\"}", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(oneclick_body_ok(cases[i].body, strlen(cases[i].body)), cases[i].ok,
		    "'%s': got %d, want %d", cases[i].body, !cases[i].ok, cases[i].ok);
}

Test(oneclick, multipart_body)
{
	static const struct {
		const char *ctype, *body;
		int ok;
	} cases[] = {
		/* RFC 8058 §3.2's example as printed (delimiters without "--") */
		{ "multipart/form-data; boundary=---FormBoundaryjWmhtjORrn",
		  "---FormBoundaryjWmhtjORrn\r\n"
		  "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		  "One-Click\r\n---FormBoundaryjWmhtjORrn--\r\n", 1 },
		/* as RFC 7578 writes it (curl, browsers) */
		{ "multipart/form-data; boundary=------------------------d74496d66958873e",
		  "--------------------------d74496d66958873e\r\n"
		  "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		  "One-Click\r\n--------------------------d74496d66958873e--\r\n", 1 },
		/* another field first, LF line ends, no final line end */
		{ "Multipart/Form-Data; boundary=b",
		  "--b\nContent-Disposition: form-data; name=\"x\"\n\nOne-Click\n"
		  "--b\ncontent-disposition: form-data; name=List-Unsubscribe\n\nOne-Click\n--b--", 1 },
		{ "multipart/form-data; boundary=b",
		  "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		  "One-Click", 1 },
		/* wrong value, wrong name, a file name that looks like it */
		{ "multipart/form-data; boundary=b",
		  "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		  "No\r\n--b--\r\n", 0 },
		{ "multipart/form-data; boundary=b",
		  "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe2\"\r\n\r\n"
		  "One-Click\r\n--b--\r\n", 0 },
		{ "multipart/form-data; boundary=b",
		  "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"List-Unsubscribe\"\r\n\r\n"
		  "One-Click\r\n--b--\r\n", 0 },
		{ "multipart/form-data; boundary=b",
		  "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		  "One-Click and more\r\n--b--\r\n", 0 },
		{ "multipart/form-data; boundary=b",
		  "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		  "One-Click\r\nanother line\r\n--b--\r\n", 0 },
		/* the urlencoded body under a multipart type is not a part */
		{ "multipart/form-data; boundary=b", "List-Unsubscribe=One-Click", 0 },
		/* the urlencoded form, with and without its type */
		{ "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", 1 },
		{ NULL, "List-Unsubscribe=One-Click", 1 },
		{ "text/plain", "nothing", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(oneclick_form_ok(cases[i].ctype, cases[i].body, strlen(cases[i].body)),
		    cases[i].ok, "case %zu: got %d, want %d", i, !cases[i].ok, cases[i].ok);
}

/* The token's life in the store (the unsub-token migration): spent when the member leaves
 * by any path, recognised as spent afterwards, a new one on return. */
Test(oneclick, token_life_in_the_store)
{
	char dir[256], path[300];
	struct store *s;
	struct member m;
	struct member_put p = { .email = "bob@example.net", .name = "Bob" };
	struct token t;
	char *old;
	int64_t id;

	tutil_scratch_dir(dir, sizeof(dir), "token-life");
	snprintf(path, sizeof(path), "%s/t.db", dir);
	s = tutil_store_new(path);
	cr_assert_eq(store_member_put(s, &p, &id), 1);
	cr_assert_eq(store_member_get(s, "bob@example.net", &m), 1);
	cr_assert_not_null(m.unsub_token, "a new member has a token");
	old = strdup(m.unsub_token);
	member_release(&m);

	/* leaving by an admin's remove spends it */
	cr_assert_eq(store_member_remove(s, "bob@example.net"), 1);
	cr_expect_eq(store_member_by_token(s, old, &m), 0, "the spent token still finds bob");
	cr_assert_eq(store_token_get(s, old, &t), 1, "the spent token is not kept");
	cr_expect_str_eq(t.kind, "one-click");
	cr_expect_neq(t.used, 0, "kept as used");
	cr_expect_eq(t.member, id);
	cr_expect_eq(store_token_use(s, old, "x@example.org", tutil_at("2030-01-01T00:00:00Z")),
	    0, "a spent token can be used again");

	/* back: a new token, and the old one stays spent */
	cr_assert_eq(store_member_put(s, &p, NULL), 0);
	cr_assert_eq(store_member_get(s, "bob@example.net", &m), 1);
	cr_expect_str_eq(m.status, "active");
	cr_assert_not_null(m.unsub_token, "a returning member has no token");
	cr_expect_str_neq(m.unsub_token, old, "the returning member got the old token");
	cr_expect_eq(strlen(m.unsub_token), ONECLICK_TOKEN_LEN);
	member_release(&m);
	cr_expect_eq(store_member_by_token(s, old, &m), 0);

	/* other status changes keep the token */
	cr_assert_eq(store_member_get(s, "bob@example.net", &m), 1);
	free(old);
	old = strdup(m.unsub_token);
	member_release(&m);
	cr_assert_eq(store_member_set_status(s, id, "bouncing"), 1);
	cr_assert_eq(store_member_set_status(s, id, "active"), 1);
	cr_assert_eq(store_member_by_token(s, old, &m), 1, "bouncing and back lost the token");
	member_release(&m);
	free(old);
	store_close(&s);
	tutil_rmtree(dir);
}
