/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_listaddr - the cop+TAG@ scheme: every address parsed and built
 *
 * One table of addresses with what they must mean (kind and argument),
 * hostile forms among them (CR/LF, spaces, overlong tokens, other
 * separators, other domains, 8-bit bytes); the builder's output for every
 * kind, read back by the parser; the builder's refusals; the scanner over raw header values.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "listaddr.h"
#include "tutil.h"

static struct conf_theme themes[2];
static struct conf tconf;

/* test_conf - cop@example.org with sep ("+", "-" ...) and two themes */
static struct conf *
test_conf(const char *sep)
{
	memset(&tconf, 0, sizeof(tconf));
	memset(themes, 0, sizeof(themes));
	tutil_conf_list(&tconf);
	tconf.list.tag_separator = (char *)sep;
	themes[0].slug = "funding";
	themes[1].slug = "power-tool";
	tconf.themes = themes;
	tconf.nthemes = 2;
	return &tconf;
}

static const char *
kind_name(enum listaddr_kind k)
{
	static const char *const names[] = { "post", "theme", "request",
	    "subscribe", "unsubscribe", "help", "owner", "summary", "bounces",
	    "confirm", "approve", "reject", "oneclick", "reply", "unknown",
	    "bad-theme", "bad-verp", "bad-postid", "bad-token" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

#define TOK "0123456789abcdef0123456789abcdef"
#define T128 TOK TOK TOK TOK

struct pcase {
	const char *addr;
	int match;              /* 1: one of the list's (kind applies) */
	enum listaddr_kind kind;
	const char *arg;        /* want (NULL: none) */
};

static const struct pcase pcases[] = {
	{ "cop@example.org", 1, LISTADDR_POST, NULL },
	{ "COP@Example.ORG", 1, LISTADDR_POST, NULL },
	{ "cop+funding@example.org", 1, LISTADDR_THEME, "funding" },
	{ "cop+FUNDING@example.org", 1, LISTADDR_THEME, "funding" },
	{ "cop+Power-Tool@example.org", 1, LISTADDR_THEME, "power-tool" },
	{ "cop+general@example.org", 1, LISTADDR_THEME, "general" },
	{ "cop+request@example.org", 1, LISTADDR_REQUEST, NULL },
	{ "cop+Request@example.org", 1, LISTADDR_REQUEST, NULL },
	{ "cop+subscribe@example.org", 1, LISTADDR_SUBSCRIBE, NULL },
	{ "cop+unsubscribe@example.org", 1, LISTADDR_UNSUBSCRIBE, NULL },
	{ "cop+help@example.org", 1, LISTADDR_HELP, NULL },
	{ "cop+owner@example.org", 1, LISTADDR_OWNER, NULL },
	{ "cop+summary@example.org", 1, LISTADDR_SUMMARY, NULL },
	{ "cop+summary-funding@example.org", 1, LISTADDR_SUMMARY, "funding" },
	{ "cop+SUMMARY-Funding@example.org", 1, LISTADDR_SUMMARY, "funding" },
	{ "cop+summary-nosuch@example.org", 1, LISTADDR_BAD_THEME, NULL },
	{ "cop+summary-@example.org", 1, LISTADDR_BAD_THEME, NULL },
	{ "cop+bounces@example.org", 1, LISTADDR_BOUNCES, NULL },
	{ "cop+bounces-bob=example.net@example.org", 1, LISTADDR_BOUNCES, "bob=example.net" },
	{ "cop+bounces-a=b=example.net@example.org", 1, LISTADDR_BOUNCES, "a=b=example.net" },
	/* every cop+bounces-X@ is the bounce address (bounceaddr.h decides
	 * whether X is a signature of ours) */
	{ "cop+bounces-12-ab-k3m9x2q7w4n8p5r6@example.org", 1, LISTADDR_BOUNCES, "12-ab-k3m9x2q7w4n8p5r6" },
	{ "cop+bounces-bob@example.org", 1, LISTADDR_BOUNCES, "bob" },
	{ "cop+bounces-=example.net@example.org", 1, LISTADDR_BOUNCES, "=example.net" },
	{ "cop+bounces-bob=@example.org", 1, LISTADDR_BOUNCES, "bob=" },
	{ "cop+bounces-b\xc3\xb6" "b=example.net@example.org", 1, LISTADDR_BAD_VERP, NULL },
	{ "cop+bounces-bob=exa mple.net@example.org", 1, LISTADDR_BAD_VERP, NULL },
	{ "cop+confirm-" TOK "@example.org", 1, LISTADDR_CONFIRM, TOK },
	{ "cop+CONFIRM-ABCDEF0123@example.org", 1, LISTADDR_CONFIRM, "ABCDEF0123" },
	{ "cop+approve-" TOK "@example.org", 1, LISTADDR_APPROVE, TOK },
	{ "cop+reject-" TOK "@example.org", 1, LISTADDR_REJECT, TOK },
	{ "cop+unsubscribe-" TOK "@example.org", 1, LISTADDR_ONECLICK, TOK },
	{ "cop+confirm-" T128 "@example.org", 1, LISTADDR_CONFIRM, T128 },
	{ "cop+confirm-" T128 "0@example.org", 1, LISTADDR_BAD_TOKEN, NULL },
	{ "cop+confirm-1234567@example.org", 1, LISTADDR_BAD_TOKEN, NULL },
	{ "cop+confirm-12345678@example.org", 1, LISTADDR_CONFIRM, "12345678" },
	{ "cop+confirm-abc_defgh@example.org", 1, LISTADDR_BAD_TOKEN, NULL },
	{ "cop+approve-abcd\r\nefgh@example.org", 1, LISTADDR_BAD_TOKEN, NULL },
	{ "cop+unsubscribe-\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9@example.org", 1, LISTADDR_BAD_TOKEN, NULL },
	{ "cop+reply-42@example.org", 1, LISTADDR_REPLY, "42" },
	{ "cop+reply-123456789012345678@example.org", 1, LISTADDR_REPLY, "123456789012345678" },
	{ "cop+reply-1234567890123456789@example.org", 1, LISTADDR_BAD_POSTID, NULL },
	{ "cop+reply-042@example.org", 1, LISTADDR_BAD_POSTID, NULL },
	{ "cop+reply-4x@example.org", 1, LISTADDR_BAD_POSTID, NULL },
	{ "cop+reply-@example.org", 1, LISTADDR_BAD_POSTID, NULL },
	{ "cop+frobnicate@example.org", 1, LISTADDR_UNKNOWN, NULL },
	{ "cop+fund\r\ning@example.org", 1, LISTADDR_UNKNOWN, NULL },
	{ "cop+funding\n@example.org", 1, LISTADDR_UNKNOWN, NULL },
	{ "cop+request @example.org", 1, LISTADDR_UNKNOWN, NULL },
	{ "cop+confirm@example.org", 1, LISTADDR_UNKNOWN, NULL },
	{ "cop+x@y@example.org", 1, LISTADDR_UNKNOWN, NULL },
	/* not the list's */
	{ "cop+@example.org", 0, 0, NULL },
	{ "cop-request@example.org", 0, 0, NULL },
	{ "cop.request@example.org", 0, 0, NULL },
	{ "cop++request@example.org", 1, LISTADDR_UNKNOWN, NULL },
	{ "copy@example.org", 0, 0, NULL },
	{ "co@example.org", 0, 0, NULL },
	{ "cop@example.org.evil.net", 0, 0, NULL },
	{ "cop+request@evil.example.org", 0, 0, NULL },
	{ "cop+request@example.net", 0, 0, NULL },
	{ "cop@", 0, 0, NULL },
	{ "cop", 0, 0, NULL },
	{ "", 0, 0, NULL },
	{ "@example.org", 0, 0, NULL },
};

Test(listaddr, parse_table)
{
	struct conf *c = test_conf("+");

	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *pc = &pcases[i];
		struct listaddr_tag t;
		int got = listaddr_parse(c, pc->addr, &t);
		char arg[512];

		cr_expect_eq(got, pc->match, "%s: got match %d, want %d", pc->addr,
		    got, pc->match);
		if (got != 1 || !pc->match)
			continue;
		cr_expect_eq(t.kind, pc->kind, "%s: got kind %s, want %s", pc->addr,
		    kind_name(t.kind), kind_name(pc->kind));
		snprintf(arg, sizeof(arg), "%.*s", (int)t.arglen, t.arg ? t.arg : "");
		if (pc->arg == NULL)
			cr_expect_null(t.arg, "%s: got arg '%s', want none", pc->addr, arg);
		else
			cr_expect_str_eq(arg, pc->arg, "%s: got arg '%s', want '%s'",
			    pc->addr, arg, pc->arg);
	}
}

Test(listaddr, parse_null_and_unconfigured)
{
	struct conf empty;
	struct listaddr_tag t;

	memset(&empty, 0, sizeof(empty));
	cr_expect_eq(listaddr_parse(test_conf("+"), NULL, &t), 0);
	cr_expect_eq(listaddr_parse(&empty, "cop@example.org", &t), 0,
	    "a list without an address has no addresses");
	cr_expect_eq(listaddr_parse(NULL, "cop@example.org", &t), 0);
	listaddr_parse_tag(NULL, NULL, 0, &t);
	cr_expect_eq(t.kind, LISTADDR_POST, "no tag: the posting address");
}

Test(listaddr, address_only_conf)
{
	struct conf c;
	struct listaddr_tag t;
	char *s;

	memset(&c, 0, sizeof(c));
	c.list.address = "cop@example.org";
	cr_expect_eq(listaddr_parse(&c, "cop+help@example.org", &t), 1);
	cr_expect_eq(t.kind, LISTADDR_HELP);
	s = listaddr_tagged(&c, LISTADDR_REQUEST, NULL);
	cr_expect_str_eq(s, "cop+request@example.org", "got %s", s);
	free(s);
}

/* The separator is the configured one: '+' means nothing with '-' */
Test(listaddr, other_separator)
{
	struct conf *c = test_conf("-");
	struct listaddr_tag t;
	char *s;

	cr_expect_eq(listaddr_parse(c, "cop-request@example.org", &t), 1);
	cr_expect_eq(t.kind, LISTADDR_REQUEST, "got %s", kind_name(t.kind));
	cr_expect_eq(listaddr_parse(c, "cop-confirm-" TOK "@example.org", &t), 1);
	cr_expect_eq(t.kind, LISTADDR_CONFIRM, "got %s", kind_name(t.kind));
	cr_expect_eq(listaddr_parse(c, "cop+request@example.org", &t), 0,
	    "'+' is not the separator here");
	s = listaddr_tagged(c, LISTADDR_SUMMARY, "funding");
	cr_expect_str_eq(s, "cop-summary-funding@example.org", "got %s", s);
	free(s);
	/* an unset separator is '+' */
	s = listaddr_tagged(test_conf(NULL), LISTADDR_HELP, NULL);
	cr_expect_str_eq(s, "cop+help@example.org", "got %s", s);
	free(s);
}

struct bcase {
	enum listaddr_kind kind;
	const char *arg;
	const char *want;       /* NULL: refused */
};

static const struct bcase bcases[] = {
	{ LISTADDR_POST, NULL, "cop@example.org" },
	{ LISTADDR_POST, "ignored", "cop@example.org" },
	{ LISTADDR_THEME, "funding", "cop+funding@example.org" },
	{ LISTADDR_THEME, "general", "cop+general@example.org" },
	{ LISTADDR_REQUEST, NULL, "cop+request@example.org" },
	{ LISTADDR_SUBSCRIBE, NULL, "cop+subscribe@example.org" },
	{ LISTADDR_UNSUBSCRIBE, NULL, "cop+unsubscribe@example.org" },
	{ LISTADDR_HELP, NULL, "cop+help@example.org" },
	{ LISTADDR_OWNER, NULL, "cop+owner@example.org" },
	{ LISTADDR_SUMMARY, NULL, "cop+summary@example.org" },
	{ LISTADDR_SUMMARY, "power-tool", "cop+summary-power-tool@example.org" },
	{ LISTADDR_BOUNCES, NULL, "cop+bounces@example.org" },
	{ LISTADDR_BOUNCES, "12-ab-k3m9x2q7w4n8p5r6", "cop+bounces-12-ab-k3m9x2q7w4n8p5r6@example.org" },
	{ LISTADDR_CONFIRM, TOK, "cop+confirm-" TOK "@example.org" },
	{ LISTADDR_APPROVE, TOK, "cop+approve-" TOK "@example.org" },
	{ LISTADDR_REJECT, TOK, "cop+reject-" TOK "@example.org" },
	{ LISTADDR_ONECLICK, TOK, "cop+unsubscribe-" TOK "@example.org" },
	{ LISTADDR_REPLY, "42", "cop+reply-42@example.org" },
	/* refused: missing or unfit arguments, kinds that are no address */
	{ LISTADDR_THEME, NULL, NULL },
	{ LISTADDR_THEME, "", NULL },
	{ LISTADDR_THEME, "fund\r\nBcc: x@evil", NULL },
	{ LISTADDR_THEME, "a b", NULL },
	{ LISTADDR_SUMMARY, "x>y", NULL },
	{ LISTADDR_CONFIRM, NULL, NULL },
	{ LISTADDR_CONFIRM, "short", NULL },
	{ LISTADDR_CONFIRM, T128 "0", NULL },
	{ LISTADDR_CONFIRM, "abc\r\nBcc: evil@example.com", NULL },
	{ LISTADDR_ONECLICK, "0123456789abcdef-", NULL },
	{ LISTADDR_REPLY, "0", NULL },
	{ LISTADDR_REPLY, "-1", NULL },
	{ LISTADDR_REPLY, "12a", NULL },
	{ LISTADDR_BOUNCES, "bob@example.net", NULL },
	{ LISTADDR_BOUNCES, "a+b=c", NULL },
	{ LISTADDR_BOUNCES, "", NULL },
	{ LISTADDR_BOUNCES, "@example.net", NULL },
	{ LISTADDR_BOUNCES, "bob@", NULL },
	{ LISTADDR_BOUNCES, "bob smith@example.net", NULL },
	{ LISTADDR_BOUNCES, "\"bob\"@example.net", NULL },
	{ LISTADDR_BOUNCES, "bob@exa=mple.net", NULL },
	{ LISTADDR_BOUNCES, "b\xc3\xb6" "b@example.net", NULL },
	{ LISTADDR_BOUNCES, "bob@example.net\r\nRCPT TO:<x@y>", NULL },
	{ LISTADDR_UNKNOWN, NULL, NULL },
	{ LISTADDR_BAD_TOKEN, TOK, NULL },
	{ (enum listaddr_kind)99, NULL, NULL },
};

Test(listaddr, build_table_and_read_back)
{
	struct conf *c = test_conf("+");
	struct listaddr la;

	cr_assert_eq(listaddr_from_conf(&la, c), 0);
	for (size_t i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		const struct bcase *bc = &bcases[i];
		char *got = listaddr_make(&la, bc->kind, bc->arg);
		struct listaddr_tag t;

		if (bc->want == NULL) {
			cr_expect_null(got, "%s %s: got '%s', want it refused",
			    kind_name(bc->kind), bc->arg ? bc->arg : "-", got);
			free(got);
			continue;
		}
		cr_expect_str_eq(got ? got : "(null)", bc->want, "%s %s: got '%s', want '%s'",
		    kind_name(bc->kind), bc->arg ? bc->arg : "-", got, bc->want);
		/* what the builder writes, the parser reads back */
		cr_expect_eq(listaddr_parse(c, got, &t), 1, "%s: not the list's", got);
		cr_expect_eq(t.kind, bc->kind, "%s: read back as %s", got, kind_name(t.kind));
		free(got);
	}
}

Test(listaddr, put_appends_or_leaves_the_buffer_alone)
{
	struct listaddr la;
	struct buf b;

	listaddr_init(&la, "cop", "example.org", "+");
	buf_init(&b, 40);
	buf_puts(&b, "<mailto:");
	cr_expect_eq(listaddr_put(&b, &la, LISTADDR_HELP, NULL), 0);
	cr_expect_str_eq(b.data, "<mailto:cop+help@example.org");
	cr_expect_eq(listaddr_put(&b, &la, LISTADDR_CONFIRM, "x\r\ny"), -1);
	cr_expect_str_eq(b.data, "<mailto:cop+help@example.org", "a refusal appends nothing");
	cr_expect_eq(listaddr_put(&b, &la, LISTADDR_CONFIRM, TOK), -1, "past the cap");
	cr_expect_str_eq(b.data, "<mailto:cop+help@example.org", "nothing half-written: %s",
	    b.data);
	buf_release(&b);
	memset(&la, 0, sizeof(la));
	buf_init(&b, 1024);
	cr_expect_eq(listaddr_put(&b, &la, LISTADDR_HELP, NULL), -1, "no address");
	buf_release(&b);
}

/* Every kind with an argument: build, parse, and the same argument back */
Test(listaddr, round_trips)
{
	static const struct {
		enum listaddr_kind kind;
		const char *arg, *back;
	} rt[] = {
		{ LISTADDR_THEME, "power-tool", "power-tool" },
		{ LISTADDR_SUMMARY, "funding", "funding" },
		{ LISTADDR_CONFIRM, "AbC123xyZ", "AbC123xyZ" },
		{ LISTADDR_APPROVE, T128, T128 },
		{ LISTADDR_REJECT, "12345678", "12345678" },
		{ LISTADDR_ONECLICK, TOK, TOK },
		{ LISTADDR_REPLY, "123456789012345678", "123456789012345678" },
		{ LISTADDR_BOUNCES, "1234567-zz-abcdefghijklmnop", "1234567-zz-abcdefghijklmnop" },
	};
	const char *seps[] = { "+", "-", "=", "." };

	for (size_t s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
		struct conf *c = test_conf(seps[s]);

		for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
			char *a = listaddr_tagged(c, rt[i].kind, rt[i].arg), arg[512];
			struct listaddr_tag t;

			cr_assert_not_null(a, "%s: refused", rt[i].arg);
			cr_expect_eq(listaddr_parse(c, a, &t), 1, "%s: not the list's", a);
			cr_expect_eq(t.kind, rt[i].kind, "%s: got %s", a, kind_name(t.kind));
			snprintf(arg, sizeof(arg), "%.*s", (int)t.arglen, t.arg ? t.arg : "");
			cr_expect_str_eq(arg, rt[i].back, "%s: got arg %s, want %s", a, arg,
			    rt[i].back);
			free(a);
		}
	}
}

Test(listaddr, scan_header_values)
{
	static const struct {
		const char *value, *want;   /* want: found addresses, '|'-joined */
	} sc[] = {
		{ "cop@example.org", "cop@example.org" },
		{ "\"CoP\" <cop+funding@example.org>, bob@example.net",
		  "cop+funding@example.org|bob@example.net" },
		{ "from x by y with LMTP id 1 for <cop+risk@example.org>; Fri",
		  "cop+risk@example.org" },
		{ "no address here", "" },
		{ "@ @@ a@ @b", "" },
		{ "trailing dots cop@example.org.", "cop@example.org" },
		{ "cop@example.org\r\nBcc: x@evil", "cop@example.org|x@evil" },
	};

	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		const char *p = sc[i].value;
		char addr[LISTADDR_ADDR_MAX], got[1024] = "";

		while (listaddr_scan(&p, addr, sizeof(addr))) {
			if (got[0])
				strcat(got, "|");
			strcat(got, addr);
		}
		cr_expect_str_eq(got, sc[i].want, "'%s': got '%s', want '%s'",
		    sc[i].value, got, sc[i].want);
	}
	{
		/* an address longer than the buffer is skipped, not cut */
		char big[600], addr[64];
		const char *p = big;

		memset(big, 'a', sizeof(big));
		memcpy(big + 500, "@example.org", 13);
		cr_expect_eq(listaddr_scan(&p, addr, sizeof(addr)), 0);
	}
}

Test(listaddr, words)
{
	cr_expect_str_eq(listaddr_word(LISTADDR_ONECLICK), "unsubscribe");
	cr_expect_str_eq(listaddr_word(LISTADDR_UNSUBSCRIBE), "unsubscribe");
	cr_expect_str_eq(listaddr_word(LISTADDR_BOUNCES), "bounces");
	cr_expect_null(listaddr_word(LISTADDR_POST));
	cr_expect_null(listaddr_word(LISTADDR_THEME));
	cr_expect_null(listaddr_word(LISTADDR_BAD_TOKEN));
}

/* listaddr_append is for writers that check their buffer once: an address
 * it cannot write fails the buffer, as a cap does */
Test(listaddr, append_fails_the_buffer_on_a_refusal)
{
	struct conf *c = test_conf("+");
	struct buf b;

	buf_init(&b, 1024);
	cr_expect_eq(listaddr_append(&b, c, LISTADDR_THEME, "funding"), 0);
	cr_expect_str_eq(b.data, "cop+funding@example.org");
	cr_expect_eq(buf_failed(&b), 0);
	cr_expect_eq(listaddr_append(&b, c, LISTADDR_REPLY, "not-a-number"), -1);
	cr_expect_eq(buf_failed(&b), 1, "a refused address must fail the buffer");
	cr_expect_str_eq(b.data, "cop+funding@example.org", "nothing half-written");
	buf_release(&b);

	/* listaddr_put leaves the choice to its caller */
	{
		struct listaddr la;

		listaddr_from_conf(&la, c);
		buf_init(&b, 1024);
		cr_expect_eq(listaddr_put(&b, &la, LISTADDR_REPLY, "x"), -1);
		cr_expect_eq(buf_failed(&b), 0, "a refusal by listaddr_put is not a cap");
		buf_release(&b);
	}
}

/* The List-Id: LOCAL.DOMAIN as a dot-atom, the same for every writer and
 * for the check of our own List-Id on incoming mail */
Test(listaddr, list_id)
{
	static const struct {
		const char *local, *domain, *want;
	} t[] = {
		{ "cop", "example.org", "cop.example.org" },
		{ "shift.power", "lists.example.net", "shift.power.lists.example.net" },
		{ "cop_2020", "example.org", "cop_2020.example.org" },
		/* not a dot-atom character: written as '-' */
		{ "c\"p", "example.org", "c-p.example.org" },
		{ "c(o)p", "example.org", "c-o-p.example.org" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct listaddr la;
		char *id;

		listaddr_init(&la, t[i].local, t[i].domain, "+");
		id = listaddr_list_id(&la);
		cr_assert_not_null(id, "%s: no id", t[i].local);
		cr_expect_str_eq(id, t[i].want, "%s@%s: got %s, want %s", t[i].local,
		    t[i].domain, id, t[i].want);
		free(id);
	}
}
