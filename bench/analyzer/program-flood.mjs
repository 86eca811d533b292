#!/usr/bin/env node
// A program flood through the detection engine alone: one endpoint runs N programs never seen
// anywhere (a binary copied to N paths under a writable directory and run from each, 100 processes a
// batch, one batch a second, children of one shell), after a --learning period. Prints the baselines
// the engine holds, its heap growth, the alerts raised and how many of them are first runs or the
// folded program-limit alert. Pass --dist to run another build of apps/stream-analyzer/dist (e.g.
// one made before a change).
//
// usage: node --expose-gc bench/analyzer/program-flood.mjs [--programs 12000] [--learning 60] [--dist DIR]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def);
const dist = resolve(opt('dist', resolve(root, 'apps/stream-analyzer/dist')));
const N = Number(opt('programs', 12_000));
const learningS = Number(opt('learning', 60));
const { DetectionEngine, DEFAULT_ENGINE_OPTIONS } = require(resolve(dist, 'detection/engine.js'));
const { loadRuleSet } = require(resolve(dist, 'detection/rules/rule-directory.js'));
const { kgramCounts } = require(resolve(root, 'libs/schemas/dist/index.js'));

const engine = new DetectionEngine(loadRuleSet(), { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: learningS * 1000 });
const ngrams = [...kgramCounts([59, 12, 9, 21, 257, 0, 3, 9, 10, 11, 231], 3)].map(([hash, count]) => ({ hash, count }));
const proc = (i) => ({
  pid: 100_000 + i, ppid: 999, startTimeNs: i, exe: `/tmp/flood/x${i}`, exeHash: null, comm: `x${i}`.slice(0, 15), uid: 1000, gid: 1000, cgroup: '', containerId: null,
  ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], ancestorPids: [999, 500], exited: true, exitCode: 0,
  syscalls: { execve: 1, brk: 1, mmap: 2, read: 1, openat: 1, exit_group: 1 }, sequences: { k: 3, ngrams },
  files: [{ path: '/etc/ld.so.cache', flags: 0, ret: 0, count: 1, firstSeen: 0 }], execs: [], network: [], security: [], argv: [`x${i}`],
});
global.gc?.();
const heap0 = process.memoryUsage().heapUsed;
const cpu0 = process.cpuUsage();
let t = 1_000_000;
const kinds = new Map();
for (let b = 0; b < Math.ceil(N / 100); b++) {
  t += 1000;
  const processes = Array.from({ length: Math.min(100, N - b * 100) }, (_, j) => proc(b * 100 + j));
  const r = engine.processBatch({ endpointId: 'ep', agentVersion: 'bench', batchId: `b${b}`, sequence: b, windowStart: t - 1000, windowEnd: t, host: { hostname: 'h', kernel: 'k', bootId: 'x', os: '' }, processes, drops: {}, agentStats: {} });
  for (const a of r.alerts) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
  if (b % 20 === 0) process.stderr.write(`\r${Math.min(N, (b + 1) * 100)}/${N} programs`);
}
process.stderr.write('\n');
global.gc?.();
const cpu = process.cpuUsage(cpu0);
const alerts = [...kinds.values()].reduce((a, b) => a + b, 0);
console.log(JSON.stringify({
  programs: N,
  learningS,
  baselines: [...engine.allBaselines()].length,
  heapMB: Number(((process.memoryUsage().heapUsed - heap0) / 1e6).toFixed(1)),
  cpuS: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
  alerts,
  byKind: Object.fromEntries(kinds),
}));
