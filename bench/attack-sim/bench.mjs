// Attack-simulation bench: what an outside tester does with a public attack-simulation suite, with
// simulations written here (actions.mjs). It starts its own pipeline on the local stack — a fresh
// database and topics, the built ingest gateway and stream analyzer (learning period --learning),
// an endpoint enrolled in that database and the real agent (eBPF) sending to that gateway — so runs
// before and after a change start from the same empty state. Then it
//   1. runs the harness's routine commands while the endpoint learns,
//   2. waits out the learning period,
//   3. runs every action (setup and cleanup in processes of their own), each as one bash tree,
//   4. runs the routine commands again, then admin work it never ran while learning (UNSEEN_ROUTINE),
// and reads PostgreSQL as an outside check would: the process tree of each action (processes, by
// ppid), the alerts raised on those processes (alerts, alert_occurrences). It prints per action the
// alerts and their kinds, then detection (share of runnable actions with an alert of severity ≥ medium
// on the acting processes), floods (actions with > 5 alerts), and false alarms (alerts ≥ medium on the
// routine commands after learning, and on everything else on the host during the run).
//
// usage (root, `./vigil stack up` and a build): node bench/attack-sim/bench.mjs [--learning 90] [--install-tools]
//        [--window 5s] [--only id,id] [--json FILE] [--keep] [--logs DIR] [--settle-s 600]
// Takes about learning + 2 minutes.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ACTIONS, ROUTINE, UNSEEN_ROUTINE } from './actions.mjs';


const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..', '..');
const { freshDatabase, pinoListening, stackUrls, startServiceProcess, uniqueName, waitUntil, stackServiceEnv } = require('@vigil/testing');
const { EndpointsRepository, createPool, migrate } = require('@vigil/db');
const { KafkaClient } = require('@vigil/kafka');
const { renderAgentConfigText } = require('@vigil/common');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const LEARNING_S = Number(opt('learning', 90));
const ONLY = opt('only', '') ? new Set(opt('only').split(',')) : undefined;
const JSON_OUT = opt('json', undefined);
const WINDOW = opt('window', '5s');
const KEEP = args.includes('--keep');
/** Keep the services' logs (analyzer.log, agent.log) in this directory. */
const LOGS = opt('logs', undefined);
if (LOGS) mkdirSync(LOGS, { recursive: true });
const PY = '/usr/bin/python3';

// --install-tools: install the tools some simulations need (kmod, tcpdump, iptables, cron, whois, sudo,
// pkexec, nmap, netcat, openssh-server, rsync, telnet, ping) from Debian packages first, with the CLI's installer (no service is started),
// so that they run instead of counting as "not runnable here". Off by default: it changes the host.
if (args.includes('--install-tools')) {
  const { ensurePackages } = require(resolve(import.meta.dirname, '..', '..', 'tools', 'cli', 'dist', 'system', 'packages.js'));
  const { spawnSync } = await import('node:child_process');
  const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  const tools = [['insmod', 'kmod'], ['tcpdump', 'tcpdump'], ['iptables', 'iptables'], ['crontab', 'cron'], ['whois', 'whois'], ['sudo', 'sudo'], ['pkexec', 'pkexec'], ['nmap', 'nmap'], ['nc', 'netcat-openbsd'], ['sshd', 'openssh-server'], ['rsync', 'rsync'], ['telnet', 'telnet'], ['ping', 'iputils-ping']];
  ensurePackages(
    tools.map(([cmd, pkg]) => ({ pkg, why: `simulations that run ${cmd}`, present: () => have(cmd) })),
    (m) => console.error(`[attack-sim] ${m}`),
  );
}
const SEVERE = new Set(['medium', 'high', 'critical']);
const RANK = (col) => `case ${col} when 'critical' then 4 when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...m) => process.stderr.write(`[attack-sim] ${m.join(' ')}\n`);

if (process.getuid?.() !== 0) {
  console.error('attack-sim: run as root (the simulations touch system paths and read /etc/shadow)');
  process.exit(2);
}
const dist = (app, file = 'main.js') => join(root, 'apps', app, 'dist', file);
const urls = stackUrls();
const db = await freshDatabase('vigil_attack_sim');
const pool = createPool(db.url, { max: 2 });
await migrate(pool);
const topics = { telemetry: uniqueName('vigil.sim.telemetry'), alerts: uniqueName('vigil.sim.alerts'), dlq: uniqueName('vigil.sim.dlq') };
const kafka = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'attack-sim', sasl: urls.kafkaSasl });
const admin = kafka.admin();
await admin.connect();
for (const [topic, n] of [[topics.telemetry, 3], [topics.alerts, 1], [topics.dlq, 1]]) {
  await waitUntil(async () => {
    await admin.createTopic(topic, n).catch(() => false);
    return (await admin.endOffsets(topic)).size === n;
  }, 30_000, `topic ${topic}`);
}
const common = { VIGIL_DATABASE_URL: db.url, ...stackServiceEnv(urls), VIGIL_LOG_LEVEL: 'warn' };
const T = mkdtempSync(join(tmpdir(), 'vigil-attack-sim-'));
const services = [];
async function stopAll() {
  for (const s of services.reverse()) await s.stop().catch(() => undefined);
  if (KEEP) log(`kept database ${db.name} and topics ${Object.values(topics).join(', ')}`);
  else {
    for (const t of Object.values(topics)) await admin.deleteTopic(t).catch(() => undefined);
    await pool.end().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
  await admin.disconnect().catch(() => undefined);
  rmSync(T, { recursive: true, force: true });
}
const gateway = await startServiceProcess(dist('ingest-gateway'), { ...common, VIGIL_LOG_LEVEL: 'info', VIGIL_GATEWAY_HOST: '127.0.0.1', VIGIL_GATEWAY_PORT: '0', VIGIL_GATEWAY_TOPIC: topics.telemetry }, pinoListening, { name: 'gateway' });
services.push(gateway);
const analyzer = await startNode(
  'analyzer',
  [dist('stream-analyzer'), 'run'],
  {
    ...common,
    VIGIL_LOG_LEVEL: 'info',
    VIGIL_BASELINE_LEARNING_PERIOD: `${LEARNING_S}s`,
    VIGIL_ANALYZER_TELEMETRY_TOPIC: topics.telemetry,
    VIGIL_ANALYZER_ALERTS_TOPIC: topics.alerts,
    VIGIL_ANALYZER_DLQ_TOPIC: topics.dlq,
    VIGIL_ANALYZER_GROUP_ID: uniqueName('attack-sim'),
    VIGIL_ANALYZER_PORT: '0',
  },
  'consuming',
);
services.push(analyzer);
const { endpoint, key } = await new EndpointsRepository(pool).create('attack-sim');
const endpointId = endpoint.id;
const confFile = join(T, 'agent.conf');
writeFileSync(
  confFile,
  renderAgentConfigText({ origin: 'attack-sim bench', api: gateway.url, id: endpointId, name: 'attack-sim', key, batchSize: 500, spoolDir: join(T, 'spool'), spoolMaxBytes: '256MiB' }) + `window=${WINDOW}\n`,
  { mode: 0o600 },
);
const agent = await startNode('agent', ['--single-threaded', dist('agent'), 'run', '--config', confFile], { VIGIL_LOG_LEVEL: 'info' }, 'agent running').catch(async (err) => {
  await stopAll();
  throw err;
});
services.push(agent);
/** `node ARGS` with `env`, ready once a log line contains `"msg":"<marker>"`. */
function startNode(name, nodeArgs, env, marker) {
  const child = spawn(process.execPath, nodeArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise((r) => child.once('exit', r));
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after 90 s:\n${out.slice(-3000)}`)), 90_000);
    const logFile = LOGS ? createWriteStream(join(LOGS, `${name}.log`), { flags: 'a' }) : undefined;
    const onData = (d) => {
      logFile?.write(d);
      out = (out + d).slice(-20_000);
      if (out.includes(`"msg":"${marker}"`)) {
        clearTimeout(timer);
        resolveStart({
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}):\n${out.slice(-3000)}`)));
  });
}

/**
 * A loopback peer (a C2 listener that sends a command, a web server serving a small script, or a
 * free port) in a process of its own (loopback-peer.mjs): this harness starts every action, and must
 * not itself look like a network service starting shells.
 */
function peer(mode) {
  return new Promise((resolvePeer, rejectPeer) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'loopback-peer.mjs'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolvePeer({ port: Number(m[1]), close: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill()))) });
    });
    child.once('exit', (code) => (/^\d+\n/.test(out) ? undefined : rejectPeer(new Error(`loopback-peer ${mode} exited ${code}`))));
  });
}

const listener = () => peer('listener');
const webserver = () => peer('webserver');
const freePort = async () => (await peer('port')).port;

/** Run one bash command; resolves with its pid and wall-clock interval. */
function bash(cmd, env) {
  return new Promise((resolveRun) => {
    const start = Date.now();
    const child = spawn('bash', ['-c', cmd], { env: { ...process.env, ...env, PY }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d).length > 2_000 && (stderr = stderr.slice(-2_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ pid: child.pid, start, end: Date.now(), code, stderr: stderr.trim() });
    });
  });
}

const has = async (cmd) => (await bash(`command -v ${cmd} > /dev/null`, {})).code === 0;
const runs = []; // { role: 'action'|'routine-learning'|'routine'|'setup', id, pid, start, end }

async function routine(role, commands = ROUTINE, prefix = 'routine') {
  const web = await webserver();
  for (const [i, cmd] of commands.entries()) {
    const r = await bash(cmd, { T, P: String(web.port) });
    runs.push({ role, id: `${prefix}-${i + 1}`, ...r });
  }
  await web.close();
}

const benchStart = Date.now();
log(`endpoint ${endpointId}; database ${db.name}; scratch ${T}`);
log('phase 1: routine commands while the endpoint learns');
await routine('routine-learning');
await routine('routine-learning');
// The endpoint's first batch starts its learning period (event time = window ends): wait that out,
// plus two windows so the last learning window is in.
const learnedAt = benchStart + LEARNING_S * 1_000 + 2 * parseFloat(WINDOW) * 1_000;
while (Date.now() < learnedAt) {
  log(`learning: ${Math.ceil((learnedAt - Date.now()) / 1_000)} s left`);
  await sleep(Math.min(15_000, Math.max(0, learnedAt - Date.now())));
}

const actions = ACTIONS.filter((a) => !ONLY || ONLY.has(a.id));
const notRunnable = [];
log(`phase 2: ${actions.length} actions`);
for (const [n, a] of actions.entries()) {
  const missing = [];
  for (const c of a.requires ?? []) if (!(await has(c))) missing.push(c);
  for (const f of a.requiresPaths ?? []) if (!existsSync(f)) missing.push(f);
  if (missing.length) {
    notRunnable.push({ id: a.id, why: `missing ${missing.join(', ')}` });
    continue;
  }
  let server;
  let port = await freePort();
  if (a.setup === 'listener') server = await listener();
  else if (a.setup === 'webserver') server = await webserver();
  if (server) port = server.port;
  const env = { T, P: String(port) };
  if (a.setup && !server) runs.push({ role: 'setup', id: a.id, ...(await bash(a.setup, env)) });
  const r = await bash(a.run, env);
  runs.push({ role: 'action', id: a.id, ...r });
  if (a.cleanup) runs.push({ role: 'setup', id: a.id, ...(await bash(a.cleanup, env)) });
  await server?.close();
  log(`[${n + 1}/${actions.length}] ${a.id} (exit ${r.code}${r.code && r.stderr ? `: ${r.stderr.split('\n').pop()}` : ''})`);
  await sleep(300);
}
log('phase 3: routine commands again, after learning');
await routine('routine');
log('phase 4: admin work never run while the endpoint learned');
await routine('unseen-routine', UNSEEN_ROUTINE, 'unseen');
const runEnd = Date.now();

// The agent sends a window every 10 s; the analyzer commits within seconds after. Wait until the last
// run's process is stored, then a little more for its alerts.
log('waiting for the last window to be analysed');
// On a loaded machine the analyzer may lag minutes behind: wait (up to --settle-s) rather than read
// a half-analysed run.
const lastPid = runs.at(-1).pid;
const settleUntil = Date.now() + Number(opt('settle-s', 600)) * 1_000;
for (let i = 0; Date.now() < settleUntil; i++) {
  const { rowCount } = await pool.query('select 1 from processes where endpoint_id = $1 and pid = $2 and last_seen >= $3', [endpointId, lastPid, new Date(runEnd - 60_000)]);
  if (rowCount) break;
  if (i % 15 === 14) log(`still waiting for the analyzer (${Math.round((settleUntil - Date.now()) / 1_000)} s left)`);
  await sleep(2_000);
}
await sleep(12_000);

/** The pids of a run's process tree, from the processes table (children by ppid, within its time). */
async function treePids(run) {
  // processes.first_seen is the window's start (a window is --window long), so allow one window and
  // a margin before the run; pids are not reused within a minute on this host.
  const from = new Date(run.start - 2 * parseFloat(WINDOW) * 1_000 - 2_000);
  const to = new Date(run.end + 15_000);
  const { rows } = await pool.query(
    `with recursive tree(pid) as (
       select $2::int
       union
       select p.pid from processes p join tree t on p.ppid = t.pid
        where p.endpoint_id = $1 and p.first_seen between $3 and $4 and p.pid <> $2::int
     ) select pid from tree`,
    [endpointId, run.pid, from, new Date(run.end + 30_000)],
  );
  return { pids: rows.map((r) => r.pid), from, to };
}

/**
 * Alerts raised on (or joined by) those pids around the run, each with the severity of what those pids
 * added: an alert of a process tree may rise later with other processes' findings, so the severity
 * an action earned is that of its own occurrences (alert_occurrences.severity; the alert's own for
 * rows written before that column).
 */
async function alertsOf(pids, from, to) {
  const { rows } = await pool.query(
    `select a.id, a.kind, a.title, a.mitre, a.detector, a.program, a.time >= $3 as raised,
            (array_agg(coalesce(o.severity, a.severity) order by ${RANK('coalesce(o.severity, a.severity)')} desc))[1] as severity
       from alerts a join alert_occurrences o on o.alert_id = a.id
      where a.endpoint_id = $1 and o.time between $3 and $4
        and (o.pids && $2::int[] or (o.batch_id = a.batch_id and a.pid = any($2::int[])))
      group by a.id, a.kind, a.title, a.mitre, a.detector, a.program, a.time`,
    [endpointId, pids, from, new Date(to.getTime() + 20_000)],
  );
  return rows;
}

const results = [];
const attributed = new Set();
for (const run of runs) {
  const { pids, from, to } = await treePids(run);
  const alerts = await alertsOf(pids, from, to);
  for (const a of alerts) attributed.add(a.id);
  results.push({ ...run, pids: pids.length, alerts });
}
const { rows: allAlerts } = await pool.query(
  `select id, kind, severity, program, title from alerts where endpoint_id = $1 and time between $2 and $3`,
  [endpointId, new Date(benchStart), new Date(runEnd + 40_000)],
);
const background = allAlerts.filter((a) => !attributed.has(a.id) && SEVERE.has(a.severity));
await stopAll();

// ---- report
const actionResults = results.filter((r) => r.role === 'action');
const pad = (s, n) => String(s).padEnd(n).slice(0, n);
console.log(`\n${pad('action', 30)} ${pad('technique', 10)} ${pad('alerts', 6)} ${pad('≥med', 4)} kinds`);
for (const r of actionResults) {
  const a = ACTIONS.find((x) => x.id === r.id);
  const severe = r.alerts.filter((x) => SEVERE.has(x.severity));
  console.log(`${pad(r.id, 30)} ${pad(a.technique, 10)} ${pad(r.alerts.length, 6)} ${pad(severe.length, 4)} ${[...new Set(r.alerts.map((x) => `${x.kind}(${x.severity})`))].join(', ') || '—'}`);
}
for (const n of notRunnable) console.log(`${pad(n.id, 30)} not runnable here: ${n.why}`);
const detected = actionResults.filter((r) => r.alerts.some((x) => SEVERE.has(x.severity)));
const specific = actionResults.filter((r) => r.alerts.some((x) => SEVERE.has(x.severity) && x.mitre));
// the alert names the simulated technique itself: the same id, or the same technique at another sub-technique level
const family = (t) => String(t ?? '').split('.')[0];
const namesTechnique = (r) => {
  const want = ACTIONS.find((a) => a.id === r.id).technique;
  return r.alerts.some((x) => SEVERE.has(x.severity) && x.mitre && family(x.mitre) === family(want));
};
const named = actionResults.filter(namesTechnique);
const byRule = actionResults.filter((r) => r.alerts.some((x) => SEVERE.has(x.severity) && x.detector === 'rule'));
const floods = actionResults.filter((r) => r.alerts.length > 5);
// alerts the action opened, not those of earlier trees its processes joined (the same named deviation,
// "bash started ss", is one alert whichever tree shows it again): what it adds to an analyst's queue
const raisedBy = (r) => r.alerts.filter((x) => x.raised).length;
const raisedFloods = actionResults.filter((r) => raisedBy(r) > 5);
const routineAfter = results.filter((r) => r.role === 'routine').flatMap((r) => r.alerts.filter((x) => SEVERE.has(x.severity)).map((x) => ({ run: r.id, ...x })));
const unseenAfter = results.filter((r) => r.role === 'unseen-routine').flatMap((r) => r.alerts.filter((x) => SEVERE.has(x.severity)).map((x) => ({ run: r.id, ...x })));
const routineLearning = results.filter((r) => r.role === 'routine-learning').flatMap((r) => r.alerts.filter((x) => SEVERE.has(x.severity)));
const setupAlerts = results.filter((r) => r.role === 'setup').flatMap((r) => r.alerts.filter((x) => SEVERE.has(x.severity)));
const byKind = (xs) => Object.entries(xs.reduce((m, x) => ((m[x.kind] = (m[x.kind] ?? 0) + 1), m), {})).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k}×${n}`).join(', ');
const pct = (a, b) => (b ? ((100 * a) / b).toFixed(1) : '0.0');

console.log('');
console.log(`runnable actions:                         ${actionResults.length} (${notRunnable.length} not runnable)`);
console.log(`detected (an alert ≥ medium on the tree):  ${detected.length} (${pct(detected.length, actionResults.length)}%)`);
console.log(`  with a technique id (mitre) on it:      ${specific.length} (${pct(specific.length, actionResults.length)}%)`);
console.log(`  naming the simulated technique:         ${named.length} (${pct(named.length, actionResults.length)}%)${named.length < actionResults.length ? `; not: ${actionResults.filter((r) => !namesTechnique(r)).map((r) => r.id).join(', ')}` : ''}`);
console.log(`  by a known-bad rule (detector = rule):  ${byRule.length} (${pct(byRule.length, actionResults.length)}%)`);
console.log(`actions with more than 5 alerts:          ${floods.length}${floods.length ? ` (${floods.map((f) => `${f.id}:${f.alerts.length}`).join(', ')})` : ''}`);
console.log(`  … more than 5 alerts it raised itself:  ${raisedFloods.length}${raisedFloods.length ? ` (${raisedFloods.map((f) => `${f.id}:${raisedBy(f)}`).join(', ')})` : ''} (the rest joined alerts raised before)`);
console.log(`routine re-run after learning, ≥ medium:  ${routineAfter.length}${routineAfter.length ? ` (${byKind(routineAfter)})` : ''}`);
console.log(`admin work unseen while learning, ≥ medium: ${unseenAfter.length}${unseenAfter.length ? ` (${byKind(unseenAfter)}; ${[...new Set(unseenAfter.map((x) => x.run))].join(', ')})` : ''}`);
console.log(`routine during learning, ≥ medium:        ${routineLearning.length}`);
for (const x of unseenAfter) console.log(`  unseen admin work ${x.run}: ${x.kind} (${x.severity}) ${x.title}`);
console.log(`setup/cleanup commands, ≥ medium:         ${setupAlerts.length}`);
console.log(`everything else on the host, ≥ medium:    ${background.length}${background.length ? ` (${byKind(background)})` : ''}`);
if (JSON_OUT) {
  writeFileSync(JSON_OUT, JSON.stringify({ endpointId, benchStart, runEnd, notRunnable, results, background }, null, 2));
  log(`details in ${JSON_OUT}`);
}
