/* SPDX-License-Identifier: GPL-3.0-or-later */
/* header - the header of a message or MIME entity: its fields, unfolded
 *
 * header_scan() reads a header line by line under limits and hands every
 * field to a callback as raw (folded) spans of the input; nothing is
 * copied.  A line that is no field is a defect ("header-no-colon"): it is
 * skipped when a field follows, else the body starts there (a sender that
 * forgot the blank line).  Lines over 998 bytes are "line-too-long".  An
 * mbox "From " line before the first field is skipped quietly.
 *
 * header_unfold() turns a raw value into one clean UTF-8 line: line breaks
 * go, raw 8-bit bytes are read as UTF-8 when valid else as windows-1252
 * ("8bit-header"), NULs are dropped ("nul-bytes"), the ends are trimmed.
 */
#ifndef BARAZA_HEADER_H
#define BARAZA_HEADER_H

#include <stddef.h>

struct buf;
struct mailparse;

#define HEADER_MAX_LINE 998   /* RFC 5322's line limit, for the defect */

/* A stretch of the input (borrowed) */
struct header_span {
	const char *p;
	size_t n;
};

/* header_scan - read the header at [p, end): field() is called for every
 * field with its name and its raw value (from after the colon to the end
 * of its last line, line end included), in order.  mbox_from: a leading
 * "From " line is no defect.  Returns where the body starts (after the
 * blank line, at a line that could not be a field, or end). */
const char *header_scan(struct mailparse *mp, const char *p, const char *end,
    int mbox_from, void (*field)(void *arg, const char *name, size_t nlen,
    const char *value, size_t vlen), void *arg);

/* header_end - where the header of [p, end) ends: at its blank line, or
 * end (a scan for the end only, without defects) */
const char *header_end(const char *p, const char *end);

/* header_unfold - the value v[0..n) unfolded into out (reset first) as
 * clean, trimmed UTF-8; the defects go to mp */
void header_unfold(struct mailparse *mp, const char *v, size_t n, struct buf *out);

/* header_token - the first token of the raw value sp (up to ';', white
 * space or a comment), lower-case, into t (tn bytes, at least 1); "" when
 * sp is empty or absent */
void header_token(struct mailparse *mp, const struct header_span *sp, char *t,
    size_t tn);

/* header_wsp - 1 when ch is white space in a header: SP, HTAB, CR, LF */
int header_wsp(int ch);
/* header_blank - 1 when the n bytes at p are all header white space (or
 * n is 0) */
int header_blank(const char *p, size_t n);

/* header_trim - shrink [*p, *p + *n) to drop white space at both ends */
void header_trim(const char **p, size_t *n);

#endif
