/* imap - the list's mailbox over IMAP (libetpan), TLS always verified
 *
 * One struct imap is one logged-in connection with the mailbox selected:
 *
 *	imap_open()   connect per [imap] url: imaps:// (implicit TLS), or
 *	              imap:// with starttls = yes (refuse a server without
 *	              STARTTLS), auto (use it when offered) or no; verify the
 *	              server certificate (tls.h) after every handshake; log in
 *	              (LOGIN, or AUTHENTICATE PLAIN when the server disables
 *	              LOGIN) with the password read from password_file at this
 *	              moment; select the mailbox named by the URL path (INBOX
 *	              when there is none).
 *	imap_fetch()  hand every message above the stored high-water UID to a
 *	              callback, in UID order, in batches; then apply imap.after.
 *	imap_idle()   wait for the server to announce new mail (IDLE).
 *	imap_close()  log out and free.
 *
 * Fetch state.  The table imap_state (store_imap.h) keeps, per mailbox, the
 * UIDVALIDITY and the highest UID whose message was processed.  imap_fetch()
 * asks for the UIDs above it (UID FETCH n:* (UID RFC822.SIZE), filtered:
 * a server answers that with the last message even when n is above it),
 * fetches them in batches of at most IMAP_BATCH_MESSAGES messages and
 * IMAP_BATCH_BYTES bytes (BODY.PEEK[], so reading marks nothing \Seen),
 * and runs each batch in ONE database transaction: store_begin, then for
 * each message the callback (which works inside that transaction, e.g.
 * ingest with in_transaction = INGEST_SAVEPOINT) and the raising of the
 * high-water mark, then store_commit.  A message's effects and the mark
 * therefore commit together: a crash loses nothing and re-fetches only
 * uncommitted messages (which ingest's Message-ID dedupe would make
 * harmless anyway).  When the mailbox's UIDVALIDITY differs from the stored
 * one the mark is reset to 0 and the mailbox rescanned (logged).
 *
 * imap.after.  Only committed messages are marked, after the commit, with
 * one command per batch: move:FOLDER (UID MOVE when the server has MOVE, else
 * UID COPY + \Deleted + UID EXPUNGE (plain EXPUNGE without UIDPLUS); the
 * folder is created when missing), flag (\Seen and the keyword $Baraza), or
 * delete (\Deleted + UID EXPUNGE).  At the start of every imap_fetch() the
 * messages at or below the mark that are still unmarked (left by a crash
 * between commit and marking, or by a failed move) are marked again.
 * When a cycle has more than one batch, the marking is done by a thread on
 * a second connection (imap_mover.h), so that batch k is moved while batch
 * k + 1 is fetched and stored; imap_fetch() waits for it before returning
 * (and marks on its own connection what the second one could not), so
 * every cycle ends with its committed messages marked, as before.
 *
 * Size limit.  A message larger than [list] max_message_kb is fetched only
 * up to max_message_kb KB + 1 byte (a partial fetch), so the callback still
 * sees that it is over the limit while the daemon's memory stays bounded.
 *
 * Failures are classed: IMAP_TEMP (connection refused or lost, timeout,
 * server restart, an unexpected server answer to a command that worked
 * before: reconnect with backoff) or IMAP_PERM (authentication failed, TLS
 * verification failed, STARTTLS required but not offered, mailbox missing,
 * bad URL or password file: needs a human; retry slowly).  Every network
 * operation has a timeout (IMAP_TIMEOUT seconds).  The password is never
 * logged nor put in an error message.
 */
#ifndef BARAZA_IMAP_H
#define BARAZA_IMAP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

enum imap_status {
	IMAP_OK = 0,
	IMAP_TEMP = -1,       /* retry soon, with backoff */
	IMAP_PERM = -2        /* retry slowly; a human must fix something */
};

#define IMAP_TIMEOUT 30                 /* seconds, every network operation */
#define IMAP_BATCH_MESSAGES 500         /* messages per UID FETCH */
#define IMAP_BATCH_BYTES (16u << 20)    /* bytes per UID FETCH (sum of sizes) */
#define IMAP_KEYWORD "$Baraza"          /* set by after = flag */

struct imap;
struct ingest_prepared;

/* One fetched message, as handed to the callback.  Every pointer is
 * borrowed for the duration of the call only. */
struct imap_msg {
	const char *raw;      /* the message bytes (CRLF line ends) */
	size_t len;
	size_t full_size;     /* the server's RFC822.SIZE when raw holds only
	                       * the first len bytes (an oversized message cut
	                       * at max_message_kb KB + 1 byte), else 0 */
	uint32_t uid;
	const char *origin;   /* "imap:MAILBOX:UIDVALIDITY:UID" */
	int batch;            /* 1: no savepoint is needed (see below) */
	/* after imap_set_prepare(): ingest's first stage of raw, done on a
	 * second thread while earlier messages were stored (hand it to
	 * ingest_store_prepared(), which then does what ingest_message_opts()
	 * does with raw); NULL otherwise */
	struct ingest_prepared *prepared;
};

/* imap_message_fn - called once per fetched message, in UID order, inside
 * the batch's transaction (it must not begin or commit one of its own; a
 * savepoint is fine).  Return 0 when the message's effects are done (or it
 * was a duplicate): they commit with the batch and the message is then
 * marked per imap.after.  Return -1 for a temporary failure, after undoing
 * the message's own work (roll back to its savepoint): the batch stops,
 * the messages before it commit, and it stays unmarked and is fetched
 * again on the next imap_fetch().
 *
 * Batch mode.  A savepoint per message costs about a tenth of the work
 * of storing a small one, so a batch is first offered with m->batch = 1:
 * the callback may then work in the batch's transaction directly (ingest's
 * INGEST_BATCH).  When a message fails in that mode the callback returns
 * IMAP_MSG_REDO instead of -1: the transaction may hold part of it, so the
 * whole batch is rolled back and its messages are handed again, in order,
 * with m->batch = 0 (the savepoint rules above).  A callback that ignores
 * m->batch and never returns IMAP_MSG_REDO keeps working as before. */
#define IMAP_MSG_REDO (-2)
typedef int (*imap_message_fn)(void *arg, const struct imap_msg *m);

struct imap_fetch_stats {
	unsigned batches;     /* UID FETCH commands for message bodies */
	unsigned fetched;     /* messages handed to the callback */
	unsigned done;        /* callbacks that returned 0 */
	unsigned deferred;    /* 1 when a callback returned -1 (batch stopped) */
	unsigned marked;      /* messages marked per imap.after (incl. leftovers) */
	int rescanned;        /* UIDVALIDITY changed: the mark was reset */
};

/* imap_open - connect, verify TLS, log in and select.  IMAP_OK and *out
 * (owned; imap_close), or IMAP_TEMP / IMAP_PERM with the reason in err
 * (never the password).  c is borrowed and must outlive the connection:
 * imap_fetch() opens a second connection with it for the marking when a
 * cycle has more than one batch (imap_mover.h). */
int imap_open(const struct conf *c, struct imap **out, char *err,
    size_t errlen);

/* imap_close - LOGOUT (best effort), close and free; *imp = NULL */
void imap_close(struct imap **imp);

/* imap_fetch - process every new message once (see the top of this file).
 * stop (may be NULL) is polled between messages: when it becomes non-zero
 * the current message is finished, the batch marked, and IMAP_OK returned.
 * st (may be NULL) gets the figures.  IMAP_OK (also when a callback
 * deferred: st->deferred says so), or IMAP_TEMP / IMAP_PERM with err;
 * after a failure the connection is unusable: imap_close() it. */
int imap_fetch(struct imap *im, struct store *s, imap_message_fn fn,
    void *arg, const volatile sig_atomic_t *stop, struct imap_fetch_stats *st,
    char *err, size_t errlen);

/* imap_mark - apply imap.after now to n sorted UIDs whose messages are
 * committed (the mover's marking; imap_fetch does it itself otherwise).
 * IMAP_OK, also when the server refused (logged; the leftover sweep of the
 * next imap_fetch() tries again), or IMAP_TEMP with err when the
 * connection was lost (then imap_close() it). */
int imap_mark(struct imap *im, const uint32_t *uids, size_t n, char *err,
    size_t errlen);

/* imap_set_batch - messages per UID FETCH for this connection (1 ..
 * IMAP_BATCH_MESSAGES; other values restore the default).  For tests and
 * benchmarks. */
void imap_set_batch(struct imap *im, unsigned messages);

/* imap_set_prepare - from now on prepare every fetched batch's messages
 * for ingest (ingest_prepare with c, borrowed: it must outlive the
 * connection or the next call) on a second thread, ahead of the callback,
 * and hand them over in imap_msg.prepared; c NULL stops it. */
void imap_set_prepare(struct imap *im, const struct conf *c);

/* imap_can_idle - 1 when the server announced IDLE, else 0 */
int imap_can_idle(const struct imap *im);

/* imap_idle - IDLE for at most max_seconds, returning early when the server
 * reports a change (1), or when stop becomes non-zero (0; polled every
 * second).  0 on timeout, 1 on news, IMAP_TEMP with err on a lost
 * connection. */
int imap_idle(struct imap *im, int max_seconds,
    const volatile sig_atomic_t *stop, char *err, size_t errlen);

/* imap_noop - keep-alive / poll for news; IMAP_OK or IMAP_TEMP */
int imap_noop(struct imap *im, char *err, size_t errlen);

/* imap_describe - "USER at HOST:PORT (TLS verified), MAILBOX" into out */
void imap_describe(const struct imap *im, char *out, size_t outlen);
/* imap_exists - the number of messages in the selected mailbox */
uint32_t imap_exists(const struct imap *im);
/* imap_uidvalidity - the selected mailbox's UIDVALIDITY (as of SELECT) */
uint32_t imap_uidvalidity(const struct imap *im);
/* imap_mailbox - the selected mailbox's name (valid until imap_close) */
const char *imap_mailbox(const struct imap *im);

/* imap_check - connect, verify TLS, log in and select the mailbox, for
 * `baraza check`.  0 and a one-line description in msg ("imap: logged in as
 * USER at HOST:PORT (TLS verified), INBOX has N messages"), or -1 with the
 * reason in msg (never the password). */
int imap_check(const struct conf *c, char *msg, size_t msglen);

#endif
