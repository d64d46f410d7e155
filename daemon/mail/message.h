/* SPDX-License-Identifier: GPL-3.0-or-later */
/* message - parse one raw RFC 5322 / MIME message, once, under limits
 *
 * message_parse() turns untrusted bytes into a struct message whose every
 * string is decoded UTF-8 (valid, NUL-free) and lives in the message's own
 * arena.  It never fails on bad input: what it could not make sense of is
 * recorded in defects[], and the fields it could not find are NULL / empty.
 * It returns NULL only when the message is over the hard size limit (the
 * caller records "oversize").  The defect strings, each at most once:
 *   empty                   no bytes at all
 *   header-no-colon         a header line that is no field (skipped, or the
 *                           body starts there when no field follows)
 *   line-too-long           a line over 998 bytes
 *   too-many-headers        more fields than max_headers (the rest still
 *                           scanned for the fields the parser needs)
 *   8bit-header             raw 8-bit bytes in a header that were not UTF-8
 *                           (read as windows-1252)
 *   nul-bytes               NUL bytes (dropped)
 *   bad-content-type        a Content-Type that is no type/subtype
 *   missing-boundary        multipart without boundary, or none found
 *                           (the body is read as text/plain)
 *   missing-close-boundary  the closing delimiter never came
 *   boundary-reused         a nested multipart reuses an outer boundary
 *   too-deep                nesting past max_depth (deeper parts dropped)
 *   too-many-parts          more than max_parts parts
 *   bad-base64              stray bytes or a cut-off quantum in base64
 *   bad-quoted-printable    malformed "=" escapes (kept as they are)
 *   bad-charset:NAME        unknown charset, or bytes that did not follow it
 *                           (decoded without loss: see charset.h)
 *   bad-date                a Date: that could not be read (date = 0)
 *   text-truncated          the text passed max_text
 *   arena-full              the arena cap was reached (fields left empty)
 * Forwarded messages (message/rfc822 parts) add their text after a
 * "---------- Forwarded message ----------" line with their From, Date,
 * Subject and To (so it is quoted material for new_text); their attachments
 * are listed with the others.
 *
 * Nothing downstream re-parses the raw text: routing, threading, bounce
 * handling, storage and the relay (compose.c) read these fields.  The raw
 * bytes are borrowed and must outlive the struct: the relay copies the
 * top-level fields and the body from them as they were written.
 */
#ifndef BARAZA_MESSAGE_H
#define BARAZA_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addrlist.h"
#include "mime_walk.h"
#include "quote.h"

struct arena;

struct msg_limits {
	size_t max_size;      /* whole message; over it message_parse returns NULL */
	size_t max_headers;   /* header fields kept per part (more: defect) */
	size_t max_depth;     /* MIME nesting */
	size_t max_parts;     /* MIME parts in all */
	size_t max_text;      /* bytes of decoded text kept */
	size_t arena_max;     /* cap on the arena */
};

/* message_default_limits - 64 MB, 1000 headers, depth 20, 500 parts,
 * 1 MB text, 256 MB arena (tunable by the caller) */
void message_default_limits(struct msg_limits *lim);

struct msg_header {
	const char *name;     /* as written, e.g. "Subject" */
	const char *value;    /* unfolded, raw (not decoded), trimmed */
	const char *raw;      /* the field as written, name to the end of its
	                       * last line (continuation lines and their line
	                       * ends included, not the last line end):
	                       * borrowed from the message's raw bytes */
	size_t raw_len;
};

/* A parameter of the top-level Content-Type (params.h) */
struct msg_param {
	const char *attr;     /* lower-case, e.g. "charset" */
	const char *value;    /* quotes and backslash escapes removed */
};


struct message {
	struct arena *arena;          /* owned: everything below lives in it */
	const char *raw;              /* borrowed */
	size_t raw_len;
	size_t header_len;            /* bytes of the top-level header incl. blank line */

	struct msg_header *headers;   /* top-level header, in order */
	size_t nheaders;

	const char *message_id;       /* without angle brackets; NULL if none */
	const char *in_reply_to;      /* first id of In-Reply-To, no brackets; or NULL */
	const char **references;      /* References ids in order, no brackets */
	size_t nreferences;
	const char *subject;          /* decoded, unfolded; "" when absent */
	struct msg_address from;      /* from.address NULL when absent/unparsable */
	struct msg_address sender;    /* Sender:, often absent */
	struct msg_address *reply_to;
	size_t nreply_to;
	struct msg_address *to;
	size_t nto;
	struct msg_address *cc;
	size_t ncc;
	time_t date;                  /* Date: as UTC; 0 when absent/unparsable */
	const char *return_path;      /* envelope sender from Return-Path; "" for <> */

	const char *content_type;     /* top-level type/subtype, lower-case */
	int multipart;                /* top-level is a multipart type */
	/* The top-level entity as its header fields describe it (from the
	 * fields in headers[], the first of each name), for relaying it:
	 * the body is raw + header_len. */
	const char *cte;              /* Content-Transfer-Encoding token,
	                               * lower-case; NULL when absent */
	const char *disposition;      /* Content-Disposition token, lower-case;
	                               * NULL when absent */
	struct msg_param *params;     /* Content-Type parameters, in order */
	size_t nparams;
	int is_signed;                /* multipart/signed or encrypted somewhere on top */
	int has_html_only;            /* text came from text/html */

	const char *text;             /* decoded UTF-8 body text (quotes, signature included) */
	size_t text_len;
	const char *new_text;         /* text without quoted replies and signature;
	                               * forwarded messages count as quoted (the
	                               * member's own words only; see quote.h) */
	struct quote_span *spans;       /* quote and signature spans in text */
	size_t nspans;

	const char **links;           /* http(s)/ftp/mailto links found in new_text, unique */
	size_t nlinks;
	struct msg_attachment *attachments;
	size_t nattachments;

	/* Delivery reports: the machine-readable part, if any */
	const char *delivery_status;  /* message/delivery-status body (raw), or NULL */
	const char *returned_headers; /* header of the returned message (text/rfc822-headers
	                               * or message/rfc822), or NULL */

	const char **defects;         /* short strings, see above */
	size_t ndefects;
};

/* message_parse - parse raw (len bytes, borrowed).  Returns the message
 * (owned, message_free) with defects for anything malformed, or NULL when
 * len exceeds lim->max_size.  lim may be NULL for the defaults. */
struct message *message_parse(const char *raw, size_t len, const struct msg_limits *lim);
/* message_free - free the message and its arena; *mp = NULL */
void message_free(struct message **mp);

/* message_header - the first header field of that name (case-insensitive),
 * unfolded raw value, or NULL */
const char *message_header(const struct message *m, const char *name);
/* message_header_next - the next field of that name after index *i (start
 * with *i = 0); NULL at the end */
const char *message_header_next(const struct message *m, const char *name, size_t *i);
/* message_param - the value of the top-level Content-Type parameter attr
 * (lower-case), or NULL */
const char *message_param(const struct message *m, const char *attr);

/* message_hash_id - "sha256:HEX" of the raw bytes, for messages without a
 * Message-ID (into out, at least 72 bytes) */
char *message_hash_id(const char *raw, size_t len, char *out, size_t outlen);

#endif
