/* SPDX-License-Identifier: GPL-3.0-or-later */
/* figures - text tables and inline-SVG charts of participation figures */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "figures.h"
#include "html.h"
#include "json.h"
#include "template.h"

static const char *
label(char *out, size_t outlen, const char *key, const char *lang, const char *fb)
{
	if (template_string("strings", key, lang, fb, out, outlen) < 0)
		snprintf(out, outlen, "%s", key);
	return out;
}

/* utf8_width - display columns, counting code points (good enough for the
 * Latin, Cyrillic and Arabic labels we ship) */
static size_t
utf8_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* region_name - a region as written, but the store's "unknown" (members
 * with no region) in the reader's language */
static const char *
region_name(const char *region, const char *lang)
{
	/* TRANSLATORS: the region of members who gave none */
	static const char unknown[] = N_("unknown");

	return strcmp(region, unknown) == 0 ? tr(lang, unknown) : region;
}

static void
row(struct buf *out, const char *name, const char *value)
{
	size_t w = utf8_width(name);

	buf_printf(out, "  %s ", name);
	for (size_t i = w; i < 44; i++)
		buf_putc(out, '.');
	buf_printf(out, " %s\n", value);
}

static double
share(long part, long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void
figures_text(struct buf *out, const struct figures *f, const char *lang,
    const char *fb)
{
	char l[256], v[64], r1[128], r2[128], r3[128];

	snprintf(v, sizeof(v), "%ld", f->posts);
	row(out, label(l, sizeof(l), "fig_posts", lang, fb), v);
	snprintf(v, sizeof(v), "%ld", f->voices);
	row(out, label(l, sizeof(l), "fig_voices", lang, fb), v);
	snprintf(v, sizeof(v), "%ld", f->new_voices);
	row(out, label(l, sizeof(l), "fig_new_voices", lang, fb), v);
	template_decimal(v, sizeof(v), f->replies_per_thread, catalog_pick(lang, fb));
	row(out, label(l, sizeof(l), "fig_replies", lang, fb), v);
	snprintf(v, sizeof(v), "%ld", f->unanswered);
	row(out, label(l, sizeof(l), "fig_unanswered", lang, fb), v);
	template_percent(v, sizeof(v), 100.0 * f->top3_share, catalog_pick(lang, fb));
	row(out, label(l, sizeof(l), "fig_top3", lang, fb), v);
	if (f->nregions == 0)
		return;
	label(r1, sizeof(r1), "fig_region", lang, fb);
	label(r2, sizeof(r2), "fig_region_posts", lang, fb);
	label(r3, sizeof(r3), "fig_region_voices", lang, fb);
	buf_printf(out, "\n  %-24s %12s %12s\n", r1, r2, r3);
	for (size_t i = 0; i < f->nregions; i++) {
		long voices_total = 0;

		for (size_t k = 0; k < f->nregions; k++)
			voices_total += f->regions[k].voices;
		buf_printf(out, "  %-24.24s %5ld %5.0f %% %5ld %5.0f %%\n",
		    region_name(f->regions[i].region, catalog_pick(lang, fb)), f->regions[i].posts,
		    share(f->regions[i].posts, f->posts), f->regions[i].voices,
		    share(f->regions[i].voices, voices_total));
	}
}

/* bar_chart - one horizontal bar per region, widths in percent of posts */
static void
bar_chart(struct buf *out, const struct figures *f, const char *lang, const char *fb)
{
	char l[256];
	int height = 22 * (int)f->nregions + 4;

	buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"420\" "
	    "height=\"%d\" viewBox=\"0 0 420 %d\" role=\"img\" "
	    "style=\"display:block;margin:8px 0;max-width:100%%;height:auto\"><title>",
	    height, height);
	/* its text alternative: the same figures as words */
	html_escape_str(out, label(l, sizeof(l), "fig_region_posts", lang, fb));
	for (size_t i = 0; i < f->nregions; i++) {
		buf_puts(out, i ? ", " : ": ");
		html_escape_str(out, f->regions[i].region);
		buf_printf(out, " %.0f%%", share(f->regions[i].posts, f->posts));
	}
	buf_puts(out, "</title>");
	for (size_t i = 0; i < f->nregions; i++) {
		double pct = share(f->regions[i].posts, f->posts);
		int y = 4 + 22 * (int)i, w = (int)(pct * 2.4 + 0.5);

		buf_printf(out, "<text x=\"0\" y=\"%d\" font-size=\"12\" "
		    "font-family=\"sans-serif\" fill=\"#333\">", y + 13);
		html_escape_str(out, f->regions[i].region);
		buf_printf(out, "</text><rect x=\"130\" y=\"%d\" width=\"%d\" height=\"16\" "
		    "fill=\"#2a7ab0\"/><text x=\"%d\" y=\"%d\" font-size=\"12\" "
		    "font-family=\"sans-serif\" fill=\"#333\">%.0f%%</text>",
		    y, w > 0 ? w : 1, 136 + w, y + 13, pct);
	}
	buf_puts(out, "</svg>");
}

void
figures_html(struct buf *out, const struct figures *f, const char *lang,
    const char *fb)
{
	char l[256];
	const char *td = "<td style=\"padding:2px 12px 2px 0;color:#333\">";
	const char *tdn = "<td style=\"padding:2px 0;text-align:right;font-weight:bold\">";

	buf_puts(out, "<table style=\"border-collapse:collapse;font-size:14px\">");
#define FIG_ROW(key, fmt, val) do { \
		buf_printf(out, "<tr>%s", td); \
		html_escape_str(out, label(l, sizeof(l), key, lang, fb)); \
		buf_printf(out, "</td>%s" fmt "</td></tr>", tdn, val); \
	} while (0)
	FIG_ROW("fig_posts", "%ld", f->posts);
	FIG_ROW("fig_voices", "%ld", f->voices);
	FIG_ROW("fig_new_voices", "%ld", f->new_voices);
	FIG_ROW("fig_replies", "%.1f", f->replies_per_thread);
	FIG_ROW("fig_unanswered", "%ld", f->unanswered);
	FIG_ROW("fig_top3", "%.0f&nbsp;%%", 100.0 * f->top3_share);
#undef FIG_ROW
	buf_puts(out, "</table>");
	if (f->nregions)
		bar_chart(out, f, lang, fb);
}

void
figures_html_mail(struct buf *out, const struct figures *f, const char *lang)
{
	char l[256], v[64];
	const char *td = "<td style=\"padding:2px 12px 2px 0;color:#333\">";
	const char *tdn = "<td style=\"padding:2px 0;font-weight:bold\">";
	size_t n = f->nregions < FIGURES_MAX_REGIONS ? f->nregions : FIGURES_MAX_REGIONS;

	buf_puts(out, "<table cellpadding=\"0\" cellspacing=\"0\" "
	    "style=\"border-collapse:collapse;font-size:14px\">");
#define FIG_ROW(key, text) do { \
		buf_printf(out, "<tr>%s", td); \
		html_escape_str(out, label(l, sizeof(l), key, lang, lang)); \
		buf_printf(out, "</td>%s", tdn); \
		html_escape_str(out, text); \
		buf_puts(out, "</td></tr>"); \
	} while (0)
	snprintf(v, sizeof(v), "%ld", f->posts);
	FIG_ROW("fig_posts", v);
	snprintf(v, sizeof(v), "%ld", f->voices);
	FIG_ROW("fig_voices", v);
	snprintf(v, sizeof(v), "%ld", f->new_voices);
	FIG_ROW("fig_new_voices", v);
	template_decimal(v, sizeof(v), f->replies_per_thread, lang);
	FIG_ROW("fig_replies", v);
	snprintf(v, sizeof(v), "%ld", f->unanswered);
	FIG_ROW("fig_unanswered", v);
	template_percent(v, sizeof(v), 100.0 * f->top3_share, lang);
	FIG_ROW("fig_top3", v);
#undef FIG_ROW
	buf_puts(out, "</table>");
	if (n == 0)
		return;
	/* the caption says what the bars are: they are also numbers */
	buf_puts(out, "<p style=\"margin:12px 0 4px;font-size:14px;color:#333\">");
	html_escape_str(out, label(l, sizeof(l), "fig_region", lang, lang));
	buf_puts(out, " &middot; ");
	html_escape_str(out, label(l, sizeof(l), "fig_region_posts", lang, lang));
	buf_puts(out, "</p><table cellpadding=\"0\" "
	    "cellspacing=\"0\" style=\"border-collapse:collapse;font-size:13px;"
	    "width:100%;max-width:480px\">");
	for (size_t i = 0; i < n; i++) {
		double pct = share(f->regions[i].posts, f->posts);
		int w = (int)(pct + 0.5);

		if (w < 1)
			w = 1;
		if (w > 100)
			w = 100;
		template_percent(v, sizeof(v), pct, lang);
		buf_puts(out, "<tr><td style=\"padding:3px 8px 3px 0;width:35%;color:#333\"><span dir=\"auto\">");
		html_escape_str(out, region_name(f->regions[i].region, lang));
		buf_puts(out, "</span></td><td style=\"padding:3px 0\"><table "
		    "cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;width:100%\">"
		    "<tr>");
		buf_printf(out, "<td style=\"width:%d%%;background-color:#2a7ab0;height:14px;"
		    "font-size:1px;line-height:1px\">&nbsp;</td>", w);
		if (w < 100)
			buf_printf(out, "<td style=\"width:%d%%;font-size:1px;line-height:1px\">"
			    "&nbsp;</td>", 100 - w);
		buf_puts(out, "</tr></table></td><td style=\"padding:3px 0 3px 8px;"
		    "width:15%;font-weight:bold;color:#333\">");
		html_escape_str(out, v);
		buf_puts(out, "</td></tr>");
	}
	buf_puts(out, "</table>");
}

void
figures_json(struct json *j, const struct figures *f)
{
	long voices_total = 0;

	for (size_t k = 0; k < f->nregions; k++)
		voices_total += f->regions[k].voices;
	json_object_begin(j);
	json_key(j, "posts"); json_int(j, f->posts);
	json_key(j, "voices"); json_int(j, f->voices);
	json_key(j, "new_voices"); json_int(j, f->new_voices);
	json_key(j, "threads"); json_int(j, f->threads);
	json_key(j, "replies_per_thread"); json_double(j, f->replies_per_thread, 2);
	json_key(j, "unanswered"); json_int(j, f->unanswered);
	json_key(j, "top3_share"); json_double(j, f->top3_share, 3);
	json_key(j, "regions");
	json_array_begin(j);
	for (size_t i = 0; i < f->nregions; i++) {
		json_object_begin(j);
		json_key(j, "region"); json_string(j, f->regions[i].region);
		json_key(j, "posts"); json_int(j, f->regions[i].posts);
		json_key(j, "voices"); json_int(j, f->regions[i].voices);
		json_key(j, "post_share");
		json_double(j, f->posts ?
		    (double)f->regions[i].posts / (double)f->posts : 0.0, 3);
		json_key(j, "voice_share");
		json_double(j, voices_total ?
		    (double)f->regions[i].voices / (double)voices_total : 0.0, 3);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}
