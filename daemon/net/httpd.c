/* SPDX-License-Identifier: GPL-3.0-or-later */
/* httpd - the HTTP transport of baraza web (see httpd.h)
 *
 * libmicrohttpd calls answer() several times per request: once when the
 * request line and header are in (con_cls still NULL: the method and the
 * declared length are judged here, so an unwanted body is never read),
 * then once per piece of body, then once more with no data, when the
 * handler runs.  The per-request state lives in *con_cls and is freed by
 * completed().  Nothing here logs a path: it may hold a token.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "httpd.h"
#include "log.h"
#include "xalloc.h"

#define HTTPD_PAGE_MAX (64u << 10)

struct httpd {
	struct MHD_Daemon *d;
	struct httpd_limits lim;
	httpd_handler_fn *handler;
	void *arg;
};

/* One request being read */
struct pending {
	struct buf body;
};

/* httpd_limits_default - see httpd.h */
void
httpd_limits_default(struct httpd_limits *l)
{
	l->max_body = HTTPD_BODY_MAX;
	l->max_header = HTTPD_HEADER_MAX;
	l->max_connections = 64;
	l->max_per_ip = 0;
	l->timeout = 15;
}

/* send_answer - queue status with body and the headers every answer has */
static enum MHD_Result
send_answer(struct MHD_Connection *conn, int status, const char *ctype,
    const char *body, size_t len, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
	    " frame-ancestors 'none'; base-uri 'none'");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

/* send_short - an answer with a one-line plain text body */
static enum MHD_Result
send_short(struct MHD_Connection *conn, int status, const char *text,
    const char *allow)
{
	return send_answer(conn, status, "text/plain; charset=utf-8", text,
	    strlen(text), allow);
}

/* answer - libmicrohttpd's access handler (see the top of this file) */
static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct pending *p = *con_cls;
	int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	(void)version;
	if (p == NULL) {
		const char *cl;

		if (!post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return send_short(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "Method not allowed\n", "GET, HEAD, POST");
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL) {
			char *end;
			unsigned long long n;

			errno = 0;
			n = strtoull(cl, &end, 10);
			if (errno || end == cl || n > h->lim.max_body)
				return send_short(conn, MHD_HTTP_CONTENT_TOO_LARGE,
				    "Request too large\n", NULL);
		}
		p = xcalloc(1, sizeof(*p));
		buf_init(&p->body, h->lim.max_body);
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		/* a body without Content-Length (chunked) that passes the
		 * cap: the connection is dropped, nothing more is read */
		if (buf_append(&p->body, upload_data, *upload_data_size) < 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	{
		struct httpd_request rq;
		struct httpd_response rs;
		enum MHD_Result rc;

		memset(&rq, 0, sizeof(rq));
		rq.method = method;
		rq.path = url;
		rq.body = post ? p->body.data : "";
		rq.body_len = post ? p->body.len : 0;
		rq.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_TYPE);
		rq.accept_language = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
		memset(&rs, 0, sizeof(rs));
		rs.status = MHD_HTTP_OK;
		rs.content_type = "text/html; charset=utf-8";
		buf_init(&rs.body, HTTPD_PAGE_MAX);
		h->handler(h->arg, &rq, &rs);
		if (buf_failed(&rs.body)) {
			rc = send_short(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "Internal error\n", NULL);
		} else {
			rc = send_answer(conn, rs.status, rs.content_type, rs.body.data,
			    rs.body.len, rs.status == MHD_HTTP_METHOD_NOT_ALLOWED ?
			    "GET, HEAD, POST" : NULL);
		}
		buf_release(&rs.body);
		return rc;
	}
}

/* completed - the request is over (answered or dropped): free its state */
static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode why)
{
	struct pending *p = *con_cls;

	(void)cls; (void)conn; (void)why;
	if (p == NULL)
		return;
	buf_release(&p->body);
	free(p);
	*con_cls = NULL;
}

/* mhd_log - libmicrohttpd's own complaints, to our log */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warnx("web: %s", line);
}

/* httpd_start - see httpd.h */
struct httpd *
httpd_start(const char *host, int port, const struct httpd_limits *l,
    httpd_handler_fn *handler, void *arg, char *err, size_t errlen)
{
	struct httpd *h;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (port < 1 || port > 65535) {
		snprintf(err, errlen, "port %d out of range", port);
		return NULL;
	}
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sa = (const struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		sa = (const struct sockaddr *)&sin6;
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "'%s' is not an IP address", host);
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->lim = *l;
	h->handler = handler;
	h->arg = arg;
	h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, answer, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)l->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)l->max_per_ip, /* 0: none */
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)l->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)l->max_header,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", host, port,
		    errno ? strerror(errno) : "libmicrohttpd refused to start");
		free(h);
		return NULL;
	}
	return h;
}

/* httpd_stop - see httpd.h */
void
httpd_stop(struct httpd **hp)
{
	struct httpd *h = *hp;

	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	free(h);
	*hp = NULL;
}

/* discard - libcurl's write callback: the body is not wanted */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p; (void)arg;
	return size * n;
}

/* httpd_probe - see httpd.h */
int
httpd_probe(const char *host, int port, const char *path, long *status,
    char *ctype, size_t ctypelen, char *err, size_t errlen)
{
	CURL *cu = curl_easy_init();
	char url[512];
	char *ct = NULL;
	CURLcode rc;

	if (cu == NULL) {
		snprintf(err, errlen, "libcurl would not start");
		return -1;
	}
	snprintf(url, sizeof(url), strchr(host, ':') ? "http://[%s]:%d%s" :
	    "http://%s:%d%s", host, port, path);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_PROXY, "");
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(cu);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s:%d: %s", host, port, curl_easy_strerror(rc));
		curl_easy_cleanup(cu);
		return -1;
	}
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, status);
	curl_easy_getinfo(cu, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(ctype, ctypelen, "%s", ct ? ct : "");
	curl_easy_cleanup(cu);
	return 0;
}
