/* SPDX-License-Identifier: GPL-3.0-or-later */
/* template - find and render the texts baraza sends
 *
 * The syntax is deliberately tiny, so translators can edit the files safely:
 * {{name}} inserts a value; {{#name}} ... {{/name}} keeps the enclosed text
 * only when the value is set and non-empty (sections do not nest).  A
 * template's first line may be "Subject: ..." - callers that need a
 * subject split it off themselves.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "log.h"
#include "template.h"
#include "xalloc.h"

#define TEMPLATE_MAX (256 * 1024)

/* lang_ok - a language code used in a path: letters, '-' and '_' only */
static int
lang_ok(const char *lang)
{
	if (lang == NULL || *lang == '\0' || strlen(lang) > 16)
		return 0;
	for (const char *p = lang; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    *p == '-' || *p == '_'))
			return 0;
	return 1;
}

/* name_ok - 1 when a template name cannot leave the templates directory */
static int
name_ok(const char *name)
{
	return name && *name && strchr(name, '/') == NULL && strstr(name, "..") == NULL;
}

/* site_file - NAME.txt in lang from the site's own directories only
 * ($BARAZA_TEMPLATES, SYSCONFDIR/baraza/templates): a site may keep its
 * own wording in a language, used as written; owned path or NULL */
static char *
site_file(const char *name, const char *lang)
{
	const char *env = getenv("BARAZA_TEMPLATES");
	const char *dirs[2];
	size_t ndirs = 0;

	if (!lang_ok(lang) || strcmp(lang, "en") == 0)
		return NULL;
	if (env && *env)
		dirs[ndirs++] = env;
	dirs[ndirs++] = SYSCONFDIR "/baraza/templates";
	for (size_t d = 0; d < ndirs; d++) {
		char *path = xasprintf("%s/%s/%s.txt", dirs[d], lang, name);

		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/* template_find - see template.h */
char *
template_find(const char *name, const char *lang, const char *fallback_lang)
{
	const char *env = getenv("BARAZA_TEMPLATES");
	const char *dirs[3];
	const char *langs[2] = { lang, fallback_lang };
	size_t ndirs = 0;

	if (!name_ok(name))
		return NULL;
	for (size_t l = 0; l < 2; l++) {
		char *path = site_file(name, langs[l]);

		if (path)
			return path;
	}
	if (env && *env)
		dirs[ndirs++] = env;
	dirs[ndirs++] = SYSCONFDIR "/baraza/templates";
	dirs[ndirs++] = PKGDATADIR "/templates";
	for (size_t d = 0; d < ndirs; d++) {
		char *path = xasprintf("%s/en/%s.txt", dirs[d], name);

		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/* is_source - 1 when path is an English source template (translated
 * through the catalog), 0 for a site's own file in another language */
static int
is_source(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL && slash - path >= 3 && strncmp(slash - 3, "/en/", 4) == 0;
}

/* template_msgid_ok - see template.h */
int
template_msgid_ok(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '{' && i + 1 < len && text[i + 1] == '{') {
			const char *close = memmem(text + i, len - i, "}}", 2);

			if (close == NULL)
				return 1;
			i = (size_t)(close - text) + 1;
			continue;
		}
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch >= 0x80)
			return 1;
	}
	return 0;
}

/* put_translated - append the translation of len bytes at p into lang */
static void
put_translated(struct buf *out, const char *p, size_t len, const char *lang)
{
	char *id;

	if (!template_msgid_ok(p, len)) {
		buf_append(out, p, len);
		return;
	}
	id = xmalloc(len + 1);
	memcpy(id, p, len);
	id[len] = '\0';
	buf_puts(out, catalog_tr(lang, id));
	free(id);
}

/* template_translate - see template.h */
int
template_translate(struct buf *out, const char *text, size_t len,
    const char *lang)
{
	const char *p = text, *end = text + len;

	if (len >= 9 && strncmp(text, "Subject: ", 9) == 0) {
		const char *eol = memchr(text, '\n', len);

		if (eol == NULL)
			eol = end;
		buf_puts(out, "Subject: ");
		put_translated(out, text + 9, (size_t)(eol - text - 9), lang);
		p = eol;
		while (p < end && *p == '\n')
			buf_putc(out, *p++);
	}
	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n\n", 2), *q;

		if (sep == NULL) {
			sep = end;
			while (sep > p && sep[-1] == '\n')
				sep--;
		}
		put_translated(out, p, (size_t)(sep - p), lang);
		for (q = sep; q < end && *q == '\n'; q++)
			buf_putc(out, '\n');
		p = q;
	}
	return buf_failed(out) ? -1 : 0;
}

/* var_get - the value of the variable named by len bytes at name, or NULL */
static const char *
var_get(const struct template_var *vars, size_t nvars, const char *name, size_t len)
{
	for (size_t i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
			return vars[i].value;
	return NULL;
}

/* template_expand - render text (len bytes) into out */
int
template_expand(struct buf *out, const char *text, size_t len,
    const struct template_var *vars, size_t nvars)
{
	const char *p = text, *end = text + len;
	int skipping = 0;

	while (p < end) {
		const char *open = memmem(p, (size_t)(end - p), "{{", 2), *close;
		const char *nm;
		size_t nlen;

		if (open == NULL) {
			if (!skipping && buf_append(out, p, (size_t)(end - p)) < 0)
				return -1;
			break;
		}
		if (!skipping && buf_append(out, p, (size_t)(open - p)) < 0)
			return -1;
		close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
		if (close == NULL) {
			if (!skipping && buf_append(out, open, (size_t)(end - open)) < 0)
				return -1;
			break;
		}
		nm = open + 2;
		nlen = (size_t)(close - nm);
		if (nlen > 0 && (*nm == '#' || *nm == '/')) {
			const char *v = var_get(vars, nvars, nm + 1, nlen - 1);

			if (*nm == '#')
				skipping = v == NULL || *v == '\0';
			else
				skipping = 0;
			p = close + 2;
			/* A section tag alone on its line leaves no blank line. */
			if (p < end && *p == '\n' && (open == text || open[-1] == '\n'))
				p++;
			continue;
		}
		if (!skipping) {
			const char *v = var_get(vars, nvars, nm, nlen);

			if (v && buf_puts(out, v) < 0)
				return -1;
		}
		p = close + 2;
	}
	return 0;
}

/* template_render - see template.h */
int
template_render(struct buf *out, const char *name, const char *lang,
    const char *fallback_lang, const struct template_var *vars, size_t nvars)
{
	char *path = template_find(name, lang, fallback_lang);
	FILE *fp;
	char *text;
	size_t n;
	int rc;

	if (path == NULL)
		return log_error("template %s (%s): not found", name, lang ? lang : "-");
	fp = fopen(path, "r");
	if (fp == NULL) {
		log_warn("template %s", path);
		free(path);
		return -1;
	}
	text = xmalloc(TEMPLATE_MAX);
	n = fread(text, 1, TEMPLATE_MAX, fp);
	fclose(fp);
	if (is_source(path)) {
		struct buf tb;

		buf_init(&tb, 4 * TEMPLATE_MAX);
		template_translate(&tb, text, n, catalog_pick(lang, fallback_lang));
		rc = buf_failed(&tb) ? -1 : template_expand(out, tb.data, tb.len, vars, nvars);
		buf_release(&tb);
	} else {
		rc = template_expand(out, text, n, vars, nvars);
	}
	if (rc < 0)
		log_error("template %s: output too large", path);
	free(text);
	free(path);
	return rc;
}

/* string_in_file - look key up in one strings file; 1 found, 0 not */
static int
string_in_file(const char *path, const char *key, char *out, size_t outlen)
{
	char line[1024];
	size_t klen = strlen(key);
	FILE *fp = fopen(path, "r");
	int found = 0;

	if (fp == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp)) {
		char *p = line, *end;

		if (*p == '#' || strncmp(p, key, klen) != 0)
			continue;
		p += klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
			*--end = '\0';
		snprintf(out, outlen, "%s", p);
		found = 1;
	}
	fclose(fp);
	return found;
}

/* template_string - see template.h */
int
template_string(const char *name, const char *key, const char *lang,
    const char *fallback_lang, char *out, size_t outlen)
{
	const char *chain[2] = { lang, fallback_lang };
	char *path;
	int found;

	/* a site's own file in the member's language, as written */
	for (size_t i = 0; i < 2; i++) {
		if ((path = site_file(name, chain[i])) == NULL)
			continue;
		found = string_in_file(path, key, out, outlen);
		free(path);
		if (found)
			return 0;
	}
	/* else the English text, through the catalog */
	path = template_find(name, "en", "en");
	found = path && string_in_file(path, key, out, outlen);
	free(path);
	if (found) {
		char *en = xstrdup(out);

		snprintf(out, outlen, "%s", catalog_tr(catalog_pick(lang, fallback_lang), en));
		free(en);
		return 0;
	}
	if (outlen)
		out[0] = '\0';
	return -1;
}

/* template_label - see template.h */
const char *
template_label(char *out, size_t outlen, const char *key, const char *lang,
    const char *fallback_lang)
{
	if (template_string("strings", key, lang, fallback_lang, out, outlen) < 0)
		snprintf(out, outlen, "%s", key);
	return out;
}

/* template_month - see template.h */
void
template_month(char *out, size_t outlen, int month, const char *lang,
    const char *fallback_lang)
{
	char months[512], *tok, *save = NULL;
	int i = 0;

	template_label(months, sizeof(months), "months", lang, fallback_lang);
	for (tok = strtok_r(months, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (i++ == month) {
			snprintf(out, outlen, "%s", tok);
			return;
		}
	snprintf(out, outlen, "%d", month + 1);
}

/* template_date_range - see template.h */
int
template_date_range(struct buf *out, time_t start, time_t end,
    const char *lang, const char *fallback_lang)
{
	const char *use = catalog_pick(lang, fallback_lang);
	struct tm a, b;
	char ma[64], mb[64], da[16], db[16], ya[16], yb[16];
	time_t last = end > start ? end - 1 : start;   /* end is exclusive */
	struct template_var v[] = {
		{ "day1", da }, { "month1", ma }, { "year1", ya },
		{ "day2", db }, { "month2", mb }, { "year2", yb },
	};
	const char *fmt;

	localtime_r(&start, &a);
	localtime_r(&last, &b);
	template_month(ma, sizeof(ma), a.tm_mon, use, use);
	template_month(mb, sizeof(mb), b.tm_mon, use, use);
	snprintf(da, sizeof(da), "%d", a.tm_mday);
	snprintf(db, sizeof(db), "%d", b.tm_mday);
	snprintf(ya, sizeof(ya), "%d", a.tm_year + 1900);
	snprintf(yb, sizeof(yb), "%d", b.tm_year + 1900);
	if (a.tm_year == b.tm_year && a.tm_mon == b.tm_mon && a.tm_mday == b.tm_mday)
		/* TRANSLATORS: one day: day, month (abbreviated), year */
		fmt = tr(use, "{{day1}} {{month1}} {{year1}}");
	else if (a.tm_year == b.tm_year)
		/* TRANSLATORS: a range of days within one year, end day included:
		 * "17 Nov – 30 Nov 2020"; reorder to suit your language */
		fmt = tr(use, "{{day1}} {{month1}} \xe2\x80\x93 {{day2}} {{month2}} {{year2}}");
	else
		/* TRANSLATORS: a range of days over two years, end day included */
		fmt = tr(use, "{{day1}} {{month1}} {{year1}} \xe2\x80\x93 {{day2}} {{month2}} {{year2}}");
	return template_expand(out, fmt, strlen(fmt), v, sizeof(v) / sizeof(v[0]));
}

/* template_number - see template.h */
void
template_decimal(char *out, size_t outlen, double value, const char *lang)
{
	char whole[32], frac[8];
	struct template_var v[] = { { "int", whole }, { "frac", frac } };
	struct buf b;
	/* TRANSLATORS: a number with one decimal, e.g. 1.5; write the
	 * decimal separator of your language ("{{int}},{{frac}}") */
	const char *fmt = tr(lang, "{{int}}.{{frac}}");
	long tenths = (long)(value * 10.0 + (value < 0 ? -0.5 : 0.5));

	snprintf(whole, sizeof(whole), "%s%ld", tenths < 0 ? "-" : "", labs(tenths) / 10);
	snprintf(frac, sizeof(frac), "%ld", labs(tenths) % 10);
	buf_init(&b, 256);
	template_expand(&b, fmt, strlen(fmt), v, 2);
	snprintf(out, outlen, "%s", b.data);
	buf_release(&b);
}

/* template_percent - see template.h */
void
template_percent(char *out, size_t outlen, double percent, const char *lang)
{
	char n[32];
	struct template_var v[] = { { "n", n } };
	struct buf b;
	/* TRANSLATORS: a percentage, e.g. "40%"; French and others write
	 * a (non-breaking) space before the sign */
	const char *fmt = tr(lang, "{{n}}%");

	snprintf(n, sizeof(n), "%.0f", percent);
	buf_init(&b, 256);
	template_expand(&b, fmt, strlen(fmt), v, 1);
	snprintf(out, outlen, "%s", b.data);
	buf_release(&b);
}

/* template_plural - see template.h */
int
template_plural(struct buf *out, const char *lang, const char *one,
    const char *many, unsigned long n, const struct template_var *vars,
    size_t nvars)
{
	const char *fmt = catalog_trn(lang, one, many, n);
	struct template_var v[8];
	char num[32];
	size_t k = 0;

	snprintf(num, sizeof(num), "%lu", n);
	v[k++] = (struct template_var){ "n", num };
	for (size_t i = 0; i < nvars && k < 8; i++)
		v[k++] = vars[i];
	return template_expand(out, fmt, strlen(fmt), v, k);
}
