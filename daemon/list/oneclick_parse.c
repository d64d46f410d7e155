/* SPDX-License-Identifier: GPL-3.0-or-later */
/* oneclick_parse - what baraza web reads from a request: the token of a
 * path and the one-click field of a form body (see oneclick.h).  Pure
 * functions over hostile bytes, kept apart so that the fuzzer
 * (tests/fuzz/fuzz_oneclick.c) links them alone. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "listhead.h"
#include "oneclick.h"

/* oneclick_path_token - see oneclick.h */
int
oneclick_path_token(const char *path, const char *prefix, char *out)
{
	static const char word[] = LISTHEAD_WEB_PATH;   /* "/unsubscribe/" */
	size_t plen = prefix ? strlen(prefix) : 0, n;
	const char *t;

	if (path == NULL)
		return 0;
	if (plen > 0 && strncmp(path, prefix, plen) == 0 &&
	    strncmp(path + plen, word, sizeof(word) - 1) == 0)
		t = path + plen + sizeof(word) - 1;
	else if (strncmp(path, word, sizeof(word) - 1) == 0)
		t = path + sizeof(word) - 1;
	else
		return 0;
	for (n = 0; n < ONECLICK_TOKEN_LEN; n++) {
		if (!isxdigit((unsigned char)t[n]))
			return 0;
		out[n] = (char)tolower((unsigned char)t[n]);
	}
	out[n] = '\0';
	t += n;
	if (*t == '/')
		t++;
	return *t == '\0';
}

/* form_decode - one form component t[0..n) decoded ('+' a space, %XX)
 * into out (outlen); 0, or -1 when it is malformed or too long */
static int
form_decode(const char *t, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)t[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			char hex[3];

			if (i + 2 >= n ||
			    !isxdigit((unsigned char)t[i + 1]) || !isxdigit((unsigned char)t[i + 2]))
				return -1;
			hex[0] = t[i + 1];
			hex[1] = t[i + 2];
			hex[2] = '\0';
			c = (int)strtol(hex, NULL, 16);
			i += 2;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* oneclick_body_ok - see oneclick.h */
int
oneclick_body_ok(const char *body, size_t len)
{
	size_t i = 0;

	/* some senders end the body with a line end */
	while (len > 0 && (body[len - 1] == '\r' || body[len - 1] == '\n'))
		len--;
	while (i <= len) {
		const char *pair = body + i, *amp = memchr(pair, '&', len - i), *eq;
		size_t plen = amp ? (size_t)(amp - pair) : len - i;
		char name[32], value[32];

		eq = memchr(pair, '=', plen);
		if (eq != NULL &&
		    form_decode(pair, (size_t)(eq - pair), name, sizeof(name)) == 0 &&
		    form_decode(eq + 1, plen - (size_t)(eq - pair) - 1, value,
		    sizeof(value)) == 0 &&
		    strcmp(name, ONECLICK_FIELD) == 0 && strcmp(value, ONECLICK_VALUE) == 0)
			return 1;
		i += plen + 1;
	}
	return 0;
}
