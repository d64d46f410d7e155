#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-mail.py LANG POT MAIL.eml... - is each mail written in LANG?

For every mail: the subject and every text part (text/plain, and text/html
with its tags taken out) are decoded; addresses, URLs and the words of
baraza's own commands (which stay English by design: "digest", "each",
...) are set aside; then
  - python3-langdetect must find LANG the most probable language;
  - for a LANG other than en, no English sentence of the catalog may
    appear: every msgid of POT is cut at its {{placeholders}}, line ends
    and sentence marks into pieces, and no piece of four words or more
    may be found in the mail.
Prints one line per mail ("OK fr 0.99 file" or "FAIL ..."), exits 1 if
any mail fails.  Needs Debian's python3-langdetect (/usr/bin/python3).
"""
import email
import email.policy
import html
import re
import sys

from langdetect import DetectorFactory, detect_langs

DetectorFactory.seed = 0
COMMANDS = r"\b(subscribe|unsubscribe|digest|each|nomail|themes|all|language|search|help|SLUG|CODE|WORDS)\b"


def msgids(pot):
    text = open(pot, encoding="utf-8").read()
    out = []
    for m in re.finditer(r'^msgid((?:\s*"(?:[^"\\]|\\.)*")+)', text, re.M):
        s = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        s = s.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        if s:
            out.append(s)
    return out


def pieces(msgid):
    for part in re.split(r"\{\{[^}]*\}\}|\n|[.:;!?()]\s|\"", msgid):
        words = re.findall(r"[A-Za-z']+", part)
        if len(words) >= 4:
            yield " ".join(words)


def mail_text(path):
    msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    chunks = [str(msg.get("Subject", ""))]
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "text/plain":
            chunks.append(part.get_content())
        elif ctype == "text/html":
            h = re.sub(r"(?s)<(style|title)[^>]*>.*?</\1>", " ", part.get_content())
            chunks.append(html.unescape(re.sub(r"<[^>]+>", " ", h)))
    return "\n".join(chunks)


def main():
    lang, pot, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    english = sorted(set(p for m in msgids(pot) for p in pieces(m)), key=len, reverse=True)
    bad = 0
    for path in files:
        text = mail_text(path)
        plain = re.sub(r"\S+@\S+|https?://\S+|mailto:\S+", " ", text)
        words = " ".join(re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", plain))
        flat = " ".join(re.findall(r"[A-Za-z']+", plain))
        guess = detect_langs(re.sub(COMMANDS, " ", words))
        top = guess[0]
        problems = []
        if top.lang != lang:
            problems.append("detected %s" % guess)
        if lang != "en":
            leaks = [p for p in english if re.search(r"\b%s\b" % re.escape(p), flat)]
            if leaks:
                problems.append("English sentences: %s" % "; ".join(leaks[:5]))
        if problems:
            bad = 1
            print("FAIL %s %s: %s" % (lang, path, " | ".join(problems)))
        else:
            print("OK %s %s %.2f %s" % (lang, top.lang, top.prob, path))
    sys.exit(bad)


if __name__ == "__main__":
    main()
