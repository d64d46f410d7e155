/* archive - write the static web archive
 *
 * Pages are built in memory (a capped buf) and written whole with a
 * rename, so a reader never sees half a file; memory stays bounded by the
 * largest page plus the thread pages queued for the writer thread
 * (at most WRITER_QUEUE_BYTES waiting).  No page is
 * fsynced: the archive is derived from the database and `baraza archive
 * build` rewrites all of it.  The incremental update remembers the
 * time of the last build in the meta table (archive_built) and rewrites the
 * threads that gained a post since, the pages of their sessions, sessions
 * that were summarised or closed since, and the small global pages.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "clock.h"
#include "digest.h"
#include "figures.h"
#include "html.h"
#include "json.h"
#include "listaddr.h"
#include "log.h"
#include "store_archive.h"
#include "store_digest.h"
#include "template.h"
#include "xalloc.h"

#define PAGE_MAX (64u << 20)
#define FEED_ENTRIES 30
#define DEPTH_SHOWN 8
#define WRITER_THREADS 1            /* threads that write thread pages */
#define WRITER_QUEUE_BYTES (8u << 20) /* pages waiting for them, at most */

static const char archive_css[] =
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:16px/1.5 -apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
	"color:#1f2328;background:#fbfbfa}\n"
	"header,main,footer{max-width:52rem;margin:0 auto;padding:0 1rem}\n"
	"header{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap;"
	"padding-top:1rem;padding-bottom:.5rem;border-bottom:1px solid #d8dee4}\n"
	"header .site{font-weight:700;font-size:1.15rem;color:#1d4e6f;text-decoration:none}\n"
	"a{color:#1d6fa5}h1{font-size:1.5rem;line-height:1.25;color:#1d4e6f}\n"
	"h2{font-size:1.2rem;margin-top:2rem;color:#1d4e6f}\n"
	".muted{color:#59636e;font-size:.9rem}\n"
	".open{background:#e6f4ea;border-radius:.3rem;padding:0 .4rem}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"td,th{text-align:left;padding:.35rem .5rem .35rem 0;border-bottom:1px solid #eaeef2;"
	"vertical-align:top}\n"
	".post{background:#fff;border:1px solid #d8dee4;border-radius:.4rem;"
	"padding:.6rem .9rem;margin:.7rem 0}\n"
	".post .who{font-weight:600}.text{white-space:pre-wrap;overflow-wrap:anywhere}\n"
	".summary{background:#f1f6fa;border-left:4px solid #1d6fa5;padding:.6rem .9rem}\n"
	"details summary{cursor:pointer;color:#59636e}\n"
	"ul.att{margin:.3rem 0;padding-left:1.2rem;font-size:.9rem}\n"
	"footer{margin-top:2rem;padding-bottom:2rem;border-top:1px solid #d8dee4}\n"
	"@media (max-width:40rem){body{font-size:15px}td.hide{display:none}}\n";

static const char search_js[] =
	"/* search.js - optional: filters search.json in the browser. */\n"
	"(function(){var f=document.getElementById('q'),o=document.getElementById('hits');\n"
	"if(!f||!o||!window.fetch)return;var idx=null;\n"
	"function show(q){o.textContent='';if(!idx)return;q=q.toLowerCase().trim();if(!q)return;\n"
	"var w=q.split(/\\s+/),n=0;for(var i=0;i<idx.length&&n<50;i++){var r=idx[i],\n"
	"h=(r[2]+' '+r[3]+' '+r[6]).toLowerCase();if(w.every(function(x){return h.indexOf(x)>=0})){\n"
	"var li=document.createElement('li'),a=document.createElement('a');\n"
	"a.href='thread-'+r[1]+'.html#p'+r[0];a.textContent=r[2]||'(no subject)';li.appendChild(a);\n"
	"var s=document.createElement('span');s.className='muted';s.textContent=' '+r[3]+', '+r[4];\n"
	"li.appendChild(s);o.appendChild(li);n++;}}}\n"
	"fetch('search.json').then(function(r){return r.json()}).then(function(d){idx=d;show(f.value)})\n"
	".catch(function(){});f.addEventListener('input',function(){show(f.value)});})();\n";

struct writer;

struct site {
	struct store *s;
	const struct conf *c;
	int written;
	int failed;
	struct writer *writer;      /* owned; thread pages go through it */
	int writer_tried;           /* started (or failed to) at the first page */
	/* Which "between sessions" pages (and their mbox files) to write:
	 * all of them (a full build), or those of the themes marked in
	 * between[] (index nthemes is the general floor), whose threads
	 * outside the sessions gained a post.  Each is as big as the theme's
	 * history, so an update leaves the unchanged ones alone.  Set, it
	 * also means a full build: mbox files are rewritten, not appended. */
	int all_between;
	unsigned char *between;     /* owned, nthemes + 1 entries, or NULL */
};

static void mask_span(struct buf *out, const char *p, const char *end);
static void put_int(struct buf *b, long long v);

/* shown - the text as the archive may show it: with addresses hidden when
 * archive.hide_addresses is set.  Returns text itself or tmp's data. */
static const char *
shown(const struct site *w, struct buf *tmp, const char *text, size_t *len)
{
	buf_reset(tmp);
	if (!w->c->archive.hide_addresses) {
		*len = strlen(text);
		return text;
	}
	mask_span(tmp, text, text + strlen(text));
	*len = tmp->len;
	return tmp->data;
}

/* A file being written: rel.tmp.PID, renamed over rel when complete. */
struct atomic {
	char *path, *tmp;
	FILE *fp;
};

/* atomic_open - start writing dir/rel; 0 or -1 (logged, w->failed set) */
static int
atomic_open(struct site *w, const char *rel, struct atomic *a)
{
	char *slash;

	a->path = xasprintf("%s/%s", w->c->archive.dir, rel);
	a->tmp = xasprintf("%s.tmp.%ld", a->path, (long)getpid());
	slash = strrchr(a->path, '/');
	if (slash && slash > a->path + strlen(w->c->archive.dir)) {
		*slash = '\0';
		if (mkdir(a->path, 0755) < 0 && errno != EEXIST)
			log_warn("archive: mkdir %s", a->path);
		*slash = '/';
	}
	a->fp = fopen(a->tmp, "w");
	if (a->fp == NULL) {
		log_warn("archive: %s", a->tmp);
		free(a->path);
		free(a->tmp);
		w->failed = 1;
		return -1;
	}
	return 0;
}

/* atomic_close - finish: rename into place when ok and every write
 * succeeded, else remove the temporary file.  0 or -1. */
static int
atomic_close(struct site *w, struct atomic *a, int ok)
{
	int rc = -1;

	if (ferror(a->fp))
		ok = 0;
	if (fclose(a->fp) != 0)
		ok = 0;
	if (ok && rename(a->tmp, a->path) == 0) {
		w->written++;
		rc = 0;
	} else {
		log_warn("archive: %s", a->path);
		unlink(a->tmp);
		w->failed = 1;
	}
	free(a->path);
	free(a->tmp);
	return rc;
}

/* write_atomic - dir/rel <- data, through rel.tmp and rename */
static int
write_atomic(struct site *w, const char *rel, const char *data, size_t len)
{
	struct atomic a;

	if (atomic_open(w, rel, &a) < 0)
		return -1;
	return atomic_close(w, &a, fwrite(data, 1, len, a.fp) == len);
}

/* ---- thread pages written by other threads ------------------------------- */

/* The first build creates ~3 000 thread pages.  Creating a file costs the
 * file system an inode, and on a busy ext4 that is 0.1-1.2 ms each
 * (find_inode_bit reading inode tables), more than rendering the page.
 * So thread pages, which nothing reads back during a build, are handed to
 * a writer thread that writes them (temporary file, rename, as
 * write_atomic), while this thread renders the next ones.  One writer,
 * not more: the allocation runs under the directory's lock, so a second
 * writer only spins on it (measured over 5 000 IMAP messages with 20 000
 * files just deleted: two writers 4.5 s wall and 5.3 s of CPU, one 4.5 s
 * and 3.9 s).  Whether a page was written is known at writer_finish(),
 * which every build and update calls before recording archive_built. */
struct wjob {
	struct wjob *next;
	char *path;                 /* owned: dir/rel */
	char *data;                 /* owned */
	size_t len;
};

struct writer {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct wjob *head, *tail;
	size_t queued;              /* bytes in the queue */
	int closing;
	int written, failed;        /* under mu */
	pthread_t th[WRITER_THREADS];
	int nthreads;
};

/* wjob_write - one page: tmp file, write, rename; 0 or -1 (logged) */
static int
wjob_write(const struct wjob *j)
{
	char tmp[4200];
	size_t off = 0;
	int fd, ok = 1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%lx", j->path,
	    (long)getpid(), (unsigned long)pthread_self()) >= sizeof(tmp)) {
		log_warnx("archive: %s: path too long", j->path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		log_warn("archive: %s", tmp);
		return -1;
	}
	while (ok && off < j->len) {
		ssize_t n = write(fd, j->data + off, j->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ok = 0;
		else
			off += (size_t)n;
	}
	if (close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, j->path) == 0)
		return 0;
	log_warn("archive: %s", j->path);
	unlink(tmp);
	return -1;
}

static void *
writer_main(void *arg)
{
	struct writer *wr = arg;

	pthread_mutex_lock(&wr->mu);
	for (;;) {
		struct wjob *j;
		int rc;

		while (wr->head == NULL && !wr->closing)
			pthread_cond_wait(&wr->more, &wr->mu);
		if ((j = wr->head) == NULL)
			break;
		wr->head = j->next;
		if (wr->head == NULL)
			wr->tail = NULL;
		pthread_mutex_unlock(&wr->mu);
		rc = wjob_write(j);
		pthread_mutex_lock(&wr->mu);
		wr->queued -= j->len;
		pthread_cond_signal(&wr->room);
		if (rc == 0)
			wr->written++;
		else
			wr->failed = 1;
		free(j->path);
		free(j->data);
		free(j);
	}
	pthread_mutex_unlock(&wr->mu);
	return NULL;
}

/* writer_start - w->writer, or NULL (pages are then written here); at the
 * first thread page, so a cycle that writes none starts no thread */
static void
writer_start(struct site *w)
{
	struct writer *wr = xcalloc(1, sizeof(*wr));

	pthread_mutex_init(&wr->mu, NULL);
	pthread_cond_init(&wr->more, NULL);
	pthread_cond_init(&wr->room, NULL);
	while (wr->nthreads < WRITER_THREADS &&
	    pthread_create(&wr->th[wr->nthreads], NULL, writer_main, wr) == 0)
		wr->nthreads++;
	if (wr->nthreads == 0) {
		pthread_cond_destroy(&wr->room);
		pthread_cond_destroy(&wr->more);
		pthread_mutex_destroy(&wr->mu);
		free(wr);
		wr = NULL;
	}
	w->writer = wr;
}

/* writer_finish - wait until every queued page is written; their count
 * and failure go into w */
static void
writer_finish(struct site *w)
{
	struct writer *wr = w->writer;

	if (wr == NULL)
		return;
	pthread_mutex_lock(&wr->mu);
	wr->closing = 1;
	pthread_cond_broadcast(&wr->more);
	pthread_mutex_unlock(&wr->mu);
	for (int i = 0; i < wr->nthreads; i++)
		pthread_join(wr->th[i], NULL);
	w->written += wr->written;
	if (wr->failed)
		w->failed = 1;
	pthread_cond_destroy(&wr->room);
	pthread_cond_destroy(&wr->more);
	pthread_mutex_destroy(&wr->mu);
	free(wr);
	w->writer = NULL;
}

/* write_page - dir/rel <- b's data, by a writer thread when there is one
 * (b is then emptied: the data is handed over), else as write_atomic.
 * rel must not name a subdirectory. */
static int
write_page(struct site *w, const char *rel, struct buf *b)
{
	struct writer *wr;
	struct wjob *j;

	if (!w->writer_tried) {
		w->writer_tried = 1;
		writer_start(w);
	}
	if ((wr = w->writer) == NULL || strchr(rel, '/') != NULL)
		return write_atomic(w, rel, b->data, b->len);
	j = xcalloc(1, sizeof(*j));
	j->path = xasprintf("%s/%s", w->c->archive.dir, rel);
	j->data = buf_detach(b, &j->len);
	pthread_mutex_lock(&wr->mu);
	while (wr->queued > 0 && wr->queued + j->len > WRITER_QUEUE_BYTES)
		pthread_cond_wait(&wr->room, &wr->mu);
	wr->queued += j->len;
	if (wr->tail)
		wr->tail->next = j;
	else
		wr->head = j;
	wr->tail = j;
	pthread_cond_signal(&wr->more);
	pthread_mutex_unlock(&wr->mu);
	return 0;
}

static void
local_when(char *out, size_t outlen, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
}

static void
page_begin(struct buf *b, const struct conf *c, const char *title, const char *feed)
{
	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>", c->list.language);
	html_escape_str(b, title);
	buf_puts(b, " - ");
	html_escape_str(b, c->list.name);
	buf_puts(b, "</title><link rel=\"icon\" href=\"data:,\">"
	    "<link rel=\"stylesheet\" href=\"style.css\">");
	if (feed)
		buf_printf(b, "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"%s\">",
		    feed);
	buf_puts(b, "</head>\n<body><header><a class=\"site\" href=\"index.html\">");
	html_escape_str(b, c->list.name);
	buf_puts(b, "</a><a href=\"search.html\">Search</a>"
	    "<a href=\"feed.atom\">Feed</a></header>\n<main>\n");
}

static void
page_end(struct buf *b, const struct conf *c)
{
	buf_puts(b, "</main>\n<footer><p class=\"muted\">To take part, write to <a href=\"mailto:");
	html_escape_str(b, c->list.address);
	buf_puts(b, "\">");
	html_escape_str(b, c->list.address);
	buf_puts(b, "</a>. Archive generated by baraza.</p></footer>\n</body></html>\n");
}

/* ---- the thread page -------------------------------------------------- */

struct thread_page {
	struct site *w;
	struct buf *b;
	int first;
};

static int
attachment_item(void *arg, const struct archive_attachment *a)
{
	struct buf *b = arg;

	buf_puts(b, "<li>");
	html_escape_str(b, *a->name ? a->name : "(unnamed)");
	buf_printf(b, " <span class=\"muted\">(");
	html_escape_str(b, a->type);
	if (a->bytes >= 1024 * 1024)
		buf_printf(b, ", %.1f MB)</span></li>", (double)a->bytes / (1024.0 * 1024.0));
	else
		buf_printf(b, ", %lld KB)</span></li>", (long long)((a->bytes + 1023) / 1024));
	return 0;
}

/* "%.1f" of depth * 1.2 for the depths shown */
static const char *const indent[DEPTH_SHOWN + 1] = {
	"0.0", "1.2", "2.4", "3.6", "4.8", "6.0", "7.2", "8.4", "9.6"
};

static int
thread_post(void *arg, const struct archive_post *p)
{
	struct thread_page *tp = arg;
	struct buf *b = tp->b;
	const struct conf *c = tp->w->c;
	int depth = p->depth > DEPTH_SHOWN ? DEPTH_SHOWN : p->depth;
	char when[32];
	size_t mark;

	if (tp->first) {
		buf_puts(b, "<h1 dir=\"auto\">");
		html_escape_str(b, *p->subject ? p->subject : "(no subject)");
		buf_puts(b, "</h1>\n");
		tp->first = 0;
	}
	local_when(when, sizeof(when), p->received);
	/* appends, not buf_printf: two vsnprintf passes per call cost more
	 * than the rest of a short post; indent[] is what "%.1f" of
	 * depth * 1.2 prints */
	buf_puts(b, "<article class=\"post\" id=\"p");
	put_int(b, (long long)p->id);
	buf_puts(b, "\" style=\"margin-left:");
	if (depth >= 0)
		buf_puts(b, indent[depth]);
	else
		buf_printf(b, "%.1f", depth * 1.2);
	buf_puts(b, "rem\"><p><span class=\"who\">");
	html_escape_str(b, p->author_name);
	buf_puts(b, "</span> <span class=\"muted\">");
	buf_puts(b, when);
	buf_puts(b, " &middot; ");
	buf_puts(b, p->kind);
	buf_puts(b, "</span></p>\n<div class=\"text\" dir=\"auto\">");
	{
		struct buf tmp;
		const char *t;
		size_t n;

		buf_init(&tmp, PAGE_MAX);
		t = shown(tp->w, &tmp, p->new_text, &n);
		html_text(b, t, n);
		buf_puts(b, "</div>\n");
		if (strcmp(p->text, p->new_text) != 0 && strlen(p->text) > strlen(p->new_text)) {
			buf_puts(b, "<details><summary>Quoted text and signature</summary>"
			    "<div class=\"text muted\" dir=\"auto\">");
			t = shown(tp->w, &tmp, p->text, &n);
			html_text(b, t, n);
			buf_puts(b, "</div></details>\n");
		}
		buf_release(&tmp);
	}
	mark = b->len;
	buf_puts(b, "<ul class=\"att\">");
	{
		size_t before = b->len;

		if (store_archive_attachments(tp->w->s, p->id, attachment_item, b) < 0)
			return -1;
		if (b->len == before)
			buf_truncate(b, mark);
		else
			buf_puts(b, "</ul>\n");
	}
	buf_puts(b, "<p class=\"muted\"><a href=\"mailto:");
	{
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)p->id);
		listaddr_append(b, c, LISTADDR_REPLY, id);
	}
	buf_puts(b, "\">Reply by email</a></p></article>\n");
	return 0;
}

static int
thread_page(struct site *w, int64_t thread)
{
	struct buf b;
	struct thread_page tp = { w, &b, 1 };
	char rel[64];
	int rc;

	buf_init(&b, PAGE_MAX);
	page_begin(&b, w->c, "Thread", NULL);
	rc = store_archive_posts(w->s, thread, thread_post, &tp);
	page_end(&b, w->c);
	snprintf(rel, sizeof(rel), "thread-%lld.html", (long long)thread);
	if (rc == 0 && !tp.first)
		rc = write_page(w, rel, &b);
	buf_release(&b);
	return rc;
}

/* ---- session pages ----------------------------------------------------- */

static int
thread_row(void *arg, const struct archive_thread *t)
{
	struct buf *b = arg;
	char when[32];

	local_when(when, sizeof(when), t->last_post);
	buf_printf(b, "<tr><td dir=\"auto\"><a href=\"thread-%lld.html\">", (long long)t->id);
	html_escape_str(b, *t->subject ? t->subject : "(no subject)");
	buf_puts(b, "</a></td><td class=\"hide\">");
	html_escape_str(b, t->starter);
	buf_printf(b, "</td><td>%ld</td><td class=\"hide muted\">%s</td></tr>\n",
	    t->posts - 1, when);
	return 0;
}

static void
threads_table(struct site *w, struct buf *b, const char *theme, int64_t session)
{
	size_t mark = b->len;

	buf_puts(b, "<h2>Threads</h2><table><tr><th>Subject</th><th class=\"hide\">Started by</th>"
	    "<th>Replies</th><th class=\"hide\">Last activity</th></tr>\n");
	if (store_archive_threads(w->s, theme, session, thread_row, b) < 0)
		w->failed = 1;
	if (strstr(b->data + mark, "<a href=\"thread-") == NULL) {
		buf_truncate(b, mark);
		buf_puts(b, "<p class=\"muted\">No posts yet.</p>\n");
	} else {
		buf_puts(b, "</table>\n");
	}
}

/* mbox_session - THEME/SESSION.mbox in mboxrd form */
/* What an mbox file holds, kept in the meta table under
 * "archive_mbox:THEME/SESSION.mbox": its n messages with the sum of their
 * post ids, the sort key (received, id) of the last one, its size and the
 * hide_addresses setting it was written with. */
struct mbox_sig {
	long long n, sum, last_received, last_id, size;
	int hide;
};

struct mbox_ctx {
	FILE *fp;
	int hide;
	struct buf out, masked;     /* reused from message to message */
	struct mbox_sig *sig;       /* updated per message */
};

static int
mbox_message(void *arg, const char *raw, size_t len, time_t received)
{
	struct mbox_ctx *m = arg;
	struct buf *masked = &m->masked, *outp = &m->out;
	const char *p, *end;
	char date[64];
	struct tm tm;
	size_t n_written;

	gmtime_r(&received, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	/* One message at a time: a session's mbox is never held in memory
	 * (the two buffers keep the largest message's size, not the sum). */
	buf_reset(outp);
	buf_reset(masked);
	buf_printf(outp, "From baraza %s\n", date);
	if (m->hide) {
		archive_mask_addresses(masked, raw, len);
		p = masked->data;
		end = p + masked->len;
	} else {
		p = raw;
		end = raw + len;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q = p;
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		while (q < p + n && *q == '>')
			q++;
		if ((size_t)(p + n - q) >= 5 && memcmp(q, "From ", 5) == 0)
			buf_putc(outp, '>');
		if (n && p[n - 1] == '\r')
			n--;
		buf_append(outp, p, n);
		buf_putc(outp, '\n');
		p = eol ? eol + 1 : end;
	}
	buf_putc(outp, '\n');
	n_written = fwrite(outp->data, 1, outp->len, m->fp);
	return n_written == outp->len ? 0 : -1;
}

/* mbox_message_id - mbox_message, keeping the file's signature */
static int
mbox_message_id(void *arg, const char *raw, size_t len, time_t received,
    int64_t id)
{
	struct mbox_ctx *m = arg;

	if (mbox_message(arg, raw, len, received) < 0)
		return -1;
	m->sig->n++;
	m->sig->sum += id;
	m->sig->last_received = (long long)received;
	m->sig->last_id = id;
	return 0;
}

/* mbox_sig_get - the recorded signature of rel's mbox: 1, or 0 when
 * there is none (or it cannot be read) */
static int
mbox_sig_get(struct site *w, const char *key, struct mbox_sig *g)
{
	char *v = NULL;
	int ok;

	if (store_meta_get(w->s, key, &v) != 1)
		return 0;
	ok = sscanf(v, "%lld %lld %lld %lld %lld %d", &g->n, &g->sum,
	    &g->last_received, &g->last_id, &g->size, &g->hide) == 6;
	free(v);
	return ok;
}

/* copy_into - the first size bytes of path onto fp; 0 or -1 */
static int
copy_into(const char *path, FILE *fp, long long size)
{
	char chunk[64 * 1024];
	FILE *in = fopen(path, "r");
	long long left = size;

	if (in == NULL)
		return -1;
	while (left > 0) {
		size_t want = left < (long long)sizeof(chunk) ? (size_t)left :
		    sizeof(chunk);
		size_t got = fread(chunk, 1, want, in);

		if (got == 0 || fwrite(chunk, 1, got, fp) != got)
			break;
		left -= (long long)got;
	}
	fclose(in);
	return left == 0 ? 0 : -1;
}

/* session_mbox - THEME/SESSION.mbox.  A session's mbox is as big as its
 * history and an update usually only adds to its end, so when the file
 * still holds exactly what its signature says (same size, same posts up to
 * its last one, by count and sum of ids) it is copied and only the newer
 * posts appended (or it is left alone when there are none); anything else
 * (a post approved late, moved, rejected; another hide_addresses; a full
 * build) rewrites it from the database.  Either way through a temporary
 * file and a rename. */
static int
session_mbox(struct site *w, const char *theme, int64_t session)
{
	struct atomic a;
	struct mbox_ctx m;
	struct mbox_sig old, g;
	char rel[160], key[200], value[160];
	int64_t upto = 0, sum = 0, after = 0;
	int ok = 1, append = 0, rc;
	struct stat sb;

	snprintf(rel, sizeof(rel), "%s/%lld.mbox", theme, (long long)session);
	snprintf(key, sizeof(key), "archive_mbox:%s", rel);
	memset(&g, 0, sizeof(g));
	g.last_received = -(1LL << 62);    /* before any post */
	g.hide = w->c->archive.hide_addresses;
	if (!w->all_between && mbox_sig_get(w, key, &old) && old.hide == g.hide) {
		char *path = xasprintf("%s/%s", w->c->archive.dir, rel);

		if (stat(path, &sb) == 0 && (long long)sb.st_size == old.size &&
		    store_archive_raws_split(w->s, theme, session,
		    (time_t)old.last_received, old.last_id, &upto, &sum, &after) == 0 &&
		    upto == old.n && sum == old.sum)
			append = 1;
		free(path);
		if (append && after == 0)
			return 0;       /* nothing new */
	}
	if (atomic_open(w, rel, &a) < 0)
		return -1;
	if (append) {
		g = old;
		ok = copy_into(a.path, a.fp, old.size) == 0;
	}
	m.fp = a.fp;
	m.hide = g.hide;
	m.sig = &g;
	buf_init(&m.out, PAGE_MAX);
	buf_init(&m.masked, PAGE_MAX);
	if (ok)
		ok = store_archive_raws_after(w->s, theme, session,
		    (time_t)g.last_received, g.last_id, mbox_message_id, &m) == 0;
	buf_release(&m.out);
	buf_release(&m.masked);
	if (ok && fflush(a.fp) == 0)
		g.size = (long long)ftello(a.fp);
	else
		ok = 0;
	rc = atomic_close(w, &a, ok && g.size >= 0);
	if (rc == 0) {
		/* After the rename: a crash in between leaves the old
		 * signature, whose size no longer matches: a rewrite. */
		snprintf(value, sizeof(value), "%lld %lld %lld %lld %lld %d", g.n,
		    g.sum, g.last_received, g.last_id, g.size, g.hide);
		(void)store_meta_set(w->s, key, value);
	}
	return rc;
}

static int
session_page(void *arg, const struct digest_session *d)
{
	struct site *w = arg;
	struct digest_scope sc = { d->id, 0, 0, NULL };
	struct buf b, range;
	struct figures f;
	char rel[64];

	buf_init(&b, PAGE_MAX);
	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, w->c->list.language,
	    w->c->list.language);
	page_begin(&b, w->c, d->theme_title, NULL);
	buf_puts(&b, "<h1>");
	html_escape_str(&b, d->theme_title);
	buf_puts(&b, "</h1><p class=\"muted\">Session ");
	html_escape_str(&b, range.data);
	buf_printf(&b, " &middot; %s &middot; <a href=\"mailto:", d->state);
	listaddr_append(&b, w->c, LISTADDR_THEME, d->theme);
	buf_printf(&b, "\">post to this theme</a>"
	    " &middot; <a href=\"%s/%lld.mbox\">download (mbox)</a></p>\n",
	    d->theme, (long long)d->id);
	if (d->summary_text) {
		struct buf tmp;
		const char *t;
		size_t n;

		buf_init(&tmp, PAGE_MAX);
		t = shown(w, &tmp, d->summary_text, &n);
		buf_puts(&b, "<h2 id=\"summary\">Summary</h2><div class=\"summary\"><div class=\"text\" dir=\"auto\">");
		html_text(&b, t, n);
		buf_release(&tmp);
		buf_puts(&b, "</div><p class=\"muted\">by ");
		html_escape_str(&b, d->summary_author);
		buf_puts(&b, "</p></div>\n");
	}
	threads_table(w, &b, d->theme, d->id);
	if (store_figures(w->s, &sc, &f) == 0) {
		buf_puts(&b, "<h2>Participation</h2>");
		figures_html(&b, &f, w->c->list.language, w->c->list.language);
		figures_release(&f);
	} else {
		w->failed = 1;
	}
	page_end(&b, w->c);
	snprintf(rel, sizeof(rel), "session-%lld.html", (long long)d->id);
	write_atomic(w, rel, b.data, b.len);
	buf_release(&b);
	buf_release(&range);
	session_mbox(w, d->theme, d->id);
	return 0;
}

static void
between_page(struct site *w, const char *theme, const char *title)
{
	struct buf b;
	char rel[160];

	buf_init(&b, PAGE_MAX);
	page_begin(&b, w->c, title, NULL);
	buf_puts(&b, "<h1>");
	html_escape_str(&b, title);
	buf_printf(&b, "</h1><p class=\"muted\">Posts outside the sessions &middot; "
	    "<a href=\"%s/0.mbox\">download (mbox)</a></p>\n", theme);
	threads_table(w, &b, theme, 0);
	page_end(&b, w->c);
	snprintf(rel, sizeof(rel), "between-%s.html", theme);
	write_atomic(w, rel, b.data, b.len);
	buf_release(&b);
	session_mbox(w, theme, 0);
}

/* ---- index --------------------------------------------------------------- */

struct index_ctx {
	struct site *w;
	struct buf *b;
	const char *theme;
	time_t now;
	int rows;
};

static int
index_session(void *arg, const struct digest_session *d)
{
	struct index_ctx *x = arg;
	struct buf range;
	long posts = 0, voices = 0;
	int open = strcmp(d->state, "closed") != 0 && d->opens <= x->now && x->now < d->closes;

	if (strcmp(d->theme, x->theme) != 0)
		return 0;
	store_archive_counts(x->w->s, d->id, &posts, &voices);
	buf_init(&range, 256);
	template_date_range(&range, d->opens, d->closes, x->w->c->list.language,
	    x->w->c->list.language);
	buf_printf(x->b, "<tr><td><a href=\"session-%lld.html\">", (long long)d->id);
	html_escape_str(x->b, range.data);
	buf_printf(x->b, "</a>%s</td><td>%ld</td><td class=\"hide\">%ld</td><td>",
	    open ? " <span class=\"open\">open now</span>" : "", posts, voices);
	if (d->summary_post)
		buf_printf(x->b, "<a href=\"session-%lld.html#summary\">summary</a>", (long long)d->id);
	else
		buf_puts(x->b, "<span class=\"muted\">-</span>");
	buf_puts(x->b, "</td></tr>\n");
	buf_release(&range);
	x->rows++;
	return 0;
}

static void
index_theme(struct site *w, struct buf *b, size_t idx, const char *slug,
    const char *title, time_t now)
{
	struct index_ctx x = { w, b, slug, now, 0 };
	int between, general = strcmp(slug, "general") == 0;

	/* an EXISTS: grouping a theme's threads only to see one costs as
	 * much as the whole between page */
	between = store_archive_has_threads(w->s, slug, 0);
	if (between < 0) {
		w->failed = 1;
		between = 0;
	}
	/* The general floor has no sessions: it shows only when used. */
	if (general && !between)
		return;
	buf_puts(b, "<h2>");
	html_escape_str(b, title);
	buf_puts(b, "</h2><p class=\"muted\"><a href=\"mailto:");
	listaddr_append(b, w->c, LISTADDR_THEME, slug);
	buf_puts(b, "\">");
	listaddr_append(b, w->c, LISTADDR_THEME, slug);
	buf_puts(b, "</a>");
	if (!general)
		buf_printf(b, " &middot; <a href=\"feed-%s.atom\">feed</a>", slug);
	buf_puts(b, "</p>\n");
	if (!general) {
		buf_puts(b, "<table><tr><th>Session</th><th>Posts</th><th class=\"hide\">Voices</th>"
		    "<th>Summary</th></tr>\n");
		if (store_digest_sessions(w->s, 0, index_session, &x) < 0)
			w->failed = 1;
		buf_puts(b, "</table>\n");
	}
	if (between) {
		buf_printf(b, "<p><a href=\"between-%s.html\">Posts %s</a></p>\n", slug,
		    general ? "outside the themes" : "between sessions");
		if (w->all_between || (w->between && w->between[idx]))
			between_page(w, slug, title);
	}
}

static void
index_page(struct site *w)
{
	struct buf b;
	time_t now = clock_now();

	buf_init(&b, PAGE_MAX);
	page_begin(&b, w->c, "Programme", "feed.atom");
	buf_puts(&b, "<h1>");
	html_escape_str(&b, w->c->list.name);
	buf_puts(&b, "</h1><p>A community of practice that talks by email. Each theme is "
	    "discussed in two-week sessions, closed by a facilitator's summary.</p>\n");
	for (size_t i = 0; i < w->c->nthemes; i++)
		index_theme(w, &b, i, w->c->themes[i].slug, w->c->themes[i].title,
		    now);
	index_theme(w, &b, w->c->nthemes, "general", "General discussion", now);
	page_end(&b, w->c);
	write_atomic(w, "index.html", b.data, b.len);
	buf_release(&b);
}

/* ---- feeds ----------------------------------------------------------------- */

static void
xml_escape(struct buf *b, const char *s)
{
	/* The HTML escaper drops control characters and invalid UTF-8, which
	 * XML also forbids, and its entities are XML's too. */
	html_escape_str(b, s);
}

struct feed_ctx {
	struct buf *b;
	const struct site *w;
	const struct conf *c;
	const char *base;
};

static int
feed_entry(void *arg, const struct archive_post *p)
{
	struct feed_ctx *f = arg;
	char when[32];

	clock_format_iso(p->received, when, sizeof(when));
	buf_puts(f->b, "<entry><title>");
	xml_escape(f->b, *p->subject ? p->subject : "(no subject)");
	buf_printf(f->b, "</title><id>urn:baraza:%s:post:%lld</id><updated>%s</updated>"
	    "<author><name>", f->c->list.domain, (long long)p->id, when);
	xml_escape(f->b, p->author_name);
	buf_printf(f->b, "</name></author><link rel=\"alternate\" type=\"text/html\" "
	    "href=\"%sthread-%lld.html#p%lld\"/><category term=\"", f->base,
	    (long long)p->thread, (long long)p->id);
	xml_escape(f->b, p->theme);
	buf_puts(f->b, "\"/><content type=\"text\">");
	{
		struct buf tmp;
		size_t n;
		const char *t;

		buf_init(&tmp, PAGE_MAX);
		t = shown(f->w, &tmp, p->new_text, &n);
		html_escape(f->b, t, n);
		buf_release(&tmp);
	}
	buf_puts(f->b, "</content></entry>\n");
	return 0;
}

static void
feed(struct site *w, const char *theme, const char *title)
{
	struct buf b, base;
	struct feed_ctx f = { &b, w, w->c, NULL };
	char when[32], rel[160];

	buf_init(&b, PAGE_MAX);
	buf_init(&base, 1024);
	if (w->c->archive.url)
		buf_printf(&base, "%s/", w->c->archive.url);
	f.base = base.data;
	clock_format_iso(clock_now(), when, sizeof(when));
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>");
	xml_escape(&b, w->c->list.name);
	if (title) {
		buf_puts(&b, ": ");
		xml_escape(&b, title);
	}
	buf_printf(&b, "</title><id>urn:baraza:%s:feed:%s</id><updated>%s</updated>"
	    "<link rel=\"alternate\" type=\"text/html\" href=\"%sindex.html\"/>"
	    "<author><name>", w->c->list.domain, theme ? theme : "all", when, f.base);
	xml_escape(&b, w->c->list.name);
	buf_puts(&b, "</name></author>\n");
	if (store_archive_recent(w->s, theme, FEED_ENTRIES, feed_entry, &f) < 0)
		w->failed = 1;
	buf_puts(&b, "</feed>\n");
	snprintf(rel, sizeof(rel), theme ? "feed-%s.atom" : "feed.atom", theme);
	write_atomic(w, rel, b.data, b.len);
	buf_release(&b);
	buf_release(&base);
}

/* ---- search ---------------------------------------------------------------- */

struct search_ctx {
	struct site *w;
	struct buf *b;
	struct buf tmp;
	long long rows;
	time_t newest;              /* sort key of the first (newest) row */
	int64_t newest_id;
	/* set by search_append: the signature of the old rows, verified */
	int based;
	time_t base;
	int64_t base_id, base_sig[ARCHIVE_SEARCH_SIG];
};

/* put_int - v in decimal: buf_printf's two vsnprintf passes cost more
 * than the rest of a search row */
static void
put_int(struct buf *b, long long v)
{
	char d[24], *q = d + sizeof(d);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--q = '-';
	buf_append(b, q, (size_t)(d + sizeof(d) - q));
}

static int
search_row(void *arg, const struct archive_post *p)
{
	struct search_ctx *sx = arg;
	struct buf *b = sx->b;
	char when[16];
	size_t n;
	const char *text = shown(sx->w, &sx->tmp, p->new_text, &n);
	struct tm tm;

	if (sx->rows++ == 0) {
		sx->newest = p->received;
		sx->newest_id = p->id;
	}
	localtime_r(&p->received, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	if (n > 240) {
		n = 240;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	if (b->data[b->len - 1] != '[')
		buf_append(b, ",\n", 2);
	buf_putc(b, '[');
	put_int(b, p->id);
	buf_putc(b, ',');
	put_int(b, p->thread);
	buf_putc(b, ',');
	json_escape(b, p->subject, strlen(p->subject));
	buf_putc(b, ',');
	json_escape(b, p->author_name, strlen(p->author_name));
	buf_append(b, ",\"", 2);
	buf_puts(b, when);
	buf_append(b, "\",", 2);
	json_escape(b, p->theme, strlen(p->theme));
	buf_putc(b, ',');
	json_escape(b, text, n);
	buf_putc(b, ']');
	return 0;
}

/* What search.json holds, kept in the meta table under "archive_search":
 * the sort key (received, id) of its newest row, store_archive_search_split's
 * signature of the rows up to there, the file's size, and the settings
 * that shape a row (hide_addresses, timezone). */
struct search_sig {
	long long received, id, sig[ARCHIVE_SEARCH_SIG], size;
	int hide;
	char tz[128];
};

#define SEARCH_MAX 100000

static int
search_sig_get(struct site *w, struct search_sig *g)
{
	char *v = NULL;
	int ok = 0;

	if (store_meta_get(w->s, "archive_search", &v) == 1)
		ok = sscanf(v, "%lld %lld %lld %lld %lld %lld %lld %lld %d %127s", &g->received,
		    &g->id, &g->sig[0], &g->sig[1], &g->sig[2], &g->sig[3], &g->sig[4],
		    &g->size, &g->hide, g->tz) == 10;
	free(v);
	return ok;
}

/* search_append - b <- "[" + the rows newer than what search.json holds +
 * its old rows, when the file still holds what its signature says and the
 * rows shown would come out the same.  1 done (b empty: nothing new), 0
 * the caller must build it whole. */
static int
search_append(struct site *w, struct search_ctx *sx)
{
	struct search_sig g;
	int64_t now[ARCHIVE_SEARCH_SIG], after;
	const char *tz = w->c->list.timezone ? w->c->list.timezone : "UTC";
	char *path;
	FILE *fp;
	struct stat st;
	size_t mark;
	int ok = 0;

	if (w->all_between || !search_sig_get(w, &g) || g.sig[0] <= 0 ||
	    g.hide != (w->c->archive.hide_addresses != 0) || strcmp(g.tz, tz) != 0 ||
	    strchr(tz, ' ') != NULL)
		return 0;
	if (store_archive_search_split(w->s, (time_t)g.received, g.id, now, &after) < 0)
		return 0;
	for (int i = 0; i < ARCHIVE_SEARCH_SIG; i++)
		if (now[i] != g.sig[i])
			return 0;
	if (g.sig[0] + after > SEARCH_MAX)
		return 0;
	path = xasprintf("%s/search.json", w->c->archive.dir);
	if (stat(path, &st) < 0 || (long long)st.st_size != g.size || g.size < 4) {
		free(path);
		return 0;
	}
	if (after == 0) {
		free(path);
		return 1;
	}
	buf_putc(sx->b, '[');
	if (store_archive_search_after(w->s, (time_t)g.received, g.id, search_row, sx) < 0 ||
	    sx->rows != after)
		goto out;
	buf_append(sx->b, ",\n", 2);
	mark = sx->b->len;
	/* the old rows, after their "[" */
	if ((fp = fopen(path, "r")) == NULL)
		goto out;
	if (fgetc(fp) == '[') {
		char chunk[65536];
		size_t got;

		ok = 1;
		while (ok && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			ok = buf_append(sx->b, chunk, got) == 0;
		ok = ok && !ferror(fp);
	}
	fclose(fp);
	ok = ok && sx->b->len - mark == (size_t)g.size - 1 &&
	    memcmp(sx->b->data + sx->b->len - 2, "]\n", 2) == 0;
	if (ok) {
		sx->based = 1;
		sx->base = (time_t)g.received;
		sx->base_id = g.id;
		memcpy(sx->base_sig, now, sizeof(now));
	}
out:
	free(path);
	if (!ok) {
		buf_reset(sx->b);
		sx->rows = 0;
	}
	return ok;
}

/* search_json - search.json: every accepted post (the newest SEARCH_MAX),
 * newest first.  An update puts the new posts in front of the old rows
 * when nothing else changed, so a cycle does not re-escape the archive. */
static void
search_json(struct site *w)
{
	struct buf b;
	struct search_ctx sx;
	int64_t sig[ARCHIVE_SEARCH_SIG], after;
	char *v;
	int snap;

	memset(&sx, 0, sizeof(sx));
	sx.w = w;
	sx.b = &b;
	buf_init(&b, PAGE_MAX);
	buf_init(&sx.tmp, PAGE_MAX);
	/* The rows and the signature stored with them must see the same
	 * posts: a post committed in between by another process would be
	 * missing from the file yet counted as written. */
	snap = store_archive_snapshot(w->s);
	if (search_append(w, &sx)) {
		if (b.len == 0)
			goto done;      /* nothing new */
	} else {
		buf_putc(&b, '[');
		if (store_archive_recent(w->s, NULL, SEARCH_MAX, search_row, &sx) < 0) {
			w->failed = 1;
			goto done;
		}
		buf_puts(&b, "]\n");
	}
	/* The signature of what was written: the old rows' plus the new
	 * ones' (an index range), or a pass over all rows after a full write. */
	v = NULL;
	after = 0;
	if (sx.rows > 0 && sx.based) {
		if (store_archive_search_range(w->s, sx.base, sx.base_id, sx.newest, sx.newest_id,
		    sig) < 0)
			sx.rows = 0;
		for (int i = 0; i < ARCHIVE_SEARCH_SIG; i++)
			sig[i] += sx.base_sig[i];
	} else if (sx.rows > 0 && store_archive_search_split(w->s, sx.newest, sx.newest_id,
	    sig, &after) < 0) {
		sx.rows = 0;
	}
	store_archive_snapshot_end(w->s, snap);
	snap = 0;
	if (write_atomic(w, "search.json", b.data, b.len) < 0)
		sx.rows = 0;
	if (sx.rows > 0 && after == 0)
		v = xasprintf("%lld %lld %lld %lld %lld %lld %lld %lld %d %s",
		    (long long)sx.newest, (long long)sx.newest_id, (long long)sig[0],
		    (long long)sig[1], (long long)sig[2], (long long)sig[3], (long long)sig[4],
		    (long long)b.len, w->c->archive.hide_addresses != 0,
		    w->c->list.timezone ? w->c->list.timezone : "UTC");
	store_meta_set(w->s, "archive_search", v ? v : "");
	free(v);
done:
	store_archive_snapshot_end(w->s, snap);
	buf_release(&sx.tmp);
	buf_release(&b);
}

static void
search_files(struct site *w)
{
	struct buf b;

	search_json(w);
	buf_init(&b, PAGE_MAX);
	page_begin(&b, w->c, "Search", NULL);
	buf_puts(&b, "<h1>Search</h1><form onsubmit=\"return false\"><label for=\"q\">Words: "
	    "</label><input id=\"q\" type=\"search\" autocomplete=\"off\"></form>"
	    "<ul id=\"hits\"></ul><noscript><p class=\"muted\">Searching here needs "
	    "JavaScript. Without it, send \"search WORDS\" by email to <a href=\"mailto:");
	listaddr_append(&b, w->c, LISTADDR_REQUEST, NULL);
	buf_puts(&b, "\">");
	listaddr_append(&b, w->c, LISTADDR_REQUEST, NULL);
	buf_puts(&b, "</a>.</p></noscript><script src=\"search.js\"></script>\n");
	page_end(&b, w->c);
	write_atomic(w, "search.html", b.data, b.len);
	write_atomic(w, "search.js", search_js, sizeof(search_js) - 1);
	buf_release(&b);
}

/* ---- building ---------------------------------------------------------------- */

static void
global_pages(struct site *w)
{
	write_atomic(w, "style.css", archive_css, sizeof(archive_css) - 1);
	index_page(w);
	feed(w, NULL, NULL);
	for (size_t i = 0; i < w->c->nthemes; i++)
		feed(w, w->c->themes[i].slug, w->c->themes[i].title);
	search_files(w);
}

static int
all_threads(void *arg, const struct archive_thread *t)
{
	struct site *w = arg;

	thread_page(w, t->id);
	return 0;
}

static int
all_sessions_threads(void *arg, const struct digest_session *d)
{
	struct site *w = arg;

	return store_archive_threads(w->s, d->theme, d->id, all_threads, w);
}

static int
prepare(const struct conf *c)
{
	if (mkdir(c->archive.dir, 0755) < 0 && errno != EEXIST)
		return log_error("archive: cannot create %s: %s", c->archive.dir, strerror(errno));
	return 0;
}

int
archive_build(struct store *s, const struct conf *c)
{
	struct site w = { .s = s, .c = c, .all_between = 1 };
	char stamp[32];
	time_t started = clock_now();

	if (prepare(c) < 0)
		return -1;
	if (store_digest_sessions(s, 0, session_page, &w) < 0 ||
	    store_digest_sessions(s, 0, all_sessions_threads, &w) < 0)
		w.failed = 1;
	for (size_t i = 0; i <= c->nthemes; i++)
		store_archive_threads(s, i < c->nthemes ? c->themes[i].slug : "general", 0,
		    all_threads, &w);
	global_pages(&w);
	writer_finish(&w);
	snprintf(stamp, sizeof(stamp), "%lld", (long long)started);
	if (!w.failed)
		store_meta_set(s, "archive_built", stamp);
	return w.failed ? -1 : w.written;
}

struct changed {
	struct site *w;
	int64_t sessions[64];
	size_t nsessions;
	int overflow;
};

static int
changed_thread(void *arg, int64_t thread, const char *theme, int64_t session)
{
	struct changed *ch = arg;
	size_t i;

	thread_page(ch->w, thread);
	if (session == 0) {
		/* its theme's page of threads outside the sessions */
		const struct conf *c = ch->w->c;
		size_t k;

		for (k = 0; k < c->nthemes; k++)
			if (strcmp(c->themes[k].slug, theme) == 0)
				break;
		if (k == c->nthemes && strcmp(theme, "general") != 0)
			ch->w->all_between = 1;   /* a retired theme: be safe */
		else
			ch->w->between[k] = 1;
	}
	for (i = 0; i < ch->nsessions; i++)
		if (ch->sessions[i] == session)
			return 0;
	if (ch->nsessions < 64)
		ch->sessions[ch->nsessions++] = session;
	else
		ch->overflow = 1;
	return 0;
}

struct session_filter {
	struct changed *ch;
	time_t since;
};

static int
changed_session(void *arg, const struct digest_session *d)
{
	struct session_filter *sf = arg;
	int hit = d->summary_received >= sf->since && d->summary_post;

	for (size_t i = 0; i < sf->ch->nsessions && !hit; i++)
		hit = sf->ch->sessions[i] == d->id;
	/* A session that opened or ended since shows its new state. */
	if (!hit) {
		time_t now = clock_now();

		hit = (d->opens >= sf->since && d->opens <= now) ||
		    (d->closes >= sf->since && d->closes <= now);
	}
	return hit ? session_page(sf->ch->w, d) : 0;
}

int
archive_update(struct store *s, const struct conf *c)
{
	struct site w = { .s = s, .c = c };
	struct changed ch;
	struct session_filter sf;
	char *stamp = NULL, now[32];
	time_t since, started = clock_now();
	int have;

	if ((have = store_meta_get(s, "archive_built", &stamp)) < 0)
		return -1;
	if (have == 0) {
		free(stamp);
		return archive_build(s, c);
	}
	since = (time_t)strtoll(stamp, NULL, 10);
	free(stamp);
	if (prepare(c) < 0)
		return -1;
	memset(&ch, 0, sizeof(ch));
	ch.w = &w;
	w.between = xcalloc(c->nthemes + 1, 1);
	if (store_archive_changed(s, since, changed_thread, &ch) < 0) {
		writer_finish(&w);
		free(w.between);
		return -1;
	}
	if (ch.overflow) {
		writer_finish(&w);
		free(w.between);
		return archive_build(s, c);
	}
	sf.ch = &ch;
	sf.since = since;
	if (store_digest_sessions(s, 0, changed_session, &sf) < 0)
		w.failed = 1;
	/* the thread pages are counted once written */
	writer_finish(&w);
	/* The index, feeds and search files change only with a thread or a
	 * session; an idle cycle writes nothing. */
	if (w.written > 0)
		global_pages(&w);
	snprintf(now, sizeof(now), "%lld", (long long)started);
	if (!w.failed)
		store_meta_set(s, "archive_built", now);
	free(w.between);
	return w.failed ? -1 : w.written;
}

/* ---- masking addresses ---------------------------------------------------------- */

static int
local_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("._%+-=!#$&'*/?^`{|}~", c) != NULL;
}

static int
domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '-';
}

/* mask_span - append [p, end) with addresses replaced */
static void
mask_span(struct buf *out, const char *p, const char *end)
{
	const char *run = p;

	while (p < end) {
		const char *at = memchr(p, '@', (size_t)(end - p)), *l, *r;
		int dot = 0;

		if (at == NULL)
			break;
		for (l = at; l > run && local_char((unsigned char)l[-1]); l--)
			;
		for (r = at + 1; r < end && domain_char((unsigned char)*r); r++)
			dot |= *r == '.';
		while (r > at + 1 && (r[-1] == '.' || r[-1] == '-'))
			r--;
		if (l < at && r > at + 1 && dot) {
			buf_append(out, run, (size_t)(l - run));
			buf_puts(out, "hidden@hidden.invalid");
			run = p = r;
		} else {
			p = at + 1;
		}
	}
	buf_append(out, run, (size_t)(end - run));
}

void
archive_mask_addresses(struct buf *out, const char *raw, size_t len)
{
	const char *p = raw, *end = raw + len;
	int in_header = 1, keep = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;

		if (in_header) {
			if (p == eol || (p + 1 == eol && *p == '\r')) {
				/* The body in one span: no address spans a line
				 * (neither side takes a CR or LF), so this is what
				 * masking it line by line gives, without a call
				 * per line. */
				buf_append(out, p, (size_t)(next - p));
				mask_span(out, next, end);
				return;
			}
			if (*p != ' ' && *p != '\t')
				keep = strncasecmp(p, "Message-ID:", 11) == 0 ||
				    strncasecmp(p, "In-Reply-To:", 12) == 0 ||
				    strncasecmp(p, "References:", 11) == 0;
			if (keep) {
				buf_append(out, p, (size_t)(next - p));
				p = next;
				continue;
			}
		}
		mask_span(out, p, next);
		p = next;
	}
}
