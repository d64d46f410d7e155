/* test_store - (to be written) */
#include <criterion/criterion.h>
