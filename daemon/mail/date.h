/* SPDX-License-Identifier: GPL-3.0-or-later */
/* date - read the Date: field of a message
 *
 * RFC 5322 date-time, and the broken forms mail carries: a missing
 * weekday or seconds, two-digit and three-digit years, named zones ("EST",
 * "CEST", "MESZ"), zones without minutes ("+01"), ISO 8601
 * ("2020-11-20T10:00:00Z"), comments and trailing text.  Pure.
 */
#ifndef BARAZA_DATE_H
#define BARAZA_DATE_H

#include <time.h>

/* date_parse - the time s (unfolded, NUL-terminated) names, as UTC
 * seconds; 0 when it cannot be read (no day, month or year, a year before
 * 1970, a time out of range) */
time_t date_parse(const char *s);

#endif
