/* test_conf - (to be written) */
#include <criterion/criterion.h>
