#!/usr/bin/env node
// API read latency over a large database: seeds alerts and activity into a fresh PostgreSQL database
// (generate_series in SQL, one statement per day and table, two connections in parallel), starts the
// built API (apps/api/dist) on it as its own process, logs in, and prints p50/p95 of repeated HTTP
// requests: alert list (unfiltered, filtered, text), alert detail, a 7-day timeline of one
// endpoint/program and the overview. Target: p95 ≤ 150 ms. The database is dropped at the end.
//
// usage: VIGIL_HOME=/work/main/.vigil node bench/api/bench.mjs [--alerts 1000000] [--activity 50000000]
//          [--endpoints 100] [--programs 25] [--days 30] [--requests 200] [--keep] [--reuse NAME]
//   --keep        leave the database (its name is printed) for EXPLAIN ANALYZE; --reuse NAME measures it again without seeding
//   needs `npx nx run-many -t build` (apps/api/dist, libs/db/dist, tools/cli/dist) and the local stack.

import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const require = createRequire(resolve(root, 'apps/api/package.json'));
const { Client } = require('pg');
const { createPool, migrate } = require(resolve(root, 'libs/db/dist/index.js'));

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(`--${name}`);
const N_ALERTS = Number(opt('alerts', 1_000_000));
const N_ACTIVITY = Number(opt('activity', 50_000_000));
const ENDPOINTS = Number(opt('endpoints', 100));
const PROGRAMS = Number(opt('programs', 25));
const DAYS = Number(opt('days', 30));
const REQUESTS = Number(opt('requests', 200));
const WARMUP = 10;
const TARGET_P95_MS = 150;
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const USERNAME = `bench_${randomBytes(3).toString('hex')}`;

const PROGRAM_NAMES = ['/usr/sbin/nginx', '/usr/sbin/sshd', '/usr/bin/bash', '/usr/bin/python3', '/usr/lib/systemd/systemd', '/usr/bin/curl', '/usr/sbin/cron', '/usr/bin/node',
  '/usr/sbin/postgres', '/usr/bin/dockerd', '/usr/bin/containerd', '/usr/sbin/rsyslogd', '/usr/bin/sudo', '/usr/bin/git', '/usr/bin/tar', '/usr/bin/ssh', '/usr/bin/wget',
  '/usr/sbin/named', '/usr/bin/perl', '/usr/bin/java', '/usr/sbin/haproxy', '/usr/bin/redis-server', '/usr/bin/make', '/usr/bin/gcc', '/usr/bin/rsync',
  '/usr/bin/vim', '/usr/sbin/unbound', '/usr/bin/awk', '/usr/bin/sed', '/usr/bin/find'];
const programs = PROGRAM_NAMES.slice(0, PROGRAMS);
if (programs.length < PROGRAMS) throw new Error(`at most ${PROGRAM_NAMES.length} programs`);

/** Endpoint ids: version-4 shaped UUIDs derived from the endpoint number (stable across --reuse runs). */
const ENDPOINT_IDS = Array.from({ length: ENDPOINTS }, (_, e) => {
  const h = createHash('md5').update(`ep${e}`).digest('hex');
  const v4 = `${h.slice(0, 12)}4${h.slice(13, 16)}8${h.slice(17)}`;
  return `${v4.slice(0, 8)}-${v4.slice(8, 12)}-${v4.slice(12, 16)}-${v4.slice(16, 20)}-${v4.slice(20)}`;
});

function stackDatabaseUrl() {
  if (process.env.VIGIL_DATABASE_URL) return process.env.VIGIL_DATABASE_URL;
  const out = execFileSync('node', [resolve(root, 'tools/cli/dist/main.js'), 'stack', 'status', '--json'], { encoding: 'utf8' });
  const pg = JSON.parse(out).components.find((c) => c.name === 'postgres');
  if (!pg || pg.state !== 'healthy') throw new Error('the local stack is not running (VIGIL_HOME=/work/main/.vigil? ./vigil stack up)');
  return pg.url;
}

const base = new URL(stackDatabaseUrl());
const dbName = opt('reuse') ?? `vigil_bench_api_${Date.now().toString(36)}`;
const dbUrl = new URL(base.toString());
dbUrl.pathname = `/${dbName}`;

async function admin(sql) {
  const c = new Client({ connectionString: base.toString() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const fmt = (n) => n.toLocaleString('en-US');
const secs = (t0) => ((Date.now() - t0) / 1000).toFixed(1);

/** Run `jobs` (functions of a connection) on `parallel` connections; print progress as they finish. */
async function runJobs(label, jobs, rowsPerJob, parallel = 2) {
  const t0 = Date.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    const c = new Client({ connectionString: dbUrl.toString() });
    c.on('error', () => undefined);
    await c.connect();
    // The bench database is throw-away: no need to wait for the WAL flush of every statement.
    await c.query('set synchronous_commit = off');
    try {
      while (next < jobs.length) {
        const job = jobs[next++];
        await job(c);
        done++;
        const rows = Math.min(done * rowsPerJob, jobs.length * rowsPerJob);
        process.stdout.write(`\r  ${label}: ${fmt(rows)} rows, ${secs(t0)} s, ${fmt(Math.round(rows / ((Date.now() - t0) / 1000)))} rows/s   `);
      }
    } finally {
      await c.end();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  process.stdout.write('\n');
  return (Date.now() - t0) / 1000;
}

async function seed() {
  await admin(`create database "${dbName}"`);
  console.log(`database ${dbName}: shared schema (libs/db migrate)`);
  const pool = createPool(dbUrl.toString(), { max: 1 });
  await migrate(pool);
  await pool.end();

  const c = new Client({ connectionString: dbUrl.toString() });
  c.on('error', () => undefined);
  await c.connect();
  const { rows } = await c.query(`select date_trunc('hour', now()) as end_at`);
  const end = rows[0].end_at;
  const start = new Date(end.getTime() - DAYS * 86_400_000);
  for (const t of ['alerts', 'alert_occurrences', 'activity']) await c.query(`select vigil_ensure_partitions($1, $2::date, $3)`, [t, start.toISOString().slice(0, 10), DAYS + 2]);
  await c.query(
    `insert into endpoints (id, name, key_hash, last_seen_at)
     select ($2::uuid[])[e + 1], 'host-' || e, decode(md5('k' || e) || md5('K' || e), 'hex'), now() - (e % 3) * interval '1 minute'
       from generate_series(0, $1 - 1) e`,
    [ENDPOINTS, ENDPOINT_IDS],
  );
  await c.query(
    `insert into program_baselines (endpoint_id, program_key, program, phase, runs, first_seen, last_seen, active_since, summary, state)
     select ($5::uuid[])[e + 1], p.name, p.name, case when (e + p.i) % 4 = 0 then 'learning' else 'active' end, 100 + e * p.i, $2, $3,
            case when (e + p.i) % 4 = 0 then null else $2::timestamptz + interval '7 days' end, '{"topSyscalls":[["read",0.3],["write",0.2]]}', '{}'
       from generate_series(0, $1 - 1) e, unnest($4::text[]) with ordinality p(name, i)`,
    [ENDPOINTS, start, end, programs, ENDPOINT_IDS],
  );
  await c.query(
    `insert into processes (endpoint_id, boot_id, pid, start_time_ns, ppid, exe, comm, uid, ancestry, first_seen, last_seen, exited_at)
     select ($4::uuid[])[e + 1], 'boot', 100 + i, i * 1000, case when i = 0 then 1 else 100 + i / 10 end, ($3::text[])[1 + i % array_length($3::text[], 1)],
            'p' || i, i % 3, '{/usr/lib/systemd/systemd}', $2::timestamptz + i * interval '1 hour', now(), case when i % 4 = 0 then $2::timestamptz + i * interval '2 hours' end
       from generate_series(0, $1 - 1) e, generate_series(0, 199) i`,
    [ENDPOINTS, start, programs, ENDPOINT_IDS],
  );
  await c.end();

  // Activity: ENDPOINTS × PROGRAMS series, one row per batch (every `step` seconds), one statement per day.
  const series = ENDPOINTS * PROGRAMS;
  const perSeries = Math.max(1, Math.floor(N_ACTIVITY / series));
  const stepS = (DAYS * 86_400) / perSeries;
  const perDay = Math.ceil(perSeries / DAYS);
  console.log(`seeding ${fmt(series * perSeries)} activity rows (${ENDPOINTS} endpoints × ${PROGRAMS} programs, a batch every ${stepS.toFixed(1)} s over ${DAYS} days)`);
  const activityJobs = Array.from({ length: DAYS }, (_, d) => async (conn) => {
    const k0 = d * perDay;
    const k1 = Math.min(perSeries, (d + 1) * perDay) - 1;
    if (k1 < k0) return;
    await conn.query(
      `insert into activity (time, window_start, endpoint_id, batch_id, program, processes, syscalls, file_opens, execs, net_ops, alerts)
       select t, t - interval '10 seconds', ($8::uuid[])[e + 1], 'e' || e || '-' || k, ($5::text[])[p], 1 + (k + p) % 5, 500 + (k * 7 + p * 13) % 1000,
              (k + p) % 20, ((k + p) % 50 = 0)::int, (k * p) % 7, ((k + e + p) % 997 = 0)::int
         from generate_series(0, $1 - 1) e, generate_series(1, $2) p, generate_series($3::int, $4::int) k,
              lateral (select $6::timestamptz + k * make_interval(secs => $7) as t) x`,
      [ENDPOINTS, PROGRAMS, k0, k1, programs, start, stepS, ENDPOINT_IDS],
    );
  });
  const activityS = await runJobs('activity', activityJobs, perDay * series);

  // Alerts: evenly over the range; occurrences: the raising batch, plus a second one for every tenth alert.
  console.log(`seeding ${fmt(N_ALERTS)} alerts and their occurrences`);
  const CHUNK = 100_000;
  const alertStepS = (DAYS * 86_400) / N_ALERTS;
  const alertJobs = Array.from({ length: Math.ceil(N_ALERTS / CHUNK) }, (_, j) => async (conn) => {
    const i0 = j * CHUNK;
    const i1 = Math.min(N_ALERTS, i0 + CHUNK) - 1;
    await conn.query(
      `insert into alerts (id, time, endpoint_id, batch_id, program, program_key, pid, ppid, uid, comm, ancestry, kind, detector, group_key,
                           severity, score, title, mitre, evidence, evidence_data, count, last_seen, status, assignee)
       select 'al-' || i, t, ($7::uuid[])[i % $3 + 1], 'e' || (i % $3) || '-' || i, prog, prog, 1000 + i % 30000, 1, i % 3, 'c' || i % 50,
              '{/usr/bin/bash,/usr/lib/systemd/systemd}', kind, kind || '-detector', kind || ':' || (i % 1000),
              case when s < 30 then 'info' when s < 60 then 'low' when s < 80 then 'medium' when s < 95 then 'high' else 'critical' end,
              (s % 100) / 100.0, initcap(replace(kind, '_', ' ')) || ' in ' || prog, case when kind = 'rule' then 'T1059.004' end,
              'contacted 10.' || (i % 256) || '.' || (i / 256 % 256) || '.' || (i % 97) || ' after ' || (i % 40) || ' novel calls',
              jsonb_build_object('novel', jsonb_build_array('ptrace', 'memfd_create'), 'n', i % 40), 1 + (i % 10 = 0)::int, t,
              case when st < 70 then 'open' when st < 85 then 'acknowledged' when st < 95 then 'resolved' else 'false_positive' end,
              case when st >= 70 then 'analyst' || (i % 5) end
         from generate_series($1::int, $2::int) i,
              lateral (select $4::timestamptz + i * make_interval(secs => $5) t, (i / $3 * 31 + i * 7) % 100 s, (i / $3 * 17 + i * 3) % 100 st,
                              ($6::text[])[1 + (i / $3 * 7 + i) % array_length($6::text[], 1)] prog,
                              (array['novel_syscall', 'sequence_anomaly', 'novel_exec', 'novel_peer', 'rule'])[1 + i % 5] kind) x`,
      [i0, i1, ENDPOINTS, start, alertStepS, programs, ENDPOINT_IDS],
    );
    await conn.query(
      `insert into alert_occurrences (alert_id, batch_id, time, count, pids)
       select 'al-' || i, 'e' || (i % $3) || '-' || i, t, 1, array[1000 + i % 30000]
         from generate_series($1::int, $2::int) i, lateral (select $4::timestamptz + i * make_interval(secs => $5) t) x
       union all
       select 'al-' || i, 'e' || (i % $3) || '-' || i || 'b', t + interval '30 seconds', 2, array[1000 + i % 30000, 2000]
         from generate_series($1::int, $2::int) i, lateral (select $4::timestamptz + i * make_interval(secs => $5) t) x where i % 10 = 0`,
      [i0, i1, ENDPOINTS, start, alertStepS],
    );
  });
  const alertsS = await runJobs('alerts', alertJobs, CHUNK);
  const c2 = new Client({ connectionString: dbUrl.toString() });
  await c2.connect();
  const t0 = Date.now();
  await c2.query('vacuum analyze');
  await c2.end();
  console.log(`vacuum analyze: ${secs(t0)} s`);
  return { activityRows: series * perSeries, activityS, alertsS };
}

async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function startApi() {
  const env = { ...process.env, VIGIL_DATABASE_URL: dbUrl.toString(), VIGIL_LOG_LEVEL: 'warn', VIGIL_WEB_DIST: '/nonexistent' };
  execFileSync('node', [resolve(root, 'apps/api/dist/cli.js'), 'create-user', '--username', USERNAME, '--role', 'analyst'], { env, input: PASSWORD, stdio: ['pipe', 'ignore', 'inherit'] });
  const port = await freePort();
  const child = spawn('node', [resolve(root, 'apps/api/dist/main.js')], { env: { ...env, VIGIL_API_PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${baseUrl}/api/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const login = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USERNAME, password: PASSWORD }) });
  if (!login.ok) throw new Error(`login: ${login.status}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('vigil_session='));
  return { child, baseUrl, cookie };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function measure(api, name, pathOf) {
  const times = [];
  let items = 0;
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const path = pathOf(i);
    const t0 = performance.now();
    const res = await fetch(`${api.baseUrl}${path}`, { headers: { cookie: api.cookie } });
    const body = await res.json();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${name}: ${path} answered ${res.status} ${JSON.stringify(body)}`);
    if (i >= WARMUP) {
      times.push(ms);
      items += Array.isArray(body) ? body.length : Array.isArray(body.items) ? body.items.length : 1;
    }
  }
  times.sort((a, b) => a - b);
  return { name, p50: pct(times, 50), p95: pct(times, 95), max: times[times.length - 1], items: items / REQUESTS };
}

async function main() {
  const t0 = Date.now();
  let seeded;
  if (!opt('reuse')) seeded = await seed();
  const api = await startApi();
  const now = Date.now();
  const endpointIds = Array.from({ length: 20 }, (_, i) => ENDPOINT_IDS[(i * 37) % ENDPOINTS]);
  const pick = (i) => endpointIds[i % endpointIds.length];
  const weekAgo = new Date(now - 7 * 86_400_000).toISOString();
  const nowIso = new Date(now).toISOString();
  const results = [];
  try {
    // Baseline: HTTP + session check only, to separate the machine's load from the queries' cost.
    results.push(await measure(api, 'baseline: GET /api/auth/me', () => '/api/auth/me'));
    results.push(await measure(api, 'alert list, unfiltered (limit 50)', () => '/api/alerts?limit=50'));
    results.push(await measure(api, 'alert list, status+severity+endpoint', (i) => `/api/alerts?status=open,acknowledged&severity=high,critical&endpointId=${pick(i)}&limit=50`));
    results.push(await measure(api, 'alert list, text query "sshd"', () => '/api/alerts?q=sshd&limit=50'));
    results.push(await measure(api, 'alert list, rare text "10.7.0.7 "', () => `/api/alerts?q=${encodeURIComponent('10.7.0.7 ')}&limit=50`));
    results.push(await measure(api, 'alert detail (history + activity)', (i) => `/api/alerts/al-${1 + ((i * 7919) % N_ALERTS)}`));
    results.push(await measure(api, '7-day timeline, 1 endpoint/program, 1h', (i) => `/api/endpoints/${pick(i)}/activity?program=${encodeURIComponent(programs[i % programs.length])}&from=${weekAgo}&to=${nowIso}&bucket=1h`));
    results.push(await measure(api, 'overview (24 h)', () => '/api/overview'));
  } finally {
    api.child.kill('SIGTERM');
  }
  console.log('');
  if (seeded) {
    console.log(`seeded: ${fmt(N_ALERTS)} alerts in ${seeded.alertsS.toFixed(0)} s, ${fmt(seeded.activityRows)} activity rows in ${seeded.activityS.toFixed(0)} s (${fmt(Math.round(seeded.activityRows / seeded.activityS))} rows/s)`);
  }
  console.log(`requests per scenario: ${REQUESTS} (after ${WARMUP} warm-up), sequential, one logged-in session, API as its own process`);
  console.log(`${'scenario'.padEnd(42)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'p95/target'.padStart(11)} ${'rows'.padStart(6)}`);
  for (const r of results) {
    console.log(`${r.name.padEnd(42)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.max.toFixed(1).padStart(8)} ${(r.p95 / TARGET_P95_MS).toFixed(2).padStart(11)} ${r.items.toFixed(0).padStart(6)}`);
  }
  const worst = Math.max(...results.slice(1).map((r) => r.p95));
  console.log(`worst p95 ${worst.toFixed(1)} ms: ${worst <= TARGET_P95_MS ? 'within' : 'OVER'} the ${TARGET_P95_MS} ms target; total ${secs(t0)} s`);
  if (flag('keep')) console.log(`kept database ${dbName} (drop it with: psql … -c 'drop database "${dbName}"')`);
  else {
    await admin(`drop database if exists "${dbName}" with (force)`);
    console.log(`dropped database ${dbName}`);
  }
}

main().catch(async (err) => {
  console.error(`\nbench/api: ${err.stack ?? err}`);
  if (!flag('keep') && !opt('reuse')) await admin(`drop database if exists "${dbName}" with (force)`).catch(() => undefined);
  process.exit(1);
});
