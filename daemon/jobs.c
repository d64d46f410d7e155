/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jobs - run session opens, summary kits, closes and digests when due */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "catalog.h"
#include "clock.h"
#include "digest.h"
#include "fanout.h"
#include "figures.h"
#include "jobs.h"
#include "listaddr.h"
#include "log.h"
#include "hold_notice.h"
#include "moderation.h"
#include "notice.h"
#include "store_digest.h"
#include "store_jobs.h"
#include "store_message.h"
#include "template.h"
#include "xalloc.h"

#define JOBS_TEXT_MAX (4u << 20)
#define JOBS_PRUNE_BATCH 500      /* raw messages emptied per transaction */

/* A notice template rendered for the whole group, one body per language.
 * The variable "range" is the session's dates in the recipient's language. */
struct group_notice {
	const struct conf *c;
	const char *kind, *template;
	struct template_var *vars;
	size_t nvars;
	const struct job_session *js;
	/* what else depends on the language: the theme's title and
	 * questions (announcements), the kit's lists (kits) */
	int (*localise)(struct group_notice *g, const char *lang);
	struct store *s;
	struct buf *scratch;     /* localise's texts, released by the caller */
	size_t nscratch;
	const char *reply_to;    /* announcements: cop+THEME@; else NULL */
};

/* set_var - the value of variable name in g */
static void
set_var(struct group_notice *g, const char *name, const char *value)
{
	for (size_t i = 0; i < g->nvars; i++)
		if (strcmp(g->vars[i].name, name) == 0)
			g->vars[i].value = value;
}

/* build_group_notice - the session notice of a group in one language
 * (notice.h's build callback) */
static int
build_group_notice(void *arg, const char *lang, struct buf *out)
{
	struct group_notice *g = arg;
	struct notice n;
	struct buf range;
	int rc;

	buf_init(&range, 256);
	template_date_range(&range, g->js->opens, g->js->closes, lang, g->c->list.language);
	set_var(g, "range", range.data);
	set_var(g, "title", conf_theme_title(conf_theme_find(g->c, g->js->theme),
	    catalog_pick(lang, g->c->list.language)));
	if (g->localise && g->localise(g, catalog_pick(lang, g->c->list.language)) < 0) {
		buf_release(&range);
		return -1;
	}
	memset(&n, 0, sizeof(n));
	n.kind = g->kind;
	n.template = g->template;
	n.lang = lang;
	n.vars = g->vars;
	n.nvars = g->nvars;
	n.to = g->c->list.address;
	n.to_name = g->c->list.name;
	n.from = LISTADDR_OWNER;
	/* an announcement is list mail: from the list, and a reply reaches
	 * the theme's discussion, not the owners (SPEC §6) */
	n.list_mail = g->reply_to != NULL;
	n.reply_to = g->reply_to;
	rc = buf_failed(&range) ? -1 : notice_build(out, g->c, &n);
	buf_release(&range);
	return rc;
}

/* collect_name - append a facilitator's name to the list in arg (", "
 * between) */
static int
collect_name(void *arg, int64_t id, const char *email, const char *name,
    const char *lang)
{
	struct buf *b = arg;

	(void)id; (void)email; (void)lang;
	if (*name == '\0')
		return 0;
	if (b->len)
		buf_puts(b, ", ");
	buf_puts(b, name);
	return 0;
}

/* open_localise - the theme's questions in lang (questions.LANG) */
static int
open_localise(struct group_notice *g, const char *lang)
{
	const struct conf_theme *t = conf_theme_find(g->c, g->js->theme);
	struct buf *q = &g->scratch[0];
	size_t n = t ? conf_theme_questions(t, lang) : 0;

	buf_reset(q);
	for (size_t i = 0; i < n; i++)
		buf_printf(q, "  - %s\n", conf_theme_question(t, lang, i));
	set_var(g, "questions", q->data);
	return buf_failed(q) ? -1 : 0;
}

/* job_open - the session opens: state, and the announcement */
static int
job_open(struct store *s, const struct conf *c, const struct job_session *js,
    time_t now)
{
	const struct conf_theme *t = conf_theme_find(c, js->theme);
	struct buf range, questions, post, facilitators;
	struct template_var vars[6];
	struct group_notice g = { c, "announce", "announce", vars, 6, js,
	    open_localise, s, NULL, 0, NULL };
	struct buf qscratch;
	long sent;
	int rc;

	if ((rc = store_session_set_state(s, js->id, "open", now)) < 0)
		return -1;
	if (strcmp(js->state, "closed") == 0) {
		log_info("session %lld (%s) closed before its opening ran: no announcement",
		    (long long)js->id, js->theme);
		return 0;
	}
	if (js->closes <= now) {
		/* catch-up after downtime: announcing a session that is over
		 * would invite posts to it; its close job follows */
		log_info("session %lld (%s) ended before its opening ran (barazad "
		    "was not running): announcement skipped", (long long)js->id,
		    js->theme);
		return 0;
	}
	buf_init(&range, 256);
	buf_init(&questions, 64 * 1024);
	buf_init(&post, 512);
	buf_init(&facilitators, 64 * 1024);
	buf_init(&qscratch, 64 * 1024);
	g.scratch = &qscratch;
	g.nscratch = 1;
	template_date_range(&range, js->opens, js->closes, c->list.language,
	    c->list.language);
	for (size_t i = 0; t && i < t->nquestions; i++)
		buf_printf(&questions, "  - %s\n", t->questions[i]);
	listaddr_append(&post, c, LISTADDR_THEME, js->theme);
	if (store_job_recipients(s, "facilitators", collect_name, &facilitators) < 0)
		goto fail;
	if (buf_failed(&range) || buf_failed(&questions) || buf_failed(&post) ||
	    buf_failed(&facilitators)) {
		log_warnx("session %lld (%s): the announcement's questions or facilitators"
		    " are too long to send", (long long)js->id, js->theme);
		goto fail;
	}
	vars[0] = (struct template_var){ "title", js->title };
	vars[1] = (struct template_var){ "range", range.data };
	vars[2] = (struct template_var){ "questions", questions.data };
	vars[3] = (struct template_var){ "post_address", post.data };
	vars[4] = (struct template_var){ "facilitators", facilitators.data };
	vars[5] = (struct template_var){ "list", c->list.name };
	g.reply_to = post.data;
	if ((sent = fanout_send(s, c, "active", "announce", build_group_notice, &g)) < 0)
		goto fail;
	log_info("session %lld (%s) open: announcement queued for %ld members",
	    (long long)js->id, js->theme, sent);
	buf_release(&qscratch);
	buf_release(&range);
	buf_release(&questions);
	buf_release(&post);
	buf_release(&facilitators);
	return 0;
fail:
	buf_release(&qscratch);
	buf_release(&range);
	buf_release(&questions);
	buf_release(&post);
	buf_release(&facilitators);
	return -1;
}

/* The kit's lists in one language. */
struct kit_lines {
	struct buf *out;
	const char *lang;
};

/* kit_thread - one line of the kit's thread list */
static int
kit_thread(void *arg, const struct digest_thread *t)
{
	struct kit_lines *k = arg;
	struct template_var v[] = { { "name", *t->starter ? t->starter :
	    tr(k->lang, "a former member") } };

	buf_printf(k->out, "  - %s (", t->subject);
	/* TRANSLATORS: after a thread's subject in the summary kit */
	template_plural(k->out, k->lang, "{{n}} post, started by {{name}}",
	    "{{n}} posts, started by {{name}}", (unsigned long)t->posts, v, 1);
	buf_puts(k->out, ")\n");
	return 0;
}

/* kit_question - one line of the kit's open questions */
static int
kit_question(void *arg, const struct digest_post *p)
{
	struct kit_lines *k = arg;

	buf_printf(k->out, "  - %s (%s)\n", p->subject, p->author_name);
	return 0;
}

/* kit_link - one line of the kit's shared links */
static int
kit_link(void *arg, const struct digest_link *l)
{
	struct kit_lines *k = arg;
	struct template_var v[] = { { "name", l->author_name } };
	/* TRANSLATORS: after a link in the summary kit */
	const char *fmt = tr(k->lang, "shared by {{name}}");

	buf_printf(k->out, "  - %s (", l->url);
	template_expand(k->out, fmt, strlen(fmt), v, 1);
	buf_puts(k->out, ")\n");
	return 0;
}

/* kit_voice - one line of the kit's new voices */
static int
kit_voice(void *arg, const char *name)
{
	struct kit_lines *k = arg;

	buf_printf(k->out, "  - %s\n", name);
	return 0;
}

/* kit_localise - the kit's figures and lists in lang */
static int
kit_localise(struct group_notice *g, const char *lang)
{
	struct digest_scope sc = { g->js->id, 0, 0, NULL };
	static const char *const names[] = { "figures", "threads", "questions",
	    "resources", "new_voices" };
	struct kit_lines k[5];
	struct figures fg;

	for (size_t i = 0; i < 5; i++) {
		buf_reset(&g->scratch[i]);
		k[i] = (struct kit_lines){ &g->scratch[i], lang };
	}
	if (store_figures(g->s, &sc, &fg) < 0)
		return -1;
	figures_text(k[0].out, &fg, lang, lang);
	figures_release(&fg);
	if (store_digest_top_threads(g->s, &sc, 5, kit_thread, &k[1]) < 0 ||
	    store_digest_questions(g->s, &sc, kit_question, &k[2]) < 0 ||
	    store_digest_links(g->s, &sc, kit_link, &k[3]) < 0 ||
	    store_session_new_voices(g->s, g->js->id, kit_voice, &k[4]) < 0)
		return -1;
	for (size_t i = 0; i < 5; i++) {
		if (buf_failed(k[i].out)) {
			log_warnx("session %lld (%s): the summary kit would be larger than %u MB",
			    (long long)g->js->id, g->js->theme, JOBS_TEXT_MAX >> 20);
			return -1;
		}
		if (k[i].out->len == 0)
			/* TRANSLATORS: an empty list in the summary kit */
			buf_printf(k[i].out, "  (%s)\n", tr(lang, "none"));
		set_var(g, names[i], k[i].out->data);
	}
	return 0;
}

/* job_kit - the summary kit for the facilitators, each in their language */
static int
job_kit(struct store *s, const struct conf *c, const struct job_session *js,
    time_t now)
{
	struct buf range, addr, scratch[5];
	struct template_var vars[9];
	struct group_notice g = { c, "kit", "kit", vars, 9, js, kit_localise, s,
	    scratch, 5, NULL };
	long sent;
	int rc = -1;

	if (strcmp(js->state, "closed") == 0)
		return 0;       /* summarised early: no kit needed */
	if (js->closes <= now) {
		/* catch-up: a draft for a session already over helps nobody */
		log_info("session %lld (%s) ended before its summary kit ran "
		    "(barazad was not running): kit skipped", (long long)js->id,
		    js->theme);
		return 0;
	}
	buf_init(&range, 256);
	buf_init(&addr, 512);
	for (size_t i = 0; i < 5; i++)
		buf_init(&scratch[i], JOBS_TEXT_MAX);
	listaddr_append(&addr, c, LISTADDR_SUMMARY, js->theme);
	if (buf_failed(&addr))
		goto done;
	vars[0] = (struct template_var){ "title", js->title };
	vars[1] = (struct template_var){ "range", range.data };
	vars[2] = (struct template_var){ "figures", "" };
	vars[3] = (struct template_var){ "threads", "" };
	vars[4] = (struct template_var){ "questions", "" };
	vars[5] = (struct template_var){ "resources", "" };
	vars[6] = (struct template_var){ "new_voices", "" };
	vars[7] = (struct template_var){ "summary_address", addr.data };
	vars[8] = (struct template_var){ "list", c->list.name };
	if ((sent = fanout_send(s, c, "facilitators", "kit", build_group_notice, &g)) < 0)
		goto done;
	log_info("session %lld (%s): summary kit queued for %ld facilitators",
	    (long long)js->id, js->theme, sent);
	rc = 0;
done:
	buf_release(&range);
	buf_release(&addr);
	for (size_t i = 0; i < 5; i++)
		buf_release(&scratch[i]);
	return rc;
}

/* run_one - one job and its done mark in one transaction */
static int
run_one(struct store *s, const struct conf *c, const struct job *j, time_t now)
{
	struct job_session js;
	char *end;
	long long id = strtoll(j->ref, &end, 10);
	int found, rc = 0;

	if (store_begin(s) < 0)
		return -1;
	found = *end == '\0' ? store_job_session(s, id, &js) : 0;
	if (found < 0) {
		rc = -1;
	} else if (found == 0) {
		log_warnx("job %s %s: no such session; dropped", j->kind, j->ref);
	} else if (strcmp(j->kind, "session-open") == 0) {
		rc = job_open(s, c, &js, now);
	} else if (strcmp(j->kind, "session-kit") == 0) {
		rc = job_kit(s, c, &js, now);
	} else if (strcmp(j->kind, "session-close") == 0) {
		rc = store_session_set_state(s, js.id, "closed", now) < 0 ? -1 : 0;
		if (rc == 0)
			log_info("session %lld (%s) closed", (long long)js.id, js.theme);
	} else {
		log_warnx("job %lld: unknown kind %s; dropped", (long long)j->id, j->kind);
	}
	if (rc == 0 && store_jobs_done(s, j->id, now) == 0 && store_commit(s) == 0)
		return 0;
	store_rollback(s);
	return -1;
}

/* jobs_run_due - see jobs.h */
/* prune_raw - once a day, empty the raw bytes of mail that is no post
 * and is older than [list] keep_raw_days (README, "What is kept"), in
 * transactions of a bounded size */
static int
prune_raw(struct store *s, const struct conf *c, time_t now)
{
	char *last = NULL, stamp[32];
	long pruned = 0;
	int n, have;

	if ((have = store_meta_get(s, "raw_pruned", &last)) < 0)
		return -1;
	if (have == 1 && now - (time_t)strtoll(last, NULL, 10) < 86400 &&
	    now >= (time_t)strtoll(last, NULL, 10)) {
		free(last);
		return 0;
	}
	free(last);
	do {
		if (store_begin(s) < 0)
			return -1;
		n = store_message_prune_raw(s, now - (time_t)c->list.keep_raw_days * 86400,
		    JOBS_PRUNE_BATCH);
		if (n < 0) {
			store_rollback(s);
			return -1;
		}
		if (store_commit(s) < 0)
			return -1;
		pruned += n;
	} while (n == JOBS_PRUNE_BATCH);
	if (pruned > 0)
		log_info("pruned the raw bytes of %ld messages that were no posts, older than"
		    " %ld days", pruned, c->list.keep_raw_days);
	snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	return store_meta_set(s, "raw_pruned", stamp);
}

int
jobs_run_due(struct store *s, const struct conf *c, time_t now)
{
	struct job j;
	int ran = 0, rc, d;

	/* Holds nobody decided on within 14 days expire (own transaction). */
	if (moderation_expire(s, now) < 0)
		return -1;
	if (prune_raw(s, c, now) < 0)
		return -1;
	/* Probes to members whose mail bounces, and their way back. */
	if (bounce_lifecycle_run(s, c, now) < 0)
		return -1;
	/* The facilitators hear of this cycle's holds in one notice each; a
	 * failure there (tried again next cycle) holds up no job. */
	if (hold_notice_run(s, c, now) < 0)
		log_warnx("hold notices not sent; tried again next cycle");
	if (store_jobs_plan(s, JOBS_KIT_BEFORE) < 0)
		return -1;
	while ((rc = store_jobs_next(s, now, &j)) == 1) {
		if (run_one(s, c, &j, now) < 0) {
			log_warnx("job %s for session %s failed; will retry", j.kind, j.ref);
			return -1;
		}
		ran++;
	}
	if (rc < 0)
		return -1;
	if ((d = digest_run_due(s, c, now)) < 0)
		return -1;
	if (d > 1)      /* SPEC §6: a missed period is sent late, not skipped */
		log_info("digests: %d periods were due (barazad was not running); "
		    "each built once, late", d);
	return ran + d;
}
