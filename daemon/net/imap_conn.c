/* SPDX-License-Identifier: GPL-3.0-or-later */
/* imap_conn - the IMAP client's connection: connect, TLS, STARTTLS, log
 * in, select; the description of a connection and `baraza check`'s test
 * (the commands on an open connection are imap.c's; both implement imap.h)
 *
 * libetpan 1.9.4 behaviours that shape the code:
 * - its TLS streams accept any certificate, so every handshake is followed
 *   by tls_verify_chain() on the peer chain, and a failure closes the
 *   connection before a password is sent;
 * - libetpan 1.9.4 does not guard against STARTTLS response injection, so
 *   STARTTLS is done here by hand and refused when the server sent
 *   anything after its OK before the handshake.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "imap.h"
#include "imap_int.h"
#include "log.h"
#include "tls.h"
#include "url.h"
#include "xalloc.h"

#define IMAP_MAX_PASSWORD 1024

/* ---- mailbox names ---------------------------------------------------- */

/* mutf7_encode - a UTF-8 mailbox name in IMAP's modified UTF-7 (RFC 3501
 * 5.1.3): printable ASCII stays, "&" becomes "&-", anything else is
 * UTF-16 in modified base64 between "&" and "-".  Owned result. */
static char *
mutf7_encode(const char *s)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
	struct buf out;
	const unsigned char *p = (const unsigned char *)s;

	buf_init(&out, BUF_NOLIMIT);
	while (*p != '\0') {
		uint32_t bits = 0;
		int nbits = 0;

		if (*p >= 0x20 && *p < 0x7f) {
			if (*p == '&')
				buf_puts(&out, "&-");
			else
				buf_putc(&out, *p);
			p++;
			continue;
		}
		buf_putc(&out, '&');
		while (*p != '\0' && !(*p >= 0x20 && *p < 0x7f)) {
			uint32_t cp;
			uint16_t units[2];
			int nu, k;

			/* decode one UTF-8 sequence; a bad byte becomes U+FFFD */
			if (*p < 0x80) {
				cp = *p++;
			} else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
				cp = ((uint32_t)(*p & 0x1f) << 6) | (p[1] & 0x3f);
				p += 2;
			} else if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 &&
			    (p[2] & 0xc0) == 0x80) {
				cp = ((uint32_t)(*p & 0x0f) << 12) |
				    ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
				p += 3;
			} else if ((*p & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 &&
			    (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
				cp = ((uint32_t)(*p & 0x07) << 18) |
				    ((uint32_t)(p[1] & 0x3f) << 12) |
				    ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
				p += 4;
			} else {
				cp = 0xfffd;
				p++;
			}
			if (cp >= 0x10000 && cp <= 0x10ffff) {
				cp -= 0x10000;
				units[0] = (uint16_t)(0xd800 + (cp >> 10));
				units[1] = (uint16_t)(0xdc00 + (cp & 0x3ff));
				nu = 2;
			} else {
				units[0] = (uint16_t)(cp > 0xffff ? 0xfffd : cp);
				nu = 1;
			}
			for (k = 0; k < nu; k++) {
				bits = (bits << 16) | units[k];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					buf_putc(&out, b64[(bits >> nbits) & 0x3f]);
				}
			}
		}
		if (nbits > 0)
			buf_putc(&out, b64[(bits << (6 - nbits)) & 0x3f]);
		buf_putc(&out, '-');
	}
	return buf_detach(&out, NULL);
}

/* ---- errors ------------------------------------------------------------ */

/* etpan_error - words for a libetpan error code */
static const char *
etpan_error(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return "connection lost or timed out";
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return "connection refused or host unreachable";
	case MAILIMAP_ERROR_PARSE:
		return "unparsable server response";
	case MAILIMAP_ERROR_MEMORY:
		return "out of memory";
	case MAILIMAP_ERROR_FATAL:
		return "server closed the session";
	case MAILIMAP_ERROR_SSL:
		return "TLS handshake failed";
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		return "server refuses connections";
	default:
		return "command refused";
	}
}

/* imap_refused - see imap_int.h */
int
imap_refused(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
	case MAILIMAP_ERROR_BAD_STATE:
		return 0;
	default:
		return 1;
	}
}

/* server_text - the text of the server's last tagged answer, or "" */
static const char *
server_text(const struct imap *im)
{
	const char *t = im->imap != NULL ? im->imap->imap_response : NULL;

	return t != NULL ? t : "";
}

/* imap_fail - see imap_int.h */
enum outcome
imap_fail(struct imap *im, int r, int perm_if_refused, const char *what,
    char *err, size_t errlen)
{
	const char *srv = server_text(im);
	char clean[256];
	size_t i, o = 0;

	/* The server's text is untrusted: keep it printable and short. */
	for (i = 0; srv[i] != '\0' && o + 1 < sizeof(clean); i++)
		clean[o++] = (srv[i] >= 0x20 && srv[i] < 0x7f) ? srv[i] : '?';
	clean[o] = '\0';
	if (imap_refused(r)) {
		snprintf(err, errlen, "%s: %s%s%s", what, etpan_error(r),
		    o ? ": " : "", clean);
		return perm_if_refused ? OUTCOME_PERM : OUTCOME_TEMP;
	}
	snprintf(err, errlen, "%s: %s", what, etpan_error(r));
	im->broken = 1;
	return OUTCOME_TEMP;
}

/* ---- connecting -------------------------------------------------------- */

/* is_ip_literal - 1 when host is an IPv4 or IPv6 address */
static int
is_ip_literal(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/* sni_callback - libetpan lets us touch the TLS context before the
 * handshake: send the host name (SNI) unless it is an address literal */
static void
sni_callback(struct mailstream_ssl_context *ctx, void *data)
{
	const char *host = data;

	if (!is_ip_literal(host))
		mailstream_ssl_set_server_name(ctx, (char *)host);
}

/* verify_peer - check the certificate chain of the TLS stream now open */
static enum outcome
verify_peer(struct imap *im, const char *ca_file, char *err, size_t errlen)
{
	carray *chain = mailstream_get_certificate_chain(im->imap->imap_stream);
	struct tls_der der[16];
	char why[512];
	unsigned i, n;
	int r;

	if (chain == NULL) {
		snprintf(err, errlen, "TLS verification failed for %s: no "
		    "certificate from the server", im->url.host);
		return OUTCOME_PERM;
	}
	n = carray_count(chain);
	if (n > 16)
		n = 16;
	for (i = 0; i < n; i++) {
		MMAPString *m = carray_get(chain, i);

		der[i].data = (const unsigned char *)m->str;
		der[i].len = m->len;
	}
	r = tls_verify_chain(der, n, im->url.host, ca_file, why, sizeof(why));
	mailstream_certificate_chain_free(chain);
	if (r < 0) {
		snprintf(err, errlen, "TLS verification failed for %s:%u: %s",
		    im->url.host, (unsigned)im->url.port, why);
		im->broken = 1;     /* say nothing more to an unverified peer */
		return OUTCOME_PERM;
	}
	im->tls = 1;
	return OUTCOME_OK;
}

/* refresh_capabilities - ask again (after TLS or login the list changes) */
static enum outcome
refresh_capabilities(struct imap *im, char *err, size_t errlen)
{
	struct mailimap_capability_data *cap = NULL;
	int r = mailimap_capability(im->imap, &cap);

	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, 0, "CAPABILITY", err, errlen);
	mailimap_capability_data_free(cap);
	im->can_move = mailimap_has_extension(im->imap, "MOVE");
	im->can_uidplus = mailimap_has_extension(im->imap, "UIDPLUS");
	im->can_idle = mailimap_has_idle(im->imap);
	return OUTCOME_OK;
}

/* starttls - STARTTLS by hand (see the top of the file), then verify */
static enum outcome
starttls(struct imap *im, const char *ca_file, char *err, size_t errlen)
{
	mailstream *stream = im->imap->imap_stream;
	mailstream_low *low, *tls;
	int r, fd;

	r = mailimap_starttls(im->imap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, 1, "STARTTLS", err, errlen);
	if (stream->read_buffer_len != 0) {
		snprintf(err, errlen, "STARTTLS: the server sent data before the "
		    "TLS handshake (possible injection); refusing");
		im->broken = 1;
		return OUTCOME_PERM;
	}
	low = mailstream_get_low(stream);
	fd = mailstream_low_get_fd(low);
	if (fd < 0) {
		snprintf(err, errlen, "STARTTLS: connection lost");
		im->broken = 1;
		return OUTCOME_TEMP;
	}
	tls = mailstream_low_tls_open_with_callback_timeout(fd, IMAP_TIMEOUT,
	    sni_callback, im->url.host);
	if (tls == NULL) {
		snprintf(err, errlen, "STARTTLS: TLS handshake with %s:%u failed",
		    im->url.host, (unsigned)im->url.port);
		im->broken = 1;
		return OUTCOME_TEMP;
	}
	mailstream_low_free(low);
	mailstream_set_low(stream, tls);
	return verify_peer(im, ca_file, err, errlen);
}

/* login - LOGIN, or AUTHENTICATE PLAIN when the server disables LOGIN;
 * the password is read now and wiped after use */
static enum outcome
login(struct imap *im, const struct conf *c, char *err, size_t errlen)
{
	char pw[IMAP_MAX_PASSWORD], why[256];
	int r;

	if (c->imap.user == NULL || *c->imap.user == '\0') {
		snprintf(err, errlen, "[imap] user is not set");
		return OUTCOME_PERM;
	}
	if (c->imap.password_file == NULL || *c->imap.password_file == '\0') {
		snprintf(err, errlen, "[imap] password_file is not set");
		return OUTCOME_PERM;
	}
	if (conf_read_secret(c->imap.password_file, pw, sizeof(pw), why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "[imap] password_file: %s", why);
		return OUTCOME_PERM;
	}
	if (mailimap_has_extension(im->imap, "LOGINDISABLED") &&
	    mailimap_has_authentication(im->imap, "PLAIN"))
		r = mailimap_authenticate(im->imap, "PLAIN", im->url.host,
		    NULL, NULL, c->imap.user, c->imap.user, pw, NULL);
	else
		r = mailimap_login(im->imap, c->imap.user, pw);
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(pw, sizeof(pw));
#else
	memset(pw, 0, sizeof(pw));
#endif
	if (r != MAILIMAP_NO_ERROR) {
		char what[URL_MAX_HOST + 128];

		snprintf(what, sizeof(what), "login as %s at %s:%u failed",
		    c->imap.user, im->url.host, (unsigned)im->url.port);
		return imap_fail(im, r, 1, what, err, errlen);
	}
	return OUTCOME_OK;
}

/* keywords_allowed - PERMANENTFLAGS includes \* (new keywords may be
 * created) or names our keyword */
static int
keywords_allowed(const struct imap *im)
{
	struct mailimap_selection_info *si = im->imap->imap_selection_info;
	clistiter *it;

	if (si == NULL || si->sel_perm_flags == NULL)
		return 0;
	for (it = clist_begin(si->sel_perm_flags); it; it = clist_next(it)) {
		struct mailimap_flag_perm *fp = clist_content(it);

		if (fp->fl_type == MAILIMAP_FLAG_PERM_ALL)
			return 1;
		if (fp->fl_flag != NULL &&
		    fp->fl_flag->fl_type == MAILIMAP_FLAG_KEYWORD &&
		    strcasecmp(fp->fl_flag->fl_data.fl_keyword, IMAP_KEYWORD) == 0)
			return 1;
	}
	return 0;
}

/* select_mailbox - SELECT and remember UIDVALIDITY and EXISTS */
static enum outcome
select_mailbox(struct imap *im, char *err, size_t errlen)
{
	int r = mailimap_select(im->imap, im->mailbox_wire);

	if (r != MAILIMAP_NO_ERROR) {
		char what[URL_MAX_PATH + 32];

		snprintf(what, sizeof(what), "mailbox %s", im->url.mailbox);
		return imap_fail(im, r, 1, what, err, errlen);
	}
	im->exists = im->imap->imap_selection_info->sel_exists;
	im->can_keywords = keywords_allowed(im);
	return OUTCOME_OK;
}

/* imap_open - see imap.h */
enum outcome
imap_open(const struct conf *c, struct imap **out, char *err, size_t errlen)
{
	struct imap *im;
	enum outcome rc;
	int r, preauth;

	*out = NULL;
	im = xcalloc(1, sizeof(*im));
	if (c->imap.host == NULL || c->imap.mailbox == NULL) {
		snprintf(err, errlen, "[imap] url is empty");
		imap_close(&im);
		return OUTCOME_PERM;
	}
	im->url.implicit_tls = c->imap.implicit_tls;
	im->url.host = xstrdup(c->imap.host);
	im->url.port = (uint16_t)c->imap.port;
	im->url.mailbox = xstrdup(c->imap.mailbox);
	im->user = xstrdup(c->imap.user != NULL ? c->imap.user : "");
	im->mailbox_wire = mutf7_encode(im->url.mailbox);
	im->after = c->imap.after;
	if (im->after == IMAP_AFTER_MOVE) {
		const char *f = c->imap.after_folder;

		if (f == NULL || *f == '\0') {
			snprintf(err, errlen, "[imap] after = move: needs a folder");
			imap_close(&im);
			return OUTCOME_PERM;
		}
		im->folder = xstrdup(f);
		im->folder_wire = mutf7_encode(f);
	}
	im->max_size = c->list.max_message_kb > 0 ?
	    (size_t)c->list.max_message_kb * 1024 + 1 : (size_t)64 << 20;

	im->imap = mailimap_new(0, NULL);
	if (im->imap == NULL)
		fatal("out of memory");
	mailimap_set_timeout(im->imap, IMAP_TIMEOUT);

	if (im->url.implicit_tls)
		r = mailimap_ssl_connect_with_callback(im->imap, im->url.host,
		    im->url.port, sni_callback, im->url.host);
	else
		r = mailimap_socket_connect(im->imap, im->url.host, im->url.port);
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		char what[URL_MAX_HOST + 32];

		snprintf(what, sizeof(what), "connect to %s:%u", im->url.host,
		    (unsigned)im->url.port);
		rc = imap_fail(im, r, 0, what, err, errlen);
		goto bad;
	}
	/* PREAUTH: already logged in by the server's say-so.  Over a clear
	 * connection that also rules out STARTTLS (RFC 3501 allows it only
	 * before authentication), the classic downgrade: refuse unless the
	 * configuration allows clear text. */
	preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	if (preauth && !im->url.implicit_tls && c->imap.starttls == STARTTLS_YES) {
		snprintf(err, errlen, "%s:%u greets with PREAUTH, so STARTTLS is "
		    "impossible and [imap] starttls = yes: refusing",
		    im->url.host, (unsigned)im->url.port);
		im->broken = 1;
		rc = OUTCOME_PERM;
		goto bad;
	}
	if (im->url.implicit_tls &&
	    (rc = verify_peer(im, c->imap.ca_file, err, errlen)) != OUTCOME_OK)
		goto bad;
	if ((rc = refresh_capabilities(im, err, errlen)) != OUTCOME_OK)
		goto bad;
	if (!im->url.implicit_tls && !preauth && c->imap.starttls != STARTTLS_NO) {
		if (mailimap_has_extension(im->imap, "STARTTLS")) {
			if ((rc = starttls(im, c->imap.ca_file, err, errlen))
			    != OUTCOME_OK)
				goto bad;
			if ((rc = refresh_capabilities(im, err, errlen)) != OUTCOME_OK)
				goto bad;
		} else if (c->imap.starttls == STARTTLS_YES) {
			snprintf(err, errlen, "%s:%u does not offer STARTTLS and "
			    "[imap] starttls = yes: refusing to log in in clear "
			    "text", im->url.host, (unsigned)im->url.port);
			rc = OUTCOME_PERM;
			goto bad;
		}
	}
	if (!im->tls && !is_ip_literal(im->url.host) &&
	    strcasecmp(im->url.host, "localhost") != 0)
		log_warnx("imap: %s:%u: logging in without TLS",
		    im->url.host, (unsigned)im->url.port);
	if (!preauth && (rc = login(im, c, err, errlen)) != OUTCOME_OK)
		goto bad;
	if ((rc = refresh_capabilities(im, err, errlen)) != OUTCOME_OK)
		goto bad;
	if ((rc = select_mailbox(im, err, errlen)) != OUTCOME_OK)
		goto bad;
	*out = im;
	return OUTCOME_OK;
bad:
	imap_close(&im);
	return rc;
}

/* imap_close - see imap.h */
void
imap_close(struct imap **imp)
{
	struct imap *im = *imp;

	if (im == NULL)
		return;
	if (im->imap != NULL) {
		/* mailimap_free sends LOGOUT and waits for the answer when the
		 * stream is open: on a broken connection close it first */
		if (im->imap->imap_stream != NULL && im->broken) {
			mailstream_close(im->imap->imap_stream);
			im->imap->imap_stream = NULL;
		}
		mailimap_free(im->imap);
	}
	free(im->url.host);
	free(im->url.mailbox);
	free(im->user);
	free(im->mailbox_wire);
	free(im->folder_wire);
	free(im->folder);
	free(im);
	*imp = NULL;
}

/* ---- what a connection is ------------------------------------------- */

/* imap_max_size - see imap.h */
size_t
imap_max_size(const struct imap *im)
{
	return im->max_size;
}

/* imap_after - see imap.h */
enum imap_after
imap_after(const struct imap *im)
{
	return im->after;
}

/* imap_can_idle - see imap.h */
int
imap_can_idle(const struct imap *im)
{
	return im->can_idle;
}

/* imap_describe - see imap.h */
void
imap_describe(const struct imap *im, char *out, size_t outlen)
{
	const char *tls = im->tls ? "TLS verified" : "no TLS";

	if (strchr(im->url.host, ':') != NULL)
		snprintf(out, outlen, "%s at [%s]:%u (%s), %s", im->user,
		    im->url.host, (unsigned)im->url.port, tls, im->url.mailbox);
	else
		snprintf(out, outlen, "%s at %s:%u (%s), %s", im->user,
		    im->url.host, (unsigned)im->url.port, tls, im->url.mailbox);
}

/* imap_exists - see imap.h */
uint32_t
imap_exists(const struct imap *im)
{
	return im->exists;
}

/* imap_uidvalidity - see imap.h */
uint32_t
imap_uidvalidity(const struct imap *im)
{
	return im->imap->imap_selection_info->sel_uidvalidity;
}

/* imap_mailbox - see imap.h */
const char *
imap_mailbox(const struct imap *im)
{
	return im->url.mailbox;
}

/* imap_check - see imap.h */
int
imap_check(const struct conf *c, char *msg, size_t msglen)
{
	struct imap *im = NULL;
	char err[768];
	enum outcome rc = imap_open(c, &im, err, sizeof(err));
	size_t n;

	if (rc != OUTCOME_OK) {
		snprintf(msg, msglen, "imap: %s", err);
		return -1;
	}
	n = (size_t)snprintf(msg, msglen, "imap: logged in as ");
	if (n < msglen) {
		imap_describe(im, msg + n, msglen - n);
		n = strlen(msg);
		snprintf(msg + n, msglen - n, " has %u message%s",
		    (unsigned)im->exists, im->exists == 1 ? "" : "s");
	}
	imap_close(&im);
	return 0;
}
