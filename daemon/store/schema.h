/* SPDX-License-Identifier: GPL-3.0-or-later */
/* schema - the SQL migrations embedded at build time (schema/embed.sh) */
#ifndef BARAZA_SCHEMA_H
#define BARAZA_SCHEMA_H

struct schema_migration {
	unsigned version;   /* NNN of schema/NNN-name.sql; 1, 2, 3, ... */
	const char *name;
	const char *sql;
};

extern const struct schema_migration schema_migrations[];
extern const unsigned schema_nmigrations;

#endif
