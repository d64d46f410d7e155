/* SPDX-License-Identifier: GPL-3.0-or-later */
/* arena - bump allocator in chained blocks, with a total cap */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xalloc.h"

#define ARENA_BLOCK 16384
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char mem[];
};

struct arena {
	struct arena_block *head;
	size_t max, total;
};

/* arena_new - see arena.h */
struct arena *
arena_new(size_t max)
{
	struct arena *a = xcalloc(1, sizeof(*a));

	a->max = max;
	return a;
}

/* arena_free - see arena.h */
void
arena_free(struct arena **ap)
{
	struct arena *a = *ap;
	struct arena_block *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
	*ap = NULL;
}

/* arena_alloc - see arena.h */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (need < n || need > a->max || a->total > a->max - need)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;

		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
		/* A big one-off goes behind the current block so that the
		 * current block's free space stays usable. */
		if (a->head && size > ARENA_BLOCK) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->mem + b->used;
	b->used += need;
	a->total += need;
	memset(p, 0, n);
	return p;
}

/* arena_strndup - see arena.h */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* arena_strdup - see arena.h */
char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}
