import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { EndpointsRepository, MIGRATIONS_DIR, applyServiceGrants, createPool, dropRole, ensureLoginRole, hashEndpointKey, migrate, type Pool, type ServiceRoles } from '@vigil/db';
import { KafkaClient } from '@vigil/kafka';
import { freshDatabase, stackUrls, uniqueName, waitUntil, stackServiceEnv, childEnv } from '@vigil/testing';
import { PostgresComponent } from '../../src/stack/postgres';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const API_CLI = join(ROOT, 'apps', 'api', 'dist', 'cli.js');
const GATEWAY_MAIN = join(ROOT, 'apps', 'ingest-gateway', 'dist', 'main.js');
const ANALYZER_MAIN = join(ROOT, 'apps', 'stream-analyzer', 'dist', 'main.js');

/**
 * Least privilege in PostgreSQL against the real local cluster: roles created as `./vigil up` creates
 * them (names of this test's own: roles are cluster-wide), every migration (libs/db and the API's)
 * applied by the owner, then each service's grants — and what each role can and cannot do.
 */
describe('PostgreSQL service roles and grants', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let owner: Pool;
  const suffix = randomBytes(4).toString('hex');
  const roles: ServiceRoles = { gateway: `t${suffix}_gateway`, analyzer: `t${suffix}_analyzer`, api: `t${suffix}_api` };
  const passwords = { gateway: randomBytes(12).toString('hex'), analyzer: randomBytes(12).toString('hex'), api: randomBytes(12).toString('hex') };
  const superuser = (): Client => new PostgresComponent(Number(new URL(stackUrls().databaseUrl).port)).adminClient();
  const urlAs = (service: keyof ServiceRoles): string => {
    const u = new URL(db.url);
    u.username = roles[service];
    u.password = passwords[service];
    return u.toString();
  };
  const asRole = async <T>(service: keyof ServiceRoles, sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new Client({ connectionString: urlAs(service) });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const refused = async (service: keyof ServiceRoles, sql: string, params: unknown[] = []): Promise<string> => {
    const err = await asRole(service, sql, params).then(
      () => undefined,
      (e: Error) => e,
    );
    if (!err) throw new Error(`${roles[service]} was allowed: ${sql}`);
    return err.message;
  };

  beforeAll(async () => {
    db = await freshDatabase('vigil_roles_test');
    owner = createPool(db.url, { max: 2 });
    const su = superuser();
    await su.connect();
    try {
      for (const s of ['gateway', 'analyzer', 'api'] as const) await ensureLoginRole(su, roles[s], passwords[s]);
    } finally {
      await su.end();
    }
    // Every migration as the owner: libs/db's, then the API's (its CLI migrates before anything else).
    await migrate(owner);
    await promisify(execFile)(process.execPath, [API_CLI, 'ensure-admin'], { env: childEnv({ VIGIL_DATABASE_URL: db.url, VIGIL_LOG_LEVEL: 'warn' }) });
    await applyServiceGrants(owner, roles);
  }, 120_000);

  afterAll(async () => {
    await owner?.end();
    await db?.drop();
    const su = superuser();
    await su.connect();
    try {
      for (const r of Object.values(roles)) await dropRole(su, r);
    } finally {
      await su.end();
    }
  });

  it('no service role is a superuser or may create roles or databases', async () => {
    const su = superuser();
    await su.connect();
    try {
      const { rows } = await su.query<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
        'select rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin from pg_roles where rolname = any($1) order by rolname',
        [Object.values(roles)],
      );
      expect(rows).toHaveLength(3);
      for (const r of rows) expect(r).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, rolcanlogin: true });
      // The owner the CLI and the tests use is no superuser either.
      const ownerRow = await su.query<{ rolsuper: boolean }>('select rolsuper from pg_roles where rolname = $1', [new URL(db.url).username]);
      expect(ownerRow.rows[0]?.rolsuper).toBe(false);
    } finally {
      await su.end();
    }
  });

  it('audit_log is append-only: the API inserts and reads; no role may update, delete or truncate; the trigger stops even the owner', async () => {
    const cols = (await owner.query<{ column_name: string; is_nullable: string; column_default: string | null }>(
      `select column_name, is_nullable, column_default from information_schema.columns where table_name = 'audit_log'`,
    )).rows;
    expect(cols.length).toBeGreaterThan(0);
    // Every role that can log in, in this cluster: none but the owner holds UPDATE/DELETE, and the owner is stopped by the trigger.
    const privileged = (await owner.query<{ rolname: string }>(
      `select rolname from pg_roles where rolcanlogin and not rolsuper
          and (has_table_privilege(oid, 'audit_log', 'UPDATE') or has_table_privilege(oid, 'audit_log', 'DELETE') or has_table_privilege(oid, 'audit_log', 'TRUNCATE'))`,
    )).rows.map((r) => r.rolname);
    expect(privileged).toEqual([new URL(db.url).username]);
    for (const s of ['gateway', 'analyzer', 'api'] as const) {
      expect(await refused(s, 'update audit_log set action = action')).toMatch(/permission denied for table audit_log/);
      expect(await refused(s, 'delete from audit_log')).toMatch(/permission denied for table audit_log/);
      expect(await refused(s, 'truncate audit_log')).toMatch(/permission denied for table audit_log/);
    }
    expect(await asRole('api', 'select count(*)::int as n from audit_log')).toHaveLength(1);
    expect(await refused('gateway', 'select * from audit_log')).toMatch(/permission denied/);
    expect(await refused('analyzer', 'select * from audit_log')).toMatch(/permission denied/);
    await expect(owner.query('truncate audit_log')).rejects.toThrow(/audit_log is append-only: TRUNCATE refused/);
  });

  it('the API role appends an audit row, and cannot change it afterwards, whoever asks', async () => {
    const required = (await owner.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns where table_name = 'audit_log' and is_nullable = 'NO' and column_default is null`,
    )).rows;
    const values = required.map((c) => (c.data_type.includes('json') ? '{}' : c.data_type.includes('time') ? new Date().toISOString() : c.data_type === 'uuid' ? '00000000-0000-4000-8000-000000000001' : 'roles-test'));
    const before = (await owner.query<{ n: number }>('select count(*)::int as n from audit_log')).rows[0]!.n;
    await asRole('api', `insert into audit_log (${required.map((c) => c.column_name).join(', ')}) values (${required.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    expect((await owner.query<{ n: number }>('select count(*)::int as n from audit_log')).rows[0]?.n).toBe(before + 1);
    await expect(owner.query('delete from audit_log')).rejects.toThrow(/audit_log is append-only: DELETE refused/);
    await expect(owner.query('update audit_log set action = action')).rejects.toThrow(/audit_log is append-only: UPDATE refused/);
  });

  it('the gateway reads only what authenticates a key; writes nothing', async () => {
    const { endpoint, key } = await new EndpointsRepository(owner).create(`roles-${suffix}`);
    const gw = createPool(urlAs('gateway'), { max: 1 });
    try {
      expect(await new EndpointsRepository(gw).activeIdByKeyHash(hashEndpointKey(key))).toBe(endpoint.id);
    } finally {
      await gw.end();
    }
    expect(await refused('gateway', 'select name from endpoints')).toMatch(/permission denied for table endpoints/);
    expect(await refused('gateway', `insert into endpoints (name, key_hash) values ('x', '\\x00')`)).toMatch(/permission denied/);
    expect(await refused('gateway', 'update endpoints set revoked_at = null')).toMatch(/permission denied/);
    expect(await refused('gateway', 'select * from alerts')).toMatch(/permission denied/);
    expect(await refused('gateway', 'select * from users')).toMatch(/permission denied/);
    expect(await refused('gateway', 'create table x (a int)')).toMatch(/permission denied for schema public/);
  });

  it('the analyzer writes its tables and runs partition maintenance as the owner, nothing of the API', async () => {
    const has = async (table: string, priv: string) => (await owner.query<{ ok: boolean }>('select has_table_privilege($1, $2, $3) as ok', [roles.analyzer, table, priv])).rows[0]!.ok;
    for (const t of ['alerts', 'alert_occurrences', 'activity', 'processes', 'program_baselines', 'analyzer_offsets', 'alert_outbox']) expect(await has(t, 'INSERT')).toBe(true);
    expect(await has('endpoints', 'INSERT')).toBe(false);
    expect(await has('endpoints', 'DELETE')).toBe(false);
    await asRole('analyzer', 'update endpoints set last_seen_at = now() where false');
    expect(await refused('analyzer', 'update endpoints set key_hash = null')).toMatch(/permission denied/);
    expect(await refused('analyzer', 'select * from users')).toMatch(/permission denied/);
    expect(await refused('analyzer', 'select * from sessions')).toMatch(/permission denied/);
    const made = await asRole<{ n: number }>('analyzer', `select vigil_ensure_partitions('activity', current_date + 30, 2) as n`);
    expect(made[0]!.n).toBe(2);
    expect(await refused('analyzer', 'create table activity_x (a int)')).toMatch(/permission denied for schema public/);
    expect(await refused('gateway', `select vigil_ensure_partitions('activity', current_date + 40, 1)`)).toMatch(/permission denied for function vigil_ensure_partitions/);
  });

  it("the API's live stream needs no DDL: the owner installed the notify trigger, the API role hears the analyzer's alerts", async () => {
    const triggers = await owner.query(`select 1 from pg_trigger where tgname = 'alerts_notify_api' and tgrelid = 'alerts'::regclass`);
    expect(triggers.rowCount).toBe(1);
    expect(await refused('api', `create or replace function vigil_notify_alert() returns trigger language plpgsql as $f$ begin return null; end $f$`)).toMatch(/permission denied/);
    const listener = new Client({ connectionString: urlAs('api') });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (m) => m.payload && heard.push(m.payload));
      await listener.query('listen vigil_alerts');
      const id = `roles-${suffix}`;
      await asRole(
        'analyzer',
        `insert into alerts (id, time, endpoint_id, batch_id, program, pid, kind, detector, severity, score, title, evidence)
         values ($1, now(), gen_random_uuid(), 'b', '/usr/bin/x', 1, 'rule', 'rules', 'low', 0.5, 't', 'e')`,
        [id],
      );
      await waitUntil(() => heard.includes(id), 10_000, 'the alert id on vigil_alerts');
    } finally {
      await listener.end();
    }
  });

  it('services start with their own roles: migrations are a read-only check, pending ones are refused with the fix', async () => {
    const gw = createPool(urlAs('gateway'), { max: 1 });
    try {
      expect(await migrate(gw)).toEqual([]);
      const dir = mkdtempSync(join(tmpdir(), 'vigil-mig-'));
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      writeFileSync(join(dir, '29991231235959_later.sql'), 'create table later (a int);');
      await expect(migrate(gw, dir)).rejects.toThrow(new RegExp(`1 migration\\(s\\) pending \\(29991231235959_later\\) and the role ${roles.gateway} may not apply them: apply them as the owner first`));
    } finally {
      await gw.end();
    }
    // The API's start-up path (libs/db migrate + TypeORM's) as the API role: nothing to apply, users readable.
    const { stdout } = await promisify(execFile)(process.execPath, [API_CLI, 'ensure-admin'], { env: childEnv({ VIGIL_DATABASE_URL: urlAs('api'), VIGIL_LOG_LEVEL: 'warn' }) });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ created: false });
  });

  const freePort = (): Promise<number> =>
    new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });

  /** Run a built service with `env` until its /healthz answers 200; returns its health and log. */
  const runHealthy = async (main: string, args: string[], port: number, env: Record<string, string>, then?: () => Promise<boolean>): Promise<{ checks: Record<string, { ok: boolean }>; log: () => string }> => {
    let log = '';
    const child: ChildProcess = spawn(process.execPath, [main, ...args], { env: childEnv({ ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    try {
      const health = await waitUntil(async () => {
        if (child.exitCode !== null) throw new Error(`${main} exited ${child.exitCode}: ${log}`);
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return res?.status === 200 ? ((await res.json()) as { checks: Record<string, { ok: boolean }> }) : undefined;
      }, 90_000, `${main} to be healthy`);
      if (then) await waitUntil(then, 60_000, `${main}: the expected effect`);
      return { ...health, log: () => log };
    } finally {
      child.kill('SIGTERM');
    }
  };

  it('the real gateway runs healthy with its role', async () => {
    const urls = stackUrls();
    const port = await freePort();
    const health = await runHealthy(GATEWAY_MAIN, [], port, {
      VIGIL_DATABASE_URL: urlAs('gateway'),
      VIGIL_GATEWAY_PORT: String(port),
      ...stackServiceEnv(urls),
      VIGIL_GATEWAY_REGISTER_SCHEMA: 'false',
      VIGIL_GATEWAY_CHECK_WORKERS: '0',
    });
    expect(health.checks.database?.ok).toBe(true);
  });

  it('the real analyzer runs healthy with its role and maintains partitions through the definer functions', async () => {
    const urls = stackUrls();
    const topics = { telemetry: uniqueName('vigil.test.roles.telemetry'), alerts: uniqueName('vigil.test.roles.alerts'), dlq: uniqueName('vigil.test.roles.dlq') };
    const admin = new KafkaClient({ brokers: urls.kafkaBrokers, clientId: 'roles-test', sasl: urls.kafkaSasl }).admin();
    await admin.connect();
    try {
      for (const t of Object.values(topics)) await admin.createTopic(t, 1);
      const partitions = async () => (await owner.query<{ n: number }>(`select count(*)::int as n from pg_inherits where inhparent = 'activity'::regclass`)).rows[0]!.n;
      const before = await partitions();
      const port = await freePort();
      const run = await runHealthy(
        ANALYZER_MAIN,
        ['run'],
        port,
        {
          VIGIL_DATABASE_URL: urlAs('analyzer'),
          VIGIL_ANALYZER_PORT: String(port),
          ...stackServiceEnv(urls),
          VIGIL_ANALYZER_TELEMETRY_TOPIC: topics.telemetry,
          VIGIL_ANALYZER_ALERTS_TOPIC: topics.alerts,
          VIGIL_ANALYZER_DLQ_TOPIC: topics.dlq,
          VIGIL_ANALYZER_GROUP_ID: uniqueName('vigil-roles-analyzer'),
          VIGIL_ANALYZER_PARTITION_DAYS_AHEAD: '45',
        },
        async () => (await partitions()) > before,
      );
      expect(run.log()).not.toMatch(/partition maintenance failed|permission denied/);
    } finally {
      for (const t of Object.values(topics)) await admin.deleteTopic(t).catch(() => undefined);
      await admin.disconnect();
    }
  }, 180_000);
});
