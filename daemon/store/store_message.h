/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store_message - every inbound message, once, in SQLite
 *
 * The messages table keeps each message that reached the list (its raw
 * bytes, up to the size limit), whatever became of it: a post, a command,
 * a bounce, ignored.  The UNIQUE message_id makes a second pass over the
 * same message find the first.  None of these opens or commits a
 * transaction: the caller (ingest.c) holds one per message.
 *
 * Return conventions: actions 0 / -1 (logged); look-ups 1 found / 0 absent
 * / -1 error.  Strings handed back are owned by the caller (free) unless
 * the comment says otherwise; strings passed in are borrowed.
 */
#ifndef BARAZA_STORE_MESSAGE_H
#define BARAZA_STORE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct store_message {
	const char *message_id;   /* Message-ID or "sha256:HEX" */
	time_t received;
	const char *origin;       /* may be NULL */
	const char *route;        /* "post", "command", ... */
	const char *state;        /* "stored", "failed", "ignored", "pending" */
	const char *reason;       /* may be NULL */
	const char *sender;       /* From address, may be NULL */
	size_t size;              /* the message's real size */
	const char *raw;          /* raw_len bytes kept (may be < size) */
	size_t raw_len;
	/* raw's stored form made ahead (store_zip.h), or NULL: the store
	 * makes it */
	const void *raw_z;
	size_t raw_z_len;
};

/* store_message_find - 1 and *id when a message with this id is stored */
int store_message_find(struct store *s, const char *message_id, int64_t *id);
/* store_message_add - insert a row; 0 and *id, or -1 */
int store_message_add(struct store *s, const struct store_message *m, int64_t *id);
/* store_message_set_state - change state and reason (reason may be NULL) */
int store_message_set_state(struct store *s, int64_t id, const char *state,
    const char *reason);

/* store_message_prune_raw - empty the raw bytes of at most limit messages
 * received before `before` that are no post, no pending hold and not
 * pending (bounces, commands, junk, loops, failures); the rows stay, with
 * their Message-ID (so a message fetched again is still known), state,
 * reason and size.  The number pruned, or -1. */
int store_message_prune_raw(struct store *s, time_t before, int limit);

#endif
