/* request - commands, confirmations, one-click unsubscription, mail to the
 * owner, and facilitators' session summaries
 *
 * Every answer is a notice (notice.h) to the From address in the member's
 * language, queued in the ingest transaction.  A command mail gets exactly
 * one reply listing each command and what was done.  Confirmations are
 * asked for subscribe and unsubscribe only: the other commands change how
 * an existing member reads, and only for the address that sent them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "clock.h"
#include "command.h"
#include "fanout.h"
#include "listaddr.h"
#include "log.h"
#include "mime_out.h"
#include "notice.h"
#include "request.h"
#include "store_held.h"
#include "store_jobs.h"
#include "store_member.h"
#include "store_post.h"
#include "store_token.h"
#include "template.h"
#include "xalloc.h"

#define REQUEST_TEXT_MAX (1u << 20)

struct req {
	struct store *s;
	const struct conf *c;
	const struct message *m;
	const struct route_result *rr;
	int64_t message_row;
	const char *sender;      /* normalised From address */
	struct member member;    /* valid when is_member */
	int is_member;
	const char *lang;        /* member's language or the list's */
	time_t now;
	struct buf results;      /* what the reply lists */
	int want_help;
	int confirmations;       /* confirmation requests sent */
	int noreply;             /* the sender is a robot: act, never answer */
};

static const char *
member_lang(const struct req *r)
{
	return r->is_member && r->member.language && *r->member.language ?
	    r->member.language : r->c->list.language;
}

/* say - append the strings.txt text of key, expanded, to results */
static void
say(struct req *r, const char *cmdline, const char *key,
    const struct template_var *vars, size_t nvars)
{
	char text[2048];

	if (template_string("strings", key, r->lang, r->c->list.language, text,
	    sizeof(text)) < 0)
		snprintf(text, sizeof(text), "%s", key);
	if (cmdline)
		buf_printf(&r->results, "> %s\n", cmdline);
	template_expand(&r->results, text, strlen(text), vars, nvars);
	buf_puts(&r->results, "\n\n");
}

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
help_text(const struct conf *c, const char *lang)
{
	char *post = xstrdup(c->list.address),
	    *req = listaddr_tagged(c, LISTADDR_REQUEST, NULL),
	    *sub = listaddr_tagged(c, LISTADDR_SUBSCRIBE, NULL),
	    *unsub = listaddr_tagged(c, LISTADDR_UNSUBSCRIBE, NULL),
	    *owner = listaddr_tagged(c, LISTADDR_OWNER, NULL),
	    *slugs = theme_slugs(c), *example;
	char every[24];
	struct buf b;
	const char *body;
	char *out;

	example = listaddr_tagged(c, LISTADDR_THEME,
	    c->nthemes ? c->themes[0].slug : CONF_GENERAL_THEME);
	snprintf(every, sizeof(every), "%ld", c->digest.every_days);
	{
		struct template_var vars[] = {
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
	free(example);
	return out;
}

/* send_notice - one notice to the sender (or to), replying to m */
static int
send_notice(struct req *r, const char *kind, const char *template, const char *to,
    const char *lang, const struct template_var *vars, size_t nvars,
    const char *reply_to)
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

static const char *
delivery_words(struct req *r, const char *delivery, char *out, size_t outlen)
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

/* ---- subscribe / unsubscribe (confirmed) ---------------------------------- */

static int
ask_confirmation(struct req *r, const char *kind, const char *template,
    int64_t member, const char *data)
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

		if (send_notice(r, kind, template, r->sender, r->lang, vars, 4, confirm) < 0) {
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

static int
cmd_subscribe(struct req *r, const struct command *cmd)
{
	const char *mode = *cmd->arg ? cmd->arg : "each";

	if (r->is_member && strcmp(r->member.status, "active") == 0) {
		char words[512];
		struct template_var v[] = { { "delivery", NULL } };

		if (*cmd->arg && strcmp(r->member.delivery, mode) != 0) {
			if (store_member_set_delivery(r->s, r->member.id, mode) < 0)
				return -1;
			free(r->member.delivery);
			r->member.delivery = xstrdup(mode);
		}
		v[0].value = delivery_words(r, r->member.delivery, words, sizeof(words));
		say(r, cmd->line, "res_already_member", v, 1);
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
		p.language = NULL;
		if (store_member_put(r->s, &p, &id) < 0)
			return -1;
	}
	if (ask_confirmation(r, "confirm-subscribe", "confirm-subscribe",
	    r->is_member ? r->member.id : 0, mode) < 0)
		return -1;
	{
		struct template_var v[] = { { "address", r->sender } };

		say(r, cmd->line, "res_subscribe_pending", v, 1);
	}
	return 0;
}

static int
cmd_unsubscribe(struct req *r, const struct command *cmd)
{
	struct template_var v[] = { { "address", r->sender } };

	if (!r->is_member || strcmp(r->member.status, "unsubscribed") == 0 ||
	    strcmp(r->member.status, "pending") == 0) {
		say(r, cmd->line, "res_not_member", v, 1);
		return 0;
	}
	if (ask_confirmation(r, "confirm-unsubscribe", "confirm-unsubscribe",
	    r->member.id, "") < 0)
		return -1;
	say(r, cmd->line, "res_unsubscribe_pending", v, 1);
	return 0;
}

/* ---- the commands that change how a member reads ----------------------- */

static int
need_member(struct req *r, const struct command *cmd)
{
	struct template_var v[] = { { "address", r->sender } };

	if (r->is_member && (strcmp(r->member.status, "active") == 0 ||
	    strcmp(r->member.status, "bouncing") == 0))
		return 1;
	say(r, cmd->line, "res_not_member", v, 1);
	return 0;
}

static int
cmd_delivery(struct req *r, const struct command *cmd, const char *delivery,
    const char *key)
{
	char every[24];
	struct template_var v[] = { { "every", every } };

	if (!need_member(r, cmd))
		return 0;
	if (store_member_set_delivery(r->s, r->member.id, delivery) < 0)
		return -1;
	/* Choosing a delivery mode is also how a bouncing member comes back. */
	if (strcmp(r->member.status, "bouncing") == 0 &&
	    store_member_set_status(r->s, r->member.id, "active") < 0)
		return -1;
	snprintf(every, sizeof(every), "%ld", r->c->digest.every_days);
	say(r, cmd->line, key, v, 1);
	return 0;
}

static int
cmd_themes(struct req *r, const struct command *cmd)
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

				say(r, cmd->line, "res_unknown_theme", v, 2);
				free(all);
				return 0;
			}
			slugs[n++] = tok;
		}
		p.themes = slugs;
		p.nthemes = n;
	}
	if (store_member_put(r->s, &p, NULL) < 0)
		return -1;
	if (p.all_themes) {
		say(r, cmd->line, "res_themes_all", NULL, 0);
	} else {
		struct template_var v[] = { { "themes", cmd->arg } };

		say(r, cmd->line, "res_themes", v, 1);
	}
	return 0;
}

/* lang_available - do we ship (or does the site have) texts in lang? */
static int
lang_available(const char *lang)
{
	char *path = template_find("strings", lang, lang);
	char want[32];
	int ok;

	snprintf(want, sizeof(want), "/%s/strings.txt", lang);
	ok = path && strlen(path) >= strlen(want) &&
	    strcmp(path + strlen(path) - strlen(want), want) == 0;
	free(path);
	return ok;
}

static int
cmd_language(struct req *r, const struct command *cmd)
{
	struct member_put p;

	if (!need_member(r, cmd))
		return 0;
	if (!lang_available(cmd->arg)) {
		struct template_var v[] = { { "language", cmd->arg }, { "languages", "en, fr, es" } };

		say(r, cmd->line, "res_unknown_language", v, 2);
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
	r->lang = member_lang(r);
	{
		struct template_var v[] = { { "language", cmd->arg } };

		say(r, cmd->line, "res_language", v, 1);
	}
	return 0;
}

struct search_out {
	struct req *r;
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

static int
search_hit(void *arg, const struct store_post_row *p)
{
	struct search_out *so = arg;
	struct req *r = so->r;
	struct listaddr la;
	char date[16], id[24];

	clock_format_date(p->received, date, sizeof(date));
	snprintf(id, sizeof(id), "%lld", (long long)p->id);
	buf_printf(&r->results, "  %d. %s\n     %s, %s, %s\n", ++so->n,
	    p->subject ? p->subject : "", p->author_name ? p->author_name : "former member",
	    date, p->theme);
	excerpt(&r->results, p->snippet && *p->snippet ? p->snippet : p->new_text);
	buf_puts(&r->results, "     reply: ");
	if (listaddr_from_conf(&la, r->c) == 0)
		listaddr_put(&r->results, &la, LISTADDR_REPLY, id);
	buf_puts(&r->results, "\n\n");
	return 0;
}

static int
cmd_search_mail(struct req *r, const struct command *cmd)
{
	char copy[COMMAND_ARG_MAX + 1], *words[32], *tok, *save = NULL;
	size_t n = 0;
	struct search_out so = { r, 0 };
	struct template_var v[] = { { "words", cmd->arg } };
	size_t mark;
	int hits;

	snprintf(copy, sizeof(copy), "%s", cmd->arg);
	for (tok = strtok_r(copy, " ", &save); tok && n < 32; tok = strtok_r(NULL, " ", &save))
		words[n++] = tok;
	mark = r->results.len;
	say(r, cmd->line, "res_search", v, 1);
	hits = store_post_search(r->s, words, n, 10, search_hit, &so);
	if (hits < 0)
		return -1;
	if (hits == 0) {
		/* The heading goes; "nothing matches" takes its place. */
		buf_truncate(&r->results, mark);
		say(r, cmd->line, "res_search_none", v, 1);
	}
	return 0;
}

/* ---- a command mail ------------------------------------------------------- */

static int
handle_commands(struct req *r)
{
	struct command_list list;
	const char *what = r->rr->arg ? r->rr->arg : "request";
	char *help = NULL;
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
		say(r, list.first_unknown[0] ? list.first_unknown : NULL,
		    "res_not_understood", NULL, 0);
		r->want_help = 1;
	}
	for (size_t i = 0; i < list.n && rc == 0; i++) {
		const struct command *cmd = &list.cmd[i];

		switch (cmd->verb) {
		case CMD_SUBSCRIBE: rc = cmd_subscribe(r, cmd); break;
		case CMD_UNSUBSCRIBE: rc = cmd_unsubscribe(r, cmd); break;
		case CMD_DIGEST: rc = cmd_delivery(r, cmd, "digest", "res_digest"); break;
		case CMD_EACH: rc = cmd_delivery(r, cmd, "each", "res_each"); break;
		case CMD_NOMAIL: rc = cmd_delivery(r, cmd, "none", "res_nomail"); break;
		case CMD_THEMES: rc = cmd_themes(r, cmd); break;
		case CMD_LANGUAGE: rc = cmd_language(r, cmd); break;
		case CMD_SEARCH: rc = cmd_search_mail(r, cmd); break;
		case CMD_HELP:
			say(r, cmd->line, "res_help", NULL, 0);
			r->want_help = 1;
			break;
		}
	}
	if (rc < 0)
		return -1;
	if (list.ignored) {
		char max[16];
		struct template_var v[] = { { "max", max } };

		snprintf(max, sizeof(max), "%d", COMMAND_MAX);
		say(r, NULL, "res_ignored", v, 1);
	}
	/* A mail to cop+subscribe@ or cop+unsubscribe@ is answered by the
	 * confirmation request alone. */
	if (r->confirmations && list.n == 1 && strcmp(what, "request") != 0)
		return 0;
	if (r->want_help)
		help = help_text(r->c, r->lang);
	{
		struct template_var vars[] = {
			{ "list", r->c->list.name }, { "results", r->results.data },
			{ "help", help ? help : "" },
		};

		rc = send_notice(r, "command-reply", "command-reply", r->sender, r->lang,
		    vars, 3, NULL);
	}
	free(help);
	return rc;
}

/* ---- welcome, confirmation, one-click ----------------------------------- */

/* welcome - the welcome mail for a member who just joined */
static int
welcome(struct req *r, const struct member *mem)
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

		buf_printf(&themes, "  - %s\n    %s\n", t->title, addr ? addr : "");
		free(addr);
		for (size_t k = 0; k < t->nsessions; k++) {
			buf_puts(&sessions, "  - ");
			template_date_range(&sessions, t->sessions[k].opens,
			    t->sessions[k].closes, lang, r->c->list.language);
			buf_printf(&sessions, ": %s\n", t->title);
		}
	}
	snprintf(every, sizeof(every), "%ld", r->c->digest.every_days);
	{
		const char *saved = r->lang;

		r->lang = lang;
		delivery_words(r, mem->delivery, words, sizeof(words));
		r->lang = saved;
	}
	{
		struct template_var vars[] = {
			{ "list", r->c->list.name }, { "name", mem->name ? mem->name : "" },
			{ "themes", themes.data }, { "sessions", sessions.data },
			{ "post_address", post }, { "request_address", req },
			{ "unsubscribe_address", unsub }, { "every", every },
			{ "delivery", words },
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

static int
send_welcome(struct req *r, const struct member *mem)
{
	return r->noreply ? 0 : welcome(r, mem);
}

static int
send_goodbye(struct req *r, const char *template, const struct member *mem)
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

static int summary_publish(struct req *r, int64_t message_row, int64_t session);

static int
handle_confirm(struct req *r)
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
		say(r, NULL, t.used ? "res_already_done" : "res_expired", NULL, 0);
		{
			struct template_var vars[] = {
				{ "list", r->c->list.name }, { "results", r->results.data },
				{ "help", "" },
			};

			return send_notice(r, "command-reply", "command-reply", r->sender,
			    r->lang, vars, 3, NULL);
		}
	}
	if (strcmp(t.kind, "confirm-summary") == 0)
		return summary_publish(r, t.ref, atoll(t.data));
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

static int
handle_one_click(struct req *r)
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
	if (strcmp(mem.status, "unsubscribed") != 0) {
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

struct owner_fwd {
	struct req *r;
	int failed;
};

static int
forward_to(void *arg, int64_t id, const char *email, const char *name,
    const char *lang)
{
	struct owner_fwd *f = arg;
	struct req *r = f->r;
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

/* ---- summaries ------------------------------------------------------------ */

/* auth_field_ok - one Authentication-Results value:
 * "authserv-id [version]; method=result prop=value ...; ..." */
static int
auth_field_ok(const char *v, const char *authserv, const char *domain)
{
	size_t n = strlen(authserv);
	const char *p;

	while (*v == ' ' || *v == '\t')
		v++;
	if (strncasecmp(v, authserv, n) != 0 || (v[n] != ';' && v[n] != ' ' && v[n] != '\t'))
		return 0;
	for (p = strchr(v, ';'); p; p = strchr(p + 1, ';')) {
		const char *q = p + 1, *end = strchr(q, ';');
		char clause[512], *d;
		size_t len;

		while (*q == ' ' || *q == '\t')
			q++;
		len = end ? (size_t)(end - q) : strlen(q);
		if (len >= sizeof(clause))
			len = sizeof(clause) - 1;
		memcpy(clause, q, len);
		clause[len] = '\0';
		for (char *c = clause; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		if (strncmp(clause, "dkim=pass", 9) == 0 && (d = strstr(clause, "header.d=")) != NULL)
			d += 9;
		else if (strncmp(clause, "spf=pass", 8) == 0 &&
		    (d = strstr(clause, "smtp.mailfrom=")) != NULL) {
			d += 14;
			if (strchr(d, '@') && strchr(d, '@') < d + strcspn(d, " \t"))
				d = strchr(d, '@') + 1;
		} else
			continue;
		len = strcspn(d, " \t;()");
		if (len == strlen(domain) && strncasecmp(d, domain, len) == 0)
			return 1;
		/* Relaxed alignment: the From domain is a subdomain of d. */
		if (strlen(domain) > len && domain[strlen(domain) - len - 1] == '.' &&
		    strncasecmp(domain + strlen(domain) - len, d, len) == 0 && memchr(d, '.', len))
			return 1;
	}
	return 0;
}

int
request_auth_ok(const struct conf *c, const struct message *m)
{
	const char *domain, *v;
	size_t i = 0;

	if (c->list.trusted_authserv_id == NULL || m->from.address == NULL ||
	    (domain = addr_domain(m->from.address)) == NULL)
		return 0;
	while ((v = message_header_next(m, "Authentication-Results", &i)) != NULL)
		if (auth_field_ok(v, c->list.trusted_authserv_id, domain))
			return 1;
	return 0;
}

struct summary_mail {
	const struct conf *c;
	const struct job_session *js;
	const char *text, *facilitator;
	int replaced;
	const char *message_id;   /* the summary post's Message-ID */
};

static int
build_summary(void *arg, const char *lang, struct buf *out)
{
	struct summary_mail *sm = arg;
	const struct conf *c = sm->c;
	struct buf body, range, subject;
	char date[64], boundary[64];
	int rc;

	buf_init(&body, REQUEST_TEXT_MAX);
	buf_init(&range, 256);
	buf_init(&subject, 4096);
	/* The subject is the SPEC's, in every language:
	 * "[CoP] Summary: TITLE (17 Nov – 1 Dec 2020)". */
	template_date_range(&range, sm->js->opens, sm->js->closes, "en", "en");
	if (*c->list.subject_prefix)
		buf_printf(&subject, "%s ", c->list.subject_prefix);
	buf_printf(&subject, "Summary: %s (%s)", sm->js->title, range.data);
	buf_reset(&range);
	template_date_range(&range, sm->js->opens, sm->js->closes, lang, c->list.language);
	{
		struct template_var vars[] = {
			{ "title", sm->js->title }, { "range", range.data },
			{ "facilitator", sm->facilitator }, { "text", sm->text },
			{ "replaced", sm->replaced ? "yes" : "" },
			{ "archive", c->archive.url ? c->archive.url : "" },
		};

		rc = template_render(&body, "summary", lang, c->list.language, vars, 6);
	}
	if (rc == 0) {
		char *id = xasprintf("%s.%s", c->list.local, c->list.domain);
		char *from_name = xasprintf("%s via %s", sm->facilitator, c->list.name);

		mime_boundary(boundary, sizeof(boundary));
		mime_header_addr(out, "From", from_name, c->list.address);
		mime_header_addr(out, "To", c->list.name, c->list.address);
		mime_header_text(out, "Subject", subject.data);
		buf_printf(out, "Date: %s\r\n", clock_format_rfc5322(clock_now(), date, sizeof(date)));
		/* The facilitator's own Message-ID, as for any relayed post, so
		 * that members' replies thread under the summary. */
		if (sm->message_id && *sm->message_id && strlen(sm->message_id) < 900 &&
		    !strpbrk(sm->message_id, "\r\n<> \t"))
			buf_printf(out, "Message-ID: <%s>\r\n", sm->message_id);
		else
			buf_printf(out, "Message-ID: <summary-%lld-%s-%s@%s>\r\n",
			    (long long)sm->js->id, lang, boundary + 9, c->list.domain);
		buf_printf(out, "X-Baraza-Summary: %lld\r\nX-Baraza-Theme: %s\r\n",
		    (long long)sm->js->id, sm->js->theme);
		mime_header_addr(out, "List-Id", c->list.name, id);
		buf_printf(out, "List-Post: <mailto:%s>\r\n", c->list.address);
		buf_printf(out, "Reply-To: <%s>\r\nPrecedence: list\r\nX-Loop: %s\r\n",
		    c->list.address, c->list.address);
		buf_printf(out, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		mime_qp_encode(out, body.data, body.len);
		free(id);
		free(from_name);
		rc = out->len >= out->max ? -1 : 0;
	}
	buf_release(&body);
	buf_release(&range);
	buf_release(&subject);
	return rc;
}

/* summary_container - the summary's JWZ container, so that a reply to the
 * summary by Message-ID threads under it */
static int
summary_container(struct store *s, const char *mid, int64_t post, int64_t thread)
{
	struct store_container have;
	int found = store_container_get(s, mid, &have);

	if (found < 0)
		return -1;
	if (found == 0)
		return store_container_add(s, mid, post, NULL, thread);
	store_container_release(&have);
	return store_container_set_post(s, mid, post) < 0 ||
	    store_container_set_thread(s, mid, thread) < 0 ? -1 : 0;
}

/* summary_publish - message_row (already stored) becomes session's summary */
static int
summary_publish(struct req *r, int64_t message_row, int64_t session)
{
	struct job_session js;
	struct message *m = NULL;
	char *raw = NULL, mid[80];
	size_t len;
	int64_t thread, post, previous, author = 0;
	struct store_post p;
	long sent;
	int rc = -1;

	if (store_job_session(r->s, session, &js) <= 0)
		return 0;
	if (store_held_message_raw(r->s, message_row, &raw, &len) <= 0 ||
	    (m = message_parse(raw, len, NULL)) == NULL)
		goto done;
	store_member_by_email(r->s, m->from.address ? m->from.address : "", &author);
	if (store_thread_add(r->s, js.theme, js.id, m->subject, NULL, r->now, &thread) < 0)
		goto done;
	memset(&p, 0, sizeof(p));
	p.message = message_row;
	p.message_id = m->message_id ? m->message_id :
	    message_hash_id(raw, len, mid, sizeof(mid));
	p.thread = thread;
	p.theme = js.theme;
	p.session = js.id;
	p.kind = "summary";
	p.state = "accepted";
	p.author = author;
	p.author_name = m->from.name ? m->from.name : "facilitator";
	p.author_email = m->from.address;
	p.subject = m->subject;
	p.date = m->date;
	p.received = r->now;
	p.text = m->text ? m->text : "";
	p.new_text = m->new_text ? m->new_text : "";
	if (store_post_add(r->s, &p, &post) < 0 || summary_container(r->s, p.message_id,
	    post, thread) < 0 ||
	    store_thread_count_post(r->s, thread, r->now) < 0 ||
	    store_thread_set_root(r->s, thread, post, m->subject, NULL) < 0 ||
	    store_session_set_summary(r->s, js.id, post, &previous) < 0 ||
	    store_session_set_state(r->s, js.id, "closed", r->now) < 0)
		goto done;
	{
		struct summary_mail sm = { r->c, &js, p.new_text, p.author_name,
		    previous != 0, p.message_id };

		if ((sent = fanout_send(r->s, r->c, "active", "summary", build_summary, &sm)) < 0)
			goto done;
	}
	log_info("<%s>: summary of session %lld (%s)%s: closed, queued for %ld members",
	    p.message_id, (long long)js.id, js.theme, previous ? ", replacing the first" : "",
	    sent);
	rc = 0;
done:
	message_free(&m);
	free(raw);
	return rc;
}

static int
refuse_summary(struct req *r, const char *reason)
{
	char *summary = listaddr_tagged(r->c, LISTADDR_SUMMARY, NULL),
	    *post = xstrdup(r->c->list.address);
	struct template_var vars[] = {
		{ "list", r->c->list.name }, { "summary_address", summary },
		{ "address", r->sender }, { "post_address", post }, { "reason", reason },
	};
	int once = notice_once(r->s, r->sender, "summary-refused", r->now), rc = 0;

	log_info("summary from %s refused: %s", r->sender, reason ? reason : "not a facilitator");
	if (once > 0)
		rc = send_notice(r, "summary-refused", "summary-refused", r->sender, r->lang,
		    vars, 5, NULL);
	else if (once < 0)
		rc = -1;
	free(summary);
	free(post);
	return rc;
}

static int
handle_summary(struct req *r)
{
	const char *theme = r->rr->arg;
	int64_t session;
	int found;

	if (!r->is_member || strcmp(r->member.role, "facilitator") != 0 ||
	    strcmp(r->member.status, "active") != 0)
		return refuse_summary(r, NULL);
	if (theme && *theme == '\0')
		theme = NULL;
	if ((found = store_summary_session(r->s, theme, r->now, &session)) < 0)
		return -1;
	if (found == 0)
		return refuse_summary(r, "there is no session to summarise");
	if (request_auth_ok(r->c, r->m))
		return summary_publish(r, r->message_row, session);
	/* Not vouched for by the receiving server: ask the facilitator's own
	 * mailbox to confirm before anything goes to the members. */
	{
		char token[TOKEN_HEX + 1], data[32], *confirm;
		struct job_session js;
		int rc;

		if (store_job_session(r->s, session, &js) <= 0)
			return -1;
		snprintf(data, sizeof(data), "%lld", (long long)session);
		if (store_token_new(r->s, "confirm-summary", r->member.email, r->member.id,
		    r->message_row, data, r->now, REQUEST_CONFIRM_TTL, token) < 0)
			return -1;
		confirm = listaddr_tagged(r->c, LISTADDR_CONFIRM, token);
		{
			struct template_var vars[] = {
				{ "name", r->member.name ? r->member.name : "" },
				{ "title", js.title }, { "confirm_address", confirm },
			};

			rc = send_notice(r, "summary-confirm", "summary-confirm",
			    r->member.email, r->lang, vars, 3, confirm);
		}
		free(confirm);
		log_info("summary from %s for session %lld awaits confirmation", r->sender,
		    (long long)session);
		return rc;
	}
}

int
request_handle(struct store *s, const struct conf *c, const struct message *m,
    const struct route_result *rr, int64_t message_row, const char **state)
{
	struct req r;
	int found, rc = 0;
	long recent;

	*state = "stored";
	if (m->from.address == NULL || addr_equal(m->from.address, c->list.address)) {
		*state = "ignored";
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.c = c;
	r.m = m;
	r.rr = rr;
	r.message_row = message_row;
	r.sender = m->from.address;
	r.now = clock_now();
	r.noreply = rr->noreply;
	if (rr->route == ROUTE_COMMAND) {
		/* The count includes this message: its row is already added. */
		recent = store_request_count(s, r.sender, "command", r.now - 3600);
		if (recent < 0)
			return -1;
		if (recent > REQUEST_MAX_PER_HOUR) {
			log_warnx("%s sent %ld command mails within an hour: dropped, not answered",
			    r.sender, recent);
			*state = "ignored";
			return 0;
		}
	}
	if ((found = store_member_get(s, r.sender, &r.member)) < 0)
		return -1;
	r.is_member = found;
	r.lang = member_lang(&r);
	buf_init(&r.results, REQUEST_TEXT_MAX);
	switch (rr->route) {
	case ROUTE_COMMAND: rc = handle_commands(&r); break;
	case ROUTE_CONFIRM: rc = handle_confirm(&r); break;
	case ROUTE_UNSUBSCRIBE: rc = handle_one_click(&r); break;
	case ROUTE_SUMMARY: rc = handle_summary(&r); break;
	case ROUTE_OWNER: {
		struct owner_fwd f = { &r, 0 };

		rc = store_job_recipients(s, "facilitators", forward_to, &f) < 0 || f.failed ?
		    -1 : 0;
		break;
	}
	default:
		*state = "ignored";
		break;
	}
	buf_release(&r.results);
	if (r.is_member)
		member_release(&r.member);
	return rc;
}
