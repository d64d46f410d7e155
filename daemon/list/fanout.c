/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fanout - queue one mail per language for a group of members */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fanout.h"
#include "notice.h"
#include "store_jobs.h"

#define FANOUT_LANGS 16

struct fanout {
	struct store *s;
	const struct conf *c;
	const char *kind;
	fanout_build_fn *build;
	void *arg;
	struct {
		char lang[17];
		int64_t outbox;
	} langs[FANOUT_LANGS];
	size_t nlangs;
	long sent;
};

static int
fanout_rcpt(void *arg, int64_t id, const char *email, const char *name,
    const char *lang)
{
	struct fanout *f = arg;
	const char *l = *lang ? lang : f->c->list.language;
	int64_t outbox = -1;

	(void)name;
	for (size_t i = 0; i < f->nlangs; i++)
		if (strcmp(f->langs[i].lang, l) == 0)
			outbox = f->langs[i].outbox;
	if (outbox < 0) {
		struct buf out;

		buf_init(&out, NOTICE_MAX);
		if (f->build(f->arg, l, &out) == 0)
			outbox = store_mail_queue(f->s, f->kind, out.data, out.len);
		buf_release(&out);
		if (outbox < 0)
			return -1;
		/* Past FANOUT_LANGS languages a body is built per recipient:
		 * slower, still right. */
		if (f->nlangs < FANOUT_LANGS) {
			snprintf(f->langs[f->nlangs].lang, sizeof(f->langs[0].lang), "%s", l);
			f->langs[f->nlangs++].outbox = outbox;
		}
	}
	if (store_mail_add_rcpt(f->s, outbox, id, email) < 0)
		return -1;
	f->sent++;
	return 0;
}

long
fanout_send(struct store *s, const struct conf *c, const char *who,
    const char *kind, fanout_build_fn *build, void *arg)
{
	struct fanout f;

	memset(&f, 0, sizeof(f));
	f.s = s;
	f.c = c;
	f.kind = kind;
	f.build = build;
	f.arg = arg;
	if (store_job_recipients(s, who, fanout_rcpt, &f) < 0)
		return -1;
	return f.sent;
}
