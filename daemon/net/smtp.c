/* smtp - SMTP over libcurl: a pool of reused connections, per-recipient
 * replies read from the protocol trace (see smtp.h)
 *
 * The trace parser follows the commands libcurl writes (CURLINFO_HEADER_OUT)
 * and files each final reply line (CURLINFO_HEADER_IN, "NNN " form) under
 * the command it answers: MAIL, the n-th RCPT, DATA (354), or the end of
 * the data.  libcurl 7.88 sends one RCPT per round trip and keeps going
 * past refused recipients with CURLOPT_MAIL_RCPT_ALLLOWFAILS, so the order
 * of RCPT replies is the order of the recipients.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "smtp.h"
#include "smtp_pipe.h"
#include "xalloc.h"

#define SMTP_CONNECT_TIMEOUT 30L    /* seconds */
#define SMTP_RESPONSE_TIMEOUT 300L  /* seconds for any one reply (RFC 5321 4.5.3.2) */
#define SMTP_POOL_BYTES ((size_t)16 << 20) /* message bytes in hand beyond two per connection */
#define SMTP_PIPE_OUT_MAX ((size_t)2 << 30)  /* a pipelined write: commands, or a message dot-stuffed */
/* Recipients of one pipelined command group.  All the commands are written
 * before any reply is read, so the replies (up to ~100 bytes each) must fit
 * in the socket buffers, or the server stops reading while it cannot write
 * and both wait (RFC 2920 section 3.1); a larger transaction (max_recipients
 * raised) takes libcurl's transfer. */
#define SMTP_PIPE_MAX_RCPTS 500

enum { CMD_NONE, CMD_MAIL, CMD_RCPT, CMD_DATA, CMD_BODY, CMD_AUTH, CMD_OTHER };

/* smtp_outcome - see smtp.h */
enum outcome
smtp_outcome(int code)
{
	if (code >= 200 && code < 300)
		return OUTCOME_OK;
	if (code >= 500 && code < 600)
		return OUTCOME_PERM;
	return OUTCOME_TEMP;
}

struct smtp_txn *
smtp_txn_new(const char *from, const char *const *rcpts, size_t nrcpts,
    char *data, size_t len, void *udata)
{
	struct smtp_txn *t = xcalloc(1, sizeof(*t));

	t->from = xstrdup(from ? from : "");
	t->rcpts = xreallocarray(NULL, nrcpts ? nrcpts : 1, sizeof(*t->rcpts));
	for (size_t i = 0; i < nrcpts; i++)
		t->rcpts[i] = xstrdup(rcpts[i]);
	t->nrcpts = nrcpts;
	t->data = data;
	t->len = len;
	t->udata = udata;
	t->result = xcalloc(nrcpts ? nrcpts : 1, sizeof(*t->result));
	t->rcpt_code = xcalloc(nrcpts ? nrcpts : 1, sizeof(*t->rcpt_code));
	t->rcpt_text = xcalloc(nrcpts ? nrcpts : 1, sizeof(*t->rcpt_text));
	return t;
}

void
smtp_txn_free(struct smtp_txn **tp)
{
	struct smtp_txn *t = *tp;

	if (t == NULL)
		return;
	free(t->from);
	for (size_t i = 0; i < t->nrcpts; i++) {
		free(t->rcpts[i]);
		free(t->rcpt_text[i]);
	}
	free(t->rcpts);
	free(t->rcpt_text);
	free(t->rcpt_code);
	free(t->result);
	free(t->data);
	free(t);
	*tp = NULL;
}

/* copy_line - a reply line into out, printable ASCII only */
static void
copy_line(char *out, size_t outlen, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r' || c == '\n')
			break;
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = '\0';
}

/* next_line - the line at *p (before end), without its CR LF, in *n;
 * *p moves past it.  The caller loops while *p < end. */
static const char *
next_line(const char **p, const char *end, size_t *n)
{
	const char *line = *p, *nl = memchr(line, '\n', (size_t)(end - line));

	*n = nl ? (size_t)(nl - line) : (size_t)(end - line);
	*p = nl ? nl + 1 : end;
	if (*n > 0 && line[*n - 1] == '\r')
		(*n)--;
	return line;
}

/* reply_line - one server line: file its code under the current command */
static void
reply_line(struct smtp_txn *t, const char *p, size_t n)
{
	int code;

	if (n < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return;
	if (n > 3 && p[3] == '-')
		return;                 /* not the last line of the reply */
	code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	switch (t->last_cmd) {
	case CMD_MAIL:
		t->mail_code = code;
		copy_line(t->mail_text, sizeof(t->mail_text), p, n);
		t->last_cmd = CMD_NONE;
		break;
	case CMD_RCPT:
		if (t->rcpt_sent >= 1 && t->rcpt_sent <= t->nrcpts &&
		    t->rcpt_code[t->rcpt_sent - 1] == 0) {
			char line[256];

			copy_line(line, sizeof(line), p, n);
			t->rcpt_code[t->rcpt_sent - 1] = code;
			t->rcpt_text[t->rcpt_sent - 1] = xstrdup(line);
		}
		t->last_cmd = CMD_NONE;
		break;
	case CMD_DATA:
		if (code == 354) {
			t->in_data = 1;
			t->last_cmd = CMD_BODY;
		} else {
			t->data_code = code;
			copy_line(t->data_text, sizeof(t->data_text), p, n);
			t->last_cmd = CMD_NONE;
		}
		break;
	case CMD_BODY:
		t->data_code = code;
		copy_line(t->data_text, sizeof(t->data_text), p, n);
		t->last_cmd = CMD_NONE;
		break;
	default:
		break;
	}
}

/* trace - libcurl's protocol trace: commands out, replies in.  AUTH lines
 * and everything in the data are never logged. */
static int
trace(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct smtp_txn *t = ud;

	(void)h;
	if (t == NULL)
		return 0;
	if (type == CURLINFO_HEADER_OUT) {
		if (size >= 9 && strncasecmp(data, "RCPT TO:", 8) == 0) {
			t->last_cmd = CMD_RCPT;
			t->rcpt_sent++;
		} else if (size >= 10 && strncasecmp(data, "MAIL FROM:", 10) == 0) {
			t->last_cmd = CMD_MAIL;
		} else if (size >= 4 && strncasecmp(data, "DATA", 4) == 0 &&
		    (size == 4 || data[4] == '\r' || data[4] == '\n')) {
			t->last_cmd = CMD_DATA;
		} else if (size >= 4 && strncasecmp(data, "AUTH", 4) == 0) {
			t->last_cmd = CMD_AUTH;
			return 0;
		} else if (t->last_cmd == CMD_AUTH || t->last_cmd == CMD_BODY) {
			return 0;       /* SASL continuation lines, or the end of data */
		} else {
			t->last_cmd = CMD_OTHER;
		}
		if (log_get_level() >= LOG_LEVEL_DEBUG && t->last_cmd != CMD_AUTH) {
			char line[256];

			copy_line(line, sizeof(line), data, size);
			log_debug("smtp: > %s", line);
		}
	} else if (type == CURLINFO_HEADER_IN) {
		const char *p = data, *end = data + size;

		while (p < end) {
			size_t n;
			const char *l = next_line(&p, end, &n);

			if (log_get_level() >= LOG_LEVEL_DEBUG && t->last_cmd != CMD_AUTH) {
				char line[256];

				copy_line(line, sizeof(line), l, n);
				log_debug("smtp: < %s", line);
			}
			reply_line(t, l, n);
		}
	}
	return 0;
}

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

/* smtp_url - "smtp[s]://host:port/EHLO-NAME" (owned) */
static char *
smtp_url(const struct conf *c)
{
	int v6 = strchr(c->smtp.host, ':') != NULL;

	return xasprintf("%s://%s%s%s:%d/%s", c->smtp.implicit_tls ? "smtps" : "smtp",
	    v6 ? "[" : "", c->smtp.host, v6 ? "]" : "", c->smtp.port, c->list.domain);
}

/* setup_handle - the options every handle of this server shares.  uh
 * (may be NULL) is url already parsed, owned by the caller and kept as
 * long as h: libcurl then copies it for each transfer instead of parsing
 * the URL string again. */
static int
setup_handle(CURL *h, const struct conf *c, const char *url, CURLU *uh,
    const char *password, char *errbuf)
{
	long use_ssl = c->smtp.starttls == STARTTLS_YES ? (long)CURLUSESSL_ALL :
	    c->smtp.starttls == STARTTLS_AUTO ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
	if (uh)
		SET(CURLOPT_CURLU, uh);
	else
		SET(CURLOPT_URL, url);
	/* mail goes straight to the configured server: no proxy from the
	 * environment (all_proxy, smtp_proxy), and libcurl does not read the
	 * environment again for every transaction */
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	if (c->smtp.implicit_tls)
		use_ssl = (long)CURLUSESSL_ALL;
	SET(CURLOPT_USE_SSL, use_ssl);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->smtp.ca_file)
		SET(CURLOPT_CAINFO, c->smtp.ca_file);
	if (c->smtp.user) {
		SET(CURLOPT_USERNAME, c->smtp.user);
		SET(CURLOPT_PASSWORD, password);
	}
	SET(CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_TIMEOUT);
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, SMTP_RESPONSE_TIMEOUT);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_VERBOSE, 1L);        /* the trace is how replies are read */
	SET(CURLOPT_DEBUGFUNCTION, trace);
	SET(CURLOPT_DEBUGDATA, NULL);
#ifdef CURLOPT_MAIL_RCPT_ALLOWFAILS
	SET(CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else
	SET(CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
#undef SET
	if (rc != CURLE_OK)
		return log_error("smtp: libcurl setup: %s", curl_easy_strerror(rc));
	return 0;
}

/* set_text - s into r->text, cut to fit (snprintf's "%s" without its
 * format pass: this runs for every recipient) */
static void
set_text(struct smtp_reply *r, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(r->text) - 1)
		n = sizeof(r->text) - 1;
	memcpy(r->text, s, n);
	r->text[n] = '\0';
}

/* finish - turn the trace and libcurl's result into each recipient's
 * outcome */
static void
finish(struct smtp_txn *t, CURLcode rc, const char *errbuf)
{
	const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);
	/* no answer to MAIL FROM (connect, TLS, AUTH, greeting), or our own
	 * sender refused: every further transaction would fare the same */
	if ((t->mail_code == 0 && rc != CURLE_OK) || t->mail_code >= 400)
		t->unusable = 1;
	for (size_t i = 0; i < t->nrcpts; i++) {
		struct smtp_reply *r = &t->result[i];
		int code = t->rcpt_code[i];

		if (t->mail_code >= 300) {
			/* our sender was refused: not the recipient's fault */
			r->code = 0;
			snprintf(r->text, sizeof(r->text), "MAIL FROM refused: %.200s", t->mail_text);
		} else if (code == 0) {
			r->code = 0;
			set_text(r, why);
		} else if (code >= 300) {
			r->code = code;
			set_text(r, t->rcpt_text[i]);
		} else if (t->data_code != 0) {
			r->code = t->data_code;
			set_text(r, t->data_text);
		} else if (rc == CURLE_OK) {
			r->code = 250;
			set_text(r, "250 OK");
		} else {
			r->code = 0;
			set_text(r, why);
		}
		r->outcome = smtp_outcome(r->code);
	}
}

/* ---- the pool ---------------------------------------------------------------
 *
 * One thread per connection, each with its own easy handle (and so its own
 * cached connection), doing blocking curl_easy_perform() calls; the
 * caller's thread composes the next transactions meanwhile.  Up to two
 * transactions per connection, plus group - 1, are in hand at once (one
 * under way on each connection, the rest waiting), so a connection never
 * waits for the caller.  Finished transactions come back through a list and
 * the done callback runs in the caller's thread only (inside submit and
 * drain), so the store is never touched by two threads.
 *
 * Waking the caller for every finished transaction costs two context
 * switches and, in the relay, one database commit each; with a group of g
 * the workers wake the caller only when g transactions have finished (or
 * when they run out of work, or the caller drains), and the caller hands
 * finished ones back only then or when the oldest has waited wait_ms: so
 * at most g - 1 finished transactions, none older than wait_ms, wait
 * while the caller is busy.
 */

struct worker {
	struct smtp_pool *p;
	pthread_t tid;
	int started;
	CURL *h;
	CURLU *uh;                    /* the server's URL, parsed once */
	char errbuf[CURL_ERROR_SIZE];
	/* pipelining (smtp.pipelining = yes): pt is a handle set up like h
	 * plus CURLOPT_CONNECT_ONLY, never performed; ph its duplicate that
	 * holds the open connection */
	CURL *pt, *ph;
	int pipe;                     /* PIPE_UNKNOWN, PIPE_ON, PIPE_OFF */
	int offered;                  /* the last EHLO reply offered it */
	unsigned long carried;        /* transactions on ph so far */
	curl_socket_t sock;
	struct buf out;               /* what the next write sends */
	char in[16384];               /* read, not yet parsed */
	size_t inlen;
	char perr[CURL_ERROR_SIZE];
};

enum { PIPE_UNKNOWN, PIPE_ON, PIPE_OFF };

struct smtp_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;          /* todo got an entry, or stop */
	pthread_cond_t done_cv;       /* done got an entry */
	struct smtp_txn *todo, **todo_tail;  /* FIFO through t->next */
	struct smtp_txn *done, **done_tail;
	long in_hand;                 /* submitted and not yet handed back */
	size_t ndone;                 /* entries in done */
	struct timespec first_done;   /* when the oldest of them finished */
	size_t bytes;                 /* message bytes in hand */
	size_t group;                 /* wake the caller after this many */
	long wait_ms;                 /* or when the oldest is this old */
	int draining;                 /* the caller waits for everything */
	int urgent;                   /* a finished one found the server
	                               * unusable: hand back at once */
	int proven;                   /* one went through: the server works */
	smtp_group_fn *group_fn;
	int stop;
	struct worker *w;
	long n;
	smtp_done_fn *done_fn;
	void *arg;
	char *url;
};

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

/* ---- pipelining (RFC 2920) -------------------------------------------------
 *
 * libcurl sends one command per round trip.  When the server offers
 * PIPELINING, a worker instead has libcurl open the connection only
 * (CURLOPT_CONNECT_ONLY: TCP, TLS, greeting, EHLO, STARTTLS and AUTH as
 * for a transfer, the EHLO reply seen in caps_trace) and then writes each
 * transaction itself with curl_easy_send through the same TLS session:
 * MAIL FROM, every RCPT TO and DATA in one write, the replies read in
 * order, then the dot-stuffed message and its end in one more write
 * (smtp_pipe.h).  The replies land in the same fields the trace fills
 * for libcurl's transfers, and finish() decides each recipient's outcome
 * as before.  A server without PIPELINING, or an address that cannot be
 * written as is, gets libcurl's transfer.
 */

/* caps_trace - the trace of a pipelining connection's set-up: notes
 * whether the (last) EHLO reply offers PIPELINING; logs like trace() */
static int
caps_trace(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct worker *w = ud;
	const char *p = data, *end = data + size;

	(void)h;
	if (w == NULL)
		return 0;
	if (type == CURLINFO_HEADER_OUT) {
		if (size >= 4 && strncasecmp(data, "EHLO", 4) == 0)
			w->offered = 0;
		/* only EHLO/HELO and STARTTLS: after AUTH come the SASL
		 * lines (credentials without CURLOPT_SASL_IR) */
		if (log_get_level() >= LOG_LEVEL_DEBUG && size >= 4 &&
		    (strncasecmp(data, "EHLO", 4) == 0 || strncasecmp(data, "HELO", 4) == 0 ||
		    strncasecmp(data, "STAR", 4) == 0)) {
			char line[256];

			copy_line(line, sizeof(line), data, size);
			log_debug("smtp: > %s", line);
		}
		return 0;
	}
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (p < end) {
		size_t n;
		const char *l = next_line(&p, end, &n);

		if (n >= 14 && strncmp(l, "250", 3) == 0 &&
		    (l[3] == '-' || l[3] == ' ') &&
		    strncasecmp(l + 4, "PIPELINING", 10) == 0 &&
		    (n == 14 || l[14] == ' '))
			w->offered = 1;
		if (log_get_level() >= LOG_LEVEL_DEBUG) {
			char line[256];

			copy_line(line, sizeof(line), l, n);
			log_debug("smtp: < %s", line);
		}
	}
	return 0;
}

/* pipe_drop - close the pipelining connection (QUIT when it still works) */
static void
pipe_drop(struct worker *w)
{
	if (w->ph != NULL)
		curl_easy_cleanup(w->ph);
	w->ph = NULL;
	w->pipe = PIPE_UNKNOWN;
	w->inlen = 0;
	w->carried = 0;
}

/* pipe_connect - open a connection with libcurl and see whether it offers
 * PIPELINING: CURLE_OK with w->pipe PIPE_ON or PIPE_OFF (closed again),
 * or libcurl's error (w->perr) */
static CURLcode
pipe_connect(struct worker *w)
{
	CURLcode rc;

	pipe_drop(w);
	w->ph = curl_easy_duphandle(w->pt);
	if (w->ph == NULL)
		return CURLE_OUT_OF_MEMORY;
	w->perr[0] = '\0';
	w->offered = 0;
	curl_easy_setopt(w->ph, CURLOPT_ERRORBUFFER, w->perr);
	curl_easy_setopt(w->ph, CURLOPT_DEBUGDATA, w);
	rc = curl_easy_perform(w->ph);
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(w->ph, CURLINFO_ACTIVESOCKET, &w->sock);
	if (rc != CURLE_OK || w->sock == CURL_SOCKET_BAD) {
		if (rc == CURLE_OK)
			rc = CURLE_COULDNT_CONNECT;
		curl_easy_cleanup(w->ph);
		w->ph = NULL;
		return rc;
	}
	curl_easy_setopt(w->ph, CURLOPT_DEBUGDATA, NULL);
	if (!w->offered) {
		pipe_drop(w);
		w->pipe = PIPE_OFF;
		log_debug("smtp: the server does not offer PIPELINING");
		return CURLE_OK;
	}
	w->pipe = PIPE_ON;
	return CURLE_OK;
}

/* pipe_wait - poll the connection for ev until SMTP_RESPONSE_TIMEOUT;
 * 0, or -1 (timeout or error, w->perr) */
static int
pipe_wait(struct worker *w, short ev)
{
	struct pollfd pfd = { .fd = w->sock, .events = ev };
	int r;

	do
		r = poll(&pfd, 1, (int)(SMTP_RESPONSE_TIMEOUT * 1000));
	while (r < 0 && errno == EINTR);
	if (r > 0)
		return 0;
	if (r == 0)
		snprintf(w->perr, sizeof(w->perr),
		    "no answer from the server within %ld s", SMTP_RESPONSE_TIMEOUT);
	else
		snprintf(w->perr, sizeof(w->perr), "poll: %s", strerror(errno));
	return -1;
}

/* pipe_send - write all of w->out; 0 or -1 (w->perr) */
static int
pipe_send(struct worker *w)
{
	size_t off = 0;

	while (off < w->out.len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(w->ph, w->out.data + off,
		    w->out.len - off, &n);

		if (rc == CURLE_AGAIN) {
			if (pipe_wait(w, POLLOUT) < 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK) {
			snprintf(w->perr, sizeof(w->perr), "%s", curl_easy_strerror(rc));
			return -1;
		}
		off += n;
	}
	return 0;
}

/* pipe_reply - the next reply: its code and last line (printable, cut to
 * linelen - 1); 0, or -1 (connection closed or lost, timeout, not SMTP:
 * w->perr) */
static int
pipe_reply(struct worker *w, int *code, char *line, size_t linelen)
{
	for (;;) {
		const char *l;
		size_t ll, used;
		int r = smtp_pipe_reply(w->in, w->inlen, code, &l, &ll, &used);
		size_t n = 0;
		CURLcode rc;

		if (r == 1) {
			copy_line(line, linelen, l, ll);
			if (log_get_level() >= LOG_LEVEL_DEBUG)
				log_debug("smtp: < %s", line);
			memmove(w->in, w->in + used, w->inlen - used);
			w->inlen -= used;
			return 0;
		}
		if (r < 0) {
			snprintf(w->perr, sizeof(w->perr), "not an SMTP reply");
			return -1;
		}
		if (w->inlen == sizeof(w->in)) {
			snprintf(w->perr, sizeof(w->perr), "reply longer than %zu bytes",
			    sizeof(w->in));
			return -1;
		}
		rc = curl_easy_recv(w->ph, w->in + w->inlen,
		    sizeof(w->in) - w->inlen, &n);
		if (rc == CURLE_AGAIN) {
			/* only now wait: TLS may hold bytes the socket no
			 * longer shows */
			if (pipe_wait(w, POLLIN) < 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK || n == 0) {
			snprintf(w->perr, sizeof(w->perr), "%s", rc != CURLE_OK ?
			    curl_easy_strerror(rc) : "connection closed by the server");
			return -1;
		}
		w->inlen += n;
	}
}

/* log_out - the commands of w->out at debug level, not the data */
static void
log_out(const struct worker *w)
{
	const char *p = w->out.data, *end = w->out.data + w->out.len;

	while (p < end) {
		size_t n;
		const char *l = next_line(&p, end, &n);
		char line[256];

		copy_line(line, sizeof(line), l, n);
		log_debug("smtp: > %s", line);
	}
}

/* pipe_simple - write one command (RSET, or "." alone) and read its reply;
 * 0 or -1 */
static int
pipe_simple(struct worker *w, const char *cmd)
{
	char line[256];
	int code;

	buf_reset(&w->out);
	if (buf_puts(&w->out, cmd) < 0)
		return -1;
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_out(w);
	if (pipe_send(w) < 0 || pipe_reply(w, &code, line, sizeof(line)) < 0)
		return -1;
	return 0;
}

/* pipe_txn - t on the pipelining connection.  0: t has its outcome
 * (finish() ran); 1: the connection, used before, failed before the
 * server answered anything of t (it had closed it meanwhile): nothing of
 * t happened, and the caller may open a new one and try again. */
static int
pipe_txn(struct worker *w, struct smtp_txn *t)
{
	char line[256];
	int code, accepted = 0, answered = 0;

	buf_reset(&w->out);
	if (smtp_pipe_commands(&w->out, t->from, t->rcpts, t->nrcpts) < 0) {
		snprintf(w->perr, sizeof(w->perr), "commands too long");
		goto lost;
	}
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_out(w);
	if (pipe_send(w) < 0 || pipe_reply(w, &code, line, sizeof(line)) < 0)
		goto lost;
	answered = 1;
	t->mail_code = code;
	copy_line(t->mail_text, sizeof(t->mail_text), line, strlen(line));
	for (size_t i = 0; i < t->nrcpts; i++) {
		if (pipe_reply(w, &code, line, sizeof(line)) < 0)
			goto lost;
		t->rcpt_code[i] = code;
		t->rcpt_text[i] = xstrdup(line);
		if (code < 300 && t->mail_code < 300)
			accepted++;
	}
	if (pipe_reply(w, &code, line, sizeof(line)) < 0)
		goto lost;
	if (code == 354 && accepted > 0) {
		buf_reset(&w->out);
		if (smtp_pipe_body(&w->out, t->data, t->len) < 0) {
			snprintf(w->perr, sizeof(w->perr), "message too large");
			goto lost;
		}
		if (log_get_level() >= LOG_LEVEL_DEBUG)
			log_debug("smtp: > (%zu bytes of message and its end)",
			    w->out.len);
		if (pipe_send(w) < 0 || pipe_reply(w, &code, line, sizeof(line)) < 0)
			goto lost;
		t->data_code = code;
		copy_line(t->data_text, sizeof(t->data_text), line, strlen(line));
	} else if (code == 354) {
		/* DATA accepted with no recipient: end an empty message at
		 * once and forget the transaction (RFC 2920 3.1) */
		if (pipe_simple(w, ".\r\n") < 0 || pipe_simple(w, "RSET\r\n") < 0)
			goto lost;
	} else {
		t->data_code = code;
		copy_line(t->data_text, sizeof(t->data_text), line, strlen(line));
		if (t->mail_code < 300 && pipe_simple(w, "RSET\r\n") < 0)
			goto lost;
	}
	w->carried++;
	finish(t, CURLE_OK, NULL);
	return 0;

lost:
	{
		int again = !answered && w->carried > 0;
		char why[CURL_ERROR_SIZE];

		snprintf(why, sizeof(why), "%s", w->perr);
		pipe_drop(w);
		if (again)
			return 1;
		finish(t, CURLE_RECV_ERROR, why);
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
run_pipelined(struct worker *w, struct smtp_txn *t)
{
	if (w->pt == NULL || w->pipe == PIPE_OFF || !pipelinable(t))
		return 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (w->pipe == PIPE_UNKNOWN) {
			CURLcode rc = pipe_connect(w);

			if (rc != CURLE_OK) {
				/* as a transfer that could not connect */
				finish(t, rc, w->perr);
				return 1;
			}
			if (w->pipe == PIPE_OFF)
				return 0;
		}
		if (pipe_txn(w, t) == 0)
			return 1;
	}
	finish(t, CURLE_RECV_ERROR, "connection lost twice");
	return 1;
}

/* run_txn - one transaction on the worker's handle (worker thread) */
static void
run_txn(struct worker *w, struct smtp_txn *t)
{
	struct curl_slist *rcpts = NULL;
	char *from;
	CURLcode rc;

	if (run_pipelined(w, t))
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
	w->errbuf[0] = '\0';
	t->off = 0;
	curl_easy_setopt(w->h, CURLOPT_MAIL_FROM, from);    /* libcurl copies */
	curl_easy_setopt(w->h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(w->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(w->h, CURLOPT_READFUNCTION, read_data);
	curl_easy_setopt(w->h, CURLOPT_READDATA, t);
	curl_easy_setopt(w->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->len);
	curl_easy_setopt(w->h, CURLOPT_DEBUGDATA, t);
	rc = curl_easy_perform(w->h);
	curl_easy_setopt(w->h, CURLOPT_DEBUGDATA, NULL);
	curl_easy_setopt(w->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	free(from);
	finish(t, rc, w->errbuf);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct smtp_pool *p = w->p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct smtp_txn *t;

		while (p->todo == NULL && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->todo == NULL)
			break;              /* stop, and nothing left */
		t = p->todo;
		p->todo = t->next;
		if (p->todo == NULL)
			p->todo_tail = &p->todo;
		pthread_mutex_unlock(&p->mu);

		run_txn(w, t);

		pthread_mutex_lock(&p->mu);
		t->next = NULL;
		*p->done_tail = t;
		p->done_tail = &t->next;
		if (p->ndone++ == 0)
			clock_gettime(CLOCK_MONOTONIC, &p->first_done);
		if (t->unusable)
			p->urgent = 1;
		else
			p->proven = 1;
		/* wake the caller for a whole group, or when there is nothing
		 * left to send (it may be waiting to refill, or to drain), or
		 * at once when the server cannot be used: it should stop
		 * submitting after two transactions per connection, as before */
		if (p->ndone >= p->group || p->todo == NULL || p->draining ||
		    p->urgent)
			pthread_cond_signal(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct smtp_pool *
smtp_pool_new(const struct conf *c, long nconn, smtp_done_fn *done, void *arg,
    char *err, size_t errlen)
{
	struct smtp_pool *p;
	char password[1024] = "";
	sigset_t all, old;

	if (nconn < 1)
		nconn = 1;
	if (c->smtp.user && conf_read_secret(c->smtp.password_file, password,
	    sizeof(password), err, errlen) < 0)
		return NULL;
	/* before any thread: curl_global_init is not thread-safe */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("smtp: curl_global_init failed");
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	{
		pthread_condattr_t ca;

		/* timed waits measure from the monotonic clock */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->done_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	p->todo_tail = &p->todo;
	p->done_tail = &p->done;
	p->n = nconn;
	p->w = xcalloc((size_t)nconn, sizeof(*p->w));
	p->done_fn = done;
	p->arg = arg;
	p->group = 1;
	p->url = smtp_url(c);
	for (long i = 0; i < nconn; i++) {
		struct worker *w = &p->w[i];

		w->p = p;
		w->h = curl_easy_init();
		if (w->h == NULL)
			fatal("smtp: curl_easy_init failed");
		w->uh = curl_url();
		if (w->uh && curl_url_set(w->uh, CURLUPART_URL, p->url, 0) != CURLUE_OK) {
			curl_url_cleanup(w->uh);
			w->uh = NULL;   /* libcurl parses the string for each transfer */
		}
		if (setup_handle(w->h, c, p->url, w->uh, password, w->errbuf) < 0) {
			snprintf(err, errlen, "libcurl refused an option");
			memset(password, 0, sizeof(password));
			smtp_pool_free(&p);
			return NULL;
		}
		/* The message is copied dot-stuffed: the cap is room for
		 * any message relay composes, twice. */
		buf_init(&w->out, SMTP_PIPE_OUT_MAX);
		if (c->smtp.pipelining) {
			w->pt = curl_easy_init();
			if (w->pt == NULL ||
			    setup_handle(w->pt, c, p->url, w->uh, password, w->perr) < 0 ||
			    curl_easy_setopt(w->pt, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK ||
			    curl_easy_setopt(w->pt, CURLOPT_DEBUGFUNCTION, caps_trace) != CURLE_OK) {
				/* libcurl's transfers only */
				if (w->pt)
					curl_easy_cleanup(w->pt);
				w->pt = NULL;
			}
		}
	}
	memset(password, 0, sizeof(password));
	/* The sending threads take no signals: SIGTERM, SIGHUP and the rest
	 * stay with the caller's thread, which the daemon's loop watches. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (long i = 0; i < nconn; i++) {
		if (pthread_create(&p->w[i].tid, NULL, worker_main, &p->w[i]) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			snprintf(err, errlen, "cannot start a sending thread");
			smtp_pool_free(&p);
			return NULL;
		}
		p->w[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

/* hand_back - give every finished transaction to the callback (caller's
 * thread; called with the lock held, returns with it held) */
static void
hand_back(struct smtp_pool *p)
{
	while (p->done) {
		struct smtp_txn *list = p->done;
		long n = 0;
		size_t bytes = 0;

		p->done = NULL;
		p->done_tail = &p->done;
		p->ndone = 0;
		p->urgent = 0;
		pthread_mutex_unlock(&p->mu);
		while (list) {
			struct smtp_txn *t = list;

			list = t->next;
			t->next = NULL;
			n++;
			bytes += t->len;
			p->done_fn(t, p->arg);
		}
		if (p->group_fn)
			p->group_fn(p->arg);
		pthread_mutex_lock(&p->mu);
		p->in_hand -= n;
		p->bytes -= bytes;
	}
}

/* ms_since - milliseconds from *t0 to now (monotonic) */
static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* due - finished transactions that should be handed back now (lock held) */
static int
due(struct smtp_pool *p)
{
	return p->ndone > 0 && (p->ndone >= p->group || p->urgent || p->wait_ms <= 0 ||
	    ms_since(&p->first_done) >= p->wait_ms);
}

/* full - no room for another transaction (lock held): two per connection
 * until one has gone through (a server that cannot be used costs no more
 * tries than that), then group - 1 more, unless they hold the bytes cap */
static int
full(struct smtp_pool *p)
{
	if (p->in_hand < 2 * p->n)
		return 0;
	return !p->proven || p->in_hand >= 2 * p->n + (long)p->group - 1 ||
	    p->bytes >= SMTP_POOL_BYTES;
}

/* wait_done - sleep until a worker signals, or until the oldest finished
 * transaction is wait_ms old (from now when there is none yet: one that
 * finishes meanwhile is looked at again by then) (lock held) */
static void
wait_done(struct smtp_pool *p)
{
	struct timespec until;

	if (p->wait_ms <= 0) {
		pthread_cond_wait(&p->done_cv, &p->mu);
		return;
	}
	if (p->ndone > 0)
		until = p->first_done;
	else
		clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += p->wait_ms / 1000;
	until.tv_nsec += (p->wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&p->done_cv, &p->mu, &until);
}

void
smtp_pool_group(struct smtp_pool *p, size_t group, long wait_ms,
    smtp_group_fn *fn)
{
	pthread_mutex_lock(&p->mu);
	p->group = group ? group : 1;
	p->wait_ms = wait_ms;
	p->group_fn = fn;
	pthread_mutex_unlock(&p->mu);
}

int
smtp_pool_submit(struct smtp_pool *p, struct smtp_txn *t)
{
	pthread_mutex_lock(&p->mu);
	if (due(p))
		hand_back(p);
	while (full(p)) {
		if (!due(p))
			wait_done(p);
		if (due(p))
			hand_back(p);
	}
	t->next = NULL;
	*p->todo_tail = t;
	p->todo_tail = &t->next;
	p->in_hand++;
	p->bytes += t->len;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void
smtp_pool_drain(struct smtp_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->draining = 1;
	for (;;) {
		hand_back(p);
		if (p->in_hand == 0)
			break;
		pthread_cond_wait(&p->done_cv, &p->mu);
	}
	p->draining = 0;
	pthread_mutex_unlock(&p->mu);
}

void
smtp_pool_free(struct smtp_pool **pp)
{
	struct smtp_pool *p = *pp;

	if (p == NULL)
		return;
	smtp_pool_drain(p);
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (long i = 0; i < p->n; i++) {
		if (p->w[i].started)
			pthread_join(p->w[i].tid, NULL);
		if (p->w[i].h)
			curl_easy_cleanup(p->w[i].h);   /* closes its connection (QUIT) */
		pipe_drop(&p->w[i]);                    /* the same */
		if (p->w[i].pt)
			curl_easy_cleanup(p->w[i].pt);
		buf_release(&p->w[i].out);
		curl_url_cleanup(p->w[i].uh);
	}
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done_cv);
	pthread_mutex_destroy(&p->mu);
	free(p->w);
	free(p->url);
	free(p);
	curl_global_cleanup();
	*pp = NULL;
}

/* ---- check ------------------------------------------------------------------ */

struct greeting {
	char line[256];
	int code;
};

static int
check_trace(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct greeting *g = ud;

	(void)h;
	if (type == CURLINFO_HEADER_IN && g->line[0] == '\0') {
		copy_line(g->line, sizeof(g->line), data, size);
		if (size >= 3)
			g->code = atoi(g->line);
	}
	return 0;
}

int
smtp_check(const struct conf *c, char *msg, size_t msglen)
{
	char password[1024] = "", err[256], errbuf[CURL_ERROR_SIZE] = "";
	struct greeting g = { "", 0 };
	char *url;
	CURL *h;
	CURLcode rc;
	int v6 = strchr(c->smtp.host, ':') != NULL;

	if (c->smtp.user && conf_read_secret(c->smtp.password_file, password,
	    sizeof(password), err, sizeof(err)) < 0) {
		snprintf(msg, msglen, "smtp: %s", err);
		return -1;
	}
	url = smtp_url(c);
	h = curl_easy_init();
	if (h == NULL)
		fatal("smtp: curl_easy_init failed");
	if (setup_handle(h, c, url, NULL, password, errbuf) < 0) {
		snprintf(msg, msglen, "smtp: libcurl refused an option");
		rc = CURLE_FAILED_INIT;
	} else {
		curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, check_trace);
		curl_easy_setopt(h, CURLOPT_DEBUGDATA, &g);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "NOOP");
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		rc = curl_easy_perform(h);
		if (rc == CURLE_OK)
			snprintf(msg, msglen, "smtp: greeted %s%s%s:%d (%s)", v6 ? "[" : "",
			    c->smtp.host, v6 ? "]" : "", c->smtp.port, g.line);
		else
			snprintf(msg, msglen, "smtp: %s%s%s:%d: %s%s%s", v6 ? "[" : "",
			    c->smtp.host, v6 ? "]" : "", c->smtp.port,
			    *errbuf ? errbuf : curl_easy_strerror(rc),
			    g.line[0] ? "; server said: " : "", g.line);
	}
	memset(password, 0, sizeof(password));
	curl_easy_cleanup(h);
	free(url);
	return rc == CURLE_OK ? 0 : -1;
}
