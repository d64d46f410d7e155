/* SPDX-License-Identifier: GPL-3.0-or-later */
/* imap_int - what the two halves of the IMAP client share (imap_conn.c:
 * the connection; imap.c: the commands).  Nothing outside daemon/net/imap*.c
 * includes this: everyone else sees struct imap as imap.h declares it. */
#ifndef BARAZA_IMAP_INT_H
#define BARAZA_IMAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libetpan/libetpan.h>

#include "conf.h"
#include "outcome.h"

/* Where the connection goes: [imap] url as the configuration took it
 * apart (conf.h, url.h), copied so that the connection outlives it. */
struct imap_url {
	int implicit_tls;                 /* imaps:// */
	char *host;                       /* owned */
	uint16_t port;
	char *mailbox;                    /* owned: as configured (UTF-8) */
};

struct imap {
	mailimap *imap;                   /* owned */
	struct imap_url url;
	char *user;                       /* owned */
	char *mailbox_wire;               /* owned: modified UTF-7 */
	enum imap_after after;
	char *folder_wire;                /* owned: move target, modified UTF-7 */
	char *folder;                     /* owned: move target as configured */
	size_t max_size;                  /* bytes fetched per message at most */
	int tls;                          /* the session is encrypted and verified */
	int can_move, can_uidplus, can_idle;
	int can_keywords;                 /* PERMANENTFLAGS allows $Baraza */
	int folder_ok;                    /* the move folder is known to exist */
	int broken;                       /* transport failed: close, no LOGOUT */
	uint32_t exists;
};

/* imap_refused - 1 when the libetpan code r means the server answered NO
 * or BAD (the connection still works), 0 for a transport or parse failure */
int imap_refused(int r);

/* imap_fail - "WHAT: reason" into err (the server's text made printable),
 * and the outcome: a refusal is OUTCOME_PERM when perm_if_refused, else
 * OUTCOME_TEMP; a transport failure is always OUTCOME_TEMP, and marks the
 * connection broken so that imap_close() does not wait for a LOGOUT
 * answer from a server that stopped answering. */
enum outcome imap_fail(struct imap *im, int r, int perm_if_refused,
    const char *what, char *err, size_t errlen);

#endif
