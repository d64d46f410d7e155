/* SPDX-License-Identifier: GPL-3.0-or-later */
/* params - MIME field parameters, RFC 2045 and RFC 2231 (see params.h) */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "charset.h"
#include "header.h"
#include "hex.h"
#include "mailparse.h"
#include "params.h"
#include "rfc2047.h"

/* params_init - see params.h */
void
params_init(struct params_list *pp)
{
	pp->n = 0;
	buf_init(&pp->pool, 64 * 1024);
}

/* params_release - see params.h */
void
params_release(struct params_list *pp)
{
	buf_release(&pp->pool);
}

/* params_parse - see params.h */
void
params_parse(struct params_list *pp, const char *s, size_t n)
{
	const char *p = memchr(s, ';', n), *end = s + n;

	pp->n = 0;
	buf_reset(&pp->pool);
	if (p == NULL)
		return;
	while (p < end && pp->n < PARAMS_MAX) {
		const char *a, *ae;
		size_t i, al;

		while (p < end && (*p == ';' || header_wsp((unsigned char)*p)))
			p++;
		a = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		ae = p;
		while (ae > a && header_wsp((unsigned char)ae[-1]))
			ae--;
		if (p >= end || *p != '=')
			continue;
		p++;
		while (p < end && header_wsp((unsigned char)*p))
			p++;
		al = (size_t)(ae - a);
		if (al == 0 || al >= sizeof(pp->p[0].attr)) {
			while (p < end && *p != ';')
				p++;
			continue;
		}
		for (i = 0; i < al; i++)
			pp->p[pp->n].attr[i] = (char)tolower((unsigned char)a[i]);
		pp->p[pp->n].attr[al] = '\0';
		pp->p[pp->n].off = pp->pool.len;
		if (p < end && *p == '"') {
			p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					p++;
				buf_append(&pp->pool, p, 1);
				p++;
			}
			if (p < end)
				p++;
			while (p < end && *p != ';')
				p++;
		} else {
			const char *vs = p, *ve;

			while (p < end && *p != ';')
				p++;
			ve = p;
			while (ve > vs && header_wsp((unsigned char)ve[-1]))
				ve--;
			buf_append(&pp->pool, vs, (size_t)(ve - vs));
		}
		pp->p[pp->n].len = pp->pool.len - pp->p[pp->n].off;
		pp->n++;
	}
}

/* params_find - see params.h */
int
params_find(const struct params_list *pp, const char *attr)
{
	size_t i;

	for (i = 0; i < pp->n; i++)
		if (strcmp(pp->p[i].attr, attr) == 0)
			return (int)i;
	return -1;
}

/* params_add - see params.h */
int
params_add(struct params_list *pp, const char *attr, const char *v, size_t n)
{
	if (pp->n >= PARAMS_MAX)
		return -1;
	snprintf(pp->p[pp->n].attr, sizeof(pp->p[0].attr), "%s", attr);
	pp->p[pp->n].off = pp->pool.len;
	buf_append(&pp->pool, v, n);
	pp->p[pp->n].len = pp->pool.len - pp->p[pp->n].off;
	return (int)pp->n++;
}

/* pct_decode - RFC 2231 %XX decoding, appended to out */
static void
pct_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int h, l;

		if (s[i] == '%' && i + 2 < n && (h = hex_value(s[i + 1])) >= 0 &&
		    (l = hex_value(s[i + 2])) >= 0) {
			char ch = (char)(h * 16 + l);

			buf_append(out, &ch, 1);
			i += 2;
		} else {
			buf_append(out, s + i, 1);
		}
	}
}

/* params_text - see params.h */
int
params_text(struct mailparse *mp, const struct params_list *pp, const char *attr,
    struct buf *out)
{
	char name[64], charset[48] = "";
	struct buf raw;
	int i, k, r;

	buf_reset(out);
	snprintf(name, sizeof(name), "%s*", attr);
	buf_init(&raw, 64 * 1024);
	if ((i = params_find(pp, name)) >= 0) {
		pct_decode(pp->pool.data + pp->p[i].off, pp->p[i].len, &raw);
	} else {
		for (k = 0; k < 100; k++) {
			int star = 1;

			snprintf(name, sizeof(name), "%s*%d*", attr, k);
			if ((i = params_find(pp, name)) < 0) {
				snprintf(name, sizeof(name), "%s*%d", attr, k);
				star = 0;
				if ((i = params_find(pp, name)) < 0)
					break;
			}
			if (star)
				pct_decode(pp->pool.data + pp->p[i].off, pp->p[i].len, &raw);
			else
				buf_append(&raw, pp->pool.data + pp->p[i].off, pp->p[i].len);
		}
		if (k == 0) {
			buf_release(&raw);
			if ((i = params_find(pp, attr)) < 0)
				return 0;
			r = rfc2047_decode(&mp->cc, pp->pool.data + pp->p[i].off, pp->p[i].len,
			    out, charset, sizeof(charset));
			mailparse_charset(mp, r & ~RFC2047_RAW8BIT, charset);
			return 1;
		}
	}
	/* charset'language'value: the first segment carries them */
	{
		const char *q1 = memchr(raw.data, '\'', raw.len), *q2 = NULL;

		if (q1)
			q2 = memchr(q1 + 1, '\'', raw.len - (size_t)(q1 + 1 - raw.data));
		if (q1 && q2 && (size_t)(q1 - raw.data) < sizeof(charset)) {
			memcpy(charset, raw.data, (size_t)(q1 - raw.data));
			charset[q1 - raw.data] = '\0';
			r = charset_convert(&mp->cc, charset, q2 + 1,
			    raw.len - (size_t)(q2 + 1 - raw.data), out);
			mailparse_charset(mp, r, charset);
		} else {
			r = charset_clean(raw.data, raw.len, out);
			mailparse_charset(mp, r & ~CHARSET_BAD, NULL);
		}
	}
	buf_release(&raw);
	return 1;
}

/* params_content_type - see params.h */
void
params_content_type(struct mailparse *mp, const struct header_span *sp,
    const char *dflt, char *t, size_t tn, struct params_list *pp)
{
	const char *s, *p, *ts;
	size_t n, i, k = 0, tl;
	int slash = 0;

	pp->n = 0;
	snprintf(t, tn, "%s", dflt);
	if (sp->p == NULL)
		return;
	header_unfold(mp, sp->p, sp->n, &mp->tmp3);
	s = mp->tmp3.data;
	n = mp->tmp3.len;
	p = memchr(s, ';', n);
	ts = s;
	tl = p ? (size_t)(p - s) : n;
	header_trim(&ts, &tl);
	for (i = 0; i < tl && k < tn - 1; i++) {
		unsigned char ch = (unsigned char)ts[i];

		if (ch == '/')
			slash++;
		else if (ch <= 32 || ch >= 127 || strchr("()<>@,;:\\\"[]?=", ch))
			break;
		t[k++] = (char)tolower(ch);
	}
	t[k] = '\0';
	if (i < tl || slash != 1 || t[0] == '/' || t[k - 1] == '/') {
		/* RFC 2045 5.2: a bad type means text/plain */
		mailparse_defect(mp, "bad-content-type");
		snprintf(t, tn, "%s", dflt);
	}
	params_parse(pp, s, n);
}
