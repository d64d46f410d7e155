/* SPDX-License-Identifier: GPL-3.0-or-later */
/* html_entities - the HTML5 named character references (all 2 231 of
 * them), generated at build time from html_entities.txt
 *
 * A name ending in ';' needs its semicolon; the 106 legacy names without
 * one are also read without it ("&eacute" in old mail).  A reference
 * stands for one code point, or two (cp2 != 0: "&NotEqualTilde;").
 */
#ifndef BARAZA_HTML_ENTITIES_H
#define BARAZA_HTML_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

struct html_entity {
	const char *name;
	uint32_t cp, cp2;
};

extern const struct html_entity html_entities[];
extern const size_t html_nentities;

#define HTML_ENTITY_MAX 32   /* longest name, its ';' included */

/* html_entity_find - the reference named s[0..n) exactly (its ';'
 * included if it has one), or NULL */
const struct html_entity *html_entity_find(const char *s, size_t n);

#endif
