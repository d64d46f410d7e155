/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rfc2047 - decode a header value's encoded words ("=?charset?Q?...?=")
 *
 * Decodes Q and B words in any charset charset_convert() knows, joins
 * adjacent encoded words (the whitespace between them goes, and their bytes
 * are converted together, so a multi-byte character split over two words
 * survives), and leaves malformed words as the text they are.  Text outside
 * encoded words is kept; raw 8-bit bytes there are read as UTF-8 when valid,
 * else as windows-1252.
 */
#ifndef BARAZA_RFC2047_H
#define BARAZA_RFC2047_H

#include <stddef.h>

struct buf;
struct charset_cache;

#define RFC2047_RAW8BIT  8   /* unencoded 8-bit bytes that were not UTF-8 */

/* rfc2047_decode - append the decoded UTF-8 text of in to out.  Returns
 * CHARSET_* bits (charset.h) plus RFC2047_RAW8BIT; when an encoded word's
 * charset was unknown or lying, its name is written to badcs (badcs_size
 * bytes, may be 0). */
int rfc2047_decode(struct charset_cache *cc, const char *in, size_t len,
    struct buf *out, char *badcs, size_t badcs_size);

#endif
