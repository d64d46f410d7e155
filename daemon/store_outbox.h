/* store_outbox - (to be written) */
#ifndef BARAZA_STORE_OUTBOX_H
#define BARAZA_STORE_OUTBOX_H

#endif
