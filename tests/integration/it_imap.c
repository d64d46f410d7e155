/* it_imap - (to be written) */
#include <criterion/criterion.h>
