/* store_outbox - (to be written) */
#include "config.h"
