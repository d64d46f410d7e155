/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bounceaddr - signed bounce addresses (see bounceaddr.h)
 *
 * The verifier reads hostile bytes (anyone may write to any
 * cop+bounces-...@), so it checks the shape byte by byte before it
 * computes anything, compares the MAC in constant time, and says which of
 * malformed, forged or expired an address is, for the log.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "bounceaddr.h"

#define ID_DIGITS_MAX 18
#define DAY_CHARS 2              /* 10 bits: day modulo 1024 */
#define DAY_MOD 1024
#define MAC_BYTES 10             /* 80 bits ... */
#define MAC_CHARS 16             /* ... in base32 */

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* b32_value - the value of one base32 character (either case), or -1 */
static int
b32_value(unsigned char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a';
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= '2' && ch <= '7')
		return ch - '2' + 26;
	return -1;
}

/* mac_chars - the MAC of (id, day) as MAC_CHARS base32 characters plus NUL
 * into out; 0, or -1 when the HMAC cannot be computed */
static int
mac_chars(const unsigned char *key, size_t keylen, int64_t id, long day,
    char out[MAC_CHARS + 1])
{
	unsigned char d[32];
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "baraza-bounce:%lld:%ld", (long long)id, day);
	unsigned acc = 0;
	int bits = 0;
	size_t k = 0;

	if (n < 0 || (size_t)n >= sizeof(msg) ||
	    gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, msg, (size_t)n, d) < 0)
		return -1;
	/* 80 bits, 5 at a time, most significant first */
	for (size_t i = 0; i < MAC_BYTES; i++) {
		acc = (acc << 8) | d[i];
		bits += 8;
		while (bits >= 5) {
			out[k++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[k] = '\0';
	return 0;
}

/* bounceaddr_sign - see bounceaddr.h */
int
bounceaddr_sign(const unsigned char *key, size_t keylen, int64_t id, long day,
    char *out, size_t outlen)
{
	char mac[MAC_CHARS + 1];
	long dd;
	int n;

	if (id < 1 || day < 0 || outlen < BOUNCEADDR_ARG_MAX ||
	    mac_chars(key, keylen, id, day, mac) < 0)
		return -1;
	dd = day % DAY_MOD;
	n = snprintf(out, outlen, "%lld-%c%c-%s", (long long)id, b32[dd >> 5],
	    b32[dd & 31], mac);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* bounceaddr_verify - see bounceaddr.h */
enum bounceaddr_verdict
bounceaddr_verify(const unsigned char *key, size_t keylen, const char *arg,
    size_t len, long today, int64_t *id)
{
	char mac[MAC_CHARS + 1];
	const char *p = arg, *end = arg + len;
	int64_t v = 0;
	long dd, day;
	size_t nd = 0;
	int hi, lo;
	unsigned diff = 0;

	*id = 0;
	if (arg == NULL)
		return BOUNCEADDR_MALFORMED;
	/* ID */
	while (p < end && *p >= '0' && *p <= '9' && nd <= ID_DIGITS_MAX) {
		if (nd < ID_DIGITS_MAX)      /* 18 digits fit in 63 bits */
			v = v * 10 + (*p - '0');
		p++;
		nd++;
	}
	if (nd == 0 || nd > ID_DIGITS_MAX || *arg == '0' || p >= end || *p != '-')
		return BOUNCEADDR_MALFORMED;
	p++;
	/* DD */
	if (end - p < DAY_CHARS + 1 + MAC_CHARS || end - p != DAY_CHARS + 1 + MAC_CHARS)
		return BOUNCEADDR_MALFORMED;
	hi = b32_value((unsigned char)p[0]);
	lo = b32_value((unsigned char)p[1]);
	if (hi < 0 || lo < 0 || p[2] != '-')
		return BOUNCEADDR_MALFORMED;
	p += 3;
	for (size_t i = 0; i < MAC_CHARS; i++)
		if (b32_value((unsigned char)p[i]) < 0)
			return BOUNCEADDR_MALFORMED;
	/* the day: the latest one not after tomorrow (a clock a little
	 * ahead of ours) with this remainder */
	dd = (long)hi * 32 + lo;
	if (today < 0)
		return BOUNCEADDR_MALFORMED;
	day = (today + 1) - (((today + 1) % DAY_MOD) - dd + DAY_MOD) % DAY_MOD;
	if (day < 0 || mac_chars(key, keylen, v, day, mac) < 0)
		return BOUNCEADDR_FORGED;
	for (size_t i = 0; i < MAC_CHARS; i++) {
		char ch = p[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		diff |= (unsigned)(unsigned char)(ch ^ mac[i]);
	}
	if (diff != 0)
		return BOUNCEADDR_FORGED;
	*id = v;
	if (today - day > BOUNCEADDR_DAYS)
		return BOUNCEADDR_EXPIRED;
	return BOUNCEADDR_VALID;
}

/* bounceaddr_verdict_name - see bounceaddr.h */
const char *
bounceaddr_verdict_name(enum bounceaddr_verdict v)
{
	switch (v) {
	case BOUNCEADDR_VALID:
		return "valid";
	case BOUNCEADDR_MALFORMED:
		return "malformed";
	case BOUNCEADDR_FORGED:
		return "forged";
	case BOUNCEADDR_EXPIRED:
		return "expired";
	}
	return "malformed";
}
