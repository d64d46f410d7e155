/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dsn - delivery reports: recognise them and read who failed
 *
 * dsn_parse() is pure: it reads a parsed message and says whether it is a
 * delivery report (RFC 3464 DSN or one of the common non-standard forms)
 * and which recipients failed, permanently or temporarily.  What a failure
 * means for a member is decided above, in the list layer (bounce.h).
 */
#ifndef BARAZA_DSN_H
#define BARAZA_DSN_H

#include <stddef.h>

#include "message.h"

struct arena;

struct dsn_report {
	const char **addresses;   /* failed recipients, lower-case (arena) */
	size_t naddresses;
	int temporary;            /* delay notice / 4.x.x: never counts */
	const char *status;       /* "5.1.1" or NULL (arena or static) */
	const char *family;       /* "rfc3464", "qmail", "exim", ... (static) */
	const char *diagnostic;   /* first Diagnostic-Code / reason line, or NULL (arena) */
};

/* The parts of a message that dsn_parse() reads, so the scanning can be
 * tested on plain strings.  Every field may be NULL. */
struct dsn_input {
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

/* dsn_parse - 1 and *out when m is a delivery report, 0 when it is not.
 * Strings are allocated from a (usually m->arena). */
int dsn_parse(const struct message *m, struct arena *a, struct dsn_report *out);

/* dsn_parse_input - dsn_parse() on the parts in in; same results */
int dsn_parse_input(const struct dsn_input *in, struct arena *a,
    struct dsn_report *out);

#endif
