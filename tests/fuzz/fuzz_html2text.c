/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_html2text - libFuzzer harness for the HTML-to-text converter
 *
 * The input is an HTML body, converted with a roomy and with a small output
 * cap.  Invariants: 0 or -1, -1 only when the cap was reached; the output
 * never passes its cap, is NUL-terminated and, when the input was valid
 * UTF-8 and the output not cut, valid UTF-8 without NUL bytes.
 *
 *	make fuzz-html2text FUZZ_SECONDS=60 (or run tests/fuzz/fuzz_html2text CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html2text.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
convert(const char *in, size_t len, size_t max, int valid)
{
	struct buf out;
	int rc;

	buf_init(&out, max);
	rc = html2text(in, len, &out);
	if (rc != 0 && rc != -1)
		abort();
	if (out.len > max || out.data[out.len] != '\0')
		abort();
	if (rc == 0 && valid) {
		if (!utf8_valid(out.data, out.len))
			abort();
		if (memchr(out.data, '\0', out.len) != NULL)
			abort();
	}
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	int valid = utf8_valid(in, size) && memchr(in, '\0', size) == NULL;

	convert(in, size, BUF_NOLIMIT, valid);
	convert(in, size, 64, valid);
	return 0;
}
