/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_ckpt - WAL checkpoints on a thread of their own (store.h)
 *
 * In WAL mode a commit appends the changed pages to the -wal file, and a
 * checkpoint later copies the newest version of each page back into the
 * database file and syncs both (two fdatasyncs).  SQLite's automatic
 * checkpoint runs inside the commit that takes the WAL past 1000 pages, so
 * the committing thread does that copying and waits for the disk: for
 * barazad's 500-message IMAP batches (several MB of WAL each) that is a
 * checkpoint after every batch, a large share of the time a fetch takes
 * (bench/README, "Constants in the code").
 *
 * store_ckpt_start() replaces the automatic checkpoint of a connection with
 * a second connection to the same file, owned by a thread that runs a
 * PASSIVE checkpoint when told to.  A PASSIVE checkpoint takes no lock
 * that writers or readers wait for: the first connection goes on
 * committing while pages are copied.  SQLite calls our WAL hook after
 * every commit with the WAL's length in pages; each time it has grown by
 * kick_pages since the last wake-up, the thread is woken (a wake-up while
 * it works makes it run once more).  When a checkpoint has copied every
 * frame, the next write transaction starts the WAL again from its
 * beginning (and the growth is counted from nothing), so with pauses
 * between commits (IMAP's fetch and move) the file stays near kick_pages
 * long.  A writer that never pauses can outrun
 * the thread: past max_pages the committing thread runs a TRUNCATE
 * checkpoint itself (it waits, within the busy timeout, for one under way,
 * copies the rest and empties the file), as automatic checkpoints would.
 *
 * Durability is unchanged: a commit is complete once it is in the WAL, and
 * a crash in the middle of a checkpoint is recovered by SQLite from the
 * WAL.  Closing the first connection (the last one to the file) still
 * checkpoints what is left, in the closing thread.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "xalloc.h"

struct store_ckpt {
	struct store *own;        /* the thread's connection */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int kick, stop;           /* under mu */
	int kick_pages, max_pages;
	int last;                 /* WAL pages at the last wake-up, 0 once a
	                           * checkpoint caught up (under mu) */
	unsigned long runs;       /* checkpoints run (under mu) */
};

/* ckpt_main - the checkpoint thread: wait to be kicked, run a PASSIVE
 * checkpoint, until stopped */
static void *
ckpt_main(void *arg)
{
	struct store_ckpt *ck = arg;

	pthread_mutex_lock(&ck->mu);
	for (;;) {
		int log = -1, done = -2, rc;

		while (!ck->kick && !ck->stop)
			pthread_cond_wait(&ck->cv, &ck->mu);
		if (ck->stop)
			break;
		ck->kick = 0;
		pthread_mutex_unlock(&ck->mu);
		/* SQLITE_BUSY (another process checkpointing, or a
		 * TRUNCATE from the hook) is harmless: the next wake-up
		 * tries again, and the close checkpoints the rest. */
		rc = sqlite3_wal_checkpoint_v2(ck->own->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		pthread_mutex_lock(&ck->mu);
		ck->runs++;
		/* Caught up: the next write starts the WAL again, and the
		 * hook counts its growth from nothing. */
		if (rc == SQLITE_OK && log == done)
			ck->last = 0;
	}
	pthread_mutex_unlock(&ck->mu);
	return NULL;
}

/* wal_hook - after each commit of the first connection: wake the thread,
 * or checkpoint here when the WAL has grown too long */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_ckpt *ck = arg;
	int full = 0;

	pthread_mutex_lock(&ck->mu);
	if (pages < ck->last)        /* the WAL started again */
		ck->last = 0;
	if (pages >= ck->max_pages) {
		full = 1;
		ck->last = 0;
	} else if (pages - ck->last >= ck->kick_pages) {
		ck->last = pages;
		ck->kick = 1;
		pthread_cond_signal(&ck->cv);
	}
	pthread_mutex_unlock(&ck->mu);
	if (full)
		(void)sqlite3_wal_checkpoint_v2(db, name,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return SQLITE_OK;
}

/* store_ckpt_start - see store.h */
int
store_ckpt_start(struct store *s, int kick_pages, int max_pages)
{
	struct store_ckpt *ck;
	char err[512];

	if (s->ckpt != NULL)
		return 0;
	ck = xcalloc(1, sizeof(*ck));
	ck->kick_pages = kick_pages > 0 ? kick_pages : 1;
	ck->max_pages = max_pages > 0 ? max_pages : INT_MAX;
	if (store_open(s->path, 0, &ck->own, err, sizeof(err)) < 0) {
		log_warnx("%s; checkpoints stay in the committing thread", err);
		free(ck);
		return -1;
	}
	pthread_mutex_init(&ck->mu, NULL);
	pthread_cond_init(&ck->cv, NULL);
	if (pthread_create(&ck->th, NULL, ckpt_main, ck) != 0) {
		log_warnx("database %s: cannot start the checkpoint thread; "
		    "checkpoints stay in the committing thread", s->path);
		pthread_cond_destroy(&ck->cv);
		pthread_mutex_destroy(&ck->mu);
		store_close(&ck->own);
		free(ck);
		return -1;
	}
	s->ckpt = ck;
	sqlite3_wal_hook(s->db, wal_hook, ck);
	return 0;
}

/* store_ckpt_runs - see store.h */
unsigned long
store_ckpt_runs(struct store *s)
{
	unsigned long n;

	if (s->ckpt == NULL)
		return 0;
	pthread_mutex_lock(&s->ckpt->mu);
	n = s->ckpt->runs;
	pthread_mutex_unlock(&s->ckpt->mu);
	return n;
}

/* store_ckpt_stop - see store.h */
void
store_ckpt_stop(struct store *s)
{
	struct store_ckpt *ck = s->ckpt;

	if (ck == NULL)
		return;
	/* back to SQLite's own automatic checkpoints (1000 pages) */
	sqlite3_wal_autocheckpoint(s->db, 1000);
	pthread_mutex_lock(&ck->mu);
	ck->stop = 1;
	pthread_cond_signal(&ck->cv);
	pthread_mutex_unlock(&ck->mu);
	pthread_join(ck->th, NULL);
	log_debug("database %s: %lu checkpoints on the checkpoint thread",
	    s->path, ck->runs);
	pthread_cond_destroy(&ck->cv);
	pthread_mutex_destroy(&ck->mu);
	store_close(&ck->own);
	free(ck);
	s->ckpt = NULL;
}
