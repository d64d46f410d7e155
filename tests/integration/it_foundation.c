/* SPDX-License-Identifier: GPL-3.0-or-later */
/* it_foundation - issue 2 end to end: the real `baraza` and `barazad`
 * binaries against the harness's real Dovecot and a real SMTP server.
 *
 * What is covered: `baraza check` (config, database, IMAP login over
 * STARTTLS and IMAPS with the test CA, SMTP EHLO) and its failures (wrong
 * password never echoed, closed SMTP port, untrusted certificate); bad
 * configurations exit 2 with FILE:LINE: [section] key; `init` is idempotent;
 * members round-trip through add, list (--json, --csv), import, export,
 * remove and forget; every command answers --help; --version.
 *
 * JSON output is checked structurally by /usr/bin/python3 (json module),
 * not by substring, so key order and spacing do not matter.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../harness.h"

/* ---- helpers ---------------------------------------------------------------- */

/* json_expect - run `baraza ARGS`, which must exit 0 and print JSON; then
 * evaluate the Python expression expr over it (bound to d); true passes */
static void
json_expect(struct h_env *env, const char *args, const char *expr)
{
	struct h_out out, py;
	char path[H_PATH + 32], *prog, *qprog;

	h_baraza(env, &out, "%s", args);
	cr_assert_eq(out.status, 0, "baraza %s: got exit %d, want 0; stderr: %s",
	    args, out.status, out.err);
	h_write_file(env, "json.out", out.out, out.outlen, 0644, path, sizeof(path));
	prog = NULL;
	if (asprintf(&prog, "import json,sys\n"
	    "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	    "sys.exit(0 if (%s) else 1)\n", expr) < 0)
		cr_assert_fail("asprintf");
	qprog = h_shq(prog);
	h_run(env, &py, "/usr/bin/python3 -c %s %s", qprog, path);
	cr_expect_eq(py.status, 0, "baraza %s: got %s, want JSON where %s "
	    "(python: %s)", args, out.out, expr, py.err);
	h_out_free(&py);
	h_out_free(&out);
	free(qprog);
	free(prog);
}

/* conf_line - the line number of key in [section] of env->conf, or 0 */
static int
conf_line(struct h_env *env, const char *section, const char *key)
{
	char *text = h_read_file(env->conf, NULL), *save = NULL, *l;
	char hdr[128];
	int n = 0, in = 0, found = 0;

	cr_assert(text != NULL);
	snprintf(hdr, sizeof(hdr), "[%s]", section);
	/* strtok_r would skip empty lines: count by hand */
	for (l = text; l != NULL && *l; n++) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (l[0] == '[')
			in = strcmp(l, hdr) == 0;
		else if (in && strncmp(l, key, strlen(key)) == 0 &&
		    (l[strlen(key)] == ' ' || l[strlen(key)] == '=')) {
			found = n + 1;
			break;
		}
		l = nl ? nl + 1 : NULL;
	}
	(void)save;
	free(text);
	return found;
}

/* line_with - the first line of s containing both a and b (case-insensitive),
 * copied into buf; 1 found, 0 not */
static int
line_with(const char *s, const char *a, const char *b, char *buf, size_t len)
{
	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);
		snprintf(buf, len, "%.*s", (int)l, s);
		if (strcasestr(buf, a) && (b == NULL || strcasestr(buf, b)))
			return 1;
		s = nl ? nl + 1 : NULL;
	}
	buf[0] = '\0';
	return 0;
}

/* init_ok - `baraza init` must succeed */
static void
init_ok(struct h_env *env)
{
	struct h_out out;

	h_baraza(env, &out, "init");
	cr_assert_eq(out.status, 0, "baraza init: got exit %d, want 0; stderr: %s",
	    out.status, out.err);
	h_out_free(&out);
}

/* ---- baraza check against the real servers ---------------------------------- */

struct check_case {
	const char *name;
	const char *extra;   /* config overrides; %d is the IMAPS port */
	int smtp;            /* start the SMTP capture */
	const char *smtp_rules;
	int want;            /* exit status */
	const char *fail;    /* the check line that must say FAIL, or NULL */
};

static const struct check_case check_cases[] = {
	{ "green_starttls", NULL, 1, NULL, 0, NULL },
	{ "green_imaps", "[imap]\nurl = imaps://127.0.0.1:%d/INBOX\n!starttls\n",
	    1, NULL, 0, NULL },
	{ "imaps_by_name", "[imap]\nurl = imaps://localhost:%d/INBOX\n!starttls\n",
	    1, NULL, 0, NULL },
	{ "smtp_closed", NULL, 0, NULL, 1, "smtp" },
	{ "smtp_refuses_ehlo", NULL, 1, "{\"ehlo\": \"554 5.7.1 go away\"}", 1, "smtp" },
	{ "imap_untrusted_cert", "[imap]\nurl = imaps://127.0.0.1:%d/INBOX\n"
	    "!starttls\n!ca_file\n", 1, NULL, 1, "imap" },
};

static void
run_check_case(const struct check_case *c)
{
	struct h_env env;
	struct h_out out;
	char extra[512], line[512];

	h_env_init(&env, c->name);
	if (c->smtp)
		h_smtp_start(&env);
	if (c->smtp_rules)
		h_smtp_rules(&env, c->smtp_rules);
	if (c->extra)
		snprintf(extra, sizeof(extra), c->extra, env.imaps_port);
	h_write_config(&env, c->extra ? extra : NULL);
	init_ok(&env);
	h_baraza(&env, &out, "check");
	cr_expect_eq(out.status, c->want, "%s: got exit %d, want %d\nstdout:\n%s\n"
	    "stderr:\n%s", c->name, out.status, c->want, out.out, out.err);
	if (c->fail) {
		int got = line_with(out.out, c->fail, "FAIL", line, sizeof(line)) ||
		    line_with(out.err, c->fail, "FAIL", line, sizeof(line));
		cr_expect(got, "%s: no '%s ... FAILED' line in\n%s%s", c->name,
		    c->fail, out.out, out.err);
	} else {
		cr_expect(!strcasestr(out.out, "FAIL") && !strcasestr(out.err, "FAIL"),
		    "%s: a check failed:\n%s%s", c->name, out.out, out.err);
		/* one line each: config, database, imap, smtp */
		cr_expect(line_with(out.out, "imap", NULL, line, sizeof(line)),
		    "%s: no imap line in\n%s", c->name, out.out);
		cr_expect(line_with(out.out, "smtp", NULL, line, sizeof(line)),
		    "%s: no smtp line in\n%s", c->name, out.out);
	}
	h_out_free(&out);
	h_env_fini(&env);
}

Test(check, green_starttls) { run_check_case(&check_cases[0]); }
Test(check, green_imaps) { run_check_case(&check_cases[1]); }
Test(check, imaps_by_host_name) { run_check_case(&check_cases[2]); }
Test(check, smtp_port_closed) { run_check_case(&check_cases[3]); }
Test(check, smtp_refuses_ehlo) { run_check_case(&check_cases[4]); }
Test(check, imap_untrusted_certificate) { run_check_case(&check_cases[5]); }

Test(check, wrong_imap_password_not_echoed)
{
	struct h_env env;
	struct h_out out;
	char path[H_PATH + 32], line[512];
	const char *wrong = "Wr0ng-Pa55-unique-7731";

	h_env_init(&env, "wrong_password");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	init_ok(&env);
	h_write_file(&env, env.imap_pass_file, "Wr0ng-Pa55-unique-7731\n",
	    (size_t)-1, 0600, path, sizeof(path));
	h_baraza(&env, &out, "check");
	cr_expect_eq(out.status, 1, "got exit %d, want 1\n%s%s", out.status,
	    out.out, out.err);
	cr_expect(line_with(out.out, "imap", "FAIL", line, sizeof(line)) ||
	    line_with(out.err, "imap", "FAIL", line, sizeof(line)),
	    "no 'imap ... FAILED' line in\n%s%s", out.out, out.err);
	cr_expect(!strstr(out.out, wrong) && !strstr(out.err, wrong),
	    "the password was printed:\n%s%s", out.out, out.err);
	cr_expect(!strstr(out.out, env.imap_pass) && !strstr(out.err, env.imap_pass),
	    "the real password was printed:\n%s%s", out.out, out.err);
	/* the SMTP line is still checked and still fine */
	cr_expect(line_with(out.out, "smtp", NULL, line, sizeof(line)) &&
	    !strcasestr(line, "FAIL"), "smtp line: got '%s', want a passing one", line);
	h_out_free(&out);
	h_env_fini(&env);
}

Test(check, explicit_config_option)
{
	struct h_env env;
	struct h_out out;
	char *q;

	h_env_init(&env, "dash_c");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	init_ok(&env);
	q = h_shq(env.conf);
	/* -c wins over a BARAZA_CONF that points nowhere */
	h_run(&env, &out, "BARAZA_CONF=/nonexistent/baraza.conf %s -c %s check",
	    env.baraza, q);
	cr_expect_eq(out.status, 0, "got exit %d, want 0\n%s%s", out.status,
	    out.out, out.err);
	h_out_free(&out);
	free(q);
	h_env_fini(&env);
}

/* ---- bad configurations: exit 2 with FILE:LINE: [section] key ---------------- */

struct bad_case {
	const char *name;
	const char *extra;     /* merged into the good config */
	const char *section;   /* the section named in the message */
	const char *key;       /* the key whose line is named */
};

static const struct bad_case bad_cases[] = {
	{ "unknown_key", "[list]\ncolour = blue\n", "list", "colour" },
	{ "unknown_key_theme", "[theme risk]\nflavour = sour\n", "theme risk", "flavour" },
	{ "bad_enum", "[list]\nmoderate = sometimes\n", "list", "moderate" },
	{ "bad_number", "[list]\nmax_message_kb = lots\n", "list", "max_message_kb" },
	{ "bad_reply_to", "[list]\nreply_to = everyone\n", "list", "reply_to" },
	{ "bad_session", "[theme funding]\nsession = 2020-11-31..2020-12-01\n",
	    "theme funding", "session" },
	{ "bad_keywords", "[theme funding]\nkeywords = (unclosed\n",
	    "theme funding", "keywords" },
	{ "bad_after", "[imap]\nafter = shred\n", "imap", "after" },
};

static void
run_bad_case(const struct bad_case *c, const char *cmd)
{
	struct h_env env;
	struct h_out out;
	char want[H_PATH + 128];
	int line;

	h_env_init(&env, c->name);
	h_write_config(&env, c->extra);
	line = conf_line(&env, c->section, c->key);
	cr_assert(line > 0, "%s: test bug: no %s in [%s]", c->name, c->key, c->section);
	snprintf(want, sizeof(want), "%s:%d: [%s] %s", env.conf, line,
	    c->section, c->key);
	if (strcmp(cmd, "barazad") == 0)
		h_barazad_once(&env, &out);
	else
		h_baraza(&env, &out, "%s", cmd);
	cr_expect_eq(out.status, 2, "%s (%s): got exit %d, want 2\n%s%s",
	    c->name, cmd, out.status, out.out, out.err);
	cr_expect(strstr(out.err, want) != NULL,
	    "%s (%s): stderr lacks \"%s\"; got:\n%s", c->name, cmd, want, out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

Test(config, bad_files_exit_2_with_file_line_key)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		run_bad_case(&bad_cases[i], "check");
}

Test(config, every_program_refuses_a_bad_file)
{
	static const char *cmds[] = { "init", "check", "member list", "barazad" };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		run_bad_case(&bad_cases[0], cmds[i]);
}

Test(config, readable_password_file)
{
	struct h_env env;
	struct h_out out;
	char want[H_PATH + 128];
	int line;

	h_env_init(&env, "pass_0644");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	cr_assert(chmod(env.imap_pass_file, 0644) == 0);
	line = conf_line(&env, "imap", "password_file");
	snprintf(want, sizeof(want), "%s:%d: [imap] password_file", env.conf, line);
	h_baraza(&env, &out, "check");
	cr_expect_eq(out.status, 2, "got exit %d, want 2\n%s%s", out.status,
	    out.out, out.err);
	cr_expect(strstr(out.err, want) != NULL, "stderr lacks \"%s\"; got:\n%s",
	    want, out.err);
	cr_expect(!strstr(out.out, env.imap_pass) && !strstr(out.err, env.imap_pass),
	    "the password was printed");
	h_out_free(&out);
	h_env_fini(&env);
}

Test(config, missing_required_key)
{
	struct h_env env;
	struct h_out out;
	char want[H_PATH + 64];

	h_env_init(&env, "missing_key");
	h_write_config(&env, "[list]\n!address\n");
	snprintf(want, sizeof(want), "%s:", env.conf);
	h_baraza(&env, &out, "check");
	cr_expect_eq(out.status, 2, "got exit %d, want 2\n%s", out.status, out.err);
	cr_expect(strstr(out.err, want) && strstr(out.err, "[list] address"),
	    "stderr lacks \"%s...[list] address\"; got:\n%s", want, out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

Test(config, missing_file)
{
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "missing_file");
	h_baraza(&env, &out, "-c %s/nonexistent.conf check", env.dir);
	cr_expect_eq(out.status, 2, "got exit %d, want 2\n%s", out.status, out.err);
	cr_expect(strstr(out.err, "nonexistent.conf") != NULL,
	    "stderr does not name the file:\n%s", out.err);
	h_out_free(&out);
	h_env_fini(&env);
}

/* ---- init -------------------------------------------------------------------- */

Test(init, twice_changes_nothing)
{
	struct h_env env;
	struct h_out d1, d2, v;

	h_env_init(&env, "init_twice");
	h_write_config(&env, NULL);
	init_ok(&env);
	h_run(&env, &d1, "sqlite3 %s .dump", env.db);
	cr_assert_eq(d1.status, 0, "sqlite3 .dump: %s", d1.err);
	init_ok(&env);
	h_run(&env, &d2, "sqlite3 %s .dump", env.db);
	cr_expect_str_eq(d2.out, d1.out, "the second init changed the database");
	h_run(&env, &v, "sqlite3 %s 'PRAGMA user_version; PRAGMA journal_mode;'",
	    env.db);
	cr_expect(atoi(v.out) >= 1, "user_version: got %s, want >= 1", v.out);
	cr_expect(strstr(v.out, "wal") != NULL, "journal_mode: got %s, want wal",
	    v.out);
	h_out_free(&d1);
	h_out_free(&d2);
	h_out_free(&v);
	h_env_fini(&env);
}

Test(init, syncs_themes_and_sessions)
{
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "init_sync");
	h_write_config(&env, NULL);
	init_ok(&env);
	h_baraza(&env, &out, "theme list");
	cr_expect_eq(out.status, 0, "theme list: exit %d: %s", out.status, out.err);
	static const char *slugs[] = { "funding", "risk", "community",
	    "power-tool", "decisions" };
	for (size_t i = 0; i < 5; i++)
		cr_expect(strstr(out.out, slugs[i]) != NULL,
		    "theme list lacks %s:\n%s", slugs[i], out.out);
	h_out_free(&out);
	json_expect(&env, "session list --json",
	    "len(d) == 5 and sorted(s['theme'] for s in d) == "
	    "sorted(['funding','risk','community','power-tool','decisions']) and "
	    "all(set(s) >= {'id','theme','opens','closes','state','posts'} for s in d)");

	/* a new session line in the config shows up after the next init */
	h_write_config(&env, "[theme risk]\nsession = 2020-12-01..2020-12-15\n"
	    "session = 2021-02-01..2021-02-15\n");
	init_ok(&env);
	json_expect(&env, "session list --json",
	    "len(d) == 6 and len([s for s in d if s['theme'] == 'risk']) == 2");
	h_env_fini(&env);
}

Test(init, shipped_example_config_is_valid)
{
	struct h_env env;
	struct h_out out;
	char *q;

	h_env_init(&env, "example_conf");
	q = h_shq(env.dir);
	/* the example's paths point into /etc and /var: move them here */
	h_run(&env, &out, "sed -e 's|/var/lib/baraza|'%s'|; s|/etc/baraza/imap.pass|'%s'/imap.pass|' "
	    "%s/conf/baraza.conf.example > example.conf", q, q, env.srcdir);
	cr_assert_eq(out.status, 0, "sed: %s", out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "-c example.conf init");
	cr_expect_eq(out.status, 0, "init with the example: got exit %d, want 0: %s",
	    out.status, out.err);
	h_out_free(&out);
	h_baraza(&env, &out, "-c example.conf theme list");
	cr_expect_eq(out.status, 0, "theme list: exit %d: %s", out.status, out.err);
	cr_expect(strstr(out.out, "power-tool") && strstr(out.out, "decisions"),
	    "theme list with the example:\n%s", out.out);
	h_out_free(&out);
	free(q);
	h_env_fini(&env);
}

/* ---- members ------------------------------------------------------------------- */

Test(member, add_list_update_remove)
{
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "member_basic");
	h_write_config(&env, NULL);
	init_ok(&env);
	h_baraza(&env, &out, "member add alice@example.org --name 'Alice Wanjiru' "
	    "--role facilitator --delivery each --region 'East Africa' "
	    "--language en --themes funding,risk");
	cr_assert_eq(out.status, 0, "member add: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	/* the domain is normalised, the local part kept */
	h_baraza(&env, &out, "member add Bob@EXAMPLE.Org --name 'Bob Ngugi'");
	cr_assert_eq(out.status, 0, "member add: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	json_expect(&env, "member list --json",
	    "len(d) == 2 and "
	    "all(set(m) >= {'email','name','role','delivery','region','language',"
	    "'themes','status'} for m in d) and "
	    "[m for m in d if m['email'] == 'alice@example.org'][0]['role'] == 'facilitator' and "
	    "[m for m in d if m['email'] == 'alice@example.org'][0]['region'] == 'East Africa' and "
	    "sorted([m for m in d if m['email'] == 'alice@example.org'][0]['themes']) == ['funding','risk'] and "
	    "[m for m in d if m['email'].lower() == 'bob@example.org'][0]['email'].endswith('@example.org') and "
	    "all(m['status'] == 'active' for m in d)");

	/* adding again, in another case, updates the same member */
	h_baraza(&env, &out, "member add BOB@example.org --delivery digest");
	cr_assert_eq(out.status, 0, "member add again: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	json_expect(&env, "member list --json",
	    "len(d) == 2 and [m for m in d if m['email'].lower() == 'bob@example.org'][0]"
	    "['delivery'] == 'digest' and [m for m in d if m['email'].lower() == "
	    "'bob@example.org'][0]['name'] == 'Bob Ngugi'");

	h_baraza(&env, &out, "member list --csv");
	cr_expect_eq(out.status, 0, "member list --csv: exit %d: %s", out.status, out.err);
	cr_expect(strncmp(out.out, "email,", 6) == 0 && strstr(out.out, "alice@example.org"),
	    "member list --csv: got\n%s", out.out);
	h_out_free(&out);

	h_baraza(&env, &out, "member remove alice@EXAMPLE.org");
	cr_expect_eq(out.status, 0, "member remove: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	json_expect(&env, "member list --json",
	    "all(m['status'] != 'active' for m in d if m['email'] == 'alice@example.org')");
	h_env_fini(&env);
}

Test(member, bad_arguments_exit_2)
{
	static const char *bad[] = {
		"member add not-an-address",
		"member add carol@example.org --role king",
		"member add carol@example.org --delivery sometimes",
		"member add carol@example.org --themes nosuchtheme",
		"member frobnicate",
		"member",
		"nosuchcommand",
	};
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "member_bad");
	h_write_config(&env, NULL);
	init_ok(&env);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h_baraza(&env, &out, "%s", bad[i]);
		cr_expect_eq(out.status, 2, "baraza %s: got exit %d, want 2 (%s)",
		    bad[i], out.status, out.err);
		h_out_free(&out);
	}
	json_expect(&env, "member list --json", "len(d) == 0");
	h_env_fini(&env);
}

static const char good_csv[] =
    "email,name,role,delivery,region,language,themes\n"
    "amina@example.org,Amina Diallo,facilitator,each,West Africa,fr,\"funding,risk\"\n"
    "jose@example.org,\"García, José\",member,digest,Latin America,es,\n"
    "li@example.org,李明,member,each,Asia,en,community\n";

Test(member, import_export_forget)
{
	struct h_env env;
	struct h_out out;
	char path[H_PATH + 32];

	h_env_init(&env, "member_import");
	h_write_config(&env, NULL);
	init_ok(&env);
	h_write_file(&env, "members.csv", good_csv, (size_t)-1, 0644, path, sizeof(path));
	h_baraza(&env, &out, "member import %s", path);
	cr_assert_eq(out.status, 0, "member import: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	json_expect(&env, "member list --json",
	    "len(d) == 3 and "
	    "{m['email']: m['name'] for m in d} == {'amina@example.org': 'Amina Diallo', "
	    "'jose@example.org': 'García, José', 'li@example.org': '李明'} and "
	    "[m for m in d if m['email'] == 'amina@example.org'][0]['language'] == 'fr'");

	json_expect(&env, "member export jose@example.org",
	    "isinstance(d, dict) and 'García, José' in json.dumps(d, ensure_ascii=False)");

	h_baraza(&env, &out, "member forget jose@example.org");
	cr_expect_eq(out.status, 0, "member forget: exit %d: %s", out.status, out.err);
	h_out_free(&out);
	json_expect(&env, "member list --json",
	    "len(d) == 2 and all(m['email'] != 'jose@example.org' for m in d)");
	h_baraza(&env, &out, "member export jose@example.org");
	cr_expect_neq(out.status, 0, "export after forget: got exit 0:\n%s", out.out);
	cr_expect(!strstr(out.out, "García"), "forget left the name:\n%s", out.out);
	h_out_free(&out);
	/* nothing about him is left in the database file */
	h_run(&env, &out, "sqlite3 %s .dump | grep -c -i 'jose@example.org\\|García'",
	    env.db);
	cr_expect_eq(atoi(out.out), 0, "forget left %s rows naming him", out.out);
	h_out_free(&out);
	h_env_fini(&env);
}

Test(member, import_is_atomic)
{
	static const char bad_csv[] =
	    "email,name,role,delivery,region,language,themes\n"
	    "ok1@example.org,One,member,each,,,\n"
	    "not-an-address,Two,member,each,,,\n"
	    "ok3@example.org,Three,member,each,,,\n"
	    "ok4@example.org,Four,emperor,each,,,\n";
	struct h_env env;
	struct h_out out;
	char path[H_PATH + 32];

	h_env_init(&env, "member_atomic");
	h_write_config(&env, NULL);
	init_ok(&env);
	h_write_file(&env, "bad.csv", bad_csv, (size_t)-1, 0644, path, sizeof(path));
	h_baraza(&env, &out, "member import %s", path);
	cr_expect_eq(out.status, 2, "got exit %d, want 2: %s", out.status, out.err);
	/* every bad row is reported with its line number */
	cr_expect(strstr(out.err, ":3") || strstr(out.err, "line 3"),
	    "line 3 not reported:\n%s", out.err);
	cr_expect(strstr(out.err, ":5") || strstr(out.err, "line 5"),
	    "line 5 not reported:\n%s", out.err);
	h_out_free(&out);
	json_expect(&env, "member list --json", "len(d) == 0");

	h_baraza(&env, &out, "member import --skip-invalid %s", path);
	cr_expect_eq(out.status, 0, "--skip-invalid: got exit %d: %s", out.status, out.err);
	h_out_free(&out);
	json_expect(&env, "member list --json",
	    "sorted(m['email'] for m in d) == ['ok1@example.org', 'ok3@example.org']");
	h_env_fini(&env);
}

/* ---- help and version -------------------------------------------------------- */

Test(cli, version_and_help)
{
	struct h_env env;
	struct h_out out;
	char *p, *save = NULL, *line;
	int n = 0;

	h_env_init(&env, "cli");
	h_write_config(&env, NULL);
	h_baraza(&env, &out, "--version");
	cr_expect_eq(out.status, 0, "baraza --version: exit %d", out.status);
	cr_expect(strstr(out.out, "baraza") && strchr(out.out, '.'),
	    "baraza --version: got '%s'", out.out);
	h_out_free(&out);
	h_run(&env, &out, "%s --version", env.barazad);
	cr_expect_eq(out.status, 0, "barazad --version: exit %d", out.status);
	h_out_free(&out);
	h_run(&env, &out, "%s --help", env.barazad);
	cr_expect_eq(out.status, 0, "barazad --help: exit %d", out.status);
	cr_expect(strstr(out.out, "--once") != NULL, "barazad --help: got %s", out.out);
	h_out_free(&out);

	/* every command listed by `baraza --help` answers --help with 0 */
	h_baraza(&env, &out, "--help");
	cr_assert_eq(out.status, 0, "baraza --help: exit %d", out.status);
	p = strstr(out.out, "commands:");
	cr_assert(p != NULL, "baraza --help lists no commands:\n%s", out.out);
	for (line = strtok_r(p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char cmd[64];
		struct h_out h;
		if (strncmp(line, "  ", 2) != 0 || sscanf(line, " %63s", cmd) != 1)
			continue;
		h_baraza(&env, &h, "%s --help", cmd);
		cr_expect_eq(h.status, 0, "baraza %s --help: got exit %d, want 0 (%s)",
		    cmd, h.status, h.err);
		cr_expect(h.outlen > 0, "baraza %s --help printed nothing", cmd);
		h_out_free(&h);
		n++;
	}
	cr_expect(n >= 10, "only %d commands listed", n);
	h_out_free(&out);
	h_env_fini(&env);
}

/* ---- barazad ------------------------------------------------------------------- */

Test(barazad, once_on_an_empty_mailbox)
{
	struct h_env env;
	struct h_out out;

	h_env_init(&env, "once_empty");
	h_smtp_start(&env);
	h_write_config(&env, NULL);
	init_ok(&env);
	h_barazad_once(&env, &out);
	cr_expect_eq(out.status, 0, "barazad --once: got exit %d, want 0: %s",
	    out.status, out.err);
	cr_expect_eq(h_smtp_count(&env), 0, "mail was sent from an empty mailbox");
	h_out_free(&out);
	h_env_fini(&env);
}

/* ---- the harness itself --------------------------------------------------------- */

Test(harness, servers_and_helpers)
{
	struct h_env env;
	struct h_out out;
	struct h_smtp_msg m;
	char *raw, *v, id[128], *tr;
	size_t len;

	h_env_init(&env, "harness");
	h_smtp_start(&env);
	h_write_config(&env, "[smtp]\nstarttls = yes\n[!theme risk]\n[theme x]\ntitle = X\n");
	cr_expect_eq(conf_line(&env, "theme risk", "title"), 0, "[!theme risk] kept it");
	cr_expect(conf_line(&env, "theme x", "title") > 0, "[theme x] not added");
	cr_expect(conf_line(&env, "smtp", "starttls") > 0, "starttls not kept");

	raw = h_mail_build(&(struct h_mail){ .subject = "Grüße", .body = "a\nb\n" },
	    &len, id, sizeof id);
	cr_expect(strstr(raw, "\r\nb\r\n") != NULL, "body not CRLF");
	v = h_header(raw, "message-id");
	cr_expect_str_eq(v, id);
	free(v);
	h_imap_append(&env, "INBOX", raw, len);
	cr_expect_eq(h_imap_count(&env, "INBOX"), 1);
	cr_expect(!h_imap_exists(&env, "Processed"));
	h_imap_create(&env, "Processed");
	cr_expect(h_imap_exists(&env, "Processed"));

	/* a scripted 550 for one recipient, the other accepted; STARTTLS
	 * verified against the test CA */
	h_smtp_rules(&env, "{\"rcpt\": {\"bad@example.org\": \"550 5.1.1 No such user\"}}");
	h_run(&env, &out, "curl -sS --ssl-reqd --cacert %s smtp://127.0.0.1:%d "
	    "--mail-from cop+bounces@example.org --mail-rcpt x@example.org "
	    "--mail-rcpt bad@example.org --mail-rcpt-allowfails -T -  < /dev/null",
	    env.ca_file, env.smtp_port);
	cr_expect_eq(out.status, 0, "curl: %s", out.err);
	h_out_free(&out);
	cr_expect_eq(h_smtp_wait(&env, 1, 2000), 1);
	cr_assert(h_smtp_message(&env, 0, &m));
	cr_expect_str_eq(m.mail_from, "cop+bounces@example.org");
	cr_expect_eq(m.nrcpts, 1);
	cr_expect_str_eq(m.rcpts[0], "x@example.org");
	h_smtp_msg_free(&m);
	tr = h_smtp_transcript(&env);
	cr_expect(strstr(tr, "S: 550 5.1.1") != NULL, "transcript:\n%s", tr);
	free(tr);

	/* stopped: connection refused; restarted: same port, numbering goes on */
	h_smtp_stop(&env);
	h_smtp_rules(&env, NULL);
	h_run(&env, &out, "curl -sS smtp://127.0.0.1:%d --mail-from a@example.org "
	    "--mail-rcpt y@example.org -T - < /dev/null", env.smtp_port);
	cr_expect_neq(out.status, 0, "curl reached a stopped server");
	h_out_free(&out);
	h_smtp_start(&env);
	h_run(&env, &out, "curl -sS smtp://127.0.0.1:%d --mail-from a@example.org "
	    "--mail-rcpt y@example.org -T - < /dev/null", env.smtp_port);
	cr_expect_eq(out.status, 0, "curl after restart: %s", out.err);
	h_out_free(&out);
	cr_expect_eq(h_smtp_wait(&env, 2, 2000), 2);
	cr_expect_eq(h_smtp_count_rcpt(&env, "Y@example.org"), 1);
	free(raw);
	h_env_fini(&env);
}
