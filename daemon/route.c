/* route - (to be written) */
#include "config.h"
