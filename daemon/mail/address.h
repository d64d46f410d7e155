/* SPDX-License-Identifier: GPL-3.0-or-later */
/* address - e-mail addresses as baraza stores and compares them
 *
 * An address is stored normalised: surrounding whitespace and one pair of
 * angle brackets removed, the domain lower-cased (domains are
 * case-insensitive), the local part kept exactly as given (RFC 5321 lets a
 * server treat it case-sensitively, so baraza never rewrites it).  Two
 * addresses are the same member when they are equal ignoring ASCII case
 * (addr_equal), which is also how the members.email column compares
 * (COLLATE NOCASE).
 *
 * This is not a full RFC 5322 parser (addrlist.h reads address fields); it
 * checks a bare addr-spec typed by an administrator, found in a CSV file or
 * taken from a parsed header, and refuses anything that could not safely be
 * put into an SMTP envelope or a header: spaces, control characters, quotes,
 * brackets, commas, more or fewer than one '@'.
 */
#ifndef BARAZA_ADDRESS_H
#define BARAZA_ADDRESS_H

#include <stddef.h>

#define ADDR_MAX 254          /* RFC 5321 path limit, without the brackets */
#define ADDR_LOCAL_MAX 64
#define ADDR_DOMAIN_MAX 253

/* addr_normalize - check in and write its normalised form into out
 * (outlen >= ADDR_MAX + 1 always suffices).  0, or -1 with *why set to a
 * short static reason ("no '@'", "contains a space", ...) when why is not
 * NULL.  out may be the same buffer as in. */
int addr_normalize(const char *in, char *out, size_t outlen, const char **why);

/* addr_normalize_dup - addr_normalize into a fresh string (owned by the
 * caller), or NULL with *why set */
char *addr_normalize_dup(const char *in, const char **why);

/* addr_equal - 1 when a and b are the same address ignoring ASCII case */
int addr_equal(const char *a, const char *b);

/* addr_domain - the part after the last '@' of a normalised address
 * (borrowed from addr), or NULL when there is none */
const char *addr_domain(const char *addr);

/* addr_envelope_ok - 1 when a (a stored address) is safe in an SMTP
 * envelope: one '@' with text on both sides (the last '@' counts), at
 * most ADDR_MAX bytes, no spaces, controls or angle brackets */
int addr_envelope_ok(const char *a);

/* addr_find - the next thing shaped like local@domain.tld in the prose
 * [p, end) (a delivery report's text): a local part of atext (and 8-bit)
 * bytes, at most 64, a domain of letters, digits, dots and hyphens whose
 * last label is two or more letters.  Sets *start and *len (into p's
 * bytes) and returns the position after it, or NULL when none is left.
 * Nothing is checked beyond the shape: the caller decides what it means. */
const char *addr_find(const char *p, const char *end, const char **start,
    size_t *len);

#endif
