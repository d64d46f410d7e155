/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_relay - `baraza queue [--json]` and `baraza queue retry`
 *
 * Output contracts (as the README describes them):
 * - `queue`: one line per state (queued, deferred, sent, failed) with its
 *   count of recipient rows, then the oldest deferral: address, kind,
 *   age, attempts, next try and the server's last answer;
 * - `queue --json`: an array with one object per state,
 *   {"state","count"}; the "deferred" object also has "oldest": null or
 *   {"address","kind","queued","attempts","next_try","reason"} (times as
 *   ISO 8601 UTC);
 * - `queue retry`: makes every deferred row due now (the daemon, or
 *   `barazad --once`, sends them on its next run) and says how many.
 * Exit 0 done, 1 runtime failure, 2 bad usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "cmd_opt.h"
#include "json.h"
#include "store_outbox.h"

static const char queue_usage[] =
    "usage: baraza [-c FILE] queue [--json]\n"
    "       baraza [-c FILE] queue retry\n"
    "\n"
    "queue    the outbox: recipients queued, deferred, sent and failed, and the\n"
    "         oldest deferral with the server's last answer; --json for scripts\n"
    "retry    make every deferred delivery due now; the daemon (or\n"
    "         `barazad --once`) sends them on its next run\n";

static int
queue_show(struct store *s, int as_json)
{
	struct outbox_stats st;
	time_t now = clock_now();
	char a[32], b[32], c[32];

	if (outbox_stats_get(s, &st) < 0) {
		fprintf(stderr, "baraza queue: cannot read the outbox\n");
		return 1;
	}
	if (as_json) {
		struct buf out;
		struct json j;
		const char *names[] = { "queued", "deferred", "sent", "failed" };
		long counts[] = { st.queued, st.deferred, st.sent, st.failed };

		buf_init(&out, BUF_NOLIMIT);
		json_init(&j, &out);
		json_array_begin(&j);
		for (int i = 0; i < 4; i++) {
			json_object_begin(&j);
			json_key(&j, "state");
			json_string(&j, names[i]);
			json_key(&j, "count");
			json_int(&j, counts[i]);
			if (i == 1) {
				json_key(&j, "oldest");
				if (st.oldest_address) {
					json_object_begin(&j);
					json_key(&j, "address");
					json_string(&j, st.oldest_address);
					json_key(&j, "kind");
					json_string(&j, st.oldest_kind);
					json_key(&j, "queued");
					json_string(&j, clock_format_iso(st.oldest_created, a, sizeof(a)));
					json_key(&j, "attempts");
					json_int(&j, st.oldest_attempts);
					json_key(&j, "next_try");
					json_string(&j, clock_format_iso(st.oldest_next_try, b, sizeof(b)));
					json_key(&j, "reason");
					json_string(&j, st.oldest_reason);
					json_object_end(&j);
				} else {
					json_null(&j);
				}
			}
			json_object_end(&j);
		}
		json_array_end(&j);
		printf("%s\n", out.data);
		buf_release(&out);
	} else {
		printf("queued    %ld\ndeferred  %ld\nsent      %ld\nfailed    %ld\n",
		    st.queued, st.deferred, st.sent, st.failed);
		if (st.oldest_address)
			printf("oldest deferral: %s (%s), queued %s ago, %d attempt%s, "
			    "next try %s: %s\n", st.oldest_address,
			    st.oldest_kind ? st.oldest_kind : "?",
			    clock_format_duration(now - st.oldest_created, a, sizeof(a)),
			    st.oldest_attempts,
			    st.oldest_attempts == 1 ? "" : "s",
			    st.oldest_next_try <= now ? "now" :
			    clock_format_duration(st.oldest_next_try - now, c, sizeof(c)),
			    st.oldest_reason ? st.oldest_reason : "(no reason recorded)");
	}
	outbox_stats_release(&st);
	return 0;
}

int
cmd_queue(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_opt opts[] = {
		{ "--json", NULL, NULL },
		{ NULL, NULL, NULL },
	};
	struct cmd_opt o[2];
	char *pos[2];
	int npos = 0, as_json = 0;
	struct store *s;

	if (cmd_wants_help(argc, argv)) {
		fputs(queue_usage, stdout);
		return 0;
	}
	memcpy(o, opts, sizeof(o));
	o[0].flag = &as_json;
	if (cmd_opt_parse("queue", argc, argv, 1, o, pos, 1, &npos) != 0)
		return 2;
	if (npos == 1 && strcmp(pos[0], "retry") != 0)
		return cmd_usage_error("queue", "unknown subcommand '%s'", pos[0]);
	if ((s = cmd_store(ctx)) == NULL)
		return 1;
	if (npos == 1) {
		long n;

		if (as_json)
			return cmd_usage_error("queue retry", "--json is for the listing");
		n = outbox_retry_all(s, clock_now());
		if (n < 0) {
			fprintf(stderr, "baraza queue retry: cannot update the outbox\n");
			return 1;
		}
		printf("%ld deferred deliver%s due now\n", n, n == 1 ? "y is" : "ies are");
		return 0;
	}
	return queue_show(s, as_json);
}
