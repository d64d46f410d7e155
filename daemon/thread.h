/* thread - (to be written) */
#ifndef BARAZA_THREAD_H
#define BARAZA_THREAD_H

#endif
