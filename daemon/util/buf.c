/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf - growable byte buffer with a size cap and a sticky failure */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

static char buf_empty[1];

/* buf_init - start empty; data points at a shared "" until the first append */
void
buf_init(struct buf *b, size_t max)
{
	b->data = buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
	b->failed = 0;
}

/* buf_release - free what the buffer holds */
void
buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->data);
	b->data = buf_empty;
	b->len = b->alloc = 0;
	b->failed = 0;
}

/* buf_reset - empty, keep the memory */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->alloc)
		b->data[0] = '\0';
}

/* buf_grow - make room for n more bytes plus the NUL; -1 past the cap or
 * after an earlier failure (which it then records) */
static int
buf_grow(struct buf *b, size_t n)
{
	size_t want;

	if (b->failed || n > b->max || b->len > b->max - n) {
		b->failed = 1;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->alloc)
		return 0;
	if (want < 64)
		want = 64;
	if (want < b->alloc + b->alloc / 2)
		want = b->alloc + b->alloc / 2;
	if (b->alloc == 0) {
		b->data = xmalloc(want);
		b->data[0] = '\0';
	} else {
		b->data = xreallocarray(b->data, want, 1);
	}
	b->alloc = want;
	return 0;
}

/* buf_append - n bytes at the end */
int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* buf_puts - a C string */
int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* buf_putc - one byte */
int
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_append(b, &ch, 1);
}

/* buf_vprintf - formatted text: measured first, then written in place */
int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->failed = 1;
		return -1;
	}
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

/* buf_printf - buf_vprintf with the arguments inline */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

/* buf_failed - did an append fail since the buffer was last emptied? */
int
buf_failed(const struct buf *b)
{
	return b->failed;
}

/* buf_fail - the buffer lacks a piece: fail it */
int
buf_fail(struct buf *b)
{
	b->failed = 1;
	return -1;
}

/* buf_room - bytes that may still be appended */
size_t
buf_room(const struct buf *b)
{
	return b->failed ? 0 : b->max - b->len;
}

/* buf_detach - give the bytes away; the buffer is empty afterwards */
char *
buf_detach(struct buf *b, size_t *lenp)
{
	char *p;

	if (lenp)
		*lenp = b->len;
	if (b->alloc == 0)
		p = xstrdup("");
	else
		p = b->data;
	b->data = buf_empty;
	b->len = b->alloc = 0;
	b->failed = 0;
	return p;
}

/* buf_truncate - drop the bytes past len */
void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}
