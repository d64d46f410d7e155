/* address - (to be written) */
#include "config.h"
