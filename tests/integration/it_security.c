/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_security - every security promise of baraza in one place, each proven
 * end to end against the real Dovecot and the real SMTP capture server
 * (issue 8, "Hostile input", third bullet; SPEC §3, §4, §9).
 *
 * A promise that another test file already proves completely is not
 * tested twice: its entry below names the test that proves it, and this
 * file adds only what was missing.
 *
 *  1. Forged facilitator summaries and approvals.
 *     Proven elsewhere:
 *       - it_programme.c programme/unverified_summary_needs_confirmation:
 *         a summary from the facilitator's address without a trusted
 *         Authentication-Results pass is not published until the
 *         facilitator answers a confirmation round trip;
 *       - it_moderation.c moderation/nonmember_held_released_by_facilitator_
 *         reply: an approval from a member who is no facilitator is
 *         refused, and a second approval is "already approved";
 *       - test_authres.c authres/whose_word_counts_table and
 *         test_moderation.c moderation/trusted_authentication_results_
 *         vouch_for_the_facilitator: whose Authentication-Results count.
 *     Here: a forged summary (a member; the facilitator's From with another
 *     server's forged "pass" and a Reply-To of the forger's) is never
 *     published, its confirmation request goes only to the real
 *     facilitator, and the forger hears nothing he could use; a forged
 *     approval with the facilitator's From and a dkim=fail verdict of the
 *     trusted server is refused end to end.
 *  2. Header injection (names, subjects, tokens, command arguments,
 *     template variables; raw and RFC 2047-encoded CR/LF): every raw mail
 *     baraza sends is scanned; no extra header, no extra recipient.
 *     Unit level: test_compose.c compose/injection and
 *     compose/hostile_messages_never_break_the_wire, test_moderation.c
 *     notice/header_values_are_cleaned_and_encoded.
 *  3. Tokens guessed (random, truncated, extended, of another kind) or
 *     reused (a confirmation twice, a confirmation after unsubscribing, an
 *     approval after a rejection, an expired confirmation): refused, no
 *     effect.  Proven elsewhere: a second approval (it_moderation.c, as
 *     above), a second one-click unsubscribe (it_members.c members/
 *     subscribe_confirm_digest_themes_search_one_click), expired holds
 *     (test_moderation.c moderation/holds_expire_after_fourteen_days).
 *  4. Mail loops with another list or an auto-responder: broken within two
 *     rounds, counted in mails sent.
 *  5. A member flooding posts: proven by it_moderation.c moderation/
 *     rate_limit_holds_the_excess (max_posts_per_hour = 2: the third post
 *     is held with reason "rate limit"; an hour later posts flow again).
 *     Here: 30 posts in one cycle, the address in changing case: 3
 *     relayed, 27 held; the flooder gets at most one notice, each
 *     facilitator one per held post and no more; every post processed.
 *  6. MIME bombs (20000-deep multiparts and message/rfc822, 40000 parts,
 *     base64 of zeros), a 100 MB message, 24 messages of 1.9 MB in one
 *     cycle: handled or refused cheaply, barazad's peak RSS (getrusage of
 *     exactly that child) under 64 MB in the plain build, at most one
 *     notice, nothing lost.  Unit level: test_message.c (the parser's
 *     depth and part caps), it_imap.c fetch/oversize_partial (a message
 *     over max_message_kb is fetched partially, from its RFC822.SIZE).
 *  7. Secrets never in logs (stderr at debug level, of barazad and baraza
 *     check, with the right and a wrong password, IMAP and SMTP AUTH) nor
 *     in the database.  Proven elsewhere for the wrong IMAP password
 *     alone: it_foundation.c check/wrong_imap_password_not_echoed,
 *     it_imap.c imap_check/wrong_password_perm.
 *  8. Password files readable by group or world are refused with a clear
 *     error.  Proven elsewhere for the IMAP file at 0644 by `baraza check`:
 *     it_foundation.c config/readable_password_file.  Here: 0640, 0604,
 *     0660, the SMTP file, and barazad.
 *  9. TLS: certificate errors refused, no silent downgrade.
 *     Proven elsewhere: IMAP untrusted CA (it_foundation.c
 *     check/imap_untrusted_certificate, it_imap.c imap_check/table
 *     "imaps_no_ca", "starttls_no_ca"), IMAP wrong host name (it_imap.c
 *     imap_check/table "wrong_host"), IMAP starttls = yes against a server
 *     without STARTTLS (it_imap.c imap_check/starttls_required_but_missing),
 *     SMTP untrusted CA (it_relay.c relay/starttls_unknown_ca_is_refused).
 *     Here: SMTP wrong host name, SMTP starttls = yes against a server
 *     without STARTTLS, and that barazad then sends nothing in clear.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <ctype.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"

#define T0 "2020-11-20T10:00:00Z"

/* ---- helpers --------------------------------------------------------------- */

/* deliver - append one mail to the list's INBOX and run one daemon cycle */
static void
deliver(struct h_env *env, const struct h_mail *m)
{
	h_post(env, m);
	h_barazad_once_ok(env);
}

/* deliver_raw - the same for raw bytes */
static void
deliver_raw(struct h_env *env, const char *raw)
{
	h_imap_append(env, "INBOX", raw, strlen(raw));
	h_barazad_once_ok(env);
}

/* run_ok - a `baraza` command that must succeed */
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
	cr_assert_eq(out.status, 0, "baraza %s: got exit %d, want 0\n%s", cmd,
	    out.status, out.err);
	s = strdup(out.out);
	h_out_free(&out);
	return s;
}

/* setup_list - a list with a facilitator (amina) and two members (bo,
 * chidi), clock at T0, the session announcement already sent */
static void
setup_list(struct h_env *env, const char *name, const char *extra)
{
	h_env_init(env, name);
	h_smtp_start(env);
	h_write_config(env, extra);
	env->now = T0;
	run_ok(env, "init");
	run_ok(env, "member add amina@example.org --name 'Amina Yusuf' --role facilitator");
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

/* held_state_count - rows of `held --json` in that state */
static int
held_state_count(struct h_env *env, const char *state)
{
	char needle[64], *json = baraza_out(env, "held --json");
	const char *p = json;
	int n = 0;

	snprintf(needle, sizeof(needle), "\"state\":\"%s\"", state);
	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	free(json);
	return n;
}

/* member_status - the member's "status" in `member list --json` ("" when
 * absent; static buffer) */
static const char *
member_status(struct h_env *env, const char *email)
{
	static char status[32];
	char needle[256], *json = baraza_out(env, "member list --json");
	const char *p, *q;

	status[0] = '\0';
	snprintf(needle, sizeof(needle), "\"email\":\"%s\"", email);
	if ((p = strstr(json, needle)) != NULL && (q = strstr(p, "\"status\":\"")) != NULL) {
		q += 10;
		snprintf(status, sizeof(status), "%.*s", (int)strcspn(q, "\""), q);
	}
	free(json);
	return status;
}

/* ---- 1. forged summaries and approvals --------------------------------------- */

Test(forgery, summary_from_a_member_or_a_forged_from_is_never_published)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *mail;
	int before_bo, start_bo;

	setup_list(&env, "forged_summary",
	    "[list]\ntrusted_authserv_id = mx.example.org\n");
	start_bo = h_smtp_count_rcpt(&env, "bo@example.net");

	/* a member who is no facilitator */
	m.from = "Bo Lindqvist <bo@example.net>";
	m.to = "cop+summary@example.org";
	m.subject = "Summary";
	m.body = "My own summary of the session.\n";
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Summary"), 0,
	    "a member's summary was published");
	cr_expect_leq(h_smtp_count_rcpt(&env, "bo@example.net") - start_bo, 1,
	    "got %d answers to bo, want at most one refusal",
	    h_smtp_count_rcpt(&env, "bo@example.net") - start_bo);

	/* the facilitator's From, a forged pass from another server, the
	 * forger's Reply-To */
	before_bo = h_smtp_count_rcpt(&env, "bo@example.net");
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary@example.org";
	m.subject = "Summary";
	m.headers = "Authentication-Results: mx.evil.example; dkim=pass header.d=example.org;"
	    " spf=pass smtp.mailfrom=amina@example.org\n"
	    "Authentication-Results: mx.example.org.evil.example; dkim=pass header.d=example.org\n"
	    "Reply-To: Forger <forger@evil.example>";
	m.body = "Forged: the session agreed to wire all funds to the forger.\n";
	deliver(&env, &m);
	env.now = "2020-11-30T10:00:00Z";
	h_barazad_once_ok(&env);
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Summary"), 0,
	    "a forged summary was published");
	/* only the real facilitator sees it: in her confirmation request,
	 * which shows the text to be published (issue 17.9) */
	cr_expect_eq(h_smtp_count_matching(&env, "bo@example.net", "wire all funds") +
	    h_smtp_count_matching(&env, "chidi@example.net", "wire all funds"), 0,
	    "the forged text reached a member");
	cr_expect_eq(h_smtp_count_rcpt(&env, "forger@evil.example"), 0,
	    "the forger's Reply-To got mail (it would carry the confirmation token)");
	cr_expect_eq(h_smtp_count_rcpt(&env, "bo@example.net"), before_bo);
	mail = h_smtp_find(&env, "amina@example.org", "X-Baraza-Notice: summary-confirm");
	cr_expect_not_null(mail, "the real facilitator was not asked to confirm");
	free(mail);

	/* the trusted server itself says the signature fails */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary@example.org";
	m.subject = "Summary";
	m.headers = "Authentication-Results: mx.example.org; dkim=fail header.d=example.org;"
	    " spf=fail smtp.mailfrom=amina@example.org";
	m.body = "Forged again.\n";
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Summary"), 0,
	    "a summary failing dkim and spf was published");
	h_env_fini(&env);
}

Test(forgery, approval_failing_authentication_is_refused)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *notice, *approve;

	setup_list(&env, "forged_approval",
	    "[list]\ntrusted_authserv_id = mx.example.org\n");
	m.from = "Dana Stranger <dana@example.com>";
	m.subject = "Held for a forged approval";
	m.body = "Please let me in.\n";
	deliver(&env, &m);
	notice = h_smtp_find(&env, "amina@example.org", "Held for a forged approval");
	approve = token_address(notice, "approve");
	cr_assert_not_null(approve, "no approve address in the hold notice:\n%s",
	    notice ? notice : "(none)");

	/* the token leaked (say, a forwarded notice); the forger uses the
	 * facilitator's From, but the trusted server says it is forged */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = approve;
	m.subject = "Re: Approval needed";
	m.headers = "Authentication-Results: mx.example.org; dkim=fail header.d=example.org;"
	    " spf=fail smtp.mailfrom=evil.example";
	m.body = "ok\n";
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count_matching(&env, "bo@example.net", "Held for a forged approval"), 0,
	    "a forged approval released the post");
	cr_expect_eq(held_state_count(&env, "held"), 1, "the post is no longer held");
	free(approve);
	free(notice);
	h_env_fini(&env);
}

/* ---- 2. header injection ------------------------------------------------------ */

/* The injected header and recipient every vector below tries to create. */
#define EVIL_RCPT "evil@attacker.example"

/* header_problem - what is wrong with one sent message's header block, or
 * NULL: a line that is neither a field nor a continuation, a bare CR or
 * LF, an injected field, a Bcc field */
static const char *
header_problem(const char *data, char *line, size_t linelen)
{
	const char *p = data;

	for (;;) {
		const char *eol = strstr(p, "\r\n");
		size_t n;

		if (eol == NULL)
			return "no CRLF-terminated header block";
		n = (size_t)(eol - p);
		snprintf(line, linelen, "%.*s", (int)(n < 200 ? n : 200), p);
		if (n == 0)
			return NULL;    /* the end of the header */
		if (memchr(p, '\n', n) || memchr(p, '\r', n))
			return "a bare CR or LF in a header";
		if (*p != ' ' && *p != '\t') {
			const char *colon = memchr(p, ':', n);

			if (colon == NULL || colon == p)
				return "a header line that is no field";
			for (const char *q = p; q < colon; q++)
				if (*q <= ' ' || *q > '~')
					return "a field name with a bad byte";
			if ((size_t)(colon - p) == 10 && strncasecmp(p, "X-Injected", 10) == 0)
				return "an injected X-Injected field";
			if ((size_t)(colon - p) == 3 && strncasecmp(p, "Bcc", 3) == 0)
				return "a Bcc field";
		}
		p = eol + 2;
	}
}

/* check_sent_mail - every captured message: a clean header block and no
 * envelope recipient of the attacker's; returns how many were checked */
static int
check_sent_mail(struct h_env *env)
{
	struct h_smtp_msg msg;
	char line[256];
	int i;

	for (i = 0; h_smtp_message(env, i, &msg) == 1; i++) {
		const char *why = header_problem(msg.data, line, sizeof(line));

		cr_expect_null(why, "sent mail %d: %s: \"%s\"\n%.3000s", i, why, line, msg.data);
		for (size_t k = 0; k < msg.nrcpts; k++)
			cr_expect(strcasestr(msg.rcpts[k], "attacker") == NULL,
			    "sent mail %d went to %s", i, msg.rcpts[k]);
		cr_expect(strcasestr(msg.mail_from, "attacker") == NULL,
		    "sent mail %d has envelope sender %s", i, msg.mail_from);
		h_smtp_msg_free(&msg);
	}
	return i;
}

/* The payloads: encoded CR LF (the decoder's output must be cleaned),
 * folded lines (legal folding that a naive re-folder could break), and
 * NUL/CR bytes raw in a value. */
#define Q_INJECT "=0D=0AX-Injected:_yes=0D=0ABcc:_" EVIL_RCPT
#define B_INJECT "=?utf-8?b?SGVsbG8NClgtSW5qZWN0ZWQ6IHllcw0KQmNjOiBldmlsQGF0dGFja2VyLmV4YW1wbGU=?="

Test(injection, no_input_adds_a_header_or_a_recipient)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char path[H_PATH + 32], *q;
	int sent;
	static const char bad_csv[] =
	    "email,name,role,delivery,region,language,themes\n"
	    "\"eve@example.net\",\"Eve\r\nX-Injected: yes\r\nBcc: " EVIL_RCPT "\",member,each,,,\n";
	static const char csv[] =
	    "email,name,role,delivery,region,language,themes\n"
	    "\"fay@example.net\",\"=?utf-8?q?Fay" Q_INJECT "?=\",member,each,,,\n";

	setup_list(&env, "injection", NULL);

	/* names from the command line and from a CSV import */
	h_baraza(&env, &out, "member add gil@example.net --name \"$(printf 'Gil\\r\\nX-Injected: yes\\r\\nBcc: %s')\"",
	    EVIL_RCPT);
	cr_expect_eq(out.status, 2, "a name with CR LF: got exit %d, want 2", out.status);
	h_out_free(&out);
	h_write_file(&env, "bad.csv", bad_csv, (size_t)-1, 0644, path, sizeof(path));
	q = h_shq(path);
	h_baraza(&env, &out, "member import %s", q);
	cr_expect_eq(out.status, 2, "a CSV name with CR LF: got exit %d, want 2", out.status);
	h_out_free(&out);
	free(q);
	/* a name that only looks like an encoded word is taken literally */
	h_write_file(&env, "members.csv", csv, (size_t)-1, 0644, path, sizeof(path));
	q = h_shq(path);
	h_baraza(&env, &out, "member import %s", q);
	cr_expect_eq(out.status, 0, "member import: got exit %d, want 0\n%s", out.status, out.err);
	h_out_free(&out);
	free(q);

	/* 1. a member's post: encoded CR LF in the subject and the display
	 * name, a folded subject, a Reply-To with an encoded name */
	m.from = "=?utf-8?q?Bo" Q_INJECT "?= <bo@example.net>";
	m.subject = "=?utf-8?q?Funding" Q_INJECT "?=\r\n =?utf-8?q?and_more=0AX-Injected:_2?=";
	m.headers = "Reply-To: =?utf-8?q?R" Q_INJECT "?= <bo@example.net>\n"
	    "Keywords: a\n X-Injected: folded";
	m.body = "A post whose headers try to add a Bcc.\n";
	deliver(&env, &m);

	/* 2. the same with From munging: the name is decoded and re-encoded */
	h_write_config(&env, "[list]\nfrom_munging = always\n");
	memset(&m, 0, sizeof(m));
	m.from = B_INJECT " <chidi@example.net>";
	m.subject = B_INJECT;
	m.body = "Munged.\n";
	deliver(&env, &m);
	h_write_config(&env, NULL);

	/* 3. a non-member's post: held; its subject and name go into the
	 * author's notice and the facilitators' hold notices (templates) */
	memset(&m, 0, sizeof(m));
	m.from = "=?utf-8?q?Mallory" Q_INJECT "?= <mallory@example.com>";
	m.subject = "=?utf-8?q?Held" Q_INJECT "?=";
	m.body = "Held.\n";
	deliver(&env, &m);

	/* 4. commands: arguments and a subject command with encoded CR LF;
	 * a subscription with a hostile name (the confirmation's To) */
	memset(&m, 0, sizeof(m));
	m.from = "=?utf-8?q?Nia" Q_INJECT "?= <nia@example.com>";
	m.to = "cop+request@example.org";
	m.subject = "=?utf-8?q?search_x" Q_INJECT "?=";
	m.body = "language xx\r\nBcc: " EVIL_RCPT "\nsearch =?utf-8?q?" Q_INJECT "?=\nthemes " Q_INJECT "\n";
	deliver(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "=?utf-8?q?Oz" Q_INJECT "?= <oz@example.com>";
	m.to = "cop+subscribe@example.org";
	m.subject = "=?utf-8?q?subscribe" Q_INJECT "?=";
	deliver(&env, &m);

	/* 5. tokens and tags: an address that is not one of ours, an encoded
	 * token, a reply to a POSTID with CR LF */
	memset(&m, 0, sizeof(m));
	m.from = "Bo Lindqvist <bo@example.net>";
	m.to = "\"=?utf-8?q?x" Q_INJECT "?=\" <cop+confirm-=?utf-8?q?" Q_INJECT "?=@example.org>";
	m.headers = "Delivered-To: cop+approve-0123456789abcdef\r\n X-Injected: yes@example.org";
	m.subject = "token";
	deliver(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Bo Lindqvist <bo@example.net>";
	m.to = "cop+reply-1=0D=0ABcc:evil@example.org";
	m.subject = "=?utf-8?q?Re:_x" Q_INJECT "?=";
	deliver(&env, &m);

	/* 6. a summary with a hostile subject and a digest and announcement
	 * cycle that put member names into To fields */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary@example.org";
	m.subject = "=?utf-8?q?Summary" Q_INJECT "?=";
	m.body = "Summary text.\n";
	deliver(&env, &m);
	env.now = "2020-12-02T10:00:00Z";
	h_barazad_once_ok(&env);
	run_ok(&env, "digest send");
	h_barazad_once_ok(&env);

	sent = check_sent_mail(&env);
	cr_expect_gt(sent, 10, "only %d mails were sent: the vectors did not reach the composer", sent);
	cr_expect_gt(h_smtp_count_rcpt(&env, "mallory@example.com"), 0,
	    "the held author's notice was not sent");
	cr_expect_gt(h_smtp_count_rcpt(&env, "nia@example.com"), 0, "no answer to the commands");
	cr_expect_gt(h_smtp_count_rcpt(&env, "oz@example.com"), 0, "no confirmation request");
	cr_expect_gt(h_smtp_count_rcpt(&env, "fay@example.net"), 0,
	    "the imported member got nothing (no To with her name)");
	cr_expect_eq(h_smtp_count_rcpt(&env, EVIL_RCPT), 0);
	h_env_fini(&env);
}

/* ---- 3. tokens guessed or reused ----------------------------------------------- */

/* held_post - a non-member's post, held; the hold notice's approve and
 * reject addresses (owned) */
static void
held_post(struct h_env *env, const char *subject, char **approve, char **reject)
{
	struct h_mail m = { 0 };
	char *notice;

	m.from = "Dana Stranger <dana@example.com>";
	m.subject = subject;
	m.body = "Let me in.\n";
	deliver(env, &m);
	notice = h_smtp_find(env, "amina@example.org", subject);
	*approve = token_address(notice, "approve");
	*reject = token_address(notice, "reject");
	cr_assert(*approve && *reject, "no approve/reject address in:\n%s",
	    notice ? notice : "(none)");
	free(notice);
}

/* from_amina - the facilitator writes to addr */
static void
from_amina(struct h_env *env, const char *addr)
{
	struct h_mail m = { 0 };

	m.from = "Amina Yusuf <amina@example.org>";
	m.to = addr;
	m.subject = "Re: Approval needed";
	m.body = "ok\n";
	deliver(env, &m);
}

Test(tokens, guessed_approvals_are_refused)
{
	struct h_env env;
	char *approve, *reject, bad[2048];
	char *tok;
	size_t len;

	setup_list(&env, "tokens_guess", NULL);
	held_post(&env, "Guess my token", &approve, &reject);
	len = strcspn(approve + strlen("cop+approve-"), "@");
	tok = strndup(approve + strlen("cop+approve-"), len);
	{
		/* every guess: random, truncated by one, extended by one, a
		 * letter that is no hex digit, a wrong last digit, half of it,
		 * 128 characters */
		char guesses[8][200];
		int n = 0;

		snprintf(guesses[n++], sizeof(guesses[0]), "0123456789abcdef0123456789abcdef");
		snprintf(guesses[n++], sizeof(guesses[0]), "%.*s", (int)len - 1, tok);
		snprintf(guesses[n++], sizeof(guesses[0]), "%.*s0", (int)len, tok);
		/* (one token answers both addresses of a hold: its reject
		 * address is no guess) */
		snprintf(guesses[n++], sizeof(guesses[0]), "%.*sz", (int)len - 1, tok);
		snprintf(guesses[n++], sizeof(guesses[0]), "%.*s%c", (int)len - 1, tok,
		    tok[len - 1] == '0' ? '1' : '0');
		snprintf(guesses[n++], sizeof(guesses[0]), "%.16s", tok);
		snprintf(guesses[n++], sizeof(guesses[0]), "%s%s%s%s", tok, tok, tok, tok);
		guesses[n - 1][128] = '\0';
		for (int i = 0; i < n; i++) {
			snprintf(bad, sizeof(bad), "cop+approve-%s@example.org", guesses[i]);
			from_amina(&env, bad);
			cr_expect_eq(held_state_count(&env, "held"), 1,
			    "guess %d (%s) decided the hold", i, bad);
		}
	}
	cr_expect_eq(h_smtp_count_matching(&env, "bo@example.net", "Guess my token"), 0,
	    "a guessed token released the post");
	/* the real one still works */
	from_amina(&env, approve);
	cr_expect_eq(h_smtp_count_matching(&env, "bo@example.net", "Guess my token"), 1);
	free(tok);
	free(approve);
	free(reject);
	h_env_fini(&env);
}

Test(tokens, approval_after_rejection_has_no_effect)
{
	struct h_env env;
	char *approve, *reject;

	setup_list(&env, "tokens_reject", NULL);
	held_post(&env, "Rejected then approved", &approve, &reject);
	from_amina(&env, reject);
	cr_expect_eq(held_state_count(&env, "rejected"), 1);
	from_amina(&env, approve);
	cr_expect_eq(held_state_count(&env, "rejected"), 1, "the rejection was overturned");
	cr_expect_eq(h_smtp_count_matching(&env, "bo@example.net", "Rejected then approved"), 0,
	    "an approve token used after the rejection released the post");
	/* and the reject token a second time: no second mail to the author */
	{
		int before = h_smtp_count_rcpt(&env, "dana@example.com");

		from_amina(&env, reject);
		cr_expect_eq(h_smtp_count_rcpt(&env, "dana@example.com"), before,
		    "the author was told twice");
	}
	free(approve);
	free(reject);
	h_env_fini(&env);
}

/* subscribe - a stranger asks to subscribe; returns the confirm address */
static char *
subscribe(struct h_env *env, const char *from)
{
	struct h_mail m = { 0 };
	char *mail, *confirm;
	const char *addr = strchr(from, '<') + 1;
	char rcpt[128];

	snprintf(rcpt, sizeof(rcpt), "%.*s", (int)strcspn(addr, ">"), addr);
	m.from = from;
	m.to = "cop+subscribe@example.org";
	m.subject = "subscribe";
	deliver(env, &m);
	mail = h_smtp_find(env, rcpt, "cop+confirm-");
	confirm = token_address(mail, "confirm");
	cr_assert_not_null(confirm, "no confirmation request to %s", rcpt);
	free(mail);
	return confirm;
}

Test(tokens, confirmations_reused_or_expired_are_refused)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *confirm, *confirm2, *unsub_confirm;
	int before;

	setup_list(&env, "tokens_confirm", NULL);

	/* a confirmation used twice: one subscription, one welcome */
	confirm = subscribe(&env, "Kofi Mensah <kofi@example.com>");
	m.from = "Kofi Mensah <kofi@example.com>";
	m.to = confirm;
	m.subject = "Re: confirm";
	deliver(&env, &m);
	cr_expect_str_eq(member_status(&env, "kofi@example.com"), "active");
	before = h_smtp_count_rcpt(&env, "kofi@example.com");
	m.message_id = "<again.1@example.com>";
	deliver(&env, &m);
	cr_expect_leq(h_smtp_count_rcpt(&env, "kofi@example.com") - before, 1,
	    "a reused confirmation: at most one \"already done\"");
	cr_expect_eq(h_smtp_count_matching(&env, "kofi@example.com", "Welcome"), 1,
	    "welcomed %d times", h_smtp_count_matching(&env, "kofi@example.com", "Welcome"));

	/* he leaves; the old subscription token must not bring him back */
	memset(&m, 0, sizeof(m));
	m.from = "Kofi Mensah <kofi@example.com>";
	m.to = "cop+unsubscribe@example.org";
	m.subject = "unsubscribe";
	deliver(&env, &m);
	{
		char *mail = h_smtp_find(&env, "kofi@example.com", "cop+confirm-");

		unsub_confirm = token_address(mail, "confirm");
		free(mail);
	}
	cr_assert_not_null(unsub_confirm);
	cr_assert_str_neq(unsub_confirm, confirm, "the unsubscription reused the token");
	memset(&m, 0, sizeof(m));
	m.from = "Kofi Mensah <kofi@example.com>";
	m.to = unsub_confirm;
	m.subject = "Re: confirm";
	deliver(&env, &m);
	cr_expect_str_eq(member_status(&env, "kofi@example.com"), "unsubscribed");
	m.to = confirm;
	m.message_id = "<again.2@example.com>";
	deliver(&env, &m);
	cr_expect_str_eq(member_status(&env, "kofi@example.com"), "unsubscribed",
	    "the spent subscription token subscribed him again");

	/* a confirmation after 7 days: refused */
	confirm2 = subscribe(&env, "Lena Berg <lena@example.com>");
	env.now = "2020-11-27T10:00:01Z";
	memset(&m, 0, sizeof(m));
	m.from = "Lena Berg <lena@example.com>";
	m.to = confirm2;
	m.subject = "Re: confirm";
	deliver(&env, &m);
	cr_expect_str_neq(member_status(&env, "lena@example.com"), "active",
	    "a confirmation older than 7 days was accepted");

	/* a guessed confirmation: nobody is subscribed */
	memset(&m, 0, sizeof(m));
	m.from = "Mo Guess <mo@example.com>";
	m.to = "cop+confirm-0123456789abcdef0123456789abcdef@example.org";
	m.subject = "confirm";
	deliver(&env, &m);
	cr_expect_str_eq(member_status(&env, "mo@example.com"), "");
	free(confirm);
	free(confirm2);
	free(unsub_confirm);
	h_env_fini(&env);
}

/* ---- 4. mail loops ---------------------------------------------------------------- */

/* drop_field - raw without every top-level header field called name
 * (with its continuation lines); in place */
static void
drop_field(char *raw, const char *name)
{
	size_t n = strlen(name);
	char *p = raw;

	while (*p && !(p[0] == '\r' && p[1] == '\n')) {
		char *next = strstr(p, "\r\n");

		if (next == NULL)
			return;
		next += 2;
		while (*next == ' ' || *next == '\t') {
			char *e = strstr(next, "\r\n");

			if (e == NULL)
				return;
			next = e + 2;
		}
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			memmove(p, next, strlen(next) + 1);
		else
			p = next;
	}
}

/* came_back - what a relayed copy looks like when it returns to the list's
 * mailbox: prefix (header lines, CRLF) + the copy with the fields in drop
 * removed (owned) */
static char *
came_back(const char *copy, const char *prefix, const char *const *drop)
{
	size_t plen = strlen(prefix), clen = strlen(copy);
	char *raw = malloc(plen + clen + 1);

	cr_assert_not_null(raw);
	memcpy(raw, prefix, plen);
	memcpy(raw + plen, copy, clen + 1);
	for (; drop && *drop; drop++)
		drop_field(raw + plen, *drop);
	return raw;
}

Test(loop, relayed_copies_and_auto_replies_end_within_two_rounds)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *copy, *raw;
	int round1, before;
	static const char *const no_ids[] = { "Message-ID", NULL };
	static const char *const stripped[] = { "Message-ID", "List-Id", "Precedence",
	    "List-Post", "List-Help", "List-Subscribe", "List-Unsubscribe", NULL };

	setup_list(&env, "loop", NULL);
	/* another list is subscribed to ours, and redistributes what it gets */
	run_ok(&env, "member add other-list@lists.example.net --name 'Other List'");
	before = h_smtp_count(&env);
	m.from = "Bo Lindqvist <bo@example.net>";
	m.subject = "Round one";
	m.message_id = "<round.1@example.net>";
	m.body = "The post that tries to come back.\n";
	deliver(&env, &m);
	round1 = h_smtp_count(&env);
	cr_assert_eq(round1 - before, 3, "round 1: got %d mails, want 3 (amina, chidi, other-list)",
	    round1 - before);
	copy = h_smtp_find(&env, "other-list@lists.example.net", "Round one");
	cr_assert_not_null(copy);

	/* a. the copy comes back as it was (a member forwards to the list) */
	raw = came_back(copy, "Delivered-To: cop@example.org\r\n", NULL);
	deliver_raw(&env, raw);
	free(raw);
	/* b. the other list redistributes it: new Message-ID, its own List-Id
	 * and X-Loop, ours kept */
	raw = came_back(copy, "Delivered-To: cop@example.org\r\n"
	    "Message-ID: <other.1@lists.example.net>\r\n"
	    "List-Id: Other List <other-list.lists.example.net>\r\n"
	    "X-Loop: other-list@lists.example.net\r\n", no_ids);
	deliver_raw(&env, raw);
	free(raw);
	/* c. a forwarder that strips the list fields but keeps X-Loop */
	raw = came_back(copy, "Delivered-To: cop@example.org\r\n"
	    "Message-ID: <fwd.1@lists.example.net>\r\n", stripped);
	deliver_raw(&env, raw);
	free(raw);
	cr_expect_eq(h_smtp_count(&env), round1,
	    "round 2 (returned copies): got %d more mails, want 0", h_smtp_count(&env) - round1);

	/* d.-g. auto-responders answering the post, to the list (Reply-To)
	 * and to the VERP return path */
	memset(&m, 0, sizeof(m));
	m.from = "Chidi Okafor <chidi@example.net>";
	m.subject = "Out of Office: [CoP] Round one";
	m.in_reply_to = "<round.1@example.net>";
	m.headers = "Auto-Submitted: auto-replied";
	m.body = "I am away until Monday.\n";
	deliver(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Chidi Okafor <chidi@example.net>";
	m.subject = "Automatic reply: [CoP] Round one";
	m.headers = "X-Auto-Response-Suppress: All";
	m.body = "I am away until Monday.\n";
	deliver(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Newsletter <news@example.com>";
	m.subject = "Weekly news";
	m.headers = "Precedence: bulk";
	deliver(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Chidi Okafor <chidi@example.net>";
	m.to = "cop+bounces-chidi=example.net@example.org";
	m.subject = "Auto: Round one";
	m.headers = "Auto-Submitted: auto-replied\nReturn-Path: <chidi@example.net>";
	m.body = "I am away.\n";
	deliver(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Chidi Okafor <chidi@example.net>";
	m.to = "cop+request@example.org";
	m.subject = "Out of office";
	m.headers = "Auto-Submitted: auto-replied";
	m.body = "help\n";
	deliver(&env, &m);
	cr_expect_eq(h_smtp_count(&env), round1,
	    "auto-replies: got %d more mails, want 0", h_smtp_count(&env) - round1);
	cr_expect_str_eq(member_status(&env, "chidi@example.net"), "active",
	    "a vacation reply counted as a bounce");
	/* and nothing left to send later */
	h_barazad_once_ok(&env);
	cr_expect_eq(h_smtp_count(&env), round1);
	free(copy);
	h_env_fini(&env);
}

/* ---- 5. a flooding member ----------------------------------------------------------- */

Test(flood, excess_posts_are_held_and_the_notices_are_bounded)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char subj[64], id[64];
	size_t len;
	int to_amina, to_bo, relayed, start_amina, start_bo;

	setup_list(&env, "flood", "[list]\nmax_posts_per_hour = 3\n");
	start_amina = h_smtp_count_rcpt(&env, "amina@example.org");
	start_bo = h_smtp_count_rcpt(&env, "bo@example.net");
	for (int i = 0; i < 30; i++) {
		char *raw;

		memset(&m, 0, sizeof(m));
		snprintf(subj, sizeof(subj), "Flood %02d", i);
		snprintf(id, sizeof(id), "<flood.%d@example.net>", i);
		/* the address in changing case: one sender all the same */
		m.from = i % 3 == 0 ? "Bo Lindqvist <bo@example.net>" :
		    i % 3 == 1 ? "Bo Lindqvist <BO@Example.NET>" : "<Bo@EXAMPLE.net>";
		m.subject = subj;
		m.message_id = id;
		m.body = "Again.\n";
		raw = h_mail_build(&m, &len, NULL, 0);
		h_imap_append(&env, "INBOX", raw, len);
		free(raw);
	}
	h_barazad_once_ok(&env);
	relayed = h_smtp_count_matching(&env, "chidi@example.net", "Flood ");
	cr_expect_eq(relayed, 3, "got %d posts relayed, want max_posts_per_hour = 3", relayed);
	cr_expect_eq(held_state_count(&env, "held"), 27, "got %d held, want 27",
	    held_state_count(&env, "held"));
	to_bo = h_smtp_count_rcpt(&env, "bo@example.net") - start_bo;
	to_amina = h_smtp_count_rcpt(&env, "amina@example.org") - start_amina - relayed;
	cr_expect_leq(to_bo, 1, "the flooder got %d notices, want at most 1", to_bo);
	cr_expect_leq(to_amina, 27, "the facilitator got %d hold notices for 27 holds", to_amina);
	cr_expect_eq(h_imap_count(&env, "Processed"), 30, "not every post was processed");
	h_env_fini(&env);
}

/* ---- 6. MIME bombs and a 100 MB message ------------------------------------------ */

/* The daemon's memory bound for one cycle over hostile mail. */
#define RSS_LIMIT_KB (64 * 1024)

/* rss_bound_applies - the bound means something only for the plain
 * build: AddressSanitizer's shadow memory and quarantine, or valgrind
 * (make check-valgrind), multiply the daemon's footprint */
static int
rss_bound_applies(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return 0;
#endif
#endif
	return getenv("BARAZA_VALGRIND") == NULL || *getenv("BARAZA_VALGRIND") == '\0';
}

/* expect_rss - barazad's peak RSS under the bound (where it applies) */
static void
expect_rss(long kb, const char *what)
{
	fprintf(stderr, "it_security: %s: barazad peak RSS %ld KB%s\n", what, kb,
	    rss_bound_applies() ? "" : " (sanitizer or valgrind: not checked)");
	cr_expect_gt(kb, 0, "%s: no peak RSS measured", what);
	if (rss_bound_applies())
		cr_expect_lt(kb, RSS_LIMIT_KB, "%s: barazad's peak RSS: got %ld KB, want < %d KB",
		    what, kb, RSS_LIMIT_KB);
}

/* once_rss - one `barazad --once` whose peak RSS (KB) is measured by a
 * parent of its own (getrusage of exactly that child); returns the peak,
 * exit status in *status */
static long
once_rss(struct h_env *env, int *status)
{
	struct h_out out;
	const char *p;
	long kb = -1;

	*status = h_run(env, &out, "/usr/bin/python3 -c 'import resource, subprocess, sys\n"
	    "r = subprocess.call(sys.argv[1:])\n"
	    "sys.stderr.write(\"\\nmaxrss_kb=%%d\\n\" %% resource.getrusage("
	    "resource.RUSAGE_CHILDREN).ru_maxrss)\n"
	    "sys.exit(r)' %s '%s' --once", getenv("BARAZA_VALGRIND") ? getenv("BARAZA_VALGRIND") : "",
	    env->barazad);
	if ((p = strstr(out.err, "maxrss_kb=")) != NULL)
		kb = atol(p + 10);
	cr_expect_eq(*status, 0, "barazad --once: got exit %d, want 0\n%.4000s", *status, out.err);
	h_out_free(&out);
	return kb;
}

/* grow - append fmt to *s (length *len, capacity *cap) */
static void
grow(char **s, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
grow(char **s, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*s + *len, *cap - *len, fmt, ap);
		va_end(ap);
		cr_assert(n >= 0);
		if ((size_t)n < *cap - *len)
			break;
		*cap = (*cap + (size_t)n) * 2;
		*s = realloc(*s, *cap);
		cr_assert_not_null(*s);
	}
	*len += (size_t)n;
}

#define BOMB_HEAD(id, subject) \
	"From: Bo Lindqvist <bo@example.net>\r\nTo: cop@example.org\r\n" \
	"Subject: " subject "\r\nDate: Fri, 20 Nov 2020 09:00:00 +0000\r\n" \
	"Message-ID: <" id "@example.net>\r\nMIME-Version: 1.0\r\n"

/* bomb_deep - multiparts nested depth deep */
static char *
bomb_deep(int depth)
{
	size_t len = 0, cap = 1 << 16;
	char *s = malloc(cap);

	cr_assert_not_null(s);
	grow(&s, &len, &cap, "%s", BOMB_HEAD("deep.1", "Bomb deep"));
	for (int i = 0; i < depth; i++)
		grow(&s, &len, &cap, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n",
		    i, i);
	grow(&s, &len, &cap, "Content-Type: text/plain\r\n\r\nthe bottom\r\n");
	for (int i = depth - 1; i >= 0; i--)
		grow(&s, &len, &cap, "--b%d--\r\n", i);
	return s;
}

/* bomb_rfc822 - message/rfc822 parts nested depth deep */
static char *
bomb_rfc822(int depth)
{
	size_t len = 0, cap = 1 << 16;
	char *s = malloc(cap);

	cr_assert_not_null(s);
	grow(&s, &len, &cap, "%s", BOMB_HEAD("rfc822.1", "Bomb rfc822"));
	for (int i = 0; i < depth; i++)
		grow(&s, &len, &cap, "Content-Type: message/rfc822\r\n\r\nSubject: level %d\r\n", i);
	grow(&s, &len, &cap, "Content-Type: text/plain\r\n\r\nthe bottom\r\n");
	return s;
}

/* bomb_wide - one multipart with n tiny parts */
static char *
bomb_wide(int n)
{
	size_t len = 0, cap = 1 << 16;
	char *s = malloc(cap);

	cr_assert_not_null(s);
	grow(&s, &len, &cap, "%sContent-Type: multipart/mixed; boundary=\"w\"\r\n\r\n",
	    BOMB_HEAD("wide.1", "Bomb wide"));
	for (int i = 0; i < n; i++)
		grow(&s, &len, &cap, "--w\r\nContent-Type: text/plain\r\n\r\n%d\r\n", i);
	grow(&s, &len, &cap, "--w--\r\n");
	return s;
}

/* bomb_zeros - base64 of zero bytes, kb KB of base64, as text and as an
 * attachment */
static char *
bomb_zeros(int kb)
{
	size_t len = 0, cap = (size_t)kb * 1024 + (1 << 16);
	char *s = malloc(cap);
	char line[80];

	cr_assert_not_null(s);
	memset(line, 'A', 76);
	line[76] = '\0';
	grow(&s, &len, &cap, "%sContent-Type: multipart/mixed; boundary=\"z\"\r\n\r\n",
	    BOMB_HEAD("zeros.1", "Bomb zeros"));
	for (int k = 0; k < 2; k++) {
		grow(&s, &len, &cap, "--z\r\nContent-Type: %s\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n",
		    k == 0 ? "text/plain; charset=utf-8" :
		    "application/octet-stream; name=\"zeros.bin\"");
		for (int i = 0; i < kb * 1024 / 78 / 2; i++)
			grow(&s, &len, &cap, "%s\r\n", line);
	}
	grow(&s, &len, &cap, "--z--\r\n");
	return s;
}

Test(bomb, nested_and_wide_mime_is_handled_in_bounded_memory)
{
	struct h_env env;
	char *raw[4];
	long kb;
	int status, to_bo, n = 4;

	setup_list(&env, "bomb_mime", NULL);
	to_bo = h_smtp_count_rcpt(&env, "bo@example.net");
	raw[0] = bomb_deep(20000);
	raw[1] = bomb_rfc822(20000);
	raw[2] = bomb_wide(40000);
	raw[3] = bomb_zeros(1900);
	for (int i = 0; i < n; i++) {
		cr_assert_lt(strlen(raw[i]), (size_t)2048 * 1024, "bomb %d is over max_message_kb", i);
		h_imap_append(&env, "INBOX", raw[i], strlen(raw[i]));
		free(raw[i]);
	}
	kb = once_rss(&env, &status);
	expect_rss(kb, "MIME bombs");
	cr_expect_eq(h_imap_count(&env, "INBOX") + h_imap_count(&env, "Processed"), n,
	    "messages lost: %d in INBOX, %d in Processed, want %d in all",
	    h_imap_count(&env, "INBOX"), h_imap_count(&env, "Processed"), n);
	cr_expect_eq(h_imap_count(&env, "Processed"), n, "not every bomb was processed");
	cr_expect_leq(h_smtp_count_rcpt(&env, "bo@example.net") - to_bo, n,
	    "the sender got %d notices for %d messages",
	    h_smtp_count_rcpt(&env, "bo@example.net") - to_bo, n);
	/* the daemon is still fine: the next post goes through */
	{
		struct h_mail m = { 0 };

		m.from = "Bo Lindqvist <bo@example.net>";
		m.subject = "After the bombs";
		deliver(&env, &m);
		cr_expect_eq(h_smtp_count_matching(&env, "chidi@example.net", "After the bombs"), 1);
	}
	h_env_fini(&env);
}

Test(bomb, hundred_megabytes_refused_cheaply_and_kept, .timeout = 300)
{
	struct h_env env;
	size_t size = (size_t)100 << 20, len = 0;
	char *raw = malloc(size + 4096), *notice;
	long kb;
	int status, to_bo;

	cr_assert_not_null(raw);
	setup_list(&env, "bomb_100mb", NULL);
	to_bo = h_smtp_count_rcpt(&env, "bo@example.net");
	len = (size_t)snprintf(raw, 4096, "%sContent-Type: text/plain\r\n\r\n",
	    BOMB_HEAD("huge.1", "A hundred megabytes"));
	while (len + 78 <= size) {
		memset(raw + len, 'x', 76);
		memcpy(raw + len + 76, "\r\n", 2);
		len += 78;
	}
	raw[len] = '\0';
	h_imap_append(&env, "INBOX", raw, len);
	free(raw);
	env.timeout_ms = 240000;
	kb = once_rss(&env, &status);
	expect_rss(kb, "a 100 MB message");
	cr_expect_eq(h_imap_count(&env, "INBOX") + h_imap_count(&env, "Processed"), 1,
	    "the message was lost");
	cr_expect_eq(h_smtp_count_matching(&env, "chidi@example.net", "A hundred megabytes"), 0,
	    "the oversize message was relayed");
	cr_expect_eq(h_smtp_count_rcpt(&env, "bo@example.net") - to_bo, 1,
	    "the sender got %d notices, want 1",
	    h_smtp_count_rcpt(&env, "bo@example.net") - to_bo);
	notice = h_smtp_find(&env, "bo@example.net", "A hundred megabytes");
	cr_expect(notice && (strcasestr(notice, "too large") || strcasestr(notice, "too big")),
	    "the notice does not say the message was too large:\n%.3000s", notice ? notice : "(none)");
	free(notice);
	/* a second cycle: still one notice, nothing re-fetched */
	kb = once_rss(&env, &status);
	cr_expect_eq(h_smtp_count_rcpt(&env, "bo@example.net") - to_bo, 1);
	h_env_fini(&env);
}

Test(bomb, many_large_messages_in_one_cycle_stay_in_bounded_memory, .timeout = 300)
{
	struct h_env env;
	size_t size = 1900 * 1024;
	char *raw = malloc(size + 4096);
	long kb;
	int status, n = 24, relayed = 3;

	cr_assert_not_null(raw);
	setup_list(&env, "bomb_many", NULL);
	for (int i = 0; i < n; i++) {
		size_t len = (size_t)snprintf(raw, 4096,
		    "From: Bo Lindqvist <bo@example.net>\r\nTo: cop@example.org\r\n"
		    "Subject: Large %d\r\nMessage-ID: <large.%d@example.net>\r\n%s"
		    "Content-Type: text/plain\r\n\r\n", i, i,
		    i < relayed ? "" : "Auto-Submitted: auto-generated\r\n");

		/* most are robots' (stored, not relayed); the first few are
		 * relayed to both other members */
		while (len + 78 <= size) {
			memset(raw + len, 'a' + i % 26, 76);
			memcpy(raw + len + 76, "\r\n", 2);
			len += 78;
		}
		h_imap_append(&env, "INBOX", raw, len);
	}
	free(raw);
	env.timeout_ms = 240000;
	kb = once_rss(&env, &status);
	expect_rss(kb, "24 messages of 1.9 MB");
	cr_expect_eq(h_imap_count(&env, "Processed"), n, "got %d processed, want %d",
	    h_imap_count(&env, "Processed"), n);
	cr_expect_eq(h_smtp_count_matching(&env, "chidi@example.net", "Subject: [CoP] Large "),
	    relayed);
	h_env_fini(&env);
}

/* ---- servers of our own on this test's SMTP port --------------------------------- */

/* start_on_smtp_port - run argv (a server listening on env->smtp_port) as
 * this test's SMTP server: h_smtp_stop() and h_env_fini() stop it.  Output
 * goes to DIR/server.log.  Returns when the port accepts. */
static void
start_on_smtp_port(struct h_env *env, char *const argv[])
{
	struct h_out out;
	char logp[H_PATH + 32];
	pid_t pid;
	int rc;

	snprintf(logp, sizeof(logp), "%s/server.log", env->dir);
	fflush(NULL);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		FILE *f = freopen(logp, "a", stdout);

		if (f != NULL)
			dup2(fileno(f), 2);
		execv(argv[0], argv);
		_exit(127);
	}
	env->smtp_pid = pid;
	rc = h_run(env, &out, "'%s/tests/servers/wait-port' 127.0.0.1 %d 10000",
	    env->srcdir, env->smtp_port);
	h_out_free(&out);
	cr_assert_eq(rc, 0, "%s did not come up on port %d", argv[0], env->smtp_port);
}

/* start_capture_without_tls - smtp-capture.py without --cert: a server
 * that does not offer STARTTLS, writing into env->smtp_dir as usual */
static void
start_capture_without_tls(struct h_env *env)
{
	char script[H_PATH + 64], port[16];
	char *argv[] = { "/usr/bin/python3", script, env->smtp_dir, port, NULL };

	snprintf(script, sizeof(script), "%s/tests/servers/smtp-capture.py", env->srcdir);
	snprintf(port, sizeof(port), "%d", env->smtp_port);
	start_on_smtp_port(env, argv);
}

/* An SMTP server with AUTH (the capture server has none, and smtp-sink
 * answers "AUTH PLAIN" with 250, which no client can use): aiosmtpd taking
 * only relay-user with the password in argv[3], AUTH without TLS allowed;
 * each delivered message appends a line to DIR/delivered. */
static const char auth_server_py[] =
    "import os, signal, sys, time\n"
    "from aiosmtpd.controller import Controller\n"
    "from aiosmtpd.smtp import AuthResult\n"
    "port, d, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()\n"
    "class H:\n"
    "    async def handle_DATA(self, server, session, envelope):\n"
    "        with open(os.path.join(d, 'delivered'), 'a') as f:\n"
    "            f.write(' '.join(envelope.rcpt_tos) + '\\n')\n"
    "        return '250 OK'\n"
    "def auth(server, session, envelope, mechanism, data):\n"
    "    return AuthResult(success=getattr(data, 'login', None) == b'relay-user' and\n"
    "                      getattr(data, 'password', None) == pw, handled=False)\n"
    "c = Controller(H(), hostname='127.0.0.1', port=port, authenticator=auth,\n"
    "               auth_require_tls=False, auth_required=True)\n"
    "c.start()\n"
    "signal.sigwait({signal.SIGTERM, signal.SIGINT})\n"
    "c.stop()\n";

/* start_auth_server - that server on this test's SMTP port */
static void
start_auth_server(struct h_env *env, const char *password)
{
	char port[16];
	char *argv[] = { "/usr/bin/python3", "-c", (char *)auth_server_py, port, env->dir,
	    (char *)password, NULL };

	snprintf(port, sizeof(port), "%d", env->smtp_port);
	start_on_smtp_port(env, argv);
}

/* auth_delivered - messages the AUTH server accepted */
static int
auth_delivered(struct h_env *env)
{
	char path[H_PATH + 32], *text;
	int n = 0;

	snprintf(path, sizeof(path), "%s/delivered", env->dir);
	if ((text = h_read_file(path, NULL)) == NULL)
		return 0;
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	free(text);
	return n;
}

/* ---- 7. secrets never in logs or in the database ---------------------------------- */

/* b64 - base64 of len bytes of s into out (cap outlen) */
static void
b64(const char *s, size_t len, char *out, size_t outlen)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < outlen; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;

		if (i + 1 < len)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)s[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* no_secret - text (what, len bytes, may hold NULs) shows none of the
 * secrets, raw or base64-encoded as SMTP AUTH PLAIN/LOGIN would send them */
static void
no_secret(const char *what, const char *text, size_t len, const char *const *secrets)
{
	for (; *secrets; secrets++) {
		char enc[256], plain[256], enc_plain[512];
		size_t n;

		cr_expect(memmem(text, len, *secrets, strlen(*secrets)) == NULL,
		    "%s shows the secret \"%s\"", what, *secrets);
		b64(*secrets, strlen(*secrets), enc, sizeof(enc));
		cr_expect(memmem(text, len, enc, strlen(enc)) == NULL,
		    "%s shows the secret \"%s\" in base64", what, *secrets);
		n = (size_t)snprintf(plain, sizeof(plain), "%c%s%c%s", 0, "relay-user", 0, *secrets);
		b64(plain, n, enc_plain, sizeof(enc_plain));
		cr_expect(memmem(text, len, enc_plain, strlen(enc_plain)) == NULL,
		    "%s shows an AUTH PLAIN line with \"%s\"", what, *secrets);
	}
}

/* no_secret_in_db - nor in the database file and its WAL */
static void
no_secret_in_db(struct h_env *env, const char *const *secrets)
{
	static const char *const suffix[] = { "", "-wal", "-journal" };

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		char path[H_PATH + 16];
		size_t len;
		char *data;

		snprintf(path, sizeof(path), "%s%s", env->db, suffix[i]);
		if ((data = h_read_file(path, &len)) == NULL)
			continue;
		no_secret(path, data, len, secrets);
		free(data);
	}
}

Test(secrets, never_in_logs_or_the_database)
{
	struct h_env env;
	struct h_out out;
	struct h_mail m = { 0 };
	char extra[H_PATH + 256], path[H_PATH + 32];
	static const char smtp_secret[] = "Smtp-S3cret-55721";
	static const char wrong_imap[] = "Wr0ng-Imap-90210";
	static const char wrong_smtp[] = "Wr0ng-Smtp-31337";
	const char *secrets[] = { NULL, smtp_secret, wrong_imap, wrong_smtp, NULL };

	h_env_init(&env, "secrets");
	secrets[0] = env.imap_pass;
	start_auth_server(&env, smtp_secret);
	h_write_file(&env, "smtp.pass", smtp_secret, (size_t)-1, 0600, path, sizeof(path));
	snprintf(extra, sizeof(extra), "[smtp]\nuser = relay-user\npassword_file = %s\n", path);
	h_write_config(&env, extra);
	env.now = T0;
	run_ok(&env, "init");
	run_ok(&env, "member add bo@example.net --name Bo");
	run_ok(&env, "member add chidi@example.net --name Chidi");

	/* the right passwords, at debug level: IMAP login, SMTP AUTH, delivery */
	m.from = "Bo <bo@example.net>";
	m.subject = "Deliver me with AUTH";
	h_post(&env, &m);
	h_run(&env, &out, "'%s' -v --once", env.barazad);
	cr_expect_eq(out.status, 0, "barazad -v --once: got exit %d, want 0\n%s", out.status, out.err);
	cr_expect(strstr(out.err, "debug") != NULL || strstr(out.err, "smtp: >") != NULL,
	    "no debug output: the test would prove nothing\n%s", out.err);
	/* the session announcement to both members, and the post */
	cr_expect_eq(auth_delivered(&env), 3, "got %d mails delivered through the AUTH server, "
	    "want 3 (else the test proves nothing)\n%s", auth_delivered(&env), out.err);
	no_secret("barazad -v stderr", out.err, out.errlen, secrets);
	no_secret("barazad -v stdout", out.out, out.outlen, secrets);
	h_out_free(&out);
	h_baraza(&env, &out, "-v check");
	cr_expect_eq(out.status, 0, "baraza -v check: got exit %d, want 0\n%s%s", out.status,
	    out.out, out.err);
	no_secret("baraza -v check", out.out, out.outlen, secrets);
	no_secret("baraza -v check stderr", out.err, out.errlen, secrets);
	h_out_free(&out);

	/* wrong passwords: both servers refuse them.  SMTP first, with a
	 * post to deliver (IMAP still right), then both */
	h_write_file(&env, "smtp.pass", wrong_smtp, (size_t)-1, 0600, path, sizeof(path));
	m.subject = "Refused at AUTH";
	h_post(&env, &m);
	h_run(&env, &out, "'%s' -v --once", env.barazad);
	cr_expect(strstr(out.err, "deferred") != NULL, "the wrong SMTP password was accepted:\n%s",
	    out.err);
	no_secret("barazad -v stderr (wrong SMTP password)", out.err, out.errlen, secrets);
	h_out_free(&out);
	h_write_file(&env, env.imap_pass_file, wrong_imap, (size_t)-1, 0600, path, sizeof(path));
	h_post(&env, &m);
	h_run(&env, &out, "'%s' -v --once", env.barazad);
	cr_expect_eq(out.status, 1, "barazad with a wrong password: got exit %d, want 1\n%s",
	    out.status, out.err);
	no_secret("barazad -v stderr (wrong password)", out.err, out.errlen, secrets);
	h_out_free(&out);
	h_baraza(&env, &out, "-v check");
	cr_expect_eq(out.status, 1, "baraza check with a wrong password: got exit %d, want 1",
	    out.status);
	no_secret("baraza -v check (wrong password)", out.out, out.outlen, secrets);
	no_secret("baraza -v check stderr (wrong password)", out.err, out.errlen, secrets);
	h_out_free(&out);

	/* and nothing of them in the database, nor in what the admin sees */
	no_secret_in_db(&env, secrets);
	h_baraza(&env, &out, "queue --json");
	no_secret("queue --json", out.out, out.outlen, secrets);
	h_out_free(&out);
	h_env_fini(&env);
}

/* ---- 8. password files readable by others ------------------------------------------ */

Test(secrets, password_files_readable_by_others_are_refused)
{
	static const struct {
		const char *which;   /* imap | smtp */
		int mode;
	} cases[] = {
		{ "imap", 0640 }, { "imap", 0604 }, { "imap", 0660 },
		{ "smtp", 0644 }, { "smtp", 0640 },
		{ "link", 0644 },   /* the IMAP file a symlink to a 0644 file */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct h_env env;
		struct h_out out;
		char extra[H_PATH + 256], path[H_PATH + 32], want[64], name[32];
		const char *file;

		snprintf(name, sizeof(name), "perm_%s_%o", cases[i].which, cases[i].mode);
		h_env_init(&env, name);
		h_smtp_start(&env);
		h_write_file(&env, "smtp.pass", "Smtp-Perm-Secret", (size_t)-1, 0600, path,
		    sizeof(path));
		snprintf(extra, sizeof(extra), "[smtp]\nuser = relay-user\npassword_file = %s\n", path);
		h_write_config(&env, extra);
		file = strcmp(cases[i].which, "smtp") != 0 ? env.imap_pass_file : path;
		if (strcmp(cases[i].which, "link") == 0) {
			char target[H_PATH + 64];

			snprintf(target, sizeof(target), "%s.target", file);
			cr_assert_eq(rename(file, target), 0);
			cr_assert_eq(chmod(target, (mode_t)cases[i].mode), 0);
			cr_assert_eq(symlink(target, file), 0);
		} else
			cr_assert_eq(chmod(file, (mode_t)cases[i].mode), 0);
		snprintf(want, sizeof(want), "[%s] password_file",
		    strcmp(cases[i].which, "smtp") == 0 ? "smtp" : "imap");
		h_baraza(&env, &out, "check");
		cr_expect_eq(out.status, 2, "%s: baraza check: got exit %d, want 2\n%s", name,
		    out.status, out.err);
		cr_expect(strstr(out.err, want) && strstr(out.err, file),
		    "%s: baraza check does not name \"%s\" and the file:\n%s", name, want, out.err);
		cr_expect(strstr(out.err, "Smtp-Perm-Secret") == NULL &&
		    strstr(out.err, env.imap_pass) == NULL, "%s: a password was printed", name);
		h_out_free(&out);
		h_barazad_once(&env, &out);
		cr_expect_eq(out.status, 2, "%s: barazad: got exit %d, want 2\n%s", name,
		    out.status, out.err);
		cr_expect(strstr(out.err, want) != NULL, "%s: barazad does not name \"%s\":\n%s",
		    name, want, out.err);
		h_out_free(&out);
		h_env_fini(&env);
	}
}

/* ---- 9. TLS: no certificate errors accepted, no downgrade --------------------------- */

/* other_local_name - a host name that resolves to 127.0.0.1 but is not in
 * the test certificate (DNS:localhost, IP:127.0.0.1), or NULL */
static const char *
other_local_name(void)
{
	static char host[256];
	const char *names[] = { host, "vm", "runsc", "localhost.localdomain", NULL };

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (int i = 0; names[i]; i++) {
		struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL;
		int ok = 0;

		if (*names[i] == '\0' || strcasecmp(names[i], "localhost") == 0)
			continue;
		if (getaddrinfo(names[i], NULL, &hints, &res) == 0 && res != NULL) {
			struct sockaddr_in *sin = (struct sockaddr_in *)res->ai_addr;

			ok = ntohl(sin->sin_addr.s_addr) == 0x7f000001;
			freeaddrinfo(res);
		}
		if (ok)
			return names[i];
	}
	return NULL;
}

/* smtp_refused - with this [smtp] config: `baraza check` fails on smtp,
 * and a post through barazad --once reaches no one (nothing is captured)
 * and stays queued */
static void
smtp_refused(struct h_env *env, const char *smtp_extra, const char *want_why)
{
	struct h_out out;
	struct h_mail m = { 0 };
	char *q;

	h_write_config(env, smtp_extra);
	env->now = T0;
	run_ok(env, "init");
	run_ok(env, "member add bo@example.net --name Bo");
	run_ok(env, "member add chidi@example.net --name Chidi");
	h_baraza(env, &out, "check");
	cr_expect_eq(out.status, 1, "%s: baraza check: got exit %d, want 1\n%s%s", env->name,
	    out.status, out.out, out.err);
	cr_expect(strcasestr(out.out, want_why) || strcasestr(out.err, want_why),
	    "%s: baraza check does not say \"%s\":\n%s%s", env->name, want_why, out.out, out.err);
	h_out_free(&out);
	m.from = "Bo <bo@example.net>";
	m.subject = "Never in clear";
	h_post(env, &m);
	h_barazad_once(env, &out);
	h_out_free(&out);
	cr_expect_eq(h_smtp_count(env), 0, "%s: %d mails went over a connection that should "
	    "have been refused", env->name, h_smtp_count(env));
	q = baraza_out(env, "queue --json");
	cr_expect(strstr(q, "deferred") != NULL || strstr(q, "queued") != NULL,
	    "%s: the mail is not waiting in the queue:\n%s", env->name, q);
	free(q);
}

Test(tls, smtp_wrong_host_name_is_refused)
{
	struct h_env env;
	char extra[H_PATH + 256];
	const char *name = other_local_name();

	if (name == NULL)
		cr_skip_test("no second name for 127.0.0.1 on this machine");
	h_env_init(&env, "tls_smtp_host");
	h_smtp_start(&env);
	snprintf(extra, sizeof(extra), "[smtp]\nurl = smtp://%s:%d\nstarttls = yes\nca_file = %s\n",
	    name, env.smtp_port, env.ca_file);
	smtp_refused(&env, extra, "certificate");
	/* the same server by a name in its certificate: accepted (the test
	 * can fail) */
	snprintf(extra, sizeof(extra), "[smtp]\nurl = smtp://localhost:%d\nstarttls = yes\n"
	    "ca_file = %s\n", env.smtp_port, env.ca_file);
	h_write_config(&env, extra);
	run_ok(&env, "queue retry");
	h_barazad_once_ok(&env);
	cr_expect_eq(h_smtp_count_matching(&env, "chidi@example.net", "Never in clear"), 1,
	    "by its right name the server was not used");
	h_env_fini(&env);
}

Test(tls, smtp_starttls_yes_refuses_a_server_without_it)
{
	struct h_env env;
	char extra[H_PATH + 256];

	h_env_init(&env, "tls_smtp_none");
	start_capture_without_tls(&env);
	snprintf(extra, sizeof(extra), "[smtp]\nstarttls = yes\nca_file = %s\n", env.ca_file);
	smtp_refused(&env, extra, "TLS");
	/* no goes on in clear with the same server (the test can fail) */
	h_write_config(&env, "[smtp]\nstarttls = no\n");
	run_ok(&env, "queue retry");
	h_barazad_once_ok(&env);
	cr_expect_eq(h_smtp_count_matching(&env, "chidi@example.net", "Never in clear"), 1,
	    "with starttls = no the server was not used");
	h_env_fini(&env);
}
