/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_dns - libFuzzer harness for the reader of DNS TXT replies
 * (dns_parse_txt, daemon/net/dns.c)
 *
 * The input is a whole DNS message as a resolver (or anyone who can
 * answer in its place) sends it.  Invariants: the result is one of the
 * three statuses; a DNS_ANSWER has 1..DNS_MAX_RECORDS records, as many
 * lines in txt, none longer than DNS_MAX_TXT and no control character
 * but the line ends; a failure has no records and a reason.
 *
 *	make fuzz-dns FUZZ_SECONDS=60
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_result r;
	int rc;

	dns_result_init(&r);
	rc = dns_parse_txt(data, size, &r);
	if (rc == -1 && (r.status != DNS_FAILED || r.nrecords != 0 || r.why[0] == '\0'))
		abort();
	if (rc == 0 && r.status == DNS_ANSWER) {
		size_t lines = 0, run = 0;

		if (r.nrecords < 1 || r.nrecords > DNS_MAX_RECORDS)
			abort();
		for (size_t i = 0; i < r.txt.len; i++) {
			unsigned char c = (unsigned char)r.txt.data[i];

			if (c == '\n') {
				lines++;
				run = 0;
			} else if (c < 0x20 || c == 0x7f || ++run > DNS_MAX_TXT) {
				abort();
			}
		}
		if (lines != r.nrecords)
			abort();
	}
	if (rc == 0 && r.status == DNS_FAILED)
		abort();
	dns_result_release(&r);
	return 0;
}
