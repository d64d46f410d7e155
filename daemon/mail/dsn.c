/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dsn - delivery reports: recognise them and read who failed (see dsn.h)
 *
 * Recognising a report (dsn_parse, pure)
 * -----------------------------------------
 * A message can only be a delivery report when it says so in its structure
 * (multipart/report) or comes from a mail system: the null return path
 * <>, a From such as MAILER-DAEMON@ or postmaster@, or a display name such
 * as "Mail Delivery System".  A member's ordinary post that talks about an
 * "undeliverable" message is therefore never taken for one.  Out-of-office
 * replies (their subjects, without any failure structure) are not reports.
 *
 * Then, in order of trust:
 *  1. the machine-readable RFC 3464 part (message/delivery-status), read
 *     by dsn_status.c: one block per recipient, failed or delayed.
 *  2. X-Failed-Recipients (Exim, Gmail): exactly the failed addresses.
 *  3. the human text.  The text is cut where the returned message begins
 *     ("--- Below this line is a copy", "------ This is a copy", "Original
 *     message headers:", a Received: line, ...).  In what remains we look
 *     for anchors: phrases that the common mail systems write just before
 *     the failed addresses (qmail's "Hi. This is the qmail-send program",
 *     sendmail's "permanent fatal errors", Gmail's "failed permanently", the
 *     "could not be delivered" of many languages ...).  Each anchor starts a
 *     section that runs to the next anchor; the addresses in a section
 *     failed permanently, temporarily, or - for anchors that both kinds of
 *     notice share - as the delay phrases of the text say ("will continue
 *     trying", "THIS IS A WARNING", "has not yet been delivered" ...).
 *     Addresses that are the report's own (its To/Cc/Delivered-To, its
 *     sender, the returned message's sender), the list's own (cop@ and
 *     cop+TAG@, learnt from the bounce address the report reached),
 *     administrative (postmaster@), introduced as a contact ("write to
 *     helpdesk@"), or in Message-ID lines are left out; X.400 spellings
 *     (SMTP=user@, RFC-822=user@) are read as the address.  The reading of
 *     addresses is in dsn_freeform.c.
 * When any address failed permanently, the report is permanent and lists
 * those; otherwise it is temporary and lists the delayed ones.
 *
 * The counting half is in bounce.c; this file is pure (no database), so
 * it links alone into the fuzz target tests/fuzz/fuzz_bounce.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "arena.h"
#include "buf.h"
#include "dsn.h"
#include "dsn_freeform.h"
#include "dsn_status.h"

enum kind { K_PERM, K_TEMP, K_AUTO };


/* Phrases written just before the failed addresses, most specific first
 * (lower-case; an apostrophe also matches U+2019). */
static const struct anchor {
	const char *phrase;
	const char *family;
	enum kind kind;
} anchors[] = {
	/* qmail */
	{ "this is the qmail-send program", "qmail", K_PERM },
	/* Exim */
	{ "the following address(es) failed", "exim", K_PERM },
	{ "could not be delivered to one or more of its recipients", "exim", K_PERM },
	{ "address to which the message has not yet been delivered", "exim", K_TEMP },
	{ "addresses to which the message has not yet been delivered", "exim", K_TEMP },
	{ "has not yet been delivered to one or more of its recipients", "exim", K_TEMP },
	{ "created automatically by mail delivery software", "exim", K_AUTO },
	/* Postfix */
	{ "this is the mail system at host", "postfix", K_AUTO },
	{ "# this is a warning only", "postfix", K_TEMP },
	/* sendmail */
	{ "the following addresses had permanent fatal errors", "sendmail", K_PERM },
	{ "the following addresses had transient non-fatal errors", "sendmail", K_TEMP },
	/* Exchange / Outlook / Office 365 */
	{ "delivery has failed to these recipients or groups", "exchange", K_PERM },
	{ "delivery is delayed to these recipients or groups", "exchange", K_TEMP },
	{ "hasn't been delivered yet", "exchange", K_TEMP },
	{ "your message couldn't be delivered", "exchange", K_PERM },
	{ "wasn't found at", "exchange", K_PERM },
	{ "more info for email admins", "exchange", K_AUTO },
	{ "la remise a \xc3\xa9" "chou\xc3\xa9 pour ces destinataires", "exchange", K_PERM },
	{ "error en la entrega a estos destinatarios", "exchange", K_PERM },
	{ "fehler bei der zustellung an folgende", "exchange", K_PERM },
	{ "did not reach some or all of the intended recipients", "exchange", K_PERM },
	{ "did not reach the following recipient", "exchange", K_PERM },
	{ "the following recipient(s) cannot be reached", "exchange", K_PERM },
	{ "the following recipient(s) could not be reached", "exchange", K_PERM },
	/* GroupWise */
	{ "had the following undeliverable recipient(s)", "groupwise", K_PERM },
	{ "message status - undeliverable", "groupwise", K_PERM },
	{ "was undeliverable to the following", "groupwise", K_PERM },
	/* Yahoo */
	{ "we were unable to deliver your message to the following address", "yahoo", K_PERM },
	{ "unable to deliver message to the following address", "yahoo", K_PERM },
	{ "we have been unable to deliver your message", "yahoo", K_AUTO },
	/* Gmail */
	{ "delivery to the following recipient failed permanently", "gmail", K_PERM },
	{ "delivery to the following recipients failed permanently", "gmail", K_PERM },
	{ "delivery to the following recipient has been delayed", "gmail", K_TEMP },
	{ "delivery to the following recipients has been delayed", "gmail", K_TEMP },
	{ "** address not found **", "gmail", K_PERM },
	{ "** message not delivered **", "gmail", K_PERM },
	{ "** message blocked **", "gmail", K_PERM },
	{ "** delivery incomplete **", "gmail", K_TEMP },
	{ "** message delayed **", "gmail", K_TEMP },
	{ "wasn't delivered to", "gmail", K_PERM },
	{ "there was a temporary problem delivering your message", "gmail", K_TEMP },
	/* Postfix before DSN */
	{ "this is the postfix program at host", "postfix", K_AUTO },
	/* Chinese webmail (sina.com, 163.com ...), UTF-8 after decoding */
	{ "\xe6\x9c\xaa\xe8\x83\xbd\xe6\x88\x90\xe5\x8a\x9f\xe6\x8a\x95\xe9\x80\x92", "sina", K_PERM },   /* 未能成功投递 */
	{ "\xe9\x82\xae\xe4\xbb\xb6\xe8\xa2\xab\xe9\x80\x80\xe5\x9b\x9e", "sina", K_PERM },   /* 邮件被退回 */
	{ "\xe6\x8a\x95\xe9\x80\x92\xe5\xa4\xb1\xe8\xb4\xa5", "sina", K_PERM },   /* 投递失败 */
	{ "\xe6\x97\xa0\xe6\xb3\x95\xe6\x8a\x95\xe9\x80\x92", "sina", K_AUTO },   /* 无法投递 */
	{ "\xe5\x8f\x91\xe9\x80\x81\xe5\xa4\xb1\xe8\xb4\xa5", "sina", K_AUTO },   /* 发送失败 */
	{ "\xe9\x80\x80\xe4\xbf\xa1", "sina", K_AUTO },   /* 退信 */
	/* the plain texts, in several languages */
	{ "this is a warning message only", "generic", K_TEMP },
	{ "n'a pas encore \xc3\xa9t\xc3\xa9 remis", "generic", K_TEMP },
	{ "could not be delivered", "generic", K_AUTO },
	{ "couldn't be delivered", "generic", K_AUTO },
	{ "was not delivered", "generic", K_AUTO },
	{ "cannot be delivered", "generic", K_AUTO },
	{ "has not been delivered", "generic", K_AUTO },
	{ "was undeliverable", "generic", K_PERM },
	{ "delivery failed", "generic", K_PERM },
	{ "delivery to the following", "generic", K_AUTO },
	{ "unable to deliver", "generic", K_AUTO },
	{ "failed to deliver", "generic", K_AUTO },
	{ "permanent failure", "generic", K_PERM },
	{ "permanent error", "generic", K_PERM },
	{ "n'a pas pu \xc3\xaatre remis", "generic", K_AUTO },
	{ "n'a pas pu \xc3\xaatre d\xc3\xa9livr\xc3\xa9", "generic", K_AUTO },
	{ "n'a pas pu \xc3\xaatre distribu\xc3\xa9", "generic", K_AUTO },
	{ "n'a pas pu \xc3\xaatre envoy\xc3\xa9", "generic", K_AUTO },
	{ "n'a pas \xc3\xa9t\xc3\xa9 remis", "generic", K_AUTO },
	{ "chec de la remise", "generic", K_PERM },
	{ "impossible de remettre", "generic", K_AUTO },
	{ "no se pudo entregar", "generic", K_AUTO },
	{ "no se ha podido entregar", "generic", K_AUTO },
	{ "no pudo ser entregado", "generic", K_AUTO },
	{ "no se puede entregar", "generic", K_AUTO },
	{ "n\xc3\xa3o p\xc3\xb4" "de ser entregue", "generic", K_AUTO },
	{ "n\xc3\xa3o foi poss\xc3\xadvel entregar", "generic", K_AUTO },
	{ "n\xc3\xa3o foi entregue", "generic", K_AUTO },
	{ "konnte nicht zugestellt werden", "generic", K_AUTO },
	{ "konnte nicht ausgeliefert werden", "generic", K_AUTO },
	{ "nicht zugestellt werden", "generic", K_AUTO },
	{ "kon niet worden bezorgd", "generic", K_AUTO },
	{ "kan niet worden bezorgd", "generic", K_AUTO },
	{ "kon niet worden afgeleverd", "generic", K_AUTO },
	{ "non \xc3\xa8 stato possibile recapitare", "generic", K_AUTO },
	{ "impossibile recapitare", "generic", K_AUTO },
	{ "undeliverable", "generic", K_AUTO },
	{ "unzustellbar", "generic", K_AUTO },
	{ "onbestelbaar", "generic", K_AUTO },
};

/* Phrases of delay notices: they make a K_AUTO section temporary. */
static const char *const delay_phrases[] = {
	"not yet been delivered", "this is a warning", "warning only",
	"warning message only", "transient non-fatal", "will continue trying",
	"will continue to try", "will continue to be attempted", "will keep trying",
	"will be retried", "will retry", "will try again", "still being retried",
	"still trying", "delivery is delayed", "has been delayed",
	"message delayed", "delivery delayed", "delivery incomplete",
	"temporary problem delivering", "no action is required on your part",
	"do not need to resend", "don't need to resend",
	"nouvelle tentative", "sera retent\xc3\xa9", "toujours en cours",
	"se seguir\xc3\xa1 intentando", "seguiremos intentando",
	"se volver\xc3\xa1 a intentar",
	"wird weiterhin versucht", "noch nicht zugestellt", "verz\xc3\xb6gert",
	"continuar\xc3\xa1 tentando", "vertraagd",
	"\xe5\xbb\xb6\xe8\xbf\x9f", "\xe4\xbb\x8d\xe5\x9c\xa8\xe5\xb0\x9d\xe8\xaf\x95", "\xe5\xb0\x86\xe7\xbb\xa7\xe7\xbb\xad\xe5\xb0\x9d\xe8\xaf\x95",   /* 延迟 仍在尝试 将继续尝试 */
};

/* Subjects of delivery reports (for a report whose text has no anchor). */
static const char *const report_subjects[] = {
	"undeliver", "undelivered", "returned mail", "returned to sender",
	"delivery status notification", "delivery failure", "failure notice",
	"delivery failed", "delivery notification", "mail delivery",
	"message not delivered", "nondeliverable", "non-deliverable",
	"could not send message", "delayed mail", "delivery delayed",
	"warning: message", "non remis", "non distribu", "remise",
	"unzustellbar", "nicht zustellbar", "no se puede entregar",
	"no entregado", "n\xc3\xa3o entregue", "onbestelbaar", "non recapitabile",
	"\xe9\x80\x80\xe4\xbf\xa1", "\xe6\x8a\x95\xe9\x80\x92\xe5\xa4\xb1\xe8\xb4\xa5", "\xe6\x9c\xaa\xe8\x83\xbd\xe6\x8a\x95\xe9\x80\x92",   /* 退信 投递失败 未能投递 */
};

/* Subjects in the report's subject line that say "delay". */
static const char *const delay_subjects[] = {
	"(delay)", "delayed", "warning: message", "still being retried",
	"verz\xc3\xb6gert", "retard\xc3\xa9", "retrasad", "atrasad",
};

/* Out-of-office subjects: such a message is an auto-reply, not a report. */
static const char *const vacation_subjects[] = {
	"out of office", "out of the office", "automatic reply", "auto reply",
	"auto-reply", "autoreply", "auto response", "autoresponse",
	"auto-response", "vacation", "away from", "abwesen", "r\xc3\xa9ponse automatique",
	"absence", "absent", "respuesta autom\xc3\xa1tica", "fuera de la oficina",
	"resposta autom\xc3\xa1tica", "ausente", "afwezig", "automatisch antwoord",
	"risposta automatica", "fuori ufficio", "automatische antwort",
};

/* Where the returned message begins in the human text. */
static const char *const stop_phrases[] = {
	"below this line is a copy of the message",
	"this is a copy of the message",
	"this is a copy of the headers",
	"original message headers:",
	"----- original message -----",
	"-----original message-----",
	"--- original message ---",
	"------ original message ------",
	"the header of the original message",
	"headers of the original message",
	"original message follows",
	"--- enclosed are the original headers",
	"reporting-mta:",
	"content-type: message/",
	"content-type: text/rfc822-headers",
};

/* Lines at column 0 that begin a returned header block. */
static const char *const stop_headers[] = {
	"received:", "return-path:", "from:", "message-id:", "dkim-signature:",
	"mime-version:", "x-google-dkim-signature:", "arc-seal:",
};

/* Senders' display names that mark a mail system. */
static const char *const daemon_names[] = {
	"mail delivery", "mailer-daemon", "mailer daemon", "postmaster",
	"mail administrator", "system administrator", "microsoft outlook",
	"mail system", "delivery status", "administrateur", "systemadministrator",
	"mail-system", "mailsystem",
};

/* ---- the RFC 3464 part ------------------------------------------------------ */

/* status_part - read a message/delivery-status body (dsn_status.h):
 * failed recipients go to perm, delayed ones to temp; *any is set when a
 * recipient block was seen; *status and *diag come from the first
 * recipient that counts.  0, or -1 when the arena is full. */
static int
status_part(const char *ds, struct arena *a, struct addrset *perm, struct addrset *temp,
    int *any, const char **status, const char **diag)
{
	const char *p = ds, *end = ds + strnlen(ds, DSN_MAX_DSN);
	struct dsn_status_rcpt r;

	*any = 0;
	while (dsn_status_next(&p, end, &r)) {
		struct addrset *set = r.failed ? perm : temp;
		int first = perm->n == 0 && (r.failed || temp->n == 0);

		*any = 1;
		if (!(r.failed || r.delayed) || r.address == NULL)
			continue;
		if (!dsnf_admin_local(r.address, r.address_len) &&
		    dsnf_addrset_add(set, r.address, r.address_len) < 0)
			return -1;
		if (first && r.status_len)
			*status = arena_strndup(a, r.status, r.status_len);
		if (first && r.diagnostic_len)
			*diag = dsnf_one_line(a, r.diagnostic, r.diagnostic_len);
	}
	return 0;
}

/* ---- the human text ----------------------------------------------------------- */

/* text_region_end - where the returned message begins in [p, end) */
static const char *
text_region_end(const char *p, const char *end)
{
	const char *cut = end;

	for (size_t i = 0; i < NELEM(stop_phrases); i++) {
		const char *f = dsnf_find_phrase(p, cut, stop_phrases[i]);

		if (f) {
			/* cut at the start of that line */
			while (f > p && f[-1] != '\n')
				f--;
			cut = f;
		}
	}
	for (const char *l = p; l < cut;) {
		const char *eol = memchr(l, '\n', (size_t)(cut - l));

		for (size_t i = 0; i < NELEM(stop_headers); i++)
			if (dsnf_match_at(l, eol ? eol : cut, stop_headers[i])) {
				/* a lone "From: x" line in a summary is not a header
				 * block; two header-looking lines in a row are */
				const char *nx = eol ? eol + 1 : cut;
				const char *nxe = nx < cut ? memchr(nx, '\n', (size_t)(cut - nx)) : NULL;
				const char *colon = nx < cut ?
				    memchr(nx, ':', (size_t)((nxe ? nxe : cut) - nx)) : NULL;
				int headerish = colon != NULL;

				for (const char *q = nx; headerish && q < colon; q++)
					if (!(isalnum((unsigned char)*q) || *q == '-'))
						headerish = 0;
				if (headerish || (nx < cut && (*nx == ' ' || *nx == '\t')))
					return l;
			}
		if (eol == NULL)
			break;
		l = eol + 1;
	}
	return cut;
}

/* find_status - the first x.y.z status (x 4 or 5) in [p, end); sets *line
 * to the start of its line */
static const char *
find_status(const char *p, const char *end, size_t *len, const char **line)
{
	for (const char *q = p; q + 5 <= end; q++) {
		const char *r;

		if ((*q != '4' && *q != '5') || q[1] != '.')
			continue;
		if (q > p && (isalnum((unsigned char)q[-1]) || q[-1] == '.'))
			continue;
		r = q + 2;
		if (r >= end || !isdigit((unsigned char)*r))
			continue;
		while (r < end && isdigit((unsigned char)*r) && r - q < 6)
			r++;
		if (r >= end || *r != '.' || r + 1 >= end || !isdigit((unsigned char)r[1]))
			continue;
		r++;
		while (r < end && isdigit((unsigned char)*r) && r - q < 10)
			r++;
		if (r < end && (isalnum((unsigned char)*r) ||
		    (*r == '.' && r + 1 < end && isdigit((unsigned char)r[1]))))
			continue;
		*len = (size_t)(r - q);
		*line = q;
		while (*line > p && (*line)[-1] != '\n')
			(*line)--;
		return q;
	}
	return NULL;
}

struct found_anchor {
	const char *at;      /* start of the anchor's line */
	const struct anchor *anchor;
};

/* cmp_found - qsort order of found anchors: by position, then table order */
static int
cmp_found(const void *x, const void *y)
{
	const struct found_anchor *a = x, *b = y;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	/* same line: the more specific (earlier in the table) first */
	return a->anchor < b->anchor ? -1 : a->anchor > b->anchor;
}

/* is_daemon - does the sender look like a mail system? */
static int
is_daemon(const struct dsn_input *in)
{
	if (in->return_path && in->return_path[0] == '\0')
		return 1;
	if (in->from) {
		const char *at = strchr(in->from, '@');
		size_t ll = at ? (size_t)(at - in->from) : strlen(in->from);

		if (dsnf_admin_local(in->from, ll))
			return 1;
		if (ll >= 17 && strncasecmp(in->from, "microsoftexchange", 17) == 0)
			return 1;
	}
	return dsnf_contains_any(in->from_name, daemon_names, NELEM(daemon_names));
}

/* exclude_headers - add the From/Sender/Return-Path/Reply-To addresses of
 * the returned header block to excl */
static int
exclude_headers(struct addrset *excl, const char *h)
{
	static const char *const names[] = { "from:", "sender:", "return-path:", "reply-to:" };
	const char *p = h, *end = h + strnlen(h, DSN_MAX_TEXT);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s;
		size_t len;

		if (eol == NULL)
			eol = end;
		for (size_t i = 0; i < NELEM(names); i++)
			if (dsnf_match_at(p, eol, names[i])) {
				const char *q = p;

				while (q < eol && (q = addr_find(q, eol, &s, &len)) != NULL)
					if (dsnf_addrset_add(excl, s, len) < 0)
						return -1;
			}
		p = eol + (eol < end);
	}
	return 0;
}

/* find_smtp_line - the first line in [p, end) with an SMTP reply code
 * (a 4xx or 5xx number standing alone), or NULL */
static const char *
find_smtp_line(const char *p, const char *end, size_t *len)
{
	for (const char *l = p; l < end;) {
		const char *eol = memchr(l, '\n', (size_t)(end - l));

		if (eol == NULL)
			eol = end;
		for (const char *q = l; q + 3 <= eol; q++)
			if ((*q == '4' || *q == '5') && isdigit((unsigned char)q[1]) &&
			    isdigit((unsigned char)q[2]) &&
			    (q == l || !isalnum((unsigned char)q[-1])) &&
			    (q + 3 == eol || q[3] == ' ' || q[3] == '-')) {
				*len = (size_t)(eol - l);
				return l;
			}
		l = eol + (eol < end);
	}
	return NULL;
}

/* drop_own - remove the list's own addresses from set */
static void
drop_own(struct addrset *set, const struct dsnf_own *own)
{
	size_t k = 0;

	for (size_t i = 0; i < set->n; i++)
		if (!dsnf_is_own(own, set->v[i], strlen(set->v[i])))
			set->v[k++] = set->v[i];
	set->n = k;
}

/* ---- dsn_parse -------------------------------------------------------------- */

/* dsn_parse_input - the scanning, on plain parts (see the top of this file) */
int
dsn_parse_input(const struct dsn_input *in, struct arena *a,
    struct dsn_report *out)
{
	struct addrset perm = { .a = a }, temp = { .a = a }, excl = { .a = a };
	struct dsnf_own own;
	struct dsnf_filter filter = { &excl, &own };
	int report, daemon, subject_says, delay_subject, delay_text = 0, any_dsn = 0;
	const char *status = NULL, *diag = NULL, *family = NULL;
	const char *text = in->text ? in->text : "", *tend, *rend;
	struct found_anchor found[32];
	size_t nfound = 0;

	memset(out, 0, sizeof(*out));
	memset(&own, 0, sizeof(own));
	for (size_t i = 0; i < in->nexclude; i++)
		dsnf_own_add(&own, in->exclude[i]);
	report = in->content_type && strcmp(in->content_type, "multipart/report") == 0;
	daemon = is_daemon(in);
	if (!report && !daemon)
		return 0;

	/* 1. the machine-readable part */
	if (in->delivery_status) {
		if (status_part(in->delivery_status, a, &perm, &temp, &any_dsn, &status, &diag) < 0)
			return -1;
		if (any_dsn) {
			family = "rfc3464";
			goto done;
		}
	}

	/* the addresses that are the report's own */
	for (size_t i = 0; i < in->nexclude; i++)
		if (in->exclude[i] && dsnf_addrset_add(&excl, in->exclude[i], strlen(in->exclude[i])) < 0)
			return -1;
	if (in->from && dsnf_addrset_add(&excl, in->from, strlen(in->from)) < 0)
		return -1;
	if (in->return_path && *in->return_path &&
	    dsnf_addrset_add(&excl, in->return_path, strlen(in->return_path)) < 0)
		return -1;
	if (in->returned_headers && exclude_headers(&excl, in->returned_headers) < 0)
		return -1;

	tend = text + strnlen(text, DSN_MAX_TEXT);
	rend = text_region_end(text, tend);
	subject_says = dsnf_contains_any(in->subject, report_subjects, NELEM(report_subjects));
	delay_subject = dsnf_contains_any(in->subject, delay_subjects, NELEM(delay_subjects));

	/* 2./3. anchors in the text */
	for (size_t i = 0; i < NELEM(anchors) && nfound < NELEM(found); i++) {
		const char *f = dsnf_find_phrase(text, rend, anchors[i].phrase);
		int dup = 0;

		if (f == NULL)
			continue;
		while (f > text && f[-1] != '\n')
			f--;
		for (size_t k = 0; k < nfound; k++)
			if (found[k].at == f)
				dup = 1;     /* a more specific anchor has this line */
		if (dup)
			continue;
		found[nfound].at = f;
		found[nfound].anchor = &anchors[i];
		nfound++;
	}
	if (nfound == 0 && !subject_says && !(in->x_failed && *in->x_failed))
		return 0;
	if (nfound == 0 && dsnf_contains_any(in->subject, vacation_subjects, NELEM(vacation_subjects)) &&
	    !(in->x_failed && *in->x_failed))
		return 0;
	qsort(found, nfound, sizeof(found[0]), cmp_found);

	delay_text = delay_subject ||
	    dsnf_region_has_any(text, rend, delay_phrases, NELEM(delay_phrases));
	{
		if (nfound == 0) {
			family = "generic";
			if (dsnf_collect_addresses(delay_text ? &temp : &perm, &filter, text, rend) < 0)
				return -1;
		} else {
			/* the family is that of the most specific anchor found */
			const struct anchor *best = found[0].anchor;

			for (size_t k = 1; k < nfound; k++)
				if (found[k].anchor < best)
					best = found[k].anchor;
			family = best->family;
			for (size_t k = 0; k < nfound; k++) {
				const char *from = found[k].at;
				const char *to = k + 1 < nfound ? found[k + 1].at : rend;
				enum kind kd = found[k].anchor->kind;
				int is_temp = kd == K_TEMP || (kd == K_AUTO && delay_text);

				if (dsnf_collect_addresses(is_temp ? &temp : &perm, &filter, from, to) < 0)
					return -1;
			}
		}
	}

	/* X-Failed-Recipients names exactly the failed addresses */
	if (in->x_failed && *in->x_failed) {
		struct addrset xf = { .a = a };

		if (dsnf_collect_addresses(&xf, &filter, in->x_failed, in->x_failed + strlen(in->x_failed)) < 0)
			return -1;
		if (xf.n > 0) {
			perm = xf;
			temp.n = 0;
			if (family == NULL || strcmp(family, "generic") == 0)
				family = "x-failed-recipients";
		}
	}

	{
		const char *sline;
		size_t slen;
		const char *sp = find_status(text, rend, &slen, &sline);

		if (sp) {
			const char *eol = memchr(sline, '\n', (size_t)(rend - sline));

			status = arena_strndup(a, sp, slen);
			diag = dsnf_one_line(a, sline, (size_t)((eol ? eol : rend) - sline));
		} else {
			/* no x.y.z status: the first line with an SMTP code, else
			 * the line after the first failed address */
			const char *from = nfound ? found[0].at : text;
			const char *dline = find_smtp_line(from, rend, &slen);

			if (dline == NULL && (perm.n || temp.n)) {
				const char *first = perm.n ? perm.v[0] : temp.v[0];
				const char *f = dsnf_find_phrase(from, rend, first);

				if (f && (f = memchr(f, '\n', (size_t)(rend - f))) != NULL) {
					const char *e;

					while (f < rend && isspace((unsigned char)*f))
						f++;
					e = memchr(f, '\n', (size_t)(rend - f));
					dline = f;
					slen = (size_t)((e ? e : rend) - f);
				}
			}
			if (dline)
				diag = dsnf_one_line(a, dline, slen);
		}
	}

done:
	/* the list's own addresses are never a member that failed */
	drop_own(&perm, &own);
	drop_own(&temp, &own);
	out->family = family;
	out->status = status;
	out->diagnostic = diag;
	if (perm.n > 0) {
		out->addresses = perm.v;
		out->naddresses = perm.n;
		out->temporary = 0;
	} else if (temp.n > 0) {
		out->addresses = temp.v;
		out->naddresses = temp.n;
		out->temporary = 1;
	} else {
		/* nobody named: a DSN of successes only (never counted), or a
		 * recognised report we could not read addresses from, whose
		 * VERP address may still say who it was */
		out->temporary = any_dsn || delay_text;
	}
	return 1;
}

/* join_headers - every value of header name, comma-joined (arena) */
static const char *
join_headers(const struct message *m, const char *name, struct arena *a)
{
	struct buf b;
	const char *v, *res;
	size_t i = 0;

	buf_init(&b, 64 * 1024);
	while ((v = message_header_next(m, name, &i)) != NULL) {
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, v);
	}
	res = b.len ? arena_strdup(a, b.data) : NULL;
	buf_release(&b);
	return res;
}

/* dsn_parse - gather the parts of m that matter and scan them */
int
dsn_parse(const struct message *m, struct arena *a, struct dsn_report *out)
{
	struct dsn_input in;
	static const char *const delivered[] = { "Delivered-To", "X-Original-To",
	    "Envelope-To" };
	const char **excl;
	size_t n = 0, nd = 0;

	memset(&in, 0, sizeof(in));
	memset(out, 0, sizeof(*out));
	if (m == NULL)
		return 0;
	in.subject = m->subject;
	in.from = m->from.address;
	in.from_name = m->from.name;
	in.return_path = m->return_path;
	in.content_type = m->content_type;
	in.auto_submitted = message_header(m, "Auto-Submitted");
	in.x_failed = join_headers(m, "X-Failed-Recipients", a);
	in.text = m->text;
	in.delivery_status = m->delivery_status;
	in.returned_headers = m->returned_headers;
	for (size_t k = 0; k < NELEM(delivered); k++)
		for (size_t i = 0; message_header_next(m, delivered[k], &i) != NULL && nd < 8; )
			nd++;
	excl = arena_alloc(a, (m->nto + m->ncc + nd + 1) * sizeof(*excl));
	if (excl) {
		/* the addresses the report was delivered to: the bounce
		 * address, which also says which list is ours */
		for (size_t k = 0; k < NELEM(delivered); k++) {
			size_t i = 0;
			const char *v;

			while (n < nd && (v = message_header_next(m, delivered[k], &i)) != NULL) {
				const char *s0, *e;
				size_t len;

				if ((e = addr_find(v, v + strlen(v), &s0, &len)) != NULL)
					excl[n++] = arena_strndup(a, s0, len);
			}
		}
		for (size_t i = 0; i < m->nto; i++)
			if (m->to[i].address)
				excl[n++] = m->to[i].address;
		for (size_t i = 0; i < m->ncc; i++)
			if (m->cc[i].address)
				excl[n++] = m->cc[i].address;
	}
	in.exclude = excl;
	in.nexclude = n;
	return dsn_parse_input(&in, a, out);
}

