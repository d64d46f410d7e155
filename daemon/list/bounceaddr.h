/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bounceaddr - signed bounce addresses (the envelope sender of list mail)
 *
 * Every SMTP transaction baraza opens carries the envelope sender
 *
 *     cop+bounces-ID-DD-MAC@example.org
 *
 * ID   the transaction: the outbox_rcpt.id of its first recipient row
 *      (with personalize = yes every recipient is a transaction of its
 *      own, so ID names exactly one recipient), decimal, no leading zero;
 * DD   the day it was signed (days since 1970-01-01 UTC) modulo 1024, as
 *      two base32 characters;
 * MAC  the first 80 bits of HMAC-SHA256(key, "baraza-bounce:ID:DAY") as 16
 *      base32 characters, DAY being the full day number.
 *
 * The key is 32 random bytes made once per database (store_bounce_key).
 * The base32 alphabet is a-z and 2-7: MTAs may fold the case of a local
 * part, so the verifier accepts either case.  An address older than
 * BOUNCEADDR_DAYS days (or dated in the future) has expired: BATV's
 * prvs= and SRS do the same, so that an address harvested from an old
 * Return-Path is worth nothing after a while.  The local part stays under
 * 64 octets (RFC 5321) for any list local part of up to 20 characters.
 *
 * Pure: no database, no clock; the caller gives the key and "today".
 */
#ifndef BARAZA_BOUNCEADDR_H
#define BARAZA_BOUNCEADDR_H

#include <stddef.h>
#include <stdint.h>

#define BOUNCEADDR_KEY_LEN 32
/* How many days a signed address is honoured after the day it was made.
 * Delivery reports come within minutes or, from an MTA that retried, after
 * up to five days (Postfix's and sendmail's queue lifetime); a daemon that
 * was stopped may read its mailbox weeks late. */
#define BOUNCEADDR_DAYS 30
/* Longest signed argument, with its NUL: 18 digits, 2, 16 and 2 dashes */
#define BOUNCEADDR_ARG_MAX 40

enum bounceaddr_verdict {
	BOUNCEADDR_VALID,       /* signed by us, in date: *id is the transaction */
	BOUNCEADDR_MALFORMED,   /* not of the form ID-DD-MAC at all (an old
	                         * VERP address cop+bounces-LOCAL=DOMAIN@, a
	                         * guess) */
	BOUNCEADDR_FORGED,      /* the form, but the MAC is not ours */
	BOUNCEADDR_EXPIRED      /* ours, but older than BOUNCEADDR_DAYS */
};

/* bounceaddr_sign - the argument "ID-DD-MAC" for transaction id (>= 1)
 * signed on day into out (outlen >= BOUNCEADDR_ARG_MAX).  0, or -1 when
 * id < 1 or out is too small. */
int bounceaddr_sign(const unsigned char *key, size_t keylen, int64_t id,
    long day, char *out, size_t outlen);

/* bounceaddr_verify - what the argument arg[0..len) of cop+bounces-ARG@
 * is worth on day today; *id is set (the transaction) for VALID and
 * EXPIRED, else 0.  Any bytes at all may be given. */
enum bounceaddr_verdict bounceaddr_verify(const unsigned char *key,
    size_t keylen, const char *arg, size_t len, long today, int64_t *id);

/* bounceaddr_verdict_name - "valid", "malformed", "forged", "expired" */
const char *bounceaddr_verdict_name(enum bounceaddr_verdict v);

#endif
