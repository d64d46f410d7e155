/* bounce - (stub until issue 4 lands: owner bounce) */
#include "config.h"

#include <string.h>

#include "bounce.h"

int
bounce_parse(const struct message *m, struct arena *a, struct bounce_report *out)
{
	memset(out, 0, sizeof(*out));
	return 0;
}

int
bounce_handle(struct store *s, const struct conf *c, const struct message *m,
    int64_t message_row, const char *verp)
{
	return 0;
}

int
bounce_record_failure(struct store *s, const struct conf *c,
    const char *address, const char *reason)
{
	return 0;
}
