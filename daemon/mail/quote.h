/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quote - find quoted replies, forwarded material and signatures in a text
 *
 * Works on decoded UTF-8 text with "\n" line ends (mime_walk.c normalises).
 * What counts as quoted:
 *  - runs of ">" lines (blank lines inside a run belong to it);
 *  - an attribution line ("On ... wrote:", "Le ... a écrit :", "El ...
 *    escribió:", "Em ... escreveu:", "Am ... schrieb ...:", "Op ... schreef
 *    ...:", "... aliandika:"), also when split over two lines: with the ">"
 *    run that follows it, or, when no ">" run follows (top-posting clients
 *    that do not prefix), everything from it to the end;
 *  - Outlook headers: "-----Original Message-----" (and its translations),
 *    a line of underscores followed by "From:"/"De :"/"Von:", or a bare
 *    "From: ..." line followed by "Sent:"/"Date:"/"Envoyé :": to the end;
 *  - forwarded messages ("---------- Forwarded message ---------", "Begin
 *    forwarded message:", "-------- Original Message --------" and their
 *    translations): to the end.  Choice: forwarded content is someone
 *    else's words, so it is quoted material and stays out of new_text (the
 *    digest shows what the member wrote; the full text keeps the forward).
 * What counts as a signature: a "-- " (or "--") line, or a mobile line
 * ("Sent from my iPhone", "Envoyé de mon ...", "Enviado desde mi ...", "Get
 * Outlook for ..."), up to the next quoted block or the end.
 */
#ifndef BARAZA_QUOTE_H
#define BARAZA_QUOTE_H

#include <stddef.h>

/* One span of text that is quoted material or a signature, as byte
 * offsets into the text */
struct quote_span {
	size_t start, end;
	enum { SPAN_QUOTE, SPAN_SIGNATURE } what;
};

/* quote_scan - fill spans (at most max) with the quote and signature ranges
 * of text, in order and not overlapping; returns how many */
size_t quote_scan(const char *text, size_t len, struct quote_span *spans, size_t max);

#endif
