/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf - the one growable byte buffer, with a mandatory size cap
 *
 * A struct buf is never NULL-data after buf_init(): data always points at a
 * NUL-terminated string (possibly empty), so b.data can be printed at any time.
 * Every buffer has a cap chosen by its owner, so hostile input can never
 * grow a buffer without limit.  Embedded NULs are allowed (len counts bytes).
 *
 * A failure is sticky, as in SQLite's sqlite3_str or curl's dynbuf: an
 * append that would pass the cap fails with -1 and leaves the content as it
 * was, and from then on every append does nothing and fails too, until
 * buf_reset() or buf_release().  So a writer may append
 * piece after piece without checking each one, and check buf_failed() once
 * before it uses the result: a buffer that failed holds a prefix of what
 * was meant, never the whole with pieces missing from the middle.
 *
 * A caller that wants to keep what fits (a text cut at its cap) asks
 * buf_room() first and appends no more than that; such an append never fails.
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
	int failed;   /* an append was refused: every later one is too */
};

#define BUF_NOLIMIT ((size_t)-1 / 2)

/* buf_init - an empty buffer that may grow to max bytes */
void buf_init(struct buf *b, size_t max);
/* buf_release - free the data and forget a failure; the buffer may be
 * buf_init'ed again, or used again as an empty one with the same cap */
void buf_release(struct buf *b);
/* buf_reset - empty the buffer and forget a failure; keeps its memory */
void buf_reset(struct buf *b);
/* buf_append - add n bytes; 0, or -1 when the cap would be passed or an
 * earlier append failed (the content is then left as it was) */
int buf_append(struct buf *b, const void *p, size_t n);
/* buf_puts, buf_putc, buf_printf, buf_vprintf - buf_append of a string, a
 * byte, formatted text; 0 or -1 as buf_append */
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* buf_failed - 1 when an append failed since buf_init, buf_reset or
 * buf_release: the content is then incomplete; else 0 */
int buf_failed(const struct buf *b);
/* buf_fail - mark b failed, as a refused append does: for a writer whose
 * piece could not be made (built in another buffer that failed).  -1 */
int buf_fail(struct buf *b);
/* buf_room - how many more bytes an append may add (0 once failed) */
size_t buf_room(const struct buf *b);
/* buf_detach - hand the data to the caller (owned, NUL-terminated) and
 * leave the buffer empty, a failure forgotten: check buf_failed() first */
char *buf_detach(struct buf *b, size_t *lenp);
/* buf_truncate - shorten to len bytes (no-op when already shorter); a
 * failure stays: the buffer still lacks what was refused */
void buf_truncate(struct buf *b, size_t len);

#endif
