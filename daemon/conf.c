/* conf - (to be written) */
#include "config.h"

#include <stdlib.h>

#include "conf.h"

struct conf *
conf_load(const char *path, struct buf *errs)
{
	buf_printf(errs, "%s:0: configuration parser not written yet\n", path);
	return NULL;
}

void
conf_free(struct conf **cp)
{
	*cp = NULL;
}

const char *
conf_default_path(void)
{
	const char *e = getenv("BARAZA_CONF");

	return e && *e ? e : SYSCONFDIR "/baraza.conf";
}
