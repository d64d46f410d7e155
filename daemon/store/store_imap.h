/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_imap - where the IMAP fetch stands, per mailbox (table imap_state)
 *
 * One row per mailbox name: the UIDVALIDITY the UIDs belong to and the
 * highest UID whose message was processed (its effects committed).  Every
 * UID at or below last_uid has been handed to ingest successfully; imap.c
 * fetches only UIDs above it.  A changed UIDVALIDITY invalidates last_uid
 * (imap.c resets it to 0 and rescans; the Message-ID dedupe makes that
 * harmless).
 */
#ifndef BARAZA_STORE_IMAP_H
#define BARAZA_STORE_IMAP_H

#include <stdint.h>

#include "store.h"

/* store_imap_get - 1 and *uidvalidity, *last_uid for mailbox / 0 when the
 * mailbox has no row yet / -1 on a database error (logged) */
int store_imap_get(struct store *s, const char *mailbox,
    uint32_t *uidvalidity, uint32_t *last_uid);

/* store_imap_set - create or replace the mailbox's row (also stamps
 * last_fetch with clock_now()).  0 or -1 (logged).  Works inside or
 * outside a transaction. */
int store_imap_set(struct store *s, const char *mailbox,
    uint32_t uidvalidity, uint32_t last_uid);

/* store_imap_advance - raise last_uid to uid when it is higher (never
 * lowers it) for the given uidvalidity; a row with another uidvalidity is
 * left alone.  0 or -1 (logged). */
int store_imap_advance(struct store *s, const char *mailbox,
    uint32_t uidvalidity, uint32_t uid);

#endif
