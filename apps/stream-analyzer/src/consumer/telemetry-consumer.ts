import { errorMessage, isRetriable, retry, sleep, type Logger } from '@vigil/common';
import { KafkaError, type BatchControl, type IncomingBatch, type IncomingMessage, type KafkaBatchConsumer, type KafkaProducer } from '@vigil/kafka';
import type { WireEncoder, Alert as AvroAlert } from '@vigil/schemas';
import type { TelemetryDecoder } from '../kafka/telemetry-decoder';
import type { Alert } from '../detection/alert';
import type { DetectionEngine } from '../detection/engine';
import { programIdentity } from '../detection/identity';
import type { TelemetryBatch } from '../detection/telemetry';
import { AnalyzerError, dispositionOf } from '../errors/analyzer.error';
import type { FleetCache } from '../baselines/fleet-cache';
import type { HealthState } from '../http/health';
import { ALERT_ID_HEADER, toAvroAlert } from '../kafka/alert-record';
import { deadLetter } from '../kafka/dead-letter';
import type { AnalyzerMetrics } from '../metrics/analyzer.metrics';
import type { AnalyzerRepository, PendingAcceptance } from '../repositories/analyzer.repository';
import { isDataRejected } from '../repositories/database-errors';
import { chunks, lagOf, nextOffset, planBatch, progressOf, type PartitionProgress } from './partition-position';
import { decodeRecord } from './record-decoder';
import { processedRecords, processRun, transactionsOf, type DeadLetterReason, type RunRecord } from './run-processor';

/** Settings of the consumer loop. */
export interface ConsumerSettings {
  groupId: string;
  telemetryTopic: string;
  alertsTopic: string;
  dlqTopic: string;
  maxRecordsPerTransaction: number;
  acceptancePollMs: number;
  /** See AdapterOptions.maxClockAheadMs. */
  maxClockAheadMs: number;
}

/** What the consumer works with, named (the service builds them; tests may pass fakes). */
export interface ConsumerDependencies {
  settings: ConsumerSettings;
  /** Holds the detection state of the endpoints of assigned partitions (loaded on demand, dropped on revocation). */
  engine: DetectionEngine;
  fleet: FleetCache;
  repo: AnalyzerRepository;
  decoder: TelemetryDecoder;
  /** The alerts topic's encoder, registered on first use. */
  alertEncoder: () => Promise<WireEncoder<AvroAlert>>;
  consumer: KafkaBatchConsumer;
  producer: KafkaProducer;
  metrics: AnalyzerMetrics;
  health: HealthState;
  log: Logger;
}

/** What this instance holds for one assigned partition (replaced, never reused, after a reset). */
interface PartitionState {
  partition: number;
  /** Next offset to process as stored in the database (null: never written). */
  position: string | null;
  seekedTo: string | null;
  endpoints: Set<string>;
  lastAcceptancePoll: number;
  lag: number;
}

/** Records of a run set aside as dead letters (by offset), with why. */
type Poison = Map<string, DeadLetterReason>;

/** One transaction to attempt: consecutive records of a partition, once decoded with them. */
interface Transaction {
  messages: IncomingMessage[];
  records?: RunRecord<IncomingMessage>[];
  /** The database refused data of these records: write them one by one, never cut or joined. */
  isolated: boolean;
}

/** The handler gave up on a run because the partition is no longer (only) ours. */
class Abandoned extends Error {}

/**
 * The telemetry consumer: per fetched batch of one partition, runs of records are decoded,
 * analysed and written in one transaction with the partition's next offset (see README,
 * "exactly-once effect"). Dead letters are produced before that transaction (at-least-once on the
 * DLQ); new alerts are produced after it, from an outbox that survives a crash.
 */
export class TelemetryConsumer {
  private readonly partitions = new Map<number, PartitionState>();
  /** Endpoints whose checkpoints are loaded into the engine → their partition. */
  private readonly loaded = new Map<string, number>();
  /**
   * Per assigned partition: the next offset this instance last committed and when it last moved.
   * Kept apart from PartitionState, which a failing run drops and rebuilds: a partition that fails
   * the same way again and again must still show up as not advancing.
   */
  private readonly progress = new Map<number, { next: string | null; advancedAt: number }>();
  private stopping = false;

  private readonly settings: ConsumerSettings;
  private readonly engine: DetectionEngine;
  private readonly fleet: FleetCache;
  private readonly repo: AnalyzerRepository;
  private readonly decoder: TelemetryDecoder;
  private readonly alertEncoder: () => Promise<WireEncoder<AvroAlert>>;
  private readonly consumer: KafkaBatchConsumer;
  private readonly producer: KafkaProducer;
  private readonly metrics: AnalyzerMetrics;
  private readonly health: HealthState;
  private readonly log: Logger;

  constructor(deps: ConsumerDependencies) {
    ({
      settings: this.settings,
      engine: this.engine,
      fleet: this.fleet,
      repo: this.repo,
      decoder: this.decoder,
      alertEncoder: this.alertEncoder,
      consumer: this.consumer,
      producer: this.producer,
      metrics: this.metrics,
      health: this.health,
      log: this.log,
    } = deps);
  }

  /** Join the group and consume until {@link stop}. */
  async start(concurrency: number): Promise<void> {
    this.consumer.onAssignment(this.settings.telemetryTopic, (partitions) => this.assign(partitions));
    this.consumer.onCrash((err) => {
      this.health.degrade('kafka', `consumer crashed (restarting): ${errorMessage(err)}`);
      this.log.error({ err: errorMessage(err) }, 'consumer crashed; it restarts itself');
    });
    await this.consumer.run(this.settings.telemetryTopic, (batch, control) => this.handle(batch, control), { fromBeginning: true, concurrency });
  }

  /** Stop retrying (the Kafka consumer is disconnected by the caller). */
  stop(): void {
    this.stopping = true;
  }

  /** Partitions currently assigned, with their lag and stored position once their first batch arrived. */
  assignment(): { partition: number; lag: number; position: string | null }[] {
    return this.consumer.assigned().map((p) => {
      const st = this.partitions.get(p);
      return { partition: p, lag: st?.lag ?? 0, position: st?.position ?? null };
    });
  }

  /**
   * Lag of each assigned partition against `endOffsets` (high watermarks) and `committed` (the
   * group's Kafka offsets, which trail the database), and whether it is stalled: records waiting
   * and no progress for `stallAfterMs` — a partition stuck on a record, whatever the reason.
   */
  partitionProgress(endOffsets: Map<number, string>, committed: Map<number, string>, stallAfterMs: number, now = Date.now()): PartitionProgress[] {
    return this.consumer.assigned().map((partition) => {
      const p = this.progress.get(partition);
      return progressOf(partition, endOffsets.get(partition), [committed.get(partition), p?.next], p?.advancedAt ?? now, stallAfterMs, now);
    });
  }

  /** New assignment after a rebalance: forget what revoked partitions held. */
  private assign(partitions: number[]): void {
    const keep = new Set(partitions);
    for (const p of [...this.progress.keys()]) if (!keep.has(p)) this.progress.delete(p);
    for (const p of partitions) if (!this.progress.has(p)) this.progress.set(p, { next: null, advancedAt: Date.now() });
    for (const p of [...this.partitions.keys()]) if (!keep.has(p)) this.reset(p);
    // partitions kept across the rebalance keep their state: the offset fence catches anyone else's writes meanwhile
    this.metrics.assigned.set(partitions.length);
    this.metrics.lag.reset();
    this.health.recover('kafka');
    this.log.info({ topic: this.settings.telemetryTopic, partitions }, 'partitions assigned');
  }

  /** Drop everything held for `partition` (revoked, or fenced by another instance). */
  private reset(partition: number): void {
    const st = this.partitions.get(partition);
    this.partitions.delete(partition);
    const endpoints = new Set<string>();
    for (const [e, p] of this.loaded) if (p === partition) endpoints.add(e);
    for (const e of st?.endpoints ?? []) endpoints.add(e);
    this.engine.forget((e) => endpoints.has(e));
    for (const e of endpoints) this.loaded.delete(e);
  }

  private async handle(batch: IncomingBatch, control: BatchControl): Promise<void> {
    try {
      const st = this.partitions.get(batch.partition) ?? (await this.open(batch.partition, control));
      const plan = planBatch(
        st.position,
        batch.messages.map((m) => m.offset),
        st.seekedTo !== null && st.seekedTo === st.position,
      );
      if (plan.action === 'seek') {
        st.seekedTo = plan.offset;
        this.log.info({ partition: batch.partition, offset: plan.offset, fetched: batch.messages[0]?.offset }, 'resuming at the offset stored in the database');
        this.consumer.seek(batch.topic, batch.partition, plan.offset);
        return;
      }
      if (plan.action === 'skip') {
        this.metrics.batches.inc({ result: 'skipped' }, batch.messages.length);
        control.resolve(batch.messages[batch.messages.length - 1]!.offset);
        return;
      }
      if (plan.from > 0) {
        this.metrics.batches.inc({ result: 'skipped' }, plan.from);
        control.resolve(batch.messages[plan.from - 1]!.offset);
      }
      for (const run of chunks(batch.messages.slice(plan.from), this.settings.maxRecordsPerTransaction)) {
        if (this.partitions.get(batch.partition) !== st) return; // revoked meanwhile
        await this.writeRun(st, run, control, batch.highWatermark);
      }
    } catch (err) {
      // Whatever stopped the run, the engine may hold effects that were never committed: drop the
      // partition's state so its next batch (here or on its next owner) resumes from the database.
      this.reset(batch.partition);
      if (err instanceof Abandoned) return;
      throw err;
    }
  }

  /** First batch of a partition since assignment: where the database says to resume. */
  private async open(partition: number, control: BatchControl): Promise<PartitionState> {
    const position = await this.retrying('database', 'reading the partition offset', control, () =>
      this.repo.nextOffset({ groupId: this.settings.groupId, topic: this.settings.telemetryTopic, partition }),
    );
    const st: PartitionState = { partition, position, seekedTo: null, endpoints: new Set(), lastAcceptancePoll: 0, lag: 0 };
    // where the database says the partition stands counts for its lag (not as progress)
    const p = this.progress.get(partition);
    if (p && position !== null && (p.next === null || BigInt(position) > BigInt(p.next))) p.next = position;
    this.partitions.set(partition, st);
    return st;
  }

  /**
   * Write `run` in as few transactions as its records allow, iteratively: a queue of transactions to
   * attempt, where a failure caused by a record replaces the attempt (the same records with it
   * dead-lettered, or the records one by one) and nothing is committed twice.
   */
  private async writeRun(st: PartitionState, run: IncomingMessage[], control: BatchControl, highWatermark: string): Promise<void> {
    const poison: Poison = new Map();
    const queue: Transaction[] = [{ messages: run, isolated: false }];
    while (queue.length > 0) {
      if (this.partitions.get(st.partition) !== st) return; // revoked meanwhile
      const tx = queue[0]!;
      if (tx.isolated && tx.messages.length > 1) {
        queue.splice(0, 1, ...tx.messages.map((m) => ({ messages: [m], isolated: true })));
        continue;
      }
      tx.records ??= await this.decodeAll(tx.messages, control, poison);
      const parts = tx.isolated ? [tx.records] : transactionsOf(tx.records);
      if (parts.length > 1) {
        queue.splice(0, 1, ...parts.map((records) => ({ messages: records.map((r) => r.record), records, isolated: false })));
        continue;
      }
      const next = await this.transact(st, tx as Required<Transaction>, control, highWatermark, poison);
      if (next === 'committed') queue.shift();
      else {
        // the same records again, decoded afresh with what `poison` now holds
        tx.records = undefined;
        if (next === 'isolate') tx.isolated = true;
      }
    }
  }

  /**
   * Attempt one transaction: load what the engine needs, run the processor, dead-letter, commit.
   * `redo`: a record was added to `poison`, try again; `isolate`: the database refused the data of
   * several records, try them one by one to find which.
   */
  private async transact(st: PartitionState, tx: Required<Transaction>, control: BatchControl, highWatermark: string, poison: Poison): Promise<'committed' | 'redo' | 'isolate'> {
    const batches = processedRecords(tx.records).map((r) => r.batch);
    let acceptances: PendingAcceptance[];
    try {
      acceptances = await this.prepare(st, batches, control);
    } catch (err) {
      // PostgreSQL refused a value read on behalf of the run's data (e.g. a program key in a fleet
      // lookup): the same values can never succeed, so find the record and dead-letter it.
      if (!isDataRejected(err)) throw err;
      return this.dataRejected(st, tx.messages, poison, err, batches.map((b) => b.endpointId));
    }

    const outcome = processRun(this.engine, tx.records, acceptances);
    if (outcome.status === 'poisoned') {
      // its state may be half-updated: start the run over from the database with this record set aside
      this.log.error({ partition: st.partition, offset: outcome.record.offset, endpointId: outcome.batch.endpointId, err: errorMessage(outcome.error) }, 'detector failed on a record; dead-lettering it');
      this.forgetEndpoints(outcome.staleEndpoints);
      poison.set(outcome.record.offset, outcome.dead);
      return 'redo';
    }
    const { writeSet: set, deadLetters: dead } = outcome;
    if (dead.length > 0) {
      const messages = dead.map((d) => deadLetter(d.record, d.dead.code, d.dead.message));
      await this.retrying('kafka', 'producing dead letters', control, () => this.producer.send(this.settings.dlqTopic, messages), st);
      for (const d of dead) {
        this.metrics.deadLetters.inc({ code: d.dead.code });
        this.log.warn({ topic: d.record.topic, partition: d.record.partition, offset: d.record.offset, code: d.dead.code, err: d.dead.message }, 'record dead-lettered');
      }
    }

    const last = tx.messages[tx.messages.length - 1]!.offset;
    const next = nextOffset(last);
    const ref = { groupId: this.settings.groupId, topic: this.settings.telemetryTopic, partition: st.partition };
    const started = Date.now();
    try {
      await this.retrying('database', 'writing a batch', control, () => this.repo.commit(ref, st.position, next, set), st);
    } catch (err) {
      if (err instanceof AnalyzerError && dispositionOf(err.code) === 'reload') {
        this.metrics.transactions.inc({ result: 'fenced' });
        this.log.warn({ partition: st.partition, expected: st.position }, 'partition advanced by another instance; dropping local state and resuming from the database');
        this.reset(st.partition);
        throw new Abandoned();
      }
      if (isDataRejected(err)) return this.dataRejected(st, tx.messages, poison, err, [...set.baselines.map((b) => b.endpointId), ...batches.map((b) => b.endpointId)]);
      throw err;
    }
    const committedAt = Date.now();
    this.metrics.transactions.inc({ result: 'committed' });
    this.metrics.dbWrite.observe((committedAt - started) / 1000);
    st.position = next;
    this.progress.set(st.partition, { next, advancedAt: committedAt });
    control.resolve(last);
    for (const b of batches) st.endpoints.add(b.endpointId);
    st.lag = lagOf(highWatermark, next);
    this.metrics.lag.set({ partition: String(st.partition) }, st.lag);
    this.metrics.batches.inc({ result: 'processed' }, outcome.processed.length);
    if (dead.length > 0) this.metrics.batches.inc({ result: 'dead_lettered' }, dead.length);
    this.metrics.events.inc(outcome.events);
    const alertBatches = new Set(set.alerts.map((a) => a.batchId));
    for (const r of outcome.processed) {
      const latency = Math.max(0, committedAt - Number(r.record.timestamp)) / 1000;
      this.metrics.batchLatency.observe(latency);
      if (alertBatches.has(r.batch.batchId)) this.metrics.alertLatency.observe(latency);
    }
    for (const a of set.alerts) this.metrics.alerts.inc({ detector: a.detector, severity: a.severity });
    if (set.alerts.length > 0) {
      this.log.info({ partition: st.partition, alerts: set.alerts.length, kinds: [...new Set(set.alerts.map((a) => a.kind))] }, 'alerts committed');
      await this.publish(set.alerts, control);
    }
    // Kafka's own offset only says where fetching starts; the database is the truth, so a failed commit here loses nothing.
    await this.consumer.commit(this.settings.telemetryTopic, [{ partition: st.partition, offset: next }]).catch((err: unknown) =>
      this.log.warn({ partition: st.partition, err: errorMessage(err) }, 'Kafka offset commit failed (the database holds the position)'),
    );
    return 'committed';
  }

  /**
   * PostgreSQL refused the data of `run` (SQLSTATE 22, 23 or 54): never retried as it is. Several
   * records: write them one by one to find the culprit; one record: it becomes a dead letter with
   * the database's reason, and the run is written again without it, so the partition moves on.
   */
  private dataRejected(st: PartitionState, run: IncomingMessage[], poison: Poison, err: unknown, endpoints: string[]): 'isolate' {
    // whatever the engine did for this run was not committed: reload those endpoints from the database
    this.forgetEndpoints(endpoints);
    if (run.length > 1) return 'isolate';
    const m = run[0]!;
    if (poison.has(m.offset)) throw err; // refused even without its data: not this record's fault
    const code = (err as { code?: unknown }).code;
    poison.set(m.offset, { code: 'DATA_REJECTED', message: `the database refused this record's data (SQLSTATE ${String(code)}): ${errorMessage(err)}` });
    this.log.error({ partition: st.partition, offset: m.offset, sqlstate: code, err: errorMessage(err) }, 'the database refused a record; dead-lettering it');
    return 'isolate';
  }

  /** Produce committed alerts; what cannot be produced now stays in the outbox for the relay. */
  private async publish(alerts: Alert[], control: BatchControl): Promise<void> {
    try {
      await this.retrying('kafka', 'producing alerts', control, () => this.sendAlerts(alerts), undefined, 5);
      this.metrics.published.inc({ path: 'direct' }, alerts.length);
    } catch (err) {
      if (err instanceof Abandoned) throw err;
      this.log.warn({ alerts: alerts.length, err: errorMessage(err) }, 'alerts not produced yet; the outbox relay will produce them');
      return;
    }
    await this.repo.published(alerts.map((a) => a.id)).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'outbox not cleared; the relay will produce those alerts again'));
  }

  /** Produce alerts to the alerts topic (Avro, key endpoint id, alert id in a header). */
  async sendAlerts(alerts: Alert[]): Promise<void> {
    const encoder = await this.alertEncoder();
    await this.producer.send(
      this.settings.alertsTopic,
      alerts.map((a) => ({ key: a.endpointId, value: encoder.encode(toAvroAlert(a)), headers: { [ALERT_ID_HEADER]: a.id } })),
    );
  }

  /** Decode a run's records; those in `poison` are dead letters already, registry outages are retried. */
  private async decodeAll(run: IncomingMessage[], control: BatchControl, poison: Poison): Promise<RunRecord<IncomingMessage>[]> {
    const out: RunRecord<IncomingMessage>[] = [];
    for (const m of run) {
      const dead = poison.get(m.offset);
      out.push(dead ? { record: m, dead } : await this.retrying('registry', 'decoding a record', control, () => decodeRecord(this.decoder, m, this.settings.maxClockAheadMs)));
    }
    return out;
  }

  /**
   * Before a run: load the checkpoints of endpoints not held yet, pending acceptances (at most every
   * acceptancePollMs per partition) and fleet baselines of programs new to their endpoint.
   */
  private async prepare(st: PartitionState, batches: TelemetryBatch[], control: BatchControl): Promise<PendingAcceptance[]> {
    const endpoints = new Set(batches.map((b) => b.endpointId));
    let acceptances: PendingAcceptance[] = [];
    const now = Date.now();
    if (now - st.lastAcceptancePoll >= this.settings.acceptancePollMs) {
      const owned = [...new Set([...st.endpoints, ...endpoints])];
      acceptances = await this.retrying('database', 'reading baseline acceptances', control, () => this.repo.pendingAcceptances(owned), st);
      st.lastAcceptancePoll = now;
      for (const a of acceptances) endpoints.add(a.endpointId);
    }
    const missing = [...endpoints].filter((e) => !this.loaded.has(e));
    if (missing.length > 0) {
      const rows = await this.retrying('database', 'loading baselines', control, () => this.repo.checkpoints(missing), st);
      for (const r of rows) this.engine.restoreCheckpoint(r.endpointId, r.state);
      const states = await this.retrying('database', 'loading endpoint learning state', control, () => this.repo.endpointStates(missing), st);
      for (const r of states) this.engine.restoreEndpoint(r.endpointId, r.state);
      for (const e of missing) this.loaded.set(e, st.partition);
    }
    const newPrograms = new Set<string>();
    for (const b of batches) for (const p of b.processes) {
      const key = programIdentity(p).key;
      if (!this.engine.baseline(b.endpointId, key)) newPrograms.add(key);
    }
    const lookups = this.fleet.missing(newPrograms);
    if (lookups.length > 0) {
      const rows = await this.retrying('database', 'loading fleet baselines', control, () => this.repo.fleetCheckpoints(lookups, [...endpoints]), st);
      this.fleet.put(lookups, rows);
    }
    return acceptances;
  }

  private forgetEndpoints(endpoints: string[]): void {
    const set = new Set(endpoints);
    this.engine.forget((e) => set.has(e));
    for (const e of set) this.loaded.delete(e);
  }

  /**
   * Run `fn` until it succeeds: retriable failures (database, Kafka, registry down) are retried with
   * jittered backoff while the partition stays ours, keeping the group membership alive and health
   * degraded with the reason. Gives up with {@link Abandoned} when the partition is taken away.
   */
  private retrying<T>(dependency: string, what: string, control: BatchControl, fn: () => Promise<T>, st?: PartitionState, maxAttempts = Number.POSITIVE_INFINITY): Promise<T> {
    return retry(
      async (attempt) => {
        const value = await fn();
        if (attempt > 0) {
          this.health.recover(dependency);
          this.log.info({ dependency, what, attempts: attempt + 1 }, 'dependency back; resuming');
        }
        return value;
      },
      {
        retries: maxAttempts - 1,
        initialDelayMs: 250,
        maxDelayMs: 5_000,
        shouldRetry: (err) => retriableFailure(dependency, err),
        onRetry: (err, attempt) => {
          this.metrics.transactions.inc({ result: 'retried' });
          this.health.degrade(dependency, `${what}: ${errorMessage(err)}`);
          if (attempt % 10 === 1) this.log.warn({ dependency, what, attempt, partition: st?.partition, err: errorMessage(err) }, 'dependency failing; partition paused, retrying');
        },
        wait: (delayMs) => this.waitWhileOwned(delayMs, control, st),
      },
    );
  }

  /** Wait `delayMs` heartbeating each second; throw {@link Abandoned} once the partition is no longer (only) ours. */
  private async waitWhileOwned(delayMs: number, control: BatchControl, st: PartitionState | undefined): Promise<void> {
    const until = Date.now() + delayMs;
    while (Date.now() < until) {
      await sleep(Math.min(1_000, until - Date.now()));
      if (this.stopping || !control.isActive() || (st && this.partitions.get(st.partition) !== st)) {
        if (st) this.reset(st.partition);
        throw new Abandoned();
      }
      await control.heartbeat().catch(() => undefined);
    }
  }
}

/**
 * Whether a failure may pass by retrying (a dependency outage), as opposed to a bug or bad data: the
 * analyzer's own errors by their disposition, the registry's and database's by `retriable`. Any
 * failure of Kafka counts as an outage, refusals too (an ACL, a missing topic): the run can neither
 * skip nor dead-letter its records without Kafka, so it waits, degraded with the reason, for an operator.
 */
function retriableFailure(dependency: string, err: unknown): boolean {
  if (err instanceof AnalyzerError) return dispositionOf(err.code) === 'retry';
  return isRetriable(err) || (dependency === 'kafka' && err instanceof KafkaError);
}
