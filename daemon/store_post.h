/* store_post - (to be written) */
#ifndef BARAZA_STORE_POST_H
#define BARAZA_STORE_POST_H

#endif
