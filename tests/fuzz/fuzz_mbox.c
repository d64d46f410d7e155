/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_mbox - libFuzzer harness for the streaming mbox reader
 *
 * The input is an mbox file.  It is read twice: with a generous cap and
 * with a tiny one (so the cut-and-count path runs), and the invariants are
 * checked: every message is NUL-terminated at its length, never longer
 * than the cap, its real size is at least its length, and the messages
 * together are never longer than the input (the reader only removes bytes:
 * separators, blank lines before them, one '>' of escaped From lines).
 *
 *	make fuzz FUZZ_SECONDS=60      (or run tests/fuzz/fuzz_mbox CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mbox.h"

static void
check(const uint8_t *data, size_t size, size_t cap)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	struct mbox *mb;
	const char *msg;
	size_t len, real, total = 0;
	int rc;

	if (fp == NULL)
		return;
	mb = mbox_open(fp, cap);
	while ((rc = mbox_next(mb, &msg, &len, &real)) == 1) {
		if (msg[len] != '\0' || len > cap || real < len)
			abort();
		total += real;
	}
	if (rc != 0 || total > size)
		abort();
	mbox_close(&mb);
	fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;   /* fmemopen refuses an empty buffer */
	check(data, size, 1 << 20);
	check(data, size, 7);
	return 0;
}
