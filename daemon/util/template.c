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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* template_find - see template.h */
char *
template_find(const char *name, const char *lang, const char *fallback_lang)
{
	const char *env = getenv("BARAZA_TEMPLATES");
	const char *dirs[3];
	const char *langs[3] = { lang, fallback_lang, "en" };
	size_t ndirs = 0;

	if (!name_ok(name))
		return NULL;
	if (env && *env)
		dirs[ndirs++] = env;
	dirs[ndirs++] = SYSCONFDIR "/baraza/templates";
	dirs[ndirs++] = PKGDATADIR "/templates";
	for (size_t l = 0; l < 3; l++) {
		if (!lang_ok(langs[l]))
			continue;
		for (size_t d = 0; d < ndirs; d++) {
			char *path = xasprintf("%s/%s/%s.txt", dirs[d], langs[l], name);

			if (access(path, R_OK) == 0)
				return path;
			free(path);
		}
	}
	return NULL;
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
	rc = template_expand(out, text, n, vars, nvars);
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
	const char *chain[3] = { lang, fallback_lang, "en" };

	for (size_t i = 0; i < 3; i++) {
		char *path;
		int found;

		if (!lang_ok(chain[i]))
			continue;
		path = template_find(name, chain[i], chain[i]);
		if (path == NULL)
			continue;
		found = string_in_file(path, key, out, outlen);
		free(path);
		if (found)
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
	struct tm a, b;
	char ma[64], mb[64];

	localtime_r(&start, &a);
	localtime_r(&end, &b);
	template_month(ma, sizeof(ma), a.tm_mon, lang, fallback_lang);
	template_month(mb, sizeof(mb), b.tm_mon, lang, fallback_lang);
	if (a.tm_year == b.tm_year)
		return buf_printf(out, "%d %s \xe2\x80\x93 %d %s %d", a.tm_mday,
		    ma, b.tm_mday, mb, b.tm_year + 1900);
	return buf_printf(out, "%d %s %d \xe2\x80\x93 %d %s %d", a.tm_mday, ma,
	    a.tm_year + 1900, b.tm_mday, mb, b.tm_year + 1900);
}
