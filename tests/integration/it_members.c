/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_members - members by email, end to end against the real Dovecot and
 * the real SMTP capture server (issue 5): subscribe -> confirm -> welcome
 * -> digest mode -> themes -> search -> one-click unsubscribe ->
 * acknowledged once; French answers; refusals at most once a day; a flood
 * of commands rate-limited. */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

/* deliver - append one mail to the list's INBOX and run one daemon cycle */
static void
deliver(struct h_env *env, const struct h_mail *m)
{
	struct h_out out;

	h_post(env, m);
	h_barazad_once(env, &out);
	cr_assert_eq(out.status, 0, "barazad --once: exit %d\n%s", out.status, out.err);
	h_out_free(&out);
}

/* token_address - the cop+KIND-TOKEN@example.org address inside text */
static char *
token_address(const char *text, const char *kind)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "cop+%s-", kind);
	if ((p = strstr(text, pat)) == NULL)
		return NULL;
	for (q = p; *q && *q != '>' && *q != ' ' && *q != '\r' && *q != '\n'; q++)
		;
	return strndup(p, (size_t)(q - p));
}

static char *
member_json(struct h_env *env)
{
	struct h_out out;
	char *json;

	h_baraza(env, &out, "member list --json");
	cr_assert_eq(out.status, 0, "member list: %s", out.err);
	json = strdup(out.out);
	h_out_free(&out);
	return json;
}

static void
setup_list(struct h_env *env, const char *name, const char *extra)
{
	struct h_out out;

	h_env_init(env, name);
	h_smtp_start(env);
	h_write_config(env, extra);
	/* Before the first session opens, so no announcement mixes in. */
	env->now = "2020-11-10T10:00:00Z";
	h_baraza(env, &out, "init");
	cr_assert_eq(out.status, 0, "init: %s", out.err);
	h_out_free(&out);
	h_baraza(env, &out, "member add amina@example.org --name 'Amina Yusuf'"
	    " --role facilitator --delivery each");
	cr_assert_eq(out.status, 0, "member add: %s", out.err);
	h_out_free(&out);
}

Test(members, subscribe_confirm_digest_themes_search_one_click)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *mail, *confirm, *json, *unsub;
	int before;

	setup_list(&env, "members_walk", NULL);

	/* 1. subscribe by mail: a confirmation request, nothing else. */
	m.from = "Nadia Haddad <nadia@example.net>";
	m.to = "cop+subscribe@example.org";
	m.subject = "subscribe";
	m.body = "Please add me.\n";
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count_rcpt(&env, "nadia@example.net"), 1,
	    "a mail to cop+subscribe@ gets the confirmation request alone");
	mail = h_smtp_find(&env, "nadia@example.net", "");
	cr_assert_not_null(mail, "no confirmation request reached nadia");
	cr_expect(strstr(mail, "Please confirm") != NULL, "%s", mail);
	confirm = token_address(mail, "confirm");
	cr_assert_not_null(confirm, "no confirm address in:\n%s", mail);
	free(mail);
	json = member_json(&env);
	cr_expect(strstr(json, "\"nadia@example.net\"") && strstr(json, "\"pending\""),
	    "nadia must be pending: %s", json);
	free(json);

	/* 2. the reply to the confirmation makes her active, welcome sent. */
	memset(&m, 0, sizeof(m));
	m.from = "Nadia Haddad <nadia@example.net>";
	m.to = confirm;
	m.subject = "Re: Please confirm: join Test CoP";
	m.body = "yes\n\n> Someone, probably you, asked\n";
	before = h_smtp_count(&env);
	deliver(&env, &m);
	cr_assert_gt(h_smtp_count(&env), before, "no welcome sent");
	mail = h_smtp_find(&env, "nadia@example.net", "");
	cr_expect(strstr(mail, "Welcome") != NULL, "want a welcome, got:\n%s", mail);
	cr_expect(strstr(mail, "cop+funding@example.org") != NULL, "welcome names theme addresses");
	free(mail);
	json = member_json(&env);
	cr_expect(strstr(json, "\"active\"") != NULL, "%s", json);
	free(json);

	/* 3. confirming twice is harmless: "already done", still active. */
	deliver(&env, &m);
	mail = h_smtp_find(&env, "nadia@example.net", "");
	cr_expect(strstr(mail, "already done") != NULL, "second confirmation:\n%s", mail);
	free(mail);
	free(confirm);

	/* A post from Amina to search for later. */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Pooled funds managed by partners";
	m.body = "Has anyone tried pooled funds that partners manage themselves?\n";
	deliver(&env, &m);
	/* A non-member's post on the same words is held: a member's search
	 * must not show what the facilitators have not let through. */
	memset(&m, 0, sizeof(m));
	m.from = "Stranger <stranger@elsewhere.example>";
	m.to = "cop+funding@example.org";
	m.subject = "Pooled funds offer, unmoderated";
	m.body = "Pooled funds for anyone: reply with your bank details.\n";
	deliver(&env, &m);

	/* 4. digest mode, themes and search in one command mail.  From
	 * proves nothing (no trusted Authentication-Results here): the
	 * changes wait for nadia's confirmation, shown in one request with
	 * the search answer; nothing changes before she confirms. */
	memset(&m, 0, sizeof(m));
	m.from = "Nadia Haddad <nadia@example.net>";
	m.to = "cop+request@example.org";
	m.subject = "settings";
	m.body = "digest\nthemes funding risk\nsearch pooled funds\n-- \nNadia\n";
	before = h_smtp_count(&env);
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count(&env), before + 1, "one mail: the confirmation request");
	mail = h_smtp_find(&env, "nadia@example.net", "");
	cr_assert_not_null(mail);
	cr_expect(strstr(mail, "Please confirm") != NULL, "want a confirmation:\n%s", mail);
	cr_expect(strstr(mail, "> digest") != NULL, "it lists each change:\n%s", mail);
	cr_expect(strstr(mail, "digest every 14 days") != NULL, "%s", mail);
	cr_expect(strstr(mail, "You follow only: funding risk") != NULL, "%s", mail);
	cr_expect(strstr(mail, "Pooled funds managed by partners") != NULL, "search hit:\n%s", mail);
	cr_expect(strstr(mail, "cop+reply-") != NULL, "search hit has a reply address");
	cr_expect(strstr(mail, "unmoderated") == NULL, "a held post was found by search:\n%s", mail);
	confirm = token_address(mail, "confirm");
	cr_assert_not_null(confirm, "no confirm address in:\n%s", mail);
	free(mail);
	json = member_json(&env);
	cr_expect(strstr(json, "\"digest\"") == NULL, "changed before confirmation: %s", json);
	free(json);
	memset(&m, 0, sizeof(m));
	m.from = "Nadia Haddad <nadia@example.net>";
	m.to = confirm;
	m.subject = "Re: Please confirm";
	deliver(&env, &m);
	free(confirm);
	mail = h_smtp_find(&env, "nadia@example.net", "");
	cr_assert_not_null(mail);
	cr_expect(strstr(mail, "digest every 14 days") != NULL, "%s", mail);
	cr_expect(strstr(mail, "you now follow: funding risk") != NULL, "%s", mail);
	free(mail);
	json = member_json(&env);
	cr_expect(strstr(json, "\"digest\"") != NULL, "%s", json);
	cr_expect(strstr(json, "\"funding\",\"risk\"") != NULL ||
	    strstr(json, "\"funding\", \"risk\"") != NULL, "themes: %s", json);
	free(json);

	/* 5. back to each post (confirmed likewise), then a post reaches her
	 * with a personal one-click List-Unsubscribe address. */
	memset(&m, 0, sizeof(m));
	m.from = "Nadia Haddad <nadia@example.net>";
	m.to = "cop+request@example.org";
	m.subject = "each";
	deliver(&env, &m);
	mail = h_smtp_find(&env, "nadia@example.net", "");
	cr_assert_not_null(mail);
	confirm = token_address(mail, "confirm");
	cr_assert_not_null(confirm, "no confirm address in:\n%s", mail);
	free(mail);
	memset(&m, 0, sizeof(m));
	m.from = "Nadia Haddad <nadia@example.net>";
	m.to = confirm;
	m.subject = "Re: Please confirm";
	deliver(&env, &m);
	free(confirm);
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Budget lines";
	m.body = "Who decides on the budget lines in your partnerships?\n";
	deliver(&env, &m);
	mail = h_smtp_find(&env, "nadia@example.net", "");
	cr_assert_not_null(mail);
	unsub = token_address(mail, "unsubscribe");
	cr_assert_not_null(unsub, "relayed post has no personal List-Unsubscribe:\n%.2000s", mail);
	free(mail);

	/* 6. one-click: immediate, acknowledged once. */
	memset(&m, 0, sizeof(m));
	m.from = "nadia@example.net";
	m.to = unsub;
	m.subject = "unsubscribe";
	m.headers = "Auto-Submitted: auto-generated";
	before = h_smtp_count(&env);
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count(&env), before + 1, "exactly one acknowledgement");
	json = member_json(&env);
	cr_expect(strstr(json, "\"unsubscribed\"") != NULL, "%s", json);
	free(json);
	before = h_smtp_count(&env);
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count(&env), before, "a second click is not acknowledged again");
	free(unsub);
	h_env_fini(&env);
}

Test(members, answers_in_french)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char *mail;

	setup_list(&env, "members_fr", NULL);
	h_baraza(&env, &out, "member add jean@example.fr --name 'Jean Dupont' --language fr");
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	m.from = "Jean Dupont <jean@example.fr>";
	m.to = "cop+request@example.org";
	m.subject = "help";
	deliver(&env, &m);
	mail = h_smtp_find(&env, "jean@example.fr", "");
	cr_assert_not_null(mail, "no answer to jean");
	cr_expect(strstr(mail, "Voici ce que nous avons fait") != NULL, "French reply:\n%s", mail);
	cr_expect(strstr(mail, "pour vous inscrire") != NULL || strstr(mail, "s'inscrire") != NULL,
	    "French help text:\n%s", mail);
	free(mail);
	h_env_fini(&env);
}

Test(members, not_understood_once_a_day_and_flood_limited)
{
	struct h_env env;
	struct h_mail m = { 0 };
	int before;

	setup_list(&env, "members_refuse", NULL);
	m.from = "Stranger <stranger@example.com>";
	m.to = "cop+request@example.org";
	m.subject = "Hello there";
	m.body = "Can you tell me what this list is about?\n";
	before = h_smtp_count(&env);
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count(&env), before + 1, "one 'not understood' answer");
	deliver(&env, &m);    /* same Message-ID: a duplicate, nothing */
	m.message_id = "<again.1@example.com>";
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count(&env), before + 1, "no second refusal the same day");

	/* A robot is never answered, whatever it asks for. */
	memset(&m, 0, sizeof(m));
	m.from = "Mail Delivery System <MAILER-DAEMON@example.com>";
	m.to = "cop+unsubscribe@example.org";
	m.subject = "unsubscribe";
	m.headers = "Return-Path: <>";
	before = h_smtp_count(&env);
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count(&env), before, "no answer to MAILER-DAEMON");

	/* A flood of help requests from an address that is no member: at
	 * most 3 mails a day reach it (SPEC §4), whatever it asks. */
	before = h_smtp_count(&env);
	for (int i = 0; i < 14; i++) {
		char id[64];
		size_t len;
		char *raw;

		memset(&m, 0, sizeof(m));
		snprintf(id, sizeof(id), "<flood.%d@example.com>", i);
		m.from = "Flooder <flood@example.com>";
		m.to = "cop+request@example.org";
		m.subject = "help";
		m.message_id = id;
		raw = h_mail_build(&m, &len, NULL, 0);
		h_imap_append(&env, "INBOX", raw, len);
		free(raw);
	}
	{
		struct h_out out;

		h_barazad_once(&env, &out);
		cr_assert_eq(out.status, 0, "%s", out.err);
		h_out_free(&out);
	}
	cr_expect_eq(h_smtp_count(&env) - before, 3, "got %d answers, want 3",
	    h_smtp_count(&env) - before);
	h_env_fini(&env);
}
