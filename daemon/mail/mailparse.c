/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mailparse - the state one message's parse shares (see mailparse.h) */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "mailparse.h"

/* mailparse_init - see mailparse.h */
void
mailparse_init(struct mailparse *mp, struct arena *a, size_t max_text,
    size_t max_size)
{
	memset(mp, 0, sizeof(*mp));
	mp->arena = a;
	charset_cache_init(&mp->cc);
	buf_init(&mp->tmp1, max_text * 4 + 65536);
	buf_init(&mp->tmp2, max_text + 65536);
	buf_init(&mp->tmp3, max_size + 1);
}

/* mailparse_release - see mailparse.h */
void
mailparse_release(struct mailparse *mp)
{
	buf_release(&mp->tmp1);
	buf_release(&mp->tmp2);
	buf_release(&mp->tmp3);
	charset_cache_release(&mp->cc);
}

/* mailparse_defect - see mailparse.h */
void
mailparse_defect(struct mailparse *mp, const char *what)
{
	size_t i;

	for (i = 0; i < mp->ndefects; i++)
		if (strcmp(mp->defects[i], what) == 0)
			return;
	if (mp->ndefects < MAILPARSE_MAX_DEFECTS)
		mp->defects[mp->ndefects++] = what;
}

/* defect_charset - "bad-charset:NAME" with the name made printable */
static void
defect_charset(struct mailparse *mp, const char *name)
{
	char d[64];
	size_t i, n = 0;

	n = (size_t)snprintf(d, sizeof(d), "bad-charset:");
	for (i = 0; name && name[i] && n < sizeof(d) - 1; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '"' || ch == '\'' || ch == ' ' || ch == ';')
			continue;
		d[n++] = ch > 0x20 && ch < 0x7f ? (char)tolower(ch) : '?';
	}
	d[n] = '\0';
	for (i = 0; i < mp->ndefects; i++)
		if (strcmp(mp->defects[i], d) == 0)
			return;
	mailparse_defect(mp, mailparse_strndup(mp, d, n));
}

/* mailparse_charset - see mailparse.h */
void
mailparse_charset(struct mailparse *mp, int bits, const char *charset)
{
	if (bits & CHARSET_BAD)
		defect_charset(mp, charset ? charset : "");
	if (bits & CHARSET_NUL)
		mailparse_defect(mp, "nul-bytes");
}

/* mailparse_strndup - see mailparse.h */
const char *
mailparse_strndup(struct mailparse *mp, const char *s, size_t n)
{
	char *r = arena_strndup(mp->arena, s, n);

	if (r == NULL) {
		mailparse_defect(mp, "arena-full");
		return "";
	}
	return r;
}

/* mailparse_alloc - see mailparse.h */
void *
mailparse_alloc(struct mailparse *mp, size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > ((size_t)-1) / size) {
		mailparse_defect(mp, "arena-full");
		return NULL;
	}
	p = arena_alloc(mp->arena, nmemb * size);
	if (p == NULL)
		mailparse_defect(mp, "arena-full");
	return p;
}

/* mailparse_memdup - see mailparse.h */
void *
mailparse_memdup(struct mailparse *mp, const void *p, size_t nmemb, size_t size)
{
	void *d = mailparse_alloc(mp, nmemb, size);

	if (d && nmemb)
		memcpy(d, p, nmemb * size);
	return d;
}
