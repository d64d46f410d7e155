/* SPDX-License-Identifier: GPL-3.0-or-later */
/* template - the texts baraza sends, from conf/templates/<lang>/NAME.txt
 *
 * Search order for a template NAME in language LANG: the site directory
 * ($BARAZA_TEMPLATES, else SYSCONFDIR/baraza/templates), then the installed
 * PKGDATADIR/templates, each first in LANG, then in the list's language,
 * then in "en".  Placeholders are {{name}}; an unknown placeholder is left
 * empty.  {{#name}}...{{/name}} keeps the enclosed text only when name is
 * set and non-empty.  Values are inserted as given (the caller escapes for
 * HTML where needed).
 */
#ifndef BARAZA_TEMPLATE_H
#define BARAZA_TEMPLATE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct template_var {
	const char *name;
	const char *value;
};

/* template_render - render NAME in lang (fallback fallback_lang, then "en")
 * with nvars variables, appending to out.  0, or -1 when no such template
 * exists (logged). */
int template_render(struct buf *out, const char *name, const char *lang,
    const char *fallback_lang, const struct template_var *vars, size_t nvars);

/* template_find - path of the template file that would be used (owned), or NULL */
char *template_find(const char *name, const char *lang, const char *fallback_lang);

/* template_expand - render the template text itself (not a file name)
 * with the variables, appending to out; 0 or -1 (out's cap) */
int template_expand(struct buf *out, const char *text, size_t len,
    const struct template_var *vars, size_t nvars);

/* template_string - the value of the line "key = value" in NAME.txt, for
 * short strings (headings, month names).  Looked up key by key along the
 * chain lang, fallback_lang, "en".  Copies into out and returns 0, or -1
 * (out = "") when no file in the chain has the key. */
int template_string(const char *name, const char *key, const char *lang,
    const char *fallback_lang, char *out, size_t outlen);

/* template_label - the value of key in the "strings" template along the
 * chain lang, fallback_lang, "en" (template_string), or the key itself
 * when no file has it; into out, which is returned */
const char *template_label(char *out, size_t outlen, const char *key,
    const char *lang, const char *fallback_lang);

/* template_month - the name of month (0 = January) from the "months" label
 * (twelve words), or its number when the label has too few words */
void template_month(char *out, size_t outlen, int month, const char *lang,
    const char *fallback_lang);

/* template_date_range - append "17 Nov – 1 Dec 2020" (local dates, the
 * year once when both share it) in lang; 0 or -1 (out's cap) */
int template_date_range(struct buf *out, time_t start, time_t end,
    const char *lang, const char *fallback_lang);

#endif
