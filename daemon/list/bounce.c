/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bounce - counting delivery failures against members (see bounce.h)
 *
 * Each counted failure is a bounces row with the local calendar day and
 * the transaction it came from.  A member whose address has permanent rows
 * on 3 distinct days within the last 14 (today and the 13 before) stops
 * receiving mail (delivery none, status bouncing) and the lifecycle of
 * bounce_life.c takes over.
 *
 * Why a report must reach a signed address: anyone can mail
 * cop+bounces-anything@ a perfect RFC 3464 report naming any member.  The
 * MAC in the address (bounceaddr.h) can only come from a mail baraza sent,
 * and it names the transaction, so a report can only blame the recipients
 * of the one mail whose envelope it reached; a recipient with personalize
 * = yes sees only his own address in Return-Path and can blame no one but
 * himself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "bounceaddr.h"
#include "buf.h"
#include "clock.h"
#include "dsn.h"
#include "listaddr.h"
#include "log.h"
#include "store_bounce.h"
#include "store_held.h"
#include "store_message.h"
#include "xalloc.h"

#define BOUNCE_STALE_DAYS 7          /* a success clears bounces this old */

/* utc_day - days since 1970-01-01 UTC: the date in a signed address (the
 * same everywhere, whatever list.timezone says) */
static long
utc_day(time_t t)
{
	return t < 0 ? 0 : (long)(t / 86400);
}

/* count_one - record one permanent failure of address (from transaction
 * envelope, 0 when unknown) and apply the rule */
static int
count_one(struct store *s, const struct conf *c, const char *address,
    const char *reason, int64_t message_row, int64_t envelope)
{
	struct held_member mb;
	time_t now = clock_now();
	long today = clock_local_day(now), days;
	int found;

	found = store_held_member_by_email(s, address, &mb);
	if (found < 0)
		return -1;
	if (store_bounce_insert(s, found ? mb.id : 0, address, today, now,
	    0, reason, message_row, envelope) < 0)
		goto fail;
	log_info("bounce: %s permanent%s%s", address,
	    reason ? ": " : "", reason ? reason : "");
	if (!found) {
		store_held_member_release(&mb);
		return 0;
	}
	days = store_bounce_days(s, address, today - (BOUNCE_WINDOW - 1));
	if (days < 0)
		goto fail;
	if (days >= BOUNCE_DAYS) {
		long first = store_bounce_first_day(s, address, today - (BOUNCE_WINDOW - 1));
		int changed = first < 0 ? -1 : store_bounce_disable(s, mb.id, now,
		    days, first, today, reason);

		if (changed < 0)
			goto fail;
		if (changed) {
			log_info("bounce: %s bounced on %ld days within %d: delivery stopped",
			    address, days, BOUNCE_WINDOW);
			if (bounce_stop(s, c, mb.id, now) < 0)
				goto fail;
			/* the score has done its work: a member who comes back
			 * starts from zero */
			if (store_bounce_clear(s, address) < 0)
				goto fail;
		}
	}
	store_held_member_release(&mb);
	return 0;
fail:
	store_held_member_release(&mb);
	return -1;
}

/* ignore - the message counts for no one: log why and keep it as ignored */
static int
ignore(struct store *s, const struct message *m, int64_t message_row,
    const char *why)
{
	log_info("bounce: <%s>: counts for no one: %s",
	    m && m->message_id ? m->message_id : "(no id)", why);
	if (message_row > 0 &&
	    store_message_set_state(s, message_row, "ignored", why) < 0)
		return -1;
	return 0;
}

/* named - is address among the report's failed addresses? */
static int
named(const struct dsn_report *r, const char *address)
{
	for (size_t i = 0; i < r->naddresses; i++)
		if (strcasecmp(r->addresses[i], address) == 0)
			return 1;
	return 0;
}

/* count_report - a permanent report to a valid signed address of
 * transaction id: count it against that transaction's recipients */
static int
count_report(struct store *s, const struct conf *c, const struct message *m,
    int64_t message_row, int64_t id, const struct dsn_report *r,
    const char *reason)
{
	struct bounce_rcpt *rc = NULL;
	size_t n = 0, counted = 0;
	int ok = 0;

	if (store_bounce_envelope_rcpts(s, id, &rc, &n) < 0)
		return -1;
	if (n == 0) {
		char *why = xasprintf("signed bounce address of transaction %lld, "
		    "which has no recipients on record", (long long)id);

		ok = ignore(s, m, message_row, why);
		free(why);
		return ok;
	}
	if (n == 1) {
		/* the transaction had one recipient: the report is about that
		 * mail, whatever address it names (a member may forward to
		 * the address that failed) */
		ok = count_one(s, c, rc[0].address, reason, message_row, id);
		counted = ok == 0;
	} else {
		for (size_t i = 0; i < n && ok == 0; i++)
			if (named(r, rc[i].address)) {
				ok = count_one(s, c, rc[i].address, reason, message_row, id);
				counted++;
			}
	}
	/* the rest of what it names was no recipient of that mail */
	for (size_t i = 0; i < r->naddresses && ok == 0; i++) {
		int was = 0;

		for (size_t k = 0; k < n; k++)
			if (strcasecmp(rc[k].address, r->addresses[i]) == 0)
				was = 1;
		if (!was && n > 1)
			log_info("bounce: <%s>: %s was no recipient of transaction %lld; "
			    "not counted", m->message_id ? m->message_id : "(no id)",
			    r->addresses[i], (long long)id);
	}
	if (ok == 0 && counted == 0)
		ok = ignore(s, m, message_row,
		    "report names no recipient of the transaction it reached");
	store_bounce_rcpts_free(&rc, n);
	return ok;
}

/* bounce_handle - a message that reached the bounce address */
int
bounce_handle(struct store *s, const struct conf *c, const struct message *m,
    int64_t message_row, const char *arg)
{
	unsigned char key[BOUNCEADDR_KEY_LEN];
	enum bounceaddr_verdict v;
	struct dsn_report r;
	char *reason = NULL, *why;
	int64_t id = 0;
	int is_report, rc;

	if (arg == NULL || *arg == '\0')
		return ignore(s, m, message_row, "bounce address without a signature");
	if (store_bounce_key(s, key, sizeof(key)) < 0)
		return -1;
	v = bounceaddr_verify(key, sizeof(key), arg, strlen(arg),
	    utc_day(clock_now()), &id);
	if (v != BOUNCEADDR_VALID) {
		why = xasprintf("bounce address %s (%s)", bounceaddr_verdict_name(v),
		    v == BOUNCEADDR_EXPIRED ? "older than the window" :
		    v == BOUNCEADDR_FORGED ? "its signature is not ours" :
		    "not a signed address");
		rc = ignore(s, m, message_row, why);
		free(why);
		return rc;
	}
	is_report = m ? dsn_parse(m, m->arena, &r) : 0;
	if (is_report < 0)
		return -1;
	if (!is_report)
		return ignore(s, m, message_row, "not a delivery report");
	if (r.temporary) {
		why = xasprintf("delay notice or temporary failure (%s)",
		    r.status ? r.status : "no status");
		rc = ignore(s, m, message_row, why);
		free(why);
		return rc;
	}
	if (r.naddresses == 0 && r.family && strcmp(r.family, "rfc3464") == 0)
		return ignore(s, m, message_row, "the report names no failure");
	if (r.status || r.diagnostic)
		reason = xasprintf("%s%s%s", r.status ? r.status : "",
		    r.status && r.diagnostic ? " " : "", r.diagnostic ? r.diagnostic : "");
	rc = count_report(s, c, m, message_row, id, &r, reason);
	free(reason);
	return rc;
}

/* bounce_record_failure - count an SMTP-level permanent failure */
int
bounce_record_failure(struct store *s, const struct conf *c,
    const char *address, int64_t rcpt, const char *reason)
{
	if (address == NULL || *address == '\0')
		return 0;
	return count_one(s, c, address, reason, 0, rcpt);
}

/* bounce_record_success - a delivery worked: decay the address's score */
int
bounce_record_success(struct store *s, const char *address)
{
	long last, today = clock_local_day(clock_now());
	int smtp, found;

	if (address == NULL)
		return 0;
	found = store_bounce_last(s, address, &last, &smtp);
	if (found <= 0)
		return found;
	if (smtp || today - last >= BOUNCE_STALE_DAYS) {
		long n = store_bounce_clear(s, address);

		if (n < 0)
			return -1;
		if (n > 0)
			log_info("bounce: %s delivered again: %ld bounce(s) forgotten", address, n);
	}
	return 0;
}

/* bounce_envelope - the signed envelope sender of transaction id */
char *
bounce_envelope(const struct conf *c, const unsigned char *key, int64_t id,
    time_t now)
{
	char arg[BOUNCEADDR_ARG_MAX];

	if (key == NULL || bounceaddr_sign(key, BOUNCEADDR_KEY_LEN, id,
	    utc_day(now), arg, sizeof(arg)) < 0)
		return NULL;
	return listaddr_tagged(c, LISTADDR_BOUNCES, arg);
}
