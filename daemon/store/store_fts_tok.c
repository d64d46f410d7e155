/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_fts_tok - the search index's tokenizer "baraza" (see store.h)
 *
 * FTS5's unicode61 tokenizer splits words at spaces and punctuation, so a
 * text in a script written without spaces - Chinese, Japanese, Thai, Lao,
 * Khmer, Myanmar; Korean glues particles to its words - becomes one long
 * token per sentence, and a word inside it is never found ("资金" in
 * "决定资金的用途", issue 20).  This tokenizer runs unicode61 (with the
 * arguments it is given) and cuts each token that holds a character of
 * those scripts into one token per such character.  Queries are cut the
 * same way, and the search wraps each word in a phrase, so a word of those
 * scripts matches wherever its characters stand next to each other: any
 * length, one character included (a trigram index needs three), and no
 * second index.  Other scripts' tokens come out as unicode61 makes them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"

/* unspaced - a code point of a script written without spaces between
 * words (or with syllables worth finding inside a word) */
static int
unspaced(unsigned c)
{
	return (c >= 0x0e00 && c <= 0x0eff) ||  /* Thai, Lao */
	    (c >= 0x1000 && c <= 0x109f) ||     /* Myanmar */
	    (c >= 0x1780 && c <= 0x17ff) ||     /* Khmer */
	    (c >= 0x2e80 && c <= 0x2fdf) ||     /* CJK radicals */
	    (c >= 0x3040 && c <= 0x31ff) ||     /* kana, bopomofo, jamo */
	    (c >= 0x3400 && c <= 0x4dbf) ||     /* CJK extension A */
	    (c >= 0x4e00 && c <= 0x9fff) ||     /* CJK unified */
	    (c >= 0xac00 && c <= 0xd7af) ||     /* Hangul syllables */
	    (c >= 0xf900 && c <= 0xfaff) ||     /* CJK compatibility */
	    (c >= 0xff66 && c <= 0xff9f) ||     /* halfwidth kana */
	    (c >= 0x20000 && c <= 0x3ffff);     /* CJK extensions B... */
}

/* utf8_next - the code point at p (n bytes left) and its length in *len;
 * a malformed byte counts as itself, one byte long */
static unsigned
utf8_next(const unsigned char *p, int n, int *len)
{
	unsigned c = p[0];
	int k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	if (k > n)
		k = 1;
	*len = k;
	if (k == 1)
		return c;
	c &= 0x3f >> (k - 1);
	for (int i = 1; i < k; i++)
		c = (c << 6) | (p[i] & 0x3f);
	return c;
}

/* any_high - does [text, text + n) hold a byte of 0xe0 or more?  Eight
 * bytes at a time: a byte is >= 0xe0 when its three top bits are set */
static int
any_high(const char *text, int n)
{
	const unsigned char *p = (const unsigned char *)text;
	int i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (w & (w << 1) & (w << 2) & 0x8080808080808080ULL)
			return 1;
	}
	for (; i < n; i++)
		if (p[i] >= 0xe0)
			return 1;
	return 0;
}

struct tok {
	fts5_tokenizer base;        /* unicode61's methods */
	Fts5Tokenizer *inner;       /* its instance */
};

struct tok_ctx {
	void *ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
};

/* cut - unicode61's token, handed on whole or cut around the characters
 * of the unspaced scripts */
static int
cut(void *arg, int tflags, const char *token, int n, int start, int end)
{
	struct tok_ctx *t = arg;
	const unsigned char *p = (const unsigned char *)token;
	int i = 0, run = 0, rc, any = 0, len;
	/* offsets inside the token map onto the text when folding kept its
	 * length; else every piece points at the whole token */
	int exact = end - start == n, j = 0;

	/* every unspaced code point is U+0E00 or above: three or four bytes
	 * of UTF-8, led by 0xe0 or more; most tokens have no such byte */
	while (j < n && p[j] < 0xe0)
		j++;
	for (; j < n && !any; j += len)
		if (unspaced(utf8_next(p + j, n - j, &len)))
			any = 1;
	if (!any)
		return t->xToken(t->ctx, tflags, token, n, start, end);
	while (i < n) {
		unsigned c = utf8_next(p + i, n - i, &len);

		if (!unspaced(c)) {
			i += len;
			continue;
		}
		if (i > run && (rc = t->xToken(t->ctx, tflags, token + run, i - run,
		    exact ? start + run : start, exact ? start + i : end)) != SQLITE_OK)
			return rc;
		if ((rc = t->xToken(t->ctx, tflags, token + i, len,
		    exact ? start + i : start, exact ? start + i + len : end)) != SQLITE_OK)
			return rc;
		i += len;
		run = i;
	}
	if (n > run)
		return t->xToken(t->ctx, tflags, token + run, n - run,
		    exact ? start + run : start, end);
	return SQLITE_OK;
}

static int
tok_tokenize(Fts5Tokenizer *tk, void *ctx, int flags, const char *text, int n,
    int (*xToken)(void *, int, const char *, int, int, int))
{
	struct tok *t = (struct tok *)tk;
	struct tok_ctx c = { ctx, xToken };

	/* a text with no lead byte of 0xe0 or more holds no unspaced
	 * character (see cut): unicode61's tokens go straight to FTS5 */
	if (!any_high(text, n))
		return t->base.xTokenize(t->inner, ctx, flags, text, n, xToken);
	return t->base.xTokenize(t->inner, &c, flags, text, n, cut);
}

static void
tok_delete(Fts5Tokenizer *tk)
{
	struct tok *t = (struct tok *)tk;

	if (t == NULL)
		return;
	if (t->inner)
		t->base.xDelete(t->inner);
	sqlite3_free(t);
}

/* tok_create - arguments: "unicode61" and its own arguments (the first
 * one may be left out) */
static int
tok_create(void *api_arg, const char **argv, int argc, Fts5Tokenizer **out)
{
	fts5_api *api = api_arg;
	struct tok *t;
	void *uctx = NULL;
	int rc;

	if (argc > 0 && strcmp(argv[0], "unicode61") == 0) {
		argv++;
		argc--;
	}
	if ((t = sqlite3_malloc(sizeof(*t))) == NULL)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	rc = api->xFindTokenizer(api, "unicode61", &uctx, &t->base);
	if (rc == SQLITE_OK)
		rc = t->base.xCreate(uctx, argv, argc, &t->inner);
	if (rc != SQLITE_OK) {
		t->inner = NULL;
		sqlite3_free(t);
		return rc;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

/* store_fts_tokenizer - see store.h */
int
store_fts_tokenizer(sqlite3 *db)
{
	static fts5_tokenizer methods = { tok_create, tok_delete, tok_tokenize };
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (api == NULL || api->iVersion < 2)
		return -1;
	return api->xCreateTokenizer(api, "baraza", api, &methods, NULL) == SQLITE_OK ? 0 : -1;
}
