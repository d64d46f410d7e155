/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_token - single-use tokens for confirmations (cop+confirm-TOKEN@)
 *
 * A token is 128 random bits as 32 hex digits.  It is created with a kind
 * ("confirm-subscribe", "confirm-unsubscribe", "confirm-summary"), the
 * address it was sent to, and a reference (a member or message row) plus
 * free-form data; it expires; using it is atomic and once only.
 */
#ifndef BARAZA_STORE_TOKEN_H
#define BARAZA_STORE_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define TOKEN_HEX 32

struct token {
	char token[TOKEN_HEX + 1];
	char kind[32];
	char address[320];
	int64_t member, ref;
	char data[256];
	time_t created, expires, used;
	char used_by[320];
};

/* store_token_new - create a token; its text into out (TOKEN_HEX + 1). 0/-1 */
int store_token_new(struct store *s, const char *kind, const char *address,
    int64_t member, int64_t ref, const char *data, time_t now, time_t ttl,
    char *out);
/* store_token_get - 1 and *t, 0 unknown, -1 error */
int store_token_get(struct store *s, const char *token, struct token *t);
/* store_token_use - mark used by used_by at now when unused and unexpired:
 * 1 this call used it, 0 it was already used or has expired, -1 error */
int store_token_use(struct store *s, const char *token, const char *used_by,
    time_t now);

/* store_request_count - messages of this route from sender that arrived
 * at or after since (rate limits on command mail); -1 on error */
long store_request_count(struct store *s, const char *sender, const char *route,
    time_t since);

#endif
