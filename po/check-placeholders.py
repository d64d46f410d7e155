#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-placeholders.py LANG.po... - every translation keeps the {{...}}
placeholders and section tags of its msgid (a missing {{unsubscribe}}
would drop the way to leave; a stray {{#x}} would hide text).  A plural
form may leave out {{n}} (Arabic writes "one post" as a word).  Prints
each problem; exits 1 if there is any."""
import re
import sys

TAG = re.compile(r"\{\{[^}]*\}\}")


def entries(path):
    cur, key = {}, None
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            if "msgid" in cur and not line.strip():
                yield cur
                cur, key = {}, None
            continue
        m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt) "(.*)"$', line)
        if m:
            key = m.group(1)
            cur[key] = m.group(2)
        elif line.startswith('"') and key:
            cur[key] += line[1:-1]
    if "msgid" in cur:
        yield cur


def main():
    bad = 0
    for path in sys.argv[1:]:
        for e in entries(path):
            if not e["msgid"]:
                continue
            want = sorted(TAG.findall(e["msgid"] + e.get("msgid_plural", "")))
            for k, v in e.items():
                if not k.startswith("msgstr") or not v:
                    continue
                got = TAG.findall(v)
                need = set(want) - ({"{{n}}"} if k != "msgstr" else set())
                if not need <= set(got) or not set(got) <= set(want):
                    print("%s: %s: placeholders %s, translation has %s" %
                          (path, e["msgid"][:60], sorted(set(want)), sorted(set(got))))
                    bad = 1
    sys.exit(bad)


if __name__ == "__main__":
    main()
