/* SPDX-License-Identifier: GPL-3.0-or-later */
/* compose - the bytes of a relayed post, as members receive it
 *
 * compose_prepare() parses the stored raw message of a post once (with
 * message_parse) and builds everything that does not depend on the
 * recipient: the kept original header fields (From, Message-ID,
 * In-Reply-To, References, Date, MIME structure, ...), the prefixed
 * Subject, the list's header fields (List-Id, List-Post, List-Help,
 * List-Subscribe, List-Unsubscribe, List-Archive, Precedence,
 * X-Baraza-Theme, X-Baraza-Kind, X-Loop), and the body with room for the
 * footer.  compose_render() then
 * produces one recipient's copy (personalize = yes: the member's own
 * unsubscribe address and footer language) or the shared copy of a batch
 * (rcpt NULL) cheaply, so a post to 10 000 members is parsed once.
 *
 * Header fields removed from the original: Return-Path, Delivered-To,
 * X-Original-To, Envelope-To, Bcc, every List-*, Precedence, X-Baraza-*,
 * Errors-To, Return-Receipt-To, Disposition-Notification-To, and the
 * signatures the rewrite invalidates (DKIM-Signature, DomainKey-Signature).
 * Received and ARC-* are kept: ARC records the chain so far and the MTA
 * that signs for the list domain may add its own ARC set on top.  The
 * list's DKIM signature ([dkim], dkim_sign.h) is added after compose, on the
 * final bytes.
 *
 * From munging (the list's from_munging = always, or the post's own
 * decision, p->munge_from, taken by DMARC policy with auto: dmarc.h):
 * From: "Name via LIST" <cop@...>; the author's address goes into Cc
 * (reply_to = list: Reply-To is the list, and Cc keeps the author in a
 * reply-to-all) or into Reply-To (reply_to = sender).  The original Cc
 * is rewritten with the author added (not twice); the original
 * Reply-To is dropped.
 *
 * Footer placement: a single text/plain part (not an attachment) is decoded
 * (7bit/8bit/quoted-printable/base64), converted to UTF-8 (charset.h; only
 * when no byte has to be guessed), the footer is appended, and it is
 * re-encoded (base64 stays base64, quoted-printable
 * stays quoted-printable, otherwise 8bit, or quoted-printable when a line
 * exceeds 998 bytes).  Anything else (multipart, signed or encrypted,
 * HTML-only, a body that does not convert) is wrapped in multipart/mixed
 * with the footer as a separate text/plain part, so the original part and
 * any signature over it stay byte-for-byte intact.
 *
 * Header safety: every value interpolated into a header (names, subject,
 * theme, kind, token, list name, archive URL) is written by mime_out.h:
 * cleaned of CR, LF and other control characters, RFC 2047 encoded where
 * not ASCII, folded at 78 columns.  Output uses CRLF line ends
 * and is not dot-stuffed (libcurl does that while sending).
 */
#ifndef BARAZA_COMPOSE_H
#define BARAZA_COMPOSE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct conf;

/* What compose needs of the list (all borrowed). */
struct compose_list {
	const char *name;           /* "Shifting the Power CoP" */
	const char *local;          /* "cop" */
	const char *domain;         /* "example.org" */
	const char *sep;            /* "+" */
	const char *subject_prefix; /* "[CoP]" or "" */
	const char *archive_url;    /* or NULL */
	const char *web_url;        /* [web] url, or NULL: no one-click URI */
	const char *language;       /* default footer language */
	int reply_to_list;          /* reply_to = list */
	int from_munging;           /* from_munging = always: every post */
	const struct conf *conf;    /* theme titles in each language, or NULL */
};

/* compose_list_init - fill l from c (borrows c's strings) */
void compose_list_init(struct compose_list *l, const struct conf *c);

/* What compose needs of the post (all borrowed for compose_prepare only). */
struct compose_post {
	const char *raw;            /* the stored raw message */
	size_t raw_len;
	const char *subject;        /* decoded UTF-8 subject, or NULL: the
	                             * message's own (struct message) */
	const char *author_name;    /* decoded display name, or NULL */
	const char *author_email;   /* for from_munging; or NULL */
	int munge_from;             /* this post's From is the list's (the
	                             * DMARC decision, from_munging = auto) */
	const char *theme;          /* slug, e.g. "funding" */
	const char *theme_title;    /* or NULL (the slug is shown) */
	const char *kind;           /* "idea", "question", ... or NULL */
	const char *session;        /* "17 Nov - 1 Dec 2020", or NULL: used
	                             * when session_opens is 0 */
	time_t session_opens, session_closes; /* or 0: the footer writes the
	                             * dates in each reader's language */
	const char *parent_mid;     /* Message-ID (no brackets) of the post it
	                             * answers, or NULL: written as In-Reply-To
	                             * when the message has none (a reply sent
	                             * from a digest to cop+reply-POSTID@) */
};

/* One recipient's part (personalize = yes); borrowed.  The token goes
 * into List-Unsubscribe (and the web URI) only, never into the body. */
struct compose_rcpt {
	const char *unsub_token;    /* members.unsub_token, or NULL: generic */
	const char *language;       /* members.language, or NULL: the list's */
};

struct compose;

/* compose_prepare - parse p->raw and build the shared parts.  Returns a
 * struct compose (owned, compose_free) that copies what it needs of l and
 * p, or NULL when the message has no header field or is too large to
 * relay (logged). */
struct compose *compose_prepare(const struct compose_list *l,
    const struct compose_post *p);

/* compose_render - append one recipient's message to out (rcpt NULL: the
 * shared copy of a batch, with the generic unsubscribe address; else the
 * recipient's List-Unsubscribe, listhead.h).  The footer is the same for
 * every recipient of a language: it names the generic cop+unsubscribe@.  0, or -1
 * when out's cap would be passed. */
int compose_render(struct compose *cp, const struct compose_rcpt *rcpt,
    struct buf *out);

/* compose_mode - "text" (footer appended to the text) or "wrap" (footer
 * as a separate part), for tests and logs */
const char *compose_mode(const struct compose *cp);

/* compose_free - release; *cpp = NULL */
void compose_free(struct compose **cpp);

/* ---- helpers, public for the relay's other mail and for tests ---------- */

/* compose_subject - the subject with the list prefix added once: reply
 * and forward markers (Re:, AW:, SV:, RE :, Fwd:, 回复: ...: those of
 * subject.h) stay in front as written, earlier copies of the prefix among
 * them are removed; "(no subject)" when empty.  An empty prefix leaves the
 * subject as it is.  Returns a fresh string (owned). */
char *compose_subject(const char *prefix, const char *subject);

/* compose_crlf - append n bytes converting LF and lone CR to CRLF.  0/-1 */
int compose_crlf(struct buf *out, const char *p, size_t n);

#endif
