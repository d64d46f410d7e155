/* test_compose - (to be written) */
#include <criterion/criterion.h>
