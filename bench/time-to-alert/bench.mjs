#!/usr/bin/env node
// Time to alert (issue 15.5): from a rule-matching system call to the alert committed in PostgreSQL,
// through the real pipeline — the built gateway, stream analyzer and agent (root, real eBPF) as
// separate processes on free ports, a fresh database and fresh topics on the local stack.
//
// Each trial runs a fresh `bash` that prints $EPOCHREALTIME and at once opens a file below
// /etc/cron.d for writing (rule cron-persistence-write, which fires whatever the baseline says; the
// file is named with a dot, which cron ignores, and removed right after). The bench polls
// alert_occurrences (every 20 ms) for that bash's pid; time to alert = first visible − syscall time.
// Trials start at a random phase of the agent's window (uniform over it), so the window path is
// measured fairly. Before the trials the first window (the whole host) passes and one uncounted
// trial warms the path. Two agent runs: `urgent=false` (the window path, before) and the urgent path (after).
//
//   sudo VIGIL_HOME=/work/main/.vigil node bench/time-to-alert/bench.mjs [--trials 20] [--window 10s] [--modes window,urgent]
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'package.json'));
const { freshDatabase, stackUrls, uniqueName, waitUntil, stackServiceEnv } = require('@vigil/testing');
const { KafkaClient } = require('@vigil/kafka');
const { createPool } = require('@vigil/db');
const { parseDuration } = require('@vigil/common');

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const TRIALS = Number(opt('--trials', '20'));
const WINDOW = opt('--window', '10s');
const WINDOW_MS = parseDuration(WINDOW);
const MODES = opt('--modes', 'window,urgent').split(',');
const ALERT_TIMEOUT_MS = WINDOW_MS + 90_000; // a loaded analyzer can lag a minute: a miss is a miss, not a slow trial

const GATEWAY_MAIN = join(ROOT, 'apps/ingest-gateway/dist/main.js');
const ANALYZER_MAIN = join(ROOT, 'apps/stream-analyzer/dist/main.js');
const AGENT_MAIN = join(ROOT, 'apps/agent/dist/main.js');
const CLI_MAIN = join(ROOT, 'tools/cli/dist/main.js');

const children = new Set();
/** Warnings and errors of the services, printed when the bench fails. */
const logs = [];
function start(name, argv, env, ready) {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out = (out + d).slice(-200_000)));
  child.stderr.setEncoding('utf8').on('data', (d) => (out = (out + d).slice(-200_000)));
  const exited = new Promise((r) => child.once('exit', (code) => (children.delete(child), r(code))));
  logs.push([name, () => out]);
  const handle = { child, log: () => out, exited, stop: async (sig = 'SIGTERM') => (child.exitCode === null && child.kill(sig), exited) };
  return (async () => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${out.slice(-3000)}`);
      const value = ready(out);
      if (value !== undefined) return { ...handle, value };
      if (Date.now() > deadline) throw new Error(`${name} not ready after 90 s:\n${out.slice(-3000)}`);
      await sleep(50);
    }
  })();
}

/** Replace (or add) `key=value` lines of an agent config text. */
function withConfig(text, values) {
  let out = text;
  for (const [k, v] of Object.entries(values)) {
    const re = new RegExp(`^${k}=.*$`, 'm');
    out = re.test(out) ? out.replace(re, `${k}=${v}`) : `${out.replace(/\n?$/, '\n')}${k}=${v}\n`;
  }
  return out;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One trial: a fresh bash writes below /etc/cron.d; resolves with {pid, ms} once its alert is committed. */
async function trial(pool, n) {
  const file = `/etc/cron.d/vigil.tta.${process.pid}.${n}`;
  const { stdout, pid } = await new Promise((res, rej) => {
    const c = spawn('/bin/bash', ['-c', `echo $EPOCHREALTIME; : > ${file}; rm -f ${file}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let o = '';
    c.stdout.setEncoding('utf8').on('data', (d) => (o += d));
    c.on('error', rej);
    c.on('exit', () => res({ stdout: o, pid: c.pid }));
  });
  const t0 = Number(stdout.trim().replace(',', '.')) * 1000;
  const deadline = Date.now() + ALERT_TIMEOUT_MS;
  for (;;) {
    const r = await pool.query('select 1 from alert_occurrences where $1 = any(pids) union all select 1 from alerts where pid = $1 limit 1', [pid]);
    if (r.rowCount > 0) {
      const ms = Date.now() - t0;
      // when the agent handed the batch over: the window end of the first batch that carried the process
      const p = await pool.query('select extract(epoch from min(last_seen)) * 1000 as sent from processes where pid = $1', [pid]);
      return { pid, ms, agentMs: p.rows[0]?.sent ? Number(p.rows[0].sent) - t0 : NaN };
    }
    if (Date.now() > deadline) throw new Error(`no alert for pid ${pid} (${file}) within ${ALERT_TIMEOUT_MS} ms`);
    await sleep(20);
  }
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root: the agent loads eBPF programs');
  const urls = stackUrls();
  const db = await freshDatabase('vigil_tta');
  const topic = uniqueName('vigil.bench.tta.telemetry');
  const alertsTopic = uniqueName('vigil.bench.tta.alerts');
  const dlqTopic = uniqueName('vigil.bench.tta.dlq');
  const kafka = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'bench-tta', sasl: urls.kafkaSasl });
  const admin = kafka.admin();
  await admin.connect();
  for (const [t, n] of [[topic, 3], [alertsTopic, 1], [dlqTopic, 1]]) {
    await waitUntil(async () => {
      await admin.createTopic(t, n).catch(() => false);
      return (await admin.endOffsets(t)).size === n;
    }, 30_000, `topic ${t}`);
  }
  const pool = createPool(db.url, { max: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tta-'));
  const results = {};
  try {
    const common = { ...stackServiceEnv(urls), VIGIL_DATABASE_URL: db.url, VIGIL_LOG_LEVEL: 'info' };
    const gw = await start('gateway', [GATEWAY_MAIN], { ...common, VIGIL_GATEWAY_HOST: '127.0.0.1', VIGIL_GATEWAY_PORT: '0', VIGIL_GATEWAY_TOPIC: topic }, (out) => {
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      return line ? JSON.parse(line).address : undefined;
    });
    const analyzer = await start(
      'analyzer',
      [ANALYZER_MAIN, 'run'],
      {
        ...common,
        VIGIL_ANALYZER_TELEMETRY_TOPIC: topic,
        VIGIL_ANALYZER_ALERTS_TOPIC: alertsTopic,
        VIGIL_ANALYZER_DLQ_TOPIC: dlqTopic,
        VIGIL_ANALYZER_GROUP_ID: uniqueName('vigil-bench-tta'),
        VIGIL_ANALYZER_PORT: '0',
        VIGIL_ANALYZER_SESSION_TIMEOUT: '10s',
      },
      (out) => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1],
    );
    const { stdout } = await promisify(execFile)(process.execPath, [CLI_MAIN, 'endpoint', 'add', '--name', 'tta-bench', '--api', gw.value], { env: { ...process.env, VIGIL_DATABASE_URL: db.url } });
    const endpoint = JSON.parse(stdout.trim().split('\n').at(-1));
    for (const mode of MODES) {
      const conf = join(dir, `agent-${mode}.conf`);
      writeFileSync(conf, withConfig(endpoint.config, { spool_dir: join(dir, 'spool'), window: WINDOW, urgent: String(mode === 'urgent') }), { mode: 0o600 });
      const agent = await start('agent', ['--single-threaded', AGENT_MAIN, 'run', '--config', conf], {}, (out) => out.includes('"msg":"agent running"') || undefined);
      const ms = [];
      try {
        // the first window carries every process of the host (a cold analyzer learns them all): let
        // it pass, then one uncounted trial warms the path (JIT, connections, the consumer's fetch)
        await sleep(WINDOW_MS + 3_000);
        await trial(pool, `${mode}.warmup`).catch((err) => process.stderr.write(`${mode} warm-up: ${err.message}\n${serviceComplaints()}`));
        for (let i = 0; i < TRIALS; i++) {
          await sleep(Math.random() * (mode === 'urgent' ? 500 : WINDOW_MS)); // a random phase of the window
          const r = await trial(pool, `${mode}.${i}`).catch((err) => {
            // a missed alert is a result, not a crash: counted (as ∞ in the quantiles) with the services' complaints
            process.stderr.write(`${mode} trial ${i + 1}/${TRIALS}: ${err.message}\n${serviceComplaints()}`);
            return { pid: 0, ms: Infinity, agentMs: NaN };
          });
          ms.push(r.ms);
          process.stderr.write(`${mode} trial ${i + 1}/${TRIALS}: pid ${r.pid} ${r.ms.toFixed(0)} ms (batch handed over by the agent after ${r.agentMs.toFixed(0)} ms)\n`);
        }
      } finally {
        await agent.stop('SIGINT');
      }
      // the analyzer's own split: Kafka record timestamp (gateway accepted) → batch committed
      const metrics = await (await fetch(`${analyzer.value}/metrics`)).text();
      const hist = (name) => {
        const count = Number(new RegExp(`^${name}_count (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
        const sum = Number(new RegExp(`^${name}_sum (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
        const buckets = [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => `≤${m[1]}s:${m[2]}`);
        return `${count} batches, mean ${count ? ((sum / count) * 1000).toFixed(0) : '-'} ms (cumulative ${buckets.join(' ')})`;
      };
      process.stderr.write(`analyzer, Kafka → committed, all batches so far: ${hist('vigil_analyzer_batch_latency_seconds')}\n`);
      process.stderr.write(`analyzer, Kafka → committed, batches with alerts so far: ${hist('vigil_analyzer_alert_latency_seconds')}\n`);
      const sorted = [...ms].sort((a, b) => a - b);
      const load = loadavg().map((x) => x.toFixed(1)).join(' ');
      process.stderr.write(`host load average (1, 5, 15 min) at the end of the ${mode} trials: ${load}\n`);
      const missed = ms.filter((x) => !Number.isFinite(x)).length;
      const r = (x) => (Number.isFinite(x) ? Math.round(x) : null);
      results[mode] = { trials: ms.length, missed, loadAverage: load, p50Ms: r(quantile(sorted, 0.5)), p99Ms: r(quantile(sorted, 0.99)), maxMs: r(sorted.at(-1)), minMs: r(sorted[0]) };
      const f = (x) => (x === null ? '∞ (missed)' : `${x} ms`);
      console.log(
        `${mode.padEnd(7)} (${mode === 'urgent' ? 'urgent path' : `window ${WINDOW}, urgent=false`}): ${ms.length} trials, ${missed} missed  p50 ${f(results[mode].p50Ms)}  p99 ${f(results[mode].p99Ms)}  min ${f(results[mode].minMs)}  max ${f(results[mode].maxMs)}`,
      );
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(500);
    for (const c of children) c.kill('SIGKILL');
    await pool.end().catch(() => undefined);
    for (const t of [topic, alertsTopic, dlqTopic]) await admin.deleteTopic(t).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
  console.log(JSON.stringify({ window: WINDOW, ...results }));
}

function serviceComplaints() {
  let text = '';
  for (const [name, out] of logs) {
    const bad = out().split("\n").filter((l) => /"level":(40|50|60)/.test(l) || /^vigil|Error|rejected|dead-letter|BATCH_INVALID|stalled/.test(l));
    if (bad.length > 0) text += `--- ${name}: last warnings and errors\n${bad.slice(-15).join('\n')}\n`;
  }
  return text;
}

main().catch((err) => {
  console.error(err);
  console.error(serviceComplaints());
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
