import { randomUUID } from 'node:crypto';
import { GatewayClient, BatchSender, SendError, encodeBatchBody, lookupTelemetrySchemaId } from '@vigil/agent-transport';
import { errorMessage, isLoopbackHost, retry, sleep } from '@vigil/common';
import { COMMAND_LINE_ACTOR, EndpointsRepository, createPool, migrate } from '@vigil/db';
import { KafkaClient, type KafkaSasl } from '@vigil/kafka';
import { SubjectSchemas, TelemetryBatchV1Schema, WireDecoder, createRegistryClient, subjectForTopic, type TelemetryBatch } from '@vigil/schemas';
import { ATTACKS, ATTACK_PROGRAMS, injectAttack, restamp, type AttackKind, type RecordedBatch, type SimulatedIdentity } from './variation';

/** Name prefix of every simulated endpoint (what `--cleanup` and operators recognise them by). */
export const SIMULATED_PREFIX = 'fleet-sim-';

/** Where the simulation runs and what it sends. */
export interface SimulateOptions {
  endpoints: number;
  durationMs: number;
  /** Batches per second per endpoint (a real agent sends one per 10 s window: 0.1). */
  rate: number;
  /** Most requests in flight at once (keep-alive sockets to the gateway). */
  concurrency: number;
  /** Endpoints that get an attack injected (each one attack, kinds in turn). */
  attacks: number;
  gatewayUrl: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /** Kafka and registry credentials (the secured local stack's admin users), if any. */
  kafkaSasl?: KafkaSasl;
  registryAuth?: { username: string; password: string };
  topic: string;
  corpus: RecordedBatch[];
  /** How long to wait after the last batch for the analyzer (activity rows) and the alerts. */
  settleTimeoutMs: number;
  /** Revoke the simulated endpoints at the end (default). */
  revoke: boolean;
  /** Plain http to a non-loopback gateway (loopback is always allowed). */
  insecureHttp?: boolean;
  /** Progress, a line of text (the CLI shows it under a listr2 task on stderr). */
  progress?: (phase: string, text: string) => void;
}

/** The summary line (CONTRACTS.md `fleet simulate`). */
export interface SimulateResult {
  endpoints: number;
  durationS: number;
  rate: number;
  batchesSent: number;
  batchesAccepted: number;
  batchesRejected: number;
  retries: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  analysed: number;
  notAnalysed: number;
  events: number;
  eventsPerSecond: number;
  bytesSent: number;
  ingestP50Ms: number;
  ingestP99Ms: number;
  alertsExpected: number;
  alertsRaised: number;
  alertLatencyP50Ms: number | null;
  alertLatencyP99Ms: number | null;
  lateStarts: number;
  revoked: number;
  rejections: string[];
  ok: boolean;
}

/** The p-th percentile (0..100) of `values`, nearest rank; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Events a batch carries, counted as the agent's kernel side produced them: every system call, plus
 * the file opens, execs, network operations and security events behind its lists.
 */
export function batchEvents(b: TelemetryBatch): number {
  let n = 0;
  for (const p of b.processes) {
    for (const c of Object.values(p.syscalls)) n += c;
    n += p.execs.length + p.security.length;
    for (const f of p.files) n += f.count;
    for (const o of p.network) n += o.count;
  }
  return n;
}

/** Which endpoint gets which attack, at which of its batches (the middle one, so alerts have time). */
export function attackPlan(endpoints: number, attacks: number, batchesPerEndpoint: number): Map<number, { kind: AttackKind; index: number }> {
  const plan = new Map<number, { kind: AttackKind; index: number }>();
  const k = Math.min(attacks, endpoints);
  for (let j = 0; j < k; j++) plan.set(Math.floor((j * endpoints) / k), { kind: ATTACKS[j % ATTACKS.length]!, index: Math.floor((batchesPerEndpoint - 1) / 2) });
  return plan;
}

/** A counting semaphore: bounded concurrency of requests. */
class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

interface Accepted {
  endpointId: string;
  sequence: number;
  batchId: string;
  acceptedAt: number;
}

interface Simulated extends SimulatedIdentity {
  key: string;
  index: number;
}

/**
 * Enrol `endpoints` endpoints, replay the corpus through the gateway for `durationMs` at `rate`
 * batches per second each (times re-stamped to the moment of sending, ids, hosts and pids varied,
 * attacks injected), then verify as an outside tester: every accepted (endpoint, sequence) is in the
 * telemetry topic exactly once, the analyzer wrote activity for it, each injected attack raised its
 * alert. The endpoints are revoked at the end unless `revoke` is false.
 */
export async function simulateFleet(o: SimulateOptions): Promise<SimulateResult> {
  const progress = o.progress ?? (() => undefined);
  const runId = randomUUID().slice(0, 8);
  const pool = createPool(o.databaseUrl, { max: 4 });
  const kafka = new KafkaClient({ brokers: o.kafkaBrokers, clientId: `vigil-fleet-${runId}`, sasl: o.kafkaSasl });
  const client = new GatewayClient({ api: o.gatewayUrl, insecureHttp: o.insecureHttp || isLoopbackHost(o.gatewayUrl), maxSockets: o.concurrency });
  const fleet: Simulated[] = [];
  try {
    // 1. Enrolment (audited), with the code `./vigil endpoint add` uses, in the services' database.
    await migrate(pool);
    const repo = new EndpointsRepository(pool);
    const enrolSlots = new Semaphore(4);
    await Promise.all(
      Array.from({ length: o.endpoints }, async (_, i) => {
        await enrolSlots.acquire();
        try {
          const hostname = `${SIMULATED_PREFIX}${runId}-${String(i + 1).padStart(5, '0')}`;
          const { endpoint, key } = await repo.enrol(hostname, COMMAND_LINE_ACTOR);
          fleet[i] = { endpointId: endpoint.id, key, hostname, bootId: randomUUID(), pidOffset: 1 + ((i * 104_729) % 4_000_000), index: i };
          if (fleet.filter(Boolean).length % 50 === 0) progress('enrol', `${fleet.filter(Boolean).length}/${o.endpoints}`);
        } finally {
          enrolSlots.release();
        }
      }),
    );
    progress('enrol', `${o.endpoints}/${o.endpoints} enrolled (${SIMULATED_PREFIX}${runId}-*)`);

    const schemaId = await lookupTelemetrySchemaId(client, fleet[0]!.key, 10_000);
    const admin = kafka.admin();
    await admin.connect();
    const startOffsets = await admin.endOffsets(o.topic);

    // 2. Replay. Endpoint i sends its k-th batch at start + (i/N + k) periods: spread evenly.
    const periodMs = 1000 / o.rate;
    const perEndpoint = Math.max(1, Math.floor(o.durationMs / periodMs));
    const plan = attackPlan(o.endpoints, o.attacks, perEndpoint);
    const total = perEndpoint * o.endpoints;
    const slots = new Semaphore(o.concurrency);
    const accepted: Accepted[] = [];
    const ingestMs: number[] = [];
    const attackBatches = new Map<string, { kind: AttackKind; acceptedAt?: number; raisedAt?: number }>();
    const rejections = new Map<string, number>();
    let sent = 0;
    let rejected = 0;
    let retries = 0;
    let events = 0;
    let bytes = 0;
    let lateStarts = 0;
    const start = Date.now() + 500;
    const giveUpAt = start + o.durationMs + o.settleTimeoutMs;
    const report = (): void => {
      const done = accepted.length + rejected;
      const width = 24;
      const filled = Math.round((done / total) * width);
      progress('send', `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.floor((done / total) * 100)}% ${done}/${total} batches · ${accepted.length} accepted · ${rejected} rejected · ${retries} retries · p99 ${percentile(ingestMs, 99)} ms`);
    };
    const ticker = setInterval(report, 1000);

    const sendOne = async (e: Simulated, k: number): Promise<void> => {
      const recorded = o.corpus[(e.index * 7 + k) % o.corpus.length]!;
      await slots.acquire();
      try {
        let batch = restamp(recorded, e, k + 1, Date.now());
        const attack = plan.get(e.index);
        if (attack && attack.index === k) batch = injectAttack(batch, attack.kind);
        const body = await encodeBatchBody(batch, schemaId);
        const sender = new BatchSender(client, { key: e.key, encoding: 'gzip', timeoutMs: 30_000 });
        sent++;
        let t0 = 0;
        try {
          await retry(
            async () => {
              t0 = Date.now();
              await sender.send(body);
            },
            {
              retries: Number.POSITIVE_INFINITY,
              initialDelayMs: 200,
              maxDelayMs: 5_000,
              shouldRetry: (err) => err instanceof SendError && err.code === 'RETRY' && Date.now() <= giveUpAt,
              delayHintMs: (err) => (err instanceof SendError ? err.retryAfterMs : undefined),
              onRetry: () => retries++,
            },
          );
        } catch (err) {
          rejected++;
          const reason = errorMessage(err).slice(0, 200);
          rejections.set(reason, (rejections.get(reason) ?? 0) + 1);
          return;
        }
        const now = Date.now();
        ingestMs.push(now - t0);
        accepted.push({ endpointId: e.endpointId, sequence: batch.sequence, batchId: batch.batchId, acceptedAt: now });
        events += batchEvents(batch);
        bytes += body.length;
        if (attack && attack.index === k) attackBatches.set(`${e.endpointId} ${attack.kind}`, { kind: attack.kind, acceptedAt: now });
      } finally {
        slots.release();
      }
    };

    await Promise.all(
      fleet.map(async (e) => {
        for (let k = 0; k < perEndpoint; k++) {
          const due = start + (e.index / o.endpoints + k) * periodMs;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
          else if (wait < -periodMs / 2) lateStarts++;
          await sendOne(e, k);
        }
      }),
    );
    const sendEnded = Date.now();
    clearInterval(ticker);
    report();

    // 3. Kafka: every accepted (endpoint, sequence) exactly once.
    const endOffsets = await admin.endOffsets(o.topic);
    await admin.disconnect();
    const ids = new Set(fleet.map((e) => e.endpointId));
    const registry = createRegistryClient(o.schemaRegistryUrl, { auth: o.registryAuth });
    const decoder = new WireDecoder<TelemetryBatch>(new SubjectSchemas(registry, subjectForTopic(o.topic)), TelemetryBatchV1Schema);
    const values: Buffer[] = [];
    progress('kafka', `reading ${o.topic}`);
    await kafka.readRange(
      o.topic,
      startOffsets,
      endOffsets,
      (m) => {
        if (m.key && m.value && ids.has(m.key.toString('utf8'))) values.push(m.value);
      },
      { timeoutMs: 120_000, groupPrefix: 'vigil-fleet-reader' },
    );
    const seen = new Map<string, number>();
    for (const v of values) {
      const { value } = await decoder.decode(v);
      const k = `${value.endpointId} ${value.sequence}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    registry.close();
    const acceptedKeys = new Set(accepted.map((a) => `${a.endpointId} ${a.sequence}`));
    const lost = [...acceptedKeys].filter((k) => !seen.has(k)).length;
    const duplicated = [...seen.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    const unexpected = [...seen.keys()].filter((k) => !acceptedKeys.has(k)).length;
    progress('kafka', `${values.length} records: lost ${lost}, duplicated ${duplicated}`);

    // 4. Database: the analyzer's activity rows for every accepted batch, and the injected alerts.
    const endpointIds = fleet.map((e) => e.endpointId);
    const wanted = new Set(accepted.map((a) => a.batchId));
    let analysedIds = new Set<string>();
    const attacked = [...attackBatches.keys()];
    for (;;) {
      const { rows } = await pool.query<{ batch_id: string }>('select distinct batch_id from activity where endpoint_id = any($1::uuid[]) and time >= $2', [endpointIds, new Date(start - 60_000)]);
      analysedIds = new Set(rows.map((r) => r.batch_id).filter((b) => wanted.has(b)));
      const alerts = await pool.query<{ endpoint_id: string; kind: string; program: string }>(
        'select distinct endpoint_id::text, kind, program from alerts where endpoint_id = any($1::uuid[]) and kind = any($2::text[])',
        [endpointIds, [...ATTACKS]],
      );
      const now = Date.now();
      for (const a of alerts.rows) {
        const hit = attackBatches.get(`${a.endpoint_id} ${a.kind}`);
        if (hit && hit.raisedAt === undefined && a.program === ATTACK_PROGRAMS[hit.kind]) hit.raisedAt = now;
      }
      const raised = attacked.filter((k) => attackBatches.get(k)!.raisedAt !== undefined).length;
      progress('analyse', `${analysedIds.size}/${wanted.size} batches analysed · ${raised}/${attacked.length} alerts`);
      if ((analysedIds.size >= wanted.size && raised >= attacked.length) || now > sendEnded + o.settleTimeoutMs) break;
      await sleep(500);
    }

    // 5. Clean up: the simulated endpoints' keys are revoked (their rows stay, marked by name).
    let revokedCount = 0;
    if (o.revoke) for (const e of fleet) if (await repo.revoke(e.endpointId)) revokedCount++;

    const latencies = [...attackBatches.values()].filter((a) => a.raisedAt !== undefined && a.acceptedAt !== undefined).map((a) => a.raisedAt! - a.acceptedAt!);
    const elapsedS = (sendEnded - start) / 1000;
    const result: SimulateResult = {
      endpoints: o.endpoints,
      durationS: Math.round(elapsedS * 10) / 10,
      rate: o.rate,
      batchesSent: sent,
      batchesAccepted: accepted.length,
      batchesRejected: rejected,
      retries,
      lost,
      duplicated,
      unexpected,
      analysed: analysedIds.size,
      notAnalysed: wanted.size - analysedIds.size,
      events,
      eventsPerSecond: Math.round(events / Math.max(elapsedS, 0.001)),
      bytesSent: bytes,
      ingestP50Ms: percentile(ingestMs, 50),
      ingestP99Ms: percentile(ingestMs, 99),
      alertsExpected: attacked.length,
      alertsRaised: latencies.length,
      alertLatencyP50Ms: latencies.length ? percentile(latencies, 50) : null,
      alertLatencyP99Ms: latencies.length ? percentile(latencies, 99) : null,
      lateStarts,
      revoked: revokedCount,
      rejections: [...rejections].map(([reason, n]) => `${n}× ${reason}`),
      ok: false,
    };
    result.ok = result.lost === 0 && result.duplicated === 0 && result.batchesRejected === 0 && result.notAnalysed === 0 && result.alertsRaised >= result.alertsExpected;
    return result;
  } catch (err) {
    // Leave no active simulated key behind when the run fails half-way.
    if (o.revoke) for (const e of fleet.filter(Boolean)) await new EndpointsRepository(pool).revoke(e.endpointId).catch(() => undefined);
    throw err;
  } finally {
    client.close();
    await pool.end();
  }
}
