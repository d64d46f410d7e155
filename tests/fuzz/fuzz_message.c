/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_message - libFuzzer entry for the message parser
 *
 * Each input is parsed twice: with the default limits, and with tight ones
 * (tiny text, arena, header, part and depth caps) so that every "cap
 * reached" path runs too.  Built and run by `make fuzz` (clang,
 * -fsanitize=fuzzer,address,undefined); not part of `make` or `make check`.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "message.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - what must hold for any input: valid UTF-8 everywhere */
static void
check(const struct message *m)
{
	size_t i;

	if (!utf8_valid(m->text, strlen(m->text)) || !utf8_valid(m->new_text, strlen(m->new_text)) ||
	    !utf8_valid(m->subject, strlen(m->subject)) || strlen(m->text) != m->text_len)
		__builtin_trap();
	for (i = 0; i < m->nspans; i++)
		if (m->spans[i].end > m->text_len || m->spans[i].start >= m->spans[i].end)
			__builtin_trap();
	for (i = 0; i < m->nheaders; i++)
		if (!utf8_valid(m->headers[i].value, strlen(m->headers[i].value)))
			__builtin_trap();
	for (i = 0; i < m->nattachments; i++)
		if (m->attachments[i].name &&
		    !utf8_valid(m->attachments[i].name, strlen(m->attachments[i].name)))
			__builtin_trap();
	(void)message_header(m, "subject");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_limits lim;
	struct message *m;

	m = message_parse((const char *)data, size, NULL);
	if (m) {
		check(m);
		message_free(&m);
	}
	message_default_limits(&lim);
	lim.max_headers = 8;
	lim.max_depth = 3;
	lim.max_parts = 6;
	lim.max_text = 97;
	lim.arena_max = 8192;
	m = message_parse((const char *)data, size, &lim);
	if (m) {
		check(m);
		message_free(&m);
	}
	return 0;
}
