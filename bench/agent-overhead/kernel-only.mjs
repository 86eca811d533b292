#!/usr/bin/env node
// Vigil's kernel side alone, for bench.mjs: vigil.bpf.o loaded and attached with the options
// `agent run` uses (VigilProbe.start with open aggregation in the addon), its ring buffer drained
// and the records thrown away; no decoding, process table, windows, Avro or spool. The difference
// between this tracer and the agent's row is the agent's user space.
// Prints "ready" once attached; exits on SIGTERM/SIGINT.
//
//   node kernel-only.mjs [--object PATH] [--raw-exit]   (variants for bench.mjs --decompose:
//   another build of vigil.bpf.o; the raw sys_exit program on every call instead of one exit
//   tracepoint per syscall with records, the fallback for kernels without syscall tracepoints)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { VigilProbe } = createRequire(join(ROOT, 'package.json'))('@vigil/bpf');
const at = process.argv.indexOf('--object');
const probe = VigilProbe.start({
  agentTgid: process.pid,
  aggregateOpens: true,
  ...(at > 0 ? { objectPath: process.argv[at + 1] } : {}),
  // a tracefs without events/syscalls: VigilProbe takes the raw sys_exit fallback
  ...(process.argv.includes('--raw-exit') ? { tracefs: '/nonexistent' } : {}),
});
if (process.argv.includes('--raw-exit') && probe.exitHooks.mode !== 'raw') throw new Error('--raw-exit: the raw sys_exit fallback was not chosen');
let stopping = false;
process.once('SIGTERM', () => (stopping = true));
process.once('SIGINT', () => (stopping = true));
console.log('ready');
let bytes = 0;
while (!stopping) bytes += (await probe.poll(100)).length;
probe.obj.detach();
while ((await probe.poll(0)).length > 0);
await probe.close();
console.error(`kernel-only: ${bytes} bytes of records drained`);
