/* SPDX-License-Identifier: GPL-3.0-or-later */
/* listaddr - the list's addresses, parsed and built in one place
 *
 * The rules are at the top of listaddr.h.  The parser and the builder
 * share the spelling of every tag (the table of words below) and the
 * checks on arguments, so what the builder writes the parser reads back
 * as the same kind and argument.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "listaddr.h"
#include "xalloc.h"

#define THEME_MAX 64            /* longest slug the builder writes */
#define POSTID_MAX 18           /* digits of a post number */

/* The fixed word of each kind's tag; a kind with an argument is written
 * WORD-ARG (THEME alone is the bare argument). */
static const char *const words[] = {
	[LISTADDR_POST] = NULL,
	[LISTADDR_THEME] = NULL,
	[LISTADDR_REQUEST] = "request",
	[LISTADDR_SUBSCRIBE] = "subscribe",
	[LISTADDR_UNSUBSCRIBE] = "unsubscribe",
	[LISTADDR_HELP] = "help",
	[LISTADDR_OWNER] = "owner",
	[LISTADDR_SUMMARY] = "summary",
	[LISTADDR_BOUNCES] = "bounces",
	[LISTADDR_CONFIRM] = "confirm",
	[LISTADDR_APPROVE] = "approve",
	[LISTADDR_REJECT] = "reject",
	[LISTADDR_ONECLICK] = "unsubscribe",
	[LISTADDR_REPLY] = "reply",
};

/* listaddr_word - see listaddr.h */
const char *
listaddr_word(enum listaddr_kind kind)
{
	return (unsigned)kind < sizeof(words) / sizeof(words[0]) ? words[kind] : NULL;
}

/* listaddr_init - see listaddr.h */
void
listaddr_init(struct listaddr *la, const char *local, const char *domain,
    const char *sep)
{
	la->local = local;
	la->locallen = local ? strlen(local) : 0;
	la->domain = domain;
	la->sep = sep && sep[0] ? sep[0] : '+';
}

/* listaddr_from_conf - see listaddr.h */
int
listaddr_from_conf(struct listaddr *la, const struct conf *c)
{
	const char *at;

	listaddr_init(la, NULL, NULL, c ? c->list.tag_separator : NULL);
	if (c == NULL)
		return -1;
	if (c->list.local && c->list.domain) {
		listaddr_init(la, c->list.local, c->list.domain, c->list.tag_separator);
		return 0;
	}
	/* A hand-made conf (tests) may give only the address: its local
	 * part is then the address up to the last '@'. */
	if (c->list.address == NULL || *c->list.address == '\0' ||
	    (at = strrchr(c->list.address, '@')) == NULL ||
	    at == c->list.address || at[1] == '\0')
		return -1;
	la->local = c->list.address;
	la->locallen = (size_t)(at - c->list.address);
	la->domain = at + 1;
	return 0;
}

/* ---- characters --------------------------------------------------------- */

static int
is_alnum_ascii(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

/* local_char - an atom character of a local part (RFC 5322 atext, ASCII) */
static int
local_char(unsigned char ch)
{
	return is_alnum_ascii(ch) ||
	    (ch != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", ch) != NULL);
}

/* domain_char - a character of a domain name */
static int
domain_char(unsigned char ch)
{
	return is_alnum_ascii(ch) || ch == '.' || ch == '-' || ch == '_';
}

/* ---- the arguments, one check each for parser and builder ---------------- */

static int
valid_token(const char *s, size_t n)
{
	if (n < LISTADDR_TOKEN_MIN || n > LISTADDR_TOKEN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum_ascii((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
valid_postid(const char *s, size_t n)
{
	if (n == 0 || n > POSTID_MAX || *s == '0')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* valid_bounce_arg - what may follow cop+bounces-: any run of local-part
 * characters (a signed ID-DD-MAC, an old VERP LOCAL=DOMAIN, a guess).
 * Whether it is worth anything is bounceaddr.h's question: every such
 * address is the bounce address, and counts for no one unless signed. */
static int
valid_bounce_arg(const char *s, size_t n)
{
	if (n == 0 || n > LISTADDR_ARG_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!local_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* signed_arg - what the builder writes after cop+bounces-: letters,
 * digits and '-' (bounceaddr_sign's alphabet) */
static int
signed_arg(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LISTADDR_ARG_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum_ascii((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* slug_syntax - what the builder accepts as a theme's slug */
static int
slug_syntax(const char *s, size_t n)
{
	if (n == 0 || n > THEME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum_ascii((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

/* theme_slug - the configured slug spelled as in the config, "general",
 * or NULL */
static const char *
theme_slug(const struct conf *c, const char *s, size_t n)
{
	if (n == strlen(CONF_GENERAL_THEME) &&
	    strncasecmp(s, CONF_GENERAL_THEME, n) == 0)
		return CONF_GENERAL_THEME;
	for (size_t i = 0; c && i < c->nthemes; i++) {
		const char *slug = c->themes[i].slug;

		if (slug && strlen(slug) == n && strncasecmp(slug, s, n) == 0)
			return slug;
	}
	return NULL;
}

/* ---- parsing ------------------------------------------------------------ */

/* listaddr_match - see listaddr.h */
int
listaddr_match(const struct conf *c, const char *addr, const char **tag,
    size_t *taglen)
{
	struct listaddr la;
	const char *at;
	size_t llen, alen;

	if (tag)
		*tag = NULL;
	if (taglen)
		*taglen = 0;
	if (addr == NULL || listaddr_from_conf(&la, c) < 0)
		return 0;
	llen = la.locallen;
	at = strrchr(addr, '@');
	if (at == NULL || strcasecmp(at + 1, la.domain) != 0)
		return 0;
	alen = (size_t)(at - addr);
	if (alen < llen || strncasecmp(addr, la.local, llen) != 0)
		return 0;
	if (alen == llen)
		return 1;
	if (addr[llen] != la.sep || alen == llen + 1)
		return 0;
	if (tag)
		*tag = addr + llen + 1;
	if (taglen)
		*taglen = alen - llen - 1;
	return 1;
}

/* word_is - tag[0..n) is word (case-insensitive) */
static int
word_is(const char *tag, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(tag, word, n) == 0;
}

/* prefix_rest - if tag[0..n) is "WORD-rest" (case-insensitive), 1 and
 * the rest */
static int
prefix_rest(const char *tag, size_t n, const char *word, const char **rest,
    size_t *restlen)
{
	size_t w = strlen(word);

	if (n <= w || strncasecmp(tag, word, w) != 0 || tag[w] != '-')
		return 0;
	*rest = tag + w + 1;
	*restlen = n - w - 1;
	return 1;
}

static void
set(struct listaddr_tag *out, enum listaddr_kind kind, const char *arg,
    size_t arglen, int in_tag)
{
	out->kind = kind;
	out->arg = arg;
	out->arglen = arg ? arglen : 0;
	out->arg_in_tag = arg ? in_tag : 0;
}

/* listaddr_parse_tag - see listaddr.h.  The order matters: the fixed
 * words, then the WORD-ARG forms, then the themes (so a slug can never
 * shadow an address of the list's own; conf.c reserves the words). */
void
listaddr_parse_tag(const struct conf *c, const char *tag, size_t n,
    struct listaddr_tag *out)
{
	static const enum listaddr_kind fixed[] = { LISTADDR_REQUEST,
	    LISTADDR_SUBSCRIBE, LISTADDR_UNSUBSCRIBE, LISTADDR_HELP,
	    LISTADDR_OWNER, LISTADDR_SUMMARY, LISTADDR_BOUNCES };
	static const enum listaddr_kind tokens[] = { LISTADDR_CONFIRM,
	    LISTADDR_APPROVE, LISTADDR_REJECT, LISTADDR_ONECLICK };
	const char *rest, *slug;
	size_t rlen;

	memset(out, 0, sizeof(*out));
	if (tag == NULL) {
		set(out, LISTADDR_POST, NULL, 0, 0);
		return;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (word_is(tag, n, words[fixed[i]])) {
			set(out, fixed[i], NULL, 0, 0);
			return;
		}
	if (prefix_rest(tag, n, "summary", &rest, &rlen)) {
		if ((slug = theme_slug(c, rest, rlen)) != NULL)
			set(out, LISTADDR_SUMMARY, slug, strlen(slug), 0);
		else
			set(out, LISTADDR_BAD_THEME, NULL, 0, 0);
		return;
	}
	if (prefix_rest(tag, n, "bounces", &rest, &rlen)) {
		if (valid_bounce_arg(rest, rlen))
			set(out, LISTADDR_BOUNCES, rest, rlen, 1);
		else
			set(out, LISTADDR_BAD_VERP, NULL, 0, 0);
		return;
	}
	if (prefix_rest(tag, n, "reply", &rest, &rlen)) {
		if (valid_postid(rest, rlen))
			set(out, LISTADDR_REPLY, rest, rlen, 1);
		else
			set(out, LISTADDR_BAD_POSTID, NULL, 0, 0);
		return;
	}
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		if (!prefix_rest(tag, n, words[tokens[i]], &rest, &rlen))
			continue;
		if (valid_token(rest, rlen))
			set(out, tokens[i], rest, rlen, 1);
		else
			set(out, LISTADDR_BAD_TOKEN, NULL, 0, 0);
		return;
	}
	if ((slug = theme_slug(c, tag, n)) != NULL) {
		set(out, LISTADDR_THEME, slug, strlen(slug), 0);
		return;
	}
	set(out, LISTADDR_UNKNOWN, NULL, 0, 0);
}

/* listaddr_parse - see listaddr.h */
int
listaddr_parse(const struct conf *c, const char *addr, struct listaddr_tag *out)
{
	const char *tag;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->kind = LISTADDR_UNKNOWN;
	if (!listaddr_match(c, addr, &tag, &n))
		return 0;
	listaddr_parse_tag(c, tag, n, out);
	return 1;
}

/* listaddr_scan - see listaddr.h.  8-bit bytes count as address
 * characters here (an internationalised address is still skipped whole);
 * the exact match that follows decides. */
int
listaddr_scan(const char **pp, char *out, size_t outlen)
{
	const char *p = *pp, *at, *s, *e;

	while ((at = strchr(p, '@')) != NULL) {
		s = at;
		while (s > p && (local_char((unsigned char)s[-1]) ||
		    (unsigned char)s[-1] >= 0x80))
			s--;
		e = at + 1;
		while (*e && (domain_char((unsigned char)*e) ||
		    (unsigned char)*e >= 0x80))
			e++;
		p = e > at + 1 ? e : at + 1;
		while (e > at + 1 && e[-1] == '.')
			e--;
		if (s == at || e == at + 1 || (size_t)(e - s) >= outlen)
			continue;
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
		*pp = p;
		return 1;
	}
	*pp = p + strlen(p);
	return 0;
}

/* ---- building ----------------------------------------------------------- */

/* arg_ok - does kind take arg, and is arg fit for it?  1 yes (arg may
 * then be NULL for an optional one), 0 no */
static int
arg_ok(enum listaddr_kind kind, const char *arg)
{
	switch (kind) {
	case LISTADDR_THEME:
		return arg && slug_syntax(arg, strlen(arg));
	case LISTADDR_SUMMARY:
		return arg == NULL || slug_syntax(arg, strlen(arg));
	case LISTADDR_BOUNCES:
		return arg == NULL || signed_arg(arg);
	case LISTADDR_CONFIRM:
	case LISTADDR_APPROVE:
	case LISTADDR_REJECT:
	case LISTADDR_ONECLICK:
		return arg && valid_token(arg, strlen(arg));
	case LISTADDR_REPLY:
		return arg && valid_postid(arg, strlen(arg));
	case LISTADDR_POST:
	case LISTADDR_REQUEST:
	case LISTADDR_SUBSCRIBE:
	case LISTADDR_UNSUBSCRIBE:
	case LISTADDR_HELP:
	case LISTADDR_OWNER:
		return 1;
	default:
		return 0;
	}
}

/* listaddr_put - see listaddr.h */
int
listaddr_put(struct buf *out, const struct listaddr *la,
    enum listaddr_kind kind, const char *arg)
{
	const char *word = listaddr_word(kind);
	size_t mark = out->len;
	int rc = 0;

	if (la == NULL || la->local == NULL || la->domain == NULL ||
	    !arg_ok(kind, arg))
		return -1;
	if (kind != LISTADDR_THEME && kind != LISTADDR_SUMMARY &&
	    kind != LISTADDR_BOUNCES && kind != LISTADDR_CONFIRM &&
	    kind != LISTADDR_APPROVE && kind != LISTADDR_REJECT &&
	    kind != LISTADDR_ONECLICK && kind != LISTADDR_REPLY)
		arg = NULL;
	rc |= buf_append(out, la->local, la->locallen);
	if (kind != LISTADDR_POST) {
		rc |= buf_putc(out, la->sep);
		if (word) {
			rc |= buf_puts(out, word);
			if (arg)
				rc |= buf_putc(out, '-');
		}
		if (arg) {
			rc |= buf_puts(out, arg);
		}
	}
	rc |= buf_putc(out, '@');
	rc |= buf_puts(out, la->domain);
	if (rc != 0) {
		buf_truncate(out, mark);
		return -1;
	}
	return 0;
}

/* listaddr_append - see listaddr.h */
int
listaddr_append(struct buf *out, const struct conf *c, enum listaddr_kind kind,
    const char *arg)
{
	struct listaddr la;

	if (listaddr_from_conf(&la, c) < 0 || listaddr_put(out, &la, kind, arg) < 0)
		return buf_fail(out);
	return 0;
}

/* listaddr_make - see listaddr.h */
char *
listaddr_make(const struct listaddr *la, enum listaddr_kind kind,
    const char *arg)
{
	struct buf b;

	/* an address is far below this cap; listaddr_put checks the parts */
	buf_init(&b, 4096);
	if (listaddr_put(&b, la, kind, arg) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* listaddr_tagged - see listaddr.h */
char *
listaddr_tagged(const struct conf *c, enum listaddr_kind kind, const char *arg)
{
	struct listaddr la;

	if (listaddr_from_conf(&la, c) < 0)
		return NULL;
	return listaddr_make(&la, kind, arg);
}

/* listaddr_list_id - see listaddr.h */
char *
listaddr_list_id(const struct listaddr *la)
{
	char *id;

	if (la->local == NULL || la->domain == NULL || la->locallen == 0)
		return NULL;
	id = xasprintf("%.*s.%s", (int)la->locallen, la->local, la->domain);
	for (char *q = id; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("!#$%&'*+-/=?^_`{|}~.", *q))
			*q = '-';
	return id;
}

/* listaddr_list_id_of - see listaddr.h */
char *
listaddr_list_id_of(const struct conf *c)
{
	struct listaddr la;

	if (listaddr_from_conf(&la, c) < 0)
		return NULL;
	return listaddr_list_id(&la);
}
