/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dkim_sign - the list's DKIM signature on every mail it sends ([dkim])
 *
 * With [dkim] domain, selector and key_file set, every message leaves
 * with a DKIM-Signature of that domain (libopendkim: rsa-sha256,
 * relaxed/relaxed) over the header fields of DKIM_SIGNED_FIELDS that the
 * message has, the body included whole (no l=).  From, Subject,
 * Reply-To, Cc, To and the list's own fields are also "oversigned" (one
 * more name in h= than the message has), so nobody on the way can add a
 * second From or List-Unsubscribe that the signature would still cover.
 *
 * Signing happens where the bytes are final: daemon/deliver.c signs each
 * copy right before it goes to the SMTP client, so posts (composed per
 * recipient), notices, announcements, summaries and digests are all
 * covered by one call, and a field written later by anyone (a footer
 * line, a personal List-Unsubscribe) cannot break the signature.  It is
 * not done in net/ because the SMTP client only carries bytes, and not in
 * compose.c because compose makes posts only.
 *
 * The key is read once per signer from key_file, which must be a regular
 * file readable by its owner only (mode & 077 == 0): the same rule as
 * password files, checked again when the file is opened.  Its bytes are
 * wiped when the signer is freed and never logged.
 */
#ifndef BARAZA_DKIM_SIGN_H
#define BARAZA_DKIM_SIGN_H

#include <stddef.h>

#include "buf.h"

struct conf;
struct dkim_sign;

/* The header fields signed when present (case-insensitive). */
extern const char *const dkim_sign_fields[];

/* dkim_sign_new - a signer for c's [dkim], or NULL: with no [dkim]
 * (err "") or when the key cannot be used (err says why: unreadable,
 * mode, not a PEM private key).  Owned: dkim_sign_free. */
struct dkim_sign *dkim_sign_new(const struct conf *c, char *err, size_t errlen);
/* dkim_sign_free - release and wipe the key; *sp = NULL */
void dkim_sign_free(struct dkim_sign **sp);

/* dkim_sign_message - append to out the DKIM-Signature field for the
 * message msg (CRLF line ends, header and body) followed by the message
 * itself.  0, or -1 with a reason in err (out then holds nothing
 * usable). */
int dkim_sign_message(struct dkim_sign *s, const char *msg, size_t len,
    struct buf *out, char *err, size_t errlen);

/* dkim_sign_key_check - for `baraza check`: read key_file (mode, PEM RSA
 * private key of at least 1024 bits) and append to txt the record to
 * publish at SELECTOR._domainkey.DOMAIN ("v=DKIM1; k=rsa; p=BASE64").
 * *bits gets the key size.  0, or -1 with a reason in err. */
int dkim_sign_key_check(const struct conf *c, struct buf *txt, unsigned *bits,
    char *err, size_t errlen);

#endif
