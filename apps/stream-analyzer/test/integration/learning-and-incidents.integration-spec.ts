import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@vigil/testing';
import type { ProcessActivity as AvroProcess, TelemetryBatch as AvroBatch } from '@vigil/schemas';
import { normalProcess, scenarioBatch, uuidOf } from '../support/scenario';
import { Harness, referenceAlerts } from './harness';

/** The operator's login shell (the loop and the dropper run under it). */
const SHELL = 4242;

function shell(t: number): AvroProcess {
  return {
    ...normalProcess(0, '/usr/bin/bash', t),
    pid: SHELL,
    ppid: 4000,
    startTimeNs: 4242_000_000,
    uid: 1000,
    gid: 1000,
    ancestry: ['/usr/sbin/sshd', '/usr/lib/systemd/systemd'],
    exited: false,
    syscalls: { read: 20, write: 8, clone: 1, wait4: 1, rt_sigaction: 20, socket: 1, connect: 1, close: 2, exit_group: 1 },
    files: [{ path: '/home/ops/.bash_history', flags: 0, ret: 0, count: 1, firstSeen: t }],
    execs: [],
    network: [],
  };
}

/** A subshell of `for p in $(seq 1 1024); do (echo > /dev/tcp/127.0.0.1/$p); done`. */
function probe(port: number, at: number): AvroProcess {
  return {
    ...shell(at),
    pid: 20_000 + port,
    ppid: SHELL,
    startTimeNs: 5_000_000_000 + port,
    exited: true,
    ancestry: ['/usr/bin/bash', '/usr/sbin/sshd', '/usr/lib/systemd/systemd'],
    syscalls: { clone: 1, socket: 1, connect: 1, close: 2, exit_group: 1 },
    files: [],
    network: [{ op: 'CONNECT', family: 'INET', addr: '127.0.0.1', port, ret: -111, count: 1, firstSeen: at }],
  };
}

describe('learning, aggregation and incidents on the real pipeline (Kafka, registry, PostgreSQL)', () => {
  const h = new Harness();
  const endpointId = uuidOf(`learning/${Date.now()}`);
  // event time: learning period 2 s (harness) from the first batch
  const start = Date.now() - 120_000;
  const all: AvroBatch[] = [];
  let seq = 0;
  const next = (t: number, procs: AvroProcess[]): AvroBatch => {
    const b = scenarioBatch(endpointId, ++seq, t, procs);
    all.push(b);
    return b;
  };

  beforeAll(async () => {
    await h.setup(3);
    await h.pool.query(`insert into endpoints (id, name, key_hash) values ($1, 'learn-host', decode(repeat('cd', 32), 'hex'))`, [endpointId]);
  });
  afterAll(() => h.teardown());

  it('keeps the endpoint learning period across a restart; after it, a program dropped in /tmp that reads /etc/shadow raises high alerts at once, as one incident', async () => {
    const first = await h.start();
    const learning = Array.from({ length: 6 }, (_, i) => next(start + i * 500, [normalProcess(i, '/usr/sbin/nginx', start + i * 500), shell(start + i * 500)]));
    await h.produce(learning);
    await h.waitProcessed();
    const row = (await h.pool.query(`select learning_from, learning_until, last_batch from endpoint_learning where endpoint_id = $1`, [endpointId])).rows[0];
    expect(new Date(row.learning_from).getTime()).toBe(start);
    expect(new Date(row.learning_until).getTime()).toBe(start + 2_000);
    expect((await h.dbAlerts()).length).toBe(0);
    await first.close();

    // a fresh instance: it must resume the endpoint's period, not start a new one at its first batch
    await h.start();
    const t = start + 10_000;
    const curl: AvroProcess = { ...normalProcess(50, '/usr/bin/curl', t), pid: 600, ppid: SHELL, ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], files: [{ path: '/tmp/.x/kit', flags: 0o1101, ret: 0, count: 1, firstSeen: t - 1_000 }], execs: [], network: [] };
    const kit: AvroProcess = { ...normalProcess(51, '/tmp/.x/kit', t + 5_000), pid: 601, ppid: SHELL, ancestry: ['/usr/bin/bash', '/usr/sbin/sshd'], files: [{ path: '/etc/shadow', flags: 0, ret: 0, count: 1, firstSeen: t + 5_000 }], execs: [], network: [] };
    await h.produce([next(t, [curl, shell(t)]), next(t + 5_000, [kit])]);
    await h.waitProcessed();

    const kits = (await h.pool.query(`select kind, severity, mitre, title, incident_id from alerts where program = '/tmp/.x/kit' order by kind`)).rows;
    expect(kits.map((a) => [a.kind, a.severity])).toEqual([
      ['credential-file-read', 'high'],
      ['new-program', 'high'],
    ]);
    expect(kits[1].title).toMatch(/^first run of kit, never seen on this endpoint or the fleet \(written 6 seconds before by \/usr\/bin\/curl \(pid 600\)\)$/);
    expect(kits[0].incident_id).toBe(kits[1].incident_id);
    const inc = (await h.pool.query(`select endpoint_id, severity, alert_count, techniques, root_pid, root_program from incidents where id = $1`, [kits[0].incident_id])).rows[0];
    expect(inc).toMatchObject({ endpoint_id: endpointId, severity: 'high', alert_count: 2, root_pid: 601, root_program: '/tmp/.x/kit' });
    expect(inc.techniques.sort()).toEqual(['T1003.008', 'T1105']);
    // the per-program view knows why and how long each program learns
    const programs = (await h.pool.query(`select program, summary->'learning' as learning from program_baselines where endpoint_id = $1 order by program`, [endpointId])).rows;
    expect(programs.find((p) => p.program === '/usr/sbin/nginx').learning).toMatchObject({ origin: 'endpoint', until: start + 2_000, progress: 1 });
    expect(programs.find((p) => p.program === '/tmp/.x/kit').learning).toMatchObject({ origin: 'new-program', from: t + 5_000 });
  });

  it('a bash loop connecting to 1,024 loopback ports in 3 s is 1-3 alerts, one naming the scan, counted across batches, in the shell session’s incident', async () => {
    const t0 = start + 30_000;
    const windows = Array.from({ length: 4 }, (_, w) =>
      next(
        t0 + (w + 1) * 1_000,
        Array.from({ length: 256 }, (_, i) => {
          const port = w * 256 + i + 1;
          return probe(port, t0 + Math.round(((port - 1) / 1023) * 3_000));
        }),
      ),
    );
    await h.produce(windows);
    await h.waitProcessed();
    const bash = (await h.pool.query(`select id, kind, severity, mitre, title, evidence, count, incident_id, group_key, evidence_data from alerts where program = '/usr/bin/bash' and time >= $1`, [new Date(t0)])).rows;
    expect(bash.length).toBeGreaterThanOrEqual(1);
    expect(bash.length).toBeLessThanOrEqual(3);
    const scan = bash.find((a) => a.kind === 'port-scan');
    expect(scan).toMatchObject({ mitre: 'T1046', severity: 'high', title: 'bash connected to 1,024 new ports on 127.0.0.1 in 3 s', count: 1024 });
    // the per-port novelty joined the session's one alert of its process tree (root: the login shell,
    // opened by the dropper's download earlier in the session): the loop added occurrences, no new alert
    const tree = (await h.pool.query(`select count, evidence_data, incident_id from alerts where group_key = 'tree 4242:bash'`)).rows;
    expect(tree).toHaveLength(1);
    expect(tree[0].evidence_data.kinds['novel-network-activity']).toBe(1024);
    expect(bash.filter((a) => a.group_key.startsWith('tree '))).toEqual([]);
    // the loop ran in the same shell session as the dropper: one story
    const kitIncident = (await h.pool.query(`select incident_id from alerts where program = '/tmp/.x/kit' limit 1`)).rows[0].incident_id;
    expect(new Set(bash.map((a) => a.incident_id))).toEqual(new Set([kitIncident]));
    // the session's deviations are the incident's one alert of deviations
    expect(tree[0].incident_id).toBe(kitIncident);
    const inc = (await h.pool.query(`select alert_count, techniques from incidents where id = $1`, [kitIncident])).rows[0];
    expect(inc.alert_count).toBe(2 + bash.length + 1);
    expect(inc.techniques).toContain('T1046');
  });

  it('raises exactly what the detection engine alone raises over the same batches (ids, counts)', async () => {
    const db = (await h.pool.query<{ id: string; count: number }>('select id, count from alerts')).rows;
    const ref = referenceAlerts(all).alerts;
    expect(db.map((a) => a.id).sort()).toEqual([...ref.keys()].sort());
    for (const a of db) expect(a.count).toBe(ref.get(a.id)!.total);
  });

  it('applies a fleet-wide acceptance row (program key of this endpoint\'s build) exactly once: the accepted ports stop alerting', async () => {
    const novel = (await h.pool.query(`select id from alerts where group_key = 'tree 4242:bash'`)).rows[0].id as string;
    // as POST /api/alerts/:id/accept-baseline?scope=fleet writes it: one row per endpoint, naming the build
    await h.pool.query(`insert into baseline_acceptances (alert_id, endpoint_id, program, program_key, accepted_by) values ($1, $2, '/usr/bin/bash', '/usr/bin/bash', 'ana')`, [novel, endpointId]);
    // acceptances are looked for with the endpoint's batches (at most every 2 s): keep the shell reporting until applied
    let t1 = start + 60_000;
    await waitUntil(
      async () => {
        t1 += 500;
        await h.produce([next(t1, [shell(t1)])]);
        await h.waitProcessed();
        return (await h.pool.query('select applied_at from baseline_acceptances where alert_id = $1', [novel])).rows[0].applied_at !== null;
      },
      30_000,
      'fleet acceptance applied',
    );
    const t2 = start + 70_000;
    const again = next(t2, [probe(22, t2), probe(80, t2), probe(1024, t2)]);
    await h.produce([again]);
    await h.waitProcessed();
    // no novelty any more; a known-bad rule (shell-network-connect: the shell's own connections) is never silenced by a baseline
    expect((await h.pool.query("select kind from alerts where batch_id = $1 and detector <> 'rule'", [again.batchId])).rows).toEqual([]);
  });
});
