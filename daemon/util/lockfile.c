/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lockfile - advisory whole-process locks (see lockfile.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lockfile.h"

/* read_pid - the number written in fd's file, or 0 */
static long
read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* lockfile_acquire - see lockfile.h */
int
lockfile_acquire(const char *path, long *holder)
{
	char buf[32];
	int fd, n;

	*holder = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			/* the holder writes its pid right after locking:
			 * give it a moment when the file is still empty */
			for (int i = 0; i < 20 && (*holder = read_pid(fd)) <= 0; i++)
				usleep(10000);
			close(fd);
			return -2;
		}
		close(fd);
		errno = e;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* lockfile_release - see lockfile.h */
void
lockfile_release(int *fd)
{
	if (*fd < 0)
		return;
	/* the next reader sees no stale pid; the lock goes with the close */
	if (ftruncate(*fd, 0) < 0) {
		/* nothing to do: the lock still goes */
	}
	close(*fd);
	*fd = -1;
}
