/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_zip - the stored form of raw messages and post texts, made ahead
 *
 * The store compresses a raw message and a post text as it writes them
 * (store_zip.c, schema 016).  A caller with a thread to spare (the import
 * and fetch pipeline's worker) makes the stored form there instead and
 * hands it over in struct store_message / struct store_post, so the
 * writing thread only copies bytes.  A context is for one thread at a time.
 */
#ifndef BARAZA_STORE_ZIP_H
#define BARAZA_STORE_ZIP_H

#include <stddef.h>

struct store_zip;

/* store_zip_new - a compression context, or NULL (out of memory) */
struct store_zip *store_zip_new(void);
/* store_zip_free - free *zp (NULL is fine) and set it to NULL */
void store_zip_free(struct store_zip **zp);

/* store_zip_raw - the stored form of the raw message [raw, raw + n): 1
 * with it in *out (malloc'd, the caller frees it) and *outlen; 0 when the
 * message is stored as it is */
int store_zip_raw(struct store_zip *z, const void *raw, size_t n, void **out,
    size_t *outlen);
/* store_zip_text - the stored form of the text [t, t + n): 1 with a
 * compressed BLOB in *out (malloc'd) and *outlen; 0 when the text is
 * stored as it is (as TEXT) */
int store_zip_text(struct store_zip *z, const char *t, size_t n, void **out,
    size_t *outlen);

/* store_newtext_pack - the stored form of new_text nt (nn bytes) of the
 * text t (tn bytes) into b (reset first): byte ranges of t when that is
 * shorter (store_newtext.c), else nt itself (escaped if need be); 0, or -1
 * when b failed */
struct buf;
int store_newtext_pack(const char *t, size_t tn, const char *nt, size_t nn,
    struct buf *b);

#endif
