/* SPDX-License-Identifier: GPL-3.0-or-later */
/* codec - MIME content-transfer decoders (base64, quoted-printable), and
 * the base64 encoder the writers of mail use (mime_out.h)
 *
 * Both are tolerant, as mail needs: base64 skips whitespace and stray bytes
 * and accepts missing padding; quoted-printable keeps a malformed "=" as is.
 * With out == NULL they only count the decoded size (attachments are sized,
 * never stored).
 */
#ifndef BARAZA_CODEC_H
#define BARAZA_CODEC_H

#include <stddef.h>

struct buf;

#define CODEC_BAD   1   /* stray bytes or bad escapes were skipped */
#define CODEC_TRUNC 2   /* base64 ended in the middle of a quantum */
#define CODEC_FULL  4   /* out reached its cap */

/* codec_base64 - decode in into out (or only count when out is NULL);
 * *outlen gets the decoded size.  Returns CODEC_* bits. */
int codec_base64(const char *in, size_t len, struct buf *out, size_t *outlen);
/* codec_qp - quoted-printable; underscores become spaces when q (RFC 2047 "Q") */
int codec_qp(const char *in, size_t len, int q, struct buf *out, size_t *outlen);

/* codec_base64_encode - append in as base64, padded, without line breaks.
 * 0, or -1 when out's cap would be passed. */
int codec_base64_encode(const char *in, size_t len, struct buf *out);

#endif
