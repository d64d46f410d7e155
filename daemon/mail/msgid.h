/* SPDX-License-Identifier: GPL-3.0-or-later */
/* msgid - the message ids of Message-ID, In-Reply-To and References
 *
 * Ids are read without their angle brackets, in order, duplicates
 * dropped.  Mail carries them loosely: comments, junk words between them
 * ("In-Reply-To: <x@y> (Amina's message of Friday)"), blanks inside the
 * brackets, bare ids without brackets (taken when they hold an '@').
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

#endif
