#!/usr/bin/env node
// CPU seconds per 1,000 events of the detection engine alone (no Kafka, no PostgreSQL): the
// bench/analyzer workload (48 endpoints, 5 programs x 2 processes per batch, attacks sprinkled in)
// through DetectionEngine.processBatch, in this process. Less noisy than the end-to-end bench on a
// shared machine, and comparable between two builds: pass --dist to point at another build of
// apps/stream-analyzer/dist (e.g. a copy made before a change).
//
// usage: node bench/analyzer/engine-cpu.mjs [--dist DIR] [--batches 2400] [--rounds 5]
// prints: per round CPU s per 1,000 events; the median; events (system calls) per batch.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const DIST = resolve(opt('dist', resolve(root, 'apps/stream-analyzer/dist')));
const TOTAL = Number(opt('batches', 2400));
const ROUNDS = Number(opt('rounds', 5));
const ENDPOINTS = 48;
const PROGRAMS = ['/usr/sbin/nginx', '/usr/bin/python3.11', '/usr/sbin/sshd', '/usr/bin/node', '/usr/lib/postgresql/15/bin/postgres'];

// the test helpers of that build: dist/test-support, or (builds before it) dist/testing
const helper = (file) => {
  try {
    return require(resolve(DIST, 'test-support', file));
  } catch {
    return require(resolve(DIST, 'testing', file));
  }
};
const { endpointStream, uuidOf } = helper('scenario.js');
const { DetectionEngine, DEFAULT_ENGINE_OPTIONS } = require(resolve(DIST, 'detection/engine.js'));
const { RuleSet } = require(resolve(DIST, 'detection/rules/rule-set.js'));
const { toDetectionBatch } = require(resolve(DIST, 'kafka/telemetry-adapter.js'));
const { avroType, TelemetryBatchV1Schema } = require('@vigil/schemas');

// the rules as that build loads them: the rules directory, or (builds before it) the one rules file
const ruleDirectory = (() => {
  try {
    return require(resolve(DIST, 'detection/rules/rule-directory.js'));
  } catch {
    return undefined;
  }
})();
const rules = ruleDirectory ? ruleDirectory.loadRuleSet() : RuleSet.parse(readFileSync(resolve(DIST, '..', 'rules', 'known-bad.yaml'), 'utf8'));
const per = Math.ceil(TOTAL / ENDPOINTS);
const start = Date.now() - 3_600_000;
const streams = Array.from({ length: ENDPOINTS }, (_, i) =>
  endpointStream(uuidOf(`bench/cpu/${i}`), { start, stepMs: 1_000, batches: per, attackAt: [Math.floor(per * 0.6) + (i % 5), per - 2], processes: 2, programs: PROGRAMS }),
);
// decoded as the consumer sees them (Avro round trip, then the adapter)
const t = avroType(TelemetryBatchV1Schema);
const batches = [];
for (let r = 0; r < per; r++) for (const s of streams) batches.push(toDetectionBatch(t.fromBuffer(t.toBuffer(s[r])), s[r].endpointId));
let events = 0;
for (const b of batches) for (const p of b.processes) for (const n of Object.values(p.syscalls)) events += Number(n);

const results = [];
for (let round = 0; round < ROUNDS; round++) {
  // learning period 30 s of event time, as in bench/analyzer's scenario: most batches are judged
  const engine = new DetectionEngine(rules, { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: 30_000 });
  let alerts = 0;
  const before = process.cpuUsage();
  for (const b of batches) alerts += engine.processBatch(b).alerts.length;
  const used = process.cpuUsage(before);
  const cpu = (used.user + used.system) / 1e6;
  results.push(cpu / (events / 1000));
  console.log(`round ${round + 1}: ${batches.length} batches, ${events} events, ${alerts} alerts, CPU ${cpu.toFixed(3)} s, CPU s/1000 events ${(cpu / (events / 1000)).toFixed(6)}`);
}
results.sort((a, b) => a - b);
console.log(`median CPU s/1000 events ${results[Math.floor(results.length / 2)].toFixed(6)} (${DIST}; ${(events / batches.length).toFixed(0)} events per batch)`);
