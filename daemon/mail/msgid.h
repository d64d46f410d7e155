/* SPDX-License-Identifier: GPL-3.0-or-later */
/* msgid - the message ids of Message-ID, In-Reply-To and References
 *
 * Ids are read without their angle brackets, in order, duplicates
 * dropped.  Mail carries them loosely: comments, phrases around them
 * ("In-Reply-To: Message from Amina <amina@x> of Friday <id@y>"), blanks
 * inside the brackets.  Only bracketed tokens are ids (an address that
 * the phrase introduces as a person is not), except in a field made of
 * nothing but bare ids that hold an '@' ("a@x, b@x").
 * References can grow without end on a long thread: past MSGID_MAX_IDS
 * the first id (the thread's root) and the last ones (the nearest
 * parents) are kept.
 */
#ifndef BARAZA_MSGID_H
#define BARAZA_MSGID_H

#include <stddef.h>

struct header_span;
struct mailparse;

#define MSGID_MAX 998         /* longest id kept */
#define MSGID_MAX_IDS 200     /* ids kept per field */

/* msgid_parse - the ids of the raw field value sp (sp->p NULL: none); the
 * count, with *out an array of strings in mp's arena (NULL when 0) */
size_t msgid_parse(struct mailparse *mp, const struct header_span *sp,
    const char ***out);

/* msgid_parent - the parent named by the In-Reply-To ids irt: the last of
 * them that References also names, else the first; NULL when nirt is 0 */
const char *msgid_parent(const char *const *irt, size_t nirt,
    const char *const *refs, size_t nrefs);

#endif
