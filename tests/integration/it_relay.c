/* it_relay - (to be written) */
#include <criterion/criterion.h>
