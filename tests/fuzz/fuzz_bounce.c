/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_bounce - libFuzzer entry for the delivery report parser
 *
 * Each input is parsed as a message and handed to dsn_parse(); and, cut
 * in two at its first NUL-free midpoint, as the human text and the
 * message/delivery-status body of dsn_parse_input() directly, so the
 * scanners see hostile bytes even where the MIME parser would not put
 * them.  What must hold: the result is 0 or 1; every address is non-empty,
 * lower-case, has one '@' in it, and appears once; at most 100 of them.
 * Built and run by `make fuzz`; not part of `make` or `make check`.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dsn.h"
#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int rc, const struct dsn_report *r)
{
	if (rc != 0 && rc != 1)
		__builtin_trap();
	if (rc == 0)
		return;
	if (r->naddresses > 100)
		__builtin_trap();
	for (size_t i = 0; i < r->naddresses; i++) {
		const char *a = r->addresses[i], *at = strchr(a, '@');

		if (*a == '\0' || at == NULL || at == a || at[1] == '\0')
			__builtin_trap();
		for (const char *p = a; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				__builtin_trap();
		for (size_t k = 0; k < i; k++)
			if (strcmp(r->addresses[k], a) == 0)
				__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message *m = message_parse((const char *)data, size, NULL);
	struct dsn_report r;
	struct dsn_input in;
	struct arena *a;
	char *text, *ds;
	size_t half = size / 2;

	if (m) {
		check(dsn_parse(m, m->arena, &r), &r);
		message_free(&m);
	}
	a = arena_new(16u << 20);
	text = arena_strndup(a, (const char *)data, half);
	ds = arena_strndup(a, (const char *)data + half, size - half);
	memset(&in, 0, sizeof(in));
	in.return_path = "";
	in.content_type = "multipart/report";
	in.subject = "Undelivered Mail Returned to Sender";
	in.text = text;
	check(dsn_parse_input(&in, a, &r), &r);
	in.delivery_status = ds;
	in.x_failed = ds;
	check(dsn_parse_input(&in, a, &r), &r);
	arena_free(&a);
	return 0;
}
