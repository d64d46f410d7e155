/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock - BARAZA_NOW, local time zone, ISO 8601 and RFC 5322 dates */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

/* clock_days_from_civil - see clock.h */
long
clock_days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* digits - exactly n decimal digits at s into *out; 0 or -1 */
static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* parse_datetime - the shared part of the ISO and local forms.  Returns the
 * number of bytes read, and the fields; has_time tells whether HH:MM came. */
static int
parse_datetime(const char *s, int *y, int *mo, int *d, int *h, int *mi,
    int *sec, char sep)
{
	const char *p = s;

	*h = *mi = *sec = 0;
	if (digits(p, 4, y) || p[4] != '-' || digits(p + 5, 2, mo) ||
	    p[7] != '-' || digits(p + 8, 2, d))
		return -1;
	p += 10;
	if (*mo < 1 || *mo > 12 || *d < 1 || *d > 31)
		return -1;
	if (*p == sep || (sep == 'T' && *p == 't') || (sep == ' ' && *p == 'T')) {
		if (digits(p + 1, 2, h) || p[3] != ':' || digits(p + 4, 2, mi))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, sec))
				return -1;
			p += 3;
			if (*p == '.' || *p == ',')
				for (p++; isdigit((unsigned char)*p); p++)
					;
		}
		if (*h > 23 || *mi > 59 || *sec > 60)
			return -1;
	}
	return (int)(p - s);
}

/* clock_local - see clock.h */
time_t
clock_local(int year, int mon, int mday, int hour, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* clock_parse_iso - see clock.h */
int
clock_parse_iso(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, n, oh, om, sign;
	const char *p;

	while (isspace((unsigned char)*s))
		s++;
	n = parse_datetime(s, &y, &mo, &d, &h, &mi, &sec, 'T');
	if (n < 0)
		return -1;
	p = s + n;
	if (*p == 'Z' || *p == 'z') {
		p++;
		*out = (time_t)(clock_days_from_civil(y, mo, d) * 86400L + h * 3600L +
		    mi * 60L + sec);
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh))
			return -1;
		p += 3;
		if (*p == ':')
			p++;
		if (digits(p, 2, &om))
			return -1;
		p += 2;
		*out = (time_t)(clock_days_from_civil(y, mo, d) * 86400L + h * 3600L +
		    mi * 60L + sec - sign * (oh * 3600L + om * 60L));
	} else {
		*out = clock_local(y, mo, d, h, mi) + sec;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -1 : 0;
}

/* clock_parse_local - see clock.h */
int
clock_parse_local(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, n;

	n = parse_datetime(s, &y, &mo, &d, &h, &mi, &sec, ' ');
	if (n < 0 || s[n] != '\0')
		return -1;
	*out = clock_local(y, mo, d, h, mi) + sec;
	return 0;
}

/* clock_now - see clock.h */
time_t
clock_now(void)
{
	const char *env = getenv("BARAZA_NOW");
	time_t t;

	if (env && *env && clock_parse_iso(env, &t) == 0)
		return t;
	return time(NULL);
}

/* clock_check_env - see clock.h */
int
clock_check_env(char *err, size_t errlen)
{
	const char *env = getenv("BARAZA_NOW");
	time_t t;

	if (env == NULL || *env == '\0' || clock_parse_iso(env, &t) == 0)
		return 0;
	snprintf(err, errlen, "BARAZA_NOW: '%s' is not an ISO 8601 instant", env);
	return -1;
}

/* clock_set_timezone - see clock.h */
int
clock_set_timezone(const char *tz)
{
	char path[512];

	if (tz == NULL || *tz == '\0' || strstr(tz, ".."))
		return -1;
	if (strcmp(tz, "UTC") && strcmp(tz, "GMT") && strcmp(tz, "Etc/UTC")) {
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
		if (tz[0] == '/' || access(path, R_OK) != 0)
			return -1;
	}
	setenv("TZ", tz, 1);
	tzset();
	return 0;
}

/* clock_format_iso - see clock.h */
char *
clock_format_iso(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/* clock_format_date - see clock.h */
char *
clock_format_date(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%d", &tm);
	return out;
}

/* clock_format_rfc5322 - see clock.h */
char *
clock_format_rfc5322(time_t t, char *out, size_t outlen)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, outlen, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, mons[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	    labs(off) / 60, labs(off) % 60);
	return out;
}

/* clock_local_day - see clock.h */
long
clock_local_day(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return clock_days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1L, tm.tm_mday);
}

/* clock_format_duration - see clock.h */
const char *
clock_format_duration(time_t secs, char *out, size_t outlen)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		snprintf(out, outlen, "%ldd %02ldh", (long)(secs / 86400),
		    (long)(secs % 86400 / 3600));
	else if (secs >= 3600)
		snprintf(out, outlen, "%ldh %02ldm", (long)(secs / 3600),
		    (long)(secs % 3600 / 60));
	else if (secs >= 60)
		snprintf(out, outlen, "%ldm %02lds", (long)(secs / 60),
		    (long)(secs % 60));
	else
		snprintf(out, outlen, "%lds", (long)secs);
	return out;
}
