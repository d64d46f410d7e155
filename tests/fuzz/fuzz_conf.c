/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_conf - libFuzzer harness for the configuration parser
 *
 * The input is written to an anonymous memory file and loaded with
 * conf_load().  Invariants: it returns a configuration or errors, never
 * both and never neither; every error line starts with "FILE:LINE: ";
 * a configuration that loads has its required fields set.
 *
 *	make fuzz-conf FUZZ_SECONDS=60      (or run tests/fuzz/fuzz_conf CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct buf errs;
	struct conf *c;

	if (fd < 0) {
		log_init("fuzz_conf", 0, LOG_LEVEL_ERROR);
		fd = memfd_create("baraza.conf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	buf_init(&errs, 1 << 20);
	c = conf_load(path, &errs);
	if (c != NULL) {
		if (errs.len != 0 || c->list.name == NULL || c->list.address == NULL ||
		    c->list.database == NULL || c->imap.url == NULL || c->smtp.url == NULL)
			abort();
		for (size_t i = 0; i < c->nthemes; i++)
			if (c->themes[i].title == NULL)
				abort();
		conf_free(&c);
	} else {
		size_t plen = strlen(path);

		if (errs.len == 0)
			abort();
		for (const char *l = errs.data; *l; l = strchr(l, '\n') + 1) {
			if (strncmp(l, path, plen) != 0 || l[plen] != ':' ||
			    strchr(l, '\n') == NULL)
				abort();
		}
	}
	buf_release(&errs);
	return 0;
}
