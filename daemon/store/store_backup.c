/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_backup - a consistent copy of the live database
 *
 * SQLite's online backup API copies page by page and restarts by itself
 * when another connection writes meanwhile, so the copy is a snapshot of
 * one moment even while the daemon is running.  The copy is written to a
 * temporary file next to dest, synced, and renamed into place, so dest is
 * never half-written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "xalloc.h"

#define BACKUP_PAGES_PER_STEP 1024

/* sync_path - fsync a file or directory by name; 0 or -1 */
static int
sync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* store_backup - see store.h */
int
store_backup(struct store *s, const char *dest, char *err, size_t errlen)
{
	char *tmp = xasprintf("%s.tmp-%ld", dest, (long)getpid());
	char *slash, *dir;
	sqlite3 *d = NULL;
	sqlite3_backup *b;
	int rc;

	unlink(tmp);
	if (sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot create %s: %s", tmp,
		    d ? sqlite3_errmsg(d) : "out of memory");
		goto fail;
	}
	b = sqlite3_backup_init(d, "main", s->db, "main");
	if (b == NULL) {
		snprintf(err, errlen, "cannot start backup: %s", sqlite3_errmsg(d));
		goto fail;
	}
	do {
		rc = sqlite3_backup_step(b, BACKUP_PAGES_PER_STEP);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup failed: %s", sqlite3_errstr(rc));
		goto fail;
	}
	if (sqlite3_close(d) != SQLITE_OK) {
		snprintf(err, errlen, "cannot close %s", tmp);
		d = NULL;
		goto fail;
	}
	d = NULL;
	if (sync_path(tmp, 0) < 0 || rename(tmp, dest) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
		goto fail;
	}
	dir = xstrdup(dest);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	(void)sync_path(slash ? dir : ".", 1);
	free(dir);
	free(tmp);
	return 0;
fail:
	if (d)
		sqlite3_close(d);
	unlink(tmp);
	free(tmp);
	return -1;
}
