/* imap - the list's mailbox over IMAP with libetpan (see imap.h)
 *
 * What this module is: the connection (URL, TLS with our own certificate
 * verification, STARTTLS, login, select), the batched fetch with its
 * high-water mark, the imap.after marking, and IDLE.  What it is not: it
 * never parses a message (the callback gets raw bytes) and never decides
 * what a message means.
 *
 * libetpan notes that shape the code (see TESTING.md):
 * - its TLS streams accept any certificate, so every handshake is followed
 *   by tls_verify_chain() on the peer chain, and a failure closes the
 *   connection before a password is sent;
 * - libetpan 1.9.4 does not guard against STARTTLS response injection, so
 *   STARTTLS is done here by hand and refused when the server sent
 *   anything after its OK before the handshake;
 * - mailimap_idle() only sends IDLE; the wait is ours (mailstream_*_idle),
 *   in one-second steps so a signal is noticed promptly;
 * - "UID FETCH N:*" with N above the highest UID returns the last message,
 *   so every UID list is filtered against the high-water mark.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>

#include <libetpan/libetpan.h>

#include "imap.h"
#include "log.h"
#include "tls.h"
#include "url.h"
#include "xalloc.h"

#define IMAP_MAX_PASSWORD 1024

/* Where the connection goes: [imap] url as the configuration took it
 * apart (conf.h, url.h), copied so that the connection outlives it. */
struct imap_url {
	int implicit_tls;                 /* imaps:// */
	char *host;                       /* owned */
	uint16_t port;
	char *mailbox;                    /* owned: as configured (UTF-8) */
};

struct imap {
	mailimap *imap;                   /* owned */
	struct imap_url url;
	char *user;                       /* owned */
	char *mailbox_wire;               /* owned: modified UTF-7 */
	enum imap_after after;
	char *folder_wire;                /* owned: move target, modified UTF-7 */
	char *folder;                     /* owned: move target as configured */
	size_t max_size;                  /* bytes fetched per message at most */
	int tls;                          /* the session is encrypted and verified */
	int can_move, can_uidplus, can_idle;
	int can_keywords;                 /* PERMANENTFLAGS allows $Baraza */
	int folder_ok;                    /* the move folder is known to exist */
	int broken;                       /* transport failed: close, no LOGOUT */
	uint32_t exists;
};

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

/* is_command_refusal - the server answered NO/BAD (the connection still
 * works), as opposed to a transport or parse failure */
static int
is_command_refusal(int r)
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

/* fail - write "WHAT: reason" into err and return the class: a refusal
 * gets perm_if_refused, a transport failure is always OUTCOME_TEMP (and the
 * connection is marked broken, so imap_close does not wait for a LOGOUT
 * answer from a server that stopped answering) */
static enum outcome
fail(struct imap *im, int r, int perm_if_refused, const char *what,
    char *err, size_t errlen)
{
	const char *srv = server_text(im);
	char clean[256];
	size_t i, o = 0;

	/* The server's text is untrusted: keep it printable and short. */
	for (i = 0; srv[i] != '\0' && o + 1 < sizeof(clean); i++)
		clean[o++] = (srv[i] >= 0x20 && srv[i] < 0x7f) ? srv[i] : '?';
	clean[o] = '\0';
	if (is_command_refusal(r)) {
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
		return fail(im, r, 0, "CAPABILITY", err, errlen);
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
		return fail(im, r, 1, "STARTTLS", err, errlen);
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
		return fail(im, r, 1, what, err, errlen);
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
		return fail(im, r, 1, what, err, errlen);
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
		rc = fail(im, r, 0, what, err, errlen);
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

/* ---- UID sets ----------------------------------------------------------- */

/* uid_cmp - qsort order of uint32_t */
static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* set_from_uids - a libetpan set of sorted uids, runs as intervals */
static struct mailimap_set *
set_from_uids(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0;

	if (set == NULL)
		fatal("out of memory");
	while (i < n) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) !=
		    MAILIMAP_NO_ERROR)
			fatal("out of memory");
		i = j + 1;
	}
	return set;
}

/* add_flags - +FLAGS.SILENT with with \Seen / \Deleted / our keyword */
static struct mailimap_store_att_flags *
add_flags(int seen, int deleted, int keyword)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sa;

	if (fl == NULL)
		fatal("out of memory");
	if (seen)
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	if (deleted)
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	if (keyword)
		mailimap_flag_list_add(fl,
		    mailimap_flag_new_flag_keyword(xstrdup(IMAP_KEYWORD)));
	sa = mailimap_store_att_flags_new_add_flags_silent(fl);
	if (sa == NULL)
		fatal("out of memory");
	return sa;
}

/* uid_store - UID STORE set +FLAGS.SILENT (...) */
static int
uid_store(struct imap *im, struct mailimap_set *set, int seen, int deleted,
    int keyword)
{
	struct mailimap_store_att_flags *sa = add_flags(seen, deleted, keyword);
	int r = mailimap_uid_store(im->imap, set, sa);

	mailimap_store_att_flags_free(sa);
	return r;
}

/* expunge_set - remove the \Deleted messages of set (UID EXPUNGE), or all
 * \Deleted messages when the server lacks UIDPLUS */
static int
expunge_set(struct imap *im, struct mailimap_set *set)
{
	if (im->can_uidplus)
		return mailimap_uid_expunge(im->imap, set);
	return mailimap_expunge(im->imap);
}

/* ensure_folder - create the move folder when LIST does not show it;
 * a refusal is OUTCOME_PERM, a lost connection OUTCOME_TEMP */
static enum outcome
ensure_folder(struct imap *im, char *err, size_t errlen)
{
	clist *list = NULL;
	int r, found;

	if (im->folder_ok)
		return OUTCOME_OK;
	r = mailimap_list(im->imap, "", im->folder_wire, &list);
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, 1, "LIST", err, errlen);
	found = list != NULL && clist_count(list) > 0;
	if (list != NULL)
		mailimap_list_result_free(list);
	if (!found) {
		r = mailimap_create(im->imap, im->folder_wire);
		if (r != MAILIMAP_NO_ERROR) {
			char what[URL_MAX_PATH + 32];

			snprintf(what, sizeof(what), "creating folder %s",
			    im->folder);
			return fail(im, r, 1, what, err, errlen);
		}
		log_info("imap: created folder %s", im->folder);
	}
	im->folder_ok = 1;
	return OUTCOME_OK;
}

/* mark - apply imap.after to sorted uids.  A refusal (NO) is logged and
 * OUTCOME_OK returned: the messages are committed, and the leftover sweep
 * tries again next time.  A lost connection is OUTCOME_TEMP. */
static enum outcome
mark(struct imap *im, const uint32_t *uids, size_t n, char *err,
    size_t errlen)
{
	struct mailimap_set *set;
	const char *what = "marking";
	enum outcome rc;
	int r = MAILIMAP_NO_ERROR;

	if (n == 0)
		return OUTCOME_OK;
	if (im->after == IMAP_AFTER_MOVE &&
	    (rc = ensure_folder(im, err, errlen)) != OUTCOME_OK) {
		if (rc == OUTCOME_TEMP)
			return rc;
		log_warnx("imap: %s (will retry)", err);
		return OUTCOME_OK;
	}
	set = set_from_uids(uids, n);
	switch (im->after) {
	case IMAP_AFTER_MOVE:
		what = "moving";
		if (im->can_move) {
			r = mailimap_uid_move(im->imap, set, im->folder_wire);
		} else {
			r = mailimap_uid_copy(im->imap, set, im->folder_wire);
			if (r == MAILIMAP_NO_ERROR)
				r = uid_store(im, set, 0, 1, 0);
			if (r == MAILIMAP_NO_ERROR)
				r = expunge_set(im, set);
		}
		if (r != MAILIMAP_NO_ERROR && is_command_refusal(r))
			im->folder_ok = 0;   /* deleted behind our back? */
		break;
	case IMAP_AFTER_FLAG:
		what = "flagging";
		r = uid_store(im, set, 1, 0, im->can_keywords);
		break;
	case IMAP_AFTER_DELETE:
		what = "deleting";
		r = uid_store(im, set, 0, 1, 0);
		if (r == MAILIMAP_NO_ERROR)
			r = expunge_set(im, set);
		break;
	}
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		char w[64];

		snprintf(w, sizeof(w), "%s %zu message%s", what, n,
		    n == 1 ? "" : "s");
		rc = fail(im, r, 1, w, err, errlen);
		if (rc == OUTCOME_TEMP)
			return rc;
		log_warnx("imap: %s (will retry)", err);
	}
	return OUTCOME_OK;
}

/* imap_mark - see imap.h */
enum outcome
imap_mark(struct imap *im, const uint32_t *uids, size_t n, char *err,
    size_t errlen)
{
	return mark(im, uids, n, err, errlen);
}

/* ---- searching and fetching -------------------------------------------- */

/* uid_search - UID SEARCH UID lo:hi [UNKEYWORD $Baraza] into a sorted
 * array (owned) filtered to [lo, hi]; hi 0 means "*" */
static enum outcome
uid_search(struct imap *im, uint32_t lo, uint32_t hi, int unkeyworded,
    uint32_t **out, size_t *nout, char *err, size_t errlen)
{
	struct mailimap_search_key *key, *k;
	struct mailimap_set *set;
	clist *res = NULL;
	clistiter *it;
	uint32_t *uids;
	size_t n = 0;
	int r;

	*out = NULL;
	*nout = 0;
	set = mailimap_set_new_interval(lo, hi);
	if (set == NULL)
		fatal("out of memory");
	k = mailimap_search_key_new_uid(set);
	if (unkeyworded) {
		key = mailimap_search_key_new_multiple_empty();
		mailimap_search_key_multiple_add(key, k);
		mailimap_search_key_multiple_add(key,
		    mailimap_search_key_new_unkeyword(xstrdup(IMAP_KEYWORD)));
	} else {
		key = k;
	}
	r = mailimap_uid_search(im->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, 0, "UID SEARCH", err, errlen);
	uids = xreallocarray(NULL, (size_t)clist_count(res) + 1, sizeof(*uids));
	for (it = clist_begin(res); it; it = clist_next(it)) {
		uint32_t u = *(uint32_t *)clist_content(it);

		if (u >= lo && (hi == 0 || u <= hi))
			uids[n++] = u;
	}
	mailimap_search_result_free(res);
	qsort(uids, n, sizeof(*uids), uid_cmp);
	*out = uids;
	*nout = n;
	return OUTCOME_OK;
}

/* plan_cmp - order of struct imap_uid_size by uid */
static int
plan_cmp(const void *a, const void *b)
{
	return uid_cmp(&((const struct imap_uid_size *)a)->uid,
	    &((const struct imap_uid_size *)b)->uid);
}

/* imap_plan - see imap.h */
enum outcome
imap_plan(struct imap *im, uint32_t last, struct imap_uid_size **out,
    size_t *nout, char *err, size_t errlen)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct imap_uid_size *plan;
	clist *res = NULL;
	clistiter *it;
	size_t n = 0;
	int r;

	*out = NULL;
	*nout = 0;
	set = mailimap_set_new_interval(last + 1, 0);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (set == NULL || ft == NULL)
		fatal("out of memory");
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size());
	r = mailimap_uid_fetch(im->imap, set, ft, &res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, 0, "UID FETCH (sizes)", err, errlen);
	plan = xreallocarray(NULL, (size_t)clist_count(res) + 1, sizeof(*plan));
	for (it = clist_begin(res); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		clistiter *ai;
		uint32_t uid = 0, size = 0;

		for (ai = clist_begin(ma->att_list); ai; ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
				uid = item->att_data.att_static->att_data.att_uid;
			else if (item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_RFC822_SIZE)
				size = item->att_data.att_static->att_data.att_rfc822_size;
		}
		if (uid > last) {
			plan[n].uid = uid;
			plan[n].size = size;
			n++;
		}
	}
	mailimap_fetch_list_free(res);
	qsort(plan, n, sizeof(*plan), plan_cmp);
	*out = plan;
	*nout = n;
	return OUTCOME_OK;
}

/* A UID FETCH's result: libetpan's list and the messages pointing into it */
struct imap_batch {
	clist *res;                       /* owned: mailimap_fetch_list_free */
	struct imap_fetched *got;         /* owned, sorted by uid */
	size_t ngot;
};

/* fetched_cmp - order of struct imap_fetched by uid */
static int
fetched_cmp(const void *a, const void *b)
{
	return uid_cmp(&((const struct imap_fetched *)a)->uid,
	    &((const struct imap_fetched *)b)->uid);
}

/* imap_fetch_bodies - see imap.h */
enum outcome
imap_fetch_bodies(struct imap *im, const uint32_t *uids, size_t n,
    int partial, struct imap_batch **out, char *err, size_t errlen)
{
	struct imap_batch *b = xcalloc(1, sizeof(*b));
	clist **res = &b->res;
	struct imap_fetched **got = &b->got;
	size_t *ngot = &b->ngot;

	struct mailimap_fetch_type *ft;
	struct mailimap_section *sec;
	struct mailimap_fetch_att *att;
	struct mailimap_set *set = set_from_uids(uids, n);
	struct imap_fetched *f;
	clistiter *it;
	size_t k = 0;
	int r;

	*out = NULL;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	sec = mailimap_section_new(NULL);
	if (ft == NULL || sec == NULL)
		fatal("out of memory");
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	if (partial)
		att = mailimap_fetch_att_new_body_peek_section_partial(sec, 0,
		    (uint32_t)im->max_size);
	else
		att = mailimap_fetch_att_new_body_peek_section(sec);
	if (att == NULL)
		fatal("out of memory");
	mailimap_fetch_type_new_fetch_att_list_add(ft, att);
	r = mailimap_uid_fetch(im->imap, set, ft, res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		free(b);
		return fail(im, r, 0, "UID FETCH", err, errlen);
	}
	f = xreallocarray(NULL, (size_t)clist_count(*res) + 1, sizeof(*f));
	for (it = clist_begin(*res); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		clistiter *ai;
		uint32_t uid = 0;
		const char *data = NULL;
		size_t len = 0;

		for (ai = clist_begin(ma->att_list); ai; ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);
			struct mailimap_msg_att_static *st;

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID) {
				uid = st->att_data.att_uid;
			} else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
			    st->att_data.att_body_section != NULL) {
				data = st->att_data.att_body_section->sec_body_part;
				len = st->att_data.att_body_section->sec_length;
			}
		}
		/* unsolicited FETCH responses (flag changes) carry no body */
		if (uid == 0 || data == NULL)
			continue;
		f[k].uid = uid;
		f[k].data = data;
		f[k].len = len;
		k++;
	}
	qsort(f, k, sizeof(*f), fetched_cmp);
	*got = f;
	*ngot = k;
	*out = b;
	return OUTCOME_OK;
}

/* imap_batch_messages - see imap.h */
const struct imap_fetched *
imap_batch_messages(const struct imap_batch *b, size_t *n)
{
	*n = b->ngot;
	return b->got;
}

/* imap_batch_free - see imap.h */
void
imap_batch_free(struct imap_batch **bp)
{
	struct imap_batch *b = *bp;

	if (b == NULL)
		return;
	if (b->res != NULL)
		mailimap_fetch_list_free(b->res);
	free(b->got);
	free(b);
	*bp = NULL;
}

/* imap_sweep - see imap.h */
enum outcome
imap_sweep(struct imap *im, uint32_t last, unsigned *marked, char *err,
    size_t errlen)
{
	uint32_t *uids = NULL;
	size_t n = 0;
	enum outcome rc;

	*marked = 0;
	if (last == 0)
		return OUTCOME_OK;
	if (im->after == IMAP_AFTER_FLAG && !im->can_keywords)
		return OUTCOME_OK;     /* nothing tells marked from unmarked */
	rc = uid_search(im, 1, last, im->after == IMAP_AFTER_FLAG, &uids, &n,
	    err, errlen);
	if (rc != OUTCOME_OK)
		return rc;
	if (n > 0) {
		log_info("imap: %s: marking %zu message%s left unmarked by an "
		    "earlier run", im->url.mailbox, n, n == 1 ? "" : "s");
		rc = mark(im, uids, n, err, errlen);
		if (rc == OUTCOME_OK)
			*marked = (unsigned)n;
	}
	free(uids);
	return rc;
}

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

/* ---- IDLE and keep-alive ----------------------------------------------- */

/* imap_can_idle - see imap.h */
int
imap_can_idle(const struct imap *im)
{
	return im->can_idle;
}

/* imap_idle - see imap.h */
enum outcome
imap_idle(struct imap *im, int max_seconds, const volatile sig_atomic_t *stop,
    int *news, char *err, size_t errlen)
{
	mailstream *stream = im->imap->imap_stream;
	time_t start = time(NULL);
	int r, lost = 0;

	*news = 0;
	r = mailimap_idle(im->imap);
	if (r != MAILIMAP_NO_ERROR) {
		fail(im, r, 0, "IDLE", err, errlen);
		return OUTCOME_TEMP;
	}
	/* data may already sit in libetpan's buffer (an EXISTS sent right
	 * after the continuation): then there is no need to wait */
	if (stream->read_buffer_len > 0)
		*news = 1;
	if (!*news && mailstream_setup_idle(stream) == 0) {
		while (!(stop && *stop)) {
			int w;

			if (time(NULL) - start >= max_seconds)
				break;
			w = mailstream_wait_idle(stream, 1);
			if (w == MAILSTREAM_IDLE_TIMEOUT)
				continue;
			if (w == MAILSTREAM_IDLE_HASDATA)
				*news = 1;
			else if (w == MAILSTREAM_IDLE_CANCELLED ||
			    (w == MAILSTREAM_IDLE_ERROR && errno != EINTR))
				lost = 1;
			/* INTERRUPTED, or poll() cut short by a signal: return
			 * and let the caller look at its flags */
			break;
		}
		mailstream_unsetup_idle(stream);
	}
	if (lost) {
		snprintf(err, errlen, "IDLE: connection lost");
		im->broken = 1;
		return OUTCOME_TEMP;
	}
	r = mailimap_idle_done(im->imap);
	if (r != MAILIMAP_NO_ERROR) {
		fail(im, r, 0, "IDLE DONE", err, errlen);
		return OUTCOME_TEMP;
	}
	im->exists = im->imap->imap_selection_info->sel_exists;
	return OUTCOME_OK;
}

/* imap_noop - see imap.h */
enum outcome
imap_noop(struct imap *im, char *err, size_t errlen)
{
	int r = mailimap_noop(im->imap);

	if (r != MAILIMAP_NO_ERROR) {
		fail(im, r, 0, "NOOP", err, errlen);
		return OUTCOME_TEMP;
	}
	im->exists = im->imap->imap_selection_info->sel_exists;
	return OUTCOME_OK;
}

/* ---- descriptions and the check ---------------------------------------- */

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

	if (rc != OUTCOME_OK) {
		snprintf(msg, msglen, "imap: %s", err);
		return -1;
	}
	{
		const char *tls = im->tls ? "TLS verified" : "no TLS";
		const char *fmt = strchr(im->url.host, ':') != NULL ?
		    "imap: logged in as %s at [%s]:%u (%s), %s has %u message%s" :
		    "imap: logged in as %s at %s:%u (%s), %s has %u message%s";

		snprintf(msg, msglen, fmt, im->user, im->url.host,
		    (unsigned)im->url.port, tls, im->url.mailbox,
		    (unsigned)im->exists, im->exists == 1 ? "" : "s");
	}
	imap_close(&im);
	return 0;
}
