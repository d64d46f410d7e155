/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_jobs - the jobs table and the session/outbox rows jobs touch
 *
 * Jobs are rows (kind, ref, due, done) with UNIQUE(kind, ref): planning is
 * idempotent, and a job's effects commit in one transaction with its done
 * mark (store_jobs_done), so a restart runs a missed job late, and never
 * twice.
 */
#ifndef BARAZA_STORE_JOBS_H
#define BARAZA_STORE_JOBS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct job {
	int64_t id;
	char kind[32];        /* session-open, session-kit, session-close */
	char ref[64];         /* the session id */
	time_t due;
};

/* store_jobs_plan - add open/kit/close jobs for every session that has none
 * (kit_before seconds before the close).  0 or -1. */
int store_jobs_plan(struct store *s, time_t kit_before);
/* store_jobs_next - the oldest job due at or before now that is not done:
 * 1 and *j, 0 none, -1 error */
int store_jobs_next(struct store *s, time_t now, struct job *j);
/* store_jobs_done - mark job id done at when (inside the job's transaction) */
int store_jobs_done(struct store *s, int64_t id, time_t when);

/* store_session_set_state - move a session to open or closed (closed_at =
 * when); a closed session never reopens.  Returns 1 changed, 0 not, -1. */
int store_session_set_state(struct store *s, int64_t session, const char *state,
    time_t when);

/* One session with its theme, for announcements and kits. */
struct job_session {
	int64_t id;
	char theme[64], title[512], state[16];
	time_t opens, closes;
};
/* store_job_session - 1 and *js, 0 no such session, -1 */
int store_job_session(struct store *s, int64_t id, struct job_session *js);

/* store_mail_queue - one outbox entry of this kind with a complete body
 * (shared by all its recipients).  The id, or -1. */
int64_t store_mail_queue(struct store *s, const char *kind, const char *body,
    size_t len);
/* store_mail_add_rcpt - one recipient of that entry; 0 or -1 */
int store_mail_add_rcpt(struct store *s, int64_t outbox, int64_t member,
    const char *address);

/* Recipients streamed by id: who = "active" (every active member, any
 * delivery mode) or "facilitators" (active facilitators).  The callback
 * gets id, address, name and language ("" when unset). */
int store_job_recipients(struct store *s, const char *who,
    int (*fn)(void *arg, int64_t id, const char *email, const char *name,
    const char *lang), void *arg);

/* store_session_new_voices - names of voices whose first post ever is in
 * this session, in order of that post; fn per name */
int store_session_new_voices(struct store *s, int64_t session,
    int (*fn)(void *arg, const char *name), void *arg);

/* store_summary_session - the session a summary for theme (NULL: any)
 * arriving at now belongs to: the open one (closing first), else the most
 * recently closed.  1 and *id, 0 none, -1 error. */
int store_summary_session(struct store *s, const char *theme, time_t now, int64_t *id);
/* store_session_set_summary - the session's summary post; *previous gets
 * the post it replaces (0 when none).  0 or -1. */
int store_session_set_summary(struct store *s, int64_t session, int64_t post,
    int64_t *previous);
#endif
