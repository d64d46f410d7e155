/* SPDX-License-Identifier: GPL-3.0-or-later */
/* html2text - readable plain text from an HTML body
 *
 * Not an HTML parser: a single pass over tags that knows which ones break
 * lines (p, div, br, li, tr, h1-h6, blockquote...), drops script, style,
 * head and comments, writes links as "text <url>", list items as "- item",
 * blockquote contents as "> " lines (so quote detection works on HTML-only
 * replies), decodes character references, and collapses white space
 * outside <pre>.  Input and output are UTF-8.
 */
#ifndef BARAZA_HTML2TEXT_H
#define BARAZA_HTML2TEXT_H

#include <stddef.h>

struct buf;

/* html2text - append the text of in (len bytes of UTF-8 HTML) to out;
 * 0, or -1 when out reached its cap (the text is cut there) */
int html2text(const char *in, size_t len, struct buf *out);

#endif
