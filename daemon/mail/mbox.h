/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mbox - a streaming reader for mbox files (mboxo and mboxrd)
 *
 * An mbox is a sequence of messages, each introduced by a "From " line at
 * the start of the file or after a blank line (the blank line belongs to
 * the separator, not to the message before it).  Lines inside a message
 * that begin with "From " were escaped by the writer: mboxo wrote ">From ",
 * mboxrd also escapes ">From " as ">>From " and so on.  The reader strips
 * one '>' from any line matching /^>+From / (the mboxrd rule; for mboxo it
 * undoes the only escape there is).  CRLF line ends are accepted and kept.
 *
 * A separator must look like one: "From " followed by at least two more
 * words and a digit (an envelope sender and a date), so a stray unescaped
 * "From here on..." after a blank line in a body written by a careless
 * mboxo writer stays in its message.  Text before the first separator (a
 * file that does not start with "From ") is returned as a message too.
 *
 * Memory is bounded: the file is read in chunks (never whole), and one
 * message is kept up to the cap given to mbox_open(); the rest of a larger
 * message is skipped but counted, so the caller can record it as oversize.
 */
#ifndef BARAZA_MBOX_H
#define BARAZA_MBOX_H

#include <stddef.h>
#include <stdio.h>

#define MBOX_CHUNK 65536

struct mbox;

/* mbox_open - read messages from fp (borrowed; the caller closes it),
 * keeping at most cap bytes of each.  Never NULL. */
struct mbox *mbox_open(FILE *fp, size_t cap);
/* mbox_close - free the reader; *mp = NULL */
void mbox_close(struct mbox **mp);

/* mbox_next - the next message: 1 with *msg (valid until the next call,
 * *len bytes, NUL-terminated after them) and *size (its real size: > *len
 * when it was cut at the cap); 0 at the end of the file; -1 on a read
 * error (errno set). */
int mbox_next(struct mbox *mb, const char **msg, size_t *len, size_t *size);

/* mbox_line - the line number (1-based) where the last message's "From "
 * separator was, 0 for text before the first separator */
unsigned long mbox_line(const struct mbox *mb);

/* mbox_is_separator - 1 when the line (n bytes, without its line end) is
 * a message separator ("From " + sender + date-ish) */
int mbox_is_separator(const char *line, size_t n);

#endif
