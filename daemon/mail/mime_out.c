/* mime_out - quoted-printable and RFC 2047 encoders for outgoing mail */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "mime_out.h"

void
mime_qp_encode(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	int col = 0;

	while (p < end) {
		unsigned char c = *p;
		int enc;

		if (c == '\r' && p + 1 < end && p[1] == '\n') {
			p++;
			continue;
		}
		if (c == '\n') {
			buf_puts(out, "\r\n");
			col = 0;
			p++;
			continue;
		}
		/* Trailing white space before a line end must be encoded. */
		enc = c == '=' || c < 0x20 || c >= 0x7f ||
		    ((c == ' ' || c == '\t') && (p + 1 == end || p[1] == '\n' ||
		    p[1] == '\r'));
		if (c == '\t' && !enc)
			enc = 0;
		/* A '.' or "From " at line start is encoded for old MTAs. */
		if (col == 0 && (c == '.' || (c == 'F' && end - p >= 5 &&
		    memcmp(p, "From ", 5) == 0)))
			enc = 1;
		if (col + (enc ? 3 : 1) > 75) {
			buf_puts(out, "=\r\n");
			col = 0;
		}
		if (enc) {
			char e[3] = { '=', hex[c >> 4], hex[c & 15] };

			buf_append(out, e, 3);
			col += 3;
		} else {
			buf_putc(out, c);
			col++;
		}
		p++;
	}
}

static int
plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* clean_copy - value with controls (CR, LF, ...) made spaces */
static void
clean_into(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

/* encode_words - RFC 2047 B words of at most 75 chars, split on UTF-8
 * boundaries, separated by CRLF SP (folding) */
static void
encode_words(struct buf *out, const char *s, size_t col)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int first = 1;

	while (i < n) {
		/* "=?UTF-8?B?" + "?=" = 12 chars; 75 - 12 = 63 -> 45 raw bytes. */
		size_t take = n - i > 45 ? 45 : n - i;

		while (take > 0 && i + take < n && (p[i + take] & 0xc0) == 0x80)
			take--;
		if (take == 0)
			take = 1;
		(void)col;
		if (!first)
			buf_puts(out, "\r\n ");
		first = 0;
		buf_puts(out, "=?UTF-8?B?");
		for (size_t k = 0; k < take; k += 3) {
			unsigned v = (unsigned)p[i + k] << 16;
			size_t left = take - k;

			if (left > 1)
				v |= (unsigned)p[i + k + 1] << 8;
			if (left > 2)
				v |= p[i + k + 2];
			buf_putc(out, b64[(v >> 18) & 63]);
			buf_putc(out, b64[(v >> 12) & 63]);
			buf_putc(out, left > 1 ? b64[(v >> 6) & 63] : '=');
			buf_putc(out, left > 2 ? b64[v & 63] : '=');
		}
		buf_puts(out, "?=");
		i += take;
	}
}

/* fold_ascii - append plain text folding at spaces near 78 columns */
static void
fold_ascii(struct buf *out, const char *s, size_t col)
{
	while (*s) {
		size_t len = strlen(s);
		const char *cut;

		if (col + len <= 78) {
			buf_puts(out, s);
			return;
		}
		cut = NULL;
		for (const char *q = s + 1; q < s + len && (size_t)(q - s) + col <= 78; q++)
			if (*q == ' ')
				cut = q;
		if (cut == NULL)
			cut = strchr(s + 1, ' ');
		if (cut == NULL) {
			buf_puts(out, s);
			return;
		}
		buf_append(out, s, (size_t)(cut - s));
		buf_puts(out, "\r\n");
		s = cut;          /* the space starts the continuation line */
		col = 0;
	}
}

void
mime_header_text(struct buf *out, const char *name, const char *value)
{
	struct buf clean;
	size_t col = strlen(name) + 2;

	buf_init(&clean, 64 * 1024);
	clean_into(&clean, value ? value : "");
	buf_printf(out, "%s: ", name);
	if (plain_ascii(clean.data))
		fold_ascii(out, clean.data, col);
	else
		encode_words(out, clean.data, col);
	buf_puts(out, "\r\n");
	buf_release(&clean);
}

void
mime_header_addr(struct buf *out, const char *name, const char *display,
    const char *addr)
{
	struct buf clean;

	buf_printf(out, "%s: ", name);
	if (display && *display) {
		buf_init(&clean, 4096);
		clean_into(&clean, display);
		if (plain_ascii(clean.data)) {
			buf_putc(out, '"');
			for (const char *p = clean.data; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_putc(out, '\\');
				buf_putc(out, *p);
			}
			buf_putc(out, '"');
		} else {
			encode_words(out, clean.data, 0);
		}
		buf_release(&clean);
		buf_putc(out, ' ');
	}
	buf_putc(out, '<');
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p > 0x20 && *p != '<' && *p != '>' && *p != 0x7f)
			buf_putc(out, *p);
	buf_puts(out, ">\r\n");
}

void
mime_boundary(char *out, size_t outlen)
{
	unsigned char r[12];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0x5a, sizeof(r));
	snprintf(out, outlen, "=_baraza_%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]);
}
