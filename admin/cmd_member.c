/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_member - `baraza member add|remove|list|import|export|forget`
 *
 * Output contracts (as the README describes them):
 * - `member list --json`: an array of {"email","name","role","delivery",
 *   "region","language","themes","status"}; "themes" is an array of theme
 *   slugs, every active theme when the member follows all of them; and
 *   for a member whose mail is stopped because it bounced, also "bounce":
 *   {"since","days","first_day","last_day","reason","probes","next_probe"}
 *   (the text form prints the same on a second line);
 * - `member list --csv`: a header row email,name,role,delivery,region,
 *   language,themes,status and one row per member, "themes" being "all" or
 *   slugs separated by spaces, so the file can be imported back;
 * - `member export EMAIL`: one JSON object (store_member_export);
 * - `member remove` keeps the member's row and history (status
 *   unsubscribed); `member forget` erases them.
 * Exit 0 done, 1 no such member or a runtime failure, 2 bad usage or data.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "cmd_opt.h"
#include "json.h"
#include "member_import.h"
#include "store_bounce.h"
#include "store_member.h"
#include "store_programme.h"
#include "utf8.h"
#include "xalloc.h"

static const char member_usage[] =
    "usage: baraza [-c FILE] member add EMAIL [--name N] [--role member|facilitator]\n"
    "                      [--delivery each|digest|none] [--region R]\n"
    "                      [--language L] [--themes a,b|all]\n"
    "       baraza [-c FILE] member remove EMAIL\n"
    "       baraza [-c FILE] member list [--csv|--json]\n"
    "       baraza [-c FILE] member import FILE.csv [--skip-invalid]\n"
    "       baraza [-c FILE] member export EMAIL\n"
    "       baraza [-c FILE] member forget EMAIL\n"
    "\n"
    "add      add a member, or update one (made active, no confirmation)\n"
    "remove   unsubscribe a member (their posts and settings are kept)\n"
    "list     every member; --csv and --json for scripts\n"
    "import   add or update members from a CSV file with a header row\n"
    "         email,name,role,delivery,region,language,themes; all or nothing\n"
    "         unless --skip-invalid; every bad row is reported with its line\n"
    "export   print all data held on one member as JSON\n"
    "forget   erase a member; their posts stay, by \"former member\"\n";

static const char add_usage[] =
    "usage: baraza [-c FILE] member add EMAIL [--name N] [--role member|facilitator]\n"
    "           [--delivery each|digest|none] [--region R] [--language L]\n"
    "           [--themes a,b|all]\n"
    "\n"
    "Add the member, or update the settings given of an existing one; the\n"
    "member is active at once, without a confirmation round-trip.  --themes\n"
    "takes theme slugs separated by ',' (or 'all', the default for a new\n"
    "member); options not given are left as they are.\n";
static const char remove_usage[] =
    "usage: baraza [-c FILE] member remove EMAIL\n"
    "\n"
    "Unsubscribe the member: no more mail, status 'unsubscribed'.  Their\n"
    "posts and settings are kept ('member add' brings them back); use\n"
    "'member forget' to erase them.\n";
static const char list_usage[] =
    "usage: baraza [-c FILE] member list [--csv|--json]\n"
    "\n"
    "List every member.  --json prints an array of {\"email\",\"name\",\"role\",\n"
    "\"delivery\",\"region\",\"language\",\"themes\",\"status\"}; --csv prints rows\n"
    "that 'member import' reads back.\n";
static const char import_usage[] =
    "usage: baraza [-c FILE] member import FILE.csv [--skip-invalid]\n"
    "\n"
    "Add or update members from a CSV file (UTF-8, RFC 4180 quoting) whose\n"
    "header row names the columns: email,name,role,delivery,region,language,\n"
    "themes (themes: 'all' or slugs separated by spaces or ';').  Empty fields\n"
    "leave a member's value alone.  With any bad row nothing is imported and\n"
    "every bad row is reported as FILE:LINE: problem (exit 2); --skip-invalid\n"
    "imports the good rows and reports the others.  FILE '-' is stdin.\n";
static const char export_usage[] =
    "usage: baraza [-c FILE] member export EMAIL\n"
    "\n"
    "Print all data held on the member as one JSON object: settings, themes,\n"
    "posts, tokens (without their values), bounces, held messages, mail\n"
    "queued for them and notices sent.\n";
static const char forget_usage[] =
    "usage: baraza [-c FILE] member forget EMAIL\n"
    "\n"
    "Erase the member and everything held on them.  Their posts stay in the\n"
    "discussion, attributed to \"former member\"; their address is removed\n"
    "from the stored messages they sent.\n";

/* member_store - the database with the programme synced (so that theme
 * names given on the command line are known); NULL after printing why,
 * with *rc set to the exit status */
static struct store *
member_store(struct cmd_ctx *ctx, int *rc)
{
	struct store *s = cmd_store(ctx);

	if (s == NULL) {
		*rc = ctx->conf == NULL ? 2 : 1;
		return NULL;
	}
	if (store_programme_sync(s, ctx->conf, NULL) < 0) {
		fprintf(stderr, "baraza member: cannot sync themes: %s\n", store_errmsg(s));
		*rc = 1;
		return NULL;
	}
	return s;
}

/* one_email - the single positional EMAIL, normalised into out; 0 or 2 */
static int
one_email(const char *cmd, int npos, char **pos, char *out, size_t outlen)
{
	const char *why;

	if (npos != 1)
		return cmd_usage_error(cmd, "give one EMAIL");
	if (addr_normalize(pos[0], out, outlen, &why) < 0)
		return cmd_usage_error(cmd, "'%s' is not a valid address: %s", pos[0], why);
	return 0;
}

static int
member_add(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL, *role = NULL, *delivery = NULL, *region = NULL,
	    *language = NULL, *themes = NULL, *why;
	const struct cmd_opt opts[] = {
		{ "--name", &name, NULL }, { "--role", &role, NULL },
		{ "--delivery", &delivery, NULL }, { "--region", &region, NULL },
		{ "--language", &language, NULL }, { "--themes", &themes, NULL },
		{ NULL, NULL, NULL },
	};
	char email[ADDR_MAX + 1], err[200];
	char *pos[2], **list = NULL;
	size_t nlist = 0;
	struct member_put p;
	struct store *s;
	int npos, rc, all = 0;

	if (cmd_opt_parse("member add", argc, argv, 2, opts, pos, 2, &npos) != 0)
		return 2;
	if ((rc = one_email("member add", npos, pos, email, sizeof(email))) != 0)
		return rc;
	if (role && !member_role_valid(role))
		return cmd_usage_error("member add", "--role must be member or facilitator");
	if (delivery && !member_delivery_valid(delivery))
		return cmd_usage_error("member add", "--delivery must be each, digest or none");
	if (language && !member_language_valid(language))
		return cmd_usage_error("member add", "--language '%s' is not a tag such "
		    "as en or pt-BR", language);
	if (name && (why = member_text_problem(name, MEMBER_NAME_MAX)) != NULL)
		return cmd_usage_error("member add", "--name %s", why);
	if (region && (why = member_text_problem(region, MEMBER_REGION_MAX)) != NULL)
		return cmd_usage_error("member add", "--region %s", why);
	if ((s = member_store(ctx, &rc)) == NULL)
		return rc;
	if (themes && member_parse_themes(s, themes, &all, &list, &nlist, err,
	    sizeof(err)) < 0) {
		if (strcmp(err, "database error") == 0)
			return 1;
		return cmd_usage_error("member add", "--themes: %s", err);
	}
	memset(&p, 0, sizeof(p));
	p.email = email;
	p.name = name;
	p.role = role;
	p.delivery = delivery;
	p.region = region;
	p.language = language;
	p.set_themes = themes != NULL;
	p.all_themes = all;
	p.themes = (const char *const *)list;
	p.nthemes = nlist;
	rc = store_member_put(s, &p, NULL);
	for (size_t i = 0; i < nlist; i++)
		free(list[i]);
	free(list);
	if (rc < 0)
		return 1;
	printf("%s %s\n", rc ? "added" : "updated", email);
	return 0;
}

static int
member_remove(struct cmd_ctx *ctx, int argc, char **argv)
{
	char email[ADDR_MAX + 1];
	char *pos[2];
	struct store *s;
	int npos, rc;

	if (cmd_opt_parse("member remove", argc, argv, 2, NULL, pos, 2, &npos) != 0)
		return 2;
	if ((rc = one_email("member remove", npos, pos, email, sizeof(email))) != 0)
		return rc;
	if ((s = cmd_store(ctx)) == NULL)
		return ctx->conf == NULL ? 2 : 1;
	rc = store_member_remove(s, email);
	if (rc < 0)
		return 1;
	if (rc == 0) {
		fprintf(stderr, "baraza member remove: %s is not a member\n", email);
		return 1;
	}
	printf("removed %s (unsubscribed; their posts are kept)\n", email);
	return 0;
}

/* ---- list ----------------------------------------------------------------- */

struct lister {
	struct store *s;
	int format;                   /* 0 text, 1 csv, 2 json */
	char **themes;                /* every active theme, for all_themes */
	size_t nthemes;
	struct json j;
	struct buf out;
};

static int
collect_theme(const struct theme_row *t, void *arg)
{
	struct lister *l = arg;

	if (t->active) {
		l->themes = xreallocarray(l->themes, l->nthemes + 1, sizeof(*l->themes));
		l->themes[l->nthemes++] = xstrdup(t->slug);
	}
	return 0;
}

/* csv_field - s as one CSV field, quoted when it must be */
static void
csv_field(struct buf *b, const char *s, int last)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL || (*s && (s[0] == ' ' ||
	    s[strlen(s) - 1] == ' '))) {
		buf_putc(b, '"');
		for (; *s; s++) {
			if (*s == '"')
				buf_putc(b, '"');
			buf_putc(b, *s);
		}
		buf_putc(b, '"');
	} else {
		buf_puts(b, s);
	}
	buf_putc(b, last ? '\n' : ',');
}

/* themes_text - "all" or the slugs separated by sep (owned) */
static char *
themes_text(const struct member *m, const char *sep)
{
	struct buf b;

	if (m->all_themes)
		return xstrdup("all");
	buf_init(&b, BUF_NOLIMIT);
	for (size_t i = 0; i < m->nthemes; i++) {
		if (i)
			buf_puts(&b, sep);
		buf_puts(&b, m->themes[i]);
	}
	return buf_detach(&b, NULL);
}

/* pad_column - s left-aligned in a column of width terminal columns and a
 * space; printf's %-Ns counts bytes, which pulls every later column left
 * after a name such as "Jose Garcia" written with accents */
static void
pad_column(struct buf *b, const char *s, size_t width)
{
	size_t cols = utf8_columns(s);

	buf_puts(b, s);
	do
		buf_putc(b, ' ');
	while (++cols < width + 1);
}

/* bounce_day - local day number as "2020-11-17" */
static void
bounce_day(long day, char *out, size_t outlen)
{
	time_t t = (time_t)day * 86400;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, outlen, "%Y-%m-%d", &tm) == 0)
		snprintf(out, outlen, "?");
}

/* why_bouncing - a bouncing member's figures: after the text line, or as
 * the JSON key "bounce" (absent for the others) */
static void
why_bouncing(struct lister *l, const struct member *m)
{
	struct bouncing b;
	char since[24], first[24], last[24], next[24];
	int found = strcmp(m->status, "bouncing") == 0 ?
	    store_bouncing_get(l->s, m->id, &b) : 0;

	if (found <= 0)
		return;
	clock_format_date(b.since, since, sizeof(since));
	bounce_day(b.first_day, first, sizeof(first));
	bounce_day(b.last_day, last, sizeof(last));
	if (b.next_probe)
		clock_format_date(b.next_probe, next, sizeof(next));
	else
		snprintf(next, sizeof(next), "none");
	if (l->format == 0) {
		buf_printf(&l->out, "    bouncing since %s: failed on %ld days from %s to %s;"
		    " last: %s; probes sent: %d, next: %s\n", since, b.days, first, last,
		    b.reason ? b.reason : "-", b.probes, next);
	} else {
		json_key(&l->j, "bounce");
		json_object_begin(&l->j);
		json_key(&l->j, "since");
		json_string(&l->j, since);
		json_key(&l->j, "days");
		json_int(&l->j, b.days);
		json_key(&l->j, "first_day");
		json_string(&l->j, first);
		json_key(&l->j, "last_day");
		json_string(&l->j, last);
		json_key(&l->j, "reason");
		json_string(&l->j, b.reason);
		json_key(&l->j, "probes");
		json_int(&l->j, b.probes);
		json_key(&l->j, "next_probe");
		if (b.next_probe)
			json_string(&l->j, next);
		else
			json_null(&l->j);
		json_object_end(&l->j);
	}
	store_bouncing_release(&b);
}

static int
list_one(const struct member *m, void *arg)
{
	struct lister *l = arg;
	char *themes;

	switch (l->format) {
	case 0:
		themes = themes_text(m, ",");
		pad_column(&l->out, m->email, 32);
		pad_column(&l->out, m->name ? m->name : "-", 24);
		pad_column(&l->out, m->role, 11);
		pad_column(&l->out, m->delivery, 6);
		pad_column(&l->out, m->status, 12);
		buf_printf(&l->out, "%s\n", themes);
		why_bouncing(l, m);
		free(themes);
		break;
	case 1:
		themes = themes_text(m, " ");
		csv_field(&l->out, m->email, 0);
		csv_field(&l->out, m->name, 0);
		csv_field(&l->out, m->role, 0);
		csv_field(&l->out, m->delivery, 0);
		csv_field(&l->out, m->region, 0);
		csv_field(&l->out, m->language, 0);
		csv_field(&l->out, themes, 0);
		csv_field(&l->out, m->status, 1);
		free(themes);
		break;
	default:
		json_object_begin(&l->j);
		json_key(&l->j, "email");
		json_string(&l->j, m->email);
		json_key(&l->j, "name");
		json_string(&l->j, m->name);
		json_key(&l->j, "role");
		json_string(&l->j, m->role);
		json_key(&l->j, "delivery");
		json_string(&l->j, m->delivery);
		json_key(&l->j, "region");
		json_string(&l->j, m->region);
		json_key(&l->j, "language");
		json_string(&l->j, m->language);
		json_key(&l->j, "themes");
		json_array_begin(&l->j);
		if (m->all_themes)
			for (size_t i = 0; i < l->nthemes; i++)
				json_string(&l->j, l->themes[i]);
		else
			for (size_t i = 0; i < m->nthemes; i++)
				json_string(&l->j, m->themes[i]);
		json_array_end(&l->j);
		json_key(&l->j, "status");
		json_string(&l->j, m->status);
		why_bouncing(l, m);
		json_object_end(&l->j);
		break;
	}
	/* stream: never hold the whole list */
	if (l->out.len > 65536) {
		fwrite(l->out.data, 1, l->out.len, stdout);
		buf_reset(&l->out);
	}
	return 0;
}

static int
member_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	int csv = 0, json = 0, npos, rc;
	const struct cmd_opt opts[] = {
		{ "--csv", NULL, &csv }, { "--json", NULL, &json }, { NULL, NULL, NULL },
	};
	struct lister l;
	struct store *s;
	char *pos[1];

	if (cmd_opt_parse("member list", argc, argv, 2, opts, pos, 0, &npos) != 0)
		return 2;
	if (csv && json)
		return cmd_usage_error("member list", "choose --csv or --json, not both");
	if ((s = cmd_store(ctx)) == NULL)
		return ctx->conf == NULL ? 2 : 1;
	memset(&l, 0, sizeof(l));
	l.s = s;
	l.format = csv ? 1 : json ? 2 : 0;
	buf_init(&l.out, BUF_NOLIMIT);
	json_init(&l.j, &l.out);
	if (json && store_theme_each(s, collect_theme, &l) < 0) {
		rc = 1;
		goto out;
	}
	if (csv)
		buf_puts(&l.out, "email,name,role,delivery,region,language,themes,status\n");
	if (json)
		json_array_begin(&l.j);
	if (store_member_each(s, list_one, &l) < 0) {
		rc = 1;
		goto out;
	}
	if (json) {
		json_array_end(&l.j);
		buf_putc(&l.out, '\n');
	}
	fwrite(l.out.data, 1, l.out.len, stdout);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	for (size_t i = 0; i < l.nthemes; i++)
		free(l.themes[i]);
	free(l.themes);
	buf_release(&l.out);
	return rc;
}

/* ---- import, export, forget ------------------------------------------------ */

static int
member_import_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
	int skip = 0, npos, rc;
	const struct cmd_opt opts[] = {
		{ "--skip-invalid", NULL, &skip }, { NULL, NULL, NULL },
	};
	struct member_import_result r;
	struct buf report;
	struct store *s;
	char *pos[2];
	FILE *fp;

	if (cmd_opt_parse("member import", argc, argv, 2, opts, pos, 2, &npos) != 0)
		return 2;
	if (npos != 1)
		return cmd_usage_error("member import", "give one FILE.csv");
	if (strcmp(pos[0], "-") == 0) {
		fp = stdin;
	} else if ((fp = fopen(pos[0], "r")) == NULL) {
		fprintf(stderr, "baraza member import: %s: %s\n", pos[0], strerror(errno));
		return 2;
	}
	if ((s = member_store(ctx, &rc)) == NULL) {
		if (fp != stdin)
			fclose(fp);
		return rc;
	}
	buf_init(&report, 1 << 24);
	rc = member_import(s, fp, strcmp(pos[0], "-") == 0 ? "stdin" : pos[0],
	    skip, &report, &r);
	if (fp != stdin)
		fclose(fp);
	fputs(report.data, stderr);
	buf_release(&report);
	if (rc < 0) {
		fprintf(stderr, "baraza member import: database error: nothing imported\n");
		return 1;
	}
	if (rc > 0 && (!skip || r.unreadable)) {
		fprintf(stderr, "baraza member import: %ld bad row%s: nothing imported%s\n",
		    r.bad, r.bad == 1 ? "" : "s",
		    skip ? "" : " (fix them, or use --skip-invalid)");
		return 2;
	}
	printf("imported %ld member%s: %ld added, %ld updated", r.added + r.updated,
	    r.added + r.updated == 1 ? "" : "s", r.added, r.updated);
	if (r.bad)
		printf(", %ld bad row%s skipped", r.bad, r.bad == 1 ? "" : "s");
	printf("\n");
	return 0;
}

static int
member_export(struct cmd_ctx *ctx, int argc, char **argv)
{
	char email[ADDR_MAX + 1];
	char *pos[2];
	struct store *s;
	struct buf out;
	struct json j;
	int npos, rc;

	if (cmd_opt_parse("member export", argc, argv, 2, NULL, pos, 2, &npos) != 0)
		return 2;
	if ((rc = one_email("member export", npos, pos, email, sizeof(email))) != 0)
		return rc;
	if ((s = cmd_store(ctx)) == NULL)
		return ctx->conf == NULL ? 2 : 1;
	buf_init(&out, BUF_NOLIMIT);
	json_init(&j, &out);
	rc = store_member_export(s, email, &j);
	if (rc == 1) {
		buf_putc(&out, '\n');
		fwrite(out.data, 1, out.len, stdout);
	} else if (rc == 0) {
		fprintf(stderr, "baraza member export: %s is not a member\n", email);
	}
	buf_release(&out);
	return rc == 1 ? 0 : 1;
}

static int
member_forget(struct cmd_ctx *ctx, int argc, char **argv)
{
	char email[ADDR_MAX + 1];
	char *pos[2];
	struct store *s;
	int npos, rc;

	if (cmd_opt_parse("member forget", argc, argv, 2, NULL, pos, 2, &npos) != 0)
		return 2;
	if ((rc = one_email("member forget", npos, pos, email, sizeof(email))) != 0)
		return rc;
	if ((s = cmd_store(ctx)) == NULL)
		return ctx->conf == NULL ? 2 : 1;
	rc = store_member_forget(s, email);
	if (rc < 0)
		return 1;
	if (rc == 0) {
		fprintf(stderr, "baraza member forget: %s is not a member\n", email);
		return 1;
	}
	printf("forgot %s: their posts now read \"former member\"\n", email);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cmd_ctx *, int, char **);
	const char *usage;
} subcommands[] = {
	{ "add", member_add, add_usage },
	{ "remove", member_remove, remove_usage },
	{ "list", member_list, list_usage },
	{ "import", member_import_cmd, import_usage },
	{ "export", member_export, export_usage },
	{ "forget", member_forget, forget_usage },
};

int
cmd_member(struct cmd_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (cmd_wants_help(argc, argv)) {
			fputs(member_usage, stdout);
			return 0;
		}
		return cmd_usage_error("member", argc < 2 ? "which one: add, remove, "
		    "list, import, export or forget?" : "unknown option '%s'", argv[1]);
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		if (cmd_wants_help(argc - 1, argv + 1)) {
			fputs(subcommands[i].usage, stdout);
			return 0;
		}
		return subcommands[i].fn(ctx, argc, argv);
	}
	return cmd_usage_error("member", "unknown subcommand '%s'", argv[1]);
}
