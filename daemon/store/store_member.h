/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_member - members and the themes they follow
 *
 * Addresses are passed in normalised (address.h) and compared
 * case-insensitively (the email column is COLLATE NOCASE).  A member is
 * never deleted by "remove": the row stays with status 'unsubscribed', so
 * their posts keep their author and a later "add" brings them back with
 * their settings.  Only store_member_forget() erases a member: the row,
 * their themes, tokens, bounces, notices and outbox recipients go, and their
 * posts stay attributed to "former member".
 *
 * Every new member gets a personal unsubscribe token (128 random bits,
 * hex) for the one-click cop+unsubscribe-TOKEN@ address.
 *
 * Role, delivery and status are the schema's words: role member |
 * facilitator; delivery each | digest | none; status pending | active |
 * unsubscribed | bouncing.
 */
#ifndef BARAZA_STORE_MEMBER_H
#define BARAZA_STORE_MEMBER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json.h"
#include "store.h"

#define MEMBER_TOKEN_HEX 32          /* 128 bits as hex */
#define MEMBER_NAME_MAX 200          /* bytes */
#define MEMBER_REGION_MAX 100

struct member {
	int64_t id;
	char *email;                  /* owned; normalised */
	char *name;                   /* owned; NULL when unknown */
	char *role;                   /* owned */
	char *delivery;               /* owned */
	char *region;                 /* owned; NULL when unknown */
	char *language;               /* owned; NULL: the list's language */
	char *status;                 /* owned */
	int all_themes;               /* 1: follows every theme */
	char **themes;                /* owned; slugs when !all_themes */
	size_t nthemes;
	char *unsub_token;            /* owned */
	time_t created, updated;
};

/* member_release - free the strings of m (not m itself) and zero it */
void member_release(struct member *m);

/* member_role_valid, member_delivery_valid, member_status_valid - 1 when
 * s is one of the schema's words */
int member_role_valid(const char *s);
int member_delivery_valid(const char *s);
int member_status_valid(const char *s);

/* What store_member_put() changes.  NULL strings mean "leave as is" for an
 * existing member and "the default" for a new one (role member, delivery
 * each, no name/region/language). */
struct member_put {
	const char *email;            /* normalised; required */
	const char *name, *role, *delivery, *region, *language;
	const char *status;           /* NULL: 'active' */
	int set_themes;               /* 0: leave themes alone (new: all) */
	int all_themes;               /* with set_themes */
	const char *const *themes;    /* with set_themes and !all_themes */
	size_t nthemes;
};

/* store_member_put - add or update the member by email.  1 added, 0
 * updated, -1 error (logged).  *id (when id is not NULL) gets the row id.
 * Runs inside the caller's transaction when there is one. */
int store_member_put(struct store *s, const struct member_put *p, int64_t *id);

/* store_member_get - 1 and *out (release with member_release), 0 absent,
 * -1 error */
int store_member_get(struct store *s, const char *email, struct member *out);
/* store_member_by_email - 1 and *id of the member with this address
 * (case-insensitive), 0 when none, -1 */
int store_member_by_email(struct store *s, const char *email, int64_t *id);
/* store_member_by_token - the member whose unsub_token this is; 1/0/-1 */
int store_member_by_token(struct store *s, const char *token, struct member *out);

/* store_member_set_status - 1 changed, 0 no such member, -1 error */
int store_member_set_status(struct store *s, int64_t id, const char *status);
/* store_member_set_delivery - 1 changed, 0 no such member, -1 error */
int store_member_set_delivery(struct store *s, int64_t id, const char *delivery);

/* store_member_remove - set status 'unsubscribed' (the row and its history
 * stay).  1 done, 0 no such member, -1 error. */
int store_member_remove(struct store *s, const char *email);

/* Called once per member by store_member_each(); m is valid only during
 * the call.  A non-zero return stops the walk and is returned. */
typedef int store_member_fn(const struct member *m, void *arg);

/* store_member_each - every member in email order, one at a time (never
 * all in memory).  0 when all were visited, the callback's non-zero value
 * when it stopped, -1 on a database error.  The callback must not write
 * to the members tables. */
int store_member_each(struct store *s, store_member_fn *fn, void *arg);

/* store_member_count - the number of members (any status), or -1 */
long store_member_count(struct store *s);

/* store_member_export - write all data held on one member as one JSON
 * object into j: the member row, themes, posts (count and id/subject/date
 * of each), tokens (kind and dates, never their values), bounces, held
 * messages, outbox recipients and notices.  1 written, 0 absent, -1. */
int store_member_export(struct store *s, const char *email, struct json *j);

/* store_member_forget - erase the member (see the top of this file), in
 * one transaction (or the caller's).  Their posts stay with author NULL,
 * author_name "former member", author_email NULL; their address and
 * names are scrubbed from everything stored (store_forget.h), and what was
 * deleted or rewritten is overwritten in the file (secure_delete, a VACUUM,
 * then a checkpoint that empties the write-ahead log).  1 done, 0 absent, -1. */
int store_member_forget(struct store *s, const char *email);

/* store_random_hex - nbytes random bytes (getrandom) as 2 * nbytes hex
 * digits into out (at least 2 * nbytes + 1 bytes).  0, or -1. */
int store_random_hex(char *out, size_t nbytes);

#endif
