/* SPDX-License-Identifier: GPL-3.0-or-later */
/* classify - theme, session and kind of a post; subject normalisation
 *
 * Pure functions over a parsed message and the configuration: no database.
 * What only the database knows (the theme of the thread a reply joins, the
 * sessions an administrator opened or closed by hand) is passed in by the
 * caller in struct classify_input.
 *
 * A struct classifier holds what is worth preparing once per configuration:
 * the compiled PCRE2 keyword patterns and the session windows of the
 * config.  Make one with classify_new() after loading the config (and again
 * after a reload); it borrows the conf, which must outlive it.  One
 * classifier is used by one thread at a time (it keeps PCRE2 match data).
 *
 * Every result says which rule decided and why, in words, because inspect
 * shows it to a facilitator asking "why did my message go there?".
 */
#ifndef BARAZA_CLASSIFY_H
#define BARAZA_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "message.h"

struct classifier;

/* One session window: [opens, closes) in UTC seconds */
struct classify_session {
	const char *theme;      /* slug (borrowed) */
	time_t opens, closes;
	int64_t id;             /* sessions.id, or 0 for a window of the config */
};

#define CLASSIFY_WHY_MAX 200

/* The keyword rule on its own: which theme's keywords score best */
struct classify_keywords {
	const char *slug;         /* borrowed from the conf, or NULL: none */
	char why[CLASSIFY_WHY_MAX];
};

struct classify_input {
	/* the theme of the address: cop+THEME@ or cop+summary-THEME@ (the
	 * route's arg), or NULL */
	const char *tag_theme;
	/* the theme of the thread this message joins (a reply inherits), or
	 * NULL when it starts a thread or the caller does not know */
	const char *thread_theme;
	/* arrival time: decides the open session */
	time_t arrival;
	/* have_sessions = 1: sessions[0..nsessions) are the sessions to use
	 * (the database's view, with admin-opened sessions and closes set to
	 * the actual closing time of a session closed early); a session counts
	 * as open when opens <= arrival < closes.  have_sessions = 0: the
	 * session windows of the config are used. */
	const struct classify_session *sessions;
	size_t nsessions;
	int have_sessions;
	/* 1 when the address was cop+reply-POSTID@: a reply whatever the
	 * headers say */
	int reply_route;
	/* the keyword rule's result worked out beforehand with
	 * classify_keywords() (e.g. on another thread), or NULL: the
	 * patterns are matched here when the rule is reached */
	const struct classify_keywords *keywords;
};

enum classify_theme_rule {
	CLASSIFY_THEME_TAG,       /* cop+THEME@ */
	CLASSIFY_THEME_SUBJECT,   /* [slug] or [title] in the subject */
	CLASSIFY_THEME_THREAD,    /* the thread's theme */
	CLASSIFY_THEME_KEYWORDS,  /* the theme's keywords matched */
	CLASSIFY_THEME_SESSION,   /* the theme whose session is open */
	CLASSIFY_THEME_DEFAULT    /* "general" */
};

enum classify_kind {
	CLASSIFY_IDEA,
	CLASSIFY_QUESTION,
	CLASSIFY_RESOURCE,
	CLASSIFY_FEEDBACK
};

enum classify_kind_rule {
	CLASSIFY_KIND_TAG,        /* [idea], [question], ... (or a translation) */
	CLASSIFY_KIND_REPLY,      /* In-Reply-To, References, Re: or a reply address */
	CLASSIFY_KIND_RESOURCE,   /* links or attachments */
	CLASSIFY_KIND_QUESTION,   /* the first paragraph asks something */
	CLASSIFY_KIND_DEFAULT     /* an idea */
};

struct classify_result {
	/* the theme's slug: borrowed from the conf or the input, or the
	 * static "general" */
	const char *theme;
	enum classify_theme_rule theme_rule;
	char theme_why[CLASSIFY_WHY_MAX];   /* "subject tag [funding]", ... */
	/* the session of that theme open at arrival: into input->sessions or
	 * the classifier's own list; NULL when none */
	const struct classify_session *session;
	enum classify_kind kind;
	enum classify_kind_rule kind_rule;
	char kind_why[CLASSIFY_WHY_MAX];    /* "a reply (In-Reply-To)", ... */
};

/* classify_new - a classifier for c (borrowed; must outlive it).  Keyword
 * patterns that do not compile are logged and ignored (conf checks them
 * with classify_check_pattern).  Never NULL. */
struct classifier *classify_new(const struct conf *c);
/* classify_free - *cp = NULL */
void classify_free(struct classifier **cp);

/* classify_check_pattern - 0 when pattern compiles as a keywords pattern;
 * -1 with PCRE2's message and offset in err */
int classify_check_pattern(const char *pattern, char *err, size_t errlen);

/* classify_message - theme, session and kind of m.  cl may be NULL (no
 * config: theme "general", no session).  Always fills *out. */
void classify_message(struct classifier *cl, const struct message *m,
    const struct classify_input *in, struct classify_result *out);

/* classify_keywords - the keyword rule alone for m: out->slug (NULL when
 * no theme's keywords match) and why.  cl NULL: no match. */
void classify_keywords(struct classifier *cl, const struct message *m,
    struct classify_keywords *out);

/* classify_theme - only the theme rules (and the session) */
void classify_theme(struct classifier *cl, const struct message *m,
    const struct classify_input *in, struct classify_result *out);
/* classify_kind - only the kind rules; c may be NULL */
void classify_kind(const struct conf *c, const struct message *m,
    const struct classify_input *in, struct classify_result *out);

/* Names for output: "tag", "subject", "thread", "keywords", "session",
 * "default"; "idea", "question", "resource", "feedback" */
const char *classify_theme_rule_name(enum classify_theme_rule r);
const char *classify_kind_name(enum classify_kind k);

/* ---- subjects ------------------------------------------------------- */

/* classify_strip_prefix - past every leading reply/forward marker, the
 * list's subject_prefix and known subject tags (themes' [slug]/[title],
 * kind tags), in any order and repeated: "Re: AW: [CoP] Re: Fwd: x" -> "x".
 * c may be NULL.  Returns a pointer into subject (borrowed); nothing is
 * folded or collapsed. */
const char *classify_strip_prefix(const struct conf *c, const char *subject);
/* classify_has_list_prefix - 1 when subject_prefix already opens the
 * subject after any reply markers and subject tags ("Re: [CoP] x"); 0 when
 * it does not or the list has no prefix.  For "prefix never doubled". */
int classify_has_list_prefix(const struct conf *c, const char *subject);
/* classify_normalize_subject - the subject used for the thread fallback:
 * classify_strip_prefix(), whitespace runs collapsed to one space and
 * trimmed, case-folded (utf8_fold).  Owned string, never NULL; "" when
 * nothing is left (do not thread on ""); at most 1000 bytes. */
char *classify_normalize_subject(const struct conf *c, const char *subject);

#endif
