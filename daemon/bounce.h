/* bounce - delivery reports: parse them, count them against members
 *
 * bounce_parse() is pure: it reads a parsed message and says whether it is a
 * delivery report (RFC 3464 DSN or one of the common non-standard forms) and
 * which recipients failed, permanently or temporarily.
 * bounce_handle() records a report inside the ingest transaction and applies
 * the rule of SPEC section 9 (3 distinct days within 14 -> nomail + probe).
 */
#ifndef BARAZA_BOUNCE_H
#define BARAZA_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "message.h"
#include "store.h"

struct arena;

struct bounce_report {
	const char **addresses;   /* failed recipients, lower-case (arena) */
	size_t naddresses;
	int temporary;            /* delay notice / 4.x.x: never counts */
	const char *status;       /* "5.1.1" or NULL (arena or static) */
	const char *family;       /* "rfc3464", "qmail", "exim", ... (static) */
};

/* bounce_parse - 1 and *out when m is a delivery report, 0 when it is not.
 * Strings are allocated from a (usually m->arena). */
int bounce_parse(const struct message *m, struct arena *a, struct bounce_report *out);

/* bounce_handle - record the report in m for the VERP recipient verp
 * ("LOCAL=DOMAIN" from the route, or NULL); inside a transaction.
 * message_row is messages.id.  0 or -1. */
int bounce_handle(struct store *s, const struct conf *c, const struct message *m,
    int64_t message_row, const char *verp);

/* bounce_record_failure - count one permanent SMTP failure (5xx, or a
 * deferral past retry_for_hours) for address; used by the relay.  0 or -1. */
int bounce_record_failure(struct store *s, const struct conf *c,
    const char *address, const char *reason);

#endif
