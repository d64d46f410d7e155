/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_bounceaddr - libFuzzer entry for the signed bounce address verifier
 *
 * Anyone can mail cop+bounces-ANYTHING@, so bounceaddr_verify() reads
 * hostile bytes.  Each input is taken apart as: 32 bytes of key, 4 bytes
 * of "today", the rest the argument.  What must hold:
 *  - verify never crashes, and says VALID or EXPIRED only with an id >= 1
 *    and an argument that bounceaddr_sign() writes for that id on some day
 *    (checked by signing again: the argument, lower-cased, must be one);
 *  - a signature made from the input's key, id and day verifies as VALID
 *    with that id from the day before to BOUNCEADDR_DAYS after, EXPIRED
 *    the day after that, and FORGED with any one character of its MAC
 *    changed or under another key.
 * Built and run by `make fuzz` (FUZZ_TARGETS); not part of `make check`.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounceaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEYLEN BOUNCEADDR_KEY_LEN

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char key[KEYLEN], other[KEYLEN];
	char arg[BOUNCEADDR_ARG_MAX], again[BOUNCEADDR_ARG_MAX];
	const char *rest;
	size_t restlen;
	uint32_t t = 0;
	long today;
	int64_t id = 0, id2;
	enum bounceaddr_verdict v;

	memset(key, 0, sizeof(key));
	memcpy(key, data, size < KEYLEN ? size : KEYLEN);
	if (size > KEYLEN)
		memcpy(&t, data + KEYLEN, size - KEYLEN < 4 ? size - KEYLEN : 4);
	today = (long)(t % 200000);          /* up to the year 2517 */
	rest = size > KEYLEN + 4 ? (const char *)data + KEYLEN + 4 : "";
	restlen = size > KEYLEN + 4 ? size - KEYLEN - 4 : 0;

	/* 1. hostile bytes */
	v = bounceaddr_verify(key, sizeof(key), rest, restlen, today, &id);
	if (v == BOUNCEADDR_VALID || v == BOUNCEADDR_EXPIRED) {
		int found = 0;

		if (id < 1 || restlen >= BOUNCEADDR_ARG_MAX)
			__builtin_trap();
		for (long d = today + 1; d >= 0 && d >= today - 1100 && !found; d--) {
			if (bounceaddr_sign(key, sizeof(key), id, d, again, sizeof(again)) < 0)
				__builtin_trap();
			if (strlen(again) == restlen) {
				size_t i;

				for (i = 0; i < restlen; i++)
					if (tolower((unsigned char)rest[i]) != again[i])
						break;
				found = i == restlen;
			}
		}
		if (!found)
			__builtin_trap();
	} else if (id != 0) {
		__builtin_trap();
	}
	(void)bounceaddr_verdict_name(v);

	/* 2. a real signature, from the input's numbers */
	id = (int64_t)(t % 1000000007u) + 1;
	if (bounceaddr_sign(key, sizeof(key), id, today, arg, sizeof(arg)) < 0)
		__builtin_trap();
	for (long d = today - 1; d <= today + BOUNCEADDR_DAYS + 1; d += 1 + (long)(t % 7)) {
		enum bounceaddr_verdict want = d - today > BOUNCEADDR_DAYS ?
		    BOUNCEADDR_EXPIRED : BOUNCEADDR_VALID;

		if (d < 0)
			continue;
		v = bounceaddr_verify(key, sizeof(key), arg, strlen(arg), d, &id2);
		if (v != want || id2 != id)
			__builtin_trap();
	}
	if (bounceaddr_verify(key, sizeof(key), arg, strlen(arg),
	    today + BOUNCEADDR_DAYS + 1, &id2) != BOUNCEADDR_EXPIRED)
		__builtin_trap();
	{
		size_t n = strlen(arg), i = n - 1 - (size_t)(t % 16);
		char *dash = strrchr(arg, '-');

		if (dash == NULL || arg + i <= dash)
			__builtin_trap();
		arg[i] = arg[i] == 'a' ? 'b' : 'a';
		if (bounceaddr_verify(key, sizeof(key), arg, n, today, &id2) != BOUNCEADDR_FORGED)
			__builtin_trap();
		arg[i] = arg[i] == 'a' ? 'b' : 'a';
	}
	memcpy(other, key, sizeof(other));
	other[t % KEYLEN] ^= 1;
	if (bounceaddr_verify(other, sizeof(other), arg, strlen(arg), today, &id2) !=
	    BOUNCEADDR_FORGED)
		__builtin_trap();
	return 0;
}
