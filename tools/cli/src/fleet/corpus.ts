import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { TelemetryBatch } from '@vigil/schemas';
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
    return b;
  });
  if (batches.length === 0) throw new Error(`${file}: no batches`);
  return batches.sort((a, b) => a.windowEnd - b.windowEnd);
}
