/* SPDX-License-Identifier: GPL-3.0-or-later */
/* command - parse the command lines of a mail to cop+request@
 *
 * Mail clients wrap what members type in many ways: "Re: subscribe" in the
 * subject, a greeting line above the command ("Hi, please"), trailing
 * punctuation, non-breaking spaces, a signature below.  We stay strict about
 * what counts as a command (a known verb and a valid argument), so that a
 * normal sentence is never read as one, but forgiving about the wrapping:
 * leading blank lines are skipped, and a body whose first non-blank line is
 * not a command yields no commands from the body (the subject may still
 * carry one).  The caller answers "not understood" at most once a day.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "command.h"

static const struct {
	const char *word;
	enum command_verb verb;
} verbs[] = {
	{ "subscribe", CMD_SUBSCRIBE }, { "join", CMD_SUBSCRIBE },
	{ "unsubscribe", CMD_UNSUBSCRIBE }, { "leave", CMD_UNSUBSCRIBE },
	{ "signoff", CMD_UNSUBSCRIBE },
	{ "digest", CMD_DIGEST }, { "each", CMD_EACH }, { "nomail", CMD_NOMAIL },
	{ "themes", CMD_THEMES }, { "theme", CMD_THEMES },
	{ "language", CMD_LANGUAGE }, { "lang", CMD_LANGUAGE },
	{ "search", CMD_SEARCH }, { "help", CMD_HELP },
};

const char *
command_verb_name(enum command_verb v)
{
	static const char *const names[] = { "subscribe", "unsubscribe", "digest",
	    "each", "nomail", "themes", "language", "search", "help" };

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

/* is_space - ASCII white space and the UTF-8 no-break space */
static size_t
space_len(const char *p, const char *end)
{
	if (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f'))
		return 1;
	if (end - p >= 2 && (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0)
		return 2;
	return 0;
}

/* copy_collapsed - copy [p, end) into out (cap COMMAND_ARG_MAX) with runs of
 * white space made one space, trimmed, CR/LF and controls dropped */
static void
copy_collapsed(char *out, const char *p, const char *end)
{
	size_t n = 0, sl;
	int pending = 0;

	while (p < end) {
		if ((sl = space_len(p, end)) != 0) {
			pending = n > 0;
			p += sl;
			continue;
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			p++;
			continue;
		}
		if (pending && n < COMMAND_ARG_MAX)
			out[n++] = ' ';
		pending = 0;
		if (n < COMMAND_ARG_MAX)
			out[n++] = *p;
		p++;
	}
	/* Never cut a UTF-8 sequence in half at the cap. */
	while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80 && n == COMMAND_ARG_MAX)
		n--;
	if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0)
		n--;
	out[n] = '\0';
}

static int
word_ok(const char *w, int slug)
{
	if (*w == '\0')
		return 0;
	for (; *w; w++) {
		unsigned char c = (unsigned char)*w;

		if (!(isalnum(c) || c == '-' || (!slug && c == '_')))
			return 0;
	}
	return 1;
}

/* validate - the argument rules of each verb; lower-cases where words are
 * keywords or slugs.  1 valid, 0 not a command. */
static int
validate(struct command *cmd)
{
	char *a = cmd->arg;

	switch (cmd->verb) {
	case CMD_SUBSCRIBE:
		for (char *p = a; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return *a == '\0' || strcmp(a, "digest") == 0 || strcmp(a, "each") == 0;
	case CMD_UNSUBSCRIBE:
	case CMD_DIGEST:
	case CMD_EACH:
	case CMD_NOMAIL:
	case CMD_HELP:
		return *a == '\0';
	case CMD_THEMES: {
		char copy[COMMAND_ARG_MAX + 1], *tok, *save = NULL;

		for (char *p = a; *p; p++) {
			*p = (char)tolower((unsigned char)*p);
			if (*p == ',')
				*p = ' ';
		}
		copy_collapsed(copy, a, a + strlen(a));
		strcpy(a, copy);
		if (*a == '\0')
			return 0;
		for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (!word_ok(tok, 1))
				return 0;
		return 1;
	}
	case CMD_LANGUAGE:
		for (char *p = a; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return word_ok(a, 0) && strlen(a) <= 16;
	case CMD_SEARCH:
		return *a != '\0';
	}
	return 0;
}

int
command_parse_line(const char *line, size_t len, struct command *cmd)
{
	const char *p = line, *end = line + len, *w;
	size_t wl, sl;
	char word[16];

	while (p < end && (sl = space_len(p, end)) != 0)
		p += sl;
	/* Strip trailing white space and the punctuation people add. */
	while (end > p && ((sl = space_len(end - 1, end)) != 0 ||
	    end[-1] == '.' || end[-1] == '!' || end[-1] == '\n'))
		end--;
	if (end > p + 1 && (unsigned char)end[-1] == 0xa0 && (unsigned char)end[-2] == 0xc2)
		end -= 2;
	w = p;
	while (p < end && !space_len(p, end) && *p != ':')
		p++;
	wl = (size_t)(p - w);
	if (wl == 0 || wl >= sizeof(word))
		return 0;
	for (size_t i = 0; i < wl; i++)
		word[i] = (char)tolower((unsigned char)w[i]);
	word[wl] = '\0';
	if (p < end && *p == ':')    /* "language: fr" */
		p++;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(word, verbs[i].word) != 0)
			continue;
		memset(cmd, 0, sizeof(*cmd));
		cmd->verb = verbs[i].verb;
		copy_collapsed(cmd->arg, p, end);
		copy_collapsed(cmd->line, line, end);
		return validate(cmd);
	}
	return 0;
}

/* strip_reply_prefixes - skip "Re:", "RE :", "Fwd:", "AW:", "SV:" ... */
static const char *
strip_reply_prefixes(const char *s)
{
	static const char *const prefixes[] = { "re", "fwd", "fw", "aw", "sv",
	    "vs", "tr", "rv", "antw", "wg" };

	for (;;) {
		const char *p = s, *q;
		int found = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t n = strlen(prefixes[i]);

			if (strncasecmp(p, prefixes[i], n) != 0)
				continue;
			q = p + n;
			while (*q == ' ')
				q++;
			if (*q == ':') {
				s = q + 1;
				found = 1;
				break;
			}
		}
		if (!found)
			return p;
	}
}

static void
add(struct command_list *out, const struct command *cmd)
{
	if (out->n < COMMAND_MAX)
		out->cmd[out->n++] = *cmd;
	else
		out->ignored++;
}

size_t
command_parse(const char *subject, const char *body, struct command_list *out)
{
	struct command cmd;
	const char *p, *eol;

	memset(out, 0, sizeof(*out));
	if (subject) {
		const char *s = strip_reply_prefixes(subject);

		if (command_parse_line(s, strlen(s), &cmd))
			add(out, &cmd);
	}
	if (body == NULL)
		return out->n;
	for (p = body; *p; p = *eol ? eol + 1 : eol) {
		const char *q = p;
		size_t sl;

		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		while (q < eol && (sl = space_len(q, eol)) != 0)
			q += sl;
		if (q == eol)
			continue;               /* blank line */
		if (*q == '>')
			break;                  /* quoted text */
		if ((eol - q == 2 || (eol - q == 3 && q[2] == ' ') ||
		    (eol - q == 3 && q[2] == '\r')) && q[0] == '-' && q[1] == '-')
			break;                  /* "-- " signature */
		if (!command_parse_line(q, (size_t)(eol - q), &cmd)) {
			if (out->n == 0)
				copy_collapsed(out->first_unknown, q, eol);
			break;
		}
		add(out, &cmd);
	}
	return out->n;
}
