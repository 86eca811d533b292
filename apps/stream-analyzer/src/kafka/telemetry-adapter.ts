import type { TelemetryBatch as AvroTelemetryBatch } from '@vigil/schemas';
import { AnalyzerError } from '../errors/analyzer.error';
import type { ProcessActivity, TelemetryBatch } from '../detection/telemetry';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(message: string): never {
  throw new AnalyzerError('BATCH_INVALID', message);
}

/**
 * Replace NUL characters, in place, in every string and map key of a decoded value: PostgreSQL text
 * and jsonb refuse them (SQLSTATE 22021 / 22P05) and would otherwise make a whole batch a dead
 * letter for one cosmetic byte. U+FFFD shows where a NUL was. Returns how many strings it changed.
 */
export function replaceNul(value: unknown): number {
  let changed = 0;
  const fix = (s: string): string => {
    changed++;
    return s.replaceAll('\u0000', '\uFFFD');
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') {
          if (x.includes('\u0000')) v[i] = fix(x);
        } else if (x !== null && typeof x === 'object') walk(x);
      }
      return;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const x = o[k];
      if (typeof x === 'string') {
        if (x.includes('\u0000')) o[k] = fix(x);
      } else if (x !== null && typeof x === 'object') walk(x);
      if (k.includes('\u0000')) {
        const clean = fix(k);
        o[clean] = o[k];
        delete o[k];
      }
    }
  };
  if (value !== null && typeof value === 'object') walk(value);
  return changed;
}

/** Bounds of {@link toDetectionBatch}. */
export interface AdapterOptions {
  /** When the gateway accepted the record (its Kafka timestamp, the gateway's clock). */
  acceptedAt: number;
  /** How far a batch's window may end after `acceptedAt` (the gateway's VIGIL_GATEWAY_MAX_CLOCK_AHEAD). */
  maxClockAheadMs: number;
}

/**
 * Adapt a decoded Avro TelemetryBatch (v1 reader shape) into the detection engine's view, checking
 * what Avro cannot: ids the database keys on are uuids, the key matches the batch, the window is sane
 * and does not end after the gateway's clock by more than the allowed skew (windowEnd is the
 * endpoint's event clock: a batch from the future would end its learning period at once). NUL
 * characters are replaced (see {@link replaceNul}), in place.
 * Throws AnalyzerError BATCH_INVALID (a dead letter: retrying cannot help).
 */
export function toDetectionBatch(v: AvroTelemetryBatch, key: string | null, options?: AdapterOptions): TelemetryBatch {
  replaceNul(v);
  if (!UUID.test(v.endpointId)) invalid(`endpointId "${v.endpointId.slice(0, 64)}" is not a uuid`);
  if (!UUID.test(v.batchId)) invalid(`batchId "${v.batchId.slice(0, 64)}" is not a uuid`);
  if (key !== null && key !== v.endpointId) invalid('the record key names another endpoint than the batch');
  if (!Number.isFinite(v.windowEnd) || v.windowEnd <= 0) invalid('windowEnd is not a timestamp');
  if (v.windowStart > v.windowEnd) invalid('windowStart is after windowEnd');
  if (options && Number.isFinite(options.acceptedAt) && options.acceptedAt > 0 && v.windowEnd > options.acceptedAt + options.maxClockAheadMs) {
    invalid(`windowEnd ${new Date(v.windowEnd).toISOString()} is more than ${options.maxClockAheadMs / 1000} s after the gateway accepted the batch (${new Date(options.acceptedAt).toISOString()})`);
  }
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
