/* SPDX-License-Identifier: GPL-3.0-or-later */
/* oneclick - what baraza web answers: RFC 8058 one-click unsubscription
 *
 * The List-Unsubscribe header of a member's list mail holds
 * [web] url + "/unsubscribe/" + TOKEN (listhead.h).  The endpoint serves
 * that path, under the URL's own path ("/cop/unsubscribe/TOKEN") or
 * without it ("/unsubscribe/TOKEN", for a proxy that strips the prefix):
 *   GET, HEAD  a small page in the member's language with a button; it
 *              changes nothing (mail scanners follow links);
 *   POST       with the form field List-Unsubscribe=One-Click (what
 *              RFC 8058 receivers send, urlencoded or multipart/form-data,
 *              and what the page's button sends):
 *              the member is unsubscribed at once, 200; the token is then
 *              spent (the unsub-token migration) and never works again;
 *              without that field: 400 and the page again;
 *   an unknown token 404; a spent one 404 with "already done" (SPEC §4:
 *   using a spent token again is harmless); any other path 404; any
 *   other method 405.
 * No mail is sent for a web unsubscription: the page is the answer, and
 * a receiver's one-click POST should not start a conversation.  Nothing
 * else is served (the archive is a static site: README "Deploying").
 * Logs never hold more than the first 6 characters of a token.
 */
#ifndef BARAZA_ONECLICK_H
#define BARAZA_ONECLICK_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "store.h"

#define ONECLICK_TOKEN_LEN 32     /* the member tokens' 128 bits in hex */
#define ONECLICK_FIELD "List-Unsubscribe"   /* RFC 8058's form field ... */
#define ONECLICK_VALUE "One-Click"          /* ... and its value */

/* ---- parsing (oneclick_parse.c) ---------------------------------------- */

/* oneclick_path_token - when path is prefix "/unsubscribe/" TOKEN or
 * "/unsubscribe/" TOKEN (prefix: [web] url's path, "" or "/cop"), with
 * TOKEN 32 hex digits (any case) and an optional trailing '/': 1 and the
 * token in lower case into out (ONECLICK_TOKEN_LEN + 1 bytes); else 0. */
int oneclick_path_token(const char *path, const char *prefix, char *out);

/* oneclick_body_ok - 1 when body (application/x-www-form-urlencoded,
 * len bytes, any bytes) holds the pair List-Unsubscribe=One-Click, in any
 * position among '&'-separated pairs, '+' and %XX decoded, surrounding
 * CR/LF ignored; else 0 */
int oneclick_body_ok(const char *body, size_t len);

/* oneclick_form_ok - the one-click field in a POST body of this
 * Content-Type (NULL: none): multipart/form-data (RFC 7578; RFC 8058's
 * example) a part named List-Unsubscribe holding exactly One-Click; any
 * other type as oneclick_body_ok().  1 or 0. */
int oneclick_form_ok(const char *content_type, const char *body, size_t len);

/* ---- answering (oneclick.c) -------------------------------------------- */

/* oneclick_serve - answer one request: the page into page (HTML), the
 * HTTP status returned.  method "GET", "HEAD", "POST" (else 405); path as
 * sent.  Changes the store only for a POST that unsubscribes. */
int oneclick_serve(struct store *s, const struct conf *c, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len,
    struct buf *page);

#endif
