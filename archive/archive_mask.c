/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_mask - the archive's use of the address masker (see archive_mask.h) */
#include "config.h"

#include <string.h>

#include "archive_mask.h"
#include "mask.h"

/* archive_mask_shown - text, or a copy with its addresses hidden */
const char *
archive_mask_shown(const struct conf *c, struct buf *tmp, const char *text, size_t *len)
{
	buf_reset(tmp);
	if (!c->archive.hide_addresses) {
		*len = strlen(text);
		return text;
	}
	mask_text(tmp, text, text + strlen(text));
	if (buf_failed(tmp))
		return NULL;
	*len = tmp->len;
	return tmp->data;
}
