/* store_programme - (to be written) */
#include "config.h"
