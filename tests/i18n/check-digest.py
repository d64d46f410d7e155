#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-digest.py LANG MAIL.eml - what every digest's HTML part must be

  - under 100 KB (Gmail clips a part past 102 KB and hides what follows);
  - the footer with the way to leave inside it (cop+unsubscribe@);
  - <html lang="LANG" dir="rtl|ltr">, rtl for Arabic;
  - no SVG (Gmail, Outlook and Yahoo drop it); the chart is table cells;
  - every reply link a mailto: with ?subject=Re%3A%20 (RFC 6068);
  - with --doiuse NODE_MODULES_PARENT: no feature that Gmail or Outlook
    does not support, by the caniemail data (npm doiuse-email).
Prints what it found; exits 1 on the first broken promise."""
import email
import email.policy
import os
import re
import subprocess
import sys
import tempfile


def main():
    args = sys.argv[1:]
    doiuse = None
    if args[0] == "--doiuse":
        doiuse, args = args[1], args[2:]
    lang, path = args
    msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    html = None
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            html = part.get_content()
    problems = []
    if html is None:
        print("FAIL %s: no HTML part" % path)
        sys.exit(1)
    size = len(html.encode("utf-8"))
    want_dir = "rtl" if lang in ("ar", "fa", "he", "ur") else "ltr"
    if size >= 100 * 1024:
        problems.append("HTML part of %d bytes" % size)
    if "cop+unsubscribe@example.org" not in html:
        problems.append("no unsubscribe address in the HTML part")
    if '<html lang="%s" dir="%s">' % (lang, want_dir) not in html:
        problems.append('no <html lang="%s" dir="%s">' % (lang, want_dir))
    if "<svg" in html.lower():
        problems.append("SVG in mail")
    links = re.findall(r'href="mailto:cop\+reply-[^"]*"', html)
    if not links or any("?subject=Re%3A%20" not in l for l in links):
        problems.append("reply links without ?subject=Re: %s" % links[:2])
    print("%s: HTML %d bytes, %d reply links, lang %s dir %s" % (path, size, len(links), lang, want_dir))
    if doiuse:
        with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as f:
            f.write(html)
        here = os.path.dirname(os.path.abspath(__file__))
        r = subprocess.run(["node", os.path.join(here, "doiuse-check.cjs"), f.name],
                           cwd=doiuse, env=dict(os.environ, NODE_PATH=os.path.join(doiuse, "node_modules")),
                           capture_output=True, text=True)
        os.unlink(f.name)
        print(r.stdout.strip(), r.stderr.strip())
        if r.returncode != 0:
            problems.append("doiuse-email: features Gmail or Outlook do not support")
    if problems:
        print("FAIL %s: %s" % (path, "; ".join(problems)))
        sys.exit(1)
    print("OK %s" % path)


if __name__ == "__main__":
    main()
