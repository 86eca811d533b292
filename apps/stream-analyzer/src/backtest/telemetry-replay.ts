import type { KafkaClient } from '@vigil/kafka';
import { SchemaError, type TelemetryBatch as AvroTelemetryBatch } from '@vigil/schemas';
import type { Alert, AlertOccurrence } from '../detection/alert';
import type { DetectionEngine } from '../detection/engine';
import { AnalyzerError } from '../errors/analyzer.error';
import { toDetectionBatch } from '../kafka/telemetry-adapter';

/** Where retained telemetry is read from. */
export interface ReplaySource {
  kafka: KafkaClient;
  topic: string;
  decoder: { decode(buf: Buffer): Promise<AvroTelemetryBatch> };
}

/** An alert the candidate engine would raise, with every occurrence it would count. */
export interface ReplayedAlert extends Alert {
  /** Findings grouped into it over the replay (what `alerts.count` holds live). */
  total: number;
}

/** What a replay produced. */
export interface ReplayResult {
  alerts: ReplayedAlert[];
  /** Batch ids replayed (the raised alerts to compare with are those of these batches). */
  batchIds: string[];
  /** Records the live consumer would dead-letter (undecodable or invalid batches). */
  rejected: number;
}

/**
 * Replay the telemetry records of [fromMs, toMs) (record timestamps: offsets by timestamp) through
 * `engine`, partition by partition in offset order as the live consumer does, so every endpoint's
 * batches reach the engine in the order they reached the live one. The engine starts from the state
 * it is given (a fresh one learns from the range's start, as a new deployment would).
 */
export async function replayTelemetry(source: ReplaySource, fromMs: number, toMs: number, engine: DetectionEngine): Promise<ReplayResult> {
  if (!(toMs > fromMs)) throw new RangeError('the replay range is empty: --to must be after --from');
  const admin = source.kafka.admin();
  await admin.connect();
  let from: Map<number, string>;
  let to: Map<number, string>;
  try {
    from = await admin.offsetsAt(source.topic, fromMs);
    to = await admin.offsetsAt(source.topic, toMs);
  } finally {
    await admin.disconnect();
  }
  const alerts = new Map<string, ReplayedAlert>();
  const batchIds: string[] = [];
  let rejected = 0;
  await source.kafka.readRange(source.topic, from, to, async (m) => {
    let batch;
    try {
      if (!m.value) throw new AnalyzerError('RECORD_UNDECODABLE', 'record has no value');
      batch = toDetectionBatch(await source.decoder.decode(m.value), m.key?.toString() ?? null);
    } catch (err) {
      if (!isRejected(err)) throw err;
      rejected++;
      return;
    }
    batchIds.push(batch.batchId);
    const r = engine.processBatch(batch);
    for (const a of r.alerts) if (!alerts.has(a.id)) alerts.set(a.id, { ...a, total: 0 });
    for (const o of r.occurrences) {
      const a = alerts.get(o.alertId);
      if (!a) continue;
      a.total += o.count;
      if (o.update) applyUpdate(a, o.update);
    }
  });
  return { alerts: [...alerts.values()].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id)), batchIds, rejected };
}

/**
 * An occurrence's re-description, as the repository applies it to the alert row (a grown burst, a
 * process tree's alert that rose): values given replace, the score only rises, an incident is set once.
 */
function applyUpdate(a: ReplayedAlert, u: NonNullable<AlertOccurrence['update']>): void {
  for (const [k, v] of Object.entries(u)) {
    if (v === undefined || v === null) continue;
    if (k === 'score') a.score = Math.max(a.score, v as number);
    else if (k === 'incidentId') a.incidentId ??= v as string;
    else (a as unknown as Record<string, unknown>)[k] = v;
  }
}

/** Errors for which the live consumer dead-letters the record (anything wrong with the record itself); outages are thrown. */
function isRejected(err: unknown): boolean {
  if (err instanceof SchemaError) return err.code !== 'REGISTRY_UNAVAILABLE';
  return err instanceof AnalyzerError;
}
