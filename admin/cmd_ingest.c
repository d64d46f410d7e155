/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_ingest - `baraza thread list|show`, `search`, `import-mbox`
 *
 * Reading commands open the database through cmd_store() and print what
 * the store (store_thread.h, store_search.h) hands back; import-mbox
 * streams an mbox through mbox.c and ingest's first stage on a second
 * thread (pipeline.h) into ingest's batches (ingest_batch.h) on this one,
 * so a bad message only ever costs its own row (stored as failed) and
 * never undoes its neighbours.
 * (`inspect` lives in cmd_inspect.c.)
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "classify.h"
#include "cmd.h"
#include "ingest.h"
#include "ingest_batch.h"
#include "json.h"
#include "log.h"
#include "mbox.h"
#include "pipeline.h"
#include "store_search.h"
#include "store_thread.h"
#include "xalloc.h"

/* Messages per transaction in import-mbox, and raw bytes per transaction:
 * big enough that the commit cost disappears, small enough that a crash
 * loses little work (re-running the import skips what was committed).
 * A commit indexes its posts for search all at once (a burst of ~55 us
 * per post on this thread); the parsing thread goes on meanwhile only as
 * far as the pipeline's queue (PIPELINE_MAX_ITEMS) lets it, so a batch
 * much longer than the queue leaves it idle during every commit.  At
 * 100 000 posts (bench/scale, quiet 2-core machine): 1 000 per batch
 * 16.2-17.4 s, 250: 13.7 s, 100: 13.2 s and 39 MB. */
#define IMPORT_BATCH_MESSAGES 100
#define IMPORT_BATCH_BYTES (8u << 20)
#define IMPORT_CACHE_KB 16384
/* Checkpoints.  Every checkpoint copies each page changed since the last
 * one into the database and syncs the WAL and the database (two
 * fdatasyncs, 0.1-0.2 s each on a busy disk), and an import changes the
 * same index and search pages in every batch.  SQLite's automatic
 * checkpoint (every 1000 pages) would run them in the importing thread,
 * which then waits for the disk.  During an import they run on a thread
 * of their own (store_ckpt_start) after every 32 MB of WAL, and the import
 * thread runs one itself only when the WAL has grown past 256 MB (the WAL
 * starts again from its beginning only when a checkpoint has caught up,
 * which a writer that never pauses seldom lets happen).  Durability is
 * unchanged: a commit is in the WAL either way. */
#define IMPORT_CKPT_PAGES 8192
#define IMPORT_WAL_MAX_PAGES 65536
/* Slack above max_message_kb that the mbox reader keeps, so route.c sees
 * the real size of a message just over the limit. */
#define IMPORT_CAP_SLACK (64u * 1024)
/* An archive's messages were accepted where they came from: the reader
 * takes at least this much of each (more than today's max_message_kb),
 * and a message cut at its cap is skipped, not stored truncated. */
#define IMPORT_MIN_CAP (16u << 20)

/* option - "--name VALUE" or "--name=VALUE" at argv[*i]; 1 and *val, 0
 * when argv[*i] is not this option, -1 when the value is missing */
static int
option(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* parse_id - a positive decimal id; 0 and *out, or -1 */
static int
parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}

static const char *
format_time(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (t <= 0 || localtime_r(&t, &tm) == NULL) {
		snprintf(out, outlen, "-");
		return out;
	}
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
	return out;
}

/* print_clean - s with control characters shown as spaces (a subject
 * from a message must not move the terminal's cursor) */
static void
print_clean(FILE *fp, const char *s, size_t max)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)(s ? s : "");
	    *p && n < max; p++, n++)
		fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, fp);
	if (s && strlen(s) > max)
		fputs("...", fp);
}

/* ---- thread list / show ---------------------------------------------------- */

struct list_ctx {
	struct store *s;
	struct json j;
	struct buf out;
	int json;
	int n;
	int err;
};

static int
collect_mid(void *arg, const struct store_post_row *p)
{
	struct list_ctx *lc = arg;

	json_string(&lc->j, p->message_id);
	return 0;
}

static int
list_thread(void *arg, const struct store_thread_row *t)
{
	struct list_ctx *lc = arg;

	lc->n++;
	if (!lc->json) {
		char last[32], sess[24] = "-";

		if (t->session)
			snprintf(sess, sizeof(sess), "%lld", (long long)t->session);
		printf("%6lld  %-12s %7s  %4lld  %-16s  ", (long long)t->id,
		    t->theme ? t->theme : "-", sess, (long long)t->posts,
		    format_time(t->last_post, last, sizeof(last)));
		print_clean(stdout, t->subject, 200);
		putchar('\n');
		return 0;
	}
	json_object_begin(&lc->j);
	json_key(&lc->j, "id");
	json_int(&lc->j, t->id);
	json_key(&lc->j, "theme");
	json_string(&lc->j, t->theme);
	json_key(&lc->j, "session");
	if (t->session)
		json_int(&lc->j, t->session);
	else
		json_null(&lc->j);
	json_key(&lc->j, "subject");
	json_string(&lc->j, t->subject);
	json_key(&lc->j, "message_ids");
	json_array_begin(&lc->j);
	if (store_thread_posts(lc->s, t->id, collect_mid, lc) < 0) {
		lc->err = 1;
		return -1;
	}
	json_array_end(&lc->j);
	json_object_end(&lc->j);
	return 0;
}

static int
thread_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct list_ctx lc = { 0 };
	const char *theme = NULL, *v;
	int64_t session = 0;
	struct store *s;
	int rc;

	for (int i = 2; i < argc; i++) {
		if ((rc = option(argc, argv, &i, "--theme", &theme)) != 0) {
			if (rc < 0)
				return cmd_usage_error("thread", "--theme needs a theme");
		} else if ((rc = option(argc, argv, &i, "--session", &v)) != 0) {
			if (rc < 0 || parse_id(v, &session) < 0)
				return cmd_usage_error("thread", "--session needs a session id");
		} else if (strcmp(argv[i], "--json") == 0) {
			lc.json = 1;
		} else {
			return cmd_usage_error("thread", "unknown argument '%s'", argv[i]);
		}
	}
	if ((s = cmd_store(ctx)) == NULL)
		return 1;
	lc.s = s;
	buf_init(&lc.out, BUF_NOLIMIT);
	json_init(&lc.j, &lc.out);
	if (lc.json)
		json_array_begin(&lc.j);
	else
		printf("%6s  %-12s %7s  %4s  %-16s  %s\n", "THREAD", "THEME",
		    "SESSION", "POST", "LAST POST", "SUBJECT");
	rc = store_thread_list(s, theme, session, list_thread, &lc);
	if (rc < 0 || lc.err) {
		buf_release(&lc.out);
		fprintf(stderr, "baraza thread: cannot list threads\n");
		return 1;
	}
	if (lc.json) {
		json_array_end(&lc.j);
		fwrite(lc.out.data, 1, lc.out.len, stdout);
		putchar('\n');
	}
	buf_release(&lc.out);
	return 0;
}

static int
show_post(void *arg, const struct store_post_row *p)
{
	char when[32];
	int indent = p->depth > 40 ? 80 : p->depth * 2;
	const char *t;

	(void)arg;
	printf("%*s#%lld  %s  ", indent, "", (long long)p->id,
	    format_time(p->date > 0 ? p->date : p->received, when, sizeof(when)));
	print_clean(stdout, p->author_name ? p->author_name : "(unknown)", 100);
	if (p->author_email) {
		fputs(" <", stdout);
		print_clean(stdout, p->author_email, 254);
		fputc('>', stdout);
	}
	printf("  [%s%s%s]\n", p->kind ? p->kind : "?",
	    p->state && strcmp(p->state, "accepted") != 0 ? ", " : "",
	    p->state && strcmp(p->state, "accepted") != 0 ? p->state : "");
	printf("%*s", indent + 2, "");
	print_clean(stdout, p->subject, 300);
	putchar('\n');
	/* The new text, line by line, under the header. */
	t = p->new_text ? p->new_text : "";
	while (*t) {
		const char *nl = strchr(t, '\n');
		size_t n = nl ? (size_t)(nl - t) : strlen(t);
		char *line = xstrndup(t, n);

		printf("%*s| ", indent + 2, "");
		print_clean(stdout, line, 2000);
		putchar('\n');
		free(line);
		t += n + (nl != NULL);
	}
	putchar('\n');
	return 0;
}

static int
thread_show(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct store_thread t;
	struct store *s;
	int64_t id;
	int rc;

	if (argc != 3 || parse_id(argv[2], &id) < 0)
		return cmd_usage_error("thread", "usage: thread show ID");
	if ((s = cmd_store(ctx)) == NULL)
		return 1;
	if ((rc = store_thread_get(s, id, &t)) <= 0) {
		if (rc == 0)
			fprintf(stderr, "baraza thread: no thread %lld\n", (long long)id);
		return 1;
	}
	printf("Thread %lld, theme %s, ", (long long)id, t.theme);
	if (t.session)
		printf("session %lld, ", (long long)t.session);
	printf("%lld post%s\n\n", (long long)t.posts, t.posts == 1 ? "" : "s");
	free(t.theme);
	return store_thread_posts(s, id, show_post, NULL) < 0 ? 1 : 0;
}

int
cmd_thread(struct cmd_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cmd_wants_help(argc, argv)) {
		printf("usage: baraza thread list [--theme T] [--session ID] [--json]\n"
		    "       baraza thread show ID\n\n"
		    "list: one line per thread (or a JSON array of {id, theme, session,\n"
		    "subject, message_ids} with the message ids in thread order);\n"
		    "show: the posts of one thread, replies indented under their parent.\n");
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return thread_list(ctx, argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return thread_show(ctx, argc, argv);
	return cmd_usage_error("thread", "unknown subcommand '%s'", argv[1]);
}

/* ---- search ------------------------------------------------------------------ */

struct search_ctx {
	struct json j;
	int json;
};

static int
search_hit(void *arg, const struct store_post_row *p)
{
	struct search_ctx *sc = arg;
	char when[32];

	format_time(p->date > 0 ? p->date : p->received, when, sizeof(when));
	if (sc->json) {
		json_object_begin(&sc->j);
		json_key(&sc->j, "id");
		json_int(&sc->j, p->id);
		json_key(&sc->j, "thread");
		json_int(&sc->j, p->thread);
		json_key(&sc->j, "message_id");
		json_string(&sc->j, p->message_id);
		json_key(&sc->j, "date");
		json_string(&sc->j, when);
		json_key(&sc->j, "author");
		json_string(&sc->j, p->author_name);
		json_key(&sc->j, "theme");
		json_string(&sc->j, p->theme);
		json_key(&sc->j, "subject");
		json_string(&sc->j, p->subject);
		json_key(&sc->j, "snippet");
		json_string(&sc->j, p->snippet);
		json_object_end(&sc->j);
		return 0;
	}
	printf("#%lld  %s  ", (long long)p->id, when);
	print_clean(stdout, p->author_name ? p->author_name : "(unknown)", 60);
	printf("  [%s]  ", p->theme ? p->theme : "-");
	print_clean(stdout, p->subject, 200);
	printf("\n    ");
	print_clean(stdout, p->snippet, 400);
	printf("\n");
	return 0;
}

int
cmd_search(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct search_ctx sc = { 0 };
	struct buf out;
	char **words;
	size_t nwords = 0;
	const char *v;
	int64_t limit = 20;
	struct store *s;
	int rc;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: baraza search [--json] [--limit N] WORDS...\n\n"
		    "Full-text search over posts (subject, author, text).  Every word\n"
		    "must occur; a word ending in '*' matches as a prefix.  Best hits\n"
		    "first; at most 20 unless --limit says otherwise.\n");
		return 0;
	}
	words = xreallocarray(NULL, (size_t)argc, sizeof(*words));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (++i < argc)
				words[nwords++] = argv[i];
			break;
		}
		if (strcmp(argv[i], "--json") == 0) {
			sc.json = 1;
		} else if ((rc = option(argc, argv, &i, "--limit", &v)) != 0) {
			if (rc < 0 || parse_id(v, &limit) < 0 || limit > 100000) {
				free(words);
				return cmd_usage_error("search", "--limit needs a number");
			}
		} else {
			words[nwords++] = argv[i];
		}
	}
	if (nwords == 0) {
		free(words);
		return cmd_usage_error("search", "what to search for?");
	}
	if ((s = cmd_store(ctx)) == NULL) {
		free(words);
		return 1;
	}
	buf_init(&out, BUF_NOLIMIT);
	json_init(&sc.j, &out);
	if (sc.json)
		json_array_begin(&sc.j);
	rc = store_post_search(s, words, nwords, (int)limit, search_hit, &sc);
	free(words);
	if (rc < 0) {
		buf_release(&out);
		fprintf(stderr, "baraza search: the search failed\n");
		return 1;
	}
	if (sc.json) {
		json_array_end(&sc.j);
		fwrite(out.data, 1, out.len, stdout);
		putchar('\n');
	} else if (rc == 0) {
		printf("no posts found\n");
	}
	buf_release(&out);
	return 0;
}

/* ---- import-mbox ------------------------------------------------------------- */

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* What import-mbox counts: the committed messages, by result, and the
 * messages that are no post by why (the route's static reason) */
#define IMPORT_REASONS 8
struct import_counts {
	unsigned long messages, posts, marked, dups, failed, skipped;
	struct {
		const char *why;
		unsigned long n;
	} reason[IMPORT_REASONS];
};

/* count - ingest_batch's committed hook */
static void
count(void *arg, const struct ingest_item *it, const struct ingest_result *res)
{
	struct import_counts *n = arg;
	size_t i;

	(void)it;
	n->messages++;
	if (res->duplicate) {
		n->dups++;
	} else if (res->failed) {
		n->failed++;
	} else if (res->post > 0) {
		n->posts++;
		n->marked += res->marked != NULL;
	} else {
		const char *why = res->skipped ? res->skipped : "not a post";

		n->skipped++;
		for (i = 0; i < IMPORT_REASONS - 1 && n->reason[i].why &&
		    strcmp(n->reason[i].why, why) != 0; i++)
			;
		if (i == IMPORT_REASONS - 1)
			why = "other reasons";   /* the last slot sums up the rest */
		n->reason[i].why = why;
		n->reason[i].n++;
	}
}

/* print_counts - import-mbox's last line: what became of every message */
static void
print_counts(const struct import_counts *n, double seconds)
{
	printf("imported %lu messages: %lu posts", n->messages, n->posts);
	if (n->marked)
		printf(" (%lu with list or auto-reply headers, kept)", n->marked);
	printf(", %lu duplicates, %lu skipped", n->dups, n->skipped);
	for (size_t i = 0; i < IMPORT_REASONS && n->reason[i].why; i++)
		printf("%s%lu %s", i ? ", " : " (", n->reason[i].n, n->reason[i].why);
	printf("%s, %lu failed in %.2f s\n", n->skipped ? ")" : "", n->failed, seconds);
}

/* The mbox reader, on the pipeline's worker thread */
struct import_reader {
	struct mbox *mb;
};

/* read_mbox - pipeline_read_fn: the next message of the mbox, copied */
static int
read_mbox(void *arg, struct pipeline_item *it)
{
	struct import_reader *r = arg;
	const char *msg;
	size_t len, size;
	int rc;

	if ((rc = mbox_next(r->mb, &msg, &len, &size)) != 1)
		return rc;
	it->raw = xmalloc(len + 1);
	memcpy(it->raw, msg, len);
	it->raw[len] = '\0';
	it->len = len;
	it->full_size = size > len ? size : 0;
	it->tag = mbox_line(r->mb);
	return 1;
}

int
cmd_import_mbox(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct import_counts n = { 0 };
	struct ingest_batch_hooks hooks = { NULL, count, &n };
	struct ingest_options o = { 0 };
	struct ingest_batch *ib;
	const char *file = NULL, *theme = NULL;
	struct conf *c;
	struct store *s;
	struct mbox *mb;
	struct timespec t0;
	FILE *fp;
	char *origin;
	struct import_reader rd;
	struct pipeline *pl;
	struct pipeline_item it;
	size_t cap;
	int rc, read_errno, status = 0;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: baraza import-mbox FILE [--theme T] [--no-relay]\n\n"
		    "Import an mbox archive (mboxo or mboxrd; '-' reads stdin) as if\n"
		    "each message had arrived by mail: routed, threaded, classified and\n"
		    "stored; messages already stored (same Message-ID) are skipped, so\n"
		    "an interrupted import can simply be run again.  A message's Date:\n"
		    "is taken as its arrival time (sessions and threads of an old\n"
		    "archive stay right), and posts are not held for moderation (an\n"
		    "archive was moderated where it came from).  Every message that\n"
		    "has an author becomes a post, also those live mail would not\n"
		    "relay (Precedence: list, the list's own List-Id, auto-replies,\n"
		    "over max_message_kb): they are kept with a note of why.  The last\n"
		    "line counts posts, duplicates, messages skipped (with why) and\n"
		    "failed.  --theme puts every post in theme T; --no-relay stores\n"
		    "without sending anything.\n");
		return 0;
	}
	o.relay = 1;
	o.in_transaction = INGEST_BATCH;
	o.date_as_received = 1;
	o.no_moderation = 1;
	o.archive = 1;
	for (int i = 1; i < argc; i++) {
		if ((rc = option(argc, argv, &i, "--theme", &theme)) != 0) {
			if (rc < 0)
				return cmd_usage_error("import-mbox", "--theme needs a theme");
		} else if (strcmp(argv[i], "--no-relay") == 0) {
			o.relay = 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cmd_usage_error("import-mbox", "unknown option '%s'", argv[i]);
		} else if (file == NULL) {
			file = argv[i];
		} else {
			return cmd_usage_error("import-mbox", "one file at a time");
		}
	}
	if (file == NULL)
		return cmd_usage_error("import-mbox", "which mbox file?");
	if ((c = cmd_conf(ctx)) == NULL)
		return 2;
	if (theme) {
		const struct conf_theme *t = conf_theme_find(c, theme);

		if (t == NULL && strcasecmp(theme, "general") != 0)
			return cmd_usage_error("import-mbox", "no theme '%s' in %s",
			    theme, c->path);
		o.theme = t ? t->slug : "general";
	}
	if ((s = cmd_store(ctx)) == NULL)
		return 1;
	if (strcmp(file, "-") == 0) {
		fp = stdin;
	} else if ((fp = fopen(file, "rb")) == NULL) {
		fprintf(stderr, "baraza import-mbox: %s: %s\n", file, strerror(errno));
		return 1;
	}
	/* A bigger page cache than the default 2 MB: the containers and
	 * messages indexes are looked up at random. */
	(void)store_set_cache(s, IMPORT_CACHE_KB);
	cap = (size_t)c->list.max_message_kb * 1024;
	if (cap < IMPORT_MIN_CAP)
		cap = IMPORT_MIN_CAP;
	cap += IMPORT_CAP_SLACK;
	mb = mbox_open(fp, cap);
	origin = xasprintf("mbox:%s", file);
	if (store_ckpt_start(s, IMPORT_CKPT_PAGES, IMPORT_WAL_MAX_PAGES) < 0)
		(void)store_set_autocheckpoint(s, 16384);
	o.classifier = classify_new(c);
	ib = ingest_batch_new(s, c, &o, &hooks, IMPORT_BATCH_MESSAGES,
	    IMPORT_BATCH_BYTES);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* Reading and parsing on a second thread, storing on this one: the
	 * same messages in the same order, batches and transactions. */
	rd.mb = mb;
	pl = pipeline_start(c, read_mbox, &rd, 0, 0, 1);
	while ((rc = pipeline_next(pl, &it)) == 1) {
		struct ingest_item item = { 0 };

		/* the batch takes the raw bytes and the parse over */
		item.raw = it.raw;
		item.len = it.len;
		item.full_size = it.full_size;
		item.own_raw = 1;
		item.tag = it.tag;
		item.origin = origin;
		item.p = it.p;
		it.raw = NULL;
		it.p = NULL;
		if (ingest_batch_add(ib, &item) < 0) {
			fprintf(stderr, "baraza import-mbox: %s: stopped at a "
			    "temporary failure before line %lu (database: %s)\n",
			    file, it.tag, store_errmsg(s));
			status = 1;
			break;
		}
	}
	read_errno = errno;
	pipeline_stop(&pl);
	if (rc < 0) {
		fprintf(stderr, "baraza import-mbox: %s: read error: %s\n", file,
		    strerror(read_errno));
		status = 1;
	}
	if (status == 0 && ingest_batch_commit(ib) < 0) {
		fprintf(stderr, "baraza import-mbox: %s: the last batch stopped "
		    "at a temporary failure (database: %s)\n", file,
		    store_errmsg(s));
		status = 1;
	}
	ingest_batch_free(&ib);
	store_ckpt_stop(s);
	mbox_close(&mb);
	classify_free(&o.classifier);
	if (fp != stdin)
		fclose(fp);
	free(origin);
	print_counts(&n, seconds_since(&t0));
	if (status)
		fprintf(stderr, "baraza import-mbox: not everything was imported; "
		    "run the same command again to continue (what is stored is skipped)\n");
	return status;
}
