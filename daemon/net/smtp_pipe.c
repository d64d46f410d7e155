/* SPDX-License-Identifier: GPL-3.0-or-later */
/* smtp_pipe - the pure parts of SMTP command pipelining (see smtp_pipe.h) */
#include "config.h"

#include <string.h>

#include "smtp_pipe.h"

/* smtp_pipe_address_ok - see smtp_pipe.h */
int
smtp_pipe_address_ok(const char *addr)
{
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

/* smtp_pipe_commands - see smtp_pipe.h */
int
smtp_pipe_commands(struct buf *out, const char *from, char *const *rcpts,
    size_t nrcpts)
{
	if (buf_append(out, "MAIL FROM:<", 11) < 0 || buf_puts(out, from) < 0 ||
	    buf_append(out, ">\r\n", 3) < 0)
		return -1;
	for (size_t i = 0; i < nrcpts; i++)
		if (buf_append(out, "RCPT TO:<", 9) < 0 ||
		    buf_puts(out, rcpts[i]) < 0 || buf_append(out, ">\r\n", 3) < 0)
			return -1;
	return buf_append(out, "DATA\r\n", 6);
}

/* smtp_pipe_body - see smtp_pipe.h.  Copies runs between line starts
 * that begin with a dot, found with memchr. */
int
smtp_pipe_body(struct buf *out, const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	if (len > 0 && data[0] == '.' && buf_putc(out, '.') < 0)
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		while (nl != NULL && nl + 1 < end && nl[1] != '.')
			nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
		if (nl == NULL || nl + 1 >= end) {
			if (buf_append(out, p, (size_t)(end - p)) < 0)
				return -1;
			break;
		}
		/* nl[1] is a dot at the start of a line: double it */
		if (buf_append(out, p, (size_t)(nl + 1 - p)) < 0 ||
		    buf_putc(out, '.') < 0)
			return -1;
		p = nl + 1;
	}
	if (len == 0 || data[len - 1] != '\n') {
		if (buf_append(out, "\r\n", 2) < 0)
			return -1;
	}
	return buf_append(out, ".\r\n", 3);
}

/* digit - 1 for an ASCII decimal digit */
static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* smtp_pipe_reply - see smtp_pipe.h */
int
smtp_pipe_reply(const char *in, size_t len, int *code, const char **line,
    size_t *linelen, size_t *used)
{
	const char *p = in, *end = in + len;

	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (nl == NULL)
			return 0;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n < 3 || p[0] < '1' || p[0] > '5' || !digit(p[1]) ||
		    !digit(p[2]) || (n > 3 && p[3] != ' ' && p[3] != '-')) {
			*used = (size_t)(nl + 1 - in);
			return -1;
		}
		if (n > 3 && p[3] == '-') {
			p = nl + 1;     /* a continuation line */
			continue;
		}
		*code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		*line = p;
		*linelen = n;
		*used = (size_t)(nl + 1 - in);
		return 1;
	}
}
