/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_authres - libFuzzer harness for the Authentication-Results parser
 * and the rule that reads it
 *
 * The input is one field value (any bytes up to a NUL).  Invariants: the
 * parser returns 0 or -1; every kept string is NUL-terminated within its
 * array; at most AUTHRES_MAX results; methods and results are lower-case
 * keywords; authres_authserv_id agrees with the parser's id whenever the
 * parser accepts; sender_auth_field answers one of its three verdicts and
 * never PASS for a field that the parser refuses.
 *
 *	make fuzz-authres FUZZ_SECONDS=60   (or run tests/fuzz/fuzz_authres CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "sender_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort();
}

static void
check_keyword(const char *s, size_t cap)
{
	check_str(s, cap);
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), id[AUTHRES_VALUE_MAX];
	struct authres *ar = malloc(sizeof(*ar));
	int rc, idrc;
	enum sender_auth v;

	if (s == NULL || ar == NULL) {
		free(s);
		free(ar);
		return 0;
	}
	memcpy(s, data, size);
	s[size] = '\0';
	memset(ar, 0xa5, sizeof(*ar));
	rc = authres_parse(s, ar);
	if (rc != 0 && rc != -1)
		abort();
	check_str(ar->authserv_id, sizeof(ar->authserv_id));
	if (ar->n > AUTHRES_MAX)
		abort();
	for (size_t i = 0; i < ar->n; i++) {
		check_keyword(ar->r[i].method, sizeof(ar->r[i].method));
		check_keyword(ar->r[i].result, sizeof(ar->r[i].result));
		check_str(ar->r[i].header_d, AUTHRES_VALUE_MAX);
		check_str(ar->r[i].header_i, AUTHRES_VALUE_MAX);
		check_str(ar->r[i].header_from, AUTHRES_VALUE_MAX);
		check_str(ar->r[i].smtp_mailfrom, AUTHRES_VALUE_MAX);
		(void)authres_domain(ar->r[i].smtp_mailfrom);
	}
	idrc = authres_authserv_id(s, id, sizeof(id));
	if (rc == 0 && (idrc != 1 || strcmp(id, ar->authserv_id) != 0))
		abort();
	v = sender_auth_field(s, rc == 0 ? ar->authserv_id : "mx.example.org", "example.org");
	if (v != SENDER_AUTH_NONE && v != SENDER_AUTH_PASS && v != SENDER_AUTH_FAIL)
		abort();
	if (rc != 0 && v != SENDER_AUTH_NONE)
		abort();
	free(ar);
	free(s);
	return 0;
}
