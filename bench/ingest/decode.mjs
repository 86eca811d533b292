#!/usr/bin/env node
// The gateway's per-batch CPU for the two choices made in its decode path, in one process on the
// same batch: materialising the whole batch (decodeStrict: check + avsc decode) vs checking the
// whole encoding and peeking at the identity fields only (peekStrict, what the gateway does);
// async gunzip (thread pool + streams) vs synchronous gunzip for small bodies (what it does); and
// the contract's invariants (checkTelemetryInvariants: a second walk over the bytes) on top of the peek.
//   node bench/ingest/decode.mjs [--n 2000]
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzip, gunzipSync, gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { TelemetryBatchV1Schema, avroType, checkTelemetryInvariants, decodeStrict, peekStrict, sampleTelemetryBatch } = createRequire(join(ROOT, 'package.json'))('@vigil/schemas');
const i = process.argv.indexOf('--n');
const N = i > 0 ? Number(process.argv[i + 1]) : 2000;
const t = avroType(TelemetryBatchV1Schema);
const rnd = (n) => Math.floor(Math.random() * n);
const batch = sampleTelemetryBatch('endpoint-1', 1, 40);
for (const p of batch.processes) {
  p.sequences.ngrams = Array.from({ length: 90 }, () => ({ hash: rnd(2 ** 31), count: 1 + rnd(5000) }));
  p.syscalls = Object.fromEntries(Array.from({ length: 16 }, (_, k) => [`sys${k}`, Math.floor(Math.exp(Math.random() * 10))]));
}
const buf = t.toBuffer(batch);
const gz = Buffer.concat([gzipSync(buf.subarray(0, 50)), gzipSync(buf.subarray(50))]); // multi-member, as agents send

async function cpu(name, fn) {
  for (let k = 0; k < 100; k++) await fn();
  const c0 = process.cpuUsage();
  for (let k = 0; k < N; k++) await fn();
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / N;
  console.log(`${name.padEnd(52)}${us.toFixed(0).padStart(7)} µs CPU per batch`);
  return us;
}

console.log(`batch: ${buf.length} bytes Avro, ${gz.length} bytes gzip; ${N} iterations each`);
const full = await cpu('decodeStrict (check + materialise the whole batch)', () => decodeStrict(t, buf));
const peek = await cpu('peekStrict (check all, materialise the identity)', () => peekStrict(t, buf, ['endpointId', 'batchId', 'sequence']));
const clock = { maxFutureMs: 600_000, maxPastMs: 30 * 86_400_000 };
const inv = await cpu('checkTelemetryInvariants (second walk, strings checked)', () => checkTelemetryInvariants(t, buf, { now: Date.now(), ...clock }));
const async_ = await cpu('gunzip, async (thread pool)', () => new Promise((res, rej) => gunzip(gz, { maxOutputLength: 15 << 20 }, (e, o) => (e ? rej(e) : res(o)))));
const sync = await cpu('gunzipSync, 64 KiB chunks', () => gunzipSync(gz, { maxOutputLength: 15 << 20, chunkSize: 64 << 10 }));
console.log(`peek + invariants: ${(peek + inv).toFixed(0)} µs (÷ full decode: ${((peek + inv) / full).toFixed(2)})`);
console.log(`peek ÷ full decode: ${(peek / full).toFixed(2)}; sync ÷ async gunzip: ${(sync / async_).toFixed(2)} (process CPU, thread pool included)`);
