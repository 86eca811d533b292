#!/usr/bin/env node
// Which argument-record hooks the overhead workloads run, and what each costs per run.
//   node bench/agent-overhead/hook-costs.mjs [--build ROOT]
// 1. Workloads (c) (file walk, one pass) and (d) (nginx under wrk, 2 s): the probe's own exact
//    per-process counts of the calls that have an exit program with a record (sys_exit.bpf.c
//    EXIT_HOOK), by name. A call they never make costs them nothing at exit: the kernel's syscall
//    tracer tests one bitmap per call however many exit tracepoints are on.
// 2. bpf_stats (kernel.bpf_stats_enabled, restored afterwards): ns per run of every Vigil program
//    under workload (e) (chmod/utimensat/rename of relative paths) and (f) (fork + exec), so the
//    cost of a path record and of the exec hook with its environment scan; and (g) open/read/close
//    loops of one file by its absolute path, then by a relative one from its directory as the cwd
//    (3 and 12 components below /), so what resolving a relative open path (the dentry walk of
//    its directory at exit) adds to an open record (vigil_exit_openat).
// Root; needs a built repository (--build: another checkout's, e.g. to compare with a base commit).
// --stats-only: part 2 alone (no file walk, no nginx).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const ROOT = resolve(args.includes('--build') ? args[args.indexOf('--build') + 1] : join(HERE, '..', '..'));
const require = createRequire(join(ROOT, 'package.json'));
const { VigilProbe } = require(join(ROOT, 'bpf', 'dist', 'index.js'));
const { syscallName } = require('@vigil/schemas');
if (process.getuid() !== 0) {
  console.error('hook-costs: run as root (loads eBPF programs)');
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'vigil-hook-costs-'));
const BIN = join(tmp, 'workloads');
execFileSync('cc', ['-O2', '-o', BIN, join(HERE, 'workloads.c')]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// the calls with an exit program, from the object's own sections
const exitCalls = new Set(
  execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', join(ROOT, 'bpf', 'dist', 'vigil.bpf.o')], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .match(/"name":"vigil_exit_[a-z0-9_]+"/g)
    .map((s) => s.slice('"name":"vigil_exit_'.length, -1)),
);

const probe = VigilProbe.start({ agentTgid: process.pid });
let stop = false;
const drain = (async () => {
  while (!stop) await probe.poll(50);
})();
const countsOf = (tgids) => {
  const out = new Map();
  for (const c of probe.syscallCounts()) if (tgids.has(c.tgid)) out.set(`${c.tgid}:${c.key}`, c.count);
  return out;
};
const report = (label, before, after) => {
  let all = 0;
  const rec = {};
  for (const [k, n] of after) {
    const d = n - (before.get(k) ?? 0);
    all += d;
    const name = syscallName(Number(k.split(':')[1]));
    if (d > 0 && exitCalls.has(name)) rec[name] = (rec[name] ?? 0) + d;
  }
  console.log(`| ${label} | ${all} | ${Object.entries(rec).map(([n, d]) => `${n} ${d}`).join(', ') || '—'} |`);
};

try {
  console.log(`build ${ROOT}: ${exitCalls.size} calls with an exit program\n`);
  if (!args.includes('--stats-only')) await callsOfWorkloads();
  await programCosts();
} finally {
  stop = true;
  await drain;
  await probe.close();
}

async function callsOfWorkloads() {
  console.log('| workload | system calls | of them with an exit program (record) |');
  console.log('|---|---|---|');
  const walk = spawnSync(BIN, ['walk', '/usr/share', '1']);
  report('(c) file walk + reads, 1 pass', new Map(), countsOf(new Set([walk.pid])));

  const dir = mkdtempSync(join(tmp, 'nginx-'));
  mkdirSync(join(dir, 'www'));
  mkdirSync(join(dir, 'logs'));
  for (const d of [tmp, dir, join(dir, 'www')]) chmodSync(d, 0o755);
  writeFileSync(join(dir, 'www', 'index.html'), 'x'.repeat(1024));
  const port = 20000 + (process.pid % 20000);
  writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:${port}; root ${dir}/www; } }`);
  const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  try {
    let workers = [];
    for (let i = 0; i < 50 && workers.length === 0; i++) {
      await sleep(100);
      workers = spawnSync('pgrep', ['-P', String(nginx.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    }
    await sleep(300);
    const tg = new Set([nginx.pid, ...workers]);
    const before = countsOf(tg);
    execFileSync('wrk', ['-t1', '-c8', '-d2s', `http://127.0.0.1:${port}/`]);
    report('(d) nginx under wrk, 2 s', before, countsOf(tg));
  } finally {
    nginx.kill('SIGTERM');
  }
}

async function programCosts() {
  const shallow = mkdtempSync(join(tmp, 'opens-'));
  let deep = shallow;
  for (let i = 0; i < 9; i++) deep = join(deep, `d${i}`);
  mkdirSync(deep, { recursive: true });
  for (const d of [shallow, deep]) writeFileSync(join(d, 'f'), 'x');
  const prev = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();
  const stats = () =>
    new Map(
      JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }))
        .filter((p) => p.name?.startsWith('vigil_'))
        .map((p) => [p.name, [p.run_time_ns ?? 0, p.run_cnt ?? 0]]),
    );
  writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
  try {
    const depth = (d) => d.split('/').length - 1;
    for (const [label, argv, cwd] of [
      ['(e) chmod/utimensat/rename of relative paths, 10k × 4', ['meta', '10000', mkdtempSync(join(tmp, 'meta-'))]],
      ['(f) fork + exec /bin/true, 300', ['spawn', '300']],
      [`(g) open/read/close of ${join(shallow, 'f')} (absolute), 20k`, ['openread', '20000', join(shallow, 'f')]],
      [`(g) open/read/close of f (relative, cwd ${depth(shallow)} components), 20k`, ['openread', '20000', 'f'], shallow],
      [`(g) open/read/close of ${join(deep, 'f')} (absolute), 20k`, ['openread', '20000', join(deep, 'f')]],
      [`(g) open/read/close of f (relative, cwd ${depth(deep)} components), 20k`, ['openread', '20000', 'f'], deep],
    ]) {
      const a = stats();
      execFileSync(BIN, argv, { cwd });
      const b = stats();
      console.log(`\n${label} (whole host: other processes' runs are in the figures too)\n`);
      console.log('| program | runs | ns per run |');
      console.log('|---|---|---|');
      for (const [name, [t, c]] of b) {
        const runs = c - (a.get(name)?.[1] ?? 0);
        if (runs >= 50) console.log(`| ${name} | ${runs} | ${Math.round((t - (a.get(name)?.[0] ?? 0)) / runs)} |`);
      }
    }
  } finally {
    writeFileSync('/proc/sys/kernel/bpf_stats_enabled', prev);
  }
}
