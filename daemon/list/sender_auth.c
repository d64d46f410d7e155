/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sender_auth - the receiving server's word on a sender, and only its word
 *
 * Parsing is authres.c's; this file decides which field counts and what
 * it proves (see sender_auth.h for the rule).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "address.h"
#include "authres.h"
#include "sender_auth.h"

/* sender_auth_aligned - see sender_auth.h */
int
sender_auth_aligned(const char *d, const char *from)
{
	size_t dl, fl;

	if (d == NULL || from == NULL)
		return 0;
	while (*d == '.')
		d++;
	dl = strlen(d);
	fl = strlen(from);
	if (dl > 0 && d[dl - 1] == '.')
		dl--;
	if (dl == 0 || fl == 0)
		return 0;
	if (dl == fl && strncasecmp(d, from, dl) == 0)
		return 1;
	/* The From domain is a subdomain of d; d must itself have a dot, so a
	 * top-level domain never vouches for everything below it. */
	return fl > dl && from[fl - dl - 1] == '.' &&
	    strncasecmp(from + fl - dl, d, dl) == 0 && memchr(d, '.', dl) != NULL;
}

/* is_failure - a result that says the check failed */
static int
is_failure(const char *result)
{
	return strcmp(result, "fail") == 0 || strcmp(result, "softfail") == 0 ||
	    strcmp(result, "permerror") == 0;
}

/* sender_auth_field - see sender_auth.h */
enum sender_auth
sender_auth_field(const char *value, const char *id, const char *from_domain)
{
	struct authres ar;
	int failed = 0;

	if (authres_parse(value, &ar) < 0 || strcasecmp(ar.authserv_id, id) != 0)
		return SENDER_AUTH_NONE;
	for (size_t i = 0; i < ar.n; i++) {
		const struct authres_result *r = &ar.r[i];
		const char *d = NULL;

		if (strcmp(r->method, "dkim") == 0)
			d = *r->header_d ? r->header_d : authres_domain(r->header_i);
		else if (strcmp(r->method, "spf") == 0)
			d = authres_domain(r->smtp_mailfrom);
		else if (strcmp(r->method, "dmarc") == 0)
			d = r->header_from;
		else
			continue;
		if (strcmp(r->result, "pass") == 0 && strcmp(r->method, "dmarc") != 0 &&
		    sender_auth_aligned(d, from_domain))
			return SENDER_AUTH_PASS;
		if (is_failure(r->result) && (*d == '\0' || sender_auth_aligned(d, from_domain)))
			failed = 1;
	}
	return failed ? SENDER_AUTH_FAIL : SENDER_AUTH_NONE;
}

/* field_id_is - does the field value start with authserv-id id?  Read as
 * the grammar reads it, so "mx.example.org.evil" cannot pass for it; a
 * field whose id is ours but whose rest is unreadable is still ours (and
 * then says nothing: a lower one never takes its place). */
static int
field_id_is(const char *value, const char *id)
{
	char have[AUTHRES_VALUE_MAX];

	return authres_authserv_id(value, have, sizeof(have)) == 1 &&
	    strcasecmp(have, id) == 0;
}

/* sender_auth - see sender_auth.h */
enum sender_auth
sender_auth(const struct conf *c, const struct message *m)
{
	const char *id = c->list.trusted_authserv_id, *domain, *v;
	size_t i = 0;

	if (id == NULL || *id == '\0' || m->from.address == NULL ||
	    (domain = addr_domain(m->from.address)) == NULL || *domain == '\0')
		return SENDER_AUTH_NONE;
	/* message_header_next walks top to bottom: the first field bearing
	 * the id is the receiving server's own; nothing below it counts. */
	while ((v = message_header_next(m, "Authentication-Results", &i)) != NULL)
		if (field_id_is(v, id))
			return sender_auth_field(v, id, domain);
	return SENDER_AUTH_NONE;
}
