# SPDX-License-Identifier: GPL-3.0-or-later
# imap_floor.py - the IMAP floor of `barazad --once`: the same conversation
# with the server, from a client that does nothing with the messages.
#
# Usage: /usr/bin/python3 imap_floor.py PORT USER PASSWORD CA_FILE [BATCH]
#
# Like barazad with `starttls = yes` and `after = move:Processed`: STARTTLS
# (certificate checked against CA_FILE), LOGIN, SELECT INBOX, one
# `UID FETCH 1:* (UID RFC822.SIZE)` for the plan, then `UID FETCH` of
# BATCH messages (500) at a time with BODY.PEEK[], while a second
# connection, on a thread, moves them to Processed with `UID MOVE` in
# groups of two batches (imap_mover.h), the last group at the end.
# Nothing is parsed or stored: what it takes is what the server (and
# Python's reading of the replies) takes, the least barazad can take.
# Prints: messages=N seconds=T rate=R.  Part of bench/ingest; 127.0.0.1.
import imaplib, queue, ssl, sys, threading, time

port, user, password, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
batch = int(sys.argv[5]) if len(sys.argv) > 5 else 500


def connect():
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.starttls(ssl_context=ssl.create_default_context(cafile=ca))
    imap.login(user, password)
    typ, _ = imap.select("INBOX")
    if typ != "OK":
        sys.exit("imap_floor: SELECT INBOX answered %s" % typ)
    return imap


def uid_set(uids):
    return ",".join(str(u) for u in uids)


def mover(q, errors):
    imap = None
    pending = []
    while True:
        uids = q.get()
        if uids is not None:
            pending += uids
            if imap is None:
                imap = connect()
                imap.create("Processed")
            if len(pending) < 2 * batch:
                continue
        if pending:
            typ, _ = imap.uid("MOVE", uid_set(pending), "Processed")
            if typ != "OK":
                errors.append("UID MOVE answered %s" % typ)
            pending = []
        if uids is None:
            break
    if imap is not None:
        imap.logout()


t0 = time.monotonic()
imap = connect()
typ, data = imap.uid("FETCH", "1:*", "(UID RFC822.SIZE)")
if typ != "OK":
    sys.exit("imap_floor: the plan's FETCH answered %s" % typ)
plan = []
for item in data:
    line = item.decode() if isinstance(item, bytes) else ""
    if "UID " in line:
        plan.append(int(line.split("UID ", 1)[1].split()[0].rstrip(")")))
plan.sort()
q, errors = queue.Queue(), []
th = threading.Thread(target=mover, args=(q, errors))
th.start()
n = 0
for i in range(0, len(plan), batch):
    uids = plan[i:i + batch]
    typ, data = imap.uid("FETCH", uid_set(uids), "(UID BODY.PEEK[])")
    if typ != "OK":
        sys.exit("imap_floor: UID FETCH answered %s" % typ)
    n += sum(1 for d in data if isinstance(d, tuple))
    q.put(uids)
q.put(None)
th.join()
imap.noop()
imap.logout()
t1 = time.monotonic()
if errors:
    sys.exit("imap_floor: " + "; ".join(errors))
print("messages=%d seconds=%.3f rate=%.0f" % (n, t1 - t0, n / (t1 - t0) if t1 > t0 else 0))
