/* mbox - (to be written) */
#ifndef BARAZA_MBOX_H
#define BARAZA_MBOX_H

#endif
