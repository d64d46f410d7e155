/* test_bounce - (to be written) */
#include <criterion/criterion.h>
