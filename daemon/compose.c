/* compose - (to be written) */
#include "config.h"
