/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_mbox - the mbox downloads (see archive_mbox.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mask.h"
#include "archive_mbox.h"
#include "archive_page.h"
#include "log.h"
#include "store_archive.h"
#include "xalloc.h"

/* What an mbox file holds, kept in the meta table under
 * "archive_mbox:THEME/SESSION.mbox": its n messages with the sum of their
 * post ids, the sort key (received, id) of the last one, its size and the
 * hide_addresses setting it was written with; then the archive generation
 * and the largest post id when it was written (store_archive_gen; gen -1
 * in a signature written before there were any); then the file as it was
 * left (inode, modification time in ns; -1 before they were kept) and the
 * baraza version that wrote it ("-" before it was kept). */
struct mbox_sig {
	long long n, sum, last_received, last_id, size;
	int hide;
	long long gen, maxid;
	long long ino, mtime;
	char version[32];
};

/* file_id - the inode and modification time (ns) of path into g; -1 both
 * when it cannot be read */
static void
file_id(const char *path, struct mbox_sig *g)
{
	struct stat sb;

	g->ino = g->mtime = -1;
	if (stat(path, &sb) == 0) {
		g->ino = (long long)sb.st_ino;
		g->mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
	}
}

/* unchanged - does the mbox at path hold exactly what a build would write
 * now?  Its signature was written by this version of baraza with the same
 * hide_addresses, at the same archive generation and largest post id (no
 * post came, went, moved or changed since: store_archive_gen), and the
 * file is the one it describes: same inode, size and modification time,
 * so nothing else wrote it since (a write within the same tick of the
 * file system's clock, a few milliseconds, as the build's own last write
 * would go unseen; nothing writes there but baraza). */
static int
unchanged(const struct mbox_sig *old, const char *path, int hide, long long gen,
    long long maxid)
{
	struct mbox_sig now;
	struct stat sb;

	if (gen < 0 || old->gen != gen || old->maxid != maxid || old->hide != hide ||
	    strcmp(old->version, PACKAGE_VERSION) != 0 || old->ino < 0 ||
	    stat(path, &sb) < 0 || (long long)sb.st_size != old->size)
		return 0;
	file_id(path, &now);
	return now.ino == old->ino && now.mtime == old->mtime;
}

struct mbox_ctx {
	FILE *fp;
	int hide;
	struct buf out, masked;     /* reused from message to message */
	struct mbox_sig *sig;       /* updated per message */
	int too_big;                /* a message passed the cap of out */
};

/* mbox_message - one message in mboxrd form onto m->fp */
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
		mask_message(masked, raw, len);
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
	if (buf_failed(outp) || buf_failed(masked)) {
		m->too_big = 1;
		return -1;
	}
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
mbox_sig_get(struct archive_site *w, const char *key, struct mbox_sig *g)
{
	char *v = NULL;
	int ok;

	if (store_meta_get(w->s, key, &v) != 1)
		return 0;
	g->gen = -1;
	g->maxid = 0;
	g->ino = g->mtime = -1;
	strcpy(g->version, "-");
	ok = sscanf(v, "%lld %lld %lld %lld %lld %d %lld %lld %lld %lld %31s", &g->n,
	    &g->sum, &g->last_received, &g->last_id, &g->size, &g->hide, &g->gen, &g->maxid,
	    &g->ino, &g->mtime, g->version) >= 6;
	free(v);
	return ok;
}

/* mbox_sig_set - record g as what rel's mbox holds */
static void
mbox_sig_set(struct archive_site *w, const char *key, const struct mbox_sig *g)
{
	char value[320];

	snprintf(value, sizeof(value), "%lld %lld %lld %lld %lld %d %lld %lld %lld %lld %s",
	    g->n, g->sum, g->last_received, g->last_id, g->size, g->hide, g->gen, g->maxid,
	    g->ino, g->mtime, g->version[0] ? g->version : "-");
	(void)store_meta_set(w->s, key, value);
}

/* append_in_place - the posts above old->maxid onto the end of path, when
 * nothing but new posts changed since it was written (the generation is
 * the same): the file is not copied.  Written, flushed to disk, and only
 * then recorded, so a crash in between leaves a file longer than its
 * signature says, cut back to it next time.  0 done, 1 the caller must
 * check the file against the database instead, -1 failed. */
static int
append_in_place(struct archive_site *w, const char *theme, int64_t session,
    const char *key, const char *path, const struct mbox_sig *old, off_t size,
    long long gen, long long maxid)
{
	struct mbox_ctx m;
	struct mbox_sig g = *old;
	FILE *fp;
	int fd, rc;

	if (old->gen < 0 || old->gen != gen || size < old->size || maxid < old->maxid)
		return 1;
	if (maxid == old->maxid && size == old->size)
		return 0;               /* nothing new */
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return 1;
	if ((size > old->size && ftruncate(fd, (off_t)old->size) < 0) ||
	    lseek(fd, (off_t)old->size, SEEK_SET) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		return 1;
	}
	m.fp = fp;
	m.hide = old->hide;
	m.sig = &g;
	m.too_big = 0;
	buf_init(&m.out, ARCHIVE_PAGE_MAX);
	buf_init(&m.masked, ARCHIVE_PAGE_MAX);
	rc = store_archive_raws_new(w->s, theme, session, old->maxid,
	    maxid, (time_t)old->last_received, old->last_id, mbox_message_id, &m);
	buf_release(&m.out);
	buf_release(&m.masked);
	if (rc == 0 && (fflush(fp) != 0 || fsync(fd) < 0 ||
	    (g.size = (long long)ftello(fp)) < old->size))
		rc = -1;
	if (rc == 0)
		file_id(path, &g);
	if (rc != 0) {
		/* back to what the signature says; the caller starts over */
		if (ftruncate(fd, (off_t)old->size) < 0)
			log_warnx("archive: %s: %s", path, strerror(errno));
		fclose(fp);
		return 1;
	}
	fclose(fp);
	g.gen = gen;
	g.maxid = maxid;
	mbox_sig_set(w, key, &g);
	if (g.n > old->n)
		w->written++;
	return 0;
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

/* archive_mbox_session - THEME/SESSION.mbox.  A session's mbox is as big as its
 * history and an update usually only adds to its end.  When nothing but
 * new posts changed since it was written (the archive generation is the
 * same), the new posts are appended to the file in place.  Otherwise, when
 * the file still holds exactly what its signature says (same size, same
 * posts up to its last one, by count and sum of ids) it is copied and only
 * the newer posts appended (or it is left alone when there are none);
 * anything else (a post approved late, moved, rejected; another
 * hide_addresses; a full build) rewrites it from the database, through a
 * temporary file and a rename. */
int
archive_mbox_session(struct archive_site *w, const char *theme, int64_t session)
{
	struct archive_file a;
	struct mbox_ctx m;
	struct mbox_sig old, g;
	char rel[160], key[200];
	int64_t upto = 0, sum = 0, after = 0, gen = -1, maxid = 0;
	int ok = 1, append = 0, rc, have;
	struct stat sb;

	snprintf(rel, sizeof(rel), "%s/%lld.mbox", theme, (long long)session);
	snprintf(key, sizeof(key), "archive_mbox:%s", rel);
	memset(&g, 0, sizeof(g));
	g.last_received = -(1LL << 62);    /* before any post */
	g.hide = w->c->archive.hide_addresses;
	snprintf(g.version, sizeof(g.version), "%s", PACKAGE_VERSION);
	/* before reading any post: a post committed meanwhile is above maxid */
	if (store_archive_gen(w->s, &gen, &maxid) < 0)
		gen = -1;
	have = mbox_sig_get(w, key, &old);
	if (have && w->all_between) {
		/* A build writes every file, but a session's mbox is as big
		 * as its history (480 MB at 100 000 posts, half of a build's
		 * time): one that verifiably holds what would be written is
		 * kept. */
		char *path = xasprintf("%s/%s", w->c->archive.dir, rel);
		int same = unchanged(&old, path, g.hide, gen, maxid);

		free(path);
		if (same)
			return 0;
	}
	if (!w->all_between && have && old.hide == g.hide) {
		char *path = xasprintf("%s/%s", w->c->archive.dir, rel);

		if (stat(path, &sb) == 0 && gen >= 0 &&
		    append_in_place(w, theme, session, key, path, &old, sb.st_size, gen,
		    maxid) == 0) {
			free(path);
			return 0;
		}
		if (stat(path, &sb) == 0 && (long long)sb.st_size == old.size &&
		    store_archive_raws_split(w->s, theme, session,
		    (time_t)old.last_received, old.last_id, &upto, &sum, &after) == 0 &&
		    upto == old.n && sum == old.sum)
			append = 1;
		free(path);
		if (append && after == 0) {
			old.gen = gen;
			old.maxid = maxid;
			mbox_sig_set(w, key, &old);
			return 0;       /* nothing new */
		}
	}
	if (archive_write_open(w, rel, &a) < 0)
		return -1;
	if (append) {
		g = old;
		ok = copy_into(a.path, a.fp, old.size) == 0;
	}
	m.fp = a.fp;
	m.hide = g.hide;
	m.sig = &g;
	m.too_big = 0;
	buf_init(&m.out, ARCHIVE_PAGE_MAX);
	buf_init(&m.masked, ARCHIVE_PAGE_MAX);
	if (ok)
		ok = store_archive_raws_after(w->s, theme, session,
		    (time_t)g.last_received, g.last_id, mbox_message_id, &m) == 0;
	buf_release(&m.out);
	buf_release(&m.masked);
	if (m.too_big) {
		log_warnx("archive: %s not written: a message would be larger than %u MB"
		    " in it", rel, ARCHIVE_PAGE_MAX >> 20);
		archive_write_discard(&a);
		w->unbuilt++;
		return -1;
	}
	if (ok && fflush(a.fp) == 0)
		g.size = (long long)ftello(a.fp);
	else
		ok = 0;
	rc = archive_write_close(w, &a, ok && g.size >= 0);
	if (rc == 0) {
		/* After the rename: a crash in between leaves the old
		 * signature, whose size (and inode) no longer match: a
		 * rewrite. */
		char *path = xasprintf("%s/%s", w->c->archive.dir, rel);

		file_id(path, &g);
		free(path);
		g.gen = gen;
		g.maxid = maxid;
		mbox_sig_set(w, key, &g);
	}
	return rc;
}
