/* store_member - (to be written) */
#ifndef BARAZA_STORE_MEMBER_H
#define BARAZA_STORE_MEMBER_H

#endif
