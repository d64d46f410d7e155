/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_check_mail - `baraza check`'s lines on deliverability: the DNS
 * resolver that DMARC look-ups use, and the DKIM key (see cmd.h)
 *
 * The resolver is asked for the list domain's own DMARC record: a
 * resolver that answers (a record, or "none") is fine; the line also
 * says what it found, as a list domain without a DMARC record is a
 * deliverability problem of its own.  It is checked when from_munging
 * is auto or [dns] is given.
 *
 * The key is read as the daemon reads it (mode 0600, a PEM RSA key of
 * 1024 bits or more), and the public half is printed as the TXT record
 * to publish at SELECTOR._domainkey.DOMAIN, split into strings of at
 * most 255 bytes as zone files need.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "conf.h"
#include "dkim_sign.h"
#include "dns.h"

/* cmd_check_dns - see cmd.h */
int
cmd_check_dns(const struct conf *c)
{
	const char *server = c->dns.server ? c->dns.server : "the system's resolver";
	struct dns_result r;
	struct dns *d;
	char err[256], name[300];
	int rc = 0;

	if (c->list.from_munging != FROM_MUNGING_AUTO && c->dns.server == NULL)
		return 0;
	if ((d = dns_new(c->dns.server, err, sizeof(err))) == NULL) {
		printf("dns: FAILED %s\n", err);
		return -1;
	}
	snprintf(name, sizeof(name), "_dmarc.%s", c->list.domain);
	dns_result_init(&r);
	switch (dns_txt(d, name, DNS_TIMEOUT_MS, &r)) {
	case DNS_ANSWER: {
		/* the first DMARC-looking line, else the first */
		const char *rec = strstr(r.txt.data, "v=DMARC1");
		const char *p = rec ? rec : r.txt.data, *nl = strchr(p, '\n');

		printf("dns: ok %s answers (%s: %.*s)\n", server, name,
		    (int)(nl ? (size_t)(nl - p) : strlen(p)) > 200 ? 200 :
		    (int)(nl ? (size_t)(nl - p) : strlen(p)), p);
		break;
	}
	case DNS_NONE:
		printf("dns: ok %s answers (%s: no record; publish a DMARC record for "
		    "the list domain, README \"Deliverability\")\n", server, name);
		break;
	case DNS_FAILED:
		printf("dns: FAILED %s: %s: %s (DMARC look-ups would fail and every "
		    "post would go out From the list)\n", server, name, r.why);
		rc = -1;
		break;
	}
	dns_result_release(&r);
	dns_free(&d);
	return rc;
}

/* cmd_check_dkim - see cmd.h */
int
cmd_check_dkim(const struct conf *c)
{
	struct buf txt;
	char err[512];
	unsigned bits = 0;

	if (c->dkim.domain == NULL) {
		printf("dkim: not signing ([dkim] is not set): the MTA must sign "
		    "mail from %s (README \"Deliverability\")\n", c->list.domain);
		return 0;
	}
	buf_init(&txt, 64 * 1024);
	if (dkim_sign_key_check(c, &txt, &bits, err, sizeof(err)) < 0) {
		printf("dkim: FAILED %s\n", err);
		buf_release(&txt);
		return -1;
	}
	printf("dkim: ok %s._domainkey.%s signs with %s (%u-bit RSA, owner only); "
	    "publish:\n", c->dkim.selector, c->dkim.domain, c->dkim.key_file, bits);
	printf("dkim:   %s._domainkey.%s. IN TXT (", c->dkim.selector, c->dkim.domain);
	for (size_t off = 0; off < txt.len; off += 255)
		printf(" \"%.*s\"", (int)(txt.len - off > 255 ? 255 : txt.len - off),
		    txt.data + off);
	printf(" )\n");
	buf_release(&txt);
	return 0;
}
