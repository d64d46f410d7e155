#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""template-pot.py - the msgids of baraza's English templates, as a POT file

Usage: template-pot.py TEMPLATES_DIR/en > templates.pot

The split is the one daemon/util/template.c (template_translate) makes at
run time: a leading "Subject: " line gives one msgid (its text), and the
rest is cut at blank lines into paragraphs; a paragraph is a msgid when it
has a letter outside {{...}}.  In strings.txt every "key = value" line's
value is a msgid.  The file and line go into the reference, the
placeholders into a comment, so translators know what to keep.
"""
import os
import re
import sys

PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


def worth(text):
    return re.search(r"[A-Za-z\u0080-\U0010ffff]", PLACEHOLDER.sub("", text)) is not None


def po_quote(s):
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = s.split("\n")
    if len(lines) == 1:
        return '"%s"' % lines[0]
    out = ['""']
    for i, line in enumerate(lines):
        out.append('"%s%s"' % (line, "\\n" if i < len(lines) - 1 else ""))
    return "\n".join(out)


def paragraphs(path):
    """(line, text, note) for each msgid of one template"""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    name = os.path.basename(path)
    line = 1
    if name == "strings.txt":
        for n, raw in enumerate(text.split("\n"), 1):
            m = re.match(r"^([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$", raw)
            if raw.startswith("#") or not m or not worth(m.group(2)):
                continue
            note = "strings.txt: " + m.group(1)
            if m.group(1) == "months":
                note += " (twelve abbreviated month names, separated by single spaces)"
            yield n, m.group(2), note
        return
    if text.startswith("Subject: "):
        eol = text.find("\n")
        eol = len(text) if eol < 0 else eol
        if worth(text[9:eol]):
            yield 1, text[9:eol], "the mail's subject (one line)"
        rest = text[eol:]
        skipped = len(rest) - len(rest.lstrip("\n"))
        line += rest[:skipped].count("\n")
        text = rest[skipped:]
    pos = 0
    while pos < len(text):
        sep = text.find("\n\n", pos)
        if sep < 0:
            sep = len(text)
            while sep > pos and text[sep - 1] == "\n":
                sep -= 1
        para = text[pos:sep]
        if worth(para):
            yield line, para, None
        q = sep
        while q < len(text) and text[q] == "\n":
            q += 1
        line += text[pos:q].count("\n")
        pos = q


def main():
    top = sys.argv[1]
    entries = {}
    order = []
    for name in sorted(os.listdir(top)):
        if not name.endswith(".txt"):
            continue
        rel = os.path.join("conf/templates/en", name)
        for line, msgid, note in paragraphs(os.path.join(top, name)):
            if msgid not in entries:
                entries[msgid] = {"refs": [], "notes": []}
                order.append(msgid)
            entries[msgid]["refs"].append("%s:%d" % (rel, line))
            if note and note not in entries[msgid]["notes"]:
                entries[msgid]["notes"].append(note)
    print('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
          '"Content-Transfer-Encoding: 8bit\\n"\n')
    for msgid in order:
        e = entries[msgid]
        for note in e["notes"]:
            print("#. " + note)
        names = sorted(set(PLACEHOLDER.findall(msgid)))
        if names:
            print("#. keep as written: " + " ".join(names))
        print("#: " + " ".join(e["refs"]))
        print("msgid " + po_quote(msgid))
        print('msgstr ""\n')


if __name__ == "__main__":
    main()
