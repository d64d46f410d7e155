/* SPDX-License-Identifier: GPL-3.0-or-later */
/* csv - a streaming RFC 4180 reader (see csv.h)
 *
 * A small state machine over getc(): the quoted and unquoted field loops
 * below are the whole grammar.  Fields are collected NUL-separated in one
 * capped buffer and their offsets turned into pointers only when the
 * record is complete, because the buffer may move while it grows.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "xalloc.h"

/* csv_init - see csv.h */
void
csv_init(struct csv *c, FILE *fp, size_t max_field, size_t max_fields)
{
	memset(c, 0, sizeof(*c));
	c->fp = fp;
	c->max_field = max_field;
	c->max_fields = max_fields ? max_fields : 1;
	c->next_line = 1;
	buf_init(&c->data, (max_field + 1) * c->max_fields + 1);
}

/* csv_release - see csv.h */
void
csv_release(struct csv *c)
{
	buf_release(&c->data);
	free(c->offs);
	free(c->fields);
	c->offs = NULL;
	c->fields = NULL;
	c->nfields = 0;
}

/* csv_getc - the next byte, with every line end (CRLF, LF, lone CR)
 * turned into one '\n' and counted */
static int
csv_getc(struct csv *c)
{
	int ch = getc(c->fp);

	if (ch == '\r') {
		int next = getc(c->fp);

		if (next != '\n' && next != EOF)
			ungetc(next, c->fp);
		ch = '\n';
	}
	if (ch == '\n')
		c->next_line++;
	return ch;
}

/* csv_fail - refuse the record: set err, skip to the end of the line */
static int __attribute__((format(printf, 3, 4)))
csv_fail(struct csv *c, int ch, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	while (ch != EOF && ch != '\n')
		ch = csv_getc(c);
	c->nfields = 0;
	return -1;
}

/* csv_field_end - close the field being collected */
static int
csv_field_end(struct csv *c)
{
	if (buf_putc(&c->data, '\0') < 0)
		return -1;
	return 0;
}

/* csv_field_start - begin a new field; -1 when there are too many */
static int
csv_field_start(struct csv *c)
{
	if (c->nfields >= c->max_fields)
		return -1;
	if (c->nfields >= c->offs_alloc) {
		c->offs_alloc = c->offs_alloc ? c->offs_alloc * 2 : 16;
		c->offs = xreallocarray(c->offs, c->offs_alloc, sizeof(*c->offs));
	}
	c->offs[c->nfields++] = c->data.len;
	return 0;
}

/* csv_put - one byte of the current field, within max_field */
static int
csv_put(struct csv *c, int ch)
{
	if (c->data.len - c->offs[c->nfields - 1] >= c->max_field)
		return -1;
	return buf_putc(&c->data, ch);
}

/* csv_next - see csv.h */
int
csv_next(struct csv *c)
{
	int ch;

	buf_reset(&c->data);
	c->nfields = 0;
	c->err[0] = '\0';
	if (c->failed)
		return 0;
	if (!c->started) {
		c->started = 1;
		ch = getc(c->fp);
		if (ch == 0xef) {
			int b = getc(c->fp), d = getc(c->fp);

			if (b != 0xbb || d != 0xbf) {
				c->line = 1;
				return csv_fail(c, d, "not UTF-8 at the start of the file");
			}
		} else if (ch != EOF) {
			ungetc(ch, c->fp);
		}
	}
	/* skip blank lines between records */
	do {
		c->line = c->next_line;
		ch = csv_getc(c);
	} while (ch == '\n');
	if (ch == EOF) {
		if (ferror(c->fp)) {
			/* report it once; the next call says end of input */
			snprintf(c->err, sizeof(c->err), "read error: %s", strerror(errno));
			c->failed = 1;
			return -1;
		}
		return 0;
	}
	for (;;) {
		if (csv_field_start(c) < 0)
			return csv_fail(c, ch, "more than %zu fields", c->max_fields);
		if (ch == '"') {
			int open_line = c->next_line;

			for (;;) {
				ch = csv_getc(c);
				if (ch == EOF)
					return csv_fail(c, ch, "quoted field opened on line %d "
					    "is never closed", open_line);
				if (ch == '"') {
					ch = csv_getc(c);
					if (ch != '"')
						break;
				}
				if (ch == '\0')
					return csv_fail(c, ch, "NUL byte in a field");
				if (csv_put(c, ch) < 0)
					return csv_fail(c, ch, "field longer than %zu bytes",
					    c->max_field);
			}
			if (ch != ',' && ch != '\n' && ch != EOF)
				return csv_fail(c, ch, "text after the closing quote of field %zu",
				    c->nfields);
		} else {
			while (ch != ',' && ch != '\n' && ch != EOF) {
				if (ch == '"')
					return csv_fail(c, ch, "quote inside unquoted field %zu "
					    "(quote the whole field and double the quote)",
					    c->nfields);
				if (ch == '\0')
					return csv_fail(c, ch, "NUL byte in a field");
				if (csv_put(c, ch) < 0)
					return csv_fail(c, ch, "field longer than %zu bytes",
					    c->max_field);
				ch = csv_getc(c);
			}
		}
		if (csv_field_end(c) < 0)
			return csv_fail(c, ch, "record too long");
		if (ch == ',') {
			ch = csv_getc(c);
			continue;
		}
		break;
	}
	c->fields = xreallocarray(c->fields, c->nfields, sizeof(*c->fields));
	for (size_t i = 0; i < c->nfields; i++)
		c->fields[i] = c->data.data + c->offs[i];
	return 1;
}
