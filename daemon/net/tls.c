/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls - certificate chain verification with GnuTLS (see tls.h)
 *
 * The chain is checked with a gnutls_x509_trust_list holding the system
 * CAs and ca_file, asking for the host name and the TLS server purpose at
 * the same time (gnutls_x509_trust_list_verify_crt2).  The host name is also
 * checked separately so the error can name it plainly.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls.h"
#include "xalloc.h"

#define TLS_MAX_CHAIN 16

/* status_text - GnuTLS's words for a verification status, trimmed */
static void
status_text(unsigned status, char *out, size_t outlen)
{
	gnutls_datum_t txt = { NULL, 0 };

	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &txt, 0) < 0 || txt.data == NULL) {
		snprintf(out, outlen, "verification status 0x%x", status);
		return;
	}
	snprintf(out, outlen, "%s", (const char *)txt.data);
	gnutls_free(txt.data);
}

/* tls_verify_chain - see tls.h */
int
tls_verify_chain(const struct tls_der *chain, size_t n, const char *host,
    const char *ca_file, char *err, size_t errlen)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t crt[TLS_MAX_CHAIN];
	gnutls_typed_vdata_st vdata[2];
	unsigned status = 0, i, ncrt = 0;
	char why[512];
	int r, ret = -1;

	if (n == 0 || chain == NULL) {
		snprintf(err, errlen, "server sent no certificate");
		return -1;
	}
	if (n > TLS_MAX_CHAIN)
		n = TLS_MAX_CHAIN;
	for (i = 0; i < n; i++) {
		gnutls_datum_t d;

		if (gnutls_x509_crt_init(&crt[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		ncrt++;
		d.data = (unsigned char *)chain[i].data;
		d.size = (unsigned)chain[i].len;
		if ((r = gnutls_x509_crt_import(crt[i], &d,
		    GNUTLS_X509_FMT_DER)) < 0) {
			snprintf(err, errlen, "cannot read server certificate %u: %s",
			    i, gnutls_strerror(r));
			goto out;
		}
	}

	if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* The system store may legitimately be empty on a test box; ca_file
	 * then carries the trust.  A ca_file that yields no certificate is a
	 * configuration error worth saying so. */
	(void)gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (ca_file != NULL && *ca_file != '\0') {
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			snprintf(err, errlen, "ca_file %s: %s", ca_file,
			    r < 0 ? gnutls_strerror(r) : "no certificate in it");
			goto out;
		}
	}

	memset(vdata, 0, sizeof(vdata));
	vdata[0].type = GNUTLS_DT_DNS_HOSTNAME;
	vdata[0].data = (unsigned char *)host;
	vdata[0].size = 0;
	vdata[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vdata[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	vdata[1].size = 0;
	r = gnutls_x509_trust_list_verify_crt2(tl, crt, ncrt, vdata, 2, 0,
	    &status, NULL);
	if (r < 0) {
		snprintf(err, errlen, "certificate verification failed: %s",
		    gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
			snprintf(err, errlen, "certificate is not valid for host "
			    "name %s", host);
		else if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
			snprintf(err, errlen, "certificate is signed by an unknown "
			    "authority (self-signed? set [imap] ca_file)");
		else if (status & GNUTLS_CERT_EXPIRED)
			snprintf(err, errlen, "certificate has expired");
		else if (status & GNUTLS_CERT_NOT_ACTIVATED)
			snprintf(err, errlen, "certificate is not yet valid");
		else {
			status_text(status, why, sizeof(why));
			snprintf(err, errlen, "certificate not trusted: %s", why);
		}
		goto out;
	}
	/* verify_crt2 checked the name already; checking again costs nothing
	 * and keeps the promise visible here. */
	if (!gnutls_x509_crt_check_hostname2(crt[0], host, 0)) {
		snprintf(err, errlen, "certificate is not valid for host name %s",
		    host);
		goto out;
	}
	ret = 0;
out:
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crt[i]);
	return ret;
}
