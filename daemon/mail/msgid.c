/* SPDX-License-Identifier: GPL-3.0-or-later */
/* msgid - Message-ID, In-Reply-To and References (see msgid.h) */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "header.h"
#include "mailparse.h"
#include "msgid.h"
#include "xalloc.h"

/*
 * How ids are told from the rest of a field.  Real In-Reply-To fields
 * are phrases as often as ids (forms seen from MH, exmh, Gnus, Elm, mutt
 * and digest readers):
 *
 *   <id@host> (Amina's message of "Fri, 1 Mar 2002")
 *   Your message of "Tue, 05 Mar 2002 10:00:00 +0100." <id@host>
 *   Message from Jean Dupont <jean@example.org> of "Tue, 05 Mar" <id@host>
 *   jean@example.org's message of Tue, 5 Mar 2002 10:00:00 +0100
 *   <id@host>; from jean@example.org on Tue, Mar 05, 2002 at 10:00AM
 *
 * Only bracketed tokens are ids, except in a field that is nothing but
 * bare ids ("a@x, b@x": old clients wrote References so); comments and
 * quoted strings are skipped whole; a bracketed token that a phrase
 * introduces as a person ("from NAME <addr>", "de NAME <addr>",
 * "<addr>'s message") is an address, not an id.  A name is words that do
 * not open with a small letter and hold no digit ("Jean Dupont", a quoted
 * string), so the "de" of a date ("5 de marzo <id>") introduces no one.
 */

enum tok_kind { TOK_ID, TOK_WORD };

struct tok {
	enum tok_kind kind;
	const char *p;
	size_t n;
	int at;          /* holds an '@' */
	int person;      /* TOK_ID introduced as a person's address */
};

/* word_is_from - the word w[0..n) is one of the words that introduce a
 * person in a reply phrase, in the languages mail clients wrote them */
static int
word_is_from(const char *w, size_t n)
{
	static const char *const from[] = { "from", "de", "von", "van", "da", "di", "par", "by" };

	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++)
		if (strlen(from[i]) == n && strncasecmp(w, from[i], n) == 0)
			return 1;
	return 0;
}

/* name_like - 1 when the word w[0..n) can be part of a person's name as
 * a phrase writes it: no digit, not opening with a small ASCII letter */
static int
name_like(const char *w, size_t n)
{
	if (n == 0 || (*w >= 'a' && *w <= 'z'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (w[i] >= '0' && w[i] <= '9')
			return 0;
	return 1;
}

/* skip_nested - past the comment or quoted string at *p (p < end) */
static const char *
skip_nested(const char *p, const char *end)
{
	if (*p == '"') {
		for (p++; p < end && *p != '"'; p++)
			if (*p == '\\' && p + 1 < end)
				p++;
		return p < end ? p + 1 : end;
	}
	for (int depth = 0; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return end;
}

/* tokenize - the ids and words of p[0..end) into *tv (owned), counted */
static size_t
tokenize(const char *p, const char *end, struct tok **tv)
{
	struct tok *v = NULL;
	size_t n = 0, alloc = 0;
	int after_from = 0;   /* a person-introducing word came since the last id */

	while (p < end) {
		struct tok t = { 0 };

		if (*p == '(' || *p == '"') {
			p = skip_nested(p, end);
			continue;
		}
		if (header_wsp((unsigned char)*p) || *p == ',' || *p == ';') {
			p++;
			continue;
		}
		if (*p == '<') {
			t.kind = TOK_ID;
			t.p = ++p;
			while (p < end && *p != '>' && *p != '<')
				p++;
			t.n = (size_t)(p - t.p);
			if (p < end && *p == '>')
				p++;
			t.person = after_from || (p + 1 < end && *p == '\'' &&
			    (p[1] == 's' || p[1] == 'S'));
			after_from = 0;
		} else {
			t.kind = TOK_WORD;
			t.p = p;
			while (p < end && !header_wsp((unsigned char)*p) && *p != ',' &&
			    *p != ';' && *p != '<' && *p != '(' && *p != '"')
				p++;
			t.n = (size_t)(p - t.p);
			if (word_is_from(t.p, t.n))
				after_from = 1;
			else if (after_from && !name_like(t.p, t.n))
				after_from = 0;   /* "5 de marzo": a date, not a name */
		}
		t.at = memchr(t.p, '@', t.n) != NULL;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		v[n++] = t;
	}
	*tv = v;
	return n;
}

/* bare_id_field - 1 when every token is a bare word that can be an id
 * (holds an '@', no quote or apostrophe): the "a@x, b@x" form */
static int
bare_id_field(const struct tok *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind != TOK_WORD || !v[i].at || v[i].n < 3)
			return 0;
		if (memchr(v[i].p, '\'', v[i].n) || memchr(v[i].p, '"', v[i].n))
			return 0;
	}
	return n > 0;
}

/* msgid_parse - see msgid.h */
size_t
msgid_parse(struct mailparse *mp, const struct header_span *sp, const char ***outp)
{
	const char **all = NULL;
	size_t n = 0, alloc = 0, i, ntok;
	struct tok *tv;
	struct buf id;
	int bare;

	*outp = NULL;
	if (sp->p == NULL)
		return 0;
	header_unfold(mp, sp->p, sp->n, &mp->tmp1);
	ntok = tokenize(mp->tmp1.data, mp->tmp1.data + mp->tmp1.len, &tv);
	bare = bare_id_field(tv, ntok);
	buf_init(&id, MSGID_MAX);
	for (size_t k = 0; k < ntok; k++) {
		const struct tok *t = &tv[k];

		if (t->kind == TOK_WORD ? !bare : t->person)
			continue;
		buf_reset(&id);
		for (i = 0; i < t->n; i++)
			if (!header_wsp((unsigned char)t->p[i]) &&
			    buf_append(&id, t->p + i, 1) < 0)
				break;
		if (id.len == 0 || buf_failed(&id))
			continue;
		for (i = 0; i < n; i++)
			if (strlen(all[i]) == id.len && memcmp(all[i], id.data, id.len) == 0)
				break;
		if (i < n)
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			all = xreallocarray(all, alloc, sizeof(*all));
		}
		all[n++] = mailparse_strndup(mp, id.data, id.len);
		/* keep the list bounded: drop the second one when full (the
		 * first is the thread root, the last ones the parents) */
		if (n > MSGID_MAX_IDS) {
			memmove(all + 1, all + 2, (n - 2) * sizeof(*all));
			n--;
		}
	}
	buf_release(&id);
	free(tv);
	if (n) {
		*outp = mailparse_memdup(mp, all, n, sizeof(*all));
		if (*outp == NULL)
			n = 0;
	}
	free(all);
	return n;
}

/* msgid_parent - see msgid.h */
const char *
msgid_parent(const char *const *irt, size_t nirt, const char *const *refs, size_t nrefs)
{
	if (nirt == 0)
		return NULL;
	for (size_t i = nirt; i-- > 0;)
		for (size_t k = nrefs; k-- > 0;)
			if (strcmp(irt[i], refs[k]) == 0)
				return irt[i];
	return irt[0];
}
