/* csv - (to be written) */
#ifndef BARAZA_CSV_H
#define BARAZA_CSV_H

#endif
