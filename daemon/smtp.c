/* smtp - (to be written) */
#include "config.h"
