/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_inspect - baraza inspect FILE|- [--json] [--at TIME]
 *
 * Shows what baraza makes of one raw message -- how it parses, which
 * address it reached and so which route it takes, its theme, session and
 * kind, and for each of these the rule that decided -- without storing or
 * sending anything.  It is the tool a facilitator uses to ask "why did my
 * message go there?", so every decision is printed with its reason.
 *
 * The configuration is used when it loads (list address, themes, keywords,
 * sessions); a configuration file that exists but does not load is a bad
 * configuration (exit 2).  Without one, the list address is guessed from
 * the message's own headers and said so.  When the database exists and is
 * at the current schema it is read, never written: the decisions printed
 * are ingest_decide()'s, the very function ingest takes them with (the
 * thread a reply joins and how it was found, its theme, session and kind,
 * the post it hangs under, held or not, a message stored already).  This
 * file only reads the arguments and prints.
 *
 * Arrival time, which decides the open session: --at TIME, else
 * BARAZA_NOW when set, else the message's Date, else now.
 *
 * The From a post's copies would carry (from_munging): with auto, the
 * author domain's DMARC policy is looked up as the relay would (the
 * database's cache, then DNS; from_policy.h), but nothing is written to
 * the cache.
 *
 * Any input is accepted: empty, binary, huge.  Bytes beyond the parser's
 * hard limit are counted but not kept; such a message is reported as
 * oversize.  Exit 0 when the message was inspected (whatever it is), 1
 * when it cannot be read, 2 for bad usage or a bad configuration.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "classify.h"
#include "clock.h"
#include "cmd.h"
#include "dmarc.h"
#include "dsn.h"
#include "from_policy.h"
#include "ingest_decide.h"
#include "ingest_prepare.h"
#include "json.h"
#include "listaddr.h"
#include "message.h"
#include "route.h"
#include "store.h"
#include "xalloc.h"

#define INSPECT_TEXT_LINES 12   /* lines of new text shown in plain output */

/* Everything inspect learned, for either output form */
struct inspection {
	const char *file;
	size_t size;                  /* real size of the input */
	struct ingest_prepared *p;    /* owned: parse and route */
	const struct message *m;      /* p->m; NULL: over the parser's limit */
	const struct route_result *rr;  /* &p->rr */
	struct ingest_decision d;     /* ingest's decisions */
	int is_bounce;
	struct dsn_report br;
	const char *list;             /* the list address used, or NULL */
	const char *list_name;        /* the list's name, or NULL */
	const char *list_source;      /* "configuration FILE" / "guessed ..." */
	time_t arrival;
	const char *arrival_source;
	const char *db_note;          /* why the database was not read, or NULL */
	int from_known;               /* a post with an author: fv, from_mode */
	const char *from_mode;        /* "auto", "always", "never" */
	struct dmarc_verdict fv;      /* auto: the DMARC verdict; else munge only */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: baraza inspect [--json] [--at TIME] FILE|-\n"
	    "\n"
	    "Parse one raw message (- reads standard input) and show what baraza\n"
	    "makes of it -- route, theme, session, kind, and the rule that decided\n"
	    "each -- without storing or sending anything.\n"
	    "\n"
	    "  --json      one JSON object (keys as in the specification, plus the\n"
	    "              reasons: route_reason, theme_reason, kind_reason, ...)\n"
	    "  --at TIME   the arrival time (ISO 8601) that decides the open session;\n"
	    "              default BARAZA_NOW, else the message's Date, else now\n"
	    "\n"
	    "The configuration is used when there is one (else the list address is\n"
	    "guessed from the message); the database, when it exists, is only read.\n");
}

/* read_all - the whole input into *out (owned), keeping at most keep bytes;
 * *size gets the real size.  0, or -1 with errno. */
static int
read_all(FILE *fp, size_t keep, char **out, size_t *kept, size_t *size)
{
	size_t cap = 65536, n = 0, total = 0, got;
	char *data = xmalloc(cap), scratch[65536];

	for (;;) {
		if (n < keep) {
			if (n == cap) {
				cap = cap * 2 > keep ? keep : cap * 2;
				data = xreallocarray(data, cap, 1);
			}
			got = fread(data + n, 1, cap - n, fp);
			n += got;
		} else {
			got = fread(scratch, 1, sizeof(scratch), fp);
		}
		total += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		int e = errno;

		free(data);
		errno = e ? e : EIO;
		return -1;
	}
	*out = data;
	*kept = n;
	*size = total;
	return 0;
}

/* guess_conf - a minimal configuration around a guessed list address */
static struct conf *
guess_conf(const struct message *m)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	char *addr = route_guess_list_address(m, '+'), *at;

	c->list.tag_separator = xstrdup("+");
	c->list.subject_prefix = xstrdup("");
	c->list.max_message_kb = 2048;
	if (addr && (at = strrchr(addr, '@')) != NULL && at != addr) {
		c->list.address = addr;
		c->list.local = xstrndup(addr, (size_t)(at - addr));
		c->list.domain = xstrdup(at + 1);
	} else {
		free(addr);
	}
	return c;
}

/* guess_theme - without a configuration the themes are unknown: when
 * the message went to cop+TAG@ and TAG would be an unknown address, take
 * TAG as a theme's slug so the rest of the rules can still be shown */
static void
guess_theme(struct conf *c, const struct message *m, size_t size)
{
	struct route_result rr;
	const char *tag;
	size_t n;

	if (m == NULL)
		return;
	route_message(c, m, size, &rr);
	if (rr.route != ROUTE_INVALID || rr.to == NULL ||
	    !listaddr_match(c, rr.to, &tag, &n) || tag == NULL ||
	    n == 0 || n > 64 || strspn(tag, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") < n)
		return;
	c->themes = xcalloc(1, sizeof(*c->themes));
	c->themes[0].slug = xstrndup(tag, n);
	c->themes[0].title = xstrdup("");
	c->nthemes = 1;
}

static void
guess_conf_free(struct conf **cp)
{
	struct conf *c = *cp;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nthemes; i++) {
		free(c->themes[i].slug);
		free(c->themes[i].title);
	}
	free(c->themes);
	free(c->list.address);
	free(c->list.local);
	free(c->list.domain);
	free(c->list.tag_separator);
	free(c->list.subject_prefix);
	free(c);
	*cp = NULL;
}

/* open_database - the list's database, read only, when it exists and is
 * at this program's schema; else NULL and *note says why */
static struct store *
open_database(const struct conf *c, const char **note)
{
	struct store *s = NULL;
	char err[256];

	if (c->list.database == NULL || access(c->list.database, R_OK) != 0) {
		*note = "no database yet";
		return NULL;
	}
	if (store_open(c->list.database, 0, &s, err, sizeof(err)) < 0) {
		*note = "the database could not be opened";
		return NULL;
	}
	if (store_version(s) != store_latest_version()) {
		*note = "the database is not at this program's schema (run baraza init)";
		store_close(&s);
		return NULL;
	}
	return s;
}

/* inspect - the arrival time, ingest's decisions, the report if any */
static void
inspect(const struct conf *c, struct classifier *cl, struct inspection *in,
    int use_db)
{
	struct ingest_decide_opts o = { 0 };
	struct store *s = NULL;

	in->m = in->p->m;
	in->rr = &in->p->rr;
	if (in->m == NULL)
		return;
	in->list = c->list.address;
	in->list_name = c->list.name;
	if (in->arrival_source == NULL) {
		if (getenv("BARAZA_NOW") && *getenv("BARAZA_NOW")) {
			in->arrival = clock_now();
			in->arrival_source = "BARAZA_NOW";
		} else if (in->m->date > 0) {
			in->arrival = in->m->date;
			in->arrival_source = "the Date field";
		} else {
			in->arrival = clock_now();
			in->arrival_source = "now";
		}
	}
	in->is_bounce = dsn_parse(in->m, in->m->arena, &in->br) == 1;
	if (use_db)
		s = open_database(c, &in->db_note);
	o.received = in->arrival;
	o.classifier = cl;
	if (ingest_decide(s, c, in->p, &o, &in->d) < 0)
		in->db_note = "the database could not be read";
	if ((in->rr->route == ROUTE_POST || in->rr->route == ROUTE_REPLY) &&
	    in->m->from.address) {
		in->from_known = 1;
		in->from_mode = c->list.from_munging == FROM_MUNGING_AUTO ? "auto" :
		    c->list.from_munging == FROM_MUNGING_ALWAYS ? "always" : "never";
		if (c->list.from_munging == FROM_MUNGING_AUTO) {
			struct from_policy *fp = from_policy_new(s, c, 0);

			from_policy_verdict(fp, in->m->from.address, &in->fv);
			from_policy_free(&fp);
		} else {
			in->fv.munge = c->list.from_munging == FROM_MUNGING_ALWAYS;
			snprintf(in->fv.why, sizeof(in->fv.why), "from_munging = %s: %s",
			    in->from_mode, in->fv.munge ? "From rewritten" : "From kept");
		}
	}
	store_close(&s);
}

/* effect - what baraza does with a message on this route, in words */
static const char *
effect(enum route r)
{
	switch (r) {
	case ROUTE_POST:
		return "stored and relayed to the members who follow its theme "
		    "(or held, per list.moderate)";
	case ROUTE_COMMAND:
		return "its commands are carried out and answered";
	case ROUTE_SUMMARY:
		return "from a facilitator: becomes the session's summary and goes "
		    "to every member; from anyone else: refused";
	case ROUTE_CONFIRM:
		return "confirms the subscription or unsubscription waiting for "
		    "this token";
	case ROUTE_APPROVE:
		return "a facilitator's approval of the post held with this token";
	case ROUTE_REJECT:
		return "a facilitator's rejection of the post held with this token";
	case ROUTE_UNSUBSCRIBE:
		return "unsubscribes the member with this token at once";
	case ROUTE_REPLY:
		return "threaded under that post, then handled as a post";
	case ROUTE_OWNER:
		return "forwarded to the facilitators";
	case ROUTE_BOUNCE:
		return "counted against the recipients it reports; never relayed";
	case ROUTE_AUTOREPLY:
		return "recorded; never relayed, never answered";
	case ROUTE_LOOP:
		return "recorded; never relayed: the list's own mail came back";
	case ROUTE_OVERSIZE:
		return "not relayed; the author is told (at most once a day)";
	case ROUTE_INVALID:
		return "recorded as failed; not relayed";
	}
	return "";
}

/* ---- JSON -------------------------------------------------------------- */

static void
json_strings(struct json *j, const char *key, const char *const *v, size_t n)
{
	json_key(j, key);
	json_array_begin(j);
	for (size_t i = 0; v && i < n; i++)
		json_string(j, v[i]);
	json_array_end(j);
}

/* json_from_rewrite - "from_rewrite": what From a post's copies carry and
 * why; null for what is not relayed as a post */
static void
json_from_rewrite(struct json *j, const struct inspection *in)
{
	const struct dmarc_verdict *v = &in->fv;
	int dmarc = in->from_known && strcmp(in->from_mode, "auto") == 0;

	json_key(j, "from_rewrite");
	if (!in->from_known) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_key(j, "mode");
	json_string(j, in->from_mode);
	json_key(j, "rewrite");
	json_bool(j, v->munge);
	json_key(j, "from");
	if (v->munge) {
		char *f = xasprintf("\"%s via %s\" <%s>", in->m->from.name &&
		    *in->m->from.name ? in->m->from.name : in->m->from.address,
		    in->list_name ? in->list_name : "the list", in->list ? in->list : "");

		json_string(j, f);
		free(f);
	} else {
		json_string(j, in->m->from.address);
	}
	json_key(j, "outcome");
	json_string(j, dmarc ? dmarc_outcome_name(v->outcome) : NULL);
	json_key(j, "policy");
	json_string(j, dmarc && v->outcome != DMARC_NO_POLICY ?
	    dmarc_policy_name(v->policy) : NULL);
	json_key(j, "source");
	json_string(j, dmarc && v->source != DMARC_SRC_NONE ?
	    dmarc_source_name(v->source) : NULL);
	json_key(j, "domain");
	json_string(j, dmarc && v->domain[0] ? v->domain : NULL);
	json_key(j, "org_domain");
	json_string(j, dmarc && v->org[0] ? v->org : NULL);
	json_key(j, "record_name");
	json_string(j, dmarc && v->name[0] ? v->name : NULL);
	json_key(j, "record");
	json_string(j, dmarc && v->record[0] ? v->record : NULL);
	json_key(j, "reason");
	json_string(j, v->why);
	json_object_end(j);
}

static void
print_json(const struct inspection *in)
{
	const struct message *m = in->m;
	struct buf out;
	struct json j;
	char iso[32];

	buf_init(&out, BUF_NOLIMIT);
	json_init(&j, &out);
	json_object_begin(&j);
	json_key(&j, "message_id");
	json_string(&j, m ? m->message_id : NULL);
	json_key(&j, "from");
	if (m && (m->from.address || m->from.name)) {
		json_object_begin(&j);
		json_key(&j, "name");
		json_string(&j, m->from.name);
		json_key(&j, "address");
		json_string(&j, m->from.address);
		json_object_end(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "subject");
	json_string(&j, m ? m->subject : NULL);
	json_key(&j, "date");
	if (m && m->date > 0)
		json_string(&j, clock_format_iso(m->date, iso, sizeof(iso)));
	else
		json_null(&j);
	json_key(&j, "route");
	json_string(&j, route_name(in->rr->route));
	json_key(&j, "theme");
	json_string(&j, in->d.classified ? in->d.theme : NULL);
	json_key(&j, "kind");
	json_string(&j, in->d.classified ? in->d.kind : NULL);
	json_key(&j, "in_reply_to");
	json_string(&j, m ? m->in_reply_to : NULL);
	json_strings(&j, "references", m ? m->references : NULL, m ? m->nreferences : 0);
	json_key(&j, "text");
	if (m && m->text)
		json_string_n(&j, m->text, m->text_len);
	else
		json_null(&j);
	json_key(&j, "new_text");
	json_string(&j, m ? m->new_text : NULL);
	json_strings(&j, "links", m ? m->links : NULL, m ? m->nlinks : 0);
	json_key(&j, "attachments");
	json_array_begin(&j);
	for (size_t i = 0; m && i < m->nattachments; i++) {
		json_object_begin(&j);
		json_key(&j, "name");
		json_string(&j, m->attachments[i].name);
		json_key(&j, "type");
		json_string(&j, m->attachments[i].type);
		json_key(&j, "bytes");
		json_int(&j, (int64_t)m->attachments[i].bytes);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "bounce");
	if (in->is_bounce) {
		json_object_begin(&j);
		json_strings(&j, "addresses", in->br.addresses, in->br.naddresses);
		json_key(&j, "temporary");
		json_bool(&j, in->br.temporary);
		json_key(&j, "status");
		json_string(&j, in->br.status);
		json_key(&j, "family");
		json_string(&j, in->br.family);
		json_object_end(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "defects");
	json_array_begin(&j);
	if (m == NULL)
		json_string(&j, "too-large");
	for (size_t i = 0; m && i < m->ndefects; i++)
		json_string(&j, m->defects[i]);
	json_array_end(&j);

	/* the reasons and the rest, beyond the keys documented for scripts */
	json_key(&j, "size");
	json_int(&j, (int64_t)in->size);
	json_key(&j, "to");
	json_string(&j, in->rr->to);
	json_key(&j, "to_header");
	json_string(&j, in->rr->to_header);
	json_key(&j, "route_arg");
	json_string(&j, in->rr->arg);
	json_key(&j, "route_reason");
	json_string(&j, in->rr->reason);
	json_key(&j, "route_detail");
	json_string(&j, in->rr->detail);
	json_key(&j, "effect");
	json_string(&j, effect(in->rr->route));
	json_key(&j, "noreply");
	json_bool(&j, in->rr->noreply);
	json_key(&j, "theme_rule");
	json_string(&j, in->d.classified ?
	    classify_theme_rule_name(in->d.cr.theme_rule) : NULL);
	json_key(&j, "theme_reason");
	json_string(&j, in->d.classified ? in->d.cr.theme_why : NULL);
	json_key(&j, "kind_reason");
	json_string(&j, in->d.classified ? in->d.kind_why : NULL);
	json_key(&j, "session");
	if (in->d.has_session) {
		char d[16];

		json_object_begin(&j);
		json_key(&j, "id");
		if (in->d.session.id)
			json_int(&j, in->d.session.id);
		else
			json_null(&j);
		json_key(&j, "theme");
		json_string(&j, in->d.session.theme);
		json_key(&j, "opens");
		json_string(&j, clock_format_date(in->d.session.opens, d, sizeof(d)));
		json_key(&j, "closes");
		json_string(&j, clock_format_date(in->d.session.closes, d, sizeof(d)));
		json_object_end(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "arrival");
	json_string(&j, m ? clock_format_iso(in->arrival, iso, sizeof(iso)) : NULL);
	json_key(&j, "thread");
	if (in->d.thread)
		json_int(&j, in->d.thread);
	else
		json_null(&j);
	json_key(&j, "duplicate");
	json_bool(&j, in->d.duplicate);
	json_key(&j, "list");
	json_string(&j, in->list);
	/* decided with the database only (null without one) */
	json_key(&j, "thread_rule");
	json_string(&j, ingest_decide_thread_rule_name(in->d.thread_rule));
	json_key(&j, "thread_reason");
	json_string(&j, ingest_decide_thread_why(&in->d));
	json_key(&j, "parent");
	if (in->d.parent)
		json_int(&j, in->d.parent);
	else
		json_null(&j);
	json_key(&j, "held");
	if (in->d.post && in->d.store_read)
		json_bool(&j, in->d.held);
	else
		json_null(&j);
	json_key(&j, "held_reason");
	json_string(&j, in->d.held ? in->d.held_reason : NULL);
	json_from_rewrite(&j, in);
	json_object_end(&j);
	buf_putc(&out, '\n');
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
}

/* ---- plain text --------------------------------------------------------- */

/* put - s with control characters shown as '?', so a hostile subject
 * cannot drive the terminal; keep_nl keeps line breaks */
static void
put(const char *s, int keep_nl)
{
	if (s == NULL) {
		fputs("-", stdout);
		return;
	}
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\n' && keep_nl)
			putchar('\n');
		else if (ch < 0x20 || ch == 0x7f)
			putchar(ch == '\t' ? ' ' : '?');
		else
			putchar(ch);
	}
}

static void
field(const char *name, const char *value)
{
	printf("%-13s", name);
	put(value, 0);
	putchar('\n');
}

/* print_thread - the thread, the parent and moderation, as decided */
static void
print_thread(const struct inspection *in)
{
	const struct ingest_decision *d = &in->d;

	if (!d->classified)
		return;
	if (d->thread) {
		printf("%-13s#%lld in the database (theme ", "thread:", (long long)d->thread);
		put(d->thread_rule == INGEST_THREAD_SUBJECT ? d->theme : d->thread_theme, 0);
		putchar(')');
		if (d->thread_rule == INGEST_THREAD_SUBJECT)
			printf(", by %s", ingest_decide_thread_why(d));
		putchar('\n');
	} else {
		printf("%-13sa new thread (%s)\n", "thread:", ingest_decide_thread_why(d));
	}
	if (d->parent)
		printf("%-13spost #%lld, %s\n", "parent:", (long long)d->parent,
		    d->tm.by_subject ? "the first post of the thread it joins" :
		    "the nearest stored post it replies to");
	if (d->held) {
		printf("%-13s%s - a facilitator approves or rejects it\n", "held:",
		    d->held_reason ? d->held_reason : "moderated list");
	}
}

static void
print_plain(const struct inspection *in)
{
	const struct message *m = in->m;
	const struct ingest_decision *d = &in->d;
	char iso[32], d1[16], d2[16];

	printf("%-13s%s (%zu bytes)\n", "file:", in->file, in->size);
	if (m == NULL) {
		printf("%-13soversize - larger than the parser's limit; not parsed\n",
		    "route:");
		return;
	}
	printf("%-13s", "list:");
	put(in->list ? in->list : "(unknown)", 0);
	printf(" (%s)\n", in->list_source);
	printf("%-13s", "message-id:");
	if (m->message_id) {
		putchar('<');
		put(m->message_id, 0);
		puts(">");
	} else {
		puts("(none: baraza would use a hash of the message)");
	}
	printf("%-13s", "from:");
	if (m->from.name) {
		put(m->from.name, 0);
		putchar(' ');
	}
	putchar('<');
	put(m->from.address ? m->from.address : "", 0);
	puts(">");
	field("subject:", m->subject);
	field("date:", m->date > 0 ? clock_format_iso(m->date, iso, sizeof(iso)) : NULL);

	printf("%-13s%s - ", "route:", route_name(in->rr->route));
	put(in->rr->reason, 0);
	if (in->rr->detail) {
		fputs(" (", stdout);
		put(in->rr->detail, 0);
		putchar(')');
	}
	putchar('\n');
	if (in->rr->to && in->rr->detail == NULL) {
		printf("%-13s", "to:");
		put(in->rr->to, 0);
		printf(" (%s)\n", in->rr->to_header ? in->rr->to_header : "?");
	}
	printf("%-13s%s\n", "effect:", effect(in->rr->route));
	if (in->from_known) {
		printf("%-13s", "relayed as:");
		put(in->fv.munge ? "From the list" : "From kept", 0);
		fputs(" - ", stdout);
		put(in->fv.why, 0);
		putchar('\n');
	}
	if (in->rr->noreply)
		printf("%-13snever answered automatically (a robot or the list itself)\n",
		    "note:");
	if (d->classified) {
		printf("%-13s", "theme:");
		put(d->theme, 0);
		printf(" - %s: ", classify_theme_rule_name(d->cr.theme_rule));
		put(d->cr.theme_why, 0);
		putchar('\n');
		if (d->has_session)
			printf("%-13s%s %s..%s%s\n", "session:", d->session.theme,
			    clock_format_date(d->session.opens, d1, sizeof(d1)),
			    clock_format_date(d->session.closes, d2, sizeof(d2)),
			    d->session.id ? "" : " (from the configuration)");
		else
			printf("%-13snone open for this theme at arrival (kept and "
			    "relayed; shown under \"between sessions\")\n", "session:");
		printf("%-13s%s - ", "kind:", d->kind);
		put(d->kind_why, 0);
		putchar('\n');
		printf("%-13s%s (%s)\n", "arrival:", clock_format_iso(in->arrival,
		    iso, sizeof(iso)), in->arrival_source);
	}
	if (d->store_read) {
		print_thread(in);
		if (d->duplicate)
			printf("%-13salready stored: baraza would skip it\n", "duplicate:");
	} else if (d->classified && in->db_note) {
		printf("%-13snot looked up: %s\n", "thread:", in->db_note);
	}
	if (m->in_reply_to) {
		printf("%-13s<", "in-reply-to:");
		put(m->in_reply_to, 0);
		puts(">");
	}
	if (m->nreferences) {
		printf("%-13s", "references:");
		for (size_t i = 0; i < m->nreferences; i++) {
			if (i)
				putchar(' ');
			putchar('<');
			put(m->references[i], 0);
			putchar('>');
		}
		putchar('\n');
	}
	for (size_t i = 0; i < m->nlinks; i++)
		field(i == 0 ? "links:" : "", m->links[i]);
	for (size_t i = 0; i < m->nattachments; i++) {
		printf("%-13s", i == 0 ? "attachments:" : "");
		put(m->attachments[i].name ? m->attachments[i].name : "(no name)", 0);
		printf(" (");
		put(m->attachments[i].type, 0);
		printf(", %zu bytes)\n", m->attachments[i].bytes);
	}
	if (in->is_bounce) {
		printf("%-13s%s report, %s%s%s:", "bounce:",
		    in->br.family ? in->br.family : "delivery",
		    in->br.temporary ? "temporary" : "permanent",
		    in->br.status ? " " : "", in->br.status ? in->br.status : "");
		for (size_t i = 0; i < in->br.naddresses; i++) {
			putchar(' ');
			put(in->br.addresses[i], 0);
		}
		putchar('\n');
	}
	if (m->ndefects) {
		printf("%-13s", "defects:");
		for (size_t i = 0; i < m->ndefects; i++) {
			if (i)
				fputs(", ", stdout);
			put(m->defects[i], 0);
		}
		putchar('\n');
	}
	if (m->new_text && *m->new_text) {
		const char *p = m->new_text;
		int lines = 0;

		printf("new text:\n");
		while (*p && lines < INSPECT_TEXT_LINES) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			char *line = xstrndup(p, n > 200 ? 200 : n);

			fputs("  | ", stdout);
			put(line, 0);
			putchar('\n');
			free(line);
			lines++;
			p = nl ? nl + 1 : p + n;
		}
		if (*p)
			printf("  | ... (%zu bytes of new text in all)\n",
			    strlen(m->new_text));
	}
}

/* ---- the command -------------------------------------------------------- */

int
cmd_inspect(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct msg_limits lim;
	struct inspection in;
	struct conf *guessed = NULL;
	const struct conf *c;
	struct classifier *cl;
	const char *file = NULL, *at = NULL;
	char *raw = NULL;
	size_t kept = 0;
	int json = 0, use_db = 0;
	FILE *fp;

	if (cmd_wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc)
			at = argv[++i];
		else if (strncmp(argv[i], "--at=", 5) == 0)
			at = argv[i] + 5;
		else if (strcmp(argv[i], "--") == 0 && i + 1 < argc && file == NULL)
			file = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cmd_usage_error("inspect", "unknown option '%s'", argv[i]);
		else if (file == NULL)
			file = argv[i];
		else
			return cmd_usage_error("inspect", "one message at a time ('%s')", argv[i]);
	}
	if (file == NULL)
		return cmd_usage_error("inspect", "which message? (FILE, or - for standard input)");
	memset(&in, 0, sizeof(in));
	if (at && clock_parse_iso(at, &in.arrival) < 0)
		return cmd_usage_error("inspect", "--at: '%s' is not an ISO 8601 time", at);
	if (at)
		in.arrival_source = "--at";

	/* the configuration: used when there is one */
	if (access(ctx->conf_path, F_OK) == 0) {
		if (cmd_conf(ctx) == NULL)
			return 2;
	} else {
		fprintf(stderr, "baraza inspect: no configuration at %s (%s); "
		    "guessing the list address from the message\n",
		    ctx->conf_path, strerror(errno));
	}

	/* the message */
	if (strcmp(file, "-") == 0) {
		fp = stdin;
		in.file = "(standard input)";
	} else if ((fp = fopen(file, "rb")) == NULL) {
		fprintf(stderr, "baraza inspect: %s: %s\n", file, strerror(errno));
		return 1;
	} else {
		in.file = file;
	}
	message_default_limits(&lim);
	if (read_all(fp, lim.max_size + 1, &raw, &kept, &in.size) < 0) {
		fprintf(stderr, "baraza inspect: %s: %s\n", in.file, strerror(errno));
		if (fp != stdin)
			fclose(fp);
		return 1;
	}
	if (fp != stdin)
		fclose(fp);

	if (ctx->conf) {
		c = ctx->conf;
		in.list_source = "from the configuration";
		use_db = 1;
	} else {
		/* the guess reads the headers first */
		struct message *gm = in.size > lim.max_size ? NULL :
		    message_parse(raw, kept, &lim);

		c = guessed = guess_conf(gm);
		guess_theme(guessed, gm, in.size);
		message_free(&gm);
		in.list_source = c->list.address == NULL ?
		    "no configuration, and no address in the headers" :
		    c->nthemes ? "guessed from the headers, and its tag taken as a "
		    "theme: no configuration" :
		    "guessed from the headers: no configuration";
	}
	cl = classify_new(c);
	/* Bytes beyond the parser's limit were not kept: the parser refuses
	 * what it is given, as it would refuse the whole message. */
	in.p = ingest_prepare(c, cl, raw, kept, 0);
	inspect(c, cl, &in, use_db);
	if (json)
		print_json(&in);
	else
		print_plain(&in);
	fflush(stdout);

	ingest_decide_release(&in.d);
	ingest_prepared_free(&in.p);
	classify_free(&cl);
	free(raw);
	guess_conf_free(&guessed);
	if (ferror(stdout)) {
		fprintf(stderr, "baraza inspect: cannot write the output\n");
		return 1;
	}
	return 0;
}
