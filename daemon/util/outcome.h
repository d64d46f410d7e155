/* SPDX-License-Identifier: GPL-3.0-or-later */
/* outcome - how a fetch or a delivery ended: OK, TEMP, PERM or INTERNAL
 *
 * The one way the network clients and the daemon say it (as qmail's
 * done / temporary / permanent, isync's TEMP / FINAL):
 *
 *   OUTCOME_OK        done.
 *   OUTCOME_TEMP      the other side may manage later: an SMTP 4xx, no
 *                     answer at all, a connection refused or lost, a
 *                     timeout.  Try again, with backoff.
 *   OUTCOME_PERM      the other side refused for good: an SMTP 5xx, a
 *                     failed login or certificate check, a missing
 *                     mailbox.  Trying again changes nothing until a person
 *                     acts (or, for a recipient, it counts as a bounce).
 *   OUTCOME_INTERNAL  our own side failed: the database, a message that
 *                     cannot be composed.  Neither the server's fault nor
 *                     the recipient's.
 *
 * A transport (imap.h, smtp.h) reports one of these and decides nothing;
 * what each means for the mail - retry when, give up, count a bounce - is
 * decided in one place by the daemon: deliver.c for the outbox, barazad.c
 * for the mailbox.  OUTCOME_OK is 0, so "if (rc != OUTCOME_OK)" reads as
 * it does for 0 / -1 actions.
 */
#ifndef BARAZA_OUTCOME_H
#define BARAZA_OUTCOME_H

enum outcome {
	OUTCOME_OK = 0,
	OUTCOME_TEMP,
	OUTCOME_PERM,
	OUTCOME_INTERNAL
};

/* outcome_name - "ok", "temporary", "permanent" or "internal" (static) */
const char *outcome_name(enum outcome o);

#endif
