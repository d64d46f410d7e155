/* store_programme - (to be written) */
#ifndef BARAZA_STORE_PROGRAMME_H
#define BARAZA_STORE_PROGRAMME_H

#endif
