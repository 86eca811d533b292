import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackUrls, startTcpProxy, waitUntil, type TcpProxy } from '@vigil/testing';
import { endpointStream, uuidOf } from '../support/scenario';
import { Harness, getJson, referenceAlerts } from './harness';

describe('PostgreSQL unavailable for 30 s (cut through a TCP proxy; the shared server keeps running)', () => {
  const h = new Harness();
  let proxy: TcpProxy;
  let url: string;
  beforeAll(async () => {
    await h.setup();
    const db = new URL(stackUrls().databaseUrl);
    proxy = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
    const viaProxy = new URL(h.databaseUrl);
    viaProxy.port = String(proxy.port);
    url = (await h.start({ VIGIL_DATABASE_URL: viaProxy.toString() })).url;
  });
  afterAll(async () => {
    await h.teardown();
    await proxy?.close();
  });

  it('pauses, says why, resumes when the database is back; nothing lost or duplicated', async () => {
    const start = Date.now() - 120_000;
    const endpoints = Array.from({ length: 8 }, (_, i) => uuidOf(`outage/${start}/${i}`));
    const streams = endpoints.map((ep, i) => endpointStream(ep, { start, stepMs: 500, batches: 20, attackAt: [8 + (i % 5), 15] }));
    const first = streams.flatMap((s) => s.slice(0, 6));
    const rest = streams.flatMap((s) => s.slice(6));
    await h.produce(first);
    await h.waitProcessed();

    proxy.cut();
    const cutAt = Date.now();
    await h.produce(rest);
    const degraded = await waitUntil(
      async () => {
        const r = await getJson(`${url}/healthz`);
        return r.status === 503 && (r.body.degraded as Record<string, { reason: string }>)?.database ? r.body : undefined;
      },
      20_000,
      'health degraded with the database named',
    );
    expect((degraded.degraded as Record<string, { reason: string }>).database!.reason).toMatch(/writing a batch|loading|reading/);
    const during = await h.pool.query('select sum(next_offset)::int as n from analyzer_offsets');
    // held for 30 s: nothing is committed while the database is unreachable
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - cutAt))));
    expect((await h.pool.query('select sum(next_offset)::int as n from analyzer_offsets')).rows[0].n).toBe(during.rows[0].n);
    proxy.restore();

    await h.waitProcessed(120_000);
    await waitUntil(async () => (await getJson(`${url}/healthz`)).status === 200, 30_000, 'healthy again');
    const reference = referenceAlerts(streams.flat());
    const alerts = await h.dbAlerts();
    expect(alerts.map((a) => a.id).sort()).toEqual([...reference.alerts.keys()].sort());
    for (const a of alerts) expect(a.count).toBe(reference.alerts.get(a.id)!.total);
    const activity = await h.pool.query('select count(*)::int as n from activity');
    expect(activity.rows[0].n).toBe(streams.flat().length);
    const dupes = await h.pool.query('select count(*)::int as n from (select alert_id, batch_id from alert_occurrences group by 1, 2 having count(*) > 1) d');
    expect(dupes.rows[0].n).toBe(0);
  });
});
