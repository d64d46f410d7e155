/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls - verify a server's certificate chain with GnuTLS
 *
 * libetpan's TLS streams accept any certificate.  After every handshake
 * (implicit TLS or STARTTLS) imap.c hands the peer's chain to
 * tls_verify_chain(), which accepts it only when it leads to a trusted CA
 * (the system store plus an optional extra bundle, e.g. the self-signed CA
 * of a test server), every certificate is within its validity period, and
 * the leaf names the host we meant to reach (DNS name or IP address in
 * subjectAltName).  This module knows nothing about IMAP or libetpan; it
 * works on DER bytes.
 */
#ifndef BARAZA_TLS_H
#define BARAZA_TLS_H

#include <stddef.h>

struct tls_der {
	const unsigned char *data;   /* borrowed DER bytes */
	size_t len;
};

/* tls_verify_chain - chain[0] is the server's certificate, the rest the
 * intermediates it sent.  ca_file (PEM, may be NULL or "") is trusted in
 * addition to the system CAs.  Returns 0 when the chain is trusted and
 * valid for host, else -1 with the reason in err ("certificate is signed by
 * an unknown authority", "certificate is for other names than HOST", ...). */
int tls_verify_chain(const struct tls_der *chain, size_t n, const char *host,
    const char *ca_file, char *err, size_t errlen);

#endif
