/* SPDX-License-Identifier: GPL-3.0-or-later */
/* smtp_pipe - the pure parts of SMTP command pipelining (RFC 2920)
 *
 * When the server offers PIPELINING, smtp.c sends a transaction's MAIL
 * FROM, every RCPT TO and DATA in one write, reads the replies in order,
 * and then sends the message and its end in one more write: two round
 * trips per transaction instead of three plus one per recipient.  The
 * connection itself (TCP, TLS, EHLO, STARTTLS, AUTH) is libcurl's
 * (CURLOPT_CONNECT_ONLY); this module only builds what is written and
 * parses what is read, so that both can be tested on their own.
 */
#ifndef BARAZA_SMTP_PIPE_H
#define BARAZA_SMTP_PIPE_H

#include <stddef.h>

#include "buf.h"

/* smtp_pipe_address_ok - whether addr may go between < and > in MAIL
 * FROM or RCPT TO: no control characters, spaces or angle brackets (an
 * address with CR or LF would otherwise smuggle in a command) */
int smtp_pipe_address_ok(const char *addr);

/* smtp_pipe_commands - append "MAIL FROM:<from>", a "RCPT TO:<r>" per
 * recipient and "DATA", each ending in CRLF, to out.  The addresses must
 * pass smtp_pipe_address_ok.  0, or -1 when out's cap is reached. */
int smtp_pipe_commands(struct buf *out, const char *from,
    char *const *rcpts, size_t nrcpts);

/* smtp_pipe_body - append the message data (CRLF lines) dot-stuffed
 * (RFC 5321 4.5.2: a line that starts with "." gets one more), a CRLF if
 * the data does not end with one, and the end of data "." CRLF.  0, or -1
 * when out's cap is reached. */
int smtp_pipe_body(struct buf *out, const char *data, size_t len);

/* smtp_pipe_reply - one complete reply at the start of in (len bytes): a
 * single line "NNN text" or lines "NNN-text" ending with "NNN text", each
 * ending in LF (CRLF or bare LF).  Returns 1 with *code, the last line
 * (without its line end) in *line / *linelen and the bytes it took in
 * *used; 0 when more bytes are needed; -1 when the bytes are not an SMTP
 * reply (no three-digit code), *used then covers the bad line. */
int smtp_pipe_reply(const char *in, size_t len, int *code, const char **line,
    size_t *linelen, size_t *used);

#endif
