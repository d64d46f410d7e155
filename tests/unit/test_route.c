/* test_route - (to be written) */
#include <criterion/criterion.h>
