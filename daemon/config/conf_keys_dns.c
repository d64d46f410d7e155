/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf_keys_dns - the setters of [dns] server and [dkim] domain and
 * selector (the key table is conf_keys.c; see conf_int.h) */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "xalloc.h"

/* conf_set_dns_server - "HOST:PORT" with HOST an IPv4 address or a bracketed
 * IPv6 one, PORT 1..65535: the form c-ares takes
 * (ares_set_servers_ports_csv); names are refused, as resolving the
 * resolver would need a resolver */
int
conf_set_dns_server(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	const char *colon = strrchr(v, ':');
	char *end;
	long port;
	int ok;

	(void)L;
	if (colon == NULL || colon == v || strlen(v) > 80) {
		snprintf(prob, problen, "'%s' must be HOST:PORT (e.g. 127.0.0.1:5353)", v);
		return -1;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || errno || port < 1 || port > 65535) {
		snprintf(prob, problen, "'%s': the port must be 1 to 65535", v);
		return -1;
	}
	if (v[0] == '[') {
		ok = colon[-1] == ']' && colon - v > 3;
		for (const char *p = v + 1; ok && p < colon - 1; p++)
			ok = isxdigit((unsigned char)*p) || *p == ':' || *p == '.';
	} else {
		int dots = 0;

		ok = 1;
		for (const char *p = v; ok && p < colon; p++) {
			dots += *p == '.';
			ok = isdigit((unsigned char)*p) || *p == '.';
		}
		ok = ok && dots == 3;
	}
	if (!ok) {
		snprintf(prob, problen, "'%s': the host must be an IP address "
		    "(IPv6 in brackets: [::1]:53)", v);
		return -1;
	}
	free(c->dns.server);
	c->dns.server = xstrdup(v);
	return 0;
}

/* conf_set_dkim_domain - a DNS domain name: letters, digits, hyphens and dots,
 * lower-cased */
int
conf_set_dkim_domain(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	size_t n = strlen(v);
	int ok = n > 0 && n <= 253 && v[0] != '.' && v[0] != '-' && v[n - 1] != '.' &&
	    strstr(v, "..") == NULL;

	(void)L;
	for (const char *p = v; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.';
	if (!ok) {
		snprintf(prob, problen, "'%s' is not a domain name", v);
		return -1;
	}
	free(c->dkim.domain);
	c->dkim.domain = xstrdup(v);
	for (char *p = c->dkim.domain; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* conf_set_dkim_selector - a DKIM selector: one or more DNS labels */
int
conf_set_dkim_selector(struct loader *L, void *base, const char *v, char *prob,
    size_t problen)
{
	struct conf *c = base;
	int ok = strlen(v) <= 63 && v[0] != '.' && v[0] != '-';

	(void)L;
	for (const char *p = v; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_';
	if (!ok) {
		snprintf(prob, problen, "'%s' is not a DKIM selector (letters, "
		    "digits, '-', '.')", v);
		return -1;
	}
	free(c->dkim.selector);
	c->dkim.selector = xstrdup(v);
	return 0;
}
