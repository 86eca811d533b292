#!/usr/bin/env node
// The agent's user-space cost per ring-buffer record, without the kernel: the real Collector,
// ProcessTable and WindowBuilder of apps/agent fed batches framed as the addon hands them over
// (u32 length, u32 count 0 = one record, record, padding to 8), then the window encoded to Avro and gzipped as the
// transport spools it. The records are open events with the real paths under a directory tree
// (the file walk of bench/agent-overhead workload c), so strings and aggregation keys are realistic.
// The probe is a stand-in that replays those batches (pure logic: no kernel, no I/O).
//
//   node bench/agent-pipeline/bench.mjs [--dir /usr/share] [--rounds 7] [--repeat 2] [--urgent] [--exec-every N [--exec-dir /usr/bin] [--no-hash]]
// --urgent: the window builder with the urgent path on, as `agent run` has it by default (every open
// tested against the sensitive paths; the limits of the config defaults).
// --repeat R: every path is opened R times by the same process (R > 1: the window aggregates).
// --exec-every N: one exec record and that process's exit record after every N opens: a short-lived
// process (a pid that is gone, as most exec'd processes are by the time the agent reads /proc)
// running one of the executables under --exec-dir in turn (the first --exec-programs K of them: a
// build or a shell loop runs a few programs again and again; default all, every exec a new program). The agent hashes each image (ExeHasher: open, fstat, cache lookup; sha256
// of a file it has not seen). The hasher lives across rounds: the warm-up round hashes every binary
// once, the measured rounds are the steady state (cache hits); `hash` is the time until its queue is
// empty after the window. Every measured round runs twice, with the hasher and without (the agent
// before it), alternating: CPU of both and the difference. --no-hash: only without.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'package.json'));
const { Collector } = require(join(ROOT, 'apps/agent/dist/collector/collector.js'));
const { ProcessTable } = require(join(ROOT, 'apps/agent/dist/process/process-table.js'));
const { WindowBuilder } = require(join(ROOT, 'apps/agent/dist/batch/window-builder.js'));
const { ExeHasher } = require(join(ROOT, 'apps/agent/dist/process/exe-hasher.js'));
const { LAYOUTS, EventType } = require('@vigil/bpf');
const { TelemetryBatchV1Schema, avroType, syscallNumber } = require('@vigil/schemas');
const { GZIP_LEVEL } = require('@vigil/agent-transport'); // the level the transport spools with

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const DIR = opt('--dir', '/usr/share');
const ROUNDS = Number(opt('--rounds', '7'));
const REPEAT = Number(opt('--repeat', '1'));
const EXEC_EVERY = Number(opt('--exec-every', '0'));
const EXEC_DIR = opt('--exec-dir', '/usr/bin');
const EXEC_PROGRAMS = Number(opt('--exec-programs', '0'));
const HASH = !args.includes('--no-hash');
const URGENT = args.includes('--urgent');
const { CONFIG_DEFAULTS } = require(join(ROOT, 'apps/agent/dist/config/agent-config.js'));
const BATCH_BYTES = 512 * 1024; // the addon's drain hands over what is pending: about wakeup_bytes

function walk(dir, out) {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) walk(p, out);
    else if (d.isFile()) out.push(p);
  }
  return out;
}
const paths = walk(DIR, []);

// ---- records framed like the addon's poll() batches ----
const H = LAYOUTS.vigil_event_header.fields;
const O = LAYOUTS.vigil_open_event.fields;
const tgid = process.pid; // a real process, so the table's /proc lookup succeeds once
/** A record of `size` bytes with its header filled in. */
function record(type, size, pid, ts) {
  const r = Buffer.alloc(size);
  r.writeUInt32LE(type, H.type.offset);
  r.writeUInt32LE(size, H.size.offset);
  r.writeBigUInt64LE(ts, H.ts_ns.offset);
  r.writeUInt32LE(pid, H.tgid.offset);
  r.writeUInt32LE(pid, H.tid.offset);
  return r;
}
function openRecord(path, ts) {
  const p = Buffer.from(path + '\0');
  const size = O.data.offset + p.length; // absolute: no directory after the path
  const r = record(EventType.Open, size, tgid, ts);
  r.writeUInt32LE(syscallNumber('openat'), O.nr.offset);
  r.writeInt32LE(-100, O.dfd.offset);
  r.writeUInt32LE(0o400000, O.flags.offset); // O_RDONLY|O_NOFOLLOW
  r.writeInt32LE(3, O.ret.offset);
  r.writeUInt32LE(p.length, O.path_len.offset);
  p.copy(r, O.data.offset);
  return r;
}
// exec records: the kernel's exe path (resolved), argv "name"; tgids that no process has
const X = LAYOUTS.vigil_exec_event.fields;
const executables = EXEC_EVERY > 0
  ? readdirSync(EXEC_DIR).map((n) => join(EXEC_DIR, n)).filter((p) => {
      try {
        const s = statSync(p);
        return s.isFile() && (s.mode & 0o111) !== 0;
      } catch {
        return false;
      }
    }).slice(0, EXEC_PROGRAMS > 0 ? EXEC_PROGRAMS : undefined)
  : [];
let execTgid = 3_000_000;
let execs = 0;
function execRecord(exe, ts) {
  const size = LAYOUTS.vigil_exec_event.size;
  const pid = execTgid++;
  const r = record(EventType.Exec, size, pid, ts);
  r.writeUInt32LE(tgid, X.ppid.offset);
  r.writeInt32LE(0, X.ret.offset);
  const name = Buffer.from(exe.slice(exe.lastIndexOf('/') + 1) + '\0');
  const path = Buffer.from(exe + '\0');
  name.copy(r, X.comm.offset, 0, Math.min(name.length, X.comm.size - 1));
  path.copy(r, X.filename.offset, 0, Math.min(path.length, X.filename.size));
  r.writeUInt32LE(Math.min(path.length, X.filename.size), X.filename_len.offset);
  path.copy(r, X.exe.offset, 0, Math.min(path.length, X.exe.size));
  r.writeUInt32LE(Math.min(path.length, X.exe.size), X.exe_len.offset);
  name.copy(r, X.argv.offset);
  r.writeUInt32LE(name.length, X.argv_len.offset);
  execs++;
  return r;
}
const exitRecord = (pid, ts) => record(EventType.Exit, LAYOUTS.vigil_exit_event.size, pid, ts);
const batches = [];
let pending = [];
let pendingBytes = 0;
let records = 0;
const seal = () => {
  batches.push(Buffer.concat(pending));
  pending = [];
  pendingBytes = 0;
};
let ts = 1_000_000_000n;
function push(r) {
  const framed = Buffer.alloc(8 + ((r.length + 7) & ~7));
  framed.writeUInt32LE(r.length, 0);
  r.copy(framed, 8);
  pending.push(framed);
  pendingBytes += framed.length;
  records++;
  if (pendingBytes >= BATCH_BYTES) seal();
}
for (let rep = 0; rep < REPEAT; rep++) {
  for (const path of paths) {
    push(openRecord(path, (ts += 3000n)));
    if (EXEC_EVERY > 0 && (records - 2 * execs) % EXEC_EVERY === 0) {
      push(execRecord(executables[execs % executables.length], (ts += 3000n)));
      push(exitRecord(execTgid - 1, (ts += 3000n)));
    }
  }
}
if (pending.length) seal();

// ---- the probe stand-in: replays the batches; no counts, no drops ----
function replayProbe() {
  let i = 0;
  return {
    options: { ngramK: 3 },
    poll: async () => (i < batches.length ? batches[i++] : Buffer.alloc(0)),
    activity: () => ({ syscalls: [], ngrams: [] }),
    dropsByProcess: () => new Map(),
    drops: () => ({}),
    forgetProcesses: () => {},
  };
}

const telemetryType = avroType(TelemetryBatchV1Schema);
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const collectUs = [];
const encodeUs = [];
const hashUs = [];
const cpuUs = { on: [], off: [] };
let lastWindow;
let coldHashUs = 0;
const hasher = EXEC_EVERY > 0 && HASH ? new ExeHasher() : undefined;
/** One round: collect the batches into a window (the hasher's queue worked after), encode it. */
async function round(withHasher, measured) {
  const h = withHasher ? hasher : undefined;
  const table = new ProcessTable({}, -1, '/proc', h);
  const windows = new WindowBuilder(3, URGENT ? { perProcess: CONFIG_DEFAULTS.urgentProcessRate, global: CONFIG_DEFAULTS.urgentGlobalRate, extraPaths: [] } : undefined);
  const collector = new Collector(replayProbe(), table, windows, -1);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  while ((await collector.pump(0)) > 0);
  collector.sync();
  const processes = windows.take(table.entries(), -1);
  const t1 = process.hrtime.bigint();
  await h?.idle();
  const th = process.hrtime.bigint();
  const batch = {
    batchId: '00000000-0000-4000-8000-000000000000',
    endpointId: 'bench',
    sequence: 1,
    agentVersion: '0',
    windowStart: 0,
    windowEnd: 1,
    host: { hostname: 'bench', kernel: '', bootId: '', os: '' },
    processes,
    drops: {},
    agentStats: {},
  };
  const tb = process.hrtime.bigint();
  const body = gzipSync(telemetryType.toBuffer(batch), { level: GZIP_LEVEL });
  const t2 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  if (!measured) {
    if (h) coldHashUs = Number(th - t1) / 1e3;
    return;
  }
  cpuUs[h ? 'on' : 'off'].push((cpu.user + cpu.system) / records);
  if (h || !hasher) {
    collectUs.push(Number(t1 - t0) / 1e3 / records);
    hashUs.push(Number(th - t1) / 1e3 / records);
    encodeUs.push(Number(t2 - tb) / 1e3 / records);
    lastWindow = { files: processes.reduce((s, p) => s + p.files.length, 0), bytes: body.length };
  }
}
// warm-up (JIT; the hasher's cache fills), then the measured rounds; with a hasher each round also
// runs without it, in alternating order, so load on the machine weighs on both alike
await round(true, false);
if (hasher) await round(false, false);
for (let r = 0; r < ROUNDS; r++) {
  if (!hasher) await round(false, true);
  else for (const on of r % 2 ? [false, true] : [true, false]) await round(on, true);
}
const c = median(collectUs);
const e = median(encodeUs);
const h = median(hashUs);
console.log(`${records - 2 * execs} open records (${paths.length} paths under ${DIR}, each ${REPEAT}×)${execs ? ` + ${execs} exec and exit records (one of each per ${EXEC_EVERY} opens, ${executables.length} executables under ${EXEC_DIR}, exe hashing ${hasher ? 'on' : 'off'})` : ''}, ${batches.length} batches of ~${BATCH_BYTES >> 10} KiB, median of ${ROUNDS} rounds${URGENT ? ", urgent path on" : ""}`);
console.log(`window: ${lastWindow.files} distinct files, ${(lastWindow.bytes / 1024).toFixed(0)} KiB gzip`);
console.log(`collect (split, decode, dispatch, window):  ${c.toFixed(3)} µs/record`);
if (hasher) console.log(`hash (exe hashes, cache hits):              ${h.toFixed(3)} µs/record (first round, every binary new: ${(coldHashUs / 1e3).toFixed(0)} ms for ${hasher.counters.hashed} files, ${(hasher.bytesHashed / 2 ** 20).toFixed(0)} MiB; ${hasher.counters.too_large} over the size cap)`);
console.log(`encode (Avro + gzip of the window):         ${e.toFixed(3)} µs/record`);
console.log(`total:                                      ${(c + h + e).toFixed(3)} µs/record = one core at ${(1e6 / (c + h + e) / 1000).toFixed(0)}k records/s`);
if (hasher) {
  const [on, off] = [median(cpuUs.on), median(cpuUs.off)];
  console.log(`CPU (user + system), hashing on:            ${on.toFixed(3)} µs/record`);
  console.log(`CPU (user + system), hashing off:           ${off.toFixed(3)} µs/record  → hashing ${(100 * (on / off - 1)).toFixed(1)}% of the agent's CPU (rounds alternate on/off)`);
} else console.log(`CPU (user + system):                        ${median(cpuUs.off).toFixed(3)} µs/record`);
