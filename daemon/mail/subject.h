/* SPDX-License-Identifier: GPL-3.0-or-later */
/* subject - the reply and forward markers that open a Subject line
 *
 * Mail clients write "Re:", "Fwd:" and their translations in front of the
 * subject they answer or pass on: "AW:" and "WG:" (German), "SV:" and "VS:"
 * (Nordic), "RE :" and "TR:" (French), "RES:" (Portuguese), "Odp:"
 * (Polish), "回复:" and "转发:" (Chinese) ...  This is the one table of
 * them: ingest reads it to tell a reply and to find the subject a thread
 * is about, the relay to keep the markers in front of the list's prefix.
 *
 * A marker is a word of the table, matched without regard to case, then
 * an optional dot ("Réf.:"), an optional counter ("Re[2]:", "Re(2):",
 * "Re^2:", "Re*2:"), blanks, and a colon (or the full-width one, "："):
 * "Regarding" and "Re-think:" are no markers.
 */
#ifndef BARAZA_SUBJECT_H
#define BARAZA_SUBJECT_H

#include <stddef.h>

/* subject_marker - the length of the marker that opens folded (text
 * lower-cased by utf8_fold), with the white space after it; 0 when there
 * is none.  *reply (may be NULL) is set to 1 for a reply marker, 0 for a
 * forward. */
size_t subject_marker(const char *folded, int *reply);

/* subject_skip - the offset past the markers that open subject (NULL: 0)
 * and the white space around them, looking at its first 1024 bytes.
 * other (may be NULL) recognises further pieces that may stand among the
 * markers (a list's prefix, its tags): given the folded text at a piece,
 * it returns 1 and the piece's length in *len, or 0.  *reply (may be
 * NULL) is set to 1 when the first piece is a reply marker. */
size_t subject_skip(const char *subject,
    int (*other)(void *arg, const char *folded, size_t *len), void *arg,
    int *reply);

/* subject_skip_reply - past every leading marker of subject and the white
 * space around them (looking at its first 1024 bytes).  Returns a pointer
 * into subject (borrowed), "" for NULL. */
const char *subject_skip_reply(const char *subject);

/* subject_is_reply - 1 when subject opens with a reply marker, 0 when it
 * opens with a forward marker ("Fwd: Re: x" is no reply) or none */
int subject_is_reply(const char *subject);

#endif
