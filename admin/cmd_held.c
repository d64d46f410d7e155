/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_held - `baraza held [--json] [--pending]`, `held approve ID`,
 * `held reject ID [--comment TEXT]`
 *
 * Output contracts (as the README describes them):
 * - `held`: one line per hold, oldest first: id, date held (local), state,
 *   reason, sender and subject;
 * - `held --json`: an array of {"id","date","from","subject","reason",
 *   "state","expires","decided_by"} (times ISO 8601 UTC; from is the
 *   sender's address; decided_by null while undecided);
 * - `held approve ID` / `held reject ID`: the same decision as a
 *   facilitator's mail to cop+approve-TOKEN@ / cop+reject-TOKEN@ (the code
 *   is shared: moderation_decide); the approved post is queued for the
 *   members, the rejected post's author is told, with --comment.
 * Exit 0 done (also "already approved by X", which is harmless and said
 * on stdout), 1 no such hold / expired / runtime failure, 2 bad usage.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "cmd_opt.h"
#include "json.h"
#include "moderation.h"
#include "store_held.h"
#include "xalloc.h"

static const char held_usage[] =
    "usage: baraza [-c FILE] held [--json] [--pending]\n"
    "       baraza [-c FILE] held approve ID\n"
    "       baraza [-c FILE] held reject ID [--comment TEXT]\n"
    "\n"
    "held           the moderation queue: every hold with its state (held,\n"
    "               approved, rejected, expired); --pending for undecided ones only\n"
    "approve ID     send the held post to the members, as if just received\n"
    "reject ID      drop it; the author is told, with --comment TEXT if given\n";

/* one_line - s with control characters as spaces, for a listing (owned) */
static char *
one_line(const char *s)
{
	char *o = xstrdup(s ? s : "");

	for (char *p = o; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return o;
}

/* held_list - print the moderation queue (text or JSON) */
static int
held_list(struct store *s, int as_json, int pending)
{
	struct held_row *rows;
	size_t n;
	struct buf out;

	if (store_held_list(s, pending ? "held" : NULL, &rows, &n) < 0) {
		fprintf(stderr, "baraza held: cannot read the moderation queue\n");
		return 1;
	}
	buf_init(&out, BUF_NOLIMIT);
	if (as_json) {
		struct json j;
		char t[32];

		json_init(&j, &out);
		json_array_begin(&j);
		for (size_t i = 0; i < n; i++) {
			json_object_begin(&j);
			json_key(&j, "id");
			json_int(&j, rows[i].id);
			json_key(&j, "date");
			json_string(&j, clock_format_iso(rows[i].created, t, sizeof(t)));
			json_key(&j, "from");
			json_string(&j, rows[i].author_email);
			json_key(&j, "subject");
			json_string(&j, rows[i].subject);
			json_key(&j, "reason");
			json_string(&j, rows[i].reason);
			json_key(&j, "state");
			json_string(&j, rows[i].state);
			json_key(&j, "expires");
			json_string(&j, clock_format_iso(rows[i].expires, t, sizeof(t)));
			json_key(&j, "decided_by");
			json_string(&j, rows[i].decided_by);
			json_object_end(&j);
		}
		json_array_end(&j);
		buf_putc(&out, '\n');
	} else if (n == 0) {
		buf_puts(&out, pending ? "no held posts\n" : "no holds\n");
	} else {
		for (size_t i = 0; i < n; i++) {
			char d[16];
			char *from = one_line(rows[i].author_email);
			char *subj = one_line(rows[i].subject);
			char *by = one_line(rows[i].decided_by);

			clock_format_date(rows[i].created, d, sizeof(d));
			buf_printf(&out, "%-5lld %s  %-8s  %-14s  %s  %s%s%s\n",
			    (long long)rows[i].id, d, rows[i].state, rows[i].reason,
			    from, subj, rows[i].decided_by ? "  by " : "",
			    rows[i].decided_by ? by : "");
			free(from);
			free(subj);
			free(by);
		}
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	for (size_t i = 0; i < n; i++)
		store_held_row_release(&rows[i]);
	free(rows);
	return 0;
}

/* cli_name - who decides from the command line */
static char *
cli_name(void)
{
	const char *u = getenv("SUDO_USER");

	if (u == NULL || *u == '\0')
		u = getenv("USER");
	if (u == NULL || *u == '\0')
		u = getlogin();
	return xasprintf("%s (command line)", u && *u ? u : "admin");
}

/* held_decide - `held approve|reject ID` in one transaction */
static int
held_decide(struct cmd_ctx *ctx, const char *word, const char *idstr,
    const char *comment)
{
	struct store *s;
	struct conf *c;
	char *end, *by, *first = NULL;
	long long id;
	int approve = strcmp(word, "approve") == 0, rc;

	errno = 0;
	id = strtoll(idstr, &end, 10);
	if (errno || *idstr == '\0' || *end != '\0' || id <= 0)
		return cmd_usage_error("held", "'%s' is not a hold id", idstr);
	if (approve && comment)
		return cmd_usage_error("held approve", "--comment goes with reject");
	if ((c = cmd_conf(ctx)) == NULL)
		return 2;
	if ((s = cmd_store(ctx)) == NULL)
		return 1;
	if (store_begin(s) < 0) {
		fprintf(stderr, "baraza held: the database is busy\n");
		return 1;
	}
	by = cli_name();
	rc = moderation_decide(s, c, (int64_t)id, approve, by, comment, NULL, &first);
	if (rc < 0 || store_commit(s) < 0) {
		store_rollback(s);
		fprintf(stderr, "baraza held %s %lld: failed; nothing changed\n", word, id);
		free(by);
		free(first);
		return 1;
	}
	free(by);
	switch (rc) {
	case MODERATION_DONE:
		printf("held %lld: %s\n", id, approve ? "approved; queued for the members" :
		    "rejected; the author is told");
		rc = 0;
		break;
	case MODERATION_ALREADY: {
		struct held_row h;
		const char *state = "decided";

		if (store_held_by_id(s, (int64_t)id, &h) == 1)
			state = strcmp(h.state, "approved") == 0 ? "approved" : "rejected";
		printf("held %lld: already %s by %s\n", id, state, first ? first : "?");
		if (state[0] != 'd')
			store_held_row_release(&h);
		rc = 0;
		break;
	}
	case MODERATION_EXPIRED:
		fprintf(stderr, "baraza held %s %lld: the hold has expired\n", word, id);
		rc = 1;
		break;
	default:
		fprintf(stderr, "baraza held %s: no hold %lld\n", word, id);
		rc = 1;
		break;
	}
	free(first);
	return rc;
}

/* cmd_held - `baraza held ...`: dispatch */
int
cmd_held(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *comment = NULL;
	int as_json = 0, pending = 0, npos = 0, rc;
	char *pos[3];
	struct cmd_opt opts[] = {
		{ "--json", NULL, &as_json },
		{ "--pending", NULL, &pending },
		{ "--comment", &comment, NULL },
		{ NULL, NULL, NULL },
	};

	if (cmd_wants_help(argc, argv)) {
		fputs(held_usage, stdout);
		return 0;
	}
	rc = cmd_opt_parse("held", argc, argv, 1, opts, pos, 3, &npos);
	if (rc)
		return rc;
	if (npos == 0) {
		struct store *s;

		if (comment)
			return cmd_usage_error("held", "--comment goes with reject");
		if (cmd_conf(ctx) == NULL)
			return 2;
		if ((s = cmd_store(ctx)) == NULL)
			return 1;
		/* show expired holds as expired, whether or not the daemon ran */
		if (moderation_expire(s, clock_now()) < 0)
			fprintf(stderr, "baraza held: could not expire old holds\n");
		return held_list(s, as_json, pending);
	}
	if (strcmp(pos[0], "approve") == 0 || strcmp(pos[0], "reject") == 0) {
		if (npos != 2)
			return cmd_usage_error("held", "%s takes one ID", pos[0]);
		if (as_json || pending)
			return cmd_usage_error("held", "--json and --pending go with the listing");
		return held_decide(ctx, pos[0], pos[1], comment);
	}
	return cmd_usage_error("held", "unknown subcommand '%s'", pos[0]);
}
