/* SPDX-License-Identifier: GPL-3.0-or-later */
/* imap_mover - imap.after applied on a second connection, by a thread
 *
 * fetch_run() (fetch.h) marks a batch (UID MOVE, or COPY + \Deleted + EXPUNGE, or
 * the flag, per imap.after) only after its transaction commits, and
 * libetpan's commands are synchronous: on the one connection barazad
 * would wait for the server's answer (tens of milliseconds per batch of
 * 500, with the server's CPU) before fetching the next batch.  A mover
 * does the marking on a connection of its own, opened with imap_open()
 * when the first batch is handed over, so batch k is moved while batch
 * k + 1 is fetched and stored on the main connection.
 *
 *	imap_mover_start()   the thread; it logs in when work arrives
 *	imap_mover_push()    hand over committed UIDs (copied); the thread
 *	                     marks everything queued so far with one
 *	                     command set per round, once a group of them
 *	                     is queued (or the caller finishes)
 *	imap_mover_flush()   say that nothing more comes: the last round
 *	                     starts at once, while the caller does other work
 *	imap_mover_finish()  wait until everything handed over is marked,
 *	                     log out, join; the UIDs it could not mark
 *	                     (no login, lost connection, another
 *	                     UIDVALIDITY) come back to the caller, which
 *	                     marks them on its own connection
 *
 * A refusal (NO) of a mark is logged by imap_mark() and not retried here:
 * the leftover sweep of the next fetch cycle tries again, as when the
 * main connection marks.  After a login failure or a lost connection the
 * mover takes nothing more (imap_mover_push returns -1): the caller marks
 * later batches itself.  Crash safety is the caller's: it hands over only
 * committed UIDs, and an unmarked committed message is found again by
 * the sweep.
 */
#ifndef BARAZA_IMAP_MOVER_H
#define BARAZA_IMAP_MOVER_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct imap_mover;

/* A round waits for a group of UIDs: fetch_run() asks for
 * IMAP_MOVER_GROUP_BATCHES batches' worth.  Every UID MOVE (or EXPUNGE)
 * makes a Maildir server rewrite both mailboxes' UID lists and the main
 * connection resync its directory, whatever the number of messages, so a
 * round per batch costs the server more than one per two; but the last
 * round waits for the end of the cycle, and a larger group leaves too much
 * marking for then (bench/README, "Constants in the code").  A crash
 * leaves at most a group more of committed messages unmarked, found again
 * by the next cycle's sweep. */
#define IMAP_MOVER_GROUP_BATCHES 2

/* imap_mover_start - a mover for the mailbox and imap.after of c
 * (borrowed: it must outlive the mover), whose UIDs belong to UIDVALIDITY
 * uidvalidity: when its own SELECT sees another one (the mailbox was
 * recreated meanwhile), the UIDs name other messages and it marks
 * nothing.  A round starts once group UIDs (at least 1) are queued, or at
 * imap_mover_finish().  Never NULL (fatal when a thread cannot be made). */
struct imap_mover *imap_mover_start(const struct conf *c,
    uint32_t uidvalidity, size_t group);

/* imap_mover_push - queue n sorted UIDs, each above every UID queued
 * before (copied).  0, or -1 when the mover has failed or was flushed and
 * takes no more work: the caller marks them itself. */
int imap_mover_push(struct imap_mover *mv, const uint32_t *uids, size_t n);

/* imap_mover_flush - no more UIDs will come: mark what is queued now,
 * without waiting for a group, and log out after it.  Returns at once;
 * imap_mover_push() takes nothing after it (-1); imap_mover_finish()
 * still joins. */
void imap_mover_flush(struct imap_mover *mv);

/* imap_mover_finish - wait for the queue to empty, close the connection,
 * join and free; *mvp = NULL.  Returns the number of messages marked (a
 * logged refusal counts, as in imap_fetch's figures).  *left (owned: free)
 * and *nleft get the handed-over UIDs that were not marked (sorted;
 * NULL and 0 when none). */
unsigned imap_mover_finish(struct imap_mover **mvp, uint32_t **left,
    size_t *nleft);

#endif
