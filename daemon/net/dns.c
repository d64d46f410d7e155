/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns - TXT look-ups over c-ares, and the reader of their answers (see
 * dns.h)
 *
 * c-ares sends the query, retries, follows truncation to TCP and matches
 * the reply to the question; we drive its sockets with poll() until the
 * reply or the deadline, then read the reply ourselves (dns_parse_txt):
 * ares_parse_txt_reply() gives no TTL, and the cache needs one.
 */
#include "config.h"

#include <ares.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "dns.h"
#include "xalloc.h"

#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_TXT 16
#define DNS_CLASS_IN 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_TXT_BUF_MAX ((size_t)DNS_MAX_RECORDS * (DNS_MAX_TXT + 1) + 1)

struct dns {
	ares_channel ch;
};

/* dns_result_init - see dns.h */
void
dns_result_init(struct dns_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->txt, DNS_TXT_BUF_MAX);
	r->status = DNS_FAILED;
	r->ttl = -1;
}

/* dns_result_release - see dns.h */
void
dns_result_release(struct dns_result *r)
{
	buf_release(&r->txt);
}

/* ---- reading a reply ----------------------------------------------------- */

/* get16, get32 - big-endian fields */
static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* skip_name - the offset after the (possibly compressed) name at off,
 * or 0 when it runs past len or is malformed.  Only the bytes at off are
 * walked: a pointer ends the name here, wherever it points. */
static size_t
skip_name(const unsigned char *msg, size_t len, size_t off)
{
	for (unsigned labels = 0; off < len && labels < 128; labels++) {
		unsigned n = msg[off];

		if (n == 0)
			return off + 1;
		if ((n & 0xC0) == 0xC0)
			return off + 2 <= len ? off + 2 : 0;
		if (n & 0xC0)
			return 0;       /* the reserved label types */
		off += 1 + n;
	}
	return 0;
}

/* fail - mark r failed with a reason; -1 */
static int
fail(struct dns_result *r, const char *why)
{
	r->status = DNS_FAILED;
	r->txt.len = 0;
	if (r->txt.data)
		r->txt.data[0] = '\0';
	r->nrecords = 0;
	r->ttl = -1;
	snprintf(r->why, sizeof(r->why), "%s", why);
	return -1;
}

/* put_txt - one TXT record's rdata (character-strings) as a line */
static int
put_txt(struct dns_result *r, const unsigned char *p, size_t n)
{
	size_t i = 0, written = 0;

	while (i < n) {
		size_t sl = p[i++];

		if (sl > n - i)
			return -1;
		for (size_t k = 0; k < sl; k++) {
			unsigned char ch = p[i + k];

			if (written++ >= DNS_MAX_TXT)
				return -1;
			buf_putc(&r->txt, ch < 0x20 || ch == 0x7f ? ' ' : ch);
		}
		i += sl;
	}
	buf_putc(&r->txt, '\n');
	r->nrecords++;
	return 0;
}

/* dns_parse_txt - see dns.h */
int
dns_parse_txt(const unsigned char *msg, size_t len, struct dns_result *r)
{
	unsigned qd, an, ns, rcode;
	size_t off = 12;
	long ttl = -1;

	r->txt.len = 0;
	if (r->txt.data)
		r->txt.data[0] = '\0';
	r->nrecords = 0;
	r->why[0] = '\0';
	if (len < 12)
		return fail(r, "short DNS reply");
	if (!(msg[2] & 0x80))
		return fail(r, "not a DNS reply");
	rcode = msg[3] & 0x0F;
	qd = get16(msg + 4);
	an = get16(msg + 6);
	ns = get16(msg + 8);
	if (rcode != 0 && rcode != DNS_RCODE_NXDOMAIN) {
		char why[64];

		snprintf(why, sizeof(why), "DNS error (rcode %u)", rcode);
		return fail(r, why);
	}
	for (unsigned i = 0; i < qd; i++) {
		if ((off = skip_name(msg, len, off)) == 0 || off + 4 > len)
			return fail(r, "malformed DNS reply (question)");
		off += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		unsigned type, klass, rdlen;
		uint32_t t;

		if ((off = skip_name(msg, len, off)) == 0 || off + 10 > len)
			return fail(r, "malformed DNS reply (answer)");
		type = get16(msg + off);
		klass = get16(msg + off + 2);
		t = get32(msg + off + 4);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (rdlen > len - off)
			return fail(r, "malformed DNS reply (answer data)");
		if (klass == DNS_CLASS_IN && (type == DNS_TYPE_TXT || type == DNS_TYPE_CNAME)) {
			long tl = t > 0x7fffffffu ? 0 : (long)t;   /* RFC 2181 8 */

			if (ttl < 0 || tl < ttl)
				ttl = tl;
		}
		if (klass == DNS_CLASS_IN && type == DNS_TYPE_TXT && rcode == 0) {
			if (r->nrecords >= DNS_MAX_RECORDS)
				return fail(r, "too many TXT records");
			if (put_txt(r, msg + off, rdlen) < 0)
				return fail(r, "malformed or oversized TXT record");
		}
		off += rdlen;
	}
	if (r->nrecords > 0) {
		r->status = DNS_ANSWER;
		r->ttl = ttl;
		return buf_failed(&r->txt) ? fail(r, "TXT records too large") : 0;
	}
	/* negative: the TTL of the authority's SOA, at most its MINIMUM */
	r->status = DNS_NONE;
	r->ttl = -1;
	for (unsigned i = 0; i < ns; i++) {
		unsigned type, rdlen;
		uint32_t t;

		if ((off = skip_name(msg, len, off)) == 0 || off + 10 > len)
			break;          /* the answer stands; no TTL from it */
		type = get16(msg + off);
		t = get32(msg + off + 4);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (rdlen > len - off)
			break;
		if (type == DNS_TYPE_SOA) {
			size_t p = skip_name(msg, off + rdlen, off), q;

			q = p ? skip_name(msg, off + rdlen, p) : 0;
			if (q && q + 20 == off + rdlen) {
				uint32_t min = get32(msg + q + 16);

				if (min < t)
					t = min;
				r->ttl = t > 0x7fffffffu ? 0 : (long)t;
			}
			break;
		}
		off += rdlen;
	}
	return 0;
}

/* ---- asking --------------------------------------------------------------- */

/* dns_new - see dns.h */
struct dns *
dns_new(const char *server, char *err, size_t errlen)
{
	struct ares_options o;
	struct dns *d;
	int rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.timeout = DNS_TRY_MS;
	o.tries = 2;
	o.flags = ARES_FLAG_EDNS;
	o.ednspsz = 1232;
	d = xcalloc(1, sizeof(*d));
	rc = ares_init_options(&d->ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(d);
		ares_library_cleanup();
		return NULL;
	}
	if (server && (rc = ares_set_servers_ports_csv(d->ch, server)) != ARES_SUCCESS) {
		snprintf(err, errlen, "DNS server %s: %s", server, ares_strerror(rc));
		dns_free(&d);
		return NULL;
	}
	return d;
}

/* dns_free - see dns.h */
void
dns_free(struct dns **dp)
{
	struct dns *d = *dp;

	if (d == NULL)
		return;
	ares_destroy(d->ch);
	ares_library_cleanup();
	free(d);
	*dp = NULL;
}

struct query {
	struct dns_result *r;
	int done;
};

/* answered - c-ares's callback: read the reply, or say why there is none */
static void
answered(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;

	(void)timeouts;
	q->done = 1;
	if ((status == ARES_SUCCESS || status == ARES_ENODATA ||
	    status == ARES_ENOTFOUND) && abuf != NULL && alen > 0) {
		(void)dns_parse_txt(abuf, (size_t)alen, q->r);
		return;
	}
	if (status == ARES_ENODATA || status == ARES_ENOTFOUND) {
		q->r->status = DNS_NONE;
		q->r->ttl = -1;
		return;
	}
	fail(q->r, status == ARES_ECANCELLED || status == ARES_EDESTRUCTION ?
	    "DNS look-up timed out" : ares_strerror(status));
}

/* now_ms - a monotonic clock in milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* dns_txt - see dns.h */
enum dns_status
dns_txt(struct dns *d, const char *name, long timeout_ms, struct dns_result *r)
{
	struct query q = { r, 0 };
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : DNS_TIMEOUT_MS);

	r->txt.len = 0;
	if (r->txt.data)
		r->txt.data[0] = '\0';
	r->nrecords = 0;
	ares_query(d->ch, name, DNS_CLASS_IN, DNS_TYPE_TXT, answered, &q);
	while (!q.done) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		struct timeval maxtv, tv, *tvp;
		/* unsigned: c-ares's ARES_GETSOCK_WRITABLE shifts a signed 1
		 * into the sign bit for the last socket */
		unsigned bits = (unsigned)ares_getsock(d->ch, socks, ARES_GETSOCK_MAXNUM);
		nfds_t n = 0;
		long long left = deadline - now_ms();
		long wait;
		int rc;

		if (left <= 0) {
			ares_cancel(d->ch);     /* calls answered(ARES_ECANCELLED) */
			break;
		}
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;

			if (bits & (1u << i))
				ev |= POLLIN;
			if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev) {
				pfd[n].fd = socks[i];
				pfd[n].events = ev;
				pfd[n].revents = 0;
				n++;
			}
		}
		maxtv.tv_sec = left / 1000;
		maxtv.tv_usec = (left % 1000) * 1000;
		tvp = ares_timeout(d->ch, &maxtv, &tv);
		wait = (long)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) + 1;
		rc = poll(pfd, n, wait);
		if (rc < 0 && errno != EINTR) {
			ares_cancel(d->ch);
			break;
		}
		if (rc <= 0) {
			ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (nfds_t i = 0; i < n; i++)
			if (pfd[i].revents)
				ares_process_fd(d->ch,
				    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
				    pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	if (!q.done)
		fail(r, "DNS look-up timed out");
	return r->status;
}
