# SPDX-License-Identifier: GPL-3.0-or-later
# imap_fetch.py - the floor for IMAP ingest: one connection, one
# `UID FETCH 1:* BODY.PEEK[]` of the whole mailbox with Python's imaplib.
# Usage: /usr/bin/python3 imap_fetch.py PORT USER PASSWORD
# Prints: messages=N bytes=B seconds=T rate=R   (login to logout)
# Part of bench/run; plain IMAP on 127.0.0.1 only.
import imaplib, sys, time

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t0 = time.monotonic()
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login(user, password)
imap.select("INBOX", readonly=True)
typ, data = imap.uid("FETCH", "1:*", "(BODY.PEEK[])")
n = nbytes = 0
for item in data:
    if isinstance(item, tuple):
        n += 1
        nbytes += len(item[1])
imap.logout()
t1 = time.monotonic()
if typ != "OK":
    sys.exit("imap_fetch: FETCH answered %s" % typ)
print("messages=%d bytes=%d seconds=%.3f rate=%.0f" % (n, nbytes, t1 - t0, n / (t1 - t0)))
