/* mbox - (to be written) */
#include "config.h"
