#!/usr/bin/env node
// Agent overhead benchmark: interleaved runs of each workload untraced, under the Vigil agent
// (`agent run`, the daemon as deployed), under Vigil's kernel side alone (kernel-only.mjs: the
// same programs and options, records drained and thrown away), under two reference designs on the
// agent's sys_enter hook — an empty program (floor.bpf.c: the floor of seeing every call) and a
// bare per-CPU (tgid, nr) count (count.bpf.c: the least that meets "per-process syscall counts")
// — and under bpftrace counting every syscall (the peer).
// Prints traced/untraced wall-time ratios (median, min–max), events/s and drops of the agent and
// its own CPU. Needs root and a built repository (npx nx run-many -t build); installs cc, nginx,
// wrk (workload d) and bpftrace (the peer) from Debian packages when they are missing.
//
//   node bench/agent-overhead/bench.mjs [--reps N] [--only a,b,c,d,e,f,g] [--no-bpftrace] [--decompose]
//
// (e) and (f) are not run by default (--only): calls with path records and execs, the two kinds of
// work the security records add (rare in (a)–(d)); nor (g): socket/setsockopt/close of ordinary
// sockets, whose exit programs run and decide on the arguments (raw and packet sockets, filters).
//
// --decompose adds Vigil's kernel side with empty exit programs (vigil.bpf.o rebuilt from a copy
// of bpf/src/bpf whose finish_args returns at once): every hook attached, no argument record
// built. With the reference rows it splits the agent's cost into the hook, the counting, the exit
// hooks, the records and the agent's user space. It also runs Vigil's kernel side with the raw
// sys_exit program on every call in place of the per-syscall exit tracepoints (the fallback for
// kernels without syscall tracepoints), the other way this kernel offers to see a call's result.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const AGENT = join(ROOT, 'apps', 'agent', 'dist', 'main.js');
// as every launcher starts it (deploy/agent's unit and wrapper say the same)
const { AGENT_NODE_FLAGS } = createRequire(join(ROOT, 'package.json'))(join(ROOT, 'tools', 'cli', 'dist', 'commands', 'agent.js'));
const { TelemetryBatchV1Schema, avroType } = createRequire(join(ROOT, 'package.json'))('@vigil/schemas');
const { BpfObject } = createRequire(join(ROOT, 'package.json'))('@vigil/bpf');
const telemetryType = avroType(TelemetryBatchV1Schema);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const REPS = Number(opt('--reps', '5'));
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
{
  // the CLI's installer: apt-get with a policy-rc.d, so nginx's package does not start a service on :80
  const { ensurePackages } = createRequire(join(ROOT, 'package.json'))(join(ROOT, 'tools', 'cli', 'dist', 'system', 'packages.js'));
  const needs = [
    ['cc', 'gcc', 'compiles the workloads'],
    ['nginx', 'nginx-light', 'workload d'],
    ['wrk', 'wrk', 'workload d'],
    ['bpftrace', 'bpftrace', 'the peer'],
  ].map(([cmd, pkg, why]) => ({ pkg, why, present: () => have(cmd) }));
  if (process.getuid() === 0) {
    try {
      ensurePackages(needs, (m) => process.stderr.write(`bench: ${m}\n`));
    } catch (err) {
      process.stderr.write(`bench: ${err.message.split('\n')[0]}; the workloads and peers that need them are left out\n`);
    }
  }
}
const ONLY = opt('--only', 'a,b,c,d').split(',');
const DECOMPOSE = args.includes('--decompose');
const WITH_BPFTRACE = !args.includes('--no-bpftrace') && have('bpftrace');

if (process.getuid() !== 0) {
  console.error('bench: run as root (loads eBPF programs)');
  process.exit(1);
}
if (!existsSync(AGENT)) {
  console.error(`bench: ${AGENT} missing: build first (npx nx run-many -t build)`);
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
const BIN = join(tmp, 'workloads');
execFileSync('cc', ['-O2', '-o', BIN, join(HERE, 'workloads.c')]);
const FLOOR_OBJ = join(tmp, 'floor.bpf.o');
const COUNT_OBJ = join(tmp, 'count.bpf.o');
for (const [src, obj] of [
  ['floor.bpf.c', FLOOR_OBJ],
  ['count.bpf.c', COUNT_OBJ],
])
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', join(ROOT, 'bpf', 'gen'), '-c', join(HERE, src), '-o', obj]);
const EMPTY_EXITS_OBJ = join(tmp, 'vigil-empty-exits.bpf.o');
if (DECOMPOSE) {
  const src = join(tmp, 'bpf-src');
  cpSync(join(ROOT, 'bpf', 'src', 'bpf'), src, { recursive: true });
  const exitC = join(src, 'hooks', 'sys_exit.bpf.c');
  const patched = readFileSync(exitC, 'utf8').replace(/(static __always_inline int finish_args\([^)]*\)\n\{\n)/, '$1\treturn 0;\n');
  if (!patched.includes('{\n\treturn 0;\n\t__u64 args[6];')) throw new Error('--decompose: finish_args not found in sys_exit.bpf.c');
  writeFileSync(exitC, patched);
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-Wno-unused-function', '-Wno-unreachable-code', '-I', join(ROOT, 'bpf', 'gen'), '-I', join(src, 'include'), '-c', join(src, 'vigil.bpf.c'), '-o', EMPTY_EXITS_OBJ]);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

// ---- workloads: each returns elapsed seconds (or a time-equivalent: 1/throughput) ----
const timed = (argv) => () => Number(execFileSync(BIN, argv, { encoding: 'utf8' }).trim()) / 1e9;
const GETPPID_N = 2_000_000;
const OPENREAD_N = 200_000;
const WALK_DIR = '/usr/share';
const WALK_PASSES = 5; // ~0.15 s a pass here: five make a run long enough to measure
const META_N = 10_000;
const SPAWN_N = 500;
const SOCKETS_N = 200_000;

let nginx;
async function startNginx() {
  const port = await freePort();
  const dir = join(tmp, 'nginx');
  execFileSync('mkdir', ['-p', join(dir, 'www'), join(dir, 'logs')]);
  // nginx's worker runs as nobody: the page must be readable by it (mkdtemp makes a 0700 dir), or
  // every request is a cheap 403 that never opens the file
  execFileSync('chmod', ['0755', tmp, dir, join(dir, 'www')]);
  writeFileSync(join(dir, 'www', 'index.html'), 'x'.repeat(1024));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:${port}; root ${dir}/www; } }`,
  );
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (spawnSync('sh', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { shell: '/bin/bash' }).status === 0) break;
    await sleep(100);
  }
  return { child, port };
}
const wrkRun = () => {
  const out = execFileSync('wrk', ['-t1', '-c8', '-d3s', `http://127.0.0.1:${nginx.port}/`], { encoding: 'utf8' });
  const failed = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (failed) throw new Error(`nginx answered ${failed[1]} requests with an error: the bench measures the page being served\n${out}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  return 1 / rps; // seconds per request: ratio traced/untraced = slowdown
};

const WORKLOADS = [
  { id: 'a', name: `getppid loop (${GETPPID_N / 1e6}M calls)`, run: timed(['getppid', String(GETPPID_N)]), calls: GETPPID_N },
  { id: 'b', name: `open/read/close loop (${OPENREAD_N / 1000}k)`, run: timed(['openread', String(OPENREAD_N), '/etc/hostname']), calls: OPENREAD_N * 3 },
  { id: 'c', name: `file walk + reads (${WALK_DIR}, ${WALK_PASSES} passes)`, run: timed(['walk', WALK_DIR, String(WALK_PASSES)]) },
  { id: 'd', name: 'nginx + wrk (1 KiB page, 8 conns, 3 s)', run: wrkRun, needs: ['nginx', 'wrk'] },
  // calls with path records (relative paths, resolved in the kernel), and execs (the LD_* scan of the environment)
  { id: 'e', name: `chmod/utimensat/rename loop (${META_N / 1000}k × 4)`, run: () => timed(['meta', String(META_N), mkdtempSync(join(tmp, 'meta-'))])(), calls: META_N * 4 },
  { id: 'f', name: `fork + exec /bin/true (${SPAWN_N})`, run: timed(['spawn', String(SPAWN_N)]), calls: SPAWN_N },
  // socket() and setsockopt() on ordinary sockets: their exit programs run and decide on the arguments (no record)
  { id: 'g', name: `socket/setsockopt/close loop (${SOCKETS_N / 1000}k × 3)`, run: timed(['sockets', String(SOCKETS_N)]), calls: SOCKETS_N * 3 },
].filter((w) => ONLY.includes(w.id) && (w.needs ?? []).every(have));

// ---- tracers ----
async function startAgent() {
  const spool = join(tmp, `spool-${Date.now()}`);
  const conf = join(tmp, 'agent.conf');
  // No gateway (port 1 refuses): every batch stays in the spool, where the bench reads it.
  writeFileSync(conf, `api=http://127.0.0.1:1\ninsecure_http=true\nkey=bench\nid=bench\nname=bench\nbatch_size=1000\nspool_dir=${spool}\nwindow=2s\n`);
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, AGENT, 'run', '--config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  for (let i = 0; i < 300 && !log.includes('agent running'); i++) await sleep(50);
  if (!log.includes('agent running')) throw new Error(`agent did not start:\n${log}`);
  // CPU time of all the agent's threads (schedstat: ns on CPU), so start-up and exit are left out
  const cpuNs = () =>
    readdirSync(`/proc/${child.pid}/task`).reduce((sum, t) => {
      try {
        return sum + Number(readFileSync(`/proc/${child.pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        return sum; // the thread ended meanwhile
      }
    }, 0);
  await sleep(300); // let the start-up settle (first /proc sync, JIT)
  let cpuAtStart = 0;
  return {
    begin: () => (cpuAtStart = cpuNs()),
    // workloadSecs: how long the measured workload ran. The agent's CPU counts from the workload's
    // start until it has spooled the window that holds the workload's records (encoding and gzip
    // included) and its CPU stops growing.
    stop: async (workloadSecs) => {
      const spooled = () => (existsSync(spool) ? readdirSync(spool).filter((f) => f.endsWith('.batch')).length : 0);
      const before = spooled();
      let last = cpuNs();
      for (let i = 0; i < 100; i++) {
        await sleep(100);
        const now = cpuNs();
        if (now - last < 2e6 && spooled() > before) break;
        last = now;
      }
      const cpuSecs = (last - cpuAtStart) / 1e9;
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await exited;
      // Spooled batches: gzip of the Avro record (the wire header is added at send time).
      const batches = existsSync(spool)
        ? readdirSync(spool)
            .filter((f) => f.endsWith('.batch'))
            .map((f) => telemetryType.fromBuffer(gunzipSync(readFileSync(join(spool, f)))))
        : [];
      const sum = (f) => batches.reduce((s, b) => s + f(b), 0);
      const records = sum((b) => (b.agentStats.records_per_s ?? 0) * ((b.windowEnd - b.windowStart) / 1000));
      const drops = sum((b) => Object.values(b.drops).reduce((x, y) => x + y, 0));
      rmSync(spool, { recursive: true, force: true });
      return { eventsPerS: records / workloadSecs, drops, cpuPct: (100 * cpuSecs) / workloadSecs, usPerRecord: records > 1000 ? (cpuSecs * 1e6) / records : undefined };
    },
  };
}

// A tracer in a process of its own: started, awaited until it prints `ready`, stopped with SIGTERM
// (not SIGINT: a bench started in the background of a shell inherits SIGINT ignored, and bpftrace
// keeps that disposition, so the bench waited forever).
async function startProcess(name, argv, ready) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !out.includes(ready) && child.exitCode === null; i++) await sleep(50);
  if (!out.includes(ready)) throw new Error(`${name} did not start:\n${out}`);
  await sleep(300);
  return {
    stop: async () => {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
      return {};
    },
  };
}

const startBpftrace = () => startProcess('bpftrace', ['bpftrace', '-e', 'tracepoint:raw_syscalls:sys_enter { @[pid, args->id] = count(); }'], 'Attaching');

// A reference program on the agent's sys_enter hook, loaded by this process (floor.bpf.c: the cost
// of seeing every call; count.bpf.c: of counting every call per (tgid, nr)).
const startObject = (path) => async () => {
  const obj = BpfObject.open(path).load().attach();
  return { stop: async () => void (await obj.close()) };
};

// Vigil's programs with the agent's options, drained by kernel-only.mjs (in its own process, as the agent is).
const startKernelOnly =
  (...flags) =>
  () =>
    startProcess('kernel-only.mjs', [process.execPath, ...AGENT_NODE_FLAGS, join(HERE, 'kernel-only.mjs'), ...flags], 'ready');

const TRACERS = [
  { name: 'none' },
  { name: 'vigil agent', start: startAgent },
  { name: 'vigil kernel side only', start: startKernelOnly() },
  ...(DECOMPOSE
    ? [
        { name: 'vigil kernel side, exit programs empty', start: startKernelOnly('--object', EMPTY_EXITS_OBJ) },
        { name: 'vigil kernel side, raw sys_exit on every call', start: startKernelOnly('--raw-exit') },
      ]
    : []),
  { name: 'reference: empty sys_enter program (floor)', start: startObject(FLOOR_OBJ) },
  { name: 'reference: per-CPU (tgid, nr) count', start: startObject(COUNT_OBJ) },
  ...(WITH_BPFTRACE ? [{ name: 'bpftrace (count all syscalls)', start: startBpftrace }] : []),
];

// ---- run ----
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (WORKLOADS.some((w) => w.id === 'd')) nginx = await startNginx();
timed(['walk', WALK_DIR])(); // warm the page cache once: measure the kernel path, not the disk

const results = [];
for (const w of WORKLOADS) {
  const times = Object.fromEntries(TRACERS.map((t) => [t.name, []]));
  const stats = [];
  for (let rep = 0; rep < REPS; rep++) {
    // rotate the order each rep so drift (other tenants, cache) does not favour one tracer
    const order = TRACERS.map((_, i) => TRACERS[(i + rep) % TRACERS.length]);
    for (const t of order) {
      const handle = t.start ? await t.start() : undefined;
      handle?.begin?.();
      const started = process.hrtime.bigint();
      const secs = w.run();
      const busySecs = Number(process.hrtime.bigint() - started) / 1e9;
      const s = handle ? await handle.stop(busySecs) : undefined;
      times[t.name].push(secs);
      if (t.name === 'vigil agent') stats.push(s);
    }
  }
  const base = times.none;
  for (const t of TRACERS.slice(1)) {
    // paired ratios: rep i traced / rep i untraced
    const ratios = times[t.name].map((x, i) => x / base[i]);
    const row = {
      workload: w.name,
      tracer: t.name,
      median: median(ratios),
      min: Math.min(...ratios),
      max: Math.max(...ratios),
      nsPerCall: w.calls ? ((median(times[t.name]) - median(base)) * 1e9) / w.calls : undefined,
    };
    if (t.name === 'vigil agent') {
      row.eventsPerS = median(stats.map((s) => s.eventsPerS));
      row.drops = stats.reduce((a, s) => a + s.drops, 0);
      row.agentCpuPct = median(stats.map((s) => s.cpuPct));
      row.usPerRecord = stats.every((s) => s.usPerRecord !== undefined) ? median(stats.map((s) => s.usPerRecord)) : undefined;
    }
    results.push(row);
  }
  process.stderr.write(`done: ${w.name}\n`);
}
nginx?.child.kill('SIGTERM');

const f = (x, d = 2) => (x === undefined ? '—' : x.toFixed(d));
console.log(`\nreps=${REPS}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, ratio = traced/untraced wall time (paired, interleaved)\n`);
console.log('vigil kernel side only = the agent\'s programs and options with the records drained and thrown away (the rest of the agent row is its user space); reference rows are not Vigil: an empty program on the same hook (the floor of seeing every call) and a bare per-CPU (tgid, nr) count (the least that keeps per-process syscall counts)\n');
console.log("agent events/s and CPU % are per second of the workload (CPU % = the agent's CPU seconds, all threads, from the workload's start until it has spooled the window with the workload's records, ÷ the workload's seconds; µs/record = those CPU seconds ÷ records)\n");
console.log('| workload | tracer | ratio median | min–max | extra ns/call | agent events/s | agent drops | agent CPU % | agent µs/record |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.workload} | ${r.tracer} | ${f(r.median, 3)}× | ${f(r.min, 3)}–${f(r.max, 3)} | ${f(r.nsPerCall, 0)} | ${f(r.eventsPerS, 0)} | ${r.drops ?? '—'} | ${f(r.agentCpuPct, 1)} | ${f(r.usPerRecord, 2)} |`);
}
rmSync(tmp, { recursive: true, force: true });
