/* relay - (stub until issue 4 lands: owner relay) */
#include "config.h"

#include <stdio.h>

#include "log.h"
#include "relay.h"

int
relay_enqueue_post(struct store *s, const struct conf *c, int64_t post_id)
{
	return 0;
}

int64_t
relay_enqueue_mail(struct store *s, const char *kind, const char *body,
    size_t len, const char *rcpt, int64_t member)
{
	return log_error("relay_enqueue_mail: not implemented yet");
}

int
relay_run(struct store *s, const struct conf *c, int *remaining)
{
	if (remaining)
		*remaining = 0;
	return 0;
}

int
relay_check(const struct conf *c, char *msg, size_t msglen)
{
	snprintf(msg, msglen, "SMTP check not implemented yet");
	return -1;
}
