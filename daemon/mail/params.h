/* SPDX-License-Identifier: GPL-3.0-or-later */
/* params - the parameters of a MIME field (RFC 2045 and RFC 2231)
 *
 * "text/plain; charset=utf-8; format=flowed" and "attachment;
 * filename*=UTF-8''%E2%82%AC.pdf" both end in "; attr=value" pairs, the
 * value a token or a quoted string.  params_parse() reads up to
 * PARAMS_MAX of them (attribute names lower-cased, quotes and backslash
 * escapes removed); params_text() gives a text parameter (a file name)
 * decoded to UTF-8 in whichever form the client wrote it: RFC 2231
 * "attr*=charset'lang'%XX", its continuations "attr*0*=", "attr*1=", or
 * the RFC 2047 encoded words many clients put in a plain "attr=".
 * params_content_type() reads a whole Content-Type field.
 */
#ifndef BARAZA_PARAMS_H
#define BARAZA_PARAMS_H

#include <stddef.h>

#include "buf.h"

struct header_span;
struct mailparse;

#define PARAMS_MAX 32

/* A parameter list; the values live in pool */
struct params_list {
	struct {
		char attr[48];        /* lower-case */
		size_t off, len;      /* the value: pool.data + off, len bytes */
	} p[PARAMS_MAX];
	size_t n;
	struct buf pool;
};

/* params_init / params_release - an empty list; free its pool */
void params_init(struct params_list *pp);
void params_release(struct params_list *pp);

/* params_parse - read the "; attr=value" pairs of s[0..n) (unfolded, clean
 * UTF-8), from its first ';', into pp (emptied first) */
void params_parse(struct params_list *pp, const char *s, size_t n);

/* params_find - the index of attr (lower-case) in pp, or -1 */
int params_find(const struct params_list *pp, const char *attr);

/* params_add - append attr = v[0..n); its index, or -1 when pp is full */
int params_add(struct params_list *pp, const char *attr, const char *v, size_t n);

/* params_text - the value of the text parameter attr decoded to UTF-8 into
 * out (reset first); charset defects go to mp.  1 found, 0 absent. */
int params_text(struct mailparse *mp, const struct params_list *pp, const char *attr,
    struct buf *out);

/* params_content_type - the raw Content-Type value sp (or none: sp->p
 * NULL): "type/subtype" lower-case into t (tn bytes) and its parameters
 * into pp; dflt when it is absent or is no type/subtype (the defect
 * "bad-content-type": RFC 2045 reads a bad type as text/plain) */
void params_content_type(struct mailparse *mp, const struct header_span *sp,
    const char *dflt, char *t, size_t tn, struct params_list *pp);

#endif
