/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report - the final synthesis of the whole programme (`baraza report`)
 *
 * For each theme, in programme order, each of its sessions: dates, state,
 * the facilitator's summary, the figures, the threads with most posts and
 * the resources shared; then the figures of the whole programme.  Markdown
 * for editing and printing, or one self-contained HTML page (inline CSS
 * and SVG, no scripts) to present at the final meeting.
 */
#ifndef BARAZA_REPORT_H
#define BARAZA_REPORT_H

#include "buf.h"
#include "conf.h"
#include "store.h"

enum report_format { REPORT_MARKDOWN, REPORT_HTML };

/* report_render - append the report to out; 0, or -1 when the store
 * failed or the report would pass out's cap (logged: out is then
 * incomplete and must not be used) */
int report_render(struct store *s, const struct conf *c, enum report_format fmt,
    struct buf *out);

#endif
