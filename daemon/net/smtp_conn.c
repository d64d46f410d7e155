/* SPDX-License-Identifier: GPL-3.0-or-later */
/* smtp_conn - one SMTP connection carrying transactions one after
 * another (see smtp_int.h)
 *
 * libcurl's transfer sends one command per round trip, and smtp.c reads
 * the replies from its protocol trace.  When the server offers PIPELINING
 * (RFC 2920), the connection instead has libcurl open it only
 * (CURLOPT_CONNECT_ONLY: TCP, TLS, greeting, EHLO, STARTTLS and AUTH as
 * for a transfer, the EHLO reply seen in caps_trace) and then writes each
 * transaction itself with curl_easy_send through the same TLS session:
 * MAIL FROM, every RCPT TO and DATA in one write, the replies read in
 * order, then the dot-stuffed message and its end in one more write
 * (smtp_pipe.h).  The replies land in the same fields the trace fills for
 * libcurl's transfers, and smtp_finish() gives each recipient its outcome
 * the same way.  A server without PIPELINING, or an address that cannot be
 * written as is, gets libcurl's transfer.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "smtp.h"
#include "smtp_int.h"
#include "smtp_pipe.h"
#include "xalloc.h"

#define SMTP_PIPE_OUT_MAX ((size_t)2 << 30)  /* a pipelined write: commands, or a message dot-stuffed */
/* Recipients of one pipelined command group.  All the commands are written
 * before any reply is read, so the replies (up to ~100 bytes each) must fit
 * in the socket buffers, or the server stops reading while it cannot write
 * and both wait (RFC 2920 section 3.1); a larger transaction (max_recipients
 * raised) takes libcurl's transfer. */
#define SMTP_PIPE_MAX_RCPTS 500

enum { PIPE_UNKNOWN, PIPE_ON, PIPE_OFF };

/* read_data - libcurl's read callback: the next bytes of t's message */
static size_t
read_data(char *buf, size_t size, size_t nitems, void *ud)
{
	struct smtp_txn *t = ud;
	size_t want = size * nitems, left = t->len - t->off;

	if (want > left)
		want = left;
	memcpy(buf, t->data + t->off, want);
	t->off += want;
	return want;
}

/* angle - "<addr>" (owned) */
static char *
angle(const char *addr)
{
	size_t n = strlen(addr);
	char *s = xmalloc(n + 3);

	s[0] = '<';
	memcpy(s + 1, addr, n);
	s[n + 1] = '>';
	s[n + 2] = '\0';
	return s;
}

/* caps_trace - the trace of a pipelining connection's set-up: notes
 * whether the (last) EHLO reply offers PIPELINING; logs like trace() */
static int
caps_trace(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct smtp_conn *k = ud;
	const char *p = data, *end = data + size;

	(void)h;
	if (k == NULL)
		return 0;
	if (type == CURLINFO_HEADER_OUT) {
		if (size >= 4 && strncasecmp(data, "EHLO", 4) == 0)
			k->offered = 0;
		/* only EHLO/HELO and STARTTLS: after AUTH come the SASL
		 * lines (credentials without CURLOPT_SASL_IR) */
		if (log_get_level() >= LOG_LEVEL_DEBUG && size >= 4 &&
		    (strncasecmp(data, "EHLO", 4) == 0 || strncasecmp(data, "HELO", 4) == 0 ||
		    strncasecmp(data, "STAR", 4) == 0)) {
			char line[256];

			smtp_copy_line(line, sizeof(line), data, size);
			log_debug("smtp: > %s", line);
		}
		return 0;
	}
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (p < end) {
		size_t n;
		const char *l = smtp_next_line(&p, end, &n);

		if (n >= 14 && strncmp(l, "250", 3) == 0 &&
		    (l[3] == '-' || l[3] == ' ') &&
		    strncasecmp(l + 4, "PIPELINING", 10) == 0 &&
		    (n == 14 || l[14] == ' '))
			k->offered = 1;
		if (log_get_level() >= LOG_LEVEL_DEBUG) {
			char line[256];

			smtp_copy_line(line, sizeof(line), l, n);
			log_debug("smtp: < %s", line);
		}
	}
	return 0;
}

/* pipe_drop - close the pipelining connection (QUIT when it still works) */
static void
pipe_drop(struct smtp_conn *k)
{
	if (k->ph != NULL)
		curl_easy_cleanup(k->ph);
	k->ph = NULL;
	k->pipe = PIPE_UNKNOWN;
	k->inlen = 0;
	k->carried = 0;
}

/* pipe_connect - open a connection with libcurl and see whether it offers
 * PIPELINING: CURLE_OK with k->pipe PIPE_ON or PIPE_OFF (closed again),
 * or libcurl's error (k->perr) */
static CURLcode
pipe_connect(struct smtp_conn *k)
{
	CURLcode rc;

	pipe_drop(k);
	k->ph = curl_easy_duphandle(k->pt);
	if (k->ph == NULL)
		return CURLE_OUT_OF_MEMORY;
	k->perr[0] = '\0';
	k->offered = 0;
	curl_easy_setopt(k->ph, CURLOPT_ERRORBUFFER, k->perr);
	curl_easy_setopt(k->ph, CURLOPT_DEBUGDATA, k);
	rc = curl_easy_perform(k->ph);
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(k->ph, CURLINFO_ACTIVESOCKET, &k->sock);
	if (rc != CURLE_OK || k->sock == CURL_SOCKET_BAD) {
		if (rc == CURLE_OK)
			rc = CURLE_COULDNT_CONNECT;
		curl_easy_cleanup(k->ph);
		k->ph = NULL;
		return rc;
	}
	curl_easy_setopt(k->ph, CURLOPT_DEBUGDATA, NULL);
	if (!k->offered) {
		pipe_drop(k);
		k->pipe = PIPE_OFF;
		log_debug("smtp: the server does not offer PIPELINING");
		return CURLE_OK;
	}
	k->pipe = PIPE_ON;
	return CURLE_OK;
}

/* pipe_wait - poll the connection for ev until SMTP_RESPONSE_TIMEOUT;
 * 0, or -1 (timeout or error, k->perr) */
static int
pipe_wait(struct smtp_conn *k, short ev)
{
	struct pollfd pfd = { .fd = k->sock, .events = ev };
	int r;

	do
		r = poll(&pfd, 1, (int)(SMTP_RESPONSE_TIMEOUT * 1000));
	while (r < 0 && errno == EINTR);
	if (r > 0)
		return 0;
	if (r == 0)
		snprintf(k->perr, sizeof(k->perr),
		    "no answer from the server within %ld s", SMTP_RESPONSE_TIMEOUT);
	else
		snprintf(k->perr, sizeof(k->perr), "poll: %s", strerror(errno));
	return -1;
}

/* pipe_send - write all of k->out; 0 or -1 (k->perr) */
static int
pipe_send(struct smtp_conn *k)
{
	size_t off = 0;

	while (off < k->out.len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(k->ph, k->out.data + off,
		    k->out.len - off, &n);

		if (rc == CURLE_AGAIN) {
			if (pipe_wait(k, POLLOUT) < 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK) {
			snprintf(k->perr, sizeof(k->perr), "%s", curl_easy_strerror(rc));
			return -1;
		}
		off += n;
	}
	return 0;
}

/* pipe_reply - the next reply: its code and last line (printable, cut to
 * linelen - 1); 0, or -1 (connection closed or lost, timeout, not SMTP:
 * k->perr) */
static int
pipe_reply(struct smtp_conn *k, int *code, char *line, size_t linelen)
{
	for (;;) {
		const char *l;
		size_t ll, used;
		int r = smtp_pipe_reply(k->in, k->inlen, code, &l, &ll, &used);
		size_t n = 0;
		CURLcode rc;

		if (r == 1) {
			smtp_copy_line(line, linelen, l, ll);
			if (log_get_level() >= LOG_LEVEL_DEBUG)
				log_debug("smtp: < %s", line);
			memmove(k->in, k->in + used, k->inlen - used);
			k->inlen -= used;
			return 0;
		}
		if (r < 0) {
			snprintf(k->perr, sizeof(k->perr), "not an SMTP reply");
			return -1;
		}
		if (k->inlen == sizeof(k->in)) {
			snprintf(k->perr, sizeof(k->perr), "reply longer than %zu bytes",
			    sizeof(k->in));
			return -1;
		}
		rc = curl_easy_recv(k->ph, k->in + k->inlen,
		    sizeof(k->in) - k->inlen, &n);
		if (rc == CURLE_AGAIN) {
			/* only now wait: TLS may hold bytes the socket no
			 * longer shows */
			if (pipe_wait(k, POLLIN) < 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK || n == 0) {
			snprintf(k->perr, sizeof(k->perr), "%s", rc != CURLE_OK ?
			    curl_easy_strerror(rc) : "connection closed by the server");
			return -1;
		}
		k->inlen += n;
	}
}

/* log_out - the commands of k->out at debug level, not the data */
static void
log_out(const struct smtp_conn *k)
{
	const char *p = k->out.data, *end = k->out.data + k->out.len;

	while (p < end) {
		size_t n;
		const char *l = smtp_next_line(&p, end, &n);
		char line[256];

		smtp_copy_line(line, sizeof(line), l, n);
		log_debug("smtp: > %s", line);
	}
}

/* pipe_simple - write one command (RSET, or "." alone) and read its reply;
 * 0 or -1 */
static int
pipe_simple(struct smtp_conn *k, const char *cmd)
{
	char line[256];
	int code;

	buf_reset(&k->out);
	if (buf_puts(&k->out, cmd) < 0)
		return -1;
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_out(k);
	if (pipe_send(k) < 0 || pipe_reply(k, &code, line, sizeof(line)) < 0)
		return -1;
	return 0;
}

/* pipe_txn - t on the pipelining connection.  0: t has its outcome
 * (smtp_finish() ran); 1: the connection, used before, failed before the
 * server answered anything of t (it had closed it meanwhile): nothing of
 * t happened, and the caller may open a new one and try again. */
static int
pipe_txn(struct smtp_conn *k, struct smtp_txn *t)
{
	char line[256];
	int code, accepted = 0, answered = 0;

	buf_reset(&k->out);
	if (smtp_pipe_commands(&k->out, t->from, t->rcpts, t->nrcpts) < 0) {
		snprintf(k->perr, sizeof(k->perr), "commands too long");
		goto lost;
	}
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_out(k);
	if (pipe_send(k) < 0 || pipe_reply(k, &code, line, sizeof(line)) < 0)
		goto lost;
	answered = 1;
	t->mail_code = code;
	smtp_copy_line(t->mail_text, sizeof(t->mail_text), line, strlen(line));
	for (size_t i = 0; i < t->nrcpts; i++) {
		if (pipe_reply(k, &code, line, sizeof(line)) < 0)
			goto lost;
		t->rcpt_code[i] = code;
		t->rcpt_text[i] = xstrdup(line);
		if (code < 300 && t->mail_code < 300)
			accepted++;
	}
	if (pipe_reply(k, &code, line, sizeof(line)) < 0)
		goto lost;
	if (code == 354 && accepted > 0) {
		buf_reset(&k->out);
		if (smtp_pipe_body(&k->out, t->data, t->len) < 0) {
			snprintf(k->perr, sizeof(k->perr), "message too large");
			goto lost;
		}
		if (log_get_level() >= LOG_LEVEL_DEBUG)
			log_debug("smtp: > (%zu bytes of message and its end)",
			    k->out.len);
		if (pipe_send(k) < 0 || pipe_reply(k, &code, line, sizeof(line)) < 0)
			goto lost;
		t->data_code = code;
		smtp_copy_line(t->data_text, sizeof(t->data_text), line, strlen(line));
	} else if (code == 354) {
		/* DATA accepted with no recipient: end an empty message at
		 * once and forget the transaction (RFC 2920 3.1) */
		if (pipe_simple(k, ".\r\n") < 0 || pipe_simple(k, "RSET\r\n") < 0)
			goto lost;
	} else {
		t->data_code = code;
		smtp_copy_line(t->data_text, sizeof(t->data_text), line, strlen(line));
		if (t->mail_code < 300 && pipe_simple(k, "RSET\r\n") < 0)
			goto lost;
	}
	k->carried++;
	smtp_finish(t, CURLE_OK, NULL);
	return 0;

lost:
	{
		int again = !answered && k->carried > 0;
		char why[CURL_ERROR_SIZE];

		snprintf(why, sizeof(why), "%s", k->perr);
		pipe_drop(k);
		if (again)
			return 1;
		smtp_finish(t, CURLE_RECV_ERROR, why);
		return 0;
	}
}

/* pipelinable - whether t's addresses can be written as they are, and
 * its replies fit in the socket buffers (SMTP_PIPE_MAX_RCPTS) */
static int
pipelinable(const struct smtp_txn *t)
{
	if (!smtp_pipe_address_ok(t->from))
		return 0;
	for (size_t i = 0; i < t->nrcpts; i++)
		if (t->rcpts[i][0] == '\0' || !smtp_pipe_address_ok(t->rcpts[i]))
			return 0;
	return t->nrcpts > 0 && t->nrcpts <= SMTP_PIPE_MAX_RCPTS;
}

/* run_pipelined - t with pipelining when the server offers it: 1 when
 * done, 0 when t should go through libcurl's transfer instead */
static int
run_pipelined(struct smtp_conn *k, struct smtp_txn *t)
{
	if (k->pt == NULL || k->pipe == PIPE_OFF || !pipelinable(t))
		return 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (k->pipe == PIPE_UNKNOWN) {
			CURLcode rc = pipe_connect(k);

			if (rc != CURLE_OK) {
				/* as a transfer that could not connect */
				smtp_finish(t, rc, k->perr);
				return 1;
			}
			if (k->pipe == PIPE_OFF)
				return 0;
		}
		if (pipe_txn(k, t) == 0)
			return 1;
	}
	smtp_finish(t, CURLE_RECV_ERROR, "connection lost twice");
	return 1;
}

/* smtp_conn_run - see smtp_int.h */
void
smtp_conn_run(struct smtp_conn *k, struct smtp_txn *t)
{
	struct curl_slist *rcpts = NULL;
	char *from;
	CURLcode rc;

	if (run_pipelined(k, t))
		return;
	for (size_t i = 0; i < t->nrcpts; i++) {
		char *a = angle(t->rcpts[i]);
		struct curl_slist *l = curl_slist_append(rcpts, a);

		free(a);
		if (l == NULL)
			fatal("smtp: out of memory");
		rcpts = l;
	}
	from = angle(t->from);
	k->errbuf[0] = '\0';
	t->off = 0;
	curl_easy_setopt(k->h, CURLOPT_MAIL_FROM, from);    /* libcurl copies */
	curl_easy_setopt(k->h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(k->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(k->h, CURLOPT_READFUNCTION, read_data);
	curl_easy_setopt(k->h, CURLOPT_READDATA, t);
	curl_easy_setopt(k->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->len);
	curl_easy_setopt(k->h, CURLOPT_DEBUGDATA, t);
	rc = curl_easy_perform(k->h);
	curl_easy_setopt(k->h, CURLOPT_DEBUGDATA, NULL);
	curl_easy_setopt(k->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	free(from);
	smtp_finish(t, rc, k->errbuf);
}

/* smtp_conn_init - see smtp_int.h */
int
smtp_conn_init(struct smtp_conn *k, const struct conf *c, const char *url,
    const char *password)
{
	k->h = curl_easy_init();
	if (k->h == NULL)
		fatal("smtp: curl_easy_init failed");
	k->uh = curl_url();
	if (k->uh && curl_url_set(k->uh, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(k->uh);
		k->uh = NULL;   /* libcurl parses the string for each transfer */
	}
	if (smtp_setup_handle(k->h, c, url, k->uh, password, k->errbuf) < 0)
		return -1;
	/* The message is copied dot-stuffed: the cap is room for any
	 * message the relay composes, twice. */
	buf_init(&k->out, SMTP_PIPE_OUT_MAX);
	if (c->smtp.pipelining) {
		k->pt = curl_easy_init();
		if (k->pt == NULL ||
		    smtp_setup_handle(k->pt, c, url, k->uh, password, k->perr) < 0 ||
		    curl_easy_setopt(k->pt, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK ||
		    curl_easy_setopt(k->pt, CURLOPT_DEBUGFUNCTION, caps_trace) != CURLE_OK) {
			/* libcurl's transfers only */
			if (k->pt)
				curl_easy_cleanup(k->pt);
			k->pt = NULL;
		}
	}
	return 0;
}

/* smtp_conn_release - see smtp_int.h */
void
smtp_conn_release(struct smtp_conn *k)
{
	if (k->h)
		curl_easy_cleanup(k->h);        /* closes its connection (QUIT) */
	k->h = NULL;
	pipe_drop(k);                           /* the same */
	if (k->pt)
		curl_easy_cleanup(k->pt);
	k->pt = NULL;
	buf_release(&k->out);
	curl_url_cleanup(k->uh);
	k->uh = NULL;
}
