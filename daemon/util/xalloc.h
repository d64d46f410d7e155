/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xalloc - allocation wrappers that never return NULL
 *
 * Out of memory is an environment failure: these call fatal() and the process
 * exits with status 1.  Every allocation in baraza goes through them (or through
 * an arena, see arena.h); no raw malloc() result is ever left unchecked.
 */
#ifndef BARAZA_XALLOC_H
#define BARAZA_XALLOC_H

#include <stddef.h>
#include <stdarg.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
/* xrealloc - like realloc(3); also checks nmemb * size for overflow */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* xstrndup - copy at most n bytes of s, always NUL-terminated */
char *xstrndup(const char *s, size_t n);
/* xasprintf - printf into a fresh heap string (owned by the caller) */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* xfree - free(*pp) and set *pp = NULL */
#define xfree(pp) do { free(*(pp)); *(pp) = NULL; } while (0)

#endif
