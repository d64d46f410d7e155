/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_hostile - an outsider who can only send mail, against the real
 * Dovecot and the real SMTP capture (issue 17, points 2, 3 (mail side), 4,
 * 8, 9, 10 and 12; issue 19's grouped hold notices).  Each test failed on
 * main before the change it proves (say the notes of the trust branch).
 *
 *  2. Authentication-Results: only the topmost field bearing
 *     trusted_authserv_id counts; a forged "pass" lower down publishes no
 *     summary; an approval whose From domain the trusted server says
 *     failed is refused even with an unaligned "pass" beside it.
 *  3. A personal cop+unsubscribe-TOKEN@ mailed by a stranger (the token
 *     quoted or leaked) unsubscribes nobody: the member is asked.
 *  4. Commands from a forged From change nothing until the member
 *     confirms one request that shows every change; authenticated ones
 *     take effect at once.
 *  8. No address that is not a member gets more than 3 mails a day from
 *     the list, whatever it sends; cop+owner@ forwards are bounded per
 *     sender, the rest held and told once.
 *  9. The confirmation of an unauthenticated summary shows its whole text.
 * 10. A reply to a rejected post's cop+reply-ID@ starts its own thread,
 *     titled by its own subject; the rejected subject is nowhere public.
 * 12. starttls = auto is refused with an error naming yes and no.
 * 19. 25 held posts in one cycle: at most 2 notices per facilitator, and
 *     every post approvable from them.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../harness.h"

#define T0 "2020-11-20T10:00:00Z"
#define TRUSTED "[list]\ntrusted_authserv_id = mx.example.org\n"

/* ---- helpers --------------------------------------------------------------- */

static void
deliver(struct h_env *env, const struct h_mail *m)
{
	h_post(env, m);
	h_barazad_once_ok(env);
}

static void
run_ok(struct h_env *env, const char *cmd)
{
	struct h_out out;

	h_baraza(env, &out, "%s", cmd);
	cr_assert_eq(out.status, 0, "baraza %s: got exit %d, want 0\n%s", cmd,
	    out.status, out.err);
	h_out_free(&out);
}

/* baraza_out - stdout of a `baraza` command that must succeed (owned) */
static char *
baraza_out(struct h_env *env, const char *cmd)
{
	struct h_out out;
	char *s;

	h_baraza(env, &out, "%s", cmd);
	cr_assert_eq(out.status, 0, "baraza %s: got exit %d\n%s", cmd, out.status, out.err);
	s = strdup(out.out);
	h_out_free(&out);
	return s;
}

/* setup_list - facilitators amina and femi, members bo and chidi (each
 * post), clock at T0 (funding session open), the announcement sent */
static void
setup_list(struct h_env *env, const char *name, const char *extra)
{
	h_env_init(env, name);
	h_smtp_start(env);
	h_write_config(env, extra);
	env->now = T0;
	run_ok(env, "init");
	run_ok(env, "member add amina@example.org --name 'Amina Yusuf' --role facilitator");
	run_ok(env, "member add femi@example.org --name 'Femi Adeyemi' --role facilitator");
	run_ok(env, "member add bo@example.net --name 'Bo Lindqvist'");
	run_ok(env, "member add chidi@example.net --name 'Chidi Okafor'");
	h_barazad_once_ok(env);
}

/* token_address - the first cop+KIND-TOKEN@example.org in text (owned) */
static char *
token_address(const char *text, const char *kind)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "cop+%s-", kind);
	if (text == NULL || (p = strstr(text, pat)) == NULL)
		return NULL;
	return strndup(p, strcspn(p, "> \t\r\n\"'"));
}

/* member_has - does the member's object in `member list --json` contain
 * fragment (e.g. "\"delivery\":\"none\"")?  1 or 0 */
static int
member_has(struct h_env *env, const char *email, const char *fragment)
{
	char needle[256], *json = baraza_out(env, "member list --json"), *p, *end;
	int has = 0;

	snprintf(needle, sizeof(needle), "\"email\":\"%s\"", email);
	if ((p = strstr(json, needle)) != NULL) {
		if ((end = strchr(p, '}')) != NULL)
			*end = '\0';
		has = strstr(p, fragment) != NULL;
	}
	free(json);
	return has;
}

static int
published_summaries(struct h_env *env)
{
	return h_smtp_count_matching(env, NULL, "X-Baraza-Summary");
}

/* ---- 2. Authentication-Results ----------------------------------------------- */

Test(authres, forged_pass_below_the_trusted_field_publishes_nothing)
{
	struct h_env env;
	struct h_mail m = { 0 };

	setup_list(&env, "hostile_authres", TRUSTED);
	/* issue 17.2 as it was sent: the receiving server's own verdict on
	 * top, the attacker's "pass" with the same id lower down */
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary@example.org";
	m.subject = "Summary";
	m.headers = "Authentication-Results: mx.example.org; dkim=none; spf=fail"
	    " smtp.mailfrom=amina@example.org\n"
	    "Authentication-Results: mx.example.org; dkim=pass header.d=example.org;"
	    " spf=pass smtp.mailfrom=amina@example.org";
	m.body = "Forged: the session is closed, send the funds elsewhere.\n";
	deliver(&env, &m);
	cr_expect_eq(published_summaries(&env), 0, "a summary with a forged lower pass was published");
	cr_expect_eq(h_smtp_count_matching(&env, "bo@example.net", "send the funds elsewhere"), 0,
	    "the forged text reached a member");

	/* the same summary with the server's own pass on top is published */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary@example.org";
	m.subject = "Summary";
	m.headers = "Authentication-Results: mx.example.org; dkim=pass (good signature)"
	    " header.d=example.org header.s=s1";
	m.body = "The real summary of the funding session.\n";
	deliver(&env, &m);
	cr_expect_gt(published_summaries(&env), 0, "an authenticated summary was not published");
	h_env_fini(&env);
}

Test(authres, approval_with_an_unaligned_pass_and_a_failure_is_refused)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *notice, *approve;

	setup_list(&env, "hostile_approve", TRUSTED);
	m.from = "Dana Stranger <dana@example.com>";
	m.subject = "Let me in";
	m.body = "Buy now.\n";
	deliver(&env, &m);
	notice = h_smtp_find(&env, "amina@example.org", "Let me in");
	approve = token_address(notice, "approve");
	cr_assert_not_null(approve, "no approve address:\n%s", notice ? notice : "(none)");
	/* a leaked token; the trusted server: a valid signature, but of the
	 * attacker's own domain, and SPF failing for amina's */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = approve;
	m.subject = "Re: Approval needed";
	m.headers = "Authentication-Results: mx.example.org; dkim=pass header.d=evil.example;"
	    " spf=fail smtp.mailfrom=amina@example.org";
	m.body = "ok\n";
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count_matching(&env, "bo@example.net", "Let me in"), 0,
	    "an approval the trusted server says failed released the post");
	free(approve);
	free(notice);
	h_env_fini(&env);
}

/* ---- 4. commands --------------------------------------------------------------- */

Test(commands, forged_from_changes_nothing_until_the_member_confirms)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *mail, *confirm;
	int before;

	setup_list(&env, "hostile_commands", TRUSTED);
	before = h_smtp_count_rcpt(&env, "bo@example.net");
	/* issue 17.4: a forged From: bo, three changes at once */
	m.from = "Bo Lindqvist <bo@example.net>";
	m.to = "cop+request@example.org";
	m.subject = "settings";
	m.headers = "Reply-To: <forger@evil.example>";
	m.body = "nomail\nthemes risk\nlanguage fr\n";
	deliver(&env, &m);
	cr_expect(member_has(&env, "bo@example.net", "\"delivery\":\"each\""),
	    "delivery changed before confirmation");
	cr_expect(!member_has(&env, "bo@example.net", "\"language\":\"fr\""),
	    "language changed before confirmation");
	cr_expect_eq(h_smtp_count_rcpt(&env, "bo@example.net") - before, 1,
	    "want exactly one mail to bo (the confirmation), got %d",
	    h_smtp_count_rcpt(&env, "bo@example.net") - before);
	cr_expect_eq(h_smtp_count_rcpt(&env, "forger@evil.example"), 0, "the Reply-To got mail");
	mail = h_smtp_find(&env, "bo@example.net", "X-Baraza-Notice: confirm-changes");
	cr_assert_not_null(mail, "no confirmation request reached bo");
	cr_expect(strstr(mail, "> nomail") && strstr(mail, "> themes risk") &&
	    strstr(mail, "> language fr"), "the request does not show every change:\n%s", mail);
	confirm = token_address(mail, "confirm");
	cr_assert_not_null(confirm);
	free(mail);

	/* bo's own mailbox answers: all three at once */
	memset(&m, 0, sizeof(m));
	m.from = "Bo Lindqvist <bo@example.net>";
	m.to = confirm;
	m.subject = "Re: Please confirm";
	deliver(&env, &m);
	cr_expect(member_has(&env, "bo@example.net", "\"delivery\":\"none\""),
	    "nomail not applied after confirmation");
	cr_expect(member_has(&env, "bo@example.net", "\"language\":\"fr\""),
	    "language not applied after confirmation");
	cr_expect(member_has(&env, "bo@example.net", "risk") &&
	    !member_has(&env, "bo@example.net", "funding"), "themes not applied");
	free(confirm);

	/* "subscribe digest" from a forged From changes an active member's
	 * delivery as much as "digest" does: it waits too */
	memset(&m, 0, sizeof(m));
	m.from = "Chidi Okafor <chidi@example.net>";
	m.to = "cop+request@example.org";
	m.subject = "subscribe digest";
	deliver(&env, &m);
	cr_expect(member_has(&env, "chidi@example.net", "\"delivery\":\"each\""),
	    "a forged \"subscribe digest\" changed chidi's delivery");
	cr_expect_eq(h_smtp_count_matching(&env, "chidi@example.net",
	    "X-Baraza-Notice: confirm-changes"), 1, "chidi was not asked to confirm");

	/* chidi's mail that the trusted server authenticates: at once */
	memset(&m, 0, sizeof(m));
	m.from = "Chidi Okafor <chidi@example.net>";
	m.to = "cop+request@example.org";
	m.subject = "digest";
	m.headers = "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=chidi@example.net";
	deliver(&env, &m);
	cr_expect(member_has(&env, "chidi@example.net", "\"delivery\":\"digest\""),
	    "an authenticated command waited");
	h_env_fini(&env);
}

/* ---- 3. the personal unsubscribe address ------------------------------------------ */

Test(unsubscribe, a_leaked_token_from_a_stranger_only_asks_the_member)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *mail, *unsub;

	setup_list(&env, "hostile_unsub", NULL);
	m.from = "Chidi Okafor <chidi@example.net>";
	m.to = "cop+funding@example.org";
	m.subject = "Pooled funds";
	m.body = "Has anyone tried pooled funds?\n";
	deliver(&env, &m);
	mail = h_smtp_find(&env, "bo@example.net", "Pooled funds");
	cr_assert_not_null(mail, "the post did not reach bo");
	unsub = token_address(mail, "unsubscribe");
	cr_assert_not_null(unsub, "no personal unsubscribe address:\n%.2000s", mail);
	free(mail);

	/* the stranger who got hold of it */
	memset(&m, 0, sizeof(m));
	m.from = "Stranger <stranger@evil.example>";
	m.to = unsub;
	m.subject = "unsubscribe";
	deliver(&env, &m);
	cr_expect(member_has(&env, "bo@example.net", "\"status\":\"active\""),
	    "a stranger's mail unsubscribed bo");
	mail = h_smtp_find(&env, "bo@example.net", "X-Baraza-Notice: confirm-unsubscribe");
	cr_expect_not_null(mail, "bo was not asked to confirm");
	free(mail);
	cr_expect_eq(h_smtp_count_rcpt(&env, "stranger@evil.example"), 0, "the stranger got mail");

	/* from bo's own address: at once */
	memset(&m, 0, sizeof(m));
	m.from = "bo@example.net";
	m.to = unsub;
	m.subject = "unsubscribe";
	deliver(&env, &m);
	cr_expect(member_has(&env, "bo@example.net", "\"status\":\"unsubscribed\""),
	    "bo's own one-click did not unsubscribe him");
	free(unsub);
	h_env_fini(&env);
}

/* ---- 8. flooding third parties ------------------------------------------------------ */

Test(flood, a_non_member_gets_at_most_three_mails_a_day)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char id[64];

	setup_list(&env, "hostile_third_party", NULL);
	/* issue 17.8: forged help requests, subscriptions and posts, all
	 * with the victim's From */
	for (int i = 0; i < 15; i++) {
		char *raw;
		size_t len;

		memset(&m, 0, sizeof(m));
		snprintf(id, sizeof(id), "<victim.%d@evil.example>", i);
		m.from = "Victim <victim@elsewhere.example>";
		m.to = i % 3 == 0 ? "cop+request@example.org" :
		    i % 3 == 1 ? "cop+subscribe@example.org" : "cop@example.org";
		m.subject = i % 3 == 0 ? "help" : i % 3 == 1 ? "subscribe" : "Buy now";
		m.message_id = id;
		raw = h_mail_build(&m, &len, NULL, 0);
		h_imap_append(&env, "INBOX", raw, len);
		free(raw);
	}
	h_barazad_once_ok(&env);
	cr_expect_leq(h_smtp_count_rcpt(&env, "victim@elsewhere.example"), 3,
	    "the victim got %d mails, want at most 3",
	    h_smtp_count_rcpt(&env, "victim@elsewhere.example"));
	cr_expect_gt(h_smtp_count_rcpt(&env, "victim@elsewhere.example"), 0,
	    "nothing at all reached the address (the test proves nothing)");
	/* the next day: again, at most 3 */
	env.now = "2020-11-21T10:00:00Z";
	memset(&m, 0, sizeof(m));
	m.from = "Victim <victim@elsewhere.example>";
	m.to = "cop+request@example.org";
	m.subject = "help";
	deliver(&env, &m);
	cr_expect_leq(h_smtp_count_rcpt(&env, "victim@elsewhere.example"), 4);
	h_env_fini(&env);
}

Test(flood, owner_forwards_are_bounded_per_sender)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char id[64], *big;
	int amina0, femi0, amina, femi;

	setup_list(&env, "hostile_owner", NULL);
	amina0 = h_smtp_count_rcpt(&env, "amina@example.org");
	femi0 = h_smtp_count_rcpt(&env, "femi@example.org");
	big = malloc(200 * 1024 + 1);
	for (size_t i = 0; i < 200 * 1024; i++)
		big[i] = (i % 73 == 72) ? '\n' : 'x';
	big[200 * 1024] = '\0';
	/* issue 17.8: 15 mails of 200 KB to cop+owner@ */
	for (int i = 0; i < 15; i++) {
		char *raw;
		size_t len;

		memset(&m, 0, sizeof(m));
		snprintf(id, sizeof(id), "<owner.%d@evil.example>", i);
		m.from = "Flooder <flood@evil.example>";
		m.to = "cop+owner@example.org";
		m.subject = "Read this";
		m.message_id = id;
		m.body = big;
		raw = h_mail_build(&m, &len, NULL, 0);
		h_imap_append(&env, "INBOX", raw, len);
		free(raw);
	}
	free(big);
	h_barazad_once_ok(&env);
	amina = h_smtp_count_rcpt(&env, "amina@example.org") - amina0;
	femi = h_smtp_count_rcpt(&env, "femi@example.org") - femi0;
	cr_expect_leq(amina, 4, "amina got %d mails for 15 owner mails, want 3 forwards and 1 notice",
	    amina);
	cr_expect_leq(femi, 4, "femi got %d mails", femi);
	cr_expect_eq(h_smtp_count_matching(&env, "amina@example.org", "X-Baraza-Notice: owner-held"),
	    1, "the facilitators were not told once that the rest is held");
	cr_expect_eq(h_imap_count(&env, "Processed"), 15, "not every mail was processed (kept)");
	h_env_fini(&env);
}

/* ---- 9. summary confirmation ---------------------------------------------------------- */

Test(summary, the_confirmation_shows_the_whole_text)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *mail;

	setup_list(&env, "hostile_summary_text", NULL);
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary@example.org";
	m.subject = "Summary";
	m.body = "First paragraph: who decides on funding.\n\n"
	    "Second paragraph: pooled funds and partner-led grants.\n\n"
	    "Last line: thanks to every voice.\n";
	deliver(&env, &m);
	cr_expect_eq(published_summaries(&env), 0, "published without a confirmation");
	mail = h_smtp_find(&env, "amina@example.org", "X-Baraza-Notice: summary-confirm");
	cr_assert_not_null(mail, "no confirmation request");
	cr_expect(strstr(mail, "First paragraph: who decides on funding.") &&
	    strstr(mail, "Second paragraph: pooled funds and partner-led grants.") &&
	    strstr(mail, "Last line: thanks to every voice."),
	    "the confirmation does not show the text it would publish:\n%s", mail);
	free(mail);
	h_env_fini(&env);
}

/* ---- 10. never public before publication ------------------------------------------- */

Test(publication, a_reply_to_a_rejected_post_starts_its_own_thread)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char *json, reply[128], *pages;

	setup_list(&env, "hostile_rejected", NULL);
	m.from = "Spammer <spam@evil.example>";
	m.to = "cop+funding@example.org";
	m.subject = "CHEAP PILLS click here";
	m.body = "Buy now.\n";
	deliver(&env, &m);
	run_ok(&env, "held reject 1");
	/* the rejected post's id, as a guesser finds it (ids are sequential) */
	h_run(&env, &out, "sqlite3 %s \"SELECT id FROM posts WHERE subject LIKE 'CHEAP%%'\"",
	    env.db);
	cr_assert_eq(out.status, 0, "sqlite3: %s", out.err);
	snprintf(reply, sizeof(reply), "cop+reply-%d@example.org", atoi(out.out));
	h_out_free(&out);

	memset(&m, 0, sizeof(m));
	m.from = "Bo Lindqvist <bo@example.net>";
	m.to = reply;
	m.subject = "Funding timelines";
	m.message_id = "<reply.to.rejected@example.net>";
	m.body = "How long do your grant decisions take?\n";
	deliver(&env, &m);
	/* the thread the reply is in is titled by the reply (the rejected
	 * post's own thread keeps it, with no published message) */
	json = baraza_out(&env, "thread list --json");
	cr_expect(strstr(json, "\"subject\":\"Funding timelines\",\"message_ids\":"
	    "[\"reply.to.rejected@example.net\"]") != NULL,
	    "the reply did not start its own thread under its own subject:\n%s", json);
	free(json);
	cr_expect_eq(h_smtp_count_matching(&env, "chidi@example.net", "CHEAP PILLS"), 0,
	    "the rejected subject reached a member");
	run_ok(&env, "archive build");
	h_run(&env, &out, "grep -rl 'CHEAP PILLS' %s || true", env.archive);
	pages = out.out;
	cr_expect_str_eq(pages, "", "the rejected subject is in the archive: %s", pages);
	h_out_free(&out);
	h_env_fini(&env);
}

/* ---- 12. TLS ---------------------------------------------------------------------- */

Test(tls, starttls_auto_is_refused_naming_the_two_choices)
{
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "hostile_tls_auto");
	h_smtp_start(&env);
	h_write_config(&env, "[imap]\nstarttls = auto\n");
	h_baraza(&env, &out, "check");
	cr_expect_eq(out.status, 2, "check with starttls = auto: exit %d, want 2", out.status);
	cr_expect(strstr(out.err, "starttls") && strstr(out.err, "yes") && strstr(out.err, "no"),
	    "the error does not name the key and the two choices:\n%s", out.err);
	h_out_free(&out);

	/* no on loopback (the harness's SMTP): quiet; no towards another
	 * host (0.0.0.0 stays on this machine): a warning */
	h_write_config(&env, NULL);
	h_baraza(&env, &out, "check");
	cr_expect(strstr(out.out, "warning:") == NULL, "a warning for loopback:\n%s", out.out);
	h_out_free(&out);
	{
		char extra[128];

		snprintf(extra, sizeof(extra), "[smtp]\nurl = smtp://0.0.0.0:%d\nstarttls = no\n",
		    env.smtp_port);
		h_write_config(&env, extra);
	}
	h_baraza(&env, &out, "check");
	cr_expect(strstr(out.out, "warning: [smtp] starttls = no and 0.0.0.0 is not loopback") != NULL,
	    "no warning for clear text to another host:\n%s", out.out);
	h_out_free(&out);
	h_env_fini(&env);
}

/* ---- issue 19: grouped hold notices ----------------------------------------------- */

Test(holds, twenty_five_held_posts_two_notices_each_every_post_approvable, .timeout = 600)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char id[64], subj[64];
	int amina0, femi0, notices_amina, notices_femi, approved = 0, relayed;

	setup_list(&env, "hostile_holds", NULL);
	amina0 = h_smtp_count_matching(&env, "amina@example.org", "X-Baraza-Notice: held-moderator");
	femi0 = h_smtp_count_matching(&env, "femi@example.org", "X-Baraza-Notice: held-moderator");
	for (int i = 0; i < 25; i++) {
		char *raw;
		size_t len;

		memset(&m, 0, sizeof(m));
		snprintf(id, sizeof(id), "<held.%d@outside.example>", i);
		snprintf(subj, sizeof(subj), "Outside view %02d", i);
		m.from = i % 2 ? "Nia Outsider <nia@outside.example>" : "Omar Guest <omar@guest.example>";
		m.to = "cop+funding@example.org";
		m.subject = subj;
		m.message_id = id;
		m.body = "A view from outside the community.\n";
		raw = h_mail_build(&m, &len, NULL, 0);
		h_imap_append(&env, "INBOX", raw, len);
		free(raw);
	}
	h_barazad_once_ok(&env);
	notices_amina = h_smtp_count_matching(&env, "amina@example.org",
	    "X-Baraza-Notice: held-moderator") - amina0;
	notices_femi = h_smtp_count_matching(&env, "femi@example.org",
	    "X-Baraza-Notice: held-moderator") - femi0;
	cr_expect_leq(notices_amina, 2, "amina got %d hold notices for 25 holds", notices_amina);
	cr_expect_leq(notices_femi, 2, "femi got %d hold notices for 25 holds", notices_femi);
	cr_expect_gt(notices_amina, 0, "amina was never told");

	/* every post approvable from amina's notices: each approve address
	 * in them, mailed by amina */
	{
		struct h_smtp_msg msg;

		for (int i = 0; h_smtp_message(&env, i, &msg) == 1; i++) {
			const char *p = strstr(msg.data, "\r\n\r\n");
			int to_amina = 0;

			for (size_t r = 0; r < msg.nrcpts; r++)
				to_amina |= strcasecmp(msg.rcpts[r], "amina@example.org") == 0;
			if (!to_amina || p == NULL ||
			    strstr(msg.data, "X-Baraza-Notice: held-moderator") == NULL) {
				h_smtp_msg_free(&msg);
				continue;
			}
			/* the body's approve addresses (a single hold also has
			 * its address as Reply-To: counted once) */
			while ((p = strstr(p, "cop+approve-")) != NULL) {
				char *addr = strndup(p, strcspn(p, "> \t\r\n\"'"));
				char *raw;
				size_t len;

				memset(&m, 0, sizeof(m));
				m.from = "Amina Yusuf <amina@example.org>";
				m.to = addr;
				m.subject = "Re: Approval needed";
				m.body = "ok\n";
				raw = h_mail_build(&m, &len, NULL, 0);
				h_imap_append(&env, "INBOX", raw, len);
				free(raw);
				free(addr);
				approved++;
				p += 12;
			}
			h_smtp_msg_free(&msg);
		}
	}
	h_barazad_once_ok(&env);
	relayed = h_smtp_count_matching(&env, "chidi@example.net", "Outside view ");
	cr_expect_eq(relayed, 25, "got %d of 25 held posts released from the notices (%d approve "
	    "addresses found)", relayed, approved);
	h_env_fini(&env);
}
