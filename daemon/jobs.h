/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jobs - the session calendar and other due work, run by barazad
 *
 * Every session gets three jobs: session-open (state open; an announcement
 * to every active member: theme, dates, the theme's questions, how to post,
 * who facilitates), session-kit two days before the close (a summary kit to
 * the facilitators: figures, the busiest threads, unanswered questions,
 * resources, new voices, and a skeleton to send back to cop+summary@), and
 * session-close (state closed, unless a summary closed it already).  Then
 * the digests (digest.h).  Moderation holds past their 14 days expire first.
 * Each job's effects and its done mark commit in one transaction: after a
 * crash or a week of downtime, missed jobs run late, once, in order.
 *
 * Catch-up.  A job that runs late sends only what still makes sense: the
 * announcement and the kit of a session that has ended by now are skipped
 * (logged; the session's state still moves), so a daemon started three
 * weeks into the programme announces only the sessions open now.  Missed
 * digest periods are each built once, late (SPEC §6), an empty one sends
 * nothing.
 */
#ifndef BARAZA_JOBS_H
#define BARAZA_JOBS_H

#include <time.h>

#include "conf.h"
#include "store.h"

#define JOBS_KIT_BEFORE (2 * 86400)

/* jobs_run_due - plan jobs for new sessions, run every job due at now,
 * then build due digests.  Returns the number of jobs and digests run, or
 * -1 (what ran is committed; the rest runs next time). */
int jobs_run_due(struct store *s, const struct conf *c, time_t now);

#endif
