/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_write - the site being written, and how its files are written
 *
 * Every file and folder of the archive gets the mode and group of the
 * [archive] keys mode and group (archive_write_perm), not what barazad's
 * umask leaves (systemd's UMask=0027 would hide it from the web server).
 *
 * Every file of the archive is written whole or not at all: to a
 * temporary name, then renamed over the old one, so a reader never sees
 * half a file.  No page is fsynced: the archive is derived from the
 * database and `baraza archive build` rewrites all of it.  Thread pages,
 * which nothing reads back during a build, may be handed to a writer
 * thread (archive_write_queue) while the next ones are rendered.
 */
#ifndef BARAZA_ARCHIVE_WRITE_H
#define BARAZA_ARCHIVE_WRITE_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "conf.h"
#include "store.h"

struct archive_writer;

/* One build or update of the site. */
struct archive_site {
	struct store *s;            /* borrowed */
	const struct conf *c;       /* borrowed */
	int written;                /* files written */
	int failed;                 /* a file or a query failed */
	int unbuilt;                /* pages too large to build (logged) */
	struct archive_writer *writer;  /* owned; thread pages go through it */
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

/* A file being written: rel.tmp.PID, renamed over rel when complete. */
struct archive_file {
	char *path, *tmp;           /* owned */
	FILE *fp;
};

/* archive_write_perm - give the archive's file or folder at path (fd >= 0:
 * open on it) the [archive] mode and group, whatever the umask: folders
 * get x wherever the mode has r.  0, or -1 (logged) */
int archive_write_perm(const struct conf *c, int fd, const char *path, int is_dir);

/* archive_write_open - start writing dir/rel (making its directory when
 * rel names one); 0, or -1 (logged, w->failed set) */
int archive_write_open(struct archive_site *w, const char *rel, struct archive_file *a);
/* archive_write_close - finish a: renamed into place when ok and every
 * write succeeded (counted in w->written), else removed (logged,
 * w->failed set).  0 or -1 */
int archive_write_close(struct archive_site *w, struct archive_file *a, int ok);
/* archive_write_discard - give up a: its temporary file is removed, the
 * old file left as it was, nothing logged */
void archive_write_discard(struct archive_file *a);
/* archive_write_file - dir/rel <- len bytes of data, through a temporary
 * file and a rename; 0 or -1 (logged, w->failed set) */
int archive_write_file(struct archive_site *w, const char *rel, const char *data,
    size_t len);
/* archive_write_page - dir/rel <- b's data, as archive_write_file, unless
 * an append to b failed: then the page cannot be built whole; it is
 * logged by name, not written, and counted in w->unbuilt.  0 or -1 */
int archive_write_page(struct archive_site *w, const char *rel, struct buf *b);
/* archive_write_queue - archive_write_page, by the writer thread when
 * there is one (b is then emptied: the data is handed over).  rel must
 * not name a subdirectory.  0 or -1; a queued page's outcome is in w
 * after archive_write_finish. */
int archive_write_queue(struct archive_site *w, const char *rel, struct buf *b);
/* archive_write_remove - remove dir/rel: 1 removed, 0 there was none, -1
 * (logged, w->failed set) */
int archive_write_remove(struct archive_site *w, const char *rel);
/* archive_write_finish - wait until every queued page is written; their
 * count and any failure go into w.  Every build and update calls it
 * before it records what it wrote. */
void archive_write_finish(struct archive_site *w);

#endif
