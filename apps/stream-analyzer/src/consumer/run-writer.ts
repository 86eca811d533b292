import { errorMessage, type Logger } from '@vigil/common';
import type { BatchControl, IncomingMessage, KafkaBatchConsumer, KafkaProducer } from '@vigil/kafka';
import type { DetectionEngine } from '../detection/engine';
import type { TelemetryBatch } from '../detection/telemetry';
import { AnalyzerError, dispositionOf } from '../errors/analyzer.error';
import { deadLetter } from '../kafka/dead-letter';
import type { TelemetryDecoder } from '../kafka/telemetry-decoder';
import type { AnalyzerMetrics } from '../metrics/analyzer.metrics';
import type { AnalyzerRepository, PendingAcceptance } from '../repositories/analyzer.repository';
import { isDataRejected } from '../repositories/database-errors';
import type { AlertPublisher } from './alert-publisher';
import type { EngineLoader } from './engine-loader';
import { lagOf, nextOffset } from './partition-position';
import { Abandoned } from './partition-retry';
import type { PartitionOwnership, PartitionState } from './partition-state';
import { decodeRecord } from './record-decoder';
import { processedRecords, processRun, transactionsOf, type DeadLetterReason, type DeadRecord, type RunOutcome, type RunRecord } from './run-processor';

/** Settings the run writer uses. */
export interface RunWriterSettings {
  groupId: string;
  telemetryTopic: string;
  dlqTopic: string;
  acceptancePollMs: number;
  /** See AdapterOptions.maxClockAheadMs. */
  maxClockAheadMs: number;
}

/** What the run writer works with, by name. */
export interface RunWriterDependencies {
  settings: RunWriterSettings;
  /** Holds the detection state of the endpoints of assigned partitions (loaded on demand, dropped on revocation). */
  engine: DetectionEngine;
  repo: AnalyzerRepository;
  decoder: TelemetryDecoder;
  /** Produces committed alerts (and the outbox relay's). */
  alerts: AlertPublisher;
  /** Only for the group's Kafka offset after a commit (the database holds the position). */
  consumer: KafkaBatchConsumer;
  producer: KafkaProducer;
  metrics: AnalyzerMetrics;
  log: Logger;
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
 * Writes one run of a partition's records: decoded, turned into a write set by {@link processRun}
 * and written in one transaction with the partition's next offset (see README, "exactly-once
 * effect"). Dead letters are produced before that transaction (at-least-once on the DLQ); new
 * alerts are produced after it, from an outbox that survives a crash. Failures decide what happens
 * next: a record's fault dead-letters it, a dependency's is retried, another owner's writes drop
 * the partition ({@link Abandoned}).
 */
export class RunWriter {
  constructor(
    private readonly deps: RunWriterDependencies,
    private readonly loader: EngineLoader,
    private readonly partitions: PartitionOwnership,
  ) {}

  /**
   * Write `run` in as few transactions as its records allow, iteratively: a queue of transactions to
   * attempt, where a failure caused by a record replaces the attempt (the same records with it
   * dead-lettered, or the records one by one) and nothing is committed twice.
   */
  async write(st: PartitionState, run: IncomingMessage[], control: BatchControl, highWatermark: string): Promise<void> {
    const poison: Poison = new Map();
    const queue: Transaction[] = [{ messages: run, isolated: false }];
    while (queue.length > 0) {
      if (!this.partitions.holds(st)) return; // revoked meanwhile
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
      out.push(dead ? { record: m, dead } : await this.partitions.retrying('registry', 'decoding a record', control, () => decodeRecord(this.deps.decoder, m, this.deps.settings.maxClockAheadMs)));
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
      await this.partitions.retrying('database', 'writing a batch', control, () => this.deps.repo.commit(ref, st.position, next, set), st);
    } catch (err) {
      if (err instanceof AnalyzerError && dispositionOf(err.code) === 'reload') {
        this.deps.metrics.transactions.inc({ result: 'fenced' });
        this.deps.log.warn({ partition: st.partition, expected: st.position }, 'partition advanced by another instance; dropping local state and resuming from the database');
        this.partitions.reset(st.partition);
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
      acceptances = await this.partitions.retrying('database', 'reading baseline acceptances', control, () => this.deps.repo.pendingAcceptances(owned), st);
      st.lastAcceptancePoll = now;
      for (const a of acceptances) endpoints.add(a.endpointId);
    }
    await this.loader.load(st.partition, endpoints, batches, (what, read) => this.partitions.retrying('database', what, control, read, st));
    return acceptances;
  }

  /** Produce a run's dead letters (each with its error in the headers). */
  private async produceDeadLetters(st: PartitionState, dead: DeadRecord<IncomingMessage>[], control: BatchControl): Promise<void> {
    if (dead.length === 0) return;
    const messages = dead.map((d) => deadLetter(d.record, d.dead.code, d.dead.message));
    await this.partitions.retrying('kafka', 'producing dead letters', control, () => this.deps.producer.send(this.deps.settings.dlqTopic, messages), st);
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
    this.partitions.advanced(st.partition, next, committedAt);
    control.resolve(last);
    for (const r of processed) st.endpoints.add(r.batch.endpointId);
    st.lag = lagOf(highWatermark, next);
    this.deps.metrics.lag.set({ partition: String(st.partition) }, st.lag);
    this.deps.metrics.batches.inc({ result: 'processed' }, processed.length - outcome.duplicates);
    if (outcome.duplicates > 0) {
      this.deps.metrics.batches.inc({ result: 'duplicate' }, outcome.duplicates);
      this.deps.log.info({ partition: st.partition, duplicates: outcome.duplicates }, 'second copies of batches already analysed skipped');
    }
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
      await this.deps.alerts.publish(set.alerts, (send) => this.partitions.retrying('kafka', 'producing alerts', control, send, undefined, 5));
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
}
