/* test_thread - (to be written) */
#include <criterion/criterion.h>
