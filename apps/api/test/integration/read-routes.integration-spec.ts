import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '@vigil/testing';
import { createVigilClient, type VigilClient } from '@vigil/api-client';
import { SqlFeatures } from '../../src/database/sql-features';
import { bucketStart } from '../../src/modules/activity/time-range';
import { Client, codeOf, startApiOn, type TestApi } from './harness';

const PW = 'marble-falcon-36-river';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const EP = randomUUID();
const EP_OFFLINE = randomUUID();
const EP_REVOKED = randomUUID();
const NGINX = '/usr/sbin/nginx';
const CURL = '/usr/bin/curl';
/** Midnight UTC ten days ago: activity covers D0 .. D0+3 days, partly in daily partitions, partly in the default partition. */
const D0 = Math.floor(Date.now() / DAY_MS) * DAY_MS - 10 * DAY_MS;
const iso = (ms: number): string => new Date(ms).toISOString();
const day = (ms: number): string => iso(ms).slice(0, 10);

/** A Node stand-in for the browser's cookie handling, so the typed client runs against the real API. */
function cookieFetch(): (r: Request) => Promise<Response> {
  let cookie: string | undefined;
  return async (r: Request) => {
    const req = new Request(r, { headers: new Headers(r.headers) });
    if (cookie) req.headers.set('cookie', cookie);
    const res = await fetch(req);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      if (pair?.startsWith('vigil_session=')) cookie = pair.endsWith('=') ? undefined : pair;
    }
    return res;
  };
}

describe('read routes: overview, endpoint detail, activity, process tree, baselines, alert history (real PostgreSQL, native partitions)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let pg: PgClient;
  let api: TestApi;
  let analyst: VigilClient;
  let anonymous: Client;

  beforeAll(async () => {
    db = await freshDatabase('vigil_api_test');
    pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    // The API applies libs/db's schema and its own migrations to the empty database at start.
    api = await startApiOn(db.url);
    await api.createUser('ana', 'analyst', PW);
    analyst = createVigilClient({ baseUrl: api.baseUrl, fetch: cookieFetch() });
    expect((await analyst.POST('/api/auth/login', { body: { username: 'ana', password: PW } })).response.status).toBe(200);
    anonymous = new Client(api.baseUrl);

    // Rows as the gateway and the analyzer write them.
    const key = (n: number): Buffer => Buffer.alloc(32, n);
    await pg.query(
      `insert into endpoints (id, name, key_hash, last_seen_at, revoked_at, drops, degraded) values
         ($1, 'web-01', $4, now() - interval '10 seconds', null, 7, 3), ($2, 'db-01', $5, now() - interval '1 hour', null, 5, null),
         ($3, 'old-01', $6, now() - interval '1 hour', now() - interval '1 day', 1000, 40)`,
      [EP, EP_OFFLINE, EP_REVOKED, key(1), key(2), key(3)],
    );
    // One batch a minute for three days; nginx and curl share each batch. Values vary with the minute.
    await pg.query(
      `insert into activity (time, window_start, endpoint_id, batch_id, program, processes, syscalls, file_opens, execs, net_ops, alerts)
       select t, t - interval '1 minute', $1, 'b' || i, p.program, p.procs, 100 + (i % 10) * p.k, 2 * p.k, p.execs, 3, case when i % 97 = 0 then 1 else 0 end
         from generate_series(0, 3 * 1440 - 1) i, lateral (select to_timestamp($2 / 1000.0) + i * interval '1 minute' t) tt,
              (values ($3, 4, 1, 0), ($4, 1, 2, 1)) p(program, procs, k, execs)`,
      [EP, D0, NGINX, CURL],
    );
    // The rate of the last five minutes (overview): 300 syscalls per second.
    await pg.query(
      `insert into activity (time, window_start, endpoint_id, batch_id, program, processes, syscalls) values (now() - interval '1 minute', now() - interval '2 minutes', $1, 'live', $2, 1, 90000)`,
      [EP, NGINX],
    );
    // Daily partitions for the first two days (rows move out of the default partition); day three stays in the default.
    await pg.query(`select vigil_ensure_partitions('activity', $1::date, 2)`, [day(D0)]);
    await pg.query(
      `insert into program_baselines (endpoint_id, program_key, program, phase, runs, first_seen, last_seen, active_since, summary, state) values
         ($1, $2, $2, 'active', 420, $4, $5, $6, '{"topSyscalls":[["accept4",0.4]]}', '{"big":"internal"}'),
         ($1, $3 || '@ab12', $3, 'learning', 3, $4, $5, null, '{}', '{}'),
         ($7, $2, $2, 'learning', 1, $4, $5, null, '{}', '{}')`,
      [EP, NGINX, CURL, new Date(D0), new Date(D0 + 3 * DAY_MS), new Date(D0 + DAY_MS), EP_OFFLINE],
    );
    const boot = 'boot-2';
    await pg.query(
      `insert into processes (endpoint_id, boot_id, pid, start_time_ns, ppid, exe, comm, uid, ancestry, argv, first_seen, last_seen, exited_at, exit_code) values
         ($1, 'boot-1', 1, 1, 0, '/usr/lib/systemd/systemd', 'systemd', 0, '{}', null, $2, $3, null, null),
         ($1, $4, 1, 5, 0, '/usr/lib/systemd/systemd', 'systemd', 0, '{}', '{/sbin/init}', $3, $6, null, null),
         ($1, $4, 812, 900, 1, $5, 'nginx', 33, '{/usr/lib/systemd/systemd}', '{nginx,-g,daemon off;}', $3, $6, null, null),
         ($1, $4, 9001, 1000, 812, $7, 'curl', 33, '{/usr/sbin/nginx,/usr/lib/systemd/systemd}', '{curl,http://x}', $8, $9, $9, 0),
         ($1, $4, 9100, 2000, 812, '/usr/bin/sh', 'sh', 33, '{/usr/sbin/nginx,/usr/lib/systemd/systemd}', null, $10, $10, null, null)`,
      [EP, new Date(D0 - DAY_MS), new Date(D0), boot, NGINX, new Date(D0 + 3 * DAY_MS), CURL, new Date(D0 + HOUR_MS), new Date(D0 + 2 * HOUR_MS), new Date(D0 + 5 * HOUR_MS)],
    );
    // Alerts: one with two further occurrences (its history), a few more for the overview chart.
    const alertAt = D0 + 90 * 60_000;
    const insertAlert = (id: string, time: number, severity: string, program: string): Promise<unknown> =>
      pg.query(
        `insert into alerts (id, time, endpoint_id, batch_id, program, program_key, pid, ancestry, kind, detector, group_key, severity, score, title, evidence, count, last_seen)
         values ($1, $2, $3, 'b90', $4, $4, 9001, '{/usr/sbin/nginx}', 'novel_exec', 'exec', 'g', $5, 0.8, 'nginx ran curl', 'first exec of curl by nginx', 1, $2)
         on conflict (id, time) do nothing`,
        [id, new Date(time), EP, program, severity],
      );
    await insertAlert('al-main', alertAt, 'high', NGINX);
    await pg.query(
      `insert into alert_occurrences (alert_id, batch_id, time, count, pids) values
         ('al-main', 'b90', $1, 1, '{9001}'), ('al-main', 'b95', $2, 2, '{9001,9002}'), ('al-main', 'b99', $3, 1, '{9003}')`,
      [new Date(alertAt), new Date(alertAt + 5 * 60_000), new Date(alertAt + 9 * 60_000)],
    );
    const now = Date.now();
    await insertAlert('al-r1', now - 3 * HOUR_MS, 'critical', CURL);
    await insertAlert('al-r2', now - 3 * HOUR_MS + 60_000, 'low', CURL);
    await insertAlert('al-r3', now - 30 * 60_000, 'critical', NGINX);
  });
  afterAll(async () => {
    await api?.app.close();
    await pg?.end();
    await db?.drop();
  });

  it('answers 401 on every new route without a session', async () => {
    for (const path of [
      '/api/overview',
      `/api/endpoints/${EP}`,
      `/api/endpoints/${EP}/activity`,
      `/api/endpoints/${EP}/process-tree`,
      '/api/baselines',
      `/api/baselines/${EP}/${encodeURIComponent(NGINX)}`,
      '/api/alerts/al-main',
    ]) {
      const res = await anonymous.request('GET', path);
      expect([path, res.status, codeOf(res.json)]).toEqual([path, 401, 'UNAUTHENTICATED']);
    }
  });

  it('stores activity in native daily partitions plus the default partition, and buckets with date_bin', async () => {
    expect(api.app.get(SqlFeatures).timescale).toBe(false);
    expect((await pg.query(`select count(*)::int n from pg_extension where extname = 'timescaledb'`)).rows[0].n).toBe(0);
    const parts = await pg.query(
      `select c.relname, (select count(*)::int from activity a where a.tableoid = c.oid) n
         from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'activity'::regclass order by 1`,
    );
    const counts = Object.fromEntries(parts.rows.map((r: { relname: string; n: number }) => [r.relname, r.n]));
    const p = (ms: number): string => `activity_p${day(ms).replaceAll('-', '')}`;
    expect(counts[p(D0)]).toBe(2880);
    expect(counts[p(D0 + DAY_MS)]).toBe(2880);
    expect(counts.activity_default).toBe(2880);

    // Three hours across the boundary between a daily partition and the default partition.
    const from = D0 + 2 * DAY_MS - HOUR_MS;
    const to = D0 + 2 * DAY_MS + 2 * HOUR_MS;
    const { data, response } = await analyst.GET('/api/endpoints/{id}/activity', { params: { path: { id: EP }, query: { program: NGINX, from: iso(from), to: iso(to), bucket: '15m' } } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vigil-bucket-function')).toBe('date_bin');
    expect(response.headers.get('x-vigil-bucket')).toBe('15m');
    // Reference: the raw rows bucketed in JavaScript with the same origin.
    const raw = await pg.query(`select time, syscalls::int s, file_opens::int f, alerts a from activity where endpoint_id = $1 and program = $2 and time >= $3 and time < $4`, [EP, NGINX, new Date(from), new Date(to)]);
    const expected = new Map<number, { syscalls: number; fileOpens: number; alerts: number }>();
    for (const r of raw.rows as { time: Date; s: number; f: number; a: number }[]) {
      const b = bucketStart(r.time.getTime(), 15 * 60_000);
      const e = expected.get(b) ?? { syscalls: 0, fileOpens: 0, alerts: 0 };
      expected.set(b, { syscalls: e.syscalls + r.s, fileOpens: e.fileOpens + r.f, alerts: e.alerts + r.a });
    }
    expect(data).toHaveLength(12);
    expect(data!.map((b) => [b.bucket, b.syscalls, b.fileOpens, b.alerts])).toEqual([...expected.entries()].sort((x, y) => x[0] - y[0]).map(([b, e]) => [iso(b), e.syscalls, e.fileOpens, e.alerts]));
    expect(data!.every((b) => b.processes === 4 && b.execs === 0 && b.netOps === 45)).toBe(true);
  });

  it('sums every program when none is given, fills empty buckets, and picks a bucket by itself', async () => {
    const from = D0 + 3 * DAY_MS - HOUR_MS;
    const to = D0 + 3 * DAY_MS + HOUR_MS;
    const { data, response } = await analyst.GET('/api/endpoints/{id}/activity', { params: { path: { id: EP }, query: { from: iso(from), to: iso(to), bucket: '30m' } } });
    expect(response.status).toBe(200);
    expect(data!.map((b) => b.bucket)).toEqual([0, 1, 2, 3].map((i) => iso(from + i * 30 * 60_000)));
    // Last hour of day three has data (nginx + curl per batch: 5 processes, 1 exec), the hour after none.
    expect(data!.slice(0, 2).every((b) => b.processes === 5 && b.execs === 30 && b.syscalls > 0)).toBe(true);
    expect(data!.slice(2)).toEqual([2, 3].map((i) => ({ bucket: iso(from + i * 30 * 60_000), syscalls: 0, fileOpens: 0, execs: 0, netOps: 0, processes: 0, alerts: 0 })));
    const auto = await analyst.GET('/api/endpoints/{id}/activity', { params: { path: { id: EP }, query: { from: iso(D0), to: iso(D0 + 7 * DAY_MS) } } });
    expect(auto.response.headers.get('x-vigil-bucket')).toBe('1h');
    expect(auto.data).toHaveLength(168);
  });

  it('refuses bad activity parameters with clear 400s', async () => {
    const bad = async (qs: string): Promise<string> => {
      const res = await anonymousWithSession(`/api/endpoints/${EP}/activity?${qs}`);
      expect([qs, res.status]).toEqual([qs, 400]);
      return (res.json as { error: { message: string } }).error.message;
    };
    expect(await bad('from=yesterday')).toMatch(/from: not an ISO 8601 time/);
    expect(await bad(`from=${iso(D0 + HOUR_MS)}&to=${iso(D0)}`)).toMatch(/from must be before to/);
    expect(await bad(`from=${iso(D0)}&to=${iso(D0 + 40 * DAY_MS)}`)).toMatch(/at most 31d/);
    expect(await bad('bucket=5x')).toMatch(/bucket: a width like/);
    expect(await bad('bucket=1s')).toMatch(/between 10s and 1d/);
    expect(await bad('bucket=2d')).toMatch(/between 10s and 1d/);
    expect(await bad(`from=${iso(D0)}&to=${iso(D0 + 7 * DAY_MS)}&bucket=10s`)).toMatch(/more than 2000 buckets/);
    expect((await anonymousWithSession('/api/endpoints/not-a-uuid/activity')).status).toBe(400);
    expect(codeOf((await anonymousWithSession(`/api/endpoints/${randomUUID()}/activity`)).json)).toBe('NOT_FOUND');
  });

  it('shows an endpoint with its programs and their baseline phase', async () => {
    const { data } = await analyst.GET('/api/endpoints/{id}', { params: { path: { id: EP } } });
    expect(data).toMatchObject({ id: EP, name: 'web-01', online: true, drops: 7, degraded: 3, revokedAt: null });
    expect(data!.programs).toEqual([
      { programKey: `${CURL}@ab12`, program: CURL, phase: 'learning', runs: 3, firstSeen: iso(D0), lastSeen: iso(D0 + 3 * DAY_MS), activeSince: null, learning: null },
      { programKey: NGINX, program: NGINX, phase: 'active', runs: 420, firstSeen: iso(D0), lastSeen: iso(D0 + 3 * DAY_MS), activeSince: iso(D0 + DAY_MS), learning: null },
    ]);
    expect((await analyst.GET('/api/endpoints/{id}', { params: { path: { id: EP_OFFLINE } } })).data).toMatchObject({ online: false, programs: [{ program: NGINX }] });
    expect((await analyst.GET('/api/endpoints/{id}', { params: { path: { id: randomUUID() } } })).response.status).toBe(404);
  });

  it('lists baselines with filters and shows one by URL-encoded program key (summary, never the state)', async () => {
    const all = await analyst.GET('/api/baselines', {});
    expect(all.data).toHaveLength(3);
    const mine = await analyst.GET('/api/baselines', { params: { query: { endpointId: EP, phase: 'learning' } } });
    expect(mine.data!.map((b) => b.programKey)).toEqual([`${CURL}@ab12`]);
    expect((await analyst.GET('/api/baselines', { params: { query: { program: 'NGIN' } } })).data!.map((b) => b.endpointId).sort()).toEqual([EP, EP_OFFLINE].sort());
    const one = await analyst.GET('/api/baselines/{endpointId}/{programKey}', { params: { path: { endpointId: EP, programKey: NGINX } } });
    expect(one.response.url).toContain(encodeURIComponent(NGINX));
    expect(one.data).toEqual({
      endpointId: EP,
      programKey: NGINX,
      program: NGINX,
      phase: 'active',
      runs: 420,
      firstSeen: iso(D0),
      lastSeen: iso(D0 + 3 * DAY_MS),
      activeSince: iso(D0 + DAY_MS),
      learning: null,
      updatedAt: expect.any(String),
      summary: { topSyscalls: [['accept4', 0.4]] },
    });
    expect((await anonymousWithSession(`/api/baselines/${EP}/${encodeURIComponent(`${CURL}@ab12`)}`)).status).toBe(200);
    expect(codeOf((await anonymousWithSession(`/api/baselines/${EP}/${encodeURIComponent('/bin/none')}`)).json)).toBe('NOT_FOUND');
    expect((await anonymousWithSession('/api/baselines?phase=sleeping')).status).toBe(400);
    expect((await anonymousWithSession('/api/baselines?limit=0')).status).toBe(400);
  });

  it('gives the process tree of the boot current at a moment', async () => {
    const at = async (ms: number): Promise<[number, number, string][]> => {
      const { data, response } = await analyst.GET('/api/endpoints/{id}/process-tree', { params: { path: { id: EP }, query: { at: iso(ms) } } });
      expect(response.status).toBe(200);
      return data!.map((p) => [p.pid, p.ppid, p.comm]);
    };
    // boot-1's systemd never exited in the records but boot-2 replaced it; curl ran 1 h – 2 h; sh started at 5 h.
    expect(await at(D0 + 90 * 60_000)).toEqual([[1, 0, 'systemd'], [812, 1, 'nginx'], [9001, 812, 'curl']]);
    expect(await at(D0 + 3 * HOUR_MS)).toEqual([[1, 0, 'systemd'], [812, 1, 'nginx']]);
    expect(await at(D0 + 6 * HOUR_MS)).toEqual([[1, 0, 'systemd'], [812, 1, 'nginx'], [9100, 812, 'sh']]);
    expect(await at(D0 - HOUR_MS)).toEqual([[1, 0, 'systemd']]);
    const { data } = await analyst.GET('/api/endpoints/{id}/process-tree', { params: { path: { id: EP }, query: { at: iso(D0 + 90 * 60_000) } } });
    expect(data![2]).toEqual({
      pid: 9001, ppid: 812, exe: CURL, comm: 'curl', uid: 33, startTime: iso(D0 + HOUR_MS), startTimeNs: '1000', lastSeen: iso(D0 + 2 * HOUR_MS),
      exitedAt: iso(D0 + 2 * HOUR_MS), exitCode: 0, ancestry: [NGINX, '/usr/lib/systemd/systemd'], argv: ['curl', 'http://x'], containerId: null, bootId: 'boot-2',
    });
    expect((await anonymousWithSession(`/api/endpoints/${EP}/process-tree?at=noon`)).status).toBe(400);
  });

  it('shows an alert with its history (occurrences, triage) and the program activity around it', async () => {
    await analyst.PATCH('/api/alerts/{id}', { params: { path: { id: 'al-main' } }, body: { status: 'acknowledged', assignee: 'ana', note: 'checking the upstream' } });
    const { data } = await analyst.GET('/api/alerts/{id}', { params: { path: { id: 'al-main' } } });
    expect(data!.history.map((h) => [h.type, h.actor])).toEqual([
      ['raised', null],
      ['occurrence', null],
      ['occurrence', null],
      ['status_change', 'ana'],
      ['assignment', 'ana'],
      ['note', 'ana'],
    ]);
    expect(data!.history[1]).toMatchObject({ summary: '2 more findings', details: { batchId: 'b95', count: 2, pids: [9001, 9002] } });
    expect(data!.history[3]).toMatchObject({ summary: 'status open → acknowledged' });
    const times = data!.history.map((h) => Date.parse(h.time));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const alertAt = D0 + 90 * 60_000;
    expect(data!.activity).toMatchObject({ from: iso(alertAt - HOUR_MS), to: iso(alertAt + HOUR_MS), bucket: '5m' });
    expect(data!.activity.buckets).toHaveLength(24);
    expect(data!.activity.buckets.every((b) => b.processes === 4 && b.syscalls > 0)).toBe(true);
  });

  it('summarises the fleet: endpoints, event rate, drops, alerts by severity, newest alerts', async () => {
    const to = Date.now();
    const { data, response } = await analyst.GET('/api/overview', { params: { query: { from: iso(to - 6 * HOUR_MS), to: iso(to), bucket: '1h' } } });
    expect(response.status).toBe(200);
    expect(data!.endpoints).toEqual({ total: 2, online: 1, offline: 1 });
    expect(data!.drops).toBe(12);
    expect(data!.degraded).toBe(3); // truncated strings and unreadable arguments: counted apart from losses
    expect(data!.eventsPerSecond).toBeCloseTo(300, 5);
    expect(data!.bucket).toBe('1h');
    expect(data!.alertsBySeverity.length).toBeGreaterThanOrEqual(6);
    const sum = (k: 'critical' | 'low' | 'high'): number => data!.alertsBySeverity.reduce((n, b) => n + b[k], 0);
    expect([sum('critical'), sum('low'), sum('high')]).toEqual([2, 1, 0]);
    expect(data!.newestAlerts.map((a) => a.id)).toEqual(['al-r3', 'al-r2', 'al-r1']);
    const def = await analyst.GET('/api/overview', {});
    expect(def.data!.bucket).toBe('15m');
    expect(Date.parse(def.data!.to) - Date.parse(def.data!.from)).toBe(DAY_MS);
    expect((await anonymousWithSession('/api/overview?from=2026-13-01')).status).toBe(400);
    expect((await anonymousWithSession(`/api/overview?from=${iso(to)}&to=${iso(to - 1)}`)).status).toBe(400);
  });

  it('serialises array filters of the typed client the way the alert list reads them', async () => {
    const { data } = await analyst.GET('/api/alerts', { params: { query: { severity: ['critical', 'low'], status: ['open'], limit: 10 } } });
    expect(data!.items.map((a) => [a.id, a.severity])).toEqual([['al-r3', 'critical'], ['al-r2', 'low'], ['al-r1', 'critical']]);
    expect(data!.nextCursor).toBeNull();
  });

  it('lets admins read the same routes', async () => {
    await api.createUser('root', 'admin', 'quartz-meadow-58-lynx');
    const admin = new Client(api.baseUrl);
    await admin.login('root', 'quartz-meadow-58-lynx');
    for (const path of ['/api/overview', `/api/endpoints/${EP}`, `/api/endpoints/${EP}/activity`, `/api/endpoints/${EP}/process-tree`, '/api/baselines', '/api/alerts/al-main']) {
      expect([path, (await admin.request('GET', path)).status]).toEqual([path, 200]);
    }
  });

  /** A raw request with the analyst's session (for malformed parameters the typed client would not let through). */
  async function anonymousWithSession(path: string): Promise<{ status: number; json: unknown }> {
    const c = new Client(api.baseUrl);
    if (!sessionClient) {
      sessionClient = c;
      await c.login('ana', PW);
    }
    return sessionClient.request('GET', path);
  }
  let sessionClient: Client | undefined;
});
