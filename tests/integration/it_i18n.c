/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_i18n - members in six languages, against the real Dovecot and SMTP
 * capture server (issue 21):
 *
 *  - six newcomers subscribe by mail, each mail saying its language
 *    (Content-Language), confirm, and get the welcome; each asks for help;
 *    the session opens (announcement) and the digest goes out.  Each of
 *    these four mails per member must be in that member's language
 *    (python3-langdetect) with no English sentence of the catalog in it
 *    (tests/i18n/check-mail.py); the help to a facilitator lists what
 *    facilitators can do by mail;
 *  - every digest's HTML part: under 100 KB with the footer, lang and
 *    dir (rtl for Arabic), no SVG, reply links with ?subject=, and no
 *    feature Gmail or Outlook lacks by the caniemail data (npm
 *    doiuse-email, installed into the build tree by the test);
 *  - a busy fortnight (60 and 500 posts of 1 KB) still gives a digest
 *    under 100 KB whose footer says how to leave, with a link to the
 *    archive for what is not shown.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

static const char *const langs[] = { "en", "fr", "es", "pt", "sw", "ar" };
#define NLANGS (sizeof(langs) / sizeof(langs[0]))

/* The theme in every language: what a site writes for a multilingual CoP. */
static const char theme_config[] =
    "[list]\n"
    "name = Baraza\n"
    "[archive]\n"
    "url = https://cop.example.org/archive\n"
    "[!theme risk]\n[!theme community]\n[!theme power-tool]\n[!theme decisions]\n"
    "[theme funding]\n"
    "title.fr = L'organisation des flux de financement\n"
    "title.es = La organizaci\xc3\xb3n de los flujos de financiaci\xc3\xb3n\n"
    "title.pt = A organiza\xc3\xa7\xc3\xa3o dos fluxos de financiamento\n"
    "title.sw = Mpangilio wa mitiririko ya fedha\n"
    "title.ar = \xd8\xaa\xd9\x86\xd8\xb8\xd9\x8a\xd9\x85 \xd9\x85\xd8\xb3\xd8\xa7\xd8\xb1\xd8\xa7\xd8\xaa "
    "\xd8\xa7\xd9\x84\xd8\xaa\xd9\x85\xd9\x88\xd9\x8a\xd9\x84\n"
    "questions = Who decides how funding flows to partners?\n"
    "questions.fr = Qui d\xc3\xa9" "cide de la mani\xc3\xa8re dont les fonds parviennent aux partenaires ?\n"
    "questions.es = \xc2\xbfQui\xc3\xa9n decide c\xc3\xb3mo llegan los fondos a las organizaciones socias?\n"
    "questions.pt = Quem decide como os recursos chegam \xc3\xa0s organiza\xc3\xa7\xc3\xb5" "es parceiras?\n"
    "questions.sw = Nani huamua jinsi fedha zinavyowafikia washirika?\n"
    "questions.ar = \xd9\x85\xd9\x86 \xd9\x8a\xd9\x82\xd8\xb1\xd8\xb1 \xd9\x83\xd9\x8a\xd9\x81 "
    "\xd8\xaa\xd8\xb5\xd9\x84 \xd8\xa7\xd9\x84\xd8\xa3\xd9\x85\xd9\x88\xd8\xa7\xd9\x84 "
    "\xd8\xa5\xd9\x84\xd9\x89 \xd8\xa7\xd9\x84\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa7\xd8\xa1\xd8\x9f\n";

static void
cycle(struct h_env *env, const char *now)
{
	struct h_out out;

	env->now = now;
	h_barazad_once(env, &out);
	cr_assert_eq(out.status, 0, "barazad --once at %s: exit %d\n%s", now, out.status, out.err);
	h_out_free(&out);
}

/* save - the newest mail to rcpt containing needle, into the scratch dir
 * as NAME.eml; the path (buf) */
static char *
save(struct h_env *env, const char *rcpt, const char *needle, const char *name,
    char *buf, size_t len)
{
	char *mail = h_smtp_find(env, rcpt, needle), rel[128];

	cr_assert_not_null(mail, "no mail with '%s' to %s", needle, rcpt);
	snprintf(rel, sizeof(rel), "%s.eml", name);
	h_write_file(env, rel, mail, (size_t)-1, 0644, buf, len);
	free(mail);
	return buf;
}

/* confirm_address - the cop+confirm-TOKEN@ address in a mail (owned) */
static char *
confirm_address(const char *mail)
{
	const char *p = strstr(mail, "cop+confirm-");

	cr_assert_not_null(p, "no confirmation address in:\n%s", mail);
	return strndup(p, strcspn(p, " \r\n>)"));
}

/* fresh_pot - the catalog's English msgids, extracted now from the sources
 * (po/update-po), into the scratch dir; the path (buf) */
static char *
fresh_pot(struct h_env *env, char *buf, size_t len)
{
	struct h_out out;

	h_path(env, buf, len, "baraza.pot");
	h_run(env, &out, "POT_OUT=%s sh %s/po/update-po %s", buf, env->srcdir, env->srcdir);
	cr_assert_eq(out.status, 0, "po/update-po: %s", out.err);
	h_out_free(&out);
	return buf;
}

/* doiuse_dir - a directory whose node_modules holds doiuse-email,
 * installed on first use into the build tree (git-ignored) */
static const char *
doiuse_dir(struct h_env *env)
{
	static char dir[H_PATH + 32];
	struct h_out out;

	snprintf(dir, sizeof(dir), "%s/tests/npm", env->builddir);
	h_run(env, &out, "test -f %s/node_modules/doiuse-email/package.json || "
	    "npm install --prefix %s --no-audit --no-fund --loglevel=error doiuse-email@0.4.1",
	    dir, dir);
	cr_assert_eq(out.status, 0, "npm install doiuse-email (needs npm and the npm registry): %s%s",
	    out.out, out.err);
	h_out_free(&out);
	return dir;
}

Test(i18n, six_languages_help_welcome_announcement_digest)
{
	struct h_env env;
	struct h_out out;
	char pot[H_PATH], files[NLANGS][4][H_PATH], addr[NLANGS][64];
	const char *npm;

	h_env_init(&env, "i18n");
	h_smtp_start(&env);
	h_write_config(&env, theme_config);
	env.timeout_ms = 300000;
	env.now = "2020-11-10T10:00:00Z";
	h_baraza(&env, &out, "init");
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);

	/* Six newcomers subscribe; their mail says which language it is in. */
	for (size_t i = 0; i < NLANGS; i++) {
		struct h_mail m = { 0 };
		char hdr[64];

		snprintf(addr[i], sizeof(addr[i]), "member-%s@example.org", langs[i]);
		snprintf(hdr, sizeof(hdr), "Content-Language: %s", langs[i]);
		m.from = addr[i];
		m.to = "cop+request@example.org";
		m.subject = "subscribe digest";
		m.headers = hdr;
		m.body = "subscribe digest\n";
		h_post(&env, &m);
	}
	cycle(&env, "2020-11-10T10:05:00Z");
	for (size_t i = 0; i < NLANGS; i++) {
		struct h_mail m = { 0 };
		char *mail = h_smtp_find(&env, addr[i], "X-Baraza-Notice: confirm-subscribe");
		char *to;

		cr_assert_not_null(mail, "no confirmation request to %s", addr[i]);
		to = confirm_address(mail);
		m.from = addr[i];
		m.to = to;
		m.subject = "Re: confirm";
		m.body = "yes\n";
		h_post(&env, &m);
		free(to);
		free(mail);
	}
	cycle(&env, "2020-11-10T10:10:00Z");
	for (size_t i = 0; i < NLANGS; i++) {
		struct h_mail m = { 0 };

		m.from = addr[i];
		m.to = "cop+request@example.org";
		m.subject = "help";
		m.body = "help\n";
		h_post(&env, &m);
	}
	cycle(&env, "2020-11-10T10:15:00Z");

	/* The session opens; two short posts; the digest. */
	cycle(&env, "2020-11-17T10:00:00Z");
	{
		struct h_mail m = { 0 };

		m.from = addr[4];
		m.to = "cop+funding@example.org";
		m.subject = "Pooled funds";
		m.body = "https://example.net/pooled-funds.pdf\n";
		h_post(&env, &m);
		memset(&m, 0, sizeof(m));
		m.from = addr[1];
		m.to = "cop+funding@example.org";
		m.subject = "2021?";
		m.body = "?\n";
		h_post(&env, &m);
	}
	cycle(&env, "2020-11-18T10:00:00Z");
	cycle(&env, "2020-12-01T09:30:00Z");

	fresh_pot(&env, pot, sizeof(pot));
	npm = doiuse_dir(&env);
	for (size_t i = 0; i < NLANGS; i++) {
		char name[64];

		snprintf(name, sizeof(name), "welcome-%s", langs[i]);
		save(&env, addr[i], "X-Baraza-Notice: welcome", name, files[i][0], H_PATH);
		snprintf(name, sizeof(name), "help-%s", langs[i]);
		save(&env, addr[i], "X-Baraza-Notice: command-reply", name, files[i][1], H_PATH);
		snprintf(name, sizeof(name), "announce-%s", langs[i]);
		save(&env, addr[i], "X-Baraza-Notice: announce", name, files[i][2], H_PATH);
		snprintf(name, sizeof(name), "digest-%s", langs[i]);
		save(&env, addr[i], "X-Baraza-Digest: 1", name, files[i][3], H_PATH);

		h_run(&env, &out, "/usr/bin/python3 %s/tests/i18n/check-mail.py %s %s %s %s %s %s",
		    env.srcdir, langs[i], pot, files[i][0], files[i][1], files[i][2], files[i][3]);
		cr_expect_eq(out.status, 0, "%s mails:\n%s%s", langs[i], out.out, out.err);
		h_out_free(&out);
		h_run(&env, &out, "/usr/bin/python3 %s/tests/i18n/check-digest.py --doiuse %s %s %s",
		    env.srcdir, npm, langs[i], files[i][3]);
		cr_expect_eq(out.status, 0, "%s digest:\n%s%s", langs[i], out.out, out.err);
		h_out_free(&out);
	}
	h_env_fini(&env);
}

Test(i18n, facilitator_help_lists_what_facilitators_do_by_mail)
{
	struct h_env env;
	struct h_out out;
	struct h_mail m = { 0 };
	char *mail;

	h_env_init(&env, "i18n_fac");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	env.now = "2020-11-10T10:00:00Z";
	h_baraza(&env, &out, "init");
	h_out_free(&out);
	h_baraza(&env, &out, "member add amina@example.org --role facilitator --language fr");
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "member add kofi@example.org");
	h_out_free(&out);
	m.from = "amina@example.org";
	m.to = "cop+help@example.org";
	m.subject = "help";
	h_post(&env, &m);
	m.from = "kofi@example.org";
	h_post(&env, &m);
	cycle(&env, "2020-11-10T10:05:00Z");
	mail = h_smtp_find(&env, "amina@example.org", "X-Baraza-Notice: command-reply");
	cr_assert_not_null(mail);
	cr_expect(strstr(mail, "cop+summary@example.org") != NULL &&
	    strstr(mail, "baraza held") != NULL,
	    "a facilitator's help says how to summarise and answer holds:\n%s", mail);
	free(mail);
	mail = h_smtp_find(&env, "kofi@example.org", "X-Baraza-Notice: command-reply");
	cr_assert_not_null(mail);
	cr_expect(strstr(mail, "cop+summary@example.org") == NULL,
	    "a member's help has no facilitator section:\n%s", mail);
	free(mail);
	h_env_fini(&env);
}

/* busy - n posts of about 1 KB in the funding session, imported, then the
 * digest: under 100 KB with the footer, the rest in the archive */
static void
busy(const char *name, int n)
{
	struct h_env env;
	struct h_out out;
	char path[H_PATH], file[H_PATH];
	FILE *fp;

	h_env_init(&env, name);
	h_smtp_start(&env);
	h_write_config(&env, "[archive]\nurl = https://cop.example.org/archive\n");
	env.timeout_ms = 300000;
	env.now = "2020-11-10T10:00:00Z";
	h_baraza(&env, &out, "init");
	h_out_free(&out);
	h_baraza(&env, &out, "member add rosa@example.org --delivery digest");
	h_out_free(&out);
	h_baraza(&env, &out, "member add kofi@example.org");
	h_out_free(&out);
	h_path(&env, path, sizeof(path), "busy.mbox");
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	for (int i = 0; i < n; i++) {
		fprintf(fp, "From kofi@example.org Wed Nov 18 10:00:00 2020\n"
		    "From: Kofi Mensah <kofi@example.org>\nTo: cop+funding@example.org\n"
		    "Subject: Thread %d about budget lines\nDate: Wed, 18 Nov 2020 %02d:%02d:00 +0000\n"
		    "Message-ID: <busy%d@example.org>\n%s"
		    "Content-Type: text/plain; charset=utf-8\n\n",
		    i / 3, 8 + (i / 60) % 10, i % 60, i,
		    i % 3 ? "In-Reply-To: <busy0@example.org>\n" : "");
		for (int k = 0; k < 14; k++)
			fprintf(fp, "Line %d of post %d: partners & donors <decide> together.\n", k, i);
		fputc('\n', fp);
	}
	fclose(fp);
	env.now = "2020-11-18T12:00:00Z";
	h_baraza(&env, &out, "import-mbox %s --theme funding --no-relay", path);
	cr_assert_eq(out.status, 0, "import-mbox: %s", out.err);
	h_out_free(&out);
	cycle(&env, "2020-12-01T09:30:00Z");
	save(&env, "rosa@example.org", "X-Baraza-Digest: 1", name, file, sizeof(file));
	h_run(&env, &out, "/usr/bin/python3 %s/tests/i18n/check-digest.py en %s", env.srcdir, file);
	cr_expect_eq(out.status, 0, "%d posts:\n%s%s", n, out.out, out.err);
	h_out_free(&out);
	{
		char *mail = h_smtp_find(&env, "rosa@example.org", "X-Baraza-Digest: 1");

		cr_assert_not_null(mail);
		cr_expect(strstr(mail, "https://cop.example.org/archive") != NULL,
		    "what is not shown is in the archive");
		free(mail);
	}
	h_env_fini(&env);
}

Test(i18n, digest_of_60_posts_under_100kb)
{
	busy("busy60", 60);
}

Test(i18n, digest_of_500_posts_under_100kb)
{
	busy("busy500", 500);
}
