/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json - a small streaming JSON writer for the --json outputs
 *
 * Writes into a struct buf.  Commas are placed automatically; strings are
 * escaped, and bytes that are not valid UTF-8 become U+FFFD, so the output
 * is always valid JSON whatever a message contained.
 *
 *	struct json j; json_init(&j, &out);
 *	json_object_begin(&j); json_key(&j, "id"); json_int(&j, 3); json_object_end(&j);
 */
#ifndef BARAZA_JSON_H
#define BARAZA_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct buf *out;          /* borrowed */
	int depth;
	unsigned char first[JSON_MAX_DEPTH]; /* 1 while no member written yet */
	int after_key;
};

void json_init(struct json *j, struct buf *out);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
/* json_string - s may be NULL (writes null) */
void json_string(struct json *j, const char *s);
void json_string_n(struct json *j, const char *s, size_t n);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, int v);
/* json_double - a number with that many decimals (non-finite: null) */
void json_double(struct json *j, double v, int decimals);
void json_null(struct json *j);
/* json_escape - append s as a quoted JSON string to out */
void json_escape(struct buf *out, const char *s, size_t n);

#endif
