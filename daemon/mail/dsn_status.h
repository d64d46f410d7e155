/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dsn_status - read the machine-readable part of a delivery report
 *
 * An RFC 3464 message/delivery-status body is blocks of header-like fields
 * separated by blank lines: the first block is about the message (the
 * reporting MTA, the arrival date), every further one about one recipient
 * (Final-Recipient, Original-Recipient, Action, Status, Diagnostic-Code).
 * dsn_status_next() returns the recipient blocks one at a time, with what
 * they mean: Action failed is permanent unless its Status is 4.x.x, Action
 * delayed is temporary, delivered/relayed/expanded are neither; a block
 * without an Action goes by its Status class.  Original-Recipient is
 * preferred to Final-Recipient: it is the address the sender used.
 *
 * Pure, tolerant and without allocation: the results point into the body.
 * Which addresses count is decided by the caller (dsn.c).
 */
#ifndef BARAZA_DSN_STATUS_H
#define BARAZA_DSN_STATUS_H

#include <stddef.h>

/* One recipient block; every pointer is into the body (borrowed) */
struct dsn_status_rcpt {
	const char *address;      /* the recipient, or NULL when its field holds
	                           * no address */
	size_t address_len;
	const char *status;       /* the Status word ("5.1.1"), or NULL */
	size_t status_len;
	const char *diagnostic;   /* Diagnostic-Code after its type ("smtp;"),
	                           * continuation lines included, or NULL */
	size_t diagnostic_len;
	int failed;               /* the delivery failed for good */
	int delayed;              /* the delivery is late or failed for now */
};

/* dsn_status_next - the next recipient block of the body [*pp, end): 1 and
 * *r, with *pp moved past the block; 0 when no recipient block is left.
 * Blocks that name no recipient (the per-message block) are skipped. */
int dsn_status_next(const char **pp, const char *end, struct dsn_status_rcpt *r);

#endif
