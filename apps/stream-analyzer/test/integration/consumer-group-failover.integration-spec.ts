import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@vigil/testing';
import { endpointStream, uuidOf } from '../support/scenario';
import { Harness, MAIN_JS, getJson, referenceAlerts } from './harness';

describe('two analyzer processes; kill -9 of one mid-stream', () => {
  const h = new Harness();
  beforeAll(async () => {
    if (!existsSync(MAIN_JS)) throw new Error(`build the analyzer first (${MAIN_JS} is missing): npx tsc -b apps/stream-analyzer`);
    await h.setup(12);
  });
  afterAll(() => h.teardown());

  it('after the rebalance every expected alert is in the database exactly once', async () => {
    const start = Date.now() - 600_000;
    const endpoints = Array.from({ length: 24 }, (_, i) => uuidOf(`failover/${start}/${i}`));
    const streams = endpoints.map((ep, i) => endpointStream(ep, { start, stepMs: 500, batches: 40, attackAt: [8 + (i % 7), 20 + (i % 5), 33], processes: 2 }));
    const a = await h.spawn({ VIGIL_ANALYZER_MAX_RECORDS_PER_TX: '5' });
    const b = await h.spawn({ VIGIL_ANALYZER_MAX_RECORDS_PER_TX: '5' });
    await waitUntil(async () => {
      const [ha, hb] = await Promise.all([getJson(`${a.url}/healthz`), getJson(`${b.url}/healthz`)]);
      const pa = ha.body.assignedPartitions as number[] | undefined;
      const pb = hb.body.assignedPartitions as number[] | undefined;
      return pa && pb && pa.length > 0 && pb.length > 0 && pa.length + pb.length === 12;
    }, 60_000, 'both instances assigned');

    // a stream in rounds (every endpoint one batch per round), so both instances are mid-work when one dies
    let killed = false;
    for (let round = 0; round < 40; round++) {
      await h.produce(streams.map((s) => s[round]!));
      if (round === 15) {
        await waitUntil(async () => Number((await h.pool.query('select coalesce(sum(next_offset), 0)::int as n from analyzer_offsets')).rows[0].n) > 200, 30_000, 'progress before the kill');
        a.child.kill('SIGKILL');
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(killed).toBe(true);
    await h.waitProcessed(120_000);
    const survivor = await getJson(`${b.url}/healthz`);
    expect((survivor.body.assignedPartitions as number[]).length).toBe(12);

    const reference = referenceAlerts(streams.flat());
    const alerts = await h.dbAlerts();
    expect(alerts.length).toBe(reference.alerts.size);
    expect(alerts.map((x) => x.id).sort()).toEqual([...reference.alerts.keys()].sort());
    for (const x of alerts) expect(x.count).toBe(reference.alerts.get(x.id)!.total);
    const activity = await h.pool.query('select count(*)::int as n from activity');
    expect(activity.rows[0].n).toBe(streams.flat().length);
    // the alerts topic holds every alert at least once (re-deliveries carry the same id)
    const records = await h.readTopic(h.alertsTopic, (ms) => new Set(ms.map((m) => m.headers['vigil-alert-id'])).size >= reference.alerts.size, 90_000);
    expect(new Set(records.map((m) => m.headers['vigil-alert-id']))).toEqual(new Set(reference.alerts.keys()));
  });
});
