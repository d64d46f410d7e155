#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# dkim-verify - verify the DKIM signatures of one message with Debian's
# python3-dkim, taking the public key from the command line instead of DNS
#
# Usage: dkim-verify.py MESSAGE_FILE 'v=DKIM1; k=rsa; p=BASE64'
# Prints "pass d=DOMAIN s=SELECTOR h=FIELDS" and exits 0 when the first
# DKIM-Signature verifies with that key; prints "fail: ..." and exits 1
# otherwise.  Run it with /usr/bin/python3 (the python3 first on PATH may
# not see Debian's dkim module).
import re
import sys

import dkim


def main():
    if len(sys.argv) != 3:
        print("usage: dkim-verify.py MESSAGE_FILE TXT_RECORD", file=sys.stderr)
        return 2
    raw = open(sys.argv[1], "rb").read()
    record = sys.argv[2].encode()

    def dnsfunc(name, timeout=5):
        return record

    d = dkim.DKIM(raw)
    try:
        ok = d.verify(dnsfunc=dnsfunc)
    except dkim.DKIMException as e:
        print("fail: %s" % e)
        return 1
    if not ok:
        print("fail: signature does not verify")
        return 1
    sig = d.signature_fields
    fields = sig.get(b"h", b"").decode()
    print("pass d=%s s=%s a=%s c=%s h=%s" % (sig[b"d"].decode(), sig[b"s"].decode(),
          sig[b"a"].decode(), sig.get(b"c", b"simple/simple").decode(),
          re.sub(r"\s+", "", fields)))
    return 0


sys.exit(main())
