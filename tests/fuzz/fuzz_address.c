/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_address - libFuzzer harness for the address checks and the header
 * address-list parser
 *
 * The input is checked as one bare address (addr_normalize and friends),
 * then put into From:, To:, Cc: and Reply-To: header fields of a small
 * message so that message.c's address-list parser sees it too.
 * Invariants: an accepted address has exactly one '@', no space, control
 * character, quote, bracket or comma, is at most ADDR_MAX bytes, has a
 * lower-case domain, and normalising it again changes nothing;
 * addr_normalize_dup agrees with addr_normalize; addr_equal is reflexive.
 * Every address the message parser returns is non-empty, holds one '@' or
 * more and no CR or LF (it may end up in an SMTP envelope).
 *
 *	make fuzz-address FUZZ_SECONDS=60   (or run tests/fuzz/fuzz_address CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_bare(const char *in)
{
	char a[ADDR_MAX + 1], b[ADDR_MAX + 1];
	const char *why = NULL, *d, *at;
	char *dup;
	int rc = addr_normalize(in, a, sizeof(a), &why);

	dup = addr_normalize_dup(in, NULL);
	if ((rc == 0) != (dup != NULL))
		abort();
	if (rc < 0) {
		if (why == NULL || *why == '\0')
			abort();
		return;
	}
	if (strcmp(dup, a) != 0)
		abort();
	free(dup);
	if (strlen(a) > ADDR_MAX || (at = strchr(a, '@')) == NULL ||
	    strchr(at + 1, '@') != NULL || at == a || at[1] == '\0')
		abort();
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("\"<>(),;[]\\", *p))
			abort();
	if ((d = addr_domain(a)) == NULL || d != at + 1)
		abort();
	for (; *d; d++)
		if (*d >= 'A' && *d <= 'Z')
			abort();
	if (!addr_equal(a, a))
		abort();
	if (addr_normalize(a, b, sizeof(b), NULL) < 0 || strcmp(a, b) != 0)
		abort();
	/* in place, as the header allows */
	if (addr_normalize(b, b, sizeof(b), NULL) < 0 || strcmp(a, b) != 0)
		abort();
}

static void
check_list(const struct msg_address *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *a = v[i].address;

		if (a == NULL)
			continue;
		if (*a == '\0' || strchr(a, '@') == NULL || strpbrk(a, "\r\n") != NULL)
			abort();
		if (v[i].name != NULL && strpbrk(v[i].name, "\r\n") != NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct message *m;
	struct buf raw;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_bare(s);
	free(s);

	buf_init(&raw, BUF_NOLIMIT);
	buf_puts(&raw, "From: ");
	buf_append(&raw, data, size);
	buf_puts(&raw, "\r\nTo: ");
	buf_append(&raw, data, size);
	buf_puts(&raw, "\r\nCc: a@example.org, ");
	buf_append(&raw, data, size);
	buf_puts(&raw, "\r\nReply-To: ");
	buf_append(&raw, data, size);
	buf_puts(&raw, "\r\nSender: ");
	buf_append(&raw, data, size);
	buf_puts(&raw, "\r\nSubject: x\r\n\r\nbody\r\n");
	m = message_parse(raw.data, raw.len, NULL);
	if (m != NULL) {
		check_list(&m->from, 1);
		check_list(&m->sender, 1);
		check_list(m->to, m->nto);
		check_list(m->cc, m->ncc);
		check_list(m->reply_to, m->nreply_to);
		message_free(&m);
	}
	buf_release(&raw);
	return 0;
}
