/* SPDX-License-Identifier: GPL-3.0-or-later */
/* figures - render the participation figures
 *
 * The numbers come from store_figures() (store_digest.h); this module only
 * draws them: an aligned text table for mail text parts, `stats` and the
 * Markdown report, and HTML with small inline-SVG bar charts (no scripts,
 * no remote images) for digests, the archive and the HTML report.
 * Labels come from conf/templates/<lang>/strings.txt.
 */
#ifndef BARAZA_FIGURES_H
#define BARAZA_FIGURES_H

#include "buf.h"
#include "store_digest.h"

void figures_text(struct buf *out, const struct figures *f, const char *lang,
    const char *fallback);
void figures_html(struct buf *out, const struct figures *f, const char *lang,
    const char *fallback);
/* figures_html_mail - the figures for HTML mail: a table, and the share of
 * posts per region as a bar chart made of table cells (every mail client
 * draws them; SVG is dropped by Gmail, Outlook and Yahoo), each bar with
 * its number written beside it and a caption, so the chart reads the same
 * without colours or to a screen reader.  At most FIGURES_MAX_REGIONS
 * regions (the largest), so its size is bounded. */
#define FIGURES_MAX_REGIONS 12
void figures_html_mail(struct buf *out, const struct figures *f, const char *lang);
/* figures_json - one JSON object (keys posts, voices, new_voices, threads,
 * replies_per_thread, unanswered, top3_share, regions[{region,posts,voices,
 * post_share,voice_share}]) */
struct json;
void figures_json(struct json *j, const struct figures *f);

#endif
