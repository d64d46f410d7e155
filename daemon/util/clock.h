/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock - "now", time zones and date formats
 *
 * Everything in baraza asks clock_now() for the time, never time(2): when the
 * environment variable BARAZA_NOW holds an ISO 8601 instant
 * ("2020-11-20T10:00:00Z", "2020-11-20T11:00:00+01:00"), that is "now" for
 * both programs (README: tests drive sessions, digests and jobs with it).
 * Stored times are UTC seconds; local dates
 * are interpreted in the list's time zone, set once with clock_set_timezone()
 * (it sets TZ for the process, so localtime_r/mktime are DST-correct).
 */
#ifndef BARAZA_CLOCK_H
#define BARAZA_CLOCK_H

#include <stddef.h>
#include <time.h>

/* clock_now - BARAZA_NOW when set and valid, else time(NULL) */
time_t clock_now(void);
/* clock_check_env - 0 when BARAZA_NOW is unset or valid, -1 (and a message
 * in err) when it is set but unparsable */
int clock_check_env(char *err, size_t errlen);

/* clock_set_timezone - make tz ("Europe/Amsterdam", "UTC") the process's
 * local zone; 0, or -1 when no such zone exists */
int clock_set_timezone(const char *tz);

/* clock_parse_iso - "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HHMM]"; without a zone
 * the time is local.  0 and *out, or -1. */
int clock_parse_iso(const char *s, time_t *out);
/* clock_parse_local - "YYYY-MM-DD" (local midnight) or "YYYY-MM-DD HH:MM"
 * in the local zone; 0 and *out, or -1 */
int clock_parse_local(const char *s, time_t *out);
/* clock_local - the UTC instant of a local wall-clock time (DST-correct) */
time_t clock_local(int year, int mon, int mday, int hour, int min);

/* clock_format_iso - "2020-11-20T10:00:00Z" into out (at least 21 bytes) */
char *clock_format_iso(time_t t, char *out, size_t outlen);
/* clock_format_date - local "2020-11-17" into out (at least 11 bytes) */
char *clock_format_date(time_t t, char *out, size_t outlen);
/* clock_format_rfc5322 - "Fri, 20 Nov 2020 11:00:00 +0100" (local zone) */
char *clock_format_rfc5322(time_t t, char *out, size_t outlen);
/* clock_format_duration - "42s", "12m 05s", "3h 07m", "2d 04h" (two units at
 * most; a negative span reads 0s) into out */
const char *clock_format_duration(time_t secs, char *out, size_t outlen);
/* clock_days_from_civil - days since 1970-01-01 of the proleptic Gregorian
 * date y-m-d (m 1..12; d may run past the month's end) */
long clock_days_from_civil(long y, long m, long d);
/* clock_local_day - local calendar day number (days since 1970-01-01 local) */
long clock_local_day(time_t t);

#endif
