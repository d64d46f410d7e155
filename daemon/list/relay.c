/* SPDX-License-Identifier: GPL-3.0-or-later */
/* relay - queue deliveries (see relay.h) */
#include "config.h"

#include <stdint.h>

#include "address.h"
#include "clock.h"
#include "log.h"
#include "relay.h"
#include "store_outbox.h"

int
relay_enqueue_post(struct store *s, const struct conf *c, int64_t post_id)
{
	int n = outbox_add_post(s, post_id, clock_now());

	if (n >= 0)
		log_info("relay: post %lld queued for %d recipients", (long long)post_id, n);
	return n;
}

int64_t
relay_enqueue_mail(struct store *s, const char *kind, const char *body,
    size_t len, const char *rcpt, int64_t member)
{
	if (rcpt == NULL || !addr_envelope_ok(rcpt))
		return log_error("relay: refusing to queue %s mail to a bad address",
		    kind ? kind : "a");
	if (body == NULL || len == 0)
		return log_error("relay: refusing to queue an empty %s mail", kind ? kind : "");
	return outbox_add_mail(s, kind ? kind : "mail", body, len, rcpt, member,
	    clock_now());
}
