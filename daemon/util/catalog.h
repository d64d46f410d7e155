/* SPDX-License-Identifier: GPL-3.0-or-later */
/* catalog - the translations baraza sends in: GNU gettext .mo catalogs
 *
 * baraza writes to each member in that member's language, many languages
 * in one process and one cycle, so it cannot use setlocale() and the C
 * library's gettext (one locale per process, and only locales the system
 * has generated).  It reads the same compiled catalogs itself: po/LANG.po,
 * compiled by msgfmt into LOCALEDIR/LANG/LC_MESSAGES/baraza.mo (or
 * $BARAZA_LOCALEDIR/LANG/LC_MESSAGES/baraza.mo, which the tests point at
 * the build tree).  A catalog is loaded once, the first time a language is
 * asked for, and kept read-only for the life of the process.
 *
 * The msgids are English: English needs no catalog.  A language without a
 * catalog gets the English text.  Plural forms follow the catalog's
 * "Plural-Forms" header (the C expression gettext uses), so a new language
 * needs only its .po file.
 *
 * xgettext finds the strings through the keywords tr:2, trn:2,3 and N_.
 */
#ifndef BARAZA_CATALOG_H
#define BARAZA_CATALOG_H

/* catalog_tr - the translation of msgid into lang, or msgid itself
 * (borrowed: valid for the life of the process, or msgid's) */
const char *catalog_tr(const char *lang, const char *msgid);

/* catalog_trn - the form of (one, many) for n in lang (English rule:
 * one for n == 1) */
const char *catalog_trn(const char *lang, const char *one, const char *many,
    unsigned long n);

/* catalog_has - 1 when lang can be written: "en", or a catalog exists */
int catalog_has(const char *lang);

/* catalog_pick - the language to write in: lang when catalog_has(lang),
 * else fallback when it has one, else "en" (borrowed from the arguments
 * or static) */
const char *catalog_pick(const char *lang, const char *fallback);

/* catalog_languages - the languages that can be written, "en" first,
 * separated by ", " into out (e.g. "en, ar, es, fr, pt, sw") */
void catalog_languages(char *out, size_t outlen);

/* catalog_is_rtl - 1 for a language written right to left (ar, fa, he, ur) */
int catalog_is_rtl(const char *lang);

/* catalog_plural_index - evaluate a Plural-Forms "plural=" expression for
 * n; -1 when the expression does not parse (exposed for the tests) */
long catalog_plural_index(const char *expr, unsigned long n);

#define tr(lang, s) catalog_tr((lang), (s))
#define trn(lang, one, many, n) catalog_trn((lang), (one), (many), (n))
/* N_ marks a string for xgettext where it is defined, translated later */
#define N_(s) (s)

#endif
