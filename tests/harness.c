/* harness - (to be written) */
#include "harness.h"
