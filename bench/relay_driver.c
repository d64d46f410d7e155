/* SPDX-License-Identifier: GPL-3.0-or-later */
/* relay_driver - one post to N members through deliver_run(), timed
 *
 * Usage: relay_driver CONF N
 * Creates the database named in CONF (which must not exist yet), adds N
 * active members with delivery = each and one author, stores one post of
 * about 3 KB by the author, queues it (relay_enqueue_post) and times one
 * deliver_run().  Prints one line:
 *   recipients=N sent=S seconds=T rate=R size=BYTES cpu=C main_cpu=M
 * where BYTES is the size of one composed copy (for smtp-source -l), C
 * the CPU seconds deliver_run() used (all threads) and M those of the
 * calling thread alone (composing and recording; C - M is the sending
 * threads').
 * Part of bench/relay; built by that script against a build tree.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "buf.h"
#include "compose.h"
#include "conf.h"
#include "log.h"
#include "deliver.h"
#include "relay.h"
#include "store.h"
#include "store_outbox.h"
#include "xalloc.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* cpu_s - user + system CPU seconds so far of this process (who =
 * RUSAGE_SELF) or of the calling thread (RUSAGE_THREAD) */
static double
cpu_s(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
exec(struct store *s, const char *sql)
{
	if (store_exec(s, sql) != 0)
		fatal("SQL: %s: %s", sql, store_errmsg(s));
}

int
main(int argc, char **argv)
{
	struct buf errs, raw, sql;
	struct conf *c;
	struct store *s;
	char err[256];
	long n;
	int remaining = 0;
	double t0, t1, c0, c1, m0, m1;
	long sent;
	struct outbox_stats st;
	size_t size = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: relay_driver CONF N\n");
		return 2;
	}
	log_init("relay_driver", 0, LOG_LEVEL_WARN);
	n = atol(argv[2]);
	buf_init(&errs, 1 << 16);
	if ((c = conf_load(argv[1], &errs)) == NULL)
		fatal("%s", errs.data);
	if (store_open(c->list.database, 1, &s, err, sizeof(err)) < 0 ||
	    store_migrate(s, err, sizeof(err)) < 0)
		fatal("%s", err);

	buf_init(&raw, 1 << 20);
	buf_puts(&raw, "From: Alice Author <alice@example.org>\r\n"
	    "To: cop@example.org\r\nSubject: Funding flows in practice\r\n"
	    "Message-ID: <bench-1@example.org>\r\nDate: Fri, 20 Nov 2020 10:00:00 +0000\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
	while (raw.len < 3000)
		buf_puts(&raw, "Who decides where the money goes, and who is asked "
		    "before it is decided?\r\n");

	buf_init(&sql, 1 << 22);
	exec(s, "BEGIN");
	/* Each member with an unsubscribe token, as `member add` and the
	 * subscription confirmation give one: deliver_run's outbox_fill_tokens
	 * only mends rows from before tokens existed (without this, a fifth
	 * of the personalised run's main thread went to giving 20 000 tokens) */
	buf_printf(&sql, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM k WHERE i < %ld) INSERT INTO members (email, name, unsub_token, "
	    "created, updated) SELECT 'member' || i || '@example.net', 'Member ' || i, "
	    "lower(hex(randomblob(16))), 0, 0 FROM k", n);
	exec(s, sql.data);
	exec(s, "INSERT INTO members (email, name, created, updated) "
	    "VALUES ('alice@example.org', 'Alice Author', 0, 0)");
	buf_reset(&sql);
	buf_puts(&sql, "INSERT INTO messages (id, message_id, received, route, state, "
	    "size, raw) VALUES (1, '<bench-1@example.org>', 0, 'post', 'stored', 0, '");
	buf_append(&sql, raw.data, raw.len);
	buf_puts(&sql, "')");
	exec(s, sql.data);
	exec(s, "INSERT INTO threads (id, theme, created, last_post) VALUES (1, 'general', 0, 0)");
	exec(s, "INSERT INTO posts (id, message, message_id, thread, theme, kind, author, "
	    "author_name, author_email, subject, received) VALUES (1, 1, "
	    "'<bench-1@example.org>', 1, 'general', 'idea', "
	    "(SELECT id FROM members WHERE email = 'alice@example.org'), 'Alice Author', "
	    "'alice@example.org', 'Funding flows in practice', 0)");
	if (relay_enqueue_post(s, c, 1) != n)
		fatal("queued the wrong number of recipients");
	exec(s, "COMMIT");
	{
		struct compose_list l;
		struct compose_post p = { .raw = raw.data, .raw_len = raw.len,
		    .theme = "general", .kind = "idea" };
		struct compose *cp;
		struct buf one;

		compose_list_init(&l, c);
		cp = compose_prepare(&l, &p);
		buf_init(&one, 1 << 22);
		compose_render(cp, NULL, &one);
		size = one.len;
		buf_release(&one);
		compose_free(&cp);
	}

	t0 = now_s();
	c0 = cpu_s(RUSAGE_SELF);
	m0 = cpu_s(RUSAGE_THREAD);
	if (deliver_run(s, c, &remaining) < 0)
		fatal("deliver_run failed");
	t1 = now_s();
	c1 = cpu_s(RUSAGE_SELF);
	m1 = cpu_s(RUSAGE_THREAD);
	if (outbox_stats_get(s, &st) < 0)
		fatal("stats");
	sent = st.sent;
	outbox_stats_release(&st);
	printf("recipients=%ld sent=%ld seconds=%.3f rate=%.0f size=%zu cpu=%.3f "
	    "main_cpu=%.3f\n", n, sent, t1 - t0, sent / (t1 - t0), size, c1 - c0, m1 - m0);
	store_close(&s);
	conf_free(&c);
	buf_release(&raw);
	buf_release(&sql);
	buf_release(&errs);
	return sent == n ? 0 : 1;
}
