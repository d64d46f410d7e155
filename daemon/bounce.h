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
	const char *diagnostic;   /* first Diagnostic-Code / reason line, or NULL (arena) */
};

/* The parts of a message that bounce_parse() reads, so the scanning can be
 * tested on plain strings.  Every field may be NULL. */
struct bounce_input {
	const char *subject;
	const char *from;             /* From address */
	const char *from_name;        /* From display name */
	const char *return_path;      /* "" for the null sender <> */
	const char *content_type;     /* top-level type/subtype, lower-case */
	const char *auto_submitted;   /* Auto-Submitted header */
	const char *x_failed;         /* X-Failed-Recipients header(s), comma-joined */
	const char *text;             /* decoded human-readable text */
	const char *delivery_status;  /* message/delivery-status body */
	const char *returned_headers; /* header of the returned message */
	const char **exclude;         /* addresses never reported (the report's own To/Cc) */
	size_t nexclude;
};

/* bounce_parse - 1 and *out when m is a delivery report, 0 when it is not.
 * Strings are allocated from a (usually m->arena). */
int bounce_parse(const struct message *m, struct arena *a, struct bounce_report *out);

/* bounce_parse_input - bounce_parse() on the parts in in; same results */
int bounce_parse_input(const struct bounce_input *in, struct arena *a,
    struct bounce_report *out);

/* bounce_handle - record the report in m for the VERP recipient verp
 * ("LOCAL=DOMAIN" from the route, or NULL); inside a transaction.
 * message_row is messages.id.  0 or -1. */
int bounce_handle(struct store *s, const struct conf *c, const struct message *m,
    int64_t message_row, const char *verp);

/* bounce_record_failure - count one permanent SMTP failure (5xx, or a
 * deferral past retry_for_hours) for address; used by the relay.  0 or -1. */
int bounce_record_failure(struct store *s, const struct conf *c,
    const char *address, const char *reason);

/* bounce_record_success - a delivery to address succeeded (the relay calls
 * this on the final 2xx to DATA); decays the score: when the newest
 * counting bounce of address came from the SMTP dialogue itself (the same
 * server now accepts it), or is 7 days old or more, the address's counting
 * bounces are cleared.  A success at a smarthost says nothing about a
 * delivery report still on its way, so fresh report-based bounces stay.
 * Inside or outside a transaction.  0 or -1. */
int bounce_record_success(struct store *s, const char *address);

#endif
