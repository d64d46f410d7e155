/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf_archive - the setters of [archive] mode and group (conf_keys.c's
 * table names them; see conf_int.h) */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "xalloc.h"

/* set_archive_mode - an octal file mode within 0666 that lets the owner
 * read and write (folders get x wherever the mode has r) */
int
set_archive_mode(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	char *end;
	long m;

	(void)L;
	errno = 0;
	m = strtol(v, &end, 8);
	if (end == v || *end != '\0' || errno != 0 || m < 0 || (m & ~0666L) != 0 ||
	    (m & 0600) != 0600) {
		snprintf(prob, problen, "'%s' must be an octal file mode such as "
		    "0644 or 0640 (read and write for the owner, no x bits)", v);
		return -1;
	}
	c->archive.mode = m;
	return 0;
}

/* set_archive_group - the name of an existing group */
int
set_archive_group(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	struct group *g;

	(void)L;
	errno = 0;
	if ((g = getgrnam(v)) == NULL) {
		snprintf(prob, problen, "no group '%s' on this system", v);
		return -1;
	}
	free(c->archive.group);
	c->archive.group = xstrdup(v);
	c->archive.gid = (long)g->gr_gid;
	return 0;
}
