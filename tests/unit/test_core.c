/* test_core - (to be written) */
#include <criterion/criterion.h>
