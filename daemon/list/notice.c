/* notice - build and queue the short mails baraza writes itself
 *
 * This is not the relay's composer (compose.c rewrites members' posts);
 * it writes small new messages from templates: a plain text/plain UTF-8
 * body, or multipart/mixed with the message it is about attached as
 * message/rfc822 (hold notices to facilitators).  Header values from input
 * are cleaned and encoded here, in one place.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "notice.h"
#include "relay.h"
#include "store_held.h"
#include "store_member.h"
#include "xalloc.h"

#define NOTICE_HEADER_MAX 998     /* bytes of one header value kept */

/* notice_random_hex - random bytes as hex: the store's generator */
int
notice_random_hex(char *out, size_t nbytes)
{
	return store_random_hex(out, nbytes);
}

/* clean_value - a copy of v with control characters as spaces, runs of
 * white space collapsed, trimmed, and at most NOTICE_HEADER_MAX bytes (cut
 * on a UTF-8 character boundary) */
static char *
clean_value(const char *v)
{
	size_t n = 0;
	char *out = xmalloc(NOTICE_HEADER_MAX + 1);
	int space = 1;

	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		unsigned char ch = *p;

		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		if (ch == ' ') {
			if (space)
				continue;
			space = 1;
		} else
			space = 0;
		if (n == NOTICE_HEADER_MAX)
			break;
		out[n++] = (char)ch;
	}
	/* cut a partial UTF-8 sequence left at the end by the cap */
	if (n == NOTICE_HEADER_MAX) {
		size_t k = n;

		while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)out[k - 1] & 0x80))
			n = k - 1;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

/* notice_one_line - one clean line of s */
char *
notice_one_line(const char *s)
{
	return clean_value(s);
}

/* is_ascii - is s all ASCII? */
static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* put_encoded - RFC 2047 B encoded words of s, at most 39 input bytes (a
 * 64-byte word, so "Subject: " and one word fit in 78 columns) each, never
 * splitting a UTF-8 character, separated by folding white space */
static int
put_encoded(struct buf *out, const char *s)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s), i = 0;
	int first = 1;

	while (i < len) {
		size_t n = len - i > 39 ? 39 : len - i;

		/* back up to a character start */
		while (n > 1 && i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
			n--;
		if (!first && buf_puts(out, "\n ") < 0)
			return -1;
		first = 0;
		if (buf_puts(out, "=?UTF-8?B?") < 0)
			return -1;
		for (size_t k = 0; k < n; k += 3) {
			unsigned v = (unsigned char)s[i + k] << 16;
			size_t m = n - k;
			char q[4];

			if (m > 1)
				v |= (unsigned char)s[i + k + 1] << 8;
			if (m > 2)
				v |= (unsigned char)s[i + k + 2];
			q[0] = b64[(v >> 18) & 63];
			q[1] = b64[(v >> 12) & 63];
			q[2] = m > 1 ? b64[(v >> 6) & 63] : '=';
			q[3] = m > 2 ? b64[v & 63] : '=';
			if (buf_append(out, q, 4) < 0)
				return -1;
		}
		if (buf_puts(out, "?=") < 0)
			return -1;
		i += n;
	}
	return 0;
}

/* put_folded - an ASCII value, folded at spaces near 76 columns */
static int
put_folded(struct buf *out, const char *v, size_t col)
{
	const char *p = v;

	while (*p) {
		size_t len = strlen(p);
		const char *cut;

		if (col + len <= 76)
			return buf_puts(out, p);
		cut = NULL;
		for (const char *q = p + 1; *q && (size_t)(q - p) + col <= 76; q++)
			if (*q == ' ')
				cut = q;
		if (cut == NULL) {
			cut = strchr(p + 1, ' ');
			if (cut == NULL)
				return buf_puts(out, p);
		}
		if (buf_append(out, p, (size_t)(cut - p)) < 0 || buf_puts(out, "\n") < 0)
			return -1;
		p = cut;          /* the space starts the continuation line */
		col = 0;
	}
	return 0;
}

/* notice_header - one header field, cleaned, encoded and folded */
int
notice_header(struct buf *out, const char *name, const char *value)
{
	char *v = clean_value(value);
	int rc;

	rc = buf_printf(out, "%s: ", name);
	if (rc == 0)
		rc = is_ascii(v) ? put_folded(out, v, strlen(name) + 2) : put_encoded(out, v);
	if (rc == 0)
		rc = buf_puts(out, "\n");
	free(v);
	return rc;
}

/* address_clean - an address fit for a header: no white space, controls,
 * angle brackets, quotes, commas */
static char *
address_clean(const char *addr)
{
	char *a = xstrdup(addr ? addr : "");
	size_t n = 0;

	for (const char *p = a; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= 0x20 || ch == 0x7f || strchr("<>\"(),;:\\[]", ch))
			continue;
		a[n++] = (char)ch;
	}
	a[n] = '\0';
	return a;
}

/* notice_address_header - one address header field with a display name */
int
notice_address_header(struct buf *out, const char *name, const char *display,
    const char *addr)
{
	char *a = address_clean(addr), *d = display ? clean_value(display) : NULL;
	int rc = buf_printf(out, "%s: ", name);

	if (rc == 0 && d && *d) {
		if (is_ascii(d)) {
			rc = buf_putc(out, '"');
			for (const char *p = d; rc == 0 && *p; p++) {
				if (*p == '"' || *p == '\\')
					rc = buf_putc(out, '\\');
				if (rc == 0)
					rc = buf_putc(out, *p);
			}
			if (rc == 0)
				rc = buf_puts(out, "\" ");
		} else {
			rc = put_encoded(out, d);
			if (rc == 0)
				rc = buf_puts(out, "\n ");
		}
	}
	if (rc == 0)
		rc = buf_printf(out, "<%s>\n", a);
	free(a);
	free(d);
	return rc;
}

/* put_attachment - the raw message with its line ends made LF */
static int
put_attachment(struct buf *out, const char *raw, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n') {
			if (buf_append(out, raw + start, i - start) < 0)
				return -1;
			start = i + 1;
		}
	}
	if (buf_append(out, raw + start, len - start) < 0)
		return -1;
	if (len > 0 && raw[len - 1] != '\n')
		return buf_putc(out, '\n');
	return 0;
}

/* notice_build - render the template and write the whole message */
int
notice_build(struct buf *out, const struct conf *c, const struct notice *n)
{
	struct buf text;
	const char *body, *subject = NULL;
	char *from = listaddr_tagged(c, n->from == LISTADDR_REQUEST ?
	    LISTADDR_REQUEST : LISTADDR_OWNER, NULL);
	char *subj = NULL;
	char id[33], boundary[33], date[64];
	int rc = -1;

	buf_init(&text, NOTICE_MAX);
	if (from == NULL) {
		log_warnx("notice %s to %s: the list has no address", n->kind, n->to);
		goto done;
	}
	if (template_render(&text, n->template, n->lang, c->list.language,
	    n->vars, n->nvars) < 0)
		goto done;
	body = text.data;
	if (strncmp(body, "Subject:", 8) == 0) {
		const char *nl = strchr(body, '\n');

		subj = xstrndup(body + 8, nl ? (size_t)(nl - body - 8) : strlen(body + 8));
		subject = subj;
		body = nl ? nl + 1 : body + strlen(body);
		while (*body == '\n')
			body++;
	}
	if (notice_random_hex(id, 16) < 0 || notice_random_hex(boundary, 12) < 0)
		goto done;
	clock_format_rfc5322(clock_now(), date, sizeof(date));

	if (notice_address_header(out, "From", c->list.name, from) < 0 ||
	    notice_address_header(out, "To", n->to_name, n->to) < 0 ||
	    notice_header(out, "Subject", subject ? subject : c->list.name) < 0 ||
	    buf_printf(out, "Date: %s\n", date) < 0 ||
	    buf_printf(out, "Message-ID: <baraza.%s.%s@%s>\n", n->kind, id,
	    c->list.domain) < 0)
		goto cap;
	if (n->in_reply_to && *n->in_reply_to) {
		char *irt = address_clean(n->in_reply_to);

		rc = buf_printf(out, "In-Reply-To: <%s>\nReferences: <%s>\n", irt, irt);
		free(irt);
		if (rc < 0)
			goto cap;
		rc = -1;
	}
	if (n->reply_to && notice_address_header(out, "Reply-To", NULL, n->reply_to) < 0)
		goto cap;
	if (buf_printf(out, "Auto-Submitted: %s\n"
	    "X-Baraza-Notice: %s\n"
	    "X-Loop: %s\n"
	    "MIME-Version: 1.0\n", n->in_reply_to ? "auto-replied" : "auto-generated",
	    n->kind, c->list.address) < 0)
		goto cap;
	if (n->attach == NULL) {
		if (buf_puts(out, "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n") < 0 ||
		    buf_puts(out, body) < 0)
			goto cap;
	} else {
		if (buf_printf(out, "Content-Type: multipart/mixed; boundary=\"=_baraza_%s\"\n\n"
		    "This is a message in MIME format.\n\n"
		    "--=_baraza_%s\n"
		    "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n", boundary, boundary) < 0 ||
		    buf_puts(out, body) < 0 ||
		    buf_printf(out, "%s\n--=_baraza_%s\n"
		    "Content-Type: message/rfc822\n"
		    "Content-Disposition: inline\n"
		    "Content-Transfer-Encoding: 8bit\n\n",
		    (body[0] && body[strlen(body) - 1] == '\n') ? "" : "\n", boundary) < 0 ||
		    put_attachment(out, n->attach, n->attach_len) < 0 ||
		    buf_printf(out, "\n--=_baraza_%s--\n", boundary) < 0)
			goto cap;
	}
	rc = 0;
	goto done;
cap:
	log_warnx("notice %s to %s: too large", n->kind, n->to);
	rc = -1;
done:
	buf_release(&text);
	free(subj);
	free(from);
	return rc;
}

/* notice_send - build and queue a notice */
int64_t
notice_send(struct store *s, const struct conf *c, const struct notice *n)
{
	struct buf out;
	int64_t id = -1;

	if (n->to == NULL || *n->to == '\0')
		return log_error("notice %s: no recipient", n->kind);
	buf_init(&out, NOTICE_MAX);
	if (notice_build(&out, c, n) == 0)
		id = relay_enqueue_mail(s, n->kind, out.data, out.len, n->to, n->member);
	buf_release(&out);
	if (id >= 0)
		log_info("notice %s queued for %s", n->kind, n->to);
	return id;
}

/* notice_once - once-a-day gate for a notice */
int
notice_once(struct store *s, const char *address, const char *kind, time_t now)
{
	return store_notice_once(s, address, kind, clock_local_day(now));
}
