/* ingest - (stub until issue 3 lands: owner ingest) */
#include "config.h"

#include <string.h>

#include "ingest.h"
#include "log.h"

int
ingest_message(struct store *s, const struct conf *c, const char *raw,
    size_t len, const char *origin, int relay, struct ingest_result *res)
{
	memset(res, 0, sizeof(*res));
	return log_error("ingest_message: not implemented yet");
}
