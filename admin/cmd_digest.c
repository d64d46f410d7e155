/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_digest - `baraza digest preview|send`, `baraza stats`, `baraza report` */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "digest.h"
#include "figures.h"
#include "json.h"
#include "report.h"
#include "template.h"
#include "store_digest.h"

static int
digest_usage(FILE *fp)
{
	fprintf(fp, "usage: baraza digest preview EMAIL\n"
	    "       baraza digest send\n\n"
	    "preview  print the next digest that EMAIL would receive (the period\n"
	    "         being collected now), as a complete message\n"
	    "send     build and queue every digest that is due and not yet built;\n"
	    "         barazad delivers the queue (and does this itself when due)\n");
	return fp == stdout ? 0 : 2;
}

int
cmd_digest(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct store *s;
	struct buf out;
	int rc;

	if (cmd_wants_help(argc, argv))
		return digest_usage(stdout);
	if (argc < 2)
		return digest_usage(stderr);
	if (strcmp(argv[1], "preview") == 0) {
		if (argc != 3)
			return cmd_usage_error("digest", "preview needs one EMAIL");
		if ((s = cmd_store(ctx)) == NULL)
			return ctx->conf ? 1 : 2;
		buf_init(&out, 64u << 20);
		rc = digest_preview(s, ctx->conf, argv[2], &out);
		if (rc == 1)
			fwrite(out.data, 1, out.len, stdout);
		else if (rc == 0)
			fprintf(stderr, "baraza digest: no member %s\n", argv[2]);
		else
			fprintf(stderr, "baraza digest: could not build the preview\n");
		buf_release(&out);
		return rc == 1 ? 0 : 1;
	}
	if (strcmp(argv[1], "send") == 0) {
		time_t now = clock_now();
		long next;
		char date[64];

		if (argc != 2)
			return cmd_usage_error("digest", "send takes no arguments");
		if ((s = cmd_store(ctx)) == NULL)
			return ctx->conf ? 1 : 2;
		rc = digest_run_due(s, ctx->conf, now);
		if (rc < 0) {
			fprintf(stderr, "baraza digest: building the digest failed\n");
			return 1;
		}
		next = digest_number_at(ctx->conf, now) + 1;
		clock_format_rfc5322(digest_due(ctx->conf, next), date, sizeof(date));
		if (rc == 0)
			printf("no digest due; digest %ld is due %s\n", next, date);
		else
			printf("built %d digest%s; queued for delivery; next is %ld, due %s\n",
			    rc, rc == 1 ? "" : "s", next, date);
		return 0;
	}
	return cmd_usage_error("digest", "unknown subcommand '%s'", argv[1]);
}

struct stats_ctx {
	struct store *s;
	const struct conf *c;
	struct json *j;
	struct buf *out;
	int failed;
};

static int
stats_session(void *arg, const struct digest_session *d)
{
	struct stats_ctx *sc = arg;
	struct digest_scope scope = { d->id, 0, 0, NULL };
	struct figures f;
	struct buf range;

	if (store_figures(sc->s, &scope, &f) < 0) {
		sc->failed = 1;
		return -1;
	}
	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, sc->c->list.language,
	    sc->c->list.language);
	if (sc->j) {
		json_object_begin(sc->j);
		json_key(sc->j, "session"); json_int(sc->j, d->id);
		json_key(sc->j, "theme"); json_string(sc->j, d->theme);
		json_key(sc->j, "state"); json_string(sc->j, d->state);
		json_key(sc->j, "figures"); figures_json(sc->j, &f);
		json_object_end(sc->j);
	} else {
		if (buf_failed(&range))
			buf_fail(sc->out);
		buf_printf(sc->out, "\nsession %lld: %s, %s (%s)\n", (long long)d->id,
		    d->theme_title, range.data, d->state);
		figures_text(sc->out, &f, sc->c->list.language, sc->c->list.language);
	}
	buf_release(&range);
	figures_release(&f);
	return 0;
}

/* one_session - the digest_session callback filter for --session ID */
struct one {
	int64_t id;
	struct stats_ctx *sc;
	int found;
};

static int
one_session(void *arg, const struct digest_session *d)
{
	struct one *o = arg;

	if (d->id != o->id)
		return 0;
	o->found = 1;
	return stats_session(o->sc, d);
}

int
cmd_stats(struct cmd_ctx *ctx, int argc, char **argv)
{
	int64_t session = 0;
	int as_json = 0;
	struct store *s;
	struct buf out;
	struct json j;
	struct stats_ctx sc;
	struct digest_scope all = { 0, 0, 0, NULL };
	struct figures f;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: baraza stats [--session ID] [--json]\n\n"
		    "Participation figures (posts, voices, new voices, replies per thread,\n"
		    "unanswered questions, shares by region, the top three voices' share)\n"
		    "for every session and overall, or for one session.\n");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			as_json = 1;
		} else if (strcmp(argv[i], "--session") == 0 && i + 1 < argc) {
			char *end;

			session = strtoll(argv[++i], &end, 10);
			if (*end || session <= 0)
				return cmd_usage_error("stats", "bad session id '%s'", argv[i]);
		} else {
			return cmd_usage_error("stats", "unknown argument '%s'", argv[i]);
		}
	}
	if ((s = cmd_store(ctx)) == NULL)
		return ctx->conf ? 1 : 2;
	buf_init(&out, 64u << 20);
	json_init(&j, &out);
	sc = (struct stats_ctx){ s, ctx->conf, as_json ? &j : NULL, &out, 0 };
	if (as_json) {
		json_object_begin(&j);
		json_key(&j, "sessions");
		json_array_begin(&j);
	}
	if (session) {
		struct one o = { session, &sc, 0 };

		if (store_digest_sessions(s, 0, one_session, &o) < 0 || !o.found) {
			buf_release(&out);
			fprintf(stderr, "baraza stats: no session %lld\n", (long long)session);
			return 1;
		}
	} else if (store_digest_sessions(s, 0, stats_session, &sc) < 0 || sc.failed) {
		buf_release(&out);
		return 1;
	}
	if (as_json)
		json_array_end(&j);
	if (!session) {
		if (store_figures(s, &all, &f) < 0) {
			buf_release(&out);
			return 1;
		}
		if (as_json) {
			json_key(&j, "overall");
			figures_json(&j, &f);
		} else {
			buf_puts(&out, "\noverall\n");
			figures_text(&out, &f, ctx->conf->list.language, ctx->conf->list.language);
		}
		figures_release(&f);
	}
	if (as_json) {
		json_object_end(&j);
		buf_putc(&out, '\n');
	}
	if (buf_failed(&out)) {
		fprintf(stderr, "baraza stats: the figures would be larger than %zu MB\n",
		    out.max >> 20);
		buf_release(&out);
		return 1;
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	return 0;
}

int
cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum report_format fmt = REPORT_MARKDOWN;
	struct store *s;
	struct buf out;
	int rc;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: baraza report [--format md|html]\n\n"
		    "The final synthesis: for every theme and session its dates, summary,\n"
		    "figures, key threads and resources, then the whole programme's figures.\n");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			v = argv[i] + 9;
		else
			return cmd_usage_error("report", "unknown argument '%s'", argv[i]);
		if (strcmp(v, "md") == 0 || strcmp(v, "markdown") == 0)
			fmt = REPORT_MARKDOWN;
		else if (strcmp(v, "html") == 0)
			fmt = REPORT_HTML;
		else
			return cmd_usage_error("report", "format must be md or html, not '%s'", v);
	}
	if ((s = cmd_store(ctx)) == NULL)
		return ctx->conf ? 1 : 2;
	buf_init(&out, 256u << 20);
	rc = report_render(s, ctx->conf, fmt, &out);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "baraza report: could not build the report\n");
	buf_release(&out);
	return rc == 0 ? 0 : 1;
}
