/* route - (stub until issue 3 lands: owner route) */
#include "config.h"

#include <string.h>

#include "route.h"

void
route_message(const struct conf *c, const struct message *m, size_t raw_len,
    struct route_result *r)
{
	memset(r, 0, sizeof(*r));
	r->route = ROUTE_POST;
}

const char *
route_name(enum route r)
{
	static const char *const names[] = { "post", "command", "summary",
	    "confirm", "approve", "reject", "unsubscribe", "reply", "owner",
	    "bounce", "autoreply", "loop", "oversize", "invalid" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "invalid";
}
