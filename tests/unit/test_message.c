/* test_message - (to be written) */
#include <criterion/criterion.h>
