/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_moderation - held posts and delivery reports, end to end against the
 * real Dovecot and the real SMTP capture server (issue 4):
 *  - a non-member's post appended to the list's INBOX is held by
 *    `barazad --once`; the author gets one notice; each facilitator gets the
 *    post with cop+approve-TOKEN@ / cop+reject-TOKEN@;
 *  - a forged approval from a non-facilitator is refused (nothing sent);
 *  - the facilitator's reply to the approve address releases the post and
 *    every member receives it once; a second approval is answered
 *    "already approved by ...";
 *  - a rejection carries the facilitator's comment to the author;
 *  - `baraza held` / `held approve ID` do the same from the command line;
 *  - delivery reports to the VERP address on 3 distinct days stop a member.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../harness.h"

/* deliver - append one mail to the list's INBOX and run one daemon cycle */
static void
deliver(struct h_env *env, const struct h_mail *m)
{
	struct h_out out;
	size_t len;
	char *raw = h_mail_build(m, &len, NULL, 0);

	h_imap_append(env, "INBOX", raw, len);
	free(raw);
	h_barazad_once(env, &out);
	cr_assert_eq(out.status, 0, "barazad --once: exit %d\n%s", out.status, out.err);
	h_out_free(&out);
}

/* deliver_raw - the same for a raw message */
static void
deliver_raw(struct h_env *env, const char *raw)
{
	struct h_out out;

	h_imap_append(env, "INBOX", raw, strlen(raw));
	h_barazad_once(env, &out);
	cr_assert_eq(out.status, 0, "barazad --once: exit %d\n%s", out.status, out.err);
	h_out_free(&out);
}

/* last_to - the newest captured message sent to rcpt (owned), or NULL */
static char *
last_to(struct h_env *env, const char *rcpt)
{
	char *found = NULL;
	struct h_smtp_msg msg;

	for (int i = 0; h_smtp_message(env, i, &msg) == 1; i++) {
		for (size_t k = 0; k < msg.nrcpts; k++)
			if (strcasecmp(msg.rcpts[k], rcpt) == 0) {
				free(found);
				found = strdup(msg.data);
			}
		h_smtp_msg_free(&msg);
	}
	return found;
}

/* token_address - the cop+KIND-TOKEN@example.org address inside text (owned) */
static char *
token_address(const char *text, const char *kind)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "cop+%s-", kind);
	if (text == NULL || (p = strstr(text, pat)) == NULL)
		return NULL;
	for (q = p; *q && *q != '>' && *q != ' ' && *q != '\r' && *q != '\n'; q++)
		;
	return strndup(p, (size_t)(q - p));
}

static void
run_ok(struct h_env *env, const char *cmd)
{
	struct h_out out;

	h_baraza(env, &out, "%s", cmd);
	cr_assert_eq(out.status, 0, "baraza %s: exit %d\n%s", cmd, out.status, out.err);
	h_out_free(&out);
}

/* setup_list - a list with a facilitator and two members, moderate = extra */
static void
setup_list(struct h_env *env, const char *name, const char *extra)
{
	h_env_init(env, name);
	h_smtp_start(env);
	h_write_config(env, extra);
	env->now = "2020-11-20T10:00:00Z";
	run_ok(env, "init");
	run_ok(env, "member add amina@example.org --name 'Amina Yusuf' --role facilitator");
	run_ok(env, "member add bo@example.net --name 'Bo Lindqvist'");
	run_ok(env, "member add chidi@example.net --name 'Chidi Okafor'");
	/* the session announcement of 2020-11-17 may go out on the first
	 * cycle: run one now so later counts start clean */
	{
		struct h_out out;

		h_barazad_once(env, &out);
		cr_assert_eq(out.status, 0, "barazad --once: %s", out.err);
		h_out_free(&out);
	}
}

/* count_subject - captured messages to rcpt whose data contains needle */
static int
count_with(struct h_env *env, const char *rcpt, const char *needle)
{
	struct h_smtp_msg msg;
	int n = 0;

	for (int i = 0; h_smtp_message(env, i, &msg) == 1; i++) {
		for (size_t k = 0; k < msg.nrcpts; k++)
			if (strcasecmp(msg.rcpts[k], rcpt) == 0 && strstr(msg.data, needle))
				n++;
		h_smtp_msg_free(&msg);
	}
	return n;
}

static const char *held_body = "I work with a community fund in Lagos and would like to share"
    " how we decide on grants.\n";

Test(moderation, nonmember_held_released_by_facilitator_reply)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char *notice, *approve, *reject, *mail;
	char msgid[256];

	setup_list(&env, "mod_release", "[list]\nmoderate = nonmembers\n");

	/* 1. a non-member posts: held, nothing reaches the members */
	m.from = "Dana Stranger <dana@example.com>";
	m.subject = "Community funds in Lagos";
	m.body = held_body;
	m.message_id = "<held.1@example.com>";
	deliver(&env, &m);
	cr_expect_eq(count_with(&env, "bo@example.net", "Community funds in Lagos"), 0,
	    "a held post must not reach the members");
	h_baraza(&env, &out, "held --json");
	cr_expect_eq(out.status, 0);
	cr_expect_not_null(strstr(out.out, "\"state\":\"held\""), "held --json: %s", out.out);
	cr_expect_not_null(strstr(out.out, "\"from\":\"dana@example.com\""), "held --json: %s", out.out);
	cr_expect_not_null(strstr(out.out, "\"reason\":\"non-member\""), "held --json: %s", out.out);
	h_out_free(&out);

	/* the author: one notice */
	cr_expect_eq(h_smtp_count_rcpt(&env, "dana@example.com"), 1,
	    "got %d mails to the author, want 1 notice", h_smtp_count_rcpt(&env, "dana@example.com"));
	/* the facilitator: the post with both addresses */
	notice = last_to(&env, "amina@example.org");
	cr_assert_not_null(notice, "the facilitator got nothing");
	cr_expect_not_null(strstr(notice, "Community funds in Lagos"));
	cr_expect_not_null(strstr(notice, "message/rfc822"), "the post is not attached");
	approve = token_address(notice, "approve");
	reject = token_address(notice, "reject");
	cr_assert_not_null(approve, "no approve address in:\n%s", notice);
	cr_assert_not_null(reject, "no reject address");
	cr_expect_eq(strlen(approve), strlen("cop+approve-@example.org") + 32,
	    "token of the wrong size: %s", approve);

	/* 2. a forged approval from a member who is no facilitator: refused */
	memset(&m, 0, sizeof(m));
	m.from = "Bo Lindqvist <bo@example.net>";
	m.to = approve;
	m.subject = "Re: Approval needed: Community funds in Lagos";
	m.body = "ok\n";
	deliver(&env, &m);
	cr_expect_eq(count_with(&env, "chidi@example.net", "Community funds in Lagos"), 0,
	    "a non-facilitator's approval must not release the post");
	h_baraza(&env, &out, "held --json");
	cr_expect_not_null(strstr(out.out, "\"state\":\"held\""), "after forgery: %s", out.out);
	h_out_free(&out);

	/* 3. the facilitator replies to the approve address: released */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = approve;
	m.subject = "Re: Approval needed: Community funds in Lagos";
	m.in_reply_to = "<whatever@example.org>";
	m.body = "Welcome, Dana!\n";
	deliver(&env, &m);
	cr_expect_eq(count_with(&env, "bo@example.net", "Community funds in Lagos"), 1,
	    "bo got the approved post %d times, want 1",
	    count_with(&env, "bo@example.net", "Community funds in Lagos"));
	cr_expect_eq(count_with(&env, "chidi@example.net", "Community funds in Lagos"), 1);
	mail = last_to(&env, "chidi@example.net");
	cr_expect_not_null(mail && strstr(mail, "Message-ID: <held.1@example.com>"),
	    "the post keeps its Message-ID:\n%s", mail ? mail : "(none)");
	free(mail);
	h_baraza(&env, &out, "held --json");
	cr_expect_not_null(strstr(out.out, "\"state\":\"approved\""), "after approval: %s", out.out);
	cr_expect_not_null(strstr(out.out, "\"decided_by\":\"amina@example.org\""), "%s", out.out);
	h_out_free(&out);

	/* 4. a second approval: "already approved by", and no second relay */
	{
		int before = h_smtp_count_rcpt(&env, "amina@example.org");

		deliver(&env, &m);
		cr_expect_eq(count_with(&env, "bo@example.net", "Community funds in Lagos"), 1,
		    "a second approval must not relay again");
		cr_expect_eq(h_smtp_count_rcpt(&env, "amina@example.org"), before + 1,
		    "the second answer gets one reply");
		mail = last_to(&env, "amina@example.org");
		cr_expect_not_null(mail && strstr(mail, "already approved by amina@example.org"),
		    "got:\n%s", mail ? mail : "(none)");
		free(mail);
	}
	(void)msgid;
	free(approve);
	free(reject);
	free(notice);
	h_env_fini(&env);
}

Test(moderation, reject_by_mail_tells_the_author_with_the_comment)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *notice, *reject, *mail;

	setup_list(&env, "mod_reject", "[list]\nmoderate = nonmembers\n");
	m.from = "Eve Seller <eve@example.com>";
	m.subject = "Cheap watches";
	m.body = "Buy now.\n";
	deliver(&env, &m);
	notice = last_to(&env, "amina@example.org");
	reject = token_address(notice, "reject");
	cr_assert_not_null(reject, "no reject address");

	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = reject;
	m.subject = "Re: Approval needed: Cheap watches";
	m.body = "This list is for the Community of Practice only.\n\n> Buy now.\n";
	deliver(&env, &m);
	cr_expect_eq(count_with(&env, "bo@example.net", "Cheap watches"), 0);
	mail = last_to(&env, "eve@example.com");
	cr_assert_not_null(mail);
	cr_expect_not_null(strstr(mail, "for the Community of Practice only"),
	    "the comment did not reach the author:\n%s", mail);
	free(mail);
	free(reject);
	free(notice);
	h_env_fini(&env);
}

Test(moderation, command_line_approve)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;

	setup_list(&env, "mod_cli", "[list]\nmoderate = first-post\n");
	m.from = "Bo Lindqvist <bo@example.net>";
	m.subject = "My first post on risk";
	m.body = "Hello all.\n";
	deliver(&env, &m);
	cr_expect_eq(count_with(&env, "chidi@example.net", "My first post on risk"), 0,
	    "a first post is held");
	h_baraza(&env, &out, "held");
	cr_expect_not_null(strstr(out.out, "first post"), "held: %s", out.out);
	h_out_free(&out);
	h_baraza(&env, &out, "held approve 1");
	cr_expect_eq(out.status, 0, "held approve: %d %s", out.status, out.err);
	h_out_free(&out);
	h_barazad_once(&env, &out);
	h_out_free(&out);
	cr_expect_eq(count_with(&env, "chidi@example.net", "My first post on risk"), 1);
	h_baraza(&env, &out, "held approve 1");
	cr_expect_eq(out.status, 0);
	cr_expect_not_null(strstr(out.out, "already approved"), "got: %s", out.out);
	h_out_free(&out);
	h_baraza(&env, &out, "held reject 99");
	cr_expect_eq(out.status, 1, "an unknown id: got exit %d, want 1", out.status);
	h_out_free(&out);
	/* the second post of the same member is not held */
	memset(&m, 0, sizeof(m));
	m.from = "Bo Lindqvist <bo@example.net>";
	m.subject = "My second post";
	deliver(&env, &m);
	cr_expect_eq(count_with(&env, "chidi@example.net", "My second post"), 1);
	h_env_fini(&env);
}

static const char dsn_fmt[] =
    "Return-Path: <>\r\n"
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
    "To: %s\r\n"
    "Delivered-To: %s\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Date: Fri, 20 Nov 2020 10:45:14 +0000\r\n"
    "Message-ID: <dsn.%d@mx.example.net>\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
    "\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
    "This is the mail system at host mx.example.net.\r\n\r\n"
    "<chidi@example.net>: host mx.example.net said: 550 5.1.1 User unknown\r\n"
    "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
    "Final-Recipient: rfc822; chidi@example.net\r\nAction: %s\r\nStatus: %s\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
    "\r\n--B--\r\n";

/* last_envelope - the envelope sender of the newest captured message to
 * rcpt: its signed bounce address (owned); fails the test when none */
static char *
last_envelope(struct h_env *env, const char *rcpt)
{
	char *found = NULL;
	struct h_smtp_msg msg;

	for (int i = 0; h_smtp_message(env, i, &msg) == 1; i++) {
		for (size_t k = 0; k < msg.nrcpts; k++)
			if (strcasecmp(msg.rcpts[k], rcpt) == 0) {
				free(found);
				found = strdup(msg.mail_from);
			}
		h_smtp_msg_free(&msg);
	}
	cr_assert_not_null(found, "nothing was sent to %s", rcpt);
	return found;
}

Test(moderation, bounces_on_three_days_stop_a_member)
{
	struct h_env env;
	struct h_out out;
	const char *days[] = { "2020-11-20T10:00:00Z", "2020-11-21T10:00:00Z",
	    "2020-11-23T10:00:00Z" };
	char raw[4096], *verp;

	setup_list(&env, "mod_bounce", NULL);
	/* a delay notice never counts (to the announcement's signed sender) */
	verp = last_envelope(&env, "chidi@example.net");
	snprintf(raw, sizeof(raw), dsn_fmt, verp, verp, 0, "delayed", "4.4.1");
	deliver_raw(&env, raw);
	free(verp);
	for (int i = 0; i < 3; i++) {
		struct h_mail m = { 0 };
		char subj[64];

		env.now = days[i];
		/* a post reaches chidi; its report comes back to its sender */
		snprintf(subj, sizeof(subj), "Day %d thoughts", i + 1);
		m.from = "Bo Lindqvist <bo@example.net>";
		m.subject = subj;
		deliver(&env, &m);
		verp = last_envelope(&env, "chidi@example.net");
		snprintf(raw, sizeof(raw), dsn_fmt, verp, verp, i + 1, "failed", "5.1.1");
		deliver_raw(&env, raw);
		free(verp);
		h_baraza(&env, &out, "member list --json");
		if (i < 2)
			cr_expect_null(strstr(out.out, "\"bouncing\""),
			    "after %d days: already bouncing: %s", i + 1, out.out);
		else
			cr_expect_not_null(strstr(out.out, "\"status\":\"bouncing\""),
			    "after 3 days: not bouncing: %s", out.out);
		h_out_free(&out);
	}
	cr_expect_eq(count_with(&env, "chidi@example.net", "has been paused"), 1,
	    "the member gets one probe saying how to come back");
	cr_expect_eq(count_with(&env, "chidi@example.net", "reply to this message with the word"), 1,
	    "the probe does not say how to come back");
	h_env_fini(&env);
}

Test(moderation, rate_limit_holds_the_excess)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char subj[64];

	setup_list(&env, "mod_rate", "[list]\nmoderate = nonmembers\nmax_posts_per_hour = 2\n");
	for (int i = 1; i <= 3; i++) {
		snprintf(subj, sizeof(subj), "Burst post %d", i);
		memset(&m, 0, sizeof(m));
		m.from = "Bo Lindqvist <bo@example.net>";
		m.subject = subj;
		m.body = "More thoughts.\n";
		deliver(&env, &m);
	}
	cr_expect_eq(count_with(&env, "chidi@example.net", "Burst post 1"), 1);
	cr_expect_eq(count_with(&env, "chidi@example.net", "Burst post 2"), 1);
	cr_expect_eq(count_with(&env, "chidi@example.net", "Burst post 3"), 0,
	    "the third post within the hour must be held");
	h_baraza(&env, &out, "held --json");
	cr_expect_not_null(strstr(out.out, "\"reason\":\"rate limit\""), "held --json: %s", out.out);
	h_out_free(&out);
	/* an hour later the member may post again */
	env.now = "2020-11-20T11:30:00Z";
	memset(&m, 0, sizeof(m));
	m.from = "Bo Lindqvist <bo@example.net>";
	m.subject = "Later post";
	deliver(&env, &m);
	cr_expect_eq(count_with(&env, "chidi@example.net", "Later post"), 1);
	h_env_fini(&env);
}
