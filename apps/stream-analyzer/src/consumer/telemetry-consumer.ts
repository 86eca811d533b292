import { errorMessage, type Logger } from '@vigil/common';
import type { BatchControl, IncomingBatch, IncomingMessage, KafkaBatchConsumer, KafkaProducer } from '@vigil/kafka';
import type { TelemetryDecoder } from '../kafka/telemetry-decoder';
import type { DetectionEngine } from '../detection/engine';
import type { TelemetryBatch } from '../detection/telemetry';
import { AnalyzerError, dispositionOf } from '../errors/analyzer.error';
import type { FleetCache } from '../baselines/fleet-cache';
import type { HealthState } from '../http/health';
import { deadLetter } from '../kafka/dead-letter';
import type { AnalyzerMetrics } from '../metrics/analyzer.metrics';
import type { AnalyzerRepository, PendingAcceptance } from '../repositories/analyzer.repository';
import { isDataRejected } from '../repositories/database-errors';
import { chunks, lagOf, nextOffset, planBatch, progressOf, type PartitionProgress } from './partition-position';
import type { AlertPublisher } from './alert-publisher';
import { EngineLoader } from './engine-loader';
import { Abandoned, retryWhileOwned } from './partition-retry';
import { decodeRecord } from './record-decoder';
import { processedRecords, processRun, transactionsOf, type DeadLetterReason, type DeadRecord, type RunOutcome, type RunRecord } from './run-processor';

/** Settings of the consumer loop. */
export interface ConsumerSettings {
  groupId: string;
  telemetryTopic: string;
  dlqTopic: string;
  maxRecordsPerTransaction: number;
  acceptancePollMs: number;
  /** See AdapterOptions.maxClockAheadMs. */
  maxClockAheadMs: number;
}

/** What the consumer works with, by name (built once by the service). */
export interface ConsumerDependencies {
  settings: ConsumerSettings;
  /** Holds the detection state of the endpoints of assigned partitions (loaded on demand, dropped on revocation). */
  engine: DetectionEngine;
  fleet: FleetCache;
  repo: AnalyzerRepository;
  decoder: TelemetryDecoder;
  /** Produces committed alerts (and the outbox relay's). */
  alerts: AlertPublisher;
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

/** A transaction's records, decoded. */
type DecodedTransaction = Required<Pick<Transaction, 'messages' | 'records'>>;

/** A run the processor turned into a write set. */
type ProcessedRun = Extract<RunOutcome<IncomingMessage>, { status: 'processed' }>;

/**
 * The telemetry consumer, the partition worker around the run processor: per fetched batch of one
 * partition, runs of records are decoded, turned into a write set by {@link processRun} and written
 * in one transaction with the partition's next offset (see README, "exactly-once effect"). Dead
 * letters are produced before that transaction (at-least-once on the DLQ); new alerts are produced
 * after it, from an outbox that survives a crash. Failures decide what happens next: a record's
 * fault dead-letters it, a dependency's is retried, another owner's writes drop the partition.
 */
export class TelemetryConsumer {
  private readonly partitions = new Map<number, PartitionState>();
  private readonly loader: EngineLoader;
  /**
   * Per assigned partition: the next offset this instance last committed and when it last moved.
   * Kept apart from PartitionState, which a failing run drops and rebuilds: a partition that fails
   * the same way again and again must still show up as not advancing.
   */
  private readonly progress = new Map<number, { next: string | null; advancedAt: number }>();
  private stopping = false;

  constructor(private readonly deps: ConsumerDependencies) {
    this.loader = new EngineLoader(deps.engine, deps.fleet, deps.repo);
  }

  /** Join the group and consume until {@link stop}. */
  async start(concurrency: number): Promise<void> {
    this.deps.consumer.onAssignment(this.deps.settings.telemetryTopic, (partitions) => this.assign(partitions));
    this.deps.consumer.onCrash((err) => {
      this.deps.health.degrade('kafka', `consumer crashed (restarting): ${errorMessage(err)}`);
      this.deps.log.error({ err: errorMessage(err) }, 'consumer crashed; it restarts itself');
    });
    await this.deps.consumer.run(this.deps.settings.telemetryTopic, (batch, control) => this.handle(batch, control), { fromBeginning: true, concurrency });
  }

  /** Stop retrying (the Kafka consumer is disconnected by the caller). */
  stop(): void {
    this.stopping = true;
  }

  /** Partitions currently assigned, with their lag and stored position once their first batch arrived. */
  assignment(): { partition: number; lag: number; position: string | null }[] {
    return this.deps.consumer.assigned().map((p) => {
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
    return this.deps.consumer.assigned().map((partition) => {
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
    this.deps.metrics.assigned.set(partitions.length);
    this.deps.metrics.lag.reset();
    this.deps.health.recover('kafka');
    this.deps.log.info({ topic: this.deps.settings.telemetryTopic, partitions }, 'partitions assigned');
  }

  /** Drop everything held for `partition` (revoked, or fenced by another instance). */
  private reset(partition: number): void {
    const st = this.partitions.get(partition);
    this.partitions.delete(partition);
    this.loader.forgetPartition(partition, st?.endpoints ?? []);
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
        this.deps.log.info({ partition: batch.partition, offset: plan.offset, fetched: batch.messages[0]?.offset }, 'resuming at the offset stored in the database');
        this.deps.consumer.seek(batch.topic, batch.partition, plan.offset);
        return;
      }
      if (plan.action === 'skip') {
        this.deps.metrics.batches.inc({ result: 'skipped' }, batch.messages.length);
        control.resolve(batch.messages[batch.messages.length - 1]!.offset);
        return;
      }
      if (plan.from > 0) {
        this.deps.metrics.batches.inc({ result: 'skipped' }, plan.from);
        control.resolve(batch.messages[plan.from - 1]!.offset);
      }
      for (const run of chunks(batch.messages.slice(plan.from), this.deps.settings.maxRecordsPerTransaction)) {
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
      this.deps.repo.nextOffset({ groupId: this.deps.settings.groupId, topic: this.deps.settings.telemetryTopic, partition }),
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
      const records = (tx.records ??= await this.decodeAll(tx.messages, control, poison));
      const parts = tx.isolated ? [records] : transactionsOf(records);
      if (parts.length > 1) {
        queue.splice(0, 1, ...parts.map((records) => ({ messages: records.map((r) => r.record), records, isolated: false })));
        continue;
      }
      const next = await this.transact(st, { messages: tx.messages, records }, control, highWatermark, poison);
      if (next === 'committed') queue.shift();
      else {
        // the same records again, decoded afresh with what `poison` now holds
        tx.records = undefined;
        if (next === 'isolate') tx.isolated = true;
      }
    }
  }

  /** Decode a run's records; those in `poison` are dead letters already, registry outages are retried. */
  private async decodeAll(run: IncomingMessage[], control: BatchControl, poison: Poison): Promise<RunRecord<IncomingMessage>[]> {
    const out: RunRecord<IncomingMessage>[] = [];
    for (const m of run) {
      const dead = poison.get(m.offset);
      out.push(dead ? { record: m, dead } : await this.retrying('registry', 'decoding a record', control, () => decodeRecord(this.deps.decoder, m, this.deps.settings.maxClockAheadMs)));
    }
    return out;
  }

  /**
   * Attempt one transaction: load what the engine needs, run the processor, dead-letter, commit.
   * `redo`: a record was added to `poison`, try again; `isolate`: the database refused the data of
   * several records, try them one by one to find which.
   */
  private async transact(st: PartitionState, tx: DecodedTransaction, control: BatchControl, highWatermark: string, poison: Poison): Promise<'committed' | 'redo' | 'isolate'> {
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

    const outcome = processRun(this.deps.engine, tx.records, acceptances);
    if (outcome.status === 'poisoned') {
      // its state may be half-updated: start the run over from the database with this record set aside
      this.deps.log.error({ partition: st.partition, offset: outcome.record.offset, endpointId: outcome.batch.endpointId, err: errorMessage(outcome.error) }, 'detector failed on a record; dead-lettering it');
      this.loader.forget(outcome.staleEndpoints);
      poison.set(outcome.record.offset, outcome.dead);
      return 'redo';
    }
    const set = outcome.writeSet;
    // before the transaction that moves past them: a crash in between produces them again, never loses them
    await this.produceDeadLetters(st, outcome.deadLetters, control);

    const last = tx.messages[tx.messages.length - 1]!.offset;
    const next = nextOffset(last);
    const ref = { groupId: this.deps.settings.groupId, topic: this.deps.settings.telemetryTopic, partition: st.partition };
    const started = Date.now();
    try {
      await this.retrying('database', 'writing a batch', control, () => this.deps.repo.commit(ref, st.position, next, set), st);
    } catch (err) {
      if (err instanceof AnalyzerError && dispositionOf(err.code) === 'reload') {
        this.deps.metrics.transactions.inc({ result: 'fenced' });
        this.deps.log.warn({ partition: st.partition, expected: st.position }, 'partition advanced by another instance; dropping local state and resuming from the database');
        this.reset(st.partition);
        throw new Abandoned();
      }
      if (isDataRejected(err)) return this.dataRejected(st, tx.messages, poison, err, [...set.baselines.map((b) => b.endpointId), ...batches.map((b) => b.endpointId)]);
      throw err;
    }
    await this.committed(st, outcome, last, started, highWatermark, control);
    return 'committed';
  }

  /**
   * Before a run: pending acceptances (at most every acceptancePollMs per partition), then what the
   * engine needs for the run's endpoints and theirs.
   */
  private async prepare(st: PartitionState, batches: TelemetryBatch[], control: BatchControl): Promise<PendingAcceptance[]> {
    const endpoints = new Set(batches.map((b) => b.endpointId));
    let acceptances: PendingAcceptance[] = [];
    const now = Date.now();
    if (now - st.lastAcceptancePoll >= this.deps.settings.acceptancePollMs) {
      const owned = [...new Set([...st.endpoints, ...endpoints])];
      acceptances = await this.retrying('database', 'reading baseline acceptances', control, () => this.deps.repo.pendingAcceptances(owned), st);
      st.lastAcceptancePoll = now;
      for (const a of acceptances) endpoints.add(a.endpointId);
    }
    await this.loader.load(st.partition, endpoints, batches, (what, read) => this.retrying('database', what, control, read, st));
    return acceptances;
  }

  /** Produce a run's dead letters (each with its error in the headers). */
  private async produceDeadLetters(st: PartitionState, dead: DeadRecord<IncomingMessage>[], control: BatchControl): Promise<void> {
    if (dead.length === 0) return;
    const messages = dead.map((d) => deadLetter(d.record, d.dead.code, d.dead.message));
    await this.retrying('kafka', 'producing dead letters', control, () => this.deps.producer.send(this.deps.settings.dlqTopic, messages), st);
    for (const d of dead) {
      this.deps.metrics.deadLetters.inc({ code: d.dead.code });
      this.deps.log.warn({ topic: d.record.topic, partition: d.record.partition, offset: d.record.offset, code: d.dead.code, err: d.dead.message }, 'record dead-lettered');
    }
  }

  /** The run's transaction committed up to offset `last`: move the partition on, count, publish its alerts. */
  private async committed(st: PartitionState, outcome: ProcessedRun, last: string, started: number, highWatermark: string, control: BatchControl): Promise<void> {
    const { writeSet: set, processed, deadLetters: dead } = outcome;
    const next = nextOffset(last);
    const committedAt = Date.now();
    this.deps.metrics.transactions.inc({ result: 'committed' });
    this.deps.metrics.dbWrite.observe((committedAt - started) / 1000);
    st.position = next;
    this.progress.set(st.partition, { next, advancedAt: committedAt });
    control.resolve(last);
    for (const r of processed) st.endpoints.add(r.batch.endpointId);
    st.lag = lagOf(highWatermark, next);
    this.deps.metrics.lag.set({ partition: String(st.partition) }, st.lag);
    this.deps.metrics.batches.inc({ result: 'processed' }, processed.length);
    if (dead.length > 0) this.deps.metrics.batches.inc({ result: 'dead_lettered' }, dead.length);
    this.deps.metrics.events.inc(outcome.events);
    const alertBatches = new Set(set.alerts.map((a) => a.batchId));
    for (const r of processed) {
      const latency = Math.max(0, committedAt - Number(r.record.timestamp)) / 1000;
      this.deps.metrics.batchLatency.observe(latency);
      if (alertBatches.has(r.batch.batchId)) this.deps.metrics.alertLatency.observe(latency);
    }
    for (const a of set.alerts) this.deps.metrics.alerts.inc({ detector: a.detector, severity: a.severity });
    if (set.alerts.length > 0) {
      this.deps.log.info({ partition: st.partition, alerts: set.alerts.length, kinds: [...new Set(set.alerts.map((a) => a.kind))] }, 'alerts committed');
      await this.deps.alerts.publish(set.alerts, (send) => this.retrying('kafka', 'producing alerts', control, send, undefined, 5));
    }
    // Kafka's own offset only says where fetching starts; the database is the truth, so a failed commit here loses nothing.
    await this.deps.consumer.commit(this.deps.settings.telemetryTopic, [{ partition: st.partition, offset: next }]).catch((err: unknown) =>
      this.deps.log.warn({ partition: st.partition, err: errorMessage(err) }, 'Kafka offset commit failed (the database holds the position)'),
    );
  }

  /**
   * PostgreSQL refused the data of `run` (SQLSTATE 22, 23 or 54): never retried as it is. Several
   * records: write them one by one to find the culprit; one record: it becomes a dead letter with
   * the database's reason, and the run is written again without it, so the partition moves on.
   */
  private dataRejected(st: PartitionState, run: IncomingMessage[], poison: Poison, err: unknown, endpoints: string[]): 'isolate' {
    // whatever the engine did for this run was not committed: reload those endpoints from the database
    this.loader.forget(endpoints);
    if (run.length > 1) return 'isolate';
    const m = run[0]!;
    if (poison.has(m.offset)) throw err; // refused even without its data: not this record's fault
    const code = (err as { code?: unknown }).code;
    poison.set(m.offset, { code: 'DATA_REJECTED', message: `the database refused this record's data (SQLSTATE ${String(code)}): ${errorMessage(err)}` });
    this.deps.log.error({ partition: st.partition, offset: m.offset, sqlstate: code, err: errorMessage(err) }, 'the database refused a record; dead-lettering it');
    return 'isolate';
  }

  /** Run `fn` against `dependency` until it succeeds or `st` (if given) is no longer this handler's: see {@link retryWhileOwned}. */
  private retrying<T>(dependency: string, what: string, control: BatchControl, fn: () => Promise<T>, st?: PartitionState, maxAttempts?: number): Promise<T> {
    const owned = (): boolean => !this.stopping && (!st || this.partitions.get(st.partition) === st);
    const lost = (): void => {
      if (st) this.reset(st.partition);
    };
    return retryWhileOwned(this.deps, { dependency, what, control, partition: st?.partition, owned, lost, maxAttempts }, fn);
  }
}
