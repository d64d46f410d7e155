/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mime_walk - one pass over the MIME structure of a message (see mime_walk.h)
 *
 * The structure parser is our own rather than libetpan's mailmime_parse():
 * libetpan builds a tree of heap objects for every part and header, has no
 * limits on header count, nesting or part count, stops at the first
 * malformation instead of recording a defect and going on, and copies the
 * whole message.  Here a multipart body is scanned once per nesting level
 * for its delimiter lines, each text leaf is decoded and appended to one
 * capped text buffer, attachments are only sized, and every string kept is
 * copied into the message's arena.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addrlist.h"
#include "charset.h"
#include "codec.h"
#include "html2text.h"
#include "mailparse.h"
#include "mime_walk.h"
#include "params.h"
#include "rfc2047.h"
#include "xalloc.h"

#define MAX_FORWARD 8        /* forwarded messages whose text is shown */

/* The names of enum mime_walk_field, lower-case */
static const char *const field_names[MIME_WALK_NFIELDS] = {
	"content-type", "content-transfer-encoding", "content-disposition",
	"message-id", "in-reply-to", "references", "subject", "from",
	"sender", "reply-to", "to", "cc", "date", "return-path",
};

/* The state of scanning one entity's header */
struct scan {
	struct mime_walk *w;
	struct mime_walk_entity *e;
	size_t nfields;
	int top;
};

/* on_field - header_scan's callback: note the first occurrence of each
 * field the parser reads, count the fields, keep the top level's */
static void
on_field(void *arg, const char *name, size_t nlen, const char *v, size_t vlen)
{
	struct scan *s = arg;
	struct mime_walk *w = s->w;
	size_t i;

	for (i = 0; i < MIME_WALK_NFIELDS; i++) {
		if (s->e->f[i].p == NULL && strlen(field_names[i]) == nlen &&
		    strncasecmp(field_names[i], name, nlen) == 0) {
			s->e->f[i].p = v;
			s->e->f[i].n = vlen;
			break;
		}
	}
	if (++s->nfields > w->max_headers) {
		mailparse_defect(w->mp, "too-many-headers");
	} else if (s->top) {
		if (w->nfields == w->fields_alloc) {
			w->fields_alloc = w->fields_alloc ? 2 * w->fields_alloc : 32;
			w->fields = xreallocarray(w->fields, w->fields_alloc, 2 * sizeof(*w->fields));
		}
		w->fields[2 * w->nfields].p = name;
		w->fields[2 * w->nfields].n = nlen;
		w->fields[2 * w->nfields + 1].p = v;
		w->fields[2 * w->nfields + 1].n = vlen;
		w->nfields++;
	}
}

/* scan_entity - read the header at [p, end) into e; for the top level
 * (top != 0) also keep every field in w->fields */
static void
scan_entity(struct mime_walk *w, const char *p, const char *end,
    struct mime_walk_entity *e, int top)
{
	struct scan s = { w, e, 0, top };

	memset(e, 0, sizeof(*e));
	e->body = header_scan(w->mp, p, end, top, on_field, &s);
}

/* The mark left where a text was cut at its cap: no words, so it reads
 * the same in every language. */
#define TEXT_CUT_MARK "\n[\xe2\x80\xa6]\n"

/* text_append - add n bytes of UTF-8 to the message text; when the text
 * cap is reached, cut at the last line end that fits (else at a character
 * boundary) and leave TEXT_CUT_MARK: a long post loses its end, never
 * everything.  The raw message stays whole. */
static void
text_append(struct mime_walk *w, const char *s, size_t n)
{
	size_t room = buf_room(&w->text), mark = sizeof(TEXT_CUT_MARK) - 1, cut;

	if (n <= room) {
		buf_append(&w->text, s, n);
		return;
	}
	mailparse_defect(w->mp, "text-truncated");
	if (room < mark)
		return;
	cut = room - mark;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	for (size_t k = cut; k > 0; k--)
		if (s[k - 1] == '\n') {
			cut = k - 1;
			break;
		}
	buf_append(&w->text, s, cut);
	buf_append(&w->text, TEXT_CUT_MARK, mark);
	/* nothing more fits: later parts are cut too */
	buf_fail(&w->text);
}

/* text_separate - start a new part's text on a fresh line */
static void
text_separate(struct mime_walk *w)
{
	if (w->text.len && w->text.data[w->text.len - 1] != '\n')
		text_append(w, "\n", 1);
}

/* normalise_lines - CRLF and lone CR to LF, in place; records over-long
 * lines */
static void
normalise_lines(struct mime_walk *w, struct buf *b)
{
	size_t i, k = 0, linelen = 0;
	char *d = b->data;

	for (i = 0; i < b->len; i++) {
		if (d[i] == '\r') {
			if (i + 1 < b->len && d[i + 1] == '\n')
				continue;
			d[i] = '\n';
		}
		if (d[i] == '\n') {
			if (linelen > HEADER_MAX_LINE)
				mailparse_defect(w->mp, "line-too-long");
			linelen = 0;
		} else {
			linelen++;
		}
		d[k++] = d[i];
	}
	if (linelen > HEADER_MAX_LINE)
		mailparse_defect(w->mp, "line-too-long");
	buf_truncate(b, k);
}

/* unflow - RFC 3676 format=flowed: join soft-broken lines of the same
 * quote depth, undo space-stuffing; from in into out */
static void
unflow(const char *in, size_t len, int delsp, struct buf *out)
{
	const char *p = in, *end = in + len;
	int prev_depth = -1, soft = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p, *le;
		int depth = 0, sig;

		if (eol == NULL)
			eol = end;
		while (q < eol && *q == '>') {
			depth++;
			q++;
		}
		if (q < eol && *q == ' ')
			q++;
		le = eol;
		sig = (le - q == 3 && memcmp(q, "-- ", 3) == 0);
		if (!(soft && depth == prev_depth)) {
			if (prev_depth >= 0)
				buf_append(out, "\n", 1);
			if (depth) {
				int i;

				for (i = 0; i < depth; i++)
					buf_append(out, ">", 1);
				buf_append(out, " ", 1);
			}
		}
		soft = !sig && le > q && le[-1] == ' ';
		if (soft && delsp)
			le--;
		buf_append(out, q, (size_t)(le - q));
		prev_depth = depth;
		p = eol < end ? eol + 1 : end;
	}
	if (len && in[len - 1] == '\n')
		buf_append(out, "\n", 1);
}

enum {
	PF_REPORT = 1,       /* inside multipart/report */
	PF_FORWARD = 2,      /* inside an attached message */
	PF_MARK = 4,         /* this entity is a forwarded message: mark its text */
	PF_NOTEXT = 8,       /* too many forwarded messages: attachments only */
};

static void walk(struct mime_walk *w, const char *p, const char *end, size_t depth,
    int flags, const char *dflt);

/* decode_body - transfer-decode [p, end) into out per the encoding name */
static int
decode_body(struct mime_walk *w, const char *cte, const char *p, const char *end,
    struct buf *out, size_t *size)
{
	int r;

	if (strcmp(cte, "base64") == 0) {
		r = codec_base64(p, (size_t)(end - p), out, size);
		if (r & (CODEC_TRUNC | CODEC_BAD))
			mailparse_defect(w->mp, "bad-base64");
	} else if (strcmp(cte, "quoted-printable") == 0) {
		r = codec_qp(p, (size_t)(end - p), 0, out, size);
		if (r & CODEC_BAD)
			mailparse_defect(w->mp, "bad-quoted-printable");
	} else {
		size_t n = (size_t)(end - p);

		r = 0;
		if (out && n > buf_room(out)) {
			/* keep what fits: the text is cut at its cap */
			n = buf_room(out);
			r = CODEC_FULL;
		}
		if (out)
			buf_append(out, p, n);
		if (size)
			*size = (size_t)(end - p);
	}
	return r;
}

/* add_attachment - remember one attachment (message.c copies the list
 * into the arena at the end) */
static void
add_attachment(struct mime_walk *w, const char *name, const char *type, size_t bytes)
{
	if (w->natt >= w->max_parts)
		return;
	if (w->natt == w->att_alloc) {
		w->att_alloc = w->att_alloc ? 2 * w->att_alloc : 4;
		w->att = xreallocarray(w->att, w->att_alloc, sizeof(*w->att));
	}
	w->att[w->natt].name = name ? mailparse_strndup(w->mp, name, strlen(name)) : NULL;
	w->att[w->natt].type = mailparse_strndup(w->mp, type, strlen(type));
	w->att[w->natt].bytes = bytes;
	w->natt++;
}

/* is_text_type - a text/ type whose content reads as message text */
static int
is_text_type(const char *type)
{
	static const char *const not_text[] = {
		"text/calendar", "text/vcard", "text/x-vcard", "text/directory",
		"text/rtf", "text/richtext", "text/csv", "text/x-vcalendar",
		"text/rfc822-headers", "text/xml",
	};
	size_t i;

	if (strncmp(type, "text/", 5) != 0)
		return 0;
	for (i = 0; i < sizeof(not_text) / sizeof(not_text[0]); i++)
		if (strcmp(type, not_text[i]) == 0)
			return 0;
	return 1;
}

/* store_raw_text - decode a body as clean UTF-8 text into the arena */
static const char *
store_raw_text(struct mime_walk *w, const char *cte, const char *p, const char *end)
{
	buf_reset(&w->mp->tmp1);
	buf_reset(&w->mp->tmp2);
	decode_body(w, cte, p, end, &w->mp->tmp1, NULL);
	mailparse_charset(w->mp, charset_clean(w->mp->tmp1.data, w->mp->tmp1.len,
	    &w->mp->tmp2) & ~CHARSET_BAD, NULL);
	return mailparse_strndup(w->mp, w->mp->tmp2.data, w->mp->tmp2.len);
}

/* leaf - one non-multipart entity: text into the message text, anything
 * else an attachment */
static void
leaf(struct mime_walk *w, struct mime_walk_entity *e, const char *type,
    struct params_list *ctp, const char *end, int flags)
{
	char cte[32], disp[32];
	struct params_list dp;
	struct buf name;
	int has_name, r, i;
	size_t bytes = 0;

	header_token(w->mp, &e->f[MIME_WALK_CTE], cte, sizeof(cte));
	header_token(w->mp, &e->f[MIME_WALK_DISPOSITION], disp, sizeof(disp));
	params_init(&dp);
	buf_init(&name, 64 * 1024);
	if (e->f[MIME_WALK_DISPOSITION].p) {
		header_unfold(w->mp, e->f[MIME_WALK_DISPOSITION].p, e->f[MIME_WALK_DISPOSITION].n,
		    &w->mp->tmp3);
		params_parse(&dp, w->mp->tmp3.data, w->mp->tmp3.len);
	}
	has_name = params_text(w->mp, &dp, "filename", &name) ||
	    params_text(w->mp, ctp, "name", &name);
	if (has_name && name.len == 0)
		has_name = 0;

	if (strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) {
		if (w->delivery_status == NULL)
			w->delivery_status = store_raw_text(w, cte, e->body, end);
		goto out;
	}
	if (strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/global-headers") == 0) {
		if (w->returned_headers == NULL)
			w->returned_headers = store_raw_text(w, cte, e->body, end);
		goto out;
	}
	if (!is_text_type(type) || strcmp(disp, "attachment") == 0 || has_name) {
		decode_body(w, cte, e->body, end, NULL, &bytes);
		add_attachment(w, has_name ? name.data : NULL, type, bytes);
		goto out;
	}

	if (flags & PF_NOTEXT)
		goto out;
	/* a text part: decode, convert, normalise, unflow or de-HTML */
	buf_reset(&w->mp->tmp1);
	buf_reset(&w->mp->tmp2);
	if (decode_body(w, cte, e->body, end, &w->mp->tmp1, NULL) & CODEC_FULL)
		mailparse_defect(w->mp, "text-truncated");
	i = params_find(ctp, "charset");
	{
		char cs[48] = "";

		if (i >= 0 && ctp->p[i].len < sizeof(cs)) {
			memcpy(cs, ctp->pool.data + ctp->p[i].off, ctp->p[i].len);
			cs[ctp->p[i].len] = '\0';
		} else if (i >= 0) {
			snprintf(cs, sizeof(cs), "%s", "x-too-long");
		}
		r = charset_convert(&w->mp->cc, i >= 0 ? cs : "us-ascii", w->mp->tmp1.data,
		    w->mp->tmp1.len, &w->mp->tmp2);
		mailparse_charset(w->mp, r, i >= 0 ? cs : "us-ascii");
		if (r & CHARSET_FULL)
			mailparse_defect(w->mp, "text-truncated");
	}
	normalise_lines(w, &w->mp->tmp2);
	/* a UTF-8 byte order mark at the start says nothing to a reader */
	if (w->mp->tmp2.len >= 3 && memcmp(w->mp->tmp2.data, "\xef\xbb\xbf", 3) == 0) {
		memmove(w->mp->tmp2.data, w->mp->tmp2.data + 3, w->mp->tmp2.len - 3);
		buf_truncate(&w->mp->tmp2, w->mp->tmp2.len - 3);
	}
	if (strcmp(type, "text/html") == 0) {
		buf_reset(&w->mp->tmp1);
		if (html2text(w->mp->tmp2.data, w->mp->tmp2.len, &w->mp->tmp1) < 0)
			mailparse_defect(w->mp, "text-truncated");
		text_separate(w);
		text_append(w, w->mp->tmp1.data, w->mp->tmp1.len);
		if (!(flags & PF_FORWARD))
			w->got_html = 1;
	} else {
		int fi = params_find(ctp, "format"), di = params_find(ctp, "delsp");

		if (fi >= 0 && ctp->p[fi].len == 6 &&
		    strncasecmp(ctp->pool.data + ctp->p[fi].off, "flowed", 6) == 0) {
			int delsp = di >= 0 && ctp->p[di].len == 3 &&
			    strncasecmp(ctp->pool.data + ctp->p[di].off, "yes", 3) == 0;

			buf_reset(&w->mp->tmp1);
			unflow(w->mp->tmp2.data, w->mp->tmp2.len, delsp, &w->mp->tmp1);
			text_separate(w);
			text_append(w, w->mp->tmp1.data, w->mp->tmp1.len);
		} else {
			text_separate(w);
			text_append(w, w->mp->tmp2.data, w->mp->tmp2.len);
		}
		if (!(flags & PF_FORWARD))
			w->got_plain = 1;
	}
out:
	params_release(&dp);
	buf_release(&name);
}

/* forward_mark - the line that introduces a forwarded message's text, with
 * its From, Date and Subject, so quote.c sees it as forwarded material */
static void
forward_mark(struct mime_walk *w, struct mime_walk_entity *e)
{
	static const struct {
		enum mime_walk_field f;
		const char *label;
	} show[] = {
		{ MIME_WALK_FROM, "From: " }, { MIME_WALK_DATE, "Date: " },
		{ MIME_WALK_SUBJECT, "Subject: " },
		{ MIME_WALK_TO, "To: " },
	};
	size_t i;
	char bad[48];

	text_separate(w);
	if (w->text.len)
		text_append(w, "\n", 1);
	text_append(w, "---------- Forwarded message ----------\n", 40);
	for (i = 0; i < sizeof(show) / sizeof(show[0]); i++) {
		if (e->f[show[i].f].p == NULL)
			continue;
		header_unfold(w->mp, e->f[show[i].f].p, e->f[show[i].f].n, &w->mp->tmp1);
		buf_reset(&w->mp->tmp2);
		mailparse_charset(w->mp, rfc2047_decode(&w->mp->cc, w->mp->tmp1.data,
		    w->mp->tmp1.len, &w->mp->tmp2,
		    bad, sizeof(bad)) & ~RFC2047_RAW8BIT, bad);
		addrlist_collapse(&w->mp->tmp2);
		text_append(w, show[i].label, strlen(show[i].label));
		text_append(w, w->mp->tmp2.data, w->mp->tmp2.len);
		text_append(w, "\n", 1);
	}
	text_append(w, "\n", 1);
}

/* message_part - an attached message/rfc822 */
static void
message_part(struct mime_walk *w, struct mime_walk_entity *e, const char *end,
    size_t depth, int flags)
{
	char cte[32];
	struct buf dec;
	const char *p = e->body;

	header_token(w->mp, &e->f[MIME_WALK_CTE], cte, sizeof(cte));
	buf_init(&dec, w->max_size);
	if (strcmp(cte, "base64") == 0 || strcmp(cte, "quoted-printable") == 0) {
		decode_body(w, cte, p, end, &dec, NULL);
		p = dec.data;
		end = dec.data + dec.len;
	}
	if (flags & PF_REPORT) {
		/* a returned message: only its header matters */
		if (w->returned_headers == NULL) {
			const char *he = header_end(p, end);

			buf_reset(&w->mp->tmp2);
			mailparse_charset(w->mp, charset_clean(p, (size_t)(he - p),
			    &w->mp->tmp2) & ~CHARSET_BAD, NULL);
			w->returned_headers = mailparse_strndup(w->mp, w->mp->tmp2.data, w->mp->tmp2.len);
		}
	} else {
		int mark = ++w->nforward <= MAX_FORWARD ? PF_MARK : PF_NOTEXT;

		walk(w, p, end, depth + 1, (flags | PF_FORWARD | mark), "text/plain");
	}
	buf_release(&dec);
}

/* One part of a multipart body, between its delimiter lines */
struct child {
	const char *p, *end;
};

/* add_child - append the part [p, end) to *kids (n used, *alloc room) */
static void
add_child(struct child **kids, size_t *n, size_t *alloc, const char *p, const char *end)
{
	if (*n == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 4;
		*kids = xreallocarray(*kids, *alloc, sizeof(**kids));
	}
	(*kids)[*n].p = p;
	(*kids)[*n].end = end;
	(*n)++;
}

/* multipart - split a multipart body at its delimiter lines and walk the
 * parts as the subtype asks */
static void
multipart(struct mime_walk *w, struct mime_walk_entity *e, const char *type,
    struct params_list *pp, const char *end, size_t depth, int flags)
{
	const char *boundary, *q, *cur = NULL;
	size_t blen, i, nchild = 0, alloc = 0;
	struct child *kids = NULL;
	int bi = params_find(pp, "boundary"), closed = 0, found = 0;
	const char *sub = type + 10;

	/* RFC 2231 form (boundary*=, boundary*0=): add it as a plain one */
	if (bi < 0 && params_text(w->mp, pp, "boundary", &w->mp->tmp1) && w->mp->tmp1.len)
		bi = params_add(pp, "boundary", w->mp->tmp1.data, w->mp->tmp1.len);
	if (bi < 0 || pp->p[bi].len == 0) {
		mailparse_defect(w->mp, "missing-boundary");
		leaf(w, e, "text/plain", pp, end, flags);
		return;
	}
	boundary = pp->pool.data + pp->p[bi].off;
	blen = pp->p[bi].len;
	for (i = 0; i < w->nb; i++)
		if (w->blen[i] == blen && memcmp(w->bstack[i], boundary, blen) == 0) {
			/* the enclosing multipart has already split at these
			 * lines; its parts stand for ours */
			mailparse_defect(w->mp, "boundary-reused");
			return;
		}
	if (w->nb >= MIME_WALK_MAX_NESTING) {
		mailparse_defect(w->mp, "too-deep");
		return;
	}
	w->bstack[w->nb] = boundary;
	w->blen[w->nb] = blen;
	w->nb++;

	for (q = e->body; q < end; ) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));
		size_t ll;

		if (eol == NULL)
			eol = end;
		ll = (size_t)(eol - q);

		if (ll > HEADER_MAX_LINE + 1)
			mailparse_defect(w->mp, "line-too-long");
		if (ll >= 2 + blen && q[0] == '-' && q[1] == '-' &&
		    memcmp(q + 2, boundary, blen) == 0) {
			const char *a = q + 2 + blen, *t;
			int close = eol - a >= 2 && a[0] == '-' && a[1] == '-';

			for (t = close ? a + 2 : a; t < eol && header_wsp((unsigned char)*t); t++)
				;
			if (t == eol || close) {
				found = 1;
				if (cur) {
					const char *pe = q;

					/* the line break before the delimiter is part of it */
					if (pe > cur && pe[-1] == '\n')
						pe--;
					if (pe > cur && pe[-1] == '\r')
						pe--;
					if (nchild >= w->max_parts) {
						mailparse_defect(w->mp, "too-many-parts");
						break;
					}
					add_child(&kids, &nchild, &alloc, cur, pe);
				}
				cur = eol < end ? eol + 1 : end;
				if (close) {
					closed = 1;
					break;
				}
			}
		}
		q = eol < end ? eol + 1 : end;
	}
	if (!found) {
		mailparse_defect(w->mp, "missing-boundary");
		w->nb--;
		free(kids);
		leaf(w, e, "text/plain", pp, end, flags);
		return;
	}
	if (!closed && cur && nchild < w->max_parts) {
		mailparse_defect(w->mp, "missing-close-boundary");
		add_child(&kids, &nchild, &alloc, cur, end);
	}

	if (strcmp(sub, "signed") == 0 || strcmp(sub, "encrypted") == 0) {
		if (!(flags & PF_FORWARD))
			w->is_signed = 1;
		if (sub[0] == 's' && nchild > 0)
			walk(w, kids[0].p, kids[0].end, depth + 1, flags, "text/plain");
	} else if (strcmp(sub, "alternative") == 0) {
		size_t best = 0, second = 0, mark = w->text.len, natt = w->natt;
		int best_score = -1, second_score = -1, got_plain = w->got_plain;

		for (i = 0; i < nchild; i++) {
			struct mime_walk_entity ce;
			struct params_list cp;
			char t[80];
			int score;

			params_init(&cp);
			scan_entity(w, kids[i].p, kids[i].end, &ce, 0);
			params_content_type(w->mp, &ce.f[MIME_WALK_CONTENT_TYPE], "text/plain", t,
			    sizeof(t), &cp);
			params_release(&cp);
			score = strcmp(t, "text/plain") == 0 ? 3 :
			    strncmp(t, "multipart/", 10) == 0 ? 2 :
			    strcmp(t, "text/html") == 0 ? 1 : 0;
			if (score > best_score) {
				second_score = best_score;
				second = best;
				best_score = score;
				best = i;
			} else if (score > second_score) {
				second_score = score;
				second = i;
			}
		}
		if (nchild)
			walk(w, kids[best].p, kids[best].end, depth + 1, flags, "text/plain");
		/* some senders put an empty text/plain beside the real HTML:
		 * then the HTML speaks instead (a leaf only, so that nested
		 * alternatives cannot make the walk exponential) */
		if (nchild > 1 && second_score == 1 &&
		    header_blank(w->text.data + mark, w->text.len - mark)) {
			buf_truncate(&w->text, mark);
			w->natt = natt;
			w->got_plain = got_plain;
			walk(w, kids[second].p, kids[second].end, depth + 1, flags, "text/plain");
		}
	} else {
		int kflags = flags;
		const char *dflt = strcmp(sub, "digest") == 0 ? "message/rfc822" : "text/plain";

		if (strcmp(sub, "report") == 0)
			kflags |= PF_REPORT;
		for (i = 0; i < nchild; i++)
			walk(w, kids[i].p, kids[i].end, depth + 1, kflags, dflt);
	}
	w->nb--;
	free(kids);
}

/* walk - one entity: its header, then its body by type */
static void
walk(struct mime_walk *w, const char *p, const char *end, size_t depth, int flags,
    const char *dflt)
{
	struct mime_walk_entity e;
	struct params_list pp;
	char type[80];

	if (++w->nparts > w->max_parts) {
		mailparse_defect(w->mp, "too-many-parts");
		return;
	}
	if (depth > w->max_depth) {
		mailparse_defect(w->mp, "too-deep");
		return;
	}
	scan_entity(w, p, end, &e, depth == 0);
	params_init(&pp);
	params_content_type(w->mp, &e.f[MIME_WALK_CONTENT_TYPE], dflt, type, sizeof(type), &pp);
	if (depth == 0) {
		w->header_len = (size_t)(e.body - p);
		w->content_type = mailparse_strndup(w->mp, type, strlen(type));
		w->multipart = strncmp(type, "multipart/", 10) == 0;
		w->top = e;
	}
	if (flags & PF_MARK)
		forward_mark(w, &e);
	flags &= ~PF_MARK;
	if (strncmp(type, "multipart/", 10) == 0) {
		multipart(w, &e, type, &pp, end, depth, flags);
	} else if (strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/global") == 0) {
		message_part(w, &e, end, depth, flags);
	} else {
		leaf(w, &e, type, &pp, end, flags);
	}
	params_release(&pp);
}

/* mime_walk_init - see mime_walk.h */
void
mime_walk_init(struct mime_walk *w, struct mailparse *mp, size_t max_headers,
    size_t max_depth, size_t max_parts, size_t max_text, size_t max_size)
{
	memset(w, 0, sizeof(*w));
	w->mp = mp;
	w->max_headers = max_headers;
	w->max_depth = max_depth;
	w->max_parts = max_parts;
	w->max_size = max_size;
	w->content_type = "text/plain";
	buf_init(&w->text, max_text);
}

/* mime_walk_release - see mime_walk.h */
void
mime_walk_release(struct mime_walk *w)
{
	free(w->att);
	free(w->fields);
	buf_release(&w->text);
	memset(w, 0, sizeof(*w));
}

/* mime_walk - see mime_walk.h */
void
mime_walk(struct mime_walk *w, const char *raw, size_t len)
{
	walk(w, raw, raw + len, 0, 0, "text/plain");
}
