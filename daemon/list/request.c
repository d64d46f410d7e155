/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request - command mails and mail to the owner; the dispatch of every
 * mail to the list's own addresses
 *
 * Every answer is a notice (notice.h) to the From address in the member's
 * language, queued in the ingest transaction.  A command mail gets exactly
 * one reply listing each command and what was done.  From proves
 * nothing: a subscription is always confirmed by a round trip, and the
 * commands that change a member (unsubscribe, nomail, digest, each,
 * themes, language) take effect at once only when the receiving server
 * authenticated the sender (sender_auth.h); otherwise they are collected
 * and the member gets one confirmation request (request_confirm.c) that
 * shows every change it stands for, under one token.  Summaries are
 * request_summary.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "catalog.h"
#include "clock.h"
#include "command.h"
#include "listaddr.h"
#include "log.h"
#include "mask.h"
#include "notice.h"
#include "request.h"
#include "request_confirm.h"
#include "request_ctx.h"
#include "request_summary.h"
#include "sender_auth.h"
#include "store_jobs.h"
#include "store_member.h"
#include "store_post.h"
#include "store_search.h"
#include "store_thread.h"
#include "store_token.h"
#include "template.h"
#include "xalloc.h"

/* theme_slugs - "funding, risk, ..." of the configured themes (owned) */
static char *
theme_slugs(const struct conf *c)
{
	struct buf b;

	buf_init(&b, 64 * 1024);
	for (size_t i = 0; i < c->nthemes; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", c->themes[i].slug);
	return buf_detach(&b, NULL);
}

/* help_text - the help template's body (without its Subject line), owned */
static char *
help_text(const struct conf *c, const char *lang, int facilitator)
{
	char *post = xstrdup(c->list.address),
	    *req = listaddr_tagged(c, LISTADDR_REQUEST, NULL),
	    *sub = listaddr_tagged(c, LISTADDR_SUBSCRIBE, NULL),
	    *unsub = listaddr_tagged(c, LISTADDR_UNSUBSCRIBE, NULL),
	    *owner = listaddr_tagged(c, LISTADDR_OWNER, NULL),
	    *summary = listaddr_tagged(c, LISTADDR_SUMMARY, NULL),
	    *summary_ex = listaddr_tagged(c, LISTADDR_SUMMARY,
	    c->nthemes ? c->themes[0].slug : CONF_GENERAL_THEME),
	    *slugs = theme_slugs(c), *example;
	char every[24], langs[256];
	struct buf b;
	const char *body;
	char *out;

	example = listaddr_tagged(c, LISTADDR_THEME,
	    c->nthemes ? c->themes[0].slug : CONF_GENERAL_THEME);
	snprintf(every, sizeof(every), "%ld", c->digest.every_days);
	catalog_languages(langs, sizeof(langs));
	{
		struct template_var vars[] = {
			{ "facilitator", facilitator ? "1" : "" },
			{ "summary_address", summary }, { "summary_example", summary_ex },
			{ "languages", langs },
			{ "list", c->list.name }, { "post_address", post },
			{ "theme_example", example }, { "request_address", req },
			{ "every", every }, { "themes", slugs },
			{ "subscribe_address", sub }, { "unsubscribe_address", unsub },
			{ "owner_address", owner },
		};

		buf_init(&b, REQUEST_TEXT_MAX);
		template_render(&b, "help", lang, c->list.language, vars,
		    sizeof(vars) / sizeof(vars[0]));
	}
	body = b.data;
	if (strncmp(body, "Subject:", 8) == 0) {
		body = strchr(body, '\n');
		body = body ? body + 1 : "";
	}
	out = xstrdup(body);
	buf_release(&b);
	free(post); free(req); free(sub); free(unsub); free(owner); free(slugs);
	free(example); free(summary); free(summary_ex);
	return out;
}

/* ---- changes that wait for the member's confirmation ------------------ */

/* change_deferred - with r->defer: note cmd as a change that waits for
 * the member's confirmation, described to them by the strings.txt text of
 * key (1); else 0: it may take effect now */
static int
change_deferred(struct request_ctx *r, const struct command *cmd, const char *key,
    const struct template_var *vars, size_t nvars)
{
	if (!r->defer)
		return 0;
	buf_printf(&r->pending, "%s%s%s\n", command_verb_name(cmd->verb),
	    *cmd->arg ? " " : "", cmd->arg);
	request_ctx_say_to(r, &r->changes, cmd->line, key, vars, nvars);
	return 1;
}

/* ---- subscribe / unsubscribe ---------------------------------------------- */

/* cmd_subscribe - subscribe [each|digest]: confirmed by a round trip; a
 * member who is already active only has the mode changed */
static int
cmd_subscribe(struct request_ctx *r, const struct command *cmd)
{
	const char *mode = *cmd->arg ? cmd->arg : "each";

	if (r->is_member && strcmp(r->member.status, "active") == 0) {
		char words[512];
		struct template_var v[] = { { "delivery", NULL } };

		if (*cmd->arg && strcmp(r->member.delivery, mode) != 0) {
			char every[24], chg[32];
			struct template_var cv[] = { { "every", every } };

			/* a change of delivery like "digest" or "each" */
			snprintf(every, sizeof(every), "%ld", r->c->digest.every_days);
			snprintf(chg, sizeof(chg), "chg_%s", strcmp(mode, "digest") == 0 ?
			    "digest" : "each");
			if (change_deferred(r, cmd, chg, cv, 1))
				return 0;
			if (store_member_set_delivery(r->s, r->member.id, mode) < 0)
				return -1;
			free(r->member.delivery);
			r->member.delivery = xstrdup(mode);
		}
		v[0].value = request_ctx_delivery_words(r, r->member.delivery, words,
		    sizeof(words));
		request_ctx_say(r, cmd->line, "res_already_member", v, 1);
		return 0;
	}
	if (!r->is_member) {
		struct member_put p;
		int64_t id;

		memset(&p, 0, sizeof(p));
		p.email = r->sender;
		p.name = r->m->from.name;
		p.delivery = mode;
		p.status = "pending";
		/* A newcomer is written to in the language their mail says it
		 * is in (Content-Language, as Outlook and Thunderbird set it),
		 * when we have it; else the list's */
		p.language = *r->mail_lang ? r->mail_lang : NULL;
		if (store_member_put(r->s, &p, &id) < 0)
			return -1;
	}
	if (request_confirm_ask(r, "confirm-subscribe", "confirm-subscribe",
	    r->is_member ? r->member.id : 0, mode) < 0)
		return -1;
	{
		struct template_var v[] = { { "address", r->sender } };

		request_ctx_say(r, cmd->line, "res_subscribe_pending", v, 1);
	}
	return 0;
}

/* cmd_unsubscribe - unsubscribe: at once for an authenticated sender,
 * else confirmed by a round trip */
static int
cmd_unsubscribe(struct request_ctx *r, const struct command *cmd)
{
	struct template_var v[] = { { "address", r->sender }, { "list", r->c->list.name } };

	if (!r->is_member || strcmp(r->member.status, "unsubscribed") == 0 ||
	    strcmp(r->member.status, "pending") == 0) {
		request_ctx_say(r, cmd->line, "res_not_member", v, 1);
		return 0;
	}
	if (change_deferred(r, cmd, "chg_unsubscribe", v, 2))
		return 0;
	if (store_member_set_status(r->s, r->member.id, "unsubscribed") < 0)
		return -1;
	log_info("member %s unsubscribed by command", r->member.email);
	request_ctx_say(r, cmd->line, "res_unsubscribed", v, 2);
	return 0;
}

/* ---- the commands that change how a member reads ----------------------- */

/* need_member - 1 when the sender is a member these commands apply to,
 * else 0 with "not a member" said */
static int
need_member(struct request_ctx *r, const struct command *cmd)
{
	struct template_var v[] = { { "address", r->sender } };

	if (r->is_member && (strcmp(r->member.status, "active") == 0 ||
	    strcmp(r->member.status, "bouncing") == 0))
		return 1;
	request_ctx_say(r, cmd->line, "res_not_member", v, 1);
	return 0;
}

/* cmd_delivery - digest, each, nomail: the delivery mode, at once */
static int
cmd_delivery(struct request_ctx *r, const struct command *cmd, const char *delivery,
    const char *key)
{
	char every[24];
	struct template_var v[] = { { "every", every } };

	if (!need_member(r, cmd))
		return 0;
	snprintf(every, sizeof(every), "%ld", r->c->digest.every_days);
	{
		char chg[256];

		snprintf(chg, sizeof(chg), "chg_%s", key + 4);
		if (change_deferred(r, cmd, chg, v, 1))
			return 0;
	}
	if (store_member_set_delivery(r->s, r->member.id, delivery) < 0)
		return -1;
	/* Choosing a delivery mode is also how a bouncing member comes back. */
	if (strcmp(r->member.status, "bouncing") == 0 &&
	    store_member_set_status(r->s, r->member.id, "active") < 0)
		return -1;
	request_ctx_say(r, cmd->line, key, v, 1);
	return 0;
}

/* cmd_themes - themes all|SLUG...: the themes the member follows */
static int
cmd_themes(struct request_ctx *r, const struct command *cmd)
{
	char copy[COMMAND_ARG_MAX + 1], *tok, *save = NULL;
	const char *slugs[64];
	size_t n = 0;
	struct member_put p;

	if (!need_member(r, cmd))
		return 0;
	memset(&p, 0, sizeof(p));
	p.email = r->member.email;
	p.set_themes = 1;
	snprintf(copy, sizeof(copy), "%s", cmd->arg);
	if (strcmp(copy, "all") == 0) {
		p.all_themes = 1;
	} else {
		for (tok = strtok_r(copy, " ", &save); tok && n < 64; tok = strtok_r(NULL, " ", &save)) {
			if (strcmp(tok, "general") != 0 && conf_theme_find(r->c, tok) == NULL) {
				char *all = theme_slugs(r->c);
				struct template_var v[] = { { "theme", tok }, { "themes", all } };

				request_ctx_say(r, cmd->line, "res_unknown_theme", v, 2);
				free(all);
				return 0;
			}
			slugs[n++] = tok;
		}
		p.themes = slugs;
		p.nthemes = n;
	}
	{
		struct template_var v[] = { { "themes", cmd->arg } };

		if (change_deferred(r, cmd, p.all_themes ? "chg_themes_all" : "chg_themes", v, 1))
			return 0;
	}
	if (store_member_put(r->s, &p, NULL) < 0)
		return -1;
	if (p.all_themes) {
		request_ctx_say(r, cmd->line, "res_themes_all", NULL, 0);
	} else {
		struct template_var v[] = { { "themes", cmd->arg } };

		request_ctx_say(r, cmd->line, "res_themes", v, 1);
	}
	return 0;
}

/* lang_available - can we write in lang (a catalog, or a site's own
 * texts for it)? */
static int
lang_available(const char *lang)
{
	char *path;
	int ok;

	if (catalog_has(lang))
		return 1;
	path = template_find("strings", lang, lang);
	ok = path && strstr(path, "/en/strings.txt") == NULL;
	free(path);
	return ok;
}

/* cmd_language - language L: the member's language */
static int
cmd_language(struct request_ctx *r, const struct command *cmd)
{
	struct member_put p;

	if (!need_member(r, cmd))
		return 0;
	if (!lang_available(cmd->arg)) {
		char langs[256];
		struct template_var v[] = { { "language", cmd->arg }, { "languages", langs } };

		catalog_languages(langs, sizeof(langs));
		request_ctx_say(r, cmd->line, "res_unknown_language", v, 2);
		return 0;
	}
	{
		struct template_var v[] = { { "language", cmd->arg } };

		if (change_deferred(r, cmd, "chg_language", v, 1))
			return 0;
	}
	memset(&p, 0, sizeof(p));
	p.email = r->member.email;
	p.language = cmd->arg;
	if (store_member_put(r->s, &p, NULL) < 0)
		return -1;
	/* The answer already speaks the new language. */
	free(r->member.language);
	r->member.language = xstrdup(cmd->arg);
	r->lang = r->member.language;
	{
		struct template_var v[] = { { "language", cmd->arg } };

		request_ctx_say(r, cmd->line, "res_language", v, 1);
	}
	return 0;
}

struct search_out {
	struct request_ctx *r;
	int n;
};

/* excerpt - the first two non-empty lines of text, each cut at 100 bytes */
static void
excerpt(struct buf *out, const char *text)
{
	int lines = 0;

	for (const char *p = text; *p && lines < 2; ) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (len) {
			size_t cut = len > 100 ? 100 : len;

			while (cut < len && cut > 0 && ((unsigned char)p[cut] & 0xc0) == 0x80)
				cut--;
			buf_puts(out, "     ");
			buf_append(out, p, cut);
			buf_puts(out, cut < len ? "...\n" : "\n");
			lines++;
		}
		p = eol ? eol + 1 : p + strlen(p);
	}
}

/* search_hit - one search result into the answer */
static int
search_hit(void *arg, const struct store_post_row *p)
{
	struct search_out *so = arg;
	struct request_ctx *r = so->r;
	struct listaddr la;
	const char *lang = catalog_pick(r->lang, r->c->list.language);
	struct buf date;
	char id[24];

	buf_init(&date, 256);
	template_date_range(&date, p->received, p->received + 1, lang, lang);
	snprintf(id, sizeof(id), "%lld", (long long)p->id);
	/* What the archive would show: addresses masked (mask.h), and the
	 * excerpt from the post's own text - not the index's snippet, which
	 * may come from its quotes or its signature. */
	buf_printf(&r->results, "  %d. ", ++so->n);
	mask_text(&r->results, p->subject ? p->subject : "",
	    p->subject ? p->subject + strlen(p->subject) : "");
	buf_puts(&r->results, "\n     ");
	{
		const char *who = p->author_name && *p->author_name ?
		    p->author_name : tr(lang, "a former member");

		mask_text(&r->results, who, who + strlen(who));
	}
	buf_printf(&r->results, ", %s, %s\n", date.data,
	    conf_theme_title(conf_theme_find(r->c, p->theme), lang));
	buf_release(&date);
	{
		struct buf masked;

		buf_init(&masked, REQUEST_TEXT_MAX);
		mask_text(&masked, p->new_text ? p->new_text : "",
		    p->new_text ? p->new_text + strlen(p->new_text) : "");
		excerpt(&r->results, masked.data);
		buf_release(&masked);
	}
	/* TRANSLATORS: before the address that answers a post found by search */
	buf_printf(&r->results, "     %s ", tr(lang, "Reply:"));
	if (listaddr_from_conf(&la, r->c) == 0)
		listaddr_put(&r->results, &la, LISTADDR_REPLY, id);
	buf_puts(&r->results, "\n\n");
	return 0;
}

/* cmd_search_mail - search WORDS: the ten best posts, with their
 * reply addresses */
static int
cmd_search_mail(struct request_ctx *r, const struct command *cmd)
{
	char copy[COMMAND_ARG_MAX + 1], *words[32], *tok, *save = NULL;
	size_t n = 0;
	struct search_out so = { r, 0 };
	struct template_var v[] = { { "words", cmd->arg } };
	size_t mark;
	int hits;

	/* The discussion is the members': a stranger is told so once a day,
	 * and otherwise not answered (mail to an outsider is bounded). */
	if (!r->is_member || (strcmp(r->member.status, "active") != 0 &&
	    strcmp(r->member.status, "bouncing") != 0)) {
		int once = notice_once(r->s, r->sender, "search-refused", r->now);

		if (once < 0)
			return -1;
		if (once == 0)
			log_info("search by %s refused: not a member; already told today",
			    r->sender);
		else
			request_ctx_say(r, cmd->line, "res_search_members", NULL, 0);
		return 0;
	}
	snprintf(copy, sizeof(copy), "%s", cmd->arg);
	for (tok = strtok_r(copy, " ", &save); tok && n < 32; tok = strtok_r(NULL, " ", &save))
		words[n++] = tok;
	mark = r->results.len;
	request_ctx_say(r, cmd->line, "res_search", v, 1);
	hits = store_post_search(r->s, words, n, 10, search_hit, &so);
	if (hits < 0)
		return -1;
	if (hits == 0) {
		/* The heading goes; "nothing matches" takes its place. */
		buf_truncate(&r->results, mark);
		request_ctx_say(r, cmd->line, "res_search_none", v, 1);
	}
	return 0;
}

/* ---- a command mail ------------------------------------------------------- */

/* run_command - one command; 0, or -1 on a database error */
static int
run_command(struct request_ctx *r, const struct command *cmd)
{
	switch (cmd->verb) {
	case CMD_SUBSCRIBE: return cmd_subscribe(r, cmd);
	case CMD_UNSUBSCRIBE: return cmd_unsubscribe(r, cmd);
	case CMD_DIGEST: return cmd_delivery(r, cmd, "digest", "res_digest");
	case CMD_EACH: return cmd_delivery(r, cmd, "each", "res_each");
	case CMD_NOMAIL: return cmd_delivery(r, cmd, "none", "res_nomail");
	case CMD_THEMES: return cmd_themes(r, cmd);
	case CMD_LANGUAGE: return cmd_language(r, cmd);
	case CMD_SEARCH: return cmd_search_mail(r, cmd);
	case CMD_HELP:
		request_ctx_say(r, cmd->line, "res_help", NULL, 0);
		r->want_help = 1;
		return 0;
	}
	return 0;
}

/* command_reply - the one answer listing r->results (and the help text
 * when asked for) to r->sender */
static int
command_reply(struct request_ctx *r)
{
	char *help = NULL;
	int rc;

	if (!request_ctx_results_ok(r))
		return 0;
	if (r->results.len == 0 && !r->want_help)
		return 0;               /* nothing to say (a refusal said today) */
	if (r->want_help)
		help = help_text(r->c, r->lang, r->is_member &&
		    strcmp(r->member.role, "facilitator") == 0);
	{
		struct template_var vars[] = {
			{ "list", r->c->list.name }, { "results", r->results.data },
			{ "help", help ? help : "" },
		};

		rc = request_ctx_notice(r, "command-reply", "command-reply", r->sender, r->lang,
		    vars, 3, NULL);
	}
	free(help);
	return rc;
}

/* apply_changes - r->apply_changes: the confirmed commands lines carried
 * out as the member at address, who gets the usual answer */
static int
apply_changes(struct request_ctx *r, const char *address, const char *lines)
{
	int found, rc = 0;

	if (r->is_member)
		member_release(&r->member);
	r->is_member = 0;
	if ((found = store_member_get(r->s, address, &r->member)) <= 0)
		return found;
	r->is_member = 1;
	r->sender = r->member.email;
	r->lang = r->member.language && *r->member.language ? r->member.language :
	    r->c->list.language;
	r->defer = 0;
	buf_reset(&r->results);
	for (const char *p = lines; *p && rc == 0; ) {
		size_t len = strcspn(p, "\n");
		struct command cmd;

		if (command_parse_line(p, len, &cmd) == 1)
			rc = run_command(r, &cmd);
		p += len;
		if (*p == '\n')
			p++;
	}
	if (rc < 0)
		return -1;
	log_info("member %s confirmed changes: %.*s", r->member.email,
	    (int)strcspn(lines, "\n"), lines);
	return command_reply(r);
}

/* handle_commands - a mail to cop+request@ or a shortcut: every command
 * carried out, one answer listing them */
static int
handle_commands(struct request_ctx *r)
{
	struct command_list list;
	const char *what = r->rr->arg ? r->rr->arg : "request";
	int rc = 0;

	if (strcmp(what, "subscribe") == 0 || strcmp(what, "unsubscribe") == 0 ||
	    strcmp(what, "help") == 0) {
		/* A shortcut address: the address is the command; a mode word
		 * in the subject or body ("subscribe digest") is honoured. */
		command_parse(r->m->subject, r->m->new_text ? r->m->new_text : r->m->text, &list);
		if (!(list.n == 1 && strcmp(command_verb_name(list.cmd[0].verb), what) == 0)) {
			memset(&list, 0, sizeof(list));
			command_parse_line(what, strlen(what), &list.cmd[0]);
			list.n = 1;
		}
	} else {
		command_parse(r->m->subject, r->m->new_text && *r->m->new_text ?
		    r->m->new_text : r->m->text, &list);
	}
	if (list.n == 0) {
		int once = notice_once(r->s, r->sender, "not-understood", r->now);

		if (once < 0)
			return -1;
		if (once == 0) {
			log_info("request from %s not understood; already answered today",
			    r->sender);
			return 0;
		}
		request_ctx_say(r, list.first_unknown[0] ? list.first_unknown : NULL,
		    "res_not_understood", NULL, 0);
		r->want_help = 1;
	}
	r->defer = sender_auth(r->c, r->m) != SENDER_AUTH_PASS;
	for (size_t i = 0; i < list.n && rc == 0; i++)
		rc = run_command(r, &list.cmd[i]);
	if (rc < 0)
		return -1;
	if (list.ignored) {
		char max[16];
		struct template_var v[] = { { "max", max } };

		snprintf(max, sizeof(max), "%d", COMMAND_MAX);
		request_ctx_say(r, NULL, "res_ignored", v, 1);
	}
	/* Changes that wait for the member: one confirmation request shows
	 * them all (and the answers to the other commands); no other reply. */
	if (r->pending.len > 0)
		return request_confirm_changes(r, &r->member, r->pending.data,
		    r->changes.data, r->results.data);
	/* A mail to cop+subscribe@ is answered by the confirmation request
	 * alone. */
	if (r->confirmations && list.n == 1 && strcmp(what, "request") != 0)
		return 0;
	return command_reply(r);
}

/* ---- mail to the owner ----------------------------------------------------- */

/* Forwarding one mail to every facilitator */
struct owner_fwd {
	struct request_ctx *r;
	int failed;
};

/* forward_to - the mail, attached, to one facilitator */
static int
forward_to(void *arg, int64_t id, const char *email, const char *name,
    const char *lang)
{
	struct owner_fwd *f = arg;
	struct request_ctx *r = f->r;
	char *owner = listaddr_tagged(r->c, LISTADDR_OWNER, NULL);
	const char *from = r->m->from.address ? r->m->from.address : "(unknown sender)";
	struct template_var vars[] = {
		{ "list", r->c->list.name }, { "owner_address", owner },
		{ "from", from }, { "subject", r->m->subject },
	};
	struct notice n;

	memset(&n, 0, sizeof(n));
	n.kind = "owner-forward";
	n.template = "owner-forward";
	n.lang = *lang ? lang : NULL;
	n.vars = vars;
	n.nvars = 4;
	n.to = email;
	n.to_name = *name ? name : NULL;
	n.member = id;
	n.from = LISTADDR_OWNER;
	n.reply_to = r->m->from.address;
	n.attach = r->m->raw;
	n.attach_len = r->m->raw_len;
	if (notice_send(r->s, r->c, &n) < 0)
		f->failed = 1;
	free(owner);
	return f->failed ? -1 : 0;
}

/* held_to - one facilitator: the notice that owner mail from r's sender
 * is held from now on today */
static int
held_to(void *arg, int64_t id, const char *email, const char *name,
    const char *lang)
{
	struct owner_fwd *f = arg;
	struct request_ctx *r = f->r;
	char *owner = listaddr_tagged(r->c, LISTADDR_OWNER, NULL), max[16];
	struct template_var vars[] = {
		{ "list", r->c->list.name }, { "owner_address", owner },
		{ "from", r->sender }, { "subject", r->m->subject }, { "max", max },
	};
	struct notice n;

	snprintf(max, sizeof(max), "%d", REQUEST_OWNER_PER_DAY);
	memset(&n, 0, sizeof(n));
	n.kind = "owner-held";
	n.template = "owner-held";
	n.lang = *lang ? lang : NULL;
	n.vars = vars;
	n.nvars = 5;
	n.to = email;
	n.to_name = *name ? name : NULL;
	n.member = id;
	n.from = LISTADDR_OWNER;
	if (notice_send(r->s, r->c, &n) < 0)
		f->failed = 1;
	free(owner);
	return f->failed ? -1 : 0;
}

/* handle_owner - mail to cop+owner@: forwarded to every facilitator, up
 * to REQUEST_OWNER_PER_DAY a day from one sender; the rest is kept (the
 * message row) but not forwarded, and the facilitators are told once a
 * day per sender */
static int
handle_owner(struct request_ctx *r)
{
	struct owner_fwd f = { r, 0 };
	long today = store_request_count(r->s, r->sender, "owner", r->now - 86400);
	int once;

	if (today < 0)
		return -1;
	if (today <= REQUEST_OWNER_PER_DAY)
		return store_job_recipients(r->s, "facilitators", forward_to, &f) < 0 ||
		    f.failed ? -1 : 0;
	log_warnx("mail to the owners from %s: %ld within a day, kept and not forwarded",
	    r->sender, today);
	if ((once = notice_once(r->s, r->sender, "owner-held", r->now)) <= 0)
		return once;
	return store_job_recipients(r->s, "facilitators", held_to, &f) < 0 ||
	    f.failed ? -1 : 0;
}

/* request_handle - see request.h */
int
request_handle(struct store *s, const struct conf *c, const struct message *m,
    const struct route_result *rr, int64_t message_row, const char **state)
{
	struct request_ctx r;
	int rc = 0;
	long recent;

	*state = "stored";
	if (m->from.address == NULL || addr_equal(m->from.address, c->list.address)) {
		*state = "ignored";
		return 0;
	}
	if (request_ctx_init(&r, s, c, m, rr, message_row) < 0)
		return -1;
	r.apply_changes = apply_changes;
	if (rr->route == ROUTE_COMMAND) {
		/* The count includes this message: its row is already added. */
		recent = store_request_count(s, r.sender, "command", r.now - 3600);
		if (recent < 0) {
			rc = -1;
			goto done;
		}
		if (recent > REQUEST_MAX_PER_HOUR) {
			log_warnx("%s sent %ld command mails within an hour: dropped, "
			    "not answered", r.sender, recent);
			*state = "ignored";
			goto done;
		}
	}
	switch (rr->route) {
	case ROUTE_COMMAND: rc = handle_commands(&r); break;
	case ROUTE_CONFIRM: rc = request_confirm_handle(&r); break;
	case ROUTE_UNSUBSCRIBE: rc = request_confirm_one_click(&r); break;
	case ROUTE_SUMMARY: rc = request_summary_handle(&r); break;
	case ROUTE_OWNER: rc = handle_owner(&r); break;
	default:
		*state = "ignored";
		break;
	}
done:
	request_ctx_release(&r);
	return rc;
}

