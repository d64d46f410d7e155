/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bounce_life - the lifecycle of a member whose mail bounces (bounce.h)
 *
 * In prose.  When the rule of bounce.c stops a member (status bouncing,
 * delivery none; the delivery they had is kept in the bouncing table):
 *  1. the member gets a probe at once, and again 1, 3 and 7 days after the
 *     stop while they are still stopped (BOUNCE_PROBE_DAYS).  A probe is a
 *     short mail that says what happened, with the true figures (on how
 *     many days between which dates, the last report), and how to come
 *     back (each, or digest: one mail every digest.every_days days).  It
 *     goes out like any other mail, from a signed bounce address of its
 *     own, so a report about it names exactly that probe.
 *  2. the facilitators get one notice per lifecycle run (a daemon cycle)
 *     that lists every member stopped since the previous one, with the
 *     same figures, so an outage that stops fifty members is one mail.
 *  3. a probe "goes through" when the SMTP server took it and no delivery
 *     report came back to its signed address within BOUNCE_PROBE_GRACE
 *     days: the address works again.  The member is then enabled again
 *     with the delivery they had, their counted bounces forgotten, and
 *     the member and the facilitators are told.  (A member can also come
 *     back at any time by sending each or digest; request.c does that.)
 *  4. after the last probe the member stays stopped until one of those
 *     happens; `baraza member list` shows why and since when.
 * Every step commits in its own transaction with its effects, so a crash
 * repeats nothing and loses nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "clock.h"
#include "listaddr.h"
#include "log.h"
#include "notice.h"
#include "store_bounce.h"
#include "store_held.h"
#include "xalloc.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define LIFE_BATCH 100          /* members handled per run and kind */
#define LIST_MAX 50             /* members named in one facilitators' notice */

static const int probe_days[] = BOUNCE_PROBE_DAYS;

/* day_date - the date of local day number day, "2020-11-17" */
static void
day_date(long day, char *out, size_t outlen)
{
	time_t t = (time_t)day * 86400;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, outlen, "%Y-%m-%d", &tm) == 0)
		snprintf(out, outlen, "?");
}

/* The figures every notice of the lifecycle shows. */
struct figures {
	char days[24], first[24], last[24], since[24], every[24], probes[24];
	char window[24], grace[24];
};

static void
figures_of(const struct conf *c, const struct bouncing *b, struct figures *f)
{
	snprintf(f->days, sizeof(f->days), "%ld", b->days);
	day_date(b->first_day, f->first, sizeof(f->first));
	day_date(b->last_day, f->last, sizeof(f->last));
	clock_format_date(b->since, f->since, sizeof(f->since));
	snprintf(f->every, sizeof(f->every), "%ld",
	    c && c->digest.every_days > 0 ? (long)c->digest.every_days : 14L);
	snprintf(f->probes, sizeof(f->probes), "%d", b->probes);
	snprintf(f->window, sizeof(f->window), "%d", BOUNCE_WINDOW);
	snprintf(f->grace, sizeof(f->grace), "%d", BOUNCE_PROBE_GRACE);
}

/* send_to - one lifecycle notice (template) about member mb to address
 * to; the outbox id or -1 */
static int64_t
send_to(struct store *s, const struct conf *c, const struct held_member *mb,
    const struct bouncing *b, const char *template, const char *kind,
    const struct held_member *to, const char *delivery)
{
	struct figures f;
	char *request = listaddr_tagged(c, LISTADDR_REQUEST, NULL);
	char *name = notice_one_line(mb->name);
	char *reason = b->reason ? notice_one_line(b->reason) : NULL;
	struct template_var vars[] = {
		{ "name", name },
		{ "email", mb->email },
		{ "list_name", c->list.name },
		{ "list_address", c->list.address },
		{ "request_address", request },
		{ "reason", reason ? reason : "" },
		{ "days", f.days },
		{ "first_day", f.first },
		{ "last_day", f.last },
		{ "since", f.since },
		{ "every_days", f.every },
		{ "probes", f.probes },
		{ "window", f.window },
		{ "grace", f.grace },
		{ "delivery", delivery ? delivery : "" },
		{ "to_name", to->name },
	};
	struct notice n = {
		.kind = kind, .template = template, .lang = to->language,
		.vars = vars, .nvars = NELEM(vars), .to = to->email,
		.to_name = to->name, .member = to->id, .from = LISTADDR_REQUEST,
		.reply_to = request,
	};
	int64_t id;

	figures_of(c, b, &f);
	id = notice_send(s, c, &n);
	free(request);
	free(name);
	free(reason);
	return id;
}

/* tell_facilitators - template about member mb to every facilitator but
 * mb; 0 or -1 (a notice that cannot be built is logged and skipped) */
static int
tell_facilitators(struct store *s, const struct conf *c,
    const struct held_member *mb, const struct bouncing *b, const char *template)
{
	struct held_member *fac = NULL;
	size_t nfac = 0;

	if (store_held_facilitators(s, &fac, &nfac) < 0)
		return -1;
	for (size_t i = 0; i < nfac; i++) {
		if (fac[i].id == mb->id)
			continue;
		if (send_to(s, c, mb, b, template, "bounce-notice", &fac[i],
		    b->delivery) < 0)
			log_warnx("bounce: notice about %s to %s not queued",
			    mb->email, fac[i].email);
	}
	for (size_t i = 0; i < nfac; i++)
		store_held_member_release(&fac[i]);
	free(fac);
	return 0;
}

/* probe_one - send member's next probe and schedule the one after; inside
 * a transaction.  0 or -1. */
static int
probe_one(struct store *s, const struct conf *c, int64_t member, time_t now)
{
	struct held_member mb;
	struct bouncing b;
	time_t next = 0;
	int64_t outbox;
	int found = store_held_member_by_id(s, member, &mb);

	if (found <= 0)
		return found;
	if (store_bouncing_get(s, member, &b) <= 0) {
		store_held_member_release(&mb);
		return 0;
	}
	if ((size_t)b.probes + 1 < NELEM(probe_days))
		next = b.since + (time_t)probe_days[b.probes + 1] * 86400;
	b.probes++;    /* the figures say which probe this is */
	outbox = send_to(s, c, &mb, &b, "probe", "probe", &mb, NULL);
	if (outbox < 0)
		log_warnx("bounce: probe to %s not queued", mb.email);
	else
		log_info("bounce: probe %d to %s queued%s", b.probes, mb.email,
		    next ? "" : " (the last)");
	if (store_bouncing_probed(s, member, outbox > 0 ? outbox : 0, now, next) < 0) {
		store_bouncing_release(&b);
		store_held_member_release(&mb);
		return -1;
	}
	store_bouncing_release(&b);
	store_held_member_release(&mb);
	return 0;
}

/* bounce_stop - see bounce.h */
int
bounce_stop(struct store *s, const struct conf *c, int64_t member, time_t now)
{
	/* the facilitators hear of it in the next lifecycle run, in one
	 * notice with every member stopped since the last one */
	return probe_one(s, c, member, now);
}

/* enable_one - member's probe went through: enable them; inside a
 * transaction.  0 or -1. */
static int
enable_one(struct store *s, const struct conf *c, int64_t member, time_t now)
{
	struct held_member mb;
	struct bouncing b;
	int changed, rc = 0;

	if (store_held_member_by_id(s, member, &mb) <= 0)
		return 0;
	if (store_bouncing_get(s, member, &b) <= 0) {
		store_held_member_release(&mb);
		return 0;
	}
	changed = store_bouncing_enable(s, member, now);
	if (changed < 0)
		rc = -1;
	else if (changed) {
		log_info("bounce: %s: a probe went through; delivery %s again",
		    mb.email, b.delivery);
		if (send_to(s, c, &mb, &b, "bounce-restored", "bounce-restored",
		    &mb, b.delivery) < 0)
			log_warnx("bounce: notice to %s not queued", mb.email);
		rc = tell_facilitators(s, c, &mb, &b, "bounce-restored-facilitator");
	}
	store_bouncing_release(&b);
	store_held_member_release(&mb);
	return rc;
}

/* stopped_line - one member's line in the facilitators' notice */
static void
stopped_line(struct store *s, int64_t member, struct buf *list)
{
	struct held_member mb;
	struct bouncing b;
	struct figures f;

	if (store_held_member_by_id(s, member, &mb) <= 0)
		return;
	if (store_bouncing_get(s, member, &b) == 1) {
		char *name = notice_one_line(mb.name);
		char *reason = b.reason ? notice_one_line(b.reason) : NULL;

		figures_of(NULL, &b, &f);
		buf_printf(list, "- %s%s<%s>: failed on %s days from %s to %s%s%s; "
		    "delivery was %s\n", name ? name : "", name ? " " : "", mb.email,
		    f.days, f.first, f.last, reason ? "; last: " : "",
		    reason ? reason : "", b.delivery);
		free(name);
		free(reason);
		store_bouncing_release(&b);
	}
	store_held_member_release(&mb);
}

/* tell_stopped - one notice to each facilitator listing every member
 * stopped since the last such notice (meta.bounce_told); own transaction.
 * Returns the number of members told about, or -1. */
static int
tell_stopped(struct store *s, const struct conf *c)
{
	int64_t ids[LIST_MAX];
	struct held_member *fac = NULL;
	size_t n = 0, nfac = 0;
	long total = 0;
	time_t after = 0, last = 0;
	char *told = NULL, stamp[32], count[24], more[24];
	struct buf list;
	int rc = 0;

	if (store_begin(s) < 0)
		return -1;
	if (store_meta_get(s, "bounce_told", &told) < 0)
		goto fail;
	if (told)
		after = (time_t)strtoll(told, NULL, 10);
	free(told);
	if (store_bouncing_stopped_after(s, after, ids, NELEM(ids), &n, &total, &last) < 0)
		goto fail;
	if (total == 0) {
		store_rollback(s);
		return 0;
	}
	buf_init(&list, 256 * 1024);
	for (size_t i = 0; i < n; i++)
		stopped_line(s, ids[i], &list);
	snprintf(count, sizeof(count), "%ld", total);
	snprintf(more, sizeof(more), "%ld", total - (long)n);
	if (store_held_facilitators(s, &fac, &nfac) < 0) {
		buf_release(&list);
		goto fail;
	}
	for (size_t i = 0; i < nfac; i++) {
		char *request = listaddr_tagged(c, LISTADDR_REQUEST, NULL);
		char grace[24], window[24];
		struct template_var vars[] = {
			{ "list_name", c->list.name },
			{ "request_address", request },
			{ "count", count },
			{ "members", list.data ? list.data : "" },
			{ "more", total > (long)n ? more : "" },
			{ "grace", grace },
			{ "window", window },
			{ "to_name", fac[i].name },
		};
		struct notice nt = {
			.kind = "bounce-notice", .template = "bounce-stopped",
			.lang = fac[i].language, .vars = vars, .nvars = NELEM(vars),
			.to = fac[i].email, .to_name = fac[i].name, .member = fac[i].id,
			.from = LISTADDR_REQUEST, .reply_to = request,
		};

		snprintf(grace, sizeof(grace), "%d", BOUNCE_PROBE_GRACE);
		snprintf(window, sizeof(window), "%d", BOUNCE_WINDOW);
		if (notice_send(s, c, &nt) < 0)
			log_warnx("bounce: notice to %s not queued", fac[i].email);
		free(request);
	}
	for (size_t i = 0; i < nfac; i++)
		store_held_member_release(&fac[i]);
	free(fac);
	buf_release(&list);
	snprintf(stamp, sizeof(stamp), "%lld", (long long)last);
	if (store_meta_set(s, "bounce_told", stamp) < 0 || store_commit(s) < 0)
		goto fail;
	log_info("bounce: facilitators told of %ld stopped member(s)", total);
	rc = (int)(total > 1000000 ? 1000000 : total);
	return rc;
fail:
	store_rollback(s);
	return -1;
}

/* run_kind - which 0: due probes; 1: probes that went through */
static int
run_kind(struct store *s, const struct conf *c, time_t now, int which)
{
	int64_t ids[LIFE_BATCH];
	size_t n = 0;
	int done = 0;

	if (store_begin(s) < 0)
		return -1;
	if (store_bouncing_members(s, which, now,
	    now - (time_t)BOUNCE_PROBE_GRACE * 86400, ids, NELEM(ids), &n) < 0 ||
	    store_commit(s) < 0) {
		store_rollback(s);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (store_begin(s) < 0)
			return -1;
		if ((which ? enable_one(s, c, ids[i], now) :
		    probe_one(s, c, ids[i], now)) < 0 || store_commit(s) < 0) {
			store_rollback(s);
			return -1;
		}
		done++;
	}
	return done;
}

/* bounce_lifecycle_run - see bounce.h */
int
bounce_lifecycle_run(struct store *s, const struct conf *c, time_t now)
{
	int a, b;

	/* the members whose mail works again first: they need no probe */
	if ((a = run_kind(s, c, now, 1)) < 0)
		return -1;
	if ((b = run_kind(s, c, now, 0)) < 0)
		return -1;
	if (tell_stopped(s, c) < 0)
		return -1;
	return a + b;
}
