/* SPDX-License-Identifier: GPL-3.0-or-later */
/* classify - theme, session and kind of a post; subject normalisation
 *
 * The list's rules for sorting a post, each a pure function of the parsed
 * message, the configuration and what the caller knows from the database.
 *
 * Theme: the first rule that gives one wins.
 *   1. the address tag, cop+THEME@ (or summary-THEME);
 *   2. a subject tag: the first [..] group anywhere in the subject whose
 *      content is a theme's slug or title (case-insensitive, spaces
 *      collapsed), the list's own subject_prefix excepted;
 *   3. the theme of the thread the message joins (a reply inherits it);
 *   4. the themes' keywords: every theme's PCRE2 pattern is run over the
 *      subject (each match worth 3, at most 5 counted) and the new text
 *      (each match worth 1, at most 20 counted); the highest score wins,
 *      a tie goes to the theme written first in the config.  Quoted text
 *      and signatures are left out, so quoting a post about funding does
 *      not make a reply about funding;
 *   5. the theme whose session is open at arrival; if several are, the one
 *      opened last (the newest conversation);
 *   6. "general".
 * Session: the session of the chosen theme open at arrival, else none.
 *
 * Kind: a subject tag ([idea], [question], [resource], [feedback], or the
 * same word in French, Spanish, Portuguese, German, Dutch); else a reply
 * (In-Reply-To, References, a "Re:"-style subject, a digest reply address)
 * is feedback; else links (http, https, ftp; not mailto) or attachments
 * make a resource -- except the attachments every mail client adds on its
 * own: signatures (PGP, S/MIME), vCards, winmail.dat, calendar parts and
 * small images (under 64 KB: logos in signatures); else a first paragraph
 * that asks something makes a question (see question.h); else an
 * idea.
 *
 * Subjects: reply and forward markers (subject.h), the list prefix and
 * known tags are stripped from the front repeatedly, so "Re: AW: [CoP] Re:
 * Fwd: x" and "x" normalise alike.
 *
 * Case folding (utf8_fold) is length-preserving, so an offset found in the
 * folded copy of a subject is the same offset in the original.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "clock.h"
#include "listaddr.h"
#include "log.h"
#include "question.h"
#include "subject.h"
#include "utf8.h"
#include "xalloc.h"

#define NORM_MAX 1000           /* longest normalised subject */
#define KW_TEXT_MAX (64u << 10) /* bytes of new text searched for keywords */
#define KW_SUBJECT_MAX 5
#define KW_TEXT_MATCHES 20
#define SMALL_IMAGE 65536

struct keywords {
	const char *slug;       /* borrowed from the conf */
	pcre2_code *re;         /* owned */
};

struct classifier {
	const struct conf *c;                   /* borrowed */
	struct keywords *kw;                    /* owned, nkw */
	size_t nkw;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	struct classify_session *sessions;      /* owned: the config's windows */
	size_t nsessions;
};

/* is_space - white space as a subject or tag may carry it */
static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\f' || ch == '\v';
}

/* eq_words - folded a[0..an) equals folded b (already folded), with any
 * run of white space in either counting as one space and ends trimmed */
static int
eq_words(const char *a, size_t an, const char *b)
{
	char fa[256];
	const char *p, *q;

	if (an >= sizeof(fa))
		return 0;
	utf8_fold(a, an, fa, sizeof(fa));
	p = fa;
	q = b;
	while (is_space((unsigned char)*p))
		p++;
	while (is_space((unsigned char)*q))
		q++;
	for (;;) {
		if (is_space((unsigned char)*p) || is_space((unsigned char)*q)) {
			if (!is_space((unsigned char)*p) || !is_space((unsigned char)*q)) {
				/* trailing spaces on one side only */
				while (is_space((unsigned char)*p))
					p++;
				while (is_space((unsigned char)*q))
					q++;
				if (*p || *q)
					return 0;
				return 1;
			}
			while (is_space((unsigned char)*p))
				p++;
			while (is_space((unsigned char)*q))
				q++;
			continue;
		}
		if (*p != *q)
			return 0;
		if (*p == '\0')
			return 1;
		p++;
		q++;
	}
}

/* ---- tags ------------------------------------------------------------ */

static const struct {
	const char *word;       /* folded */
	enum classify_kind kind;
} kind_tags[] = {
	{ "idea", CLASSIFY_IDEA }, { "idée", CLASSIFY_IDEA },
	{ "idee", CLASSIFY_IDEA }, { "ideia", CLASSIFY_IDEA },
	{ "ideas", CLASSIFY_IDEA }, { "idées", CLASSIFY_IDEA },
	{ "question", CLASSIFY_QUESTION }, { "pregunta", CLASSIFY_QUESTION },
	{ "pergunta", CLASSIFY_QUESTION }, { "frage", CLASSIFY_QUESTION },
	{ "vraag", CLASSIFY_QUESTION }, { "domanda", CLASSIFY_QUESTION },
	{ "resource", CLASSIFY_RESOURCE }, { "resources", CLASSIFY_RESOURCE },
	{ "ressource", CLASSIFY_RESOURCE }, { "ressources", CLASSIFY_RESOURCE },
	{ "recurso", CLASSIFY_RESOURCE }, { "recursos", CLASSIFY_RESOURCE },
	{ "bron", CLASSIFY_RESOURCE }, { "risorsa", CLASSIFY_RESOURCE },
	{ "feedback", CLASSIFY_FEEDBACK }, { "retour", CLASSIFY_FEEDBACK },
	{ "commentaire", CLASSIFY_FEEDBACK }, { "comentario", CLASSIFY_FEEDBACK },
	{ "comentário", CLASSIFY_FEEDBACK }, { "rückmeldung", CLASSIFY_FEEDBACK },
	{ "reactie", CLASSIFY_FEEDBACK }, { "terugkoppeling", CLASSIFY_FEEDBACK },
	{ "retroalimentación", CLASSIFY_FEEDBACK },
	{ "retroalimentacion", CLASSIFY_FEEDBACK },
};

/* kind_tag - the kind named by tag content s[0..n), or -1 */
static int
kind_tag(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(kind_tags) / sizeof(kind_tags[0]); i++)
		if (eq_words(s, n, kind_tags[i].word))
			return (int)kind_tags[i].kind;
	return -1;
}

/* theme_tag - the slug of the theme whose slug or title is s[0..n)
 * ("general" included), or NULL */
static const char *
theme_tag(const struct conf *c, const char *s, size_t n)
{
	char ft[256];

	if (eq_words(s, n, CONF_GENERAL_THEME))
		return CONF_GENERAL_THEME;
	for (size_t i = 0; c && i < c->nthemes; i++) {
		const struct conf_theme *t = &c->themes[i];

		if (t->slug) {
			utf8_fold(t->slug, strlen(t->slug), ft, sizeof(ft));
			if (eq_words(s, n, ft))
				return t->slug;
		}
		if (t->title && *t->title) {
			utf8_fold(t->title, strlen(t->title), ft, sizeof(ft));
			if (eq_words(s, n, ft))
				return t->slug;
		}
	}
	return NULL;
}

/* bracket - at s == '[': the content [s+1, *end) and 1, or 0 */
static int
bracket(const char *s, const char **cstart, size_t *clen, const char **after)
{
	const char *e;

	if (*s != '[')
		return 0;
	for (e = s + 1; *e && *e != ']' && *e != '[' && e - s < 200; e++)
		;
	if (*e != ']')
		return 0;
	*cstart = s + 1;
	*clen = (size_t)(e - s - 1);
	*after = e + 1;
	return 1;
}

/* is_list_prefix_at - the folded text at folded_s starts with the list's
 * subject_prefix; *len gets its length */
static int
is_list_prefix_at(const struct conf *c, const char *folded_s, size_t *len)
{
	char fp[256];
	size_t n;

	if (c == NULL || c->list.subject_prefix == NULL)
		return 0;
	n = strlen(c->list.subject_prefix);
	if (n == 0 || n >= sizeof(fp))
		return 0;
	utf8_fold(c->list.subject_prefix, n, fp, sizeof(fp));
	n = strlen(fp);
	if (strncmp(folded_s, fp, n) != 0)
		return 0;
	*len = n;
	return 1;
}

/* What strip() knows beside the reply markers */
struct strip {
	const struct conf *c;
	int had_prefix;         /* the list prefix was among the pieces */
};

/* known_piece - subject_skip's callback: the list prefix or a known tag
 * opens the folded text f; its length into *len */
static int
known_piece(void *arg, const char *f, size_t *len)
{
	struct strip *st = arg;
	const char *cs, *after;
	size_t clen;

	if (is_list_prefix_at(st->c, f, len)) {
		st->had_prefix = 1;
		return 1;
	}
	if (bracket(f, &cs, &clen, &after) &&
	    (theme_tag(st->c, cs, clen) || kind_tag(cs, clen) >= 0)) {
		*len = (size_t)(after - f);
		return 1;
	}
	return 0;
}

/* strip - the offset past the leading reply markers, list prefixes and
 * known tags of subject, in any order; *had_prefix (may be NULL) set when
 * the list prefix was among them */
static size_t
strip(const struct conf *c, const char *subject, int *had_prefix)
{
	struct strip st = { c, 0 };
	size_t off = subject_skip(subject, known_piece, &st, NULL);

	if (had_prefix)
		*had_prefix = st.had_prefix;
	return off;
}

/* classify_strip_prefix - see classify.h */
const char *
classify_strip_prefix(const struct conf *c, const char *subject)
{
	if (subject == NULL)
		return "";
	return subject + strip(c, subject, NULL);
}

/* classify_has_list_prefix - see classify.h */
int
classify_has_list_prefix(const struct conf *c, const char *subject)
{
	int had;

	strip(c, subject, &had);
	return had;
}

/* classify_normalize_subject - see classify.h */
char *
classify_normalize_subject(const struct conf *c, const char *subject)
{
	char f[NORM_MAX + 8];
	const char *s = classify_strip_prefix(c, subject);
	char *out = xmalloc(NORM_MAX + 1);
	size_t o = 0, len;
	int space = 0;

	utf8_fold(s, strlen(s), f, sizeof(f));
	for (const char *p = f; *p; p += len) {
		len = 1;
		if (is_space((unsigned char)*p)) {
			space = 1;
			continue;
		}
		/* whole characters only, so the result stays UTF-8 */
		while ((p[len] & 0xc0) == 0x80 && len < 4)
			len++;
		if (o + (space && o > 0) + len > NORM_MAX)
			break;
		if (space && o > 0)
			out[o++] = ' ';
		space = 0;
		memcpy(out + o, p, len);
		o += len;
	}
	out[o] = '\0';
	return out;
}

/* ---- the classifier --------------------------------------------------- */

/* compile - a keywords pattern with the options conf.c checks it with
 * (UTF-8, Unicode properties for \b and \w) */
static pcre2_code *
compile(const char *pattern, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;
	PCRE2_UCHAR msg[256];

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    CONF_PCRE2_OPTIONS, &code, &off, NULL);
	if (re == NULL && err) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s at offset %zu", (char *)msg, (size_t)off);
	}
	return re;
}

/* classify_check_pattern - see classify.h */
int
classify_check_pattern(const char *pattern, char *err, size_t errlen)
{
	pcre2_code *re = compile(pattern, err, errlen);

	if (re == NULL)
		return -1;
	pcre2_code_free(re);
	return 0;
}

/* classify_new - see classify.h */
struct classifier *
classify_new(const struct conf *c)
{
	struct classifier *cl = xcalloc(1, sizeof(*cl));
	char err[300];
	size_t n = 0;

	cl->c = c;
	cl->md = pcre2_match_data_create(1, NULL);
	cl->mctx = pcre2_match_context_create(NULL);
	if (cl->md == NULL || cl->mctx == NULL)
		fatal("classify: out of memory");
	/* a hostile post must not make a careless pattern backtrack forever */
	pcre2_set_match_limit(cl->mctx, 1000000);
	pcre2_set_depth_limit(cl->mctx, 10000);
	if (c == NULL)
		return cl;
	cl->kw = xcalloc(c->nthemes ? c->nthemes : 1, sizeof(*cl->kw));
	for (size_t i = 0; i < c->nthemes; i++) {
		const struct conf_theme *t = &c->themes[i];

		n += t->nsessions;
		if (t->keywords == NULL || *t->keywords == '\0')
			continue;
		cl->kw[cl->nkw].re = compile(t->keywords, err, sizeof(err));
		if (cl->kw[cl->nkw].re == NULL) {
			log_warnx("theme %s: keywords ignored: %s", t->slug, err);
			continue;
		}
		/* JIT where the platform has it: keyword patterns start with
		 * \b and (?i), which the interpreter must try at every offset;
		 * compiled they cost a few microseconds per post.  Without JIT
		 * (or if it fails) the interpreter is used, same results. */
		(void)pcre2_jit_compile(cl->kw[cl->nkw].re, PCRE2_JIT_COMPLETE);
		cl->kw[cl->nkw++].slug = t->slug;
	}
	cl->sessions = xcalloc(n ? n : 1, sizeof(*cl->sessions));
	for (size_t i = 0; i < c->nthemes; i++)
		for (size_t k = 0; k < c->themes[i].nsessions; k++) {
			struct classify_session *s = &cl->sessions[cl->nsessions++];

			s->theme = c->themes[i].slug;
			s->opens = c->themes[i].sessions[k].opens;
			s->closes = c->themes[i].sessions[k].closes;
		}
	return cl;
}

/* classify_free - see classify.h */
void
classify_free(struct classifier **cp)
{
	struct classifier *cl = *cp;

	if (cl == NULL)
		return;
	for (size_t i = 0; i < cl->nkw; i++)
		pcre2_code_free(cl->kw[i].re);
	free(cl->kw);
	free(cl->sessions);
	pcre2_match_data_free(cl->md);
	pcre2_match_context_free(cl->mctx);
	free(cl);
	*cp = NULL;
}

/* classify_config_sessions - the classifier's list of the config's session
 * windows (valid as long as cl); *n gets the count */
static const struct classify_session *
classify_config_sessions(const struct classifier *cl, size_t *n)
{
	*n = cl ? cl->nsessions : 0;
	return cl ? cl->sessions : NULL;
}

/* classify_session_at - the session of theme open at t among sessions[n]
 * (opens <= t < closes; the latest opened wins), or NULL */
static const struct classify_session *
classify_session_at(const struct classify_session *s, size_t n,
    const char *theme, time_t t)
{
	const struct classify_session *best = NULL;

	for (size_t i = 0; i < n; i++) {
		if (s[i].opens > t || t >= s[i].closes || s[i].theme == NULL)
			continue;
		if (theme && strcasecmp(s[i].theme, theme) != 0)
			continue;
		if (best == NULL || s[i].opens > best->opens)
			best = &s[i];
	}
	return best;
}

/* count_matches - matches of re in s[0..n) (valid UTF-8: the caller
 * checks once for every theme) (at most max); the first one copied
 * (sanitised) into first */
static int
count_matches(struct classifier *cl, pcre2_code *re, const char *s, size_t n,
    int max, char *first, size_t firstlen)
{
	PCRE2_SIZE start = 0, *ov;
	int count = 0, rc;

	if (n == 0)
		return 0;
	while (count < max && start <= n) {
		rc = pcre2_match(re, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK,
		    cl->md, cl->mctx);
		if (rc < 0)
			break;          /* no match, or a limit: stop quietly */
		ov = pcre2_get_ovector_pointer(cl->md);
		if (ov[1] < ov[0])
			break;          /* \K games */
		if (count == 0 && first && firstlen) {
			size_t len = ov[1] - ov[0];

			if (len >= firstlen)
				len = firstlen - 1;
			while (len > 0 && ((unsigned char)s[ov[0] + len] & 0xc0) == 0x80)
				len--;
			memcpy(first, s + ov[0], len);
			first[len] = '\0';
			for (char *p = first; *p; p++)
				if ((unsigned char)*p < 0x20)
					*p = ' ';
		}
		count++;
		if (ov[1] > ov[0]) {
			start = ov[1];
		} else {
			/* an empty match: step over one character */
			start = ov[1] + 1;
			while (start < n && ((unsigned char)s[start] & 0xc0) == 0x80)
				start++;
		}
		if (start > n)
			break;
	}
	return count;
}

/* text_of - the member's own words of m (quotes and signature left out) */
static const char *
text_of(const struct message *m)
{
	if (m->new_text)
		return m->new_text;
	return m->text ? m->text : "";
}

/* by_keywords - the theme whose keywords score best, or NULL */
static const char *
by_keywords(struct classifier *cl, const struct message *m, char *why,
    size_t whylen)
{
	const char *text = text_of(m), *subject = m->subject ? m->subject : "";
	size_t tlen = strlen(text);
	int best = 0, bs = 0, bt = 0;
	const char *slug = NULL;
	char word[64], bword[64] = "";

	size_t slen = strlen(subject);

	if (tlen > KW_TEXT_MAX) {
		tlen = KW_TEXT_MAX;
		while (tlen > 0 && ((unsigned char)text[tlen] & 0xc0) == 0x80)
			tlen--;
	}
	/* PCRE2 is told not to check UTF-8 (once per theme would cost more
	 * than the matching): check here, once */
	if (!utf8_valid(subject, slen))
		slen = 0;
	if (!utf8_valid(text, tlen))
		tlen = 0;
	for (size_t i = 0; cl && i < cl->nkw; i++) {
		int ns, nt, score;

		word[0] = '\0';
		ns = count_matches(cl, cl->kw[i].re, subject, slen,
		    KW_SUBJECT_MAX, word, sizeof(word));
		nt = count_matches(cl, cl->kw[i].re, text, tlen, KW_TEXT_MATCHES,
		    word[0] ? NULL : word, sizeof(word));
		score = 3 * ns + nt;
		if (score > best) {
			best = score;
			bs = ns;
			bt = nt;
			slug = cl->kw[i].slug;
			memcpy(bword, word, sizeof(bword));
		}
	}
	if (slug)
		snprintf(why, whylen, "its keywords matched \"%s\" (%d in the "
		    "subject, %d in the text)", bword, bs, bt);
	return slug;
}

/* classify_keywords - see classify.h */
void
classify_keywords(struct classifier *cl, const struct message *m,
    struct classify_keywords *out)
{
	out->why[0] = '\0';
	out->slug = m ? by_keywords(cl, m, out->why, sizeof(out->why)) : NULL;
}

/* canonical_slug - the config's spelling of slug, "general", or slug */
static const char *
canonical_slug(const struct conf *c, const char *slug)
{
	const char *t = theme_tag(c, slug, strlen(slug));

	return t ? t : slug;
}

/* classify_theme - see classify.h */
void
classify_theme(struct classifier *cl, const struct message *m,
    const struct classify_input *in, struct classify_result *out)
{
	const struct conf *c = cl ? cl->c : NULL;
	const struct classify_session *list, *open;
	const char *subject = m && m->subject ? m->subject : "", *cs, *after;
	const char *slug;
	size_t n, clen;
	char fp[256], d1[16], d2[16], *addr;
	int skip_prefix;

	out->session = NULL;
	if (in && in->tag_theme && *in->tag_theme) {
		out->theme = canonical_slug(c, in->tag_theme);
		out->theme_rule = CLASSIFY_THEME_TAG;
		if ((addr = listaddr_tagged(c, LISTADDR_THEME, in->tag_theme)) != NULL)
			snprintf(out->theme_why, sizeof(out->theme_why),
			    "sent to %s", addr);
		else
			snprintf(out->theme_why, sizeof(out->theme_why),
			    "the address tag +%s", in->tag_theme);
		free(addr);
		goto session;
	}

	/* subject tags, anywhere; the list's own prefix is not one */
	for (const char *p = subject; m && (p = strchr(p, '[')) != NULL; ) {
		if (!bracket(p, &cs, &clen, &after)) {
			p++;
			continue;
		}
		skip_prefix = 0;
		if (c && c->list.subject_prefix && *c->list.subject_prefix) {
			utf8_fold(p, (size_t)(after - p), fp, sizeof(fp));
			skip_prefix = is_list_prefix_at(c, fp, &n) &&
			    n == (size_t)(after - p);
		}
		if (!skip_prefix && (slug = theme_tag(c, cs, clen)) != NULL) {
			out->theme = slug;
			out->theme_rule = CLASSIFY_THEME_SUBJECT;
			snprintf(out->theme_why, sizeof(out->theme_why),
			    "subject tag [%.*s]", (int)(clen > 120 ? 120 : clen), cs);
			goto session;
		}
		p = after;
	}

	if (in && in->thread_theme && *in->thread_theme) {
		out->theme = canonical_slug(c, in->thread_theme);
		out->theme_rule = CLASSIFY_THEME_THREAD;
		snprintf(out->theme_why, sizeof(out->theme_why),
		    "the theme of the thread it replies to");
		goto session;
	}

	if (in && in->keywords) {
		slug = in->keywords->slug;
		if (slug)
			memcpy(out->theme_why, in->keywords->why,
			    sizeof(out->theme_why));
	} else {
		slug = m ? by_keywords(cl, m, out->theme_why,
		    sizeof(out->theme_why)) : NULL;
	}
	if (slug != NULL) {
		out->theme = slug;
		out->theme_rule = CLASSIFY_THEME_KEYWORDS;
		goto session;
	}

	if (in && in->have_sessions) {
		list = in->sessions;
		n = in->nsessions;
	} else {
		list = classify_config_sessions(cl, &n);
	}
	if (in && (open = classify_session_at(list, n, NULL, in->arrival)) != NULL) {
		out->theme = canonical_slug(c, open->theme);
		out->theme_rule = CLASSIFY_THEME_SESSION;
		out->session = open;
		snprintf(out->theme_why, sizeof(out->theme_why),
		    "its session is open at arrival (%s..%s)",
		    clock_format_date(open->opens, d1, sizeof(d1)),
		    clock_format_date(open->closes, d2, sizeof(d2)));
		return;
	}

	out->theme = CONF_GENERAL_THEME;
	out->theme_rule = CLASSIFY_THEME_DEFAULT;
	snprintf(out->theme_why, sizeof(out->theme_why),
	    "no tag, thread, keyword or open session: the general floor");

session:
	if (in == NULL)
		return;
	if (in->have_sessions) {
		list = in->sessions;
		n = in->nsessions;
	} else {
		list = classify_config_sessions(cl, &n);
	}
	out->session = classify_session_at(list, n, out->theme, in->arrival);
}

/* ---- kind ------------------------------------------------------------ */

/* countable_attachment - 1 unless a mail client added it on its own */
static int
countable_attachment(const struct msg_attachment *a)
{
	static const char *const ignored[] = { "application/pgp-signature",
	    "application/pkcs7-signature", "application/x-pkcs7-signature",
	    "application/pgp-keys", "application/pgp-encrypted",
	    "application/ms-tnef", "application/vnd.ms-tnef", "text/vcard",
	    "text/x-vcard", "text/directory", "text/calendar",
	    "application/ics" };
	const char *t = a->type ? a->type : "";

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (strcasecmp(t, ignored[i]) == 0)
			return 0;
	if (strncasecmp(t, "image/", 6) == 0 && a->bytes < SMALL_IMAGE)
		return 0;
	return 1;
}

/* is_web_link - a link to the web (http, https, ftp, www.), not mailto */
static int
is_web_link(const char *l)
{
	return l && (strncasecmp(l, "http://", 7) == 0 ||
	    strncasecmp(l, "https://", 8) == 0 ||
	    strncasecmp(l, "ftp://", 6) == 0 || strncasecmp(l, "www.", 4) == 0);
}

/* classify_kind - see classify.h */
void
classify_kind(const struct conf *c, const struct message *m,
    const struct classify_input *in, struct classify_result *out)
{
	const char *subject = m && m->subject ? m->subject : "", *cs, *after;
	const char *why;
	size_t clen, nlinks = 0, natt = 0;
	const char *first_link = NULL;
	int k;

	for (const char *p = subject; (p = strchr(p, '[')) != NULL; ) {
		if (!bracket(p, &cs, &clen, &after)) {
			p++;
			continue;
		}
		if ((k = kind_tag(cs, clen)) >= 0) {
			out->kind = (enum classify_kind)k;
			out->kind_rule = CLASSIFY_KIND_TAG;
			snprintf(out->kind_why, sizeof(out->kind_why),
			    "subject tag [%.*s]", (int)(clen > 60 ? 60 : clen), cs);
			return;
		}
		p = after;
	}
	out->kind = CLASSIFY_FEEDBACK;
	out->kind_rule = CLASSIFY_KIND_REPLY;
	if (in && in->reply_route) {
		snprintf(out->kind_why, sizeof(out->kind_why),
		    "a reply written from a digest (reply address)");
		return;
	}
	if (m && m->in_reply_to) {
		snprintf(out->kind_why, sizeof(out->kind_why),
		    "a reply (In-Reply-To is set)");
		return;
	}
	if (m && m->nreferences > 0) {
		snprintf(out->kind_why, sizeof(out->kind_why),
		    "a reply (References is set)");
		return;
	}
	if (subject_is_reply(subject)) {
		snprintf(out->kind_why, sizeof(out->kind_why),
		    "a reply (the subject starts with a reply marker)");
		return;
	}

	for (size_t i = 0; m && i < m->nlinks; i++)
		if (is_web_link(m->links[i])) {
			if (first_link == NULL)
				first_link = m->links[i];
			nlinks++;
		}
	for (size_t i = 0; m && i < m->nattachments; i++)
		natt += countable_attachment(&m->attachments[i]);
	if (nlinks || natt) {
		out->kind = CLASSIFY_RESOURCE;
		out->kind_rule = CLASSIFY_KIND_RESOURCE;
		if (nlinks)
			snprintf(out->kind_why, sizeof(out->kind_why),
			    "%zu link%s (%.100s) and %zu attachment%s", nlinks,
			    nlinks == 1 ? "" : "s", first_link, natt,
			    natt == 1 ? "" : "s");
		else
			snprintf(out->kind_why, sizeof(out->kind_why),
			    "%zu attachment%s", natt, natt == 1 ? "" : "s");
		for (char *p = out->kind_why; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		return;
	}
	if (m && question_asked(text_of(m), &why)) {
		out->kind = CLASSIFY_QUESTION;
		out->kind_rule = CLASSIFY_KIND_QUESTION;
		snprintf(out->kind_why, sizeof(out->kind_why),
		    "the first paragraph asks something: %s", why);
		return;
	}
	out->kind = CLASSIFY_IDEA;
	out->kind_rule = CLASSIFY_KIND_DEFAULT;
	snprintf(out->kind_why, sizeof(out->kind_why),
	    "not a reply, no link or attachment, no question: an idea");
}

/* classify_message - see classify.h */
void
classify_message(struct classifier *cl, const struct message *m,
    const struct classify_input *in, struct classify_result *out)
{
	memset(out, 0, sizeof(*out));
	classify_theme(cl, m, in, out);
	classify_kind(cl ? cl->c : NULL, m, in, out);
}

/* classify_theme_rule_name - see classify.h */
const char *
classify_theme_rule_name(enum classify_theme_rule r)
{
	static const char *const names[] = { "tag", "subject", "thread",
	    "keywords", "session", "default" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "default";
}

/* classify_kind_name - see classify.h */
const char *
classify_kind_name(enum classify_kind k)
{
	static const char *const names[] = { "idea", "question", "resource",
	    "feedback" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "idea";
}
