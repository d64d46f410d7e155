/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_write - write the archive's files whole (see archive_write.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_write.h"
#include "log.h"
#include "xalloc.h"

#define WRITER_THREADS 1            /* threads that write thread pages */
#define WRITER_QUEUE_BYTES (8u << 20) /* pages waiting for them, at most */

/* archive_write_perm - see archive_write.h */
int
archive_write_perm(const struct conf *c, int fd, const char *path, int is_dir)
{
	mode_t m = (mode_t)c->archive.mode;

	if (is_dir)
		m |= (m & 0444) >> 2;       /* r -> x: 0644 -> 0755 */
	if ((fd >= 0 ? fchmod(fd, m) : chmod(path, m)) < 0)
		return log_error("archive: chmod %04o %s: %s", (unsigned)m, path,
		    strerror(errno));
	if (c->archive.group != NULL &&
	    (fd >= 0 ? fchown(fd, (uid_t)-1, (gid_t)c->archive.gid) :
	    chown(path, (uid_t)-1, (gid_t)c->archive.gid)) < 0)
		return log_error("archive: chgrp %s %s: %s", c->archive.group, path,
		    strerror(errno));
	return 0;
}

/* archive_write_open - start writing dir/rel.tmp.PID */
int
archive_write_open(struct archive_site *w, const char *rel, struct archive_file *a)
{
	char *slash;

	a->path = xasprintf("%s/%s", w->c->archive.dir, rel);
	a->tmp = xasprintf("%s.tmp.%ld", a->path, (long)getpid());
	slash = strrchr(a->path, '/');
	if (slash && slash > a->path + strlen(w->c->archive.dir)) {
		*slash = '\0';
		if (mkdir(a->path, 0755) == 0)
			(void)archive_write_perm(w->c, -1, a->path, 1);
		else if (errno != EEXIST)
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

/* archive_write_close - rename into place when ok and every write
 * succeeded, else remove the temporary file */
int
archive_write_close(struct archive_site *w, struct archive_file *a, int ok)
{
	int rc = -1;

	if (ferror(a->fp))
		ok = 0;
	if (ok && archive_write_perm(w->c, fileno(a->fp), a->tmp, 0) < 0)
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

/* archive_write_discard - close and remove the temporary file */
void
archive_write_discard(struct archive_file *a)
{
	fclose(a->fp);
	unlink(a->tmp);
	free(a->path);
	free(a->tmp);
}

/* archive_write_file - dir/rel <- data, through rel.tmp and rename */
int
archive_write_file(struct archive_site *w, const char *rel, const char *data, size_t len)
{
	struct archive_file a;

	if (archive_write_open(w, rel, &a) < 0)
		return -1;
	return archive_write_close(w, &a, fwrite(data, 1, len, a.fp) == len);
}

/* unbuilt - the page in b cannot be built whole: say so; -1 */
static int
unbuilt(struct archive_site *w, const char *rel, const struct buf *b)
{
	log_warnx("archive: %s not written: it would be larger than %zu MB", rel,
	    b->max >> 20);
	w->unbuilt++;
	return -1;
}

/* archive_write_page - a page, if it was built whole */
int
archive_write_page(struct archive_site *w, const char *rel, struct buf *b)
{
	if (buf_failed(b))
		return unbuilt(w, rel, b);
	return archive_write_file(w, rel, b->data, b->len);
}

/* archive_write_remove - unlink dir/rel */
int
archive_write_remove(struct archive_site *w, const char *rel)
{
	char *path = xasprintf("%s/%s", w->c->archive.dir, rel);
	int rc = 1;

	if (unlink(path) < 0) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc < 0) {
			log_warn("archive: %s", path);
			w->failed = 1;
		}
	}
	free(path);
	return rc;
}

/* ---- thread pages written by another thread ------------------------- */

/* A first build creates a file for every thread.  Creating a file costs
 * the file system an inode, and on a busy ext4 that can cost more than
 * rendering the page.  So thread pages, which nothing reads back during a
 * build, are handed to a writer thread that writes them (temporary file,
 * rename, as archive_write_file) while this thread renders the next ones.
 * One writer, not more: the inode allocation runs under the directory's
 * lock, so a second writer only spins on it (bench/README has the
 * measurements).  Whether a page was written is known at
 * archive_write_finish(), which every build and update calls before
 * recording archive_built. */
struct wjob {
	struct wjob *next;
	char *path;                 /* owned: dir/rel */
	char *data;                 /* owned */
	size_t len;
};

struct archive_writer {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct wjob *head, *tail;
	size_t queued;              /* bytes in the queue */
	int closing;
	int written, failed;        /* under mu */
	const struct conf *c;       /* borrowed: [archive] mode and group */
	pthread_t th[WRITER_THREADS];
	int nthreads;
};

/* wjob_write - one page: tmp file, write, rename; 0 or -1 (logged) */
static int
wjob_write(const struct conf *c, const struct wjob *j)
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
	if (ok && archive_write_perm(c, fd, tmp, 0) < 0)
		ok = 0;
	if (close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, j->path) == 0)
		return 0;
	log_warn("archive: %s", j->path);
	unlink(tmp);
	return -1;
}

/* writer_main - the writer thread: write queued pages until closing */
static void *
writer_main(void *arg)
{
	struct archive_writer *wr = arg;

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
		rc = wjob_write(wr->c, j);
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
writer_start(struct archive_site *w)
{
	struct archive_writer *wr = xcalloc(1, sizeof(*wr));

	wr->c = w->c;
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

/* archive_write_finish - wait until every queued page is written; their count
 * and failure go into w */
void
archive_write_finish(struct archive_site *w)
{
	struct archive_writer *wr = w->writer;

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

/* archive_write_queue - a page for the writer thread, else written here */
int
archive_write_queue(struct archive_site *w, const char *rel, struct buf *b)
{
	struct archive_writer *wr;
	struct wjob *j;

	if (buf_failed(b))
		return unbuilt(w, rel, b);
	if (!w->writer_tried) {
		w->writer_tried = 1;
		writer_start(w);
	}
	if ((wr = w->writer) == NULL || strchr(rel, '/') != NULL)
		return archive_write_page(w, rel, b);
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
