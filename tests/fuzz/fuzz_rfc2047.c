/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_rfc2047 - libFuzzer harness for RFC 2047 encoded-word decoding
 *
 * The input is one header value ("=?utf-8?Q?caf=C3=A9?= and more").  It is
 * decoded once with a roomy output buffer and once with a tiny one, with a
 * fresh and with a reused charset cache.  Invariants: the output is valid
 * UTF-8 without NUL bytes, whatever the input; the result holds only
 * CHARSET_* and RFC2047_RAW8BIT bits; the name of a bad charset fits its
 * buffer and is NUL-terminated; the capped output never passes its cap.
 *
 *	make fuzz-rfc2047 FUZZ_SECONDS=60   (or run tests/fuzz/fuzz_rfc2047 CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "rfc2047.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
decode(struct charset_cache *cc, const char *in, size_t len, size_t max)
{
	struct buf out;
	char badcs[16];
	int rc;

	buf_init(&out, max);
	memset(badcs, 'x', sizeof(badcs));
	rc = rfc2047_decode(cc, in, len, &out, badcs, sizeof(badcs));
	if (rc & ~(CHARSET_BAD | CHARSET_NUL | CHARSET_FULL | RFC2047_RAW8BIT))
		abort();
	if (out.len > max || out.data[out.len] != '\0')
		abort();
	if (memchr(out.data, '\0', out.len) != NULL)
		abort();
	/* cut at the cap, the text may end mid-character; before it, never */
	if (!(rc & CHARSET_FULL) && !utf8_valid(out.data, out.len))
		abort();
	if (memchr(badcs, '\0', sizeof(badcs)) == NULL)
		abort();
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct charset_cache shared;
	static int init;
	struct charset_cache cc;

	if (!init) {
		charset_cache_init(&shared);
		init = 1;
	}
	charset_cache_init(&cc);
	decode(&cc, (const char *)data, size, BUF_NOLIMIT);
	decode(&cc, (const char *)data, size, 32);
	charset_cache_release(&cc);
	decode(&shared, (const char *)data, size, 65536);
	return 0;
}
