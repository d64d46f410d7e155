/* SPDX-License-Identifier: GPL-3.0-or-later */
/* command - the commands a member mails to cop+request@ (the README:
 * "Members, sessions, digests, archive")
 *
 * Pure: command_parse() reads the decoded subject and body text of a mail
 * and returns the commands in it, one per line, in order.  The subject is a
 * command line too when it holds one (after stripping "Re:"-style prefixes);
 * otherwise it is ignored.  The body is read line by line: blank lines are
 * skipped, and reading stops at the first line that is not a command, at a
 * signature separator "--", or at quoted text (a line starting with '>', or
 * an "On ... wrote:" attribution that the parser already marked - callers
 * pass new_text, which has quotes removed).  Words are case-insensitive.
 *
 *	subscribe [digest|each]   unsubscribe   digest   each   nomail
 *	themes all|SLUG...        language L    search WORDS    help
 *
 * Nothing here acts on a command; see member_mail.c.
 */
#ifndef BARAZA_COMMAND_H
#define BARAZA_COMMAND_H

#include <stddef.h>

enum command_verb {
	CMD_SUBSCRIBE, CMD_UNSUBSCRIBE, CMD_DIGEST, CMD_EACH, CMD_NOMAIL,
	CMD_THEMES, CMD_LANGUAGE, CMD_SEARCH, CMD_HELP
};

#define COMMAND_MAX 20          /* commands acted on per mail */
#define COMMAND_ARG_MAX 200     /* bytes of argument kept */

struct command {
	enum command_verb verb;
	char arg[COMMAND_ARG_MAX + 1]; /* "digest", "each", "all", "funding risk",
	                                * "fr", the search words; "" when none */
	char line[COMMAND_ARG_MAX + 1];/* the line as written (trimmed, for the answer) */
};

struct command_list {
	struct command cmd[COMMAND_MAX];
	size_t n;
	size_t ignored;           /* command lines past COMMAND_MAX */
	char first_unknown[COMMAND_ARG_MAX + 1]; /* first line that stopped the
	                           * body, when no command was found; "" if none */
};

/* command_parse - fill out from subject (may be NULL) and body (may be NULL).
 * Returns the number of commands found. */
size_t command_parse(const char *subject, const char *body, struct command_list *out);

/* command_parse_line - one line: 1 and *cmd when it is a command, 0 when not */
int command_parse_line(const char *line, size_t len, struct command *cmd);

/* command_verb_name - "subscribe", "themes", ... */
const char *command_verb_name(enum command_verb v);

#endif
