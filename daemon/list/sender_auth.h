/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sender_auth - does the receiving server vouch for a mail's From?
 *
 * The one rule (SPEC §4 "Who is the sender") used by summaries, approvals
 * and rejections, and commands that change a member:
 *  - only with list.trusted_authserv_id set;
 *  - only the topmost Authentication-Results field bearing that id counts
 *    (the receiving server adds its field on top; anything lower may have
 *    been written by the sender);
 *  - it authenticates the From domain with a dkim=pass whose header.d (or
 *    the domain of header.i) aligns with it, or an spf=pass whose
 *    smtp.mailfrom domain aligns with it.  Aligned: the same domain, or
 *    the From domain is a subdomain of it (mail.example.org signed by
 *    example.org) - the part of DMARC's relaxed alignment that needs no
 *    Public Suffix List;
 *  - it reports a failure when, without such a pass, it says dkim, spf or
 *    dmarc is fail, softfail or permerror for the From domain (or names no
 *    domain at all).
 * A field that does not follow RFC 8601 says nothing.
 */
#ifndef BARAZA_SENDER_AUTH_H
#define BARAZA_SENDER_AUTH_H

#include "conf.h"
#include "message.h"

enum sender_auth {
	SENDER_AUTH_NONE = 0,     /* nothing trusted says anything either way */
	SENDER_AUTH_PASS,         /* the From domain is authenticated */
	SENDER_AUTH_FAIL          /* the trusted server says it failed */
};

/* sender_auth_field - the verdict of one field value for from_domain, by
 * authserv-id id (case-insensitive); SENDER_AUTH_NONE also when the field
 * is another server's or unreadable */
enum sender_auth sender_auth_field(const char *value, const char *id,
    const char *from_domain);

/* sender_auth - the verdict for m under c (see above) */
enum sender_auth sender_auth(const struct conf *c, const struct message *m);

/* sender_auth_aligned - does the authenticated domain d align with the
 * From domain from (see above)?  1 or 0 */
int sender_auth_aligned(const char *d, const char *from);

#endif
