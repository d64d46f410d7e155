/* SPDX-License-Identifier: GPL-3.0-or-later */
/* barazad - the daemon: fetch, process, deliver, run due jobs, forever
 *
 * usage: barazad [-c FILE] [--once] [--foreground] [--pidfile FILE] [-v]
 *
 * One cycle is: fetch every new message from the list's IMAP mailbox and
 * take each in through ingest (fetch.h: committed in batches, then marked
 * per imap.after), then the due jobs run (sessions, kits, digests:
 * jobs_run_due), then deliver_run() delivers the outbox (posts and whatever
 * the jobs queued), then the archive pages that changed are rewritten
 * (refresh_archive: archive.h).  --once runs one cycle and exits.
 *
 * The loop.  After a cycle the daemon waits for news: with IMAP IDLE when
 * the server has it and [imap] idle = yes (Dovecot announces a new message
 * about 0.5 s after it arrives, so it is processed well within 2 s), else by
 * sleeping.  It wakes at least every poll_seconds (and re-issues IDLE at
 * most every IDLE_MAX_SECONDS, below the 30 minutes servers allow) to run
 * the outbox and the jobs even when no mail comes.
 *
 * Failures.  IMAP failures come as outcomes (outcome.h): a TEMP one
 * (connection refused or lost, server restart), or an INTERNAL one (the
 * database could not keep the high-water mark), is retried after 1 s,
 * doubling up to 5 minutes; a PERM one (bad password, certificate not
 * trusted, mailbox missing) is logged as such and retried every 5
 * minutes.  Meanwhile the outbox and jobs keep running every poll_seconds,
 * unless the database fails: then they are retried after 5 s, doubling up
 * to 5 minutes, and the failure is logged once when it starts and once
 * when it ends (db_state).
 * A message whose ingest fails temporarily stays in the mailbox and is
 * retried next cycle.
 *
 * Signals.  SIGTERM and SIGINT finish the current message and exit 0; the
 * IDLE wait and the sleeps look at the flag at least once a second.  SIGHUP
 * re-reads the configuration: with errors it logs them and keeps the old
 * one; else it switches (reopening the database if its path changed) and
 * reconnects to IMAP.
 *
 * barazad never forks and never detaches: it is meant to run under a
 * service manager (systemd Type=simple).  --foreground only chooses stderr
 * for the log instead of syslog; --once also logs to stderr, for cron and
 * for people.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "classify.h"
#include "clock.h"
#include "conf.h"
#include "archive.h"
#include "fetch.h"
#include "imap.h"
#include "jobs.h"
#include "lockfile.h"
#include "log.h"
#include "deliver.h"
#include "store.h"
#include "store_health.h"
#include "store_programme.h"
#include "xalloc.h"

#define IDLE_MAX_SECONDS (25 * 60)
#define BACKOFF_MAX_SECONDS (5 * 60)
#define PERM_RETRY_SECONDS (5 * 60)
#define DB_BACKOFF_FIRST 5              /* seconds: database retries */
#define DB_BACKOFF_MAX (5 * 60)
#define BARAZAD_CACHE_KB 16384          /* SQLite page cache, KB */
/* WAL checkpoints on their own thread (store_ckpt_start): woken after
 * every BARAZAD_CKPT_PAGES pages of WAL (4 MB, SQLite's own automatic
 * interval: shorter and longer ones did no better, and a much longer one
 * leaves more to the final checkpoint at close), done by the committing
 * thread past BARAZAD_WAL_MAX_PAGES */
#define BARAZAD_CKPT_PAGES 1024
#define BARAZAD_WAL_MAX_PAGES 65536

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_hup;
static volatile sig_atomic_t got_signal;   /* any of them: ends a wait */

struct daemon {
	const char *conf_path;
	struct conf *conf;            /* owned */
	struct store *store;          /* owned */
	struct imap *imap;            /* owned; NULL while disconnected */
	struct classifier *classifier; /* owned; made once per configuration */
	int lock_fd;                  /* DATABASE.lock, held while we run */
	int once;
	time_t imap_retry_at;         /* do not reconnect before this */
	int backoff;                  /* seconds of the next TEMP retry wait */
	time_t next_chores;           /* relay + jobs due at */
	int db_backoff;               /* seconds of the next database retry */
	unsigned db_failures;         /* cycles failed in a row (database) */
	time_t db_failing_since;
	unsigned ingested;            /* messages committed in this cycle */
	struct fetch_pending *pending; /* owned: marking still under way */
	struct fetch_stats fst;       /* the last fetch's figures */
	int fetch_unsettled;          /* fetch_settle() has not run for it */
};

/* on_signal - only set flags: the loop does the work */
static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
	got_signal = 1;
}

/* setup_signals - TERM/INT stop, HUP reloads, PIPE ignored (a peer that
 * closes a TLS connection must not kill us) */
static void
setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* usage - the synopsis, to fp */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: barazad [-c FILE] [--once] [--foreground] [--pidfile FILE] [-v]\n"
	    "       barazad --version | --help\n"
	    "\n"
	    "The baraza daemon: fetches the list's mail over IMAP, processes it,\n"
	    "delivers the outbox and runs due jobs, forever.\n"
	    "\n"
	    "  -c FILE          configuration (default: $BARAZA_CONF or %s)\n"
	    "  --once           run one full cycle, then exit (0, or 1 when a\n"
	    "                   server could not be reached or a message could\n"
	    "                   not be processed)\n"
	    "  --foreground     log to stderr instead of syslog (barazad never\n"
	    "                   forks; run it under a service manager)\n"
	    "  --pidfile FILE   write the process id to FILE, remove it on exit\n"
	    "  -v               more log detail (debug)\n"
	    "\n"
	    "Signals: TERM/INT finish the current message and exit; HUP re-reads\n"
	    "the configuration (a bad one is reported and the old one kept).\n",
	    conf_default_path());
}

/* sleep_until - sleep until t or a signal flag, in steps of at most 1 s */
static void
sleep_until(time_t t)
{
	while (!got_stop && !got_hup) {
		time_t now = time(NULL);
		struct timespec ts = { 1, 0 };

		if (now >= t)
			return;
		if (t - now < 1)
			ts.tv_sec = t - now;
		nanosleep(&ts, NULL);
	}
}

/* ---- pid file --------------------------------------------------------- */

/* pidfile_write - refuse when another live barazad holds it */
static int
pidfile_write(const char *path)
{
	char buf[32];
	FILE *fp;
	long old;
	int fd, n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			old = strtol(buf, NULL, 10);
			if (old > 0 && old != (long)getpid() &&
			    kill((pid_t)old, 0) == 0) {
				log_warnx("pid file %s: barazad already runs as "
				    "process %ld", path, old);
				return -1;
			}
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("pid file %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0) {
		log_warn("pid file %s", path);
		return -1;
	}
	return 0;
}

/* ---- configuration and database ---------------------------------------- */

/* load_conf - parse path; NULL with every problem logged (or printed) */
static struct conf *
load_conf(const char *path, int to_stderr)
{
	struct buf errs;
	struct conf *c;

	buf_init(&errs, 1 << 20);
	c = conf_load(path, &errs);
	if (c == NULL) {
		if (to_stderr) {
			fputs(errs.data, stderr);
			if (errs.len > 0 && errs.data[errs.len - 1] != '\n')
				fputc('\n', stderr);
		} else {
			char *line, *save = NULL;

			for (line = strtok_r(errs.data, "\n", &save); line;
			    line = strtok_r(NULL, "\n", &save))
				log_warnx("%s", line);
		}
	}
	buf_release(&errs);
	return c;
}

/* lock_database - take DATABASE.lock (lockfile.h) for the database of c:
 * one barazad per database (SPEC §2).  The name is that of the database
 * with its symbolic links resolved when it exists, so that two paths to
 * one file share one lock.  The descriptor (>= 0), or -1 with the reason
 * logged: another barazad (named by its pid) or a file we cannot use. */
static int
lock_database(const struct conf *c)
{
	char real[PATH_MAX], *path;
	long holder = 0;
	int fd;

	path = xasprintf("%s.lock", realpath(c->list.database, real) != NULL ?
	    real : c->list.database);
	fd = lockfile_acquire(path, &holder);
	if (fd == -2) {
		if (holder > 0)
			log_warnx("another barazad (pid %ld) runs on the database "
			    "%s (lock %s): this one does nothing", holder,
			    c->list.database, path);
		else
			log_warnx("another barazad runs on the database %s (lock "
			    "%s): this one does nothing", c->list.database, path);
	} else if (fd < 0) {
		log_warn("cannot lock the database: %s", path);
	}
	free(path);
	return fd < 0 ? -1 : fd;
}

/* open_store - open (create) and migrate the database */
static int
open_store(const struct conf *c, struct store **out)
{
	char err[512];

	if (store_open(c->list.database, 1, out, err, sizeof(err)) < 0 ||
	    store_migrate(*out, err, sizeof(err)) < 0) {
		store_close(out);
		return log_error("%s", err);
	}
	/* A bigger page cache than SQLite's default 2 MB, as import-mbox
	 * uses: ingest looks up the messages, containers and posts indexes
	 * at random, and with 2 MB a large --once reads the same pages back
	 * from the file over and over (most of its system time). */
	(void)store_set_cache(*out, BARAZAD_CACHE_KB);
	/* A checkpoint copies the batches' pages into the database and
	 * syncs it: on the main thread, the fetch would wait for the disk. */
	(void)store_ckpt_start(*out, BARAZAD_CKPT_PAGES, BARAZAD_WAL_MAX_PAGES);
	return 0;
}

/* sync_programme - themes and sessions from the configuration into the
 * database (as `baraza init` does), so a changed [theme] takes effect
 * without a separate command; a failure is logged and the old programme
 * stays */
static void
sync_programme(struct daemon *d)
{
	struct programme_sync r;

	memset(&r, 0, sizeof(r));
	if (store_programme_sync(d->store, d->conf, &r) < 0) {
		log_warnx("could not sync themes and sessions from %s",
		    d->conf_path);
		return;
	}
	if (r.themes_added || r.themes_updated || r.themes_retired ||
	    r.sessions_added || r.sessions_updated || r.sessions_removed)
		log_info("programme: themes +%d ~%d -%d, sessions +%d ~%d -%d",
		    r.themes_added, r.themes_updated, r.themes_retired,
		    r.sessions_added, r.sessions_updated, r.sessions_removed);
}

/* reload - SIGHUP: switch to the new configuration when it is valid */
static void
reload(struct daemon *d)
{
	struct conf *nc;
	struct store *ns = NULL;

	log_info("SIGHUP: re-reading %s", d->conf_path);
	nc = load_conf(d->conf_path, 0);
	if (nc == NULL) {
		log_warnx("configuration %s has errors: keeping the running one",
		    d->conf_path);
		return;
	}
	if (strcmp(nc->list.database, d->conf->list.database) != 0) {
		int nfd = lock_database(nc);

		if (nfd < 0 || open_store(nc, &ns) < 0) {
			log_warnx("new database cannot be %s: keeping the "
			    "running configuration", nfd < 0 ? "locked" : "opened");
			lockfile_release(&nfd);
			conf_free(&nc);
			return;
		}
		store_close(&d->store);
		d->store = ns;
		lockfile_release(&d->lock_fd);
		d->lock_fd = nfd;
	}
	classify_free(&d->classifier);
	conf_free(&d->conf);
	d->conf = nc;
	d->classifier = classify_new(d->conf);
	sync_programme(d);
	/* reconnect with the new [imap] settings */
	imap_close(&d->imap);
	d->imap_retry_at = 0;
	d->backoff = 0;
	d->next_chores = 0;
	log_info("configuration reloaded");
}

/* ---- the steps of a cycle --------------------------------------------- */

/* imap_failed - log a failure and schedule the reconnection: the one
 * place that decides what a fetch outcome (outcome.h) means.  PERM waits
 * PERM_RETRY_SECONDS for a person to fix something; TEMP, and INTERNAL
 * (the database), back off from 1 s. */
static void
imap_failed(struct daemon *d, enum outcome rc, const char *err)
{
	time_t now = time(NULL);

	imap_close(&d->imap);
	if (got_stop || got_hup) {
		/* a signal cut a network wait short: not the server's fault */
		log_info("imap: %s (interrupted by a signal)", err);
		d->imap_retry_at = now;
		return;
	}
	if (d->once) {
		log_warnx("imap: %s", err);
		return;
	}
	if (rc == OUTCOME_PERM) {
		log_warnx("imap: %s (permanent: fix the configuration or the "
		    "server; retrying in %d s)", err, PERM_RETRY_SECONDS);
		d->imap_retry_at = now + PERM_RETRY_SECONDS;
		d->backoff = 0;
		return;
	}
	d->backoff = d->backoff == 0 ? 1 : d->backoff * 2;
	if (d->backoff > BACKOFF_MAX_SECONDS)
		d->backoff = BACKOFF_MAX_SECONDS;
	log_warnx("imap: %s (retrying in %d s)", err, d->backoff);
	d->imap_retry_at = now + d->backoff;
}

/* fetch_report - the figures of the last fetch, once its marking is over */
static void
fetch_report(const struct daemon *d)
{
	const struct fetch_stats *st = &d->fst;

	if (st->fetched > 0 || st->marked > 0)
		log_info("imap: %s: %u fetched, %u processed, %u marked%s",
		    d->imap != NULL ? imap_mailbox(d->imap) : d->conf->imap.mailbox,
		    st->fetched, st->done, st->marked,
		    st->deferred ? ", stopped at a temporary failure" : "");
}

/* fetch_settle - the end of the last fetch: wait for the marking it left
 * under way while the jobs ran (fetch_finish), then log its figures.  A
 * connection lost meanwhile is a failed fetch (the messages are
 * committed: the next cycle's sweep marks them). */
static void
fetch_settle(struct daemon *d)
{
	char err[1024];
	enum outcome rc;

	if (!d->fetch_unsettled)
		return;
	d->fetch_unsettled = 0;
	rc = fetch_finish(&d->pending, d->imap, &d->fst, err, sizeof(err));
	fetch_report(d);
	if (rc != OUTCOME_OK)
		imap_failed(d, rc, err);
}

/* fetch_step - connect when needed and process every new message.
 * 0 when done (also when a message was deferred: *deferred says so),
 * -1 when the server could not be reached or refused us. */
static int
fetch_step(struct daemon *d, int *deferred)
{
	struct fetch_options fo = { 0 };
	struct fetch_stats st;
	char err[1024], desc[512];
	enum outcome rc;

	*deferred = 0;
	if (d->imap == NULL) {
		if (!d->once && time(NULL) < d->imap_retry_at)
			return -1;
		rc = imap_open(d->conf, &d->imap, err, sizeof(err));
		if (rc != OUTCOME_OK) {
			imap_failed(d, rc, err);
			return -1;
		}
		imap_describe(d->imap, desc, sizeof(desc));
		log_info("imap: logged in as %s (%u messages)", desc,
		    (unsigned)imap_exists(d->imap));
		d->backoff = 0;
	}
	/* the messages of a batch are parsed on a second thread while
	 * earlier ones are stored */
	fo.prepare_threaded = 1;
	fo.cl = d->classifier;
	/* the mover's last rounds go on while the jobs run (fetch_settle) */
	fo.pending = &d->pending;
	rc = fetch_run(d->imap, d->store, d->conf, &fo, &got_stop, &st, err,
	    sizeof(err));
	d->ingested += st.done;
	d->fst = st;
	if (rc != OUTCOME_OK) {
		fetch_report(d);
		imap_failed(d, rc, err);
		return -1;
	}
	d->fetch_unsettled = 1;
	*deferred = st.deferred != 0;
	if (!st.deferred)   /* for `baraza check` (store_health.h) */
		(void)store_health_fetched(d->store, clock_now());
	return 0;
}

/* run_due_jobs - session open/close, summary kits, digests (jobs.h) */
static int
run_due_jobs(struct daemon *d)
{
	int n = jobs_run_due(d->store, d->conf, clock_now());

	if (n < 0)
		return log_error("jobs: a due job failed; it runs again next "
		    "cycle");
	if (n > 0)
		log_info("jobs: %d due job%s run", n, n == 1 ? "" : "s");
	return 0;
}

/* refresh_archive - rewrite the archive pages that changed (archive.h);
 * a failure is logged (the pages by name) and never stops the daemon */
static int
refresh_archive(struct daemon *d)
{
	int n = archive_update(d->store, d->conf);

	if (n < 0) {
		/* Mail matters more than pages: log, carry on; what could not
		 * be written is tried again next cycle. */
		log_warnx("archive: update of %s incomplete (see above)",
		    d->conf->archive.dir);
		return 0;
	}
	if (n > 0)
		log_debug("archive: %d files written", n);
	return 0;
}

/* db_works - a small write (the time of this probe in meta): 1 when the
 * database takes it, 0 when it does not (full, locked past busy_timeout,
 * gone).  It tells a database failure from an SMTP one after a delivery
 * run failed. */
static int
db_works(struct daemon *d)
{
	char stamp[32];

	snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
	return store_meta_set(d->store, "daemon_probe", stamp) == 0;
}

/* db_state - after a cycle's chores: the database worked (ok) or failed.
 * A failure is retried with backoff (DB_BACKOFF_FIRST seconds, doubling,
 * at most DB_BACKOFF_MAX), not every poll_seconds, and said once when it
 * starts and once when it ends; the retries in between log their own
 * warnings at debug level only (log_quiet). */
static void
db_state(struct daemon *d, int ok)
{
	time_t now = time(NULL);

	if (ok) {
		if (d->db_failures > 0)
			log_info("database: working again after %u failed cycle%s "
			    "(%ld s)", d->db_failures, d->db_failures == 1 ? "" : "s",
			    (long)(now - d->db_failing_since));
		d->db_failures = 0;
		d->db_backoff = 0;
		log_quiet(0);
		return;
	}
	d->db_backoff = d->db_backoff == 0 ? DB_BACKOFF_FIRST : d->db_backoff * 2;
	if (d->db_backoff > DB_BACKOFF_MAX)
		d->db_backoff = DB_BACKOFF_MAX;
	if (d->db_failures++ == 0) {
		d->db_failing_since = now;
		log_warnx("database %s: failing (see above); retrying after %d s, "
		    "doubling up to %d s; the next line about it says when it "
		    "works again", d->conf->list.database, d->db_backoff,
		    DB_BACKOFF_MAX);
	} else {
		log_debug("database: still failing; next try in %d s", d->db_backoff);
	}
	log_quiet(1);      /* the retries' own warnings: debug only */
	d->next_chores = now + d->db_backoff;
}

/* chores - run due jobs, deliver the outbox, refresh the archive; -1
 * when a step failed.  The jobs run before the delivery so that what they
 * queue (announcements, kits, digests) goes out in the same cycle.  When
 * a step failed because the database did (db_works), the rest waits for
 * the database to work again. */
static int
chores(struct daemon *d)
{
	int remaining = 0, rc = 0;

	d->next_chores = time(NULL) + d->conf->imap.poll_seconds;
	if (run_due_jobs(d) < 0) {
		if (!db_works(d)) {
			db_state(d, 0);
			return -1;
		}
		rc = -1;
	}
	if (!got_stop &&
	    deliver_run_until(d->store, d->conf, &remaining, &got_stop) < 0) {
		if (!db_works(d)) {
			db_state(d, 0);
			return -1;
		}
		log_warnx("relay: delivery run stopped (the SMTP server, see above); "
		    "%d deliveries stay queued", remaining);
		rc = -1;
	}
	db_state(d, 1);
	if (!got_stop && refresh_archive(d) < 0)
		rc = -1;
	return rc;
}

/* run_once - --once: one full cycle; the exit status */
static int
run_once(struct daemon *d)
{
	int deferred = 0, status = 0;

	if (fetch_step(d, &deferred) < 0)
		status = 1;
	else if (deferred)
		status = 1;
	if (!got_stop && chores(d) < 0)
		status = 1;
	fetch_settle(d);
	imap_close(&d->imap);
	return status;
}

/* wait_for_news - IDLE (or sleep) until mail arrives, chores are due, a
 * reconnection is due, or a signal comes */
static void
wait_for_news(struct daemon *d)
{
	time_t now = time(NULL), until = d->next_chores;
	char err[512];
	enum outcome rc;
	int news;

	if (d->imap == NULL) {
		if (d->imap_retry_at < until)
			until = d->imap_retry_at;
		log_debug("sleeping %ld s", (long)(until - now));
		sleep_until(until);
		return;
	}
	if (d->conf->imap.idle && imap_can_idle(d->imap)) {
		long secs = (long)(until - now);

		if (secs > IDLE_MAX_SECONDS)
			secs = IDLE_MAX_SECONDS;
		if (secs < 1)
			secs = 1;
		log_debug("imap: idling (at most %ld s)", secs);
		rc = imap_idle(d->imap, (int)secs, &got_signal, &news, err,
		    sizeof(err));
		if (rc != OUTCOME_OK)
			imap_failed(d, rc, err);
		return;
	}
	log_debug("polling again in %ld s", (long)(until - now));
	sleep_until(until);
	if (!got_stop && d->imap != NULL &&
	    imap_noop(d->imap, err, sizeof(err)) != OUTCOME_OK)
		imap_failed(d, OUTCOME_TEMP, err);
}

/* run_loop - the daemon proper */
static int
run_loop(struct daemon *d)
{
	int deferred;

	log_info("barazad %s started (pid %ld)", PACKAGE_VERSION,
	    (long)getpid());
	(void)store_health_daemon(d->store, (long)getpid(), clock_now());
	while (!got_stop) {
		got_signal = 0;     /* a later signal ends the next wait */
		if (got_hup) {
			got_hup = 0;
			reload(d);
		}
		d->ingested = 0;
		(void)fetch_step(d, &deferred);
		if (got_stop)
			break;
		/* new posts go out at once; otherwise every poll_seconds */
		if (d->ingested > 0 || time(NULL) >= d->next_chores)
			(void)chores(d);
		fetch_settle(d);
		if (got_stop || got_hup)
			continue;
		wait_for_news(d);
	}
	fetch_settle(d);
	imap_close(&d->imap);
	log_info("barazad stopping");
	return 0;
}

/* main - options, configuration, database, then the loop (or --once) */
int
main(int argc, char **argv)
{
	struct daemon d;
	const char *pidfile = NULL;
	int foreground = 0, verbose = 0, status, i;
	char err[256];

	memset(&d, 0, sizeof(d));
	d.lock_fd = -1;
	d.conf_path = conf_default_path();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 && i + 1 < argc)
			d.conf_path = argv[++i];
		else if (strncmp(a, "--config=", 9) == 0)
			d.conf_path = a + 9;
		else if (strcmp(a, "--once") == 0)
			d.once = 1;
		else if (strcmp(a, "--foreground") == 0 || strcmp(a, "-f") == 0)
			foreground = 1;
		else if (strcmp(a, "--pidfile") == 0 && i + 1 < argc)
			pidfile = argv[++i];
		else if (strncmp(a, "--pidfile=", 10) == 0)
			pidfile = a + 10;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			verbose++;
		else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("barazad %s\n%s\n", PACKAGE_VERSION, BARAZA_LICENSE_NOTICE);
			return 0;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "barazad: unknown option or missing "
			    "argument: '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	log_init("barazad", !(foreground || d.once),
	    verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if (clock_check_env(err, sizeof(err)) < 0) {
		fprintf(stderr, "barazad: %s\n", err);
		return 2;
	}
	d.conf = load_conf(d.conf_path, 1);
	if (d.conf == NULL)
		return 2;
	/* before the database is touched: a second barazad must not even
	 * migrate it under the running one */
	if ((d.lock_fd = lock_database(d.conf)) < 0 ||
	    open_store(d.conf, &d.store) < 0) {
		lockfile_release(&d.lock_fd);
		conf_free(&d.conf);
		return 1;
	}
	if (pidfile != NULL && pidfile_write(pidfile) < 0) {
		store_close(&d.store);
		lockfile_release(&d.lock_fd);
		conf_free(&d.conf);
		return 1;
	}
	d.classifier = classify_new(d.conf);
	sync_programme(&d);
	setup_signals();
	if (d.once)
		status = run_once(&d);
	else
		status = run_loop(&d);
	if (pidfile != NULL)
		unlink(pidfile);
	classify_free(&d.classifier);
	store_close(&d.store);
	lockfile_release(&d.lock_fd);
	conf_free(&d.conf);
	return status;
}
