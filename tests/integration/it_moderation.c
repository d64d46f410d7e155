/* it_moderation - (to be written) */
#include <criterion/criterion.h>
