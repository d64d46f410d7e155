#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# find-private.py - look for private strings (addresses, names) where the
# public or a forgotten member could still find them, however they are
# encoded: the bytes of every file under the given paths (a directory is
# walked; a database is read with its -wal and -shm files), and, decoded
# with Python's own email package (RFC 2047 words, base64 and
# quoted-printable bodies, RFC 2231 file names), every message of the mbox
# files found and every raw message and outgoing mail stored in a database.
# Needles are compared case-insensitively.  Prints one line per finding;
# exit 1 when anything was found, 0 when nothing.
# usage: find-private.py NEEDLE[,NEEDLE...] PATH...
import email
import email.header
import email.policy
import mailbox
import os
import sqlite3
import sys

needles = [n.lower() for n in sys.argv[1].split(',') if n]
found = 0


def report(where, text):
    global found
    low = text.lower()
    for n in needles:
        if n in low:
            print(f"{where}: {n!r}")
            found += 1


def message_text(msg):
    """The decoded text of every header and part of msg, file names too."""
    out = []
    for part in msg.walk():
        for k, v in part.items():
            try:
                out.append(str(email.header.make_header(email.header.decode_header(str(v)))))
            except Exception:
                out.append(str(v))
        fn = part.get_filename()
        if fn:
            out.append(fn)
        if not part.is_multipart():
            data = part.get_payload(decode=True) or b''
            cs = part.get_content_charset() or 'utf-8'
            try:
                out.append(data.decode(cs, 'replace'))
            except LookupError:
                out.append(data.decode('utf-8', 'replace'))
    return '\n'.join(out)


def raw_message(where, raw):
    if not raw:
        return
    report(where + " (bytes)", raw.decode('utf-8', 'replace'))
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    report(where + " (decoded)", message_text(msg))


def file_bytes(path):
    with open(path, 'rb') as f:
        report(path, f.read().decode('latin-1'))


def database(path):
    for p in (path, path + '-wal', path + '-shm'):
        if os.path.exists(p):
            file_bytes(p)
    db = sqlite3.connect(path)
    for mid, raw in db.execute("SELECT id, raw FROM messages"):
        raw_message(f"{path}: messages {mid}", bytes(raw))
    for oid, body in db.execute("SELECT id, body FROM outbox WHERE body IS NOT NULL"):
        raw_message(f"{path}: outbox {oid}", bytes(body))
    db.close()


for top in sys.argv[2:]:
    if os.path.isdir(top):
        for d, _, files in os.walk(top):
            for name in files:
                p = os.path.join(d, name)
                file_bytes(p)
                if name.endswith('.mbox'):
                    for i, msg in enumerate(mailbox.mbox(p, create=False)):
                        raw_message(f"{p}: message {i}", msg.as_bytes())
    elif top.endswith('.db'):
        database(top)
    else:
        file_bytes(top)
sys.exit(1 if found else 0)
