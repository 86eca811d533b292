import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { backoffDelay, errorMessage, sleep } from '@vigil/common';
import { TelemetryBatchV1Schema, avroType, type TelemetryBatch } from '@vigil/schemas';
import { BatchSender, SendError } from './sender';
import { Spool, type SpoolEntry } from './spool';

const gzipAsync = promisify(gzip);

/** Minimal logger shape (pino satisfies it). */
export interface TransportLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Settings, from the agent config file (api, key, id, batch_size, spool_dir, spool_max_bytes). */
export interface TransportOptions {
  api: string;
  key: string;
  endpointId: string;
  /** Most processes per batch: a larger window is split into several batches. */
  batchSize: number;
  spoolDir: string;
  spoolMaxBytes: number;
  encoding?: 'gzip' | 'identity';
  /** Schema id to frame with; by default asked of the gateway (POST /v1/schemas/telemetry/lookup). */
  schemaId?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log?: TransportLogger;
}

/** A window's content: everything of a TelemetryBatch but what the transport assigns. */
export type WindowContent = Omit<TelemetryBatch, 'endpointId' | 'batchId' | 'sequence'>;

/** Counters for the agent's metrics. */
export interface TransportStats {
  delivered: number;
  duplicates: number;
  rejected: number;
  evicted: number;
  retries: number;
  spooledBatches: number;
  spooledBytes: number;
}

const telemetryType = avroType(TelemetryBatchV1Schema);

/**
 * The agent's side of ingest. `submit()` splits a window into batches of at most `batchSize`
 * processes, gives each a batch id and the next sequence number (persisted: gaps mean loss), encodes
 * it to Avro, compresses it and writes it to the spool. A single delivery loop sends the spool
 * oldest-first: 202 removes the batch; 429/503/network errors retry with full-jitter backoff, or
 * exactly after Retry-After; a 4xx rejection drops that batch (counted) so one bad batch cannot
 * block the rest; a refused key keeps everything and retries slowly.
 *
 * The spool holds the compressed Avro *payload*; the 5-byte wire header is added at send time as
 * its own gzip member (a multi-member gzip stream is still one valid gzip body), so batches spooled
 * while the gateway was unreachable need no schema id yet.
 */
export class AgentTransport {
  readonly spool: Spool;
  private readonly sender: BatchSender;
  private readonly encoding: 'gzip' | 'identity';
  private schemaId: number | undefined;
  private sequence: number;
  private reportedEvictions: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private abort = new AbortController();
  private readonly stats = { delivered: 0, duplicates: 0, rejected: 0, retries: 0 };

  constructor(private readonly options: TransportOptions) {
    this.encoding = options.encoding ?? 'gzip';
    this.spool = new Spool(options.spoolDir, options.spoolMaxBytes, {
      evicted: (entry, total) => options.log?.warn({ batch: entry.name, bytes: entry.bytes, evictedTotal: total }, 'spool full: oldest batch evicted'),
    });
    this.sender = new BatchSender({ api: options.api, key: options.key, encoding: this.encoding });
    this.schemaId = options.schemaId;
    const last = Number(this.spool.newest()?.name.slice(0, 16) ?? 0);
    this.sequence = Math.max(this.readSequence(), last);
    this.reportedEvictions = this.spool.evictedTotal;
  }

  /** Counters so far. */
  statistics(): TransportStats {
    return { ...this.stats, evicted: this.spool.evictedTotal, spooledBatches: this.spool.length, spooledBytes: this.spool.bytes };
  }

  /** Spool one window as ⌈processes / batchSize⌉ batches; returns them (with ids and sequences). */
  async submit(window: WindowContent): Promise<TelemetryBatch[]> {
    const chunks: WindowContent['processes'][] = [];
    for (let i = 0; i < window.processes.length; i += this.options.batchSize) chunks.push(window.processes.slice(i, i + this.options.batchSize));
    if (chunks.length === 0) chunks.push([]);
    const batches: TelemetryBatch[] = [];
    for (const [i, processes] of chunks.entries()) {
      // Evictions since the last report travel in the next batch: loss is always visible upstream.
      const evictedNow = this.spool.evictedTotal - this.reportedEvictions;
      const drops = i === 0 && evictedNow > 0 ? { ...window.drops, spool_evicted: (window.drops.spool_evicted ?? 0) + evictedNow } : window.drops;
      // The cumulative total rides on every batch too: a delta carried by a batch that is itself
      // evicted later would be lost, the running total never is (and sequence gaps show which).
      const agentStats = { ...window.agentStats, spool_evicted_total: this.spool.evictedTotal };
      const batch: TelemetryBatch = { ...window, processes, drops, agentStats, endpointId: this.options.endpointId, batchId: randomUUID(), sequence: this.nextSequence() };
      const payload = telemetryType.toBuffer(batch);
      const body = this.encoding === 'gzip' ? await gzipAsync(payload) : payload;
      this.spool.put(batch.sequence, batch.batchId, body);
      if (i === 0) this.reportedEvictions += evictedNow;
      batches.push(batch);
    }
    this.wake?.();
    return batches;
  }

  /** Start the delivery loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  /** Stop delivering; spooled batches stay on disk for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort(new Error('stopped'));
    this.wake?.();
    await this.loop?.catch(() => undefined);
  }

  /** Resolve when the spool is empty (or reject after `timeoutMs`). */
  async drained(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.spool.length > 0) {
      if (Date.now() > deadline) throw new Error(`spool still holds ${this.spool.length} batches after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      const entry = this.spool.peek();
      if (!entry) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        const result = await this.sender.send(await this.frame(entry));
        this.spool.remove(entry);
        if (result.status === 'duplicate') this.stats.duplicates++;
        else this.stats.delivered++;
        attempt = 0;
      } catch (err) {
        if (!this.running) break;
        const delay = this.onFailure(err, entry, attempt++);
        if (delay > 0) await sleep(delay, this.abort.signal).catch(() => undefined);
      }
    }
  }

  /** Decide what a failed send means; returns how long to wait before the next attempt. */
  private onFailure(err: unknown, entry: SpoolEntry, attempt: number): number {
    const maxMs = this.options.maxBackoffMs ?? 60_000;
    const backoff = backoffDelay(attempt, this.options.initialBackoffMs ?? 500, maxMs);
    if (err instanceof SendError) {
      switch (err.code) {
        case 'REJECTED':
          this.stats.rejected++;
          this.options.log?.error({ batch: entry.name, status: err.status, err: err.message }, 'gateway rejected a batch: dropped');
          this.spool.remove(entry);
          return 0;
        case 'UNAUTHORIZED':
          this.options.log?.error({ err: err.message }, 'endpoint key refused; batches kept in the spool');
          return Math.max(backoff, Math.min(maxMs, 10_000));
        case 'RETRY':
          this.stats.retries++;
          // Retry-After is the gateway's explicit instruction; a little jitter spreads a fleet.
          return err.retryAfterMs !== undefined ? err.retryAfterMs + Math.round(Math.random() * 250) : backoff;
      }
    }
    // Schema lookup or spool read failure: transient as far as we can tell.
    this.stats.retries++;
    this.options.log?.warn({ err: errorMessage(err) }, 'delivery attempt failed');
    return backoff;
  }

  /** The request body for a spooled batch: wire header (magic 0, schema id) + payload. */
  private async frame(entry: SpoolEntry): Promise<Buffer> {
    const schemaId = await this.resolveSchemaId();
    const header = Buffer.alloc(5);
    header.writeUInt32BE(schemaId, 1);
    const payload = this.spool.read(entry);
    return Buffer.concat([this.encoding === 'gzip' ? gzipSync(header) : header, payload]);
  }

  private async resolveSchemaId(): Promise<number> {
    if (this.schemaId !== undefined) return this.schemaId;
    let res: Response;
    try {
      res = await fetch(`${this.options.api.replace(/\/+$/, '')}/v1/schemas/telemetry/lookup`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(TelemetryBatchV1Schema),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new SendError('RETRY', `gateway unreachable: ${errorMessage(err)}`, undefined);
    }
    if (res.status === 401) throw new SendError('UNAUTHORIZED', 'gateway refused the endpoint key', 401);
    if (!res.ok) throw new SendError('RETRY', `schema lookup answered ${res.status}`, res.status);
    this.schemaId = ((await res.json()) as { id: number }).id;
    return this.schemaId;
  }

  private nextSequence(): number {
    this.sequence++;
    writeFileSync(join(this.options.spoolDir, 'sequence'), `${this.sequence}\n`);
    return this.sequence;
  }

  private readSequence(): number {
    try {
      return Number(readFileSync(join(this.options.spoolDir, 'sequence'), 'utf8').trim()) || 0;
    } catch {
      return 0;
    }
  }
}
