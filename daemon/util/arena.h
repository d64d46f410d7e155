/* SPDX-License-Identifier: GPL-3.0-or-later */
/* arena - one memory pool per unit of work (an inbound message, a digest)
 *
 * Allocations are never freed one by one: arena_free() releases everything at
 * once.  A cap bounds the total, so a hostile message cannot make the parser
 * use more than its arena allows: arena_alloc() returns NULL past the cap and
 * the caller records a defect.  Results are aligned for any type.
 */
#ifndef BARAZA_ARENA_H
#define BARAZA_ARENA_H

#include <stddef.h>

struct arena;

/* arena_new - a pool that may hand out up to max bytes in all */
struct arena *arena_new(size_t max);
/* arena_free - release the pool and everything allocated from it; *ap = NULL */
void arena_free(struct arena **ap);
/* arena_alloc - n zeroed bytes valid until arena_free, or NULL past the cap */
void *arena_alloc(struct arena *a, size_t n);
/* arena_strndup - copy of n bytes, NUL-terminated, or NULL past the cap */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

#endif
