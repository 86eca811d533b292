import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { TelemetryBatchV1Schema, avroType, checkTelemetryInvariants, type TelemetryBatch } from '@vigil/schemas';
import type { RecordedBatch } from './variation';

/** The corpus shipped with the CLI: batches of the real agent, recorded by `./vigil fleet record`. */
export const DEFAULT_CORPUS = resolve(__dirname, '..', '..', 'fixtures', 'fleet', 'corpus.jsonl.gz');

/** A batch as recorded: the per-endpoint fields (endpoint id, batch id, sequence) are dropped. */
export function toRecorded(batch: TelemetryBatch): RecordedBatch {
  const { endpointId: _e, batchId: _b, sequence: _s, ...rest } = batch;
  return rest;
}

/** Write batches as gzip-compressed JSON lines, oldest first; returns the file's size in bytes. */
export function writeCorpus(file: string, batches: RecordedBatch[]): number {
  const gz = gzipSync(batches.map((b) => JSON.stringify(b)).join('\n') + '\n', { level: 9 });
  writeFileSync(file, gz);
  return gz.length;
}

/** Read a corpus; a line that is not a batch is an error naming the line. */
export function readCorpus(file: string = DEFAULT_CORPUS): RecordedBatch[] {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
  const batches = lines.map((line, i) => {
    const b = JSON.parse(line) as RecordedBatch;
    if (typeof b.windowEnd !== 'number' || !Array.isArray(b.processes)) throw new Error(`${file}:${i + 1}: not a recorded telemetry batch`);
    // recorded before ProcessActivity.argv (schema default null) existed
    for (const p of b.processes) p.argv ??= null;
    return b;
  });
  if (batches.length === 0) throw new Error(`${file}: no batches`);
  return batches.sort((a, b) => a.windowEnd - b.windowEnd);
}

/** Linux errnos are below 4096: a return value under −4095 is no errno (the gateway's invariant too). */
const MIN_RET = -4095;
const v1 = avroType(TelemetryBatchV1Schema);

/**
 * Make a recorded batch one today's gateway accepts. The agent reports an mmap's result, which is an
 * address, in `security[].ret` cut to 32 bits (apps/agent/src/output/records.ts), so a mapped
 * address above 2 GiB arrives as a large negative number that the gateway's invariants refuse with
 * 422; such values are set to 0 (success) and counted. A batch that still breaks an invariant (at
 * its own time) is left out, with the reason. Returns the batches kept and what was done.
 */
export function conformCorpus(batches: TelemetryBatch[]): { kept: TelemetryBatch[]; repairedReturns: number; dropped: string[] } {
  let repairedReturns = 0;
  const dropped: string[] = [];
  const kept: TelemetryBatch[] = [];
  for (const b of batches) {
    const fixed: TelemetryBatch = {
      ...b,
      processes: b.processes.map((p) => ({
        ...p,
        security: p.security.map((e) => {
          if (e.ret >= MIN_RET) return e;
          repairedReturns++;
          return { ...e, ret: 0 };
        }),
      })),
    };
    try {
      checkTelemetryInvariants(v1, v1.toBuffer(fixed), { now: fixed.windowEnd, maxFutureMs: 600_000, maxPastMs: 30 * 86_400_000 });
      kept.push(fixed);
    } catch (err) {
      dropped.push(`sequence ${b.sequence}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { kept, repairedReturns, dropped };
}
