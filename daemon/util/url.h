/* SPDX-License-Identifier: GPL-3.0-or-later */
/* url - a server's "scheme://host[:port][/path]" taken apart, once
 *
 * The one parser of the server addresses in the configuration ([imap] url,
 * [smtp] url): the configuration checks and reports with it, and the
 * network clients connect to what it found.  What it accepts:
 *
 *   scheme  one of the caller's table (struct url_scheme), in any case,
 *           followed by "://"; the entry gives the default port and
 *           whether TLS starts at once (imaps://, smtps://);
 *   user    never: "user:password@" is refused, and the url is then not
 *           quoted in the error, since it may hold a password;
 *   host    letters, digits, '.', '-' and '_', or an IPv6 literal in
 *           brackets ("[::1]", kept without them); at most URL_MAX_HOST - 1
 *           bytes;
 *   port    ":1" to ":65535";
 *   path    what follows the first '/', percent-decoded ("Lists%2FCoP" is
 *           "Lists/CoP"); no '?' or '#', no control character written or
 *           escaped; at most URL_MAX_PATH - 1 bytes once decoded.
 *
 * Nothing is allocated: a struct url holds its parts in fixed arrays.
 */
#ifndef BARAZA_URL_H
#define BARAZA_URL_H

#include <stddef.h>

#define URL_MAX_HOST 256
#define URL_MAX_PATH 512

/* One scheme a caller accepts; a table of them ends with a NULL name. */
struct url_scheme {
	const char *name;             /* "imaps" */
	int port;                     /* its default port */
	int tls;                      /* 1: TLS from the first byte */
};

struct url {
	const struct url_scheme *scheme; /* borrowed: the caller's entry */
	char host[URL_MAX_HOST];      /* without an IPv6 literal's brackets */
	int port;                     /* the scheme's default unless given */
	char path[URL_MAX_PATH];      /* decoded, without the first '/'; "" */
};

/* The problems url_parse() tells apart (it returns them). */
enum url_status {
	URL_OK = 0,
	URL_BAD = -1,                 /* not a url of the caller's schemes */
	URL_CREDENTIALS = -2          /* it holds a user name or password */
};

/* url_parse - take s apart against schemes (borrowed; u->scheme points
 * into it).  URL_OK and *u, or URL_BAD / URL_CREDENTIALS with the problem
 * in err, e.g. "'imap://h:99999': port must be 1 to 65535". */
int url_parse(const char *s, const struct url_scheme *schemes, struct url *u,
    char *err, size_t errlen);

#endif
