/* SPDX-License-Identifier: GPL-3.0-or-later */
/* listhead - write the list header fields (see listhead.h) */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "listhead.h"
#include "mime_out.h"
#include "template.h"

/* listhead_init - see listhead.h */
int
listhead_init(struct listhead *h, const struct conf *c)
{
	memset(h, 0, sizeof(*h));
	h->name = c->list.name;
	h->web_url = c->web.url;
	h->archive_url = c->archive.url;
	return listaddr_from_conf(&h->la, c);
}

/* token_fit - 8..128 ASCII letters and digits, as listaddr takes them */
static int
token_fit(const char *t)
{
	size_t n = 0;

	if (t == NULL)
		return 0;
	for (; t[n]; n++)
		if (!isalnum((unsigned char)t[n]) || n >= LISTADDR_TOKEN_MAX)
			return 0;
	return n >= LISTADDR_TOKEN_MIN;
}

/* url_fit - printable ASCII without blanks, brackets or quotes */
static int
url_fit(const char *u)
{
	if (u == NULL || *u == '\0' || strlen(u) > 900)
		return 0;
	for (; *u; u++)
		if ((unsigned char)*u <= 0x20 || (unsigned char)*u >= 0x7f ||
		    strchr("<>\"", *u))
			return 0;
	return 1;
}

/* mailto - "Name: <mailto:ADDRESS>" eol */
static int
mailto(struct buf *out, const char *eol, const struct listhead *h,
    const char *name, enum listaddr_kind kind, const char *arg)
{
	if (buf_puts(out, name) < 0 || buf_puts(out, ": <mailto:") < 0 ||
	    listaddr_put(out, &h->la, kind, arg) < 0 ||
	    buf_puts(out, ">") < 0 || buf_puts(out, eol) < 0)
		return buf_fail(out), -1;
	return 0;
}

/* listhead_fields - see listhead.h */
int
listhead_fields(struct buf *out, const char *eol, const struct listhead *h)
{
	struct mime_field mf;
	char *id = listaddr_list_id(&h->la);
	int rc = 0;

	if (id == NULL)
		return buf_fail(out), -1;
	mime_field_start(&mf, out, eol, "List-Id");
	mime_field_angle(&mf, mime_field_phrase(&mf, h->name, 0), id);
	if (mime_field_end(&mf) < 0)
		rc = -1;
	free(id);
	if (mailto(out, eol, h, "List-Post", LISTADDR_POST, NULL) < 0 ||
	    mailto(out, eol, h, "List-Help", LISTADDR_HELP, NULL) < 0 ||
	    mailto(out, eol, h, "List-Subscribe", LISTADDR_SUBSCRIBE, NULL) < 0)
		rc = -1;
	if (url_fit(h->archive_url) &&
	    (buf_puts(out, "List-Archive: <") < 0 || buf_puts(out, h->archive_url) < 0 ||
	     buf_puts(out, ">") < 0 || buf_puts(out, eol) < 0))
		rc = -1;
	return rc;
}

/* listhead_web_link - see listhead.h */
int
listhead_web_link(struct buf *out, const struct listhead *h, const char *token)
{
	if (!url_fit(h->web_url) || !token_fit(token))
		return -1;
	if (buf_puts(out, h->web_url) < 0 || buf_puts(out, LISTHEAD_WEB_PATH) < 0)
		return -1;
	/* lower case: the store keeps tokens so, and MTAs may fold case in
	 * the mailto form, never in a URI */
	for (const char *p = token; *p; p++)
		if (buf_putc(out, tolower((unsigned char)*p)) < 0)
			return -1;
	return 0;
}

/* listhead_unsubscribe - see listhead.h */
int
listhead_unsubscribe(struct buf *out, const char *eol, const struct listhead *h,
    const char *token)
{
	int personal = token_fit(token), web = personal && url_fit(h->web_url);

	if (buf_puts(out, "List-Unsubscribe: ") < 0)
		return -1;
	if (web) {
		/* RFC 8058 §3.1: the https URI is the one a receiver POSTs to;
		 * the mailto form stays for clients that only know mail.  Folded
		 * after the comma: the line could pass 78 columns. */
		if (buf_puts(out, "<") < 0 || listhead_web_link(out, h, token) < 0 ||
		    buf_puts(out, ">,") < 0 || buf_puts(out, eol) < 0 ||
		    buf_puts(out, " ") < 0)
			return buf_fail(out), -1;
	}
	if (buf_puts(out, "<mailto:") < 0 ||
	    listaddr_put(out, &h->la, personal ? LISTADDR_ONECLICK : LISTADDR_UNSUBSCRIBE,
	    personal ? token : NULL) < 0 ||
	    buf_puts(out, ">") < 0 || buf_puts(out, eol) < 0)
		return buf_fail(out), -1;
	if (web && (buf_puts(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") < 0 ||
	    buf_puts(out, eol) < 0))
		return -1;
	return 0;
}

/* field_is - the header line at p starts the field name (any case) */
static int
field_is(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(end - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':';
}

/* listhead_personalize - see listhead.h */
int
listhead_personalize(struct buf *out, const char *msg, size_t len,
    const struct listhead *h, const char *token)
{
	const char *p = msg, *end = msg + len;
	int replaced = 0;

	/* one header line (with its continuation lines) at a time, up to the
	 * blank line; the body is copied as it is */
	while (p < end && *p != '\n' && !(*p == '\r' && p + 1 < end && p[1] == '\n')) {
		const char *q = p, *nl;
		int unsub, post;

		do {
			nl = memchr(q, '\n', (size_t)(end - q));
			q = nl ? nl + 1 : end;
		} while (q < end && (*q == ' ' || *q == '\t'));
		unsub = field_is(p, q, "List-Unsubscribe");
		post = field_is(p, q, "List-Unsubscribe-Post");
		if (unsub && !replaced) {
			const char *eol = q > p + 1 && q[-1] == '\n' && q[-2] == '\r' ?
			    MIME_CRLF : MIME_LF;

			if (listhead_unsubscribe(out, eol, h, token) < 0)
				return -1;
			replaced = 1;
		} else if (!unsub && !post) {
			if (buf_append(out, p, (size_t)(q - p)) < 0)
				return -1;
		}
		p = q;
	}
	if (buf_append(out, p, (size_t)(end - p)) < 0)
		return -1;
	return replaced;
}

/* listhead_leave_line - see listhead.h */
int
listhead_leave_line(struct buf *out, const struct conf *c, const char *lang)
{
	char text[1024];
	struct buf unsub;
	struct template_var v[2];
	int rc;

	buf_init(&unsub, 512);
	listaddr_append(&unsub, c, LISTADDR_UNSUBSCRIBE, NULL);
	v[0] = (struct template_var){ "list", c->list.name };
	v[1] = (struct template_var){ "unsubscribe", unsub.data ? unsub.data : "" };
	template_label(text, sizeof(text), "footer_leave", lang && *lang ? lang :
	    c->list.language, c->list.language);
	rc = buf_failed(&unsub) ? -1 : template_expand(out, text, strlen(text), v, 2);
	buf_release(&unsub);
	return rc;
}
