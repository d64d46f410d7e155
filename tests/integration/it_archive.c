/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_archive - the web archive of a real ingested discussion (hostile
 * messages included, fetched from the real Dovecot by barazad), served
 * over HTTP on 127.0.0.1 and opened in headless Chromium: every page loads
 * with no console message and no request leaving the site, the hostile
 * payload shows as text and never runs; screenshots of the index and a
 * thread page are kept in BUILDDIR/tests/screenshots/ (issue 7). */
#include "config.h"

#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"

#define CHROMIUM "/usr/bin/chromium"

/* http_start - python's static file server over the archive directory */
static pid_t
http_start(struct h_env *env, int *port)
{
	struct h_out out;
	pid_t pid;
	char portfile[H_PATH];
	char *text = NULL;

	h_path(env, portfile, sizeof(portfile), "http.port");
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		/* Bind port 0, write the port, serve: no race for a free port. */
		execl("/usr/bin/python3", "python3", "-c",
		    "import http.server, functools, sys\n"
		    "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
		    "http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None\n"
		    "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n"
		    "open(sys.argv[2], 'w').write(str(s.server_address[1]))\n"
		    "s.serve_forever()\n", env->archive, portfile, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && text == NULL; i++) {
		usleep(25000);
		text = h_read_file(portfile, NULL);
		if (text && *text == '\0') {
			free(text);
			text = NULL;
		}
	}
	cr_assert_not_null(text, "the HTTP server did not start");
	*port = atoi(text);
	free(text);
	(void)out;
	return pid;
}

/* browse - open url in headless Chromium; returns the DOM (owned); console
 * messages and the requests that were not to the site go into *problems */
static char *
browse(struct h_env *env, const char *url, int port, const char *screenshot,
    char **problems)
{
	struct h_out out;
	char netlog[H_PATH], profile[H_PATH + 32], site[64];
	char *log, *dom, *p;
	struct {
		char *data;
		size_t len, cap;
	} probs = { NULL, 0, 0 };
	static int n;

	snprintf(site, sizeof(site), "http://127.0.0.1:%d/", port);
	h_path(env, netlog, sizeof(netlog), "net.json");
	snprintf(profile, sizeof(profile), "%s/chrome-%d", env->dir, n++);
	unlink(netlog);
	h_run(env, &out, CHROMIUM " --headless --no-sandbox --disable-gpu --disable-quic"
	    " --no-first-run --disable-background-networking --disable-component-update"
	    " --disable-sync --disable-extensions --user-data-dir=%s"
	    " --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1' --log-net-log=%s"
	    " --enable-logging=stderr --v=0 --window-size=1000,1300 %s%s %s",
	    profile, netlog, screenshot ? "--screenshot=" : "--dump-dom",
	    screenshot ? screenshot : "", url);
	cr_assert_eq(out.status, 0, "chromium failed on %s: %s", url, out.err);
	dom = strdup(out.out);
	probs.data = calloc(1, 1);
	/* Console output of the page: any message is a problem. */
	for (p = out.err; (p = strstr(p, ":CONSOLE")) != NULL; p++) {
		size_t l = strcspn(p, "\n");

		probs.data = realloc(probs.data, probs.len + l + 2);
		memcpy(probs.data + probs.len, p, l);
		probs.len += l;
		probs.data[probs.len++] = '\n';
		probs.data[probs.len] = '\0';
	}
	/* Every URL in the net log must be the site's own (Chromium's own
	 * background services are mapped to nowhere and ignored). */
	log = h_read_file(netlog, NULL);
	cr_assert_not_null(log, "no net log from chromium");
	for (p = log; (p = strstr(p, "\"url\":\"")) != NULL; ) {
		char u[512];
		size_t l;

		p += 7;
		l = strcspn(p, "\"");
		snprintf(u, sizeof(u), "%.*s", (int)(l < 500 ? l : 500), p);
		p += l;
		if (strncmp(u, site, strlen(site)) == 0 || strncmp(u, "data:", 5) == 0 ||
		    strstr(u, "google.com") || strstr(u, "googleapis.com") ||
		    strstr(u, "gvt1.com") || strstr(u, "gstatic.com"))
			continue;
		probs.data = realloc(probs.data, probs.len + strlen(u) + 16);
		probs.len += (size_t)sprintf(probs.data + probs.len, "request: %s\n", u);
	}
	free(log);
	h_out_free(&out);
	*problems = probs.data;
	return dom;
}

Test(archive_browser, hostile_discussion_renders_safely)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char url[256], shots[H_PATH + 32], shot[H_PATH + 96], *dom, *problems;
	const char *pages[] = { "index.html", "session-1.html", "thread-1.html",
	    "thread-2.html", "search.html" };
	int port;
	pid_t http;
	struct stat st;

	cr_assert_eq(access(CHROMIUM, X_OK), 0, "Chromium is needed (apt-get install chromium)");
	h_cop_env(&env, "archive_browser", "2020-11-18T10:00:00Z");
	h_baraza(&env, &out, "member add amina@example.org --name 'Amina Yusuf' --role facilitator");
	h_out_free(&out);

	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Budgets <script>document.title='PWNED'</script>";
	m.message_id = "<hostile-root@example.org>";
	m.body = "Who decides? <script>alert('x')</script>\n"
	    "Report: https://example.net/report.pdf and javascript:alert(1)\n"
	    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd9\x83\xd9\x85 (Arabic)\n";
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "=?UTF-8?B?PGltZyBzcmM9eCBvbmVycm9yPWFsZXJ0KDEpPg==?= <evil@example.com>";
	m.to = "cop@example.org";
	m.subject = "Re: Budgets";
	m.message_id = "<hostile-reply@example.com>";
	m.in_reply_to = "<hostile-root@example.org>";
	m.references = "<hostile-root@example.org>";
	m.body = "<img src=\"http://tracker.example.com/pixel.gif\"> <iframe src=x></iframe>\n\n"
	    "On Wed, Amina wrote:\n> Who decides?\n";
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Second thread";
	m.body = "A calmer thread.\n";
	h_post(&env, &m);
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "archive build");
	cr_assert_eq(out.status, 0, "archive build: %s", out.err);
	h_out_free(&out);

	http = http_start(&env, &port);
	snprintf(shots, sizeof(shots), "%s/tests/screenshots", env.builddir);
	mkdir(shots, 0755);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", port, pages[i]);
		dom = browse(&env, url, port, NULL, &problems);
		cr_expect_str_empty(problems, "%s: console messages or requests leaving the site:\n%s",
		    pages[i], problems);
		cr_expect(strstr(dom, "PWNED</title>") == NULL, "%s: the hostile script ran", pages[i]);
		cr_expect(strstr(dom, "<iframe") == NULL && strstr(dom, "<img src=\"http") == NULL,
		    "%s: message markup became page markup", pages[i]);
		cr_expect(strstr(dom, "amina@example.org") == NULL &&
		    strstr(dom, "evil@example.com") == NULL, "%s: an address is shown", pages[i]);
		if (strcmp(pages[i], "thread-1.html") == 0) {
			cr_expect(strstr(dom, "&lt;script&gt;document.title") != NULL,
			    "the payload shows as text: %.3000s", dom);
			cr_expect(strstr(dom, "&lt;img src=x onerror=alert(1)&gt;") != NULL,
			    "the hostile name shows as text");
		}
		free(dom);
		free(problems);
	}
	/* Screenshots for people to look at. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/index.html", port);
	snprintf(shot, sizeof(shot), "%s/archive-index.png", shots);
	free(browse(&env, url, port, shot, &problems));
	free(problems);
	cr_expect(stat(shot, &st) == 0 && st.st_size > 5000, "no screenshot %s", shot);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/thread-1.html", port);
	snprintf(shot, sizeof(shot), "%s/archive-thread.png", shots);
	free(browse(&env, url, port, shot, &problems));
	free(problems);
	cr_expect(stat(shot, &st) == 0 && st.st_size > 5000, "no screenshot %s", shot);
	kill(http, SIGTERM);
	waitpid(http, NULL, 0);
	h_env_fini(&env);
}

/* A post too large for any page of the archive (as SQL makes it: no such
 * message is parsed): `baraza archive build` writes the other pages, names
 * the page it could not build, writes no truncated page and exits 1;
 * barazad's cycle logs the same and goes on (exit 0: mail matters more than
 * pages). */
Test(archive_pages, a_page_that_cannot_be_built, .timeout = 300)
{
	struct h_env env;
	struct h_out out;
	char path[H_PATH], file[H_PATH];
	static const char mbox[] =
	    "From amina@example.org Wed Nov 18 10:00:00 2020\n"
	    "From: Amina Yusuf <amina@example.org>\nTo: cop+funding@example.org\n"
	    "Subject: Budgets\nMessage-ID: <big-root@example.org>\n"
	    "Date: Wed, 18 Nov 2020 10:00:00 +0000\n\nWho decides?\n\n"
	    "From amina@example.org Wed Nov 18 11:00:00 2020\n"
	    "From: Amina Yusuf <amina@example.org>\nTo: cop+funding@example.org\n"
	    "Subject: Re: Budgets\nMessage-ID: <big-reply@example.org>\n"
	    "In-Reply-To: <big-root@example.org>\nReferences: <big-root@example.org>\n"
	    "Date: Wed, 18 Nov 2020 11:00:00 +0000\n\nThe donors, mostly.\n\n";

	h_env_init(&env, "archive_pages");
	h_smtp_start(&env);
	h_write_config(&env, "[list]\nmoderate = none\n");
	env.now = "2020-11-20T10:00:00Z";
	h_baraza(&env, &out, "init");
	cr_assert_eq(out.status, 0, "init: %s", out.err);
	h_out_free(&out);
	h_write_file(&env, "two.mbox", mbox, (size_t)-1, 0644, file, sizeof(file));
	h_baraza(&env, &out, "import-mbox %s --no-relay", file);
	cr_assert_eq(out.status, 0, "import-mbox: %s", out.err);
	h_out_free(&out);
	h_run(&env, &out, "sqlite3 %s \"UPDATE posts SET new_text ="
	    " replace(hex(zeroblob(17000000)), '00', '<')"
	    " WHERE message_id = 'big-reply@example.org'\"", env.db);
	cr_assert_eq(out.status, 0, "sqlite3: %s", out.err);
	h_out_free(&out);

	h_baraza(&env, &out, "archive build");
	cr_expect_eq(out.status, 1, "archive build: got exit %d, want 1", out.status);
	cr_expect(strstr(out.err, "thread-1-2.html not written") != NULL,
	    "the page is not named: %s", out.err);
	h_out_free(&out);
	h_path(&env, path, sizeof(path), "archive/thread-1.html");
	cr_expect_neq(access(path, F_OK), 0, "a page of the thread was written");
	h_path(&env, path, sizeof(path), "archive/index.html");
	cr_expect_eq(access(path, F_OK), 0, "the other pages must be written");

	h_run(&env, &out, "sqlite3 %s \"DELETE FROM meta WHERE key = 'archive_built'\"",
	    env.db);
	h_out_free(&out);
	h_barazad_once(&env, &out);
	cr_expect_eq(out.status, 0, "barazad --once: got exit %d, want 0: %s", out.status,
	    out.err);
	cr_expect(strstr(out.err, "thread-1-2.html not written") != NULL,
	    "barazad does not name the page: %s", out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

/* The archive as readers see it (issue 21), in headless Chromium through
 * puppeteer-core with axe-core (tests/browser/archive_check.js): on a 390 px
 * phone every page fits, has no serious accessibility violation, draws
 * posts line for line, isolates names, titles thread pages by subject and
 * gives charts a text alternative; the search page finds a word near the
 * end of a long post, says when nothing is found and, opened from disk,
 * how to serve the archive.  An Arabic [list] language gives dir="rtl". */
Test(archive_browser, readers_on_a_phone, .timeout = 900)
{
	struct h_env env;
	struct h_mail m = { 0 };
	struct h_out out;
	char path[H_PATH], *page;
	struct buf_like {
		char text[4096];
	} longpost;
	int port;
	pid_t http;
	size_t k = 0;

	cr_assert_eq(access(CHROMIUM, X_OK), 0, "Chromium is needed (apt-get install chromium)");
	h_cop_env(&env, "archive_readers", "2020-11-18T10:00:00Z");
	h_baraza(&env, &out, "member add amina@example.org --name 'Amina Yusuf' --region 'East Africa'");
	h_out_free(&out);
	h_baraza(&env, &out, "member add layla@example.org --name '\xd9\x84\xd9\x8a\xd9\x84\xd9\x89"
	    " \xd8\xad\xd8\xaf\xd8\xa7\xd8\xaf' --region 'North Africa'");
	h_out_free(&out);

	/* a long post whose last paragraph alone has the word "mangroves" */
	for (int i = 0; i < 30; i++)
		k += (size_t)snprintf(longpost.text + k, sizeof(longpost.text) - k,
		    "Line %d of a long report on how the partnership shared its budget.\n", i);
	snprintf(longpost.text + k, sizeof(longpost.text) - k,
	    "\nFinally: the coastal mangroves project kept its own reserve.\n");
	m.from = "Amina Yusuf <amina@example.org>";
	m.to = "cop+funding@example.org";
	m.subject = "Who decides on budgets?";
	m.message_id = "<readers-root@example.org>";
	m.body = longpost.text;
	h_post(&env, &m);
	memset(&m, 0, sizeof(m));
	m.from = "=?UTF-8?B?2YTZitmE2Ykg2K3Yr9in2K8=?= <layla@example.org>";
	m.to = "cop@example.org";
	m.subject = "Re: Who decides on budgets?";
	m.message_id = "<readers-reply@example.org>";
	m.in_reply_to = "<readers-root@example.org>";
	m.references = "<readers-root@example.org>";
	m.body = "First line.\nSecond line.\nThird line.\n";
	h_post(&env, &m);
	h_barazad_once(&env, &out);
	cr_assert_eq(out.status, 0, "%s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "archive build");
	cr_assert_eq(out.status, 0, "archive build: %s", out.err);
	h_out_free(&out);

	http = http_start(&env, &port);
	{
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
		env.timeout_ms = 600000;
		h_run(&env, &out, "%s/tests/browser/run.sh %s %s mangroves", env.srcdir, url,
		    env.archive);
	}
	cr_log_info("browser checks:\n%s", out.out);
	cr_expect_eq(out.status, 0, "browser checks failed:\n%s\n%s", out.out, out.err);
	cr_expect(strstr(out.out, "ok search: \"mangroves\"") != NULL, "no search check:\n%s",
	    out.out);
	h_out_free(&out);
	kill(http, SIGTERM);
	waitpid(http, NULL, 0);

	/* Arabic as the list's language: the pages say so, right to left. */
	h_write_config(&env, "[list]\nmoderate = none\nlanguage = ar\n");
	h_baraza(&env, &out, "archive build");
	cr_expect_eq(out.status, 0, "archive build (ar): %s", out.err);
	h_out_free(&out);
	h_path(&env, path, sizeof(path), "archive/index.html");
	page = h_read_file(path, NULL);
	cr_assert_not_null(page);
	cr_expect(strstr(page, "<html lang=\"ar\" dir=\"rtl\">") != NULL, "no rtl: %.300s", page);
	free(page);
	h_env_fini(&env);
}
