/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dsn_freeform - reading the addresses of free-form delivery reports
 * (see dsn_freeform.h) */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "arena.h"
#include "dsn_freeform.h"

/* Local parts that are the mail system's own, never a failed member. */
static const char *const admin_locals[] = {
	"postmaster", "mailer-daemon", "mailer_daemon", "mailerdaemon",
	"mail-daemon", "maildaemon", "hostmaster", "abuse", "double-bounce",
};

/* ---- small string helpers --------------------------------------------- */

/* dsnf_lc - ASCII lower-case of one byte */
int
dsnf_lc(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* dsnf_match_at - does phrase (lower-case; "'" also matches U+2019) match at p?
 * Returns the length matched, or 0. */
size_t
dsnf_match_at(const char *p, const char *end, const char *phrase)
{
	const char *q = p;

	for (const char *f = phrase; *f; f++) {
		if (q >= end)
			return 0;
		if (*f == ' ' && f != phrase) {
			/* one space in a phrase: any run of white space (line breaks too) */
			if (!isspace((unsigned char)*q))
				return 0;
			while (q < end && isspace((unsigned char)*q))
				q++;
			continue;
		}
		if (*f == '\'' && end - q >= 3 && memcmp(q, "\xe2\x80\x99", 3) == 0) {
			q += 3;
			continue;
		}
		if (dsnf_lc((unsigned char)*q) != (unsigned char)*f)
			return 0;
		q++;
	}
	return (size_t)(q - p);
}

/* dsnf_find_phrase - first occurrence of phrase in [p, end), or NULL */
const char *
dsnf_find_phrase(const char *p, const char *end, const char *phrase)
{
	int first = (unsigned char)phrase[0];

	for (; p < end; p++) {
		if (dsnf_lc((unsigned char)*p) != first)
			continue;
		if (dsnf_match_at(p, end, phrase))
			return p;
	}
	return NULL;
}

/* dsnf_contains - does s contain phrase (case-insensitive)? */
int
dsnf_contains(const char *s, const char *phrase)
{
	return s && dsnf_find_phrase(s, s + strlen(s), phrase) != NULL;
}

/* dsnf_contains_any - does s contain any phrase of list? */
int
dsnf_contains_any(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (dsnf_contains(s, list[i]))
			return 1;
	return 0;
}

/* dsnf_region_has_any - does [p, end) contain any phrase of list? */
int
dsnf_region_has_any(const char *p, const char *end, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (dsnf_find_phrase(p, end, list[i]))
			return 1;
	return 0;
}

/* ---- addresses ----------------------------------------------------------- */

/* dsnf_addrset_add - add the lower-cased address if new; 0, or -1 (arena full) */
int
dsnf_addrset_add(struct addrset *set, const char *addr, size_t len)
{
	char *copy;

	for (size_t i = 0; i < set->n; i++)
		if (strlen(set->v[i]) == len && strncasecmp(set->v[i], addr, len) == 0)
			return 0;
	if (set->n >= DSN_MAX_ADDRESSES)
		return 0;
	copy = arena_strndup(set->a, addr, len);
	if (copy == NULL)
		return -1;
	for (char *p = copy; *p; p++)
		*p = (char)dsnf_lc((unsigned char)*p);
	if (set->n == set->alloc) {
		size_t na = set->alloc ? set->alloc * 2 : 8;
		const char **nv = arena_alloc(set->a, na * sizeof(*nv));

		if (nv == NULL)
			return -1;
		if (set->n)
			memcpy(nv, set->v, set->n * sizeof(*nv));
		set->v = nv;
		set->alloc = na;
	}
	set->v[set->n++] = copy;
	return 0;
}

/* dsnf_addrset_has - is the address (len bytes) in the set already? */
int
dsnf_addrset_has(const struct addrset *set, const char *addr, size_t len)
{
	for (size_t i = 0; i < set->n; i++)
		if (strlen(set->v[i]) == len && strncasecmp(set->v[i], addr, len) == 0)
			return 1;
	return 0;
}

/* dsnf_admin_local - is the local part the mail system's own (postmaster@ ...)? */
int
dsnf_admin_local(const char *addr, size_t len)
{
	const char *at = memchr(addr, '@', len);
	size_t ll = at ? (size_t)(at - addr) : len;

	for (size_t i = 0; i < NELEM(admin_locals); i++)
		if (strlen(admin_locals[i]) == ll && strncasecmp(admin_locals[i], addr, ll) == 0)
			return 1;
	return 0;
}

/* Words that introduce an address to write to, not one that failed */
static const char *const contact_words[] = {
	"contact", "contact us at", "write to", "please write", "reach us at",
	"help:", "helpdesk:", "help desk:", "support:", "questions:", "assistance:",
	"administrator:", "webmaster:", "e-mail us at", "email us at",
};

/* X.400 / Exchange prefixes written before an address */
static const char *const addr_prefixes[] = {
	"dda:smtp=", "smtp=", "smtp:", "rfc-822=", "rfc822=", "rfc822;", "mailto:",
};

/* introduced_as_contact - do the words just before s (in [from, s)) ask
 * the reader to write to the address ("... contact helpdesk@")? */
static int
introduced_as_contact(const char *from, const char *s)
{
	const char *q = s;

	while (q > from && (isspace((unsigned char)q[-1]) || q[-1] == '<' ||
	    q[-1] == '"' || q[-1] == '\'' || q[-1] == '('))
		q--;
	for (size_t i = 0; i < NELEM(contact_words); i++) {
		size_t n = strlen(contact_words[i]);

		if ((size_t)(q - from) >= n &&
		    dsnf_match_at(q - n, q, contact_words[i]) == n &&
		    (q - n == from || !isalnum((unsigned char)q[-(ptrdiff_t)n - 1])))
			return 1;
	}
	return 0;
}

/* dsnf_own_add - learn the list from a bounce address */
void
dsnf_own_add(struct dsnf_own *own, const char *addr)
{
	const char *at, *b;

	if (addr == NULL || own->n >= DSN_MAX_OWN || (at = strrchr(addr, '@')) == NULL)
		return;
	for (b = addr + 1; b + 7 <= at; b++)
		if (strncasecmp(b, "bounces", 7) == 0 && !isalnum((unsigned char)b[-1]) &&
		    (b + 7 == at || !isalnum((unsigned char)b[7]))) {
			own->v[own->n].local = addr;
			own->v[own->n].llen = (size_t)(b - 1 - addr);
			own->v[own->n].sep = b[-1];
			own->v[own->n].domain = at + 1;
			own->v[own->n].dlen = strlen(at + 1);
			if (own->v[own->n].llen > 0)
				own->n++;
			return;
		}
}

/* dsnf_is_own - is the address the list's own? */
int
dsnf_is_own(const struct dsnf_own *own, const char *addr, size_t len)
{
	const char *at = memchr(addr, '@', len);

	if (own == NULL || at == NULL)
		return 0;
	for (size_t i = 0; i < own->n; i++) {
		size_t ll = (size_t)(at - addr), dl = len - ll - 1;

		if (dl != own->v[i].dlen || strncasecmp(at + 1, own->v[i].domain, dl) != 0 ||
		    ll < own->v[i].llen || strncasecmp(addr, own->v[i].local, own->v[i].llen) != 0)
			continue;
		if (ll == own->v[i].llen || addr[own->v[i].llen] == own->v[i].sep)
			return 1;
	}
	return 0;
}

/* dsnf_collect_addresses - every address in [p, end) the filter lets by,
 * skipping lines that name a message id */
int
dsnf_collect_addresses(struct addrset *set, const struct dsnf_filter *f,
    const char *p, const char *end)
{
	const char *start = p;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q, *s;
		size_t len;

		if (eol == NULL)
			eol = end;
		if (dsnf_find_phrase(p, eol, "message-id") || dsnf_find_phrase(p, eol, "message id") ||
		    dsnf_find_phrase(p, eol, "msgid") || dsnf_find_phrase(p, eol, "identifier") ||
		    dsnf_find_phrase(p, eol, "in-reply-to") || dsnf_find_phrase(p, eol, "references:")) {
			p = eol + (eol < end);
			continue;
		}
		q = p;
		while (q < eol && (q = addr_find(q, eol, &s, &len)) != NULL) {
			for (size_t i = 0; i < NELEM(addr_prefixes); i++) {
				size_t n = strlen(addr_prefixes[i]);

				if (len > n && dsnf_match_at(s, s + len, addr_prefixes[i]) == n) {
					s += n;
					len -= n;
					break;
				}
			}
			if (memchr(s, '@', len) == s)
				continue;
			if (dsnf_admin_local(s, len) ||
			    (f && f->excl && dsnf_addrset_has(f->excl, s, len)) ||
			    (f && dsnf_is_own(f->own, s, len)) ||
			    introduced_as_contact(start, s))
				continue;
			if (dsnf_addrset_add(set, s, len) < 0)
				return -1;
		}
		p = eol + (eol < end);
	}
	return 0;
}

/* dsnf_one_line - a copy of [p, p+n) with control characters as spaces, runs of
 * white space collapsed and trimmed, at most 300 bytes (arena); NULL when
 * nothing is left */
const char *
dsnf_one_line(struct arena *a, const char *p, size_t n)
{
	char *d = arena_alloc(a, (n > 300 ? 300 : n) + 1);
	size_t k = 0;
	int space = 1;

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n && k < 300; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		if (ch == ' ' && space)
			continue;
		space = ch == ' ';
		d[k++] = (char)ch;
	}
	while (k > 0 && d[k - 1] == ' ')
		k--;
	/* never end inside a UTF-8 sequence */
	if (k > 0 && ((unsigned char)d[k - 1] & 0x80)) {
		size_t j = k;

		while (j > 0 && ((unsigned char)d[j - 1] & 0xc0) == 0x80)
			j--;
		if (j > 0) {
			size_t need = ((unsigned char)d[j - 1] >= 0xf0) ? 4 :
			    ((unsigned char)d[j - 1] >= 0xe0) ? 3 : 2;

			if (k - (j - 1) < need)
				k = j - 1;
		}
	}
	d[k] = '\0';
	return k ? d : NULL;
}

