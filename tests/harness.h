/* harness - (to be written) */
#ifndef BARAZA_HARNESS_H
#define BARAZA_HARNESS_H
#endif
