/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rfc2047 - encoded words in header values, tolerant of real-world encoders */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "codec.h"
#include "header.h"
#include "rfc2047.h"

#define RFC2047_MAX_CHARSET 40
#define RFC2047_MAX_WORD 1024    /* RFC says 75; real encoders go longer, not this long */

struct eword {
	char charset[RFC2047_MAX_CHARSET + 1];
	int b;                 /* B (base64) rather than Q */
	const char *text;      /* encoded text */
	size_t text_len;
	size_t len;            /* whole word, "=?" to "?=" */
};

/* Where the last search for a word's end stopped, so that a line of many
 * "=?" that are no words is scanned once */
struct scan_cache {
	const char *close;     /* the next "?=" at or after the last text start */
	const char *blank;     /* the next blank likewise */
};

/* eword_parse - read an encoded word at p (which starts with "=?"); 1 found */
static int
eword_parse(const char *p, const char *end, struct eword *w, struct scan_cache *sc)
{
	const char *q = p + 2, *cs = q, *t;
	size_t n;

	while (q < end && *q != '?' && *q != ' ' && *q != '\t' && q - cs <= RFC2047_MAX_CHARSET)
		q++;
	if (q >= end || *q != '?' || q == cs || q - cs > RFC2047_MAX_CHARSET)
		return 0;
	n = (size_t)(q - cs);
	memcpy(w->charset, cs, n);
	w->charset[n] = '\0';
	/* RFC 2231 language suffix: "utf-8*en" */
	if (strchr(w->charset, '*'))
		*strchr(w->charset, '*') = '\0';
	q++;
	if (q + 1 >= end || q[1] != '?')
		return 0;
	if (*q == 'B' || *q == 'b')
		w->b = 1;
	else if (*q == 'Q' || *q == 'q')
		w->b = 0;
	else
		return 0;
	t = q + 2;
	/* the text ends at the first "?=", and must not hold a blank; the
	 * next of each is cached across calls (the calls move forward), so a
	 * header full of "=?" stays linear */
	if (sc->close < t) {
		sc->close = t;
		while (sc->close + 1 < end && !(sc->close[0] == '?' && sc->close[1] == '='))
			sc->close++;
	}
	if (sc->blank < t) {
		sc->blank = t;
		while (sc->blank < end && *sc->blank != ' ' && *sc->blank != '\t' &&
		    *sc->blank != '\r' && *sc->blank != '\n')
			sc->blank++;
	}
	q = sc->close;
	if (q + 1 >= end || sc->blank < q || q - t > RFC2047_MAX_WORD)
		return 0;
	w->text = t;
	w->text_len = (size_t)(q - t);
	w->len = (size_t)(q + 2 - p);
	return 1;
}

/* flush - convert the pending bytes of one charset into out */
static int
flush(struct charset_cache *cc, const char *charset, struct buf *pend,
    struct buf *out, char *badcs, size_t badcs_size)
{
	int r;

	if (pend->len == 0)
		return 0;
	r = charset_convert(cc, charset, pend->data, pend->len, out);
	if ((r & CHARSET_BAD) && badcs_size && badcs[0] == '\0')
		snprintf(badcs, badcs_size, "%s", charset);
	buf_reset(pend);
	return r;
}

/* literal - text outside encoded words, appended as clean UTF-8; raw 8-bit
 * bytes that are not UTF-8 give RFC2047_RAW8BIT rather than CHARSET_BAD */
static int
literal(const char *p, size_t n, struct buf *out)
{
	int c;

	if (n == 0)
		return 0;
	c = charset_clean(p, n, out);
	return (c & CHARSET_BAD ? RFC2047_RAW8BIT : 0) | (c & ~CHARSET_BAD);
}

/* rfc2047_decode - see rfc2047.h */
int
rfc2047_decode(struct charset_cache *cc, const char *in, size_t len,
    struct buf *out, char *badcs, size_t badcs_size)
{
	const char *p = in, *end = in + len, *lit = in;
	char pend_cs[RFC2047_MAX_CHARSET + 1] = "";
	struct buf pend;
	struct eword w;
	struct scan_cache sc = { in, in };
	int r = 0, prev_word = 0;

	if (badcs_size)
		badcs[0] = '\0';
	buf_init(&pend, len + 16);
	while (p + 1 < end) {
		const char *hit = memchr(p, '=', (size_t)(end - p - 1));

		if (hit == NULL)
			break;
		if (hit[1] != '?' || !eword_parse(hit, end, &w, &sc)) {
			p = hit + 1;
			continue;
		}
		/* literal text before the word, unless it is the blank
		 * between two encoded words */
		if (!(prev_word && header_blank(lit, (size_t)(hit - lit)))) {
			r |= flush(cc, pend_cs, &pend, out, badcs, badcs_size);
			r |= literal(lit, (size_t)(hit - lit), out);
		}
		if (strcasecmp(pend_cs, w.charset) != 0) {
			r |= flush(cc, pend_cs, &pend, out, badcs, badcs_size);
			snprintf(pend_cs, sizeof(pend_cs), "%s", w.charset);
		}
		if (w.b)
			codec_base64(w.text, w.text_len, &pend, NULL);
		else
			codec_qp(w.text, w.text_len, 1, &pend, NULL);
		p = lit = hit + w.len;
		prev_word = 1;
	}
	r |= flush(cc, pend_cs, &pend, out, badcs, badcs_size);
	r |= literal(lit, (size_t)(end - lit), out);
	buf_release(&pend);
	return r;
}
