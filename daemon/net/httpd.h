/* SPDX-License-Identifier: GPL-3.0-or-later */
/* httpd - a small HTTP/1.1 server for baraza web, on libmicrohttpd
 *
 * The transport only: it accepts connections on one address, reads a
 * request under hard limits and hands it, complete, to one handler, which
 * fills in the answer.  What a request means is the handler's business
 * (list/oneclick.h).  Everything from the network is hostile:
 *   - at most max_connections open at once, max_per_ip from one address
 *     (0: no such limit; behind a proxy every connection comes from the
 *     proxy); more are refused at accept;
 *   - a connection idle for timeout seconds is closed;
 *   - the request line and header fields together fit in max_header
 *     bytes (libmicrohttpd's connection memory; larger ones get 431 or
 *     414 from libmicrohttpd itself);
 *   - a body longer than max_body bytes is not kept: 413;
 *   - methods other than GET, HEAD and POST: 405 with "Allow";
 *   - one thread answers every request in turn (the handler is never
 *     called twice at once, so it may use one database handle).
 * Every answer carries Cache-Control: no-store, Referrer-Policy:
 * no-referrer (the path may hold a secret), X-Content-Type-Options and a
 * Content-Security-Policy that allows no script.
 */
#ifndef BARAZA_HTTPD_H
#define BARAZA_HTTPD_H

#include <stddef.h>

#include "buf.h"

#define HTTPD_BODY_MAX 4096       /* default max_body */
#define HTTPD_HEADER_MAX 16384    /* default max_header */

struct httpd_limits {
	size_t max_body;
	size_t max_header;
	unsigned max_connections;
	unsigned max_per_ip;
	unsigned timeout;           /* seconds */
};

/* A request, valid during the handler call (all borrowed) */
struct httpd_request {
	const char *method;         /* "GET", "HEAD" or "POST" */
	const char *path;           /* as sent, without the query */
	const char *body;           /* POST body (NUL-terminated), or "" */
	size_t body_len;
	const char *content_type;   /* or NULL */
	const char *accept_language;/* or NULL */
};

/* The answer the handler fills in: status 200 and an empty text/html body
 * on entry; body is capped at 64 KiB. */
struct httpd_response {
	int status;
	const char *content_type;   /* static string */
	struct buf body;
};

typedef void httpd_handler_fn(void *arg, const struct httpd_request *rq,
    struct httpd_response *rs);

struct httpd;

/* httpd_limits_default - the limits above, 64 connections, none per
 * address, 15 s */
void httpd_limits_default(struct httpd_limits *l);

/* httpd_start - listen on host:port (an IPv4 or IPv6 literal) and serve in
 * a thread of its own.  Returns the server (owned, httpd_stop), or NULL
 * with the reason in err. */
struct httpd *httpd_start(const char *host, int port, const struct httpd_limits *l,
    httpd_handler_fn *handler, void *arg, char *err, size_t errlen);

/* httpd_stop - stop serving, close every connection, free; *hp = NULL */
void httpd_stop(struct httpd **hp);

/* httpd_probe - GET http://host:port/path (libcurl, 10 s at most) as
 * `baraza check` does: 0 and the status into *status and, into ctype
 * (ctypelen bytes), the Content-Type; -1 and the reason in err when
 * nothing answered */
int httpd_probe(const char *host, int port, const char *path, long *status,
    char *ctype, size_t ctypelen, char *err, size_t errlen);

#endif
