/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request_ctx - one mail to the list's own machinery, and its answer
 *
 * The shared half of request.c, request_confirm.c and request_summary.c:
 * who sent the mail, in which language to answer, and how an answer is
 * written and queued.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "address.h"
#include "catalog.h"
#include "clock.h"
#include "listaddr.h"
#include "log.h"
#include "notice.h"
#include "request_ctx.h"

/* member_lang - the member's language, else the list's */
static const char *
member_lang(const struct request_ctx *r)
{
	return r->is_member && r->member.language && *r->member.language ?
	    r->member.language : r->c->list.language;
}

/* subscriber_language - the first language of the mail's
 * Content-Language that we can write ("fr-FR" gives "fr"), into out, or
 * NULL */
static const char *
mail_language(const struct message *m, char *out, size_t outlen)
{
	const char *v = m ? message_header(m, "Content-Language") : NULL;

	while (v && *v) {
		size_t n;

		v += strspn(v, " \t,");
		n = strcspn(v, " \t,;");
		if (n >= 2 && n < outlen) {
			snprintf(out, outlen, "%.*s", (int)n, v);
			if (catalog_has(out) && strcspn(out, "-_") >= 2) {
				out[strcspn(out, "-_")] = '\0';
				return catalog_has(out) ? out : NULL;
			}
		}
		v += n;
		v += strcspn(v, ",");
	}
	return NULL;
}

/* request_ctx_init - see request_ctx.h */
int
request_ctx_init(struct request_ctx *r, struct store *s, const struct conf *c,
    const struct message *m, const struct route_result *rr,
    int64_t message_row)
{
	int found;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->c = c;
	r->m = m;
	r->rr = rr;
	r->message_row = message_row;
	r->sender = m->from.address;
	r->now = clock_now();
	r->noreply = rr->noreply;
	buf_init(&r->results, REQUEST_TEXT_MAX);
	buf_init(&r->pending, REQUEST_TEXT_MAX);
	buf_init(&r->changes, REQUEST_TEXT_MAX);
	if ((found = store_member_get(s, r->sender, &r->member)) < 0) {
		request_ctx_release(r);
		return -1;
	}
	r->is_member = found;
	r->lang = member_lang(r);
	/* A newcomer is written to in the language their mail says it is
	 * in (Content-Language, as Outlook and Thunderbird set it), when we
	 * have it; else the list's */
	if (mail_language(m, r->mail_lang, sizeof(r->mail_lang)) == NULL)
		r->mail_lang[0] = '\0';
	else if (!found)
		r->lang = r->mail_lang;
	return 0;
}

/* request_ctx_release - see request_ctx.h */
void
request_ctx_release(struct request_ctx *r)
{
	buf_release(&r->results);
	buf_release(&r->pending);
	buf_release(&r->changes);
	if (r->is_member)
		member_release(&r->member);
	r->is_member = 0;
}

/* request_ctx_say - see request_ctx.h */
void
request_ctx_say(struct request_ctx *r, const char *cmdline, const char *key,
    const struct template_var *vars, size_t nvars)
{
	request_ctx_say_to(r, &r->results, cmdline, key, vars, nvars);
}

/* request_ctx_say_to - see request_ctx.h */
void
request_ctx_say_to(struct request_ctx *r, struct buf *out, const char *cmdline,
    const char *key, const struct template_var *vars, size_t nvars)
{
	char text[2048];

	if (template_string("strings", key, r->lang, r->c->list.language, text,
	    sizeof(text)) < 0)
		snprintf(text, sizeof(text), "%s", key);
	if (cmdline)
		buf_printf(out, "> %s\n", cmdline);
	template_expand(out, text, strlen(text), vars, nvars);
	buf_puts(out, "\n\n");
}

/* request_ctx_results_ok - see request_ctx.h */
int
request_ctx_results_ok(struct request_ctx *r)
{
	if (!buf_failed(&r->results))
		return 1;
	log_warnx("reply to %s not sent: it would be larger than %u KB", r->sender,
	    REQUEST_TEXT_MAX >> 10);
	return 0;
}

/* request_ctx_notice - see request_ctx.h */
int
request_ctx_notice(struct request_ctx *r, const char *kind,
    const char *template, const char *to, const char *lang,
    const struct template_var *vars, size_t nvars, const char *reply_to)
{
	struct notice n;

	if (r->noreply) {
		log_info("%s to %s not sent: the sender is a robot", kind, to);
		return 0;
	}
	memset(&n, 0, sizeof(n));
	n.kind = kind;
	n.template = template;
	n.lang = lang;
	n.vars = vars;
	n.nvars = nvars;
	n.to = to;
	n.member = r->is_member && addr_equal(to, r->member.email) ? r->member.id : 0;
	n.from = LISTADDR_REQUEST;
	n.reply_to = reply_to;
	n.in_reply_to = r->m ? r->m->message_id : NULL;
	return notice_send(r->s, r->c, &n) < 0 ? -1 : 0;
}

/* request_ctx_delivery_words - see request_ctx.h */
const char *
request_ctx_delivery_words(struct request_ctx *r, const char *delivery,
    char *out, size_t outlen)
{
	char key[32], text[512], every[24];
	struct template_var v[] = { { "every", every } };
	struct buf b;

	snprintf(every, sizeof(every), "%ld", r->c->digest.every_days);
	snprintf(key, sizeof(key), "delivery_%s", delivery);
	template_string("strings", key, r->lang, r->c->list.language, text, sizeof(text));
	buf_init(&b, 1024);
	template_expand(&b, text, strlen(text), v, 1);
	snprintf(out, outlen, "%s", b.data);
	buf_release(&b);
	return out;
}
