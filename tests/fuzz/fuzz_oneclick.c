/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_oneclick - libFuzzer harness for what baraza web reads from a
 * request: oneclick_path_token(), oneclick_body_ok() and the
 * multipart/form-data side of oneclick_form_ok()
 *
 * The input is a path (up to its first NUL, under the prefixes "" and
 * "/cop") and, whole, a form body.  Invariants: a path accepted yields
 * exactly ONECLICK_TOKEN_LEN lower-case hex digits and starts with one of
 * the two forms; a body accepted holds the bytes of the field name and
 * value, escaped or not (so nothing else passes for a one-click request);
 * no read outside the input (ASan).
 *
 *	make fuzz-oneclick FUZZ_SECONDS=60   (or run tests/fuzz/fuzz_oneclick CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oneclick.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "", "/cop" };
	char *path = malloc(size + 1), tok[ONECLICK_TOKEN_LEN + 1];

	if (path == NULL)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	for (size_t i = 0; i < 2; i++) {
		memset(tok, 'x', sizeof(tok));
		if (oneclick_path_token(path, prefixes[i], tok)) {
			if (strlen(tok) != ONECLICK_TOKEN_LEN ||
			    strspn(tok, "0123456789abcdef") != ONECLICK_TOKEN_LEN)
				abort();
			if (strncmp(path, "/unsubscribe/", 13) != 0 &&
			    strncmp(path, "/cop/unsubscribe/", 17) != 0)
				abort();
		}
	}
	free(path);
	/* the body as given, NULs and all: a copy of exactly size bytes so
	 * ASan sees any read past it */
	{
		char *body = malloc(size ? size : 1);

		if (body == NULL)
			return 0;
		memcpy(body, data, size);
		if (oneclick_body_ok(body, size) && size < strlen("List-Unsubscribe=One-Click"))
			abort();
		if (oneclick_form_ok("multipart/form-data; boundary=b", body, size) &&
		    size < strlen("-\nContent-Disposition: form-data; name=List-Unsubscribe\n\nOne-Click"))
			abort();
		free(body);
	}
	return 0;
}
