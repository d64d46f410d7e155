/* route - (to be written) */
#ifndef BARAZA_ROUTE_H
#define BARAZA_ROUTE_H

#endif
