/* SPDX-License-Identifier: GPL-3.0-or-later */
/* smtp_int - what the parts of the SMTP client share
 *
 *   smtp.c       a transaction and its replies: the trace parser, each
 *                recipient's outcome, the libcurl options of the server,
 *                smtp_check;
 *   smtp_conn.c  one connection carrying transactions one after another:
 *                libcurl's transfer, or RFC 2920 pipelining by hand;
 *   smtp_pool.c  the pool: a thread per connection, the queues, the
 *                hand-back of finished transactions.
 *
 * Nothing outside daemon/net/smtp*.c includes this; everyone else sees
 * smtp.h.
 */
#ifndef BARAZA_SMTP_INT_H
#define BARAZA_SMTP_INT_H

#include <stddef.h>

#include <curl/curl.h>

#include "buf.h"
#include "conf.h"
#include "smtp.h"

#define SMTP_RESPONSE_TIMEOUT 300L  /* seconds for any one reply (RFC 5321 4.5.3.2) */

/* smtp_copy_line - the first line of p (n bytes) into out, printable
 * ASCII only, cut to outlen - 1 */
void smtp_copy_line(char *out, size_t outlen, const char *p, size_t n);
/* smtp_next_line - the line at *p (before end), without its CR LF, in *n;
 * *p moves past it.  The caller loops while *p < end. */
const char *smtp_next_line(const char **p, const char *end, size_t *n);

/* smtp_url - "smtp[s]://host:port/EHLO-NAME" for c's server (owned) */
char *smtp_url(const struct conf *c);
/* smtp_setup_handle - the options every handle of c's server shares, the
 * protocol trace (smtp.c) that reads the replies of a transaction into
 * the smtp_txn given as CURLOPT_DEBUGDATA included.  uh (may be NULL) is
 * url already parsed, owned by the caller and kept as long as h: libcurl
 * then copies it for each transfer instead of parsing the URL string
 * again.  errbuf (CURL_ERROR_SIZE) must live as long as h.  0, or -1
 * (logged). */
int smtp_setup_handle(CURL *h, const struct conf *c, const char *url,
    CURLU *uh, const char *password, char *errbuf);
/* smtp_finish - each recipient's reply and outcome (t->result) from what
 * the trace or the pipelined conversation filed in t and libcurl's result
 * rc (errbuf: its words, may be NULL or empty); sets t->unusable when the
 * server cannot be used at all */
void smtp_finish(struct smtp_txn *t, CURLcode rc, const char *errbuf);

/* One connection to the server, used by one thread at a time. */
struct smtp_conn {
	CURL *h;                      /* owned: libcurl's transfers */
	CURLU *uh;                    /* owned: the server's URL, parsed once */
	char errbuf[CURL_ERROR_SIZE];
	/* pipelining (smtp.pipelining = auto): pt is a handle set up like h
	 * plus CURLOPT_CONNECT_ONLY, never performed; ph its duplicate that
	 * holds the open connection */
	CURL *pt, *ph;                /* owned */
	int pipe;                     /* PIPE_UNKNOWN, PIPE_ON, PIPE_OFF */
	int offered;                  /* the last EHLO reply offered it */
	unsigned long carried;        /* transactions on ph so far */
	curl_socket_t sock;
	struct buf out;               /* what the next write sends */
	char in[16384];               /* read, not yet parsed */
	size_t inlen;
	char perr[CURL_ERROR_SIZE];
};

/* smtp_conn_init - k (zeroed by the caller) set up for c's server at url
 * with password (borrowed for the call); nothing is connected yet.  0, or
 * -1 when libcurl refuses an option: smtp_conn_release() it all the same.
 * Out of memory is fatal. */
int smtp_conn_init(struct smtp_conn *k, const struct conf *c, const char *url,
    const char *password);
/* smtp_conn_run - t over k: pipelined when the server offers it, else
 * libcurl's transfer; t has its outcome afterwards (smtp_finish) */
void smtp_conn_run(struct smtp_conn *k, struct smtp_txn *t);
/* smtp_conn_release - close the connections (QUIT) and free; k may be
 * partly set up or zeroed */
void smtp_conn_release(struct smtp_conn *k);

#endif
