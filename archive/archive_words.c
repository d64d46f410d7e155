/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_words - the search page's word index (see archive_words.h)
 *
 * search.json holds one row per post with a short excerpt to show; what
 * makes the whole text of every post findable is this index: every word
 * of a post's subject, author and text (addresses masked first, as on the
 * pages) mapped to the ids of the posts that use it.  Words are split
 * where search.js splits a query: runs of ASCII letters and digits (lower
 * case) and of letters of other scripts; each CJK character is a word of
 * its own, as those scripts write no spaces.  The index is cut into files
 * by the word's first character (search-w-KEY.json), so the page loads
 * only the few files a query needs; search-words.json lists the files
 * that exist, so the page never asks for one that does not.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_mask.h"
#include "archive_page.h"
#include "archive_words.h"
#include "json.h"
#include "log.h"
#include "store_archive.h"
#include "utf8.h"
#include "xalloc.h"

#define WORD_MAX 48                 /* bytes of a word indexed */
#define WORDS_POSTS 100000          /* the newest posts indexed, as search.json */

struct word {
	char *w;                    /* owned; NULL: a free slot */
	char key[12];               /* the file it goes to */
	int64_t *ids;               /* owned, ascending order of discovery */
	size_t n, alloc;
};

struct words {
	struct archive_site *site;
	struct word *tab;           /* owned, open addressing */
	size_t cap, used;
	struct buf tmp;
	int64_t post;               /* being indexed */
};

/* hash - FNV-1a of s[0..n) */
static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* slot - the slot of word s[0..n) in tab (found, or free) */
static struct word *
slot(struct word *tab, size_t cap, const char *s, size_t n)
{
	size_t i = (size_t)hash(s, n) & (cap - 1);

	while (tab[i].w != NULL && !(strlen(tab[i].w) == n && memcmp(tab[i].w, s, n) == 0))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* grow - double the table */
static void
grow(struct words *x)
{
	size_t ncap = x->cap ? x->cap * 2 : 4096;
	struct word *nt = xcalloc(ncap, sizeof(*nt));

	for (size_t i = 0; i < x->cap; i++)
		if (x->tab[i].w != NULL)
			*slot(nt, ncap, x->tab[i].w, strlen(x->tab[i].w)) = x->tab[i];
	free(x->tab);
	x->tab = nt;
	x->cap = ncap;
}

/* word_key - the file key of a word starting with code point cp */
static void
word_key(char *key, size_t n, uint32_t cp)
{
	if (cp < 128)
		snprintf(key, n, "%c", (char)cp);
	else if (cp >= 0x3040)
		snprintf(key, n, "x%x", (unsigned)(cp >> 8));
	else
		snprintf(key, n, "u%x", (unsigned)cp);
}

/* add - the word s[0..n) (starting with cp) used by the post being indexed */
static void
add(struct words *x, const char *s, size_t n, uint32_t cp)
{
	struct word *wd;

	if (n > WORD_MAX)
		return;
	if (2 * (x->used + 1) > x->cap)
		grow(x);
	wd = slot(x->tab, x->cap, s, n);
	if (wd->w == NULL) {
		wd->w = xstrndup(s, n);
		word_key(wd->key, sizeof(wd->key), cp);
		x->used++;
	}
	if (wd->n > 0 && wd->ids[wd->n - 1] == x->post)
		return;
	if (wd->n == wd->alloc) {
		wd->alloc = wd->alloc ? 2 * wd->alloc : 4;
		wd->ids = xreallocarray(wd->ids, wd->alloc, sizeof(*wd->ids));
	}
	wd->ids[wd->n++] = x->post;
}

/* archive_words_class - see archive_words.h */
int
archive_words_class(uint32_t cp)
{
	if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
		return 1;
	if ((cp >= 0x3040 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
	    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x2ffff))
		return 2;
	if ((cp >= 0xc0 && cp <= 0x1fff && cp != 0xd7 && cp != 0xf7 && cp != 0x60c &&
	    cp != 0x61b && cp != 0x61f && cp != 0x6d4) || (cp >= 0x2070 && cp <= 0x2fff) ||
	    (cp >= 0xa000 && cp <= 0xabff) || (cp >= 0xfb00 && cp <= 0xfeff) ||
	    (cp >= 0xff21 && cp <= 0xff3a) || (cp >= 0xff41 && cp <= 0xff5a))
		return 1;
	return 0;
}

/* index_text - every word of s[0..n) */
static void
index_text(struct words *x, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	char w[WORD_MAX + 8];
	size_t wl = 0;
	uint32_t first = 0, cp;
	int skip = 0;

	while (p <= end) {
		size_t len = 1;
		int cls = 0;

		if (p < end) {
			if (*p < 0x80) {
				cp = *p;
			} else if ((len = utf8_decode(p, (size_t)(end - p), &cp)) == 0) {
				len = 1;
				cp = 0;
			}
			cls = archive_words_class(cp);
		}
		if (cls != 1) {
			/* a word ends here */
			if (wl > 0 && !skip && (wl > 1 || first >= 0x80))
				add(x, w, wl, first);
			wl = 0;
			skip = 0;
		}
		if (cls == 2) {
			add(x, (const char *)p, len, cp);
		} else if (cls == 1) {
			if (wl == 0)
				first = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
			if (wl + len > WORD_MAX)
				skip = 1;
			else if (len == 1)
				w[wl++] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
			else {
				memcpy(w + wl, p, len);
				wl += len;
			}
		}
		if (p == end)
			break;
		p += len;
	}
}

/* index_post - a post's subject, author and whole text */
static int
index_post(void *arg, const struct archive_post *p)
{
	struct words *x = arg;
	const char *fields[] = { p->subject, p->author_name, p->new_text };
	const char *t;
	size_t n;

	x->post = p->id;
	for (size_t i = 0; i < 3; i++) {
		if (fields[i] == NULL)
			continue;
		if ((t = archive_mask_shown(x->site->c, &x->tmp, fields[i], &n)) == NULL)
			return -1;
		index_text(x, t, n);
	}
	return 0;
}

/* by_key - qsort: the words of one file together, then by word */
static int
by_key(const void *a, const void *b)
{
	const struct word *const *x = a, *const *y = b;
	int c = strcmp((*x)->key, (*y)->key);

	return c ? c : strcmp((*x)->w, (*y)->w);
}

/* remove_stale - remove the files of keys that no longer have a word (a
 * forgotten member's name must not stay in one) */
static void
remove_stale(struct archive_site *w, struct word **all, size_t n)
{
	DIR *d = opendir(w->c->archive.dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name), i;

		if (strncmp(e->d_name, "search-w-", 9) != 0 || len < 15 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		for (i = 0; i < n; i++)
			if (strlen(all[i]->key) == len - 14 &&
			    strncmp(all[i]->key, e->d_name + 9, len - 14) == 0)
				break;
		if (i == n)
			archive_write_remove(w, e->d_name);
	}
	closedir(d);
}

/* archive_words - see archive_words.h */
void
archive_words(struct archive_site *w)
{
	struct words x;
	struct word **all;
	struct buf file, list;
	size_t n = 0;

	memset(&x, 0, sizeof(x));
	x.site = w;
	buf_init(&x.tmp, ARCHIVE_PAGE_MAX);
	grow(&x);
	if (store_archive_recent(w->s, NULL, WORDS_POSTS, index_post, &x) < 0) {
		log_warnx("archive: the search page's word index was not written");
		w->failed = 1;
		goto out;
	}
	all = xcalloc(x.used + 1, sizeof(*all));
	for (size_t i = 0; i < x.cap; i++)
		if (x.tab[i].w != NULL)
			all[n++] = &x.tab[i];
	qsort(all, n, sizeof(*all), by_key);
	buf_init(&file, ARCHIVE_PAGE_MAX);
	buf_init(&list, ARCHIVE_PAGE_MAX);
	buf_putc(&list, '[');
	for (size_t i = 0; i < n; ) {
		size_t k = i;
		char rel[40];

		buf_reset(&file);
		buf_putc(&file, '{');
		for (; k < n && strcmp(all[k]->key, all[i]->key) == 0; k++) {
			if (k > i)
				buf_puts(&file, ",\n");
			json_escape(&file, all[k]->w, strlen(all[k]->w));
			buf_puts(&file, ":[");
			for (size_t j = 0; j < all[k]->n; j++) {
				if (j)
					buf_putc(&file, ',');
				archive_page_int(&file, (long long)all[k]->ids[j]);
			}
			buf_putc(&file, ']');
		}
		buf_puts(&file, "}\n");
		snprintf(rel, sizeof(rel), "search-w-%s.json", all[i]->key);
		archive_write_page(w, rel, &file);
		if (list.len > 1)
			buf_putc(&list, ',');
		json_escape(&list, all[i]->key, strlen(all[i]->key));
		i = k;
	}
	buf_puts(&list, "]\n");
	archive_write_page(w, "search-words.json", &list);
	remove_stale(w, all, n);
	buf_release(&file);
	buf_release(&list);
	free(all);
out:
	for (size_t i = 0; i < x.cap; i++) {
		free(x.tab[i].w);
		free(x.tab[i].ids);
	}
	free(x.tab);
	buf_release(&x.tmp);
}
