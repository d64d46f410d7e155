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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "log.h"
#include "smtp.h"
#include "xalloc.h"

#define SMTP_CONNECT_TIMEOUT 30L    /* seconds */
#define SMTP_RESPONSE_TIMEOUT 300L  /* seconds for any one reply (RFC 5321 4.5.3.2) */

enum { CMD_NONE, CMD_MAIL, CMD_RCPT, CMD_DATA, CMD_BODY, CMD_AUTH, CMD_OTHER };

enum smtp_class
smtp_classify(int code)
{
	if (code >= 200 && code < 300)
		return SMTP_OK;
	if (code >= 500 && code < 600)
		return SMTP_PERM;
	return SMTP_TEMP;
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
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

			if (n > 0 && p[n - 1] == '\r')
				n--;
			if (log_get_level() >= LOG_LEVEL_DEBUG && t->last_cmd != CMD_AUTH) {
				char line[256];

				copy_line(line, sizeof(line), p, n);
				log_debug("smtp: < %s", line);
			}
			reply_line(t, p, n);
			p = nl ? nl + 1 : end;
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

/* setup_handle - the options every handle of this server shares */
static int
setup_handle(CURL *h, const struct conf *c, const char *url,
    const char *password, char *errbuf)
{
	long use_ssl = c->smtp.starttls == STARTTLS_YES ? (long)CURLUSESSL_ALL :
	    c->smtp.starttls == STARTTLS_AUTO ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_URL, url);
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

/* finish - turn the trace and libcurl's result into each recipient's
 * outcome */
static void
finish(struct smtp_txn *t, CURLcode rc, const char *errbuf)
{
	char why[256];

	snprintf(why, sizeof(why), "%s", errbuf && *errbuf ? errbuf :
	    curl_easy_strerror(rc));
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
			snprintf(r->text, sizeof(r->text), "%s", why);
		} else if (code >= 300) {
			r->code = code;
			snprintf(r->text, sizeof(r->text), "%s", t->rcpt_text[i]);
		} else if (t->data_code != 0) {
			r->code = t->data_code;
			snprintf(r->text, sizeof(r->text), "%s", t->data_text);
		} else if (rc == CURLE_OK) {
			r->code = 250;
			snprintf(r->text, sizeof(r->text), "250 OK");
		} else {
			r->code = 0;
			snprintf(r->text, sizeof(r->text), "%s", why);
		}
	}
}

/* ---- the pool --------------------------------------------------------------- */

struct conn {
	CURL *h;
	struct smtp_txn *t;          /* under way, or NULL */
	struct curl_slist *rcpts;
	char errbuf[CURL_ERROR_SIZE];
};

struct smtp_pool {
	CURLM *m;
	struct conn *conns;
	long n, busy;
	smtp_done_fn *done;
	void *arg;
	char *url;
};

struct smtp_pool *
smtp_pool_new(const struct conf *c, long nconn, smtp_done_fn *done, void *arg,
    char *err, size_t errlen)
{
	struct smtp_pool *p;
	char password[1024] = "";

	if (nconn < 1)
		nconn = 1;
	if (c->smtp.user && conf_read_secret(c->smtp.password_file, password,
	    sizeof(password), err, errlen) < 0)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->m = curl_multi_init();
	if (p->m == NULL)
		fatal("smtp: curl_multi_init failed");
	curl_multi_setopt(p->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, nconn);
	curl_multi_setopt(p->m, CURLMOPT_MAXCONNECTS, nconn);
	p->n = nconn;
	p->conns = xcalloc((size_t)nconn, sizeof(*p->conns));
	p->done = done;
	p->arg = arg;
	p->url = smtp_url(c);
	for (long i = 0; i < nconn; i++) {
		p->conns[i].h = curl_easy_init();
		if (p->conns[i].h == NULL)
			fatal("smtp: curl_easy_init failed");
		if (setup_handle(p->conns[i].h, c, p->url, password,
		    p->conns[i].errbuf) < 0) {
			snprintf(err, errlen, "libcurl refused an option");
			memset(password, 0, sizeof(password));
			smtp_pool_free(&p);
			return NULL;
		}
		curl_easy_setopt(p->conns[i].h, CURLOPT_PRIVATE, &p->conns[i]);
	}
	memset(password, 0, sizeof(password));
	return p;
}

/* complete - a handle finished: results to the callback, handle free */
static void
complete(struct smtp_pool *p, struct conn *cn, CURLcode rc)
{
	struct smtp_txn *t = cn->t;

	curl_multi_remove_handle(p->m, cn->h);
	curl_easy_setopt(cn->h, CURLOPT_DEBUGDATA, NULL);
	curl_easy_setopt(cn->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(cn->rcpts);
	cn->rcpts = NULL;
	cn->t = NULL;
	p->busy--;
	finish(t, rc, cn->errbuf);
	p->done(t, p->arg);
}

/* pump - let libcurl work, then collect what finished */
static void
pump(struct smtp_pool *p, int wait)
{
	int running = 0, left;
	CURLMsg *msg;

	curl_multi_perform(p->m, &running);
	while ((msg = curl_multi_info_read(p->m, &left)) != NULL) {
		struct conn *cn = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&cn);
		if (cn && cn->t)
			complete(p, cn, msg->data.result);
	}
	if (wait && p->busy > 0)
		curl_multi_poll(p->m, NULL, 0, 1000, NULL);
}

int
smtp_pool_submit(struct smtp_pool *p, struct smtp_txn *t)
{
	struct conn *cn = NULL;
	CURLMcode mrc;

	while (p->busy == p->n)
		pump(p, 1);
	for (long i = 0; i < p->n; i++)
		if (p->conns[i].t == NULL) {
			cn = &p->conns[i];
			break;
		}
	if (cn == NULL)
		BUG("smtp pool: no free connection with busy < n");
	for (size_t i = 0; i < t->nrcpts; i++) {
		char *a = xasprintf("<%s>", t->rcpts[i]);
		struct curl_slist *l = curl_slist_append(cn->rcpts, a);

		free(a);
		if (l == NULL)
			fatal("smtp: out of memory");
		cn->rcpts = l;
	}
	{
		char *from = xasprintf("<%s>", t->from);

		curl_easy_setopt(cn->h, CURLOPT_MAIL_FROM, from);   /* libcurl copies */
		free(from);
	}
	cn->errbuf[0] = '\0';
	t->off = 0;
	curl_easy_setopt(cn->h, CURLOPT_MAIL_RCPT, cn->rcpts);
	curl_easy_setopt(cn->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(cn->h, CURLOPT_READFUNCTION, read_data);
	curl_easy_setopt(cn->h, CURLOPT_READDATA, t);
	curl_easy_setopt(cn->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->len);
	curl_easy_setopt(cn->h, CURLOPT_DEBUGDATA, t);
	cn->t = t;
	p->busy++;
	mrc = curl_multi_add_handle(p->m, cn->h);
	if (mrc != CURLM_OK) {
		log_warnx("smtp: curl_multi_add_handle: %s", curl_multi_strerror(mrc));
		cn->t = NULL;
		p->busy--;
		curl_slist_free_all(cn->rcpts);
		cn->rcpts = NULL;
		finish(t, CURLE_FAILED_INIT, "libcurl refused the transfer");
		p->done(t, p->arg);
		return -1;
	}
	pump(p, 0);
	return 0;
}

void
smtp_pool_drain(struct smtp_pool *p)
{
	while (p->busy > 0)
		pump(p, 1);
}

void
smtp_pool_free(struct smtp_pool **pp)
{
	struct smtp_pool *p = *pp;

	if (p == NULL)
		return;
	if (p->done)
		smtp_pool_drain(p);
	for (long i = 0; i < p->n; i++) {
		if (p->conns[i].h == NULL)
			continue;
		if (p->conns[i].t)
			curl_multi_remove_handle(p->m, p->conns[i].h);
		curl_easy_cleanup(p->conns[i].h);
		curl_slist_free_all(p->conns[i].rcpts);
	}
	curl_multi_cleanup(p->m);   /* closes the cached connections (QUIT) */
	free(p->conns);
	free(p->url);
	free(p);
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
	if (setup_handle(h, c, url, password, errbuf) < 0) {
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
