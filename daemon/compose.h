/* compose - (to be written) */
#ifndef BARAZA_COMPOSE_H
#define BARAZA_COMPOSE_H

#endif
