import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, waitUntil } from '@vigil/testing';
import { AlertsListener } from '../../src/modules/alerts/alerts-listener';
import { Client, codeOf, startApiOn, type TestApi } from './harness';

const PW = 'marble-falcon-36-river';
const EP = randomUUID();
const T0 = Date.parse('2026-11-01T00:00:00Z');

interface AlertJson {
  id: string;
  time: string;
  severity: string;
  program: string;
  status: string;
  assignee: string | null;
  ancestry: string[];
}

describe('alerts: list, detail, triage, live stream (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let pg: PgClient;
  let api: TestApi;
  let analyst: Client;

  const insertAlert = async (i: number, over: Partial<Record<string, unknown>> = {}): Promise<string> => {
    const a = {
      id: `al-${i}`,
      time: new Date(T0 + i * 60_000),
      program: i % 3 === 0 ? '/usr/bin/curl' : '/usr/sbin/sshd',
      severity: ['low', 'medium', 'high', 'critical'][i % 4],
      title: i === 7 ? 'Reverse shell spawned by nginx' : `Unusual syscalls ${i}`,
      ...over,
    };
    // As the analyzer writes it (libs/db telemetry schema, applied by the API at start).
    await pg.query(
      `insert into alerts (id, time, endpoint_id, batch_id, program, program_key, pid, ppid, uid, comm, ancestry, kind, detector, group_key,
                           severity, score, title, evidence, evidence_data, last_seen)
       values ($1, $2, $3, 'b1', $4, $4, $5, 1, 0, 'x', $6, 'syscall_anomaly', 'ngram', 'g', $7, 0.9, $8, 'rare n-grams: 12',
               '{"ngrams":[["openat","connect"]]}', $2)
       on conflict (id, time) do nothing`,
      [a.id, a.time, EP, a.program, 1000 + i, ['/usr/bin/bash', '/usr/lib/systemd/systemd'], a.severity, a.title],
    );
    return a.id as string;
  };

  beforeAll(async () => {
    db = await freshDatabase('vigil_api_test');
    pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    // The empty database gets the shared schema (alerts, activity, …) and the API's own from the API's start.
    api = await startApiOn(db.url, { VIGIL_STREAM_SESSION_RECHECK: '200ms' });
    for (let i = 0; i < 25; i++) await insertAlert(i);
    await api.createUser('ana', 'analyst', PW);
    analyst = new Client(api.baseUrl);
    expect((await analyst.login('ana', PW)).status).toBe(200);
  });
  afterAll(async () => {
    await api?.app.close();
    await pg?.end();
    await db?.drop();
  });

  it('pages newest first with a cursor, without gaps or repeats', async () => {
    const seen: AlertJson[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await analyst.request('GET', `/api/alerts?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = res.json as { items: AlertJson[]; nextCursor: string | null };
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.map((a) => a.id)).toEqual(Array.from({ length: 25 }, (_, i) => `al-${24 - i}`));
    expect(pages).toBe(3);
    expect((await analyst.request('GET', '/api/alerts?cursor=garbage')).status).toBe(400);
  });

  it('filters by severity, program, time range, endpoint and text', async () => {
    const get = async (qs: string): Promise<string[]> => ((await analyst.request('GET', `/api/alerts?limit=500&${qs}`)).json as { items: AlertJson[] }).items.map((a) => a.id).sort();
    expect(await get('severity=high,critical')).toHaveLength(12);
    expect(await get('program=/usr/bin/curl')).toHaveLength(9);
    expect(await get(`from=${new Date(T0 + 10 * 60_000).toISOString()}&to=${new Date(T0 + 12 * 60_000).toISOString()}`)).toEqual(['al-10', 'al-11']);
    expect(await get(`endpointId=${EP}`)).toHaveLength(25);
    expect(await get(`endpointId=${randomUUID()}`)).toHaveLength(0);
    expect(await get('q=reverse%20SHELL')).toEqual(['al-7']);
    expect(await get('q=100%25')).toEqual([]);
    expect((await analyst.request('GET', '/api/alerts?severity=catastrophic')).status).toBe(400);
  });

  it('shows an alert with evidence and the process ancestry', async () => {
    const res = await analyst.request('GET', '/api/alerts/al-7');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 'al-7',
      endpointId: EP,
      pid: 1007,
      ancestry: ['/usr/bin/bash', '/usr/lib/systemd/systemd'],
      evidence: 'rare n-grams: 12',
      evidenceData: { ngrams: [['openat', 'connect']] },
      status: 'open',
      notes: [],
    });
    expect(codeOf((await analyst.request('GET', '/api/alerts/nope')).json)).toBe('NOT_FOUND');
  });

  it('triages (status, assignee, note, bulk) and audits status changes and baseline acceptance', async () => {
    const patched = await analyst.request('PATCH', '/api/alerts/al-3', { status: 'acknowledged', assignee: 'ana', note: 'looking into it' });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ status: 'acknowledged', assignee: 'ana', notes: [{ author: 'ana', text: 'looking into it' }] });
    expect((await analyst.request('PATCH', '/api/alerts/al-3', { status: 'bogus' })).status).toBe(400);
    const bulk = await analyst.request('PATCH', '/api/alerts', { ids: ['al-1', 'al-2', 'missing'], status: 'false_positive' });
    expect(bulk.json).toEqual({ updated: 2 });
    const accepted = await analyst.request('POST', '/api/alerts/al-2/accept-baseline');
    expect(accepted.status).toBe(202);
    const queued = await pg.query(`select alert_id, endpoint_id, program, accepted_by, applied_at from baseline_acceptances`);
    expect(queued.rows).toEqual([{ alert_id: 'al-2', endpoint_id: EP, program: '/usr/sbin/sshd', accepted_by: 'ana', applied_at: null }]);

    await api.createUser('root', 'admin', 'quartz-meadow-58-lynx');
    const admin = new Client(api.baseUrl);
    await admin.login('root', 'quartz-meadow-58-lynx');
    const audit = ((await admin.request('GET', '/api/audit?limit=500')).json as { items: { action: string; target: string; actor: string; details: Record<string, unknown> }[] }).items;
    expect(audit).toContainEqual(expect.objectContaining({ action: 'alert.status_change', target: 'al-3', actor: 'ana', details: { from: 'open', to: 'acknowledged' } }));
    expect(audit.filter((e) => e.action === 'alert.status_change' && e.details.to === 'false_positive').map((e) => e.target).sort()).toEqual(['al-1', 'al-2']);
    expect(audit).toContainEqual(expect.objectContaining({ action: 'baseline.accept', target: 'al-2', actor: 'ana' }));
  });

  it('pushes a newly committed alert on the SSE stream within 2 s', async () => {
    await waitUntil(() => api.app.get(AlertsListener).ready, 15_000, 'the alerts NOTIFY trigger');
    const controller = new AbortController();
    const res = await fetch(`${api.baseUrl}/api/alerts/stream`, { headers: { cookie: analyst.cookie! }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const received = (async (): Promise<AlertJson> => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
        const event = buffer.split('\n\n').find((e) => e.includes('event: alert'));
        if (event) return JSON.parse(event.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as AlertJson;
      }
    })();
    try {
      const t0 = Date.now();
      await insertAlert(99, { time: new Date(), severity: 'critical', title: 'live one' });
      const alert = await received;
      const latencyMs = Date.now() - t0;
      expect(alert).toMatchObject({ id: 'al-99', severity: 'critical', status: 'open' });
      expect(latencyMs).toBeLessThan(2000);
      console.log(`SSE latency after commit: ${latencyMs} ms`);
    } finally {
      controller.abort();
    }
  });
});

describe('alerts stream and sessions', () => {
  it('ends an open stream once its session is logged out', async () => {
    const db = await freshDatabase('vigil_api_test');
    const api = await startApiOn(db.url, { VIGIL_STREAM_SESSION_RECHECK: '200ms' });
    try {
      await api.createUser('ana', 'analyst', PW);
      const c = new Client(api.baseUrl);
      await c.login('ana', PW);
      const res = await fetch(`${api.baseUrl}/api/alerts/stream`, { headers: { cookie: c.cookie! } });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const ended = (async (): Promise<boolean> => {
        for (;;) if ((await reader.read()).done) return true;
      })();
      let finished = false;
      void ended.then(() => (finished = true));
      expect((await c.request('POST', '/api/auth/logout')).status).toBe(204);
      await waitUntil(() => finished, 5_000, 'the stream to end after logout');
    } finally {
      await api.app.close();
      await db.drop();
    }
  });
});
