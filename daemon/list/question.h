/* SPDX-License-Identifier: GPL-3.0-or-later */
/* question - does the first paragraph of a post ask something?
 *
 * The kind rule of classify.h: a post that is neither tagged, a reply nor
 * a resource is a question when its first paragraph (after a salutation
 * line such as "Hi all,") asks something: a sentence ending in '?', a
 * Spanish "¿...?", or a first sentence that opens with a question word
 * (English, French, Spanish, Portuguese) and does not end in '.' or '!'.
 * Pure; the text is UTF-8.
 */
#ifndef BARAZA_QUESTION_H
#define BARAZA_QUESTION_H

/* question_asked - 1 when text (NULL: none) asks something, 0 when not;
 * *why (why may be NULL) gets a short static reason when it does */
int question_asked(const char *text, const char **why);

#endif
