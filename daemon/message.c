/* message - (to be written) */
#include "config.h"
