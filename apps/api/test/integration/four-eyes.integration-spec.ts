import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditItems, Client, codeOf, sql, startApi, type TestApi } from './harness';

const PW = 'marble-falcon-36-river';
const EP = randomUUID();

/** Four-eyes baseline acceptance: an analyst's acceptance is a request an admin approves or rejects (real PostgreSQL). */
describe('four-eyes baseline acceptance', () => {
  let api: TestApi;
  let ana: Client;
  let root: Client;
  let other: Client;

  const insertAlert = (id: string, program: string): Promise<unknown> =>
    // As the analyzer writes it (libs/db telemetry schema, applied by the API at start).
    sql(
      api.databaseUrl,
      `insert into alerts (id, time, endpoint_id, batch_id, program, program_key, pid, ppid, uid, comm, ancestry, kind, detector, group_key,
                           severity, score, title, evidence, evidence_data, last_seen)
       values ($1, now(), $2, 'b1', $3, $3, 1000, 1, 0, 'x', '{}', 'syscall_anomaly', 'ngram', 'g', 'high', 0.9, 'Unusual syscalls', 'rare n-grams', '{}', now())`,
      [id, EP, program],
    );
  const acceptances = (): Promise<{ alert_id: string; accepted_by: string }[]> => sql(api.databaseUrl, `select alert_id, accepted_by from baseline_acceptances order by id`);

  beforeAll(async () => {
    api = await startApi();
    await api.createUser('ana', 'analyst', PW);
    await api.createUser('root', 'admin', PW);
    await api.createUser('other', 'admin', PW);
    for (const [id, program] of [['al-1', '/usr/sbin/sshd'], ['al-2', '/usr/bin/curl'], ['al-3', '/usr/sbin/nginx'], ['al-4', '/usr/bin/python3']]) await insertAlert(id!, program!);
    [ana, root, other] = [new Client(api.baseUrl), new Client(api.baseUrl), new Client(api.baseUrl)];
    await ana.login('ana', PW);
    await root.login('root', PW);
    await other.login('other', PW);
  });
  afterAll(async () => api?.close());

  it('is off by default: an analyst accepts directly', async () => {
    expect((await ana.request('GET', '/api/settings')).json).toEqual({ requireTotpForAdmins: false, fourEyesBaselineAcceptance: false });
    const res = await ana.request('POST', '/api/alerts/al-1/accept-baseline');
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'queued', requestId: null });
    expect(await acceptances()).toEqual([{ alert_id: 'al-1', accepted_by: 'ana' }]);
  });

  it('when on, turns an analyst acceptance into a request that an admin approves or rejects, all audited', async () => {
    expect((await ana.request('PATCH', '/api/settings', { fourEyesBaselineAcceptance: true })).status).toBe(403);
    expect((await root.request('PATCH', '/api/settings', { fourEyesBaselineAcceptance: true })).json).toMatchObject({ fourEyesBaselineAcceptance: true });

    const asked = await ana.request('POST', '/api/alerts/al-2/accept-baseline');
    expect(asked.status).toBe(202);
    const { requestId } = asked.json as { requestId: string };
    expect(asked.json).toMatchObject({ status: 'pending_approval', acceptanceId: null });
    expect(await acceptances()).toHaveLength(1);
    const pending = (await root.request('GET', '/api/baseline-requests?status=pending')).json as { id: string; alertId: string; requestedBy: string }[];
    expect(pending).toEqual([expect.objectContaining({ id: requestId, alertId: 'al-2', requestedBy: 'ana' })]);

    // An analyst cannot approve (not even their own).
    const self = await ana.request('POST', `/api/baseline-requests/${requestId}/approve`, {});
    expect(self.status).toBe(403);
    const approved = await root.request('POST', `/api/baseline-requests/${requestId}/approve`, { reason: 'known admin tool' });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: 'approved', decidedBy: 'root', reason: 'known admin tool' });
    expect(await acceptances()).toEqual([
      { alert_id: 'al-1', accepted_by: 'ana' },
      { alert_id: 'al-2', accepted_by: 'ana (approved by root)' },
    ]);
    expect(codeOf((await root.request('POST', '/api/baseline-requests/not-a-number/approve', {})).json)).toBe('NOT_FOUND');
    // Decided once.
    expect(codeOf((await other.request('POST', `/api/baseline-requests/${requestId}/reject`, {})).json)).toBe('CONFLICT');

    const asked3 = (await ana.request('POST', '/api/alerts/al-3/accept-baseline')).json as { requestId: string };
    const rejected = await other.request('POST', `/api/baseline-requests/${asked3.requestId}/reject`, { reason: 'nginx never does that' });
    expect(rejected.json).toMatchObject({ status: 'rejected', decidedBy: 'other', acceptanceId: null });
    expect(await acceptances()).toHaveLength(2);

    // An admin's own acceptance needs no second pair of eyes.
    expect((await root.request('POST', '/api/alerts/al-4/accept-baseline')).json).toMatchObject({ status: 'queued' });

    const audit = await auditItems(root, 'limit=200');
    expect(audit).toContainEqual(expect.objectContaining({ action: 'baseline.accept_requested', target: 'al-2', actor: 'ana' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'baseline.accept_approved', target: 'al-2', actor: 'root' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'baseline.accept_rejected', target: 'al-3', actor: 'other' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'settings.change', target: 'fourEyesBaselineAcceptance', actor: 'root' }));
    // The alert's history shows the request and the decision.
    const history = ((await ana.request('GET', '/api/alerts/al-3')).json as { history: { summary: string }[] }).history.map((h) => h.summary);
    expect(history).toEqual(expect.arrayContaining(['asked an admin to accept it into the baseline', "rejected ana's acceptance into the baseline"]));
  });
});
