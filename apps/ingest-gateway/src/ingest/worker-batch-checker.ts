import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@vigil/common';
import { GatewayError } from '../errors/gateway.error';
import type { CheckedBatch, ClockBounds } from './batch-check';
import type { BatchChecker, WriterLookup } from './batch-checker';
import type { CheckReply, CheckRequest, CheckWorkerData } from './check-worker.protocol';
import type { BodyEncoding } from './decompress';

/** The compiled worker script (beside this module in dist/; under Vitest, which runs src/, the built one). */
export function checkWorkerScript(): string {
  const beside = join(__dirname, 'check-worker.js');
  if (existsSync(beside)) return beside;
  const built = resolve(__dirname, '..', '..', 'dist', 'ingest', 'check-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`the batch check worker is not built (${beside}); run the gateway's build first`);
}

type Settle = { resolve: (r: CheckReply) => void; reject: (e: unknown) => void };

/** One worker thread and the requests it has not answered yet. */
interface Slot {
  worker: Worker;
  pending: Map<number, Settle>;
}

/**
 * Checks bodies in `size` worker threads (decompression + whole-record check: the CPU-heavy half
 * of a request), so the event loop only does HTTP, dedupe and Kafka. Each request goes to the
 * worker with the fewest unanswered requests. Bodies are copied once into a buffer of their own
 * and transferred, and the decompressed bytes are transferred back (no second copy).
 *
 * Workers learn writer types only from the event loop, which resolves them under the telemetry
 * subject: a worker that meets an unknown schema id hands the decompressed bytes back, and they
 * are checked again together with the resolved type. A worker that dies fails its unanswered
 * requests (INTERNAL, 500) and is replaced.
 */
export class WorkerBatchChecker implements BatchChecker {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;

  constructor(
    size: number,
    private readonly writerOf: WriterLookup,
    private readonly maxDecodedBytes: number,
    private readonly clock: ClockBounds,
    private readonly log: Logger,
    private readonly script: string = checkWorkerScript(),
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  async check(body: Buffer, encoding: BodyEncoding): Promise<CheckedBatch> {
    let reply = await this.run(new Uint8Array(body), encoding);
    if (reply.kind === 'schema') {
      const writer = await this.writerOf(reply.schemaId);
      reply = await this.run(reply.data, 'identity', { id: reply.schemaId, definition: JSON.stringify(writer.schema()) });
    }
    switch (reply.kind) {
      case 'ok':
        return { data: Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength), identity: reply.identity, ...(reply.invalid === undefined ? {} : { invalid: reply.invalid }), ...(reply.clockAhead ? { clockAhead: true } : {}) };
      case 'error':
        throw new GatewayError(reply.code, reply.message, { retriable: reply.retriable });
      case 'schema':
        throw new GatewayError('INTERNAL', `the check worker did not take schema ${reply.schemaId}`);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Send `body` (its buffer is transferred: the caller passes a copy it owns) to the least busy worker. */
  private run(body: Uint8Array, encoding: BodyEncoding, schema?: CheckRequest['schema']): Promise<CheckReply> {
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    return new Promise<CheckReply>((resolveReply, reject) => {
      slot.pending.set(id, { resolve: resolveReply, reject });
      const request: CheckRequest = { id, body, encoding, ...(schema ? { schema } : {}) };
      slot.worker.postMessage(request, [body.buffer as ArrayBuffer]);
    });
  }

  private spawn(): Slot {
    const workerData: CheckWorkerData = { maxDecodedBytes: this.maxDecodedBytes, clock: this.clock };
    const slot: Slot = { worker: new Worker(this.script, { workerData }), pending: new Map() };
    slot.worker.on('message', (reply: CheckReply) => {
      const settle = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      settle?.resolve(reply);
    });
    slot.worker.on('error', (err) => this.log.error({ err }, 'batch check worker failed'));
    slot.worker.on('exit', (code) => {
      const lost = [...slot.pending.values()];
      slot.pending.clear();
      for (const s of lost) s.reject(new GatewayError('INTERNAL', 'the batch check worker stopped'));
      if (this.closing) return;
      this.log.error({ code, lost: lost.length }, 'batch check worker exited; starting another');
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
    });
    return slot;
  }
}
