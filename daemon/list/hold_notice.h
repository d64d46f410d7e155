/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hold_notice - the facilitators hear of held posts in groups
 *
 * moderation_hold() records a hold and tells its author; it does not
 * write to the facilitators.  hold_notice_run(), called once per daemon
 * cycle (jobs_run_due), gives each active facilitator at most one notice
 * for every hold made since the last notice: with one new hold, the post
 * itself attached and its approve address as Reply-To (as a single hold
 * always had); with more, one list with each post's author, subject,
 * reason, the start of its text and its own approve and reject addresses.
 * So 40 posts over a rate limit give each facilitator one mail, not 40.
 * With list.hold_notice_minutes > 0, notices are at least that many
 * minutes apart (the holds in between wait for the next one).  The last
 * hold told of and the time of the last notice are kept in the meta
 * table, so a restart neither repeats nor loses a notice.
 */
#ifndef BARAZA_HOLD_NOTICE_H
#define BARAZA_HOLD_NOTICE_H

#include <time.h>

#include "conf.h"
#include "store.h"

#define HOLD_NOTICE_EXCERPT_LINES 6   /* lines of each post's text in a list */

/* hold_notice_run - the notices due at now, in their own transaction: the
 * number of holds told of (0 when none was new or the interval had not
 * passed), or -1 (rolled back, tried again next cycle) */
int hold_notice_run(struct store *s, const struct conf *c, time_t now);

#endif
