/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_ops - operations, end to end: the real `baraza` and `barazad` against
 * the harness's real Dovecot and SMTP capture.
 *
 * What is covered:
 *  - the health lines of `baraza check`: "never" before the first cycle,
 *    the times of the last fetch and delivery after `barazad --once`, the
 *    holds waiting, a deferred delivery as the oldest deferral with its
 *    reason, the warning once it is older than an hour, and that warnings
 *    leave the exit status 0;
 *  - a barazad in loop mode seen as running (from --pidfile and from the
 *    database), the warning when it has not fetched for ten poll intervals,
 *    and "not running" after SIGTERM;
 *  - --pidfile refuses a second daemon and replaces a stale file;
 *  - SIGTERM in the middle of a large fetch finishes the current step: the
 *    daemon exits 0, every message it stored was moved out of INBOX, the
 *    rest stays there, and the next run takes them, each once;
 *  - the barazad.service make writes passes `systemd-analyze verify` and its
 *    ExecStart options are ones barazad accepts;
 *  - the README's backup and restore, step by step, including taking back
 *    the mail that arrived after the backup with import-mbox --no-relay.
 *
 * Times: the --once tests run at a fixed BARAZA_NOW, so the health lines
 * can be compared exactly; the loop-mode tests run on the real clock.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../harness.h"

#define T0 "2020-11-20T10:00:00Z"

/* ---- helpers ---------------------------------------------------------------- */

static void
run_ok(struct h_env *env, const char *cmd)
{
	struct h_out out;

	h_baraza(env, &out, "%s", cmd);
	cr_assert_eq(out.status, 0, "baraza %s: got exit %d, want 0\n%s%s", cmd,
	    out.status, out.out, out.err);
	h_out_free(&out);
}

/* setup_list - a list with a facilitator and two members, after one
 * cycle (the session announcement of 2020-11-17 goes out in it) */
static void
setup_list(struct h_env *env, const char *name, int first_cycle)
{
	h_env_init(env, name);
	h_smtp_start(env);
	h_write_config(env, NULL);
	env->now = T0;
	run_ok(env, "init");
	run_ok(env, "member add amina@example.org --name 'Amina Yusuf' --role facilitator");
	run_ok(env, "member add bo@example.net --name 'Bo Lindqvist'");
	run_ok(env, "member add chidi@example.net --name 'Chidi Okafor'");
	if (first_cycle)
		h_barazad_once_ok(env);
}

/* check_out - run `baraza check ARGS`; *out holds the result */
static void
check_out(struct h_env *env, struct h_out *out, const char *args)
{
	h_baraza(env, out, "check %s", args);
}

/* expect_line - out's stdout has a line starting with want */
#define expect_line(o, want) \
	cr_expect(has_line((o)->out, (want)), "no line starting '%s' in:\n%s%s", \
	    (want), (o)->out, (o)->err)

static int
has_line(const char *text, const char *want)
{
	size_t n = strlen(want);

	for (const char *p = text; p != NULL && *p; ) {
		if (strncmp(p, want, n) == 0)
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* iso_in - the ISO 8601 UTC form of now + secs into buf */
static const char *
iso_in(long secs, char *buf, size_t len)
{
	time_t t = time(NULL) + secs;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* sql_count - the number the SQL query prints (sqlite3 CLI), or -1 */
static long
sql_count(struct h_env *env, const char *sql)
{
	struct h_out out;
	char *q = h_shq(sql);
	long n;

	h_run(env, &out, "sqlite3 %s %s", env->db, q);
	n = out.status == 0 ? strtol(out.out, NULL, 10) : -1;
	h_out_free(&out);
	free(q);
	return n;
}

/* ---- a barazad in loop mode ------------------------------------------------- */

struct daemon_proc {
	pid_t pid;
	char log[H_PATH + 32];
	char pidfile[H_PATH + 32];
};

static void
daemon_start(struct h_env *env, struct daemon_proc *d)
{
	char templ[H_PATH + 32];

	snprintf(templ, sizeof(templ), "%s/conf/templates", env->srcdir);
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
		setenv("BARAZA_TEMPLATES", templ, 1);
		unsetenv("BARAZA_NOW");
		execl(env->barazad, "barazad", "--foreground", "-v", "--pidfile",
		    d->pidfile, (char *)NULL);
		_exit(127);
	}
}

struct log_wait {
	const struct daemon_proc *d;
	const char *s;
};

static int
log_has(void *arg)
{
	struct log_wait *w = arg;
	char *text = h_read_file(w->d->log, NULL);
	int found = text != NULL && strstr(text, w->s) != NULL;

	free(text);
	return found;
}

/* wait_log - 1 when the daemon's log shows s within ms */
static int
wait_log(const struct daemon_proc *d, const char *s, int ms)
{
	struct log_wait w = { d, s };

	return h_wait_until(log_has, &w, ms);
}

/* daemon_stop - SIGTERM; the exit status (-1 when it did not stop in
 * DAEMON_STOP_MS, and was killed).  The deadline is generous on purpose:
 * SIGTERM finishes the current step, and on a loaded machine that step
 * (committing a batch, moving it out of INBOX on a Dovecot that fsyncs,
 * the final checkpoint) took more than the 10 s this waited before; the
 * SIGKILL then came before the MOVE, and sigterm_finishes_the_current_step
 * failed with "stored 120, moved 0" although the daemon did nothing
 * wrong.  Whether the daemon stops promptly is checked by what it did
 * (sigterm_mid_delivery: the run was cut short), not by the clock. */
#define DAEMON_STOP_MS 180000

static int
daemon_stop(struct daemon_proc *d)
{
	int status;

	kill(d->pid, SIGTERM);
	for (int i = 0; i < DAEMON_STOP_MS / 20; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
			    WTERMSIG(status);
		usleep(20000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &status, 0);
	return -1;
}

/* ---- the health lines ----------------------------------------------------- */

/* Before any cycle every moment is "never"; after barazad --once the
 * fetch and the delivery carry the cycle's time, and the held post of a
 * non-member is counted.  Later, the same times read as older. */
Test(health, never_then_stamped_by_a_cycle)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;

	setup_list(&env, "ops_health", 0);
	check_out(&env, &out, "");
	cr_expect_eq(out.status, 0, "check: got exit %d, want 0\n%s%s", out.status,
	    out.out, out.err);
	expect_line(&out, "health: barazad not running (no daemon loop has run");
	expect_line(&out, "health: last fetch never");
	expect_line(&out, "health: last delivery never");
	expect_line(&out, "health: queue 0 pending (0 queued, 0 deferred), 0 undeliverable");
	expect_line(&out, "health: oldest deferral none");
	expect_line(&out, "health: held 0 waiting");
	expect_line(&out, "health: ok");
	h_out_free(&out);

	m.from = "Bo Lindqvist <bo@example.net>";
	m.subject = "Grant rounds";
	m.body = "How often do your funds open a round?\n";
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Dana Stranger <dana@example.com>";
	m.subject = "Community funds in Lagos";
	m.body = "I am not a member yet.\n";
	h_post(&env, &m);
	h_barazad_once_ok(&env);
	cr_expect_gt(h_smtp_count(&env), 0, "the cycle delivered nothing");

	check_out(&env, &out, "");
	cr_expect_eq(out.status, 0, "check: got exit %d, want 0\n%s%s", out.status,
	    out.out, out.err);
	expect_line(&out, "health: last fetch " T0 " (0s ago)");
	expect_line(&out, "health: last delivery " T0 " (0s ago)");
	expect_line(&out, "health: queue 0 pending");
	expect_line(&out, "health: held 1 waiting (oldest since " T0 ", 0s ago)");
	expect_line(&out, "health: ok");
	h_out_free(&out);

	/* two hours on, with no daemon running: older, but no warning */
	env.now = "2020-11-20T12:00:00Z";
	check_out(&env, &out, "");
	cr_expect_eq(out.status, 0, "check: got exit %d, want 0", out.status);
	expect_line(&out, "health: last fetch " T0 " (2h 00m ago)");
	expect_line(&out, "health: last delivery " T0 " (2h 00m ago)");
	expect_line(&out, "health: ok");
	h_out_free(&out);
	h_env_fini(&env);
}

/* A delivery the SMTP server defers is the oldest deferral, with its
 * reason; over an hour old it is a warning, and check still exits 0.  A
 * reason with control characters is printed on one line. */
Test(health, deferral_shown_then_warned)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;

	setup_list(&env, "ops_defer", 1);
	h_smtp_rules(&env, "{\"rcpt\": {\"chidi@example.net\": "
	    "\"451 4.3.0 try later\"}}");
	m.from = "Bo Lindqvist <bo@example.net>";
	m.subject = "Grant rounds";
	m.body = "How often do your funds open a round?\n";
	h_post(&env, &m);
	h_barazad_once_ok(&env);

	check_out(&env, &out, "");
	cr_expect_eq(out.status, 0, "check: got exit %d, want 0\n%s%s", out.status,
	    out.out, out.err);
	expect_line(&out, "health: queue 1 pending (0 queued, 1 deferred), 0 undeliverable");
	expect_line(&out, "health: oldest deferral 0s old: chidi@example.net (post), "
	    "1 attempt, next try in 1m 00s: 451 4.3.0 try later");
	expect_line(&out, "health: ok");
	h_out_free(&out);

	/* a reason is the server's text: a line break in it stays out */
	cr_assert_eq(sql_count(&env, "UPDATE outbox_rcpt SET last_error = "
	    "'451 try later' || char(13, 10, 155) || 'health: ok' WHERE state = "
	    "'deferred'; SELECT changes()"), 1);
	check_out(&env, &out, "");
	cr_expect(strstr(out.out, ": 451 try later???health: ok\n") != NULL,
	    "control characters of a reason not replaced:\n%s", out.out);
	h_out_free(&out);

	/* 59 minutes: late, but not yet a warning */
	env.now = "2020-11-20T10:59:00Z";
	check_out(&env, &out, "");
	expect_line(&out, "health: oldest deferral 59m 00s old: chidi@example.net");
	expect_line(&out, "health: ok");
	h_out_free(&out);

	env.now = "2020-11-20T11:01:00Z";
	check_out(&env, &out, "");
	cr_expect_eq(out.status, 0, "a warning changed the exit status to %d",
	    out.status);
	expect_line(&out, "health: WARNING mail is late: a deferral is 1h 01m old");
	expect_line(&out, "health: 1 warning");
	h_out_free(&out);

	/* delivered at last: the queue is empty, the delivery time moves */
	h_smtp_rules(&env, NULL);
	run_ok(&env, "queue retry");
	h_barazad_once_ok(&env);
	check_out(&env, &out, "");
	expect_line(&out, "health: queue 0 pending");
	expect_line(&out, "health: oldest deferral none");
	expect_line(&out, "health: last delivery 2020-11-20T11:01:00Z (0s ago)");
	expect_line(&out, "health: ok");
	h_out_free(&out);
	h_env_fini(&env);
}

/* barazad in loop mode: running (by pid file and by the database), a
 * warning when the last fetch is more than ten poll intervals old, and not
 * running after SIGTERM. */
Test(health, running_daemon_and_stale_fetch)
{
	struct h_env env;
	struct daemon_proc d;
	struct h_out out;
	char want[H_PATH + 128], args[H_PATH + 64], later[32];
	int rc;

	h_env_init(&env, "ops_daemon");
	h_smtp_start(&env);
	h_write_config(&env, "[imap]\nidle = no\npoll_seconds = 30\n");
	unsetenv("BARAZA_NOW");
	run_ok(&env, "init");
	daemon_start(&env, &d);
	cr_assert(wait_log(&d, "polling again", 60000),
	    "barazad did not finish a cycle");

	snprintf(want, sizeof(want), "health: barazad running (pid %ld, since ",
	    (long)d.pid);
	snprintf(args, sizeof(args), "--pidfile %s", d.pidfile);
	check_out(&env, &out, args);
	cr_expect_eq(out.status, 0, "check: got exit %d\n%s%s", out.status,
	    out.out, out.err);
	expect_line(&out, want);
	cr_expect(!has_line(out.out, "health: last fetch never"),
	    "a cycle ran but no fetch is recorded:\n%s", out.out);
	expect_line(&out, "health: ok");
	h_out_free(&out);
	check_out(&env, &out, "");
	expect_line(&out, want);
	h_out_free(&out);

	/* a day later, by check's clock, the daemon looks stuck */
	env.now = iso_in(86400, later, sizeof(later));
	check_out(&env, &out, "");
	cr_expect_eq(out.status, 0, "a warning changed the exit status to %d",
	    out.status);
	expect_line(&out, "health: WARNING barazad runs but has not fetched for 1d 00h "
	    "(more than 10m 00s)");
	h_out_free(&out);
	env.now = NULL;

	rc = daemon_stop(&d);
	cr_expect_eq(rc, 0, "barazad: exit %d after SIGTERM, want 0", rc);
	snprintf(want, sizeof(want), "health: barazad not running (last started "
	    "as pid %ld at ", (long)d.pid);
	check_out(&env, &out, "");
	expect_line(&out, want);
	h_out_free(&out);
	check_out(&env, &out, args);
	snprintf(want, sizeof(want), "health: barazad not running (no pid in %s)",
	    d.pidfile);
	expect_line(&out, want);
	h_out_free(&out);

	/* a database check that fails leaves the health unknown */
	h_write_config(&env, "[list]\ndatabase = /nonexistent/dir/baraza.db\n");
	check_out(&env, &out, "");
	cr_expect_eq(out.status, 1, "check: got exit %d, want 1", out.status);
	expect_line(&out, "health: unknown (the database check failed)");
	h_out_free(&out);
	h_env_fini(&env);
}

/* ---- the daemon as a service ---------------------------------------------- */

/* --pidfile: a live process named in the file stops a second daemon; a
 * stale file is replaced and removed at exit. */
Test(service, pidfile_refuses_a_second_daemon)
{
	struct h_env env;
	struct h_out out;
	struct stat sb;
	char path[H_PATH + 32], buf[H_PATH + 32], pid[32];
	pid_t child;
	int rc;

	h_env_init(&env, "ops_pidfile");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	snprintf(path, sizeof(path), "%s/barazad.pid", env.dir);

	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	h_write_file(&env, path, pid, (size_t)-1, 0644, buf, sizeof(buf));
	rc = h_run(&env, &out, "'%s' --once --pidfile %s", env.barazad, path);
	cr_expect_eq(rc, 1, "a live pid in the file: got exit %d, want 1", rc);
	cr_expect(strstr(out.err, "already runs") != NULL, "stderr: %s", out.err);
	h_out_free(&out);

	/* a pid that is gone: a child that has exited and been reaped */
	child = fork();
	cr_assert(child >= 0);
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	snprintf(pid, sizeof(pid), "%ld\n", (long)child);
	h_write_file(&env, path, pid, (size_t)-1, 0644, buf, sizeof(buf));
	rc = h_run(&env, &out, "'%s' --once --pidfile %s", env.barazad, path);
	cr_expect_eq(rc, 0, "a stale pid file: got exit %d, want 0\n%s", rc, out.err);
	cr_expect(stat(path, &sb) < 0 && errno == ENOENT,
	    "the pid file was left behind");
	h_out_free(&out);
	h_env_fini(&env);
}

/* mbox_add - append raw (CRLF) to the mbox file at path as one message */
static void
mbox_add(const char *path, const char *raw)
{
	FILE *fp = fopen(path, "a");

	cr_assert_not_null(fp, "cannot write %s", path);
	fputs("From MAILER-DAEMON Fri Nov 20 10:00:00 2020\n", fp);
	for (const char *p = raw; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			fputc(*p, fp);
	fputs("\n", fp);
	cr_assert_eq(fclose(fp), 0);
}

/* The README's restore, step by step: a backup taken while the list
 * works, more mail after it, the database replaced by the backup (WAL
 * files moved away with it), `init` and `check` happy, the later post
 * missing, and taken back from an mbox of the moved mail by import-mbox
 * --no-relay: the post already there is skipped, nothing is sent again. */
Test(service, backup_and_restore)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	struct stat sb;
	char backup[H_PATH + 32], mbox[H_PATH + 32], *raw1, *raw2;
	size_t len;
	int sent;

	setup_list(&env, "ops_restore", 1);
	m.from = "Bo Lindqvist <bo@example.net>";
	m.subject = "Grant rounds";
	m.message_id = "<restore.1@example.net>";
	m.body = "How often do your funds open a round?\n";
	raw1 = h_mail_build(&m, &len, NULL, 0);
	h_post(&env, &m);
	h_barazad_once_ok(&env);

	snprintf(backup, sizeof(backup), "%s/backup.db", env.dir);
	h_baraza(&env, &out, "backup %s", backup);
	cr_assert_eq(out.status, 0, "backup: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	cr_assert_eq(stat(backup, &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0600, "backup mode %o, want 600",
	    (unsigned)(sb.st_mode & 0777));

	m.from = "Chidi Okafor <chidi@example.net>";
	m.subject = "Re: Grant rounds";
	m.message_id = "<restore.2@example.net>";
	m.in_reply_to = "<restore.1@example.net>";
	m.body = "Twice a year, by lottery.\n";
	raw2 = h_mail_build(&m, &len, NULL, 0);
	h_post(&env, &m);
	h_barazad_once_ok(&env);
	cr_assert_eq(sql_count(&env, "SELECT count(*) FROM posts"), 2);

	/* restore: the database and its WAL files away, the backup in */
	h_run(&env, &out, "mkdir old && mv baraza.db* old/ && cp %s baraza.db",
	    backup);
	cr_assert_eq(out.status, 0, "restore: %s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "init");
	cr_expect_eq(out.status, 0, "init after restore: exit %d: %s", out.status,
	    out.err);
	cr_expect(strstr(out.out, "up to date") != NULL, "init: %s", out.out);
	h_out_free(&out);
	check_out(&env, &out, "");
	cr_expect_eq(out.status, 0, "check after restore: exit %d\n%s%s",
	    out.status, out.out, out.err);
	expect_line(&out, "database: ok");
	expect_line(&out, "health: last fetch " T0);
	h_out_free(&out);
	cr_expect_eq(sql_count(&env, "SELECT count(*) FROM posts"), 1,
	    "the restored database should hold the first post only");

	/* the moved mail, back in without sending anything */
	snprintf(mbox, sizeof(mbox), "%s/processed.mbox", env.dir);
	mbox_add(mbox, raw1);
	mbox_add(mbox, raw2);
	sent = h_smtp_count(&env);
	h_baraza(&env, &out, "import-mbox %s --no-relay", mbox);
	cr_expect_eq(out.status, 0, "import-mbox: exit %d: %s", out.status,
	    out.err);
	cr_expect(strstr(out.out, "1 duplicates") != NULL, "import-mbox: %s",
	    out.out);
	h_out_free(&out);
	cr_expect_eq(sql_count(&env, "SELECT count(*) FROM posts"), 2);
	cr_expect_eq(sql_count(&env, "SELECT count(*) FROM posts p JOIN posts q"
	    " ON q.id = p.parent WHERE p.message_id = 'restore.2@example.net'"
	    " AND q.message_id = 'restore.1@example.net'"), 1,
	    "the reply is not threaded under its parent");
	h_barazad_once_ok(&env);
	cr_expect_eq(h_smtp_count(&env), sent, "mail sent again after the "
	    "import: %d, want %d", h_smtp_count(&env), sent);
	free(raw1);
	free(raw2);
	h_env_fini(&env);
}

#define SIGTERM_MESSAGES 120

/* SIGTERM while a large mailbox is being fetched finishes the current
 * step: exit 0, every message stored was also moved out of INBOX, the rest
 * stays there, and the next run takes those, each once. */
Test(service, sigterm_finishes_the_current_step, .timeout = 600)
{
	struct h_env env;
	struct daemon_proc d;
	struct h_mail m = { 0 };
	char subject[64], mid[64];
	long stored, processed, inbox;
	int rc;

	h_env_init(&env, "ops_sigterm");
	h_smtp_start(&env);
	h_write_config(&env, "[imap]\nidle = no\npoll_seconds = 300\n");
	unsetenv("BARAZA_NOW");
	run_ok(&env, "init");
	run_ok(&env, "member add bo@example.net --name 'Bo Lindqvist'");
	for (int i = 0; i < SIGTERM_MESSAGES; i++) {
		snprintf(subject, sizeof(subject), "Note %d", i);
		snprintf(mid, sizeof(mid), "<sigterm.%d@example.net>", i);
		m.from = "Bo Lindqvist <bo@example.net>";
		m.subject = subject;
		m.message_id = mid;
		m.body = "A note for the list.\n";
		h_post(&env, &m);
	}
	daemon_start(&env, &d);
	cr_assert(wait_log(&d, "message 1,", 180000), "barazad processed nothing");
	rc = daemon_stop(&d);
	cr_expect_eq(rc, 0, "barazad: exit %d after SIGTERM, want 0 (-1: killed "
	    "after %d s)", rc, DAEMON_STOP_MS / 1000);

	stored = sql_count(&env, "SELECT count(*) FROM messages");
	processed = h_imap_count(&env, "Processed");
	inbox = h_imap_count(&env, "INBOX");
	fprintf(stderr, "it_ops: SIGTERM after %ld of %d messages\n", stored,
	    SIGTERM_MESSAGES);
	if (processed != stored) {
		char *text = h_read_file(d.log, NULL);

		fprintf(stderr, "it_ops: DIAG barazad log:\n%s\n", text ? text : "");
		free(text);
	}
	cr_expect_eq(processed, stored, "stored %ld, moved %ld: want the same",
	    stored, processed);
	cr_expect_eq(inbox + processed, SIGTERM_MESSAGES,
	    "INBOX %ld + Processed %ld, want %d", inbox, processed,
	    SIGTERM_MESSAGES);

	env.now = NULL;
	h_barazad_once_ok(&env);
	cr_expect_eq(sql_count(&env, "SELECT count(*) FROM messages"),
	    SIGTERM_MESSAGES, "messages stored after the next run");
	cr_expect_eq(sql_count(&env, "SELECT count(DISTINCT message_id) FROM posts"),
	    SIGTERM_MESSAGES, "distinct posts after the next run");
	cr_expect_eq(h_imap_count(&env, "INBOX"), 0, "INBOX not emptied");
	cr_expect_eq(h_imap_count(&env, "Processed"), SIGTERM_MESSAGES);
	h_env_fini(&env);
}

/* SIGTERM in the middle of a long delivery run (a post to 150 members
 * through a slow SMTP server, ~40 s of work) stops barazad within a few
 * seconds with status 0: the transactions under way finish and are
 * recorded, the rest stays queued, and the next run delivers it, every
 * member getting exactly one copy.  Before deliver_run_until, the daemon
 * kept delivering the whole queue after SIGTERM. */
#define SIGTERM_MEMBERS 150

struct smtp_wait {
	struct h_env *env;
	int n;
};

static int
smtp_reached(void *arg)
{
	struct smtp_wait *w = arg;

	return h_smtp_count(w->env) >= w->n;
}

Test(service, sigterm_mid_delivery, .timeout = 600)
{
	struct h_env env;
	struct daemon_proc d;
	struct h_mail m = { 0 };
	struct h_out out;
	struct buf_csv { char *data; size_t len, cap; } csv = { 0 };
	struct h_smtp_msg msg;
	char path[H_PATH + 32];
	struct smtp_wait w;
	int rc, sent_at_stop, twice = 0, missing = 0;
	int copies[SIGTERM_MEMBERS] = { 0 };

	h_env_init(&env, "ops_sigterm_relay");
	h_smtp_start(&env);
	h_write_config(&env, "[imap]\nidle = no\npoll_seconds = 300\n"
	    "[smtp]\npersonalize = yes\n");
	unsetenv("BARAZA_NOW");
	run_ok(&env, "init");
	csv.cap = 64 * (SIGTERM_MEMBERS + 2);
	csv.data = malloc(csv.cap);
	cr_assert_not_null(csv.data);
	csv.len = (size_t)snprintf(csv.data, csv.cap,
	    "email,name,role,delivery,region,language,themes\n");
	for (int i = 0; i < SIGTERM_MEMBERS; i++)
		csv.len += (size_t)snprintf(csv.data + csv.len, csv.cap - csv.len,
		    "m%03d@example.net,Member %d,member,each,,en,\n", i, i);
	h_write_file(&env, "members.csv", csv.data, csv.len, 0644, path, sizeof(path));
	free(csv.data);
	h_baraza(&env, &out, "member import %s", path);
	cr_assert_eq(out.status, 0, "member import: exit %d: %s", out.status, out.err);
	h_out_free(&out);

	m.from = "Member 0 <m000@example.net>";
	m.subject = "A long fan-out";
	m.message_id = "<sigterm.relay@example.net>";
	m.body = "Every member should get this once.\n";
	h_post(&env, &m);
	h_smtp_rules(&env, "{\"delay_ms\": 100}");

	daemon_start(&env, &d);
	w.env = &env;
	w.n = 3;
	cr_assert(h_wait_until(smtp_reached, &w, 90000), "barazad delivered nothing");
	rc = daemon_stop(&d);
	sent_at_stop = h_smtp_count(&env);
	cr_expect_eq(rc, 0, "barazad: exit %d after SIGTERM mid-delivery, want 0 "
	    "(-1: still running %d s later)", rc, DAEMON_STOP_MS / 1000);
	/* The queue holds the post for 149 members and the sessions'
	 * announcements for everyone: fewer than 149 mails means the run
	 * was cut short. */
	fprintf(stderr, "it_ops: SIGTERM after %d mails\n", sent_at_stop);
	cr_expect_lt(sent_at_stop, SIGTERM_MEMBERS - 1,
	    "the whole run finished before it stopped: %d sent", sent_at_stop);

	h_smtp_rules(&env, NULL);
	env.now = NULL;
	h_barazad_once_ok(&env);
	fprintf(stderr, "it_ops: next run done, %d captured\n", h_smtp_count(&env));
	/* one pass over the capture: copies of the post per member (the
	 * sessions' announcements go to everyone too) */
	for (int i = 0; h_smtp_message(&env, i, &msg); i++) {
		for (size_t j = 0; strstr(msg.data, "A long fan-out") && j < msg.nrcpts; j++) {
			int k;

			if (sscanf(msg.rcpts[j], "m%d@", &k) == 1 && k >= 0 &&
			    k < SIGTERM_MEMBERS)
				copies[k]++;
		}
		h_smtp_msg_free(&msg);
	}
	for (int i = 1; i < SIGTERM_MEMBERS; i++) {
		if (copies[i] == 0)
			missing++;
		else if (copies[i] > 1)
			twice++;
	}
	cr_expect_eq(missing, 0, "%d members never got the post", missing);
	cr_expect_eq(twice, 0, "%d members got it twice", twice);
	cr_expect_eq(copies[0], 0, "the author got a copy");
	h_env_fini(&env);
}

/* The barazad.service that make writes (conf/barazad.service.in with this
 * build's paths) is a valid unit (systemd-analyze verify, with ExecStart
 * pointed at the built barazad; tests/ops/unit-check.sh checks both units
 * further), and the options its ExecStart gives barazad work: that command
 * line with our configuration and --once runs a cycle. */
Test(service, systemd_unit_verifies)
{
	struct h_env env;
	struct h_out out;
	char unit[H_PATH + 64], *text, *exec, *end, *sq, *bin, *conf;
	int rc;

	h_env_init(&env, "ops_unit");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	rc = h_run(&env, &out, "command -v systemd-analyze");
	h_out_free(&out);
	if (rc != 0) {
		h_env_fini(&env);
		cr_skip_test("systemd-analyze is not installed");
	}
	snprintf(unit, sizeof(unit), "%s/conf/barazad.service", env.builddir);
	text = h_read_file(unit, NULL);
	cr_assert_not_null(text, "cannot read %s (make writes it)", unit);
	exec = strstr(text, "\nExecStart=");
	cr_assert_not_null(exec, "no ExecStart in %s", unit);
	exec += strlen("\nExecStart=");
	end = strchr(exec, '\n');
	cr_assert_not_null(end);
	*end = '\0';
	bin = exec;
	exec = strchr(exec, ' ');
	cr_assert_not_null(exec, "ExecStart without options: %s", bin);
	*exec++ = '\0';
	cr_expect(strlen(bin) > 13 && strcmp(bin + strlen(bin) - 13, "/sbin/barazad") == 0,
	    "ExecStart does not run the installed barazad: %s", bin);
	cr_expect(strstr(end + 1, "ExecReload=/bin/kill -HUP $MAINPID") != NULL,
	    "reload does not send SIGHUP");

	/* the unit as installed, but running this build's barazad */
	h_run(&env, &out, "sed 's|^ExecStart=%s |ExecStart=%s |; s|^Documentation=.*||' "
	    "%s > %s/barazad.service", bin, env.barazad, unit, env.dir);
	h_out_free(&out);
	rc = h_run(&env, &out, "systemd-analyze verify %s/barazad.service", env.dir);
	cr_expect_eq(rc, 0, "systemd-analyze verify: exit %d\n%s%s", rc, out.out,
	    out.err);
	cr_expect(strstr(out.err, "barazad.service") == NULL,
	    "systemd-analyze complains:\n%s", out.err);
	h_out_free(&out);

	/* ExecStart's options, with our configuration and --once */
	cr_expect(strstr(exec, "--foreground") != NULL,
	    "ExecStart without --foreground logs to syslog only: %s", exec);
	conf = strstr(exec, "-c ");
	cr_assert_not_null(conf, "ExecStart does not name the configuration: %s", exec);
	end = strchr(conf + 3, ' ');
	memmove(conf, end ? end + 1 : conf + strlen(conf), strlen(end ? end + 1 : "") + 1);
	sq = h_shq(env.conf);
	rc = h_run(&env, &out, "'%s' -c %s %s --once", env.barazad, sq, exec);
	cr_expect_eq(rc, 0, "barazad %s --once: exit %d\n%s", exec, rc, out.err);
	h_out_free(&out);
	free(sq);
	free(text);
	h_env_fini(&env);
}
