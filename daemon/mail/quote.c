/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quote - quoted replies, forwards and signatures, line by line, one pass
 *
 * Each line is looked at once (plus a look at the line or two after it for
 * two-line attributions and Outlook header blocks), in a normalised form:
 * blanks collapsed, no-break spaces made spaces, ASCII lower-cased, so that
 * "Le 17 nov. 2020 à 10:00, Jane <j@x> a écrit :" with a no-break space
 * before the colon matches like its plain spelling.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"
#include "xalloc.h"

#define NORM_MAX 400     /* attributions and markers are shorter than this */

struct line {
	size_t start, end;   /* [start, end) without the '\n' */
	size_t next;         /* start of the following line */
};

/* norm - the line in normal form into out (NORM_MAX); its length */
static size_t
norm(const char *p, size_t n, char *out)
{
	size_t i, k = 0;
	int sp = 1;

	for (i = 0; i < n && k < NORM_MAX - 1; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] == 0xa0) {
			i++;
			ch = ' ';
		}
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			if (!sp)
				out[k++] = ' ';
			sp = 1;
			continue;
		}
		sp = 0;
		out[k++] = (char)tolower(ch);
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	return k;
}

/* starts - s begins with pre */
static int
starts(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

/* ends - s[0..n) ends with suf */
static int
ends(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);

	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* is_blank - the line l of t holds only white space */
static int
is_blank(const char *t, const struct line *l)
{
	size_t i;

	for (i = l->start; i < l->end; i++)
		if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r')
			return 0;
	return 1;
}

/* is_quoted - a ">" line (up to three blanks before the mark) */
static int
is_quoted(const char *t, const struct line *l)
{
	size_t i = l->start;

	while (i < l->end && i - l->start < 3 && t[i] == ' ')
		i++;
	return i < l->end && t[i] == '>';
}

/* Attribution openers and the endings that close them, per language */
static const struct {
	const char *open;     /* "" when any start will do */
	const char *close;
	const char *inside;   /* must also contain, or NULL */
} attributions[] = {
	{ "on ", "wrote:", NULL },
	{ "", "wrote:", "@" },
	{ "le ", "a écrit :", NULL },
	{ "le ", "a écrit:", NULL },
	{ "el ", "escribió:", NULL },
	{ "em ", "escreveu:", NULL },
	{ "am ", ":", "schrieb" },
	{ "op ", ":", "schreef" },
	{ "op ", "geschreven:", NULL },
	{ "il ", "ha scritto:", NULL },
	{ "", "aliandika:", NULL },
};

/* attribution_match - the normal-form string is an attribution */
static int
attribution_match(const char *s, size_t n)
{
	size_t i;

	if (n < 6 || n >= NORM_MAX - 1)
		return 0;
	for (i = 0; i < sizeof(attributions) / sizeof(attributions[0]); i++) {
		if (!starts(s, attributions[i].open) || !ends(s, n, attributions[i].close))
			continue;
		if (attributions[i].inside && !strstr(s, attributions[i].inside))
			continue;
		return 1;
	}
	return 0;
}

/* last_char - the last byte of the line that is not blank (0 if none);
 * a trailing no-break space counts as blank */
static int
last_char(const char *t, const struct line *l)
{
	size_t e = l->end;

	while (e > l->start) {
		unsigned char ch = (unsigned char)t[e - 1];

		if (ch == ' ' || ch == '\t' || ch == '\r') {
			e--;
		} else if (ch == 0xa0 && e - 1 > l->start && (unsigned char)t[e - 2] == 0xc2) {
			e -= 2;
		} else {
			return ch;
		}
	}
	return 0;
}

/* first_char - the first byte of the line that is not blank (0 if none) */
static int
first_char(const char *t, const struct line *l)
{
	size_t i;

	for (i = l->start; i < l->end; i++)
		if (t[i] != ' ' && t[i] != '\t')
			return (unsigned char)t[i];
	return 0;
}

/* attribution - 1 or 2 (lines) when line i starts an attribution, else 0 */
static int
attribution(const char *t, const struct line *L, size_t nl, size_t i)
{
	char a[NORM_MAX], b[NORM_MAX * 2 + 2];
	size_t na, nb;
	int colon_here = last_char(t, &L[i]) == ':';

	/* cheap filter: an attribution ends with a colon, on this line or,
	 * wrapped, on the next */
	if (!colon_here && !(i + 1 < nl && last_char(t, &L[i + 1]) == ':' &&
	    strchr("oOlLeEaAiI", t[L[i].start])))
		return 0;
	na = norm(t + L[i].start, L[i].end - L[i].start, a);
	if (na == 0)
		return 0;
	if (attribution_match(a, na))
		return 1;
	if (i + 1 >= nl || is_quoted(t, &L[i + 1]) || is_blank(t, &L[i + 1]))
		return 0;
	/* wrapped over two lines: "On Tue, ... Jane Doe <jane@x>" + "wrote:" */
	if (!(starts(a, "on ") || starts(a, "le ") || starts(a, "el ") || starts(a, "em ") ||
	    starts(a, "am ") || starts(a, "op ") || starts(a, "il ")))
		return 0;
	memcpy(b, a, na);
	b[na] = ' ';
	nb = na + 1 + norm(t + L[i + 1].start, L[i + 1].end - L[i + 1].start, b + na + 1);
	b[nb] = '\0';
	return nb < NORM_MAX - 1 && attribution_match(b, nb) ? 2 : 0;
}

/* header_label - the normal-form line starts with one of the labels */
static int
header_label(const char *s, const char *const *labels)
{
	size_t i;

	for (i = 0; labels[i]; i++)
		if (starts(s, labels[i]))
			return 1;
	return 0;
}

static const char *const from_labels[] = {
	"from:", "de :", "de:", "von:", "van:", "da:", "kutoka:", "*from:*", NULL,
};
static const char *const sent_labels[] = {
	"sent:", "date:", "envoyé :", "envoyé:", "enviado:", "enviado el:",
	"gesendet:", "datum:", "verzonden:", "fecha:", "data:", "to:", "à :",
	"*sent:*", "imetumwa:", NULL,
};

/* to_end_marker - line i starts material that runs to the end: Outlook's
 * original-message header, a forwarded message */
static int
to_end_marker(const char *t, const struct line *L, size_t nl, size_t i)
{
	static const char *const dashed[] = {
		"original message", "message d'origine", "mensaje original",
		"ursprüngliche nachricht", "mensagem original", "oorspronkelijk bericht",
		"messaggio originale", "forwarded message", "message transféré",
		"mensaje reenviado", "weitergeleitete nachricht", "mensagem encaminhada",
		"doorgestuurd bericht", "messaggio inoltrato", "ujumbe uliotumwa", NULL,
	};
	static const char *const begin[] = {
		"begin forwarded message:", "début du message réexpédié :",
		"début du message réexpédié:", "inicio del mensaje reenviado:",
		"anfang der weitergeleiteten nachricht:", "início da mensagem reencaminhada:",
		"begin doorgestuurd bericht:", "inizio messaggio inoltrato:", NULL,
	};
	char s[NORM_MAX], s2[NORM_MAX];
	size_t n, k, j, seen;
	int f = first_char(t, &L[i]);

	/* cheap filter: markers start with a dash or underscore, or carry a
	 * colon ("Begin forwarded message:", "From: ...") */
	if (f != '-' && f != '_' && f != 0xe2 && f != '*' &&
	    !memchr(t + L[i].start, ':', L[i].end - L[i].start))
		return 0;
	n = norm(t + L[i].start, L[i].end - L[i].start, s);
	if (n == 0)
		return 0;
	if (starts(s, "--") || starts(s, "—")) {
		for (k = 0; dashed[k]; k++)
			if (strstr(s, dashed[k]))
				return 1;
	}
	for (k = 0; begin[k]; k++)
		if (strcmp(s, begin[k]) == 0)
			return 1;
	/* "________________________________" then "From: ..." */
	if (n >= 10 && strspn(s, "_") == n) {
		for (j = i + 1, seen = 0; j < nl && seen < 2; j++) {
			if (is_blank(t, &L[j]))
				continue;
			seen++;
			norm(t + L[j].start, L[j].end - L[j].start, s2);
			if (header_label(s2, from_labels))
				return 1;
		}
		return 0;
	}
	/* a bare "From: ..." followed by "Sent: ..." or "Date: ..." */
	if (header_label(s, from_labels) && i + 1 < nl) {
		for (j = i + 1, seen = 0; j < nl && seen < 2; j++) {
			if (is_blank(t, &L[j]))
				break;
			seen++;
			norm(t + L[j].start, L[j].end - L[j].start, s2);
			if (header_label(s2, sent_labels))
				return 1;
		}
	}
	return 0;
}

/* sig_marker - "-- " or "--" alone */
static int
sig_marker(const char *t, const struct line *l)
{
	size_t n = l->end - l->start;
	const char *p = t + l->start;

	if (n && p[n - 1] == '\r')
		n--;
	return (n == 2 && memcmp(p, "--", 2) == 0) || (n == 3 && memcmp(p, "-- ", 3) == 0);
}

/* mobile - "Sent from my iPhone" and its kin (short lines only) */
static int
mobile(const char *t, const struct line *l)
{
	static const char *const pre[] = {
		"sent from my ", "sent from mail for ", "sent from outlook", "sent from yahoo",
		"sent from samsung", "sent from the ", "sent via ", "sent with ",
		"sent from proton", "get outlook for ", "envoyé de mon ", "envoyé depuis ",
		"envoyé à partir de ", "obtenir outlook pour ", "enviado desde mi ",
		"enviado desde ", "enviado do meu ", "enviado de meu ", "von meinem ",
		"gesendet von ", "verzonden vanaf mijn ", "verstuurd vanaf mijn ",
		"inviato da ", "imetumwa kutoka ", NULL,
	};
	char s[NORM_MAX];
	size_t n, i;

	if (l->end - l->start > 120 || !strchr("sSeEgGoOvVi", first_char(t, l)) ||
	    first_char(t, l) == 0)
		return 0;
	n = norm(t + l->start, l->end - l->start, s);
	if (n == 0 || n > 100)
		return 0;
	for (i = 0; pre[i]; i++)
		if (starts(s, pre[i]))
			return 1;
	return 0;
}

/* add_span - append a span, merging with the previous one when adjacent
 * and of the same kind */
static size_t
add_span(struct quote_span *spans, size_t ns, size_t max, size_t start, size_t end, int what)
{
	if (start >= end)
		return ns;
	if (ns && spans[ns - 1].end == start && (int)spans[ns - 1].what == what) {
		spans[ns - 1].end = end;
		return ns;
	}
	if (ns >= max)
		return ns;
	spans[ns].start = start;
	spans[ns].end = end;
	spans[ns].what = what;
	return ns + 1;
}

/* quote_run_end - the line after a ">" run starting at i (blank lines
 * inside the run belong to it, trailing ones do not) */
static size_t
quote_run_end(const char *t, const struct line *L, size_t nl, size_t i)
{
	size_t j = i, last = i;

	while (j < nl) {
		if (is_quoted(t, &L[j]))
			last = j;
		else if (!is_blank(t, &L[j]))
			break;
		j++;
	}
	return last + 1;
}

/* quote_scan - see quote.h */
size_t
quote_scan(const char *text, size_t len, struct quote_span *spans, size_t max)
{
	struct line *L;
	size_t nl = 0, alloc = 64, i, p = 0, ns = 0;

	if (len == 0 || max == 0)
		return 0;
	L = xreallocarray(NULL, alloc, sizeof(*L));
	while (p < len) {
		const char *e = memchr(text + p, '\n', len - p);
		size_t end = e ? (size_t)(e - text) : len;

		if (nl == alloc) {
			alloc *= 2;
			L = xreallocarray(L, alloc, sizeof(*L));
		}
		L[nl].start = p;
		L[nl].end = end;
		L[nl].next = e ? end + 1 : len;
		nl++;
		p = L[nl - 1].next;
	}

	for (i = 0; i < nl; ) {
		int a;

		if (is_quoted(text, &L[i])) {
			size_t j = quote_run_end(text, L, nl, i);

			ns = add_span(spans, ns, max, L[i].start, L[j - 1].next, SPAN_QUOTE);
			i = j;
			continue;
		}
		if (is_blank(text, &L[i])) {
			i++;
			continue;
		}
		if ((a = attribution(text, L, nl, i)) > 0) {
			size_t k = i + (size_t)a;

			while (k < nl && is_blank(text, &L[k]))
				k++;
			if (k < nl && is_quoted(text, &L[k])) {
				size_t j = quote_run_end(text, L, nl, k);

				ns = add_span(spans, ns, max, L[i].start, L[j - 1].next, SPAN_QUOTE);
				i = j;
				continue;
			}
			/* nothing marked as quoted after it: the rest is the
			 * quoted message (top-posting without ">") */
			ns = add_span(spans, ns, max, L[i].start, len, SPAN_QUOTE);
			break;
		}
		if (to_end_marker(text, L, nl, i)) {
			ns = add_span(spans, ns, max, L[i].start, len, SPAN_QUOTE);
			break;
		}
		if (sig_marker(text, &L[i]) || mobile(text, &L[i])) {
			size_t j, k;
			int is_mobile = !sig_marker(text, &L[i]);

			/* a mobile line is a signature only at the end of what the
			 * author wrote: nothing but blanks until a quote or the end */
			if (is_mobile) {
				for (k = i + 1; k < nl && is_blank(text, &L[k]); k++)
					;
				if (k < nl && !is_quoted(text, &L[k]) && !attribution(text, L, nl, k) &&
				    !to_end_marker(text, L, nl, k)) {
					i++;
					continue;
				}
			}
			for (j = i + 1; j < nl; j++)
				if (is_quoted(text, &L[j]) || attribution(text, L, nl, j) ||
				    to_end_marker(text, L, nl, j))
					break;
			ns = add_span(spans, ns, max, L[i].start, j < nl ? L[j].start : len,
			    SPAN_SIGNATURE);
			i = j;
			continue;
		}
		i++;
	}
	free(L);
	return ns;
}
