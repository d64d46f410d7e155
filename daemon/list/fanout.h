/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fanout - one mail to many members, built once per language
 *
 * Announcements, summary kits and session summaries go to a whole group
 * (every active member, or the facilitators).  The body differs only by
 * the recipient's language, so it is built once per language in use and
 * queued as one outbox entry with one outbox_rcpt row per member: a
 * 20 000-member announcement is a handful of bodies, not 20 000.
 * Inside the caller's transaction.
 */
#ifndef BARAZA_FANOUT_H
#define BARAZA_FANOUT_H

#include "buf.h"
#include "conf.h"
#include "store.h"

/* Build the complete message for language lang into out; 0 or -1. */
typedef int fanout_build_fn(void *arg, const char *lang, struct buf *out);

/* fanout_send - who is "active" or "facilitators"; kind is the outbox
 * kind.  Returns the number of recipients queued, or -1. */
long fanout_send(struct store *s, const struct conf *c, const char *who,
    const char *kind, fanout_build_fn *build, void *arg);

#endif
