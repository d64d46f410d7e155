/* it_ingest - (to be written) */
#include <criterion/criterion.h>
