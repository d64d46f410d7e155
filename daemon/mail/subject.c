/* SPDX-License-Identifier: GPL-3.0-or-later */
/* subject - reply and forward markers (see subject.h) */
#include "config.h"

#include <string.h>

#include "subject.h"
#include "utf8.h"

#define SUBJECT_FOLD_MAX 1024   /* bytes of a subject examined for markers */

/* The markers, folded; reply 1 for an answer, 0 for a forward. */
static const struct {
	const char *word;
	int reply;
} markers[] = {
	{ "re", 1 }, { "aw", 1 }, { "sv", 1 }, { "vs", 1 }, { "antw", 1 },
	{ "antwort", 1 }, { "réf", 1 }, { "ref", 1 }, { "rif", 1 }, { "res", 1 },
	{ "r", 1 }, { "odp", 1 }, { "ynt", 1 }, { "vá", 1 }, { "atb", 1 },
	{ "απ", 1 }, { "回复", 1 }, { "答复", 1 }, { "回覆", 1 }, { "返信", 1 },
	{ "fwd", 0 }, { "fw", 0 }, { "tr", 0 }, { "wg", 0 }, { "rv", 0 },
	{ "enc", 0 }, { "doorst", 0 }, { "vb", 0 }, { "vl", 0 }, { "pd", 0 },
	{ "trs", 0 }, { "πρθ", 0 }, { "转发", 0 }, { "轉寄", 0 }, { "転送", 0 },
};

/* is_space - white space as a subject may carry it */
static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\f' || ch == '\v';
}

/* subject_marker - see subject.h */
size_t
subject_marker(const char *f, int *reply)
{
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		size_t n = strlen(markers[i].word);
		const char *p = f + n;

		if (strncmp(f, markers[i].word, n) != 0)
			continue;
		if (*p == '.')
			p++;
		/* counters: Re[2]: Re(2): Re^2: Re*2: */
		if (*p == '[' || *p == '(') {
			const char *q = p + 1;
			char close = *p == '[' ? ']' : ')';

			while (*q >= '0' && *q <= '9')
				q++;
			if (q > p + 1 && *q == close)
				p = q + 1;
		} else if (*p == '^' || *p == '*') {
			const char *q = p + 1;

			while (*q >= '0' && *q <= '9')
				q++;
			if (q > p + 1)
				p = q;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ':')
			p++;
		else if (strncmp(p, "\xef\xbc\x9a", 3) == 0)   /* full-width colon */
			p += 3;
		else
			continue;
		while (is_space((unsigned char)*p))
			p++;
		if (reply)
			*reply = markers[i].reply;
		return (size_t)(p - f);
	}
	return 0;
}

/* subject_skip - see subject.h */
size_t
subject_skip(const char *subject,
    int (*other)(void *arg, const char *folded, size_t *len), void *arg,
    int *reply)
{
	char f[SUBJECT_FOLD_MAX];
	size_t off = 0, n;
	int r, first = 1;

	if (reply)
		*reply = 0;
	if (subject == NULL)
		return 0;
	utf8_fold(subject, strlen(subject), f, sizeof(f));
	for (;;) {
		while (is_space((unsigned char)f[off]))
			off++;
		if (f[off] == '\0')
			break;
		if ((n = subject_marker(f + off, &r)) != 0) {
			if (first && reply)
				*reply = r;
		} else if (other == NULL || !other(arg, f + off, &n)) {
			break;
		}
		first = 0;
		off += n;
	}
	return off;
}

/* subject_skip_reply - see subject.h */
const char *
subject_skip_reply(const char *subject)
{
	if (subject == NULL)
		return "";
	return subject + subject_skip(subject, NULL, NULL, NULL);
}

/* subject_is_reply - see subject.h */
int
subject_is_reply(const char *subject)
{
	int reply;

	subject_skip(subject, NULL, NULL, &reply);
	return reply;
}
