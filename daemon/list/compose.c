/* compose - build the bytes of a relayed post (see compose.h)
 *
 * The raw message is read here only as far as relaying needs: the
 * top-level header is cut into fields (name + folded text, kept byte for
 * byte apart from line ends), and the top-level Content-Type and
 * Content-Transfer-Encoding decide where the footer goes.  MIME parts
 * below the top are never opened: a multipart body is carried as an
 * opaque block inside the multipart/mixed wrapper.
 *
 * A prepared post is four pieces:
 *   head_a   kept fields, Subject, From/Reply-To, List-Id .. List-Subscribe
 *            [List-Unsubscribe: per recipient]
 *   head_b   List-Archive .. X-Loop, MIME fields, blank line, body start
 *            [footer: per recipient language and unsubscribe address]
 *   tail     the closing boundary (wrap mode) or nothing
 * so rendering one recipient is a few appends and one footer encoding.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compose.h"
#include "conf.h"
#include "hex.h"
#include "listaddr.h"
#include "log.h"
#include "template.h"
#include "utf8.h"
#include "xalloc.h"

#define COMPOSE_MAX_FIELDS 1000         /* header fields kept */
#define COMPOSE_OUT_MAX ((size_t)200 << 20)
#define COMPOSE_SUBJECT_MAX 2000        /* bytes of subject kept */
#define COMPOSE_NAME_MAX 200            /* bytes of a display name kept */
#define COMPOSE_FOOTER_LANGS 8
#define FOOTER_MARK "\001UNSUB\001"     /* where the unsubscribe address goes */
#define FOLD 78

enum body_enc { ENC_8BIT, ENC_QP, ENC_BASE64 };

struct footer {
	char *lang;                     /* requested language (owned) */
	char *before, *after;           /* around the unsubscribe address */
	int ascii;                      /* before and after are ASCII */
	int ok;                         /* a template was found */
};

struct compose {
	struct compose_list list;       /* strings owned (copies) */
	char *theme_title, *theme, *session, *post_addr, *request_addr,
	    *unsub_generic, *help_addr;
	int wrap;                       /* footer as a separate part */
	enum body_enc enc;              /* text mode: outgoing encoding */
	struct buf head_a, head_b;
	char *text;                     /* text mode: decoded UTF-8 body (base64 only) */
	size_t text_len;
	char *boundary;                 /* wrap mode */
	struct footer footers[COMPOSE_FOOTER_LANGS];
	size_t nfooters;
};

/* A top-level header field as it was written. */
struct field {
	const char *name;
	size_t nlen;
	const char *start;              /* the whole field, name included */
	size_t len;                     /* up to (not incl.) its last line end */
};

/* ---- small helpers ----------------------------------------------------- */

static int
is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* addr_safe - an address that can go into <...> without harm */
static int
addr_safe(const char *a)
{
	const char *at;

	if (a == NULL || *a == '\0' || strlen(a) > 254)
		return 0;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
			return 0;
	at = strrchr(a, '@');
	return at && at != a && at[1] != '\0';
}

/* token_safe - a token or slug fit for an address or header */
static int
token_safe(const char *t, size_t max)
{
	size_t n = 0;

	if (t == NULL || *t == '\0')
		return 0;
	for (const char *p = t; *p; p++, n++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return n <= max;
}

char *
compose_clean(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0, i = 0;
	char *out = xmalloc(n + 1), *o = out;
	int space = 1;          /* drop leading spaces */

	while (i < n && (size_t)(o - out) < max) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t l;

		if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!space)
				*o++ = ' ';
			space = 1;
			i++;
			continue;
		}
		if (c < 0x80) {
			*o++ = (char)c;
			i++;
			space = 0;
			continue;
		}
		l = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (l == 0 || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029) {
			/* invalid, C1 controls and Unicode line separators */
			*o++ = l == 0 ? '?' : ' ';
			i += l ? l : 1;
			space = l != 0;
			continue;
		}
		if ((size_t)(o - out) + l > max)
			break;
		memcpy(o, s + i, l);
		o += l;
		i += l;
		space = 0;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

int
compose_crlf(struct buf *out, const char *p, size_t n)
{
	size_t i = 0, run = 0;

	while (i < n) {
		if (p[i] == '\n' || p[i] == '\r') {
			if (buf_append(out, p + run, i - run) < 0 ||
			    buf_append(out, "\r\n", 2) < 0)
				return -1;
			if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
				i++;
			run = ++i;
			continue;
		}
		i++;
	}
	return buf_append(out, p + run, n - run);
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_encode - n bytes as base64 without line breaks */
static int
b64_encode(struct buf *out, const unsigned char *p, size_t n)
{
	char q[4];

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64chars[(v >> 18) & 63];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64chars[v & 63] : '=';
		if (buf_append(out, q, 4) < 0)
			return -1;
	}
	return 0;
}

/* b64_body - base64 in lines of 76 characters, CRLF */
static int
b64_body(struct buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;

		if (b64_encode(out, (const unsigned char *)p + i, k) < 0 ||
		    buf_append(out, "\r\n", 2) < 0)
			return -1;
	}
	return 0;
}

static int
b64_value(int c)
{
	const char *p = c ? strchr(b64chars, c) : NULL;

	return p ? (int)(p - b64chars) : -1;
}

/* b64_decode - decode, skipping anything outside the alphabet */
static void
b64_decode(struct buf *out, const char *p, size_t n)
{
	uint32_t v = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		int d;

		if (p[i] == '=')
			break;
		if ((d = b64_value((unsigned char)p[i])) < 0)
			continue;
		v = (v << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (int)((v >> bits) & 0xff));
		}
	}
}

/* qp_decode - quoted-printable to bytes; line ends become LF */
static void
qp_decode(struct buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '=') {
			size_t j = i + 1;
			int h, l;

			while (j < n && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j < n && (p[j] == '\r' || p[j] == '\n')) {
				/* soft line break */
				if (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n')
					j++;
				i = j;
				continue;
			}
			if (j >= n) {
				i = j;
				continue;
			}
			if (i + 2 < n && (h = hex_value((unsigned char)p[i + 1])) >= 0 &&
			    (l = hex_value((unsigned char)p[i + 2])) >= 0) {
				buf_putc(out, h * 16 + l);
				i += 2;
				continue;
			}
			buf_putc(out, '=');
			continue;
		}
		if (p[i] == '\r') {
			buf_putc(out, '\n');
			if (i + 1 < n && p[i + 1] == '\n')
				i++;
			continue;
		}
		buf_putc(out, (unsigned char)p[i]);
	}
}

/* qp_encode - UTF-8 text (LF or CRLF line ends) as quoted-printable with
 * CRLF hard breaks and lines of at most 76 characters */
static int
qp_encode(struct buf *out, const char *p, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		int last = i + 1 == n || p[i + 1] == '\n' || p[i + 1] == '\r';
		char enc[4];
		size_t elen;

		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
				i++;
			if (buf_append(out, "\r\n", 2) < 0)
				return -1;
			col = 0;
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !last) ||
		    (c == '.' && col > 0)) {
			enc[0] = (char)c;
			elen = 1;
		} else {
			enc[0] = '=';
			enc[1] = "0123456789ABCDEF"[c >> 4];
			enc[2] = "0123456789ABCDEF"[c & 15];
			elen = 3;
		}
		/* room for the soft break's '=' unless this ends the line */
		if (col + elen > (last ? 76u : 75u)) {
			if (buf_append(out, "=\r\n", 3) < 0)
				return -1;
			col = 0;
		}
		if (buf_append(out, enc, elen) < 0)
			return -1;
		col += elen;
	}
	return 0;
}

/* ---- header encoding ---------------------------------------------------- */

/* enc_words - text (UTF-8) as encoded words starting at *col, folding
 * between words; every word fits the line and holds whole characters */
static int
enc_words(struct buf *out, size_t *col, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t avail, raw, take = 0;

		if (*col + 16 > FOLD) {
			if (buf_append(out, "\r\n ", 3) < 0)
				return -1;
			*col = 1;
		}
		avail = FOLD - *col;
		if (avail > 75)
			avail = 75;
		raw = (avail - 12) / 4 * 3;
		while (i + take < n) {
			uint32_t cp;
			size_t l = utf8_decode((const unsigned char *)s + i + take,
			    n - i - take, &cp);

			if (l == 0)
				l = 1;
			if (take + l > raw)
				break;
			take += l;
		}
		if (take == 0) {    /* cannot happen with raw >= 3, but be safe */
			if (buf_append(out, "\r\n ", 3) < 0)
				return -1;
			*col = 1;
			continue;
		}
		if (buf_puts(out, "=?UTF-8?B?") < 0 ||
		    b64_encode(out, (const unsigned char *)s + i, take) < 0 ||
		    buf_puts(out, "?=") < 0)
			return -1;
		*col += 12 + (take + 2) / 3 * 4;
		i += take;
		if (i < n) {
			if (buf_append(out, "\r\n ", 3) < 0)
				return -1;
			*col = 1;
		}
	}
	return 0;
}

/* word_needs_encoding - non-ASCII, looks like an encoded word, or too
 * long to stand on a folded line */
static int
word_needs_encoding(const char *w, size_t n)
{
	if (n > 70 || !is_ascii(w, n))
		return 1;
	for (size_t i = 0; i + 1 < n; i++)
		if (w[i] == '=' && w[i + 1] == '?')
			return 1;
	return 0;
}

/* put_text - unstructured text (already clean: no controls, single spaces)
 * from column *col, folding at spaces */
static int
put_text(struct buf *out, size_t *col, const char *s)
{
	const char *p = s;
	size_t start_col = *col;
	int first = 1;

	while (*p) {
		const char *w = p, *e;
		size_t wn;

		while (*p && *p != ' ')
			p++;
		wn = (size_t)(p - w);
		if (word_needs_encoding(w, wn)) {
			/* merge the following words that need encoding too, so
			 * the spaces between them survive decoding */
			e = p;
			while (*e == ' ') {
				const char *nw = e + 1, *ne = nw;

				while (*ne && *ne != ' ')
					ne++;
				if (ne == nw || !word_needs_encoding(nw, (size_t)(ne - nw)))
					break;
				e = ne;
			}
			if (!first) {
				if (*col + 17 > FOLD) {
					if (buf_append(out, "\r\n ", 3) < 0)
						return -1;
					*col = 1;
				} else {
					if (buf_putc(out, ' ') < 0)
						return -1;
					(*col)++;
				}
			}
			if (enc_words(out, col, w, (size_t)(e - w)) < 0)
				return -1;
			p = e;
		} else {
			if (!first) {
				if (*col + 1 + wn > FOLD && *col > start_col) {
					if (buf_append(out, "\r\n ", 3) < 0)
						return -1;
					*col = 1;
				} else {
					if (buf_putc(out, ' ') < 0)
						return -1;
					(*col)++;
				}
			} else if (*col + wn > FOLD && *col > start_col) {
				if (buf_append(out, "\r\n ", 3) < 0)
					return -1;
				*col = 1;
			}
			if (buf_append(out, w, wn) < 0)
				return -1;
			*col += wn;
		}
		first = 0;
		while (*p == ' ')
			p++;
	}
	return 0;
}

int
compose_header_text(struct buf *out, const char *name, const char *value)
{
	char *v = compose_clean(value, COMPOSE_SUBJECT_MAX);
	size_t col = strlen(name) + 2;
	int rc;

	rc = buf_printf(out, "%s: ", name) < 0 || put_text(out, &col, v) < 0 ||
	    buf_append(out, "\r\n", 2) < 0 ? -1 : 0;
	free(v);
	return rc;
}

/* is_atext_phrase - letters, digits, atext specials and spaces only */
static int
is_atext_phrase(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(" !#$%&'*+-/=?^_`{|}~", *p))
			return 0;
	return 1;
}

/* put_phrase - a display name: atext words as they are (unless quote is
 * set), other ASCII as a quoted-string, non-ASCII as encoded words */
static int
put_phrase(struct buf *out, size_t *col, const char *phrase, int quote)
{
	char *ph = compose_clean(phrase, COMPOSE_NAME_MAX);
	int rc = 0;

	if (*ph == '\0') {
		free(ph);
		return 0;
	}
	if (!is_ascii(ph, strlen(ph)) || strstr(ph, "=?")) {
		rc = enc_words(out, col, ph, strlen(ph));
	} else if (!quote && is_atext_phrase(ph)) {
		rc = put_text(out, col, ph);
	} else {
		struct buf q;

		buf_init(&q, COMPOSE_NAME_MAX * 2 + 3);
		buf_putc(&q, '"');
		for (const char *p = ph; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&q, '\\');
			buf_putc(&q, *p);
		}
		buf_putc(&q, '"');
		if (*col + q.len > FOLD && *col > 1) {
			if (buf_append(out, "\r\n ", 3) < 0)
				rc = -1;
			*col = 1;
		}
		if (buf_append(out, q.data, q.len) < 0)
			rc = -1;
		*col += q.len;
		buf_release(&q);
	}
	free(ph);
	return rc;
}

/* put_angle - " <text>" after a phrase (or "<text>" alone), folding first
 * when it does not fit */
static int
put_angle(struct buf *out, size_t *col, int after_phrase, const char *text)
{
	size_t n = strlen(text) + 2;

	if (after_phrase) {
		if (*col + 1 + n > FOLD) {
			if (buf_append(out, "\r\n ", 3) < 0)
				return -1;
			*col = 1;
		} else {
			if (buf_putc(out, ' ') < 0)
				return -1;
			(*col)++;
		}
	}
	if (buf_printf(out, "<%s>", text) < 0)
		return -1;
	*col += n;
	return 0;
}

int
compose_mailbox(struct buf *out, size_t *col, const char *phrase,
    const char *addr)
{
	int has = phrase && *phrase;

	if (!addr_safe(addr))
		return -1;
	if (has && put_phrase(out, col, phrase, 1) < 0)
		return -1;
	return put_angle(out, col, has, addr);
}

/* ---- subject prefix ------------------------------------------------------ */

/* reply_marker - length of a reply/forward marker at s ("Re:", "AW:",
 * "RE :", "Re[2]:", "Fwd:"), or 0 */
static size_t
reply_marker(const char *s)
{
	static const char *const words[] = {
		"re", "aw", "sv", "vs", "antw", "odp", "res", "rif", "r",
		"fwd", "fw", "tr", "wg", "rv", "enc", NULL,
	};

	for (size_t w = 0; words[w]; w++) {
		size_t n = strlen(words[w]), i;

		if (strncasecmp(s, words[w], n) != 0)
			continue;
		i = n;
		if (s[i] == '[' || s[i] == '(') {
			char close = s[i] == '[' ? ']' : ')';

			i++;
			while (isdigit((unsigned char)s[i]))
				i++;
			if (s[i] != close)
				continue;
			i++;
		}
		if (s[i] == ' ' && s[i + 1] == ':')    /* French "RE :" */
			i++;
		if (s[i] != ':')
			continue;
		return i + 1;
	}
	return 0;
}

char *
compose_subject(const char *prefix, const char *subject)
{
	char *s = compose_clean(subject ? subject : "", COMPOSE_SUBJECT_MAX);
	char *pre = compose_clean(prefix ? prefix : "", 200);
	size_t plen = strlen(pre);
	struct buf markers, out;
	const char *p = s;

	if (plen == 0) {
		free(pre);
		if (*s == '\0') {
			free(s);
			return xstrdup("(no subject)");
		}
		return s;
	}
	buf_init(&markers, BUF_NOLIMIT);
	buf_init(&out, BUF_NOLIMIT);
	for (;;) {
		size_t m;

		while (*p == ' ')
			p++;
		if (strncasecmp(p, pre, plen) == 0) {
			p += plen;
			continue;
		}
		if ((m = reply_marker(p)) > 0) {
			buf_append(&markers, p, m);
			buf_putc(&markers, ' ');
			p += m;
			continue;
		}
		break;
	}
	buf_append(&out, markers.data, markers.len);
	buf_puts(&out, pre);
	buf_putc(&out, ' ');
	buf_puts(&out, *p ? p : "(no subject)");
	buf_release(&markers);
	free(pre);
	free(s);
	return buf_detach(&out, NULL);
}

/* ---- the raw header ------------------------------------------------------ */

/* line_end - end of the line at p (the LF, or end); *next after it */
static const char *
line_end(const char *p, const char *end, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	if (lf == NULL) {
		*next = end;
		return end;
	}
	*next = lf + 1;
	return lf;
}

/* split_header - cut the top-level header into fields; returns the number
 * of fields (at most max) and *body at the first body byte */
static size_t
split_header(const char *raw, size_t len, struct field *f, size_t max,
    const char **body)
{
	const char *p = raw, *end = raw + len, *next;
	size_t n = 0;
	int cur = 0;            /* a field is open */

	/* an mbox "From " separator line is not a header field */
	if (len > 5 && memcmp(raw, "From ", 5) == 0) {
		line_end(p, end, &next);
		p = next;
	}
	while (p < end) {
		const char *le = line_end(p, end, &next), *te = le, *colon;

		if (te > p && te[-1] == '\r')
			te--;
		if (te == p) {          /* the blank line */
			p = next;
			break;
		}
		if ((*p == ' ' || *p == '\t')) {
			if (cur)
				f[n - 1].len = (size_t)(te - f[n - 1].start);
			p = next;
			continue;
		}
		colon = memchr(p, ':', (size_t)(te - p));
		if (colon == NULL || colon == p) {
			/* not a header line: the body starts here (no blank line) */
			break;
		}
		{
			const char *ne = colon;
			int ok = 1;

			while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			for (const char *q = p; q < ne; q++)
				if ((unsigned char)*q <= 32 || (unsigned char)*q >= 127)
					ok = 0;
			if (!ok || ne == p) {
				cur = 0;
				p = next;
				continue;
			}
			if (n < max) {
				f[n].name = p;
				f[n].nlen = (size_t)(ne - p);
				f[n].start = p;
				f[n].len = (size_t)(te - p);
				n++;
				cur = 1;
			} else {
				cur = 0;
			}
		}
		p = next;
	}
	*body = p;
	return n;
}

static int
field_is(const struct field *f, const char *name)
{
	return f->nlen == strlen(name) && strncasecmp(f->name, name, f->nlen) == 0;
}

static int
field_has_prefix(const struct field *f, const char *prefix)
{
	size_t n = strlen(prefix);

	return f->nlen >= n && strncasecmp(f->name, prefix, n) == 0;
}

/* field_value - the unfolded value (owned), trimmed, controls as spaces */
static char *
field_value(const struct field *f)
{
	const char *v = f->name + f->nlen;
	const char *end = f->start + f->len;
	char *raw;
	char *out;

	while (v < end && *v != ':')
		v++;
	if (v < end)
		v++;
	raw = xstrndup(v, (size_t)(end - v));
	out = compose_clean(raw, 1 << 16);
	free(raw);
	return out;
}

/* put_field - a kept field, with CRLF line ends and no stray CR or NUL */
static int
put_field(struct buf *out, const struct field *f)
{
	const char *p = f->start, *end = f->start + f->len;

	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *le = lf ? lf : end, *te = le;

		if (te > p && te[-1] == '\r')
			te--;
		for (const char *q = p; q < te; q++)
			if (buf_putc(out, *q == '\r' || *q == '\0' ? ' ' : *q) < 0)
				return -1;
		if (buf_append(out, "\r\n", 2) < 0)
			return -1;
		p = lf ? lf + 1 : end;
	}
	return 0;
}

/* Fields never relayed (or replaced by ours). */
static const char *const drop_fields[] = {
	"Return-Path", "Delivered-To", "X-Original-To", "Envelope-To", "Bcc",
	"Resent-Bcc", "Precedence", "Errors-To", "Return-Receipt-To",
	"Disposition-Notification-To", "X-Confirm-Reading-To",
	"DKIM-Signature", "DomainKey-Signature", "X-Loop", "Subject", NULL,
};

static int
field_dropped(const struct field *f)
{
	for (size_t i = 0; drop_fields[i]; i++)
		if (field_is(f, drop_fields[i]))
			return 1;
	return field_has_prefix(f, "List-") || field_has_prefix(f, "X-Baraza-");
}

/* param_get - the value of parameter name in a Content-Type value (owned),
 * or NULL */
static char *
param_get(const char *v, const char *name)
{
	size_t n = strlen(name);
	const char *p = strchr(v, ';');

	while (p) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, n) == 0) {
			const char *q = p + n;

			while (*q == ' ')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ')
					q++;
				if (*q == '"') {
					const char *e = strchr(q + 1, '"');

					return xstrndup(q + 1, e ? (size_t)(e - q - 1) : strlen(q + 1));
				}
				return xstrndup(q, strcspn(q, "; \t"));
			}
		}
		p = strchr(p, ';');
	}
	return NULL;
}

/* lower_token - the first token of v, lower-cased (owned) */
static char *
lower_token(const char *v)
{
	char *t;

	while (*v == ' ')
		v++;
	t = xstrndup(v, strcspn(v, "; \t("));
	for (char *p = t; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return t;
}

/* ---- body conversion ------------------------------------------------------ */

/* to_utf8 - convert n bytes of charset into UTF-8 in out; 0, or -1 when the
 * charset is unknown or the text does not convert */
static int
to_utf8(struct buf *out, const char *charset, const char *p, size_t n)
{
	iconv_t cd;
	char tmp[4096];
	char *in = (char *)(uintptr_t)p;
	size_t inleft = n;
	int rc = 0;

	if (charset == NULL || *charset == '\0' || strcasecmp(charset, "us-ascii") == 0 ||
	    strcasecmp(charset, "utf-8") == 0 || strcasecmp(charset, "utf8") == 0) {
		if (!utf8_valid(p, n))
			return -1;
		return buf_append(out, p, n);
	}
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return -1;
	while (inleft > 0) {
		char *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);

		if (buf_append(out, tmp, (size_t)(o - tmp)) < 0) {
			rc = -1;
			break;
		}
		if (r == (size_t)-1 && errno != E2BIG) {
			rc = -1;
			break;
		}
	}
	iconv_close(cd);
	if (rc == 0 && !utf8_valid(out->data, out->len))
		rc = -1;
	return rc;
}

/* max_line - the longest line in bytes */
static size_t
max_line(const char *p, size_t n)
{
	size_t best = 0, cur = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' || p[i] == '\r') {
			cur = 0;
			continue;
		}
		if (++cur > best)
			best = cur;
	}
	return best;
}

/* decode_2047 - a raw header value with RFC 2047 encoded words made UTF-8
 * (owned); words that do not decode are kept as written */
static char *
decode_2047(const char *s)
{
	struct buf out, word;
	const char *p = s, *pending_ws = NULL;
	int last_was_word = 0;

	buf_init(&out, 1 << 16);
	buf_init(&word, 1 << 16);
	while (*p) {
		const char *q1, *q2, *end;
		char *charset, *star;
		int ok = 0;

		if (p[0] != '=' || p[1] != '?') {
			const char *ws = p;

			while (*p == ' ' || *p == '\t')
				p++;
			if (p > ws) {
				if (last_was_word && p[0] == '=' && p[1] == '?') {
					pending_ws = ws;        /* dropped if a word follows */
					continue;
				}
				buf_append(&out, ws, (size_t)(p - ws));
				continue;
			}
			buf_putc(&out, *p++);
			last_was_word = 0;
			continue;
		}
		q1 = strchr(p + 2, '?');
		q2 = q1 ? strchr(q1 + 1, '?') : NULL;
		end = q2 && q2 == q1 + 2 ? strstr(q2 + 1, "?=") : NULL;
		if (end && (q1[1] == 'B' || q1[1] == 'b' || q1[1] == 'Q' || q1[1] == 'q')) {
			buf_reset(&word);
			if (q1[1] == 'B' || q1[1] == 'b') {
				b64_decode(&word, q2 + 1, (size_t)(end - q2 - 1));
			} else {
				for (const char *c = q2 + 1; c < end; c++) {
					int h, l;

					if (*c == '_')
						buf_putc(&word, ' ');
					else if (*c == '=' && c + 2 < end &&
					    (h = hex_value((unsigned char)c[1])) >= 0 &&
					    (l = hex_value((unsigned char)c[2])) >= 0) {
						buf_putc(&word, h * 16 + l);
						c += 2;
					} else
						buf_putc(&word, *c);
				}
			}
			charset = xstrndup(p + 2, (size_t)(q1 - p - 2));
			if ((star = strchr(charset, '*')) != NULL)
				*star = '\0';
			{
				size_t before = out.len;

				if (to_utf8(&out, charset, word.data, word.len) == 0)
					ok = 1;
				else
					buf_truncate(&out, before);
			}
			free(charset);
		}
		if (!ok) {
			if (pending_ws)
				buf_append(&out, pending_ws, (size_t)(p - pending_ws));
			buf_append(&out, p, 2);
			p += 2;
			last_was_word = 0;
			pending_ws = NULL;
			continue;
		}
		pending_ws = NULL;
		last_was_word = 1;
		p = end + 2;
	}
	buf_release(&word);
	return buf_detach(&out, NULL);
}

/* ---- footer ----------------------------------------------------------------- */

/* footer_get - the footer in lang (rendered once per language) */
static struct footer *
footer_get(struct compose *cp, const char *lang)
{
	struct template_var vars[10];
	struct footer *f;
	struct buf b;
	char *mark;
	size_t nv = 0;

	if (lang == NULL || *lang == '\0')
		lang = cp->list.language;
	for (size_t i = 0; i < cp->nfooters; i++)
		if (strcmp(cp->footers[i].lang, lang) == 0)
			return &cp->footers[i];
	if (cp->nfooters == COMPOSE_FOOTER_LANGS)
		return &cp->footers[0];
	f = &cp->footers[cp->nfooters++];
	memset(f, 0, sizeof(*f));
	f->lang = xstrdup(lang);
	vars[nv++] = (struct template_var){ "list", cp->list.name };
	vars[nv++] = (struct template_var){ "theme", cp->theme_title };
	vars[nv++] = (struct template_var){ "theme_slug", cp->theme };
	vars[nv++] = (struct template_var){ "session", cp->session };
	vars[nv++] = (struct template_var){ "post", cp->post_addr };
	vars[nv++] = (struct template_var){ "request", cp->request_addr };
	vars[nv++] = (struct template_var){ "help", cp->help_addr };
	vars[nv++] = (struct template_var){ "unsubscribe", FOOTER_MARK };
	vars[nv++] = (struct template_var){ "archive", cp->list.archive_url };
	buf_init(&b, 64 * 1024);
	if (template_render(&b, "footer", lang, cp->list.language, vars, nv) < 0 ||
	    !utf8_valid(b.data, b.len)) {
		buf_release(&b);
		f->before = xstrdup("");
		f->after = xstrdup("");
		f->ascii = 1;
		return f;
	}
	/* trailing blank lines off; the part ends with one line end */
	while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' ||
	    b.data[b.len - 1] == ' '))
		b.len--;
	buf_putc(&b, '\n');
	mark = strstr(b.data, FOOTER_MARK);
	if (mark) {
		f->before = xstrndup(b.data, (size_t)(mark - b.data));
		f->after = xstrdup(mark + strlen(FOOTER_MARK));
	} else {
		f->before = xstrdup(b.data);
		f->after = xstrdup("");
	}
	f->ascii = is_ascii(f->before, strlen(f->before)) &&
	    is_ascii(f->after, strlen(f->after));
	f->ok = 1;
	buf_release(&b);
	return f;
}

/* put_unsub - a recipient's unsubscribe address, cop+unsubscribe-TOKEN@,
 * or the generic one when the token does not fit an address */
static int
put_unsub(struct buf *out, const struct compose *cp, const char *token)
{
	struct listaddr la;

	listaddr_init(&la, cp->list.local, cp->list.domain, cp->list.sep);
	if (listaddr_put(out, &la, LISTADDR_ONECLICK, token) == 0)
		return 0;
	return buf_puts(out, cp->unsub_generic);
}

/* footer_text - one recipient's footer, LF line ends */
static void
footer_text(struct compose *cp, const struct compose_rcpt *r, struct buf *out,
    int *ascii)
{
	struct footer *f = footer_get(cp, r ? r->language : NULL);

	*ascii = f->ascii;
	if (!f->ok)
		return;
	buf_puts(out, f->before);
	if (r && token_safe(r->unsub_token, 128))
		put_unsub(out, cp, r->unsub_token);
	else
		buf_puts(out, cp->unsub_generic);
	buf_puts(out, f->after);
}

/* ---- prepare ---------------------------------------------------------------- */

void
compose_list_init(struct compose_list *l, const struct conf *c)
{
	memset(l, 0, sizeof(*l));
	l->name = c->list.name;
	l->local = c->list.local;
	l->domain = c->list.domain;
	l->sep = c->list.tag_separator;
	l->subject_prefix = c->list.subject_prefix;
	l->archive_url = c->archive.url;
	l->language = c->list.language;
	l->reply_to_list = c->list.reply_to == REPLY_TO_LIST;
	l->from_munging = c->list.from_munging == FROM_MUNGING_ALWAYS;
}

/* make_boundary - a boundary that does not occur in the body */
static char *
make_boundary(const char *raw, size_t len, const char *body, size_t blen)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)raw[i]) * 1099511628211ULL;
	for (unsigned n = 0;; n++) {
		char *b = xasprintf("=_baraza_%016llx_%u", (unsigned long long)h, n);

		if (memmem(body, blen, b, strlen(b)) == NULL)
			return b;
		free(b);
	}
}

/* put_list_mailto - "Name: <mailto:ADDRESS>" for one of the list's
 * addresses that takes no argument */
static int
put_list_mailto(struct buf *b, const struct compose_list *l, const char *name,
    enum listaddr_kind kind)
{
	struct listaddr la;

	listaddr_init(&la, l->local, l->domain, l->sep);
	if (buf_printf(b, "%s: <mailto:", name) < 0 ||
	    listaddr_put(b, &la, kind, NULL) < 0 || buf_puts(b, ">\r\n") < 0)
		return -1;
	return 0;
}

/* url_safe - printable ASCII without spaces, angle brackets or quotes */
static int
url_safe(const char *u)
{
	if (u == NULL || *u == '\0' || strlen(u) > 900)
		return 0;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("<>\"", *p))
			return 0;
	return 1;
}

struct compose *
compose_prepare(const struct compose_list *l, const struct compose_post *p)
{
	struct compose *cp;
	struct field *f;
	const char *body, *bend = p->raw + p->raw_len;
	size_t nf, blen, col;
	char *ctype = NULL, *cte = NULL, *charset = NULL, *format = NULL,
	    *delsp = NULL, *disp = NULL, *subject = NULL, *raw_subject = NULL,
	    *list_addr;
	int have_mime_version = 0, have_irt = 0, have_refs = 0, fail = 0;
	struct buf *a, *hb;
	struct buf text;
	struct listaddr la;

	if (p->raw == NULL || p->raw_len == 0)
		return NULL;
	f = xcalloc(COMPOSE_MAX_FIELDS, sizeof(*f));
	nf = split_header(p->raw, p->raw_len, f, COMPOSE_MAX_FIELDS, &body);
	if (nf == 0) {
		free(f);
		log_warnx("compose: message has no header");
		return NULL;
	}
	blen = (size_t)(bend - body);

	cp = xcalloc(1, sizeof(*cp));
	cp->list.name = compose_clean(l->name ? l->name : l->local, 200);
	cp->list.local = xstrdup(l->local);
	cp->list.domain = xstrdup(l->domain);
	cp->list.sep = xstrdup(l->sep && *l->sep ? l->sep : "+");
	cp->list.subject_prefix = xstrdup(l->subject_prefix ? l->subject_prefix : "");
	cp->list.archive_url = url_safe(l->archive_url) ? xstrdup(l->archive_url) : NULL;
	cp->list.language = xstrdup(l->language && *l->language ? l->language : "en");
	cp->list.reply_to_list = l->reply_to_list;
	cp->list.from_munging = l->from_munging;
	cp->theme = token_safe(p->theme, 64) ? xstrdup(p->theme) : xstrdup("general");
	cp->theme_title = compose_clean(p->theme_title ? p->theme_title : cp->theme, 200);
	cp->session = p->session ? compose_clean(p->session, 200) : NULL;
	listaddr_init(&la, l->local, l->domain, cp->list.sep);
	cp->post_addr = listaddr_make(&la, LISTADDR_THEME, cp->theme);
	cp->request_addr = listaddr_make(&la, LISTADDR_REQUEST, NULL);
	cp->help_addr = listaddr_make(&la, LISTADDR_HELP, NULL);
	cp->unsub_generic = listaddr_make(&la, LISTADDR_UNSUBSCRIBE, NULL);
	list_addr = listaddr_make(&la, LISTADDR_POST, NULL);
	buf_init(&cp->head_a, COMPOSE_OUT_MAX);
	buf_init(&cp->head_b, COMPOSE_OUT_MAX);
	a = &cp->head_a;
	hb = &cp->head_b;

	/* what the top-level MIME fields say */
	for (size_t i = 0; i < nf; i++) {
		if (field_is(&f[i], "Content-Type") && ctype == NULL) {
			char *v = field_value(&f[i]);

			ctype = lower_token(v);
			charset = param_get(v, "charset");
			format = param_get(v, "format");
			delsp = param_get(v, "delsp");
			free(v);
		} else if (field_is(&f[i], "Content-Transfer-Encoding") && cte == NULL) {
			char *v = field_value(&f[i]);

			cte = lower_token(v);
			free(v);
		} else if (field_is(&f[i], "Content-Disposition") && disp == NULL) {
			char *v = field_value(&f[i]);

			disp = lower_token(v);
			free(v);
		} else if (field_is(&f[i], "MIME-Version")) {
			have_mime_version = 1;
		} else if (field_is(&f[i], "In-Reply-To")) {
			have_irt = 1;
		} else if (field_is(&f[i], "References")) {
			have_refs = 1;
		} else if (field_is(&f[i], "Subject") && raw_subject == NULL) {
			char *v = field_value(&f[i]);

			raw_subject = decode_2047(v);
			free(v);
		}
	}

	/* text mode: a lone text/plain part we can decode and convert */
	cp->wrap = 1;
	buf_init(&text, COMPOSE_OUT_MAX);
	if ((ctype == NULL || strcmp(ctype, "text/plain") == 0) &&
	    (disp == NULL || strcmp(disp, "attachment") != 0) &&
	    (cte == NULL || strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0 ||
	     strcmp(cte, "binary") == 0 || strcmp(cte, "quoted-printable") == 0 ||
	     strcmp(cte, "base64") == 0)) {
		struct buf dec;

		buf_init(&dec, COMPOSE_OUT_MAX);
		if (cte && strcmp(cte, "quoted-printable") == 0)
			qp_decode(&dec, body, blen);
		else if (cte && strcmp(cte, "base64") == 0)
			b64_decode(&dec, body, blen);
		else
			buf_append(&dec, body, blen);
		if (!buf_failed(&dec) && memchr(dec.data, '\0', dec.len) == NULL &&
		    to_utf8(&text, charset, dec.data, dec.len) == 0) {
			cp->wrap = 0;
			if (cte && strcmp(cte, "base64") == 0)
				cp->enc = ENC_BASE64;
			else if ((cte && strcmp(cte, "quoted-printable") == 0) ||
			    max_line(text.data, text.len) > 998)
				cp->enc = ENC_QP;
			else
				cp->enc = ENC_8BIT;
		}
		buf_release(&dec);
	}

	/* the kept header fields, in their order */
	for (size_t i = 0; i < nf; i++) {
		if (field_dropped(&f[i]))
			continue;
		if (field_is(&f[i], "Reply-To") && (l->reply_to_list || l->from_munging))
			continue;
		if (field_is(&f[i], "From") && l->from_munging)
			continue;
		if (field_has_prefix(&f[i], "Content-"))
			continue;       /* rewritten below (or moved into the part) */
		if (put_field(a, &f[i]) < 0)
			fail = 1;
	}

	/* A reply written from a digest (cop+reply-POSTID@) has no
	 * In-Reply-To of its own: give it its parent's, so mail clients
	 * thread it where the archive does. */
	if (!have_irt && p->parent_mid && *p->parent_mid &&
	    strlen(p->parent_mid) < 900 && !strpbrk(p->parent_mid, "<> \t\r\n")) {
		buf_printf(a, "In-Reply-To: <%s>\r\n", p->parent_mid);
		if (!have_refs)
			buf_printf(a, "References: <%s>\r\n", p->parent_mid);
	}

	/* Subject */
	if (p->subject)
		subject = compose_subject(cp->list.subject_prefix, p->subject);
	else
		subject = compose_subject(cp->list.subject_prefix, raw_subject ? raw_subject : "");
	if (compose_header_text(a, "Subject", subject) < 0)
		fail = 1;

	/* From munging and Reply-To */
	if (l->from_munging) {
		char *name = p->author_name && *p->author_name ?
		    xasprintf("%s via %s", p->author_name, cp->list.name) :
		    xasprintf("%s", cp->list.name);

		col = 6;
		buf_puts(a, "From: ");
		if (compose_mailbox(a, &col, name, list_addr) < 0)
			fail = 1;
		buf_puts(a, "\r\n");
		free(name);
	}
	if (l->reply_to_list || (l->from_munging && addr_safe(p->author_email))) {
		col = 10;
		buf_puts(a, "Reply-To: ");
		if (l->reply_to_list) {
			compose_mailbox(a, &col, NULL, list_addr);
			if (l->from_munging && addr_safe(p->author_email)) {
				buf_putc(a, ',');
				col++;
			}
		}
		if (l->from_munging && addr_safe(p->author_email)) {
			if (col + 2 > FOLD) {
				buf_puts(a, "\r\n");
				col = 0;
			}
			buf_putc(a, ' ');
			col++;
			compose_mailbox(a, &col, p->author_name, p->author_email);
		}
		buf_puts(a, "\r\n");
	}

	/* the list fields (RFC 2369, 2919) */
	col = 9;
	buf_puts(a, "List-Id: ");
	{
		char *id = xasprintf("%s.%s", l->local, l->domain);

		/* a list-id is a dot-atom: anything else in the local part goes */
		for (char *q = id; *q; q++)
			if (!isalnum((unsigned char)*q) && !strchr("!#$%&'*+-/=?^_`{|}~.", *q))
				*q = '-';
		if (put_phrase(a, &col, cp->list.name, 0) < 0 ||
		    put_angle(a, &col, cp->list.name[0] != '\0', id) < 0)
			fail = 1;
		free(id);
	}
	buf_puts(a, "\r\n");
	put_list_mailto(a, l, "List-Post", LISTADDR_POST);
	put_list_mailto(a, l, "List-Help", LISTADDR_HELP);
	put_list_mailto(a, l, "List-Subscribe", LISTADDR_SUBSCRIBE);
	/* List-Unsubscribe goes here, per recipient */
	if (cp->list.archive_url)
		buf_printf(hb, "List-Archive: <%s>\r\n", cp->list.archive_url);
	buf_puts(hb, "Precedence: list\r\n");
	buf_printf(hb, "X-Baraza-Theme: %s\r\n", cp->theme);
	if (token_safe(p->kind, 32))
		buf_printf(hb, "X-Baraza-Kind: %s\r\n", p->kind);
	buf_printf(hb, "X-Loop: %s\r\n", list_addr);
	if (!have_mime_version)
		buf_puts(hb, "MIME-Version: 1.0\r\n");

	if (!cp->wrap) {
		buf_puts(hb, "Content-Type: text/plain; charset=UTF-8");
		if (format && token_safe(format, 16))
			buf_printf(hb, "; format=%s", format);
		if (delsp && token_safe(delsp, 8))
			buf_printf(hb, "; delsp=%s", delsp);
		buf_printf(hb, "\r\nContent-Transfer-Encoding: %s\r\n\r\n",
		    cp->enc == ENC_BASE64 ? "base64" :
		    cp->enc == ENC_QP ? "quoted-printable" : "8bit");
		/* the text must end with a line end before the footer */
		if (text.len > 0 && text.data[text.len - 1] != '\n')
			buf_putc(&text, '\n');
		if (cp->enc == ENC_BASE64) {
			cp->text_len = text.len;
			cp->text = buf_detach(&text, NULL);
		} else if (cp->enc == ENC_QP) {
			if (qp_encode(hb, text.data, text.len) < 0)
				fail = 1;
		} else {
			if (compose_crlf(hb, text.data, text.len) < 0)
				fail = 1;
		}
	} else {
		cp->boundary = make_boundary(p->raw, p->raw_len, body, blen);
		buf_printf(hb, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
		    cp->boundary);
		buf_printf(hb, "This is a multi-part message in MIME format.\r\n"
		    "\r\n--%s\r\n", cp->boundary);
		for (size_t i = 0; i < nf; i++)
			if (field_has_prefix(&f[i], "Content-") && put_field(hb, &f[i]) < 0)
				fail = 1;
		buf_puts(hb, "\r\n");
		if (compose_crlf(hb, body, blen) < 0)
			fail = 1;
		if (hb->len >= 2 && memcmp(hb->data + hb->len - 2, "\r\n", 2) != 0)
			buf_puts(hb, "\r\n");
		buf_printf(hb, "--%s\r\n", cp->boundary);
	}
	if (buf_failed(hb) || buf_failed(a))
		fail = 1;

	buf_release(&text);
	free(f);
	free(ctype);
	free(cte);
	free(charset);
	free(format);
	free(delsp);
	free(disp);
	free(subject);
	free(raw_subject);
	free(list_addr);
	if (fail) {
		log_warnx("compose: message too large to relay");
		compose_free(&cp);
	}
	return cp;
}

int
compose_render(struct compose *cp, const struct compose_rcpt *rcpt,
    struct buf *out)
{
	struct buf foot;
	int ascii, rc = 0;

	buf_init(&foot, 256 * 1024);
	footer_text(cp, rcpt, &foot, &ascii);

	if (buf_append(out, cp->head_a.data, cp->head_a.len) < 0)
		rc = -1;
	if (rcpt && token_safe(rcpt->unsub_token, 128)) {
		if (buf_puts(out, "List-Unsubscribe: <mailto:") < 0 ||
		    put_unsub(out, cp, rcpt->unsub_token) < 0 || buf_puts(out, ">\r\n") < 0)
			rc = -1;
	} else if (buf_puts(out, "List-Unsubscribe: <mailto:") < 0 ||
	    buf_puts(out, cp->unsub_generic) < 0 || buf_puts(out, ">\r\n") < 0) {
		rc = -1;
	}
	if (buf_append(out, cp->head_b.data, cp->head_b.len) < 0)
		rc = -1;

	if (!cp->wrap) {
		if (cp->enc == ENC_BASE64) {
			struct buf all;

			buf_init(&all, COMPOSE_OUT_MAX);
			if (buf_append(&all, cp->text, cp->text_len) < 0 ||
			    buf_append(&all, "\n", foot.len ? 1 : 0) < 0 ||
			    buf_append(&all, foot.data, foot.len) < 0 ||
			    b64_body(out, all.data, all.len) < 0)
				rc = -1;
			buf_release(&all);
		} else if (foot.len) {
			if (compose_crlf(out, "\n", 1) < 0)
				rc = -1;
			if (cp->enc == ENC_QP ? qp_encode(out, foot.data, foot.len) < 0 :
			    compose_crlf(out, foot.data, foot.len) < 0)
				rc = -1;
		}
	} else {
		if (buf_puts(out, ascii ?
		    "Content-Type: text/plain; charset=us-ascii\r\n"
		    "Content-Transfer-Encoding: 7bit\r\n"
		    "Content-Disposition: inline\r\n\r\n" :
		    "Content-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: 8bit\r\n"
		    "Content-Disposition: inline\r\n\r\n") < 0 ||
		    compose_crlf(out, foot.data, foot.len) < 0 ||
		    buf_puts(out, "--") < 0 || buf_puts(out, cp->boundary) < 0 ||
		    buf_puts(out, "--\r\n") < 0)
			rc = -1;
	}
	buf_release(&foot);
	return rc;
}

const char *
compose_mode(const struct compose *cp)
{
	return cp->wrap ? "wrap" : "text";
}

void
compose_free(struct compose **cpp)
{
	struct compose *cp = *cpp;

	if (cp == NULL)
		return;
	free((char *)cp->list.name);
	free((char *)cp->list.local);
	free((char *)cp->list.domain);
	free((char *)cp->list.sep);
	free((char *)cp->list.subject_prefix);
	free((char *)cp->list.archive_url);
	free((char *)cp->list.language);
	free(cp->theme_title);
	free(cp->theme);
	free(cp->session);
	free(cp->post_addr);
	free(cp->request_addr);
	free(cp->help_addr);
	free(cp->unsub_generic);
	buf_release(&cp->head_a);
	buf_release(&cp->head_b);
	free(cp->text);
	free(cp->boundary);
	for (size_t i = 0; i < cp->nfooters; i++) {
		free(cp->footers[i].lang);
		free(cp->footers[i].before);
		free(cp->footers[i].after);
	}
	free(cp);
	*cpp = NULL;
}
