#!/usr/bin/env node
// Synthetic-but-structured labelled evaluation set for `analyzer backtest`.
//
// Normal traces come from several program models, each a probabilistic grammar of syscall phases
// (dynamic loader prelude, initialisation, a main loop whose iterations pick request/command kinds
// with skewed probabilities, rare error branches, shutdown). Attack traces are normal runs of the
// same programs with a payload spliced in at a random point: shell spawn, credential file edit,
// reverse shell, in-memory stager (meterpreter-like), brute-force loops, privilege escalation —
// plus mimicry variants whose payload is interleaved with normal fragments or built only from
// syscalls the program normally makes. Tokens are i386 syscall numbers, as in ADFA-LD.
//
// usage: node bench/analyzer-eval/generate.mjs OUT_DIR [--seed N] [--train N] [--normal N] [--attack N]
// writes OUT_DIR/train/*.txt, OUT_DIR/test/normal/*.txt, OUT_DIR/test/attack/<kind>/*.txt

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '@vigil/common/prng';

const args = process.argv.slice(2);
const out = args[0];
if (!out) {
  console.error('usage: generate.mjs OUT_DIR [--seed N] [--train N] [--normal N] [--attack N]');
  process.exit(2);
}
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SEED = opt('seed', 7);
const N_TRAIN = opt('train', 800);
const N_NORMAL = opt('normal', 3000);
const N_ATTACK = opt('attack', 600);

// --- deterministic RNG
const rnd = prng(SEED);
const chance = (p) => rnd() < p;
const int = (a, b) => a + Math.floor(rnd() * (b - a + 1));
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const weighted = (pairs) => {
  const total = pairs.reduce((s, [w]) => s + w, 0);
  let r = rnd() * total;
  for (const [w, v] of pairs) if ((r -= w) < 0) return v;
  return pairs[pairs.length - 1][1];
};
const geom = (mean) => Math.max(1, Math.round(-Math.log(1 - rnd()) * mean));

// --- i386 syscall numbers (the subset these programs use)
const S = {
  exit: 1, fork: 2, read: 3, write: 4, open: 5, close: 6, waitpid: 7, unlink: 10, execve: 11, chdir: 12, time: 13,
  chmod: 15, lseek: 19, getpid: 20, getuid: 24, alarm: 27, access: 33, kill: 37, rename: 38, mkdir: 39, dup: 41,
  pipe: 42, brk: 45, getgid: 47, geteuid: 49, getegid: 50, ioctl: 54, fcntl: 55, setpgid: 57, umask: 60, dup2: 63,
  getppid: 64, setsid: 66, sigaction: 67, setreuid: 70, gettimeofday: 78, readlink: 85, munmap: 91, fchmod: 94,
  socketcall: 102, setitimer: 104, stat: 106, fstat: 108, wait4: 114, fsync: 118, clone: 120, uname: 122,
  mprotect: 125, getpgid: 132, fchdir: 133, llseek: 140, getdents: 141, select: 142, flock: 143, readv: 145,
  writev: 146, nanosleep: 162, poll: 168, setresuid: 164, prctl: 172, rt_sigreturn: 173, rt_sigaction: 174,
  rt_sigprocmask: 175, pread64: 180, getcwd: 183, sendfile: 187, vfork: 190, ugetrlimit: 191, mmap2: 192,
  stat64: 195, lstat64: 196, fstat64: 197, getuid32: 199, getgid32: 200, geteuid32: 201, getegid32: 202,
  setgroups32: 206, setresuid32: 208, setresgid32: 210, chown32: 212, setuid32: 213, setgid32: 214, madvise: 219,
  getdents64: 220, fcntl64: 221, gettid: 224, futex: 240, set_thread_area: 243, exit_group: 252, epoll_create: 254,
  epoll_ctl: 255, epoll_wait: 256, set_tid_address: 258, clock_gettime: 265, statfs64: 268, tgkill: 270,
  fadvise64: 250, bind: 361, listen: 363, openat: 295, set_robust_list: 311, pipe2: 331, socket: 359, connect: 362, accept4: 364, getsockopt: 365,
  setsockopt: 366, getsockname: 367, sendto: 369, recvfrom: 371, shutdown: 373,
};

// --- building blocks
function loader(t, libs) {
  t.push(S.execve, S.brk, S.access, S.mmap2, S.access, S.open, S.fstat64, S.mmap2, S.close);
  for (let i = 0; i < libs; i++) {
    t.push(S.access, S.open, S.read, S.fstat64, S.mmap2, S.mmap2, S.mprotect, S.mmap2);
    if (chance(0.5)) t.push(S.mmap2);
    t.push(S.close);
  }
  t.push(S.mmap2, S.set_thread_area, S.mprotect, S.mprotect, S.munmap);
  if (chance(0.3)) t.push(S.set_tid_address, S.set_robust_list, S.rt_sigaction, S.rt_sigaction, S.rt_sigprocmask, S.ugetrlimit);
}
function localeInit(t) {
  t.push(S.brk, S.brk);
  if (chance(0.6)) t.push(S.open, S.fstat64, S.mmap2, S.close);
  if (chance(0.2)) t.push(S.open, S.fstat64, S.read, S.close);
}
function logLine(t) {
  t.push(S.time, S.write);
}

// --- program models: each returns one trace
const programs = {
  webserver(t) {
    loader(t, int(4, 8));
    localeInit(t);
    t.push(S.rt_sigaction, S.rt_sigaction, S.getuid32, S.socket, S.setsockopt, S.bind, S.listen);
    t.push(S.epoll_create, S.epoll_ctl);
    const reqs = geom(6);
    for (let i = 0; i < reqs; i++) {
      t.push(S.epoll_wait, S.accept4, S.fcntl64, S.recvfrom);
      const kind = weighted([[60, 'static'], [25, 'dynamic'], [10, 'notfound'], [5, 'keepalive']]);
      if (kind === 'static') {
        t.push(S.stat64, S.open, S.fstat64, S.sendfile, S.close);
        if (chance(0.1)) t.push(S.sendfile);
      } else if (kind === 'dynamic') {
        t.push(S.stat64, S.open, S.fstat64, S.read, S.read, S.close, S.gettimeofday, S.writev);
        if (chance(0.4)) t.push(S.open, S.fstat64, S.read, S.close);
      } else if (kind === 'notfound') {
        t.push(S.stat64, S.lstat64, S.writev);
      } else t.push(S.writev, S.poll, S.recvfrom, S.writev);
      logLine(t);
      t.push(S.shutdown, S.close);
      if (chance(0.02)) t.push(S.futex, S.futex); // rare contention branch
    }
    t.push(S.exit_group);
  },
  shellCommand(t) {
    loader(t, int(2, 4));
    localeInit(t);
    const cmd = weighted([[40, 'ls'], [30, 'cat'], [15, 'grep'], [15, 'cp']]);
    t.push(S.ioctl, S.ioctl);
    if (cmd === 'ls') {
      t.push(S.openat, S.fcntl64, S.getdents64);
      for (let i = 0, n = geom(2); i < n; i++) t.push(S.getdents64);
      t.push(S.close, S.fstat64);
      for (let i = 0, n = geom(3); i < n; i++) {
        if (chance(0.5)) t.push(S.lstat64);
        t.push(S.write);
      }
    } else if (cmd === 'cat' || cmd === 'grep') {
      t.push(S.fstat64, S.open, S.fstat64, S.fadvise64);
      for (let i = 0, n = geom(3); i < n; i++) t.push(S.read, ...(cmd === 'cat' || chance(0.3) ? [S.write] : []));
      t.push(S.read, S.close);
    } else {
      t.push(S.stat64, S.stat64, S.open, S.fstat64, S.open, S.fstat64);
      for (let i = 0, n = geom(3); i < n; i++) t.push(S.read, S.write);
      t.push(S.read, S.close, S.close);
    }
    if (chance(0.03)) t.push(S.open, S.write, S.close); // rare error message path
    t.push(S.close, S.close, S.exit_group);
  },
  ftpServer(t) {
    loader(t, int(3, 5));
    localeInit(t);
    t.push(S.socket, S.connect, S.sendto, S.recvfrom, S.close); // nss lookup
    t.push(S.getpid, S.write, S.read);
    const user = chance(0.95);
    t.push(S.read, S.write, S.read, S.open, S.fstat64, S.read, S.close, S.write);
    if (user) {
      t.push(S.setgroups32, S.setgid32, S.setuid32, S.chdir);
      for (let i = 0, n = geom(4); i < n; i++) {
        t.push(S.read);
        const c = weighted([[40, 'list'], [40, 'retr'], [10, 'stor'], [10, 'cwd']]);
        if (c === 'list') t.push(S.socket, S.connect, S.openat, S.getdents64, S.getdents64, S.close, S.write, S.close, S.write);
        else if (c === 'retr') t.push(S.open, S.fstat64, S.socket, S.connect, S.sendfile, S.close, S.close, S.write);
        else if (c === 'stor') t.push(S.open, S.socket, S.connect, S.read, S.write, S.read, S.close, S.close, S.write);
        else t.push(S.chdir, S.write);
      }
    } else t.push(S.write, S.nanosleep, S.write);
    t.push(S.write, S.shutdown, S.close, S.exit_group);
  },
  sshSession(t) {
    loader(t, int(6, 10));
    localeInit(t);
    t.push(S.socket, S.connect, S.sendto, S.recvfrom, S.close);
    t.push(S.open, S.fstat64, S.read, S.close); // sshd_config
    t.push(S.select, S.read, S.write, S.select, S.read);
    t.push(S.open, S.read, S.close); // passwd
    t.push(S.open, S.read, S.close); // shadow (sshd reads it normally)
    t.push(S.select, S.write, S.select, S.read);
    t.push(S.setgroups32, S.setresgid32, S.setresuid32, S.chdir, S.pipe, S.clone);
    for (let i = 0, n = geom(8); i < n; i++) {
      t.push(S.select);
      t.push(...(chance(0.5) ? [S.read, S.write] : [S.read, S.write, S.write]));
    }
    t.push(S.wait4, S.close, S.exit_group);
  },
  cronJob(t) {
    loader(t, int(2, 3));
    t.push(S.open, S.fstat64, S.read, S.close, S.stat64, S.stat64, S.getdents64, S.getdents64);
    if (chance(0.3)) t.push(S.pipe, S.clone, S.close, S.read, S.read, S.wait4, S.close);
    t.push(S.nanosleep, S.exit_group);
  },
  pythonScript(t) {
    loader(t, int(5, 9));
    localeInit(t);
    for (let i = 0, n = geom(20); i < n; i++) {
      t.push(S.stat64, S.open, S.fstat64, S.fcntl64, S.read, S.read, S.close);
      if (chance(0.2)) t.push(S.stat64, S.stat64);
    }
    t.push(S.getcwd, S.readlink, S.sigaction);
    for (let i = 0, n = geom(5); i < n; i++) t.push(...(chance(0.5) ? [S.write] : [S.read, S.brk]));
    if (chance(0.05)) t.push(S.open, S.fstat64, S.write, S.close); // writes an output file
    t.push(S.rt_sigaction, S.exit_group);
  },
};
// Procedural programs: a random phase grammar per program (init block, a Zipf-distributed set of
// loop "variants" built from a program-specific syscall pool, rare noise such as signal delivery).
// The long tail of variants means held-out normal traces contain behaviour never seen in training,
// which is what makes one-class syscall benchmarks hard.
const POOL = Object.values(S);
const COMMON = [S.read, S.write, S.open, S.close, S.fstat64, S.mmap2, S.munmap, S.brk, S.stat64, S.time, S.gettimeofday, S.futex, S.poll, S.fcntl64, S.lseek, S.ioctl];
function makeProcedural() {
  const pool = [...COMMON.filter(() => chance(0.7)), ...Array.from({ length: int(3, 8) }, () => pick(POOL))];
  const snippet = (len) => {
    const out = [pick(pool)];
    while (out.length < len) out.push(chance(0.3) ? out[out.length - 1] : pick(pool));
    return out;
  };
  const init = snippet(int(5, 25));
  const variants = Array.from({ length: int(10, 40) }, () => snippet(int(3, 14)));
  const zipf = variants.map((_, i) => [1 / Math.pow(i + 1, 1.3), i]);
  const libs = [int(1, 4), int(4, 9)];
  const loopMean = int(3, 20);
  const fini = snippet(int(2, 6));
  return (t) => {
    loader(t, int(libs[0], libs[1]));
    t.push(...init);
    for (let i = 0, n = geom(loopMean); i < n; i++) {
      t.push(...variants[weighted(zipf)]);
      if (chance(0.01)) t.push(S.rt_sigreturn, S.rt_sigaction, S.rt_sigprocmask); // a signal arrives
    }
    t.push(...fini, S.exit_group);
  };
}
const N_PROCEDURAL = opt('procedural', 12);
for (let i = 0; i < N_PROCEDURAL; i++) programs[`proc${i}`] = makeProcedural(i);

const programMix = [[30, 'webserver'], [25, 'shellCommand'], [12, 'ftpServer'], [10, 'sshSession'], [8, 'cronJob'], [15, 'pythonScript'], ...Array.from({ length: N_PROCEDURAL }, (_, i) => [100 / N_PROCEDURAL / Math.pow(i + 1, 0.7), `proc${i}`])];

// --- payloads (what attacks splice in)
const payloads = {
  shellSpawn: (t) => {
    t.push(S.clone, S.execve, S.brk, S.access, S.open, S.fstat64, S.mmap2, S.close, S.open, S.read, S.fstat64, S.mmap2, S.close);
    t.push(S.getpid, S.rt_sigaction, S.geteuid32, S.getppid, S.getcwd, S.rt_sigaction);
    for (let i = 0, n = geom(4); i < n; i++) t.push(S.read, S.write, S.stat64, S.clone, S.wait4);
  },
  reverseShell: (t) => {
    t.push(S.socket, S.connect, S.dup2, S.dup2, S.dup2, S.execve, S.brk, S.access, S.open, S.mmap2, S.close);
    for (let i = 0, n = geom(5); i < n; i++) t.push(S.read, S.clone, S.wait4, S.write);
  },
  credentialEdit: (t) => {
    // adduser-like: lock, read passwd/shadow, write temp copies, rename over
    t.push(S.open, S.flock, S.open, S.fstat64, S.read, S.open, S.fchmod, S.chown32, S.write, S.fsync, S.close, S.rename);
    t.push(S.open, S.fstat64, S.read, S.open, S.fchmod, S.chown32, S.write, S.fsync, S.close, S.rename, S.unlink);
  },
  stager: (t) => {
    // meterpreter-like: rwx mapping, socket, receive stage, mprotect, threads
    t.push(S.mmap2, S.socket, S.connect, S.recvfrom, S.mmap2, S.recvfrom, S.recvfrom, S.mprotect, S.clone, S.set_robust_list);
    for (let i = 0, n = geom(6); i < n; i++) t.push(S.select, S.recvfrom, S.sendto, S.futex);
  },
  bruteForce: (t) => {
    for (let i = 0, n = 5 + geom(10); i < n; i++) t.push(S.read, S.open, S.read, S.close, S.nanosleep, S.write);
  },
  foreignBehaviour: (t) => {
    // behaviour of a different program grafted in (e.g. a web server doing what a shell does)
    const other = [];
    programs[pick(Object.keys(programs).filter((k) => k.startsWith('proc')))](other);
    const from = int(0, Math.max(0, other.length - 30));
    t.push(...other.slice(from, from + int(10, 30)));
  },
  privEsc: (t) => {
    t.push(S.getuid32, S.geteuid32, S.open, S.read, S.close, S.setresuid32, S.setresgid32, S.setuid32, S.execve, S.brk, S.prctl);
  },
};

// Mimicry: interleave the payload with fragments of normal behaviour of the host program so most
// short n-grams look normal.
function mimic(payload, prog) {
  const p = [];
  payloads[payload](p);
  const filler = [];
  programs[prog](filler);
  const out = [];
  let f = int(0, Math.max(0, filler.length - 40));
  for (const sc of p) {
    out.push(sc);
    if (chance(0.6)) for (let j = 0, n = int(2, 5); j < n && f < filler.length; j++) out.push(filler[f++]);
  }
  return out;
}

function normalTrace() {
  const t = [];
  programs[weighted(programMix)](t);
  return t;
}

function attackTrace(kind) {
  const prog = weighted(programMix);
  const base = [];
  programs[prog](base);
  // splice after the loader (attacks hit a running program), before its end
  const at = int(Math.min(base.length - 1, 40), base.length - 1);
  let payload = [];
  if (kind.startsWith('mimicry-')) payload = mimic(kind.slice(8), prog);
  else payloads[kind](payload);
  const tail = chance(0.5) ? base.slice(at) : [S.exit_group];
  return [...base.slice(0, at), ...payload, ...tail];
}

const attackKinds = [
  [18, 'shellSpawn'], [14, 'reverseShell'], [14, 'credentialEdit'], [14, 'stager'], [10, 'bruteForce'], [10, 'privEsc'],
  [7, 'mimicry-shellSpawn'], [7, 'mimicry-reverseShell'], [6, 'mimicry-credentialEdit'], [10, 'foreignBehaviour'],
];

rmSync(out, { recursive: true, force: true });
const write = (dir, name, trace) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), trace.join(' ') + '\n');
};
for (let i = 0; i < N_TRAIN; i++) write(join(out, 'train'), `n${String(i).padStart(5, '0')}.txt`, normalTrace());
for (let i = 0; i < N_NORMAL; i++) write(join(out, 'test', 'normal'), `v${String(i).padStart(5, '0')}.txt`, normalTrace());
for (let i = 0; i < N_ATTACK; i++) {
  const kind = weighted(attackKinds);
  write(join(out, 'test', 'attack', kind), `a${String(i).padStart(5, '0')}.txt`, attackTrace(kind));
}
console.log(`wrote ${N_TRAIN} training, ${N_NORMAL} normal test and ${N_ATTACK} attack test traces to ${out} (seed ${SEED})`);
