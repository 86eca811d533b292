import type { TelemetryBatch as AvroTelemetryBatch } from '@vigil/schemas';
import { AnalyzerError } from '../errors/analyzer.error';
import type { ProcessActivity, TelemetryBatch } from '../detection/telemetry';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(message: string): never {
  throw new AnalyzerError('BATCH_INVALID', message);
}

/**
 * Adapt a decoded Avro TelemetryBatch (v1 reader shape) into the detection engine's view, checking
 * what Avro cannot: ids the database keys on are uuids, the key matches the batch, the window is sane.
 * Throws AnalyzerError BATCH_INVALID (a dead letter: retrying cannot help).
 */
export function toDetectionBatch(v: AvroTelemetryBatch, key: string | null): TelemetryBatch {
  if (!UUID.test(v.endpointId)) invalid(`endpointId "${v.endpointId.slice(0, 64)}" is not a uuid`);
  if (!UUID.test(v.batchId)) invalid(`batchId "${v.batchId.slice(0, 64)}" is not a uuid`);
  if (key !== null && key !== v.endpointId) invalid('the record key names another endpoint than the batch');
  if (!Number.isFinite(v.windowEnd) || v.windowEnd <= 0) invalid('windowEnd is not a timestamp');
  if (v.windowStart > v.windowEnd) invalid('windowStart is after windowEnd');
  // the Avro record is the engine's shape field for field (hashes arrive as numbers below 2^52)
  const processes: ProcessActivity[] = v.processes;
  return {
    endpointId: v.endpointId.toLowerCase(),
    agentVersion: v.agentVersion,
    batchId: v.batchId.toLowerCase(),
    sequence: v.sequence,
    windowStart: v.windowStart,
    windowEnd: v.windowEnd,
    host: { hostname: v.host.hostname, kernel: v.host.kernel, bootId: v.host.bootId, os: v.host.os },
    processes,
    drops: v.drops,
    agentStats: v.agentStats,
  };
}

/** Events a batch carries (the unit of the events/s figures): the system calls counted in it. */
export function eventCount(b: TelemetryBatch): number {
  let n = 0;
  for (const p of b.processes) for (const c of Object.values(p.syscalls)) n += c;
  return n;
}
