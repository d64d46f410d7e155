/* store_member - (to be written) */
#include "config.h"
