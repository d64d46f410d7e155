/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_charset - libFuzzer harness for charset conversion
 *
 * The input's first line names the charset (as a Content-Type parameter
 * would), the rest is the text in it.  The text is converted with
 * charset_convert() (a fresh and a reused cache, a roomy and a tiny output
 * cap) and cleaned with charset_clean().  Invariants: only CHARSET_* bits
 * come back; the output never passes its cap, and unless CHARSET_FULL is
 * set it is valid UTF-8 without NUL bytes - the promise charset.h makes
 * for any bytes and any name.
 *
 *	make fuzz-charset FUZZ_SECONDS=60   (or run tests/fuzz/fuzz_charset CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int rc, const struct buf *out, size_t max)
{
	if (rc & ~(CHARSET_BAD | CHARSET_NUL | CHARSET_FULL))
		abort();
	if (out->len > max || out->data[out->len] != '\0')
		abort();
	if (!(rc & CHARSET_FULL) && (!utf8_valid(out->data, out->len) ||
	    memchr(out->data, '\0', out->len) != NULL))
		abort();
}

static void
convert(struct charset_cache *cc, const char *name, const char *in, size_t len,
    size_t max)
{
	struct buf out;

	buf_init(&out, max);
	check(charset_convert(cc, name, in, len, &out), &out, max);
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct charset_cache shared;
	static int init;
	struct charset_cache cc;
	const char *nl = memchr(data, '\n', size);
	size_t nlen = nl ? (size_t)(nl - (const char *)data) : 0;
	const char *text = nl ? nl + 1 : (const char *)data;
	size_t tlen = size - (size_t)(text - (const char *)data);
	char name[64];
	struct buf out;

	if (!init) {
		charset_cache_init(&shared);
		init = 1;
	}
	if (nlen >= sizeof(name))
		nlen = sizeof(name) - 1;
	memcpy(name, data, nlen);
	name[nlen] = '\0';

	charset_cache_init(&cc);
	(void)charset_is_known(&cc, name);
	convert(&cc, name, text, tlen, BUF_NOLIMIT);
	convert(&cc, name, text, tlen, 16);
	charset_cache_release(&cc);
	convert(&shared, name, text, tlen, 65536);

	buf_init(&out, BUF_NOLIMIT);
	check(charset_clean((const char *)data, size, &out), &out, BUF_NOLIMIT);
	buf_release(&out);
	return 0;
}
