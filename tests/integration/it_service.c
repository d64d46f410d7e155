/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_service - one barazad per database, end to end: the real barazad and
 * baraza against the harness's Dovecot and SMTP capture.
 *
 *  - a running daemon keeps a second daemon and a `barazad --once` off its
 *    database: both exit 1 naming its pid, and nothing they could have
 *    sent is sent twice while posts flow and the --once runs every ten
 *    posts (the "two daemons and a --once" scenario);
 *  - with the lock out of the way (three processes running deliver_run on
 *    one database at once, as a process that ignores the lock would), the
 *    outbox claim still sends every row exactly once.
 * Both fail on the code before the lock and the claim: the first because a
 * --once beside the daemon ran a cycle (exit 0), the second with every row
 * sent three times.
 *  - catch-up: a daemon first started weeks into the programme announces
 *    only the session open now;
 *  - the archive is readable by a web server whatever the umask;
 *  - a database locked past its busy timeout is retried with backoff and
 *    logged once when it fails and once when it works again.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <fcntl.h>
#include <grp.h>
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
#include "buf.h"
#include "conf.h"
#include "deliver.h"
#include "store.h"
#include "store_outbox.h"

TestSuite(lock, .timeout = 600);
TestSuite(claim, .timeout = 300);

struct daemon_proc {
	pid_t pid;
	char log[H_PATH + 32];
};

static void daemon_start_v(struct h_env *, struct daemon_proc *, const char *, int);

/* daemon_start - barazad --foreground -v on env's configuration, its
 * output in DIR/NAME.log; real clock */
static void
daemon_start(struct h_env *env, struct daemon_proc *d, const char *name)
{
	daemon_start_v(env, d, name, 1);
}

/* daemon_start_v - the same, with -v or without */
static void
daemon_start_v(struct h_env *env, struct daemon_proc *d, const char *name,
    int verbose)
{
	char templ[H_PATH + 32];

	snprintf(templ, sizeof(templ), "%s/conf/templates", env->srcdir);
	snprintf(d->log, sizeof(d->log), "%s/%s.log", env->dir, name);
	d->pid = fork();
	cr_assert(d->pid >= 0);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			_exit(127);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("BARAZA_CONF", env->conf, 1);
		setenv("BARAZA_TEMPLATES", templ, 1);
		unsetenv("BARAZA_NOW");
		execl(env->barazad, "barazad", "--foreground", verbose ? "-v" : "-f",
		    (char *)NULL);
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

/* daemon_wait - its exit status within ms, or -1 (still running) */
static int
daemon_wait(struct daemon_proc *d, int ms)
{
	int status;

	for (int i = 0; i < ms / 20; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			    128 + WTERMSIG(status);
		}
		usleep(20000);
	}
	return -1;
}

/* daemon_stop - SIGTERM, then the exit status (SIGKILL after 60 s: -1) */
static int
daemon_stop(struct daemon_proc *d)
{
	int rc;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	if ((rc = daemon_wait(d, 60000)) < 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	return rc;
}

static void
run_ok(struct h_env *env, const char *cmd)
{
	struct h_out out;

	h_baraza(env, &out, "%s", cmd);
	cr_assert_eq(out.status, 0, "baraza %s: got exit %d, want 0\n%s%s", cmd,
	    out.status, out.out, out.err);
	h_out_free(&out);
}

#define LOCK_POSTS 30
#define LOCK_MEMBERS 4          /* each post reaches the 3 others */

struct count_wait {
	struct h_env *env;
	int n;
};

static int
posts_delivered(void *arg)
{
	struct count_wait *w = arg;

	return h_smtp_count_matching(w->env, NULL, "Subject: [CoP] Lock post") >= w->n;
}

/* The daemon runs; a second daemon and a --once every ten posts are
 * refused (exit 1, the running pid named); every post reaches each other
 * member exactly once. */
Test(lock, second_daemon_and_once_refused_nothing_sent_twice)
{
	struct h_env env;
	struct daemon_proc a, b;
	struct h_out out;
	struct h_mail m = { 0 };
	struct log_wait lw;
	struct count_wait cw;
	char want[64], subject[64], mid[64], email[64];
	int rc, twice = 0, missing = 0;

	h_env_init(&env, "lock_twice");
	h_smtp_start(&env);
	h_write_config(&env, "[imap]\nidle = yes\npoll_seconds = 5\n");
	unsetenv("BARAZA_NOW");
	run_ok(&env, "init");
	for (int i = 0; i < LOCK_MEMBERS; i++) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "member add m%d@example.net --name 'M %d'",
		    i, i);
		run_ok(&env, cmd);
	}
	daemon_start(&env, &a, "a");
	lw.d = &a;
	lw.s = "barazad " PACKAGE_VERSION " started";
	cr_assert(h_wait_until(log_has, &lw, 180000), "the first barazad did not start");
	snprintf(want, sizeof(want), "(pid %ld)", (long)a.pid);

	daemon_start(&env, &b, "b");
	rc = daemon_wait(&b, 60000);
	if (rc < 0)
		daemon_stop(&b);
	cr_expect_eq(rc, 1, "a second daemon: exit %d, want 1 (-1: it ran)", rc);
	lw.d = &b;
	lw.s = want;
	cr_expect(log_has(&lw), "the second daemon does not name pid %ld:\n%s",
	    (long)a.pid, h_read_file(b.log, NULL));

	for (int i = 0; i < LOCK_POSTS; i++) {
		snprintf(subject, sizeof(subject), "Lock post %d", i);
		snprintf(mid, sizeof(mid), "<lock.%d@example.net>", i);
		snprintf(email, sizeof(email), "M %d <m%d@example.net>",
		    i % LOCK_MEMBERS, i % LOCK_MEMBERS);
		m.from = email;
		m.subject = subject;
		m.message_id = mid;
		m.body = "A post that must reach everyone once.\n";
		h_post(&env, &m);
		if (i % 10 == 9) {
			env.now = NULL;
			rc = h_barazad_once(&env, &out);
			cr_expect_eq(rc, 1, "barazad --once beside the daemon: exit %d, "
			    "want 1\n%s", rc, out.err);
			cr_expect(strstr(out.err, want) != NULL,
			    "--once does not name the running daemon %s:\n%s", want,
			    out.err);
			h_out_free(&out);
		}
	}
	cw.env = &env;
	cw.n = LOCK_POSTS;
	/* every post reached someone: each message is one recipient's copy
	 * with personalize = yes, so wait for all of them */
	cw.n = LOCK_POSTS * (LOCK_MEMBERS - 1);
	cr_expect(h_wait_until(posts_delivered, &cw, 300000),
	    "only %d copies of %d delivered",
	    h_smtp_count_matching(&env, NULL, "Subject: [CoP] Lock post"), cw.n);
	rc = daemon_stop(&a);
	cr_expect_eq(rc, 0, "barazad: exit %d after SIGTERM, want 0", rc);

	for (int i = 0; i < LOCK_POSTS; i++) {
		snprintf(subject, sizeof(subject), "Subject: [CoP] Lock post %d\r", i);
		for (int k = 0; k < LOCK_MEMBERS; k++) {
			int n;

			if (k == i % LOCK_MEMBERS)
				continue;
			snprintf(email, sizeof(email), "m%d@example.net", k);
			n = h_smtp_count_matching(&env, email, subject);
			if (n == 0)
				missing++;
			else if (n > 1)
				twice++;
		}
	}
	cr_expect_eq(missing, 0, "%d copies never sent", missing);
	cr_expect_eq(twice, 0, "%d copies sent more than once", twice);

	/* with the daemon gone, --once runs */
	env.now = NULL;
	rc = h_barazad_once(&env, &out);
	cr_expect_eq(rc, 0, "--once after the daemon stopped: exit %d\n%s", rc,
	    out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

#define CLAIM_ROWS 60
#define CLAIM_RUNNERS 3

/* runner - a child: its own configuration and database handle, one
 * deliver_run; exits 0 when the run worked */
static void
runner(struct h_env *env)
{
	struct buf errs;
	struct conf *c;
	struct store *s = NULL;
	char err[256];
	int remaining, rc;

	buf_init(&errs, 1 << 16);
	c = conf_load(env->conf, &errs);
	if (c == NULL || store_open(c->list.database, 0, &s, err, sizeof(err)) < 0)
		_exit(2);
	rc = deliver_run(s, c, &remaining);
	store_close(&s);
	conf_free(&c);
	_exit(rc == 0 ? 0 : 1);
}

/* Three processes deliver one outbox at once (the lock plays no part:
 * deliver_run is called directly): every row is sent exactly once and
 * ends 'sent' with no claim left. */
Test(claim, three_runs_at_once_send_each_row_once)
{
	struct h_env env;
	struct buf errs;
	struct conf *c;
	struct store *s = NULL;
	char err[256], templ[H_PATH + 32], rcpt[64];
	pid_t kids[CLAIM_RUNNERS];
	int twice = 0, missing = 0, total;

	h_env_init(&env, "claim_three");
	snprintf(templ, sizeof(templ), "%s/conf/templates", env.srcdir);
	setenv("BARAZA_TEMPLATES", templ, 1);
	setenv("BARAZA_NOW", "2020-11-20T10:00:00Z", 1);
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	buf_init(&errs, 1 << 16);
	c = conf_load(env.conf, &errs);
	cr_assert_not_null(c, "config: %s", errs.data);
	buf_release(&errs);
	cr_assert_eq(store_open(c->list.database, 1, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(store_migrate(s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(store_begin(s), 0);
	for (int i = 0; i < CLAIM_ROWS; i++) {
		char body[256];

		snprintf(rcpt, sizeof(rcpt), "r%02d@example.net", i);
		snprintf(body, sizeof(body), "From: cop@example.org\r\nTo: %s\r\n"
		    "Subject: claim %d\r\nMessage-ID: <claim.%d@example.org>\r\n\r\n"
		    "One copy only.\r\n", rcpt, i, i);
		cr_assert_gt(outbox_add_mail(s, "notice", body, strlen(body), rcpt, 0,
		    1605866400), 0);
	}
	cr_assert_eq(store_commit(s), 0);
	store_close(&s);
	/* slow enough that the three runs overlap from start to end */
	h_smtp_rules(&env, "{\"delay_ms\": 50}");

	for (int k = 0; k < CLAIM_RUNNERS; k++) {
		kids[k] = fork();
		cr_assert(kids[k] >= 0);
		if (kids[k] == 0)
			runner(&env);
	}
	for (int k = 0; k < CLAIM_RUNNERS; k++) {
		int status;

		cr_assert_eq(waitpid(kids[k], &status, 0), kids[k]);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "runner %d: status %d", k, status);
	}
	total = h_smtp_count(&env);
	for (int i = 0; i < CLAIM_ROWS; i++) {
		int n;

		snprintf(rcpt, sizeof(rcpt), "r%02d@example.net", i);
		n = h_smtp_count_rcpt(&env, rcpt);
		if (n == 0)
			missing++;
		else if (n > 1)
			twice++;
	}
	cr_expect_eq(twice, 0, "%d rows sent more than once (%d mails for %d rows)",
	    twice, total, CLAIM_ROWS);
	cr_expect_eq(missing, 0, "%d rows never sent", missing);
	cr_assert_eq(store_open(c->list.database, 0, &s, err, sizeof(err)), 0, "%s", err);
	{
		struct outbox_stats st;

		cr_assert_eq(outbox_stats_get(s, &st), 0);
		cr_expect_eq(st.sent, CLAIM_ROWS, "sent rows: %ld, want %d", st.sent,
		    CLAIM_ROWS);
		outbox_stats_release(&st);
	}
	store_close(&s);
	conf_free(&c);
	h_env_fini(&env);
}

TestSuite(catchup, .timeout = 300);

/* A daemon first started on 20 December, five weeks into the programme
 * (funding 17 Nov - 1 Dec and risk 1 - 15 Dec are over, community 15 - 29
 * Dec is open): one announcement per member, for the open session only; no
 * summary kit for the sessions that ended; the skipped ones are logged.
 * Before the catch-up rule it sent three announcements and two kits. */
Test(catchup, late_first_start_sends_no_stale_announcements)
{
	struct h_env env;
	struct h_out out;
	const char *who[] = { "amina@example.org", "bo@example.net", "chidi@example.net" };
	int n;

	h_env_init(&env, "catchup_late");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	env.now = "2020-12-20T10:00:00Z";
	run_ok(&env, "init");
	run_ok(&env, "member add amina@example.org --name 'Amina Yusuf' --role facilitator");
	run_ok(&env, "member add bo@example.net --name 'Bo Lindqvist'");
	run_ok(&env, "member add chidi@example.net --name 'Chidi Okafor'");
	cr_assert_eq(h_barazad_once(&env, &out), 0, "barazad --once: %s", out.err);
	cr_expect(strstr(out.err, "(funding) ended before its opening ran") != NULL,
	    "the skipped funding announcement is not logged:\n%s", out.err);
	cr_expect(strstr(out.err, "(risk) ended before its summary kit ran") != NULL,
	    "the skipped risk kit is not logged:\n%s", out.err);
	h_out_free(&out);

	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		n = h_smtp_count_matching(&env, who[i], "Subject: New session open");
		cr_expect_eq(n, 1, "%s got %d announcements, want 1", who[i], n);
		n = h_smtp_count_matching(&env, who[i], "community-led development");
		cr_expect_eq(n, 1, "%s got %d announcements of the open session, "
		    "want 1", who[i], n);
	}
	n = h_smtp_count_matching(&env, NULL, "Subject: Summary kit");
	cr_expect_eq(n, 0, "%d summary kits for sessions that are over", n);

	/* the programme goes on: the community kit two days before its close */
	env.now = "2020-12-27T12:00:00Z";
	h_barazad_once_ok(&env);
	n = h_smtp_count_matching(&env, "amina@example.org", "Subject: Summary kit");
	cr_expect_eq(n, 1, "the open session's kit: %d, want 1", n);
	h_env_fini(&env);
}

TestSuite(archive_perm, .timeout = 300);

/* mode_of - the permission bits of path, or -1 */
static int
mode_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) < 0 ? -1 : (int)(sb.st_mode & 07777);
}

/* Under a umask of 077 (systemd's UMask=0027 is milder) the archive is
 * still 0644 files in 0755 folders by default, or what [archive] mode and
 * group say; the database keeps the umask's privacy.  Before the mode
 * key, every file was 0600 and every folder 0700. */
Test(archive_perm, readable_whatever_the_umask)
{
	struct h_env env;
	struct h_out out;
	struct h_mail m = { 0 };
	struct group *g = getgrgid(getgid());
	char path[H_PATH + 64], extra[256];
	int rc;

	h_env_init(&env, "archive_perm");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	env.now = "2020-11-20T10:00:00Z";
	run_ok(&env, "init");
	run_ok(&env, "member add bo@example.net --name 'Bo Lindqvist'");
	m.from = "Bo Lindqvist <bo@example.net>";
	m.to = "cop+funding@example.org";
	m.subject = "Pooled funds";
	m.body = "A post for the archive.\n";
	h_post(&env, &m);
	rc = h_run(&env, &out, "umask 077 && '%s' -c '%s' --once", env.barazad,
	    env.conf);
	cr_assert_eq(rc, 0, "barazad --once: %s", out.err);
	h_out_free(&out);
	rc = h_run(&env, &out, "umask 077 && '%s' -c '%s' archive build", env.baraza,
	    env.conf);
	cr_assert_eq(rc, 0, "archive build: %s", out.err);
	h_out_free(&out);

	cr_expect_eq(mode_of(env.archive), 0755, "archive folder: %o",
	    mode_of(env.archive));
	snprintf(path, sizeof(path), "%s/index.html", env.archive);
	cr_expect_eq(mode_of(path), 0644, "index.html: %o", mode_of(path));
	snprintf(path, sizeof(path), "%s/funding", env.archive);
	cr_expect_eq(mode_of(path), 0755, "a theme's folder: %o", mode_of(path));
	rc = h_run(&env, &out, "find '%s' -perm /0004 -prune -o -print", env.archive);
	cr_expect_eq(out.out[0], '\0', "not world-readable:\n%s", out.out);
	h_out_free(&out);
	/* baraza init creates it under umask 027 */
	cr_expect_eq(mode_of(env.db) & 0007, 0, "the database: %o", mode_of(env.db));

	/* a group of its own: 0640 files, 0750 folders, that group */
	cr_assert_not_null(g);
	snprintf(extra, sizeof(extra), "[archive]\nmode = 0640\ngroup = %s\n",
	    g->gr_name);
	h_write_config(&env, extra);
	rc = h_run(&env, &out, "umask 077 && '%s' -c '%s' archive build", env.baraza,
	    env.conf);
	cr_assert_eq(rc, 0, "archive build: %s", out.err);
	h_out_free(&out);
	snprintf(path, sizeof(path), "%s/index.html", env.archive);
	cr_expect_eq(mode_of(path), 0640, "index.html with mode 0640: %o",
	    mode_of(path));
	cr_expect_eq(mode_of(env.archive), 0750, "archive folder with mode 0640: %o",
	    mode_of(env.archive));

	/* a mode with x bits or without the owner's rw, or no such group */
	h_write_config(&env, "[archive]\nmode = 0755\n");
	rc = h_baraza(&env, &out, "member list");
	cr_expect_eq(rc, 2, "mode = 0755: exit %d, want 2", rc);
	cr_expect(strstr(out.err, "mode") != NULL, "%s", out.err);
	h_out_free(&out);
	h_write_config(&env, "[archive]\ngroup = no-such-group-baraza\n");
	rc = h_baraza(&env, &out, "member list");
	cr_expect_eq(rc, 2, "an unknown group: exit %d, want 2", rc);
	cr_expect(strstr(out.err, "no-such-group-baraza") != NULL, "%s", out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

TestSuite(dbfail, .timeout = 400);

/* count_in - occurrences of s in the file at path */
static int
count_in(const char *path, const char *s)
{
	char *text = h_read_file(path, NULL);
	int n = 0;

	for (const char *p = text; p && (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	free(text);
	return n;
}

/* The database is locked by another process for 45 s (longer than the
 * 10 s busy timeout) while barazad polls every second: the failure is
 * logged once when it starts and once when it ends, the retries back off
 * instead of running every poll_seconds, and their own warnings are not
 * repeated.  Before, each cycle logged "a due job failed" again. */
Test(dbfail, locked_database_backs_off_and_logs_once)
{
	struct h_env env;
	struct daemon_proc d;
	struct log_wait lw;
	pid_t locker;
	int rc, failing, again, jobs;
	char *text;

	h_env_init(&env, "dbfail_lock");
	h_smtp_start(&env);
	h_write_config(&env, "[imap]\nidle = no\npoll_seconds = 1\n");
	unsetenv("BARAZA_NOW");
	run_ok(&env, "init");
	run_ok(&env, "member add bo@example.net --name 'Bo Lindqvist'");
	daemon_start_v(&env, &d, "dbfail", 0);
	lw.d = &d;
	lw.s = "imap: logged in";
	cr_assert(h_wait_until(log_has, &lw, 180000), "barazad did not log in");
	sleep(3);     /* its first cycle's chores */

	locker = fork();
	cr_assert(locker >= 0);
	if (locker == 0) {
		char cmd[H_PATH + 128];

		snprintf(cmd, sizeof(cmd), "(echo 'BEGIN EXCLUSIVE;'; sleep 45; "
		    "echo 'COMMIT;') | sqlite3 '%s'", env.db);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	lw.s = "database: working again";
	rc = h_wait_until(log_has, &lw, 240000);
	waitpid(locker, NULL, 0);
	text = h_read_file(d.log, NULL);
	cr_expect(rc, "barazad never said the database works again:\n%s", text);
	rc = daemon_stop(&d);
	cr_expect_eq(rc, 0, "barazad: exit %d after SIGTERM, want 0", rc);

	failing = count_in(d.log, ": failing (see above)");
	again = count_in(d.log, "database: working again");
	jobs = count_in(d.log, "jobs: a due job failed");
	cr_expect_eq(failing, 1, "'failing' logged %d times, want 1:\n%s", failing, text);
	cr_expect_eq(again, 1, "'working again' logged %d times, want 1:\n%s", again,
	    text);
	cr_expect_leq(jobs, 1, "'a due job failed' logged %d times, want at most 1:\n%s",
	    jobs, text);
	free(text);
	h_env_fini(&env);
}
