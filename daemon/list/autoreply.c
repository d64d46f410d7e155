/* SPDX-License-Identifier: GPL-3.0-or-later */
/* autoreply - the signs of a robot, a bounce or the list's own mail
 *
 * What each sign is, and why, is in autoreply.h; what is done with them
 * (which sign wins for which address) is route.c's business.  Nothing
 * here writes: the evidence of a sign is borrowed from the message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "autoreply.h"
#include "dsn.h"
#include "listaddr.h"

/* fold_latin - lower-case ASCII and Latin-1 letters of s into out (at
 * most outlen - 1 bytes, cut at a character boundary) */
static void
fold_latin(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p && o + 3 < outlen) {
		if (*p >= 'A' && *p <= 'Z') {
			out[o++] = (char)(*p++ + 32);
		} else if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0x9e &&
		    p[1] != 0x97) {
			out[o++] = (char)0xc3;
			out[o++] = (char)(p[1] + 0x20);
			p += 2;
		} else {
			/* copy a whole character so the output stays UTF-8 */
			size_t n = 1;

			while ((p[n] & 0xc0) == 0x80 && n < 4)
				n++;
			if (o + n >= outlen)
				break;
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
	}
	out[o] = '\0';
}

/* is_alnum_byte - a letter or digit, or any byte of a UTF-8 character */
static int
is_alnum_byte(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch >= 0x80;
}

/* Phrases that open the subject of out-of-office answers.  "strict"
 * ones are ordinary words too ("Absence of funding"), so they count only
 * when a delimiter (':', '-', '(', '[', ']', '|' or the end) follows. */
static const struct {
	const char *phrase;     /* lower case */
	int strict;
} oof_subjects[] = {
	/* en */
	{ "out of office", 0 }, { "out of the office", 0 },
	{ "automatic reply", 0 }, { "automatic response", 0 },
	{ "auto reply", 0 }, { "auto-reply", 0 }, { "autoreply", 0 },
	{ "auto response", 0 }, { "auto-response", 0 }, { "autoresponse", 0 },
	{ "vacation reply", 0 }, { "away from the office", 0 },
	{ "auto", 1 }, { "ooo", 1 }, { "vacation", 1 }, { "on vacation", 1 },
	{ "on leave", 1 }, { "away", 1 }, { "holiday", 1 },
	/* fr */
	{ "réponse automatique", 0 }, { "reponse automatique", 0 },
	{ "absent du bureau", 0 }, { "absence du bureau", 0 },
	{ "message d'absence", 0 }, { "message d’absence", 0 },
	{ "absence", 1 }, { "absent", 1 }, { "absente", 1 }, { "congés", 1 },
	/* es */
	{ "respuesta automática", 0 }, { "respuesta automatica", 0 },
	{ "fuera de la oficina", 0 }, { "fuera de oficina", 0 },
	{ "ausente", 1 }, { "ausencia", 1 }, { "de vacaciones", 1 },
	/* pt */
	{ "resposta automática", 0 }, { "resposta automatica", 0 },
	{ "fora do escritório", 0 }, { "fora do escritorio", 0 },
	{ "resposta de ausência", 0 }, { "ausência", 1 }, { "em férias", 1 },
	/* nl */
	{ "automatisch antwoord", 0 }, { "afwezigheidsbericht", 0 },
	{ "buiten kantoor", 0 }, { "niet aanwezig", 1 }, { "afwezig", 1 },
	/* de */
	{ "abwesenheitsnotiz", 0 }, { "automatische antwort", 0 },
	{ "abwesenheitsmeldung", 0 }, { "nicht im büro", 0 },
	{ "abwesend", 1 }, { "abwesenheit", 1 }, { "urlaub", 1 },
	/* it, as a courtesy */
	{ "risposta automatica", 0 }, { "fuori ufficio", 0 },
};

/* Phrases that mark a vacation subject wherever they are ("AUTO: Jane
 * Doe is out of the office" is caught above; "Jane Doe is out of the
 * office until Monday" here) */
static const char *const oof_anywhere[] = {
	"is out of the office", "is out of office", "am out of the office",
	"am out of office", "est absent du bureau", "est absente du bureau",
	"ist nicht im büro", "ist abwesend", "is afwezig", "está ausente",
	"esta ausente", "fuera de la oficina",
};

/* oof_subject - the phrase when subject is an out-of-office subject */
static const char *
oof_subject(const char *subject)
{
	char f[256];
	const char *s;

	if (subject == NULL || *subject == '\0')
		return NULL;
	fold_latin(subject, f, sizeof(f));
	s = f;
	/* "[Auto-Reply] x", "*** Out of office ***", "(Absence) x" */
	while (*s == ' ' || *s == '\t' || *s == '[' || *s == '*' || *s == '(')
		s++;
	for (size_t i = 0; i < sizeof(oof_subjects) / sizeof(oof_subjects[0]); i++) {
		const char *ph = oof_subjects[i].phrase;
		size_t n = strlen(ph);
		const char *t;

		if (strncmp(s, ph, n) != 0 || is_alnum_byte((unsigned char)s[n]))
			continue;
		if (!oof_subjects[i].strict)
			return ph;
		t = s + n;
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '\0' || strchr(":-([]|", *t) != NULL ||
		    strncmp(t, "\xe2\x80\x93", 3) == 0 /* en dash */ ||
		    strncmp(t, "\xef\xbc\x9a", 3) == 0 /* fullwidth colon */)
			return ph;
	}
	for (size_t i = 0; i < sizeof(oof_anywhere) / sizeof(oof_anywhere[0]); i++)
		if (strstr(f, oof_anywhere[i]) != NULL)
			return oof_anywhere[i];
	return NULL;
}

/* first_word - the first token of a header value ("auto-replied;
 * by=..." -> "auto-replied"), into out */
static void
first_word(const char *v, char *out, size_t outlen)
{
	size_t n = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	while (*v && *v != ';' && *v != ' ' && *v != '\t' && *v != '(' &&
	    n + 1 < outlen)
		out[n++] = *v++;
	out[n] = '\0';
}

/* Auto-responder headers: any value but no/false/0 counts */
static const char *const auto_headers[] = {
	"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply",
	"X-AutoReply-From", "X-Mail-Autoreply", "X-Autogenerated",
	"X-FC-MachineGenerated", "X-Vacation",
};

/* is_mdn - 1 when the top-level Content-Type names
 * report-type=disposition-notification (a read receipt) */
static int
is_mdn(const struct message *m)
{
	const char *ct = message_header(m, "Content-Type"), *p;
	char f[512];

	if (m->content_type == NULL ||
	    strcasecmp(m->content_type, "multipart/report") != 0)
		return 0;
	if (ct == NULL)
		return 0;
	fold_latin(ct, f, sizeof(f));
	p = strstr(f, "report-type");
	if (p == NULL)
		return 0;
	p += strlen("report-type");
	while (*p == ' ' || *p == '=' || *p == '"')
		p++;
	return strncmp(p, "disposition-notification", 24) == 0;
}

/* local_is - 1 when the local part of addr is one of the words */
static int
local_is(const char *addr, const char *const *words)
{
	const char *at;
	size_t n;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return 0;
	n = (size_t)(at - addr);
	for (; *words; words++)
		if (strlen(*words) == n && strncasecmp(addr, *words, n) == 0)
			return 1;
	return 0;
}

/* is_null_sender - Return-Path: <> (parsed as "", or the raw field) */
static int
is_null_sender(const struct message *m)
{
	const char *v;

	if (m->return_path != NULL)
		return m->return_path[0] == '\0';
	if ((v = message_header(m, "Return-Path")) == NULL)
		return 0;
	while (*v == ' ' || *v == '\t' || *v == '<')
		v++;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '>' || *v == '\0';
}

/* list_id_is_ours - the List-Id's <id> is ours (listaddr_list_id),
 * compared ignoring ASCII case */
static int
list_id_is_ours(const struct conf *c, const char *v)
{
	char *id = listaddr_list_id_of(c);
	const char *s, *e;
	int ours;

	if (id == NULL)
		return 0;
	if ((s = strrchr(v, '<')) != NULL && (e = strchr(s, '>')) != NULL) {
		s++;
	} else {
		s = v;
		e = s + strlen(s);
	}
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	ours = (size_t)(e - s) == strlen(id) && strncasecmp(s, id, strlen(id)) == 0;
	free(id);
	return ours;
}

/* sign - record a sign and its evidence */
static void
sign(struct autoreply_sign *g, const char *reason, const char *name,
    const char *value)
{
	g->reason = reason;
	g->name = name;
	g->value = value;
}

/* autoreply_signs - see autoreply.h */
void
autoreply_signs(const struct conf *c, const struct message *m, int to_bounces,
    struct autoreply_signs *g)
{
	static const char *const daemons[] = { "mailer-daemon", "mailer_daemon",
	    "mailerdaemon", "postmaster", NULL };
	static const char *const daemon_only[] = { "mailer-daemon",
	    "mailer_daemon", "mailerdaemon", NULL };
	char word[64], addr[LISTADDR_ADDR_MAX];
	const char *v, *p;
	size_t i;

	memset(g, 0, sizeof(*g));

	/* Loops */
	for (i = 0; !g->loop.reason &&
	    (v = message_header_next(m, "List-Id", &i)) != NULL; )
		if (list_id_is_ours(c, v))
			sign(&g->loop, "our own List-Id", "List-Id", v);
	for (i = 0; !g->loop.reason &&
	    (v = message_header_next(m, "X-Loop", &i)) != NULL; ) {
		for (p = v; listaddr_scan(&p, addr, sizeof(addr)); )
			if (listaddr_match(c, addr, NULL, NULL)) {
				sign(&g->loop, "X-Loop names the list", "X-Loop", v);
				break;
			}
	}
	if (!g->loop.reason && m->from.address &&
	    listaddr_match(c, m->from.address, NULL, NULL))
		sign(&g->loop, "From is the list's own address", "From",
		    m->from.address);

	/* Bounces */
	g->null_sender = is_null_sender(m);
	g->from_daemon = local_is(m->from.address, daemons);
	g->daemon_only = local_is(m->from.address, daemon_only);
	g->mdn = is_mdn(m);
	if (!g->mdn && ((m->content_type &&
	    strcasecmp(m->content_type, "multipart/report") == 0) ||
	    m->delivery_status != NULL))
		g->report = 1;
	if (!g->report && !g->mdn && (g->null_sender || g->from_daemon ||
	    to_bounces) && m->arena != NULL) {
		struct dsn_report br;

		if (dsn_parse(m, m->arena, &br) == 1)
			g->report = 1;
	}

	/* Strong auto-reply signs, the most telling first */
	if ((v = message_header(m, "Auto-Submitted")) != NULL) {
		first_word(v, word, sizeof(word));
		if (word[0] && strcasecmp(word, "no") != 0)
			sign(&g->strong, "Auto-Submitted", "Auto-Submitted", v);
	}
	for (size_t k = 0; !g->strong.reason &&
	    k < sizeof(auto_headers) / sizeof(auto_headers[0]); k++) {
		if ((v = message_header(m, auto_headers[k])) == NULL)
			continue;
		first_word(v, word, sizeof(word));
		if (strcasecmp(word, "no") == 0 || strcasecmp(word, "false") == 0 ||
		    strcmp(word, "0") == 0)
			continue;
		sign(&g->strong, "auto-responder header", auto_headers[k], v);
	}
	if (!g->strong.reason && oof_subject(m->subject) != NULL)
		sign(&g->strong, "out-of-office subject", "Subject", m->subject);
	if (!g->strong.reason && g->mdn)
		sign(&g->strong, "read receipt", "Content-Type",
		    message_header(m, "Content-Type"));
	g->auto_marked = g->strong.reason != NULL;
	if (!g->strong.reason && g->null_sender)
		sign(&g->strong, "null envelope sender", NULL, "Return-Path: <>");
	if (!g->strong.reason && g->daemon_only)
		sign(&g->strong, "from MAILER-DAEMON", "From", m->from.address);

	/* Weak ones.  X-Precedence is the same field written by some
	 * responders; "auto_reply" a value some of them use. */
	for (size_t k = 0; k < 2 && !g->weak.reason; k++) {
		const char *name = k == 0 ? "Precedence" : "X-Precedence";

		if ((v = message_header(m, name)) == NULL)
			continue;
		first_word(v, word, sizeof(word));
		if (strcasecmp(word, "bulk") == 0 || strcasecmp(word, "junk") == 0 ||
		    strcasecmp(word, "list") == 0 ||
		    strcasecmp(word, "auto_reply") == 0)
			sign(&g->weak, "Precedence", name, v);
	}
	if (!g->weak.reason &&
	    (v = message_header(m, "X-Auto-Response-Suppress")) != NULL) {
		first_word(v, word, sizeof(word));
		if (word[0])
			sign(&g->weak, "X-Auto-Response-Suppress",
			    "X-Auto-Response-Suppress", v);
	}
}
