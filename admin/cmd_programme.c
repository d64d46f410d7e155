/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_programme - `baraza theme list`, `baraza session list|open|close`
 *
 * Both sync the programme from the configuration first (as `init` and the
 * daemon do), so what they show is what the configuration says.
 *
 * `session list --json` prints an array of {"id","theme","opens","closes",
 * "state","posts"}: opens and closes are local dates "YYYY-MM-DD" in the
 * list's time zone, closes exclusive as in the configuration ("session =
 * 2020-11-17..2020-12-01" lists as opens "2020-11-17", closes
 * "2020-12-01"); state is planned, open or closed (store_programme.h);
 * posts counts the accepted posts filed in the session.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "cmd_opt.h"
#include "json.h"
#include "store_programme.h"

/* programme_store - the database, programme synced; NULL with *rc set */
static struct store *
programme_store(struct cmd_ctx *ctx, const char *cmd, int *rc)
{
	struct store *s = cmd_store(ctx);

	if (s == NULL) {
		*rc = ctx->conf == NULL ? 2 : 1;
		return NULL;
	}
	if (store_programme_sync(s, ctx->conf, NULL) < 0) {
		fprintf(stderr, "baraza %s: cannot sync themes and sessions: %s\n",
		    cmd, store_errmsg(s));
		*rc = 1;
		return NULL;
	}
	return s;
}

/* ---- theme ----------------------------------------------------------------- */

static const char theme_usage[] =
    "usage: baraza [-c FILE] theme list [--json]\n"
    "\n"
    "List the themes of the programme: slug, title, sessions and posts.\n"
    "Themes no longer in the configuration are shown as retired.  --json\n"
    "prints an array of {\"slug\",\"title\",\"active\",\"sessions\",\"posts\"}.\n";

/* A listing being printed: a JSON array, or lines of text */
struct listing {
	int json;
	struct json j;
	struct buf out;
};

/* listing_begin - start an empty listing */
static void
listing_begin(struct listing *o, int json)
{
	memset(o, 0, sizeof(*o));
	o->json = json;
	buf_init(&o->out, BUF_NOLIMIT);
	json_init(&o->j, &o->out);
	if (json)
		json_array_begin(&o->j);
}

/* listing_end - close it, print it when rc is 0, free it; returns rc */
static int
listing_end(struct listing *o, int rc)
{
	if (o->json) {
		json_array_end(&o->j);
		buf_putc(&o->out, '\n');
	}
	if (rc == 0)
		fwrite(o->out.data, 1, o->out.len, stdout);
	buf_release(&o->out);
	return rc;
}

static int
theme_one(const struct theme_row *t, void *arg)
{
	struct listing *o = arg;

	if (o->json) {
		json_object_begin(&o->j);
		json_key(&o->j, "slug");
		json_string(&o->j, t->slug);
		json_key(&o->j, "title");
		json_string(&o->j, t->title);
		json_key(&o->j, "active");
		json_bool(&o->j, t->active);
		json_key(&o->j, "sessions");
		json_int(&o->j, t->sessions);
		json_key(&o->j, "posts");
		json_int(&o->j, t->posts);
		json_object_end(&o->j);
	} else {
		buf_printf(&o->out, "%-16s %s (%ld session%s, %ld post%s)%s\n", t->slug,
		    t->title, t->sessions, t->sessions == 1 ? "" : "s", t->posts,
		    t->posts == 1 ? "" : "s", t->active ? "" : " [retired]");
	}
	return 0;
}

int
cmd_theme(struct cmd_ctx *ctx, int argc, char **argv)
{
	int json = 0, npos, rc;
	const struct cmd_opt opts[] = { { "--json", NULL, &json }, { NULL, NULL, NULL } };
	struct listing o;
	struct store *s;
	char *pos[1];

	if (cmd_wants_help(argc, argv)) {
		fputs(theme_usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "list") != 0)
		return cmd_usage_error("theme", argc < 2 ? "which one: list?" :
		    "unknown subcommand '%s'", argv[1]);
	if (cmd_opt_parse("theme list", argc, argv, 2, opts, pos, 0, &npos) != 0)
		return 2;
	if ((s = programme_store(ctx, "theme", &rc)) == NULL)
		return rc;
	listing_begin(&o, json);
	rc = store_theme_each(s, theme_one, &o) < 0 ? 1 : 0;
	return listing_end(&o, rc);
}

/* ---- session --------------------------------------------------------------- */

static const char session_usage[] =
    "usage: baraza [-c FILE] session list [--json]\n"
    "       baraza [-c FILE] session open THEME [--until YYYY-MM-DD]\n"
    "       baraza [-c FILE] session close ID\n"
    "\n"
    "list    every session: id, theme, dates (local, end exclusive), state\n"
    "        (planned, open, closed) and posts; --json for scripts\n"
    "open    open a session of THEME now, until the given date (exclusive;\n"
    "        default: two weeks from today)\n"
    "close   close session ID now (a facilitator's summary also closes it)\n";
static const char list_usage[] =
    "usage: baraza [-c FILE] session list [--json]\n"
    "\n"
    "List every session in date order.  --json prints an array of\n"
    "{\"id\",\"theme\",\"opens\",\"closes\",\"state\",\"posts\"}, dates as local\n"
    "YYYY-MM-DD with closes exclusive, as in the configuration.\n";
static const char open_usage[] =
    "usage: baraza [-c FILE] session open THEME [--until YYYY-MM-DD]\n"
    "\n"
    "Open a session of THEME now.  It runs until local midnight starting the\n"
    "--until date (exclusive, like the configuration's session lines);\n"
    "default two weeks from today.  Refused while THEME has an open session.\n";
static const char close_usage[] =
    "usage: baraza [-c FILE] session close ID\n"
    "\n"
    "Close session ID now (see 'session list' for the ids).  Posts arriving\n"
    "later are kept and filed between sessions.\n";


static int
session_one(const struct session_row *r, void *arg)
{
	struct listing *o = arg;
	char opens[16], closes[16];

	clock_format_date(r->opens, opens, sizeof(opens));
	clock_format_date(r->closes, closes, sizeof(closes));
	if (o->json) {
		json_object_begin(&o->j);
		json_key(&o->j, "id");
		json_int(&o->j, r->id);
		json_key(&o->j, "theme");
		json_string(&o->j, r->theme);
		json_key(&o->j, "opens");
		json_string(&o->j, opens);
		json_key(&o->j, "closes");
		json_string(&o->j, closes);
		json_key(&o->j, "state");
		json_string(&o->j, session_state_name(r->state));
		json_key(&o->j, "posts");
		json_int(&o->j, r->posts);
		json_object_end(&o->j);
	} else {
		buf_printf(&o->out, "%-5lld %-16s %s..%s  %-7s %4ld post%s%s\n",
		    (long long)r->id, r->theme, opens, closes,
		    session_state_name(r->state), r->posts, r->posts == 1 ? "" : "s",
		    strcmp(r->source, "admin") == 0 ? "  (opened by admin)" : "");
	}
	return 0;
}

static int
session_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	int json = 0, npos, rc;
	const struct cmd_opt opts[] = { { "--json", NULL, &json }, { NULL, NULL, NULL } };
	struct listing o;
	struct store *s;
	char *pos[1];

	if (cmd_opt_parse("session list", argc, argv, 2, opts, pos, 0, &npos) != 0)
		return 2;
	if ((s = programme_store(ctx, "session", &rc)) == NULL)
		return rc;
	listing_begin(&o, json);
	rc = store_session_each(s, clock_now(), session_one, &o) < 0 ? 1 : 0;
	return listing_end(&o, rc);
}

/* local_midnight_after - local midnight starting the day `days` after t */
static time_t
local_midnight_after(time_t t, int days)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return clock_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + days, 0, 0);
}

static int
session_open(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *until = NULL;
	const struct cmd_opt opts[] = { { "--until", &until, NULL }, { NULL, NULL, NULL } };
	char *pos[2], err[256], date[16];
	time_t now = clock_now(), closes;
	struct store *s;
	int64_t id;
	int npos, rc;

	if (cmd_opt_parse("session open", argc, argv, 2, opts, pos, 2, &npos) != 0)
		return 2;
	if (npos != 1)
		return cmd_usage_error("session open", "give one THEME");
	if ((s = programme_store(ctx, "session", &rc)) == NULL)
		return rc;
	if (until) {
		char tail[2];
		int y, m, d;

		if (strlen(until) != 10 || sscanf(until, "%4d-%2d-%2d%1s", &y, &m, &d, tail) != 3 ||
		    clock_parse_local(until, &closes) < 0 ||
		    strcmp(clock_format_date(closes, date, sizeof(date)), until) != 0)
			return cmd_usage_error("session open", "--until '%s' is not a date "
			    "YYYY-MM-DD", until);
	} else {
		closes = local_midnight_after(now, 14);
	}
	rc = store_theme_exists(s, pos[0]);
	if (rc < 0)
		return 1;
	if (rc == 0)
		return cmd_usage_error("session open", "no theme '%s' (see 'baraza theme list')",
		    pos[0]);
	rc = store_session_open(s, pos[0], now, closes, &id, err, sizeof(err));
	if (rc < 0)
		return 1;
	if (rc == 0) {
		fprintf(stderr, "baraza session open: %s\n", err);
		return 1;
	}
	printf("opened session %lld of %s until %s (exclusive)\n", (long long)id,
	    pos[0], clock_format_date(closes, date, sizeof(date)));
	return 0;
}

static int
session_close(struct cmd_ctx *ctx, int argc, char **argv)
{
	char *pos[2], *end;
	struct store *s;
	long long id;
	int npos, rc;

	if (cmd_opt_parse("session close", argc, argv, 2, NULL, pos, 2, &npos) != 0)
		return 2;
	if (npos != 1)
		return cmd_usage_error("session close", "give one session ID");
	errno = 0;
	id = strtoll(pos[0], &end, 10);
	if (end == pos[0] || *end != '\0' || errno || id <= 0)
		return cmd_usage_error("session close", "'%s' is not a session id", pos[0]);
	if ((s = programme_store(ctx, "session", &rc)) == NULL)
		return rc;
	rc = store_session_close(s, (int64_t)id, clock_now());
	if (rc < 0)
		return 1;
	if (rc == 0) {
		fprintf(stderr, "baraza session close: no session %lld\n", id);
		return 1;
	}
	if (rc == 2)
		printf("session %lld was closed already\n", id);
	else
		printf("closed session %lld\n", id);
	return 0;
}

int
cmd_session(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cmd_ctx *, int, char **);
		const char *usage;
	} subs[] = {
		{ "list", session_list, list_usage },
		{ "open", session_open, open_usage },
		{ "close", session_close, close_usage },
	};

	if (argc < 2 || argv[1][0] == '-') {
		if (cmd_wants_help(argc, argv)) {
			fputs(session_usage, stdout);
			return 0;
		}
		return cmd_usage_error("session", argc < 2 ? "which one: list, open or "
		    "close?" : "unknown option '%s'", argv[1]);
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if (cmd_wants_help(argc - 1, argv + 1)) {
			fputs(subs[i].usage, stdout);
			return 0;
		}
		return subs[i].fn(ctx, argc, argv);
	}
	return cmd_usage_error("session", "unknown subcommand '%s'", argv[1]);
}
