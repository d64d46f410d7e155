/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_mask - hide member addresses (see archive_mask.h) */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "archive_mask.h"

/* local_char - may c be part of an address's local part? */
static int
local_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("._%+-=!#$&'*/?^`{|}~", c) != NULL;
}

/* domain_char - may c be part of an address's domain? */
static int
domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '-';
}

/* archive_mask_text - [p, end) with addresses replaced */
void
archive_mask_text(struct buf *out, const char *p, const char *end)
{
	const char *run = p;

	while (p < end) {
		const char *at = memchr(p, '@', (size_t)(end - p)), *l, *r;
		int dot = 0;

		if (at == NULL)
			break;
		for (l = at; l > run && local_char((unsigned char)l[-1]); l--)
			;
		for (r = at + 1; r < end && domain_char((unsigned char)*r); r++)
			dot |= *r == '.';
		while (r > at + 1 && (r[-1] == '.' || r[-1] == '-'))
			r--;
		if (l < at && r > at + 1 && dot) {
			buf_append(out, run, (size_t)(l - run));
			buf_puts(out, "hidden@hidden.invalid");
			run = p = r;
		} else {
			p = at + 1;
		}
	}
	buf_append(out, run, (size_t)(end - run));
}

/* archive_mask_message - a raw message with addresses replaced, ids kept */
void
archive_mask_message(struct buf *out, const char *raw, size_t len)
{
	const char *p = raw, *end = raw + len;
	int in_header = 1, keep = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;

		if (in_header) {
			if (p == eol || (p + 1 == eol && *p == '\r')) {
				/* The body in one span: no address spans a line
				 * (neither side takes a CR or LF), so this is what
				 * masking it line by line gives, without a call
				 * per line. */
				buf_append(out, p, (size_t)(next - p));
				archive_mask_text(out, next, end);
				return;
			}
			if (*p != ' ' && *p != '\t')
				keep = strncasecmp(p, "Message-ID:", 11) == 0 ||
				    strncasecmp(p, "In-Reply-To:", 12) == 0 ||
				    strncasecmp(p, "References:", 11) == 0;
			if (keep) {
				buf_append(out, p, (size_t)(next - p));
				p = next;
				continue;
			}
		}
		archive_mask_text(out, p, next);
		p = next;
	}
}

/* archive_mask_shown - text, or a copy with its addresses hidden */
const char *
archive_mask_shown(const struct conf *c, struct buf *tmp, const char *text, size_t *len)
{
	buf_reset(tmp);
	if (!c->archive.hide_addresses) {
		*len = strlen(text);
		return text;
	}
	archive_mask_text(tmp, text, text + strlen(text));
	if (buf_failed(tmp))
		return NULL;
	*len = tmp->len;
	return tmp->data;
}
