/* barazad - the daemon (to be written: issue 2/3) */
#include "config.h"

int
main(void)
{
	return 0;
}
