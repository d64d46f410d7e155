/* SPDX-License-Identifier: GPL-3.0-or-later */
/* template - the texts baraza sends, from conf/templates/<lang>/NAME.txt
 *
 * The templates are written in English (conf/templates/en/NAME.txt) and
 * translated through the gettext catalogs (catalog.h) paragraph by
 * paragraph: the Subject line's text is one msgid, and so is every block
 * of lines between blank lines that has a letter outside {{...}};
 * po/template-pot.py extracts exactly these for xgettext's POT.  A site
 * may still keep its own wording in a language as a file
 * <lang>/NAME.txt in $BARAZA_TEMPLATES or SYSCONFDIR/baraza/templates:
 * that file is used as written.  The English source is looked for in
 * $BARAZA_TEMPLATES, SYSCONFDIR/baraza/templates, PKGDATADIR/templates.
 * Placeholders are {{name}}; an unknown placeholder is left
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

/* template_find - path of the template file that would be used (owned),
 * or NULL: a site's own file in lang or fallback_lang, else the English
 * source */
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

/* template_date_range - append "17 Nov – 30 Nov 2020" for [start, end):
 * local dates, the end day shown inclusive (the day of end - 1 s, so a
 * session ending at midnight shows its last day), the year once when both
 * share it, in lang's words and order; 0 or -1 (out's cap) */
int template_date_range(struct buf *out, time_t start, time_t end,
    const char *lang, const char *fallback_lang);

/* template_translate - append text (len bytes, a template in English)
 * translated into lang, paragraph by paragraph; 0 or -1 (out's cap) */
int template_translate(struct buf *out, const char *text, size_t len,
    const char *lang);

/* template_msgid_ok - 1 when a paragraph is worth translating (it has a
 * letter outside {{...}}) */
int template_msgid_ok(const char *text, size_t len);

/* template_decimal - value with one decimal as lang writes it ("1.5", "1,5") */
void template_decimal(char *out, size_t outlen, double value, const char *lang);

/* template_percent - a whole percentage as lang writes it ("40%", "40 %") */
void template_percent(char *out, size_t outlen, double percent, const char *lang);

/* template_plural - append the form of (one, many) for n in lang, with
 * {{n}} and up to 7 more variables expanded; 0 or -1 (out's cap) */
int template_plural(struct buf *out, const char *lang, const char *one,
    const char *many, unsigned long n, const struct template_var *vars,
    size_t nvars);

#endif
