/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf_int - what the parts of the configuration loader share
 *
 *   conf.c       the load: the records through the key table, the checks
 *                across keys, conf.h's functions;
 *   conf_keys.c  the key table (section, name, type, field, default,
 *                flags) and the setter that checks each special key;
 *   conf_ini.c   the INI reader: the file cut into records.
 *
 * Nothing outside daemon/config/ includes this; everyone else sees conf.h.
 */
#ifndef BARAZA_CONF_INT_H
#define BARAZA_CONF_INT_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"

#define CONF_SLUG_MAX 64

enum sect { S_LIST, S_IMAP, S_SMTP, S_DIGEST, S_ARCHIVE, S_WEB, S_DNS, S_DKIM,
	S_THEME, S_NONE };

/* The sections' names, indexed by enum sect (S_NONE excluded). */
extern const char *const conf_sect_names[];

enum ktype {
	K_STR,          /* char *, any text */
	K_PATH,         /* char *, made absolute against the file's directory */
	K_LONG,         /* long within [min, max] */
	K_BOOL,         /* int: yes/no */
	K_ENUM,         /* int (an enum) from names[] */
	K_FN,           /* the key's own setter */
};

#define F_REQ        0x01   /* must be given */
#define F_REPEAT     0x02   /* may be given many times */
#define F_EMPTY_NULL 0x04   /* an empty value means "not set" (NULL) */
#define F_SECRET     0x08   /* a password file: must exist, mode & 077 == 0 */
#define F_READABLE   0x10   /* a file that must exist and be readable */
#define F_REQ_SECT   0x20   /* must be given when its (optional) section is */

struct conf_enum {
	const char *name;
	int value;
};

struct loader;
/* A setter parses v into its field(s) of base (a struct conf or a struct
 * conf_theme).  0, or -1 with the problem in prob. */
typedef int setter_fn(struct loader *L, void *base, const char *v,
    char *prob, size_t problen);

struct conf_key {
	enum sect sect;
	const char *name;
	enum ktype type;
	size_t off;              /* field in struct conf or struct conf_theme */
	const char *def;         /* default, applied through the same path; NULL: none */
	int flags;
	long min, max;           /* K_LONG */
	const struct conf_enum *names; /* K_ENUM, NULL-terminated */
	setter_fn *set;          /* K_FN */
};

/* The setters of [archive] mode and group (conf_archive.c). */
setter_fn set_archive_mode, set_archive_group;
/* The setters of [dns] server, [dkim] domain and selector
 * (conf_keys_dns.c). */
setter_fn conf_set_dns_server, conf_set_dkim_domain, conf_set_dkim_selector;

/* Every key of the configuration (conf_keys.c), conf_nkeys of them. */
extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

/* One line of the file that matters: a header or a key. */
struct record {
	int line;
	int is_header;
	char *name;              /* section name or key */
	char *arg;               /* theme slug, or NULL; the value for a key */
};

/* The state of one conf_load(). */
struct loader {
	struct conf *c;
	struct buf *errs;
	int nerrs;
	char *dir;               /* directory of the file, or NULL */
	/* where the current record is, for error messages */
	const char *label;       /* "[list]", "[theme funding]" */
	/* the line each global key was set on, and of each section header */
	int seen[64];
	int sect_line[S_THEME];
	int **theme_seen;        /* per theme, like seen[] */
};

/* conf_err - "FILE:LINE: [section] key: problem" into L's error buffer
 * (label and key may be NULL), one more error counted (conf.c) */
void conf_err(struct loader *L, int line, const char *label, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* conf_key_find - the index in conf_keys[] of key name (any case) in
 * section sect, or -1 */
int conf_key_find(enum sect sect, const char *name);
/* conf_key_apply - set key k of base (a struct conf, or a struct
 * conf_theme for [theme] keys) to the value v; 0, or -1 with the problem
 * in prob */
int conf_key_apply(struct loader *L, const struct conf_key *k, void *base,
    const char *v, char *prob, size_t problen);
/* conf_theme_translation - a [theme] key "title.LANG" or "questions.LANG"
 * (name) with its value into t; 0, or -1 with the problem in prob */
int conf_theme_translation(struct conf_theme *t, const char *name,
    const char *v, char *prob, size_t problen);
/* conf_key_defaults - every default of section sect into base; a default
 * that does not pass its own check is a BUG */
void conf_key_defaults(struct loader *L, enum sect sect, void *base);

/* conf_ini_read - cut the file at path into *out (owned: conf_ini_free),
 * reporting each line that is not a header, a key or a comment with
 * conf_err().  The number of records, or -1 (reported) when the file
 * cannot be read. */
long conf_ini_read(struct loader *L, const char *path, struct record **out);
/* conf_ini_free - release n records */
void conf_ini_free(struct record *recs, long n);
/* conf_ini_blank - 1 for a blank that surrounds values (space, tab, CR,
 * FF, VT), else 0 */
int conf_ini_blank(int ch);
/* conf_ini_trim - strip blanks at both ends of s, in place; the new start */
char *conf_ini_trim(char *s);

#endif
