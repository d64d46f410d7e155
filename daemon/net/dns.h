/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns - TXT look-ups with a bounded time (c-ares), and the reader of
 * their answers
 *
 * A struct dns is one c-ares channel: the resolver of [dns] server
 * (HOST:PORT), or the system's (/etc/resolv.conf).  dns_txt() asks one
 * name and waits at most the time it is given: each server is tried
 * twice, DNS_TRY_MS each, and the whole look-up is cancelled when the
 * deadline passes.  It answers in three ways, as a DMARC look-up needs
 * them: records found; none (NXDOMAIN, or the name exists without TXT);
 * failed (timeout, SERVFAIL, REFUSED, a malformed answer, no server).
 *
 * The answer's bytes come from the network: dns_parse_txt() reads them
 * under hard limits (it never follows a compression pointer beyond the
 * message, reads at most DNS_MAX_RECORDS records of DNS_MAX_TXT bytes)
 * and takes the TTL c-ares 1.18 does not report for TXT: the smallest of
 * the answer's records (a CNAME chain included) or, for a negative
 * answer, the SOA's (RFC 2308: min(SOA TTL, SOA MINIMUM)).  It has a fuzz
 * target (tests/fuzz/fuzz_dns.c).
 *
 * One struct dns serves one thread at a time.
 */
#ifndef BARAZA_DNS_H
#define BARAZA_DNS_H

#include <stddef.h>

#include "buf.h"

#define DNS_MAX_RECORDS 32
#define DNS_MAX_TXT 4096         /* bytes of one TXT record (its strings joined) */
#define DNS_TRY_MS 2000          /* one try at one server */
#define DNS_TIMEOUT_MS 5000      /* the default bound of a whole look-up */

enum dns_status {
	DNS_ANSWER,               /* records found */
	DNS_NONE,                 /* NXDOMAIN, or no TXT at the name */
	DNS_FAILED,               /* no usable answer */
};

struct dns_result {
	enum dns_status status;
	struct buf txt;           /* DNS_ANSWER: the records, each its strings
	                           * joined, one a line ('\n' after each);
	                           * control characters become spaces */
	size_t nrecords;
	long ttl;                 /* seconds; -1 when the answer has none
	                           * (a negative answer without SOA, a failure) */
	char why[160];            /* DNS_FAILED: what went wrong; else "" */
};

/* dns_result_init / dns_result_release - an embedded result */
void dns_result_init(struct dns_result *r);
void dns_result_release(struct dns_result *r);

/* dns_parse_txt - read the reply to a TXT query (the whole DNS message,
 * len bytes) into r (initialised; its txt is emptied first).  0, or -1
 * when the message is malformed (r->status DNS_FAILED). */
int dns_parse_txt(const unsigned char *msg, size_t len, struct dns_result *r);

struct dns;

/* dns_new - a resolver: server "HOST:PORT" (an IP address; IPv6 in
 * brackets), or NULL for the system's.  Owned (dns_free); NULL with a
 * reason in err when c-ares cannot start or takes no such server. */
struct dns *dns_new(const char *server, char *err, size_t errlen);
/* dns_free - release; *dp = NULL */
void dns_free(struct dns **dp);

/* dns_txt - ask name (no trailing dot) for TXT records, waiting at most
 * timeout_ms milliseconds; fills r (initialised by the caller) and
 * returns r->status */
enum dns_status dns_txt(struct dns *d, const char *name, long timeout_ms,
    struct dns_result *r);

#endif
