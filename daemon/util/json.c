/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json - streaming JSON writer */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "utf8.h"

/* json_init - see json.h */
void
json_init(struct json *j, struct buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = 1;
}

/* json_sep - the comma before a value, unless it follows a key */
static void
json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		buf_putc(j->out, ',');
	j->first[j->depth] = 0;
}

/* json_open - a separator if needed, then c opens a nested object or array */
static void
json_open(struct json *j, char c)
{
	json_sep(j);
	buf_putc(j->out, c);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		BUG("json nesting too deep");
	j->first[++j->depth] = 1;
}

/* json_close - c closes the innermost object or array */
static void
json_close(struct json *j, char c)
{
	if (j->depth == 0)
		BUG("json close without open");
	j->depth--;
	buf_putc(j->out, c);
}

void json_object_begin(struct json *j) { json_open(j, '{'); }
void json_object_end(struct json *j)   { json_close(j, '}'); }
void json_array_begin(struct json *j)  { json_open(j, '['); }
void json_array_end(struct json *j)    { json_close(j, ']'); }

/* json_key - see json.h */
void
json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_escape(j->out, key, strlen(key));
	buf_putc(j->out, ':');
	j->after_key = 1;
}

/* json_safe - 1 for the ASCII bytes that go out as they are */
static int
json_safe(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* json_escape - the quoted string.  Runs of bytes that need no escaping
 * (printable ASCII, and valid UTF-8 other than U+2028/U+2029) are copied
 * with one append: a byte at a time, buf_putc would cost the archive's
 * search index more than everything else it does. */
void
json_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;

	buf_putc(out, '"');
	while (p < end) {
		size_t len;
		uint32_t cp;

		run = p;
		for (;;) {
			while (p < end && json_safe(*p))
				p++;
			if (p == end || *p < 0x80)
				break;
			len = utf8_decode(p, (size_t)(end - p), &cp);
			if (len == 0 || cp == 0x2028 || cp == 0x2029)
				break;
			p += len;
		}
		if (p > run)
			buf_append(out, run, (size_t)(p - run));
		if (p == end)
			break;
		if (*p < 0x80) {
			switch (*p) {
			case '"': buf_puts(out, "\\\""); break;
			case '\\': buf_puts(out, "\\\\"); break;
			case '\n': buf_puts(out, "\\n"); break;
			case '\r': buf_puts(out, "\\r"); break;
			case '\t': buf_puts(out, "\\t"); break;
			default: buf_printf(out, "\\u%04x", *p);
			}
			p++;
			continue;
		}
		len = utf8_decode(p, (size_t)(end - p), &cp);
		if (len == 0) {
			buf_puts(out, "\xef\xbf\xbd");
			p++;
		} else {
			buf_printf(out, "\\u%04x", (unsigned)cp);
			p += len;
		}
	}
	buf_putc(out, '"');
}

/* json_string - see json.h */
void
json_string(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_string_n(j, s, strlen(s));
}

/* json_string_n - see json.h */
void
json_string_n(struct json *j, const char *s, size_t n)
{
	json_sep(j);
	json_escape(j->out, s, n);
}

/* json_int - see json.h */
void
json_int(struct json *j, int64_t v)
{
	json_sep(j);
	buf_printf(j->out, "%" PRId64, v);
}

/* json_double - see json.h */
void
json_double(struct json *j, double v, int decimals)
{
	if (v != v || v > 1e300 || v < -1e300) {
		json_null(j);
		return;
	}
	json_sep(j);
	buf_printf(j->out, "%.*f", decimals, v);
}

/* json_bool - see json.h */
void
json_bool(struct json *j, int v)
{
	json_sep(j);
	buf_puts(j->out, v ? "true" : "false");
}

/* json_null - see json.h */
void
json_null(struct json *j)
{
	json_sep(j);
	buf_puts(j->out, "null");
}
