/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hold_notice - one notice per facilitator for the holds of a cycle
 * (see hold_notice.h)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "clock.h"
#include "hold_notice.h"
#include "listaddr.h"
#include "log.h"
#include "message.h"
#include "notice.h"
#include "store_held.h"
#include "template.h"
#include "xalloc.h"

#define META_LAST "hold_notice_last"      /* id of the last hold told of */
#define META_AT "hold_notice_at"          /* when the last notice went */
#define ITEMS_MAX (4u << 20)              /* cap on the list of holds */

/* meta_long - a meta value as a number (0 when absent); 0 or -1 */
static int
meta_long(struct store *s, const char *key, long long *out)
{
	char *v = NULL;
	int found = store_meta_get(s, key, &v);

	*out = found > 0 && v ? atoll(v) : 0;
	free(v);
	return found < 0 ? -1 : 0;
}

/* meta_put - a number into meta; 0 or -1 */
static int
meta_put(struct store *s, const char *key, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return store_meta_set(s, key, buf);
}

/* reason_var - the held-moderator template's variable for a reason */
static const char *
reason_var(const char *reason)
{
	if (reason == NULL)
		return "r_all";
	if (strcmp(reason, "non-member") == 0)
		return "r_nonmember";
	if (strcmp(reason, "first post") == 0)
		return "r_first";
	if (strcmp(reason, "rate limit") == 0)
		return "r_rate";
	return "r_all";
}

/* author_of - "Name <address>" or the address, one clean line (owned) */
static char *
author_of(const struct held_row *h)
{
	char *raw, *line;

	if (h->author_name && *h->author_name)
		raw = xasprintf("%s <%s>", h->author_name,
		    h->author_email ? h->author_email : "?");
	else
		raw = xstrdup(h->author_email ? h->author_email : "(unknown sender)");
	line = notice_one_line(raw);
	free(raw);
	return line;
}

/* excerpt - the first lines of the held post's own text, quoted "    | " */
static void
excerpt(struct buf *out, const char *raw, size_t len)
{
	struct message *m = message_parse(raw, len, NULL);
	const char *t = m ? (m->new_text && *m->new_text ? m->new_text : m->text) : NULL;
	int lines = 0;

	for (const char *p = t ? t : ""; *p && lines < HOLD_NOTICE_EXCERPT_LINES; ) {
		size_t n = strcspn(p, "\n"), cut = n > 160 ? 160 : n;

		while (cut < n && cut > 0 && ((unsigned char)p[cut] & 0xc0) == 0x80)
			cut--;
		if (n > 0) {
			buf_puts(out, "    | ");
			buf_append(out, p, cut);
			buf_puts(out, cut < n ? "...\n" : "\n");
			lines++;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	message_free(&m);
}

/* one_hold - the classic notice for a single hold, to one facilitator:
 * the post attached, Reply-To its approve address */
static int
one_hold(struct store *s, const struct conf *c, const struct held_row *h,
    const struct held_member *fac, const char *raw, size_t len)
{
	char *approve = listaddr_tagged(c, LISTADDR_APPROVE, h->token),
	    *reject = listaddr_tagged(c, LISTADDR_REJECT, h->token),
	    *author = author_of(h),
	    *subject = notice_one_line(h->subject && *h->subject ? h->subject : "(no subject)");
	char idbuf[32], expires[16];
	int rc;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)h->id);
	clock_format_date(h->expires, expires, sizeof(expires));
	{
		struct template_var vars[] = {
			{ "author", author }, { "subject", subject }, { "id", idbuf },
			{ "expires", expires }, { "approve_address", approve },
			{ "reject_address", reject }, { "list_name", c->list.name },
			{ "list_address", c->list.address }, { reason_var(h->reason), "1" },
		};
		struct notice n = {
			.kind = "held-moderator", .template = "held-moderator",
			.lang = fac->language, .vars = vars,
			.nvars = sizeof(vars) / sizeof(vars[0]),
			.to = fac->email, .to_name = fac->name, .member = fac->id,
			.reply_to = approve, .from = LISTADDR_OWNER,
			.attach = raw, .attach_len = len,
		};

		rc = notice_send(s, c, &n) < 0 ? -1 : 0;
	}
	free(approve);
	free(reject);
	free(author);
	free(subject);
	return rc;
}

/* The reasons a post is held (moderation.c's words), for the translators */
static const char *const held_reasons[] = {
	N_("non-member"), N_("first post"), N_("rate limit"), N_("moderated list"),
};

/* reason_words - a hold's reason in lang */
static const char *
reason_words(const char *reason, const char *lang)
{
	for (size_t i = 0; reason && i < sizeof(held_reasons) / sizeof(held_reasons[0]); i++)
		if (strcmp(reason, held_reasons[i]) == 0)
			return tr(catalog_pick(lang, NULL), held_reasons[i]);
	return reason ? reason : "";
}

/* item - one hold in the list, in lang */
static void
item(struct buf *out, const struct conf *c, const struct held_row *h,
    const char *lang, const char *raw, size_t len)
{
	char *approve = listaddr_tagged(c, LISTADDR_APPROVE, h->token),
	    *reject = listaddr_tagged(c, LISTADDR_REJECT, h->token),
	    *author = author_of(h),
	    *subject = notice_one_line(h->subject && *h->subject ? h->subject :
	    tr(catalog_pick(lang, c->list.language), "(no subject)"));
	char idbuf[32], expires[16], text[2048];
	struct template_var vars[] = {
		{ "id", idbuf }, { "subject", subject }, { "author", author },
		{ "reason", reason_words(h->reason, catalog_pick(lang, c->list.language)) },
		{ "expires", expires },
		{ "approve_address", approve }, { "reject_address", reject },
	};
	static const char *const keys[] = {
		"held_item", "held_item_from", "held_item_approve", "held_item_reject",
	};

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)h->id);
	clock_format_date(h->expires, expires, sizeof(expires));
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (template_string("strings", keys[k], lang, c->list.language, text,
		    sizeof(text)) < 0)
			snprintf(text, sizeof(text), "%s", keys[k]);
		if (k > 0)   /* strings.txt values lose their leading blanks */
			buf_puts(out, "  ");
		template_expand(out, text, strlen(text), vars, sizeof(vars) / sizeof(vars[0]));
		buf_putc(out, '\n');
	}
	if (raw)
		excerpt(out, raw, len);
	buf_putc(out, '\n');
	free(approve);
	free(reject);
	free(author);
	free(subject);
}

/* many_holds - the list of every new hold, to one facilitator */
static int
many_holds(struct store *s, const struct conf *c, struct held_row **hs, size_t n,
    const struct held_member *fac)
{
	const char *lang = fac->language && *fac->language ? fac->language : c->list.language;
	struct buf items;
	char count[24];
	int rc = 0;

	buf_init(&items, ITEMS_MAX);
	for (size_t i = 0; i < n; i++) {
		char *raw = NULL;
		size_t len = 0;

		if (store_held_message_raw(s, hs[i]->message, &raw, &len) < 0) {
			buf_release(&items);
			return -1;
		}
		item(&items, c, hs[i], lang, raw, len);
		free(raw);
	}
	if (buf_failed(&items))
		log_warnx("hold notice to %s: the list passed %u KB; cut", fac->email,
		    ITEMS_MAX >> 10);
	snprintf(count, sizeof(count), "%zu", n);
	{
		struct template_var vars[] = {
			{ "count", count }, { "items", items.data ? items.data : "" },
			{ "list_name", c->list.name }, { "list_address", c->list.address },
		};
		struct notice nt = {
			.kind = "held-moderator", .template = "held-moderator-list",
			.lang = fac->language, .vars = vars,
			.nvars = sizeof(vars) / sizeof(vars[0]),
			.to = fac->email, .to_name = fac->name, .member = fac->id,
			.from = LISTADDR_OWNER,
		};

		if (notice_send(s, c, &nt) < 0)
			rc = -1;
	}
	buf_release(&items);
	return rc;
}

/* notify - inside the transaction: the notices for the holds after last */
static int
notify(struct store *s, const struct conf *c, long long last, time_t now)
{
	struct held_row *rows = NULL, **fresh = NULL;
	struct held_member *fac = NULL;
	size_t n = 0, nfresh = 0, nfac = 0;
	long long top = last;
	int rc = -1;

	if (store_held_list(s, "held", &rows, &n) < 0)
		return -1;
	fresh = xcalloc(n ? n : 1, sizeof(*fresh));
	for (size_t i = 0; i < n; i++)
		if (rows[i].id > last) {
			fresh[nfresh++] = &rows[i];
			if (rows[i].id > top)
				top = rows[i].id;
		}
	if (nfresh == 0) {
		rc = 0;
		goto done;
	}
	if (store_held_facilitators(s, &fac, &nfac) < 0)
		goto done;
	if (nfac == 0)
		log_warnx("%zu held posts and no active facilitator to decide; see `baraza held`",
		    nfresh);
	for (size_t i = 0; i < nfac; i++) {
		int r;

		if (nfresh == 1) {
			char *raw = NULL;
			size_t len = 0;

			if (store_held_message_raw(s, fresh[0]->message, &raw, &len) < 0)
				goto done;
			r = one_hold(s, c, fresh[0], &fac[i], raw, len);
			free(raw);
		} else {
			r = many_holds(s, c, fresh, nfresh, &fac[i]);
		}
		if (r < 0)
			log_warnx("hold notice to %s not queued", fac[i].email);
	}
	if (meta_put(s, META_LAST, top) < 0 || meta_put(s, META_AT, (long long)now) < 0)
		goto done;
	log_info("held posts: %zu new, told to %zu facilitators in one notice each",
	    nfresh, nfac);
	rc = (int)nfresh;
done:
	for (size_t i = 0; i < nfac; i++)
		store_held_member_release(&fac[i]);
	free(fac);
	for (size_t i = 0; i < n; i++)
		store_held_row_release(&rows[i]);
	free(rows);
	free(fresh);
	return rc;
}

/* hold_notice_run - see hold_notice.h */
int
hold_notice_run(struct store *s, const struct conf *c, time_t now)
{
	long long last, at;
	int rc;

	if (store_begin(s) < 0)
		return -1;
	if (meta_long(s, META_LAST, &last) < 0 || meta_long(s, META_AT, &at) < 0)
		goto fail;
	if (c->list.hold_notice_minutes > 0 && at > 0 &&
	    now < (time_t)at + c->list.hold_notice_minutes * 60) {
		store_rollback(s);
		return 0;
	}
	if ((rc = notify(s, c, last, now)) < 0)
		goto fail;
	if (store_commit(s) < 0)
		return -1;
	return rc;
fail:
	store_rollback(s);
	return -1;
}
