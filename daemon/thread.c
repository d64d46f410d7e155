/* thread - (to be written) */
#include "config.h"
