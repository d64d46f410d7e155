/* SPDX-License-Identifier: GPL-3.0-or-later */
/* msgid - Message-ID, In-Reply-To and References (see msgid.h) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "header.h"
#include "mailparse.h"
#include "msgid.h"
#include "xalloc.h"

/* msgid_parse - see msgid.h */
size_t
msgid_parse(struct mailparse *mp, const struct header_span *sp, const char ***outp)
{
	const char **all = NULL;
	size_t n = 0, alloc = 0, i;
	const char *p, *end;
	struct buf id;

	*outp = NULL;
	if (sp->p == NULL)
		return 0;
	header_unfold(mp, sp->p, sp->n, &mp->tmp1);
	p = mp->tmp1.data;
	end = p + mp->tmp1.len;
	buf_init(&id, MSGID_MAX);
	while (p < end) {
		int ok = 0;

		buf_reset(&id);
		if (*p == '(') {
			int depth = 0;

			do {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (p < end && depth > 0);
			continue;
		}
		if (*p == '<') {
			p++;
			while (p < end && *p != '>' && *p != '<') {
				if (!header_wsp((unsigned char)*p) && buf_append(&id, p, 1) < 0)
					break;
				p++;
			}
			if (p < end && *p == '>')
				p++;
			ok = id.len > 0;
		} else if (header_wsp((unsigned char)*p) || *p == ',' || *p == ';') {
			p++;
			continue;
		} else {
			int at = 0;

			while (p < end && !header_wsp((unsigned char)*p) && *p != ',' &&
			    *p != '<' && *p != '(') {
				if (*p == '@')
					at = 1;
				buf_append(&id, p, 1);
				p++;
			}
			ok = at && id.len > 2;
		}
		if (!ok)
			continue;
		for (i = 0; i < n; i++)
			if (strlen(all[i]) == id.len && memcmp(all[i], id.data, id.len) == 0)
				break;
		if (i < n)
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			all = xreallocarray(all, alloc, sizeof(*all));
		}
		all[n++] = mailparse_strndup(mp, id.data, id.len);
		/* keep the list bounded: drop the second one when full (the
		 * first is the thread root, the last ones the parents) */
		if (n > MSGID_MAX_IDS) {
			memmove(all + 1, all + 2, (n - 2) * sizeof(*all));
			n--;
		}
	}
	buf_release(&id);
	if (n) {
		*outp = mailparse_memdup(mp, all, n, sizeof(*all));
		if (*outp == NULL)
			n = 0;
	}
	free(all);
	return n;
}
