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
 *
 * An update indexes only the posts that are new since the index was
 * written and appends their words to the files in place (a file is a JSON
 * array of [word, ids] entries; the page takes every entry of a word, so
 * a word may have one entry per update): the old posts are neither read
 * nor masked again, and only the new ones are in memory.  That holds
 * while the archive generation (store_archive_gen) stays: nothing but new
 * posts arrived.  When it moved (a post approved late, moved, taken out;
 * a member forgotten, whose name must leave every file), on `archive
 * build`, when the new posts do not all sort after the newest indexed
 * one, or when appends have grown the index a quarter past WORDS_POSTS,
 * the index is written whole, as it always was.  What the files hold is
 * recorded in the meta table (archive_words) after they are on disk; a
 * file longer than that says (a crash in between) is cut back first.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_mask.h"
#include "archive_page.h"
#include "archive_words.h"
#include "json.h"
#include "log.h"
#include "store_archive.h"
#include "utf8.h"
#include "xalloc.h"

#define WORD_MAX 48                 /* bytes of a word indexed */
#define WORDS_POSTS ARCHIVE_WORDS_POSTS
#define WORDS_GROWN (WORDS_POSTS + WORDS_POSTS / 4)  /* appended up to */
#define KEY_MAX 12

struct word {
	char *w;                    /* owned; NULL: a free slot */
	size_t len;
	uint64_t hash;
	char key[KEY_MAX];          /* the file it goes to */
	int64_t *ids;               /* owned, ascending order of discovery */
	size_t n, alloc;
};

struct words {
	struct archive_site *site;
	struct word *tab;           /* owned, open addressing */
	size_t cap, used;
	struct buf tmp[3];          /* a post's fields as shown */
	int64_t post;               /* being indexed */
	long long posts;            /* indexed */
	time_t first_received, last_received;   /* of the first and last post */
	int64_t first_id, last_id;
	int oldest_first;           /* posts come oldest first (else newest) */
	int failed;                 /* a post could not be indexed */
};

/* An index built by a pass made for search.json (archive_words_start) */
struct archive_words {
	struct words x;
};

/* What the index holds, kept in the meta table under "archive_words": the
 * archive generation and largest post id when it was written, the sort
 * key (received, id) of its newest post, how many posts it holds, the
 * hide_addresses setting, then each file's key and size. */
struct words_key {
	char key[KEY_MAX];
	long long size;
};

struct words_sig {
	long long gen, maxid, received, id, posts;
	int hide;
	struct words_key *keys;     /* owned */
	size_t nkeys;
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

/* slot - the slot of word s[0..n) of hash h in tab (found, or free) */
static struct word *
slot(struct word *tab, size_t cap, const char *s, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (tab[i].w != NULL && !(tab[i].hash == h && tab[i].len == n &&
	    memcmp(tab[i].w, s, n) == 0))
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
			*slot(nt, ncap, x->tab[i].w, x->tab[i].len, x->tab[i].hash) = x->tab[i];
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
	uint64_t h;

	if (n > WORD_MAX)
		return;
	if (2 * (x->used + 1) > x->cap)
		grow(x);
	h = hash(s, n);
	wd = slot(x->tab, x->cap, s, n, h);
	if (wd->w == NULL) {
		wd->w = xstrndup(s, n);
		wd->len = n;
		wd->hash = h;
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
	if (cp < 0x80)
		return 0;
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

/* ascii_word - archive_words_class of the ASCII characters */
static const unsigned char ascii_word[128] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
};

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
				cls = ascii_word[cp];
			} else {
				if ((len = utf8_decode(p, (size_t)(end - p), &cp)) == 0) {
					len = 1;
					cp = 0;
				}
				cls = archive_words_class(cp);
			}
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

/* index_shown - a post, its subject, author and whole text as shown
 * (fields[i] of n[i] bytes; NULL when it could not be masked: the index
 * is then incomplete) */
static int
index_shown(struct words *x, const struct archive_post *p, const char *const fields[3],
    const size_t n[3])
{
	x->post = p->id;
	if (x->posts++ == 0) {
		x->first_received = p->received;
		x->first_id = p->id;
	}
	x->last_received = p->received;
	x->last_id = p->id;
	for (size_t i = 0; i < 3; i++) {
		if (fields[i] == NULL) {
			x->failed = 1;
			return -1;
		}
		index_text(x, fields[i], n[i]);
	}
	return 0;
}

/* index_post - a post's subject, author and whole text, masked here */
static int
index_post(void *arg, const struct archive_post *p)
{
	struct words *x = arg;
	const char *fields[] = { p->subject, p->author_name, p->new_text };
	const char *shown[3];
	size_t n[3];

	for (size_t i = 0; i < 3; i++)
		if ((shown[i] = archive_mask_shown(x->site->c, &x->tmp[i], fields[i], &n[i])) ==
		    NULL)
			return -1;
	return index_shown(x, p, shown, n);
}

/* by_key - qsort: the words of one file together, then by word */
static int
by_key(const void *a, const void *b)
{
	const struct word *const *x = a, *const *y = b;
	int c = strcmp((*x)->key, (*y)->key);

	return c ? c : strcmp((*x)->w, (*y)->w);
}

/* sorted - the words of x by key, then word (owned; *n of them) */
static struct word **
sorted(struct words *x, size_t *n)
{
	struct word **all = xcalloc(x->used + 1, sizeof(*all));

	*n = 0;
	for (size_t i = 0; i < x->cap; i++)
		if (x->tab[i].w != NULL)
			all[(*n)++] = &x->tab[i];
	qsort(all, *n, sizeof(*all), by_key);
	return all;
}

/* entries - the words all[i..] of all[i]'s key onto b as entries of a
 * JSON array, separated by ",\n": ["word",[id,...]], the ids in the order
 * they were found, or the other way round when reversed; the index past
 * them */
static size_t
entries(struct buf *b, struct word **all, size_t i, size_t n, int reversed)
{
	size_t k;

	for (k = i; k < n && strcmp(all[k]->key, all[i]->key) == 0; k++) {
		size_t m = all[k]->n;

		if (k > i)
			buf_puts(b, ",\n");
		buf_putc(b, '[');
		json_escape(b, all[k]->w, all[k]->len);
		buf_puts(b, ",[");
		for (size_t j = 0; j < m; j++) {
			if (j)
				buf_putc(b, ',');
			archive_page_int(b, (long long)all[k]->ids[reversed ? m - 1 - j : j]);
		}
		buf_puts(b, "]]");
	}
	return k;
}

/* words_free - what x holds */
static void
words_free(struct words *x)
{
	for (size_t i = 0; i < x->cap; i++) {
		free(x->tab[i].w);
		free(x->tab[i].ids);
	}
	free(x->tab);
	for (size_t i = 0; i < 3; i++)
		buf_release(&x->tmp[i]);
}

/* words_init - an empty index for w */
static void
words_init(struct words *x, struct archive_site *w)
{
	memset(x, 0, sizeof(*x));
	x->site = w;
	for (size_t i = 0; i < 3; i++)
		buf_init(&x->tmp[i], ARCHIVE_PAGE_MAX);
	grow(x);
}

/* key_rel - the file name of key */
static void
key_rel(char *rel, size_t n, const char *key)
{
	snprintf(rel, n, "search-w-%s.json", key);
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

/* sig_get - the recorded signature of the index: 1, or 0 when there is
 * none (or it cannot be read); g->keys owned by the caller either way */
static int
sig_get(struct archive_site *w, struct words_sig *g)
{
	char *v = NULL;
	const char *p;
	int used = 0, ok = 0;
	size_t alloc = 0;

	memset(g, 0, sizeof(*g));
	g->gen = -1;
	if (store_meta_get(w->s, "archive_words", &v) != 1)
		goto out;
	if (sscanf(v, "%lld %lld %lld %lld %lld %d%n", &g->gen, &g->maxid, &g->received,
	    &g->id, &g->posts, &g->hide, &used) != 6)
		goto out;
	for (p = v + used; *p == ' '; ) {
		struct words_key k;
		int kl = 0;

		if (sscanf(p, " %11[0-9a-z]:%lld%n", k.key, &k.size, &kl) != 2 || kl == 0 ||
		    k.size < 4)
			goto out;
		if (g->nkeys == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			g->keys = xreallocarray(g->keys, alloc, sizeof(*g->keys));
		}
		g->keys[g->nkeys++] = k;
		p += kl;
	}
	ok = *p == '\0';
out:
	free(v);
	return ok;
}

/* sig_set - record what the index holds: the files of keys[0..n) */
static void
sig_set(struct archive_site *w, const struct words_sig *g)
{
	struct buf v;

	buf_init(&v, 1u << 20);
	buf_printf(&v, "%lld %lld %lld %lld %lld %d", g->gen, g->maxid, g->received, g->id,
	    g->posts, g->hide);
	for (size_t i = 0; i < g->nkeys; i++)
		buf_printf(&v, " %s:%lld", g->keys[i].key, g->keys[i].size);
	store_meta_set(w->s, "archive_words", buf_failed(&v) ? "" : v.data);
	buf_release(&v);
}

/* key_list - search-words.json: the keys of g */
static void
key_list(struct archive_site *w, const struct words_sig *g)
{
	struct buf list;

	buf_init(&list, ARCHIVE_PAGE_MAX);
	buf_putc(&list, '[');
	for (size_t i = 0; i < g->nkeys; i++) {
		if (i)
			buf_putc(&list, ',');
		json_escape(&list, g->keys[i].key, strlen(g->keys[i].key));
	}
	buf_puts(&list, "]\n");
	archive_write_page(w, "search-words.json", &list);
	buf_release(&list);
}

/* by_name - qsort/bsearch: words_key by key */
static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct words_key *)a)->key, ((const struct words_key *)b)->key);
}

/* find_key - the entry for want->key among the first n keys of g (sorted
 * by name), or NULL (also when there are none: no array to search) */
static struct words_key *
find_key(struct words_sig *g, size_t n, const struct words_key *want)
{
	return n == 0 ? NULL : bsearch(want, g->keys, n, sizeof(*g->keys), by_name);
}

struct appended {
	int fd;
	int touched;                /* written to */
	struct words_key old;       /* as recorded: restored on failure */
};

/* words_append - the posts newer than what the index holds, their words
 * appended to the files in place (before each one's closing "]"), when
 * the archive generation is the one recorded, the new posts all sort
 * after the newest indexed and every file still holds what the signature
 * says.  Files are written, flushed to disk, then recorded.  1 done, 0
 * the caller must write the index whole. */
static int
words_append(struct archive_site *w, struct words_sig *g, int64_t gen, int64_t maxid,
    int *snap)
{
	struct words x;
	struct word **all = NULL;
	struct appended *ap = NULL;
	size_t n = 0, nap = 0, nfd = 0, oldkeys = g->nkeys;
	int64_t after = 0, newids = -1;
	struct buf b;
	int ok = 0, newkey = 0;

	if (g->gen < 0 || g->gen != gen || maxid < g->maxid ||
	    g->hide != (w->c->archive.hide_addresses != 0))
		return 0;
	if (store_archive_search_new(w->s, (time_t)g->received, g->id, g->maxid, maxid,
	    &after, &newids) < 0 || newids != after)
		return 0;
	if (g->posts + after > WORDS_GROWN)
		return 0;
	if (after == 0) {
		store_archive_snapshot_end(w->s, *snap);
		*snap = 0;
		if (maxid != g->maxid) {
			g->maxid = maxid;
			sig_set(w, g);
		}
		return 1;
	}
	words_init(&x, w);
	buf_init(&b, ARCHIVE_PAGE_MAX);
	if (store_archive_search_after(w->s, (time_t)g->received, g->id, index_post, &x) < 0 ||
	    x.posts != after)
		goto out;
	store_archive_snapshot_end(w->s, *snap);
	*snap = 0;
	all = sorted(&x, &n);
	ap = xcalloc(n + 1, sizeof(*ap));
	if (g->nkeys > 1)
		qsort(g->keys, g->nkeys, sizeof(*g->keys), by_name);
	/* every file checked (and cut back to its signature) before any
	 * is written, so a mismatch leaves them to the whole build */
	for (size_t i = 0; i < n; ) {
		struct words_key want, *k;
		size_t next = i;
		char rel[40], tail[2];
		char *path;
		struct stat st;
		int fd;

		while (next < n && strcmp(all[next]->key, all[i]->key) == 0)
			next++;
		snprintf(want.key, sizeof(want.key), "%s", all[i]->key);
		i = next;
		if ((k = find_key(g, oldkeys, &want)) == NULL) {
			newkey = 1;
			continue;
		}
		key_rel(rel, sizeof(rel), k->key);
		path = xasprintf("%s/%s", w->c->archive.dir, rel);
		fd = open(path, O_RDWR | O_CLOEXEC);
		free(path);
		if (fd < 0)
			goto out;
		ap[nap].fd = fd;
		ap[nap++].old = *k;
		if (fstat(fd, &st) < 0 || (long long)st.st_size < k->size ||
		    ((long long)st.st_size > k->size && ftruncate(fd, (off_t)k->size) < 0) ||
		    pread(fd, tail, 2, (off_t)k->size - 2) != 2 || memcmp(tail, "]\n", 2) != 0)
			goto out;
	}
	/* the appends, then every file flushed, then the new files */
	nfd = nap;
	nap = 0;
	for (size_t i = 0; i < n; ) {
		struct words_key want, *k;

		snprintf(want.key, sizeof(want.key), "%s", all[i]->key);
		if ((k = find_key(g, oldkeys, &want)) == NULL) {
			i = entries(&b, all, i, n, 0);
			continue;
		}
		buf_reset(&b);
		buf_puts(&b, ",\n");
		i = entries(&b, all, i, n, 0);
		buf_puts(&b, "]\n");
		if (buf_failed(&b))
			goto out;
		ap[nap].touched = 1;
		if (ftruncate(ap[nap].fd, (off_t)k->size - 2) < 0 ||
		    pwrite(ap[nap].fd, b.data, b.len, (off_t)k->size - 2) != (ssize_t)b.len)
			goto out;
		k->size += (long long)b.len - 2;
		nap++;
		w->written++;
	}
	for (size_t j = 0; j < nap; j++)
		if (fsync(ap[j].fd) < 0)
			goto out;
	nap = nfd;
	if (newkey) {
		for (size_t i = 0; i < n; ) {
			struct words_key want;
			char rel[40];

			snprintf(want.key, sizeof(want.key), "%s", all[i]->key);
			if (find_key(g, oldkeys, &want) != NULL) {
				while (i < n && strcmp(all[i]->key, want.key) == 0)
					i++;
				continue;
			}
			buf_reset(&b);
			buf_putc(&b, '[');
			i = entries(&b, all, i, n, 0);
			buf_puts(&b, "]\n");
			key_rel(rel, sizeof(rel), want.key);
			if (archive_write_page(w, rel, &b) < 0)
				goto out;
			g->keys = xreallocarray(g->keys, g->nkeys + 1, sizeof(*g->keys));
			g->keys[g->nkeys] = want;
			g->keys[g->nkeys++].size = (long long)b.len;
		}
		qsort(g->keys, g->nkeys, sizeof(*g->keys), by_name);
		key_list(w, g);
	}
	g->maxid = maxid;
	g->received = (long long)x.last_received;
	g->id = x.last_id;
	g->posts += x.posts;
	sig_set(w, g);
	ok = 1;
out:
	if (nfd < nap)
		nfd = nap;
	for (size_t j = 0; j < nfd; j++) {
		/* back to what the signature says; the build rewrites it */
		if (!ok && ap[j].touched && (ftruncate(ap[j].fd, (off_t)ap[j].old.size) < 0 ||
		    pwrite(ap[j].fd, "]\n", 2, (off_t)ap[j].old.size - 2) != 2))
			log_warnx("archive: search-w-%s.json: %s", ap[j].old.key,
			    strerror(errno));
		close(ap[j].fd);
	}
	free(ap);
	free(all);
	buf_release(&b);
	words_free(&x);
	return ok;
}

/* words_write - the index x written whole, recorded at gen and maxid
 * unless a file could not be written */
static void
words_write(struct archive_site *w, struct words *x, int64_t gen, int64_t maxid)
{
	struct word **all;
	struct words_sig g;
	struct buf file;
	size_t n = 0;
	int whole = 1;

	memset(&g, 0, sizeof(g));
	all = sorted(x, &n);
	g.keys = xcalloc(n + 1, sizeof(*g.keys));
	buf_init(&file, ARCHIVE_PAGE_MAX);
	for (size_t i = 0; i < n; ) {
		struct words_key *k = &g.keys[g.nkeys++];
		char rel[40];

		snprintf(k->key, sizeof(k->key), "%s", all[i]->key);
		buf_reset(&file);
		buf_putc(&file, '[');
		/* the ids newest first, as an index read newest first has them */
		i = entries(&file, all, i, n, x->oldest_first);
		buf_puts(&file, "]\n");
		k->size = (long long)file.len;
		key_rel(rel, sizeof(rel), k->key);
		if (archive_write_page(w, rel, &file) < 0)
			whole = 0;
	}
	key_list(w, &g);
	remove_stale(w, all, n);
	buf_release(&file);
	free(all);
	g.gen = gen;
	g.maxid = maxid;
	if (x->posts == 0) {
		g.received = -(1LL << 62);
		g.id = 0;
	} else if (x->oldest_first) {
		g.received = (long long)x->last_received;
		g.id = x->last_id;
	} else {
		g.received = (long long)x->first_received;
		g.id = x->first_id;
	}
	g.posts = x->posts;
	g.hide = w->c->archive.hide_addresses != 0;
	if (whole && gen >= 0)
		sig_set(w, &g);
	else
		store_meta_set(w->s, "archive_words", "");
	free(g.keys);
}

/* words_unwritten - the index could not be made: said, and not recorded */
static void
words_unwritten(struct archive_site *w)
{
	log_warnx("archive: the search page's word index was not written");
	w->failed = 1;
	store_meta_set(w->s, "archive_words", "");
}

/* words_build - the index written whole: the newest WORDS_POSTS posts */
static void
words_build(struct archive_site *w, int64_t gen, int64_t maxid, int *snap)
{
	struct words x;

	words_init(&x, w);
	if (store_archive_recent(w->s, NULL, WORDS_POSTS, index_post, &x) < 0) {
		store_archive_snapshot_end(w->s, *snap);
		*snap = 0;
		words_unwritten(w);
	} else {
		store_archive_snapshot_end(w->s, *snap);
		*snap = 0;
		words_write(w, &x, gen, maxid);
	}
	words_free(&x);
}

/* archive_words_start - see archive_words.h */
struct archive_words *
archive_words_start(struct archive_site *w)
{
	struct archive_words *aw = xcalloc(1, sizeof(*aw));

	words_init(&aw->x, w);
	aw->x.oldest_first = 1;
	return aw;
}

/* archive_words_add - see archive_words.h */
void
archive_words_add(struct archive_words *aw, const struct archive_post *p,
    const char *const shown[3], const size_t n[3])
{
	if (!aw->x.failed)
		(void)index_shown(&aw->x, p, shown, n);
}

/* archive_words_finish - see archive_words.h */
void
archive_words_finish(struct archive_words **awp, int ok, int64_t gen, int64_t maxid)
{
	struct archive_words *aw = *awp;

	if (aw == NULL)
		return;
	if (ok && !aw->x.failed && aw->x.posts <= WORDS_POSTS)
		words_write(aw->x.site, &aw->x, gen, maxid);
	else
		words_unwritten(aw->x.site);
	words_free(&aw->x);
	free(aw);
	*awp = NULL;
}

/* archive_words - see archive_words.h */
void
archive_words(struct archive_site *w)
{
	struct words_sig g;
	int64_t gen = -1, maxid = 0;
	/* the posts read and the generation recorded must be of one state */
	int snap = store_archive_snapshot(w->s);

	memset(&g, 0, sizeof(g));
	if (store_archive_gen(w->s, &gen, &maxid) < 0)
		gen = -1;
	if (w->all_between || gen < 0 || !sig_get(w, &g) ||
	    !words_append(w, &g, gen, maxid, &snap)) {
		if (snap == 0) {    /* an append gave up after reading */
			snap = store_archive_snapshot(w->s);
			if (store_archive_gen(w->s, &gen, &maxid) < 0)
				gen = -1;
		}
		words_build(w, gen, maxid, &snap);
	}
	store_archive_snapshot_end(w->s, snap);
	free(g.keys);
}
