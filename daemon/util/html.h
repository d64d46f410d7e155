/* SPDX-License-Identifier: GPL-3.0-or-later */
/* html - escaping for the HTML that baraza writes (digests, archive)
 *
 * Everything that came from a message goes through html_escape(): it escapes
 * & < > " ' and drops bytes that are not valid UTF-8 and control characters
 * (except tab and newline), so no message can inject markup or break the
 * page's encoding.  html_text() also turns http(s) links into anchors with
 * rel="nofollow noopener"; other schemes (javascript:, data:) stay text.
 */
#ifndef BARAZA_HTML_H
#define BARAZA_HTML_H

#include <stddef.h>

#include "buf.h"

/* html_escape - append s (n bytes) to out, escaped */
void html_escape(struct buf *out, const char *s, size_t n);
void html_escape_str(struct buf *out, const char *s);
/* html_text - append plain text as HTML: escaped, newlines as <br>, http(s)
 * URLs as links */
void html_text(struct buf *out, const char *s, size_t n);
/* html_text_pre - html_text with the newlines kept as newlines, for an
 * element styled white-space: pre-wrap (a <br> there would double them) */
void html_text_pre(struct buf *out, const char *s, size_t n);

#endif
