/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log - stderr or syslog logging with levels */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <syslog.h>

#include "log.h"

static const char *log_progname = "baraza";
static int log_syslog;
static enum log_level log_level = LOG_LEVEL_INFO;
static int log_journal;     /* stderr is journald's stream: "<N>" prefixes */
static int log_quieted;     /* errors and warnings demoted to debug */

/* stderr_is_journal - JOURNAL_STREAM ("DEV:INODE", set by systemd for a
 * service whose stderr goes to the journal) names the file stderr is
 * connected to.  Compared, not just tested for presence: a program started
 * from a service with its stderr redirected inherits the variable. */
static int
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char tail;

	if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &sb) < 0)
		return 0;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

/* log_init - choose the name, destination and threshold */
void
log_init(const char *progname, int to_syslog, enum log_level level)
{
	if (log_syslog && !to_syslog)
		closelog();
	log_progname = progname;
	log_syslog = to_syslog;
	log_level = level;
	log_journal = !to_syslog && stderr_is_journal();
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_set_level - see log.h */
void
log_set_level(enum log_level level)
{
	log_level = level;
}

/* log_quiet - see log.h */
void
log_quiet(int on)
{
	log_quieted = on;
}

/* log_get_level - see log.h */
enum log_level
log_get_level(void)
{
	return log_level;
}

/* log_vemit - write one line; err >= 0 appends strerror(err) */
static void
log_vemit(enum log_level level, int err, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[4096];
	int n;

	if (log_quieted && level < LOG_LEVEL_INFO)
		level = LOG_LEVEL_DEBUG;
	if (level > log_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		n = 0;
	if (err >= 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(err));
	/* Nothing that reaches the log may break its line structure. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_syslog)
		syslog(prio[level], "%s", line);
	else if (log_journal)   /* sd-daemon(3): journald reads the priority */
		fprintf(stderr, "<%d>%s: %s: %s\n", prio[level], log_progname,
		    names[level], line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_progname, names[level], line);
}

#define LOG_BODY(level, err) \
	va_list ap; va_start(ap, fmt); log_vemit(level, err, fmt, ap); va_end(ap)

void log_warn(const char *fmt, ...)  { int e = errno; LOG_BODY(LOG_LEVEL_WARN, e); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_LEVEL_WARN, -1); }
void log_info(const char *fmt, ...)  { LOG_BODY(LOG_LEVEL_INFO, -1); }
void log_debug(const char *fmt, ...) { LOG_BODY(LOG_LEVEL_DEBUG, -1); }

/* log_error - see log.h */
int
log_error(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, -1);
	return -1;
}

/* fatal - see log.h */
void
fatal(const char *fmt, ...)
{
	log_quieted = 0;
	LOG_BODY(LOG_LEVEL_ERROR, -1);
	exit(1);
}

/* log_bug - see log.h */
void
log_bug(const char *file, int line, const char *fmt, ...)
{
	char where[256];
	va_list ap;

	snprintf(where, sizeof(where), "BUG at %s:%d: ", file, line);
	fputs(where, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
