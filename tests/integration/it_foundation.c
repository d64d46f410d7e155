/* it_foundation - (to be written) */
#include <criterion/criterion.h>
