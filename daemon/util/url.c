/* SPDX-License-Identifier: GPL-3.0-or-later */
/* url - a server's "scheme://host[:port][/path]" taken apart (see url.h) */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "url.h"

/* scheme_list - "imaps:// or imap://" for the error about a wrong scheme */
static void
scheme_list(const struct url_scheme *schemes, char *out, size_t outlen)
{
	size_t n = 0, len = 0;

	out[0] = '\0';
	while (schemes[n].name != NULL)
		n++;
	for (size_t i = 0; i < n && len < outlen; i++)
		len += (size_t)snprintf(out + len, outlen - len, "%s%s://",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", schemes[i].name);
}

/* match_scheme - the entry whose name, then "://", starts s, or NULL */
static const struct url_scheme *
match_scheme(const char *s, const struct url_scheme *schemes)
{
	for (const struct url_scheme *sc = schemes; sc->name != NULL; sc++) {
		size_t n = strlen(sc->name);

		if (strncasecmp(s, sc->name, n) == 0 && strncmp(s + n, "://", 3) == 0)
			return sc;
	}
	return NULL;
}

/* parse_host - the host at *pp (a name, or an IPv6 literal in brackets)
 * into u->host; *pp moves past it.  URL_OK, or URL_BAD with err. */
static int
parse_host(const char *s, const char **pp, struct url *u, char *err,
    size_t errlen)
{
	const char *p = *pp, *h, *he;

	if (*p == '[') {
		h = p + 1;
		he = strchr(h, ']');
		if (he == NULL || he == h) {
			snprintf(err, errlen, "'%s': bad IPv6 address", s);
			return URL_BAD;
		}
		for (const char *q = h; q < he; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.') {
				snprintf(err, errlen, "'%s': bad IPv6 address", s);
				return URL_BAD;
			}
		p = he + 1;
	} else {
		h = p;
		while (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
		    *p == '_')
			p++;
		he = p;
		if (he == h) {
			snprintf(err, errlen, "'%s': no host name", s);
			return URL_BAD;
		}
	}
	if ((size_t)(he - h) >= sizeof(u->host)) {
		snprintf(err, errlen, "'%s': host name longer than %d bytes", s,
		    URL_MAX_HOST - 1);
		return URL_BAD;
	}
	memcpy(u->host, h, (size_t)(he - h));
	u->host[he - h] = '\0';
	*pp = p;
	return URL_OK;
}

/* parse_port - ":PORT" at *pp, if any, into u->port; *pp moves past it.
 * URL_OK, or URL_BAD with err. */
static int
parse_port(const char *s, const char **pp, struct url *u, char *err,
    size_t errlen)
{
	const char *p = *pp;
	long port = 0;

	if (*p != ':')
		return URL_OK;
	p++;
	if (!isdigit((unsigned char)*p)) {
		snprintf(err, errlen, "'%s': bad port", s);
		return URL_BAD;
	}
	while (isdigit((unsigned char)*p) && port <= 65535)
		port = port * 10 + (*p++ - '0');
	if (port < 1 || port > 65535 || isdigit((unsigned char)*p)) {
		snprintf(err, errlen, "'%s': port must be 1 to 65535", s);
		return URL_BAD;
	}
	u->port = (int)port;
	*pp = p;
	return URL_OK;
}

/* parse_path - the path after the first '/' at p, percent-decoded, into
 * u->path.  URL_OK, or URL_BAD with err. */
static int
parse_path(const char *s, const char *p, struct url *u, char *err,
    size_t errlen)
{
	size_t o = 0;

	for (; *p != '\0'; p++) {
		int ch = (unsigned char)*p;

		if (ch == '?' || ch == '#') {
			snprintf(err, errlen, "'%s': no query or fragment allowed", s);
			return URL_BAD;
		}
		if (ch == '%') {
			int hi = hex_value(p[1]);
			int lo = hi < 0 ? -1 : hex_value(p[2]);

			if (hi < 0 || lo < 0 || hi * 16 + lo < 0x20 ||
			    hi * 16 + lo == 0x7f) {
				snprintf(err, errlen, "'%s': bad %%-escape", s);
				return URL_BAD;
			}
			ch = hi * 16 + lo;
			p += 2;
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(err, errlen, "'%s': control character in the path",
			    s);
			return URL_BAD;
		}
		if (o + 1 >= sizeof(u->path)) {
			snprintf(err, errlen, "'%s': path longer than %d bytes", s,
			    URL_MAX_PATH - 1);
			return URL_BAD;
		}
		u->path[o++] = (char)ch;
	}
	u->path[o] = '\0';
	return URL_OK;
}

/* url_parse - see url.h */
int
url_parse(const char *s, const struct url_scheme *schemes, struct url *u,
    char *err, size_t errlen)
{
	const char *p;
	int rc;

	memset(u, 0, sizeof(*u));
	if ((u->scheme = match_scheme(s, schemes)) == NULL) {
		char names[128];

		scheme_list(schemes, names, sizeof(names));
		snprintf(err, errlen, "'%s' must start with %s", s, names);
		return URL_BAD;
	}
	u->port = u->scheme->port;
	p = s + strlen(u->scheme->name) + 3;
	if (memchr(p, '@', strcspn(p, "/?#")) != NULL) {
		snprintf(err, errlen, "no user or password in the url");
		return URL_CREDENTIALS;
	}
	if ((rc = parse_host(s, &p, u, err, errlen)) != URL_OK ||
	    (rc = parse_port(s, &p, u, err, errlen)) != URL_OK)
		return rc;
	if (*p != '\0' && *p != '/') {
		snprintf(err, errlen, "'%s': unexpected '%c' after the host", s, *p);
		return URL_BAD;
	}
	if (*p == '/')
		return parse_path(s, p + 1, u, err, errlen);
	return URL_OK;
}
