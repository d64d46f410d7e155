/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request_confirm - confirmations: asked for, answered, and one-click
 *
 * A confirmation request carries a single-use token (store_token.h) in its
 * cop+confirm-TOKEN@ address; answering it (any reply reaches that
 * address) makes the subscription, unsubscription or summary it stands
 * for take effect.  A spent or expired token is harmless: it earns an
 * "already done" or "expired" answer, once a day.  One-click
 * unsubscription (cop+unsubscribe-TOKEN@, the member's personal token from
 * List-Unsubscribe) takes effect at once and is acknowledged once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "listaddr.h"
#include "log.h"
#include "notice.h"
#include "request_confirm.h"
#include "request_summary.h"
#include "store_token.h"
#include "template.h"
#include "xalloc.h"

/* ---- asking ------------------------------------------------------------------ */

/* request_confirm_ask - see request_confirm.h */
int
request_confirm_ask(struct request_ctx *r, const char *kind,
    const char *template, int64_t member, const char *data)
{
	char token[TOKEN_HEX + 1], *confirm, *req;
	int once;

	if (r->noreply)
		return 0;
	/* A forged request cannot mail-bomb someone: one a day per address. */
	if ((once = notice_once(r->s, r->sender, kind, r->now)) <= 0)
		return once;
	if (store_token_new(r->s, kind, r->sender, member, r->message_row, data,
	    r->now, REQUEST_CONFIRM_TTL, token) < 0)
		return -1;
	confirm = listaddr_tagged(r->c, LISTADDR_CONFIRM, token);
	req = listaddr_tagged(r->c, LISTADDR_REQUEST, NULL);
	{
		struct template_var vars[] = {
			{ "list", r->c->list.name }, { "address", r->sender },
			{ "confirm_address", confirm }, { "request_address", req },
		};

		if (request_ctx_notice(r, kind, template, r->sender, r->lang, vars, 4,
		    confirm) < 0) {
			free(confirm);
			free(req);
			return -1;
		}
	}
	free(confirm);
	free(req);
	r->confirmations++;
	return 1;
}


/* request_confirm_changes - see request_confirm.h */
int
request_confirm_changes(struct request_ctx *r, const struct member *mem,
    const char *lines, const char *changes, const char *others)
{
	int only_unsubscribe = strcmp(lines, "unsubscribe\n") == 0, once, rc;
	const char *kind = only_unsubscribe ? "confirm-unsubscribe" : "confirm-changes";
	const char *lang = mem->language && *mem->language ? mem->language :
	    r->c->list.language;
	char token[TOKEN_HEX + 1], *confirm, *req;

	if (r->noreply)
		return 0;
	/* Forged commands cannot mail-bomb a member: a few a day. */
	if ((once = notice_up_to(r->s, mem->email, "confirm-changes",
	    REQUEST_CONFIRM_PER_DAY, r->now)) <= 0) {
		if (once == 0)
			log_info("changes for %s from %s: no confirmation request, %d sent today",
			    mem->email, r->sender, REQUEST_CONFIRM_PER_DAY);
		return once;
	}
	if (store_token_new(r->s, kind, mem->email, mem->id, r->message_row,
	    only_unsubscribe ? "" : lines, r->now, REQUEST_CONFIRM_TTL, token) < 0)
		return -1;
	confirm = listaddr_tagged(r->c, LISTADDR_CONFIRM, token);
	req = listaddr_tagged(r->c, LISTADDR_REQUEST, NULL);
	{
		struct template_var vars[] = {
			{ "list", r->c->list.name }, { "address", mem->email },
			{ "confirm_address", confirm }, { "request_address", req },
			{ "changes", changes }, { "results", others ? others : "" },
		};

		rc = request_ctx_notice(r, kind, only_unsubscribe ? "confirm-unsubscribe" :
		    "confirm-changes", mem->email, lang, vars, 6, confirm);
	}
	log_info("changes for %s from %s wait for confirmation", mem->email, r->sender);
	free(confirm);
	free(req);
	r->confirmations++;
	return rc;
}

/* ---- welcome and goodbye -------------------------------------------------- */

/* welcome - the welcome mail for a member who just joined */
static int
welcome(struct request_ctx *r, const struct member *mem)
{
	struct buf themes, sessions;
	char *post = xstrdup(r->c->list.address),
	    *req = listaddr_tagged(r->c, LISTADDR_REQUEST, NULL),
	    *unsub = listaddr_tagged(r->c, LISTADDR_UNSUBSCRIBE, NULL);
	char every[24], words[512];
	const char *lang = mem->language && *mem->language ? mem->language :
	    r->c->list.language;
	int rc;

	buf_init(&themes, REQUEST_TEXT_MAX);
	buf_init(&sessions, REQUEST_TEXT_MAX);
	for (size_t i = 0; i < r->c->nthemes; i++) {
		const struct conf_theme *t = &r->c->themes[i];
		char *addr = listaddr_tagged(r->c, LISTADDR_THEME, t->slug);

		buf_printf(&themes, "  - %s\n    %s\n", conf_theme_title(t, lang),
		    addr ? addr : "");
		free(addr);
		for (size_t k = 0; k < t->nsessions; k++) {
			buf_puts(&sessions, "  - ");
			template_date_range(&sessions, t->sessions[k].opens,
			    t->sessions[k].closes, lang, r->c->list.language);
			buf_printf(&sessions, ": %s\n", conf_theme_title(t, lang));
		}
	}
	snprintf(every, sizeof(every), "%ld", r->c->digest.every_days);
	{
		const char *saved = r->lang;

		r->lang = lang;
		request_ctx_delivery_words(r, mem->delivery, words, sizeof(words));
		r->lang = saved;
	}
	{
		struct template_var vars[] = {
			{ "list", r->c->list.name }, { "name", mem->name ? mem->name : "" },
			{ "themes", themes.data }, { "sessions", sessions.data },
			{ "post_address", post }, { "request_address", req },
			{ "unsubscribe_address", unsub }, { "every", every },
			{ "delivery", words },
			{ "is_each", strcmp(mem->delivery, "each") == 0 ? "1" : "" },
			{ "is_digest", strcmp(mem->delivery, "digest") == 0 ? "1" : "" },
			{ "is_none", strcmp(mem->delivery, "each") != 0 &&
			    strcmp(mem->delivery, "digest") != 0 ? "1" : "" },
		};
		struct notice n;

		memset(&n, 0, sizeof(n));
		n.kind = "welcome";
		n.template = "welcome";
		n.lang = lang;
		n.vars = vars;
		n.nvars = sizeof(vars) / sizeof(vars[0]);
		n.to = mem->email;
		n.to_name = mem->name;
		n.member = mem->id;
		n.from = LISTADDR_OWNER;
		rc = notice_send(r->s, r->c, &n) < 0 ? -1 : 0;
	}
	buf_release(&themes);
	buf_release(&sessions);
	free(post); free(req); free(unsub);
	return rc;
}

/* send_welcome - welcome, unless the confirmation came from a robot */
static int
send_welcome(struct request_ctx *r, const struct member *mem)
{
	return r->noreply ? 0 : welcome(r, mem);
}

/* send_goodbye - the template ("goodbye", "unsubscribed") to a member who
 * left, unless the mail came from a robot */
static int
send_goodbye(struct request_ctx *r, const char *template,
    const struct member *mem)
{
	char *sub = listaddr_tagged(r->c, LISTADDR_SUBSCRIBE, NULL);
	struct template_var vars[] = {
		{ "list", r->c->list.name }, { "address", mem->email },
		{ "subscribe_address", sub },
	};
	struct notice n;
	int rc;

	if (r->noreply) {
		free(sub);
		return 0;
	}
	memset(&n, 0, sizeof(n));
	n.kind = template;
	n.template = template;
	n.lang = mem->language;
	n.vars = vars;
	n.nvars = 3;
	n.to = mem->email;
	n.member = mem->id;
	n.from = LISTADDR_OWNER;
	rc = notice_send(r->s, r->c, &n) < 0 ? -1 : 0;
	free(sub);
	return rc;
}

/* ---- answers ------------------------------------------------------------------ */

/* request_confirm_handle - see request_confirm.h */
int
request_confirm_handle(struct request_ctx *r)
{
	struct token t;
	struct member mem;
	int found, used;

	if (r->rr->arg == NULL || (found = store_token_get(r->s, r->rr->arg, &t)) == 0) {
		log_info("confirmation with unknown token from %s: ignored", r->sender);
		return 0;
	}
	if (found < 0)
		return -1;
	if ((used = store_token_use(r->s, t.token, r->sender, r->now)) < 0)
		return -1;
	if (used == 0) {
		/* Spent or expired: harmless, answered (once a day). */
		int once = notice_once(r->s, r->sender, "confirm-again", r->now);

		if (once <= 0)
			return once;
		request_ctx_say(r, NULL, t.used ? "res_already_done" : "res_expired", NULL, 0);
		if (!request_ctx_results_ok(r))
			return 0;
		{
			struct template_var vars[] = {
				{ "list", r->c->list.name }, { "results", r->results.data },
				{ "help", "" },
			};

			return request_ctx_notice(r, "command-reply", "command-reply", r->sender,
			    r->lang, vars, 3, NULL);
		}
	}
	if (strcmp(t.kind, "confirm-summary") == 0)
		return request_summary_publish(r, t.ref, atoll(t.data));
	if (strcmp(t.kind, "confirm-changes") == 0)
		return r->apply_changes ? r->apply_changes(r, t.address, t.data) : 0;
	if ((found = store_member_get(r->s, t.address, &mem)) <= 0)
		return found;
	if (strcmp(t.kind, "confirm-subscribe") == 0) {
		int rc = -1;

		if (store_member_set_status(r->s, mem.id, "active") > 0 &&
		    (!*t.data || store_member_set_delivery(r->s, mem.id, t.data) >= 0)) {
			if (*t.data) {
				free(mem.delivery);
				mem.delivery = xstrdup(t.data);
			}
			log_info("member %s confirmed and active", mem.email);
			rc = send_welcome(r, &mem);
		}
		member_release(&mem);
		return rc;
	}
	if (strcmp(t.kind, "confirm-unsubscribe") == 0) {
		int rc = -1;

		if (store_member_set_status(r->s, mem.id, "unsubscribed") > 0) {
			log_info("member %s confirmed leaving", mem.email);
			rc = send_goodbye(r, "goodbye", &mem);
		}
		member_release(&mem);
		return rc;
	}
	member_release(&mem);
	log_warnx("token of unknown kind %s used by %s", t.kind, r->sender);
	return 0;
}

/* request_confirm_one_click - see request_confirm.h */
int
request_confirm_one_click(struct request_ctx *r)
{
	struct member mem;
	int found, rc = 0;

	if (r->rr->arg == NULL ||
	    (found = store_member_by_token(r->s, r->rr->arg, &mem)) == 0) {
		log_info("one-click unsubscribe with unknown token from %s: ignored", r->sender);
		return 0;
	}
	if (found < 0)
		return -1;
	if (strcmp(mem.status, "unsubscribed") != 0 && !addr_equal(r->sender, mem.email)) {
		/* The token travelled (a quoted footer, a forward, a leak):
		 * whoever sends it is not shown to be the member. */
		log_info("one-click unsubscribe of %s sent by %s: confirmation asked",
		    mem.email, r->sender);
		rc = request_confirm_changes(r, &mem, "unsubscribe\n", "", "");
	} else if (strcmp(mem.status, "unsubscribed") != 0) {
		if (store_member_set_status(r->s, mem.id, "unsubscribed") < 0)
			rc = -1;
		else
			log_info("member %s unsubscribed (one-click)", mem.email);
		/* Acknowledged once: a second click finds them unsubscribed
		 * and gets nothing. */
		if (rc == 0 && notice_once(r->s, mem.email, "unsubscribed", r->now) > 0)
			rc = send_goodbye(r, "unsubscribed", &mem);
	}
	member_release(&mem);
	return rc;
}

