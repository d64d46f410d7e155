/* imap - (to be written) */
#include "config.h"
