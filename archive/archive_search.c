/* SPDX-License-Identifier: GPL-3.0-or-later */
/* archive_search - the search index and page (see archive_search.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive_mask.h"
#include "archive_page.h"
#include "archive_search.h"
#include "archive_words.h"
#include "json.h"
#include "listaddr.h"
#include "log.h"
#include "store_archive.h"
#include "xalloc.h"

static const char search_js[] =
	"/* search.js - optional: finds posts through the word index. */\n"
	"(function(){var f=document.getElementById('q'),o=document.getElementById('hits'),\n"
	"st=document.getElementById('status');if(!f||!o||!st||!window.fetch)return;\n"
	"var rows=null,byId={},keys=null,files={},failed=false,seq=0;\n"
	"function say(t){st.textContent=t}\n"
	"function cls(c){var p=c.codePointAt(0);if(/[0-9a-zA-Z]/.test(c))return 1;\n"
	"if((p>=0x3040&&p<=0x9fff)||(p>=0xac00&&p<=0xd7af)||(p>=0xf900&&p<=0xfaff)||(p>=0x20000&&p<=0x2ffff))return 2;\n"
	"if((p>=0xc0&&p<=0x1fff&&p!=0xd7&&p!=0xf7&&p!=0x60c&&p!=0x61b&&p!=0x61f&&p!=0x6d4)||\n"
	"(p>=0x2070&&p<=0x2fff)||(p>=0xa000&&p<=0xabff)||(p>=0xfb00&&p<=0xfeff)||\n"
	"(p>=0xff21&&p<=0xff3a)||(p>=0xff41&&p<=0xff5a))return 1;return 0}\n"
	"function words(q){var out=[],w='';function end(){if(w&&(w.length>1||w.codePointAt(0)>=128))out.push(w);w=''}\n"
	"for(var c of q){var k=cls(c);if(k!==1)end();if(k===2)out.push(c);else if(k===1)w+=/[A-Z]/.test(c)?c.toLowerCase():c}\n"
	"end();return out}\n"
	"function key(w){var p=w.codePointAt(0);if(p<128)return w[0];if(p>=0x3040)return 'x'+(p>>8).toString(16);\n"
	"return 'u'+p.toString(16)}\n"
	"function load(u){return fetch(u).then(function(r){if(!r.ok)throw new Error(u);return r.json()})}\n"
	"function find(ws){return Promise.all(ws.map(function(w){var k=key(w);if(keys.indexOf(k)<0)return [];\n"
	"if(!files[k])files[k]=load('search-w-'+encodeURIComponent(k)+'.json');return files[k]})).then(function(fs){\n"
	"var res=null;ws.forEach(function(w,i){var set={};fs[i].forEach(function(e){if(e[0].lastIndexOf(w,0)===0)\n"
	"e[1].forEach(function(id){set[id]=1})});if(res===null)res=set;else{var r2={};for(var id in res)if(set[id])r2[id]=1;res=r2}});\n"
	"return res?Object.keys(res).map(Number).filter(function(id){return byId[id]}):[]})}\n"
	"function el(t,c,x){var e=document.createElement(t);if(c)e.className=c;if(x!==undefined)e.textContent=x;return e}\n"
	"function row(r){var li=el('li'),a=el('a',null,r[2]||'(no subject)'),s=el('span','muted'),p=el('p','muted');\n"
	"a.href='thread-'+r[1]+'.html#p'+r[0];a.dir='auto';li.appendChild(a);s.appendChild(document.createTextNode(' \\u00b7 '));\n"
	"s.appendChild(el('bdi',null,r[3]));s.appendChild(document.createTextNode(' \\u00b7 '+r[4]));li.appendChild(s);\n"
	"p.dir='auto';p.textContent=r[6];li.appendChild(p);return li}\n"
	"function fail(){failed=true;o.textContent='';say(location.protocol==='file:'?\n"
	"'The search index cannot be loaded from a page opened as a file: browsers do not allow it. '+\n"
	"'Serve the archive folder over HTTP (for example, run \"python3 -m http.server\" in that folder) '+\n"
	"'and open http://localhost:8000/search.html.':'The search index could not be loaded. Reload the page, '+\n"
	"'or search by email as explained below.')}\n"
	"function show(q){var my=++seq,ws=words(q);o.textContent='';if(failed)return;if(!ws.length){say('');return}\n"
	"if(!rows||!keys){say('Loading the search index\\u2026');return}\n"
	"find(ws).then(function(ids){if(my!==seq)return;ids.sort(function(a,b){return b-a});var n=0;\n"
	"ids.forEach(function(id){var r=byId[id];if(r&&n<50){o.appendChild(row(r));n++}});\n"
	"say(n===0?'Nothing found for \\u201c'+q.trim()+'\\u201d. Try fewer words, or the beginning of a word.':\n"
	"ids.length>n?'The newest '+n+' of '+ids.length+' posts found.':n+(n===1?' post found.':' posts found.'))}).catch(fail)}\n"
	"Promise.all([load('search.json'),load('search-words.json')]).then(function(d){rows=d[0];keys=d[1];\n"
	"rows.forEach(function(r){byId[r[0]]=r});show(f.value)}).catch(fail);\n"
	"f.addEventListener('input',function(){show(f.value)})})();\n";

#define SEARCH_CHUNK (1u << 20)     /* bytes of rows written out at a time */

struct search_ctx {
	struct archive_site *w;
	struct buf *b;
	struct buf tmp, tmp2, tmp3;
	struct archive_words *words; /* fed each row's fields as shown, or NULL */
	FILE *fp;                   /* rows written out as they come, or NULL */
	long long flushed;          /* bytes of rows written out */
	long long rows;
	time_t newest;              /* sort key of the last (newest) row */
	int64_t newest_id;
	char *sigval;               /* set by search_append: the new signature */
	int64_t gen, maxid;         /* store_archive_gen at the start */
};

/* search_row - one post as a row of search.json */
static int
search_row(void *arg, const struct archive_post *p)
{
	struct search_ctx *sx = arg;
	struct buf *b = sx->b;
	char when[16];
	size_t n;
	const char *text = archive_mask_shown(sx->w->c, &sx->tmp, p->new_text, &n);
	const char *text0 = text;   /* the whole text; NULL: could not be masked */
	size_t n0 = n;
	struct tm tm;

	sx->rows++;
	sx->newest = p->received;
	sx->newest_id = p->id;
	if (text == NULL) {         /* the file is not written then */
		buf_fail(b);
		text = "";
		n = 0;
	}
	localtime_r(&p->received, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	if (n > 240) {
		n = 240;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	/* empty: the rows so far were written out */
	if (b->len == 0 || b->data[b->len - 1] != '[')
		buf_append(b, ",\n", 2);
	buf_putc(b, '[');
	archive_page_int(b, p->id);
	buf_putc(b, ',');
	archive_page_int(b, p->thread);
	buf_putc(b, ',');
	{
		size_t sn = 0, an = 0;
		const char *s = archive_mask_shown(sx->w->c, &sx->tmp2, p->subject, &sn);
		const char *a = archive_mask_shown(sx->w->c, &sx->tmp3, p->author_name, &an);

		if (s == NULL)
			buf_fail(b);
		else
			json_escape(b, s, sn);
		buf_putc(b, ',');
		if (a == NULL)
			buf_fail(b);
		else
			json_escape(b, a, an);
		if (sx->words != NULL) {
			/* the whole text (the row has its beginning) */
			const char *shown[3] = { s, a, text0 };
			size_t len[3] = { sn, an, n0 };

			archive_words_add(sx->words, p, shown, len);
		}
	}
	buf_append(b, ",\"", 2);
	buf_puts(b, when);
	buf_append(b, "\",", 2);
	json_escape(b, p->theme, strlen(p->theme));
	buf_putc(b, ',');
	json_escape(b, text, n);
	buf_putc(b, ']');
	/* Whole rows written out a megabyte at a time: search.json (33 MB at
	 * 100 000 posts) is never held in memory beside the word index.  It
	 * stays under the cap of a page as a whole. */
	if (sx->fp != NULL && b->len >= SEARCH_CHUNK && !buf_failed(b)) {
		if (sx->flushed + (long long)b->len > (long long)b->max)
			buf_fail(b);
		else if (fwrite(b->data, 1, b->len, sx->fp) == b->len) {
			sx->flushed += (long long)b->len;
			buf_reset(b);
		}
	}
	return 0;
}

/* What search.json holds, kept in the meta table under "archive_search":
 * the sort key (received, id) of its newest row, store_archive_search_split's
 * signature of the rows up to there, the file's size, and the settings
 * that shape a row (hide_addresses, timezone). */
struct search_sig {
	long long received, id, sig[ARCHIVE_SEARCH_SIG], size;
	int hide;
	char tz[128];
	long long gen, maxid;       /* store_archive_gen when written; gen -1: none */
};

#define SEARCH_MAX ARCHIVE_WORDS_POSTS  /* the word index reads as many */

/* search_sig_get - the recorded signature of search.json: 1, or 0 when
 * there is none (or it cannot be read) */
static int
search_sig_get(struct archive_site *w, struct search_sig *g)
{
	char *v = NULL;
	int ok = 0;

	g->gen = -1;
	g->maxid = 0;
	if (store_meta_get(w->s, "archive_search", &v) == 1)
		ok = sscanf(v, "%lld %lld %lld %lld %lld %lld %lld %lld %d %127s %lld %lld",
		    &g->received, &g->id, &g->sig[0], &g->sig[1], &g->sig[2], &g->sig[3],
		    &g->sig[4], &g->size, &g->hide, g->tz, &g->gen, &g->maxid) >= 10;
	free(v);
	return ok;
}

/* search_append - the rows newer than what search.json holds, appended to
 * the file in place (before its closing "]"), when the file still holds
 * what its signature says and the rows shown would come out the same: the
 * file is neither read nor copied, and only the new rows are in memory.
 * Written, flushed to disk, then recorded; a crash in between leaves a
 * file longer than its signature, cut back next time.  1 done (nothing
 * new, or appended), 0 the caller must build it whole. */
static int
search_append(struct archive_site *w, struct search_ctx *sx)
{
	struct search_sig g;
	int64_t now[ARCHIVE_SEARCH_SIG], add[ARCHIVE_SEARCH_SIG], after;
	const char *tz = w->c->list.timezone ? w->c->list.timezone : "UTC";
	char *path, tail[2];
	struct stat st;
	int fd, ok = 0;

	if (w->all_between || !search_sig_get(w, &g) || g.sig[0] <= 0 ||
	    g.hide != (w->c->archive.hide_addresses != 0) || strcmp(g.tz, tz) != 0 ||
	    strchr(tz, ' ') != NULL)
		return 0;
	if (g.gen >= 0 && g.gen == sx->gen && sx->maxid >= g.maxid) {
		/* Nothing but new posts since: the old rows stand as they are
		 * (their signature too), without a pass over every post. */
		int64_t newids = -1;

		if (store_archive_search_new(w->s, (time_t)g.received, g.id, g.maxid,
		    sx->maxid, &after, &newids) < 0 || newids != after)
			return 0;
		memcpy(now, g.sig, sizeof(now));
	} else {
		if (store_archive_search_split(w->s, (time_t)g.received, g.id, now,
		    &after) < 0)
			return 0;
		for (int i = 0; i < ARCHIVE_SEARCH_SIG; i++)
			if (now[i] != g.sig[i])
				return 0;
	}
	/* grown a quarter past the cap: written whole, the oldest left out */
	if (g.sig[0] + after > SEARCH_MAX + SEARCH_MAX / 4)
		return 0;
	path = xasprintf("%s/search.json", w->c->archive.dir);
	if (stat(path, &st) < 0 || (long long)st.st_size < g.size || g.size < 4 ||
	    (fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
		free(path);
		return 0;
	}
	if (pread(fd, tail, 2, (off_t)g.size - 2) != 2 || memcmp(tail, "]\n", 2) != 0)
		goto out;
	if (after == 0) {
		ok = (long long)st.st_size == g.size || ftruncate(fd, (off_t)g.size) == 0;
		goto out;
	}
	/* ",[": search_row puts ",\n" before each row but one after a "[";
	 * the "[" becomes the newline after the old rows' comma */
	buf_puts(sx->b, ",[");
	if (store_archive_search_after(w->s, (time_t)g.received, g.id, search_row, sx) < 0 ||
	    sx->rows != after || buf_failed(sx->b) ||
	    store_archive_search_range(w->s, (time_t)g.received, g.id, sx->newest,
	    sx->newest_id, add) < 0)
		goto out;
	buf_puts(sx->b, "]\n");
	sx->b->data[1] = '\n';
	if (ftruncate(fd, (off_t)g.size - 2) < 0 ||
	    pwrite(fd, sx->b->data, sx->b->len, (off_t)g.size - 2) !=
	    (ssize_t)sx->b->len || fsync(fd) < 0) {
		/* back to what the signature says */
		if (ftruncate(fd, (off_t)g.size) < 0 || pwrite(fd, "]\n", 2,
		    (off_t)g.size - 2) != 2)
			log_warnx("archive: %s: %s", path, strerror(errno));
		goto out;
	}
	for (int i = 0; i < ARCHIVE_SEARCH_SIG; i++)
		now[i] += add[i];
	sx->sigval = xasprintf("%lld %lld %lld %lld %lld %lld %lld %lld %d %s %lld %lld",
	    (long long)sx->newest, (long long)sx->newest_id, (long long)now[0],
	    (long long)now[1], (long long)now[2], (long long)now[3], (long long)now[4],
	    (long long)g.size - 2 + (long long)sx->b->len, g.hide, tz,
	    (long long)sx->gen, (long long)sx->maxid);
	w->written++;
	ok = 1;
out:
	close(fd);
	free(path);
	if (!ok) {
		buf_reset(sx->b);
		sx->rows = 0;
	}
	return ok;
}

/* search_json - search.json: every accepted post (the newest SEARCH_MAX),
 * oldest first.  An update appends the new posts when nothing else
 * changed, so a cycle neither re-escapes nor rewrites the archive.  A
 * full build (w->all_between) writes the word index from the same pass
 * (every post read, decompressed and masked once for both): 1 then, else
 * 0 (archive_words must write it). */
static int
search_json(struct archive_site *w)
{
	struct buf b;
	struct search_ctx sx;
	struct archive_file a;
	int64_t sig[ARCHIVE_SEARCH_SIG], after;
	char *v;
	int snap, words = 0;

	memset(&sx, 0, sizeof(sx));
	sx.w = w;
	sx.b = &b;
	buf_init(&b, ARCHIVE_PAGE_MAX);
	buf_init(&sx.tmp, ARCHIVE_PAGE_MAX);
	buf_init(&sx.tmp2, ARCHIVE_PAGE_MAX);
	buf_init(&sx.tmp3, ARCHIVE_PAGE_MAX);
	/* The rows and the signature stored with them must see the same
	 * posts: a post committed in between by another process would be
	 * missing from the file yet counted as written. */
	snap = store_archive_snapshot(w->s);
	if (store_archive_gen(w->s, &sx.gen, &sx.maxid) < 0)
		sx.gen = -1;
	if (search_append(w, &sx)) {
		store_archive_snapshot_end(w->s, snap);
		snap = 0;
		if (sx.sigval)      /* after the rows are on disk */
			store_meta_set(w->s, "archive_search", sx.sigval);
		free(sx.sigval);
		goto done;
	}
	if (archive_write_open(w, "search.json", &a) < 0)
		goto done;
	sx.fp = a.fp;
	buf_putc(&b, '[');
	if (w->all_between)
		sx.words = archive_words_start(w);
	if (store_archive_search_all(w->s, SEARCH_MAX, search_row, &sx) < 0) {
		w->failed = 1;
		archive_write_discard(&a);
		/* nor the word index, read from the same rows: said so */
		words = sx.words != NULL;
		archive_words_finish(&sx.words, 0, sx.gen, sx.maxid);
		goto done;
	}
	buf_puts(&b, "]\n");
	if (sx.flushed + (long long)b.len > (long long)b.max)
		buf_fail(&b);
	/* The signature of what was written: a pass over all rows. */
	v = NULL;
	after = 0;
	if (sx.rows > 0 && store_archive_search_split(w->s, sx.newest, sx.newest_id,
	    sig, &after) < 0)
		sx.rows = 0;
	store_archive_snapshot_end(w->s, snap);
	snap = 0;
	if (buf_failed(&b)) {
		/* too large to be written whole: said so, the old file kept */
		archive_write_discard(&a);
		archive_write_page(w, "search.json", &b);
		sx.rows = 0;
	} else if (archive_write_close(w, &a, fwrite(b.data, 1, b.len, a.fp) == b.len) < 0)
		sx.rows = 0;
	if (sx.rows > 0 && after == 0)
		v = xasprintf("%lld %lld %lld %lld %lld %lld %lld %lld %d %s %lld %lld",
		    (long long)sx.newest, (long long)sx.newest_id, (long long)sig[0],
		    (long long)sig[1], (long long)sig[2], (long long)sig[3], (long long)sig[4],
		    sx.flushed + (long long)b.len, w->c->archive.hide_addresses != 0,
		    w->c->list.timezone ? w->c->list.timezone : "UTC", (long long)sx.gen,
		    (long long)sx.maxid);
	store_meta_set(w->s, "archive_search", v ? v : "");
	free(v);
	if (sx.words != NULL) {
		archive_words_finish(&sx.words, 1, sx.gen, sx.maxid);
		words = 1;
	}
done:
	store_archive_snapshot_end(w->s, snap);
	buf_release(&sx.tmp);
	buf_release(&sx.tmp2);
	buf_release(&sx.tmp3);
	buf_release(&b);
	return words;
}

/* archive_search_files - search.json, search.html, search.js */
void
archive_search_files(struct archive_site *w)
{
	struct buf b;

	if (!search_json(w))
		archive_words(w);
	buf_init(&b, ARCHIVE_PAGE_MAX);
	archive_page_begin(&b, w->c, "Search", NULL);
	buf_puts(&b, "<h1>Search</h1><form onsubmit=\"return false\"><label for=\"q\">Words: "
	    "</label><input id=\"q\" type=\"search\" autocomplete=\"off\"></form>"
	    "<p id=\"status\" role=\"status\" aria-live=\"polite\"></p>"
	    "<ul id=\"hits\"></ul><noscript><p>Searching on this page needs JavaScript."
	    "</p></noscript><p class=\"muted\">Members can also search by email: send "
	    "\"search WORDS\" to <a href=\"mailto:");
	listaddr_append(&b, w->c, LISTADDR_REQUEST, NULL);
	buf_puts(&b, "\">");
	listaddr_append(&b, w->c, LISTADDR_REQUEST, NULL);
	buf_puts(&b, "</a>.</p><script src=\"search.js\"></script>\n");
	archive_page_end(&b, w->c);
	archive_write_page(w, "search.html", &b);
	archive_write_file(w, "search.js", search_js, sizeof(search_js) - 1);
	buf_release(&b);
}
