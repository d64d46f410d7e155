# SPDX-License-Identifier: GPL-3.0-or-later
# faultlib - shared pieces of the fault-injection scripts (tests/faults/)
#
# A Run owns one scratch directory with a throwaway Dovecot
# (tests/servers/dovecot-start), an SMTP capture server
# (tests/servers/smtp-capture.py), a baraza.conf, a database with members,
# and the barazad processes the scripts start and kill.  Every server is
# stopped by its PID when the run ends (Run.close(), also on an exception
# or SIGTERM/SIGINT); the scratch directory is removed unless FAULT_KEEP=1
# or the run failed.
#
# Environment: BARAZA_BUILDDIR (admin/baraza, daemon/barazad; default
# ./), BARAZA_SRCDIR (default: two levels above this file), FAULT_KEEP=1,
# FAULT_SEED (random seed; default: time), TMPDIR.
#
# Everything talks to 127.0.0.1 only.
import datetime
import email.parser
import email.policy
import email.utils
import imaplib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

LIST = 'cop@example.org'
IMAP_USER = 'list@example.org'
IMAP_PASS = 'list-secret'
# Duplicates allowed per fault that keeps barazad from recording delivery
# results (disk full, database locked past busy_timeout): the group of
# results it could not commit (relay.c commits RELAY_GROUP_RCPTS = 8 at a
# time) and what two connections had under way besides; the daemon logs
# each ("recording results failed; N recipients may get a copy again").
DUPS_PER_STORE_FAULT = 16


def log(prog, msg):
    sys.stderr.write('%s: %s\n' % (prog, msg))
    sys.stderr.flush()


class Fail(Exception):
    pass


class Skip(Exception):
    """the fault cannot be staged on this machine: exit 77, never PASS"""
    pass


def wait_until(cond, timeout, step=0.1):
    """poll cond() until it is true or timeout seconds passed; its last value"""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


class Feed:
    """posts APPENDed to INBOX in bursts, remembered as {Message-ID: author}
    (the disk-full and db-contention scripts; outages has its own copy)"""

    def __init__(self, run):
        self.run = run
        self.posts = {}
        self.seq = 0
        self.runid = '%d-%d' % (os.getpid(), run.seed)

    def append(self, n):
        """n new posts from random members; their Message-IDs"""
        c = self.run.imap()
        mids = []
        try:
            for _ in range(n):
                self.seq += 1
                author = self.run.rng.choice(self.run.members)
                raw, mid, _ = self.run.make_post(self.seq, author, self.runid)
                typ, data = c.append('INBOX', None, None, raw)
                if typ != 'OK':
                    raise Fail('APPEND: %s %s' % (typ, data))
                self.posts[mid] = author
                mids.append(mid)
        finally:
            c.logout()
        return mids

    def stored_count(self, mids):
        have = {m if m.startswith('<') else '<%s>' % m
                for (m,) in self.run.db_query('SELECT message_id FROM posts')}
        return sum(1 for m in mids if m in have)

    def stored(self, mids):
        return self.stored_count(mids) == len(mids)

    def delivered(self, mids):
        got = {(r, m) for r, m, _ in self.run.captured()}
        want = {(mem, m) for m in mids for mem in self.run.members
                if mem != self.posts[m]}
        return want <= got


class Run:
    def __init__(self, prog, nmembers=20):
        self.prog = prog
        here = os.path.dirname(os.path.abspath(__file__))
        self.srcdir = os.path.abspath(os.environ.get('BARAZA_SRCDIR') or
                                      os.path.join(here, '..', '..'))
        self.builddir = os.path.abspath(os.environ.get('BARAZA_BUILDDIR') or '.')
        self.baraza = os.path.join(self.builddir, 'admin', 'baraza')
        self.barazad = os.path.join(self.builddir, 'daemon', 'barazad')
        for p in (self.baraza, self.barazad):
            if not os.access(p, os.X_OK):
                raise Fail('%s: not built (set BARAZA_BUILDDIR)' % p)
        self.servers = os.path.join(self.srcdir, 'tests', 'servers')
        self.seed = int(os.environ.get('FAULT_SEED') or int(time.time() * 1000) % 1000000)
        self.rng = random.Random(self.seed)
        self.keep = os.environ.get('FAULT_KEEP') == '1'
        self.dir = tempfile.mkdtemp(prefix='baraza-%s-' % prog)
        os.chmod(self.dir, 0o755)
        self.dovecot_dir = os.path.join(self.dir, 'dovecot')
        self.smtp_dir = os.path.join(self.dir, 'smtp')
        self.conf = os.path.join(self.dir, 'baraza.conf')
        self.db = os.path.join(self.dir, 'baraza.db')
        self.daemon_log = os.path.join(self.dir, 'barazad.log')
        self.archive_dir = os.path.join(self.dir, 'archive')
        self.mounts = []          # tmpfs mount points, unmounted by close()
        self.smtp_proc = None
        self.smtp_port = 0
        self.imap_port = 0
        self.daemon = None
        self.failed = False
        self.members = ['u%d@example.org' % i for i in range(1, nmembers + 1)]
        self.env = dict(os.environ)
        self.env['BARAZA_CONF'] = self.conf
        self.env['BARAZA_TEMPLATES'] = os.path.join(self.srcdir, 'conf', 'templates')
        self.env.pop('BARAZA_NOW', None)
        signal.signal(signal.SIGTERM, _terminate)
        signal.signal(signal.SIGINT, _terminate)
        log(prog, 'seed %d, scratch %s' % (self.seed, self.dir))

    # ---- servers ---------------------------------------------------------
    def dovecot_start(self):
        ports = []
        if self.imap_port:
            ports = [str(self.imap_port), open(os.path.join(
                self.dovecot_dir, 'imaps.port')).read().strip()]
        r = subprocess.run([os.path.join(self.servers, 'dovecot-start'),
                            self.dovecot_dir] + ports,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise Fail('dovecot-start: %s' % r.stderr.strip())
        self.imap_port = int(open(os.path.join(self.dovecot_dir, 'imap.port')).read())

    def dovecot_stop(self):
        subprocess.run([os.path.join(self.servers, 'dovecot-stop'), self.dovecot_dir])

    def dovecot_crash(self):
        """SIGKILL the Dovecot master and every process under it, by PID
        (a plain stop leaves IDLE sessions up to 30 s more)"""
        pidfile = os.path.join(self.dovecot_dir, 'dovecot.pid')
        try:
            master = int(open(pidfile).read())
        except (OSError, ValueError):
            return
        pids, todo = [], [master]
        while todo:
            p = todo.pop()
            pids.append(p)
            try:
                for t in os.listdir('/proc/%d/task' % p):
                    with open('/proc/%d/task/%s/children' % (p, t)) as f:
                        todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        for _ in range(100):
            try:
                os.kill(master, 0)
            except OSError:
                break
            time.sleep(0.05)
        try:
            os.unlink(pidfile)
        except OSError:
            pass

    def smtp_start(self):
        os.makedirs(self.smtp_dir, exist_ok=True)
        port = str(self.smtp_port)
        self.smtp_proc = subprocess.Popen(
            ['/usr/bin/python3', os.path.join(self.servers, 'smtp-capture.py'),
             self.smtp_dir, port], stdout=subprocess.PIPE,
            stderr=open(os.path.join(self.dir, 'smtp.log'), 'ab'), text=True)
        line = self.smtp_proc.stdout.readline()
        m = re.match(r'ready (\d+)', line or '')
        if not m:
            raise Fail('smtp-capture did not start: %r' % line)
        self.smtp_port = int(m.group(1))

    def smtp_stop(self):
        p, self.smtp_proc = self.smtp_proc, None
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def smtp_rules(self, rules):
        path = os.path.join(self.smtp_dir, 'rules.json')
        if not rules:
            try:
                os.unlink(path)
            except OSError:
                pass
            return
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(rules, f)
        os.rename(tmp, path)

    # ---- configuration and members ----------------------------------------
    def write_config(self, extra_smtp=''):
        pw = os.path.join(self.dir, 'imap.pass')
        with open(pw, 'w') as f:
            f.write(IMAP_PASS + '\n')
        os.chmod(pw, 0o600)
        today = datetime.date.today()
        d = lambda n: (today + datetime.timedelta(days=n)).isoformat()
        text = f"""# written by tests/faults/{self.prog}
[list]
name = Fault CoP
address = {LIST}
tag_separator = +
subject_prefix = [CoP]
database = {self.db}
timezone = UTC
language = en
reply_to = list
moderate = none
max_message_kb = 2048
max_posts_per_hour = 1000000
from_munging = never
[imap]
url = imap://127.0.0.1:{self.imap_port}/INBOX
user = {IMAP_USER}
password_file = {pw}
ca_file = {os.path.join(self.dovecot_dir, 'ca.pem')}
starttls = yes
idle = yes
poll_seconds = 5
after = move:Processed
[smtp]
url = smtp://127.0.0.1:{self.smtp_port}
starttls = no
personalize = yes
max_recipients = 100
connections = 2
retry_for_hours = 72
{extra_smtp}
[digest]
every_days = 14
first = {d(40)} 09:00
sections = summaries, threads, questions, resources, figures
[archive]
dir = {self.archive_dir}
hide_addresses = yes
[theme funding]
title = The Organisation of Funding Streams
session = {d(-3)}..{d(11)}
keywords = (?i)\\b(fund(ing|er|s)?|donors?|grants?)\\b
questions = How do funding flows shape who decides?
[theme risk]
title = Risk Assessments and Risk Sharing
session = {d(11)}..{d(25)}
keywords = (?i)\\brisks?\\b
"""
        with open(self.conf, 'w') as f:
            f.write(text)

    def baraza_cmd(self, *args, check=True):
        r = subprocess.run([self.baraza, '-c', self.conf] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=self.env, cwd=self.dir, timeout=120)
        if check and r.returncode != 0:
            raise Fail('baraza %s: exit %d: %s' % (' '.join(args), r.returncode,
                                                    r.stderr.strip()))
        return r

    def setup(self, extra_smtp=''):
        """Servers up, config written, database made, members added."""
        self.dovecot_start()
        self.smtp_start()
        self.write_config(extra_smtp)
        self.baraza_cmd('init')
        for i, m in enumerate(self.members, 1):
            self.baraza_cmd('member', 'add', m, '--name', 'Member %d' % i,
                            '--delivery', 'each')

    # ---- the daemon -------------------------------------------------------
    def daemon_start(self):
        with open(self.daemon_log, 'ab') as f:
            f.write(b'---- fault: barazad start %.3f\n' % time.time())
        self.daemon = subprocess.Popen(
            [self.barazad, '-c', self.conf, '--foreground'],
            stdout=open(self.daemon_log, 'ab'), stderr=subprocess.STDOUT,
            env=self.env, cwd=self.dir)
        return self.daemon

    def daemon_kill(self, sig=signal.SIGKILL):
        p, self.daemon = self.daemon, None
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(sig)
        try:
            return p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    def once(self):
        with open(self.daemon_log, 'ab') as f:
            f.write(b'---- fault: barazad --once %.3f\n' % time.time())
            f.flush()
            r = subprocess.run([self.barazad, '-c', self.conf, '--once'],
                               stdout=f, stderr=subprocess.STDOUT, env=self.env,
                               cwd=self.dir, timeout=300)
        return r.returncode

    # ---- observing ----------------------------------------------------------
    def imap(self):
        c = imaplib.IMAP4('127.0.0.1', self.imap_port, timeout=30)
        c.login(IMAP_USER, IMAP_PASS)
        return c

    def inbox_count(self):
        c = self.imap()
        try:
            typ, data = c.select('INBOX', readonly=True)
            return int(data[0])
        finally:
            try:
                c.logout()
            except Exception:
                pass

    def queue(self):
        r = self.baraza_cmd('queue', '--json')
        return {o['state']: o['count'] for o in json.loads(r.stdout)}

    def drain(self, max_rounds=30):
        """barazad --once until the mailbox is empty and the queue drained;
        returns (rounds, inbox, queue)"""
        inbox, q = -1, {}
        for rnd in range(1, max_rounds + 1):
            self.once()
            inbox, q = self.inbox_count(), self.queue()
            if inbox == 0 and q.get('queued', 0) == 0 and q.get('deferred', 0) == 0:
                return rnd, inbox, q
            if q.get('deferred', 0):
                self.baraza_cmd('queue', 'retry')
            time.sleep(0.2)
        return max_rounds, inbox, q

    def captured(self):
        """[(rcpt lower-case, Message-ID, file)] for every accepted message"""
        out = []
        parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
        for name in sorted(os.listdir(self.smtp_dir)):
            m = re.match(r'^(\d{6})\.json$', name)
            if not m:
                continue
            meta = json.load(open(os.path.join(self.smtp_dir, name)))
            with open(os.path.join(self.smtp_dir, m.group(1) + '.eml'), 'rb') as f:
                h = parser.parse(f)
            mid = (h.get('Message-ID') or '').strip()
            for r in meta.get('rcpt_tos', []):
                out.append((r.lower(), mid, m.group(1)))
        return out

    def db_query(self, sql, args=()):
        c = sqlite3.connect('file:%s?mode=ro' % self.db, uri=True, timeout=30)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    # ---- posts ----------------------------------------------------------------
    def make_post(self, i, author, runid, parent=None):
        """the raw bytes of post i and its Message-ID"""
        mid = '<fault.%d.%s@fault.test>' % (i, runid)
        words = self.rng.choice(['funding from donors', 'risk sharing',
                                 'community voices', 'grants and reporting'])
        hdr = ['From: Member %s <%s>' % (author.split('@')[0][1:], author),
               'To: ' + LIST,
               'Date: ' + email.utils.formatdate(localtime=False),
               'Message-ID: ' + mid,
               'MIME-Version: 1.0',
               'Content-Type: text/plain; charset=utf-8',
               'Content-Transfer-Encoding: 8bit']
        if parent is not None:
            pmid, psubj = parent
            hdr.append('Subject: Re: ' + psubj)
            hdr.append('In-Reply-To: ' + pmid)
            hdr.append('References: ' + pmid)
        else:
            subj = 'Post %d on %s' % (i, words)
            hdr.append('Subject: ' + subj)
        body = ('Post number %d from %s about %s.\n\nSome thoughts, caf\u00e9 '
                'conversations and questions.\n\n-- \n%s\n') % (i, author, words, author)
        raw = '\r\n'.join(hdr) + '\r\n\r\n' + body.replace('\n', '\r\n')
        subj = hdr[-1][len('Subject: '):] if parent is None else parent[1]
        return raw.encode('utf-8'), mid, subj

    # ---- checking ---------------------------------------------------------------
    def check_deliveries(self, posts, max_dups):
        """posts: {mid: author}.  Returns (figures dict, [problems])"""
        problems = []
        counts = {}
        other = {}
        for rcpt, mid, _ in self.captured():
            if mid in posts:
                counts[(rcpt, mid)] = counts.get((rcpt, mid), 0) + 1
            else:
                other[(rcpt, mid)] = other.get((rcpt, mid), 0) + 1
        checked = missing = dups = unexpected = 0
        missing_ex = []
        for mid, author in posts.items():
            for m in self.members:
                if m == author:
                    continue
                checked += 1
                n = counts.pop((m, mid), 0)
                if n == 0:
                    missing += 1
                    if len(missing_ex) < 5:
                        missing_ex.append('%s to %s' % (mid, m))
                elif n > 1:
                    dups += n - 1
        for (rcpt, mid), n in counts.items():
            unexpected += n
        other_dups = sum(n - 1 for n in other.values() if n > 1)
        if missing:
            problems.append('%d deliveries missing, e.g. %s' % (missing, ', '.join(missing_ex)))
        if unexpected:
            problems.append('%d unexpected deliveries (to the author or a non-member), e.g. %s'
                            % (unexpected, list(counts)[:3]))
        # A kill may cut any transaction short, a post's or an announcement's:
        # both count against the same allowance.
        if dups + other_dups > max_dups:
            problems.append('%d duplicate deliveries (%d of posts, %d of other mail: '
                            'announcements, notices), more than the %d allowed'
                            % (dups + other_dups, dups, other_dups, max_dups))
        return {'checked': checked, 'missing': missing, 'dups': dups,
                'unexpected': unexpected, 'other': sum(other.values()),
                'other_dups': other_dups}, problems

    def check_store(self, posts):
        """every post stored exactly once, nothing held or failed"""
        problems = []
        rows = self.db_query('SELECT message_id FROM posts')
        stored = {}
        for (mid,) in rows:
            k = mid if mid.startswith('<') else '<%s>' % mid
            stored[k] = stored.get(k, 0) + 1
        lost = [m for m in posts if m not in stored]
        twice = [m for m, n in stored.items() if n > 1]
        extra = [m for m in stored if m not in posts]
        if len(rows) != len(posts):
            problems.append('posts stored %d, want %d' % (len(rows), len(posts)))
        if lost:
            problems.append('%d posts not stored, e.g. %s' % (len(lost), lost[:3]))
        if twice:
            problems.append('%d posts stored twice, e.g. %s' % (len(twice), twice[:3]))
        if extra:
            problems.append('%d unknown posts stored, e.g. %s' % (len(extra), extra[:3]))
        held = self.db_query('SELECT count(*) FROM held')[0][0]
        if held:
            problems.append('%d messages held (moderate = none)' % held)
        bad = self.db_query("SELECT state, reason, count(*) FROM messages "
                            "WHERE state <> 'stored' GROUP BY state, reason")
        if bad:
            problems.append('messages not stored: %s' % bad)
        states = dict(self.db_query('SELECT state, count(*) FROM outbox_rcpt GROUP BY state'))
        if states.get('failed'):
            problems.append('%d outbox recipients failed' % states['failed'])
        return len(rows), problems

    def daemon_log_problems(self):
        """lines of the daemon log that say something went badly wrong"""
        bad = []
        with open(self.daemon_log, 'rb') as f:
            for line in f:
                s = line.decode('utf-8', 'replace').rstrip()
                if re.search(r'BUG|fatal|AddressSanitizer|runtime error|corrupt|malformed',
                             s, re.I):
                    bad.append(s)
        return bad

    # ---- small file systems (disk full) -------------------------------------------
    def tmpfs_mount(self, path, kb):
        """mount a tmpfs of kb KB on path (made if missing); False when
        this machine does not let us (not root, no mount namespace...)"""
        os.makedirs(path, exist_ok=True)
        r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%dk,mode=0755' % kb,
                            'baraza-fault', path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            log(self.prog, 'cannot mount a tmpfs on %s: %s' % (path, r.stdout.strip()))
            return False
        self.mounts.append(path)
        return True

    def tmpfs_umount_all(self):
        for path in reversed(self.mounts):
            if self.keep or self.failed:
                # what was on it goes with the kept scratch directory
                shutil.copytree(path, path + '-kept', dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns('filler'))
            r = subprocess.run(['umount', path], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                # a process still holds a file: lazily, so nothing stays mounted
                subprocess.run(['umount', '-l', path])
        self.mounts = []

    def fill(self, path):
        """fill the file system holding path with path (a filler file)
        until ENOSPC; returns the bytes written"""
        n = 0
        with open(path, 'ab', buffering=0) as f:
            for chunk in (1 << 20, 64 << 10, 4096, 512, 1):
                block = b'\0' * chunk
                while True:
                    try:
                        w = f.write(block)
                    except OSError:
                        break
                    if not w:
                        break
                    n += w
        return n

    def unfill(self, path):
        try:
            os.unlink(path)
        except OSError:
            pass

    def wal_truncate(self):
        """checkpoint the database and cut its WAL file to nothing, so that
        the next commit must allocate disk space again (a WAL that once grew
        is reused in place: a full disk would not touch it).  True when
        done, False when readers kept it from finishing."""
        c = sqlite3.connect(self.db, timeout=30)
        try:
            for _ in range(50):
                busy, _, _ = c.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone()
                if not busy:
                    return True
                time.sleep(0.1)
            return False
        finally:
            c.close()

    def integrity(self):
        """PRAGMA integrity_check of the database: 'ok' or the problems"""
        rows = self.db_query('PRAGMA integrity_check')
        return '; '.join(str(r[0]) for r in rows[:5])

    def log_size(self):
        try:
            return os.path.getsize(self.daemon_log)
        except OSError:
            return 0

    def log_since(self, off):
        """the daemon log from byte offset off"""
        with open(self.daemon_log, 'rb') as f:
            f.seek(off)
            return f.read().decode('utf-8', 'replace')

    # ---- the end ------------------------------------------------------------------
    def close(self):
        self.daemon_kill()
        self.smtp_stop()
        self.dovecot_stop()
        self.tmpfs_umount_all()
        if self.keep or self.failed:
            log(self.prog, 'kept %s (daemon log: %s)' % (self.dir, self.daemon_log))
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
