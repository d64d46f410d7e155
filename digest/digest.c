/* SPDX-License-Identifier: GPL-3.0-or-later */
/* digest - schedule and queue the biweekly digests (the bodies are
 * digest_render.c's) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "catalog.h"
#include "clock.h"
#include "digest.h"
#include "listaddr.h"
#include "listhead.h"
#include "log.h"
#include "mime_out.h"
#include "store_digest.h"
#include "template.h"
#include "xalloc.h"

#define DIGEST_MAX (8u << 20)
#define DIGEST_RENDER_CACHE 64

time_t
digest_due(const struct conf *c, long n)
{
	struct tm tm;

	localtime_r(&c->digest.first, &tm);
	return clock_local(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday + (int)((n - 1) * c->digest.every_days), tm.tm_hour, tm.tm_min);
}

long
digest_number_at(const struct conf *c, time_t now)
{
	long n;

	if (c->digest.every_days <= 0 || now < c->digest.first)
		return 0;
	/* Estimate, then correct for DST-length days. */
	n = 1 + (long)((now - c->digest.first) / (c->digest.every_days * 86400L));
	while (n > 1 && digest_due(c, n) > now)
		n--;
	while (digest_due(c, n + 1) <= now)
		n++;
	return n;
}

void
digest_period(const struct conf *c, long n, time_t *start, time_t *end)
{
	*start = digest_due(c, n - 1);
	*end = digest_due(c, n);
}

/* digest_mail - append a complete message (headers,
 * multipart/alternative) of the rendered bodies to out, addressed to the
 * list (members are envelope recipients).  0, or -1 when it would pass
 * out's cap (logged). */
static int
digest_mail(const struct conf *c, const struct digest_opts *o,
    const struct buf *text, const struct buf *html, struct buf *out)
{
	struct buf subj, range;
	char boundary[64], date[64];

	const char *lang = catalog_pick(o->lang, c->list.language);
	char num[24];
	struct template_var sv[] = { { "number", num }, { "range", NULL } };
	/* TRANSLATORS: the digest's subject, after the list's prefix */
	const char *fmt = tr(lang, "Digest {{number}}: {{range}}");

	buf_init(&subj, 4096);
	buf_init(&range, 256);
	/* The subject speaks the member's language ("[CoP] Digest 3: 17 Nov
	 * – 30 Nov 2020", "[CoP] Resumo 3: ..."); filters can rely on the
	 * X-Baraza-Digest header, which never changes. */
	template_date_range(&range, o->start, o->end, lang, lang);
	if (*c->list.subject_prefix)
		buf_printf(&subj, "%s ", c->list.subject_prefix);
	snprintf(num, sizeof(num), "%ld", o->number);
	sv[1].value = range.data;
	template_expand(&subj, fmt, strlen(fmt), sv, 2);
	if (buf_failed(&subj) || buf_failed(&range))
		buf_fail(out);
	mime_boundary(boundary, sizeof(boundary));

	mime_header_addr(out, "From", c->list.name, c->list.address);
	mime_header_addr(out, "To", c->list.name, c->list.address);
	mime_header_text(out, "Subject", subj.data);
	buf_printf(out, "Date: %s\r\n", clock_format_rfc5322(clock_now(), date, sizeof(date)));
	buf_printf(out, "Message-ID: <digest-%ld-%s-%s@%s>\r\n", o->number,
	    o->lang, boundary + 9, c->list.domain);
	buf_printf(out, "MIME-Version: 1.0\r\n");
	buf_printf(out, "X-Baraza-Digest: %ld\r\n", o->number);
	{
		/* the generic List-Unsubscribe: the delivery swaps in each
		 * member's own (listhead_personalize) */
		struct listhead h;

		if (listhead_init(&h, c) < 0 || listhead_fields(out, MIME_CRLF, &h) < 0 ||
		    listhead_unsubscribe(out, MIME_CRLF, &h, NULL) < 0)
			buf_fail(out);
	}
	buf_printf(out, "Precedence: list\r\nX-Loop: %s\r\n", c->list.address);
	buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
	    boundary);
	buf_printf(out, "This is a digest in text and HTML.\r\n\r\n--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary);
	mime_qp_encode(out, text->data, text->len);
	buf_printf(out, "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary);
	mime_qp_encode(out, html->data, html->len);
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	buf_release(&subj);
	buf_release(&range);
	if (buf_failed(out)) {
		log_warnx("digest %ld (%s): the mail would be larger than %zu MB; not built",
		    o->number, o->lang, out->max >> 20);
		return -1;
	}
	return 0;
}

/* One rendering shared by all members of the same language and themes. */
struct cached {
	char *key;          /* "lang|themes" */
	int64_t outbox;     /* 0: rendered empty, nothing to send */
};

struct run {
	struct store *s;
	const struct conf *c;
	long number;
	time_t start, end;
	struct cached cache[DIGEST_RENDER_CACHE];
	size_t ncache;
	long members, sent;
	int failed;
};

static int64_t
render_and_queue(struct run *run, const char *lang, const char *themes)
{
	struct digest_opts o = { run->number, run->start, run->end, lang, themes };
	struct buf text, html, mail;
	int64_t id = 0;
	int items;

	buf_init(&text, DIGEST_MAX);
	buf_init(&html, DIGEST_MAX);
	buf_init(&mail, 3 * DIGEST_MAX);
	items = digest_render(run->s, run->c, &o, &text, &html);
	if (items < 0)
		id = -1;
	else if (items > 0 && digest_mail(run->c, &o, &text, &html, &mail) == 0)
		id = store_digest_queue(run->s, mail.data, mail.len);
	else if (items > 0)
		id = -1;
	buf_release(&text);
	buf_release(&html);
	buf_release(&mail);
	return id;
}

static int
queue_member(void *arg, const struct digest_member *m)
{
	struct run *run = arg;
	const char *lang = *m->language ? m->language : run->c->list.language;
	const char *themes = m->all_themes ? NULL : m->themes;
	char *key = xasprintf("%s|%s", lang, themes ? themes : "*");
	int64_t outbox = -2;
	size_t i;

	run->members++;
	for (i = 0; i < run->ncache; i++)
		if (strcmp(run->cache[i].key, key) == 0) {
			outbox = run->cache[i].outbox;
			break;
		}
	if (outbox == -2) {
		outbox = render_and_queue(run, lang, themes);
		if (outbox < 0) {
			free(key);
			run->failed = 1;
			return -1;
		}
		if (run->ncache < DIGEST_RENDER_CACHE) {
			run->cache[run->ncache].key = key;
			run->cache[run->ncache].outbox = outbox;
			run->ncache++;
			key = NULL;
		}
	}
	free(key);
	if (outbox == 0)
		return 0;       /* nothing for this member's themes */
	if (store_digest_add_rcpt(run->s, run->number, outbox, m->id, m->email) < 0) {
		run->failed = 1;
		return -1;
	}
	run->sent++;
	return 0;
}

/* build_one - digest n in one transaction */
static int
build_one(struct store *s, const struct conf *c, long n)
{
	struct run run;
	int rc = -1, empty;

	memset(&run, 0, sizeof(run));
	run.s = s;
	run.c = c;
	run.number = n;
	digest_period(c, n, &run.start, &run.end);
	if ((empty = store_digest_has_content(s, n <= 1 ? 0 : run.start, run.end)) < 0)
		return -1;
	empty = !empty;
	if (store_begin(s) < 0)
		return -1;
	/* An empty period (a list set up long after [digest] first, a
	 * holiday) is marked built at once, without visiting the members. */
	if (store_digest_begin(s, n, run.start, run.end) == 0 &&
	    (empty || store_digest_members(s, n, queue_member, &run) == 0) && !run.failed &&
	    store_digest_mark_built(s, n, clock_now()) == 0 && store_commit(s) == 0)
		rc = 0;
	else
		store_rollback(s);
	for (size_t i = 0; i < run.ncache; i++)
		free(run.cache[i].key);
	if (rc == 0 && empty)
		log_debug("digest %ld: nothing arrived in its period", n);
	else if (rc == 0)
		log_info("digest %ld: queued for %ld of %ld digest members (%zu renderings)",
		    n, run.sent, run.members, run.ncache);
	else
		log_warnx("digest %ld: not built; will retry", n);
	return rc;
}

int
digest_run_due(struct store *s, const struct conf *c, time_t now)
{
	long last = store_digest_last_built(s), due = digest_number_at(c, now);
	int built = 0;

	if (last < 0)
		return -1;
	for (long n = last + 1; n <= due; n++) {
		if (build_one(s, c, n) < 0)
			return -1;
		built++;
	}
	return built;
}

struct preview {
	const struct conf *c;
	struct store *s;
	struct buf *out;
	int rc;
};

static int
preview_member(void *arg, const struct digest_member *m)
{
	struct preview *pv = arg;
	const struct conf *c = pv->c;
	long n = digest_number_at(c, clock_now()) + 1;
	struct digest_opts o;
	struct buf text, html;

	o.number = n;
	digest_period(c, n, &o.start, &o.end);
	o.lang = *m->language ? m->language : c->list.language;
	o.themes = m->all_themes ? NULL : m->themes;
	buf_init(&text, DIGEST_MAX);
	buf_init(&html, DIGEST_MAX);
	pv->rc = digest_render(pv->s, c, &o, &text, &html) < 0 ||
	    digest_mail(c, &o, &text, &html, pv->out) < 0 ? -1 : 0;
	buf_release(&text);
	buf_release(&html);
	return pv->rc;
}

int
digest_preview(struct store *s, const struct conf *c, const char *email,
    struct buf *out)
{
	struct preview pv = { c, s, out, 0 };
	int found = store_digest_member(s, email, preview_member, &pv);

	if (found < 0 || pv.rc < 0)
		return -1;
	return found;
}
