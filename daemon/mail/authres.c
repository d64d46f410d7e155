/* SPDX-License-Identifier: GPL-3.0-or-later */
/* authres - the Authentication-Results grammar (RFC 8601), once
 *
 * A small hand-written lexer over the unfolded value: CFWS (white space
 * and nested comments), tokens, quoted strings, and the punctuation the
 * grammar uses (";", "=", ".", "/").  Whatever does not fit makes the
 * whole field unreadable (-1): a field that cannot be read says nothing,
 * which is the safe reading of a header that vouches for a sender.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "authres.h"

/* skip_cfws - white space and (nested (comments)); -1 on an unclosed one */
static int
skip_cfws(const char **pp)
{
	const char *p = *pp;

	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (*p == '(') {
			long depth = 0;

			do {
				if (*p == '\0')
					return -1;
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (depth > 0);
			continue;
		}
		break;
	}
	*pp = p;
	return 0;
}

/* put - append c to out (cap outlen, NUL kept), lower-cased if asked */
static void
put(char *out, size_t outlen, size_t *len, char c, int lower)
{
	if (*len + 1 < outlen) {
		out[(*len)++] = lower ? (char)tolower((unsigned char)c) : c;
		out[*len] = '\0';
	}
}

/* read_quoted - a quoted string at *pp into out; 1, or -1 if unclosed */
static int
read_quoted(const char **pp, char *out, size_t outlen, int lower)
{
	const char *p = *pp + 1;
	size_t len = 0;

	out[0] = '\0';
	for (; *p != '"'; p++) {
		if (*p == '\0')
			return -1;
		if (*p == '\\' && p[1] != '\0')
			p++;
		put(out, outlen, &len, *p, lower);
	}
	*pp = p + 1;
	return 1;
}

/* read_run - a quoted string, or a run of bytes that are neither white
 * space, control characters, '(' nor in stop.  1 read, 0 nothing there,
 * -1 bad quoting. */
static int
read_run(const char **pp, char *out, size_t outlen, const char *stop, int lower)
{
	const char *p = *pp;
	size_t len = 0;

	out[0] = '\0';
	if (*p == '"')
		return read_quoted(pp, out, outlen, lower);
	while (*p && (unsigned char)*p > ' ' && *p != 0x7f && *p != '(' && *p != '"' &&
	    strchr(stop, *p) == NULL)
		put(out, outlen, &len, *p++, lower);
	if (p == *pp)
		return 0;
	*pp = p;
	return 1;
}

/* read_keyword - letters, digits, '-' and '_', lower-cased; 1 or 0 */
static int
read_keyword(const char **pp, char *out, size_t outlen)
{
	const char *p = *pp;
	size_t len = 0;

	out[0] = '\0';
	while (isalnum((unsigned char)*p) || *p == '-' || *p == '_')
		put(out, outlen, &len, *p++, 1);
	if (p == *pp)
		return 0;
	*pp = p;
	return 1;
}

/* expect - skip CFWS, then the character c; 0 or -1 */
static int
expect(const char **pp, char c)
{
	if (skip_cfws(pp) < 0 || **pp != c)
		return -1;
	(*pp)++;
	return skip_cfws(pp);
}

/* read_properties - reasonspec and propspecs of one resinfo, up to the
 * next ';' or the end; kept ones into r (NULL: skipped) */
static int
read_properties(const char **pp, struct authres_result *r)
{
	char ptype[32], prop[32], value[AUTHRES_VALUE_MAX];

	for (;;) {
		char *dst = NULL;

		if (skip_cfws(pp) < 0)
			return -1;
		if (**pp == '\0' || **pp == ';')
			return 0;
		if (read_keyword(pp, ptype, sizeof(ptype)) != 1)
			return -1;
		if (strcmp(ptype, "reason") == 0) {
			if (expect(pp, '=') < 0 || read_run(pp, value, sizeof(value), ";", 0) < 0)
				return -1;
			continue;
		}
		if (expect(pp, '.') < 0 || read_keyword(pp, prop, sizeof(prop)) != 1 ||
		    expect(pp, '=') < 0)
			return -1;
		/* An empty pvalue ("header.d=;") is read as "" */
		if (read_run(pp, value, sizeof(value), ";", 1) < 0)
			return -1;
		if (r == NULL)
			continue;
		if (strcmp(ptype, "header") == 0 && strcmp(prop, "d") == 0)
			dst = r->header_d;
		else if (strcmp(ptype, "header") == 0 && strcmp(prop, "i") == 0)
			dst = r->header_i;
		else if (strcmp(ptype, "header") == 0 && strcmp(prop, "from") == 0)
			dst = r->header_from;
		else if (strcmp(ptype, "smtp") == 0 && strcmp(prop, "mailfrom") == 0)
			dst = r->smtp_mailfrom;
		if (dst != NULL && *dst == '\0')
			memcpy(dst, value, sizeof(value));
	}
}

#define AUTHSERV_STOP "<>@,;:\\/[]?="

/* authres_authserv_id - see authres.h */
int
authres_authserv_id(const char *value, char *out, size_t outlen)
{
	const char *p = value ? value : "";

	if (outlen == 0)
		return -1;
	if (skip_cfws(&p) < 0 || read_run(&p, out, outlen, AUTHSERV_STOP, 1) != 1 ||
	    *out == '\0')
		return -1;
	return 1;
}

/* authres_parse - see authres.h */
int
authres_parse(const char *value, struct authres *out)
{
	const char *p = value ? value : "";
	char version[16];

	memset(out, 0, sizeof(*out));
	out->version = 1;
	if (skip_cfws(&p) < 0 ||
	    read_run(&p, out->authserv_id, sizeof(out->authserv_id),
	    AUTHSERV_STOP, 1) != 1 || out->authserv_id[0] == '\0')
		return -1;
	if (skip_cfws(&p) < 0)
		return -1;
	if (isdigit((unsigned char)*p)) {
		if (read_keyword(&p, version, sizeof(version)) != 1 ||
		    strspn(version, "0123456789") != strlen(version) || strlen(version) > 4)
			return -1;
		out->version = 0;
		for (const char *d = version; *d; d++)
			out->version = out->version * 10 + (*d - '0');
	}
	if (skip_cfws(&p) < 0 || *p != ';')
		return -1;
	while (*p == ';') {
		struct authres_result scratch, *r;
		char method[32];

		p++;
		if (skip_cfws(&p) < 0)
			return -1;
		if (*p == '\0' && (out->n > 0 || out->none))
			break;      /* a trailing ';', as some servers write */
		if (read_keyword(&p, method, sizeof(method)) != 1)
			return -1;
		if (skip_cfws(&p) < 0)
			return -1;
		if (strcmp(method, "none") == 0 && (*p == '\0' || *p == ';')) {
			out->none = 1;
			continue;
		}
		r = out->n < AUTHRES_MAX ? &out->r[out->n] : &scratch;
		memset(r, 0, sizeof(*r));
		memcpy(r->method, method, sizeof(method));
		if (*p == '/') {
			p++;
			if (skip_cfws(&p) < 0 || read_keyword(&p, version, sizeof(version)) != 1)
				return -1;
		}
		if (expect(&p, '=') < 0 || read_keyword(&p, r->result, sizeof(r->result)) != 1)
			return -1;
		if (read_properties(&p, r) < 0)
			return -1;
		if (r != &scratch)
			out->n++;
	}
	if (skip_cfws(&p) < 0 || *p != '\0')
		return -1;
	return 0;
}

/* authres_domain - see authres.h */
const char *
authres_domain(const char *pvalue)
{
	const char *at;

	if (pvalue == NULL)
		return "";
	at = strrchr(pvalue, '@');
	return at ? at + 1 : pvalue;
}
