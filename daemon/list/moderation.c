/* SPDX-License-Identifier: GPL-3.0-or-later */
/* moderation - holding posts for a facilitator, and their answers
 *
 * The rules:
 *  - list.moderate says who is held: none; nonmembers (From is not an
 *    active member - a member whose mail bounces still counts as one);
 *    first-post (non-members, and members without an accepted post yet);
 *    all (everyone but the facilitators, who are the moderators).
 *  - list.max_posts_per_hour: a sender who already has that many accepted
 *    posts in the last hour has the next one held ("rate limit"), whoever
 *    they are.
 *  - A hold has a 128-bit random token.  The author gets one notice (at
 *    most one a day per address); every active facilitator hears of it
 *    with the other holds of the cycle, in one notice (hold_notice.h), with
 *    its cop+approve-TOKEN@ and cop+reject-TOKEN@ addresses.  The first answer decides; the token then only earns the
 *    reply "already approved by X" (once a day).  Unknown tokens and answers
 *    from anyone but an active facilitator are ignored and logged, with no
 *    reply, so a guesser learns nothing.
 *  - Approval sets the post 'accepted' and queues it exactly as ingest does
 *    for a post that was never held (relay_enqueue_post); its thread was
 *    placed at arrival.  Rejection sets it 'rejected' and tells the author,
 *    with the facilitator's comment.  After 14 days a hold expires.
 * Everything runs inside the caller's transaction except moderation_expire.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "listaddr.h"
#include "log.h"
#include "moderation.h"
#include "notice.h"
#include "relay.h"
#include "sender_auth.h"
#include "store_held.h"
#include "xalloc.h"

#define HOLD_SECONDS (14 * 24 * 3600)
#define TOKEN_BYTES 16
#define COMMENT_MAX 8000

static int expire_due(struct store *s, time_t now);

/* member_counts - may this member post as a member? */
static int
member_counts(const struct held_member *mb)
{
	return strcmp(mb->status, "active") == 0 || strcmp(mb->status, "bouncing") == 0;
}

/* is_facilitator - is this an active facilitator? */
static int
is_facilitator(const struct held_member *mb)
{
	return strcmp(mb->role, "facilitator") == 0 && strcmp(mb->status, "active") == 0;
}

/* moderation_reason_var - the template variable that explains reason */
static const char *
moderation_reason_var(const char *reason)
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

/* moderation_check - apply list.moderate and max_posts_per_hour to m */
int
moderation_check(struct store *s, const struct conf *c,
    const struct message *m, int64_t author, const char **reason)
{
	struct held_member mb;
	int found = 0, member = 0, facilitator = 0;
	const char *why = NULL;

	*reason = NULL;
	memset(&mb, 0, sizeof(mb));
	if (author > 0)
		found = store_held_member_by_id(s, author, &mb);
	else if (m->from.address)
		found = store_held_member_by_email(s, m->from.address, &mb);
	if (found < 0)
		return -1;
	if (found) {
		member = member_counts(&mb);
		facilitator = is_facilitator(&mb);
	}
	switch (c->list.moderate) {
	case MODERATE_ALL:
		if (!facilitator)
			why = member ? "moderated list" : "non-member";
		break;
	case MODERATE_FIRST_POST:
		if (!member)
			why = "non-member";
		else if (!facilitator) {
			long n = store_held_accepted_posts(s, mb.id);

			if (n < 0)
				goto fail;
			if (n == 0)
				why = "first post";
		}
		break;
	case MODERATE_NONMEMBERS:
		if (!member)
			why = "non-member";
		break;
	case MODERATE_NONE:
		break;
	}
	if (why == NULL && c->list.max_posts_per_hour > 0 && m->from.address) {
		int over = store_held_recent_reaches(s, m->from.address,
		    clock_now() - 3600, m->message_id, c->list.max_posts_per_hour);

		if (over < 0)
			goto fail;
		if (over)
			why = "rate limit";
	}
	store_held_member_release(&mb);
	*reason = why;
	return why != NULL;
fail:
	store_held_member_release(&mb);
	return -1;
}

/* moderation_hold - record the hold and queue the notices */
int
moderation_hold(struct store *s, const struct conf *c,
    const struct message *m, int64_t message_row, int64_t post_id,
    const char *reason)
{
	char token[2 * TOKEN_BYTES + 1];
	struct held_member mb;
	time_t now = clock_now();
	int64_t id;
	int found = 0;
	char *subject = notice_one_line(m->subject && *m->subject ? m->subject : "(no subject)");
	char *from_name = notice_one_line(m->from.name);

	if (reason == NULL)
		reason = "moderated list";
	/* holds past their 14 days expire whenever mail flows, even when
	 * nothing calls moderation_expire() */
	if (expire_due(s, now) < 0 || notice_random_hex(token, TOKEN_BYTES) < 0 ||
	    store_held_insert(s, message_row, post_id, reason, token, now,
	    now + HOLD_SECONDS, &id) < 0) {
		free(subject);
		free(from_name);
		return -1;
	}
	log_info("<%s>: held #%lld (%s)", m->message_id ? m->message_id : "?",
	    (long long)id, reason);

	/* the author: one notice a day at most */
	if (m->from.address) {
		int once;

		found = store_held_member_by_email(s, m->from.address, &mb);
		if (found < 0)
			goto fail;
		once = notice_once(s, m->from.address, "held", now);
		if (once < 0) {
			if (found)
				store_held_member_release(&mb);
			goto fail;
		}
		if (once) {
			struct template_var vars[] = {
				{ "name", from_name },
				{ "subject", subject },
				{ "list_name", c->list.name },
				{ "list_address", c->list.address },
				{ moderation_reason_var(reason), "1" },
			};
			struct notice n = {
				.kind = "held-author", .template = "held-author",
				.lang = found ? mb.language : NULL,
				.vars = vars, .nvars = sizeof(vars) / sizeof(vars[0]),
				.to = m->from.address, .to_name = m->from.name,
				.member = found ? mb.id : 0, .in_reply_to = m->message_id,
			};

			if (notice_send(s, c, &n) < 0)
				log_warnx("held #%lld: author notice not queued", (long long)id);
		}
		if (found)
			store_held_member_release(&mb);
	}

	/* the facilitators hear of it with the other holds of this cycle
	 * (hold_notice.h) */
	free(subject);
	free(from_name);
	return 0;
fail:
	free(subject);
	free(from_name);
	return -1;
}

/* token_ok - 32 hex digits, copied lower-case into out (33 bytes) */
static int
token_ok(const char *token, char *out)
{
	size_t n = token ? strlen(token) : 0;

	if (n != 2 * TOKEN_BYTES)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)token[i]))
			return 0;
		out[i] = (char)tolower((unsigned char)token[i]);
	}
	out[n] = '\0';
	return 1;
}

/* reply_done - tell the answerer what had happened already (once a day) */
static void
reply_done(struct store *s, const struct conf *c, const struct message *answer,
    const struct held_row *h, const char *what, const char *by)
{
	struct held_member mb;
	char idbuf[32];
	int found, once;

	if (answer == NULL || answer->from.address == NULL)
		return;
	once = notice_once(s, answer->from.address, "held-done", clock_now());
	if (once <= 0)
		return;
	found = store_held_member_by_email(s, answer->from.address, &mb);
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)h->id);
	{
		char *subj = notice_one_line(h->subject ? h->subject : "(no subject)");
		struct template_var vars[] = {
			{ "subject", subj },
			{ "id", idbuf },
			{ "list_name", c->list.name },
			{ strcmp(what, "approved") == 0 ? "approved_by" :
			  strcmp(what, "rejected") == 0 ? "rejected_by" : "expired",
			  by && *by ? by : "?" },
		};
		struct notice n = {
			.kind = "held-done", .template = "held-done",
			.lang = found == 1 ? mb.language : NULL,
			.vars = vars, .nvars = sizeof(vars) / sizeof(vars[0]),
			.to = answer->from.address, .to_name = answer->from.name,
			.member = found == 1 ? mb.id : 0, .in_reply_to = answer->message_id,
		};

		if (notice_send(s, c, &n) < 0)
			log_warnx("held #%lld: reply to %s not queued", (long long)h->id,
			    answer->from.address);
		free(subj);
	}
	if (found == 1)
		store_held_member_release(&mb);
}

/* notify_rejected - the author learns the post was not accepted */
static void
notify_rejected(struct store *s, const struct conf *c, const struct held_row *h,
    const char *comment)
{
	struct held_member mb;
	int found, once;

	if (h->author_email == NULL || *h->author_email == '\0')
		return;
	once = notice_once(s, h->author_email, "held-rejected", clock_now());
	if (once <= 0)
		return;
	found = h->author > 0 ? store_held_member_by_id(s, h->author, &mb) :
	    store_held_member_by_email(s, h->author_email, &mb);
	{
		char *subj = notice_one_line(h->subject ? h->subject : "(no subject)");
		char *name = notice_one_line(h->author_name);
		struct template_var vars[] = {
			{ "name", name },
			{ "subject", subj },
			{ "list_name", c->list.name },
			{ "comment", comment ? comment : "" },
		};
		struct notice n = {
			.kind = "held-rejected", .template = "held-rejected",
			.lang = found == 1 ? mb.language : NULL,
			.vars = vars, .nvars = sizeof(vars) / sizeof(vars[0]),
			.to = h->author_email, .to_name = h->author_name,
			.member = found == 1 ? mb.id : 0, .in_reply_to = h->message_id,
		};

		if (notice_send(s, c, &n) < 0)
			log_warnx("held #%lld: rejection notice not queued", (long long)h->id);
		free(subj);
		free(name);
	}
	if (found == 1)
		store_held_member_release(&mb);
}

/* clean_comment - the comment trimmed and capped (owned), NULL when empty */
static char *
clean_comment(const char *comment)
{
	size_t n;
	char *out;

	if (comment == NULL)
		return NULL;
	while (*comment && isspace((unsigned char)*comment))
		comment++;
	n = strlen(comment);
	while (n > 0 && isspace((unsigned char)comment[n - 1]))
		n--;
	if (n == 0)
		return NULL;
	if (n > COMMENT_MAX) {
		n = COMMENT_MAX;
		while (n > 0 && ((unsigned char)comment[n] & 0xc0) == 0x80)
			n--;
	}
	out = xstrndup(comment, n);
	return out;
}

/* moderation_decide - approve or reject hold id once (mail and command line) */
int
moderation_decide(struct store *s, const struct conf *c, int64_t id,
    int approve, const char *by, const char *comment,
    const struct message *answer, char **by_out)
{
	struct held_row h;
	time_t now = clock_now();
	char *note = NULL;
	int found, rc = -1, changed;

	if (by_out)
		*by_out = NULL;
	found = store_held_by_id(s, id, &h);
	if (found <= 0)
		return found < 0 ? -1 : MODERATION_UNKNOWN;
	if (strcmp(h.state, "held") != 0) {
		log_info("held #%lld: already %s by %s; answer by %s ignored", (long long)id,
		    h.state, h.decided_by ? h.decided_by : "?", by ? by : "?");
		reply_done(s, c, answer, &h, h.state, h.decided_by);
		if (by_out && h.decided_by)
			*by_out = xstrdup(h.decided_by);
		rc = strcmp(h.state, "expired") == 0 ? MODERATION_EXPIRED : MODERATION_ALREADY;
		goto out;
	}
	if (h.expires <= now) {
		if (store_held_decide(s, id, "expired", now, NULL, NULL) < 0 ||
		    (h.post > 0 && store_held_post_state(s, h.post, "rejected") < 0))
			goto out;
		log_info("held #%lld: expired; answer by %s ignored", (long long)id, by ? by : "?");
		reply_done(s, c, answer, &h, "expired", NULL);
		rc = MODERATION_EXPIRED;
		goto out;
	}
	note = approve ? NULL : clean_comment(comment);
	changed = store_held_decide(s, id, approve ? "approved" : "rejected", now, by, note);
	if (changed < 0)
		goto out;
	if (changed == 0) {
		rc = MODERATION_ALREADY;
		goto out;
	}
	if (approve) {
		if (h.post > 0) {
			if (store_held_post_state(s, h.post, "accepted") < 0)
				goto out;
			if (relay_enqueue_post(s, c, h.post) < 0)
				goto out;
		}
		log_info("held #%lld <%s>: approved by %s", (long long)id,
		    h.message_id ? h.message_id : "?", by ? by : "?");
	} else {
		if (h.post > 0 && store_held_post_state(s, h.post, "rejected") < 0)
			goto out;
		log_info("held #%lld <%s>: rejected by %s%s", (long long)id,
		    h.message_id ? h.message_id : "?", by ? by : "?",
		    note ? " with a comment" : "");
		notify_rejected(s, c, &h, note);
	}
	rc = MODERATION_DONE;
out:
	free(note);
	store_held_row_release(&h);
	return rc;
}

/* moderation_answer - a mail to cop+approve-TOKEN@ or cop+reject-TOKEN@ */
int
moderation_answer(struct store *s, const struct conf *c,
    const struct message *m, int approve, const char *token)
{
	char tok[2 * TOKEN_BYTES + 1];
	struct held_row h;
	struct held_member mb;
	const char *from = m->from.address;
	const char *mid = m->message_id ? m->message_id : "?";
	int found, rc;

	if (!token_ok(token, tok)) {
		log_info("<%s>: %s answer with a malformed token; ignored", mid,
		    approve ? "approve" : "reject");
		return 0;
	}
	found = store_held_by_token(s, tok, &h);
	if (found < 0)
		return -1;
	if (found == 0) {
		log_info("<%s>: %s answer from %s with an unknown token; ignored", mid,
		    approve ? "approve" : "reject", from ? from : "?");
		return 0;
	}
	found = from ? store_held_member_by_email(s, from, &mb) : 0;
	if (found < 0) {
		store_held_row_release(&h);
		return -1;
	}
	if (found == 0 || !is_facilitator(&mb)) {
		log_warnx("<%s>: %s of held #%lld from %s refused: not an active facilitator",
		    mid, approve ? "approval" : "rejection", (long long)h.id, from ? from : "?");
		if (found)
			store_held_member_release(&mb);
		store_held_row_release(&h);
		return 0;
	}
	if (sender_auth(c, m) == SENDER_AUTH_FAIL) {
		log_warnx("<%s>: %s of held #%lld from %s refused: %s reports a failed check for the From domain",
		    mid, approve ? "approval" : "rejection", (long long)h.id, from,
		    c->list.trusted_authserv_id);
		store_held_member_release(&mb);
		store_held_row_release(&h);
		return 0;
	}
	rc = moderation_decide(s, c, h.id, approve, mb.email, m->new_text, m, NULL);
	store_held_member_release(&mb);
	store_held_row_release(&h);
	return rc < 0 ? -1 : 0;
}

/* expire_due - the expiry work, inside the caller's transaction; the
 * number expired or -1 */
static int
expire_due(struct store *s, time_t now)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int count = 0;

	if (store_held_expired(s, now, &ids, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct held_row h;
		int found = store_held_by_id(s, ids[i], &h);

		if (found < 0)
			goto fail;
		if (found == 0)
			continue;
		if (store_held_decide(s, h.id, "expired", now, NULL, NULL) < 0 ||
		    (h.post > 0 && store_held_post_state(s, h.post, "rejected") < 0)) {
			store_held_row_release(&h);
			goto fail;
		}
		log_info("held #%lld <%s>: expired undecided", (long long)h.id,
		    h.message_id ? h.message_id : "?");
		store_held_row_release(&h);
		count++;
	}
	free(ids);
	return count;
fail:
	free(ids);
	return -1;
}

/* moderation_expire - expire due holds in a transaction of its own */
int
moderation_expire(struct store *s, time_t now)
{
	int count;

	if (store_begin(s) < 0)
		return -1;
	count = expire_due(s, now);
	if (count < 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s) < 0)
		return -1;
	return count;
}

/* moderation_oversize - the author's one notice for a message too large */
int
moderation_oversize(struct store *s, const struct conf *c,
    const struct message *m, size_t size)
{
	struct held_member mb;
	char kb[32], limit[32];
	char *subject, *name;
	int found, once, rc = 0;

	if (m == NULL || m->from.address == NULL || *m->from.address == '\0')
		return 0;
	once = notice_once(s, m->from.address, "oversize", clock_now());
	if (once <= 0)
		return once;
	found = store_held_member_by_email(s, m->from.address, &mb);
	if (found < 0)
		return -1;
	snprintf(kb, sizeof(kb), "%zu", (size + 1023) / 1024);
	snprintf(limit, sizeof(limit), "%ld", c->list.max_message_kb);
	subject = notice_one_line(m->subject && *m->subject ? m->subject : "(no subject)");
	name = notice_one_line(m->from.name);
	{
		struct template_var vars[] = {
			{ "name", name },
			{ "subject", subject },
			{ "size_kb", kb },
			{ "limit_kb", limit },
			{ "list_name", c->list.name },
			{ "list_address", c->list.address },
		};
		struct notice n = {
			.kind = "oversize", .template = "oversize",
			.lang = found ? mb.language : NULL,
			.vars = vars, .nvars = sizeof(vars) / sizeof(vars[0]),
			.to = m->from.address, .to_name = m->from.name,
			.member = found ? mb.id : 0, .in_reply_to = m->message_id,
		};

		if (notice_send(s, c, &n) < 0)
			rc = -1;
	}
	if (found)
		store_held_member_release(&mb);
	free(subject);
	free(name);
	return rc;
}
