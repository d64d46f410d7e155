/* SPDX-License-Identifier: GPL-3.0-or-later */
/* harness - real servers and real binaries for the integration tests
 *
 * Every tests/integration/it_*.c links this file.  It gives each test binary
 * ONE throwaway Dovecot (tests/servers/dovecot-start), started before the
 * first test by a Criterion ReportHook(PRE_ALL) and stopped by PID after the
 * last (ReportHook(POST_ALL)); if the test run dies, Dovecot gets SIGTERM
 * from the kernel (PR_SET_PDEATHSIG) or from an atexit handler.
 *
 * Each test then calls h_env_init(), which gives it a scratch directory of
 * its own, a Dovecot user of its own (so each test has its own INBOX, and
 * tests never see each other's mail), a password file for it (mode 0600),
 * and a free TCP port for its own SMTP capture server (h_smtp_start; not
 * started until asked, so a test can also see "connection refused").  Tests
 * could therefore run in parallel, but the harness sets CRITERION_JOBS=1
 * (unless it is already set) so that timing-sensitive tests (IDLE within
 * 2 s) are not starved.
 *
 * Include it from tests/integration/it_*.c as "../harness.h".
 *
 * The environment the harness reads:
 *   BARAZA_BUILDDIR  the build tree: $BUILDDIR/admin/baraza and barazad
 *   BARAZA_SRCDIR    the source tree: tests/servers/, tests/fixtures/,
 *                    conf/templates/ (BARAZA_TEMPLATES is set from it)
 *   BARAZA_KEEP=1    keep scratch directories and Dovecot's directory after
 *                    the run (their paths are printed) for post-mortems
 *   BARAZA_VALGRIND  a command prefix ("valgrind --leak-check=full ...") that
 *                    h_baraza and h_barazad_once run the programs under
 *                    (set by `make check-valgrind`)
 * make check sets the first two (AM_TESTS_ENVIRONMENT); when they are unset
 * the harness guesses from the test binary's path (BUILDDIR/tests/integration).
 *
 * Failures inside the harness (a server that does not start, a missing
 * binary) fail the calling test with cr_assert and a clear message.
 *
 * Typical test:
 *
 *	struct h_env env;
 *	struct h_out out;
 *	h_env_init(&env, "check_green");
 *	h_smtp_start(&env);
 *	h_write_config(&env, NULL);
 *	h_baraza(&env, &out, "check");
 *	cr_expect_eq(out.status, 0, "got exit %d, want 0; stderr: %s", out.status, out.err);
 *	h_out_free(&out);
 *	h_env_fini(&env);
 *
 * Strings in struct h_env are owned by it; h_env_fini() releases them,
 * stops the SMTP capture and (unless BARAZA_KEEP) removes the scratch dir.
 */
#ifndef BARAZA_HARNESS_H
#define BARAZA_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#define H_PATH 512

/* The test list's address, as written by h_write_config(). */
#define H_LIST_ADDRESS "cop@example.org"

struct h_env {
	char name[64];            /* the test's name, as given */
	char dir[H_PATH];         /* scratch directory, unique, created */
	char conf[H_PATH];        /* dir/baraza.conf (h_write_config writes it) */
	char db[H_PATH];          /* dir/baraza.db */
	char archive[H_PATH];     /* dir/archive */

	/* The shared Dovecot and this test's own user on it. */
	char dovecot_dir[H_PATH]; /* where dovecot.conf, ca.pem, mail/ live */
	char dovecot_conf[H_PATH];
	char ca_file[H_PATH];     /* the self-signed CA: baraza's ca_file */
	int imap_port;            /* IMAP with STARTTLS */
	int imaps_port;           /* IMAP over TLS */
	char imap_user[128];      /* "NAME-PID-N@example.org", unique */
	char imap_pass[64];
	char imap_pass_file[H_PATH]; /* dir/imap.pass, mode 0600 */

	/* This test's SMTP capture server (tests/servers/smtp-capture.py). */
	int smtp_port;            /* chosen at init; the same after a restart */
	char smtp_dir[H_PATH];    /* dir/smtp: NNNNNN.eml + NNNNNN.json */
	pid_t smtp_pid;           /* 0 when not running */

	/* This test's `baraza web` (h_web_start). */
	int web_port;             /* chosen at init; h_write_config sets [web] listen */
	pid_t web_pid;            /* 0 when not running */

	/* Programs and trees. */
	char builddir[H_PATH];
	char srcdir[H_PATH];
	char baraza[H_PATH];      /* BUILDDIR/admin/baraza */
	char barazad[H_PATH];     /* BUILDDIR/daemon/barazad */

	const char *now;          /* BARAZA_NOW for h_run, or NULL: inherit */
	int timeout_ms;           /* per h_run command; default 60000 */
	unsigned nrun;            /* commands run so far (names their output) */
};

/* The result of one command. */
struct h_out {
	int status;   /* exit status; 128+N when killed by signal N; -1 timeout */
	char *out;    /* stdout, NUL-terminated (owned) */
	size_t outlen;
	char *err;    /* stderr, NUL-terminated (owned) */
	size_t errlen;
};

/* h_env_init - set up one test's environment (see the top of this file).
 * name: a short word, [A-Za-z0-9_-]; it names the directory and user. */
void h_env_init(struct h_env *env, const char *name);
/* h_env_fini - stop the SMTP capture, remove the scratch directory */
void h_env_fini(struct h_env *env);

/* h_path - "dir/rel" into a static-free caller buffer: returns buf */
char *h_path(const struct h_env *env, char *buf, size_t len, const char *rel);

/* ---- configuration ------------------------------------------------------ */

/* h_write_config - write env->conf: a complete, valid baraza.conf for this
 * test (list cop@example.org "Test CoP", prefix [CoP], timezone UTC,
 * database and archive in the scratch dir; imap imap://127.0.0.1:PORT/INBOX
 * with starttls = yes, the test user and ca_file, after = move:Processed;
 * smtp smtp://127.0.0.1:SMTP_PORT, starttls = no; five themes funding,
 * risk, community, power-tool, decisions with two-week sessions back to
 * back from 2020-11-17: funding 2020-11-17..2020-12-01, risk ..12-15,
 * community ..12-29, power-tool ..2021-01-12, decisions ..2021-01-26;
 * [web] listen = 127.0.0.1:WEB_PORT, no [web] url).
 *
 * extra (may be NULL) is INI text merged into it:
 *   - "key = value" under a section replaces every line of that key in that
 *     section (several lines of one key, e.g. session =, replace them all);
 *     a key the base does not have is added to the section;
 *   - "!key" deletes that key from the section;
 *   - a section the base does not have is appended ("[theme general2]");
 *   - "[!theme risk]" deletes that whole section.
 * Returns nothing; a write failure fails the test. */
void h_write_config(struct h_env *env, const char *extra);
/* h_write_file - write len bytes (len = (size_t)-1: strlen) to a path
 * relative to the scratch dir (or absolute) with this mode; returns the
 * absolute path in buf.  For bad-config tests: h_write_file(env, "x.conf",
 * text, -1, 0644, buf, sizeof buf). */
char *h_write_file(const struct h_env *env, const char *rel, const char *data,
    size_t len, int mode, char *buf, size_t buflen);
/* h_read_file - the whole file (owned, NUL-terminated), or NULL; *len set
 * when len is not NULL */
char *h_read_file(const char *path, size_t *len);

/* ---- running commands --------------------------------------------------- */

/* h_run - run a shell command (/bin/sh -c) in the scratch dir with
 * BARAZA_CONF=env->conf, BARAZA_TEMPLATES=SRCDIR/conf/templates and
 * BARAZA_NOW=env->now (when set; else inherited), capturing its exit status,
 * stdout and stderr into *out (release with h_out_free).  Killed after
 * env->timeout_ms (status -1).  Returns out->status. */
int h_run(struct h_env *env, struct h_out *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* h_baraza - h_run of "BUILDDIR/admin/baraza ARGS" (args are shell words:
 * quote what needs quoting, e.g. with h_shq) */
int h_baraza(struct h_env *env, struct h_out *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* h_cop_env - h_env_init(env, name), the SMTP capture started, a
 * configuration without moderation, env->now = now and `baraza init` run
 * (its output dropped): the start most archive and privacy tests share */
void h_cop_env(struct h_env *env, const char *name, const char *now);
/* h_barazad_once - h_run of "BUILDDIR/daemon/barazad --once" */
int h_barazad_once(struct h_env *env, struct h_out *out);
/* h_barazad_once_ok - one `barazad --once` that must exit 0 (a Criterion
 * assertion ends the test otherwise, with its stderr) */
void h_barazad_once_ok(struct h_env *env);
/* h_out_free - release out->out and out->err */
void h_out_free(struct h_out *out);
/* h_shq - s quoted for the shell ('...'), in a fresh string (owned) */
char *h_shq(const char *s);

/* ---- IMAP (the shared Dovecot, this test's user) --------------------------- */

/* h_imap_append - APPEND raw (len bytes, CRLF or LF) to mailbox ("INBOX")
 * of the test user over IMAP (libcurl); 0 or fails the test */
int h_imap_append(struct h_env *env, const char *mailbox, const char *raw,
    size_t len);
/* h_imap_count - messages in mailbox (0 when it does not exist) */
int h_imap_count(struct h_env *env, const char *mailbox);
/* h_imap_create - create a mailbox (doveadm); fails the test on error */
void h_imap_create(struct h_env *env, const char *mailbox);
/* h_imap_exists - 1 when the mailbox exists, else 0 */
int h_imap_exists(struct h_env *env, const char *mailbox);
/* h_doveadm - run "doveadm -c CONF ARGS" (ARGS may use %s for the user:
 * pass env->imap_user yourself); returns the exit status, output in *out */
int h_doveadm(struct h_env *env, struct h_out *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- SMTP capture (this test's own server) -------------------------------- */

/* h_smtp_start - start smtp-capture on env->smtp_port (STARTTLS offered
 * with the Dovecot certificate); returns when it accepts.  Calling it after
 * h_smtp_stop restarts it on the same port and directory (numbering goes
 * on).  Fails the test if it does not come up. */
void h_smtp_start(struct h_env *env);
/* h_smtp_stop - stop it (SIGTERM by PID, then wait); no-op when stopped */
void h_smtp_stop(struct h_env *env);
/* h_smtp_rules - write smtp_dir/rules.json (read by the server on every
 * command; NULL or "" removes the rules), e.g.
 * {"rcpt": {"bad@example.org": "550 5.1.1 No such user"}} */
void h_smtp_rules(struct h_env *env, const char *json);
/* h_smtp_count - messages captured so far */
int h_smtp_count(struct h_env *env);
/* h_smtp_wait - wait until at least n messages are captured or timeout_ms
 * passes; returns the count */
int h_smtp_wait(struct h_env *env, int n, int timeout_ms);

/* ---- baraza web ------------------------------------------------------------ */

/* h_web_start - start `baraza web` (this test's config) in the background,
 * its output into dir/web.log; returns when 127.0.0.1:web_port accepts.
 * Fails the test if it does not come up.  h_env_fini stops it. */
void h_web_start(struct h_env *env);
/* h_web_stop - SIGTERM, wait; its exit status (128+N when killed by
 * signal N), or -1 when it was not running */
int h_web_stop(struct h_env *env);

struct h_smtp_msg {
	char *mail_from;   /* envelope sender ("" for <>) */
	char **rcpts;      /* envelope recipients, as given in RCPT TO */
	size_t nrcpts;
	char *data;        /* the message (CRLF), NUL-terminated */
	size_t len;
};
/* h_smtp_message - captured message i (0 = the first received) into *msg;
 * 1 found, 0 no such message; release with h_smtp_msg_free */
int h_smtp_message(struct h_env *env, int i, struct h_smtp_msg *msg);
void h_smtp_msg_free(struct h_smtp_msg *msg);
/* h_smtp_count_rcpt - how many captured messages were sent to rcpt (an
 * envelope recipient, compared case-insensitively) */
int h_smtp_count_rcpt(struct h_env *env, const char *rcpt);
/* h_smtp_count_matching - captured messages sent to rcpt (NULL: to anyone,
 * compared case-insensitively) whose data contains needle */
int h_smtp_count_matching(struct h_env *env, const char *rcpt, const char *needle);
/* h_smtp_find - the newest such message's data (owned), or NULL */
char *h_smtp_find(struct h_env *env, const char *rcpt, const char *needle);
/* h_smtp_transcript - the server's command log so far (owned), "" if none */
char *h_smtp_transcript(struct h_env *env);

/* ---- messages ------------------------------------------------------------ */

/* What h_mail_build() writes; NULL fields get the defaults shown. */
struct h_mail {
	const char *from;        /* "Alice Example <alice@example.org>" */
	const char *to;          /* "cop@example.org" */
	const char *cc;          /* none */
	const char *subject;     /* "Test message" */
	const char *date;        /* "Tue, 17 Nov 2020 10:00:00 +0000" */
	const char *message_id;  /* "<h.PID.N@test.example>", fresh each call */
	const char *in_reply_to; /* none */
	const char *references;  /* none */
	const char *headers;     /* extra header lines, "\n"-separated; none */
	const char *content_type;/* "text/plain; charset=utf-8" */
	const char *body;        /* "Hello.\n"; LF or CRLF */
};
/* h_mail_build - the raw message (CRLF line ends, owned); *len set.  The
 * Message-ID used (generated or given) is copied into msgid when it is not
 * NULL (msgid_len bytes). */
char *h_mail_build(const struct h_mail *m, size_t *len, char *msgid,
    size_t msgid_len);
/* h_post - h_mail_build() m and append it to this test's INBOX */
void h_post(struct h_env *env, const struct h_mail *m);
/* h_header - the first header field name in raw (unfolded value, owned),
 * or NULL; looks only at the header block */
char *h_header(const char *raw, const char *name);
/* h_fixture - a file under SRCDIR/tests/fixtures (owned) or fails the test */
char *h_fixture(const struct h_env *env, const char *rel, size_t *len);

/* h_wait_until - poll cond(arg) every 20 ms until it returns non-zero or
 * timeout_ms passes (ten times that under BARAZA_VALGRIND); returns the
 * last value */
int h_wait_until(int (*cond)(void *), void *arg, int timeout_ms);

#endif
