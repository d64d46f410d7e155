/* moderation - (to be written) */
#include "config.h"
