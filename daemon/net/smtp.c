/* SPDX-License-Identifier: GPL-3.0-or-later */
/* smtp - an SMTP transaction and its replies (see smtp.h, smtp_int.h)
 *
 * The trace parser follows the commands libcurl writes (CURLINFO_HEADER_OUT)
 * and files each final reply line (CURLINFO_HEADER_IN, "NNN " form) under
 * the command it answers: MAIL, the n-th RCPT, DATA (354), or the end of
 * the data.  libcurl 7.88 sends one RCPT per round trip and keeps going
 * past refused recipients with CURLOPT_MAIL_RCPT_ALLLOWFAILS, so the order
 * of RCPT replies is the order of the recipients.  smtp_finish() turns what
 * was filed into each recipient's reply and outcome.
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
#include "smtp_int.h"
#include "xalloc.h"

#define SMTP_CONNECT_TIMEOUT 30L    /* seconds */

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

/* smtp_txn_new - see smtp.h */
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

/* smtp_txn_free - see smtp.h */
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

/* smtp_copy_line - see smtp_int.h */
void
smtp_copy_line(char *out, size_t outlen, const char *p, size_t n)
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

/* smtp_next_line - see smtp_int.h */
const char *
smtp_next_line(const char **p, const char *end, size_t *n)
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
		smtp_copy_line(t->mail_text, sizeof(t->mail_text), p, n);
		t->last_cmd = CMD_NONE;
		break;
	case CMD_RCPT:
		if (t->rcpt_sent >= 1 && t->rcpt_sent <= t->nrcpts &&
		    t->rcpt_code[t->rcpt_sent - 1] == 0) {
			char line[256];

			smtp_copy_line(line, sizeof(line), p, n);
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
			smtp_copy_line(t->data_text, sizeof(t->data_text), p, n);
			t->last_cmd = CMD_NONE;
		}
		break;
	case CMD_BODY:
		t->data_code = code;
		smtp_copy_line(t->data_text, sizeof(t->data_text), p, n);
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

			smtp_copy_line(line, sizeof(line), data, size);
			log_debug("smtp: > %s", line);
		}
	} else if (type == CURLINFO_HEADER_IN) {
		const char *p = data, *end = data + size;

		while (p < end) {
			size_t n;
			const char *l = smtp_next_line(&p, end, &n);

			if (log_get_level() >= LOG_LEVEL_DEBUG && t->last_cmd != CMD_AUTH) {
				char line[256];

				smtp_copy_line(line, sizeof(line), l, n);
				log_debug("smtp: < %s", line);
			}
			reply_line(t, l, n);
		}
	}
	return 0;
}

/* smtp_url - see smtp_int.h */
char *
smtp_url(const struct conf *c)
{
	int v6 = strchr(c->smtp.host, ':') != NULL;

	return xasprintf("%s://%s%s%s:%d/%s", c->smtp.implicit_tls ? "smtps" : "smtp",
	    v6 ? "[" : "", c->smtp.host, v6 ? "]" : "", c->smtp.port, c->list.domain);
}

/* smtp_setup_handle - see smtp_int.h */
int
smtp_setup_handle(CURL *h, const struct conf *c, const char *url, CURLU *uh,
    const char *password, char *errbuf)
{
	long use_ssl = c->smtp.starttls == STARTTLS_YES ? (long)CURLUSESSL_ALL :
	    (long)CURLUSESSL_NONE;
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

/* smtp_finish - see smtp_int.h */
void
smtp_finish(struct smtp_txn *t, CURLcode rc, const char *errbuf)
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

/* ---- check ------------------------------------------------------------------ */

/* What smtp_check saw of the server. */
struct greeting {
	char line[256];
	int code;
};

/* check_trace - smtp_check's trace: keep the first line the server sent
 * (its greeting) */
static int
check_trace(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct greeting *g = ud;

	(void)h;
	if (type == CURLINFO_HEADER_IN && g->line[0] == '\0') {
		smtp_copy_line(g->line, sizeof(g->line), data, size);
		if (size >= 3)
			g->code = atoi(g->line);
	}
	return 0;
}

/* smtp_check - see smtp.h */
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
	if (smtp_setup_handle(h, c, url, NULL, password, errbuf) < 0) {
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
