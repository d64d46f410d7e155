/* SPDX-License-Identifier: GPL-3.0-or-later */
/* oneclick - the answers of baraza web (see oneclick.h) */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "listaddr.h"
#include "listhead.h"
#include "log.h"
#include "oneclick.h"
#include "store_member.h"
#include "store_token.h"
#include "template.h"

#define FIELD ONECLICK_FIELD
#define VALUE ONECLICK_VALUE

/* The words of a page, in the member's language (strings.txt "web_*") */
struct page {
	const struct conf *c;
	const char *lang;
	const char *address;        /* the member's, shown masked, or "" */
	char masked[330];
};

/* mask - "a***@example.org": enough for the member to recognise it, not
 * enough to hand a stranger the address */
static void
mask(char *out, size_t outlen, const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	if (at == NULL || at == addr) {
		out[0] = '\0';
		return;
	}
	snprintf(out, outlen, "%c***%s", addr[0], at);
}

/* say - the label key in the page's language, its variables filled in,
 * HTML-escaped into out */
static void
say(struct buf *out, const struct page *pg, const char *key)
{
	char text[1024];
	struct buf sub, unsub, plain;
	struct template_var v[4];

	buf_init(&sub, 512);
	buf_init(&unsub, 512);
	buf_init(&plain, 4096);
	listaddr_append(&sub, pg->c, LISTADDR_SUBSCRIBE, NULL);
	listaddr_append(&unsub, pg->c, LISTADDR_UNSUBSCRIBE, NULL);
	v[0] = (struct template_var){ "list", pg->c->list.name };
	v[1] = (struct template_var){ "address", pg->masked };
	v[2] = (struct template_var){ "subscribe", sub.data };
	v[3] = (struct template_var){ "unsubscribe", unsub.data };
	template_label(text, sizeof(text), key, pg->lang, pg->c->list.language);
	template_expand(&plain, text, strlen(text), v, 4);
	html_escape(out, plain.data, plain.len);
	buf_release(&sub);
	buf_release(&unsub);
	buf_release(&plain);
}

/* render - the whole page: title, one paragraph, the button when asked */
static void
render(struct buf *out, const struct page *pg, const char *msg_key, int button)
{
	buf_puts(out, "<!DOCTYPE html>\n<html lang=\"");
	html_escape_str(out, pg->lang);
	buf_puts(out, "\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"robots\" content=\"noindex\"><title>");
	say(out, pg, "web_title");
	buf_puts(out, "</title><style>body{font-family:system-ui,sans-serif;max-width:36em;"
	    "margin:3em auto;padding:0 1em;line-height:1.5;color:#222}"
	    "button{font-size:1.1em;padding:.5em 1.4em;cursor:pointer}</style>"
	    "</head>\n<body><main><h1>");
	say(out, pg, "web_title");
	buf_puts(out, "</h1>\n<p>");
	say(out, pg, msg_key);
	buf_puts(out, "</p>\n");
	if (button) {
		/* the form sends exactly what RFC 8058 receivers send */
		buf_puts(out, "<form method=\"post\"><input type=\"hidden\" name=\""
		    FIELD "\" value=\"" VALUE "\"><button type=\"submit\">");
		say(out, pg, "web_button");
		buf_puts(out, "</button></form>\n");
	}
	buf_puts(out, "</main></body></html>\n");
}

/* unsubscribe - member id leaves, in one transaction: 1 done, -1 error */
static int
unsubscribe(struct store *s, int64_t id)
{
	if (store_begin(s) < 0)
		return -1;
	if (store_member_set_status(s, id, "unsubscribed") < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s) < 0 ? -1 : 1;
}

/* oneclick_serve - see oneclick.h */
int
oneclick_serve(struct store *s, const struct conf *c, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len,
    struct buf *page)
{
	char token[ONECLICK_TOKEN_LEN + 1];
	struct page pg;
	struct member m;
	struct token spent;
	int post = strcmp(method, "POST") == 0, found, status;

	memset(&pg, 0, sizeof(pg));
	pg.c = c;
	pg.lang = c->list.language;
	if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return 405;
	if (!oneclick_path_token(path, c->web.path, token)) {
		render(page, &pg, "web_unknown", 0);
		return 404;
	}
	memset(&m, 0, sizeof(m));
	if ((found = store_member_by_token(s, token, &m)) < 0) {
		render(page, &pg, "web_busy", 0);
		return 503;
	}
	if (found == 0) {
		/* spent (the unsub-token migration keeps it as a used
		 * 'one-click' token) or never issued: 404 either way, said
		 * differently */
		int was = store_token_get(s, token, &spent) > 0 &&
		    strcmp(spent.kind, "one-click") == 0;

		if (was)
			mask(pg.masked, sizeof(pg.masked), spent.address);
		render(page, &pg, was ? "web_spent" : "web_unknown", 0);
		log_info("web: %s for token %.6s...: %s", method, token,
		    was ? "already used" : "unknown");
		return 404;
	}
	if (m.language && *m.language)
		pg.lang = m.language;
	mask(pg.masked, sizeof(pg.masked), m.email);
	if (!post) {
		render(page, &pg, "web_ask", 1);
		status = 200;
	} else if (!oneclick_form_ok(content_type, body, body_len)) {
		render(page, &pg, "web_ask", 1);
		status = 400;
	} else if (unsubscribe(s, m.id) < 0) {
		render(page, &pg, "web_busy", 0);
		status = 503;
	} else {
		log_info("member %s unsubscribed (web one-click, token %.6s...)",
		    m.email, token);
		render(page, &pg, "web_done", 0);
		status = 200;
	}
	member_release(&m);
	return status;
}
