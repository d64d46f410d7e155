/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_relay - the outbound side against a real SMTP server (smtp-capture)
 *
 * Members and posts are put into a scratch database through the library
 * (the store, and ingest for the end-to-end case), the outbox is run with
 * deliver_run() in this process, and what the SMTP server received is read
 * back from its capture directory: envelopes, header fields, footers.
 * Faults are scripted through the capture server's rules.json (4xx/5xx
 * per recipient, at DATA) or by stopping the server.  The database is
 * checked with the sqlite3 shell, as an administrator would.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../harness.h"
#include "bounceaddr.h"
#include "clock.h"
#include "buf.h"
#include "conf.h"
#include "ingest.h"
#include "deliver.h"
#include "relay.h"
#include "smtp.h"
#include "store.h"
#include "store_bounce.h"
#include "xalloc.h"

#define T0 "2020-11-20T10:00:00Z"

struct ctx {
	struct h_env env;
	struct conf *c;
	struct store *s;
};

static void
setup(struct ctx *x, const char *name, const char *extra, int smtp)
{
	struct buf errs;
	char err[256], templ[H_PATH + 32];

	h_env_init(&x->env, name);
	snprintf(templ, sizeof(templ), "%s/conf/templates", x->env.srcdir);
	setenv("BARAZA_TEMPLATES", templ, 1);
	setenv("BARAZA_NOW", T0, 1);
	x->env.now = T0;
	if (smtp)
		h_smtp_start(&x->env);
	h_write_config(&x->env, extra);
	buf_init(&errs, 1 << 16);
	x->c = conf_load(x->env.conf, &errs);
	cr_assert_not_null(x->c, "config: %s", errs.data);
	buf_release(&errs);
	cr_assert_eq(store_open(x->c->list.database, 1, &x->s, err, sizeof(err)), 0,
	    "store_open: %s", err);
	cr_assert_geq(store_migrate(x->s, err, sizeof(err)), 0, "migrate: %s", err);
}

static void
teardown(struct ctx *x)
{
	store_close(&x->s);
	conf_free(&x->c);
	h_env_fini(&x->env);
}

/* sqlq - s as an SQL string literal (owned) */
static char *
sqlq(const char *s)
{
	struct buf b;

	if (s == NULL)
		return xstrdup("NULL");
	buf_init(&b, BUF_NOLIMIT);
	buf_putc(&b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_putc(&b, '\'');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '\'');
	return buf_detach(&b, NULL);
}

/* exec - run SQL text; fails the test on error */
static void
exec(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	char *sql;

	va_start(ap, fmt);
	sql = xvasprintf(fmt, ap);
	va_end(ap);
	cr_assert_eq(store_exec(x->s, sql), 0, "SQL failed: %s: %s", sql,
	    store_errmsg(x->s));
	free(sql);
}

/* query - the first column of the first row, as text (owned) */
static char *
query(struct ctx *x, const char *sql)
{
	struct h_out out;
	char *q = h_shq(sql), *r;

	h_run(&x->env, &out, "sqlite3 %s %s", x->env.db, q);
	cr_assert_eq(out.status, 0, "sqlite3: %s", out.err);
	r = xstrndup(out.out, strcspn(out.out, "\n"));
	h_out_free(&out);
	free(q);
	return r;
}

static long
query_long(struct ctx *x, const char *sql)
{
	char *r = query(x, sql);
	long v = atol(r);

	free(r);
	return v;
}

/* member - add one member; themes NULL follows all themes */
static void
member(struct ctx *x, const char *email, const char *name, const char *delivery,
    const char *status, const char *themes, const char *lang)
{
	char *e = sqlq(email), *n = sqlq(name), *l = sqlq(lang);

	exec(x, "INSERT INTO members (email, name, delivery, status, all_themes, "
	    "language, created, updated) VALUES (%s, %s, '%s', '%s', %d, %s, 0, 0)",
	    e, n, delivery, status, themes == NULL, l);
	if (themes)
		exec(x, "INSERT INTO member_themes (member, theme) SELECT id, '%s' "
		    "FROM members WHERE email = %s", themes, e);
	free(e);
	free(n);
	free(l);
}

/* envelope_id - the transaction a signed envelope sender
 * cop+bounces-ID-DD-MAC@example.org names, checked with the database's
 * key; 0 (and a failed expectation) when it is not a valid one */
static int64_t
envelope_id(struct ctx *x, const char *from)
{
	unsigned char key[BOUNCEADDR_KEY_LEN];
	const char *pre = "cop+bounces-", *at = strrchr(from, '@');
	int64_t id = 0;

	cr_assert_eq(store_bounce_key(x->s, key, sizeof(key)), 0);
	if (strncmp(from, pre, strlen(pre)) != 0 || at == NULL ||
	    strcmp(at, "@example.org") != 0) {
		cr_expect_fail("envelope %s is not cop+bounces-...@example.org", from);
		return 0;
	}
	from += strlen(pre);
	cr_expect_eq(bounceaddr_verify(key, sizeof(key), from, (size_t)(at - from),
	    (long)(clock_now() / 86400), &id), BOUNCEADDR_VALID,
	    "envelope %s is not signed", from);
	return id;
}

static int post_seq;

/* post - store a post by author in theme with this raw message, queue it
 * as ingest would (inside the transaction); returns the recipients */
static int
post(struct ctx *x, const char *author, const char *theme, const char *raw,
    int64_t *post_id)
{
	char *r = sqlq(raw), *a = sqlq(author), *mid;
	int64_t pid;
	int n;

	post_seq++;
	mid = xasprintf("'<p%d@example.net>'", post_seq);
	cr_assert_eq(store_begin(x->s), 0);
	exec(x, "INSERT INTO messages (id, message_id, received, route, state, "
	    "sender, size, raw) VALUES (%d, %s, 0, 'post', 'stored', %s, %zu, %s)",
	    post_seq, mid, a, strlen(raw), r);
	exec(x, "INSERT INTO threads (id, theme, subject, created, last_post) "
	    "VALUES (%d, '%s', 'x', 0, 0)", post_seq, theme);
	exec(x, "INSERT INTO posts (id, message, message_id, thread, theme, kind, "
	    "author, author_name, author_email, subject, received) VALUES "
	    "(%d, %d, %s, %d, '%s', 'idea', (SELECT id FROM members WHERE email = %s), "
	    "'Alice Author', %s, 'Funding flows', 0)", post_seq, post_seq, mid,
	    post_seq, theme, a, a);
	pid = post_seq;
	n = relay_enqueue_post(x->s, x->c, pid);
	cr_assert_geq(n, 0, "relay_enqueue_post failed");
	cr_assert_eq(store_commit(x->s), 0);
	if (post_id)
		*post_id = pid;
	free(r);
	free(a);
	free(mid);
	return n;
}

static const char RAW[] =
    "From: Alice Author <alice@example.org>\n"
    "To: cop@example.org\n"
    "Subject: Funding flows\n"
    "Message-ID: <funding-1@example.org>\n"
    "Date: Fri, 20 Nov 2020 10:00:00 +0000\n"
    "DKIM-Signature: v=1; d=example.org; b=xyz\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Who decides where the money goes?\n";

/* the standard cast: alice posts; bob, carol, dave, ivan should get it */
static void
cast(struct ctx *x)
{
	member(x, "alice@example.org", "Alice Author", "each", "active", NULL, NULL);
	member(x, "bob@example.org", "Bob", "each", "active", NULL, NULL);
	member(x, "Carol@Example.org", "Carol", "each", "active", NULL, "fr");
	member(x, "dave@example.org", "Dave", "each", "active", NULL, NULL);
	member(x, "erin@example.org", "Erin", "digest", "active", NULL, NULL);
	member(x, "frank@example.org", "Frank", "none", "active", NULL, NULL);
	member(x, "gina@example.org", "Gina", "each", "unsubscribed", NULL, NULL);
	member(x, "hank@example.org", "Hank", "each", "active", "risk", NULL);
	member(x, "ivan@example.org", "Ivan", "each", "active", "funding", NULL);
	member(x, "judy@example.org", "Judy", "each", "pending", NULL, NULL);
}

static const char *const want_rcpts[] = {
	"bob@example.org", "Carol@Example.org", "dave@example.org", "ivan@example.org",
};
static const char *const never_rcpts[] = {
	"alice@example.org", "erin@example.org", "frank@example.org",
	"gina@example.org", "hank@example.org", "judy@example.org",
};

static void
check_delivered_once(struct ctx *x)
{
	for (size_t i = 0; i < sizeof(want_rcpts) / sizeof(want_rcpts[0]); i++) {
		int n = h_smtp_count_rcpt(&x->env, want_rcpts[i]);

		cr_expect_eq(n, 1, "%s got %d copies, want 1", want_rcpts[i], n);
	}
	for (size_t i = 0; i < sizeof(never_rcpts) / sizeof(never_rcpts[0]); i++) {
		int n = h_smtp_count_rcpt(&x->env, never_rcpts[i]);

		cr_expect_eq(n, 0, "%s got %d copies, want none", never_rcpts[i], n);
	}
}

TestSuite(relay, .timeout = 120);

Test(relay, post_reaches_every_other_member_once)
{
	struct ctx x;
	int remaining = -1, n;

	setup(&x, "relay_every", NULL, 1);
	cast(&x);
	n = post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_expect_eq(n, 4, "queued for %d recipients, want 4", n);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0, "remaining %d, want 0", remaining);
	cr_expect_eq(h_smtp_count(&x.env), 4, "captured %d messages, want 4",
	    h_smtp_count(&x.env));
	check_delivered_once(&x);

	for (int i = 0; i < 4; i++) {
		struct h_smtp_msg m;
		struct {
			const char *name, *want;
		} fields[] = {
			{ "Subject", "[CoP] Funding flows" },
			{ "From", "Alice Author <alice@example.org>" },
			{ "Message-ID", "<funding-1@example.org>" },
			{ "Date", "Fri, 20 Nov 2020 10:00:00 +0000" },
			{ "List-Id", "Test CoP <cop.example.org>" },
			{ "List-Post", "<mailto:cop@example.org>" },
			{ "List-Help", "<mailto:cop+help@example.org>" },
			{ "List-Subscribe", "<mailto:cop+subscribe@example.org>" },
			{ "Precedence", "list" },
			{ "X-Baraza-Theme", "funding" },
			{ "X-Baraza-Kind", "idea" },
			{ "Reply-To", "<cop@example.org>" },
		};
		char *lu, *want_from, *tok, *dkim, *sql, *q;

		cr_assert_eq(h_smtp_message(&x.env, i, &m), 1);
		cr_assert_eq(m.nrcpts, 1, "personalised copy with %zu recipients", m.nrcpts);
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			char *v = h_header(m.data, fields[f].name);

			cr_expect(v && strcmp(v, fields[f].want) == 0, "to %s: %s: got '%s', "
			    "want '%s'", m.rcpts[0], fields[f].name, v ? v : "(none)",
			    fields[f].want);
			free(v);
		}
		dkim = h_header(m.data, "DKIM-Signature");
		cr_expect_null(dkim, "the author's DKIM-Signature was relayed");
		free(dkim);
		/* signed: cop+bounces-ID-DD-MAC@example.org, ID the
		 * recipient's own row */
		want_from = xasprintf("SELECT id FROM outbox_rcpt WHERE address = '%s'",
		    m.rcpts[0]);
		cr_expect_eq(envelope_id(&x, m.mail_from), query_long(&x, want_from),
		    "envelope %s names another transaction", m.mail_from);
		/* the personal unsubscribe address carries the member's token */
		q = xasprintf("'%s'", m.rcpts[0]);
		sql = xasprintf("SELECT unsub_token FROM members WHERE email = %s", q);
		tok = query(&x, sql);
		cr_expect_eq(strlen(tok), 32, "token '%s' is not 128 bits of hex", tok);
		lu = h_header(m.data, "List-Unsubscribe");
		{
			char *want = xasprintf("<mailto:cop+unsubscribe-%s@example.org>", tok);

			cr_expect(lu && strcmp(lu, want) == 0, "List-Unsubscribe got '%s', want '%s'",
			    lu ? lu : "(none)", want);
			free(want);
		}
		cr_expect_not_null(strstr(m.data, "Who decides where the money goes?"),
		    "body lost");
		if (strcasecmp(m.rcpts[0], "carol@example.org") == 0)
			cr_expect_not_null(strstr(m.data, "Pour quitter la liste"),
			    "Carol (fr) did not get the French footer");
		else
			cr_expect_not_null(strstr(m.data, "To leave the list"),
			    "%s did not get the English footer", m.rcpts[0]);
		free(lu);
		free(tok);
		free(sql);
		free(q);
		free(want_from);
		h_smtp_msg_free(&m);
	}

	/* all sent, and nothing goes twice: another run, the same post again */
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'sent'"), 4);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_assert_eq(store_begin(x.s), 0);
	cr_expect_eq(relay_enqueue_post(x.s, x.c, 1), 0, "a post was queued twice");
	cr_assert_eq(store_commit(x.s), 0);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(h_smtp_count(&x.env), 4, "after more runs: %d messages, want 4",
	    h_smtp_count(&x.env));
	teardown(&x);
}

Test(relay, batches_share_one_transaction)
{
	struct ctx x;
	int remaining = -1, total = 0, n;

	setup(&x, "relay_batch", "[smtp]\npersonalize = no\nmax_recipients = 3\n", 1);
	cast(&x);
	member(&x, "kim@example.org", "Kim", "each", "active", NULL, NULL);
	member(&x, "lee@example.org", "Lee", "each", "active", NULL, NULL);
	n = post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_expect_eq(n, 6);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(h_smtp_count(&x.env), 2, "%d transactions, want 2 (3 + 3)",
	    h_smtp_count(&x.env));
	for (int i = 0; i < h_smtp_count(&x.env); i++) {
		struct h_smtp_msg m;
		char *lu;

		cr_assert_eq(h_smtp_message(&x.env, i, &m), 1);
		{
			/* one signature for the transaction; its rows record it */
			int64_t id = envelope_id(&x, m.mail_from);
			char *q = xasprintf("SELECT count(*) FROM outbox_rcpt WHERE envelope = %lld",
			    (long long)id);

			cr_expect_eq(query_long(&x, q), (long)m.nrcpts,
			    "%s: rows of the transaction not recorded", m.mail_from);
			free(q);
		}
		cr_expect_leq(m.nrcpts, 3);
		total += (int)m.nrcpts;
		lu = h_header(m.data, "List-Unsubscribe");
		cr_expect_str_eq(lu, "<mailto:cop+unsubscribe@example.org>", "got %s", lu);
		free(lu);
		h_smtp_msg_free(&m);
	}
	cr_expect_eq(total, 6, "%d recipients in all, want 6", total);
	check_delivered_once(&x);
	teardown(&x);
}

/* one recipient refused with 550: the others get it, the bounce counts */
static void
refused_one(const char *name, const char *extra, const char *rules)
{
	struct ctx x;
	int remaining = -1;
	char *err;

	setup(&x, name, extra, 1);
	cast(&x);
	h_smtp_rules(&x.env, rules ? rules :
	    "{\"rcpt\": {\"carol@example.org\": \"550 5.1.1 No such user\"}}");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0);
	cr_expect_eq(h_smtp_count_rcpt(&x.env, "bob@example.org"), 1);
	cr_expect_eq(h_smtp_count_rcpt(&x.env, "dave@example.org"), 1);
	cr_expect_eq(h_smtp_count_rcpt(&x.env, "ivan@example.org"), 1);
	cr_expect_eq(h_smtp_count_rcpt(&x.env, "carol@example.org"), 0);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'sent'"), 3);
	err = query(&x, "SELECT state || ' ' || last_error FROM outbox_rcpt "
	    "WHERE address = 'Carol@Example.org'");
	cr_expect_str_eq(err, "failed 550 5.1.1 No such user", "carol: got '%s'", err);
	free(err);
	cr_expect_geq(query_long(&x, "SELECT count(*) FROM bounces WHERE "
	    "address = 'carol@example.org' COLLATE NOCASE AND temporary = 0"), 1,
	    "no bounce recorded for carol");
	teardown(&x);
}

Test(relay, refused_recipient_personalised)
{
	refused_one("relay_550p", NULL, NULL);
}

Test(relay, refused_recipient_in_a_batch)
{
	refused_one("relay_550b", "[smtp]\npersonalize = no\n", NULL);
}

/* the same through libcurl's own transfers: a server without PIPELINING */
Test(relay, refused_recipient_without_pipelining)
{
	refused_one("relay_550n", "[smtp]\npersonalize = no\n",
	    "{\"pipelining\": false, \"rcpt\": {\"carol@example.org\": "
	    "\"550 5.1.1 No such user\"}}");
}

static const char RAW_DOTS[] =
    "From: Alice Author <alice@example.org>\n"
    "To: cop@example.org\n"
    "Subject: Funding flows\n"
    "Message-ID: <dots-1@example.org>\n"
    "Date: Fri, 20 Nov 2020 10:00:00 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    ".hidden first line\n"
    "middle\n"
    "..two dots\n"
    ".\n"
    "last\n";

/* dots_through - a post whose lines start with dots goes out through the
 * pipelined path (the server offers PIPELINING) or libcurl's transfers
 * (rules: it does not), and arrives with every line intact */
static void
dots_through(const char *name, const char *extra, const char *rules,
    int want_pipelined)
{
	struct ctx x;
	int remaining = -1;
	char *tr;

	setup(&x, name, extra, 1);
	cast(&x);
	if (rules)
		h_smtp_rules(&x.env, rules);
	post(&x, "alice@example.org", "funding", RAW_DOTS, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0);
	check_delivered_once(&x);
	cr_assert_geq(h_smtp_count(&x.env), 1);
	for (int i = 0; i < h_smtp_count(&x.env); i++) {
		struct h_smtp_msg m;
		static const char *const want[] = {
			"\r\n.hidden first line\r\nmiddle\r\n..two dots\r\n.\r\nlast\r\n",
		};

		cr_assert_eq(h_smtp_message(&x.env, i, &m), 1);
		cr_expect_not_null(strstr(m.data, want[0]),
		    "copy %d lost its dot lines:\n%s", i, m.data);
		h_smtp_msg_free(&m);
	}
	tr = h_smtp_transcript(&x.env);
	if (want_pipelined)
		cr_expect_not_null(strstr(tr, "(pipelined)"),
		    "the server offered PIPELINING but no MAIL FROM came with "
		    "its RCPT TOs:\n%s", tr);
	else
		cr_expect_null(strstr(tr, "(pipelined)"),
		    "commands pipelined to a server that did not offer it:\n%s", tr);
	free(tr);
	teardown(&x);
}

Test(relay, pipelined_when_offered_dots_intact)
{
	dots_through("relay_pipe", "[smtp]\npersonalize = no\n", NULL, 1);
}

Test(relay, pipelined_personalised_dots_intact)
{
	dots_through("relay_pipep", NULL, NULL, 1);
}

Test(relay, not_pipelined_when_not_offered)
{
	dots_through("relay_nopipe", "[smtp]\npersonalize = no\n",
	    "{\"pipelining\": false}", 0);
}

/* every recipient refused: DATA is refused too, nothing is sent, each
 * recipient keeps its own reply, and the next post (next run) goes out */
Test(relay, all_recipients_refused_then_next_post)
{
	struct ctx x;
	int remaining = -1;

	setup(&x, "relay_allref", "[smtp]\npersonalize = no\n", 1);
	cast(&x);
	h_smtp_rules(&x.env, "{\"rcpt\": \"550 5.1.1 nobody here\"}");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(h_smtp_count(&x.env), 0);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'failed' "
	    "AND last_error = '550 5.1.1 nobody here'"), 4);
	h_smtp_rules(&x.env, NULL);
	post(&x, "alice@example.org", "funding", RAW_DOTS, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0);
	check_delivered_once(&x);
	teardown(&x);
}

Test(relay, not_pipelined_when_configured_off)
{
	dots_through("relay_pipeoff", "[smtp]\npersonalize = no\npipelining = no\n",
	    NULL, 0);
}

Test(relay, server_down_then_back)
{
	struct ctx x;
	int remaining = -1, rc;
	long deferred;
	struct h_out out;

	setup(&x, "relay_down", NULL, 0);       /* no SMTP server yet */
	cast(&x);
	post(&x, "alice@example.org", "funding", RAW, NULL);
	rc = deliver_run(x.s, x.c, &remaining);
	cr_expect_eq(rc, -1, "deliver_run with no server: got %d, want -1", rc);
	cr_expect_eq(remaining, 4, "remaining %d, want 4", remaining);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state "
	    "IN ('queued', 'deferred')"), 4, "rows lost");
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'sent'"), 0);

	h_baraza(&x.env, &out, "queue");
	cr_expect_eq(out.status, 0, "queue: %s", out.err);
	cr_expect_not_null(strstr(out.out, "oldest deferral:"), "queue shows no deferral:\n%s",
	    out.out);
	cr_expect_not_null(strstr(out.out, "onnect"), "no reason shown:\n%s", out.out);
	h_out_free(&out);
	h_baraza(&x.env, &out, "queue --json");
	cr_expect_eq(out.status, 0);
	cr_expect_not_null(strstr(out.out, "\"state\":\"deferred\""), "json: %s", out.out);
	h_out_free(&out);

	/* the transactions tried (at most two in hand per connection) were
	 * deferred, the rest stayed queued: the run stopped at the first
	 * failure */
	deferred = query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'deferred'");
	cr_expect(deferred >= 1 && deferred <= 2 * x.c->smtp.connections,
	    "%ld deferred, want 1..%ld", deferred, 2 * x.c->smtp.connections);

	/* back: the queued rows go, the deferred ones wait for their time */
	h_smtp_start(&x.env);
	setenv("BARAZA_NOW", "2020-11-20T10:00:30Z", 1);
	cr_expect_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(h_smtp_count(&x.env), 4 - deferred, "%d sent before the retry "
	    "time, want %ld", h_smtp_count(&x.env), 4 - deferred);
	cr_expect_eq(remaining, deferred);

	/* a minute later they are due */
	setenv("BARAZA_NOW", "2020-11-20T10:01:05Z", 1);
	cr_expect_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0, "remaining %d, want 0", remaining);
	check_delivered_once(&x);
	teardown(&x);
}

Test(relay, queue_retry_makes_deferred_due)
{
	struct ctx x;
	int remaining = -1;
	struct h_out out;

	setup(&x, "relay_retry", NULL, 1);
	cast(&x);
	h_smtp_rules(&x.env, "{\"rcpt\": {\"dave@example.org\": \"451 4.3.0 try later\"}}");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 1);
	{
		char *r = query(&x, "SELECT state || ' ' || attempts || ' ' || next_try || ' ' "
		    "|| last_error FROM outbox_rcpt WHERE address = 'dave@example.org'");

		/* 2020-11-20T10:00:00Z + 60 s */
		cr_expect_str_eq(r, "deferred 1 1605866460 451 4.3.0 try later", "got '%s'", r);
		free(r);
	}
	h_smtp_rules(&x.env, NULL);
	h_baraza(&x.env, &out, "queue retry");
	cr_expect_eq(out.status, 0, "queue retry: %s", out.err);
	h_out_free(&out);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0);
	check_delivered_once(&x);
	teardown(&x);
}

Test(relay, backoff_doubles_then_gives_up)
{
	struct ctx x;
	int remaining = -1;
	static const struct {
		const char *now;
		const char *want;
	} steps[] = {
		{ "2020-11-20T10:00:00Z", "deferred 1 1605866460" },   /* +60 */
		{ "2020-11-20T10:01:00Z", "deferred 2 1605866580" },   /* +120 */
		{ "2020-11-20T10:03:00Z", "deferred 3 1605866820" },   /* +240 */
		{ "2020-11-21T10:00:00Z", "deferred 4 1605953280" },   /* +480 */
		{ "2020-11-23T10:08:00Z", "failed 5 0" },               /* past 72 h */
	};

	setup(&x, "relay_backoff", NULL, 1);
	cast(&x);
	h_smtp_rules(&x.env, "{\"rcpt\": {\"dave@example.org\": \"452 4.2.2 mailbox full\"}}");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *r;

		setenv("BARAZA_NOW", steps[i].now, 1);
		cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
		r = query(&x, "SELECT state || ' ' || attempts || ' ' || next_try "
		    "FROM outbox_rcpt WHERE address = 'dave@example.org'");
		cr_expect_str_eq(r, steps[i].want, "step %zu: got '%s', want '%s'", i, r,
		    steps[i].want);
		free(r);
	}
	cr_expect_geq(query_long(&x, "SELECT count(*) FROM bounces WHERE "
	    "address = 'dave@example.org'"), 1, "giving up recorded no bounce");
	cr_expect_eq(h_smtp_count_rcpt(&x.env, "dave@example.org"), 0);
	teardown(&x);
}

Test(relay, data_refused_fails_the_transaction)
{
	struct ctx x;
	int remaining = -1;

	setup(&x, "relay_data", "[smtp]\npersonalize = no\n", 1);
	cast(&x);
	h_smtp_rules(&x.env, "{\"data\": \"554 5.7.1 rejected as spam\"}");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(h_smtp_count(&x.env), 0);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'failed' "
	    "AND last_error LIKE '554%'"), 4);
	teardown(&x);
}

Test(relay, data_temp_failure_defers)
{
	struct ctx x;
	int remaining = -1;

	setup(&x, "relay_data4", NULL, 1);
	cast(&x);
	h_smtp_rules(&x.env, "{\"data\": \"452 4.3.1 insufficient storage\"}");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 4);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'deferred'"), 4);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM bounces"), 0,
	    "a temporary failure counted as a bounce");
	teardown(&x);
}

/* The relay looks bounces up only for addresses that have some (the due
 * rows say so): a member with an SMTP bounce on record must still have it
 * forgotten by a delivery that works, and nobody else's record changes. */
Test(relay, success_forgets_a_recorded_smtp_bounce)
{
	struct ctx x;
	int remaining = -1;
	long n;

	setup(&x, "relay_decay", NULL, 1);
	cast(&x);
	exec(&x, "INSERT INTO bounces (address, day, at, temporary, reason) VALUES "
	    "('carol@example.org', 18586, 1605800000, 0, '550 5.1.1 No such user'), "
	    "('dave@example.org', 18586, 1605800000, 1, '452 4.2.2 Mailbox full'), "
	    "('hank@example.org', 18586, 1605800000, 0, '550 5.1.1 No such user')");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	check_delivered_once(&x);
	n = query_long(&x, "SELECT count(*) FROM bounces WHERE address = 'carol@example.org'");
	cr_expect_eq(n, 0, "carol's SMTP bounce: got %ld rows, want 0 (forgotten)", n);
	n = query_long(&x, "SELECT count(*) FROM bounces WHERE address = 'dave@example.org'");
	cr_expect_eq(n, 1, "dave's temporary report: got %ld rows, want 1 (kept)", n);
	n = query_long(&x, "SELECT count(*) FROM bounces WHERE address = 'hank@example.org'");
	cr_expect_eq(n, 1, "hank (not a recipient): got %ld rows, want 1", n);
	teardown(&x);
}

Test(relay, other_mail_keeps_its_body)
{
	struct ctx x;
	int remaining = -1;
	int64_t id;
	struct h_smtp_msg m;
	static const char body[] =
	    "From: cop+owner@example.org\n"
	    "To: newbie@example.com\n"
	    "Subject: Welcome\n"
	    "\n"
	    "Hello.\n"
	    ".\n"
	    "..and dots at line starts survive\n";

	setup(&x, "relay_mail", NULL, 1);
	id = relay_enqueue_mail(x.s, "notice", body, strlen(body), "newbie@example.com", 0);
	cr_assert_gt(id, 0);
	cr_expect_eq(relay_enqueue_mail(x.s, "notice", body, strlen(body),
	    "bad\r\nRCPT TO:<x@y>", 0), -1, "a bad address was queued");
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_assert_eq(h_smtp_message(&x.env, 0, &m), 1);
	cr_expect_str_eq(m.rcpts[0], "newbie@example.com");
	cr_expect_not_null(strstr(m.data, "Hello.\r\n.\r\n..and dots at line starts survive\r\n"),
	    "body changed: %s", m.data);
	h_smtp_msg_free(&m);
	teardown(&x);
}

Test(relay, smtp_check_greets_the_server)
{
	struct ctx x;
	char msg[512], want[64];

	setup(&x, "relay_check", NULL, 1);
	cr_expect_eq(smtp_check(x.c, msg, sizeof(msg)), 0, "check: %s", msg);
	snprintf(want, sizeof(want), "smtp: greeted 127.0.0.1:%d (220 ", x.env.smtp_port);
	cr_expect(strncmp(msg, want, strlen(want)) == 0, "got '%s', want '%s...'", msg, want);
	h_smtp_stop(&x.env);
	cr_expect_eq(smtp_check(x.c, msg, sizeof(msg)), -1, "check with no server: %s", msg);
	teardown(&x);
}

Test(relay, ingested_post_end_to_end)
{
	struct ctx x;
	struct ingest_result res;
	int remaining = -1;

	setup(&x, "relay_ingest", NULL, 1);
	cast(&x);
	memset(&res, 0, sizeof(res));
	cr_assert_eq(ingest_message(x.s, x.c, RAW, strlen(RAW), "cli", 1, &res), 0);
	cr_assert_gt(res.post, 0, "not stored as a post (route %s, state %s)",
	    res.route ? res.route : "?", res.state ? res.state : "?");
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0);
	check_delivered_once(&x);
	teardown(&x);
}

Test(relay, starttls_verified)
{
	struct ctx x;
	int remaining = -1;
	char extra[H_PATH + 64], msg[512];

	/* the CA is only known after h_env_init: write the config twice */
	setup(&x, "relay_tls", NULL, 1);
	snprintf(extra, sizeof(extra), "[smtp]\nstarttls = yes\nca_file = %s\n", x.env.ca_file);
	h_write_config(&x.env, extra);
	conf_free(&x.c);
	{
		struct buf errs;

		buf_init(&errs, 1 << 16);
		x.c = conf_load(x.env.conf, &errs);
		cr_assert_not_null(x.c, "config: %s", errs.data);
		buf_release(&errs);
	}
	cr_expect_eq(smtp_check(x.c, msg, sizeof(msg)), 0, "check over STARTTLS: %s", msg);
	cast(&x);
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0);
	check_delivered_once(&x);
	teardown(&x);
}

Test(relay, starttls_unknown_ca_is_refused)
{
	struct ctx x;
	int remaining = -1;
	char msg[512];

	setup(&x, "relay_tlsbad", "[smtp]\nstarttls = yes\n", 1);
	cr_expect_eq(smtp_check(x.c, msg, sizeof(msg)), -1,
	    "a self-signed certificate was accepted without ca_file: %s", msg);
	cast(&x);
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_expect_eq(deliver_run(x.s, x.c, &remaining), -1);
	cr_expect_eq(remaining, 4, "remaining %d, want 4", remaining);
	cr_expect_eq(h_smtp_count(&x.env), 0, "mail went over an unverified connection");
	teardown(&x);
}

Test(relay, refused_sender_is_not_a_bounce)
{
	struct ctx x;
	int remaining = -1;
	char *why;

	setup(&x, "relay_mailfrom", NULL, 1);
	cast(&x);
	h_smtp_rules(&x.env, "{\"mail\": \"553 5.7.1 sender not allowed\"}");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_expect_eq(deliver_run(x.s, x.c, &remaining), -1);
	cr_expect_eq(remaining, 4, "remaining %d, want 4", remaining);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM bounces"), 0,
	    "our refused sender counted against members");
	why = query(&x, "SELECT last_error FROM outbox_rcpt WHERE state = 'deferred' LIMIT 1");
	cr_expect_str_eq(why, "MAIL FROM refused: 553 5.7.1 sender not allowed", "got '%s'", why);
	free(why);
	h_smtp_rules(&x.env, NULL);
	setenv("BARAZA_NOW", "2020-11-20T10:05:00Z", 1);
	cr_expect_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0);
	check_delivered_once(&x);
	teardown(&x);
}

/* ---- the installed programs end to end: IMAP -> barazad --once -> SMTP ---- */

static void
cli_cast(struct h_env *env)
{
	static const char *const cmds[] = {
		"init",
		"member add alice@example.org --name 'Alice Author'",
		"member add bob@example.org --name Bob",
		"member add carol@example.org --name Carol --language fr",
		"member add dave@example.org --name Dave",
		"member add erin@example.org --name Erin --delivery digest",
		"member add frank@example.org --name Frank --delivery none",
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct h_out out;

		h_baraza(env, &out, "%s", cmds[i]);
		cr_assert_eq(out.status, 0, "baraza %s: exit %d: %s", cmds[i], out.status, out.err);
		h_out_free(&out);
	}
}

static void
append_post(struct h_env *env)
{
	struct h_mail m = {
		.from = "Alice Author <alice@example.org>",
		.subject = "How do funding flows shape who decides?",
		.date = "Fri, 20 Nov 2020 09:00:00 +0000",
		.message_id = "<e2e-1@example.org>",
		.body = "Who decides where the money goes?\n",
	};
	size_t len;
	char *raw = h_mail_build(&m, &len, NULL, 0);

	h_imap_append(env, "INBOX", raw, len);
	free(raw);
}

/* post_copies - copies of the post <e2e-1@example.org> captured for rcpt
 * (other mail, such as the session-open announcement, is not counted);
 * checks the list fields of each copy on the way */
static int
post_copies(struct h_env *env, const char *rcpt)
{
	int n = 0;

	for (int i = 0; i < h_smtp_count(env); i++) {
		struct h_smtp_msg m;
		char *mid;

		cr_assert_eq(h_smtp_message(env, i, &m), 1);
		mid = h_header(m.data, "Message-ID");
		if (mid && strcmp(mid, "<e2e-1@example.org>") == 0) {
			char *subj = h_header(m.data, "Subject");
			char *lid = h_header(m.data, "List-Id");

			cr_expect_str_eq(subj, "[CoP] How do funding flows shape who decides?");
			cr_expect_str_eq(lid, "Test CoP <cop.example.org>");
			for (size_t j = 0; j < m.nrcpts; j++)
				if (strcasecmp(m.rcpts[j], rcpt) == 0)
					n++;
			free(subj);
			free(lid);
		}
		free(mid);
		h_smtp_msg_free(&m);
	}
	return n;
}

static void
check_cli_delivery(struct h_env *env)
{
	static const char *const yes[] = { "bob@example.org", "carol@example.org",
	    "dave@example.org" };
	static const char *const no[] = { "alice@example.org", "erin@example.org",
	    "frank@example.org" };

	for (size_t i = 0; i < 3; i++) {
		int y = post_copies(env, yes[i]), n = post_copies(env, no[i]);

		cr_expect_eq(y, 1, "%s got %d copies, want 1", yes[i], y);
		cr_expect_eq(n, 0, "%s got %d copies, want 0", no[i], n);
	}
}

Test(relay, barazad_once_end_to_end)
{
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "relay_e2e");
	env.now = T0;
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	cli_cast(&env);
	append_post(&env);
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "barazad --once: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	check_cli_delivery(&env);

	/* a second cycle sends nothing again */
	{
		int before = h_smtp_count(&env);

		h_barazad_once(&env, &out);
		cr_expect_eq(out.status, 0);
		h_out_free(&out);
		cr_expect_eq(h_smtp_count(&env), before, "a second cycle sent %d more",
		    h_smtp_count(&env) - before);
	}
	check_cli_delivery(&env);
	h_baraza(&env, &out, "queue --json");
	cr_expect_not_null(strstr(out.out, "{\"state\":\"queued\",\"count\":0}"),
	    "queue: %s", out.out);
	h_out_free(&out);
	h_env_fini(&env);
}

Test(relay, barazad_once_server_down_then_back)
{
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "relay_e2e_down");
	env.now = T0;
	h_write_config(&env, NULL);         /* no SMTP server running */
	cli_cast(&env);
	append_post(&env);
	h_barazad_once(&env, &out);
	h_out_free(&out);
	h_baraza(&env, &out, "queue");
	cr_expect_eq(out.status, 0);
	cr_expect_not_null(strstr(out.out, "oldest deferral:"), "queue:\n%s", out.out);
	h_out_free(&out);

	h_smtp_start(&env);
	env.now = "2020-11-20T10:05:00Z";  /* past the first retry time */
	h_barazad_once(&env, &out);
	cr_expect_eq(out.status, 0, "barazad --once: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	check_cli_delivery(&env);
	h_env_fini(&env);
}

Test(relay, connection_lost_after_data_is_retried)
{
	struct ctx x;
	int remaining = -1;

	setup(&x, "relay_drop", "[smtp]\npersonalize = no\n", 1);
	cast(&x);
	h_smtp_rules(&x.env, "{\"drop_after_data\": true}");
	post(&x, "alice@example.org", "funding", RAW, NULL);
	deliver_run(x.s, x.c, &remaining);
	cr_expect_eq(remaining, 4, "remaining %d, want 4", remaining);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'deferred'"),
	    4, "a transaction without the server's final answer was not deferred");
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM bounces"), 0);
	h_smtp_rules(&x.env, NULL);
	setenv("BARAZA_NOW", "2020-11-20T10:01:00Z", 1);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0);
	check_delivered_once(&x);
	teardown(&x);
}

/* ---- each outcome on both paths: pipelined (RFC 2920) and libcurl's ---- */

struct outcome_case {
	const char *name;
	const char *extra;        /* config, NULL = personalised */
	const char *rules;        /* rules.json members, without braces */
	int rc;                   /* deliver_run's return; 99 = not checked */
	long sent, failed, deferred;
	const char *error;        /* LIKE pattern every unsent row's last_error matches, or NULL */
};

static const struct outcome_case outcome_cases[] = {
	{ "o_rcpt5", "[smtp]\npersonalize = no\n",
	  "\"rcpt\": {\"carol@example.org\": \"550 5.1.1 No such user\"}",
	  0, 3, 1, 0, "550 5.1.1 No such user" },
	{ "o_rcpt5p", NULL,
	  "\"rcpt\": {\"carol@example.org\": \"550 5.1.1 No such user\"}",
	  0, 3, 1, 0, "550 5.1.1 No such user" },
	{ "o_rcpt4", "[smtp]\npersonalize = no\n",
	  "\"rcpt\": {\"carol@example.org\": \"452 4.2.2 Mailbox full\"}",
	  0, 3, 0, 1, "452 4.2.2 Mailbox full" },
	{ "o_allref", "[smtp]\npersonalize = no\n",
	  "\"rcpt\": \"550 5.1.1 nobody here\"", 0, 0, 4, 0, "550 5.1.1 nobody here" },
	{ "o_mail", "[smtp]\npersonalize = no\n",
	  "\"mail\": \"451 4.3.0 try later\"", -1, 0, 0, 4,
	  "MAIL FROM refused: 451 4.3.0 try later" },
	{ "o_data5", "[smtp]\npersonalize = no\n",
	  "\"data\": \"554 5.7.1 rejected as spam\"", 0, 0, 4, 0, "554 5.7.1 rejected as spam" },
	{ "o_data4", NULL,
	  "\"data\": \"452 4.3.1 insufficient storage\"", 0, 0, 0, 4,
	  "452 4.3.1 insufficient storage" },
	{ "o_drop", "[smtp]\npersonalize = no\n",
	  "\"drop_after_data\": true", 99, 0, 0, 4, NULL },
};

/* outcome_one - one case on one path; deferred recipients then get the
 * post once the server accepts everything again */
static void
outcome_one(const struct outcome_case *oc, int pipelined)
{
	struct ctx x;
	int remaining = -1, rc;
	char name[64], rules[512], *tr;
	long n;

	snprintf(name, sizeof(name), "%s_%s", oc->name, pipelined ? "pipe" : "curl");
	snprintf(rules, sizeof(rules), "{%s%s}", pipelined ? "" : "\"pipelining\": false, ",
	    oc->rules);
	setup(&x, name, oc->extra, 1);
	cast(&x);
	h_smtp_rules(&x.env, rules);
	post(&x, "alice@example.org", "funding", RAW, NULL);
	rc = deliver_run(x.s, x.c, &remaining);
	if (oc->rc != 99)
		cr_expect_eq(rc, oc->rc, "%s: deliver_run got %d, want %d", name, rc, oc->rc);
	n = query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'sent'");
	cr_expect_eq(n, oc->sent, "%s: sent got %ld, want %ld", name, n, oc->sent);
	n = query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'failed'");
	cr_expect_eq(n, oc->failed, "%s: failed got %ld, want %ld", name, n, oc->failed);
	n = query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'deferred'");
	cr_expect_eq(n, oc->deferred, "%s: deferred got %ld, want %ld", name, n, oc->deferred);
	cr_expect_eq(h_smtp_count(&x.env), oc->sent > 0 ? (oc->extra ? 1 : (int)oc->sent) : 0,
	    "%s: got %d messages captured", name, h_smtp_count(&x.env));
	if (oc->error) {
		char sql[512];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox_rcpt WHERE "
		    "state <> 'sent' AND last_error = '%s'", oc->error);
		n = query_long(&x, sql);
		cr_expect_eq(n, oc->failed + oc->deferred,
		    "%s: %ld rows with last_error '%s', want %ld", name, n, oc->error,
		    oc->failed + oc->deferred);
	}
	tr = h_smtp_transcript(&x.env);
	if (pipelined)
		cr_expect_not_null(strstr(tr, "(pipelined)"), "%s: not pipelined:\n%s", name, tr);
	else
		cr_expect_null(strstr(tr, "(pipelined)"), "%s: pipelined:\n%s", name, tr);
	free(tr);
	if (oc->deferred == 4) {
		h_smtp_rules(&x.env, pipelined ? NULL : "{\"pipelining\": false}");
		setenv("BARAZA_NOW", "2020-11-20T10:05:00Z", 1);
		cr_expect_eq(deliver_run(x.s, x.c, &remaining), 0, "%s: the retry", name);
		cr_expect_eq(remaining, 0, "%s: %d remaining after the retry", name, remaining);
		check_delivered_once(&x);
	}
	teardown(&x);
}

Test(relay, outcomes_on_both_paths)
{
	for (size_t i = 0; i < sizeof(outcome_cases) / sizeof(outcome_cases[0]); i++)
		for (int pipelined = 1; pipelined >= 0; pipelined--)
			outcome_one(&outcome_cases[i], pipelined);
}

/* the server closes each connection once a message is stored (a restart
 * or an idle timeout between transactions).  Pipelined: the next
 * transaction finds the connection gone before any reply, opens a new one
 * and goes through, nothing deferred.  libcurl's transfers: its check of
 * a cached connection races with the close (seen: "Recv failure:
 * Connection reset by peer", the rest deferred as from an unusable
 * server), so there only nothing lost or doubled is asserted, after a
 * retry. */
static void
closed_between(const char *name, const char *rules, int pipelined)
{
	struct ctx x;
	int remaining = -1;
	char *tr;
	const char *p;
	int ehlos = 0;

	setup(&x, name, "[smtp]\nconnections = 1\n", 1);
	cast(&x);
	h_smtp_rules(&x.env, rules);
	post(&x, "alice@example.org", "funding", RAW, NULL);
	deliver_run(x.s, x.c, &remaining);
	if (pipelined) {
		cr_expect_eq(remaining, 0, "%s: %d remaining", name, remaining);
		cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'sent'"), 4);
	} else {
		cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE "
		    "state = 'failed'"), 0, "%s: a recipient failed", name);
		h_smtp_rules(&x.env, "{\"pipelining\": false}");
		setenv("BARAZA_NOW", "2020-11-20T10:05:00Z", 1);
		cr_expect_eq(deliver_run(x.s, x.c, &remaining), 0);
		cr_expect_eq(remaining, 0, "%s: %d remaining after the retry", name, remaining);
	}
	check_delivered_once(&x);
	tr = h_smtp_transcript(&x.env);
	for (p = tr; (p = strstr(p, "C: EHLO")) != NULL; p++)
		ehlos++;
	if (pipelined)
		cr_expect_geq(ehlos, 4, "%s: %d connections for 4 transactions, each closed "
		    "after its message:\n%s", name, ehlos, tr);
	if (pipelined)
		cr_expect_not_null(strstr(tr, "(pipelined)"), "%s: not pipelined:\n%s", name, tr);
	else
		cr_expect_null(strstr(tr, "(pipelined)"), "%s: pipelined:\n%s", name, tr);
	free(tr);
	teardown(&x);
}

Test(relay, server_closed_between_transactions)
{
	closed_between("relay_closed_pipe", "{\"close_after_data\": true}", 1);
	closed_between("relay_closed_curl",
	    "{\"close_after_data\": true, \"pipelining\": false}", 0);
}

/* a transaction with more recipients than one pipelined command group may
 * carry (SMTP_PIPE_MAX_RCPTS, 500: every reply must fit in the socket
 * buffers while the commands are written) goes through libcurl's transfer;
 * one of 500 still goes pipelined */
static void
wide_transaction(const char *name, int extra_members, int want_pipelined)
{
	struct ctx x;
	int remaining = -1;
	char *tr;

	setup(&x, name, "[smtp]\npersonalize = no\nmax_recipients = 1000\n", 1);
	cast(&x);
	for (int i = 0; i < extra_members; i++) {
		char email[64];

		snprintf(email, sizeof(email), "wide%04d@example.net", i);
		member(&x, email, "Wide", "each", "active", NULL, NULL);
	}
	post(&x, "alice@example.org", "funding", RAW, NULL);
	cr_assert_eq(deliver_run(x.s, x.c, &remaining), 0);
	cr_expect_eq(remaining, 0, "%s: %d remaining", name, remaining);
	cr_expect_eq(query_long(&x, "SELECT count(*) FROM outbox_rcpt WHERE state = 'sent'"),
	    4 + extra_members);
	cr_expect_eq(h_smtp_count(&x.env), 1, "%s: %d transactions, want 1", name,
	    h_smtp_count(&x.env));
	check_delivered_once(&x);
	tr = h_smtp_transcript(&x.env);
	if (want_pipelined)
		cr_expect_not_null(strstr(tr, "(pipelined)"), "%s: not pipelined", name);
	else
		cr_expect_null(strstr(tr, "(pipelined)"), "%s: pipelined", name);
	free(tr);
	teardown(&x);
}

Test(relay, wide_transaction_not_pipelined)
{
	wide_transaction("relay_wide501", 497, 0);
	wide_transaction("relay_wide500", 496, 1);
}
