/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_programme - a two-session programme driven through the calendar with
 * BARAZA_NOW against the real Dovecot and SMTP capture server (issue 6):
 * announcements at opening, a summary kit two days before the close, a
 * forged summary refused, a facilitator's summary closing the session and
 * reaching every member, the digest with every section (text and HTML),
 * a digest reader's reply threaded under the right post, no duplicate
 * after a restart, stats and the report with both sessions. */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

static void
cycle(struct h_env *env, const char *now)
{
	struct h_out out;

	env->now = now;
	h_barazad_once(env, &out);
	cr_assert_eq(out.status, 0, "barazad --once at %s: exit %d\n%s", now, out.status, out.err);
	h_out_free(&out);
}

/* qp_decoded - undo quoted-printable soft breaks and =XX (enough to search) */
static char *
qp_decoded(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	while (*s) {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=' && s[1] && s[2] && strchr("0123456789ABCDEF", s[1]) &&
		    strchr("0123456789ABCDEF", s[2])) {
			char hex[3] = { s[1], s[2], 0 };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static void
member(struct h_env *env, const char *args)
{
	struct h_out out;

	h_baraza(env, &out, "member add %s", args);
	cr_assert_eq(out.status, 0, "member add %s: %s", args, out.err);
	h_out_free(&out);
}

Test(programme, two_sessions_through_the_calendar)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char *mail, *dec, *reply_addr;
	const char *p;
	int before;

	h_env_init(&env, "programme");
	h_smtp_start(&env);
	h_write_config(&env, "[list]\ntrusted_authserv_id = mx.example.org\n");
	env.now = "2020-11-10T10:00:00Z";
	h_baraza(&env, &out, "init");
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	member(&env, "amina@example.org --name 'Amina Yusuf' --role facilitator --region 'East Africa'");
	member(&env, "kofi@example.org --name 'Kofi Mensah' --region 'West Africa'");
	member(&env, "jean@example.fr --name 'Jean Dupont' --delivery digest --language fr --region Europe");
	member(&env, "rosa@example.org --name 'Rosa Quispe' --delivery digest --themes funding --region 'Latin America'");

	/* The first session opens: every active member is told. */
	cycle(&env, "2020-11-17T10:00:00Z");
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Notice: announce"), 4,
	    "one announcement to each of the four members");
	cr_expect_eq(h_smtp_count_matching(&env, "kofi@example.org", "A new session of"), 1);
	cr_expect_eq(h_smtp_count_matching(&env, "jean@example.fr", "Une nouvelle session"), 1,
	    "in French for jean");
	cr_expect_eq(h_smtp_count_matching(&env, "jean@example.fr", "X-Baraza-Notice: announce"), 1);
	cr_expect_eq(h_smtp_count_matching(&env, "rosa@example.org", "X-Baraza-Notice: announce"), 1);
	cycle(&env, "2020-11-17T11:00:00Z");
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Notice: announce"), 4,
	    "the opening is announced once");

	/* Discussion: a question and a reply with a resource. */
	memset(&m, 0, sizeof(m));
	m.from = "Kofi Mensah <kofi@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Who decides on budget lines?";
	m.message_id = "<q1@example.org>";
	m.body = "Who decides on the budget lines in your partnerships?\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-18T09:00:00Z");
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop@example.org";
	m.subject = "Re: [CoP] Who decides on budget lines?";
	m.message_id = "<r1@example.org>";
	m.in_reply_to = "<q1@example.org>";
	m.references = "<q1@example.org>";
	m.body = "Our partners co-design them: https://example.net/co-design.pdf\n\n"
	    "On Wed, Kofi wrote:\n> Who decides on the budget lines?\n";
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Kofi Mensah <kofi@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Unrestricted funding?";
	m.message_id = "<q2@example.org>";
	m.body = "Has anyone moved a donor to unrestricted funding?\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-19T09:00:00Z");

	/* Two days before the close: the kit, to the facilitator only. */
	cycle(&env, "2020-11-29T01:00:00Z");
	mail = h_smtp_find(&env, "amina@example.org", "X-Baraza-Notice: kit");
	cr_assert_not_null(mail, "no summary kit reached the facilitator");
	cr_expect(strstr(mail, "Who decides on budget lines?") != NULL, "kit lists threads:\n%s", mail);
	cr_expect(strstr(mail, "Unrestricted funding?") != NULL, "kit lists the unanswered question");
	cr_expect(strstr(mail, "https://example.net/co-design.pdf") != NULL, "kit lists resources");
	cr_expect(strstr(mail, "cop+summary-funding@example.org") != NULL);
	free(mail);
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Notice: kit"), 1, "the kit goes to the facilitator only");

	/* A forged summary from a member: refused, nothing to the members. */
	memset(&m, 0, sizeof(m));
	m.from = "Kofi Mensah <kofi@example.org>";
	m.to = "cop+summary@example.org";
	m.subject = "Summary";
	m.body = "We agreed on everything.\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-30T10:00:00Z");
	cr_expect_eq(h_smtp_count_matching(&env, "kofi@example.org", "X-Baraza-Notice: summary-refused"), 1);
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Summary"), 0);

	/* The facilitator's summary, vouched for by the trusted server. */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary-funding@example.org";
	m.subject = "Summary of our first session";
	m.message_id = "<summary1@example.org>";
	m.headers = "Authentication-Results: mx.example.org; dkim=pass header.d=example.org;"
	    " spf=pass smtp.mailfrom=amina@example.org";
	m.body = "Partners should co-design budget lines; pooled funds help.\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-30T12:00:00Z");
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Summary: 1"), 4,
	    "the summary goes to every member, whatever their delivery mode");
	mail = h_smtp_find(&env, "jean@example.fr", "X-Baraza-Summary: 1");
	cr_assert_not_null(mail, "the digest member jean gets the summary too");
	/* jean reads French: "[CoP] Résumé : ...", RFC 2047 encoded */
	cr_expect(strstr(mail, "Subject: [CoP] =?UTF-8?") != NULL, "%s", mail);
	free(mail);
	h_baraza(&env, &out, "session list --json");
	cr_expect(strstr(out.out, "\"closed\"") != NULL, "the summary closes the session: %s", out.out);
	h_out_free(&out);

	/* A member answers the summary: the reply joins the summary's thread. */
	memset(&m, 0, sizeof(m));
	m.from = "Kofi Mensah <kofi@example.org>";
	m.to = "cop@example.org";
	m.subject = "Re: [CoP] Summary";
	m.message_id = "<thanks1@example.org>";
	m.in_reply_to = "<summary1@example.org>";
	m.references = "<summary1@example.org>";
	m.body = "Thank you, Amina.\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-30T13:00:00Z");
	h_baraza(&env, &out, "thread list --json");
	{
		const char *t = strstr(out.out, "thanks1@example.org"), *start = t;

		cr_assert_not_null(t, "%s", out.out);
		while (start > out.out && *start != '{')
			start--;
		cr_expect(strstr(start, "summary1@example.org") != NULL &&
		    strstr(start, "summary1@example.org") < t,
		    "the reply threads under the summary: %s", out.out);
	}
	h_out_free(&out);

	/* The digest: once, to digest members, every section, text and HTML. */
	cycle(&env, "2020-12-01T09:30:00Z");
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Digest: 1"), 2, "jean and rosa");
	mail = h_smtp_find(&env, "rosa@example.org", "X-Baraza-Digest: 1");
	cr_assert_not_null(mail);
	cr_expect(strstr(mail, "multipart/alternative") != NULL);
	cr_expect(strstr(mail, "Content-Type: text/html") != NULL);
	dec = qp_decoded(mail);
	cr_expect(strstr(dec, "Session summaries") != NULL, "summaries section:\n%s", dec);
	cr_expect(strstr(dec, "Partners should co-design budget lines") != NULL);
	cr_expect(strstr(dec, "== Discussions ==") != NULL);
	cr_expect(strstr(dec, "Questions still waiting for an answer") != NULL);
	cr_expect(strstr(dec, "Resources shared") != NULL);
	cr_expect(strstr(dec, "== Participation ==") != NULL);
	cr_expect(strstr(dec, "Coming next") != NULL && strstr(dec, "Risk") != NULL,
	    "what opens next:\n%s", dec);
	cr_expect(strstr(dec, "> Who decides on the budget lines?") == NULL,
	    "quoted text is left out of digests");
	/* The summary is shown once, in its section: kofi's thanks sit under
	 * "Replies to the session summary", not under a second "Summary ..."
	 * discussion (issue 21) */
	cr_expect(strstr(dec, "* Summary of our first session") == NULL,
	    "the summary's subject repeated as a discussion:\n%s", dec);
	cr_expect(strstr(dec, "* Replies to the session summary") != NULL, "%s", dec);
	p = strstr(dec, "Who decides on the budget lines in your partnerships?");
	cr_assert_not_null(p, "the question is in the digest");
	p = strstr(p, "mailto:cop+reply-");
	cr_assert_not_null(p, "reply links");
	/* the link carries ?subject=Re: ... (RFC 6068); the address ends there */
	cr_expect(strncmp(p + 7 + strcspn(p + 7, "?"), "?subject=Re%3A%20", 17) == 0,
	    "the reply link gives the subject: %.120s", p);
	reply_addr = strndup(p + 7, strcspn(p + 7, "\r\n\" >?"));
	free(dec);
	free(mail);

	/* Restart: nothing sent twice. */
	before = h_smtp_count(&env);
	cycle(&env, "2020-12-01T09:40:00Z");
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Digest: 1"), 2, "no duplicate digest");
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Summary: 1"), 4, "no duplicate summary");
	(void)before;

	/* A digest reader answers through the reply link. */
	memset(&m, 0, sizeof(m));
	m.from = "Rosa Quispe <rosa@example.org>";
	m.to = reply_addr;
	m.subject = "Re: [CoP] Digest 1";
	m.message_id = "<rosa1@example.org>";
	m.body = "In Peru our partners decide together with the donor.\n";
	h_post(&env, &m);
	cycle(&env, "2020-12-02T10:00:00Z");
	mail = h_smtp_find(&env, "kofi@example.org", "rosa1@example.org");
	cr_assert_not_null(mail, "the digest reply is relayed to the members");
	cr_expect(strstr(mail, "\r\nIn-Reply-To: <") != NULL,
	    "the relayed digest reply carries its parent's Message-ID:\n%.1500s", mail);
	free(mail);
	h_baraza(&env, &out, "thread list --json");
	cr_expect(strstr(out.out, "rosa1@example.org") != NULL, "%s", out.out);
	{
		/* rosa's reply sits in a thread with the post it answers. */
		const char *t = strstr(out.out, "rosa1@example.org");
		const char *start = t;

		while (start > out.out && *start != '{')
			start--;
		cr_expect(strstr(start, "q1@example.org") != NULL &&
		    strstr(start, "q1@example.org") < t,
		    "the digest reply joins the question's thread: %s", out.out);
	}
	h_out_free(&out);
	free(reply_addr);

	/* Figures and the final report cover both sessions. */
	cycle(&env, "2020-12-20T10:00:00Z");
	h_baraza(&env, &out, "stats --json");
	cr_expect_eq(out.status, 0, "%s", out.err);
	cr_expect(strstr(out.out, "\"sessions\"") && strstr(out.out, "\"overall\""), "%s", out.out);
	h_out_free(&out);
	h_baraza(&env, &out, "report");
	cr_expect_eq(out.status, 0, "%s", out.err);
	cr_expect(strstr(out.out, "The Organisation of Funding Streams") != NULL);
	cr_expect(strstr(out.out, "Risk Assessments and Risk Sharing") != NULL, "%s", out.out);
	cr_expect(strstr(out.out, "Partners should co-design budget lines") != NULL);
	h_out_free(&out);
	h_baraza(&env, &out, "report --format html");
	cr_expect(strstr(out.out, "<svg") != NULL && strstr(out.out, "<script") == NULL);
	h_out_free(&out);
	h_env_fini(&env);
}

Test(programme, unverified_summary_needs_confirmation)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char *mail, *confirm;
	const char *p;

	h_env_init(&env, "summary_confirm");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	env.now = "2020-11-10T10:00:00Z";
	h_baraza(&env, &out, "init");
	h_out_free(&out);
	member(&env, "amina@example.org --name 'Amina Yusuf' --role facilitator");
	member(&env, "kofi@example.org --name 'Kofi Mensah'");
	cycle(&env, "2020-11-20T10:00:00Z");
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary@example.org";
	m.subject = "Summary";
	m.body = "Our summary.\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-30T10:00:00Z");
	cr_expect_eq(h_smtp_count_matching(&env, NULL, "X-Baraza-Summary"), 0, "not before confirmation");
	mail = h_smtp_find(&env, "amina@example.org", "X-Baraza-Notice: summary-confirm");
	cr_assert_not_null(mail, "no confirmation request");
	p = strstr(mail, "cop+confirm-");
	cr_assert_not_null(p);
	confirm = strndup(p, strcspn(p, "\r\n> "));
	free(mail);
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = confirm;
	m.subject = "Re: Please confirm your summary";
	h_post(&env, &m);
	cycle(&env, "2020-11-30T11:00:00Z");
	cr_expect_eq(h_smtp_count_matching(&env, "kofi@example.org", "X-Baraza-Summary: 1"), 1,
	    "published after the round trip");
	free(confirm);
	h_env_fini(&env);
}
