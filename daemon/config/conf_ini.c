/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf_ini - the configuration file cut into records (see conf_int.h)
 *
 * The INI reader knows nothing of the keys: it reads the file (at most
 * CONF_MAX_FILE bytes, lines of at most CONF_MAX_LINE, valid UTF-8 without
 * NUL or control characters), drops comments (whole lines starting with
 * ';' or '#') and blank lines, and hands back section headers ("[name]",
 * "[theme SLUG]") and "key = value" lines with their line numbers.  A line
 * it cannot read is reported with conf_err() and skipped, so that every
 * problem of the file is reported at once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "conf_int.h"
#include "utf8.h"
#include "xalloc.h"

#define CONF_MAX_FILE (1 << 20)   /* bytes */
#define CONF_MAX_LINE 4096        /* bytes per line */

/* conf_ini_blank - see conf_int.h */
int
conf_ini_blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* conf_ini_trim - see conf_int.h */
char *
conf_ini_trim(char *s)
{
	char *e;

	while (conf_ini_blank((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && conf_ini_blank((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* conf_ini_read - see conf_int.h */
long
conf_ini_read(struct loader *L, const char *path, struct record **out)
{
	struct record *recs = NULL;
	size_t nrecs = 0;
	struct buf data;
	char chunk[8192];
	ssize_t r;
	int fd, lineno = 0;
	char *p, *nl;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		conf_err(L, 0, NULL, NULL, "cannot open: %s", strerror(errno));
		return -1;
	}
	buf_init(&data, CONF_MAX_FILE);
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			conf_err(L, 0, NULL, NULL, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (buf_append(&data, chunk, (size_t)r) < 0) {
			conf_err(L, 0, NULL, NULL, "file larger than %d bytes", CONF_MAX_FILE);
			goto fail;
		}
	}
	close(fd);
	fd = -1;

	p = data.data;
	if (data.len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < data.data + data.len; p = nl + 1) {
		char *line, *eq;
		size_t len;

		lineno++;
		nl = memchr(p, '\n', (size_t)(data.data + data.len - p));
		if (nl == NULL)
			nl = data.data + data.len;
		len = (size_t)(nl - p);
		if (memchr(p, '\0', len) != NULL) {
			conf_err(L, lineno, NULL, NULL, "line contains a NUL byte");
			continue;
		}
		*nl = '\0';
		if (len > CONF_MAX_LINE) {
			conf_err(L, lineno, NULL, NULL, "line longer than %d bytes", CONF_MAX_LINE);
			continue;
		}
		if (!utf8_valid(p, len)) {
			conf_err(L, lineno, NULL, NULL, "line is not valid UTF-8");
			continue;
		}
		line = conf_ini_trim(p);
		if (*line == '\0' || *line == ';' || *line == '#')
			continue;
		for (const char *q = line; *q; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t') {
				conf_err(L, lineno, NULL, NULL, "line contains a control character");
				goto next;
			}
		recs = xreallocarray(recs, nrecs + 1, sizeof(*recs));
		memset(&recs[nrecs], 0, sizeof(recs[nrecs]));
		recs[nrecs].line = lineno;
		if (*line == '[') {
			char *close = strchr(line, ']'), *name, *arg;

			if (close == NULL || close[1] != '\0') {
				conf_err(L, lineno, NULL, NULL, "section header must be "
				    "'[name]' or '[theme SLUG]' alone on its line");
				continue;
			}
			*close = '\0';
			name = conf_ini_trim(line + 1);
			arg = name + strcspn(name, " \t");
			if (*arg) {
				*arg++ = '\0';
				arg = conf_ini_trim(arg);
			}
			recs[nrecs].is_header = 1;
			recs[nrecs].name = xstrdup(name);
			recs[nrecs].arg = *arg ? xstrdup(arg) : NULL;
			nrecs++;
			continue;
		}
		eq = strchr(line, '=');
		if (eq == NULL) {
			conf_err(L, lineno, NULL, NULL, "expected 'key = value', got '%.40s'", line);
			continue;
		}
		*eq = '\0';
		recs[nrecs].name = xstrdup(conf_ini_trim(line));
		recs[nrecs].arg = xstrdup(conf_ini_trim(eq + 1));
		if (recs[nrecs].name[0] == '\0') {
			conf_err(L, lineno, NULL, NULL, "no key before '='");
			free(recs[nrecs].name);
			free(recs[nrecs].arg);
			continue;
		}
		nrecs++;
next:		;
	}
	buf_release(&data);
	*out = recs;
	return (long)nrecs;
fail:
	if (fd >= 0)
		close(fd);
	buf_release(&data);
	return -1;
}

/* conf_ini_free - see conf_int.h */
void
conf_ini_free(struct record *recs, long n)
{
	for (long i = 0; i < n; i++) {
		free(recs[i].name);
		free(recs[i].arg);
	}
	free(recs);
}
