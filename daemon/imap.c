/* imap - (stub until issue 3 lands: owner imap) */
#include "config.h"

#include <stdio.h>

#include "imap.h"

int
imap_check(const struct conf *c, char *msg, size_t msglen)
{
	snprintf(msg, msglen, "IMAP check not implemented yet");
	return -1;
}
