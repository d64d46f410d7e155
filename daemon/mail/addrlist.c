/* SPDX-License-Identifier: GPL-3.0-or-later */
/* addrlist - RFC 5322 address lists, tolerant (see addrlist.h) */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "addrlist.h"
#include "arena.h"
#include "buf.h"
#include "header.h"
#include "mailparse.h"
#include "rfc2047.h"
#include "xalloc.h"

#define ADDR_SPEC_MAX 998     /* longest address kept */

/* addrlist_collapse - see addrlist.h */
void
addrlist_collapse(struct buf *b)
{
	size_t i, k = 0;
	int sp = 0;

	for (i = 0; i < b->len; i++) {
		unsigned char ch = (unsigned char)b->data[i];

		if (ch < 32 || ch == 127 || ch == ' ') {
			sp = 1;
			continue;
		}
		if (sp && k)
			b->data[k++] = ' ';
		sp = 0;
		b->data[k++] = (char)ch;
	}
	buf_truncate(b, k);
	if (k >= 2 && ((b->data[0] == '\'' && b->data[k - 1] == '\'') ||
	    (b->data[0] == '"' && b->data[k - 1] == '"'))) {
		memmove(b->data, b->data + 1, k - 2);
		buf_truncate(b, k - 2);
	}
}

/* addrlist_addr_spec - see addrlist.h */
const char *
addrlist_addr_spec(struct mailparse *mp, const char *s, size_t n)
{
	char *a, *at, *p;
	const char *colon;
	size_t i, k = 0;

	/* obsolete route "@a,@b:user@domain" */
	if (n && s[0] == '@' && (colon = memchr(s, ':', n)) != NULL) {
		n -= (size_t)(colon + 1 - s);
		s = colon + 1;
	}
	if (n == 0 || n > ADDR_SPEC_MAX)
		return NULL;
	a = arena_alloc(mp->arena, n + 1);
	if (a == NULL) {
		mailparse_defect(mp, "arena-full");
		return NULL;
	}
	{
		int inq = 0;

		/* blanks and stray brackets go, except inside a quoted local
		 * part ("john doe"@example.org) */
		for (i = 0; i < n; i++) {
			if (s[i] == '"')
				inq = !inq;
			if (!inq && (header_wsp((unsigned char)s[i]) || s[i] == '<' || s[i] == '>'))
				continue;
			a[k++] = s[i];
		}
	}
	a[k] = '\0';
	at = strrchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0')
		return NULL;
	for (p = at + 1; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return a;
}

/* addr_one - turn one mailbox's collected pieces into out */
static int
addr_one(struct mailparse *mp, struct buf *phrase, struct buf *angle, int had_angle,
    struct buf *comment, struct msg_address *out)
{
	struct buf *nb = &mp->tmp2;
	char bad[48];
	int r;

	memset(out, 0, sizeof(*out));
	buf_reset(nb);
	if (had_angle) {
		out->address = addrlist_addr_spec(mp, angle->data, angle->len);
		r = rfc2047_decode(&mp->cc, phrase->data, phrase->len, nb, bad, sizeof(bad));
		mailparse_charset(mp, r & ~RFC2047_RAW8BIT, bad);
	} else {
		size_t i;
		int has_at = 0;

		for (i = 0; i < phrase->len; i++)
			if (phrase->data[i] == '@')
				has_at = 1;
		if (has_at) {
			out->address = addrlist_addr_spec(mp, phrase->data, phrase->len);
			r = rfc2047_decode(&mp->cc, comment->data, comment->len, nb, bad, sizeof(bad));
		} else {
			r = rfc2047_decode(&mp->cc, phrase->data, phrase->len, nb, bad, sizeof(bad));
		}
		mailparse_charset(mp, r & ~RFC2047_RAW8BIT, bad);
	}
	addrlist_collapse(nb);
	if (nb->len)
		out->name = mailparse_strndup(mp, nb->data, nb->len);
	return out->address != NULL || out->name != NULL;
}

/* addrlist_parse - see addrlist.h */
size_t
addrlist_parse(struct mailparse *mp, const struct header_span *sp,
    struct msg_address **outp)
{
	struct buf phrase, angle, comment;
	struct msg_address *all = NULL;
	size_t n = 0, alloc = 0;
	const char *p, *end;
	int in_angle = 0, had_angle = 0;

	*outp = NULL;
	if (sp->p == NULL)
		return 0;
	header_unfold(mp, sp->p, sp->n, &mp->tmp1);
	p = mp->tmp1.data;
	end = p + mp->tmp1.len;
	buf_init(&phrase, 64 * 1024);
	buf_init(&angle, 64 * 1024);
	buf_init(&comment, 64 * 1024);
	for (;;) {
		int sep = p >= end || (!in_angle && (*p == ',' || *p == ';'));

		if (!sep && !in_angle && *p == ':' && !had_angle) {
			/* group name: forget it */
			buf_reset(&phrase);
			buf_reset(&comment);
			p++;
			continue;
		}
		if (sep) {
			struct msg_address a;

			if ((phrase.len || angle.len || had_angle) && n < ADDRLIST_MAX &&
			    addr_one(mp, &phrase, &angle, had_angle, &comment, &a)) {
				if (n == alloc) {
					alloc = alloc ? 2 * alloc : 4;
					all = xreallocarray(all, alloc, sizeof(*all));
				}
				all[n++] = a;
			}
			buf_reset(&phrase);
			buf_reset(&angle);
			buf_reset(&comment);
			had_angle = in_angle = 0;
			if (p >= end)
				break;
			p++;
			continue;
		}
		if (*p == '"') {
			/* quoted string: its content, unescaped */
			struct buf *dst = in_angle ? &angle : &phrase;
			const char *q = p + 1;
			size_t mark = dst->len;

			while (q < end && *q != '"') {
				if (*q == '\\' && q + 1 < end)
					q++;
				buf_append(dst, q, 1);
				q++;
			}
			if (q < end && q + 1 < end && q[1] == '@' && !in_angle && !had_angle) {
				/* a quoted local part: keep it quoted */
				buf_truncate(dst, mark);
				buf_append(dst, p, (size_t)(q + 1 - p));
				p = q + 1;
			} else if (q < end) {
				p = q + 1;
			} else {
				/* never closed: read on as if the quote were not there */
				buf_truncate(dst, mark);
				p++;
			}
			continue;
		}
		if (*p == '(') {
			int depth = 0;

			buf_reset(&comment);
			do {
				if (*p == '\\' && p + 1 < end) {
					p++;
					buf_append(&comment, p, 1);
				} else if (*p == '(') {
					if (depth++)
						buf_append(&comment, p, 1);
				} else if (*p == ')') {
					if (--depth)
						buf_append(&comment, p, 1);
				} else {
					buf_append(&comment, p, 1);
				}
				p++;
			} while (p < end && depth > 0);
			if (!in_angle)
				buf_append(&phrase, " ", 1);
			continue;
		}
		if (!in_angle && *p == '<' && !had_angle) {
			in_angle = had_angle = 1;
			p++;
			continue;
		}
		if (in_angle && *p == '>') {
			in_angle = 0;
			p++;
			continue;
		}
		/* after the angle address, the rest is junk */
		if (in_angle)
			buf_append(&angle, p, 1);
		else if (!had_angle)
			buf_append(&phrase, p, 1);
		p++;
	}
	buf_release(&phrase);
	buf_release(&angle);
	buf_release(&comment);
	if (n) {
		*outp = mailparse_memdup(mp, all, n, sizeof(*all));
		if (*outp == NULL)
			n = 0;
	}
	free(all);
	return n;
}
