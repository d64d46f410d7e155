/* imap - (to be written) */
#ifndef BARAZA_IMAP_H
#define BARAZA_IMAP_H

#endif
