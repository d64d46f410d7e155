/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_listaddr - libFuzzer harness for the cop+TAG@ parser and builder
 *
 * The input (up to its first NUL) is an address given to listaddr_parse()
 * for a list cop@example.org with two themes, and a raw header value
 * scanned by listaddr_scan().  Invariants: an address the parser accepts
 * as one of the list's matches it case-insensitively; an argument it
 * returns lies within the input or is a configured slug and holds no
 * control character, space or '@'; what the parser accepts with an
 * argument (up to LISTADDR_ARG_MAX bytes: the builder's limit) the
 * builder writes back, and that address parses to the same kind and
 * argument; every address the scanner finds fits its buffer and
 * holds an '@'; a bounces argument the builder takes (a signed one)
 * parses back to the same length.
 *
 *	make fuzz-listaddr FUZZ_SECONDS=60   (or run tests/fuzz/fuzz_listaddr CORPUS)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "listaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf_theme themes[2];
static struct conf conf;

static const struct conf *
test_conf(void)
{
	if (conf.list.address == NULL) {
		conf.list.address = (char *)"cop@example.org";
		conf.list.local = (char *)"cop";
		conf.list.domain = (char *)"example.org";
		conf.list.tag_separator = (char *)"+";
		themes[0].slug = (char *)"funding";
		themes[1].slug = (char *)"power-tool";
		conf.themes = themes;
		conf.nthemes = 2;
	}
	return &conf;
}

/* check_arg - an argument fit to be copied into a header */
static void
check_arg(const char *arg, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)arg[i] <= 0x20 || arg[i] == 0x7f || arg[i] == '@')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct conf *c = test_conf();
	char *s = malloc(size + 1), addr[LISTADDR_ADDR_MAX], arg[LISTADDR_ARG_MAX + 1];
	struct listaddr_tag t, back;
	const char *p;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (listaddr_parse(c, s, &t) == 1) {
		const char *at = strrchr(s, '@');

		if (at == NULL || strcasecmp(at + 1, "example.org") != 0 ||
		    strncasecmp(s, "cop", 3) != 0)
			abort();
		if (t.arg != NULL) {
			if (t.arg_in_tag && (t.arg < s || t.arg + t.arglen > s + strlen(s)))
				abort();
			check_arg(t.arg, t.arglen);
		}
		/* the builder writes arguments up to LISTADDR_ARG_MAX */
		if (t.arg != NULL && t.arglen <= LISTADDR_ARG_MAX) {
			memcpy(arg, t.arg, t.arglen);
			arg[t.arglen] = '\0';
			if (t.kind == LISTADDR_BOUNCES) {
				/* the builder writes only signed arguments (letters,
				 * digits, '-'); what it writes parses back the same */
				char *again = listaddr_tagged(c, t.kind, arg);

				if (again != NULL && (listaddr_parse(c, again, &back) != 1 ||
				    back.kind != t.kind || back.arglen != t.arglen))
					abort();
				free(again);
			} else {
				char *again = listaddr_tagged(c, t.kind, arg);

				if (again == NULL || listaddr_parse(c, again, &back) != 1 ||
				    back.kind != t.kind || back.arglen != t.arglen ||
				    strncasecmp(back.arg, arg, t.arglen) != 0)
					abort();
				free(again);
			}
		}
	}
	for (p = s; listaddr_scan(&p, addr, sizeof(addr)); )
		if (strlen(addr) >= sizeof(addr) || strchr(addr, '@') == NULL)
			abort();
	free(s);
	return 0;
}
