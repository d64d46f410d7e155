/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mime_walk - the MIME structure of a message, walked once
 *
 * mime_walk() reads the top-level header and then every part under it,
 * as its Content-Type says:
 *   - a multipart is split at its delimiter lines (one scan per nesting
 *     level; depth and part count are capped, so the walk is linear);
 *     alternative takes text/plain over multipart over text/html (and the
 *     HTML when the plain text beside it is empty); signed takes its first
 *     part; report marks its parts as a delivery report's; digest parts
 *     default to message/rfc822;
 *   - a text part (text/plain, text/html and the other text/ types that
 *     read as text) is transfer-decoded (codec.h), converted to UTF-8
 *     (charset.h), its line ends made LF, format=flowed undone and HTML
 *     made text (html2text.h), and appended to one capped text buffer;
 *   - anything else, a part with a file name, or one marked attachment is
 *     an attachment: only its name, type and decoded size are kept;
 *   - an attached message (message/rfc822) is walked in turn, its text
 *     after a "---------- Forwarded message ----------" line with its
 *     From, Date, Subject and To; inside a report only its header is kept
 *     (the returned message of a bounce);
 *   - message/delivery-status and text/rfc822-headers are kept raw for
 *     dsn.h.
 * Malformations are recorded as defects in the struct mailparse.
 */
#ifndef BARAZA_MIME_WALK_H
#define BARAZA_MIME_WALK_H

#include <stddef.h>

#include "buf.h"
#include "header.h"

struct mailparse;

struct msg_attachment {
	const char *name;     /* decoded file name (never used as a path), or NULL */
	const char *type;     /* "application/pdf", lower-case */
	size_t bytes;         /* decoded size */
};

/* The fields of an entity that the parser reads */
enum mime_walk_field {
	MIME_WALK_CONTENT_TYPE, MIME_WALK_CTE, MIME_WALK_DISPOSITION,
	MIME_WALK_MESSAGE_ID, MIME_WALK_IN_REPLY_TO, MIME_WALK_REFERENCES,
	MIME_WALK_SUBJECT, MIME_WALK_FROM, MIME_WALK_SENDER, MIME_WALK_REPLY_TO,
	MIME_WALK_TO, MIME_WALK_CC, MIME_WALK_DATE, MIME_WALK_RETURN_PATH,
	MIME_WALK_NFIELDS
};

/* One entity's header: the first occurrence of each field, raw (folded) */
struct mime_walk_entity {
	struct header_span f[MIME_WALK_NFIELDS];   /* p NULL when absent */
	const char *body;                     /* where its body starts */
};

#define MIME_WALK_MAX_NESTING 64          /* multiparts inside each other */

struct mime_walk {
	/* set by mime_walk_init */
	struct mailparse *mp;           /* borrowed */
	size_t max_headers, max_depth, max_parts, max_size;

	/* results */
	struct buf text;                /* body text so far, UTF-8, LF (cap max_text) */
	struct msg_attachment *att;     /* owned (heap); strings in the arena */
	size_t natt;
	struct mime_walk_entity top;         /* the top-level header */
	struct header_span *fields;     /* owned: every top-level field, as
	                                 * name and value spans (2 per field) */
	size_t nfields;
	size_t header_len;              /* bytes of the top-level header */
	const char *content_type;       /* top-level type/subtype (arena) */
	int multipart;                  /* top level is multipart/ */
	int is_signed;                  /* multipart/signed or encrypted, not
	                                 * inside a forwarded message */
	int got_plain, got_html;        /* text came from text/plain, text/html */
	const char *delivery_status;    /* message/delivery-status (arena), or NULL */
	const char *returned_headers;   /* a report's returned header (arena), or NULL */

	/* walking */
	size_t att_alloc, fields_alloc, nparts, nb;
	int nforward;
	const char *bstack[MIME_WALK_MAX_NESTING];   /* enclosing boundaries */
	size_t blen[MIME_WALK_MAX_NESTING];
};

/* mime_walk_init - a walk recording into mp (borrowed), with these caps:
 * fields kept per header, nesting depth, parts in all, bytes of text and
 * of the message */
void mime_walk_init(struct mime_walk *w, struct mailparse *mp, size_t max_headers,
    size_t max_depth, size_t max_parts, size_t max_text, size_t max_size);
/* mime_walk_release - free what the walk holds (the arena keeps its strings) */
void mime_walk_release(struct mime_walk *w);

/* mime_walk - walk the message raw[0..len) (borrowed; must outlive the
 * results that point into it: top, fields) */
void mime_walk(struct mime_walk *w, const char *raw, size_t len);

#endif
