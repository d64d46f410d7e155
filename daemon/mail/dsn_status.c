/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dsn_status - RFC 3464 recipient blocks (see dsn_status.h) */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "dsn_status.h"

/* The fields of one block as written */
struct fields {
	const char *final, *original, *action, *status, *diagnostic;
	size_t final_len, original_len, action_len, status_len, diagnostic_len;
	int recipient;            /* a recipient field was seen */
};

/* field_address - the address in a recipient field value ("rfc822; a@b",
 * continuation lines included): sets *out and *outlen when there is one */
static void
field_address(const char *v, size_t n, const char **out, size_t *outlen)
{
	const char *semi = memchr(v, ';', n), *end = v + n, *s;
	size_t len;

	if (semi)
		v = semi + 1;
	if (addr_find(v, end, &s, &len)) {
		*out = s;
		*outlen = len;
	}
}

/* field_word - the first word of a field value (Action, Status) */
static void
field_word(const char *v, size_t n, const char **out, size_t *outlen)
{
	const char *end = v + n, *e;

	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	for (e = v; e < end && !isspace((unsigned char)*e) && *e != '(' && *e != ';'; e++)
		;
	*out = v;
	*outlen = (size_t)(e - v);
}

/* field - note the field name: value [v, v + vlen) in f */
static void
field(struct fields *f, const char *name, size_t nlen, const char *v, size_t vlen)
{
	if (nlen == 15 && strncasecmp(name, "Final-Recipient", 15) == 0) {
		field_address(v, vlen, &f->final, &f->final_len);
		f->recipient = 1;
	} else if (nlen == 18 && strncasecmp(name, "Original-Recipient", 18) == 0) {
		field_address(v, vlen, &f->original, &f->original_len);
		f->recipient = 1;
	} else if (nlen == 6 && strncasecmp(name, "Action", 6) == 0) {
		field_word(v, vlen, &f->action, &f->action_len);
	} else if (nlen == 6 && strncasecmp(name, "Status", 6) == 0) {
		field_word(v, vlen, &f->status, &f->status_len);
	} else if (nlen == 15 && strncasecmp(name, "Diagnostic-Code", 15) == 0) {
		const char *semi = memchr(v, ';', vlen);

		if (semi) {
			vlen -= (size_t)(semi + 1 - v);
			v = semi + 1;
			while (vlen > 0 && isspace((unsigned char)*v)) {
				v++;
				vlen--;
			}
		}
		f->diagnostic = v;
		f->diagnostic_len = vlen;
	}
}

/* outcome - what the fields of a recipient block say, into r */
static void
outcome(const struct fields *f, struct dsn_status_rcpt *r)
{
	char cls = f->status_len > 0 ? f->status[0] : '\0';

	memset(r, 0, sizeof(*r));
	r->address = f->original ? f->original : f->final;
	r->address_len = f->original ? f->original_len : f->final_len;
	r->status = f->status;
	r->status_len = f->status_len;
	r->diagnostic = f->diagnostic;
	r->diagnostic_len = f->diagnostic_len;
	if (f->action_len == 6 && strncasecmp(f->action, "failed", 6) == 0) {
		r->failed = 1;
	} else if (f->action_len == 7 && strncasecmp(f->action, "delayed", 7) == 0) {
		r->delayed = 1;
	} else if (f->action_len == 0) {
		r->failed = cls != '2' && cls != '4';
		r->delayed = cls == '4';
	}
	if (r->failed && cls == '4') {
		r->failed = 0;
		r->delayed = 1;
	}
}

/* dsn_status_next - see dsn_status.h */
int
dsn_status_next(const char **pp, const char *end, struct dsn_status_rcpt *r)
{
	const char *p = *pp;
	struct fields f;

	memset(&f, 0, sizeof(f));
	for (;;) {
		const char *eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		const char *line_end, *colon;
		int at_end;

		if (p < end && eol == NULL)
			eol = end;
		line_end = eol;
		if (line_end && line_end > p && line_end[-1] == '\r')
			line_end--;
		if (p < end && line_end != p) {
			/* a field with its continuation lines */
			const char *fend = eol, *v;

			while (fend < end && fend + 1 < end &&
			    (fend[1] == ' ' || fend[1] == '\t')) {
				const char *n2 = memchr(fend + 1, '\n', (size_t)(end - fend - 1));

				fend = n2 ? n2 : end;
			}
			colon = memchr(p, ':', (size_t)(line_end - p));
			if (colon) {
				size_t vlen;

				v = colon + 1;
				vlen = (size_t)(fend - v);
				while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
					vlen--;
				while (vlen > 0 && isspace((unsigned char)*v)) {
					v++;
					vlen--;
				}
				field(&f, p, (size_t)(colon - p), v, vlen);
			}
			p = fend < end ? fend + 1 : end;
			continue;
		}
		/* a blank line or the end: the block is complete */
		at_end = p >= end;
		if (!at_end)
			p = eol < end ? eol + 1 : end;
		if (f.recipient) {
			outcome(&f, r);
			*pp = p;
			return 1;
		}
		if (at_end) {
			*pp = end;
			return 0;
		}
	}
}
