/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_imap - the IMAP layer and barazad against the real Dovecot
 *
 * Two levels: imap.h and fetch.h called directly from this binary (it
 * links every layer), so a fetch cycle can be watched message by message
 * in the database it fills; and the real barazad binary, --once and in loop mode (IDLE latency, signals,
 * reconnection after a Dovecot restart).  The shared Dovecot comes from the
 * harness (STARTTLS and IMAPS ports, a self-signed certificate trusted
 * through ca_file); the restart test starts a Dovecot of its own.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <libetpan/libetpan.h>
#include <sqlite3.h>

#include "../harness.h"
#include "buf.h"
#include "conf.h"
#include "fetch.h"
#include "imap.h"
#include "imap_mover.h"
#include "store.h"
#include "store_imap.h"
#include "tls.h"
#include "xalloc.h"

/* ---- helpers ------------------------------------------------------------ */

static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* env_init - h_env_init, then wait until Dovecot knows the new user:
 * Dovecot stats its passwd-file at most once a second, so a user added
 * right after another lookup is unknown for up to a second */
static void
env_init(struct h_env *env, const char *name)
{
	char templates[H_PATH + 32];

	h_env_init(env, name);
	/* fetch_run ingests in this process: it answers with templates */
	snprintf(templates, sizeof(templates), "%s/conf/templates", env->srcdir);
	setenv("BARAZA_TEMPLATES", templates, 1);
	for (int i = 0; i < 30; i++) {
		mailimap *m = mailimap_new(0, NULL);
		int r;

		mailimap_set_timeout(m, 2);
		r = mailimap_socket_connect(m, "127.0.0.1", (uint16_t)env->imap_port);
		if (r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
			r = mailimap_login(m, env->imap_user, env->imap_pass);
		if (r != MAILIMAP_NO_ERROR && m->imap_stream != NULL) {
			mailstream_close(m->imap_stream);   /* no LOGOUT wait */
			m->imap_stream = NULL;
		}
		mailimap_free(m);
		if (r == MAILIMAP_NO_ERROR)
			return;
		usleep(100000);
	}
	cr_assert_fail("user %s cannot log in to Dovecot", env->imap_user);
}

/* load - h_write_config(extra) then conf_load it */
static struct conf *
load(struct h_env *env, const char *extra)
{
	struct buf errs;
	struct conf *c;

	h_write_config(env, extra);
	buf_init(&errs, 1 << 16);
	c = conf_load(env->conf, &errs);
	cr_assert(c != NULL, "conf_load %s: %s", env->conf, errs.data);
	buf_release(&errs);
	return c;
}

/* open_db - a migrated database at the config's path */
static struct store *
open_db(const struct conf *c)
{
	struct store *s = NULL;
	char err[256];

	cr_assert(store_open(c->list.database, 1, &s, err, sizeof(err)) == 0,
	    "store_open: %s", err);
	cr_assert(store_migrate(s, err, sizeof(err)) >= 0, "migrate: %s", err);
	return s;
}

/* raw_login - a plain (loopback) libetpan session as the test user, to
 * load mail quickly; port 0 = the harness's Dovecot */
static mailimap *
raw_login(struct h_env *env, int port, const char *user, const char *pass)
{
	mailimap *m = mailimap_new(0, NULL);
	int r;

	mailimap_set_timeout(m, 10);
	r = mailimap_socket_connect(m, "127.0.0.1",
	    (uint16_t)(port ? port : env->imap_port));
	cr_assert(r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED,
	    "connect: %d", r);
	r = mailimap_login(m, user ? user : env->imap_user,
	    pass ? pass : env->imap_pass);
	cr_assert(r == MAILIMAP_NO_ERROR, "login: %d", r);
	return m;
}

/* put - APPEND n messages "TAG.i" (Message-ID <TAG.i@it-imap>) of about
 * body_bytes each to mailbox over one session */
static void
put_on(mailimap *m, const char *mailbox, const char *tag, int from, int n,
    size_t body_bytes)
{
	for (int i = from; i < from + n; i++) {
		char *body = xmalloc(body_bytes + 1), *msg;
		size_t k;
		int r;

		for (k = 0; k < body_bytes; k++)
			body[k] = (k % 64 == 63) ? '\n' : (char)('a' + k % 26);
		body[body_bytes] = '\0';
		msg = xasprintf("From: Alice <alice@example.org>\r\n"
		    "To: cop@example.org\r\nSubject: %s %d\r\n"
		    "Message-ID: <%s.%d@it-imap>\r\n"
		    "Date: Tue, 17 Nov 2020 10:00:00 +0000\r\n\r\n%s\r\n",
		    tag, i, tag, i, body);
		r = mailimap_append(m, mailbox, NULL, NULL, msg, strlen(msg));
		cr_assert(r == MAILIMAP_NO_ERROR, "append %s %d: %d", tag, i, r);
		free(msg);
		free(body);
	}
}

static void
put(struct h_env *env, const char *mailbox, const char *tag, int from, int n)
{
	mailimap *m = raw_login(env, 0, NULL, NULL);

	put_on(m, mailbox, tag, from, n, 40);
	mailimap_logout(m);
	mailimap_free(m);
}

/* count_keyword - messages in mailbox with the keyword (doveadm search) */
static int
count_search(struct h_env *env, const char *mailbox, const char *query)
{
	struct h_out out;
	int n = 0;

	h_doveadm(env, &out, "search -u '%s' mailbox '%s' %s", env->imap_user,
	    mailbox, query);
	for (char *p = out.out; *p; p++)
		if (*p == '\n')
			n++;
	h_out_free(&out);
	return n;
}

/* What a fetch stored, read back from the database in arrival order */
struct seen {
	uint32_t uids[2048];    /* from the origin "imap:MAILBOX:UV:UID" */
	char ids[2048][32];     /* "TAG.i" from the Message-ID */
	size_t len[2048];       /* bytes of the message stored */
	size_t full[2048];      /* its real size (messages.size) */
	char route[2048][16];
	char state[2048][16];
	size_t n;               /* rows stored by the last fetch */
	long long last_id;      /* rows up to this id were read before */
};

/* read_seen - the messages stored since the last call into s */
static void
read_seen(const struct conf *c, struct seen *s)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	s->n = 0;
	cr_assert_eq(sqlite3_open_v2(c->list.database, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK, "open %s", c->list.database);
	sqlite3_busy_timeout(db, 10000);
	/* raw messages are stored compressed: bz_raw gives them back */
	cr_assert_eq(store_zip_functions(db), 0);
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT id, message_id, origin, "
	    "length(bz_raw(raw)), size, route, state FROM messages WHERE id > ? "
	    "ORDER BY id", -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, s->last_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *mid = (const char *)sqlite3_column_text(st, 1);
		const char *origin = (const char *)sqlite3_column_text(st, 2);
		const char *at = strchr(mid, '@');
		const char *colon = origin ? strrchr(origin, ':') : NULL;

		cr_assert(s->n < 2048);
		s->last_id = sqlite3_column_int64(st, 0);
		snprintf(s->ids[s->n], 32, "%.*s", at ? (int)(at - mid) : 31, mid);
		s->uids[s->n] = colon ? (uint32_t)strtoul(colon + 1, NULL, 10) : 0;
		s->len[s->n] = (size_t)sqlite3_column_int64(st, 3);
		s->full[s->n] = (size_t)sqlite3_column_int64(st, 4);
		snprintf(s->route[s->n], 16, "%s", sqlite3_column_text(st, 5));
		snprintf(s->state[s->n], 16, "%s", sqlite3_column_text(st, 6));
		s->n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* fetch_batched - open, one fetch cycle (batch messages per UID FETCH;
 * 0 = the default), close; what it stored into s; the fetch_run status */
static int
fetch_batched(const struct conf *c, struct store *db, struct seen *s,
    struct fetch_stats *st, unsigned batch)
{
	struct fetch_options fo = { .batch_messages = batch };
	struct imap *im = NULL;
	char err[512];
	int rc = imap_open(c, &im, err, sizeof(err));

	cr_assert_eq(rc, OUTCOME_OK, "imap_open: got %d (%s), want OUTCOME_OK",
	    rc, err);
	rc = fetch_run(im, db, c, &fo, NULL, st, err, sizeof(err));
	cr_expect_eq(rc, OUTCOME_OK, "fetch_run: got %d (%s), want OUTCOME_OK",
	    rc, err);
	imap_close(&im);
	read_seen(c, s);
	return rc;
}

static int
fetch_all(const struct conf *c, struct store *db, struct seen *s,
    struct fetch_stats *st)
{
	return fetch_batched(c, db, s, st, 0);
}

/* ---- imap_check: TLS, verification, login ----------------------------------- */

struct check_case {
	const char *name;
	const char *extra;      /* config override; %d = port (imap or imaps) */
	int imaps;              /* %d is the IMAPS port */
	int ok;
	const char *want;       /* a substring of the message */
};

static const struct check_case check_cases[] = {
	{ "starttls", "[imap]\nurl = imap://127.0.0.1:%d/INBOX\nstarttls = yes\n",
	  0, 1, "(TLS verified), INBOX has 0 messages" },
	{ "starttls_no", "[imap]\nurl = imap://127.0.0.1:%d/INBOX\nstarttls = no\n",
	  0, 1, "(no TLS)" },
	{ "imaps", "[imap]\nurl = imaps://127.0.0.1:%d/INBOX\n",
	  1, 1, "(TLS verified), INBOX has 0 messages" },
	{ "imaps_localhost", "[imap]\nurl = imaps://localhost:%d\n",
	  1, 1, "at localhost:" },
	{ "imaps_no_ca", "[imap]\nurl = imaps://127.0.0.1:%d/INBOX\n!ca_file\n",
	  1, 0, "TLS verification failed" },
	{ "starttls_no_ca", "[imap]\nurl = imap://127.0.0.1:%d/INBOX\n!ca_file\n",
	  0, 0, "signed by an unknown authority" },
	{ "wrong_host", "[imap]\nurl = imaps://127.1:%d/INBOX\n",
	  1, 0, "not valid for host name 127.1" },
	{ "starttls_no", "[imap]\nurl = imap://127.0.0.1:%d/INBOX\nstarttls = no\n",
	  0, 1, "(no TLS)" },
	{ "no_mailbox", "[imap]\nurl = imaps://127.0.0.1:%d/Nonexistent\n",
	  1, 0, "mailbox Nonexistent" },
};

Test(imap_check, table)
{
	for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *tc = &check_cases[i];
		struct h_env env;
		struct conf *c;
		char extra[512], msg[1024];
		int rc;

		env_init(&env, tc->name);
		snprintf(extra, sizeof(extra), tc->extra,
		    tc->imaps ? env.imaps_port : env.imap_port);
		c = load(&env, extra);
		rc = imap_check(c, msg, sizeof(msg));
		cr_expect_eq(rc, tc->ok ? 0 : -1, "%s: got %d, want %d: %s",
		    tc->name, rc, tc->ok ? 0 : -1, msg);
		cr_expect(strstr(msg, tc->want) != NULL,
		    "%s: got \"%s\", want it to contain \"%s\"", tc->name, msg,
		    tc->want);
		cr_expect(strstr(msg, env.imap_pass) == NULL,
		    "%s: the password leaked into \"%s\"", tc->name, msg);
		conf_free(&c);
		h_env_fini(&env);
	}
}

/* A failed login is PERM, and the password appears nowhere: not in the
 * error, not in barazad's output. */
Test(imap_check, wrong_password_perm)
{
	static const char secret[] = "Wr0ng-Secret-4417";
	struct h_env env;
	struct h_out out;
	struct imap *im = NULL;
	struct conf *c;
	char err[512], path[H_PATH];
	int rc;

	env_init(&env, "wrongpw");
	h_write_file(&env, env.imap_pass_file, secret, (size_t)-1, 0600, path,
	    sizeof(path));
	c = load(&env, NULL);
	rc = imap_open(c, &im, err, sizeof(err));
	cr_expect_eq(rc, OUTCOME_PERM, "got %d, want OUTCOME_PERM (%d): %s", rc,
	    OUTCOME_PERM, err);
	cr_expect(im == NULL);
	cr_expect(strstr(err, "login as") != NULL, "got \"%s\"", err);
	cr_expect(strstr(err, secret) == NULL, "password in \"%s\"", err);

	rc = h_run(&env, &out, "'%s' -v --once", env.barazad);
	cr_expect_eq(rc, 1, "barazad --once: got exit %d, want 1; %s", rc, out.err);
	cr_expect(strstr(out.err, "login as") != NULL, "stderr: %s", out.err);
	cr_expect(strstr(out.err, secret) == NULL && strstr(out.out, secret) == NULL,
	    "password in barazad's output: %s", out.err);
	h_out_free(&out);
	conf_free(&c);
	h_env_fini(&env);
}

/* A server without STARTTLS (a Dovecot of our own with ssl = no):
 * starttls = yes refuses to log in in clear text, auto goes on without */
Test(imap_check, starttls_required_but_missing)
{
	struct h_env env;
	struct h_out out;
	struct conf *c;
	char dc[H_PATH + 32], path[H_PATH + 64], extra[2048], msg[1024], *txt;
	pid_t pid;
	int port, rc, status;

	env_init(&env, "nostarttls");
	snprintf(dc, sizeof(dc), "%s/dovecot-plain", env.dir);
	rc = h_run(&env, &out, "'%s/tests/servers/dovecot-start' --prepare '%s' && "
	    "sed -i 's/^\\( *\\)ssl = yes/\\1ssl = no/' '%s/dovecot.conf'",
	    env.srcdir, dc, dc);
	cr_assert_eq(rc, 0, "prepare: %s", out.err);
	h_out_free(&out);
	snprintf(path, sizeof(path), "%s/imap.port", dc);
	txt = h_read_file(path, NULL);
	cr_assert(txt != NULL);
	port = atoi(txt);
	free(txt);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		snprintf(path, sizeof(path), "%s/dovecot.conf", dc);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execlp("dovecot", "dovecot", "-F", "-c", path, (char *)NULL);
		_exit(127);
	}
	rc = h_run(&env, &out, "'%s/tests/servers/wait-port' 127.0.0.1 %d 10000",
	    env.srcdir, port);
	h_out_free(&out);
	cr_assert_eq(rc, 0, "plain Dovecot did not start");
	h_write_file(&env, "u1.pass", "u1-secret\n", (size_t)-1, 0600, path,
	    sizeof(path));

	snprintf(extra, sizeof(extra), "[imap]\nurl = imap://127.0.0.1:%d/INBOX\n"
	    "user = u1@example.org\npassword_file = %s\nstarttls = yes\n", port,
	    path);
	c = load(&env, extra);
	rc = imap_check(c, msg, sizeof(msg));
	cr_expect_eq(rc, -1, "starttls = yes: got %d: %s", rc, msg);
	cr_expect(strstr(msg, "does not offer STARTTLS") != NULL, "got \"%s\"", msg);
	conf_free(&c);

	snprintf(extra, sizeof(extra), "[imap]\nurl = imap://127.0.0.1:%d/INBOX\n"
	    "user = u1@example.org\npassword_file = %s\nstarttls = no\n", port,
	    path);
	c = load(&env, extra);
	rc = imap_check(c, msg, sizeof(msg));
	cr_expect_eq(rc, 0, "starttls = no: got %d: %s", rc, msg);
	cr_expect(strstr(msg, "(no TLS)") != NULL, "got \"%s\"", msg);
	conf_free(&c);

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	h_env_fini(&env);
}

/* tls_verify_chain on its own: the test CA is trusted only through
 * ca_file, and only for its names */
Test(tls, verify_chain_table)
{
	struct h_env env;
	gnutls_datum_t pem, der;
	char *text, err[512];
	size_t len;

	env_init(&env, "tls");
	text = h_read_file(env.ca_file, &len);
	cr_assert(text != NULL);
	pem.data = (unsigned char *)text;
	pem.size = (unsigned)len;
	cr_assert(gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der) == 0);
	{
		struct tls_der chain = { der.data, der.size };
		struct { const char *host; const char *ca; int want; const char *why; } t[] = {
			{ "localhost", env.ca_file, 0, "" },
			{ "127.0.0.1", env.ca_file, 0, "" },
			{ "mail.example.org", env.ca_file, -1, "not valid for host name" },
			{ "localhost", NULL, -1, "unknown authority" },
			{ "localhost", "/nonexistent/ca.pem", -1, "ca_file" },
		};
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			int rc = tls_verify_chain(&chain, 1, t[i].host, t[i].ca,
			    err, sizeof(err));

			cr_expect_eq(rc, t[i].want, "%s/%s: got %d, want %d (%s)",
			    t[i].host, t[i].ca ? t[i].ca : "-", rc, t[i].want, err);
			if (t[i].want < 0)
				cr_expect(strstr(err, t[i].why) != NULL,
				    "%s: got \"%s\", want \"%s\"", t[i].host, err,
				    t[i].why);
		}
		cr_expect_eq(tls_verify_chain(NULL, 0, "localhost", NULL, err,
		    sizeof(err)), -1);
	}
	gnutls_free(der.data);
	free(text);
	h_env_fini(&env);
}

/* ---- the fetch ---------------------------------------------------------------- */

/* 450 messages: each seen once, in UID order, in batches of 100 (5 UID
 * FETCH commands); moved to Processed; a second pass does nothing. */
Test(fetch, move_in_order_batched_once)
{
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;
	uint32_t uv, last;
	int n = 450;

	env_init(&env, "fetchmove");
	c = load(&env, NULL);
	db = open_db(c);
	put(&env, "INBOX", "m", 1, n);

	fetch_batched(c, db, s, &st, 100);
	cr_expect_eq(s->n, (size_t)n, "stored %zu messages, want %d", s->n, n);
	cr_expect_eq(st.fetched, (unsigned)n);
	cr_expect_eq(st.done, (unsigned)n);
	cr_expect_eq(st.marked, (unsigned)n);
	cr_expect_eq(st.batches, 5, "got %u batches, want 5", st.batches);
	for (size_t i = 0; i < s->n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "m.%zu", i + 1);
		cr_expect_str_eq(s->ids[i], want, "message %zu: got %s, want %s",
		    i, s->ids[i], want);
		if (i > 0)
			cr_expect_gt(s->uids[i], s->uids[i - 1], "UIDs not ascending");
	}
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
	cr_expect_eq(h_imap_count(&env, "Processed"), n);
	cr_expect_eq(store_imap_get(db, "INBOX", &uv, &last), 1);
	cr_expect_eq(last, s->uids[n - 1], "high-water %u, want %u", last,
	    s->uids[n - 1]);

	/* second pass: nothing */
	s->n = 0;
	fetch_all(c, db, s, &st);
	cr_expect_eq(s->n, 0, "second pass saw %zu messages", s->n);
	cr_expect_eq(st.fetched, 0, "the next pass fetched %u again", st.fetched);
	cr_expect_eq(st.marked, 0);

	/* one more arrives: only it is seen */
	put(&env, "INBOX", "late", 1, 1);
	fetch_all(c, db, s, &st);
	cr_expect_eq(s->n, 1);
	cr_expect_str_eq(s->ids[0], "late.1");
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

struct after_case {
	const char *name;
	const char *extra;
	int inbox_after;        /* messages left in INBOX */
	int processed_after;    /* in Processed (-1: must not exist) */
	int keyword_after;      /* INBOX messages with $Baraza */
};

static const struct after_case after_cases[] = {
	{ "flag", "[imap]\nafter = flag\n", 3, -1, 3 },
	{ "delete", "[imap]\nafter = delete\n", 0, -1, 0 },
	{ "move_other", "[imap]\nafter = move:Archive/Baraza\n", 0, -1, 0 },
};

Test(fetch, after_table)
{
	for (size_t i = 0; i < sizeof(after_cases) / sizeof(after_cases[0]); i++) {
		const struct after_case *tc = &after_cases[i];
		struct h_env env;
		struct conf *c;
		struct store *db;
		struct seen *s = xcalloc(1, sizeof(*s));
		struct fetch_stats st;

		env_init(&env, tc->name);
		c = load(&env, tc->extra);
		db = open_db(c);
		put(&env, "INBOX", "a", 1, 3);
		fetch_all(c, db, s, &st);
		cr_expect_eq(s->n, 3, "%s: saw %zu", tc->name, s->n);
		cr_expect_eq(h_imap_count(&env, "INBOX"), tc->inbox_after,
		    "%s: INBOX has %d, want %d", tc->name,
		    h_imap_count(&env, "INBOX"), tc->inbox_after);
		if (tc->processed_after < 0)
			cr_expect(!h_imap_exists(&env, "Processed"), "%s", tc->name);
		cr_expect_eq(count_search(&env, "INBOX", "KEYWORD '$Baraza' SEEN"),
		    tc->keyword_after, "%s: keyword count", tc->name);
		if (strcmp(tc->name, "move_other") == 0)
			cr_expect_eq(h_imap_count(&env, "Archive/Baraza"), 3);
		s->n = 0;
		fetch_all(c, db, s, &st);
		cr_expect_eq(s->n, 0, "%s: second pass saw %zu", tc->name, s->n);
		cr_expect_eq(st.fetched, 0, "the next pass fetched %u again", st.fetched);
		cr_expect_eq(st.marked, 0, "%s: second pass marked %u", tc->name,
		    st.marked);
		store_close(&db);
		conf_free(&c);
		free(s);
		h_env_fini(&env);
	}
}

/* A failure that is not the message's fault (here the database refuses
 * every row of message t.3, even the one that would record it as failed)
 * stops the cycle there: the messages before it commit and are moved, it
 * and the rest stay in INBOX; the next pass starts with it. */
Test(fetch, temporary_failure_retried)
{
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;

	env_init(&env, "tempfail");
	c = load(&env, NULL);
	db = open_db(c);
	put(&env, "INBOX", "t", 1, 5);
	cr_assert_eq(store_exec(db, "CREATE TEMP TRIGGER it_refuse BEFORE INSERT "
	    "ON messages WHEN NEW.message_id = 't.3@it-imap' BEGIN "
	    "SELECT RAISE(ABORT, 'refused by it_imap'); END"), 0);
	fetch_all(c, db, s, &st);
	cr_expect_eq(s->n, 2, "stored %zu before the failure, want 2", s->n);
	cr_expect_eq(st.deferred, 1);
	cr_expect_eq(st.done, 2);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 3);
	cr_expect_eq(h_imap_count(&env, "Processed"), 2);
	cr_assert_eq(store_exec(db, "DROP TRIGGER it_refuse"), 0);
	fetch_all(c, db, s, &st);
	cr_expect_eq(s->n, 3, "retry stored %zu, want 3", s->n);
	cr_expect_str_eq(s->ids[0], "t.3");
	cr_expect_eq(st.deferred, 0);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* A message that cannot be stored as what it is (the database refuses its
 * row, but not a row recording it as failed) fails the batch's single
 * transaction: the batch is rolled back and done again one message at a
 * time, so it costs only its own row (state failed, with the reason) and
 * its neighbours are stored as usual; all five are committed once and
 * moved. */
Test(fetch, bad_message_costs_its_own_row)
{
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;

	env_init(&env, "badrow");
	c = load(&env, NULL);
	db = open_db(c);
	put(&env, "INBOX", "r", 1, 5);
	cr_assert_eq(store_exec(db, "CREATE TEMP TRIGGER it_refuse BEFORE INSERT "
	    "ON messages WHEN NEW.message_id = 'r.3@it-imap' AND "
	    "NEW.state <> 'failed' BEGIN "
	    "SELECT RAISE(ABORT, 'refused by it_imap'); END"), 0);
	fetch_all(c, db, s, &st);
	cr_assert_eq(s->n, 5, "stored %zu messages, want 5", s->n);
	for (size_t i = 0; i < s->n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "r.%zu", i + 1);
		cr_expect_str_eq(s->ids[i], want, "message %zu: got %s, want %s",
		    i, s->ids[i], want);
		cr_expect_str_eq(s->state[i], i == 2 ? "failed" : "stored",
		    "%s: state %s", s->ids[i], s->state[i]);
	}
	cr_expect_eq(st.fetched, 5, "fetched: got %u, want 5", st.fetched);
	cr_expect_eq(st.done, 5, "done: got %u, want 5", st.done);
	cr_expect_eq(st.deferred, 0);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
	cr_expect_eq(h_imap_count(&env, "Processed"), 5);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* Committed but not marked (a crash between the two): the next pass marks
 * the leftovers without handing them to the callback again. */
Test(fetch, leftovers_marked)
{
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;

	env_init(&env, "leftover");
	c = load(&env, NULL);
	db = open_db(c);
	put(&env, "INBOX", "l", 1, 4);
	/* pretend UIDs 1..3 were processed by a run that died before marking */
	{
		mailimap *m = raw_login(&env, 0, NULL, NULL);

		cr_assert_eq(mailimap_select(m, "INBOX"), MAILIMAP_NO_ERROR);
		cr_assert_eq(store_imap_set(db, "INBOX",
		    m->imap_selection_info->sel_uidvalidity, 3), 0);
		mailimap_logout(m);
		mailimap_free(m);
	}
	fetch_all(c, db, s, &st);
	cr_expect_eq(s->n, 1, "callback saw %zu, want only the 4th", s->n);
	cr_expect_str_eq(s->ids[0], "l.4");
	cr_expect_eq(st.marked, 4, "marked %u, want 3 leftovers + 1", st.marked);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
	cr_expect_eq(h_imap_count(&env, "Processed"), 4);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* More than one batch: the marking goes to the mover's second connection
 * (imap_mover.h) while the next batches are fetched.  Every message is
 * seen once, in order; all are marked by the time imap_fetch returns,
 * per imap.after; a second pass sees and marks nothing. */
struct mover_case {
	const char *name;
	const char *extra;
	int inbox_after;        /* of n */
	int processed_after;
	int keyword_after;
};

static const struct mover_case mover_cases[] = {
	{ "mover_move", NULL, 0, 230, 0 },
	{ "mover_flag", "[imap]\nafter = flag\n", 230, -1, 230 },
	{ "mover_delete", "[imap]\nafter = delete\n", 0, -1, 0 },
};

Test(fetch, mover_table)
{
	for (size_t t = 0; t < sizeof(mover_cases) / sizeof(mover_cases[0]); t++) {
		const struct mover_case *tc = &mover_cases[t];
		struct h_env env;
		struct conf *c;
		struct store *db;
		struct seen *s = xcalloc(1, sizeof(*s));
		struct fetch_stats st;
		int n = 230;

		env_init(&env, tc->name);
		c = load(&env, tc->extra);
		db = open_db(c);
		put(&env, "INBOX", "v", 1, n);
		fetch_batched(c, db, s, &st, 20);
		cr_expect_eq(st.batches, 12, "%s: got %u batches, want 12",
		    tc->name, st.batches);
		cr_expect_eq(s->n, (size_t)n, "%s: saw %zu, want %d", tc->name,
		    s->n, n);
		cr_expect_eq(st.done, (unsigned)n, "%s: done %u", tc->name, st.done);
		cr_expect_eq(st.marked, (unsigned)n, "%s: marked %u, want %d",
		    tc->name, st.marked, n);
		for (size_t i = 0; i < s->n; i++) {
			char want[32];

			snprintf(want, sizeof(want), "v.%zu", i + 1);
			cr_expect_str_eq(s->ids[i], want, "%s: message %zu: got %s, "
			    "want %s", tc->name, i, s->ids[i], want);
		}
		cr_expect_eq(h_imap_count(&env, "INBOX"), tc->inbox_after,
		    "%s: INBOX has %d, want %d", tc->name,
		    h_imap_count(&env, "INBOX"), tc->inbox_after);
		if (tc->processed_after < 0)
			cr_expect(!h_imap_exists(&env, "Processed"), "%s", tc->name);
		else
			cr_expect_eq(h_imap_count(&env, "Processed"),
			    tc->processed_after, "%s: Processed has %d, want %d",
			    tc->name, h_imap_count(&env, "Processed"),
			    tc->processed_after);
		cr_expect_eq(count_search(&env, "INBOX", "KEYWORD '$Baraza' SEEN"),
		    tc->keyword_after, "%s: keyword count", tc->name);
		s->n = 0;
		fetch_batched(c, db, s, &st, 20);
		cr_expect_eq(s->n, 0, "%s: second pass saw %zu", tc->name, s->n);
		cr_expect_eq(st.fetched, 0, "the next pass fetched %u again", st.fetched);
		cr_expect_eq(st.marked, 0, "%s: second pass marked %u", tc->name,
		    st.marked);
		store_close(&db);
		conf_free(&c);
		free(s);
		h_env_fini(&env);
	}
}

/* fetch_options.pending: with a mover, fetch_run returns while its last
 * round may still run; fetch_finish() completes it (every message moved,
 * st.marked the whole count).  One batch needs no mover: nothing is
 * pending and everything is marked on return. */
Test(fetch, pending_then_finish)
{
	static const struct { int n; int pending; } cases[] = {
		{ 230, 1 }, { 5, 0 },
	};

	for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		struct h_env env;
		struct conf *c;
		struct store *db;
		struct imap *im = NULL;
		struct fetch_pending *pending = (struct fetch_pending *)&env;
		struct fetch_options fo = { .batch_messages = 20,
		    .pending = &pending };
		struct fetch_stats st;
		char name[32], err[512];
		int rc, n = cases[t].n;

		snprintf(name, sizeof(name), "pending%zu", t);
		env_init(&env, name);
		c = load(&env, NULL);
		db = open_db(c);
		put(&env, "INBOX", "p", 1, n);
		rc = imap_open(c, &im, err, sizeof(err));
		cr_assert_eq(rc, OUTCOME_OK, "imap_open: got %d (%s)", rc, err);
		rc = fetch_run(im, db, c, &fo, NULL, &st, err, sizeof(err));
		cr_expect_eq(rc, OUTCOME_OK, "fetch_run: got %d (%s)", rc, err);
		cr_expect_eq(st.done, (unsigned)n, "%d: done %u", n, st.done);
		cr_expect_eq(pending != NULL, cases[t].pending,
		    "%d: pending is %p", n, (void *)pending);
		rc = fetch_finish(&pending, im, &st, err, sizeof(err));
		cr_expect_eq(rc, OUTCOME_OK, "fetch_finish: got %d (%s)", rc, err);
		cr_expect(pending == NULL);
		cr_expect_eq(st.marked, (unsigned)n, "%d: marked %u, want %d", n,
		    st.marked, n);
		imap_close(&im);
		cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
		cr_expect_eq(h_imap_count(&env, "Processed"), n);
		store_close(&db);
		conf_free(&c);
		h_env_fini(&env);
	}
}

/* The mover cannot log in (the password file changed after the main
 * connection logged in): its batches come back and the main connection
 * marks them before imap_fetch returns; nothing is left. */
Test(fetch, mover_login_fails)
{
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;
	struct fetch_options fo = { .batch_messages = 20 };
	struct imap *im = NULL;
	char err[512], path[H_PATH], *pass;
	int rc, n = 60;

	env_init(&env, "moverlogin");
	c = load(&env, NULL);
	db = open_db(c);
	put(&env, "INBOX", "w", 1, n);
	rc = imap_open(c, &im, err, sizeof(err));
	cr_assert_eq(rc, OUTCOME_OK, "imap_open: got %d (%s), want OUTCOME_OK",
	    rc, err);
	pass = xstrdup(env.imap_pass);
	h_write_file(&env, env.imap_pass_file, "Not-The-Password-9", (size_t)-1,
	    0600, path, sizeof(path));
	rc = fetch_run(im, db, c, &fo, NULL, &st, err, sizeof(err));
	cr_expect_eq(rc, OUTCOME_OK, "fetch_run: got %d (%s), want OUTCOME_OK",
	    rc, err);
	imap_close(&im);
	read_seen(c, s);
	h_write_file(&env, env.imap_pass_file, pass, (size_t)-1, 0600, path,
	    sizeof(path));
	cr_expect_eq(s->n, (size_t)n, "saw %zu, want %d", s->n, n);
	cr_expect_eq(st.done, (unsigned)n);
	cr_expect_eq(st.marked, (unsigned)n, "marked %u, want %d", st.marked, n);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0, "INBOX has %d, want 0",
	    h_imap_count(&env, "INBOX"));
	cr_expect_eq(h_imap_count(&env, "Processed"), n);
	s->n = 0;
	fetch_batched(c, db, s, &st, 20);
	cr_expect_eq(s->n, 0, "second pass saw %zu", s->n);
	cr_expect_eq(st.fetched, 0, "the next pass fetched %u again", st.fetched);
	cr_expect_eq(st.marked, 0, "second pass marked %u", st.marked);
	free(pass);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* A mover whose SELECT shows another UIDVALIDITY than the one its UIDs
 * belong to (the mailbox recreated between the two logins) marks nothing
 * and hands every UID back, in order. */
Test(fetch, mover_other_uidvalidity_marks_nothing)
{
	struct h_env env;
	struct conf *c;
	struct imap *im = NULL;
	struct imap_mover *mv;
	uint32_t uids[] = { 1, 2, 3, 4, 5 }, *left = NULL;
	size_t nleft = 0;
	unsigned marked;
	char err[512];
	int rc, r2;

	env_init(&env, "moveruv");
	c = load(&env, NULL);
	put(&env, "INBOX", "y", 1, 5);
	rc = imap_open(c, &im, err, sizeof(err));
	cr_assert_eq(rc, OUTCOME_OK, "imap_open: got %d (%s), want OUTCOME_OK",
	    rc, err);
	mv = imap_mover_start(c, imap_uidvalidity(im) + 1, 1);
	cr_expect_eq(imap_mover_push(mv, uids, 2), 0);
	/* -1 only when the mover has already given up */
	r2 = imap_mover_push(mv, uids + 2, 3);
	cr_expect(r2 == 0 || r2 == -1, "push: got %d", r2);
	marked = imap_mover_finish(&mv, &left, &nleft);
	cr_expect(mv == NULL);
	cr_expect_eq(marked, 0, "marked %u, want 0", marked);
	cr_expect_eq(nleft, r2 == 0 ? 5u : 2u, "handed back %zu, want %u",
	    nleft, r2 == 0 ? 5u : 2u);
	for (size_t i = 0; i < nleft; i++)
		cr_expect_eq(left[i], uids[i], "left[%zu]: got %u, want %u", i,
		    left[i], uids[i]);
	free(left);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 5);
	cr_expect(!h_imap_exists(&env, "Processed"), "the mover created Processed");
	/* the right UIDVALIDITY: all five moved */
	mv = imap_mover_start(c, imap_uidvalidity(im), 1);
	cr_expect_eq(imap_mover_push(mv, uids, 5), 0);
	marked = imap_mover_finish(&mv, &left, &nleft);
	cr_expect_eq(marked, 5, "marked %u, want 5", marked);
	cr_expect_eq(nleft, 0);
	free(left);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
	cr_expect_eq(h_imap_count(&env, "Processed"), 5);
	imap_close(&im);
	conf_free(&c);
	h_env_fini(&env);
}

/* A round waits for its group: two UIDs under a group of three stay in
 * INBOX while the mover waits; with the fourth the four go in one round,
 * before imap_mover_finish(); the fifth waits again, and finishing marks
 * it (a short group at the end). */
Test(fetch, mover_waits_for_a_group)
{
	struct h_env env;
	struct conf *c;
	struct imap *im = NULL;
	struct imap_mover *mv;
	uint32_t uids[] = { 1, 2, 3, 4, 5 }, *left = NULL;
	size_t nleft = 0;
	unsigned marked;
	char err[512];
	int rc, moved = 0;

	env_init(&env, "movergroup");
	c = load(&env, NULL);
	put(&env, "INBOX", "g", 1, 7);
	rc = imap_open(c, &im, err, sizeof(err));
	cr_assert_eq(rc, OUTCOME_OK, "imap_open: got %d (%s), want OUTCOME_OK",
	    rc, err);
	mv = imap_mover_start(c, imap_uidvalidity(im), 3);
	cr_assert_eq(imap_mover_push(mv, uids, 2), 0);
	usleep(600 * 1000);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 7,
	    "INBOX has %d with 2 of a group of 3 queued, want 7",
	    h_imap_count(&env, "INBOX"));
	cr_assert_eq(imap_mover_push(mv, uids + 2, 2), 0);
	for (int i = 0; i < 100 && moved != 4; i++) {
		usleep(100 * 1000);
		moved = h_imap_exists(&env, "Processed") ?
		    h_imap_count(&env, "Processed") : 0;
	}
	cr_expect_eq(moved, 4, "Processed has %d after a group, want 4", moved);
	cr_assert_eq(imap_mover_push(mv, uids + 4, 1), 0);
	usleep(400 * 1000);
	cr_expect_eq(h_imap_count(&env, "Processed"), 4,
	    "Processed has %d with 1 of a group queued, want 4",
	    h_imap_count(&env, "Processed"));
	marked = imap_mover_finish(&mv, &left, &nleft);
	cr_expect_eq(marked, 5, "marked %u, want 5", marked);
	cr_expect_eq(nleft, 0, "handed back %zu, want 0", nleft);
	free(left);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 2);
	cr_expect_eq(h_imap_count(&env, "Processed"), 5);
	imap_close(&im);
	conf_free(&c);
	h_env_fini(&env);
}

/* imap_mover_flush: the short last group goes at once, without
 * imap_mover_finish() (fetch_run leaves it marking while barazad runs its
 * jobs); nothing is taken after it; finishing then only joins. */
Test(fetch, mover_flush_starts_the_last_round)
{
	struct h_env env;
	struct conf *c;
	struct imap *im = NULL;
	struct imap_mover *mv;
	uint32_t uids[] = { 1, 2, 3 }, *left = NULL;
	size_t nleft = 0;
	unsigned marked;
	char err[512];
	int rc, moved = 0;

	env_init(&env, "moverflush");
	c = load(&env, NULL);
	put(&env, "INBOX", "f", 1, 4);
	rc = imap_open(c, &im, err, sizeof(err));
	cr_assert_eq(rc, OUTCOME_OK, "imap_open: got %d (%s), want OUTCOME_OK",
	    rc, err);
	mv = imap_mover_start(c, imap_uidvalidity(im), 100);
	cr_assert_eq(imap_mover_push(mv, uids, 2), 0);
	imap_mover_flush(mv);
	cr_expect_eq(imap_mover_push(mv, uids + 2, 1), -1,
	    "push after flush: want -1 (the caller marks it)");
	for (int i = 0; i < 100 && moved != 2; i++) {
		usleep(100 * 1000);
		moved = h_imap_exists(&env, "Processed") ?
		    h_imap_count(&env, "Processed") : 0;
	}
	cr_expect_eq(moved, 2, "Processed has %d after a flush, want 2", moved);
	marked = imap_mover_finish(&mv, &left, &nleft);
	cr_expect_eq(marked, 2, "marked %u, want 2", marked);
	cr_expect_eq(nleft, 0, "handed back %zu, want 0", nleft);
	free(left);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 2);
	imap_close(&im);
	conf_free(&c);
	h_env_fini(&env);
}

/* The move folder cannot be created (a name longer than the file system
 * allows): the batches commit, the mover's moves are refused and logged,
 * the messages stay in INBOX; with a usable folder the next pass's
 * leftover sweep moves them without handing them over again. */
Test(fetch, mover_move_refused_swept_next)
{
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;
	char extra[512], name[301];
	uint32_t uv, last;
	int n = 60;

	memset(name, 'L', 300);
	name[300] = '\0';
	snprintf(extra, sizeof(extra), "[imap]\nafter = move:%s\n", name);
	env_init(&env, "moverrefused");
	c = load(&env, extra);
	db = open_db(c);
	put(&env, "INBOX", "x", 1, n);
	fetch_batched(c, db, s, &st, 20);
	cr_expect_eq(s->n, (size_t)n, "saw %zu, want %d", s->n, n);
	cr_expect_eq(st.done, (unsigned)n);
	cr_expect_eq(h_imap_count(&env, "INBOX"), n, "INBOX has %d, want %d",
	    h_imap_count(&env, "INBOX"), n);
	cr_expect_eq(store_imap_get(db, "INBOX", &uv, &last), 1);
	cr_expect_eq(last, s->uids[n - 1], "high-water %u, want %u", last,
	    s->uids[n - 1]);
	conf_free(&c);

	c = load(&env, NULL);
	s->n = 0;
	fetch_batched(c, db, s, &st, 20);
	cr_expect_eq(s->n, 0, "second pass saw %zu, want 0", s->n);
	cr_expect_eq(st.fetched, 0, "the next pass fetched %u again", st.fetched);
	cr_expect_eq(st.marked, (unsigned)n, "second pass marked %u, want %d",
	    st.marked, n);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
	cr_expect_eq(h_imap_count(&env, "Processed"), n);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* What signal_pester sends, and what the handler counts. */
static volatile sig_atomic_t signals_seen;

/* count_signal - a handler like barazad's, installed without SA_RESTART
 * (poll and select return EINTR under any handler anyway) */
static void
count_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

struct pester {
	pthread_t target;
	volatile int stop;
};

/* signal_pester - SIGUSR1 to the target thread every half millisecond
 * until told to stop */
static void *
signal_pester(void *arg)
{
	struct pester *p = arg;

	while (!p->stop) {
		pthread_kill(p->target, SIGUSR1);
		usleep(500);
	}
	return NULL;
}

/* Signals arriving while a cycle talks to the server (barazad's SIGHUP,
 * or SIGTERM, which must let the cycle mark what it committed) wait until
 * the command under way has its answer: a signal that cut a libetpan read
 * short broke the connection, and the messages already committed stayed
 * in INBOX until the next cycle's sweep. */
Test(fetch, signals_wait_for_the_command, .timeout = 120)
{
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;
	struct fetch_options fo = { .batch_messages = 20 };
	struct sigaction sa, old;
	struct pester pe = { 0 };
	pthread_t tid;
	struct imap *im = NULL;
	char err[512];
	int rc, n = 60;

	env_init(&env, "signals");
	c = load(&env, NULL);
	db = open_db(c);
	put(&env, "INBOX", "sig", 1, n);
	rc = imap_open(c, &im, err, sizeof(err));
	cr_assert_eq(rc, OUTCOME_OK, "imap_open: got %d (%s), want OUTCOME_OK",
	    rc, err);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old);
	signals_seen = 0;
	pe.target = pthread_self();
	cr_assert_eq(pthread_create(&tid, NULL, signal_pester, &pe), 0);
	rc = fetch_run(im, db, c, &fo, NULL, &st, err, sizeof(err));
	pe.stop = 1;
	pthread_join(tid, NULL);
	sigaction(SIGUSR1, &old, NULL);
	imap_close(&im);
	cr_expect_eq(rc, OUTCOME_OK, "fetch_run: got %d (%s), want OUTCOME_OK",
	    rc, err);
	cr_expect(signals_seen > 0, "no signal reached the cycle");
	read_seen(c, s);
	cr_expect_eq(s->n, (size_t)n, "saw %zu, want %d", s->n, n);
	cr_expect_eq(st.marked, (unsigned)n, "marked %u, want %d", st.marked, n);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0, "INBOX has %d, want 0",
	    h_imap_count(&env, "INBOX"));
	cr_expect_eq(h_imap_count(&env, "Processed"), n);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* Batches of one message each, small and large (5 MB) mixed, moved by
 * the mover while the next ones are fetched: every message arrives whole,
 * once, in order, and is moved. */
Test(fetch, large_batches_whole)
{
	static const size_t sizes[] = { 100, 200, 5 << 20, 5 << 20, 300, 4 << 20,
	    100 };
	size_t n = sizeof(sizes) / sizeof(sizes[0]);
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;
	mailimap *m;

	env_init(&env, "largebatch");
	c = load(&env, "[list]\nmax_message_kb = 10240\n");
	db = open_db(c);
	m = raw_login(&env, 0, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		put_on(m, "INBOX", "p", (int)i + 1, 1, sizes[i]);
	mailimap_logout(m);
	mailimap_free(m);
	fetch_batched(c, db, s, &st, 1);
	cr_assert_eq(s->n, n, "saw %zu, want %zu", s->n, n);
	cr_expect_eq(st.batches, (unsigned)n, "got %u batches, want %zu",
	    st.batches, n);
	for (size_t i = 0; i < n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "p.%zu", i + 1);
		cr_expect_str_eq(s->ids[i], want, "message %zu: got %s, want %s",
		    i, s->ids[i], want);
		/* the body plus about 170 bytes of header and line ends */
		cr_expect(s->len[i] > sizes[i] && s->len[i] < sizes[i] +
		    sizes[i] / 60 + 400, "message %zu: got %zu bytes for a "
		    "body of %zu", i + 1, s->len[i], sizes[i]);
		cr_expect_eq(s->full[i], s->len[i], "message %zu cut: %zu of %zu "
		    "bytes", i + 1, s->len[i], s->full[i]);
		cr_expect_str_neq(s->route[i], "oversize", "message %zu", i + 1);
	}
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
	cr_expect_eq(h_imap_count(&env, "Processed"), (int)n);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* A changed UIDVALIDITY resets the mark and rescans the mailbox (the
 * mailbox here is not INBOX, named by the URL path). */
Test(fetch, uidvalidity_change_rescans)
{
	struct h_env env;
	struct h_out out;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;
	char extra[256];
	uint32_t uv1, uv2, last;
	int rc;

	env_init(&env, "uidvalidity");
	h_imap_create(&env, "Lists/cop");
	snprintf(extra, sizeof(extra), "[imap]\nurl = imap://127.0.0.1:%d/Lists%%2Fcop\n"
	    "after = flag\n", env.imap_port);
	c = load(&env, extra);
	db = open_db(c);
	put(&env, "Lists/cop", "u", 1, 3);
	fetch_all(c, db, s, &st);
	cr_expect_eq(s->n, 3);
	cr_expect_eq(st.rescanned, 0);
	cr_assert_eq(store_imap_get(db, "Lists/cop", &uv1, &last), 1);
	cr_expect_eq(last, 3);

	rc = h_doveadm(&env, &out, "mailbox update -u '%s' --uid-validity %u "
	    "'Lists/cop'", env.imap_user, (unsigned)uv1 + 1000);
	cr_assert_eq(rc, 0, "doveadm mailbox update: %s", out.err);
	h_out_free(&out);

	s->n = 0;
	fetch_all(c, db, s, &st);
	cr_expect_eq(st.rescanned, 1, "rescanned: got %d, want 1", st.rescanned);
	/* all three are handed to ingest again, as duplicates: no new row */
	cr_expect_eq(st.fetched, 3, "rescan fetched %u, want 3", st.fetched);
	cr_expect_eq(st.done, 3, "rescan processed %u, want 3", st.done);
	cr_expect_eq(s->n, 0, "rescan stored %zu new rows, want 0", s->n);
	cr_assert_eq(store_imap_get(db, "Lists/cop", &uv2, &last), 1);
	cr_expect_eq(uv2, uv1 + 1000, "stored uidvalidity %u, want %u", uv2,
	    uv1 + 1000);
	s->n = 0;
	fetch_all(c, db, s, &st);
	cr_expect_eq(s->n, 0);
	cr_expect_eq(st.fetched, 0, "the next pass fetched %u again", st.fetched);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* A message over max_message_kb arrives cut at max_message_kb KB + 1 byte,
 * with its real size; smaller ones whole. */
Test(fetch, oversize_partial)
{
	struct h_env env;
	struct conf *c;
	struct store *db;
	struct seen *s = xcalloc(1, sizeof(*s));
	struct fetch_stats st;
	mailimap *m;

	env_init(&env, "oversize");
	c = load(&env, "[list]\nmax_message_kb = 2\n");
	db = open_db(c);
	m = raw_login(&env, 0, NULL, NULL);
	put_on(m, "INBOX", "small", 1, 1, 100);
	put_on(m, "INBOX", "big", 1, 1, 10000);
	put_on(m, "INBOX", "small", 2, 1, 100);
	mailimap_logout(m);
	mailimap_free(m);
	fetch_all(c, db, s, &st);
	cr_assert_eq(s->n, 3);
	cr_expect_eq(s->full[0], s->len[0]);
	cr_expect_str_neq(s->route[0], "oversize");
	cr_expect_eq(s->len[1], 2 * 1024 + 1, "oversized: got %zu bytes, want %d",
	    s->len[1], 2 * 1024 + 1);
	cr_expect_gt(s->full[1], 10000, "full size %zu", s->full[1]);
	cr_expect_str_eq(s->route[1], "oversize");
	cr_expect_eq(s->full[2], s->len[2]);
	cr_expect_lt(s->len[2], 1024);
	cr_expect_eq(h_imap_count(&env, "Processed"), 3);
	store_close(&db);
	conf_free(&c);
	free(s);
	h_env_fini(&env);
}

/* ---- barazad ------------------------------------------------------------------- */

/* barazad --once: everything new processed in UID order and moved; a
 * second run does nothing; exit 0. */
Test(barazad, once_processes_and_moves)
{
	struct h_env env;
	struct h_out out;
	const char *p;
	int rc;

	env_init(&env, "once");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	put(&env, "INBOX", "o", 1, 5);
	rc = h_run(&env, &out, "'%s' --once", env.barazad);
	cr_expect_eq(rc, 0, "got exit %d, want 0; stderr: %s", rc, out.err);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0);
	cr_expect_eq(h_imap_count(&env, "Processed"), 5);
	/* processed in UID order: the log names the origins in order */
	p = out.err;
	for (int i = 1; i <= 5; i++) {
		char want[64];

		snprintf(want, sizeof(want), "imap:INBOX:");
		p = strstr(p, want);
		cr_expect(p != NULL, "origin %d missing in: %s", i, out.err);
		if (p == NULL)
			break;
		cr_expect_eq(strtoul(strchr(p + 11, ':') + 1, NULL, 10),
		    (unsigned long)i, "order: %s", out.err);
		p += 11;
	}
	cr_expect(strstr(out.err, env.imap_pass) == NULL, "password leaked");
	h_out_free(&out);
	rc = h_run(&env, &out, "'%s' --once", env.barazad);
	cr_expect_eq(rc, 0, "second run: exit %d; %s", rc, out.err);
	cr_expect(strstr(out.err, "fetched") == NULL,
	    "second run fetched something: %s", out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

Test(barazad, usage_and_bad_config)
{
	struct h_env env;
	struct h_out out;
	char path[H_PATH];
	int rc;

	env_init(&env, "usage");
	rc = h_run(&env, &out, "'%s' --help", env.barazad);
	cr_expect_eq(rc, 0);
	cr_expect(strstr(out.out, "--once") != NULL);
	h_out_free(&out);
	rc = h_run(&env, &out, "'%s' --version", env.barazad);
	cr_expect_eq(rc, 0);
	cr_expect(strncmp(out.out, "barazad ", 8) == 0, "got %s", out.out);
	h_out_free(&out);
	rc = h_run(&env, &out, "'%s' --bogus", env.barazad);
	cr_expect_eq(rc, 2, "unknown option: exit %d, want 2", rc);
	h_out_free(&out);
	h_write_file(&env, "bad.conf", "[list]\nname = x\nbogus = 1\n",
	    (size_t)-1, 0644, path, sizeof(path));
	rc = h_run(&env, &out, "'%s' -c '%s' --once", env.barazad, path);
	cr_expect_eq(rc, 2, "bad config: exit %d, want 2", rc);
	cr_expect(strstr(out.err, "bad.conf:3") != NULL,
	    "want FILE:LINE in: %s", out.err);
	h_out_free(&out);
	/* IMAP unreachable: exit 1 */
	h_write_config(&env, "[imap]\nurl = imap://127.0.0.1:1/INBOX\n");
	rc = h_run(&env, &out, "'%s' --once", env.barazad);
	cr_expect_eq(rc, 1, "unreachable: exit %d, want 1; %s", rc, out.err);
	cr_expect(strstr(out.err, "connect to 127.0.0.1:1") != NULL, "%s", out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

/* A running barazad in loop mode */
struct daemon_proc {
	pid_t pid;
	char log[H_PATH + 32];
	char pidfile[H_PATH + 32];
};

static void
daemon_start(struct h_env *env, struct daemon_proc *d)
{
	snprintf(d->log, sizeof(d->log), "%s/barazad.log", env->dir);
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/barazad.pid", env->dir);
	d->pid = fork();
	cr_assert(d->pid >= 0);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			_exit(127);
		/* die with the test, also when an assertion ends it early */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("BARAZA_CONF", env->conf, 1);
		execl(env->barazad, "barazad", "--foreground", "-v", "--pidfile",
		    d->pidfile, (char *)NULL);
		_exit(127);
	}
}

/* log_count - occurrences of s in the daemon's log so far */
static int
log_count(const struct daemon_proc *d, const char *s)
{
	char *text = h_read_file(d->log, NULL);
	int n = 0;

	if (text != NULL)
		for (const char *p = text; (p = strstr(p, s)) != NULL; p++)
			n++;
	free(text);
	return n;
}

struct log_wait {
	const struct daemon_proc *d;
	const char *s;
	int n;
};

static int
log_has(void *arg)
{
	struct log_wait *w = arg;

	return log_count(w->d, w->s) >= w->n;
}

static int
wait_log(const struct daemon_proc *d, const char *s, int n, int ms)
{
	struct log_wait w = { d, s, n };

	return h_wait_until(log_has, &w, ms);
}

/* daemon_stop - SIGTERM; the exit status (-1 when it did not stop in 5 s) */
static int
daemon_stop(struct daemon_proc *d)
{
	int status;

	kill(d->pid, SIGTERM);
	for (int i = 0; i < 250; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
			    WTERMSIG(status);
		usleep(20000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &status, 0);
	return -1;
}

/* IDLE: a message appended while barazad idles is processed within 2 s;
 * SIGHUP reloads; SIGTERM exits 0 promptly and removes the pid file. */
Test(barazad, idle_latency_and_signals)
{
	struct h_env env;
	struct daemon_proc d;
	struct stat sb;
	long long t0, t1;
	char *pid, path[H_PATH];
	int rc;

	env_init(&env, "idle");
	h_smtp_start(&env);
	h_write_config(&env, "[imap]\nidle = yes\npoll_seconds = 300\n");
	daemon_start(&env, &d);
	cr_assert(wait_log(&d, "logged in", 1, 10000), "barazad did not log in");
	cr_assert(wait_log(&d, "idling", 1, 20000), "barazad did not IDLE");
	pid = h_read_file(d.pidfile, NULL);
	cr_expect(pid != NULL && atol(pid) == (long)d.pid, "pid file: %s",
	    pid ? pid : "(none)");
	free(pid);

	t0 = ms_now();
	put(&env, "INBOX", "idle", 1, 1);
	cr_expect(wait_log(&d, "1 fetched", 1, 5000), "not processed in 5 s");
	t1 = ms_now();
	cr_expect_lt(t1 - t0, 2000, "IDLE latency %lld ms, want < 2000", t1 - t0);
	fprintf(stderr, "it_imap: IDLE latency %lld ms\n", t1 - t0);
	cr_expect_eq(h_imap_count(&env, "Processed"), 1);

	/* SIGHUP with a broken file keeps the old configuration */
	h_write_file(&env, env.conf, "[list]\nbogus = 1\n", (size_t)-1, 0644,
	    path, sizeof(path));
	kill(d.pid, SIGHUP);
	cr_expect(wait_log(&d, "keeping the running one", 1, 3000),
	    "bad reload not reported");
	h_write_config(&env, "[imap]\nidle = yes\npoll_seconds = 300\n");
	kill(d.pid, SIGHUP);
	cr_expect(wait_log(&d, "configuration reloaded", 1, 3000));
	cr_expect(wait_log(&d, "logged in", 2, 5000), "no reconnect after HUP");
	cr_expect(wait_log(&d, "idling", 2, 20000), "no IDLE after HUP");
	put(&env, "INBOX", "idle", 2, 1);
	cr_expect(wait_log(&d, "1 fetched", 2, 3000), "not processed after HUP");

	t0 = ms_now();
	rc = daemon_stop(&d);
	t1 = ms_now();
	cr_expect_eq(rc, 0, "exit %d after SIGTERM, want 0", rc);
	cr_expect_lt(t1 - t0, 2500, "took %lld ms to stop", t1 - t0);
	cr_expect(stat(d.pidfile, &sb) < 0 && errno == ENOENT,
	    "pid file left behind");
	h_env_fini(&env);
}

/* Without IDLE barazad polls every poll_seconds */
Test(barazad, poll_without_idle)
{
	struct h_env env;
	struct daemon_proc d;

	env_init(&env, "poll");
	h_smtp_start(&env);
	h_write_config(&env, "[imap]\nidle = no\npoll_seconds = 1\n");
	daemon_start(&env, &d);
	cr_assert(wait_log(&d, "logged in", 1, 10000));
	cr_assert(wait_log(&d, "polling again", 1, 20000));
	put(&env, "INBOX", "poll", 1, 2);
	cr_expect(wait_log(&d, "2 fetched", 1, 4000), "not polled");
	cr_expect_eq(daemon_stop(&d), 0);
	h_env_fini(&env);
}

/* The server goes away and comes back: barazad reconnects with backoff and
 * processes what arrived.  This test runs a Dovecot of its own. */
Test(barazad, reconnect_after_dovecot_restart)
{
	struct h_env env;
	struct h_out out;
	struct daemon_proc d;
	char dc[H_PATH + 32], extra[4096], path[H_PATH + 64], *ports;
	int port, ports_s, rc;
	mailimap *m;

	env_init(&env, "restart");
	h_smtp_start(&env);
	snprintf(dc, sizeof(dc), "%s/dovecot2", env.dir);
	rc = h_run(&env, &out, "'%s/tests/servers/dovecot-start' '%s'",
	    env.srcdir, dc);
	cr_assert_eq(rc, 0, "dovecot-start: %s", out.err);
	h_out_free(&out);
	snprintf(path, sizeof(path), "%s/imap.port", dc);
	ports = h_read_file(path, NULL);
	port = atoi(ports);
	free(ports);
	snprintf(path, sizeof(path), "%s/imaps.port", dc);
	ports = h_read_file(path, NULL);
	ports_s = atoi(ports);
	free(ports);
	h_write_file(&env, "u1.pass", "u1-secret\n", (size_t)-1, 0600, path,
	    sizeof(path));
	snprintf(extra, sizeof(extra), "[imap]\nurl = imaps://127.0.0.1:%d/INBOX\n"
	    "user = u1@example.org\npassword_file = %s\nca_file = %s/ca.pem\n"
	    "idle = yes\npoll_seconds = 300\n", ports_s, path, dc);
	h_write_config(&env, extra);
	daemon_start(&env, &d);
	cr_assert(wait_log(&d, "logged in", 1, 10000), "no login");
	cr_assert(wait_log(&d, "idling", 1, 20000), "no IDLE");

	rc = h_run(&env, &out, "'%s/tests/servers/dovecot-stop' '%s'",
	    env.srcdir, dc);
	h_out_free(&out);
	/* Dovecot's imap process outlives its master by up to ~10 s before it
	 * closes the IDLE connection; then every reconnection is refused and
	 * the wait doubles */
	cr_expect(wait_log(&d, "retrying in 1 s", 1, 20000), "loss not noticed");
	cr_expect(wait_log(&d, "retrying in 2 s", 1, 5000), "no backoff step 2 s");
	cr_expect(wait_log(&d, "connection refused", 1, 10), "want 'refused'");
	rc = h_run(&env, &out, "'%s/tests/servers/dovecot-start' '%s' %d %d",
	    env.srcdir, dc, port, ports_s);
	cr_assert_eq(rc, 0, "dovecot restart: %s", out.err);
	h_out_free(&out);
	cr_expect(wait_log(&d, "logged in", 2, 20000), "no reconnect");

	m = raw_login(&env, port, "u1@example.org", "u1-secret");
	put_on(m, "INBOX", "back", 1, 1, 40);
	mailimap_logout(m);
	mailimap_free(m);
	cr_expect(wait_log(&d, "1 fetched", 1, 5000), "not processed after restart");
	cr_expect_eq(daemon_stop(&d), 0);
	h_run(&env, &out, "'%s/tests/servers/dovecot-stop' '%s'", env.srcdir, dc);
	h_out_free(&out);
	h_env_fini(&env);
}
