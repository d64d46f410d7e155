/* message - (stub until issue 3 lands: owner message) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "message.h"
#include "xalloc.h"

void
message_default_limits(struct msg_limits *lim)
{
	lim->max_size = 64u << 20;
	lim->max_headers = 1000;
	lim->max_depth = 20;
	lim->max_parts = 500;
	lim->max_text = 1u << 20;
	lim->arena_max = 256u << 20;
}

struct message *
message_parse(const char *raw, size_t len, const struct msg_limits *lim)
{
	struct message *m = xcalloc(1, sizeof(*m));

	m->arena = arena_new(1u << 20);
	m->raw = raw;
	m->raw_len = len;
	m->subject = "";
	m->text = m->new_text = "";
	return m;
}

void
message_free(struct message **mp)
{
	if (*mp == NULL)
		return;
	arena_free(&(*mp)->arena);
	free(*mp);
	*mp = NULL;
}

const char *
message_header(const struct message *m, const char *name)
{
	return NULL;
}
