import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '@vigil/db';
import { KafkaClient } from '@vigil/kafka';
import { freshDatabase, pinoListening, stackUrls, startServiceProcess, uniqueName, waitUntil, type ServiceProcess, stackServiceEnv, childEnv } from '@vigil/testing';

const REPO = resolve(__dirname, '../../../..');
const CLI = resolve(REPO, 'tools/cli/dist/main.js');
const GATEWAY = resolve(REPO, 'apps/ingest-gateway/dist/main.js');
const ANALYZER = resolve(REPO, 'apps/stream-analyzer/dist/main.js');

/**
 * `./vigil fleet simulate` against the built gateway and analyzer on a fresh database and topics:
 * the command's own verification (Kafka read back, activity rows, alerts) must find nothing lost,
 * nothing duplicated and every injected attack alerted — and the test checks the same independently.
 */
describe('fleet simulate', () => {
  const urls = stackUrls();
  const telemetry = uniqueName('vigil.test.fleet.telemetry');
  const alerts = uniqueName('vigil.test.fleet.alerts');
  const dlq = uniqueName('vigil.test.fleet.dlq');
  const kafka = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'fleet-simulate-test', sasl: urls.kafkaSasl });
  let db: { url: string; drop: () => Promise<void> };
  let gateway: ServiceProcess;
  let analyzer: ChildProcess;
  let analyzerLog = '';

  beforeAll(async () => {
    for (const f of [CLI, GATEWAY, ANALYZER]) if (!existsSync(f)) throw new Error(`${f} is missing: build first (npx tsc -b tsconfig.json)`);
    db = await freshDatabase('vigil_fleet_sim');
    const admin = kafka.admin();
    await admin.connect();
    for (const [t, n] of [[telemetry, 3], [alerts, 1], [dlq, 1]] as const) await admin.createTopic(t, n);
    await admin.disconnect();
    const common = { VIGIL_DATABASE_URL: db.url, ...stackServiceEnv(urls), VIGIL_LOG_LEVEL: 'info' };
    gateway = await startServiceProcess(GATEWAY, { ...common, VIGIL_GATEWAY_HOST: '127.0.0.1', VIGIL_GATEWAY_PORT: '0', VIGIL_GATEWAY_TOPIC: telemetry }, pinoListening, { name: 'ingest-gateway', timeoutMs: 120_000 });
    analyzer = spawn(process.execPath, [ANALYZER, 'run'], {
      env: childEnv({ ...common,
        VIGIL_ANALYZER_PORT: '0',
        VIGIL_ANALYZER_TELEMETRY_TOPIC: telemetry,
        VIGIL_ANALYZER_ALERTS_TOPIC: alerts,
        VIGIL_ANALYZER_DLQ_TOPIC: dlq,
        VIGIL_ANALYZER_GROUP_ID: uniqueName('vigil-fleet-test'), }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [analyzer.stdout!, analyzer.stderr!]) s.on('data', (d: Buffer) => (analyzerLog = (analyzerLog + d.toString()).slice(-20_000)));
    await waitUntil(() => {
      if (analyzer.exitCode !== null) throw new Error(`analyzer exited ${analyzer.exitCode}: ${analyzerLog}`);
      return analyzerLog.includes('health and metrics listening');
    }, 120_000, 'the analyzer to start');
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop();
    if (analyzer && analyzer.exitCode === null) {
      analyzer.kill('SIGTERM');
      await new Promise((r) => analyzer.once('exit', r));
    }
    const admin = kafka.admin();
    await admin.connect();
    for (const t of [telemetry, alerts, dlq]) await admin.deleteTopic(t).catch(() => undefined);
    await admin.disconnect();
    await db?.drop();
  }, 120_000);

  it('replays recorded telemetry for 3 endpoints: nothing lost or duplicated, every batch analysed, every attack alerted, endpoints revoked', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [CLI, 'fleet', 'simulate', '--endpoints', '3', '--duration', '12', '--rate', '0.25', '--attacks', '3', '--gateway', gateway.url, '--topic', telemetry, '--settle', '150s'],
      { env: childEnv({ VIGIL_DATABASE_URL: db.url, ...stackServiceEnv(urls) }), maxBuffer: 16 << 20, timeout: 280_000 },
    ).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`fleet simulate failed:\n${err.stdout}\n${err.stderr?.slice(-3000)}\n--- analyzer ---\n${analyzerLog.slice(-3000)}`);
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | boolean | null>;
    expect(stderr).toContain('100%');
    expect(result).toMatchObject({ endpoints: 3, batchesSent: 9, batchesAccepted: 9, lost: 0, duplicated: 0, notAnalysed: 0, alertsExpected: 3, revoked: 3, ok: true });
    expect(result.alertsRaised).toBeGreaterThanOrEqual(3);
    expect(result.eventsPerSecond).toBeGreaterThan(0);
    expect(result.ingestP99Ms).toBeGreaterThan(0);
    expect(result.alertLatencyP99Ms).toBeGreaterThan(0);

    // The same facts, checked apart from the command: its endpoints, their revocation, their alerts.
    const pool = createPool(db.url, { max: 1 });
    try {
      const eps = await pool.query<{ name: string; revoked: boolean }>('select name, revoked_at is not null as revoked from endpoints');
      expect(eps.rows).toHaveLength(3);
      for (const e of eps.rows) expect(e).toMatchObject({ name: expect.stringMatching(/^fleet-sim-[0-9a-f]{8}-0000[1-3]$/), revoked: true });
      const kinds = await pool.query<{ kind: string }>("select distinct kind from alerts where program like '/tmp/.fleet-sim/%' or (kind = 'socket-wired-to-shell')");
      // each injected technique raised its rule; the rule pack may name more (programs run from /tmp also fire exec-from-tmp)
      expect(kinds.rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['cron-persistence-write', 'ptrace-attach', 'socket-wired-to-shell']));
      const activity = await pool.query<{ n: string }>('select count(distinct batch_id) as n from activity');
      expect(Number(activity.rows[0]!.n)).toBe(9);
    } finally {
      await pool.end();
    }
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.recordCount(telemetry)).toBe(9);
    await admin.disconnect();
  }, 300_000);
});
