/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mask - e-mail addresses hidden from everything the public sees, and
 * chosen strings scrubbed out of stored messages
 *
 * mask_text() is the one address masker: the archive's pages, feeds and
 * search index, the mbox downloads and the search answers by mail all
 * show text through it.  It replaces with MASK_HIDDEN whatever a reader
 * would take for an address:
 *   - local@domain.tld, the local part and the domain in any script
 *     (fréd@exämple.net), "@" also written "＠", "%40", "=40" (quoted-printable left
 *     undecoded), "&#64;", "&#x40;";
 *     a domain of one label is enough when it has a letter (fred@localhost);
 *   - local@[192.0.2.1] and local@[IPv6:2001:db8::1];
 *   - the spellings people use against harvesters: "fred (at) example
 *     (dot) org", "fred[at]example.org", "fred {at} example . org",
 *     "fred @ example.org", "fred at example dot org" (a word "at" between
 *     two words needs a domain of two labels or more whose last is a
 *     top-level-domain-like word: "meet at 10.30" stays; "I work at
 *     unicef.org" does not - privacy comes before that sentence).
 * Text is bytes: UTF-8 is read as it comes, never cut inside a character.
 *
 * mask_message() copies a raw message with that masker applied to every
 * header field (encoded words decoded first, and the field re-encoded when
 * something changed) but the ids that thread it, and to the decoded text
 * of every text part: base64 and quoted-printable bodies are decoded (soft
 * line breaks, "=40"), converted to UTF-8, masked and encoded again the
 * same way; multiparts and attached messages are walked (nesting capped);
 * attachments' file names are masked in their fields; other bodies are
 * copied as they are.  A part where nothing changed keeps its bytes.
 * mask_message_with() does the same with another rewriter (forget uses it
 * to scrub one person's name and address).
 */
#ifndef BARAZA_MASK_H
#define BARAZA_MASK_H

#include <stddef.h>

#include "buf.h"

#define MASK_HIDDEN "hidden@hidden.invalid"

/* mask_text - append [p, end) to out with every address replaced by
 * MASK_HIDDEN */
void mask_text(struct buf *out, const char *p, const char *end);

/* mask_str - mask_text of a NUL-terminated string into out (reset first);
 * out->data, or NULL when out's cap was passed */
const char *mask_str(struct buf *out, const char *s);

/* mask_rewriter - append [p, end) to out, rewritten */
typedef void mask_rewriter(void *arg, struct buf *out, const char *p, const char *end);

/* mask_message_with - copy the raw message raw[0..len) into out with fn
 * applied to its header fields (but Message-ID, In-Reply-To and References
 * when keep_ids) and to the text of its text parts, as described above.
 * 0, or -1 when out's cap was passed (out then holds a prefix). */
int mask_message_with(struct buf *out, const char *raw, size_t len, int keep_ids,
    mask_rewriter *fn, void *arg);

/* mask_message - mask_message_with mask_text, the ids kept */
int mask_message(struct buf *out, const char *raw, size_t len);

#endif
