/* SPDX-License-Identifier: GPL-3.0-or-later */
/* header - scan a header into fields and unfold their values (see header.h) */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "header.h"
#include "mailparse.h"

/* header_wsp - see header.h */
int
header_wsp(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* header_blank - see header.h */
int
header_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!header_wsp((unsigned char)p[i]))
			return 0;
	return 1;
}

/* header_trim - see header.h */
void
header_trim(const char **p, size_t *n)
{
	while (*n && header_wsp((unsigned char)(*p)[0])) {
		(*p)++;
		(*n)--;
	}
	while (*n && header_wsp((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

/* field_name_len - length of the field name of the line at p (up to the
 * colon, allowing blanks before it), and the colon's offset; 0 when the
 * line is not a field */
static size_t
field_name_len(const char *p, const char *eol, const char **colon)
{
	const char *q = p, *name_end;

	while (q < eol && (unsigned char)*q > 32 && (unsigned char)*q < 127 && *q != ':')
		q++;
	if (q == p)
		return 0;
	name_end = q;
	while (q < eol && (*q == ' ' || *q == '\t'))
		q++;
	if (q >= eol || *q != ':')
		return 0;
	*colon = q;
	return (size_t)(name_end - p);
}

/* line_end - the end of the line at p (at the '\n' or end) */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* next_line - the start of the line after p */
static const char *
next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/* is_blank_line - the line [p, eol) is empty (or only CR) */
static int
is_blank_line(const char *p, const char *eol)
{
	return p == eol || (eol - p == 1 && *p == '\r');
}

/* header_scan - see header.h */
const char *
header_scan(struct mailparse *mp, const char *p, const char *end,
    int mbox_from, void (*field)(void *arg, const char *name, size_t nlen,
    const char *value, size_t vlen), void *arg)
{
	int first = 1;

	while (p < end) {
		const char *eol = line_end(p, end), *colon = NULL, *name = p, *v;
		size_t nlen;

		if (is_blank_line(p, eol))
			return eol < end ? eol + 1 : end;
		if ((size_t)(eol - p) > HEADER_MAX_LINE + 1)
			mailparse_defect(mp, "line-too-long");
		nlen = field_name_len(p, eol, &colon);
		if (nlen == 0) {
			const char *nx = next_line(p, end), *nxe, *col2;

			/* an mbox "From " line before the header is no defect */
			if (first && mbox_from && eol - p >= 5 && memcmp(p, "From ", 5) == 0) {
				p = nx;
				first = 0;
				continue;
			}
			mailparse_defect(mp, "header-no-colon");
			/* skip the bad line when a field follows, else it starts
			 * the body (a sender that forgot the blank line) */
			nxe = line_end(nx, end);
			if (nx < end && (field_name_len(nx, nxe, &col2) || *nx == ' ' || *nx == '\t')) {
				p = nx;
				first = 0;
				continue;
			}
			return p;
		}
		first = 0;
		/* the value runs on over continuation lines */
		v = colon + 1;
		p = eol < end ? eol + 1 : end;
		while (p < end && (*p == ' ' || *p == '\t')) {
			eol = line_end(p, end);
			if ((size_t)(eol - p) > HEADER_MAX_LINE + 1)
				mailparse_defect(mp, "line-too-long");
			p = eol < end ? eol + 1 : end;
		}
		field(arg, name, nlen, v, (size_t)(p - v));
	}
	return end;
}

/* header_end - see header.h */
const char *
header_end(const char *p, const char *end)
{
	const char *q = p;

	while (q < end) {
		const char *eol = line_end(q, end);

		if (is_blank_line(q, eol))
			return q;
		q = eol < end ? eol + 1 : end;
	}
	return end;
}

/* header_unfold - see header.h */
void
header_unfold(struct mailparse *mp, const char *v, size_t n, struct buf *out)
{
	const char *p = v, *end = v + n, *nl;
	const char *s;
	int r = 0;

	buf_reset(out);
	while (p < end) {
		for (nl = p; nl < end && *nl != '\r' && *nl != '\n'; nl++)
			;
		r |= charset_clean(p, (size_t)(nl - p), out);
		p = nl;
		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
	}
	if (r & CHARSET_NUL)
		mailparse_defect(mp, "nul-bytes");
	if (r & CHARSET_BAD)
		mailparse_defect(mp, "8bit-header");
	s = out->data;
	n = out->len;
	header_trim(&s, &n);
	if (s != out->data)
		memmove(out->data, s, n);
	buf_truncate(out, n);
}

/* header_token - see header.h */
void
header_token(struct mailparse *mp, const struct header_span *sp, char *t, size_t tn)
{
	size_t i, k = 0;

	t[0] = '\0';
	if (sp->p == NULL)
		return;
	header_unfold(mp, sp->p, sp->n, &mp->tmp3);
	for (i = 0; i < mp->tmp3.len && k < tn - 1; i++) {
		unsigned char ch = (unsigned char)mp->tmp3.data[i];

		if (ch == ';' || header_wsp(ch) || ch == '(')
			break;
		t[k++] = (char)tolower(ch);
	}
	t[k] = '\0';
}
