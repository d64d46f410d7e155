/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bounce - counting delivery failures against members
 *
 * Each failed address gets a bounces row with the local calendar day.  A
 * member whose address has permanent rows on 3 distinct days within the
 * last 14 (today and the 13 before) stops receiving mail (delivery none,
 * status bouncing) and gets one probe that says how to come back.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "dsn.h"
#include "clock.h"
#include "listaddr.h"
#include "log.h"
#include "notice.h"
#include "store_bounce.h"
#include "store_held.h"
#include "xalloc.h"

#define BOUNCE_DAYS 3                /* distinct days ... */
#define BOUNCE_WINDOW 14             /* ... within this many days */
#define BOUNCE_STALE_DAYS 7          /* a success clears bounces this old */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- counting ------------------------------------------------------------------ */

/* send_probe - tell a member their mail is stopped and how to restart it */
static int
send_probe(struct store *s, const struct conf *c, const struct held_member *mb,
    const char *reason)
{
	char *request = listaddr_tagged(c, LISTADDR_REQUEST, NULL);
	char *name = notice_one_line(mb->name);
	char *help = listaddr_tagged(c, LISTADDR_HELP, NULL);
	struct template_var vars[] = {
		{ "name", name },
		{ "email", mb->email },
		{ "list_name", c->list.name },
		{ "list_address", c->list.address },
		{ "request_address", request },
		{ "help_address", help },
		{ "reason", reason ? reason : "" },
	};
	struct notice n = {
		.kind = "probe", .template = "probe", .lang = mb->language,
		.vars = vars, .nvars = NELEM(vars), .to = mb->email,
		.to_name = mb->name, .member = mb->id, .from = LISTADDR_REQUEST,
		.reply_to = request,
	};
	int64_t id = notice_send(s, c, &n);

	free(request);
	free(help);
	free(name);
	return id < 0 ? -1 : 0;
}

/* count_one - record one failure of address and apply the rule */
static int
count_one(struct store *s, const struct conf *c, const char *address,
    int temporary, const char *reason, int64_t message_row)
{
	struct held_member mb;
	time_t now = clock_now();
	long today = clock_local_day(now), days;
	int found;

	found = store_held_member_by_email(s, address, &mb);
	if (found < 0)
		return -1;
	if (store_bounce_insert(s, found ? mb.id : 0, address, today, now,
	    temporary, reason, message_row) < 0)
		goto fail;
	log_info("bounce: %s %s%s%s", address, temporary ? "temporary" : "permanent",
	    reason ? ": " : "", reason ? reason : "");
	if (temporary || !found) {
		store_held_member_release(&mb);
		return 0;
	}
	days = store_bounce_days(s, address, today - (BOUNCE_WINDOW - 1));
	if (days < 0)
		goto fail;
	if (days >= BOUNCE_DAYS) {
		int changed = store_bounce_disable(s, mb.id, now);

		if (changed < 0)
			goto fail;
		if (changed) {
			log_info("bounce: %s bounced on %ld days within %d: delivery stopped",
			    address, days, BOUNCE_WINDOW);
			/* the score has done its work: a member who comes back
			 * (each/digest to cop+request@) starts from zero */
			if (store_bounce_clear(s, address) < 0)
				goto fail;
			/* the probe is best effort: the member is stopped either way */
			if (send_probe(s, c, &mb, reason) < 0)
				log_warnx("bounce: probe to %s not queued", address);
		}
	}
	store_held_member_release(&mb);
	return 0;
fail:
	store_held_member_release(&mb);
	return -1;
}

/* bounce_handle - count a report that reached cop+bounces[-VERP]@ */
int
bounce_handle(struct store *s, const struct conf *c, const struct message *m,
    int64_t message_row, const char *verp)
{
	struct dsn_report r;
	char *vaddr = listaddr_verp_address(verp);
	char *reason = NULL;
	int rc = 0;
	int is_report = dsn_parse(m, m->arena, &r);

	if (is_report < 0) {
		free(vaddr);
		return -1;
	}
	if (is_report && (r.status || r.diagnostic))
		reason = xasprintf("%s%s%s", r.status ? r.status : "",
		    r.status && r.diagnostic ? " " : "", r.diagnostic ? r.diagnostic : "");
	if (vaddr) {
		/* VERP says whose mail this was, whatever the report names
		 * (the member may forward to the address that failed) */
		int temporary = is_report ? r.temporary : 0;

		if (is_report && r.naddresses == 0 && r.temporary && r.family &&
		    strcmp(r.family, "rfc3464") == 0) {
			/* a DSN that names nobody failed: a success notice */
			log_info("bounce: %s: report names no failure; ignored", vaddr);
		} else
			rc = count_one(s, c, vaddr, temporary, reason, message_row);
	} else if (is_report) {
		for (size_t i = 0; i < r.naddresses && rc == 0; i++)
			rc = count_one(s, c, r.addresses[i], r.temporary, reason, message_row);
		if (r.naddresses == 0)
			log_info("bounce: %s: report names no address; ignored",
			    m->message_id ? m->message_id : "(no id)");
	} else
		log_info("bounce: %s: not a delivery report; ignored",
		    m->message_id ? m->message_id : "(no id)");
	free(reason);
	free(vaddr);
	return rc;
}

/* bounce_record_failure - count an SMTP-level permanent failure */
int
bounce_record_failure(struct store *s, const struct conf *c,
    const char *address, const char *reason)
{
	if (address == NULL || *address == '\0')
		return 0;
	return count_one(s, c, address, 0, reason, 0);
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
