/* SPDX-License-Identifier: GPL-3.0-or-later */
/* listaddr - the list's addresses: cop@ and every cop+TAG@, parsed and built
 *
 * The list has one posting address, LOCAL@DOMAIN (list.address), and a
 * family of tagged forms LOCAL SEP TAG @DOMAIN, SEP being list.tag_separator
 * ('+' unless configured).  This module is the only place that knows how a
 * tag is spelled: route.c asks it what an address means, and every writer
 * of a notice, a footer, a header, a digest, an archive page or an envelope
 * sender asks it to write one.
 *
 *   cop@                       LISTADDR_POST      a post
 *   cop+THEME@                 LISTADDR_THEME     a post in that theme
 *   cop+request@               LISTADDR_REQUEST   commands
 *   cop+subscribe@ cop+unsubscribe@ cop+help@     command shortcuts
 *   cop+owner@                 LISTADDR_OWNER     to the facilitators
 *   cop+summary@ cop+summary-THEME@               LISTADDR_SUMMARY
 *   cop+bounces@ cop+bounces-ARG@                 LISTADDR_BOUNCES (ARG signed: bounceaddr.h)
 *   cop+confirm-TOKEN@ cop+approve-TOKEN@ cop+reject-TOKEN@
 *   cop+unsubscribe-TOKEN@     LISTADDR_ONECLICK  one-click unsubscribe
 *   cop+reply-POSTID@          LISTADDR_REPLY     a reply from a digest
 *
 * Parsing.  The local part and the domain compare case-insensitively, and
 * so do the tag words; the separator is compared as configured.  A TOKEN
 * is 8 to 128 ASCII letters and digits (MTAs may fold its case: compare
 * tokens case-insensitively), a POSTID 1 to 18 digits without a leading
 * zero, a THEME a configured slug or "general" (any case; the result is
 * the configured spelling), the ARG of bounces-ARG any run of local-part
 * characters (whether it is a valid signature is bounceaddr.h's question:
 * every such address is the bounce address).  Anything else after the separator is an
 * unknown address, reported with the reason it is not one of these, never
 * guessed at.  Hostile bytes (CR, LF, spaces, 8-bit) never make a valid
 * tag.  The parser puts no length limit on an address beyond its
 * caller's (route.c looks at addresses of up to LISTADDR_ADDR_MAX bytes).
 *
 * Building.  The builder refuses (-1, NULL) an argument that does not
 * belong in an address -- control characters, spaces, '@', angle
 * brackets, quotes, commas -- or that is longer than LISTADDR_ARG_MAX, so
 * no input can reach a header through it (a bounces ARG may hold only
 * letters, digits and '-').  It appends with buf_puts, without format passes: it runs once per copy of a
 * personalised delivery.
 */
#ifndef BARAZA_LISTADDR_H
#define BARAZA_LISTADDR_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"

/* Longest and shortest TOKEN in cop+confirm-TOKEN@ and the like */
#define LISTADDR_TOKEN_MAX 128
#define LISTADDR_TOKEN_MIN 8
/* Longest argument the parser and the builder take */
#define LISTADDR_ARG_MAX 320
/* Longest address listaddr_scan() finds, with its NUL */
#define LISTADDR_ADDR_MAX 320

enum listaddr_kind {
	LISTADDR_POST,          /* cop@ (no tag) */
	LISTADDR_THEME,         /* cop+THEME@: arg the slug */
	LISTADDR_REQUEST,       /* cop+request@ */
	LISTADDR_SUBSCRIBE,     /* cop+subscribe@ */
	LISTADDR_UNSUBSCRIBE,   /* cop+unsubscribe@ (asks for confirmation) */
	LISTADDR_HELP,          /* cop+help@ */
	LISTADDR_OWNER,         /* cop+owner@ */
	LISTADDR_SUMMARY,       /* cop+summary@, or cop+summary-THEME@ with arg */
	LISTADDR_BOUNCES,       /* cop+bounces@, or cop+bounces-ARG@ with arg */
	LISTADDR_CONFIRM,       /* cop+confirm-TOKEN@ */
	LISTADDR_APPROVE,       /* cop+approve-TOKEN@ */
	LISTADDR_REJECT,        /* cop+reject-TOKEN@ */
	LISTADDR_ONECLICK,      /* cop+unsubscribe-TOKEN@ */
	LISTADDR_REPLY,         /* cop+reply-POSTID@ */
	/* what the parser says of a tag that is none of the above */
	LISTADDR_UNKNOWN,       /* no such tag */
	LISTADDR_BAD_THEME,     /* summary-THEME for no theme */
	LISTADDR_BAD_VERP,      /* bounces-X with bytes no local part has */
	LISTADDR_BAD_POSTID,    /* reply-X that is not a post number */
	LISTADDR_BAD_TOKEN      /* confirm-X, approve-X, reject-X,
	                         * unsubscribe-X with a malformed token */
};

/* The list's address taken apart (strings borrowed); fill it with
 * listaddr_from_conf() or listaddr_init() */
struct listaddr {
	const char *local;      /* "cop" ... */
	size_t locallen;        /* ... its first locallen bytes */
	const char *domain;     /* "example.org" */
	char sep;               /* '+' */
};

/* What a tag means */
struct listaddr_tag {
	enum listaddr_kind kind;
	/* THEME: the configured slug (or "general"); SUMMARY: the slug or
	 * NULL; BOUNCES: the ARG or NULL; CONFIRM, APPROVE, REJECT,
	 * ONECLICK: the TOKEN as written; REPLY: the digits; else NULL.  A
	 * slug is borrowed from the conf (or static); the others point into
	 * the parsed tag and are not NUL-terminated there: use arglen. */
	const char *arg;
	size_t arglen;
	int arg_in_tag;         /* 1: arg points into the parsed tag */
};

/* listaddr_init - la for local@domain with separator sep (a string whose
 * first character counts; NULL or "" for '+'); strings borrowed */
void listaddr_init(struct listaddr *la, const char *local, const char *domain,
    const char *sep);

/* listaddr_from_conf - la for c's list address (c's strings borrowed):
 * list.local and list.domain, or list.address split at its last '@';
 * the separator defaults to '+'.  0, or -1 when c has no usable address
 * (la then builds nothing). */
int listaddr_from_conf(struct listaddr *la, const struct conf *c);

/* ---- parsing ------------------------------------------------------------ */

/* listaddr_match - is addr ("local@domain", no angle brackets) the list
 * address or a tagged form of it?  1 and *tag (into addr, not
 * NUL-terminated) and *taglen -- NULL and 0 for the bare address; tag and
 * taglen may be NULL -- or 0.  An empty tag ("cop+@") is no match. */
int listaddr_match(const struct conf *c, const char *addr, const char **tag,
    size_t *taglen);

/* listaddr_parse_tag - what cop+TAG@ means: tag[0..taglen) (tag NULL: the
 * bare address) into *out, always filled.  c gives the themes. */
void listaddr_parse_tag(const struct conf *c, const char *tag, size_t taglen,
    struct listaddr_tag *out);

/* listaddr_parse - listaddr_match() then listaddr_parse_tag(): 1 and *out
 * when addr is one of the list's (its kind may still be LISTADDR_UNKNOWN
 * or a LISTADDR_BAD_ one), 0 when it is not the list's at all. */
int listaddr_parse(const struct conf *c, const char *addr,
    struct listaddr_tag *out);

/* listaddr_scan - the next thing shaped like local@domain in a raw header
 * value from *pp on, whatever surrounds it (angle brackets, commas,
 * display names, "for <x>;"): copied into out (outlen bytes, e.g.
 * LISTADDR_ADDR_MAX) and 1, *pp advanced past it; 0 at the end.
 * Deliberately lenient: it only has to find the list's address among
 * whatever is there, and what it finds is then matched exactly. */
int listaddr_scan(const char **pp, char *out, size_t outlen);

/* ---- building ----------------------------------------------------------- */

/* listaddr_word - the fixed word of a kind's tag: "request", "summary",
 * "bounces", "confirm", "unsubscribe" (LISTADDR_UNSUBSCRIBE and
 * LISTADDR_ONECLICK), "reply", ...; NULL for POST, THEME and the parse
 * results that are no address. */
const char *listaddr_word(enum listaddr_kind kind);

/* listaddr_put - append the address of kind with arg to out.  arg: THEME
 * the slug (required); SUMMARY a slug or NULL; BOUNCES a signed
 * argument (bounceaddr_sign: letters, digits, '-') or NULL; CONFIRM,
 * APPROVE, REJECT, ONECLICK the token and REPLY the post number
 * (required); ignored for the others.  0, or -1 when arg is missing or
 * unfit (see the top of this file), kind is no address, la has no
 * address, or out's cap is reached; out's content is then as it was, and
 * out is failed (buf.h) only when the cap was reached, so a caller may
 * fall back to another address. */
int listaddr_put(struct buf *out, const struct listaddr *la,
    enum listaddr_kind kind, const char *arg);

/* listaddr_append - listaddr_put() for c's list, for writers of pages and
 * mails that check their buffer once at the end: an address it cannot
 * write fails out (buf_fail) as a cap would.  0 or -1. */
int listaddr_append(struct buf *out, const struct conf *c,
    enum listaddr_kind kind, const char *arg);

/* listaddr_make - listaddr_put() into a fresh string (owned), or NULL */
char *listaddr_make(const struct listaddr *la, enum listaddr_kind kind,
    const char *arg);

/* listaddr_tagged - listaddr_make() for c's list (owned), or NULL when
 * arg is unfit or c has no address; never NULL for a kind that takes no
 * argument when c has an address */
char *listaddr_tagged(const struct conf *c, enum listaddr_kind kind,
    const char *arg);

/* listaddr_list_id - the list's RFC 2919 identifier "LOCAL.DOMAIN" (the
 * angle-bracket part of List-Id), a dot-atom: a character of the local
 * part that may not stand in one becomes '-'.  Owned; NULL when la has no
 * address.  Every List-Id baraza writes, and the check for its own List-Id
 * on incoming mail, use this one form. */
char *listaddr_list_id(const struct listaddr *la);
/* listaddr_list_id_of - listaddr_list_id() for c's list (owned), or NULL */
char *listaddr_list_id_of(const struct conf *c);

#endif
