/* SPDX-License-Identifier: GPL-3.0-or-later */
/* digest - the biweekly digest: schedule, selection, rendering, queueing
 *
 * Schedule.  Digest 1 is due at [digest] first (local time); digest n at
 * first + (n - 1) * every_days local calendar days (so 09:00 stays 09:00
 * across DST).  Digest n covers posts that arrived in [due(n-1), due(n));
 * digest 1 is dated as the every_days before first but also takes
 * anything older, so no post is ever left out of every digest.
 *
 * Once per member per period, even across restarts: every digest due and
 * not yet built is built in turn, in one transaction each: a digests row,
 * one outbox entry per distinct rendering (members with the same language
 * and themes share one body), one outbox_rcpt and one digest_sent row per
 * member, and the built mark.  A crash before COMMIT leaves nothing; a
 * missed period is built late, never skipped.  A member whose themes had
 * nothing in the period gets no mail.
 */
#ifndef BARAZA_DIGEST_H
#define BARAZA_DIGEST_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "store.h"

/* digest_due - the due instant of digest n (n >= 1) */
time_t digest_due(const struct conf *c, long n);
/* digest_number_at - the newest digest due at or before now; 0 when none */
long digest_number_at(const struct conf *c, time_t now);
/* digest_period - [start, end) covered by digest n */
void digest_period(const struct conf *c, long n, time_t *start, time_t *end);

struct digest_opts {
	long number;
	time_t start, end;
	const char *lang;       /* member language, or the list's */
	const char *themes;     /* space-separated slugs; NULL = all themes */
};

/* digest_render - append the text and HTML bodies for these options to
 * text and html.  Returns the number of items shown (posts and summaries;
 * 0 = nothing to send), or -1 when the store failed or a body would pass
 * its buffer's cap (logged: nothing may be sent then). */
int digest_render(struct store *s, const struct conf *c,
    const struct digest_opts *o, struct buf *text, struct buf *html);

/* digest_run_due - build and queue every due digest not yet built, in
 * order.  Returns the number of digests built, or -1. */
int digest_run_due(struct store *s, const struct conf *c, time_t now);

/* digest_preview - the next digest (the one being collected now) for
 * email as a complete message into out.  1 done, 0 no such member, -1. */
int digest_preview(struct store *s, const struct conf *c, const char *email,
    struct buf *out);

#endif
