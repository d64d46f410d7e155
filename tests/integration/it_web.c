/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_web - one-click unsubscription and list headers on all list mail
 * (issue 18; issue 17 point 3), against the real programs: `baraza web`
 * on a free loopback port spoken to with libcurl, barazad against the
 * real Dovecot and the SMTP capture, the database read back through
 * `baraza member list --json`.
 *
 * What these tests found on the main before this work: no list mail had
 * an https URI or List-Unsubscribe-Post; the footer of every relayed copy
 * printed the member's cop+unsubscribe-TOKEN@ (so bob's quoted reply
 * handed it to everyone), the token never changed (a re-added member was
 * removed again by the old address), announcements came from cop+owner@
 * without List-* fields, summaries had no List-Unsubscribe or List-Help,
 * digests had the generic List-Unsubscribe; there was no `baraza web`.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <curl/curl.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../harness.h"

#define WEB_URL "https://lists.example.org/cop"
#define WEB_CONF "[web]\nurl = " WEB_URL "\n"

/* ---- helpers ---------------------------------------------------------------- */

static void
cycle(struct h_env *env, const char *now)
{
	struct h_out out;

	env->now = now;
	h_barazad_once(env, &out);
	cr_assert_eq(out.status, 0, "barazad --once at %s: exit %d\n%s", now, out.status,
	    out.err);
	h_out_free(&out);
}

static void
run_ok(struct h_env *env, const char *args)
{
	struct h_out out;

	h_baraza(env, &out, "%s", args);
	cr_assert_eq(out.status, 0, "baraza %s: exit %d\n%s", args, out.status, out.err);
	h_out_free(&out);
}

/* status_of - the member's status from `member list --json` (owned), or
 * NULL when not listed */
static char *
status_of(struct h_env *env, const char *email)
{
	struct h_out out;
	char *st = NULL;
	const char *p, *q;

	h_baraza(env, &out, "member list --json");
	cr_assert_eq(out.status, 0, "member list: %s", out.err);
	if ((p = strstr(out.out, email)) != NULL &&
	    (p = strstr(p, "\"status\":")) != NULL) {
		p += 9;
		while (*p == ' ' || *p == '"')
			p++;
		q = strchr(p, '"');
		if (q)
			st = strndup(p, (size_t)(q - p));
	}
	h_out_free(&out);
	return st;
}

static void
expect_status(struct h_env *env, const char *email, const char *want, const char *why)
{
	char *st = status_of(env, email);

	cr_expect(st && strcmp(st, want) == 0, "%s: %s is %s, want %s", why, email,
	    st ? st : "(not listed)", want);
	free(st);
}

struct resp {
	char data[65536];
	size_t len;
};

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t k = size * n;

	if (r->len + k >= sizeof(r->data))
		k = sizeof(r->data) - r->len - 1;
	memcpy(r->data + r->len, p, k);
	r->len += k;
	r->data[r->len] = '\0';
	return size * n;
}

/* http - one request to this test's baraza web with libcurl; the status
 * (0 when nothing answered), the body into *r */
static long
http(struct h_env *env, const char *method, const char *path, const char *body,
    size_t blen, struct resp *r)
{
	CURL *cu = curl_easy_init();
	curl_mime *mime = NULL;
	char url[1024];
	long status = 0;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", env->web_port, path);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_PROXY, "");
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, r);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "MULTIPART") == 0) {
		/* a POST as multipart/form-data (RFC 8058's example): body is
		 * the value of the field List-Unsubscribe */
		curl_mimepart *part;

		mime = curl_mime_init(cu);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "List-Unsubscribe");
		curl_mime_data(part, body, blen);
		curl_easy_setopt(cu, CURLOPT_MIMEPOST, mime);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)blen);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)blen);
		}
	}
	if (curl_easy_perform(cu) == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(cu);
	curl_mime_free(mime);
	return status;
}

/* body_of - the part of raw after the header's blank line */
static const char *
body_of(const char *raw)
{
	const char *b = strstr(raw, "\r\n\r\n");

	return b ? b + 4 : raw;
}

/* unqp - a copy of s with quoted-printable undone (soft line breaks and
 * =XX), enough to search a QP body for words (owned) */
static char *
unqp(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (*s == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 2;
		} else if (*s == '=' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], '\0' };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* web_token - the token of the https URI in raw's List-Unsubscribe into
 * out (33 bytes); 1 found, 0 not */
static int
web_token(const char *raw, char *out)
{
	char *v = h_header(raw, "List-Unsubscribe");
	const char *p = v ? strstr(v, WEB_URL "/unsubscribe/") : NULL;

	if (p == NULL || strlen(p) < strlen(WEB_URL "/unsubscribe/") + 32) {
		free(v);
		return 0;
	}
	p += strlen(WEB_URL "/unsubscribe/");
	memcpy(out, p, 32);
	out[32] = '\0';
	free(v);
	return 1;
}

/* expect_list_mail - raw carries the list fields of SPEC §6 with this
 * recipient's personal one-click address and says how to leave */
static void
expect_list_mail(const char *raw, const char *what, const char *leave_word)
{
	char *v, tok[33], mailto[128], *body = unqp(body_of(raw));

	v = h_header(raw, "List-Id");
	cr_expect(v && strstr(v, "<cop.example.org>"), "%s: List-Id %s", what, v ? v : "missing");
	free(v);
	v = h_header(raw, "List-Help");
	cr_expect(v && strstr(v, "<mailto:cop+help@example.org>"), "%s: List-Help %s", what,
	    v ? v : "missing");
	free(v);
	cr_assert(web_token(raw, tok), "%s: List-Unsubscribe has no web URI:\n%s", what, raw);
	snprintf(mailto, sizeof(mailto), "<mailto:cop+unsubscribe-%s@example.org>", tok);
	v = h_header(raw, "List-Unsubscribe");
	cr_expect(v && strcasestr(v, mailto), "%s: List-Unsubscribe %s lacks %s", what, v, mailto);
	free(v);
	v = h_header(raw, "List-Unsubscribe-Post");
	cr_expect(v && strcmp(v, "List-Unsubscribe=One-Click") == 0,
	    "%s: List-Unsubscribe-Post %s", what, v ? v : "missing");
	free(v);
	cr_expect(strcasestr(body, tok) == NULL, "%s: the personal token is in the body", what);
	cr_expect(strstr(body, "cop+unsubscribe@example.org") != NULL &&
	    strstr(body, leave_word) != NULL,
	    "%s: no line on how to leave in the body:\n%s", what, body);
	free(body);
}

/* ---- the endpoint ------------------------------------------------------------ */

Test(web, one_click_endpoint)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct resp r;
	char *copy, tok[33], path[128], big[8192];

	h_env_init(&env, "webclick");
	h_smtp_start(&env);
	h_write_config(&env, WEB_CONF);
	env.now = "2020-11-18T10:00:00Z";
	run_ok(&env, "init");
	run_ok(&env, "member add ann@example.org --name Ann");
	run_ok(&env, "member add bob@example.net --name Bob --language fr");
	run_ok(&env, "member add cy@example.com --name Cy");
	m.from = "Ann <ann@example.org>";
	m.subject = "Budget lines";
	m.body = "Who decides on budget lines?\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-18T10:00:00Z");
	copy = h_smtp_find(&env, "bob@example.net", "Budget lines");
	cr_assert_not_null(copy, "bob got no copy");
	cr_assert(web_token(copy, tok), "no web URI in List-Unsubscribe:\n%s", copy);
	snprintf(path, sizeof(path), "/cop/unsubscribe/%s", tok);
	free(copy);

	h_web_start(&env);

	/* GET (a link scanner, or the member): a page with a button, no change */
	cr_expect_eq(http(&env, "GET", path, NULL, 0, &r), 200, "GET: %s", r.data);
	cr_expect(strstr(r.data, "<form method=\"post\">") != NULL &&
	    strstr(r.data, "name=\"List-Unsubscribe\" value=\"One-Click\"") != NULL,
	    "the page posts what RFC 8058 posts: %s", r.data);
	cr_expect(strstr(r.data, "lang=\"fr\"") != NULL && strstr(r.data, "désabonner") != NULL,
	    "the page speaks bob's language: %s", r.data);
	cr_expect(strstr(r.data, "bob@example.net") == NULL, "the address is shown masked");
	cr_expect_eq(http(&env, "HEAD", path, NULL, 0, &r), 200);
	expect_status(&env, "bob@example.net", "active", "after GET and HEAD");

	/* what is not a one-click POST changes nothing either */
	cr_expect_eq(http(&env, "PUT", path, "List-Unsubscribe=One-Click", 26, &r), 405);
	cr_expect_eq(http(&env, "DELETE", path, NULL, 0, &r), 405);
	cr_expect_eq(http(&env, "POST", path, "List-Unsubscribe=No", 19, &r), 400);
	memset(big, 'a', sizeof(big));
	memcpy(big, "List-Unsubscribe=One-Click&x=", 29);
	cr_expect_eq(http(&env, "POST", path, big, sizeof(big), &r), 413,
	    "an oversize body is refused");
	cr_expect_eq(http(&env, "GET", "/cop/unsubscribe/0123456789abcdef0123456789abcdef",
	    NULL, 0, &r), 404, "unknown token");
	cr_expect_eq(http(&env, "GET", "/", NULL, 0, &r), 404);
	cr_expect_eq(http(&env, "GET", "/etc/passwd", NULL, 0, &r), 404);
	expect_status(&env, "bob@example.net", "active", "after PUT, bad and big POSTs");

	/* the same POST as multipart/form-data (RFC 8058's example), for cy */
	{
		char cytok[33], cypath[128];

		copy = h_smtp_find(&env, "cy@example.com", "Budget lines");
		cr_assert_not_null(copy, "cy got no copy");
		cr_assert(web_token(copy, cytok));
		free(copy);
		snprintf(cypath, sizeof(cypath), "/cop/unsubscribe/%s", cytok);
		cr_expect_eq(http(&env, "MULTIPART", cypath, "No", 2, &r), 400);
		expect_status(&env, "cy@example.com", "active", "after a multipart POST saying No");
		cr_expect_eq(http(&env, "MULTIPART", cypath, "One-Click", 9, &r), 200,
		    "multipart POST: %s", r.data);
		expect_status(&env, "cy@example.com", "unsubscribed", "after the multipart one-click");
		expect_status(&env, "bob@example.net", "active", "bob untouched by cy's");
	}

	/* the one-click POST: unsubscribed at once */
	cr_expect_eq(http(&env, "POST", path, "List-Unsubscribe=One-Click", 26, &r), 200,
	    "POST: %s", r.data);
	expect_status(&env, "bob@example.net", "unsubscribed", "after the one-click POST");
	expect_status(&env, "ann@example.org", "active", "ann is untouched");

	/* the spent token: 404, "already done", harmless */
	cr_expect_eq(http(&env, "POST", path, "List-Unsubscribe=One-Click", 26, &r), 404);
	cr_expect(strstr(r.data, "déjà") != NULL || strstr(r.data, "already") != NULL,
	    "a spent token says so: %s", r.data);
	/* the same without the URL's path (a proxy that strips it) */
	snprintf(path, sizeof(path), "/unsubscribe/%s", tok);
	cr_expect_eq(http(&env, "GET", path, NULL, 0, &r), 404);

	/* no full token in its log */
	{
		char logp[H_PATH + 16], *log;

		snprintf(logp, sizeof(logp), "%s/web.log", env.dir);
		cr_expect_eq(h_web_stop(&env), 0, "baraza web stops cleanly on SIGTERM");
		log = h_read_file(logp, NULL);
		cr_assert_not_null(log);
		cr_expect(strstr(log, tok) == NULL, "the log holds a whole token:\n%s", log);
		cr_expect(strstr(log, "unsubscribed (web one-click") != NULL, "%s", log);
		free(log);
	}
	h_env_fini(&env);
}

Test(web, check_sees_the_endpoint)
{
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "webcheck");
	h_smtp_start(&env);
	h_write_config(&env, WEB_CONF);
	run_ok(&env, "init");
	h_baraza(&env, &out, "check");
	cr_expect_eq(out.status, 1, "check without baraza web: exit %d\n%s", out.status, out.out);
	cr_expect(strstr(out.out, "web: FAILED") != NULL, "%s", out.out);
	h_out_free(&out);
	h_web_start(&env);
	h_baraza(&env, &out, "check");
	cr_expect(strstr(out.out, "web: ok") != NULL, "%s%s", out.out, out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

/* ---- the token's life (issue 17.3) ---------------------------------------------- */

Test(web, token_lifecycle)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct resp r;
	char *copy, *acopy, tok[33], newtok[33], path[128], to[128];
	struct buf_s { char d[65536]; size_t n; } quote;
	const char *p;

	h_env_init(&env, "webtoken");
	h_smtp_start(&env);
	h_write_config(&env, WEB_CONF);
	env.now = "2020-11-18T10:00:00Z";
	run_ok(&env, "init");
	run_ok(&env, "member add ann@example.org --name Ann");
	run_ok(&env, "member add bob@example.net --name Bob");
	m.from = "Ann <ann@example.org>";
	m.subject = "Pooled funds";
	m.message_id = "<pool1@example.org>";
	m.body = "Has anyone tried pooled funds?\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-18T10:00:00Z");
	copy = h_smtp_find(&env, "bob@example.net", "Pooled funds");
	cr_assert_not_null(copy);
	cr_assert(web_token(copy, tok));
	cr_expect(strcasestr(body_of(copy), tok) == NULL,
	    "bob's token is in the body of his copy:\n%s", body_of(copy));

	/* bob answers quoting the whole copy, footer included */
	quote.n = (size_t)snprintf(quote.d, sizeof(quote.d),
	    "We did, it worked.\n\nOn Wed, Ann wrote:\n> ");
	for (p = body_of(copy); *p && quote.n + 4 < sizeof(quote.d); p++) {
		if (*p == '\r')
			continue;
		quote.d[quote.n++] = *p;
		if (*p == '\n') {
			quote.d[quote.n++] = '>';
			quote.d[quote.n++] = ' ';
		}
	}
	quote.d[quote.n] = '\0';
	free(copy);
	memset(&m, 0, sizeof(m));
	m.from = "Bob <bob@example.net>";
	m.subject = "Re: [CoP] Pooled funds";
	m.in_reply_to = "<pool1@example.org>";
	m.references = "<pool1@example.org>";
	m.body = quote.d;
	h_post(&env, &m);
	cycle(&env, "2020-11-18T11:00:00Z");
	acopy = h_smtp_find(&env, "ann@example.org", "We did, it worked");
	cr_assert_not_null(acopy, "ann got no copy of bob's reply");
	cr_expect(strcasestr(acopy, tok) == NULL,
	    "bob's quoted reply carries his token to ann:\n%s", acopy);
	free(acopy);

	/* bob leaves by his token; an admin adds him again */
	snprintf(to, sizeof(to), "cop+unsubscribe-%s@example.org", tok);
	memset(&m, 0, sizeof(m));
	m.from = "Bob <bob@example.net>";
	m.to = to;
	m.subject = "unsubscribe";
	h_post(&env, &m);
	cycle(&env, "2020-11-18T12:00:00Z");
	expect_status(&env, "bob@example.net", "unsubscribed", "bob used his one-click address");
	run_ok(&env, "member add bob@example.net --name Bob");
	expect_status(&env, "bob@example.net", "active", "re-added");

	/* the leaked address, mailed by a stranger and posted to the web,
	 * does nothing now */
	memset(&m, 0, sizeof(m));
	m.from = "Mallory <mallory@evil.example>";
	m.to = to;
	m.subject = "unsubscribe";
	h_post(&env, &m);
	cycle(&env, "2020-11-18T13:00:00Z");
	expect_status(&env, "bob@example.net", "active", "the old address after re-adding");
	h_web_start(&env);
	snprintf(path, sizeof(path), "/cop/unsubscribe/%s", tok);
	cr_expect_eq(http(&env, "POST", path, "List-Unsubscribe=One-Click", 26, &r), 404);
	expect_status(&env, "bob@example.net", "active", "the old web link after re-adding");

	/* his next copy carries a new token */
	memset(&m, 0, sizeof(m));
	m.from = "Ann <ann@example.org>";
	m.subject = "Welcome back";
	m.body = "Good to have you back, Bob.\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-18T14:00:00Z");
	copy = h_smtp_find(&env, "bob@example.net", "Welcome back");
	cr_assert_not_null(copy);
	cr_assert(web_token(copy, newtok));
	cr_expect(strcmp(newtok, tok) != 0, "a re-subscribed member gets a new token");
	free(copy);
	h_env_fini(&env);
}

/* ---- every kind of list mail (SPEC §6) ----------------------------------------- */

Test(web, all_list_mail_is_list_mail)
{
	struct h_env env;
	struct h_mail m = { 0 };
	char *mail, *v;

	h_env_init(&env, "weblist");
	h_smtp_start(&env);
	h_write_config(&env, WEB_CONF "[list]\ntrusted_authserv_id = mx.example.org\n");
	env.now = "2020-11-10T10:00:00Z";
	run_ok(&env, "init");
	run_ok(&env, "member add amina@example.org --name 'Amina Yusuf' --role facilitator");
	run_ok(&env, "member add kofi@example.org --name 'Kofi Mensah'");
	run_ok(&env, "member add rosa@example.org --name 'Rosa Quispe' --delivery digest");

	/* the announcement: from the list, replies to the theme */
	cycle(&env, "2020-11-17T10:00:00Z");
	mail = h_smtp_find(&env, "kofi@example.org", "X-Baraza-Notice: announce");
	cr_assert_not_null(mail, "no announcement");
	expect_list_mail(mail, "announcement", "To leave");
	v = h_header(mail, "From");
	cr_expect(v && strstr(v, "<cop@example.org>"), "announcement From: %s", v);
	free(v);
	v = h_header(mail, "Reply-To");
	cr_expect(v && strstr(v, "<cop+funding@example.org>"), "announcement Reply-To: %s", v);
	free(v);
	free(mail);

	/* a relayed post */
	m.from = "Kofi Mensah <kofi@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Who decides on budget lines?";
	m.body = "Who decides on the budget lines in your partnerships?\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-18T09:00:00Z");
	mail = h_smtp_find(&env, "amina@example.org", "Who decides on budget lines?");
	cr_assert_not_null(mail, "no relayed post");
	expect_list_mail(mail, "post", "To leave");
	free(mail);

	/* the summary */
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+summary-funding@example.org";
	m.subject = "Summary of our first session";
	m.headers = "Authentication-Results: mx.example.org; dkim=pass header.d=example.org;"
	    " spf=pass smtp.mailfrom=amina@example.org";
	m.body = "Partners should co-design budget lines.\n";
	h_post(&env, &m);
	cycle(&env, "2020-11-30T12:00:00Z");
	mail = h_smtp_find(&env, "kofi@example.org", "X-Baraza-Summary:");
	cr_assert_not_null(mail, "no summary");
	expect_list_mail(mail, "summary", "To leave");
	free(mail);

	/* the digest: personal now, not the generic confirm address */
	cycle(&env, "2020-12-01T09:30:00Z");
	mail = h_smtp_find(&env, "rosa@example.org", "X-Baraza-Digest: 1");
	cr_assert_not_null(mail, "no digest");
	expect_list_mail(mail, "digest", "To leave");
	free(mail);
	h_env_fini(&env);
}
