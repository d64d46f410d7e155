/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log - the one logger of both programs
 *
 * The daemon logs to syslog (facility mail) unless run in the foreground; the
 * admin command and the foreground daemon log to stderr as "prog: level: text".
 * When stderr is the journal's stream (systemd's JOURNAL_STREAM names its
 * device and inode), each line starts with its syslog priority, "<4>" for a
 * warning (sd-daemon(3)), so that `journalctl -p warning` finds them.
 * Message decisions are logged one line each, keyed by Message-ID, so one mail
 * can be followed through the log.  Secrets are never passed to these calls.
 *
 * log_warn() appends ": strerror(errno)"; log_warnx() does not.
 * log_error() logs like log_warnx() and returns -1, so "return log_error(...)"
 * reads well in functions that return 0 / -1.
 * fatal() is for the environment (bad config at start, out of memory): it logs
 * and exits 1.  BUG() is for broken invariants: it logs and aborts (core).
 */
#ifndef BARAZA_LOG_H
#define BARAZA_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* log_init - set the program name, the destination and the lowest level shown.
 * to_syslog: 1 = syslog(3), 0 = stderr. May be called again (SIGHUP, -v). */
void log_init(const char *progname, int to_syslog, enum log_level level);
/* log_set_level - change the lowest level shown */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* log_quiet - on: errors and warnings are logged at debug level (the
 * daemon's retries of a failure it has reported once already); off: as
 * usual */
void log_quiet(int on);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void log_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define BUG(...) log_bug(__FILE__, __LINE__, __VA_ARGS__)

#endif
