/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dkim_sign - signing with libopendkim, the key checked with GnuTLS (see
 * dkim_sign.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <opendkim/dkim.h>

#include "conf.h"
#include "dkim_sign.h"
#include "xalloc.h"

#define DKIM_KEY_MAX (64 * 1024)
#define DKIM_FIELD "DKIM-Signature"

const char *const dkim_sign_fields[] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date",
	"Message-ID", "In-Reply-To", "References", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
	"Content-Language", "Content-ID", "Content-Description",
	"List-Id", "List-Help", "List-Unsubscribe", "List-Unsubscribe-Post",
	"List-Subscribe", "List-Post", "List-Owner", "List-Archive",
	"Precedence", "Auto-Submitted", "X-Baraza-Theme", "X-Baraza-Kind",
	"X-Baraza-Summary", "X-Baraza-Digest", NULL,
};

/* Named in h= once more than they occur: none may be added on the way. */
static const char *const oversigned_fields[] = {
	"From", "Reply-To", "To", "Cc", "Subject", "List-Id", "List-Help",
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Post", NULL,
};

struct dkim_sign {
	DKIM_LIB *lib;
	unsigned char *key;        /* owned, wiped on free */
	size_t keylen;
	char *domain, *selector;
	unsigned long serial;      /* job ids for libopendkim's messages */
};

/* wipe - clear n bytes the compiler may not skip */
static void
wipe(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
#endif
}

/* read_key - the key file's bytes (owned, NUL-terminated) when it is a
 * regular file of mode & 077 == 0 and at most DKIM_KEY_MAX bytes; NULL
 * with err.  The mode is checked on the open file, so a file swapped
 * after the configuration was read is checked too. */
static unsigned char *
read_key(const char *path, size_t *lenp, char *err, size_t errlen)
{
	struct stat st;
	unsigned char *key;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: the DKIM key must not be accessible by "
		    "group or others (mode %04o; chmod 600 it)", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	if (st.st_size <= 0 || st.st_size > DKIM_KEY_MAX) {
		snprintf(err, errlen, "%s: %s", path, st.st_size <= 0 ? "empty" :
		    "too large for a private key");
		close(fd);
		return NULL;
	}
	key = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, key + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	key[len] = '\0';
	if (len == 0 || strstr((char *)key, "PRIVATE KEY-----") == NULL) {
		snprintf(err, errlen, "%s: not a PEM private key", path);
		wipe(key, len);
		free(key);
		return NULL;
	}
	*lenp = len;
	return key;
}

/* dkim_sign_new - see dkim.h */
struct dkim_sign *
dkim_sign_new(const struct conf *c, char *err, size_t errlen)
{
	struct dkim_sign *s;
	unsigned int flags;

	if (errlen)
		err[0] = '\0';
	if (c->dkim.domain == NULL || c->dkim.selector == NULL || c->dkim.key_file == NULL)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	if ((s->key = read_key(c->dkim.key_file, &s->keylen, err, errlen)) == NULL) {
		free(s);
		return NULL;
	}
	if ((s->lib = dkim_init(NULL, NULL)) == NULL) {
		snprintf(err, errlen, "libopendkim could not start");
		dkim_sign_free(&s);
		return NULL;
	}
	/* the message is CRLF already; FIXCRLF makes a stray LF harmless */
	flags = DKIM_LIBFLAGS_FIXCRLF;
	if (dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
	    (void *)dkim_sign_fields, sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	    (void *)oversigned_fields, sizeof(char **)) != DKIM_STAT_OK) {
		snprintf(err, errlen, "libopendkim refused the signing options");
		dkim_sign_free(&s);
		return NULL;
	}
	s->domain = xstrdup(c->dkim.domain);
	s->selector = xstrdup(c->dkim.selector);
	return s;
}

/* dkim_sign_free - see dkim.h */
void
dkim_sign_free(struct dkim_sign **sp)
{
	struct dkim_sign *s = *sp;

	if (s == NULL)
		return;
	if (s->key) {
		wipe(s->key, s->keylen);
		free(s->key);
	}
	if (s->lib)
		dkim_close(s->lib);
	free(s->domain);
	free(s->selector);
	free(s);
	*sp = NULL;
}

/* dkim_sign_message - see dkim.h */
int
dkim_sign_message(struct dkim_sign *s, const char *msg, size_t len,
    struct buf *out, char *err, size_t errlen)
{
	DKIM_STAT st;
	DKIM *d;
	unsigned char *hdr = NULL;
	size_t hlen = 0;
	char job[32];
	int rc = -1;

	snprintf(job, sizeof(job), "baraza-%lu", ++s->serial);
	d = dkim_sign(s->lib, (const unsigned char *)job, NULL, s->key,
	    (const unsigned char *)s->selector, (const unsigned char *)s->domain,
	    DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	if (d == NULL) {
		snprintf(err, errlen, "DKIM: cannot sign: %s", dkim_getresultstr(st));
		return -1;
	}
	if ((st = dkim_chunk(d, (unsigned char *)(uintptr_t)msg, len)) != DKIM_STAT_OK ||
	    (st = dkim_chunk(d, NULL, 0)) != DKIM_STAT_OK ||
	    (st = dkim_eom(d, NULL)) != DKIM_STAT_OK ||
	    (st = dkim_getsighdr_d(d, strlen(DKIM_FIELD) + 2, &hdr, &hlen)) != DKIM_STAT_OK) {
		const char *e = dkim_geterror(d);

		snprintf(err, errlen, "DKIM: cannot sign: %s", e && *e ? e :
		    dkim_getresultstr(st));
		goto out;
	}
	/* the field as libopendkim folds it, with CRLF line ends */
	buf_puts(out, DKIM_FIELD ": ");
	for (size_t i = 0; i < hlen; i++) {
		if (hdr[i] == '\r')
			continue;
		if (hdr[i] == '\n')
			buf_puts(out, "\r\n");
		else
			buf_putc(out, hdr[i]);
	}
	buf_puts(out, "\r\n");
	buf_append(out, msg, len);
	if (buf_failed(out)) {
		snprintf(err, errlen, "DKIM: signed message too large");
		goto out;
	}
	rc = 0;
out:
	dkim_free(d);
	return rc;
}

/* dkim_sign_key_check - see dkim.h */
int
dkim_sign_key_check(const struct conf *c, struct buf *txt, unsigned *bits,
    char *err, size_t errlen)
{
	gnutls_x509_privkey_t x = NULL;
	gnutls_privkey_t pk = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t in, der = { NULL, 0 }, b64 = { NULL, 0 };
	unsigned char *key;
	size_t len;
	int rc = -1, r;

	*bits = 0;
	if (c->dkim.key_file == NULL) {
		snprintf(err, errlen, "no [dkim] key_file");
		return -1;
	}
	if ((key = read_key(c->dkim.key_file, &len, err, errlen)) == NULL)
		return -1;
	in.data = key;
	in.size = (unsigned)len;
	if ((r = gnutls_x509_privkey_init(&x)) < 0 ||
	    (r = gnutls_x509_privkey_import2(x, &in, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN)) < 0) {
		snprintf(err, errlen, "%s: not a usable private key (%s)",
		    c->dkim.key_file, gnutls_strerror(r));
		goto out;
	}
	if (gnutls_x509_privkey_get_pk_algorithm2(x, bits) != GNUTLS_PK_RSA) {
		snprintf(err, errlen, "%s: not an RSA key (rsa-sha256 needs one)",
		    c->dkim.key_file);
		goto out;
	}
	if (*bits < 1024) {
		snprintf(err, errlen, "%s: a %u-bit key is too short (receivers "
		    "ignore signatures of fewer than 1024 bits; use 2048)",
		    c->dkim.key_file, *bits);
		goto out;
	}
	if ((r = gnutls_privkey_init(&pk)) < 0 ||
	    (r = gnutls_privkey_import_x509(pk, x, 0)) < 0 ||
	    (r = gnutls_pubkey_init(&pub)) < 0 ||
	    (r = gnutls_pubkey_import_privkey(pub, pk, 0, 0)) < 0 ||
	    (r = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der)) < 0 ||
	    (r = gnutls_base64_encode2(&der, &b64)) < 0) {
		snprintf(err, errlen, "%s: cannot derive the public key (%s)",
		    c->dkim.key_file, gnutls_strerror(r));
		goto out;
	}
	buf_printf(txt, "v=DKIM1; k=rsa; p=%.*s", (int)b64.size, (const char *)b64.data);
	rc = 0;
out:
	gnutls_free(der.data);
	gnutls_free(b64.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (pk)
		gnutls_privkey_deinit(pk);
	if (x)
		gnutls_x509_privkey_deinit(x);
	wipe(key, len);
	free(key);
	return rc;
}
