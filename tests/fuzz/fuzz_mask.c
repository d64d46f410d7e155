/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_mask - libFuzzer harness for the address masker and the message
 * rewriter (mask.h)
 *
 * The input is used as a text and as a raw message.  Invariants: the
 * output is NUL-terminated and within its cap; once the replacements are
 * blanked out, no "@" is left between a byte that may end a local part
 * and an ASCII letter (what the masker must have taken for an address);
 * rewriting a message never fails below a cap of 16 times its size plus
 * 64 KB, and with a tiny cap fails cleanly.
 *
 *	make fuzz-mask FUZZ_SECONDS=60   (or run tests/fuzz/fuzz_mask CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* local_end - may c end a local part? (ASCII letters and digits) */
static int
alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void
check_text(const char *in, size_t len)
{
	struct buf out;
	char *p;

	buf_init(&out, BUF_NOLIMIT);
	mask_text(&out, in, in + len);
	if (buf_failed(&out) || out.data[out.len] != '\0')
		abort();
	/* blank the replacements, then look for an address left */
	for (p = out.data; (p = memmem(p, out.len - (size_t)(p - out.data), MASK_HIDDEN,
	    sizeof(MASK_HIDDEN) - 1)) != NULL; p += sizeof(MASK_HIDDEN) - 1)
		memset(p, ' ', sizeof(MASK_HIDDEN) - 1);
	for (size_t i = 1; i + 1 < out.len; i++)
		if (out.data[i] == '@' && alnum((unsigned char)out.data[i - 1]) &&
		    ((out.data[i + 1] >= 'a' && out.data[i + 1] <= 'z') ||
		    (out.data[i + 1] >= 'A' && out.data[i + 1] <= 'Z')))
			abort();
	buf_release(&out);
}

static void
check_message(const char *in, size_t len)
{
	struct buf out;

	buf_init(&out, 16 * len + 65536);
	if (mask_message(&out, in, len) != 0 || out.data[out.len] != '\0')
		abort();
	buf_release(&out);
	buf_init(&out, 64);
	if (mask_message(&out, in, len) != 0 && !buf_failed(&out))
		abort();
	if (out.len > 64)
		abort();
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_text((const char *)data, size);
	check_message((const char *)data, size);
	return 0;
}
