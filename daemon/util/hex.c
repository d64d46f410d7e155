/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hex - hexadecimal digits (see hex.h) */
#include "config.h"

#include "hex.h"

/* hex_value - see hex.h */
int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
