#!/usr/bin/env node
// Stream-analyzer throughput and latency with 1, 2 and 3 instances (child processes of the built
// apps/stream-analyzer/dist/main.js) against the real local stack.
//
// For each instance count: a fresh database, consumer group and telemetry topic (12 partitions); the
// N instances join first (each with its share of partitions), then the backlog of realistic batches
// (several programs per endpoint, attacks sprinkled in) is produced in one burst, and the run is timed
// until PostgreSQL's stored offsets reach the end of every partition. Then, caught up, a paced
// live stream measures batch-accepted (Kafka record timestamp) → alert-committed latency.
//
// usage: VIGIL_HOME=/work/main/.vigil node bench/analyzer/bench.mjs [--batches N] [--instances 1,2,3] [--live-s S] [--rate R] [--main FILE]
// prints per instance: events/s, batches/s, CPU s per 1,000 events, partitions; totals; latency p50/p99.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..', '..');
const { freshDatabase, stackUrls, uniqueName, waitUntil, stackServiceEnv } = require('@vigil/testing');
const { createPool, migrate } = require('@vigil/db');
const { KafkaClient } = require('@vigil/kafka');
const { TelemetryBatchV1Schema, WireEncoder, createRegistryClient, registerValueSchema } = require('@vigil/schemas');
const { endpointStream, uuidOf } = require(resolve(root, 'apps/stream-analyzer/dist/test-support/scenario.js'));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
/** The analyzer entry point under test (--main: another build, e.g. the base commit's, for before/after). */
const MAIN = resolve(opt('main', resolve(root, 'apps/stream-analyzer/dist/main.js')));
const TOTAL_BATCHES = Number(opt('batches', 2400));
const INSTANCES = opt('instances', '1,2,3').split(',').map(Number);
const LIVE_S = Number(opt('live-s', 8));
const RATE = Number(opt('rate', 40));
const ENDPOINTS = 48;
const PROGRAMS = ['/usr/sbin/nginx', '/usr/bin/python3.11', '/usr/sbin/sshd', '/usr/bin/node', '/usr/lib/postgresql/15/bin/postgres'];

const urls = stackUrls();
const kafka = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'analyzer-bench', sasl: urls.kafkaSasl });
const registry = createRegistryClient(urls.schemaRegistryUrl, { auth: urls.registryAuth });

/** Batches for `endpoints`, `perEndpoint` each, interleaved by round (as agents send them). */
function workload(tag, perEndpoint, startMs) {
  const streams = Array.from({ length: ENDPOINTS }, (_, i) =>
    endpointStream(uuidOf(`bench/${tag}/${i}`), { start: startMs, stepMs: 1_000, batches: perEndpoint, attackAt: [Math.floor(perEndpoint * 0.6) + (i % 5), perEndpoint - 2], processes: 2, programs: PROGRAMS }),
  );
  const out = [];
  for (let r = 0; r < perEndpoint; r++) for (const s of streams) out.push(s[r]);
  return out;
}

async function createTopic(admin, topic, partitions) {
  await waitUntil(async () => {
    await admin.createTopic(topic, partitions).catch(() => false);
    return (await admin.endOffsets(topic)).size === partitions;
  }, 30_000, `topic ${topic}`);
}

async function produce(producer, encoder, topic, batches) {
  for (let i = 0; i < batches.length; i += 250) await producer.send(topic, batches.slice(i, i + 250).map((b) => ({ key: b.endpointId, value: encoder.encode(b) })));
}

function spawnAnalyzer(env) {
  const child = spawn(process.execPath, [MAIN, 'run'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = new Promise((res, rej) => {
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) res(m[1]);
      if (out.length > 1e6) out = out.slice(-1e5);
    });
    child.stderr.on('data', (d) => (out += d.toString()));
    child.on('exit', (code) => rej(new Error(`analyzer exited ${code}: ${out.slice(-1500)}`)));
  });
  return { child, url };
}

/** Parse a Prometheus text exposition into name{labels} → value. */
function parseMetrics(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}
const metricsOf = async (url) => parseMetrics(await (await fetch(`${url}/metrics`)).text());
const val = (m, key) => m.get(key) ?? 0;

/** Quantile from summed cumulative histogram bucket deltas (linear within the bucket). */
function quantile(buckets, q) {
  const total = buckets[buckets.length - 1][1];
  if (total === 0) return NaN;
  const target = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= target) {
      if (!Number.isFinite(le)) return prevLe;
      return prevLe + ((target - prevCount) / Math.max(1, count - prevCount)) * (le - prevLe);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
function histogram(before, after, name) {
  const les = new Set();
  for (const k of after.keys()) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(k);
    if (m) les.add(m[1]);
  }
  return [...les]
    .map((le) => [le === '+Inf' ? Infinity : Number(le), val(after, `${name}_bucket{le="${le}"}`) - val(before, `${name}_bucket{le="${le}"}`)])
    .sort((a, b) => a[0] - b[0]);
}
function sumHist(hs) {
  return hs[0].map(([le], i) => [le, hs.reduce((s, h) => s + h[i][1], 0)]);
}

async function runOnce(n) {
  const tag = `${n}-${Date.now()}`;
  const db = await freshDatabase('vigil_analyzer_bench');
  const pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  const topic = uniqueName('vigil.bench.analyzer.telemetry');
  const alerts = uniqueName('vigil.bench.analyzer.alerts');
  const dlq = uniqueName('vigil.bench.analyzer.dlq');
  const groupId = uniqueName('vigil-bench-analyzer');
  const admin = kafka.admin();
  await admin.connect();
  await createTopic(admin, topic, 12);
  await createTopic(admin, alerts, 6);
  await createTopic(admin, dlq, 3);
  const schemaId = await registerValueSchema(registry, topic, TelemetryBatchV1Schema);
  const encoder = new WireEncoder(schemaId, TelemetryBatchV1Schema);
  const producer = kafka.producer();
  await producer.connect();
  const perEndpoint = Math.ceil(TOTAL_BATCHES / ENDPOINTS);
  const start = Date.now() - (perEndpoint + 120) * 1_000;
  const batches = workload(tag, perEndpoint, start);
  const env = {
    ...stackServiceEnv(urls),
    VIGIL_DATABASE_URL: db.url,
    VIGIL_BASELINE_LEARNING_PERIOD: '20s',
    VIGIL_ANALYZER_TELEMETRY_TOPIC: topic,
    VIGIL_ANALYZER_ALERTS_TOPIC: alerts,
    VIGIL_ANALYZER_DLQ_TOPIC: dlq,
    VIGIL_ANALYZER_GROUP_ID: groupId,
    VIGIL_ANALYZER_PORT: '0',
    VIGIL_LOG_LEVEL: 'warn',
  };
  const started = Date.now();
  const instances = Array.from({ length: n }, () => spawnAnalyzer({ ...env, VIGIL_LOG_LEVEL: 'info' }));
  const instUrls = await Promise.all(instances.map((i) => i.url));
  // every instance a member with its share before the backlog lands: a slow start on a loaded machine
  // would otherwise let the first member drain most of it alone
  await waitUntil(async () => {
    const hs = await Promise.all(instUrls.map(async (u) => (await fetch(`${u}/healthz`)).json()));
    const parts = hs.map((x) => x.assignedPartitions?.length ?? 0);
    return parts.every((p) => p > 0) && parts.reduce((a, b) => a + b, 0) === 12;
  }, 120_000, 'every instance assigned');
  const m0 = await Promise.all(instUrls.map(metricsOf));
  const t0 = Date.now();
  await produce(producer, encoder, topic, batches); // the backlog: produced in a burst far faster than it is consumed
  const end = await admin.endOffsets(topic);
  const stored = async () => new Map((await pool.query('select partition, next_offset from analyzer_offsets where group_id = $1', [groupId])).rows.map((r) => [r.partition, r.next_offset]));
  await waitUntil(async () => {
    const got = await stored();
    for (const [p, high] of end) if (high !== '0' && got.get(p) !== high) return false;
    return true;
  }, 600_000, 'pre-filled topic consumed');
  const t1 = Date.now();
  const m1 = await Promise.all(instUrls.map(metricsOf));
  const health = await Promise.all(instUrls.map(async (u) => (await fetch(`${u}/healthz`)).json()));
  const elapsed = (t1 - t0) / 1000;
  const per = m1.map((m, i) => {
    const batchesDone = val(m, 'vigil_analyzer_batches_total{result="processed"}') - val(m0[i], 'vigil_analyzer_batches_total{result="processed"}');
    const events = val(m, 'vigil_analyzer_events_total') - val(m0[i], 'vigil_analyzer_events_total');
    const cpu = val(m, 'vigil_analyzer_process_cpu_seconds_total') - val(m0[i], 'vigil_analyzer_process_cpu_seconds_total');
    const tx = val(m, 'vigil_analyzer_db_write_seconds_count') - val(m0[i], 'vigil_analyzer_db_write_seconds_count');
    const txS = val(m, 'vigil_analyzer_db_write_seconds_sum') - val(m0[i], 'vigil_analyzer_db_write_seconds_sum');
    return { batches: batchesDone, events, cpu, partitions: health[i].assignedPartitions.length, tx, txMs: tx ? (txS / tx) * 1000 : 0 };
  });

  // live phase: caught up, a paced stream (RATE batches/s) with attacks → accepted→committed latency
  const liveBatches = workload(`${tag}-live`, Math.ceil((RATE * LIVE_S) / ENDPOINTS), Date.now() - 10_000).map((b) => ({ ...b, batchId: uuidOf(`live/${b.batchId}`), sequence: b.sequence + 100_000 }));
  const l0 = await Promise.all(instUrls.map(metricsOf));
  const liveStart = Date.now();
  for (let i = 0; i < liveBatches.length; i += Math.max(1, Math.round(RATE / 10))) {
    await produce(producer, encoder, topic, liveBatches.slice(i, i + Math.max(1, Math.round(RATE / 10))));
    const due = liveStart + ((i + 1) / RATE) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  const end2 = await admin.endOffsets(topic);
  await waitUntil(async () => {
    const got = await stored();
    for (const [p, high] of end2) if (high !== '0' && got.get(p) !== high) return false;
    return true;
  }, 120_000, 'live stream consumed');
  const l1 = await Promise.all(instUrls.map(metricsOf));
  const alertLat = sumHist(l1.map((m, i) => histogram(l0[i], m, 'vigil_analyzer_alert_latency_seconds')));
  const batchLat = sumHist(l1.map((m, i) => histogram(l0[i], m, 'vigil_analyzer_batch_latency_seconds')));
  const alertCount = Number((await pool.query('select count(*)::int as n from alerts')).rows[0].n);

  for (const i of instances) i.child.kill('SIGTERM');
  await Promise.all(instances.map((i) => new Promise((r) => (i.child.exitCode !== null ? r() : i.child.on('exit', r)))));
  await producer.disconnect();
  for (const t of [topic, alerts, dlq]) await admin.deleteTopic(t).catch(() => undefined);
  await admin.disconnect();
  await pool.end();
  await db.drop().catch((err) => console.error(`(could not drop ${db.name}: ${err.message})`));
  return { n, elapsed, per, startupS: (t0 - started) / 1000, alertLat, batchLat, alertCount, records: batches.length, liveRecords: liveBatches.length };
}

const { loadavg } = await import('node:os');
console.log(`machine: ${(await import('node:os')).cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at start (shared machine)`);
const results = [];
for (const n of INSTANCES) {
  const r = await runOnce(n);
  results.push(r);
  const totB = r.per.reduce((s, p) => s + p.batches, 0);
  const totE = r.per.reduce((s, p) => s + p.events, 0);
  const totC = r.per.reduce((s, p) => s + p.cpu, 0);
  console.log(`\n== ${n} instance(s): ${r.records} backlog batches (${ENDPOINTS} endpoints, 12 partitions) consumed in ${r.elapsed.toFixed(1)} s (start-up and join ${r.startupS.toFixed(1)} s not counted); ${r.alertCount} alerts`);
  r.per.forEach((p, i) =>
    console.log(
      `  instance ${i + 1}: partitions ${String(p.partitions).padStart(2)}  batches/s ${(p.batches / r.elapsed).toFixed(1).padStart(7)}  events/s ${Math.round(p.events / r.elapsed).toString().padStart(9)}  CPU s/1000 events ${(p.events ? (p.cpu / p.events) * 1000 : NaN).toFixed(5)}  transactions ${p.tx} (mean ${p.txMs.toFixed(1)} ms, ${(p.batches / Math.max(1, p.tx)).toFixed(1)} batches each)`,
    ),
  );
  console.log(`  total     : batches/s ${(totB / r.elapsed).toFixed(1)}  events/s ${Math.round(totE / r.elapsed)}  CPU s/1000 events ${((totC / totE) * 1000).toFixed(5)}`);
  console.log(
    `  live ${r.liveRecords} batches at ${RATE}/s: batch-accepted→alert-committed p50 ${(quantile(r.alertLat, 0.5) * 1000).toFixed(0)} ms  p99 ${(quantile(r.alertLat, 0.99) * 1000).toFixed(0)} ms (n=${r.alertLat.at(-1)[1]} alerting batches); all batches p50 ${(quantile(r.batchLat, 0.5) * 1000).toFixed(0)} ms p99 ${(quantile(r.batchLat, 0.99) * 1000).toFixed(0)} ms`,
  );
}
if (results.length > 1) {
  const base = results[0];
  const rate = (r) => r.per.reduce((s, p) => s + p.batches, 0) / r.elapsed;
  console.log('\nscaling (total batches/s relative to 1 instance): ' + results.map((r) => `${r.n}: ${(rate(r) / rate(base)).toFixed(2)}x`).join('  '));
}
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
registry.close();
process.exit(0);
