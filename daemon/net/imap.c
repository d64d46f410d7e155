/* SPDX-License-Identifier: GPL-3.0-or-later */
/* imap - the IMAP client's commands on an open connection: the fetch
 * plan, message bodies, imap.after marking, the leftover sweep, IDLE and
 * NOOP (see imap.h; the connection itself is imap_conn.c's)
 *
 * What shapes the code:
 * - libetpan's mailimap_idle() only sends IDLE; the wait is ours
 *   (mailstream_*_idle), in one-second steps so a signal is noticed
 *   promptly;
 * - a server answers "UID FETCH N:*" with N above the highest UID with the
 *   last message ("*" is the highest UID, and N:* the range between), so
 *   every UID list is filtered against the high-water mark.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "imap.h"
#include "imap_int.h"
#include "log.h"
#include "xalloc.h"

/* ---- signals wait for the answer ----------------------------------------
 *
 * libetpan takes a read or a poll cut short by a signal (EINTR) for a lost
 * connection.  A SIGHUP, or the SIGTERM that should let a cycle mark what
 * it has committed, would then break the command under way: marks lost
 * until the next cycle's sweep, a batch fetched for nothing.  So each
 * command blocks the calling thread's signals until it has its answer (at
 * most IMAP_TIMEOUT per network operation); they are delivered as soon as
 * it returns.  Only IDLE's wait for news is left to them: ending it is
 * what a signal is for.
 */

/* hold_signals - block the calling thread's asynchronous signals; the
 * previous mask into *old */
static void
hold_signals(sigset_t *old)
{
	sigset_t set;

	sigfillset(&set);
	/* faults stay deliverable: blocking them would not stop them */
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigdelset(&set, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* release_signals - the mask hold_signals saved; pending signals are
 * delivered now */
static void
release_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ---- UID sets ----------------------------------------------------------- */

/* uid_cmp - qsort order of uint32_t */
static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* set_from_uids - a libetpan set of sorted uids, runs as intervals */
static struct mailimap_set *
set_from_uids(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0;

	if (set == NULL)
		fatal("out of memory");
	while (i < n) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) !=
		    MAILIMAP_NO_ERROR)
			fatal("out of memory");
		i = j + 1;
	}
	return set;
}

/* add_flags - +FLAGS.SILENT with with \Seen / \Deleted / our keyword */
static struct mailimap_store_att_flags *
add_flags(int seen, int deleted, int keyword)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sa;

	if (fl == NULL)
		fatal("out of memory");
	if (seen)
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	if (deleted)
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	if (keyword)
		mailimap_flag_list_add(fl,
		    mailimap_flag_new_flag_keyword(xstrdup(IMAP_KEYWORD)));
	sa = mailimap_store_att_flags_new_add_flags_silent(fl);
	if (sa == NULL)
		fatal("out of memory");
	return sa;
}

/* uid_store - UID STORE set +FLAGS.SILENT (...) */
static int
uid_store(struct imap *im, struct mailimap_set *set, int seen, int deleted,
    int keyword)
{
	struct mailimap_store_att_flags *sa = add_flags(seen, deleted, keyword);
	int r = mailimap_uid_store(im->imap, set, sa);

	mailimap_store_att_flags_free(sa);
	return r;
}

/* expunge_set - remove the \Deleted messages of set (UID EXPUNGE), or all
 * \Deleted messages when the server lacks UIDPLUS */
static int
expunge_set(struct imap *im, struct mailimap_set *set)
{
	if (im->can_uidplus)
		return mailimap_uid_expunge(im->imap, set);
	return mailimap_expunge(im->imap);
}

/* ensure_folder - create the move folder when LIST does not show it;
 * a refusal is OUTCOME_PERM, a lost connection OUTCOME_TEMP */
static enum outcome
ensure_folder(struct imap *im, char *err, size_t errlen)
{
	clist *list = NULL;
	int r, found;

	if (im->folder_ok)
		return OUTCOME_OK;
	r = mailimap_list(im->imap, "", im->folder_wire, &list);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, 1, "LIST", err, errlen);
	found = list != NULL && clist_count(list) > 0;
	if (list != NULL)
		mailimap_list_result_free(list);
	if (!found) {
		r = mailimap_create(im->imap, im->folder_wire);
		if (r != MAILIMAP_NO_ERROR) {
			char what[600];

			snprintf(what, sizeof(what), "creating folder %s",
			    im->folder);
			return imap_fail(im, r, 1, what, err, errlen);
		}
		log_info("imap: created folder %s", im->folder);
	}
	im->folder_ok = 1;
	return OUTCOME_OK;
}

/* mark - apply imap.after to sorted uids.  A refusal (NO) is logged and
 * OUTCOME_OK returned: the messages are committed, and the leftover sweep
 * tries again next time.  A lost connection is OUTCOME_TEMP. */
static enum outcome
mark(struct imap *im, const uint32_t *uids, size_t n, char *err,
    size_t errlen)
{
	struct mailimap_set *set;
	const char *what = "marking";
	enum outcome rc;
	int r = MAILIMAP_NO_ERROR;

	if (n == 0)
		return OUTCOME_OK;
	if (im->after == IMAP_AFTER_MOVE &&
	    (rc = ensure_folder(im, err, errlen)) != OUTCOME_OK) {
		if (rc == OUTCOME_TEMP)
			return rc;
		log_warnx("imap: %s (will retry)", err);
		return OUTCOME_OK;
	}
	set = set_from_uids(uids, n);
	switch (im->after) {
	case IMAP_AFTER_MOVE:
		what = "moving";
		if (im->can_move) {
			r = mailimap_uid_move(im->imap, set, im->folder_wire);
		} else {
			r = mailimap_uid_copy(im->imap, set, im->folder_wire);
			if (r == MAILIMAP_NO_ERROR)
				r = uid_store(im, set, 0, 1, 0);
			if (r == MAILIMAP_NO_ERROR)
				r = expunge_set(im, set);
		}
		if (r != MAILIMAP_NO_ERROR && imap_refused(r))
			im->folder_ok = 0;   /* deleted behind our back? */
		break;
	case IMAP_AFTER_FLAG:
		what = "flagging";
		r = uid_store(im, set, 1, 0, im->can_keywords);
		break;
	case IMAP_AFTER_DELETE:
		what = "deleting";
		r = uid_store(im, set, 0, 1, 0);
		if (r == MAILIMAP_NO_ERROR)
			r = expunge_set(im, set);
		break;
	}
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		char w[64];

		snprintf(w, sizeof(w), "%s %zu message%s", what, n,
		    n == 1 ? "" : "s");
		rc = imap_fail(im, r, 1, w, err, errlen);
		if (rc == OUTCOME_TEMP)
			return rc;
		log_warnx("imap: %s (will retry)", err);
	}
	return OUTCOME_OK;
}

/* imap_mark - see imap.h */
enum outcome
imap_mark(struct imap *im, const uint32_t *uids, size_t n, char *err,
    size_t errlen)
{
	sigset_t old;
	enum outcome rc;

	hold_signals(&old);
	rc = mark(im, uids, n, err, errlen);
	release_signals(&old);
	return rc;
}

/* ---- searching and fetching -------------------------------------------- */

/* uid_search - UID SEARCH UID lo:hi [UNKEYWORD $Baraza] into a sorted
 * array (owned) filtered to [lo, hi]; hi 0 means "*" */
static enum outcome
uid_search(struct imap *im, uint32_t lo, uint32_t hi, int unkeyworded,
    uint32_t **out, size_t *nout, char *err, size_t errlen)
{
	struct mailimap_search_key *key, *k;
	struct mailimap_set *set;
	clist *res = NULL;
	clistiter *it;
	uint32_t *uids;
	size_t n = 0;
	int r;

	*out = NULL;
	*nout = 0;
	set = mailimap_set_new_interval(lo, hi);
	if (set == NULL)
		fatal("out of memory");
	k = mailimap_search_key_new_uid(set);
	if (unkeyworded) {
		key = mailimap_search_key_new_multiple_empty();
		mailimap_search_key_multiple_add(key, k);
		mailimap_search_key_multiple_add(key,
		    mailimap_search_key_new_unkeyword(xstrdup(IMAP_KEYWORD)));
	} else {
		key = k;
	}
	r = mailimap_uid_search(im->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, 0, "UID SEARCH", err, errlen);
	uids = xreallocarray(NULL, (size_t)clist_count(res) + 1, sizeof(*uids));
	for (it = clist_begin(res); it; it = clist_next(it)) {
		uint32_t u = *(uint32_t *)clist_content(it);

		if (u >= lo && (hi == 0 || u <= hi))
			uids[n++] = u;
	}
	mailimap_search_result_free(res);
	qsort(uids, n, sizeof(*uids), uid_cmp);
	*out = uids;
	*nout = n;
	return OUTCOME_OK;
}

/* plan_cmp - order of struct imap_uid_size by uid */
static int
plan_cmp(const void *a, const void *b)
{
	return uid_cmp(&((const struct imap_uid_size *)a)->uid,
	    &((const struct imap_uid_size *)b)->uid);
}

/* plan - imap_plan, signals held by the caller */
static enum outcome
plan(struct imap *im, uint32_t last, struct imap_uid_size **out,
    size_t *nout, char *err, size_t errlen)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct imap_uid_size *plan;
	clist *res = NULL;
	clistiter *it;
	size_t n = 0;
	int r;

	*out = NULL;
	*nout = 0;
	set = mailimap_set_new_interval(last + 1, 0);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (set == NULL || ft == NULL)
		fatal("out of memory");
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size());
	r = mailimap_uid_fetch(im->imap, set, ft, &res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, 0, "UID FETCH (sizes)", err, errlen);
	plan = xreallocarray(NULL, (size_t)clist_count(res) + 1, sizeof(*plan));
	for (it = clist_begin(res); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		clistiter *ai;
		uint32_t uid = 0, size = 0;

		for (ai = clist_begin(ma->att_list); ai; ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
				uid = item->att_data.att_static->att_data.att_uid;
			else if (item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_RFC822_SIZE)
				size = item->att_data.att_static->att_data.att_rfc822_size;
		}
		if (uid > last) {
			plan[n].uid = uid;
			plan[n].size = size;
			n++;
		}
	}
	mailimap_fetch_list_free(res);
	qsort(plan, n, sizeof(*plan), plan_cmp);
	*out = plan;
	*nout = n;
	return OUTCOME_OK;
}

/* imap_plan - see imap.h */
enum outcome
imap_plan(struct imap *im, uint32_t last, struct imap_uid_size **out,
    size_t *nout, char *err, size_t errlen)
{
	sigset_t old;
	enum outcome rc;

	hold_signals(&old);
	rc = plan(im, last, out, nout, err, errlen);
	release_signals(&old);
	return rc;
}

/* A UID FETCH's result: libetpan's list and the messages pointing into it */
struct imap_batch {
	clist *res;                       /* owned: mailimap_fetch_list_free */
	struct imap_fetched *got;         /* owned, sorted by uid */
	size_t ngot;
};

/* fetched_cmp - order of struct imap_fetched by uid */
static int
fetched_cmp(const void *a, const void *b)
{
	return uid_cmp(&((const struct imap_fetched *)a)->uid,
	    &((const struct imap_fetched *)b)->uid);
}

/* fetch_bodies - imap_fetch_bodies, signals held by the caller */
static enum outcome
fetch_bodies(struct imap *im, const uint32_t *uids, size_t n,
    int partial, struct imap_batch **out, char *err, size_t errlen)
{
	struct imap_batch *b = xcalloc(1, sizeof(*b));
	clist **res = &b->res;
	struct imap_fetched **got = &b->got;
	size_t *ngot = &b->ngot;

	struct mailimap_fetch_type *ft;
	struct mailimap_section *sec;
	struct mailimap_fetch_att *att;
	struct mailimap_set *set = set_from_uids(uids, n);
	struct imap_fetched *f;
	clistiter *it;
	size_t k = 0;
	int r;

	*out = NULL;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	sec = mailimap_section_new(NULL);
	if (ft == NULL || sec == NULL)
		fatal("out of memory");
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	if (partial)
		att = mailimap_fetch_att_new_body_peek_section_partial(sec, 0,
		    (uint32_t)im->max_size);
	else
		att = mailimap_fetch_att_new_body_peek_section(sec);
	if (att == NULL)
		fatal("out of memory");
	mailimap_fetch_type_new_fetch_att_list_add(ft, att);
	r = mailimap_uid_fetch(im->imap, set, ft, res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		free(b);
		return imap_fail(im, r, 0, "UID FETCH", err, errlen);
	}
	f = xreallocarray(NULL, (size_t)clist_count(*res) + 1, sizeof(*f));
	for (it = clist_begin(*res); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		clistiter *ai;
		uint32_t uid = 0;
		const char *data = NULL;
		size_t len = 0;

		for (ai = clist_begin(ma->att_list); ai; ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);
			struct mailimap_msg_att_static *st;

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID) {
				uid = st->att_data.att_uid;
			} else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
			    st->att_data.att_body_section != NULL) {
				data = st->att_data.att_body_section->sec_body_part;
				len = st->att_data.att_body_section->sec_length;
			}
		}
		/* unsolicited FETCH responses (flag changes) carry no body */
		if (uid == 0 || data == NULL)
			continue;
		f[k].uid = uid;
		f[k].data = data;
		f[k].len = len;
		k++;
	}
	qsort(f, k, sizeof(*f), fetched_cmp);
	*got = f;
	*ngot = k;
	*out = b;
	return OUTCOME_OK;
}

/* imap_fetch_bodies - see imap.h */
enum outcome
imap_fetch_bodies(struct imap *im, const uint32_t *uids, size_t n,
    int partial, struct imap_batch **out, char *err, size_t errlen)
{
	sigset_t old;
	enum outcome rc;

	hold_signals(&old);
	rc = fetch_bodies(im, uids, n, partial, out, err, errlen);
	release_signals(&old);
	return rc;
}

/* imap_batch_messages - see imap.h */
const struct imap_fetched *
imap_batch_messages(const struct imap_batch *b, size_t *n)
{
	*n = b->ngot;
	return b->got;
}

/* imap_batch_free - see imap.h */
void
imap_batch_free(struct imap_batch **bp)
{
	struct imap_batch *b = *bp;

	if (b == NULL)
		return;
	if (b->res != NULL)
		mailimap_fetch_list_free(b->res);
	free(b->got);
	free(b);
	*bp = NULL;
}

/* imap_sweep - see imap.h */
enum outcome
imap_sweep(struct imap *im, uint32_t last, unsigned *marked, char *err,
    size_t errlen)
{
	uint32_t *uids = NULL;
	size_t n = 0;
	sigset_t old;
	enum outcome rc;

	*marked = 0;
	if (last == 0)
		return OUTCOME_OK;
	if (im->after == IMAP_AFTER_FLAG && !im->can_keywords)
		return OUTCOME_OK;     /* nothing tells marked from unmarked */
	hold_signals(&old);
	rc = uid_search(im, 1, last, im->after == IMAP_AFTER_FLAG, &uids, &n,
	    err, errlen);
	if (rc == OUTCOME_OK && n > 0) {
		log_info("imap: %s: marking %zu message%s left unmarked by an "
		    "earlier run", im->url.mailbox, n, n == 1 ? "" : "s");
		rc = mark(im, uids, n, err, errlen);
		if (rc == OUTCOME_OK)
			*marked = (unsigned)n;
	}
	release_signals(&old);
	free(uids);
	return rc;
}

/* ---- IDLE and keep-alive ----------------------------------------------- */

/* imap_idle - see imap.h */
enum outcome
imap_idle(struct imap *im, int max_seconds, const volatile sig_atomic_t *stop,
    int *news, char *err, size_t errlen)
{
	mailstream *stream = im->imap->imap_stream;
	time_t start = time(NULL);
	sigset_t old;
	int r, lost = 0;

	*news = 0;
	hold_signals(&old);
	r = mailimap_idle(im->imap);
	release_signals(&old);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, 0, "IDLE", err, errlen);
		return OUTCOME_TEMP;
	}
	/* data may already sit in libetpan's buffer (an EXISTS sent right
	 * after the continuation): then there is no need to wait */
	if (stream->read_buffer_len > 0)
		*news = 1;
	if (!*news && mailstream_setup_idle(stream) == 0) {
		while (!(stop && *stop)) {
			int w;

			if (time(NULL) - start >= max_seconds)
				break;
			w = mailstream_wait_idle(stream, 1);
			if (w == MAILSTREAM_IDLE_TIMEOUT)
				continue;
			if (w == MAILSTREAM_IDLE_HASDATA)
				*news = 1;
			else if (w == MAILSTREAM_IDLE_CANCELLED ||
			    (w == MAILSTREAM_IDLE_ERROR && errno != EINTR))
				lost = 1;
			/* INTERRUPTED, or poll() cut short by a signal: return
			 * and let the caller look at its flags */
			break;
		}
		mailstream_unsetup_idle(stream);
	}
	if (lost) {
		snprintf(err, errlen, "IDLE: connection lost");
		im->broken = 1;
		return OUTCOME_TEMP;
	}
	hold_signals(&old);
	r = mailimap_idle_done(im->imap);
	release_signals(&old);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, 0, "IDLE DONE", err, errlen);
		return OUTCOME_TEMP;
	}
	im->exists = im->imap->imap_selection_info->sel_exists;
	return OUTCOME_OK;
}

/* imap_noop - see imap.h */
enum outcome
imap_noop(struct imap *im, char *err, size_t errlen)
{
	sigset_t old;
	int r;

	hold_signals(&old);
	r = mailimap_noop(im->imap);
	release_signals(&old);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(im, r, 0, "NOOP", err, errlen);
		return OUTCOME_TEMP;
	}
	im->exists = im->imap->imap_selection_info->sel_exists;
	return OUTCOME_OK;
}
