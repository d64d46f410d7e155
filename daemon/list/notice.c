/* SPDX-License-Identifier: GPL-3.0-or-later */
/* notice - build and queue the short mails baraza writes itself
 *
 * This is not the relay's composer (compose.c rewrites members' posts);
 * it writes small new messages from templates: a plain text/plain UTF-8
 * body, or multipart/mixed with the message it is about attached as
 * message/rfc822 (hold notices to facilitators).  Header values from input
 * are cleaned and encoded by mime_out.c, the writer all mail shares.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "clock.h"
#include "log.h"
#include "listhead.h"
#include "mime_out.h"
#include "notice.h"
#include "relay.h"
#include "store_held.h"
#include "store_member.h"
#include "xalloc.h"

#define NOTICE_HEADER_MAX 998     /* bytes of a one-line template value */

/* notice_random_hex - random bytes as hex: the store's generator */
int
notice_random_hex(char *out, size_t nbytes)
{
	return store_random_hex(out, nbytes);
}

/* notice_one_line - one clean line of s */
char *
notice_one_line(const char *s)
{
	return mime_clean(s, NOTICE_HEADER_MAX);
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
	char *from = n->list_mail ? xstrdup(c->list.address) :
	    listaddr_tagged(c, n->from == LISTADDR_REQUEST ?
	    LISTADDR_REQUEST : LISTADDR_OWNER, NULL);
	char *subj = NULL;
	char id[33], boundary[33], date[64];
	int rc = -1;

	buf_init(&text, NOTICE_MAX);
	if (from == NULL) {
		log_warnx("notice %s to %s: the list has no address", n->kind, n->to);
		goto done;
	}
	{
		/* The list's own addresses and figures, after the caller's
		 * variables (a caller's value of the same name wins), so any
		 * template may say how to join, get help or reach people. */
		char *sub = listaddr_tagged(c, LISTADDR_SUBSCRIBE, NULL),
		    *req = listaddr_tagged(c, LISTADDR_REQUEST, NULL),
		    *help = listaddr_tagged(c, LISTADDR_HELP, NULL),
		    *owner = listaddr_tagged(c, LISTADDR_OWNER, NULL);
		char every[24], langs[256];
		struct template_var *vars = xcalloc(n->nvars + 9, sizeof(*vars));
		size_t k = n->nvars;
		int r;

		snprintf(every, sizeof(every), "%ld", c->digest.every_days);
		catalog_languages(langs, sizeof(langs));
		if (n->nvars)
			memcpy(vars, n->vars, n->nvars * sizeof(*vars));
		vars[k++] = (struct template_var){ "list", c->list.name };
		vars[k++] = (struct template_var){ "list_name", c->list.name };
		vars[k++] = (struct template_var){ "list_address", c->list.address };
		vars[k++] = (struct template_var){ "subscribe_address", sub };
		vars[k++] = (struct template_var){ "request_address", req };
		vars[k++] = (struct template_var){ "help_address", help };
		vars[k++] = (struct template_var){ "owner_address", owner };
		vars[k++] = (struct template_var){ "every", every };
		vars[k++] = (struct template_var){ "languages", langs };
		r = template_render(&text, n->template, n->lang, c->list.language, vars, k);
		free(vars);
		free(sub); free(req); free(help); free(owner);
		if (r < 0)
			goto done;
	}
	/* list mail: how to leave, at the end of the body (SPEC §6) */
	if (n->list_mail &&
	    ((text.len && text.data[text.len - 1] != '\n' && buf_putc(&text, '\n') < 0) ||
	     buf_puts(&text, "\n-- \n") < 0 ||
	     listhead_leave_line(&text, c, n->lang) < 0 || buf_putc(&text, '\n') < 0))
		goto cap;
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

	if (mime_header_addr_eol(out, MIME_LF, "From", c->list.name, from) < 0 ||
	    mime_header_addr_eol(out, MIME_LF, "To", n->to_name, n->to) < 0 ||
	    mime_header_eol(out, MIME_LF, "Subject", subject ? subject : c->list.name) < 0 ||
	    buf_printf(out, "Date: %s\n", date) < 0 ||
	    buf_printf(out, "Message-ID: <baraza.%s.%s@%s>\n", n->kind, id,
	    c->list.domain) < 0)
		goto cap;
	if (n->in_reply_to && *n->in_reply_to &&
	    (mime_header_addr_eol(out, MIME_LF, "In-Reply-To", NULL, n->in_reply_to) < 0 ||
	     mime_header_addr_eol(out, MIME_LF, "References", NULL, n->in_reply_to) < 0))
		goto cap;
	if (n->reply_to &&
	    mime_header_addr_eol(out, MIME_LF, "Reply-To", NULL, n->reply_to) < 0)
		goto cap;
	if (n->list_mail) {
		struct listhead h;

		if (listhead_init(&h, c) < 0 || listhead_fields(out, MIME_LF, &h) < 0 ||
		    listhead_unsubscribe(out, MIME_LF, &h, NULL) < 0 ||
		    buf_puts(out, "Precedence: list\n") < 0)
			goto cap;
	}
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

/* nonmember_may_get - may one more notice go to to?  A member (active or
 * bouncing) always; any other address at most NOTICE_NONMEMBER_PER_DAY a
 * day, whatever the kinds: anyone can forge a From, and the list must
 * not become a way to flood a third party.  1, 0, or -1. */
static int
nonmember_may_get(struct store *s, const char *to)
{
	struct member m;
	int found = store_member_get(s, to, &m), member;

	if (found < 0)
		return -1;
	member = found && (strcmp(m.status, "active") == 0 ||
	    strcmp(m.status, "bouncing") == 0);
	if (found)
		member_release(&m);
	if (member)
		return 1;
	return notice_up_to(s, to, "nonmember-any", NOTICE_NONMEMBER_PER_DAY, clock_now());
}

/* notice_send - build and queue a notice */
int64_t
notice_send(struct store *s, const struct conf *c, const struct notice *n)
{
	struct buf out;
	int64_t id = -1;
	int may;

	if (n->to == NULL || *n->to == '\0')
		return log_error("notice %s: no recipient", n->kind);
	if ((may = nonmember_may_get(s, n->to)) <= 0) {
		if (may == 0)
			log_info("notice %s to %s not sent: it is no member and had %d mails "
			    "from the list today", n->kind, n->to, NOTICE_NONMEMBER_PER_DAY);
		return may;
	}
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

/* notice_up_to - see notice.h: the notices table holds one row per
 * address, kind and day, so the n-th of a day is kind "KIND#n" */
int
notice_up_to(struct store *s, const char *address, const char *kind, int max,
    time_t now)
{
	char k[96];

	for (int i = 1; i <= max && i <= 9; i++) {
		int once;

		snprintf(k, sizeof(k), i == 1 ? "%s" : "%s#%d", kind, i);
		if ((once = store_notice_once(s, address, k, clock_local_day(now))) != 0)
			return once;
	}
	return 0;
}
