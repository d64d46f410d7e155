/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mbox - streaming mbox reader: chunks in, one message at a time out
 *
 * The reader works line by line over a chunk buffer.  A line longer than
 * a chunk is handled in pieces; only the first piece of a line can be a
 * separator or an escaped "From " (both are decided by the first few bytes
 * and a short look at the rest of the line, so a separator is recognised
 * when its first piece holds "From " and the check's words: separators
 * are short).  A blank line is held back until the next line is known:
 * before a separator it is dropped, otherwise it is part of the message.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mbox.h"
#include "xalloc.h"

struct mbox {
	FILE *fp;                 /* borrowed */
	size_t cap;
	char *chunk;              /* MBOX_CHUNK bytes */
	size_t pos, end;          /* unread bytes: chunk[pos..end) */
	int eof, error;
	int at_line_start;        /* the next byte starts a line */
	unsigned long lineno;     /* lines read so far */

	struct buf msg;           /* the message being collected (cap) */
	size_t size;              /* its real size */
	char pending_blank[2];    /* a held-back blank line: "\n" or "\r\n" */
	size_t npending;
	int have_pending;
	unsigned long msg_line, next_line;

	/* the separator that ended the previous message: it starts the next */
	int next_ready;
};

/* mbox_open - see mbox.h */
struct mbox *
mbox_open(FILE *fp, size_t cap)
{
	struct mbox *mb = xcalloc(1, sizeof(*mb));

	mb->fp = fp;
	mb->cap = cap;
	mb->chunk = xmalloc(MBOX_CHUNK);
	mb->at_line_start = 1;
	/* Room for the cap plus the NUL; appends past it are counted only. */
	buf_init(&mb->msg, cap);
	return mb;
}

/* mbox_close - see mbox.h */
void
mbox_close(struct mbox **mp)
{
	struct mbox *mb = *mp;

	if (mb == NULL)
		return;
	buf_release(&mb->msg);
	free(mb->chunk);
	free(mb);
	*mp = NULL;
}

/* mbox_line - see mbox.h */
unsigned long
mbox_line(const struct mbox *mb)
{
	return mb->msg_line;
}

/* mbox_is_separator - see mbox.h */
int
mbox_is_separator(const char *line, size_t n)
{
	size_t words = 0, i;
	int digit = 0, inword = 0;

	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n < 5 || memcmp(line, "From ", 5) != 0)
		return 0;
	for (i = 5; i < n; i++) {
		char ch = line[i];

		if (ch == ' ' || ch == '\t') {
			inword = 0;
			continue;
		}
		if (!inword) {
			words++;
			inword = 1;
		}
		if (ch >= '0' && ch <= '9' && words >= 2)
			digit = 1;
	}
	return words >= 3 && digit;
}

/* fill - read more into the chunk when it is empty; 0 at EOF, -1 error */
static int
fill(struct mbox *mb)
{
	size_t n;

	if (mb->pos < mb->end)
		return 1;
	if (mb->eof)
		return 0;
	n = fread(mb->chunk, 1, MBOX_CHUNK, mb->fp);
	mb->pos = 0;
	mb->end = n;
	if (n == 0) {
		if (ferror(mb->fp)) {
			mb->error = errno ? errno : EIO;
			return -1;
		}
		mb->eof = 1;
		return 0;
	}
	return 1;
}

/* add - append to the message, counting what passes the cap */
static void
add(struct mbox *mb, const char *p, size_t n)
{
	mb->size += n;
	if (mb->msg.len + n <= mb->cap)
		buf_append(&mb->msg, p, n);
	else if (mb->msg.len < mb->cap)
		buf_append(&mb->msg, p, mb->cap - mb->msg.len);
}

/* flush_pending - add the blank lines held back to the message */
static void
flush_pending(struct mbox *mb)
{
	if (mb->have_pending) {
		add(mb, mb->pending_blank, mb->npending);
		mb->have_pending = 0;
	}
}

/* A line start is looked at through a small window: enough for the
 * escape test (">>>From ") and the separator test of a normal "From "
 * line.  A longer line is still a separator if its first HEAD bytes are. */
#define HEAD 1024

/* line_head - copy up to HEAD bytes of the line starting at the chunk
 * position into head, reading more when the chunk ends mid-line; returns
 * bytes copied (the line's first piece); *complete when the whole line,
 * with its '\n', fits.  Does not consume. */
static size_t
line_head(struct mbox *mb, char *head, int *complete)
{
	size_t n = 0;

	*complete = 0;
	/* Make sure the chunk holds up to HEAD bytes of this line, moving the
	 * unread tail to the front and reading more if needed. */
	for (;;) {
		const char *nl = memchr(mb->chunk + mb->pos, '\n', mb->end - mb->pos);

		if (nl) {
			n = (size_t)(nl - (mb->chunk + mb->pos)) + 1;
			*complete = n <= HEAD;
			break;
		}
		if (mb->end - mb->pos >= HEAD || mb->eof)
			break;
		memmove(mb->chunk, mb->chunk + mb->pos, mb->end - mb->pos);
		mb->end -= mb->pos;
		mb->pos = 0;
		size_t r = fread(mb->chunk + mb->end, 1, MBOX_CHUNK - mb->end, mb->fp);
		if (r == 0) {
			if (ferror(mb->fp))
				mb->error = errno ? errno : EIO;
			mb->eof = 1;
		}
		mb->end += r;
	}
	if (n == 0 || n > HEAD)
		n = mb->end - mb->pos < HEAD ? mb->end - mb->pos : HEAD;
	memcpy(head, mb->chunk + mb->pos, n);
	return n;
}

/* take_rest - consume the current line from the chunk (the part not yet
 * consumed), appending it to the message; returns 1 when the line end was
 * reached */
static int
take_rest(struct mbox *mb)
{
	for (;;) {
		const char *start = mb->chunk + mb->pos;
		const char *nl;
		size_t n;
		int rc;

		if ((rc = fill(mb)) <= 0)
			return rc == 0;   /* EOF ends the line */
		start = mb->chunk + mb->pos;
		nl = memchr(start, '\n', mb->end - mb->pos);
		n = nl ? (size_t)(nl - start) + 1 : mb->end - mb->pos;
		add(mb, start, n);
		mb->pos += n;
		if (nl)
			return 1;
	}
}

/* skip_bytes - consume n bytes of the chunk (n <= available) */
static void
skip_bytes(struct mbox *mb, size_t n)
{
	mb->pos += n;
}

/* mbox_next - see mbox.h */
int
mbox_next(struct mbox *mb, const char **msg, size_t *len, size_t *size)
{
	char head[HEAD];
	int in_msg = 0;

	buf_reset(&mb->msg);
	mb->size = 0;
	mb->have_pending = 0;
	if (mb->next_ready) {
		/* This message's separator ended the previous one. */
		in_msg = 1;
		mb->next_ready = 0;
		mb->msg_line = mb->next_line;
	} else {
		mb->msg_line = 0;
	}
	for (;;) {
		int complete, rc;
		size_t n, k;

		if ((rc = fill(mb)) < 0)
			return -1;
		if (rc == 0)
			break;
		n = line_head(mb, head, &complete);
		if (mb->error)
			return -1;
		if (n == 0)
			break;
		mb->lineno++;

		/* A separator, at the start of the file or after a blank
		 * line, ends the message being collected; the blank line
		 * before it belongs to the format and is dropped. */
		if ((mb->lineno == 1 || mb->have_pending) &&
		    mbox_is_separator(head, n)) {
			size_t keep_len = mb->msg.len, keep_size = mb->size;

			take_rest(mb);          /* consume the line, then forget it */
			buf_truncate(&mb->msg, keep_len);
			mb->size = keep_size;
			mb->have_pending = 0;
			if (mb->error)
				return -1;
			if (in_msg) {
				mb->next_ready = 1;
				mb->next_line = mb->lineno;
				goto done;
			}
			in_msg = 1;
			mb->msg_line = mb->lineno;
			continue;
		}
		in_msg = 1;   /* text before the first separator is a message too */

		/* A blank line is held back: it may precede a separator. */
		if (complete && ((n == 1 && head[0] == '\n') ||
		    (n == 2 && head[0] == '\r' && head[1] == '\n'))) {
			flush_pending(mb);
			memcpy(mb->pending_blank, head, n);
			mb->npending = n;
			mb->have_pending = 1;
			skip_bytes(mb, n);
			continue;
		}
		flush_pending(mb);

		/* >From, >>From, ...: strip one '>' (mboxrd; mboxo too). */
		for (k = 0; k < n && head[k] == '>'; k++)
			;
		if (k > 0 && n - k >= 5 && memcmp(head + k, "From ", 5) == 0)
			skip_bytes(mb, 1);
		take_rest(mb);
		if (mb->error)
			return -1;
	}
	/* End of file: a trailing blank line belongs to the format too. */
	mb->have_pending = 0;
	if (!in_msg)
		return 0;
done:
	*msg = mb->msg.data;
	*len = mb->msg.len;
	*size = mb->size;
	return 1;
}
