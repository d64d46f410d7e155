/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ops - what running as a service needs of the util layer: log lines
 * that journald reads with their priority (JOURNAL_STREAM), and the lock
 * file that keeps a second barazad off a database. */
#include "config.h"

#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lockfile.h"
#include "log.h"
#include "tutil.h"

/* log_to_file - stderr into DIR/err, JOURNAL_STREAM as given (NULL: its
 * own device and inode, "": unset), one line at each level, then the text */
static char *
log_to_file(const char *dir, const char *journal)
{
	char path[512], env[128];
	struct stat sb;
	int fd, saved;
	char *text;

	snprintf(path, sizeof(path), "%s/err", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(fstat(fd, &sb), 0);
	if (journal == NULL) {
		snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)sb.st_dev,
		    (unsigned long long)sb.st_ino);
		setenv("JOURNAL_STREAM", env, 1);
	} else if (*journal == '\0') {
		unsetenv("JOURNAL_STREAM");
	} else {
		setenv("JOURNAL_STREAM", journal, 1);
	}
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	log_init("barazad", 0, LOG_LEVEL_DEBUG);
	log_error("e %d", 1);
	log_warnx("w %d", 2);
	log_info("i %d", 3);
	log_debug("d %d", 4);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	text = tutil_read_file(path, NULL);
	return text;
}

Test(log, journal_stream_gets_priorities)
{
	char dir[256];
	char *text;

	tutil_scratch_dir(dir, sizeof(dir), "log");
	text = log_to_file(dir, NULL);
	cr_expect_str_eq(text, "<3>barazad: error: e 1\n<4>barazad: warning: w 2\n"
	    "<6>barazad: info: i 3\n<7>barazad: debug: d 4\n");
	free(text);
	tutil_rmtree(dir);
}

Test(log, other_streams_keep_plain_lines)
{
	static const char plain[] = "barazad: error: e 1\nbarazad: warning: w 2\n"
	    "barazad: info: i 3\nbarazad: debug: d 4\n";
	/* unset; another file's device and inode (inherited from a service
	 * whose child redirected stderr); garbage */
	const char *cases[] = { "", "1:2", "12345", "x:y", "1:2:3" };
	char dir[256];

	tutil_scratch_dir(dir, sizeof(dir), "log");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = log_to_file(dir, cases[i]);

		cr_expect_str_eq(text, plain, "JOURNAL_STREAM='%s': got\n%s", cases[i],
		    text);
		free(text);
	}
	tutil_rmtree(dir);
}

/* A second locker is refused and told the holder's pid; the lock goes
 * with the holder's exit (also a kill -9: the kernel drops it). */
Test(lockfile, second_is_refused_with_the_pid_until_the_first_exits)
{
	char dir[256], path[300];
	int p[2], fd;
	long holder = -1;
	pid_t child;
	char c;

	tutil_scratch_dir(dir, sizeof(dir), "lock");
	snprintf(path, sizeof(path), "%s/baraza.db.lock", dir);
	cr_assert_eq(pipe(p), 0);
	child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		long h;

		close(p[0]);
		if (lockfile_acquire(path, &h) < 0)
			_exit(1);
		(void)write(p[1], "k", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1, "the child could not lock");
	fd = lockfile_acquire(path, &holder);
	cr_expect_eq(fd, -2, "a second lock: got %d, want -2", fd);
	cr_expect_eq(holder, (long)child, "holder: got %ld, want %ld", holder,
	    (long)child);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	fd = lockfile_acquire(path, &holder);
	cr_expect_geq(fd, 0, "after the holder died: got %d", fd);
	lockfile_release(&fd);
	cr_expect_eq(fd, -1);
	/* released: free again, and the file stays */
	fd = lockfile_acquire(path, &holder);
	cr_expect_geq(fd, 0, "after a release: got %d", fd);
	lockfile_release(&fd);
	cr_expect_eq(access(path, F_OK), 0, "the lock file was removed");
	close(p[0]);
	tutil_rmtree(dir);
}
