/* buf - the one growable byte buffer, with a mandatory size cap
 *
 * A struct buf is never NULL-data after buf_init(): data always points at a
 * NUL-terminated string (possibly empty), so b.data can be printed at any time.
 * Every buffer has a cap chosen by its owner; an append that would pass it
 * fails with -1 and leaves the buffer unchanged, so hostile input can never
 * grow a buffer without limit.  Embedded NULs are allowed (len counts bytes).
 */
#ifndef BARAZA_BUF_H
#define BARAZA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* owned; NUL-terminated; never NULL after buf_init */
	size_t len;   /* bytes used, not counting the NUL */
	size_t alloc; /* bytes allocated */
	size_t max;   /* cap on len */
};

#define BUF_NOLIMIT ((size_t)-1 / 2)

/* buf_init - an empty buffer that may grow to max bytes */
void buf_init(struct buf *b, size_t max);
/* buf_release - free the data; the buffer may be buf_init'ed again */
void buf_release(struct buf *b);
/* buf_reset - empty the buffer, keep its memory */
void buf_reset(struct buf *b);
/* buf_append - add n bytes; 0, or -1 when the cap would be passed */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* buf_detach - hand the data to the caller (owned, NUL-terminated) and reset */
char *buf_detach(struct buf *b, size_t *lenp);
/* buf_truncate - shorten to len bytes (no-op when already shorter) */
void buf_truncate(struct buf *b, size_t len);

#endif
