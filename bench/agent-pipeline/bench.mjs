#!/usr/bin/env node
// The agent's user-space cost per ring-buffer record, without the kernel: the real Collector,
// ProcessTable and WindowBuilder of apps/agent fed batches framed as the addon hands them over
// (u32 length, u32 count 0 = one record, record, padding to 8), then the window encoded to Avro and gzipped as the
// transport spools it. The records are open events with the real paths under a directory tree
// (the file walk of bench/agent-overhead workload c), so strings and aggregation keys are realistic.
// The probe is a stand-in that replays those batches (pure logic: no kernel, no I/O).
//
//   node bench/agent-pipeline/bench.mjs [--dir /usr/share] [--rounds 7] [--repeat 2]
// --repeat R: every path is opened R times by the same process (R > 1: the window aggregates).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'package.json'));
const { Collector } = require(join(ROOT, 'apps/agent/dist/collector/collector.js'));
const { ProcessTable } = require(join(ROOT, 'apps/agent/dist/process/process-table.js'));
const { WindowBuilder } = require(join(ROOT, 'apps/agent/dist/batch/window-builder.js'));
const { LAYOUTS, EventType } = require('@vigil/bpf');
const { TelemetryBatchV1Schema, avroType } = require('@vigil/schemas');
const { GZIP_LEVEL } = require('@vigil/agent-transport'); // the level the transport spools with

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const DIR = opt('--dir', '/usr/share');
const ROUNDS = Number(opt('--rounds', '7'));
const REPEAT = Number(opt('--repeat', '1'));
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
function openRecord(path, ts) {
  const p = Buffer.from(path + '\0');
  const size = O.path.offset + p.length;
  const r = Buffer.alloc(size);
  r.writeUInt32LE(EventType.Open, H.type.offset);
  r.writeUInt32LE(size, H.size.offset);
  r.writeBigUInt64LE(ts, H.ts_ns.offset);
  r.writeUInt32LE(tgid, H.tgid.offset);
  r.writeUInt32LE(tgid, H.tid.offset);
  r.writeUInt32LE(257, O.nr.offset);
  r.writeInt32LE(-100, O.dfd.offset);
  r.writeUInt32LE(0o400000, O.flags.offset); // O_RDONLY|O_NOFOLLOW
  r.writeInt32LE(3, O.ret.offset);
  r.writeUInt32LE(p.length, O.path_len.offset);
  p.copy(r, O.path.offset);
  return r;
}
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
for (let rep = 0; rep < REPEAT; rep++) {
  for (const path of paths) {
    const r = openRecord(path, (ts += 3000n));
    const framed = Buffer.alloc(8 + ((r.length + 7) & ~7));
    framed.writeUInt32LE(r.length, 0);
    r.copy(framed, 8);
    pending.push(framed);
    pendingBytes += framed.length;
    records++;
    if (pendingBytes >= BATCH_BYTES) seal();
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
let lastWindow;
for (let round = 0; round < ROUNDS + 1; round++) {
  const table = new ProcessTable({}, -1);
  const windows = new WindowBuilder(3);
  const collector = new Collector(replayProbe(), table, windows, -1);
  const t0 = process.hrtime.bigint();
  while ((await collector.pump(0)) > 0);
  collector.sync();
  const processes = windows.take(table.entries(), -1);
  const t1 = process.hrtime.bigint();
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
  const body = gzipSync(telemetryType.toBuffer(batch), { level: GZIP_LEVEL });
  const t2 = process.hrtime.bigint();
  if (round === 0) continue; // warm-up (JIT)
  collectUs.push(Number(t1 - t0) / 1e3 / records);
  encodeUs.push(Number(t2 - t1) / 1e3 / records);
  lastWindow = { files: processes.reduce((s, p) => s + p.files.length, 0), bytes: body.length };
}
const c = median(collectUs);
const e = median(encodeUs);
console.log(`${records} open records (${paths.length} paths under ${DIR}, each ${REPEAT}×), ${batches.length} batches of ~${BATCH_BYTES >> 10} KiB, median of ${ROUNDS} rounds`);
console.log(`window: ${lastWindow.files} distinct files, ${(lastWindow.bytes / 1024).toFixed(0)} KiB gzip`);
console.log(`collect (split, decode, dispatch, window):  ${c.toFixed(3)} µs/record`);
console.log(`encode (Avro + gzip of the window):         ${e.toFixed(3)} µs/record`);
console.log(`total:                                      ${(c + e).toFixed(3)} µs/record = one core at ${(1e6 / (c + e) / 1000).toFixed(0)}k records/s`);
