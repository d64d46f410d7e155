#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# smtp-capture - a real SMTP server for tests that writes every message it
# accepts into a directory, with its envelope.
#
# Usage: /usr/bin/python3 smtp-capture.py DIR PORT [--cert CERT --key KEY]
#
# Listens on 127.0.0.1:PORT (PORT 0 picks a free port).  Writes DIR/port
# and DIR/pid, then prints "ready PORT" on stdout once it accepts.
# Each accepted message becomes DIR/NNNNNN.eml (the bytes of DATA, dot-
# unstuffed, CRLF line ends) and then DIR/NNNNNN.json
#   {"mail_from": "...", "rcpt_tos": ["...", ...], "peer": "127.0.0.1:NNNNN"}
# both written through a temporary name and rename(), the .json last: a
# reader that sees NNNNNN.json sees a complete message.  Numbers start at
# 000001 and continue after the highest number already in DIR, so a server
# restarted on the same DIR keeps counting.
#
# Scripted failures: DIR/rules.json is read on every command (absent or
# unreadable = accept everything).  Keys, all optional:
#   "ehlo": "554 5.7.1 go away"          answer EHLO and HELO with this
#   "mail": "451 4.3.0 try later"        answer every MAIL FROM with this
#   "rcpt": {"bad@example.org": "550 5.1.1 No such user", "*": "452 ..."}
#            or one string for every RCPT; addresses compared lower-case
#   "data": "452 4.3.1 full"             answer the end of DATA with this
#                                        (the message is not stored)
#   "drop_after_data": true              read the message, store it as
#                                        DIR/dropped-NNNNNN.eml, and close
#                                        the connection without any reply
#   "delay_ms": 200                      sleep before answering each command
#   "close_after_data": true             close the connection as soon as the
#                                        reply to a stored message is out (a
#                                        server that drops idle connections)
#   "pipelining": false                  do not offer PIPELINING in the EHLO
#                                        reply (offered by default, as real
#                                        MTAs do; aiosmtpd reads commands
#                                        one line at a time, so pipelined
#                                        commands just work)
# Every command and reply is appended to DIR/transcript.log, one line each
# ("C: RCPT TO:<x>" / "S: 550 ..."), so tests can see refused attempts; a
# MAIL FROM that arrived together with the commands after it is logged
# with " (pipelined)".
#
# With --cert/--key the server offers STARTTLS (optional, never required).
import asyncio
import json
import os
import re
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP


class Capture:
    def __init__(self, directory):
        self.dir = directory
        self.seq = 0
        for name in os.listdir(directory):
            m = re.match(r'^(?:dropped-)?(\d{6})\.(?:eml|json)$', name)
            if m:
                self.seq = max(self.seq, int(m.group(1)))

    def rules(self):
        try:
            with open(os.path.join(self.dir, 'rules.json'), 'rb') as f:
                r = json.loads(f.read().decode('utf-8') or '{}')
            return r if isinstance(r, dict) else {}
        except (OSError, ValueError):
            return {}

    def log(self, line):
        with open(os.path.join(self.dir, 'transcript.log'), 'ab') as f:
            f.write(line.encode('utf-8', 'replace') + b'\n')

    def write(self, name, data):
        tmp = os.path.join(self.dir, '.' + name + '.tmp')
        with open(tmp, 'wb') as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.dir, name))

    async def delay(self, rules):
        ms = rules.get('delay_ms')
        if isinstance(ms, (int, float)) and ms > 0:
            await asyncio.sleep(ms / 1000.0)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        rules = self.rules()
        self.log('C: EHLO ' + hostname)
        await self.delay(rules)
        if rules.get('ehlo'):
            self.log('S: ' + rules['ehlo'])
            return [rules['ehlo']]
        session.host_name = hostname
        if rules.get('pipelining', True) is not False and len(responses) > 1:
            responses = responses[:1] + ['250-PIPELINING'] + responses[1:]
        self.log('S: 250 (EHLO accepted)')
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        rules = self.rules()
        self.log('C: HELO ' + hostname)
        await self.delay(rules)
        if rules.get('ehlo'):
            self.log('S: ' + rules['ehlo'])
            return rules['ehlo']
        session.host_name = hostname
        self.log('S: 250 (HELO accepted)')
        return '250 %s' % server.hostname

    async def handle_MAIL(self, server, session, envelope, address, options):
        rules = self.rules()
        # bytes already here after the MAIL line: the client sent its
        # next commands without waiting (PIPELINING); tests look for this
        reader = getattr(server, '_reader', None)
        ahead = len(getattr(reader, '_buffer', b'')) if reader else 0
        self.log('C: MAIL FROM:<%s>%s' % (address, ' (pipelined)' if ahead else ''))
        await self.delay(rules)
        reply = rules.get('mail')
        if reply:
            self.log('S: ' + reply)
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        self.log('S: 250 OK')
        return '250 OK'

    async def handle_RCPT(self, server, session, envelope, address, options):
        rules = self.rules()
        self.log('C: RCPT TO:<%s>' % address)
        await self.delay(rules)
        r = rules.get('rcpt')
        reply = None
        if isinstance(r, str) and r:
            reply = r
        elif isinstance(r, dict):
            low = {str(k).lower(): v for k, v in r.items()}
            reply = low.get(address.lower()) or low.get('*')
        if reply:
            self.log('S: ' + reply)
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        self.log('S: 250 OK')
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        rules = self.rules()
        data = envelope.original_content
        if data is None:
            data = envelope.content
        if isinstance(data, str):
            data = data.encode('utf-8', 'surrogateescape')
        self.log('C: DATA (%d bytes)' % len(data))
        await self.delay(rules)
        if rules.get('drop_after_data'):
            self.seq += 1
            self.write('dropped-%06d.eml' % self.seq, data)
            self.log('S: (connection dropped)')
            server.transport.abort()
            return '250 OK'
        reply = rules.get('data')
        if reply:
            self.log('S: ' + reply)
            return reply
        self.seq += 1
        n = '%06d' % self.seq
        peer = session.peer
        if isinstance(peer, (tuple, list)) and len(peer) >= 2:
            peer = '%s:%s' % (peer[0], peer[1])
        meta = {'mail_from': envelope.mail_from,
                'rcpt_tos': list(envelope.rcpt_tos),
                'peer': str(peer)}
        self.write(n + '.eml', data)
        self.write(n + '.json', (json.dumps(meta) + '\n').encode('utf-8'))
        self.log('S: 250 OK queued as %s' % n)
        if rules.get('close_after_data'):
            # runs after the reply is written and before anything more is
            # read: the client finds the connection closed when it reuses it
            self.log('S: (connection closed after the reply)')
            asyncio.get_event_loop().call_soon(server.transport.close)
        return '250 OK queued as %s' % n


def main(argv):
    if len(argv) < 3:
        sys.stderr.write('usage: smtp-capture.py DIR PORT [--cert CERT --key KEY]\n')
        return 2
    directory, port = argv[1], int(argv[2])
    cert = key = None
    rest = argv[3:]
    while rest:
        if rest[0] == '--cert' and len(rest) > 1:
            cert = rest[1]
        elif rest[0] == '--key' and len(rest) > 1:
            key = rest[1]
        else:
            sys.stderr.write('smtp-capture: bad option %s\n' % rest[0])
            return 2
        rest = rest[2:]
    os.makedirs(directory, exist_ok=True)

    tls = None
    if cert and key:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)

    handler = Capture(directory)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(handler, hostname='capture.test', ident='smtp-capture',
                    enable_SMTPUTF8=True, data_size_limit=64 * 1024 * 1024,
                    tls_context=tls, require_starttls=False, timeout=120,
                    loop=loop)

    server = loop.run_until_complete(
        loop.create_server(factory, host='127.0.0.1', port=port,
                           reuse_address=True))
    port = server.sockets[0].getsockname()[1]
    handler.write('port', ('%d\n' % port).encode())
    handler.write('pid', ('%d\n' % os.getpid()).encode())
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    sys.stdout.write('ready %d\n' % port)
    sys.stdout.flush()
    try:
        loop.run_forever()
    finally:
        server.close()
        try:
            os.unlink(os.path.join(directory, 'pid'))
        except OSError:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
