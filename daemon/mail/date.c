/* SPDX-License-Identifier: GPL-3.0-or-later */
/* date - the Date: field (see date.h) */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "date.h"
#include "header.h"

/* Zone names mail still carries, in minutes east of UTC */
static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "WET", 0 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	{ "AKST", -540 }, { "AKDT", -480 }, { "HST", -600 },
	{ "BST", 60 }, { "IST", 330 }, { "CET", 60 }, { "CEST", 120 },
	{ "MET", 60 }, { "MEST", 120 }, { "MEZ", 60 }, { "MESZ", 120 },
	{ "WEST", 60 }, { "EET", 120 }, { "EEST", 180 }, { "MSK", 180 },
	{ "EAT", 180 }, { "CAT", 120 }, { "WAT", 60 }, { "SAST", 120 },
	{ "JST", 540 }, { "KST", 540 }, { "HKT", 480 }, { "SGT", 480 },
	{ "AWST", 480 }, { "ACST", 570 }, { "AEST", 600 }, { "AEDT", 660 },
	{ "NZST", 720 }, { "NZDT", 780 },
};

static const char *const months[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

/* date_parse - see date.h */
time_t
date_parse(const char *s)
{
	int day = -1, mon = -1, year = -1, hh = -1, mi = 0, ss = 0, zone = 0;
	int have_zone = 0;
	const char *p = s;

	while (*p) {
		char tok[32];
		size_t n = 0;

		while (*p && (header_wsp((unsigned char)*p) || *p == ','))
			p++;
		if (*p == '(') {
			int depth = 0;

			do {
				if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (*p && depth > 0);
			continue;
		}
		while (*p && !header_wsp((unsigned char)*p) && *p != ',' && *p != '(') {
			if (n < sizeof(tok) - 1)
				tok[n++] = *p;
			p++;
		}
		tok[n] = '\0';
		if (n == 0)
			continue;
		if (isdigit((unsigned char)tok[0]) && n >= 10 && tok[4] == '-' && tok[7] == '-') {
			/* ISO 8601 */
			int Y, M, D, h = 0, m2 = 0, sec = 0;
			char zc = 0;

			if (sscanf(tok, "%4d-%2d-%2d", &Y, &M, &D) == 3) {
				year = Y;
				mon = M - 1;
				day = D;
				if (n > 10 && (tok[10] == 'T' || tok[10] == 't') &&
				    sscanf(tok + 11, "%2d:%2d:%2d%c", &h, &m2, &sec, &zc) >= 2) {
					hh = h;
					mi = m2;
					ss = sec;
					if (zc == 'Z' || zc == 'z')
						have_zone = 1;
				}
			}
			continue;
		}
		if (strchr(tok, ':') && isdigit((unsigned char)tok[0])) {
			int h = 0, m2 = 0, sec = 0;

			if (sscanf(tok, "%d:%d:%d", &h, &m2, &sec) >= 2 && hh < 0) {
				hh = h;
				mi = m2;
				ss = sec;
			}
			continue;
		}
		if ((tok[0] == '+' || tok[0] == '-') && isdigit((unsigned char)tok[1])) {
			int v = 0, digits = 0;
			size_t i;

			for (i = 1; i < n && digits < 4; i++) {
				if (tok[i] == ':')
					continue;
				if (!isdigit((unsigned char)tok[i]))
					break;
				v = v * 10 + (tok[i] - '0');
				digits++;
			}
			if (digits == 4 && !have_zone) {
				zone = (v / 100) * 60 + v % 100;
				if (tok[0] == '-')
					zone = -zone;
				have_zone = 1;
			} else if (digits <= 2 && !have_zone && digits) {
				zone = v * 60 * (tok[0] == '-' ? -1 : 1);
				have_zone = 1;
			}
			continue;
		}
		if (isdigit((unsigned char)tok[0])) {
			long v = strtol(tok, NULL, 10);

			if (day < 0 && n <= 2 && v >= 1 && v <= 31)
				day = (int)v;
			else if (year < 0 && v < 10000)
				year = n <= 2 ? (int)(v < 50 ? 2000 + v : 1900 + v) :
				    n == 3 ? (int)(1900 + v) : (int)v;
			continue;
		}
		if (isalpha((unsigned char)tok[0])) {
			size_t i;
			char up[8];

			if (n >= 3 && mon < 0) {
				for (i = 0; i < 12; i++)
					if (strncasecmp(tok, months[i], 3) == 0)
						break;
				if (i < 12) {
					mon = (int)i;
					continue;
				}
			}
			if (!have_zone && n < sizeof(up)) {
				for (i = 0; i < n; i++)
					up[i] = (char)toupper((unsigned char)tok[i]);
				up[n] = '\0';
				for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
					if (strcmp(up, zones[i].name) == 0) {
						zone = zones[i].minutes;
						have_zone = 1;
						break;
					}
			}
		}
	}
	if (day < 1 || mon < 0 || year < 1970 || year > 9999 || day > 31)
		return 0;
	if (hh < 0)
		hh = 0;
	if (hh > 23 || mi > 59 || ss > 60 || mi < 0 || ss < 0)
		return 0;
	if (ss == 60)
		ss = 59;
	return (time_t)(clock_days_from_civil(year, mon + 1L, day) * 86400 +
	    hh * 3600 + mi * 60 + ss - (long long)zone * 60);
}
