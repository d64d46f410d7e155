/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_forget - what `member forget` erases beyond the member's rows:
 * her address and the names she went by, wherever they are written in
 * stored mail and text (see store_forget.c for the list), and the search
 * index rebuilt without them.
 */
#ifndef BARAZA_STORE_FORGET_H
#define BARAZA_STORE_FORGET_H

#include <stdint.h>

#include "store.h"

/* store_forget_scrub - replace member's address email (borrowed) with
 * "former-member@invalid" and her name (NULL: none) and every display
 * name her posts carry with "former member", in the open transaction;
 * call it before her posts lose their author, and store_forget_reindex()
 * last.  0 or -1 (logged). */
int store_forget_scrub(struct store *s, int64_t member, const char *email,
    const char *name);

/* store_forget_reindex - rebuild the search index from the posts as they
 * now are: the last step of a forget, after every update of a post.
 * 0 or -1. */
int store_forget_reindex(struct store *s);

#endif
