import { errorMessage } from '@vigil/common';
import type { BatchControl, IncomingBatch } from '@vigil/kafka';
import type { FleetCache } from '../baselines/fleet-cache';
import type { HealthState } from '../http/health';
import { EngineLoader } from './engine-loader';
import { chunks, planBatch, progressOf, type PartitionProgress } from './partition-position';
import { Abandoned, retryWhileOwned } from './partition-retry';
import type { PartitionOwnership, PartitionState } from './partition-state';
import { RunWriter, type RunWriterDependencies, type RunWriterSettings } from './run-writer';

/** Settings of the consumer loop. */
export interface ConsumerSettings extends RunWriterSettings {
  maxRecordsPerTransaction: number;
}

/** What the consumer works with, by name (built once by the service). */
export interface ConsumerDependencies extends RunWriterDependencies {
  settings: ConsumerSettings;
  fleet: FleetCache;
  health: HealthState;
}

/**
 * The telemetry consumer: joins the group, holds the state of each assigned partition, and per
 * fetched batch of one partition decides where to resume (the offset stored in the database) and
 * hands runs of records to the {@link RunWriter}, which writes each in transactions. Whatever stops
 * a run drops the partition's state, so its next batch resumes from the database.
 */
export class TelemetryConsumer {
  private readonly partitions = new Map<number, PartitionState>();
  private readonly loader: EngineLoader;
  private readonly writer: RunWriter;
  /**
   * Per assigned partition: the next offset this instance last committed and when it last moved.
   * Kept apart from PartitionState, which a failing run drops and rebuilds: a partition that fails
   * the same way again and again must still show up as not advancing.
   */
  private readonly progress = new Map<number, { next: string | null; advancedAt: number }>();
  private stopping = false;

  constructor(private readonly deps: ConsumerDependencies) {
    this.loader = new EngineLoader(deps.engine, deps.fleet, deps.repo);
    const ownership: PartitionOwnership = {
      holds: (st) => this.partitions.get(st.partition) === st,
      retrying: (dependency, what, control, fn, st, maxAttempts) => this.retrying(dependency, what, control, fn, st, maxAttempts),
      reset: (partition) => this.reset(partition),
      advanced: (partition, next, at) => this.progress.set(partition, { next, advancedAt: at }),
    };
    this.writer = new RunWriter(deps, this.loader, ownership);
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
        await this.writer.write(st, run, control, batch.highWatermark);
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

  /** Run `fn` against `dependency` until it succeeds or `st` (if given) is no longer this handler's: see {@link retryWhileOwned}. */
  private retrying<T>(dependency: string, what: string, control: BatchControl, fn: () => Promise<T>, st?: PartitionState, maxAttempts?: number): Promise<T> {
    const owned = (): boolean => !this.stopping && (!st || this.partitions.get(st.partition) === st);
    const lost = (): void => {
      if (st) this.reset(st.partition);
    };
    return retryWhileOwned(this.deps, { dependency, what, control, partition: st?.partition, owned, lost, maxAttempts }, fn);
  }
}
