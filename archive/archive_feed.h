/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_feed - the Atom 1.0 feeds of the newest posts: feed.atom for
 * the whole list, feed-THEME.atom for a theme */
#ifndef BARAZA_ARCHIVE_FEED_H
#define BARAZA_ARCHIVE_FEED_H

#include "archive_write.h"

/* archive_feed - write feed.atom (theme NULL) or feed-THEME.atom, titled
 * with the list's name and, for a theme, its title */
void archive_feed(struct archive_site *w, const char *theme, const char *title);

#endif
