/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ingest_prepare - the first stage of ingest: what a message says of itself
 *
 * See ingest_prepare.h.  Everything here is a function of the bytes and
 * the configuration; what needs the database is ingest_decide.c's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ingest_prepare.h"
#include "store_zip.h"
#include "thread.h"
#include "xalloc.h"

/* author_name - display name, else the local part of the address */
static char *
author_name(const struct message *m)
{
	const char *at;

	if (m->from.name && *m->from.name)
		return xstrdup(m->from.name);
	if (m->from.address == NULL)
		return NULL;
	at = strrchr(m->from.address, '@');
	return at ? xstrndup(m->from.address, (size_t)(at - m->from.address))
	    : xstrdup(m->from.address);
}

/* prepare_post - what a post needs from the message alone */
static void
prepare_post(const struct conf *c, struct classifier *cl, struct ingest_prepared *p)
{
	struct classify_input in = { 0 };

	p->norm = classify_normalize_subject(c, p->m->subject);
	p->name = author_name(p->m);
	in.reply_route = p->rr.route == ROUTE_REPLY;
	classify_kind(c, p->m, &in, &p->kind);
	/* The keyword rule comes after the thread's theme: only a message
	 * that names no parent surely reaches it (the others match in the
	 * store stage when their parent is unknown). */
	if (cl && p->rr.route != ROUTE_REPLY && p->m->in_reply_to == NULL &&
	    p->m->nreferences == 0) {
		classify_keywords(cl, p->m, &p->kw);
		p->have_kw = 1;
	}
}

/* ingest_prepare - see ingest_prepare.h */
struct ingest_prepared *
ingest_prepare(const struct conf *c, struct classifier *cl, const char *raw,
    size_t len, size_t full_size)
{
	struct ingest_prepared *p = xcalloc(1, sizeof(*p));
	struct msg_limits lim;

	p->raw = raw;
	p->len = len;
	p->size = full_size > len ? full_size : len;
	message_default_limits(&lim);
	p->m = message_parse(raw, len, &lim);
	route_message(c, p->m, p->size, &p->rr);
	if (full_size > len) {
		p->rr.route = ROUTE_OVERSIZE;
		p->rr.reason = "larger than the reader's cap";
		p->rr.detail = NULL;
	}
	/* Without a parse (too large) there is nothing else to go by. */
	if (p->m == NULL && p->rr.route != ROUTE_OVERSIZE)
		p->rr.route = ROUTE_OVERSIZE;
	if (p->m && p->m->message_id && *p->m->message_id &&
	    strlen(p->m->message_id) <= THREAD_MAX_ID)
		p->mid = p->m->message_id;
	else
		p->mid = message_hash_id(raw, len, p->hash_id, sizeof(p->hash_id));
	/* What a post needs from the message alone, worked out here so that a
	 * pipeline does it on its second thread. */
	if (p->m && (p->rr.route == ROUTE_POST || p->rr.route == ROUTE_REPLY))
		prepare_post(c, cl, p);
	return p;
}

/* ingest_prepare_as_post - see ingest_prepare.h */
int
ingest_prepare_as_post(const struct conf *c, struct ingest_prepared *p)
{
	if (p->rr.route == ROUTE_POST || p->rr.route == ROUTE_REPLY)
		return 0;
	/* Nothing to post: no parse, bytes cut at the reader's cap, or no
	 * author to show. */
	if (p->m == NULL || p->size > p->len || p->m->from.address == NULL ||
	    p->m->from.address[0] == '@' || strchr(p->m->from.address, '@') == NULL)
		return -1;
	p->archive_was = p->rr.route;
	p->archive_reason = p->rr.reason;
	p->archive_detail = p->rr.detail;
	p->rr.route = ROUTE_POST;
	p->rr.arg = NULL;
	p->rr.reason = "a message of an imported archive";
	p->rr.detail = NULL;
	p->rr.noreply = 1;
	prepare_post(c, NULL, p);
	return 0;
}

/* ingest_prepared_free - see ingest_prepare.h */
void
ingest_prepared_free(struct ingest_prepared **pp)
{
	struct ingest_prepared *p = *pp;

	if (p == NULL)
		return;
	message_free(&p->m);
	free(p->norm);
	free(p->name);
	free(p->raw_z);
	free(p->text_z);
	if (p->new_text_z != NULL)
		buf_release(p->new_text_z);
	free(p->new_text_z);
	free(p);
	*pp = NULL;
}

/* ingest_prepare_pack - see ingest_prepare.h */
void
ingest_prepare_pack(struct ingest_prepared *p, struct store_zip *z)
{
	if (z == NULL || p->packed)
		return;
	if (!store_zip_raw(z, p->raw, p->len, &p->raw_z, &p->raw_z_len))
		p->raw_z = NULL;
	if (p->m != NULL && p->m->text != NULL &&
	    !store_zip_text(z, p->m->text, strlen(p->m->text), &p->text_z, &p->text_z_len))
		p->text_z = NULL;
	p->new_text_z = xmalloc(sizeof(*p->new_text_z));
	buf_init(p->new_text_z, BUF_NOLIMIT);
	if (p->m != NULL && p->m->new_text != NULL) {
		const char *t = p->m->text ? p->m->text : "";

		if (store_newtext_pack(t, strlen(t), p->m->new_text,
		    strlen(p->m->new_text), p->new_text_z) < 0) {
			free(p->raw_z);
			free(p->text_z);
			p->raw_z = p->text_z = NULL;
			buf_release(p->new_text_z);
			free(p->new_text_z);
			p->new_text_z = NULL;
			return;     /* not packed: the store makes them */
		}
	}
	p->packed = 1;
}

/* ingest_prepared_mid - see ingest_prepare.h */
const char *
ingest_prepared_mid(const struct ingest_prepared *p)
{
	return p->mid;
}

