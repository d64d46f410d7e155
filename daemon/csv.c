/* csv - (to be written) */
#include "config.h"
