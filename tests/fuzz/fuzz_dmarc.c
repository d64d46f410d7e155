/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_dmarc - libFuzzer harness for the DMARC record parser and the
 * From decision (daemon/list/dmarc.c)
 *
 * The input is a TXT answer from a hostile DNS: given to dmarc_parse()
 * whole, and as the records (one a line) of every name dmarc_decide()
 * asks for an author at a subdomain (so the org-domain fall-back runs
 * too).  Invariants: a parsed record's p, sp and pct are in range; the
 * verdict's texts are NUL-terminated within their arrays and munge is
 * 0 or 1, agreeing with the outcome and the policy.
 *
 *	make fuzz-dmarc FUZZ_SECONDS=60
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size;
};

static enum dmarc_txt
answer(void *ctx, const char *name, struct buf *records, char *why, size_t whylen)
{
	const struct input *in = ctx;

	(void)name;
	(void)why;
	(void)whylen;
	if (in->size > 0 && in->data[0] == 'F')
		return DMARC_TXT_FAILED;
	buf_append(records, in->data, in->size);
	return in->size ? DMARC_TXT_FOUND : DMARC_TXT_NONE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	struct dmarc_verdict v;
	struct input in = { data, size };

	if (dmarc_parse((const char *)data, size, &r) == 1) {
		if (r.p > DMARC_P_REJECT || (r.has_sp && r.sp > DMARC_P_REJECT) ||
		    r.pct < 0 || r.pct > 100)
			abort();
	}
	dmarc_decide("author@lists.example.co.uk", answer, &in, &v);
	if ((v.munge != 0 && v.munge != 1) ||
	    memchr(v.why, '\0', sizeof(v.why)) == NULL ||
	    memchr(v.record, '\0', sizeof(v.record)) == NULL ||
	    memchr(v.name, '\0', sizeof(v.name)) == NULL)
		abort();
	if (v.outcome == DMARC_LOOKUP_FAILED && !v.munge)
		abort();
	if (v.outcome == DMARC_NO_POLICY && v.munge)
		abort();
	if (v.outcome == DMARC_POLICY_FOUND && v.munge != (v.policy != DMARC_P_NONE))
		abort();
	return 0;
}
