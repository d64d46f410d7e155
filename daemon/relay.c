/* relay - (to be written) */
#include "config.h"
