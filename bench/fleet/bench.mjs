#!/usr/bin/env node
// Fleet capacity: `./vigil fleet simulate` at N endpoints against a gateway and an analyzer of their
// own (the built apps, on a fresh database and topics of the local stack), with the CPU each spent
// read from /proc/<pid>/stat. Prints, per size: the simulate summary, gateway and analyzer CPU
// cores used, endpoints per gateway core and per analyzer core at the simulated rate, and PostgreSQL
// bytes per endpoint-day (what accumulates until retention), per endpoint (standing) and per alert.
//
// Capacity per core is accepted batches per CPU second ÷ the rate per endpoint; the analyzer's CPU
// counts until every accepted batch is analysed (its backlog included). PostgreSQL bytes per
// endpoint-day = activity rows per batch × batches an endpoint sends in a day × live bytes per row
// (after VACUUM FULL, indexes included), plus the process rows a real host of the profile starts
// per day (from the recorded corpus) × live bytes per process row.
//
// Given several sizes it also prints the marginal figures between consecutive sizes (the CPU of the
// extra batches alone), which is what sizing a larger fleet needs.
//
// usage: VIGIL_HOME=/work/main/.vigil node bench/fleet/bench.mjs [--endpoints 100,1000] [--duration 60] [--rate 0.1] [--settle 600s] [--profile busy-build|web-server|idle] [--analyzer PATH/main.js] [--cpu-prof DIR]

import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..', '..');
const { freshDatabase, stackUrls, uniqueName, waitUntil, startServiceProcess, pinoListening, stackServiceEnv } = require('@vigil/testing');
const { createPool } = require('@vigil/db');
const { KafkaClient } = require('@vigil/kafka');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const SIZES = opt('endpoints', '100,1000').split(',').map(Number);
const DURATION_S = Number(opt('duration', 60));
const RATE = Number(opt('rate', 0.1));
const SETTLE = opt('settle', '600s');
const PROFILE = opt('profile', 'busy-build');
// --cpu-prof DIR: write the analyzer's and the gateway's V8 CPU profiles there (open in Chrome DevTools or speedscope)
const CPU_PROF = opt('cpu-prof', '');
const CLI = resolve(root, 'tools/cli/dist/main.js');
const GATEWAY = resolve(root, 'apps/ingest-gateway/dist/main.js');
// --analyzer PATH: another build's analyzer (its main.js), for before/after figures on the same stack
const ANALYZER = resolve(opt('analyzer', resolve(root, 'apps/stream-analyzer/dist/main.js')));
const TICKS = 100; // USER_HZ on Linux x86-64

const urls = stackUrls();
const kafka = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'fleet-bench', sasl: urls.kafkaSasl });

/** Bytes of each table (partitions summed under their parent's name, indexes and TOAST included). */
async function tableBytes(pool) {
  const { rows } = await pool.query(
    `select coalesce(p.relname, c.relname) as name, sum(pg_total_relation_size(c.oid))::bigint as bytes
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       left join pg_inherits i on i.inhrelid = c.oid left join pg_class p on p.oid = i.inhparent
      where n.nspname = 'public' and c.relkind in ('r', 'p') group by 1`,
  );
  return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}

/**
 * New process rows per batch a host of the profile adds: in a steady state as many processes start
 * as exit, so the processes a recorded window (after the profile's selection) reports as exited. The
 * simulator replays the same recorded processes for ever (pids varied per endpoint, not per batch),
 * so the run itself only measures what one process row costs, not how many a day brings.
 */
function corpusProcessChurn() {
  const { readCorpus } = require(resolve(root, 'tools/cli/dist/fleet/corpus.js'));
  const { profileWindow } = require(resolve(root, 'tools/cli/dist/fleet/variation.js'));
  const windows = readCorpus().map((b) => profileWindow(b, PROFILE));
  return windows.reduce((sum, b) => sum + b.processes.filter((p) => p.exited).length, 0) / Math.max(1, windows.length);
}

/** Rows of a table (exact count; the bench's databases are small). */
async function rowCount(pool, table) {
  return Number((await pool.query(`select count(*) as n from ${table}`)).rows[0].n);
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function runSize(endpoints) {
  const db = await freshDatabase('vigil_fleet_bench');
  const telemetry = uniqueName('vigil.bench.fleet.telemetry');
  const alerts = uniqueName('vigil.bench.fleet.alerts');
  const dlq = uniqueName('vigil.bench.fleet.dlq');
  const admin = kafka.admin();
  await admin.connect();
  for (const [t, n] of [[telemetry, 12], [alerts, 1], [dlq, 1]]) await admin.createTopic(t, n);
  const common = { VIGIL_DATABASE_URL: db.url, ...stackServiceEnv(urls), VIGIL_LOG_LEVEL: 'warn' };
  const gateway = await startServiceProcess(GATEWAY, { ...common, VIGIL_LOG_LEVEL: 'info', VIGIL_GATEWAY_HOST: '127.0.0.1', VIGIL_GATEWAY_PORT: '0', VIGIL_GATEWAY_TOPIC: telemetry }, pinoListening, { name: 'ingest-gateway', timeoutMs: 120_000, nodeArgs: CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF, '--cpu-prof-name', 'gateway.cpuprofile'] : [] });
  let analyzerLog = '';
  const analyzer = spawn(process.execPath, [...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []), ANALYZER, 'run'], {
    env: { ...process.env, ...common, VIGIL_LOG_LEVEL: 'info', VIGIL_ANALYZER_PORT: '0', VIGIL_ANALYZER_TELEMETRY_TOPIC: telemetry, VIGIL_ANALYZER_ALERTS_TOPIC: alerts, VIGIL_ANALYZER_DLQ_TOPIC: dlq, VIGIL_ANALYZER_GROUP_ID: uniqueName('vigil-fleet-bench') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const s of [analyzer.stdout, analyzer.stderr]) s.on('data', (d) => (analyzerLog = (analyzerLog + d.toString()).slice(-20_000)));
  const pool = createPool(db.url, { max: 1 });
  try {
    await waitUntil(() => analyzerLog.includes('health and metrics listening'), 120_000, 'the analyzer to start');
    const tablesBefore = await tableBytes(pool);
    const cpu0 = { gateway: cpuSeconds(gateway.child.pid), analyzer: cpuSeconds(analyzer.pid) };
    const t0 = Date.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CLI, 'fleet', 'simulate', '--endpoints', String(endpoints), '--duration', String(DURATION_S), '--rate', String(RATE), '--gateway', gateway.url, '--topic', telemetry, '--settle', SETTLE, '--profile', PROFILE],
      { env: { ...process.env, ...common }, maxBuffer: 64 << 20 },
    ).catch((err) => ({ stdout: err.stdout ?? '' }));
    const wallS = (Date.now() - t0) / 1000;
    const cpu1 = { gateway: cpuSeconds(gateway.child.pid), analyzer: cpuSeconds(analyzer.pid) };
    const result = JSON.parse(stdout.trim().split('\n').at(-1));
    await pool.query('checkpoint').catch(() => undefined);
    const tablesAfter = await tableBytes(pool);
    // What stays once dead row versions are gone: a table rewritten in place (a baseline checkpoint
    // per program and transaction, a process row per window) grows by its dead versions until
    // vacuum; a short run extrapolated to a day counts that churn as if it were data.
    await pool.query('vacuum full');
    const tablesLive = await tableBytes(pool);
    const simulatedS = result.durationS;
    const live = (name) => (tablesLive.get(name) ?? 0) - (tablesBefore.get(name) ?? 0);
    // Three kinds of storage, which a short run must not mix: rows that accumulate with time until
    // retention (activity: one per program and window; processes: one per process that starts), rows
    // that stand per endpoint whatever the time (the endpoint, its baselines and learning state, the
    // rows of its running processes), and rows per alert (alerts, occurrences, incidents, outbox,
    // audit). Scaling a 40 s run's whole growth to a day (the earlier figure) counted the standing
    // rows and the injected attacks' alerts 2,000 times over.
    const activityRows = await rowCount(pool, 'activity');
    const processRows = await rowCount(pool, 'processes');
    const alertRows = await rowCount(pool, 'alerts');
    // Per accepted batch, then scaled to the nominal rate: when the host cannot send N endpoints'
    // batches on time (lateStarts > 0) the run takes longer than --duration, and dividing by the
    // elapsed time would credit the services with a lower rate than the one asked for.
    const batches = result.batchesAccepted;
    const batchesPerEndpointDay = 86_400 * RATE;
    const endpointDays = batches / batchesPerEndpointDay;
    const activityRowBytes = activityRows ? live('activity') / activityRows : 0;
    const activityRowsPerEndpointDay = batches ? (activityRows / batches) * batchesPerEndpointDay : 0;
    const processRowBytes = processRows ? live('processes') / processRows : 0;
    const processRowsPerEndpointDay = corpusProcessChurn() * batchesPerEndpointDay;
    const perEndpointDay = { activity: Math.round(activityRowBytes * activityRowsPerEndpointDay), processes: Math.round(processRowBytes * processRowsPerEndpointDay) };
    const standingTables = ['endpoints', 'program_baselines', 'endpoint_learning', 'processes', 'analyzer_offsets'];
    const standingBytesPerEndpoint = Math.round(standingTables.reduce((sum, t) => sum + live(t), 0) / endpoints);
    const alertTables = ['alerts', 'alert_occurrences', 'incidents', 'alert_outbox', 'audit_log'];
    const bytesPerAlert = alertRows ? Math.round(alertTables.reduce((sum, t) => sum + live(t), 0) / alertRows) : 0;
    const perTable = Object.fromEntries(
      [...tablesAfter]
        .map(([name, bytes]) => [name, Math.round((bytes - (tablesBefore.get(name) ?? 0)) / endpointDays)])
        .filter(([, b]) => b > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    return {
      endpoints,
      profile: PROFILE,
      rate: RATE,
      simulatedS,
      wallS: Math.round(wallS),
      summary: result,
      gatewayCpuS: +(cpu1.gateway - cpu0.gateway).toFixed(1),
      analyzerCpuS: +(cpu1.analyzer - cpu0.analyzer).toFixed(1),
      endpointsPerGatewayCore: Math.round(batches / (cpu1.gateway - cpu0.gateway) / RATE),
      endpointsPerAnalyzerCore: Math.round(batches / (cpu1.analyzer - cpu0.analyzer) / RATE),
      pgBytesPerEndpointDay: perEndpointDay.activity + perEndpointDay.processes,
      pgBytesPerEndpointDayByTable: perEndpointDay,
      pgRawGrowthPerEndpointDayByTable: perTable,
      activityRowBytes: Math.round(activityRowBytes),
      activityRowsPerEndpointDay: Math.round(activityRowsPerEndpointDay),
      processRowBytes: Math.round(processRowBytes),
      processRowsPerEndpointDay: Math.round(processRowsPerEndpointDay),
      pgStandingBytesPerEndpoint: standingBytesPerEndpoint,
      pgBytesPerAlert: bytesPerAlert,
      alertRows,
      kafkaBytesPerEndpointDay: Math.round(result.bytesSent / endpointDays),
    };
  } finally {
    await pool.end();
    await gateway.stop();
    analyzer.kill('SIGTERM');
    await new Promise((r) => (analyzer.exitCode !== null ? r() : analyzer.once('exit', r)));
    for (const t of [telemetry, alerts, dlq]) await admin.deleteTopic(t).catch(() => undefined);
    await admin.disconnect();
    await db.drop();
  }
}

let previous;
for (const n of SIZES) {
  const r = await runSize(n);
  const s = r.summary;
  console.log(
    `profile ${r.profile}  endpoints ${n}  rate ${r.rate}/s  simulated ${r.simulatedS} s (wall ${r.wallS} s)  accepted ${s.batchesAccepted}/${s.batchesSent}  lost ${s.lost}  duplicated ${s.duplicated}  analysed ${s.analysed}/${s.batchesAccepted}  ` +
      `alerts ${s.alertsRaised}/${s.alertsExpected}  ingest p99 ${s.ingestP99Ms} ms  alert p99 ${s.alertLatencyP99Ms} ms  events/s ${s.eventsPerSecond}`,
  );
  console.log(
    `  gateway ${r.gatewayCpuS} CPU s -> ${r.endpointsPerGatewayCore} endpoints per gateway core;  analyzer ${r.analyzerCpuS} CPU s -> ${r.endpointsPerAnalyzerCore} endpoints per analyzer core;  ` +
      `gateway input ${(r.kafkaBytesPerEndpointDay / 1048576).toFixed(1)} MiB per endpoint-day`,
  );
  const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
  console.log(`  raw growth of the run scaled to a day (dead row versions, standing rows and the injected alerts included; not a sizing figure): ${Object.entries(r.pgRawGrowthPerEndpointDayByTable).map(([t, b]) => `${t} ${mib(b)}`).join(', ')}`);
  console.log(
    `  PostgreSQL per endpoint-day, kept until retention: ${mib(r.pgBytesPerEndpointDay)} = activity ${r.activityRowsPerEndpointDay} rows × ${r.activityRowBytes} B (${mib(r.pgBytesPerEndpointDayByTable.activity)})` +
      ` + processes ${r.processRowsPerEndpointDay} new rows × ${r.processRowBytes} B (${mib(r.pgBytesPerEndpointDayByTable.processes)});  standing per endpoint: ${mib(r.pgStandingBytesPerEndpoint)};  per alert: ${(r.pgBytesPerAlert / 1024).toFixed(1)} KiB (${r.alertRows} alerts)`,
  );
  console.log(JSON.stringify(r));
  // Between two sizes, the CPU of the extra batches alone: a service's fixed costs (timers, client
  // connections, the first batch of each endpoint's programs) weigh on a small fleet's per-core figure
  // but not on the next thousand endpoints', which is what sizing asks.
  if (previous && r.summary.batchesAccepted > previous.summary.batchesAccepted) {
    const extra = r.summary.batchesAccepted - previous.summary.batchesAccepted;
    const perCore = (cpu) => (cpu > 0 ? Math.round(extra / cpu / RATE) : Infinity);
    const marginal = { from: previous.endpoints, to: n, gatewayPerCore: perCore(r.gatewayCpuS - previous.gatewayCpuS), analyzerPerCore: perCore(r.analyzerCpuS - previous.analyzerCpuS) };
    console.log(`  marginal ${marginal.from} -> ${marginal.to} endpoints: ${marginal.gatewayPerCore} endpoints per gateway core, ${marginal.analyzerPerCore} per analyzer core (CPU of the extra batches only)`);
    console.log(JSON.stringify({ marginal }));
  }
  previous = r;
}
