/* moderation - (stub until issue 4 lands: owner moderation) */
#include "config.h"

#include "moderation.h"

int
moderation_check(struct store *s, const struct conf *c,
    const struct message *m, int64_t author, const char **reason)
{
	*reason = NULL;
	return 0;
}

int
moderation_hold(struct store *s, const struct conf *c,
    const struct message *m, int64_t message_row, int64_t post_id,
    const char *reason)
{
	return 0;
}

int
moderation_answer(struct store *s, const struct conf *c,
    const struct message *m, int approve, const char *token)
{
	return 0;
}
