/* SPDX-License-Identifier: GPL-3.0-or-later */
/* addrlist - the address fields of a message (RFC 5322 section 3.4)
 *
 * From, To, Cc, Reply-To and Sender hold lists of mailboxes and groups, in
 * every form mail carries: "Name <local@domain>", "local@domain (Name)",
 * quoted display names and quoted local parts, RFC 2047 encoded names,
 * group syntax ("Team: a@x, b@y;"), obsolete routes ("<@a,@b:u@d>") and
 * the unquoted specials of careless clients.  addrlist_parse() reads them
 * all without failing: a mailbox it cannot make sense of is left out or
 * keeps only its name.
 *
 * struct msg_address is the type of struct message's address fields.
 */
#ifndef BARAZA_ADDRLIST_H
#define BARAZA_ADDRLIST_H

#include <stddef.h>

struct buf;
struct header_span;
struct mailparse;

#define ADDRLIST_MAX 1000     /* mailboxes kept per field */

struct msg_address {
	const char *name;     /* decoded display name, or NULL */
	const char *address;  /* "local@domain", domain lower-cased; NULL if unparsable */
};

/* addrlist_parse - the mailboxes of the raw field value sp (sp->p NULL:
 * none), in order, at most ADDRLIST_MAX; the count, with *out an array in
 * mp's arena (NULL when 0) */
size_t addrlist_parse(struct mailparse *mp, const struct header_span *sp,
    struct msg_address **out);

/* addrlist_addr_spec - s[0..n) as a stored address (arena): an obsolete
 * route and stray blanks and brackets dropped (except inside a quoted
 * local part), the domain lower-cased; NULL when it has no local part or
 * no domain */
const char *addrlist_addr_spec(struct mailparse *mp, const char *s, size_t n);

/* addrlist_collapse - a display text made one clean line in place: ends
 * trimmed, runs of white space and controls one space, one layer of
 * surrounding quotes ('Name' or "Name") removed */
void addrlist_collapse(struct buf *b);

#endif
