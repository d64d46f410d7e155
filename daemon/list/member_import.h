/* SPDX-License-Identifier: GPL-3.0-or-later */
/* member_import - member data from and to people: CSV import, and the
 * checks shared by `member add` and the import
 *
 * The CSV file has a header row naming its columns, in any order, from:
 * email (required), name, role, delivery, region, language, themes, status
 * (status is accepted so that `member list --csv` output can be imported
 * back, and ignored: imported members are active).  Empty fields leave an
 * existing member's value alone (a new member gets the default).  themes
 * holds slugs separated by spaces, ';' or ',', or "all".
 *
 * The import is atomic: it runs in one transaction, and unless
 * skip_invalid is set, one bad row means nothing is imported.  Every bad
 * row is reported, as "FILE:LINE: problem", not just the first.
 */
#ifndef BARAZA_MEMBER_IMPORT_H
#define BARAZA_MEMBER_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "store.h"

#define MEMBER_IMPORT_MAX_FIELD 4096

struct member_import_result {
	long added, updated;          /* rows written */
	long bad;                     /* rows refused (reported) */
	int unreadable;               /* no usable header: nothing imported,
	                               * even with skip_invalid */
};

/* member_import - read fp (borrowed; named fname in reports) into the
 * members table.  Reports go into report, one line each.  Returns 0 when
 * every row was good (all imported), 1 when some rows were bad (then
 * nothing was imported, or with skip_invalid the good rows were), -1 on a
 * database error (nothing imported). */
int member_import(struct store *s, FILE *fp, const char *fname,
    int skip_invalid, struct buf *report, struct member_import_result *r);

/* member_language_valid - 1 when s is a language tag ("en", "pt-BR") */
int member_language_valid(const char *s);

/* member_text_problem - why s cannot be a name or region of at most max
 * bytes (not UTF-8, control characters, too long), or NULL */
const char *member_text_problem(const char *s, size_t max);

/* member_parse_themes - themes text ("all", or slugs separated by spaces,
 * ';' or ',') into *all or a list of slugs (owned, lower-case; free each
 * and the array) that must name active themes in s.  0, or -1 with the
 * reason in err (-1 with "database error" on a store failure). */
int member_parse_themes(struct store *s, const char *text, int *all,
    char ***themes, size_t *nthemes, char *err, size_t errlen);

#endif
