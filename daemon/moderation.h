/* moderation - (to be written) */
#ifndef BARAZA_MODERATION_H
#define BARAZA_MODERATION_H

#endif
