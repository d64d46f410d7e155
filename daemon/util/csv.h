/* SPDX-License-Identifier: GPL-3.0-or-later */
/* csv - a streaming RFC 4180 reader
 *
 * Reads one record at a time from a FILE (borrowed), so a file of any
 * length is read in constant memory.  Accepted: fields separated by ',',
 * records ended by CRLF, LF or a lone CR; fields in double quotes may hold
 * ',', line breaks and "" (one quote); a UTF-8 byte order mark at the very
 * start is skipped; blank lines between records are skipped.  Every record
 * knows the line it starts on, so callers can report "FILE:LINE: problem".
 *
 * Line ends inside quoted fields come back as "\n" whatever the file used.
 *
 * Refused, with a message and the line: a quote inside an unquoted field,
 * text after a closing quote, an unterminated quoted field, a NUL byte, a
 * field longer than max_field bytes, more than max_fields fields.  After a
 * refused record the reader skips to the next line and goes on, so a caller
 * may report every bad record of a file.  Bytes are not interpreted: the
 * caller checks UTF-8 where it matters.
 *
 *	struct csv c; csv_init(&c, fp, 4096, 64);
 *	while ((rc = csv_next(&c)) != 0) {
 *		if (rc < 0) { report(c.line, c.err); continue; }
 *		use(c.fields, c.nfields, c.line);
 *	}
 *	csv_release(&c);
 */
#ifndef BARAZA_CSV_H
#define BARAZA_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

struct csv {
	FILE *fp;                 /* borrowed */
	size_t max_field;         /* bytes per field */
	size_t max_fields;        /* fields per record */
	int next_line;            /* the line the next byte is on */
	int started;              /* the byte order mark has been looked for */
	int failed;               /* a read error was reported: no more records */
	/* the current record (valid until the next csv_next call): */
	int line;                 /* line the record (or the error) starts on */
	char **fields;            /* nfields NUL-terminated strings */
	size_t nfields;
	char err[128];            /* why the last record was refused */
	/* insides */
	struct buf data;          /* the fields, NUL-separated */
	size_t *offs;
	size_t offs_alloc;
};

/* csv_init - read records from fp (borrowed) with these caps */
void csv_init(struct csv *c, FILE *fp, size_t max_field, size_t max_fields);
/* csv_release - free what the reader holds (not fp) */
void csv_release(struct csv *c);
/* csv_next - 1: a record in c->fields/c->nfields/c->line; 0: end of
 * input; -1: a refused record, reason in c->err and its line in c->line
 * (a read error also gives -1, then 0) */
int csv_next(struct csv *c);

#endif
