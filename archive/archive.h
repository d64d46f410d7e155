/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive - the static web archive
 *
 * archive.dir receives a site that any web server or file share can serve:
 *
 *	index.html              the programme: themes, sessions, counts, summaries
 *	session-ID.html         a session: its summary, its threads, its figures
 *	between-THEME.html      threads of a theme outside any session
 *	thread-ID.html          a thread: posts in order, indented by reply;
 *	                        a thread too large for one page goes on
 *	                        thread-ID-2.html... too, and thread-ID.html
 *	                        leads to every post on them
 *	feed.atom, feed-THEME.atom   Atom 1.0 feeds of the newest posts
 *	THEME/SESSION.mbox      the session's messages (mboxrd; SESSION 0 =
 *	                        outside sessions), addresses hidden when
 *	                        archive.hide_addresses is set
 *	search.html, search.js, search.json   search in the browser (optional:
 *	                        every page works without JavaScript)
 *	style.css
 *
 * Everything that came from a message is HTML-escaped; HTML parts are never
 * rendered as HTML; only http(s) links become anchors (rel="nofollow
 * noopener"); member addresses appear nowhere; attachment names are shown,
 * never used as paths.  Every file is written to a temporary name and
 * renamed, so a reader never sees half a page; a page that would pass the
 * cap of a page (64 MB) is not written at all.
 */
#ifndef BARAZA_ARCHIVE_H
#define BARAZA_ARCHIVE_H

#include "conf.h"
#include "store.h"

/* archive_build - rebuild every page.  Returns the number of files
 * written, or -1 when a file could not be written, the database failed or
 * a page could not be built (each logged, the page by name); the other
 * pages are written all the same. */
int archive_build(struct store *s, const struct conf *c);

/* archive_update - rebuild what changed since the last build (threads with
 * new posts, their sessions, sessions summarised or closed, the index and
 * the feeds); a first call builds everything.  Files written, or -1 as
 * archive_build.  After a file or the database failed, the next update
 * tries again all that changed since the last good one; a page too large
 * to build waits for its thread or session to change again. */
int archive_update(struct store *s, const struct conf *c);

#endif
