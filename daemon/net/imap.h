/* SPDX-License-Identifier: GPL-3.0-or-later */
/* imap - the list's mailbox over IMAP (libetpan), TLS always verified
 *
 * One struct imap is one logged-in connection with the mailbox selected:
 *
 *	imap_open()   connect per [imap] url: imaps:// (implicit TLS), or
 *	              imap:// with starttls = yes (refuse a server without
 *	              STARTTLS) or no (plain text); verify the
 *	              server certificate (tls.h) after every handshake; log in
 *	              (LOGIN, or AUTHENTICATE PLAIN when the server disables
 *	              LOGIN) with the password read from password_file at this
 *	              moment; select the mailbox named by the URL path (INBOX
 *	              when there is none).
 *	imap_plan()   the UIDs above a high-water mark, with their sizes
 *	              (UID FETCH n:* (UID RFC822.SIZE), filtered: a server
 *	              answers that with the last message even when n is above
 *	              it).
 *	imap_fetch_bodies()  one UID FETCH of message bodies (BODY.PEEK[], so
 *	              reading marks nothing \Seen).
 *	imap_mark()   apply imap.after to UIDs whose messages are committed.
 *	imap_sweep()  mark what is at or below the mark and still unmarked.
 *	imap_idle()   wait for the server to announce new mail (IDLE).
 *	imap_close()  log out and free.
 *
 * This module speaks the protocol only: it never parses a message, never
 * touches the database and never decides what a message means.  Its
 * connection (open, TLS, login, select, close, check) is imap_conn.c, its
 * commands on an open connection imap.c.  The fetch
 * cycle that ties the mailbox to ingest and to the high-water mark is the
 * daemon's (fetch.h).
 *
 * imap.after: move:FOLDER (UID MOVE when the server has MOVE, else UID
 * COPY + \Deleted + UID EXPUNGE (plain EXPUNGE without UIDPLUS); the
 * folder is created when missing), flag (\Seen and the keyword $Baraza),
 * or delete (\Deleted + UID EXPUNGE).
 *
 * Size limit.  A message larger than [list] max_message_kb is fetched only
 * up to imap_max_size() bytes (a partial fetch), so the caller still sees
 * that it is over the limit while memory stays bounded.
 *
 * Failures are reported as outcomes (outcome.h): OUTCOME_TEMP (connection
 * refused or lost, timeout, server restart, an unexpected server answer to
 * a command that worked before) or OUTCOME_PERM (authentication failed, TLS
 * verification failed, STARTTLS required but not offered, mailbox missing,
 * bad URL or password file).  What to do about them (reconnect with
 * backoff, or slowly while a person fixes something) is the daemon's.
 * Every network operation has a timeout (IMAP_TIMEOUT seconds).  A signal
 * never cuts a command short (libetpan would take it for a lost
 * connection): the commands hold the calling thread's signals until their
 * answer, and only imap_idle()'s wait for news ends early for one.  The
 * password is never logged nor put in an error message.
 */
#ifndef BARAZA_IMAP_H
#define BARAZA_IMAP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "outcome.h"

#define IMAP_TIMEOUT 30                 /* seconds, every network operation */
#define IMAP_KEYWORD "$Baraza"          /* set by after = flag */

struct imap;
struct imap_batch;

/* One message of a fetch plan: its UID and the size the server announced */
struct imap_uid_size {
	uint32_t uid;
	uint32_t size;
};

/* One fetched message, pointing into its struct imap_batch */
struct imap_fetched {
	uint32_t uid;
	const char *data;     /* the message bytes (CRLF line ends) */
	size_t len;
};

/* imap_open - connect, verify TLS, log in and select.  OUTCOME_OK and *out
 * (owned; imap_close), or OUTCOME_TEMP / OUTCOME_PERM with the reason in err
 * (never the password).  c is borrowed for the call. */
enum outcome imap_open(const struct conf *c, struct imap **out, char *err,
    size_t errlen);

/* imap_close - LOGOUT (best effort), close and free; *imp = NULL */
void imap_close(struct imap **imp);

/* imap_plan - the messages above last (UID and announced size), sorted by
 * UID: *out (owned: free) and *n.  OUTCOME_OK, or OUTCOME_TEMP /
 * OUTCOME_PERM with err (then imap_close() the connection). */
enum outcome imap_plan(struct imap *im, uint32_t last,
    struct imap_uid_size **out, size_t *n, char *err, size_t errlen);

/* imap_fetch_bodies - UID FETCH the n sorted uids (UID BODY.PEEK[]) or,
 * with partial = 1, the first imap_max_size() bytes of each (for messages
 * over the limit).  OUTCOME_OK and *out (owned: imap_batch_free), or
 * OUTCOME_TEMP / OUTCOME_PERM with err.  UIDs expunged meanwhile by another
 * client are simply missing from the result. */
enum outcome imap_fetch_bodies(struct imap *im, const uint32_t *uids,
    size_t n, int partial, struct imap_batch **out, char *err, size_t errlen);
/* imap_batch_messages - the fetched messages sorted by UID (valid until
 * imap_batch_free); *n gets their number */
const struct imap_fetched *imap_batch_messages(const struct imap_batch *b,
    size_t *n);
/* imap_batch_free - *bp = NULL */
void imap_batch_free(struct imap_batch **bp);

/* imap_mark - apply imap.after now to n sorted UIDs whose messages are
 * committed.  OUTCOME_OK, also when the server refused (logged; the next
 * imap_sweep() tries again), or OUTCOME_TEMP with err when the connection
 * was lost (then imap_close() it). */
enum outcome imap_mark(struct imap *im, const uint32_t *uids, size_t n,
    char *err, size_t errlen);

/* imap_sweep - mark the messages at or below last that are still unmarked
 * (left by a crash between commit and marking, or by a refused move);
 * *marked gets their number.  With after = flag on a server that does not
 * keep our keyword nothing tells them apart, and nothing is done.
 * OUTCOME_OK, or OUTCOME_TEMP / OUTCOME_PERM with err. */
enum outcome imap_sweep(struct imap *im, uint32_t last, unsigned *marked,
    char *err, size_t errlen);

/* imap_max_size - bytes fetched of a message at most ([list]
 * max_message_kb KB + 1, so a message cut there is known to be over it) */
size_t imap_max_size(const struct imap *im);
/* imap_after - what imap_mark() does ([imap] after) */
enum imap_after imap_after(const struct imap *im);

/* imap_can_idle - 1 when the server announced IDLE, else 0 */
int imap_can_idle(const struct imap *im);

/* imap_idle - IDLE for at most max_seconds, returning early when the server
 * reports a change (*news = 1), or when stop becomes non-zero (polled
 * every second).  OUTCOME_OK (*news 0 on a timeout or a stop), or
 * OUTCOME_TEMP with err on a lost connection. */
enum outcome imap_idle(struct imap *im, int max_seconds,
    const volatile sig_atomic_t *stop, int *news, char *err, size_t errlen);

/* imap_noop - keep-alive / poll for news; OUTCOME_OK or OUTCOME_TEMP */
enum outcome imap_noop(struct imap *im, char *err, size_t errlen);

/* imap_describe - "USER at HOST:PORT (TLS verified), MAILBOX" into out */
void imap_describe(const struct imap *im, char *out, size_t outlen);
/* imap_exists - the number of messages in the selected mailbox */
uint32_t imap_exists(const struct imap *im);
/* imap_uidvalidity - the selected mailbox's UIDVALIDITY (as the server
 * last announced it) */
uint32_t imap_uidvalidity(const struct imap *im);
/* imap_mailbox - the selected mailbox's name (valid until imap_close) */
const char *imap_mailbox(const struct imap *im);

/* imap_check - connect, verify TLS, log in and select the mailbox, for
 * `baraza check`.  0 and a one-line description in msg ("imap: logged in as
 * USER at HOST:PORT (TLS verified), INBOX has N messages"), or -1 with the
 * reason in msg (never the password). */
int imap_check(const struct conf *c, char *msg, size_t msglen);

#endif
