/* smtp - (to be written) */
#ifndef BARAZA_SMTP_H
#define BARAZA_SMTP_H

#endif
