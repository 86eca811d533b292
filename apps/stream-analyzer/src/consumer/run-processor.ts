import { errorMessage } from '@vigil/common';
import type { DetectionEngine } from '../detection/engine';
import type { TelemetryBatch } from '../detection/telemetry';
import type { WriteSet } from '../detection/write-set-rows';
import type { AnalyzerErrorCode } from '../errors/analyzer.error';
import { eventCount } from '../kafka/telemetry-adapter';
import type { PendingAcceptance } from '../repositories/analyzer.repository';
import { isUrgentBatch, WriteSetBuilder } from './write-set';

/*
 * The run processor: what one transaction of a partition writes, computed from its records with no
 * I/O (no Kafka, no database, no clock). It changes only the engine's memory; the partition worker
 * (telemetry-consumer.ts) fetches, decodes, loads what the engine needs, writes the result and
 * decides what a failure costs.
 */

/** Why a record is a dead letter. */
export interface DeadLetterReason {
  code: AnalyzerErrorCode;
  message: string;
}

/**
 * One record of a run, decoded into a batch or already known to be a dead letter. `R` is however
 * the caller names the record (the worker: its Kafka message); the processor only hands it back.
 */
export type RunRecord<R> = { record: R; batch: TelemetryBatch } | { record: R; dead: DeadLetterReason };

/** A record of the run that was analysed. */
export type ProcessedRecord<R> = Extract<RunRecord<R>, { batch: TelemetryBatch }>;

/** A record of the run that becomes a dead letter. */
export type DeadRecord<R> = Extract<RunRecord<R>, { dead: DeadLetterReason }>;

/** What a run amounts to. */
export type RunOutcome<R> =
  /** Every record analysed or set aside: `writeSet` is the transaction, `deadLetters` go to the DLQ before it. */
  | { status: 'processed'; writeSet: WriteSet; processed: ProcessedRecord<R>[]; deadLetters: DeadRecord<R>[]; events: number; duplicates: number }
  /**
   * A detector threw on `record`. The engine's state of `staleEndpoints` may be half-updated, so the
   * run cannot simply go on: the caller reloads those endpoints and runs again with `record` dead.
   */
  | { status: 'poisoned'; record: R; batch: TelemetryBatch; dead: DeadLetterReason; error: unknown; staleEndpoints: string[] };

/** The batches of a run's records, in order, without its dead letters. */
export function processedRecords<R>(records: RunRecord<R>[]): ProcessedRecord<R>[] {
  return records.filter((r): r is ProcessedRecord<R> => 'batch' in r);
}

/**
 * Cut a run after each urgent batch (the agent's fast path: records a rule can match), so its alerts
 * are committed without waiting for the windows fetched after it.
 */
export function transactionsOf<R>(records: RunRecord<R>[]): RunRecord<R>[][] {
  const out: RunRecord<R>[][] = [];
  let current: RunRecord<R>[] = [];
  for (const r of records) {
    current.push(r);
    if ('batch' in r && isUrgentBatch(r.batch)) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Analyse one transaction's records in order: the pending `acceptances` first (the engine learns
 * what operators accepted before it judges new data), then every decoded batch. Records already
 * dead (undecodable, schema mismatch, broken invariants) are listed as dead letters and the run
 * goes on without them. The engine must hold the checkpoints of every endpoint involved.
 */
export function processRun<R>(engine: DetectionEngine, records: RunRecord<R>[], acceptances: PendingAcceptance[] = []): RunOutcome<R> {
  const builder = new WriteSetBuilder();
  for (const a of acceptances) {
    if (a.programKey && a.acceptance && engine.accept(a.endpointId, a.programKey, a.acceptance, a.time)) builder.touch(a.endpointId, a.programKey);
    if (a.alertId && engine.closeTree(a.endpointId, a.alertId)) builder.touchEndpoint(a.endpointId);
    builder.accepted(a.id);
  }
  const processed = processedRecords(records);
  let events = 0;
  let duplicates = 0;
  for (const r of processed) {
    let result;
    try {
      result = engine.processBatch(r.batch);
    } catch (err) {
      const staleEndpoints = [...new Set([...processed.map((p) => p.batch.endpointId), ...acceptances.map((a) => a.endpointId)])];
      return { status: 'poisoned', record: r.record, batch: r.batch, dead: { code: 'DETECTOR_FAILED', message: `a detector failed on this record: ${errorMessage(err)}` }, error: err, staleEndpoints };
    }
    // a second copy of a batch already analysed (see DetectionEngine.processBatch): its offset is
    // committed with the run, nothing else is written
    if (result.duplicate) {
      duplicates++;
      continue;
    }
    builder.add(r.batch, result);
    events += eventCount(r.batch);
  }
  const deadLetters = records.filter((r): r is DeadRecord<R> => 'dead' in r);
  return { status: 'processed', writeSet: builder.seal(engine), processed, deadLetters, events, duplicates };
}
