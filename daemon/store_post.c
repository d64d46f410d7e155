/* store_post - (to be written) */
#include "config.h"
