/* ingest - (to be written) */
#include "config.h"
