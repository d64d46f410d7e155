/* address - (to be written) */
#ifndef BARAZA_ADDRESS_H
#define BARAZA_ADDRESS_H

#endif
