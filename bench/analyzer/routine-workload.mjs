#!/usr/bin/env node
// The alert budget: routine admin work after the learning period must raise no alert of severity
// medium or more. Feeds the realistic admin telemetry of apps/stream-analyzer/test/support/admin-workload.ts
// (SSH sessions running ls, ps, systemctl, journalctl, sudo apt, vim…, with cron, journald and nginx in
// the background) through the detection engine: `--learn-min` minutes of learning, then `--after-min`
// minutes of other sessions (another seed), and counts the alerts by severity.
//
// usage: node bench/analyzer/routine-workload.mjs [--learn-min 30] [--after-min 120] [--seed 2]
// prints: alerts by severity after learning, and each alert of severity medium or more.

import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..', '..');
const dist = resolve(root, 'apps/stream-analyzer/dist');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const LEARN_MIN = opt('learn-min', 30);
const AFTER_MIN = opt('after-min', 120);
const SEED = opt('seed', 2);
const WINDOW_MS = 10_000;

const { adminWorkload } = require(resolve(dist, 'test-support/admin-workload.js'));
const { DetectionEngine, DEFAULT_ENGINE_OPTIONS } = require(resolve(dist, 'detection/engine.js'));
const rules = require(resolve(dist, 'detection/rules/rule-directory.js')).loadRuleSet();

const engine = new DetectionEngine(rules, { ...DEFAULT_ENGINE_OPTIONS, learningPeriodMs: LEARN_MIN * 60_000 });
const learning = adminWorkload({ endpointId: 'routine', seed: 1, start: 0, batches: (LEARN_MIN * 60_000) / WINDOW_MS, windowMs: WINDOW_MS });
let learningAlerts = 0;
for (const b of learning) learningAlerts += engine.processBatch(b).alerts.length;
const after = adminWorkload({ endpointId: 'routine', seed: SEED, start: (LEARN_MIN + 1) * 60_000, batches: (AFTER_MIN * 60_000) / WINDOW_MS, windowMs: WINDOW_MS });
const bySeverity = { low: 0, medium: 0, high: 0, critical: 0 };
const loud = [];
let processes = 0;
for (const b of after) {
  processes += b.processes.length;
  for (const a of engine.processBatch(b).alerts) {
    bySeverity[a.severity]++;
    if (a.severity !== 'low') loud.push(`${a.severity} ${a.kind}: ${a.title} — ${a.evidence}`);
  }
}
console.log(`learning ${LEARN_MIN} min (${learning.length} batches): ${learningAlerts} alerts`);
console.log(`after learning ${AFTER_MIN} min (${after.length} batches, ${processes} process windows, seed ${SEED}): alerts low ${bySeverity.low}, medium ${bySeverity.medium}, high ${bySeverity.high}, critical ${bySeverity.critical}`);
for (const l of loud) console.log(`  ${l}`);
console.log(`alerts of severity >= medium after learning: ${loud.length}`);
