/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mime_out - the one writer of the mail baraza sends
 *
 * The relay's copies of posts (compose.c), notices, digests and the
 * replies to requests write their header fields and encoded bodies here,
 * so that there is one answer to each question of the format:
 *   - a header value is cleaned first: CR, LF, TAB and every other control
 *     character (C1 and U+2028/U+2029 too) become a space, runs of spaces
 *     collapse, invalid UTF-8 becomes '?'; no input can add a header line;
 *   - RFC 2047: the words that need it (non-ASCII, shaped like an encoded
 *     word, or too long to fold) become UTF-8 "B" encoded words of at most
 *     75 characters that never split a UTF-8 sequence, neighbours merged
 *     so the spaces between them survive decoding; ASCII words stay as
 *     they are, readable in any client;
 *   - fields are folded between words at 78 columns;
 *   - a display name is written as atext, a quoted string or encoded
 *     words, an address in angle brackets;
 *   - quoted-printable bodies have lines of at most 76 characters, CRLF
 *     hard breaks, and encode trailing blanks and, at the start of a line,
 *     '.' and the "F" of "From " (which old relays and mbox writers alter);
 *   - base64 bodies have lines of 76 characters.
 * Header lines end in CRLF (MIME_CRLF), or in LF (MIME_LF) for mail that
 * is stored with LF line ends and made CRLF by the relay (notices).
 */
#ifndef BARAZA_MIME_OUT_H
#define BARAZA_MIME_OUT_H

#include <stddef.h>

#include "buf.h"

#define MIME_FOLD 78            /* columns a header line is folded at */
#define MIME_TEXT_MAX 2000      /* bytes of an unstructured value kept */
#define MIME_NAME_MAX 200       /* bytes of a display name kept */
#define MIME_CRLF "\r\n"
#define MIME_LF "\n"

/* A header field being written */
struct mime_field {
	struct buf *out;        /* borrowed */
	const char *eol;        /* MIME_CRLF or MIME_LF */
	size_t col;             /* the column the next byte goes to */
	int err;                /* an append passed out's cap (sticky) */
};

/* mime_field_start - begin the field "name: " on out (eol: MIME_CRLF or
 * MIME_LF; the name must be a valid field name) */
void mime_field_start(struct mime_field *f, struct buf *out, const char *eol,
    const char *name);
/* mime_field_text - an unstructured value (UTF-8), cleaned, encoded where
 * needed and folded; at most MIME_TEXT_MAX bytes of it */
void mime_field_text(struct mime_field *f, const char *value);
/* mime_field_phrase - a display name, cleaned: encoded words when it is
 * not ASCII or looks encoded, else a quoted string (or, when quote is 0
 * and it is only atext and spaces, as it is).  1 when something was
 * written, 0 when the name was NULL or nothing was left of it. */
int mime_field_phrase(struct mime_field *f, const char *phrase, int quote);
/* mime_field_angle - "<text>" (text written as it is), after a phrase
 * " <text>", folding first when it does not fit */
void mime_field_angle(struct mime_field *f, int after_phrase, const char *text);
/* mime_field_mailbox - "phrase <addr>" (phrase may be NULL).  0, or -1
 * when addr is not a safe address (mime_addr_ok), and nothing written */
int mime_field_mailbox(struct mime_field *f, const char *phrase, const char *addr);
/* mime_field_addr - "display <addr>" for an address the caller vouches
 * for: characters that could leave the brackets (blanks, controls, <>(),;:
 * \ [] and quotes) are dropped from it, not refused */
void mime_field_addr(struct mime_field *f, const char *display, const char *addr);
/* mime_field_comma - the ", " between two list items, or ",", a fold and a
 * space when the line is full */
void mime_field_comma(struct mime_field *f);
/* mime_field_end - end the field with its line end.  0, or -1 when an
 * append passed out's cap (the field is then incomplete) */
int mime_field_end(struct mime_field *f);

/* mime_header_eol - a whole field "Name: value" + eol, the value as
 * mime_field_text writes it.  0 or -1 (cap). */
int mime_header_eol(struct buf *out, const char *eol, const char *name,
    const char *value);
/* mime_header_addr_eol - a whole field "Name: display <addr>" + eol, as
 * mime_field_addr writes it.  0 or -1 (cap). */
int mime_header_addr_eol(struct buf *out, const char *eol, const char *name,
    const char *display, const char *addr);
/* mime_header_text, mime_header_addr - the same with CRLF */
int mime_header_text(struct buf *out, const char *name, const char *value);
int mime_header_addr(struct buf *out, const char *name, const char *display,
    const char *addr);

/* mime_clean - a copy of s (owned; s may be NULL) fit for a header: CR, LF,
 * TAB and every other control character (C1, U+2028, U+2029) a space,
 * invalid UTF-8 '?', runs of spaces one, ends trimmed; at most max bytes,
 * cut between characters */
char *mime_clean(const char *s, size_t max);
/* mime_addr_ok - 1 when addr can stand between angle brackets in a header
 * as it is: an '@' with text on both sides (the last '@' counts), at most
 * 254 bytes, no blanks, controls or <>()[]\,;:" */
int mime_addr_ok(const char *addr);

/* mime_qp_encode - append s[0..n) (text with LF, CRLF or CR line ends) as
 * quoted-printable with CRLF line ends.  0 or -1 (cap). */
int mime_qp_encode(struct buf *out, const char *s, size_t n);
/* mime_base64_body - append s[0..n) as base64 in lines of 76 characters,
 * each ending in CRLF.  0 or -1 (cap). */
int mime_base64_body(struct buf *out, const char *s, size_t n);

/* mime_boundary - a fresh random boundary string into out (>= 40 bytes) */
void mime_boundary(char *out, size_t outlen);

#endif
