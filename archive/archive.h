/* archive - the static web archive
 *
 * archive.dir receives a site that any web server or file share can serve:
 *
 *	index.html              the programme: themes, sessions, counts, summaries
 *	session-ID.html         a session: its summary, its threads, its figures
 *	between-THEME.html      threads of a theme outside any session
 *	thread-ID.html          a thread: posts in order, indented by reply
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
 * renamed, so a reader never sees half a page.
 */
#ifndef BARAZA_ARCHIVE_H
#define BARAZA_ARCHIVE_H

#include "conf.h"
#include "store.h"

/* archive_build - rebuild every page.  Returns the number of files
 * written, or -1. */
int archive_build(struct store *s, const struct conf *c);

/* archive_update - rebuild what changed since the last build (threads with
 * new posts, their sessions, sessions summarised or closed, the index and
 * the feeds); a first call builds everything.  Files written, or -1. */
int archive_update(struct store *s, const struct conf *c);

#endif
