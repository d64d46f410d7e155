/* SPDX-License-Identifier: GPL-3.0-or-later */
/* request_summary - a facilitator's summary closes its session
 *
 * A mail to cop+summary@ (or cop+summary-THEME@) from an active
 * facilitator becomes the summary of the session it names (the open one,
 * closing first, else the most recently closed): a post in a thread of its
 * own, the session closed, and a copy to every active member whatever
 * their delivery mode.  Sent by anyone else, or with no session to
 * summarise, it is refused with a reason (once a day).  A facilitator's
 * From proves nothing by itself: the receiving server's
 * Authentication-Results (list.trusted_authserv_id) must show dkim or spf
 * passing for the From domain, or else the facilitator confirms by a
 * round trip (request_confirm.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "catalog.h"
#include "clock.h"
#include "fanout.h"
#include "listaddr.h"
#include "listhead.h"
#include "log.h"
#include "mime_out.h"
#include "notice.h"
#include "request_summary.h"
#include "store_held.h"
#include "store_jobs.h"
#include "store_post.h"
#include "store_thread.h"
#include "sender_auth.h"
#include "store_token.h"
#include "xalloc.h"

/* ---- the summary mail ------------------------------------------------------- */

/* What build_summary writes, for fanout_send */
struct summary_mail {
	const struct conf *c;
	const struct job_session *js;
	const char *text, *facilitator;
	int replaced;
	const char *message_id;   /* the summary post's Message-ID */
};

/* build_summary - the summary mail in lang (fanout_send's builder) */
static int
build_summary(void *arg, const char *lang, struct buf *out)
{
	struct summary_mail *sm = arg;
	const struct conf *c = sm->c;
	struct buf body, range, subject;
	char date[64], boundary[64];
	int rc;

	buf_init(&body, REQUEST_TEXT_MAX);
	buf_init(&range, 256);
	buf_init(&subject, 4096);
	/* The subject speaks the member's language: "[CoP] Summary: TITLE
	 * (17 Nov – 30 Nov 2020)", "[CoP] Résumé : ..."; scripts and filters
	 * match the X-Baraza-Summary header, which never changes. */
	const char *use = catalog_pick(lang, c->list.language);
	const char *title = conf_theme_title(conf_theme_find(c, sm->js->theme), use);

	if (*title == '\0')
		title = sm->js->title;
	template_date_range(&range, sm->js->opens, sm->js->closes, use, use);
	if (*c->list.subject_prefix)
		buf_printf(&subject, "%s ", c->list.subject_prefix);
	{
		struct template_var sv[] = { { "title", title }, { "range", range.data } };
		/* TRANSLATORS: subject of a session's summary mail */
		const char *fmt = tr(use, "Summary: {{title}} ({{range}})");

		template_expand(&subject, fmt, strlen(fmt), sv, 2);
	}
	{
		struct template_var vars[] = {
			{ "title", title }, { "range", range.data },
			{ "facilitator", sm->facilitator }, { "text", sm->text },
			{ "replaced", sm->replaced ? "yes" : "" },
			{ "archive", c->archive.url ? c->archive.url : "" },
		};

		rc = template_render(&body, "summary", lang, c->list.language, vars, 6);
	}
	/* how to leave, in every list mail (SPEC §6) */
	if (rc == 0 && ((body.len && body.data[body.len - 1] != '\n' &&
	    buf_putc(&body, '\n') < 0) || buf_putc(&body, '\n') < 0 ||
	    listhead_leave_line(&body, c, lang) < 0 || buf_putc(&body, '\n') < 0))
		rc = -1;
	if (rc == 0) {
		struct listhead h;
		char *from_name = xasprintf("%s via %s", sm->facilitator, c->list.name);

		mime_boundary(boundary, sizeof(boundary));
		mime_header_addr(out, "From", from_name, c->list.address);
		mime_header_addr(out, "To", c->list.name, c->list.address);
		mime_header_text(out, "Subject", subject.data);
		buf_printf(out, "Date: %s\r\n", clock_format_rfc5322(clock_now(), date, sizeof(date)));
		/* The facilitator's own Message-ID, as for any relayed post, so
		 * that members' replies thread under the summary. */
		if (sm->message_id && *sm->message_id && strlen(sm->message_id) < 900 &&
		    !strpbrk(sm->message_id, "\r\n<> \t"))
			buf_printf(out, "Message-ID: <%s>\r\n", sm->message_id);
		else
			buf_printf(out, "Message-ID: <summary-%lld-%s-%s@%s>\r\n",
			    (long long)sm->js->id, lang, boundary + 9, c->list.domain);
		buf_printf(out, "X-Baraza-Summary: %lld\r\nX-Baraza-Theme: %s\r\n",
		    (long long)sm->js->id, sm->js->theme);
		/* the generic List-Unsubscribe: the delivery swaps in each
		 * member's own (listhead_personalize) */
		if (listhead_init(&h, c) < 0 ||
		    listhead_fields(out, MIME_CRLF, &h) < 0 ||
		    listhead_unsubscribe(out, MIME_CRLF, &h, NULL) < 0)
			buf_fail(out);
		buf_printf(out, "Reply-To: <%s>\r\nPrecedence: list\r\nX-Loop: %s\r\n",
		    c->list.address, c->list.address);
		buf_printf(out, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		mime_qp_encode(out, body.data, body.len);
		free(from_name);
		rc = buf_failed(out) || buf_failed(&subject) || buf_failed(&range) ? -1 : 0;
		if (rc < 0)
			log_warnx("summary of session %lld: the mail would be larger than %zu MB",
			    (long long)sm->js->id, out->max >> 20);
	}
	buf_release(&body);
	buf_release(&range);
	buf_release(&subject);
	return rc;
}

/* summary_container - the summary's JWZ container, so that a reply to the
 * summary by Message-ID threads under it */
static int
summary_container(struct store *s, const char *mid, int64_t post, int64_t thread)
{
	struct store_container have;
	int found = store_container_get(s, mid, &have);

	if (found < 0)
		return -1;
	if (found == 0)
		return store_container_add(s, mid, post, NULL, thread);
	store_container_release(&have);
	return store_container_set_post(s, mid, post) < 0 ||
	    store_container_set_thread(s, mid, thread) < 0 ? -1 : 0;
}

/* request_summary_publish - see request_summary.h */
int
request_summary_publish(struct request_ctx *r, int64_t message_row,
    int64_t session)
{
	struct job_session js;
	struct message *m = NULL;
	char *raw = NULL, mid[80];
	size_t len;
	int64_t thread, post, previous, author = 0;
	struct store_post p;
	long sent;
	int rc = -1;

	if (store_job_session(r->s, session, &js) <= 0)
		return 0;
	if (store_held_message_raw(r->s, message_row, &raw, &len) <= 0 ||
	    (m = message_parse(raw, len, NULL)) == NULL)
		goto done;
	store_member_by_email(r->s, m->from.address ? m->from.address : "", &author);
	if (store_thread_add(r->s, js.theme, js.id, m->subject, NULL, r->now, &thread) < 0)
		goto done;
	memset(&p, 0, sizeof(p));
	p.message = message_row;
	p.message_id = m->message_id ? m->message_id :
	    message_hash_id(raw, len, mid, sizeof(mid));
	p.thread = thread;
	p.theme = js.theme;
	p.session = js.id;
	p.kind = "summary";
	p.state = "accepted";
	p.author = author;
	p.author_name = m->from.name ? m->from.name : "facilitator";
	p.author_email = m->from.address;
	p.subject = m->subject;
	p.date = m->date;
	p.received = r->now;
	p.text = m->text ? m->text : "";
	p.new_text = m->new_text ? m->new_text : "";
	if (store_post_add(r->s, &p, &post) < 0 || summary_container(r->s, p.message_id,
	    post, thread) < 0 ||
	    store_thread_count_post(r->s, thread, r->now) < 0 ||
	    store_thread_set_root(r->s, thread, post, m->subject, NULL) < 0 ||
	    store_session_set_summary(r->s, js.id, post, &previous) < 0 ||
	    store_session_set_state(r->s, js.id, "closed", r->now) < 0)
		goto done;
	{
		struct summary_mail sm = { r->c, &js, p.new_text, p.author_name,
		    previous != 0, p.message_id };

		if ((sent = fanout_send(r->s, r->c, "active", "summary", build_summary, &sm)) < 0)
			goto done;
	}
	log_info("<%s>: summary of session %lld (%s)%s: closed, queued for %ld members",
	    p.message_id, (long long)js.id, js.theme, previous ? ", replacing the first" : "",
	    sent);
	rc = 0;
done:
	message_free(&m);
	free(raw);
	return rc;
}

/* ---- a summary arrives ------------------------------------------------------- */

/* refuse_summary - tell the sender (once a day) why their summary was not
 * taken: not an active facilitator (reason NULL), or no session */
static int
refuse_summary(struct request_ctx *r, const char *reason)
{
	char *summary = listaddr_tagged(r->c, LISTADDR_SUMMARY, NULL),
	    *post = xstrdup(r->c->list.address);
	struct template_var vars[] = {
		{ "list", r->c->list.name }, { "summary_address", summary },
		{ "address", r->sender }, { "post_address", post }, { "reason", reason },
	};
	int once = notice_once(r->s, r->sender, "summary-refused", r->now), rc = 0;

	log_info("summary from %s refused: %s", r->sender, reason ? reason : "not a facilitator");
	if (once > 0)
		rc = request_ctx_notice(r, "summary-refused", "summary-refused", r->sender, r->lang,
		    vars, 5, NULL);
	else if (once < 0)
		rc = -1;
	free(summary);
	free(post);
	return rc;
}

/* request_summary_handle - see request_summary.h */
int
request_summary_handle(struct request_ctx *r)
{
	const char *theme = r->rr->arg;
	int64_t session;
	int found;

	if (!r->is_member || strcmp(r->member.role, "facilitator") != 0 ||
	    strcmp(r->member.status, "active") != 0)
		return refuse_summary(r, NULL);
	if (theme && *theme == '\0')
		theme = NULL;
	if ((found = store_summary_session(r->s, theme, r->now, &session)) < 0)
		return -1;
	if (found == 0)
		return refuse_summary(r, "there is no session to summarise");
	if (sender_auth(r->c, r->m) == SENDER_AUTH_PASS)
		return request_summary_publish(r, r->message_row, session);
	/* Not vouched for by the receiving server: ask the facilitator's own
	 * mailbox to confirm before anything goes to the members. */
	{
		char token[TOKEN_HEX + 1], data[32], *confirm;
		struct job_session js;
		int rc;

		if (store_job_session(r->s, session, &js) <= 0)
			return -1;
		snprintf(data, sizeof(data), "%lld", (long long)session);
		if (store_token_new(r->s, "confirm-summary", r->member.email, r->member.id,
		    r->message_row, data, r->now, REQUEST_CONFIRM_TTL, token) < 0)
			return -1;
		confirm = listaddr_tagged(r->c, LISTADDR_CONFIRM, token);
		{
			/* exactly what the members would get (build_summary's
			 * text), so that a forged summary is seen for what it is */
			struct template_var vars[] = {
				{ "name", r->member.name ? r->member.name : "" },
				{ "title", js.title }, { "confirm_address", confirm },
				{ "text", r->m->new_text ? r->m->new_text : "" },
			};

			rc = request_ctx_notice(r, "summary-confirm", "summary-confirm",
			    r->member.email, r->lang, vars, 4, confirm);
		}
		free(confirm);
		log_info("summary from %s for session %lld awaits confirmation", r->sender,
		    (long long)session);
		return rc;
	}
}

