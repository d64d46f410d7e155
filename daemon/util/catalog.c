/* SPDX-License-Identifier: GPL-3.0-or-later */
/* catalog - read GNU gettext .mo files and look translations up
 *
 * The .mo format (GNU gettext manual, "The Format of GNU MO Files"): a
 * header of 32-bit words (magic 0x950412de in the file's byte order,
 * revision, number of strings N, offset of the table of originals, offset
 * of the table of translations, hash table size and offset), then two
 * tables of N (length, offset) pairs.  The originals are sorted by byte
 * value, so a binary search finds a msgid; a plural msgid is stored as
 * "one\0many" and its translation as the forms one after the other,
 * separated by NULs.  The translation of "" is the header, whose
 * "Plural-Forms: nplurals=N; plural=EXPR;" line chooses the form.
 *
 * Every offset is checked against the file's size before use, so a
 * damaged file is refused (logged), never read past its end.
 */
#include "config.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "log.h"
#include "xalloc.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

#define CATALOG_MAX_LANGS 32
#define CATALOG_MAX_BYTES (16u << 20)
#define CATALOG_DOMAIN "baraza"

struct catalog {
	char lang[24];
	int loaded;              /* 0: no such catalog (looked once) */
	unsigned char *data;     /* the whole file (owned) */
	size_t size;
	uint32_t n, orig, trans;
	int swap;                /* file written in the other byte order */
	char plural[256];        /* the "plural=" expression */
	long nplurals;
};

static struct catalog catalogs[CATALOG_MAX_LANGS];
static size_t ncatalogs;
static pthread_mutex_t catalog_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
locale_dir(void)
{
	const char *env = getenv("BARAZA_LOCALEDIR");

	return env && *env ? env : LOCALEDIR;
}

static uint32_t
word(const struct catalog *c, size_t off)
{
	uint32_t v;

	memcpy(&v, c->data + off, 4);
	if (c->swap)
		v = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
	return v;
}

/* entry - the string of table entry i (table at off); NULL when damaged */
static const char *
entry(const struct catalog *c, uint32_t table, uint32_t i, uint32_t *lenp)
{
	size_t at = (size_t)table + 8u * i;
	uint32_t len, off;

	if (at + 8 > c->size)
		return NULL;
	len = word(c, at);
	off = word(c, at + 4);
	if ((size_t)off + len >= c->size || c->data[(size_t)off + len] != '\0')
		return NULL;
	if (lenp)
		*lenp = len;
	return (const char *)c->data + off;
}

/* lookup - the translation of key (with its length and forms), or NULL */
static const char *
lookup(const struct catalog *c, const char *key, uint32_t *lenp)
{
	uint32_t lo = 0, hi = c->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *o = entry(c, c->orig, mid, NULL);
		int cmp;

		if (o == NULL)
			return NULL;
		cmp = strcmp(key, o);
		if (cmp == 0) {
			const char *t = entry(c, c->trans, mid, lenp);

			return t && *t ? t : NULL;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* read_header - the plural rule from the catalog's header entry */
static void
read_header(struct catalog *c)
{
	const char *h = lookup(c, "", NULL), *p, *e;

	snprintf(c->plural, sizeof(c->plural), "n != 1");
	c->nplurals = 2;
	if (h == NULL || (p = strstr(h, "Plural-Forms:")) == NULL)
		return;
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	if ((p = strstr(p, "nplurals=")) != NULL && p < e)
		c->nplurals = strtol(p + 9, NULL, 10);
	if ((p = strstr(p ? p : h, "plural=")) != NULL && p < e) {
		size_t n = (size_t)(e - (p + 7));

		while (n > 0 && (p[7 + n - 1] == ';' || p[7 + n - 1] == ' '))
			n--;
		if (n < sizeof(c->plural))
			snprintf(c->plural, sizeof(c->plural), "%.*s", (int)n, p + 7);
	}
}

/* load - read LOCALEDIR/lang/LC_MESSAGES/baraza.mo into c; 0 or -1 */
static int
load(struct catalog *c, const char *lang)
{
	char path[4096];
	struct stat st;
	FILE *fp;
	uint32_t magic;

	snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/" CATALOG_DOMAIN ".mo",
	    locale_dir(), lang);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return -1;
	if (fstat(fileno(fp), &st) < 0 || st.st_size < 28 ||
	    (size_t)st.st_size > CATALOG_MAX_BYTES) {
		fclose(fp);
		return log_error("catalog %s: bad size", path);
	}
	c->size = (size_t)st.st_size;
	c->data = xmalloc(c->size);
	if (fread(c->data, 1, c->size, fp) != c->size) {
		fclose(fp);
		free(c->data);
		c->data = NULL;
		return log_error("catalog %s: short read", path);
	}
	fclose(fp);
	memcpy(&magic, c->data, 4);
	c->swap = magic == 0xde120495u;
	if (magic != 0x950412deu && !c->swap) {
		free(c->data);
		c->data = NULL;
		return log_error("catalog %s: not a .mo file", path);
	}
	c->n = word(c, 8);
	c->orig = word(c, 12);
	c->trans = word(c, 16);
	if ((size_t)c->orig + 8u * (size_t)c->n > c->size ||
	    (size_t)c->trans + 8u * (size_t)c->n > c->size) {
		free(c->data);
		c->data = NULL;
		return log_error("catalog %s: damaged tables", path);
	}
	read_header(c);
	return 0;
}

/* normalise - "pt-BR" -> "pt_BR"; 0 when lang cannot name a directory */
static int
normalise(char *out, size_t outlen, const char *lang)
{
	size_t i;

	if (lang == NULL || *lang == '\0' || strlen(lang) >= outlen)
		return 0;
	for (i = 0; lang[i]; i++) {
		char ch = lang[i];

		if (ch == '-')
			ch = '_';
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_'))
			return 0;
		out[i] = ch;
	}
	out[i] = '\0';
	return 1;
}

/* find - the loaded catalog of lang (or of its primary subtag), or NULL */
static const struct catalog *
find(const char *lang)
{
	char name[24], primary[24];
	const struct catalog *found = NULL;

	if (!normalise(name, sizeof(name), lang))
		return NULL;
	snprintf(primary, sizeof(primary), "%s", name);
	primary[strcspn(primary, "_")] = '\0';
	if (strcasecmp(primary, "en") == 0 && strcasecmp(name, "en") == 0)
		return NULL;
	pthread_mutex_lock(&catalog_lock);
	for (int pass = 0; pass < 2 && found == NULL; pass++) {
		const char *want = pass == 0 ? name : primary;
		size_t i;

		if (pass == 1 && strcmp(name, primary) == 0)
			break;
		for (i = 0; i < ncatalogs; i++)
			if (strcmp(catalogs[i].lang, want) == 0)
				break;
		if (i == ncatalogs && ncatalogs < CATALOG_MAX_LANGS) {
			struct catalog *c = &catalogs[ncatalogs++];

			memset(c, 0, sizeof(*c));
			snprintf(c->lang, sizeof(c->lang), "%s", want);
			c->loaded = load(c, want) == 0;
		}
		if (i < ncatalogs && catalogs[i].loaded)
			found = &catalogs[i];
	}
	pthread_mutex_unlock(&catalog_lock);
	return found;
}

const char *
catalog_tr(const char *lang, const char *msgid)
{
	const struct catalog *c;
	const char *t;

	if (msgid == NULL || *msgid == '\0' || (c = find(lang)) == NULL)
		return msgid;
	t = lookup(c, msgid, NULL);
	return t ? t : msgid;
}

const char *
catalog_trn(const char *lang, const char *one, const char *many, unsigned long n)
{
	const struct catalog *c = find(lang);
	const char *t, *end;
	uint32_t len;
	long idx;

	if (c == NULL || (t = lookup(c, one, &len)) == NULL)
		return n == 1 ? one : many;
	idx = catalog_plural_index(c->plural, n);
	if (idx < 0 || idx >= c->nplurals)
		idx = 0;
	end = t + len;
	for (; idx > 0 && t < end; idx--)
		t += strlen(t) + 1;
	return t <= end && *t ? t : (n == 1 ? one : many);
}

int
catalog_has(const char *lang)
{
	char name[24];

	if (!normalise(name, sizeof(name), lang))
		return 0;
	name[strcspn(name, "_")] = '\0';
	return strcasecmp(name, "en") == 0 || find(lang) != NULL;
}

const char *
catalog_pick(const char *lang, const char *fallback)
{
	if (catalog_has(lang))
		return lang;
	if (catalog_has(fallback))
		return fallback;
	return "en";
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
catalog_languages(char *out, size_t outlen)
{
	DIR *d = opendir(locale_dir());
	struct dirent *de;
	char *names[CATALOG_MAX_LANGS];
	size_t n = 0, used;

	used = (size_t)snprintf(out, outlen, "en");
	while (d && (de = readdir(d)) != NULL && n < CATALOG_MAX_LANGS) {
		char path[4096];

		if (de->d_name[0] == '.' || strcmp(de->d_name, "en") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/" CATALOG_DOMAIN ".mo",
		    locale_dir(), de->d_name);
		if (access(path, R_OK) == 0)
			names[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (used < outlen)
			used += (size_t)snprintf(out + used, outlen - used, ", %s", names[i]);
		free(names[i]);
	}
}

int
catalog_is_rtl(const char *lang)
{
	static const char *const rtl[] = { "ar", "fa", "he", "ur", "ps", "dv", "yi" };
	char name[24];

	if (!normalise(name, sizeof(name), lang))
		return 0;
	name[strcspn(name, "_")] = '\0';
	for (size_t i = 0; i < sizeof(rtl) / sizeof(rtl[0]); i++)
		if (strcasecmp(name, rtl[i]) == 0)
			return 1;
	return 0;
}

/* ---- the Plural-Forms expression: C's operators on unsigned long n ---- */

struct expr {
	const char *p;
	unsigned long n;
	int bad;
};

static unsigned long ex_cond(struct expr *e);

static void
ex_space(struct expr *e)
{
	while (*e->p == ' ' || *e->p == '\t' || *e->p == '\n')
		e->p++;
}

static int
ex_eat(struct expr *e, const char *op)
{
	size_t n = strlen(op);

	ex_space(e);
	if (strncmp(e->p, op, n) != 0)
		return 0;
	/* "<" must not take the first half of "<=", nor "=" of "==" */
	if (n == 1 && (op[0] == '<' || op[0] == '>' || op[0] == '!') && e->p[1] == '=')
		return 0;
	e->p += n;
	return 1;
}

static unsigned long
ex_primary(struct expr *e)
{
	unsigned long v;

	ex_space(e);
	if (*e->p == '(') {
		e->p++;
		v = ex_cond(e);
		if (!ex_eat(e, ")"))
			e->bad = 1;
		return v;
	}
	if (*e->p == 'n') {
		e->p++;
		return e->n;
	}
	if (*e->p == '!') {
		e->p++;
		return !ex_primary(e);
	}
	if (*e->p >= '0' && *e->p <= '9') {
		char *end;

		v = strtoul(e->p, &end, 10);
		e->p = end;
		return v;
	}
	e->bad = 1;
	return 0;
}

static unsigned long
ex_mul(struct expr *e)
{
	unsigned long v = ex_primary(e);

	for (;;) {
		if (ex_eat(e, "*")) {
			v *= ex_primary(e);
		} else if (ex_eat(e, "/") || ex_eat(e, "%")) {
			char op = e->p[-1];
			unsigned long r = ex_primary(e);

			v = r == 0 ? 0 : op == '/' ? v / r : v % r;
		} else {
			return v;
		}
	}
}

static unsigned long
ex_add(struct expr *e)
{
	unsigned long v = ex_mul(e);

	for (;;) {
		if (ex_eat(e, "+"))
			v += ex_mul(e);
		else if (ex_eat(e, "-"))
			v -= ex_mul(e);
		else
			return v;
	}
}

static unsigned long
ex_rel(struct expr *e)
{
	unsigned long v = ex_add(e);

	for (;;) {
		if (ex_eat(e, "<="))
			v = v <= ex_add(e);
		else if (ex_eat(e, ">="))
			v = v >= ex_add(e);
		else if (ex_eat(e, "<"))
			v = v < ex_add(e);
		else if (ex_eat(e, ">"))
			v = v > ex_add(e);
		else
			return v;
	}
}

static unsigned long
ex_eq(struct expr *e)
{
	unsigned long v = ex_rel(e);

	for (;;) {
		if (ex_eat(e, "=="))
			v = v == ex_rel(e);
		else if (ex_eat(e, "!="))
			v = v != ex_rel(e);
		else
			return v;
	}
}

static unsigned long
ex_and(struct expr *e)
{
	unsigned long v = ex_eq(e);

	while (ex_eat(e, "&&")) {
		unsigned long r = ex_eq(e);

		v = v && r;
	}
	return v;
}

static unsigned long
ex_or(struct expr *e)
{
	unsigned long v = ex_and(e);

	while (ex_eat(e, "||")) {
		unsigned long r = ex_and(e);

		v = v || r;
	}
	return v;
}

static unsigned long
ex_cond(struct expr *e)
{
	unsigned long c = ex_or(e), a, b;

	if (!ex_eat(e, "?"))
		return c;
	a = ex_cond(e);
	if (!ex_eat(e, ":"))
		e->bad = 1;
	b = ex_cond(e);
	return c ? a : b;
}

long
catalog_plural_index(const char *expr, unsigned long n)
{
	struct expr e = { expr, n, 0 };
	unsigned long v = ex_cond(&e);

	ex_space(&e);
	if (e.bad || *e.p != '\0' || v > 1000)
		return -1;
	return (long)v;
}
