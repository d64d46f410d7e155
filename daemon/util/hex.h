/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hex - hexadecimal digits, for the codecs and URLs that carry them */
#ifndef BARAZA_HEX_H
#define BARAZA_HEX_H

/* hex_value - the value (0..15) of the hex digit c (either case), or -1 */
int hex_value(int c);

#endif
