/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_csv - libFuzzer harness for the CSV reader and address checks
 *
 * The input is a CSV file, read with small caps so the refusal paths run.
 * Invariants: the reader ends (at most one record per input byte, plus
 * one); a record never has more fields than the cap, nor a field longer
 * than the cap; fields hold no NUL and never more bytes than the input.
 * Every field is also given to addr_normalize(): an accepted address holds
 * no space, CR or LF, and normalising it again changes nothing.
 *
 *	make fuzz-csv FUZZ_SECONDS=60      (or run tests/fuzz/fuzz_csv CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "csv.h"

#define MAX_FIELD 64
#define MAX_FIELDS 8

static void
check_address(const char *f)
{
	char a[ADDR_MAX + 1], b[ADDR_MAX + 1];

	if (addr_normalize(f, a, sizeof(a), NULL) < 0)
		return;
	if (strpbrk(a, " \r\n\t") != NULL || strchr(a, '@') == NULL)
		abort();
	if (addr_normalize(a, b, sizeof(b), NULL) < 0 || strcmp(a, b) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	struct csv c;
	size_t records = 0;
	int rc;

	if (fp == NULL)
		return 0;
	csv_init(&c, fp, MAX_FIELD, MAX_FIELDS);
	while ((rc = csv_next(&c)) != 0) {
		if (++records > size + 1)
			abort();
		if (rc < 0) {
			if (c.err[0] == '\0')
				abort();
			continue;
		}
		if (c.nfields == 0 || c.nfields > MAX_FIELDS)
			abort();
		for (size_t i = 0; i < c.nfields; i++) {
			size_t n = strlen(c.fields[i]);

			if (n > MAX_FIELD || n > size)
				abort();
			check_address(c.fields[i]);
		}
	}
	csv_release(&c);
	fclose(fp);
	return 0;
}
