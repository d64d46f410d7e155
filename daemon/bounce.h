/* bounce - (to be written) */
#ifndef BARAZA_BOUNCE_H
#define BARAZA_BOUNCE_H

#endif
