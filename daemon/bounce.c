/* bounce - (to be written) */
#include "config.h"
