/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ingest_prepare - the first stage of ingest: what a message says of itself
 *
 * Parse one raw message once, route it, find its Message-ID (or the hash
 * id that stands in for one) and what a post needs from the message alone
 * (normalised subject, author's name, kind, the keyword rule).  No
 * database and no shared mutable state: the conf is only read (message.c
 * keeps its iconv descriptors per parse; it may log), so several threads
 * may prepare at once with the same conf (pipeline.h runs this stage on a
 * second thread).  ingest_decide.h takes the result on against the
 * database; ingest.h stores it.
 */
#ifndef BARAZA_INGEST_PREPARE_H
#define BARAZA_INGEST_PREPARE_H

#include <stddef.h>

#include "classify.h"
#include "conf.h"
#include "message.h"
#include "route.h"

/* What stage 1 finds.  The message and the strings live until
 * ingest_prepared_free(); read the fields, do not change them. */
struct ingest_prepared {
	const char *raw;              /* borrowed: must outlive this */
	size_t len, size;             /* bytes given, real size */
	struct message *m;            /* owned; NULL when over the parse limit */
	struct route_result rr;
	const char *mid;              /* Message-ID (m's arena) or hash_id */
	char hash_id[80];
	/* posts and replies only (ROUTE_POST, ROUTE_REPLY), else NULL/0: */
	char *norm;                   /* owned: normalised subject */
	char *name;                   /* owned: author's name */
	struct classify_result kind;  /* the kind rules' result */
	int have_kw;                  /* kw was worked out (with a classifier) */
	struct classify_keywords kw;  /* the keyword rule's result */
	/* set by ingest_prepare_as_post() when it made a post of a message
	 * that live mail would not relay: its route then, and why (static
	 * and arena strings) */
	enum route archive_was;
	const char *archive_reason, *archive_detail;
	/* set by ingest_prepare_pack(): the stored forms of raw and of the
	 * text (store_zip.h), made on the preparing thread */
	int packed;
	void *raw_z, *text_z;         /* owned; NULL: stored as they are */
	size_t raw_z_len, text_z_len;
	struct buf *new_text_z;       /* owned: new_text's stored form */
};

/* ingest_prepare_pack - make the stored forms of p's raw message and text
 * with z (one thread at a time), so the storing thread need not */
struct store_zip;
void ingest_prepare_pack(struct ingest_prepared *p, struct store_zip *z);

/* ingest_prepare - parse and route raw (len bytes, borrowed: it must
 * outlive the result).  full_size: the message's real size when raw holds
 * only its first len bytes (a reader cut it at its cap: it is then
 * oversize), else 0.  cl: a classifier for c that this thread may use
 * (classify.h: one thread at a time), or NULL: the keyword rule is then
 * left to ingest_decide.  Never NULL; free with ingest_prepared_free. */
struct ingest_prepared *ingest_prepare(const struct conf *c,
    struct classifier *cl, const char *raw, size_t len, size_t full_size);
/* ingest_prepare_as_post - an imported archive's message is a post
 * whatever live mail's rules say of it (SPEC 9: list archives carry
 * Precedence: list on everything, their own List-Id, auto-replies the old
 * list let through, messages over today's size limit).  Turns p into a
 * post and keeps the verdict it replaces in p->archive_*; 0, or -1 when
 * it cannot be a post (not parsed, cut at the reader's cap, no usable
 * sender): p is then unchanged. */
int ingest_prepare_as_post(const struct conf *c, struct ingest_prepared *p);
/* ingest_prepared_free - *pp = NULL */
void ingest_prepared_free(struct ingest_prepared **pp);
/* ingest_prepared_mid - the Message-ID or hash id (valid as long as p) */
const char *ingest_prepared_mid(const struct ingest_prepared *p);

#endif
