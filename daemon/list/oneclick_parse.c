/* SPDX-License-Identifier: GPL-3.0-or-later */
/* oneclick_parse - what baraza web reads from a request: the token of a
 * path and the one-click field of a form body (see oneclick.h).  Pure
 * functions over hostile bytes, kept apart so that the fuzzer
 * (tests/fuzz/fuzz_oneclick.c) links them alone. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "listhead.h"
#include "oneclick.h"

/* oneclick_path_token - see oneclick.h */
int
oneclick_path_token(const char *path, const char *prefix, char *out)
{
	static const char word[] = LISTHEAD_WEB_PATH;   /* "/unsubscribe/" */
	size_t plen = prefix ? strlen(prefix) : 0, n;
	const char *t;

	if (path == NULL)
		return 0;
	if (plen > 0 && strncmp(path, prefix, plen) == 0 &&
	    strncmp(path + plen, word, sizeof(word) - 1) == 0)
		t = path + plen + sizeof(word) - 1;
	else if (strncmp(path, word, sizeof(word) - 1) == 0)
		t = path + sizeof(word) - 1;
	else
		return 0;
	for (n = 0; n < ONECLICK_TOKEN_LEN; n++) {
		if (!isxdigit((unsigned char)t[n]))
			return 0;
		out[n] = (char)tolower((unsigned char)t[n]);
	}
	out[n] = '\0';
	t += n;
	if (*t == '/')
		t++;
	return *t == '\0';
}

/* form_decode - one form component t[0..n) decoded ('+' a space, %XX)
 * into out (outlen); 0, or -1 when it is malformed or too long */
static int
form_decode(const char *t, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)t[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			char hex[3];

			if (i + 2 >= n ||
			    !isxdigit((unsigned char)t[i + 1]) || !isxdigit((unsigned char)t[i + 2]))
				return -1;
			hex[0] = t[i + 1];
			hex[1] = t[i + 2];
			hex[2] = '\0';
			c = (int)strtol(hex, NULL, 16);
			i += 2;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* oneclick_body_ok - see oneclick.h */
int
oneclick_body_ok(const char *body, size_t len)
{
	size_t i = 0;

	/* some senders end the body with a line end */
	while (len > 0 && (body[len - 1] == '\r' || body[len - 1] == '\n'))
		len--;
	while (i <= len) {
		const char *pair = body + i, *amp = memchr(pair, '&', len - i), *eq;
		size_t plen = amp ? (size_t)(amp - pair) : len - i;
		char name[32], value[32];

		eq = memchr(pair, '=', plen);
		if (eq != NULL &&
		    form_decode(pair, (size_t)(eq - pair), name, sizeof(name)) == 0 &&
		    form_decode(eq + 1, plen - (size_t)(eq - pair) - 1, value,
		    sizeof(value)) == 0 &&
		    strcmp(name, ONECLICK_FIELD) == 0 && strcmp(value, ONECLICK_VALUE) == 0)
			return 1;
		i += plen + 1;
	}
	return 0;
}

/* next_line - the line at *pp (up to LF, a CR before it dropped) into
 * *line and *n; *pp moved past it.  0 at the end of the body. */
static int
next_line(const char **pp, const char *end, const char **line, size_t *n)
{
	const char *p = *pp, *nl;

	if (p >= end)
		return 0;
	nl = memchr(p, '\n', (size_t)(end - p));
	*line = p;
	*n = nl ? (size_t)(nl - p) : (size_t)(end - p);
	*pp = nl ? nl + 1 : end;
	if (*n > 0 && p[*n - 1] == '\r')
		(*n)--;
	return 1;
}

/* names_field - a Content-Disposition line of a form-data part named
 * List-Unsubscribe (quoted or not) */
static int
names_field(const char *line, size_t n)
{
	static const char cd[] = "Content-Disposition:";
	static const char q[] = "name=\"" ONECLICK_FIELD "\"";
	static const char u[] = "name=" ONECLICK_FIELD;
	char buf[512];

	if (n < sizeof(cd) - 1 || n >= sizeof(buf) || strncasecmp(line, cd, sizeof(cd) - 1) != 0)
		return 0;
	memcpy(buf, line, n);
	buf[n] = '\0';
	if (strlen(buf) != n || strcasestr(buf, "form-data") == NULL)
		return 0;
	for (const char *p = buf; (p = strcasestr(p, "name=")) != NULL; p++) {
		if (p > buf && p[-1] != ' ' && p[-1] != ';' && p[-1] != '\t')
			continue;   /* filename= and the like */
		if (strncmp(p + 5, q + 5, sizeof(q) - 6) == 0)
			return 1;
		if (strncmp(p + 5, u + 5, sizeof(u) - 6) == 0 &&
		    (p[sizeof(u) - 1] == '\0' || p[sizeof(u) - 1] == ';' ||
		     p[sizeof(u) - 1] == ' '))
			return 1;
	}
	return 0;
}

/* multipart_ok - a multipart/form-data body (RFC 7578) with a part named
 * List-Unsubscribe whose content is One-Click.  Lenient about the
 * delimiter lines (RFC 8058's own example writes them without the "--"
 * prefix): any line starting with '-' ends a part. */
static int
multipart_ok(const char *body, size_t len)
{
	const char *p = body, *end = body + len, *line;
	size_t n;
	int in_headers = 0, named = 0;

	while (next_line(&p, end, &line, &n)) {
		if (!in_headers) {
			if (n > 0 && line[0] == '-') {
				in_headers = 1;
				named = 0;
			}
			continue;
		}
		if (n > 0) {
			named |= names_field(line, n);
			continue;
		}
		/* the blank line: the part's content follows */
		in_headers = 0;
		if (!named)
			continue;
		if (!next_line(&p, end, &line, &n) || n != sizeof(ONECLICK_VALUE) - 1 ||
		    memcmp(line, ONECLICK_VALUE, n) != 0)
			return 0;
		/* the part ends right there */
		if (!next_line(&p, end, &line, &n))
			return 1;
		return n > 0 && line[0] == '-';
	}
	return 0;
}

/* oneclick_form_ok - see oneclick.h */
int
oneclick_form_ok(const char *content_type, const char *body, size_t len)
{
	if (content_type && strncasecmp(content_type, "multipart/form-data", 19) == 0)
		return multipart_ok(body, len);
	return oneclick_body_ok(body, len);
}
