/* SPDX-License-Identifier: GPL-3.0-or-later */
/* smtp - SMTP submission over libcurl, with per-recipient results
 *
 * A struct smtp_pool holds smtp.connections libcurl easy handles, each
 * driven by a thread of its own: each handle carries one transaction at a
 * time and keeps its connection open for the next one (libcurl's
 * connection cache), so a delivery run opens at most that many
 * connections, and sending runs in parallel with composing.  The caller
 * sees none of the threads: the done callback runs in the caller's thread,
 * inside smtp_pool_submit() and smtp_pool_free().  TLS is always
 * verified (smtps://, or STARTTLS per smtp.starttls: yes = required,
 * auto = when offered, no = never); AUTH is used when smtp.user is set,
 * with the password read from smtp.password_file at pool creation.  The
 * parts: smtp.c (a transaction and its replies), smtp_conn.c (one
 * connection, libcurl's transfer or RFC 2920 pipelining), smtp_pool.c
 * (the threads).
 *
 * libcurl reports only one code per transaction, so the server's replies
 * are read from libcurl's protocol trace (CURLOPT_DEBUGFUNCTION): the
 * reply to each RCPT TO is matched to its recipient in order, and the
 * reply to the end of DATA to the accepted ones.  Each recipient thus gets
 * its own code, and its outcome (outcome.h) by smtp_outcome(): a 2xx is
 * OK, a 5xx PERM, a 4xx or no answer TEMP.  What an outcome means for the
 * recipient (retry, bounce) is the caller's to decide.  The trace is never
 * logged wholesale: AUTH exchanges are dropped before anything reaches
 * the log.
 */
#ifndef BARAZA_SMTP_H
#define BARAZA_SMTP_H

#include <stddef.h>

#include "outcome.h"

struct conf;

/* smtp_outcome - what a reply code says: 2xx OUTCOME_OK, 5xx OUTCOME_PERM,
 * everything else (4xx, 0 = no reply, a connection failure) OUTCOME_TEMP */
enum outcome smtp_outcome(int code);

struct smtp_reply {
	enum outcome outcome;     /* smtp_outcome(code) */
	int code;                 /* 250, 451, 550 ...; 0: no reply (connection) */
	char text[256];           /* the reply line, or libcurl's error */
};

/* One mail transaction.  Everything in it is owned by it. */
struct smtp_txn {
	char *from;               /* envelope sender, bare address ("" for <>) */
	char **rcpts;             /* bare addresses */
	size_t nrcpts;
	char *data;               /* the message, CRLF, not dot-stuffed */
	size_t len;
	void *udata;              /* the caller's; not touched */

	/* results, valid in the done callback */
	struct smtp_reply *result;  /* nrcpts entries: each recipient's outcome */
	int unusable;             /* the server could not be used at all
	                           * (connect, TLS, AUTH, greeting): stop */

	/* private to the smtp*.c files (smtp_int.h) */
	size_t off;
	int *rcpt_code;
	char **rcpt_text;
	size_t rcpt_sent;
	int last_cmd, in_data, mail_code, data_code;
	char mail_text[256], data_text[256];
	struct smtp_txn *next;    /* the pool's queues */
};

/* smtp_txn_new - a transaction; copies from and rcpts, takes ownership of
 * data (xmalloc'ed).  Owned by the caller until smtp_pool_submit. */
struct smtp_txn *smtp_txn_new(const char *from, const char *const *rcpts,
    size_t nrcpts, char *data, size_t len, void *udata);
/* smtp_txn_free - release; *tp = NULL */
void smtp_txn_free(struct smtp_txn **tp);

struct smtp_pool;

/* Called once per finished transaction; the callback owns t afterwards
 * (and frees it with smtp_txn_free). */
typedef void smtp_done_fn(struct smtp_txn *t, void *arg);

/* smtp_pool_new - a pool of nconn connections to c's [smtp] server.
 * NULL with the reason in err when the password cannot be read. */
struct smtp_pool *smtp_pool_new(const struct conf *c, long nconn,
    smtp_done_fn *done, void *arg, char *err, size_t errlen);
/* Called after each group of finished transactions has been given to the
 * done callback (for example to record their results in one commit). */
typedef void smtp_group_fn(void *arg);

/* smtp_pool_group - hand finished transactions back in groups: the
 * caller's thread is woken when group of them have finished (or the
 * workers run out of work), and they are handed back then, or once the
 * oldest has waited wait_ms, then fn (may be NULL) runs.  At most
 * group - 1 finished transactions wait unreported while the caller works
 * on.  The default, group 1, hands each back as soon as the caller's
 * thread is in the pool.  Call before the first submit. */
void smtp_pool_group(struct smtp_pool *p, size_t group, long wait_ms,
    smtp_group_fn *fn);
/* smtp_pool_submit - queue t (takes ownership), waiting while two
 * transactions per connection plus group - 1 are in hand (two until one
 * transaction has gone through; two per connection once 16 MB of messages
 * are in hand); finished transactions are handed to the callback
 * meanwhile, at once after one that found the server unusable.  Returns 0. */
int smtp_pool_submit(struct smtp_pool *p, struct smtp_txn *t);
/* smtp_pool_free - wait for every transaction under way (each is handed
 * to the callback), close the connections, release; *pp = NULL */
void smtp_pool_free(struct smtp_pool **pp);

/* smtp_check - connect, greet (EHLO, STARTTLS and AUTH as configured) and
 * send NOOP.  0 and "greeted HOST:PORT (220 ...)" in msg, or -1 and the
 * reason in msg. */
int smtp_check(const struct conf *c, char *msg, size_t msglen);

#endif
