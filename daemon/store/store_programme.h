/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_programme - themes and sessions in the database
 *
 * The configuration is the source of the programme: store_programme_sync()
 * writes its themes (with their questions) and session windows into the
 * database, idempotently: running it twice changes nothing the second time.
 * A theme removed from the configuration is kept but marked inactive (posts
 * refer to it); the floor theme "general" always exists.  A configured
 * session removed from the configuration is deleted when nothing refers to
 * it yet, else kept.  Sessions opened by an administrator (source 'admin')
 * are never touched by a sync.
 *
 * A session's state as shown to people (store_session_state):
 *   closed   when closed explicitly (state 'closed': a summary, `session
 *            close`, or its close job);
 *   open     when opened explicitly (state 'open') or, while still
 *            'planned', when opens <= now < closes;
 *   planned  before it opens; closed after its end.
 * This matches the rule ingest uses to file a post into a session.
 */
#ifndef BARAZA_STORE_PROGRAMME_H
#define BARAZA_STORE_PROGRAMME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "store.h"

struct programme_sync {
	int themes_added, themes_updated, themes_retired;
	int sessions_added, sessions_updated, sessions_removed;
	int sessions_kept;            /* gone from the config but referenced */
};

/* store_programme_sync - write the themes and sessions of c into the
 * database in one transaction; counts of what changed into *r (may be
 * NULL).  0, or -1 (logged; nothing changed). */
int store_programme_sync(struct store *s, const struct conf *c,
    struct programme_sync *r);

struct theme_row {
	char *slug;                   /* owned */
	char *title;                  /* owned */
	char *keywords;               /* owned; NULL when none */
	int position;
	int active;
	long sessions;                /* number of sessions */
	long posts;                   /* number of accepted posts */
};

void theme_row_release(struct theme_row *t);

typedef int store_theme_fn(const struct theme_row *t, void *arg);
/* store_theme_each - every theme, active ones first in configuration order
 * (general last among them); the callback's non-zero value stops the walk
 * and is returned; -1 on error */
int store_theme_each(struct store *s, store_theme_fn *fn, void *arg);
/* store_theme_exists - 1 when slug names an active theme, 0 not, -1 */
int store_theme_exists(struct store *s, const char *slug);

enum session_state { SESSION_PLANNED, SESSION_OPEN, SESSION_CLOSED };

/* store_session_state - the state shown for a session (see above); stored
 * is the state column ("planned", "open", "closed") */
enum session_state store_session_state(const char *stored, time_t opens,
    time_t closes, time_t now);
/* session_state_name - "planned", "open", "closed" */
const char *session_state_name(enum session_state st);

struct session_row {
	int64_t id;
	char *theme;                  /* owned */
	time_t opens, closes;
	time_t closed_at;             /* 0 when not closed explicitly */
	char *stored_state;           /* owned: the state column */
	enum session_state state;     /* computed against now */
	char *source;                 /* owned: "config" or "admin" */
	long posts;                   /* accepted posts filed in it */
};

void session_row_release(struct session_row *r);

typedef int store_session_fn(const struct session_row *r, void *arg);
/* store_session_each - every session ordered by opens, then theme; state
 * computed against now.  Callback / return as store_theme_each. */
int store_session_each(struct store *s, time_t now, store_session_fn *fn,
    void *arg);
/* store_session_get - 1 and *out (session_row_release), 0 absent, -1 */
int store_session_get(struct store *s, int64_t id, time_t now,
    struct session_row *out);

/* store_session_open - an administrator opens a session of theme now,
 * until closes (exclusive).  Refuses (0, reason in err) when a session of
 * that theme is open at now or closes <= now.  1 and *id, 0, or -1. */
int store_session_open(struct store *s, const char *theme, time_t now,
    time_t closes, int64_t *id, char *err, size_t errlen);
/* store_session_close - close session id now (state closed, closed_at).
 * 1 closed, 0 no such session, 2 it was closed already, -1 error. */
int store_session_close(struct store *s, int64_t id, time_t now);


struct store_session_row {
	int64_t id;
	char *theme;              /* owned */
	time_t opens, closes;     /* closes: the effective end (closed_at when
	                           * closed early; at least t + 1 when still
	                           * open past its planned end) */
};
/* store_sessions_open_at - every session open at t into a fresh array
 * *out of *n (store_sessions_free); *any = 1 when the sessions table holds
 * any session at all.  A session is open at t when it opened at or before
 * t and either is open now, or is planned and t is before its end, or was
 * closed only after t.  0 or -1. */
int store_sessions_open_at(struct store *s, time_t t,
    struct store_session_row **out, size_t *n, int *any);
void store_sessions_free(struct store_session_row **rows, size_t n);

#endif
