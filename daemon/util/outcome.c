/* SPDX-License-Identifier: GPL-3.0-or-later */
/* outcome - how a fetch or a delivery ended (see outcome.h) */
#include "config.h"

#include "log.h"
#include "outcome.h"

/* outcome_name - see outcome.h */
const char *
outcome_name(enum outcome o)
{
	switch (o) {
	case OUTCOME_OK:
		return "ok";
	case OUTCOME_TEMP:
		return "temporary";
	case OUTCOME_PERM:
		return "permanent";
	case OUTCOME_INTERNAL:
		return "internal";
	}
	BUG("outcome %d", (int)o);
}
