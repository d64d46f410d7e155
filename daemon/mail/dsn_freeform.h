/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dsn_freeform - the pieces dsn.c reads free-form reports with (internal)
 *
 * Delivery reports without an RFC 3464 part are prose: qmail's, old Exim's
 * and sendmail's, Postfix's without DSN, Yahoo's, AOL's, Exchange's and
 * GroupWise's, webmail providers' in Chinese, gateways that write the
 * recipient into a sentence.  dsn.c finds where the failed addresses are
 * (its anchor phrases); this module reads them there:
 *  - phrase matching that ignores case and runs of white space;
 *  - the addresses of a stretch of text, skipping those that are not a
 *    failed recipient: the mail system's own (postmaster@ ...), the
 *    report's own (its To/Cc, the returned message's sender), the list's
 *    own (cop@ and every cop+TAG@, seen from the bounce address the report
 *    was sent to), an address introduced as a contact ("write to",
 *    "contact", "helpdesk:" ...), and lines that name a message id;
 *  - X.400 and Exchange spellings of an address: "SMTP=user@example.com",
 *    "smtp:user@...", "RFC-822=user@..." give user@example.com.
 * Pure; strings are allocated from the caller's arena.
 */
#ifndef BARAZA_DSN_FREEFORM_H
#define BARAZA_DSN_FREEFORM_H

#include <stddef.h>

struct arena;

#define DSN_MAX_ADDRESSES 100
#define DSN_MAX_TEXT (64 * 1024)  /* bytes of human text scanned */
#define DSN_MAX_DSN (64 * 1024)   /* bytes of delivery-status scanned */
#define DSN_MAX_OWN 8             /* list addresses recognised per report */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A set of lower-cased addresses (arena strings), in insertion order. */
struct addrset {
	const char **v;
	size_t n, alloc;
	struct arena *a;
};

/* The list whose bounce address a report reached: LOCAL SEP bounces... @
 * DOMAIN gives LOCAL, SEP and DOMAIN; LOCAL@DOMAIN and LOCAL SEP *@DOMAIN
 * are the list's own addresses. */
struct dsnf_own {
	struct {
		const char *local, *domain;   /* borrowed */
		size_t llen, dlen;
		char sep;
	} v[DSN_MAX_OWN];
	size_t n;
};

/* What an address must not be to count as a failed recipient. */
struct dsnf_filter {
	const struct addrset *excl;   /* the report's own addresses, or NULL */
	const struct dsnf_own *own;   /* the list's own, or NULL */
};

int dsnf_lc(int ch);
/* dsnf_match_at - does phrase (lower-case; one space matches any run of
 * white space; "'" also matches U+2019) match at p?  Its length or 0. */
size_t dsnf_match_at(const char *p, const char *end, const char *phrase);
/* dsnf_find_phrase - the first occurrence of phrase in [p, end), or NULL */
const char *dsnf_find_phrase(const char *p, const char *end, const char *phrase);
/* dsnf_contains - does s (may be NULL) contain phrase? */
int dsnf_contains(const char *s, const char *phrase);
int dsnf_contains_any(const char *s, const char *const *list, size_t n);
int dsnf_region_has_any(const char *p, const char *end, const char *const *list,
    size_t n);

/* dsnf_addrset_add - add the lower-cased address if new (at most
 * DSN_MAX_ADDRESSES); 0, or -1 (arena full) */
int dsnf_addrset_add(struct addrset *set, const char *addr, size_t len);
int dsnf_addrset_has(const struct addrset *set, const char *addr, size_t len);
/* dsnf_admin_local - is the local part the mail system's (postmaster@)? */
int dsnf_admin_local(const char *addr, size_t len);

/* dsnf_own_add - learn the list from one address the report was sent to
 * (To, Delivered-To ...): only a bounce address LOCAL SEP "bounces" ...
 * teaches anything.  Borrows addr. */
void dsnf_own_add(struct dsnf_own *own, const char *addr);
/* dsnf_is_own - is addr[0..len) one of the list's own addresses? */
int dsnf_is_own(const struct dsnf_own *own, const char *addr, size_t len);

/* dsnf_collect_addresses - every address in [p, end) that the filter lets
 * through (see the top of this file) into set; 0, or -1 (arena full) */
int dsnf_collect_addresses(struct addrset *set, const struct dsnf_filter *f,
    const char *p, const char *end);

/* dsnf_one_line - a copy of [p, p+n) with control characters as spaces,
 * runs of white space collapsed and trimmed, at most 300 bytes and never
 * cut inside a UTF-8 sequence (arena); NULL when nothing is left */
const char *dsnf_one_line(struct arena *a, const char *p, size_t n);

#endif
