/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_dmarc - cached TXT look-ups and the From decision of each post
 * (tables dns_txt and post_from, schema 014)
 *
 * The cache holds what a TXT query for one name (_dmarc.example.org)
 * came back with, until its expiry (the caller computes it from the
 * answer's TTL).  The decision is written once per post, the first time
 * its copies are composed, and read back by every later attempt.
 * Outside a transaction each call is its own (autocommit).
 */
#ifndef BARAZA_STORE_DMARC_H
#define BARAZA_STORE_DMARC_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "store.h"

/* What a cached look-up came back with (the values of dns_txt.status). */
enum store_txt_status {
	STORE_TXT_ANSWER = 0,     /* records in txt, one a line */
	STORE_TXT_NONE = 1,       /* no such name, or no TXT record */
	STORE_TXT_FAILED = 2,     /* timeout, SERVFAIL, refused ... */
};

/* store_txt_get - the cached answer for name unexpired at now: 1 with
 * *status and the records appended to txt (one a line), 0 when there is
 * none, -1 on error (logged) */
int store_txt_get(struct store *s, const char *name, time_t now,
    enum store_txt_status *status, struct buf *txt);

/* store_txt_put - cache an answer for name until expires (replacing
 * what was there; txt: records one a line, or NULL).  Rows long expired
 * are dropped on the way.  0 or -1 (logged) */
int store_txt_put(struct store *s, const char *name, enum store_txt_status status,
    const char *txt, time_t expires, time_t now);

/* store_post_from_get - the decision for post: 1 with *munge and why
 * appended to whybuf (may be NULL), 0 when none was taken yet, -1 on
 * error */
int store_post_from_get(struct store *s, int64_t post, int *munge, struct buf *why);

/* store_post_from_set - record the decision for post, unless one is
 * already recorded (the first one stands).  0 or -1 (logged) */
int store_post_from_set(struct store *s, int64_t post, int munge, const char *why);

#endif
