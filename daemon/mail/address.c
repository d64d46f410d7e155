/* SPDX-License-Identifier: GPL-3.0-or-later */
/* address - normalise and compare e-mail addresses (see address.h)
 *
 * The rules are deliberately narrower than RFC 5322's addr-spec: quoted
 * local parts and domain literals are refused, because an address that
 * needs them cannot be put into a header or a VERP return path without
 * quoting, and no real member of a community list uses them.  8-bit
 * (UTF-8) local parts and domains are accepted when they are valid UTF-8.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "utf8.h"
#include "xalloc.h"

/* addr_char_bad - why an ASCII byte may not appear in an address, or NULL */
static const char *
addr_char_bad(unsigned char ch)
{
	if (ch == ' ' || ch == '\t')
		return "contains a space";
	if (ch == '\r' || ch == '\n')
		return "contains a line break";
	if (ch < 0x20 || ch == 0x7f)
		return "contains a control character";
	if (strchr("\"(),:;<>[]\\", ch) != NULL)
		return "contains a character not allowed in an address";
	return NULL;
}

/* addr_normalize - see address.h */
int
addr_normalize(const char *in, char *out, size_t outlen, const char **why)
{
	const char *start, *end, *at = NULL, *reason;
	size_t n, local_len, domain_len;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (in == NULL) {
		*why = "empty address";
		return -1;
	}
	start = in;
	end = in + strlen(in);
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (start < end && *start == '<') {
		if (end[-1] != '>') {
			*why = "unbalanced '<'";
			return -1;
		}
		start++;
		end--;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
	}
	n = (size_t)(end - start);
	if (n == 0) {
		*why = "empty address";
		return -1;
	}
	if (n > ADDR_MAX) {
		*why = "address too long";
		return -1;
	}
	for (const char *p = start; p < end; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '@') {
			if (at != NULL) {
				*why = "more than one '@'";
				return -1;
			}
			at = p;
			continue;
		}
		if (ch < 0x80 && (reason = addr_char_bad(ch)) != NULL) {
			*why = reason;
			return -1;
		}
	}
	if (!utf8_valid(start, n)) {
		*why = "not valid UTF-8";
		return -1;
	}
	if (at == NULL) {
		*why = "no '@'";
		return -1;
	}
	local_len = (size_t)(at - start);
	domain_len = (size_t)(end - at - 1);
	if (local_len == 0) {
		*why = "empty local part";
		return -1;
	}
	if (domain_len == 0) {
		*why = "empty domain";
		return -1;
	}
	if (local_len > ADDR_LOCAL_MAX) {
		*why = "local part too long";
		return -1;
	}
	if (domain_len > ADDR_DOMAIN_MAX) {
		*why = "domain too long";
		return -1;
	}
	/* A domain is dot-separated labels of letters, digits, '-' (and 8-bit
	 * bytes of IDNs); no empty label, so no leading, trailing or double dot. */
	for (const char *p = at + 1; p < end; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '.' && (p == at + 1 || p + 1 == end || p[1] == '.')) {
			*why = "empty label in the domain";
			return -1;
		}
		if (ch < 0x80 && ch != '.' && ch != '-' &&
		    !(ch >= '0' && ch <= '9') && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= 'A' && ch <= 'Z')) {
			*why = "character not allowed in the domain";
			return -1;
		}
	}
	if (outlen < n + 1) {
		*why = "address too long";
		return -1;
	}
	memmove(out, start, n);
	out[n] = '\0';
	for (size_t i = local_len + 1; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return 0;
}

/* addr_normalize_dup - see address.h */
char *
addr_normalize_dup(const char *in, const char **why)
{
	char tmp[ADDR_MAX + 1];

	if (addr_normalize(in, tmp, sizeof(tmp), why) < 0)
		return NULL;
	return xstrdup(tmp);
}

/* addr_equal - see address.h */
int
addr_equal(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* addr_domain - see address.h */
const char *
addr_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at ? at + 1 : NULL;
}

/* addr_envelope_ok - see address.h */
int
addr_envelope_ok(const char *a)
{
	const char *at = strrchr(a, '@');

	if (*a == '\0' || strlen(a) > ADDR_MAX || at == NULL || at == a ||
	    at[1] == '\0')
		return 0;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

/* local_char - may ch be part of a local part found in prose? */
static int
local_char(int ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+/=?^_`{|}~.-", ch)) || ch >= 0x80;
}

/* domain_char - may ch be part of a domain found in prose? */
static int
domain_char(int ch)
{
	return isalnum(ch) || ch == '.' || ch == '-';
}

/* addr_find - see address.h */
const char *
addr_find(const char *p, const char *end, const char **start, size_t *len)
{
	for (const char *at = memchr(p, '@', (size_t)(end - p)); at;
	    at = memchr(at + 1, '@', (size_t)(end - at - 1))) {
		const char *l = at, *r = at + 1, *dot = NULL;
		int letters = 1;

		while (l > p && local_char((unsigned char)l[-1]) && at - l < 64)
			l--;
		while (l < at && (*l == '.' || *l == '\''))
			l++;
		while (r < end && domain_char((unsigned char)*r) && r - at < 255)
			r++;
		while (r > at + 1 && (r[-1] == '.' || r[-1] == '-'))
			r--;
		for (const char *q = at + 1; q < r; q++)
			if (*q == '.')
				dot = q;
		if (l == at || dot == NULL || r - dot < 3)
			continue;
		/* a top-level domain is letters only (not an IP address) */
		for (const char *q = dot + 1; q < r; q++)
			if (!isalpha((unsigned char)*q))
				letters = 0;
		if (!letters)
			continue;
		*start = l;
		*len = (size_t)(r - l);
		return r;
	}
	return NULL;
}
