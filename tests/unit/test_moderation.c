/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_moderation - the moderation rules against a temporary database
 *
 * Members, messages and posts are written with plain SQL; the answers are
 * parsed from raw mail with message_parse, so moderation_answer sees what
 * ingest would hand it.  The queued notices are read back from the outbox.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "message.h"
#include "hold_notice.h"
#include "moderation.h"
#include "store.h"
#include "store_held.h"
#include "store_int.h"
#include "store_message.h"
#include "store_post.h"
#include "tutil.h"
#include "xalloc.h"

struct fx {
	char dir[64];
	struct store *s;
	struct conf c;
};

static void
fx_open(struct fx *f, enum moderate mode, long per_hour)
{
	char path[128];

	memset(f, 0, sizeof(*f));
	tutil_use_source_templates();
	setenv("TZ", "UTC", 1);
	tzset();
	tutil_set_now("2020-11-20T10:00:00Z");
	tutil_scratch_dir(f->dir, sizeof(f->dir), "moderation");
	snprintf(path, sizeof(path), "%s/db", f->dir);
	f->s = tutil_store_new(path);
	tutil_conf_list(&f->c);
	f->c.list.moderate = mode;
	f->c.list.max_posts_per_hour = per_hour;
	f->c.smtp.personalize = 1;
	tutil_sql_exec(f->s, "INSERT INTO themes (slug, title) VALUES ('general', 'General')");
	tutil_sql_exec(f->s,
	    "INSERT INTO members (id, email, name, role, status, language, created, updated) VALUES"
	    " (1, 'fac@example.org', 'Fay', 'facilitator', 'active', 'en', 0, 0),"
	    " (2, 'Mem@example.net', 'Mem', 'member', 'active', 'fr', 0, 0),"
	    " (3, 'old@example.net', 'Old', 'member', 'unsubscribed', NULL, 0, 0),"
	    " (4, 'gone@example.org', 'Gone', 'facilitator', 'unsubscribed', NULL, 0, 0),"
	    " (5, 'fac2@example.org', 'Second', 'facilitator', 'active', 'es', 0, 0),"
	    " (6, 'bouncy@example.net', 'Bouncy', 'member', 'bouncing', NULL, 0, 0)");
	tutil_sql_exec(f->s,
	    "INSERT INTO threads (id, theme, created, last_post) VALUES (1, 'general', 0, 0)");
}

static void
fx_close(struct fx *f)
{
	store_close(&f->s);
	cr_expect_eq(tutil_rmtree(f->dir), 0);
}

/* post - store message + post n from author (member id or 0) in state,
 * received at now; returns the raw text (owned) */
static char *
post(struct fx *f, int n, const char *from, int64_t author, const char *state)
{
	char *raw = xasprintf("From: Someone <%s>\nTo: cop@example.org\nSubject: Post %d\n"
	    "Message-ID: <p%d@example.net>\n\nHello number %d.\n", from, n, n, n);
	char *q1 = xasprintf("INSERT INTO messages (id, message_id, received, route, state, size, raw)"
	    " VALUES (%d, 'p%d@example.net', %lld, 'post', 'stored', %zu, '%s')",
	    n, n, (long long)clock_now(), strlen(raw), raw);
	char aid[32];
	char *q2;

	if (author)
		snprintf(aid, sizeof(aid), "%lld", (long long)author);
	else
		strcpy(aid, "NULL");
	q2 = xasprintf("INSERT INTO posts (id, message, message_id, thread, theme, kind, state,"
	    " author, author_name, author_email, subject, received, text, new_text) VALUES"
	    " (%d, %d, 'p%d@example.net', 1, 'general', 'idea', '%s', %s, 'Someone', '%s',"
	    " 'Post %d', %lld, 'Hello', 'Hello')", n, n, n, state, aid, from, n,
	    (long long)clock_now());

	tutil_sql_exec(f->s, q1);
	tutil_sql_exec(f->s, q2);
	free(q1);
	free(q2);
	return raw;
}

/* ---- moderation_check ---------------------------------------------------- */

struct check_case {
	enum moderate mode;
	const char *from;
	int64_t author;
	int accepted_before;    /* the author already has an accepted post */
	const char *want;       /* reason, or NULL: not held */
};

static const struct check_case check_cases[] = {
	{ MODERATE_NONE, "stranger@example.com", 0, 0, NULL },
	{ MODERATE_NONMEMBERS, "stranger@example.com", 0, 0, "non-member" },
	{ MODERATE_NONMEMBERS, "mem@example.net", 2, 0, NULL },
	{ MODERATE_NONMEMBERS, "MEM@EXAMPLE.NET", 0, 0, NULL },   /* found by address */
	{ MODERATE_NONMEMBERS, "old@example.net", 3, 0, "non-member" },
	{ MODERATE_NONMEMBERS, "bouncy@example.net", 6, 0, NULL },
	{ MODERATE_FIRST_POST, "mem@example.net", 2, 0, "first post" },
	{ MODERATE_FIRST_POST, "mem@example.net", 2, 1, NULL },
	{ MODERATE_FIRST_POST, "fac@example.org", 1, 0, NULL },
	{ MODERATE_FIRST_POST, "stranger@example.com", 0, 0, "non-member" },
	{ MODERATE_ALL, "mem@example.net", 2, 1, "moderated list" },
	{ MODERATE_ALL, "fac@example.org", 1, 0, NULL },
	{ MODERATE_ALL, "gone@example.org", 4, 0, "non-member" },
	{ MODERATE_ALL, "stranger@example.com", 0, 0, "non-member" },
};

Test(moderation, check_table)
{
	for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *tc = &check_cases[i];
		struct fx f;
		char *raw, *old = NULL;
		struct message *m;
		const char *reason = NULL;
		int rc;

		fx_open(&f, tc->mode, 0);
		if (tc->accepted_before)
			old = post(&f, 1, tc->from, tc->author, "accepted");
		raw = xasprintf("From: <%s>\nSubject: x\nMessage-ID: <new@x>\n\nbody\n", tc->from);
		m = tutil_parse(raw);
		rc = moderation_check(f.s, &f.c, m, tc->author, &reason);
		cr_expect_eq(rc, tc->want != NULL, "case %zu (%s): got rc %d, want %d", i,
		    tc->from, rc, tc->want != NULL);
		if (tc->want && rc == 1)
			cr_expect_str_eq(reason, tc->want, "case %zu: got reason %s, want %s", i,
			    reason, tc->want);
		message_free(&m);
		free(raw);
		free(old);
		fx_close(&f);
	}
}

Test(moderation, rate_limit_counts_the_last_hour)
{
	struct fx f;
	struct message *m;
	const char *reason;
	char *r[4];

	fx_open(&f, MODERATE_NONMEMBERS, 3);
	tutil_set_now("2020-11-20T08:30:00Z");           /* over an hour ago: not counted */
	r[0] = post(&f, 1, "mem@example.net", 2, "accepted");
	tutil_set_now("2020-11-20T09:30:00Z");
	r[1] = post(&f, 2, "mem@example.net", 2, "accepted");
	r[2] = post(&f, 3, "mem@example.net", 2, "accepted");
	tutil_set_now("2020-11-20T10:00:00Z");
	m = tutil_parse("From: <mem@example.net>\nSubject: x\nMessage-ID: <n4@x>\n\nb\n");
	cr_expect_eq(moderation_check(f.s, &f.c, m, 2, &reason), 0, "2 in the hour: not held");
	r[3] = post(&f, 4, "Mem@Example.net", 2, "accepted");
	cr_expect_eq(moderation_check(f.s, &f.c, m, 2, &reason), 1, "3 in the hour: held");
	cr_expect_str_eq(reason, "rate limit");
	message_free(&m);
	for (int i = 0; i < 4; i++)
		free(r[i]);
	fx_close(&f);
}

/* batch_post - store post n from address in state through the store, in
 * the open transaction (as ingest does: store_post_add) */
static void
batch_post(struct fx *f, int n, const char *from, const char *state)
{
	struct store_message msg;
	struct store_post p;
	char mid[32];
	int64_t msg_id, id;

	snprintf(mid, sizeof(mid), "<b%d@example.net>", n);
	memset(&msg, 0, sizeof(msg));
	msg.message_id = mid;
	msg.received = clock_now();
	msg.route = "post";
	msg.state = "stored";
	msg.sender = from;
	msg.raw = "Subject: b\r\n\r\nb";
	msg.size = msg.raw_len = strlen(msg.raw);
	cr_assert_eq(store_message_add(f->s, &msg, &msg_id), 0, "%s", store_errmsg(f->s));
	memset(&p, 0, sizeof(p));
	p.message = msg_id;
	p.message_id = mid;
	p.thread = 1;
	p.theme = "general";
	p.kind = "idea";
	p.state = state;
	p.author_email = from;
	p.received = clock_now();
	p.text = p.new_text = "b";
	cr_assert_eq(store_post_add(f->s, &p, &id), 0, "%s", store_errmsg(f->s));
}

/* batch_check - moderation_check of a message from address in the open
 * transaction, compared with the exact count from SQL */
static int
batch_check(struct fx *f, const char *from, const char *what)
{
	char *raw = xasprintf("From: <%s>\nSubject: x\nMessage-ID: <c%ld@x>\n\nb\n",
	    from, random());
	struct message *m = tutil_parse(raw);
	const char *reason = NULL;
	long exact = store_held_recent_posts(f->s, from, clock_now() - 3600, NULL, 0);
	int held = moderation_check(f->s, &f->c, m, 0, &reason);

	cr_expect_eq(held, exact >= f->c.list.max_posts_per_hour, "%s: got held %d, "
	    "want %d (%ld accepted in the hour, limit %ld)", what, held,
	    exact >= f->c.list.max_posts_per_hour, exact, f->c.list.max_posts_per_hour);
	if (held == 1)
		cr_expect(reason && strcmp(reason, "rate limit") == 0, "%s: reason %s",
		    what, reason ? reason : "(none)");
	message_free(&m);
	free(raw);
	return held;
}

/* In one transaction (an IMAP batch), a sender's recent posts are counted
 * once and then in memory: posts stored in the batch count at once, held
 * ones do not, the window still slides, other senders are apart, and a
 * rollback forgets what the batch stored. */
Test(moderation, rate_limit_within_a_batch)
{
	struct fx f;
	char *r;
	int n = 10;

	fx_open(&f, MODERATE_NONE, 3);
	tutil_set_now("2020-11-20T09:10:00Z");
	r = post(&f, 1, "mem@example.net", 2, "accepted");   /* leaves at 10:10 */
	free(r);
	tutil_set_now("2020-11-20T10:00:00Z");

	cr_assert_eq(store_begin(f.s), 0);
	cr_expect_eq(batch_check(&f, "mem@example.net", "1 before the batch"), 0);
	batch_post(&f, n++, "mem@example.net", "accepted");
	cr_expect_eq(batch_check(&f, "MEM@example.NET", "2, other case"), 0);
	batch_post(&f, n++, "Mem@Example.Net", "held");
	cr_expect_eq(batch_check(&f, "mem@example.net", "2 and a held one"), 0);
	batch_post(&f, n++, "other@example.org", "accepted");
	batch_post(&f, n++, "other@example.org", "accepted");
	cr_expect_eq(batch_check(&f, "other@example.org", "another sender"), 0);
	batch_post(&f, n++, "mem@example.net", "accepted");
	cr_expect_eq(batch_check(&f, "mem@example.net", "3 in the hour"), 1);
	cr_expect_eq(batch_check(&f, "mem@example.net", "3 in the hour, again"), 1);
	tutil_set_now("2020-11-20T10:10:01Z");        /* the 09:10 post leaves the hour */
	cr_expect_eq(batch_check(&f, "mem@example.net", "2 after an hour"), 0);
	batch_post(&f, n++, "mem@example.net", "accepted");
	cr_expect_eq(batch_check(&f, "mem@example.net", "3 again"), 1);
	batch_post(&f, n++, "other@example.org", "accepted");
	cr_expect_eq(batch_check(&f, "other@example.org", "other, 3"), 1);
	store_rollback(f.s);

	/* the batch is gone, and so is what was counted of it */
	cr_assert_eq(store_begin(f.s), 0);
	cr_expect_eq(batch_check(&f, "mem@example.net", "after the rollback"), 0);
	cr_expect_eq(batch_check(&f, "other@example.org", "other after the rollback"), 0);
	batch_post(&f, n++, "mem@example.net", "accepted");
	batch_post(&f, n++, "mem@example.net", "accepted");
	cr_expect_eq(batch_check(&f, "mem@example.net", "redo, 2"), 0);
	cr_assert_eq(store_commit(f.s), 0);
	/* another process may write between transactions: counted afresh */
	tutil_set_now("2020-11-20T10:05:00Z");
	r = post(&f, 100, "mem@example.net", 2, "accepted");
	free(r);
	cr_assert_eq(store_begin(f.s), 0);
	cr_expect_eq(batch_check(&f, "mem@example.net", "next batch, 4"), 1);
	store_rollback(f.s);
	fx_close(&f);
}

/* ---- hold and answers ------------------------------------------------------ */

/* hold - post 1 by a stranger, held; returns the token */
static char *
hold(struct fx *f, struct message **mp, char **rawp)
{
	char *raw = post(f, 1, "stranger@example.com", 0, "held");
	struct message *m = tutil_parse(raw);

	*rawp = raw;
	cr_assert_eq(store_begin(f->s), 0);
	cr_assert_eq(moderation_hold(f->s, &f->c, m, 1, 1, "non-member"), 0);
	cr_assert_eq(store_commit(f->s), 0);
	cr_assert_eq(hold_notice_run(f->s, &f->c, clock_now()), 1, "one new hold told of");
	*mp = m;
	return tutil_sql_text(f->s->db, "SELECT token FROM held WHERE id = 1");
}

static int
answer(struct fx *f, const char *from, int approve, const char *token, const char *body)
{
	char *raw = xasprintf("From: <%s>\nTo: cop+%s-%s@example.org\nSubject: Re: Approval needed\n"
	    "Message-ID: <a%ld@x>\n\n%s\n", from, approve ? "approve" : "reject", token,
	    random(), body);
	struct message *m = tutil_parse(raw);
	int rc;

	cr_assert_eq(store_begin(f->s), 0);
	rc = moderation_answer(f->s, &f->c, m, approve, token);
	cr_assert_eq(store_commit(f->s), 0);
	message_free(&m);
	free(raw);
	return rc;
}

Test(moderation, hold_queues_author_notice_and_facilitator_copies)
{
	struct fx f;
	struct message *m;
	char *token, *body, *raw;

	fx_open(&f, MODERATE_NONMEMBERS, 0);
	token = hold(&f, &m, &raw);
	cr_assert_not_null(token);
	cr_expect_eq(strlen(token), 32, "got a token of %zu characters, want 32 hex", strlen(token));
	cr_expect_eq(tutil_sql_int(f.s->db, "SELECT count(*) FROM held WHERE state = 'held'"
	    " AND expires - created = 14 * 86400"), 1);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'held-author' AND r.address = 'stranger@example.com'"), 1);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'held-moderator'"), 2, "one copy for each active facilitator");
	body = tutil_sql_text(f.s->db,
	    "SELECT o.body FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'held-moderator' AND r.address = 'fac@example.org'");
	cr_assert_not_null(body);
	{
		char *want = xasprintf("cop+approve-%s@example.org", token);
		char *want2 = xasprintf("cop+reject-%s@example.org", token);

		cr_expect_not_null(strstr(body, want), "approve address missing:\n%s", body);
		cr_expect_not_null(strstr(body, want2), "reject address missing");
		cr_expect_not_null(strstr(body, "Content-Type: message/rfc822"), "no attached post");
		cr_expect_not_null(strstr(body, "Message-ID: <p1@example.net>"), "post not attached");
		free(want);
		free(want2);
	}
	free(body);
	/* the Spanish-speaking facilitator gets Spanish */
	body = tutil_sql_text(f.s->db,
	    "SELECT o.body FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'held-moderator' AND r.address = 'fac2@example.org'");
	cr_expect_not_null(strstr(body, "retenido para su aprobaci\xc3\xb3" "n"), "not in Spanish:\n%.300s", body);
	free(body);
	/* a second hold for the same author the same day: no second notice */
	{
		char *raw2 = post(&f, 2, "stranger@example.com", 0, "held");
		struct message *m2 = tutil_parse(raw2);

		cr_assert_eq(store_begin(f.s), 0);
		cr_assert_eq(moderation_hold(f.s, &f.c, m2, 2, 2, "non-member"), 0);
		cr_assert_eq(store_commit(f.s), 0);
		cr_expect_eq(tutil_sql_int(f.s->db,
		    "SELECT count(*) FROM outbox WHERE kind = 'held-moderator'"), 2,
		    "the facilitators hear of a hold with the cycle's others, not at once");
		cr_assert_eq(hold_notice_run(f.s, &f.c, clock_now()), 1);
		cr_expect_eq(hold_notice_run(f.s, &f.c, clock_now()), 0, "told twice");
		cr_expect_eq(tutil_sql_int(f.s->db,
		    "SELECT count(*) FROM outbox WHERE kind = 'held-author'"), 1,
		    "the author is told once a day");
		cr_expect_eq(tutil_sql_int(f.s->db,
		    "SELECT count(*) FROM outbox WHERE kind = 'held-moderator'"), 4);
		message_free(&m2);
		free(raw2);
	}
	message_free(&m);
	free(raw);
	free(token);
	fx_close(&f);
}

Test(moderation, facilitator_approves_once)
{
	struct fx f;
	struct message *m;
	char *token, *upper, *raw;

	fx_open(&f, MODERATE_NONMEMBERS, 0);
	tutil_sql_exec(f.s, "INSERT INTO members (email, role, status, created, updated) VALUES"
	    " ('reader@example.net', 'member', 'active', 0, 0)");
	token = hold(&f, &m, &raw);
	/* unknown, malformed, forged: nothing happens and nobody is told */
	cr_expect_eq(answer(&f, "fac@example.org", 1, "00000000000000000000000000000000", ""), 0);
	cr_expect_eq(answer(&f, "fac@example.org", 1, "../../etc", ""), 0);
	cr_expect_eq(answer(&f, "mem@example.net", 1, token, ""), 0);
	cr_expect_eq(answer(&f, "gone@example.org", 1, token, ""), 0);
	cr_expect_eq(tutil_sql_int(f.s->db, "SELECT count(*) FROM held WHERE state = 'held'"), 1,
	    "a non-facilitator must not decide");
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM outbox WHERE kind = 'held-done'"), 0);
	/* the facilitator decides; tokens are case-insensitive */
	upper = xstrdup(token);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 32);
	cr_expect_eq(answer(&f, "Fac@Example.org", 1, upper, ""), 0);
	cr_expect_eq(tutil_sql_int(f.s->db, "SELECT count(*) FROM held WHERE state = 'approved'"
	    " AND decided_by = 'fac@example.org'"), 1);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM posts WHERE id = 1 AND state = 'accepted'"), 1);
	cr_expect_geq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM outbox WHERE kind = 'post' AND post = 1"), 1,
	    "the approved post is queued for the members");
	/* a second answer, by anyone allowed: "already approved by", once a day */
	cr_expect_eq(answer(&f, "fac2@example.org", 0, token, "no!"), 0);
	cr_expect_eq(answer(&f, "fac2@example.org", 1, token, ""), 0);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM held WHERE state = 'approved'"), 1);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'held-done' AND r.address = 'fac2@example.org'"), 1);
	{
		char *body = tutil_sql_text(f.s->db,
		    "SELECT body FROM outbox WHERE kind = 'held-done'");

		cr_expect_not_null(strstr(body, "ya hab\xc3\xad" "a sido aprobado por fac@example.org"),
		    "got:\n%s", body);
		free(body);
	}
	free(upper);
	message_free(&m);
	free(raw);
	free(token);
	fx_close(&f);
}

Test(moderation, reject_sends_the_comment_to_the_author)
{
	struct fx f;
	struct message *m;
	char *token, *body, *raw;

	fx_open(&f, MODERATE_NONMEMBERS, 0);
	token = hold(&f, &m, &raw);
	cr_expect_eq(answer(&f, "fac@example.org", 0, token,
	    "Please join the list first.\n\n> quoted original\n"), 0);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM held WHERE state = 'rejected'"), 1);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM posts WHERE id = 1 AND state = 'rejected'"), 1);
	cr_expect_eq(tutil_sql_int(f.s->db, "SELECT count(*) FROM outbox WHERE kind = 'post'"), 0);
	body = tutil_sql_text(f.s->db,
	    "SELECT o.body FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'held-rejected' AND r.address = 'stranger@example.com'");
	cr_assert_not_null(body, "no rejection notice");
	cr_expect_not_null(strstr(body, "Please join the list first."), "comment missing:\n%s", body);
	cr_expect_null(strstr(body, "quoted original"), "the quote must not be sent:\n%s", body);
	free(body);
	message_free(&m);
	free(raw);
	free(token);
	fx_close(&f);
}

Test(moderation, holds_expire_after_fourteen_days)
{
	struct fx f;
	struct message *m;
	char *token, *raw;

	fx_open(&f, MODERATE_NONMEMBERS, 0);
	token = hold(&f, &m, &raw);
	cr_expect_eq(moderation_expire(f.s, clock_now() + 13 * 86400), 0);
	cr_expect_eq(tutil_sql_int(f.s->db, "SELECT count(*) FROM held WHERE state = 'held'"), 1);
	tutil_set_now("2020-12-04T10:00:01Z");
	/* a late answer is told it expired */
	cr_expect_eq(answer(&f, "fac@example.org", 1, token, ""), 0);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM held WHERE state = 'expired'"), 1);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM posts WHERE state = 'accepted'"), 0);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM outbox WHERE kind = 'held-done'"), 1);
	/* and expiry by the daemon's job */
	{
		char *raw2 = post(&f, 2, "stranger@example.com", 0, "held");
		struct message *m2 = tutil_parse(raw2);

		cr_assert_eq(store_begin(f.s), 0);
		cr_assert_eq(moderation_hold(f.s, &f.c, m2, 2, 2, "non-member"), 0);
		cr_assert_eq(store_commit(f.s), 0);
		cr_expect_eq(moderation_expire(f.s, clock_now() + 14 * 86400), 1);
		cr_expect_eq(tutil_sql_int(f.s->db,
		    "SELECT count(*) FROM posts WHERE id = 2 AND state = 'rejected'"), 1);
		message_free(&m2);
		free(raw2);
	}
	message_free(&m);
	free(raw);
	free(token);
	fx_close(&f);
}

Test(moderation, decide_from_the_command_line)
{
	struct fx f;
	struct message *m;
	char *token, *by = NULL, *raw;

	fx_open(&f, MODERATE_NONMEMBERS, 0);
	token = hold(&f, &m, &raw);
	cr_assert_eq(store_begin(f.s), 0);
	cr_expect_eq(moderation_decide(f.s, &f.c, 99, 1, "root (command line)", NULL, NULL, &by),
	    MODERATION_UNKNOWN);
	cr_expect_eq(moderation_decide(f.s, &f.c, 1, 0, "root (command line)", "spam", NULL, &by),
	    MODERATION_DONE);
	cr_expect_eq(moderation_decide(f.s, &f.c, 1, 1, "other (command line)", NULL, NULL, &by),
	    MODERATION_ALREADY);
	cr_expect_str_eq(by ? by : "(null)", "root (command line)");
	cr_assert_eq(store_commit(f.s), 0);
	cr_expect_eq(tutil_sql_int(f.s->db, "SELECT count(*) FROM held WHERE comment = 'spam'"), 1);
	free(by);
	message_free(&m);
	free(raw);
	free(token);
	fx_close(&f);
}

/* ---- notices: no CR or LF from input reaches a header ------------------------ */
/* Notices write their fields with mime_out.h and LF line ends. */

#include "buf.h"
#include "mime_out.h"

struct header_case {
	const char *value;
	const char *want;        /* exact output, or NULL: only checked for safety */
};

static const struct header_case header_cases[] = {
	{ "Plain subject", "Subject: Plain subject\n" },
	{ "Evil\r\nBcc: victim@example.com", "Subject: Evil Bcc: victim@example.com\n" },
	{ "Tab\there\x01x", "Subject: Tab here x\n" },
	{ "Caf\xc3\xa9 du monde", "Subject: =?UTF-8?B?Q2Fmw6k=?= du monde\n" },
	{ "", "Subject: \n" },
	{ NULL, "Subject: \n" },
	{ "a very long subject line that goes on and on and on about funding streams "
	  "and who decides what in the community of practice", NULL },
	{ "\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad"
	  "\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87"
	  "\r\n\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87", NULL },
};

Test(notice, header_values_are_cleaned_and_encoded)
{
	for (size_t i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		struct buf b;

		buf_init(&b, 1 << 16);
		cr_assert_eq(mime_header_eol(&b, MIME_LF, "Subject", header_cases[i].value), 0);
		if (header_cases[i].want)
			cr_expect_str_eq(b.data, header_cases[i].want, "case %zu: got \"%s\", want \"%s\"",
			    i, b.data, header_cases[i].want);
		/* every line break is a fold: followed by white space, and the
		 * value ends with exactly one LF; no CR anywhere; lines <= 78 */
		cr_expect_null(strchr(b.data, '\r'), "case %zu: CR in \"%s\"", i, b.data);
		for (char *p = b.data, *line = b.data; *p; p++) {
			if (*p != '\n')
				continue;
			cr_expect_leq(p - line, 78, "case %zu: line of %td bytes", i, p - line);
			if (p[1])
				cr_expect(p[1] == ' ' || p[1] == '\t', "case %zu: unfolded break in \"%s\"",
				    i, b.data);
			line = p + 1;
		}
		buf_release(&b);
	}
}

Test(notice, address_headers_quote_names)
{
	struct buf b;

	buf_init(&b, 4096);
	cr_assert_eq(mime_header_addr_eol(&b, MIME_LF, "To", "Smith, \"Jo\"\r\nBcc: x@y",
	    "jo@example.org"), 0);
	cr_expect_str_eq(b.data, "To: \"Smith, \\\"Jo\\\" Bcc: x@y\" <jo@example.org>\n", "got %s", b.data);
	buf_reset(&b);
	cr_assert_eq(mime_header_addr_eol(&b, MIME_LF, "To", NULL, "evil@example.org>\r\nBcc: x@y"),
	    0);
	cr_expect_null(strchr(b.data, '\r'));
	cr_expect_eq(strchr(b.data, '\n'), b.data + b.len - 1, "one line only: %s", b.data);
	buf_release(&b);
}

Test(moderation, hostile_subject_stays_in_its_header)
{
	struct fx f;
	struct message *m;
	const char *raw = "From: =?UTF-8?Q?Eve=0D=0ABcc:_x@evil.example?= <eve@example.com>\n"
	    "To: cop@example.org\n"
	    "Subject: =?UTF-8?Q?Hi=0D=0ABcc:_victim@evil.example=0A=0Abody?=\n"
	    "Message-ID: <p1@example.net>\n\nHello.\n";
	char *q, *body;

	fx_open(&f, MODERATE_NONMEMBERS, 0);
	q = xasprintf("INSERT INTO messages (id, message_id, received, route, state, size, raw)"
	    " VALUES (1, 'p1@example.net', 0, 'post', 'stored', 1, 'x')");
	tutil_sql_exec(f.s, q);
	free(q);
	tutil_sql_exec(f.s,
	    "INSERT INTO posts (id, message, message_id, thread, theme, kind, state, received)"
	    " VALUES (1, 1, 'p1@example.net', 1, 'general', 'idea', 'held', 0)");
	m = tutil_parse(raw);
	cr_assert_eq(store_begin(f.s), 0);
	cr_assert_eq(moderation_hold(f.s, &f.c, m, 1, 1, "non-member"), 0);
	cr_assert_eq(store_commit(f.s), 0);
	cr_assert_eq(hold_notice_run(f.s, &f.c, clock_now()), 1);
	for (int k = 0; k < 2; k++) {
		body = tutil_sql_text(f.s->db, k == 0 ?
		    "SELECT body FROM outbox WHERE kind = 'held-moderator' LIMIT 1" :
		    "SELECT body FROM outbox WHERE kind = 'held-author' LIMIT 1");
		cr_assert_not_null(body);
		{
			char *end = strstr(body, "\n\n");

			cr_assert_not_null(end);
			*end = '\0';
			cr_expect_null(strstr(body, "\nBcc:"), "injected header:\n%s", body);
			cr_expect_null(strstr(body, "\r"), "CR in header:\n%s", body);
		}
		free(body);
	}
	message_free(&m);
	fx_close(&f);
}

static int
answer_with_headers(struct fx *f, const char *from, const char *token, const char *headers)
{
	char *raw = xasprintf("From: <%s>\nTo: cop+approve-%s@example.org\nSubject: ok\n%s"
	    "Message-ID: <ah%ld@x>\n\nok\n", from, token, headers, random());
	struct message *m = tutil_parse(raw);
	int rc;

	cr_assert_eq(store_begin(f->s), 0);
	rc = moderation_answer(f->s, &f->c, m, 1, token);
	cr_assert_eq(store_commit(f->s), 0);
	message_free(&m);
	free(raw);
	return rc;
}

Test(moderation, trusted_authentication_results_vouch_for_the_facilitator)
{
	struct fx f;
	struct message *m;
	char *token, *raw;

	fx_open(&f, MODERATE_NONMEMBERS, 0);
	f.c.list.trusted_authserv_id = "mx.example.org";
	token = hold(&f, &m, &raw);
	/* the trusted server says the From is forged: refused */
	answer_with_headers(&f, "fac@example.org", token,
	    "Authentication-Results: mx.example.org; dkim=fail header.d=example.org;"
	    " spf=fail smtp.mailfrom=example.org\n");
	cr_expect_eq(tutil_sql_int(f.s->db, "SELECT count(*) FROM held WHERE state = 'held'"), 1,
	    "a failed dkim and spf must not decide");
	/* another server's say-so does not count either way */
	answer_with_headers(&f, "fac@example.org", token,
	    "Authentication-Results: mx.example.org; dkim=fail; spf=softfail\n"
	    "Authentication-Results: evil.example; dkim=pass\n");
	cr_expect_eq(tutil_sql_int(f.s->db, "SELECT count(*) FROM held WHERE state = 'held'"), 1);
	/* a pass from the trusted server decides */
	answer_with_headers(&f, "fac@example.org", token,
	    "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\n");
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM held WHERE state = 'approved'"), 1);
	message_free(&m);
	free(raw);
	free(token);
	fx_close(&f);
}

/* Issue 19: the holds of one cycle reach each facilitator as one notice
 * listing every post with its own approve and reject addresses; with
 * hold_notice_minutes the next notice waits for the interval. */
Test(moderation, holds_of_a_cycle_are_one_notice_per_facilitator)
{
	struct fx f;
	char *tokens[5];

	fx_open(&f, MODERATE_NONMEMBERS, 0);
	f.c.list.hold_notice_minutes = 30;
	for (int i = 1; i <= 5; i++) {
		char *raw = post(&f, i, "stranger@example.com", 0, "held");
		struct message *m = tutil_parse(raw);
		char *q;

		cr_assert_eq(store_begin(f.s), 0);
		cr_assert_eq(moderation_hold(f.s, &f.c, m, i, i, "non-member"), 0);
		cr_assert_eq(store_commit(f.s), 0);
		q = xasprintf("SELECT token FROM held WHERE post = %d", i);
		tokens[i - 1] = tutil_sql_text(f.s->db, q);
		free(q);
		message_free(&m);
		free(raw);
	}
	cr_assert_eq(hold_notice_run(f.s, &f.c, clock_now()), 5);
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'held-moderator'"), 2, "want one notice per facilitator");
	{
		char *body = tutil_sql_text(f.s->db,
		    "SELECT o.body FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
		    " WHERE o.kind = 'held-moderator' AND r.address = 'fac@example.org'");

		cr_assert_not_null(body);
		cr_expect_not_null(strstr(body, "5 messages"), "count missing:\n%s", body);
		for (int i = 0; i < 5; i++) {
			char *a = xasprintf("cop+approve-%s@example.org", tokens[i]);
			char *r = xasprintf("cop+reject-%s@example.org", tokens[i]);

			cr_expect_not_null(strstr(body, a), "hold %d: no approve address:\n%s", i + 1, body);
			cr_expect_not_null(strstr(body, r), "hold %d: no reject address", i + 1);
			free(a);
			free(r);
		}
		free(body);
	}
	/* a sixth hold ten minutes later waits for the 30-minute interval */
	{
		char *raw = post(&f, 6, "stranger@example.com", 0, "held");
		struct message *m = tutil_parse(raw);

		cr_assert_eq(store_begin(f.s), 0);
		cr_assert_eq(moderation_hold(f.s, &f.c, m, 6, 6, "non-member"), 0);
		cr_assert_eq(store_commit(f.s), 0);
		message_free(&m);
		free(raw);
	}
	cr_expect_eq(hold_notice_run(f.s, &f.c, clock_now() + 600), 0, "interval not kept");
	cr_expect_eq(hold_notice_run(f.s, &f.c, clock_now() + 1860), 1, "the sixth hold lost");
	cr_expect_eq(tutil_sql_int(f.s->db,
	    "SELECT count(*) FROM outbox o JOIN outbox_rcpt r ON r.outbox = o.id"
	    " WHERE o.kind = 'held-moderator'"), 4);
	for (int i = 0; i < 5; i++)
		free(tokens[i]);
	fx_close(&f);
}
