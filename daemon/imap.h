/* imap - the list's mailbox over IMAP (libetpan), TLS always verified
 * (to be completed: issue 3) */
#ifndef BARAZA_IMAP_H
#define BARAZA_IMAP_H

#include <stddef.h>

#include "conf.h"

/* imap_check - connect, verify TLS, log in and select the mailbox, for
 * `baraza check`.  0 and a one-line description in msg ("logged in as X at
 * HOST, N messages"), or -1 with the reason in msg (never the password). */
int imap_check(const struct conf *c, char *msg, size_t msglen);

#endif
