/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authres - parse one Authentication-Results field value (RFC 8601)
 *
 * A pure parser of the grammar, nothing about trust: which field counts
 * and what it proves is the list's decision (daemon/list/sender_auth.h).
 *
 *   value   = authserv-id [CFWS version] ( [CFWS] ";" [CFWS] "none"
 *                                        / 1*resinfo )
 *   resinfo = [CFWS] ";" method [CFWS "/" version] [CFWS] "=" [CFWS] result
 *             [CFWS "reason" "=" value] *(CFWS ptype "." property "=" pvalue)
 *
 * CFWS is white space and comments in parentheses (nested, with backslash
 * escapes); a value is a token or a quoted string; a pvalue may also be
 * "local@domain" or "@domain".  Input is the unfolded field value as
 * message.h keeps it.  Every string in the result is a bounded copy;
 * methods, results, property names and domains are lower-cased.  Results
 * past AUTHRES_MAX and properties other than the ones kept are skipped.
 */
#ifndef BARAZA_AUTHRES_H
#define BARAZA_AUTHRES_H

#include <stddef.h>

#define AUTHRES_MAX 16            /* resinfo kept per field */
#define AUTHRES_VALUE_MAX 256     /* bytes of one kept value, NUL included */

struct authres_result {
	char method[32];          /* "dkim", "spf", "dmarc", ... */
	char result[32];          /* "pass", "fail", "none", ... */
	char header_d[AUTHRES_VALUE_MAX];      /* header.d, "" when absent */
	char header_i[AUTHRES_VALUE_MAX];      /* header.i */
	char header_from[AUTHRES_VALUE_MAX];   /* header.from (dmarc) */
	char smtp_mailfrom[AUTHRES_VALUE_MAX]; /* smtp.mailfrom (spf) */
};

struct authres {
	char authserv_id[AUTHRES_VALUE_MAX];   /* lower-case */
	int version;              /* 1 when absent */
	int none;                 /* the field said "none" */
	size_t n;                 /* results kept */
	struct authres_result r[AUTHRES_MAX];
};

/* authres_parse - parse value into *out.  0, or -1 when the value does not
 * follow the grammar (out is then zeroed but for what was read before the
 * error: callers treat -1 as "this field says nothing"). */
int authres_parse(const char *value, struct authres *out);

/* authres_authserv_id - only the authserv-id that value starts with, into
 * out (lower-case, cut at outlen - 1 bytes), whatever follows it: the
 * field's owner even when the rest is unreadable.  1, or -1 when there is
 * no id to read. */
int authres_authserv_id(const char *value, char *out, size_t outlen);

/* authres_domain - the domain of a pvalue: after the last '@' if there is
 * one, else the whole string; "" for NULL */
const char *authres_domain(const char *pvalue);

#endif
