/* SPDX-License-Identifier: GPL-3.0-or-later */
/* question - does a post ask something? (see question.h)
 *
 * Only the first paragraph counts, after a salutation ("Hi all,", "Chers
 * collègues,"): a question asked there is what the post is about, one
 * further down is usually rhetorical or an aside.  A paragraph asks when a
 * sentence in it ends with '?' (or the full-width or Arabic mark), when it
 * holds a Spanish "¿...?", or when its first sentence opens with a
 * question word of English, French, Spanish or Portuguese and does not end
 * as a statement ("Does anyone know a good donor list").
 */
#include "config.h"

#include <string.h>

#include "question.h"
#include "utf8.h"

/* is_space - white space as text carries it */
static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\f' || ch == '\v';
}

/* is_letter - an ASCII letter or digit, or a byte of a non-ASCII character */
static int
is_letter(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch >= 0x80;
}

/* Words that open a question (folded, a word boundary after them) */
static const char *const question_words[] = {
	/* en */
	"what", "why", "how", "who", "whom", "whose", "where", "when", "which",
	"is there", "are there", "is it", "is anyone", "is anybody", "are we",
	"are you", "do you", "do we", "do any", "does anyone", "does anybody",
	"did anyone", "has anyone", "has anybody", "have you", "have we",
	"have any", "can anyone", "can anybody", "can someone", "can we",
	"can you", "could anyone", "could someone", "could you", "could we",
	"would anyone", "would you", "should we", "shall we", "anyone",
	"any ideas", "any thoughts", "any suggestions", "any advice",
	/* fr */
	"qui", "que", "quoi", "quel", "quelle", "quels", "quelles", "comment",
	"pourquoi", "où", "quand", "combien", "est-ce que", "est-ce qu'",
	"est-ce qu’", "lequel", "laquelle", "y a-t-il", "avez-vous",
	"connaissez-vous", "savez-vous", "pouvez-vous", "quelqu'un",
	"quelqu’un",
	/* es */
	"qué", "cómo", "por qué", "cuál", "cuáles", "quién", "quiénes",
	"dónde", "cuándo", "cuánto", "cuánta", "cuántos", "cuántas",
	"alguien", "hay alguien", "sabe alguien", "alguna idea",
	/* pt */
	"como", "porque", "quem", "onde", "quando", "quanto", "alguém",
};

/* greeting_line - 1 when line[0..n) is a short salutation ("Hi all,",
 * "Dear colleagues:", "Bonjour à tous !", "Hola a todos,") */
static int
greeting_line(const char *line, size_t n)
{
	static const char *const hello[] = { "hi", "hello", "hey", "dear",
	    "good morning", "good afternoon", "greetings", "bonjour", "salut",
	    "cher", "chère", "chers", "chères", "hola", "estimad", "querid",
	    "buenos", "buenas", "olá", "ola", "caros", "caras", "prezad",
	    "hallo", "liebe", "beste", "geachte", "dear all" };
	char f[128];

	while (n > 0 && is_space((unsigned char)line[n - 1]))
		n--;
	if (n == 0 || n > 60 || memchr(line, '?', n))
		return 0;
	if (strchr(",:!", line[n - 1]))
		return 1;
	utf8_fold(line, n, f, sizeof(f));
	for (size_t i = 0; i < sizeof(hello) / sizeof(hello[0]); i++)
		if (strncmp(f, hello[i], strlen(hello[i])) == 0)
			return 1;
	return 0;
}

/* next_paragraph - from *pp, the next paragraph (lines up to a blank line)
 * as [*s, *e); 0 when none is left */
static int
next_paragraph(const char **pp, const char **s, const char **e)
{
	const char *p = *pp, *line, *nl;

	/* skip blank lines */
	for (;;) {
		line = p;
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\n') {
			p++;
			continue;
		}
		if (*p == '\0')
			return 0;
		p = line;
		break;
	}
	*s = p;
	for (;;) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			p += strlen(p);
			break;
		}
		p = nl + 1;
		line = p;
		while (*line == ' ' || *line == '\t' || *line == '\r')
			line++;
		if (*line == '\n' || *line == '\0')
			break;
	}
	*e = p;
	*pp = p;
	return 1;
}

/* ends_sentence - p points at '?', '.' or '!' (qlen bytes) that ends a sentence
 * (not the '?' inside a URL) */
static int
ends_sentence(const char *p, const char *e, size_t qlen)
{
	const char *q = p + qlen;

	return q >= e || is_space((unsigned char)*q) ||
	    (*q && strchr(")\"'.!?,;:", *q) != NULL) ||
	    (unsigned char)*q == 0xc2 /* » */ ||
	    (unsigned char)*q == 0xe2 /* ” ’ … */;
}

/* question_in - 1 when the paragraph [s, e) asks something; *why gets a
 * short reason */
static int
question_in(const char *s, const char *e, const char **why)
{
	const char *p, *first_end = NULL;
	char f[160];
	size_t n;

	for (p = s; p < e; p++) {
		if (p[0] == '?' && ends_sentence(p, e, 1)) {
			*why = "a sentence ends with '?'";
			return 1;
		}
		/* Spanish "¿...?": the closing mark may be missing or
		 * followed by anything ("¿Cómo?¡Ya!"), but not absent
		 * altogether (a stray 0xC2 0xBF in garbage) */
		if ((unsigned char)p[0] == 0xc2 && p + 1 < e &&
		    (unsigned char)p[1] == 0xbf &&
		    memchr(p + 2, '?', (size_t)(e - p - 2)) != NULL) {
			*why = "a question between '\xc2\xbf' and '?'";
			return 1;
		}
		/* fullwidth and Arabic question marks */
		if ((e - p >= 3 && memcmp(p, "\xef\xbc\x9f", 3) == 0) ||
		    (e - p >= 2 && memcmp(p, "\xd8\x9f", 2) == 0)) {
			*why = "a sentence ends with a question mark";
			return 1;
		}
		if (first_end == NULL && (*p == '.' || *p == '!') &&
		    ends_sentence(p, e, 1))
			first_end = p;
	}
	/* No '?': a first sentence that opens with a question word and does
	 * not end as a statement ("Does anyone know a good donor list") */
	while (s < e && is_space((unsigned char)*s))
		s++;
	n = (size_t)(e - s) < sizeof(f) - 1 ? (size_t)(e - s) : sizeof(f) - 1;
	utf8_fold(s, n, f, sizeof(f));
	if (first_end != NULL) {
		/* the first sentence ends in '.' or '!': a statement */
		return 0;
	}
	for (size_t i = 0; i < sizeof(question_words) / sizeof(question_words[0]); i++) {
		size_t wl = strlen(question_words[i]);
		unsigned char last = (unsigned char)question_words[i][wl - 1];

		if (strncmp(f, question_words[i], wl) == 0 &&
		    (!is_letter((unsigned char)f[wl]) || !is_letter(last))) {
			*why = "it opens with a question word";
			return 1;
		}
	}
	return 0;
}

/* question_asked - see question.h */
int
question_asked(const char *text, const char **why)
{
	const char *p = text, *s, *e, *nl, *unused;
	int skipped = 0;

	if (why == NULL)
		why = &unused;
	if (text == NULL)
		return 0;
	while (next_paragraph(&p, &s, &e)) {
		/* a paragraph that is only a salutation: look at the next */
		nl = memchr(s, '\n', (size_t)(e - s));
		if (skipped < 2 && (nl == NULL || nl + 1 >= e) &&
		    greeting_line(s, (size_t)((nl ? nl : e) - s))) {
			skipped++;
			continue;
		}
		/* "Hi all,\nHow do we ...": drop a salutation line */
		if (nl && greeting_line(s, (size_t)(nl - s)))
			s = nl + 1;
		if (e - s > 2000)
			e = s + 2000;
		return question_in(s, e, why);
	}
	return 0;
}
