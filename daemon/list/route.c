/* route - where did this message go, and what is it?
 *
 * This module answers two questions about one parsed message, without
 * touching the database: which of the list's addresses it reached, and
 * whether it is something baraza must act on as the address says (a post,
 * a command, a token answer) or something it must only record (a bounce,
 * an auto-reply, a loop, an oversize or unusable message).
 *
 * The address.  The daemon reads one mailbox into which every address of
 * the list is delivered, so the headers must say which one this copy was
 * for.  Envelope headers written by the receiving MTA come first, because
 * To and Cc are what the author typed and miss Bcc'd and redirected mail:
 * Delivered-To, X-Original-To, Envelope-To, then To, then Cc; within one
 * field name every occurrence is looked at from the top.  The first
 * address that is the list address or LOCAL+TAG@DOMAIN (case-insensitive)
 * wins, with one refinement: the three envelope fields describe the same
 * delivery, and an alias or a later hop may strip a tag but never adds
 * one, so a tagged form in any of them beats the bare address in another
 * (Delivered-To: cop@ with X-Original-To: cop+funding@ is a funding post).
 * To and Cc are consulted only when no envelope field names the list.
 * An unknown tag, a token that is not 8-128 letters and digits, a POSTID
 * that is not a number, or a summary-THEME for no theme is an
 * unknown address (route invalid), never guessed at.  When no header
 * names the list at all (Bcc with an MTA that writes no envelope header)
 * the message is taken as sent to the posting address: it did reach our
 * mailbox, and the normal membership and moderation rules then apply.
 *
 * The precedence.  Every sign is collected first; then the first of these
 * rules that applies decides:
 *
 *  1. m == NULL (the parser refused it: over its hard limit) -> oversize.
 *  2. Sent to cop+bounces@ or its VERP form -> bounce.  The envelope says
 *     it is a report on our own outgoing mail; nothing done with it can
 *     loop, and it is exempt from max_message_kb because a report that
 *     returns a post of nearly max_message_kb is itself larger than that.
 *     Vacation responders answer the envelope sender, i.e. this address:
 *     a message with a strong auto-reply sign (below) that is in no way a
 *     report (no report shape, not from MAILER-DAEMON) is an auto-reply.
 *  3. Loop: our own List-Id <LOCAL.DOMAIN>, an X-Loop naming the list
 *     address, or a From that is one of the list's addresses (a munged
 *     relay or a notice coming back).  Before everything else that could
 *     produce an answer: the list's own mail must produce nothing at all.
 *  4. Bounce by shape: a null envelope sender (<>) or a MAILER-DAEMON /
 *     postmaster From together with a delivery-report shape
 *     (multipart/report of type delivery-status, a message/delivery-status
 *     part, or dsn_parse() recognising it), or MAILER-DAEMON with a
 *     null sender even when the text is not recognised.  Whatever address
 *     it was sent to: a report to an approve-TOKEN address must never
 *     approve anything.  Read receipts (report-type disposition-
 *     notification) are not bounces; they are auto-replies (rule 5).
 *  5. Auto-reply.  Strong signs: Auto-Submitted other than "no", the
 *     X-Autoreply family of headers, an out-of-office subject (the phrase
 *     must open the subject, so a person's "Re: Automatic reply: ..." or
 *     "Absence of funding" is not one), a read receipt, a null envelope
 *     sender.  Weak signs: Precedence bulk/junk/list,
 *     X-Auto-Response-Suppress.  Two address classes are treated apart:
 *       - cop+unsubscribe@ and cop+unsubscribe-TOKEN@ are never overridden
 *         by auto-reply signs: mail clients send one-click unsubscribe
 *         messages marked Auto-Submitted: auto-generated (RFC 8058 style),
 *         nothing of ours ever invites a robot to write there, and the
 *         worst outcome is a confirmation request.
 *       - confirm-, approve- and reject-TOKEN are overridden by strong
 *         signs only: a person's reply to a confirmation request is not an
 *         auto-reply because of a stray Precedence header, but an
 *         out-of-office answer must never confirm a subscription or
 *         approve a held post.
 *     Every other address, posts and commands included, obeys all signs.
 *  6. Oversize: raw_len > max_message_kb * 1024.  After the robots, so
 *     that only a person is ever told "your message was too large".
 *  7. Invalid: no usable From address.
 *  8. The address decides (unknown address -> invalid).
 *
 * Independently of the route, noreply is set whenever the sender is a
 * robot (null sender, MAILER-DAEMON, any auto-reply sign, loop, bounce),
 * so the caller never answers one, whatever it does with the message.
 *
 * Not here: membership, moderation and rate limits (they need the
 * database: ingest.c), and the meaning of a bounce (bounce.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "dsn.h"
#include "route.h"
#include "xalloc.h"

#define DETAIL_MAX 200          /* bytes of a header value quoted in detail */
#define ADDR_MAX 320            /* longest address looked at */

/* hdr_next - the value of the next top-level header field called name
 * (case-insensitive) from index *i on, or NULL; reads m->headers directly
 * so that it works on any struct message */
static const char *
hdr_next(const struct message *m, const char *name, size_t *i)
{
	for (; *i < m->nheaders; (*i)++) {
		const struct msg_header *h = &m->headers[*i];

		if (h->name && h->value && strcasecmp(h->name, name) == 0) {
			(*i)++;
			return h->value;
		}
	}
	return NULL;
}

/* hdr_first - the first header field called name, or NULL */
static const char *
hdr_first(const struct message *m, const char *name)
{
	size_t i = 0;

	return hdr_next(m, name, &i);
}

/* adup - an arena copy of n bytes with control characters turned into
 * spaces and cut (at a UTF-8 boundary) to max bytes; NULL without arena */
static const char *
adup(const struct message *m, const char *s, size_t n, size_t max)
{
	char *p;

	if (m == NULL || m->arena == NULL || s == NULL)
		return NULL;
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	p = arena_strndup(m->arena, s, n);
	if (p == NULL)
		return NULL;
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = ' ';
	return p;
}

/* detail2 - "A: B" in the arena, sanitised and capped */
static const char *
detail2(const struct message *m, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;
	char tmp[DETAIL_MAX * 2 + 8];

	if (la > DETAIL_MAX)
		la = DETAIL_MAX;
	if (lb > DETAIL_MAX) {
		lb = DETAIL_MAX;
		while (lb > 0 && ((unsigned char)b[lb] & 0xc0) == 0x80)
			lb--;
	}
	memcpy(tmp, a, la);
	memcpy(tmp + la, ": ", 2);
	if (lb)
		memcpy(tmp + la + 2, b, lb);
	return adup(m, tmp, la + 2 + lb, DETAIL_MAX + la + 2);
}

/* list_parts - the list's local part and domain, from the conf fields or
 * split from list.address; 0, or -1 when the list has no address */
static int
list_parts(const struct conf *c, const char **local, size_t *llen,
    const char **domain)
{
	const char *at;

	if (c == NULL || c->list.address == NULL || *c->list.address == '\0')
		return -1;
	if (c->list.local && c->list.domain) {
		*local = c->list.local;
		*llen = strlen(c->list.local);
		*domain = c->list.domain;
		return 0;
	}
	at = strrchr(c->list.address, '@');
	if (at == NULL || at == c->list.address || at[1] == '\0')
		return -1;
	*local = c->list.address;
	*llen = (size_t)(at - c->list.address);
	*domain = at + 1;
	return 0;
}

static char
list_sep(const struct conf *c)
{
	if (c && c->list.tag_separator && c->list.tag_separator[0])
		return c->list.tag_separator[0];
	return '+';
}

/* route_is_list_address - see route.h */
int
route_is_list_address(const struct conf *c, const char *addr, const char **tag,
    size_t *taglen)
{
	const char *local, *domain, *at;
	size_t llen, alen;

	if (tag)
		*tag = NULL;
	if (taglen)
		*taglen = 0;
	if (addr == NULL || list_parts(c, &local, &llen, &domain) < 0)
		return 0;
	at = strrchr(addr, '@');
	if (at == NULL || strcasecmp(at + 1, domain) != 0)
		return 0;
	alen = (size_t)(at - addr);
	if (alen < llen || strncasecmp(addr, local, llen) != 0)
		return 0;
	if (alen == llen)
		return 1;
	if (addr[llen] != list_sep(c) || alen == llen + 1)
		return 0;
	if (tag)
		*tag = addr + llen + 1;
	if (taglen)
		*taglen = alen - llen - 1;
	return 1;
}

static int
is_local_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch >= 0x80 ||
	    strchr("!#$%&'*+-/=?^_`{|}~.", ch) != NULL;
}

static int
is_domain_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch >= 0x80 || ch == '.' ||
	    ch == '-' || ch == '_';
}

/* next_addr - find the next "local@domain" in a raw header value from *pp
 * on (any syntax around it: brackets, commas, display names, "for <x>;");
 * copies it into out and returns 1, or 0 at the end.  Deliberately
 * lenient: it only has to find the list address among whatever is there. */
static int
next_addr(const char **pp, char *out, size_t outlen)
{
	const char *p = *pp, *at, *s, *e;

	while ((at = strchr(p, '@')) != NULL) {
		s = at;
		while (s > p && is_local_char((unsigned char)s[-1]))
			s--;
		e = at + 1;
		while (*e && is_domain_char((unsigned char)*e))
			e++;
		p = e > at + 1 ? e : at + 1;
		while (e > at + 1 && e[-1] == '.')
			e--;
		if (s == at || e == at + 1 || (size_t)(e - s) >= outlen)
			continue;
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
		*pp = p;
		return 1;
	}
	*pp = p + strlen(p);
	return 0;
}

/* A found list address: where, as written, and its tag */
struct found {
	const char *header;     /* static */
	char addr[ADDR_MAX];
	char tagbuf[ADDR_MAX];
	const char *tag;        /* tagbuf, or NULL for the bare address */
};

/* found_tag - remember the tag of f->addr in f->tagbuf */
static int
found_tag(const struct conf *c, struct found *f)
{
	const char *t;
	size_t n;

	if (!route_is_list_address(c, f->addr, &t, &n))
		return 0;
	f->tag = NULL;
	if (t) {
		memcpy(f->tagbuf, t, n);
		f->tagbuf[n] = '\0';
		f->tag = f->tagbuf;
	}
	return 1;
}

/* next_in_value - the next list address in a raw header value from the
 * cursor *pp on (which it advances) */
static int
next_in_value(const struct conf *c, const char **pp, const char *header,
    struct found *f)
{
	while (next_addr(pp, f->addr, sizeof(f->addr))) {
		if (found_tag(c, f)) {
			f->header = header;
			return 1;
		}
	}
	return 0;
}

/* find_in_value - the first list address in a raw header value */
static int
find_in_value(const struct conf *c, const char *value, const char *header,
    struct found *f)
{
	const char *p = value;

	return next_in_value(c, &p, header, f);
}

/* find_in_list - the first list address among parsed addresses */
static int
find_in_list(const struct conf *c, const struct msg_address *a, size_t n,
    const char *header, struct found *f)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].address == NULL || strlen(a[i].address) >= sizeof(f->addr))
			continue;
		strcpy(f->addr, a[i].address);
		if (found_tag(c, f)) {
			f->header = header;
			return 1;
		}
	}
	return 0;
}

/* find_recipient - the list address this copy was delivered to (see the
 * top comment for the order); 1 and *f, or 0 */
static int
find_recipient(const struct conf *c, const struct message *m, struct found *f)
{
	static const char *const envelope[] = { "Delivered-To", "X-Original-To",
	    "Envelope-To" };
	static const char *const visible[] = { "To", "Cc" };
	struct found bare;
	const char *v, *p;
	size_t i;
	int have_bare = 0;

	/* The envelope fields describe this one delivery.  A tagged form
	 * among them beats the bare address in another: an alias or an MTA
	 * may strip the tag on a later hop (Delivered-To: cop@ after
	 * X-Original-To: cop+funding@), but never adds one. */
	for (size_t k = 0; k < 3; k++)
		for (i = 0; (v = hdr_next(m, envelope[k], &i)) != NULL; )
			for (p = v; next_in_value(c, &p, envelope[k], f); ) {
				if (f->tag)
					return 1;
				if (!have_bare) {
					bare = *f;
					have_bare = 1;
				}
			}
	if (have_bare) {
		*f = bare;
		return 1;
	}
	if (find_in_list(c, m->to, m->nto, "To", f) ||
	    find_in_list(c, m->cc, m->ncc, "Cc", f))
		return 1;
	/* A parser that left To/Cc unparsed (or a hand-made struct): look at
	 * the raw fields, still only for the list's own address. */
	if (m->nto == 0 && m->ncc == 0)
		for (size_t k = 0; k < 2; k++)
			for (i = 0; (v = hdr_next(m, visible[k], &i)) != NULL; )
				if (find_in_value(c, v, visible[k], f))
					return 1;
	return 0;
}

/* route_guess_list_address - see route.h */
char *
route_guess_list_address(const struct message *m, char sep)
{
	static const char *const fields[] = { "Delivered-To", "X-Original-To",
	    "Envelope-To", "To", "Cc" };
	char addr[ADDR_MAX];
	const char *v, *p, *at, *cut;

	if (m == NULL)
		return NULL;
	for (size_t k = 0; k < 5; k++) {
		if (k == 3 && m->nto > 0 && m->to[0].address)
			v = m->to[0].address;
		else if (k == 4 && m->ncc > 0 && m->cc[0].address)
			v = m->cc[0].address;
		else
			v = hdr_first(m, fields[k]);
		if (v == NULL)
			continue;
		p = v;
		if (!next_addr(&p, addr, sizeof(addr)))
			continue;
		at = strrchr(addr, '@');
		cut = memchr(addr, sep, (size_t)(at - addr));
		if (cut == NULL || cut == addr)
			return xstrdup(addr);
		return xasprintf("%.*s%s", (int)(cut - addr), addr, at);
	}
	return NULL;
}

/* ---- the tag -------------------------------------------------------- */

/* theme_slug - the configured slug spelled as in the config, "general",
 * or NULL */
static const char *
theme_slug(const struct conf *c, const char *s, size_t n)
{
	if (n == strlen(CONF_GENERAL_THEME) &&
	    strncasecmp(s, CONF_GENERAL_THEME, n) == 0)
		return CONF_GENERAL_THEME;
	for (size_t i = 0; c && i < c->nthemes; i++) {
		const char *slug = c->themes[i].slug;

		if (slug && strlen(slug) == n && strncasecmp(slug, s, n) == 0)
			return slug;
	}
	return NULL;
}

static int
valid_token(const char *s)
{
	size_t n = strlen(s);

	if (n < ROUTE_TOKEN_MIN || n > ROUTE_TOKEN_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

static int
valid_postid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18 || *s == '0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* valid_verp - "LOCAL=DOMAIN": a non-empty local part (which may itself
 * hold '='), the last '=' and a domain with a dot-free or dotted name */
static int
valid_verp(const char *s)
{
	const char *eq = strrchr(s, '=');

	if (eq == NULL || eq == s || eq[1] == '\0')
		return 0;
	for (const char *p = eq + 1; *p; p++)
		if (!is_domain_char((unsigned char)*p) || (unsigned char)*p >= 0x80)
			return 0;
	for (const char *p = s; p < eq; p++)
		if (!is_local_char((unsigned char)*p) || (unsigned char)*p >= 0x80)
			return 0;
	return 1;
}

/* The address route, before any other rule */
struct addr_route {
	enum route route;
	const char *arg;        /* static, a config string, or into the tag */
	size_t arglen;
	const char *reason;     /* static */
};

/* prefix_arg - if tag is "WORD-rest" (case-insensitive), the rest */
static const char *
prefix_arg(const char *tag, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(tag, word, n) == 0 && tag[n] == '-')
		return tag + n + 1;
	return NULL;
}

/* parse_tag - what cop+TAG@ means (tag NULL: the bare address) */
static void
parse_tag(const struct conf *c, const char *tag, struct addr_route *a)
{
	static const char *const commands[] = { "request", "subscribe",
	    "unsubscribe", "help" };
	const char *rest;

	memset(a, 0, sizeof(*a));
	if (tag == NULL) {
		a->route = ROUTE_POST;
		a->reason = "posting address";
		return;
	}
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(tag, commands[i]) == 0) {
			a->route = ROUTE_COMMAND;
			a->arg = commands[i];
			a->reason = i == 0 ? "command address" : "command shortcut address";
			return;
		}
	}
	if (strcasecmp(tag, "owner") == 0) {
		a->route = ROUTE_OWNER;
		a->reason = "owner address";
		return;
	}
	if (strcasecmp(tag, "summary") == 0) {
		a->route = ROUTE_SUMMARY;
		a->reason = "summary address";
		return;
	}
	if (strcasecmp(tag, "bounces") == 0) {
		a->route = ROUTE_BOUNCE;
		a->reason = "sent to the bounce address";
		return;
	}
	a->route = ROUTE_INVALID;
	if ((rest = prefix_arg(tag, "summary")) != NULL) {
		a->arg = theme_slug(c, rest, strlen(rest));
		if (a->arg) {
			a->route = ROUTE_SUMMARY;
			a->reason = "summary address of a theme";
		} else {
			a->reason = "unknown address (no such theme)";
		}
		return;
	}
	if ((rest = prefix_arg(tag, "bounces")) != NULL) {
		if (valid_verp(rest)) {
			a->route = ROUTE_BOUNCE;
			a->arg = rest;
			a->arglen = strlen(rest);
			a->reason = "sent to a VERP bounce address";
		} else {
			a->reason = "unknown address (bad VERP form)";
		}
		return;
	}
	if ((rest = prefix_arg(tag, "reply")) != NULL) {
		if (valid_postid(rest)) {
			a->route = ROUTE_REPLY;
			a->arg = rest;
			a->arglen = strlen(rest);
			a->reason = "digest reply address";
		} else {
			a->reason = "unknown address (bad post number)";
		}
		return;
	}
	static const struct {
		const char *word;
		enum route route;
		const char *reason;
	} tokens[] = {
		{ "confirm", ROUTE_CONFIRM, "confirmation address" },
		{ "approve", ROUTE_APPROVE, "approval address" },
		{ "reject", ROUTE_REJECT, "rejection address" },
		{ "unsubscribe", ROUTE_UNSUBSCRIBE, "one-click unsubscribe address" },
	};
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		if ((rest = prefix_arg(tag, tokens[i].word)) == NULL)
			continue;
		if (valid_token(rest)) {
			a->route = tokens[i].route;
			a->arg = rest;
			a->arglen = strlen(rest);
			a->reason = tokens[i].reason;
		} else {
			a->reason = "unknown address (bad token)";
		}
		return;
	}
	if ((a->arg = theme_slug(c, tag, strlen(tag))) != NULL) {
		a->route = ROUTE_POST;
		a->reason = "theme address";
		return;
	}
	a->reason = "unknown address";
}

/* ---- auto-replies ---------------------------------------------------- */

/* fold_latin - lower-case ASCII and Latin-1 letters of s into out (at
 * most outlen - 1 bytes, cut at a character boundary) */
static void
fold_latin(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p && o + 3 < outlen) {
		if (*p >= 'A' && *p <= 'Z') {
			out[o++] = (char)(*p++ + 32);
		} else if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0x9e &&
		    p[1] != 0x97) {
			out[o++] = (char)0xc3;
			out[o++] = (char)(p[1] + 0x20);
			p += 2;
		} else {
			/* copy a whole character so the output stays UTF-8 */
			size_t n = 1;

			while ((p[n] & 0xc0) == 0x80 && n < 4)
				n++;
			if (o + n >= outlen)
				break;
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
	}
	out[o] = '\0';
}

static int
is_alnum_byte(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch >= 0x80;
}

/* Phrases that open the subject of out-of-office answers.  "strict"
 * ones are ordinary words too ("Absence of funding"), so they count only
 * when a delimiter (':', '-', '(', '[', ']', '|' or the end) follows. */
static const struct {
	const char *phrase;     /* lower case */
	int strict;
} oof_subjects[] = {
	/* en */
	{ "out of office", 0 }, { "out of the office", 0 },
	{ "automatic reply", 0 }, { "automatic response", 0 },
	{ "auto reply", 0 }, { "auto-reply", 0 }, { "autoreply", 0 },
	{ "auto response", 0 }, { "auto-response", 0 }, { "autoresponse", 0 },
	{ "vacation reply", 0 }, { "away from the office", 0 },
	{ "auto", 1 }, { "ooo", 1 }, { "vacation", 1 }, { "on vacation", 1 },
	{ "on leave", 1 }, { "away", 1 }, { "holiday", 1 },
	/* fr */
	{ "réponse automatique", 0 }, { "reponse automatique", 0 },
	{ "absent du bureau", 0 }, { "absence du bureau", 0 },
	{ "message d'absence", 0 }, { "message d’absence", 0 },
	{ "absence", 1 }, { "absent", 1 }, { "absente", 1 }, { "congés", 1 },
	/* es */
	{ "respuesta automática", 0 }, { "respuesta automatica", 0 },
	{ "fuera de la oficina", 0 }, { "fuera de oficina", 0 },
	{ "ausente", 1 }, { "ausencia", 1 }, { "de vacaciones", 1 },
	/* pt */
	{ "resposta automática", 0 }, { "resposta automatica", 0 },
	{ "fora do escritório", 0 }, { "fora do escritorio", 0 },
	{ "resposta de ausência", 0 }, { "ausência", 1 }, { "em férias", 1 },
	/* nl */
	{ "automatisch antwoord", 0 }, { "afwezigheidsbericht", 0 },
	{ "buiten kantoor", 0 }, { "niet aanwezig", 1 }, { "afwezig", 1 },
	/* de */
	{ "abwesenheitsnotiz", 0 }, { "automatische antwort", 0 },
	{ "abwesenheitsmeldung", 0 }, { "nicht im büro", 0 },
	{ "abwesend", 1 }, { "abwesenheit", 1 }, { "urlaub", 1 },
	/* it, as a courtesy */
	{ "risposta automatica", 0 }, { "fuori ufficio", 0 },
};

/* Phrases that mark a vacation subject wherever they are ("AUTO: Jane
 * Doe is out of the office" is caught above; "Jane Doe is out of the
 * office until Monday" here) */
static const char *const oof_anywhere[] = {
	"is out of the office", "is out of office", "am out of the office",
	"am out of office", "est absent du bureau", "est absente du bureau",
	"ist nicht im büro", "ist abwesend", "is afwezig", "está ausente",
	"esta ausente", "fuera de la oficina",
};

/* oof_subject - the phrase when subject is an out-of-office subject */
static const char *
oof_subject(const char *subject)
{
	char f[256];
	const char *s;

	if (subject == NULL || *subject == '\0')
		return NULL;
	fold_latin(subject, f, sizeof(f));
	s = f;
	/* "[Auto-Reply] x", "*** Out of office ***", "(Absence) x" */
	while (*s == ' ' || *s == '\t' || *s == '[' || *s == '*' || *s == '(')
		s++;
	for (size_t i = 0; i < sizeof(oof_subjects) / sizeof(oof_subjects[0]); i++) {
		const char *ph = oof_subjects[i].phrase;
		size_t n = strlen(ph);
		const char *t;

		if (strncmp(s, ph, n) != 0 || is_alnum_byte((unsigned char)s[n]))
			continue;
		if (!oof_subjects[i].strict)
			return ph;
		t = s + n;
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '\0' || strchr(":-([]|", *t) != NULL ||
		    strncmp(t, "\xe2\x80\x93", 3) == 0 /* en dash */ ||
		    strncmp(t, "\xef\xbc\x9a", 3) == 0 /* fullwidth colon */)
			return ph;
	}
	for (size_t i = 0; i < sizeof(oof_anywhere) / sizeof(oof_anywhere[0]); i++)
		if (strstr(f, oof_anywhere[i]) != NULL)
			return oof_anywhere[i];
	return NULL;
}

/* first_word - the first token of a header value ("auto-replied;
 * by=..." -> "auto-replied"), into out */
static void
first_word(const char *v, char *out, size_t outlen)
{
	size_t n = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	while (*v && *v != ';' && *v != ' ' && *v != '\t' && *v != '(' &&
	    n + 1 < outlen)
		out[n++] = *v++;
	out[n] = '\0';
}

/* Auto-responder headers: any value but no/false/0 counts */
static const char *const auto_headers[] = {
	"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply",
	"X-AutoReply-From", "X-Mail-Autoreply", "X-Autogenerated",
	"X-FC-MachineGenerated", "X-Vacation",
};

/* The signs collected from one message */
struct signs {
	int null_sender;        /* Return-Path: <> */
	int from_daemon;        /* From MAILER-DAEMON or postmaster */
	int daemon_only;        /* From MAILER-DAEMON (not postmaster) */
	int report;             /* delivery-report shape */
	int mdn;                /* read receipt */
	int auto_marked;        /* a strong sign other than the sender alone */
	const char *strong_reason, *strong_detail;
	const char *weak_reason, *weak_detail;
	const char *loop_reason, *loop_detail;
};

/* report_type - 1 when the top-level Content-Type names
 * report-type=disposition-notification */
static int
is_mdn(const struct message *m)
{
	const char *ct = hdr_first(m, "Content-Type"), *p;
	char f[512];

	if (m->content_type == NULL || strcasecmp(m->content_type, "multipart/report") != 0)
		return 0;
	if (ct == NULL)
		return 0;
	fold_latin(ct, f, sizeof(f));
	p = strstr(f, "report-type");
	if (p == NULL)
		return 0;
	p += strlen("report-type");
	while (*p == ' ' || *p == '=' || *p == '"')
		p++;
	return strncmp(p, "disposition-notification", 24) == 0;
}

/* local_is - 1 when the local part of addr is one of the words */
static int
local_is(const char *addr, const char *const *words)
{
	const char *at;
	size_t n;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return 0;
	n = (size_t)(at - addr);
	for (; *words; words++)
		if (strlen(*words) == n && strncasecmp(addr, *words, n) == 0)
			return 1;
	return 0;
}

/* is_null_sender - Return-Path: <> (parsed as "", or the raw field) */
static int
is_null_sender(const struct message *m)
{
	const char *v;

	if (m->return_path != NULL)
		return m->return_path[0] == '\0';
	if ((v = hdr_first(m, "Return-Path")) == NULL)
		return 0;
	while (*v == ' ' || *v == '\t' || *v == '<')
		v++;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '>' || *v == '\0';
}

/* list_id_is_ours - the List-Id's <id> is LOCAL.DOMAIN */
static int
list_id_is_ours(const struct conf *c, const char *v)
{
	const char *local, *domain, *s, *e;
	size_t llen, dlen;

	if (list_parts(c, &local, &llen, &domain) < 0)
		return 0;
	dlen = strlen(domain);
	if ((s = strrchr(v, '<')) != NULL && (e = strchr(s, '>')) != NULL) {
		s++;
	} else {
		s = v;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
	}
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return (size_t)(e - s) == llen + 1 + dlen &&
	    strncasecmp(s, local, llen) == 0 && s[llen] == '.' &&
	    strncasecmp(s + llen + 1, domain, dlen) == 0;
}

/* collect_signs - every loop, bounce and auto-reply sign of m; to_bounces:
 * it was sent to the bounce address (always ask dsn_parse) */
static void
collect_signs(const struct conf *c, const struct message *m, int to_bounces,
    struct signs *g)
{
	static const char *const daemons[] = { "mailer-daemon", "mailer_daemon",
	    "mailerdaemon", "postmaster", NULL };
	static const char *const daemon_only[] = { "mailer-daemon",
	    "mailer_daemon", "mailerdaemon", NULL };
	char word[64], addr[ADDR_MAX];
	const char *v, *p, *ph;
	size_t i;

	memset(g, 0, sizeof(*g));

	/* Loops */
	for (i = 0; !g->loop_reason && (v = hdr_next(m, "List-Id", &i)) != NULL; )
		if (list_id_is_ours(c, v)) {
			g->loop_reason = "our own List-Id";
			g->loop_detail = detail2(m, "List-Id", v);
		}
	for (i = 0; !g->loop_reason && (v = hdr_next(m, "X-Loop", &i)) != NULL; ) {
		for (p = v; next_addr(&p, addr, sizeof(addr)); )
			if (route_is_list_address(c, addr, NULL, NULL)) {
				g->loop_reason = "X-Loop names the list";
				g->loop_detail = detail2(m, "X-Loop", v);
				break;
			}
	}
	if (!g->loop_reason && m->from.address &&
	    route_is_list_address(c, m->from.address, NULL, NULL)) {
		g->loop_reason = "From is the list's own address";
		g->loop_detail = detail2(m, "From", m->from.address);
	}

	/* Bounces */
	g->null_sender = is_null_sender(m);
	g->from_daemon = local_is(m->from.address, daemons);
	g->daemon_only = local_is(m->from.address, daemon_only);
	g->mdn = is_mdn(m);
	if (!g->mdn && ((m->content_type &&
	    strcasecmp(m->content_type, "multipart/report") == 0) ||
	    m->delivery_status != NULL))
		g->report = 1;
	if (!g->report && !g->mdn && (g->null_sender || g->from_daemon ||
	    to_bounces) && m->arena != NULL) {
		struct dsn_report br;

		if (dsn_parse(m, m->arena, &br) == 1)
			g->report = 1;
	}

	/* Strong auto-reply signs, the most telling first */
	if ((v = hdr_first(m, "Auto-Submitted")) != NULL) {
		first_word(v, word, sizeof(word));
		if (word[0] && strcasecmp(word, "no") != 0) {
			g->strong_reason = "Auto-Submitted";
			g->strong_detail = detail2(m, "Auto-Submitted", v);
		}
	}
	for (size_t k = 0; !g->strong_reason &&
	    k < sizeof(auto_headers) / sizeof(auto_headers[0]); k++) {
		if ((v = hdr_first(m, auto_headers[k])) == NULL)
			continue;
		first_word(v, word, sizeof(word));
		if (strcasecmp(word, "no") == 0 || strcasecmp(word, "false") == 0 ||
		    strcmp(word, "0") == 0)
			continue;
		g->strong_reason = "auto-responder header";
		g->strong_detail = detail2(m, auto_headers[k], v);
	}
	if (!g->strong_reason && (ph = oof_subject(m->subject)) != NULL) {
		g->strong_reason = "out-of-office subject";
		g->strong_detail = detail2(m, "Subject", m->subject);
	}
	if (!g->strong_reason && g->mdn) {
		g->strong_reason = "read receipt";
		g->strong_detail = detail2(m, "Content-Type",
		    hdr_first(m, "Content-Type"));
	}
	g->auto_marked = g->strong_reason != NULL;
	if (!g->strong_reason && g->null_sender) {
		g->strong_reason = "null envelope sender";
		g->strong_detail = "Return-Path: <>";
	}
	if (!g->strong_reason && g->daemon_only) {
		g->strong_reason = "from MAILER-DAEMON";
		g->strong_detail = detail2(m, "From", m->from.address);
	}

	/* Weak ones.  X-Precedence is the same field written by some
	 * responders; "auto_reply" a value some of them use. */
	for (size_t k = 0; k < 2 && !g->weak_reason; k++) {
		const char *name = k == 0 ? "Precedence" : "X-Precedence";

		if ((v = hdr_first(m, name)) == NULL)
			continue;
		first_word(v, word, sizeof(word));
		if (strcasecmp(word, "bulk") == 0 || strcasecmp(word, "junk") == 0 ||
		    strcasecmp(word, "list") == 0 ||
		    strcasecmp(word, "auto_reply") == 0) {
			g->weak_reason = "Precedence";
			g->weak_detail = detail2(m, name, v);
		}
	}
	if (!g->weak_reason && (v = hdr_first(m, "X-Auto-Response-Suppress")) != NULL) {
		first_word(v, word, sizeof(word));
		if (word[0]) {
			g->weak_reason = "X-Auto-Response-Suppress";
			g->weak_detail = detail2(m, "X-Auto-Response-Suppress", v);
		}
	}
}

/* ---- the decision ------------------------------------------------------ */

static void
decide(struct route_result *r, enum route route, const char *reason,
    const char *detail)
{
	r->route = route;
	r->reason = reason;
	r->detail = detail;
}

/* route_message - see route.h; the rules are at the top of this file */
void
route_message(const struct conf *c, const struct message *m, size_t raw_len,
    struct route_result *r)
{
	struct found f;
	struct addr_route a;
	struct signs g;
	int have_to, exempt, token_route;
	long max_kb;

	memset(r, 0, sizeof(*r));
	if (m == NULL) {
		decide(r, ROUTE_OVERSIZE, "too large to parse", NULL);
		return;
	}

	memset(&f, 0, sizeof(f));
	have_to = find_recipient(c, m, &f);
	parse_tag(c, have_to ? f.tag : NULL, &a);
	if (have_to) {
		r->to = adup(m, f.addr, strlen(f.addr), ADDR_MAX);
		r->to_header = f.header;
	} else {
		a.reason = "no list address in the headers; taken as the posting address";
	}
	if (a.arg)
		r->arg = a.arglen ? adup(m, a.arg, a.arglen, ADDR_MAX) : a.arg;
	collect_signs(c, m, a.route == ROUTE_BOUNCE, &g);

	/* 2. the bounce address: a report, or at least nothing to answer.
	 * Vacation responders answer the envelope sender, which is this
	 * address: what is plainly an auto-reply (and in no way a report) is
	 * called one, so the log and inspect say what it is. */
	if (a.route == ROUTE_BOUNCE) {
		r->noreply = 1;
		if (g.auto_marked && !g.report && !g.from_daemon) {
			r->arg = NULL;
			decide(r, ROUTE_AUTOREPLY, "auto-reply sent to the bounce address",
			    g.strong_detail);
		} else {
			decide(r, ROUTE_BOUNCE, a.reason, detail2(m, f.header, f.addr));
		}
		return;
	}

	/* 3. loops */
	if (g.loop_reason) {
		r->noreply = 1;
		r->arg = NULL;
		decide(r, ROUTE_LOOP, g.loop_reason, g.loop_detail);
		return;
	}

	/* 4. bounces by their shape */
	if ((g.null_sender || g.from_daemon) && g.report) {
		r->noreply = 1;
		r->arg = NULL;
		decide(r, ROUTE_BOUNCE, g.null_sender ?
		    "delivery report from a null sender" :
		    "delivery report from MAILER-DAEMON",
		    detail2(m, "From", m->from.address ? m->from.address : ""));
		return;
	}
	if (g.daemon_only && g.null_sender) {
		r->noreply = 1;
		r->arg = NULL;
		decide(r, ROUTE_BOUNCE, "MAILER-DAEMON with a null sender",
		    detail2(m, "From", m->from.address));
		return;
	}

	/* 5. auto-replies */
	exempt = a.route == ROUTE_UNSUBSCRIBE || (a.route == ROUTE_COMMAND &&
	    a.arg && strcmp(a.arg, "unsubscribe") == 0);
	token_route = a.route == ROUTE_CONFIRM || a.route == ROUTE_APPROVE ||
	    a.route == ROUTE_REJECT;
	if (exempt) {
		r->noreply = g.null_sender || g.daemon_only;
	} else if (g.strong_reason || (g.weak_reason && !token_route)) {
		r->noreply = 1;
		r->arg = NULL;
		if (g.strong_reason)
			decide(r, ROUTE_AUTOREPLY, g.strong_reason, g.strong_detail);
		else
			decide(r, ROUTE_AUTOREPLY, g.weak_reason, g.weak_detail);
		return;
	}
	/* a weak sign on a token answer: a person after all (not noreply) */

	/* 6. size */
	max_kb = c ? c->list.max_message_kb : 0;
	if (max_kb > 0 && (unsigned long)max_kb <= SIZE_MAX / 1024 &&
	    raw_len > (size_t)max_kb * 1024) {
		r->arg = NULL;
		decide(r, ROUTE_OVERSIZE, "larger than max_message_kb", NULL);
		return;
	}

	/* 7. a usable sender */
	if (m->from.address == NULL || strchr(m->from.address, '@') == NULL ||
	    m->from.address[0] == '@') {
		r->arg = NULL;
		decide(r, ROUTE_INVALID, "no usable From", NULL);
		return;
	}

	/* 8. the address */
	if (a.route == ROUTE_INVALID)
		r->arg = NULL;
	decide(r, a.route, a.reason, have_to ? detail2(m, f.header, f.addr) : NULL);
}

/* route_name - see route.h */
const char *
route_name(enum route r)
{
	static const char *const names[] = { "post", "command", "summary",
	    "confirm", "approve", "reject", "unsubscribe", "reply", "owner",
	    "bounce", "autoreply", "loop", "oversize", "invalid" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "invalid";
}
