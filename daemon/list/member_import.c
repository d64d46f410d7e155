/* SPDX-License-Identifier: GPL-3.0-or-later */
/* member_import - CSV import of members and the shared field checks
 *
 * The import streams: one CSV record at a time is checked and written
 * inside a single transaction, which is rolled back at the end when a row
 * was bad (and skip_invalid is not set).  Only a set of the addresses seen
 * so far is kept in memory, to report an address given twice.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "csv.h"
#include "log.h"
#include "member_import.h"
#include "store_member.h"
#include "store_programme.h"
#include "utf8.h"
#include "xalloc.h"

enum column { C_EMAIL, C_NAME, C_ROLE, C_DELIVERY, C_REGION, C_LANGUAGE,
	C_THEMES, C_STATUS, C_NCOLS };

static const char *const column_names[C_NCOLS] = {
	"email", "name", "role", "delivery", "region", "language", "themes", "status",
};

int
member_language_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL || strlen(s) > 16)
		return 0;
	while (s[n] >= 'a' && s[n] <= 'z')
		n++;
	if (n < 2 || n > 3)
		return 0;
	if (s[n] == '\0')
		return 1;
	if (s[n] != '-' && s[n] != '_')
		return 0;
	for (const char *p = s + n + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	return s[n + 1] != '\0';
}

const char *
member_text_problem(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!utf8_valid(s, n))
		return "is not UTF-8 (save the file as UTF-8)";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "contains a line break or control character";
	if (n > max)
		return "is too long";
	return NULL;
}

int
member_parse_themes(struct store *s, const char *text, int *all,
    char ***themes, size_t *nthemes, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *save = NULL, *tok;
	char **list = NULL;
	size_t n = 0;
	int rc;

	*all = 0;
	*themes = NULL;
	*nthemes = 0;
	for (tok = strtok_r(copy, " \t;,", &save); tok;
	    tok = strtok_r(NULL, " \t;,", &save)) {
		for (char *p = tok; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (strcmp(tok, "all") == 0) {
			*all = 1;
			continue;
		}
		rc = store_theme_exists(s, tok);
		if (rc < 0) {
			snprintf(err, errlen, "database error");
			goto fail;
		}
		if (rc == 0) {
			snprintf(err, errlen, "unknown theme '%.64s' (see 'baraza theme list')", tok);
			goto fail;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(list[i], tok) == 0)
				goto next;
		list = xreallocarray(list, n + 1, sizeof(*list));
		list[n++] = xstrdup(tok);
next:		;
	}
	if (*all && n > 0) {
		snprintf(err, errlen, "'all' cannot be combined with theme names");
		goto fail;
	}
	if (!*all && n == 0) {
		snprintf(err, errlen, "no themes given (use 'all' for every theme)");
		goto fail;
	}
	free(copy);
	*themes = list;
	*nthemes = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	free(copy);
	return -1;
}

/* ---- a set of addresses seen, with their lines --------------------------- */

struct seen_set {
	char **keys;                  /* lower-cased addresses, or NULL */
	int *lines;
	size_t size, used;
};

static size_t
seen_hash(const char *s)
{
	size_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* seen_add - the line key was first seen on, or 0 after adding it */
static int
seen_add(struct seen_set *set, const char *email, int line)
{
	char *key = xstrdup(email);
	size_t i;

	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (set->used * 2 >= set->size) {
		struct seen_set bigger = { 0 };

		bigger.size = set->size ? set->size * 2 : 256;
		bigger.keys = xcalloc(bigger.size, sizeof(*bigger.keys));
		bigger.lines = xcalloc(bigger.size, sizeof(*bigger.lines));
		for (size_t k = 0; k < set->size; k++) {
			if (set->keys[k] == NULL)
				continue;
			i = seen_hash(set->keys[k]) % bigger.size;
			while (bigger.keys[i])
				i = (i + 1) % bigger.size;
			bigger.keys[i] = set->keys[k];
			bigger.lines[i] = set->lines[k];
		}
		bigger.used = set->used;
		free(set->keys);
		free(set->lines);
		*set = bigger;
	}
	for (i = seen_hash(key) % set->size; set->keys[i]; i = (i + 1) % set->size)
		if (strcmp(set->keys[i], key) == 0) {
			free(key);
			return set->lines[i];
		}
	set->keys[i] = key;
	set->lines[i] = line;
	set->used++;
	return 0;
}

static void
seen_free(struct seen_set *set)
{
	for (size_t i = 0; i < set->size; i++)
		free(set->keys[i]);
	free(set->keys);
	free(set->lines);
}

/* ---- the import ---------------------------------------------------------- */

struct importer {
	struct store *s;
	const char *fname;
	struct buf *report;
	int col[C_NCOLS];             /* field index of each column, or -1 */
	size_t ncols;
	struct seen_set seen;
};

static void __attribute__((format(printf, 3, 4)))
bad_row(struct importer *im, int line, const char *fmt, ...)
{
	va_list ap;

	buf_printf(im->report, "%s:%d: ", im->fname, line);
	va_start(ap, fmt);
	buf_vprintf(im->report, fmt, ap);
	va_end(ap);
	buf_putc(im->report, '\n');
}

/* read_header - the column layout from the first record; 0 or -1 */
static int
read_header(struct importer *im, struct csv *c)
{
	for (int k = 0; k < C_NCOLS; k++)
		im->col[k] = -1;
	for (size_t i = 0; i < c->nfields; i++) {
		char name[32];
		size_t n = 0;
		const char *f = c->fields[i];
		int k;

		while (*f == ' ' || *f == '\t')
			f++;
		while (*f && *f != ' ' && *f != '\t' && n < sizeof(name) - 1)
			name[n++] = (char)tolower((unsigned char)*f++);
		name[n] = '\0';
		for (k = 0; k < C_NCOLS; k++)
			if (strcmp(name, column_names[k]) == 0)
				break;
		if (k == C_NCOLS) {
			bad_row(im, c->line, "unknown column '%.40s' in the header (known: "
			    "email, name, role, delivery, region, language, themes)",
			    c->fields[i]);
			return -1;
		}
		if (im->col[k] >= 0) {
			bad_row(im, c->line, "column '%s' twice in the header", column_names[k]);
			return -1;
		}
		im->col[k] = (int)i;
	}
	if (im->col[C_EMAIL] < 0) {
		bad_row(im, c->line, "the first line must be a header naming the columns, "
		    "e.g. email,name,role,delivery,region,language,themes");
		return -1;
	}
	im->ncols = c->nfields;
	return 0;
}

/* field - the trimmed field of column k, or "" */
static char *
field(struct importer *im, struct csv *c, enum column k)
{
	char *f, *e;

	if (im->col[k] < 0)
		return (char *)"";
	f = c->fields[im->col[k]];
	while (*f == ' ' || *f == '\t')
		f++;
	e = f + strlen(f);
	while (e > f && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return f;
}

static char *
lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* import_row - check and write one record; 1 written, 0 bad (reported),
 * -1 database error */
static int
import_row(struct importer *im, struct csv *c, int *added)
{
	char email[ADDR_MAX + 1], err[160];
	const char *why;
	char *name, *role, *delivery, *region, *language, *themes;
	struct member_put p;
	char **list = NULL;
	size_t nlist = 0;
	int all = 0, first, rc, problems = 0;

	if (c->nfields != im->ncols) {
		bad_row(im, c->line, "%zu fields, but the header has %zu", c->nfields, im->ncols);
		return 0;
	}
	if (addr_normalize(field(im, c, C_EMAIL), email, sizeof(email), &why) < 0) {
		bad_row(im, c->line, "email '%.80s': %s", field(im, c, C_EMAIL), why);
		return 0;
	}
	name = field(im, c, C_NAME);
	role = lower(field(im, c, C_ROLE));
	delivery = lower(field(im, c, C_DELIVERY));
	region = field(im, c, C_REGION);
	language = field(im, c, C_LANGUAGE);
	themes = field(im, c, C_THEMES);
	if ((why = member_text_problem(name, MEMBER_NAME_MAX)) != NULL) {
		bad_row(im, c->line, "name %s", why);
		problems++;
	}
	if (*role && !member_role_valid(role)) {
		bad_row(im, c->line, "role '%.40s' must be member or facilitator", role);
		problems++;
	}
	if (*delivery && !member_delivery_valid(delivery)) {
		bad_row(im, c->line, "delivery '%.40s' must be each, digest or none", delivery);
		problems++;
	}
	if ((why = member_text_problem(region, MEMBER_REGION_MAX)) != NULL) {
		bad_row(im, c->line, "region %s", why);
		problems++;
	}
	if (*language && !member_language_valid(language)) {
		bad_row(im, c->line, "language '%.40s' is not a tag such as en or pt-BR", language);
		problems++;
	}
	if (*themes && member_parse_themes(im->s, themes, &all, &list, &nlist,
	    err, sizeof(err)) < 0) {
		if (strcmp(err, "database error") == 0)
			return -1;
		bad_row(im, c->line, "themes: %s", err);
		problems++;
	}
	if ((first = seen_add(&im->seen, email, c->line)) != 0) {
		bad_row(im, c->line, "%s already given on line %d", email, first);
		problems++;
	}
	if (problems) {
		for (size_t i = 0; i < nlist; i++)
			free(list[i]);
		free(list);
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.email = email;
	p.name = *name ? name : NULL;
	p.role = *role ? role : NULL;
	p.delivery = *delivery ? delivery : NULL;
	p.region = *region ? region : NULL;
	p.language = *language ? language : NULL;
	p.set_themes = *themes != '\0';
	p.all_themes = all;
	p.themes = (const char *const *)list;
	p.nthemes = nlist;
	rc = store_member_put(im->s, &p, NULL);
	for (size_t i = 0; i < nlist; i++)
		free(list[i]);
	free(list);
	if (rc < 0)
		return -1;
	*added = rc;
	return 1;
}

int
member_import(struct store *s, FILE *fp, const char *fname, int skip_invalid,
    struct buf *report, struct member_import_result *r)
{
	struct importer im;
	struct csv c;
	int rc, have_header = 0, failed = 0;

	memset(r, 0, sizeof(*r));
	memset(&im, 0, sizeof(im));
	im.s = s;
	im.fname = fname;
	im.report = report;
	csv_init(&c, fp, MEMBER_IMPORT_MAX_FIELD, C_NCOLS + 8);
	if (store_begin(s) < 0) {
		csv_release(&c);
		return -1;
	}
	while ((rc = csv_next(&c)) != 0) {
		int added = 0;

		if (rc < 0) {
			bad_row(&im, c.line, "%s", c.err);
			r->bad++;
			if (!have_header)
				break;
			continue;
		}
		if (!have_header) {
			if (read_header(&im, &c) < 0) {
				r->bad++;
				break;
			}
			have_header = 1;
			continue;
		}
		rc = import_row(&im, &c, &added);
		if (rc < 0) {
			failed = 1;
			break;
		}
		if (rc == 0)
			r->bad++;
		else if (added)
			r->added++;
		else
			r->updated++;
	}
	if (!have_header && !failed && r->bad == 0) {
		bad_row(&im, 1, "empty file: the first line must be a header such as "
		    "email,name,role,delivery,region,language,themes");
		r->bad++;
	}
	csv_release(&c);
	seen_free(&im.seen);
	/* A bad header is never skipped: without it no row means anything. */
	r->unreadable = !have_header;
	if (failed || (r->bad > 0 && (!skip_invalid || !have_header))) {
		store_rollback(s);
		r->added = r->updated = 0;
		return failed ? -1 : 1;
	}
	if (store_commit(s) < 0) {
		r->added = r->updated = 0;
		return -1;
	}
	return r->bad > 0 ? 1 : 0;
}
