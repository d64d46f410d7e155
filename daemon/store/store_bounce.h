/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_bounce - the SQL of bounce counting (the bounces table)
 *
 * Addresses are stored and compared lower-cased.  Every function works
 * inside whatever transaction the caller holds.
 */
#ifndef BARAZA_STORE_BOUNCE_H
#define BARAZA_STORE_BOUNCE_H

#include <stdint.h>
#include <time.h>

#include "store.h"

/* store_bounce_insert - one bounces row; member and message may be 0 (NULL
 * in the table); reason may be NULL.  0 or -1. */
int store_bounce_insert(struct store *s, int64_t member, const char *address,
    long day, time_t at, int temporary, const char *reason, int64_t message);

/* store_bounce_days - distinct local days on or after from_day with a
 * permanent (counting) bounce of address; -1 error */
long store_bounce_days(struct store *s, const char *address, long from_day);

/* store_bounce_last - the newest counting bounce of address: 1 with its day
 * and whether it came from the SMTP dialogue (no message row), 0 none, -1 */
int store_bounce_last(struct store *s, const char *address, long *day, int *smtp);

/* store_bounce_clear - delete the counting bounces of address (a decay);
 * returns the number of rows removed, or -1 */
long store_bounce_clear(struct store *s, const char *address);

/* store_bounce_disable - member stops receiving mail: delivery 'none',
 * status 'bouncing'.  1 when it changed an active member, 0 when the member
 * was not active (nothing done), -1 error. */
int store_bounce_disable(struct store *s, int64_t member, time_t now);

#endif
