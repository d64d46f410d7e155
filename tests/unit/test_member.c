/* test_member - (to be written) */
#include <criterion/criterion.h>
