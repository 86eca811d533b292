import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { backoffDelay, errorMessage, sleep } from '@vigil/common';
import { TelemetryBatchV1Schema, avroType, type TelemetryBatch } from '@vigil/schemas';
import { CLOCK_CORRECTION_STAT, ClockOffset, shiftBatchTimes } from './clock-offset';
import { GatewayClient, type GatewayConnection, type GatewayResponse } from './gateway-client';
import { BatchSender, SendError, connectionError, errorDetail, retryAfterOf } from './sender';
import { readFileNoFollow, UnsafeSpoolPathError, writeFileNoFollow } from './no-follow';
import { Spool, type SpoolEntry } from './spool';

const gzipAsync = promisify(gzip);
/**
 * zlib level 1: on the endpoint CPU is the scarce resource. A 46,925-file window compresses to
 * 371 KiB at level 1 against 313 KiB at the default 6, in 0.21 instead of 0.54 µs per file
 * (bench/agent-pipeline; the Avro encoding itself is 0.34).
 */
export const GZIP_LEVEL = 1;

/** Minimal logger shape (pino satisfies it). */
export interface TransportLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What one delivery attempt ended in (metrics and the agent's "last delivery status"). */
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'rejected' | 'retry' | 'unreachable' | 'unauthorized' | 'tls_untrusted';

/** Hooks for the agent's metrics; every attempt and every spooled batch is reported. */
export interface TransportObserver {
  /** One POST (or schema lookup) finished; `httpStatus` 0 when there was no HTTP answer. */
  attempt?(outcome: DeliveryOutcome, httpStatus: number): void;
  /** A batch was written to the spool. */
  spooled?(bytes: number): void;
  /** The gateway took a spooled batch (202, `accepted` or `duplicate`): it is removed from the spool. */
  delivered?(entry: SpoolEntry, status: 'accepted' | 'duplicate'): void;
}

/**
 * Settings, from the agent config file (api, tls_ca, insecure_http, key, id, batch_size, spool_dir,
 * spool_max_bytes). `api` must be https:// unless `insecureHttp` (checked in the constructor).
 */
export interface TransportOptions extends GatewayConnection {
  key: string;
  endpointId: string;
  /** Most processes per batch: a larger window is split into several batches. */
  batchSize: number;
  /**
   * Largest Avro payload of one batch (default {@link MAX_BATCH_BYTES}): a chunk that encodes larger
   * is split again, so no batch ever exceeds what the gateway decompresses (VIGIL_GATEWAY_MAX_DECODED).
   */
  maxBatchBytes?: number;
  spoolDir: string;
  spoolMaxBytes: number;
  encoding?: 'gzip' | 'identity';
  /** Schema id to frame with; by default asked of the gateway (POST /v1/schemas/telemetry/lookup). */
  schemaId?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
  log?: TransportLogger;
  observer?: TransportObserver;
  /**
   * The agent's wall clock, the one its windows are stamped with (default Date.now; tests fake a
   * wrong one). The transport corrects the times it spools by the gateway's clock (see ClockOffset).
   */
  clock?: () => number;
}

/**
 * A batch refused as CLOCK_AHEAD although re-stamping with the learned offset changed nothing (its
 * times are wrong in themselves, not by the clock) is retried this often, slowly, before it is
 * dropped like any rejected batch: it must not hold the spool behind it for ever.
 */
export const MAX_UNCORRECTABLE_CLOCK_ATTEMPTS = 10;

/**
 * 8 MiB: half the gateway's default decompressed limit (15 MiB), so a batch fits whatever the
 * gateway's setting within reason. A busy build host's 10 s window (thousands of processes, each with
 * hundreds of distinct opens) encoded to more than 15 MiB in 50 processes and was refused with 413.
 */
export const MAX_BATCH_BYTES = 8 << 20;

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
  /** Outcome of the last attempt (undefined before the first). */
  lastOutcome: DeliveryOutcome | undefined;
  /** Epoch ms of the last 202 (0 = none yet). */
  lastDeliveredAt: number;
  /** Milliseconds added to the agent's times to stamp them in the gateway's clock (0: the clocks agree). */
  clockCorrectionMs: number;
  /** Spooled batches re-stamped after a 422 CLOCK_AHEAD. */
  restamped: number;
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
  private readonly client: GatewayClient;
  private readonly sender: BatchSender;
  private readonly encoding: 'gzip' | 'identity';
  private schemaId: number | undefined;
  private sequence: number;
  private reportedEvictions: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private abort = new AbortController();
  private readonly stats = { delivered: 0, duplicates: 0, rejected: 0, retries: 0, restamped: 0, lastOutcome: undefined as DeliveryOutcome | undefined, lastDeliveredAt: 0 };
  /** The gateway's clock as learned from its answers. */
  readonly clock: ClockOffset;
  /** CLOCK_AHEAD refusals of the batch at the head of the spool that re-stamping could not fix. */
  private uncorrectable = 0;
  /** Spooled batch name → the clock correction its times carry (absent: spooled by an earlier run). */
  private readonly stampedWith = new Map<string, number>();

  /** Throws TransportConfigError for plain http without `insecureHttp` (nothing is created then). */
  constructor(private readonly options: TransportOptions) {
    this.clock = new ClockOffset(options.clock);
    this.client = new GatewayClient({ ...options, onResponse: (res) => this.clock.observe(res) });
    this.encoding = options.encoding ?? 'gzip';
    this.spool = new Spool(options.spoolDir, options.spoolMaxBytes, {
      evicted: (entry, total) => {
        this.stampedWith.delete(entry.name);
        options.log?.warn({ batch: entry.name, bytes: entry.bytes, evictedTotal: total }, 'spool full: oldest batch evicted');
      },
      refused: (err) => options.log?.error({ path: err.path, reason: err.reason }, 'unsafe file in the spool: not followed, not sent'),
    });
    this.sender = new BatchSender(this.client, { key: options.key, encoding: this.encoding, timeoutMs: options.requestTimeoutMs });
    this.schemaId = options.schemaId;
    const last = Number(this.spool.newest()?.name.slice(0, 16) ?? 0);
    this.sequence = Math.max(this.readSequence(), last);
    this.reportedEvictions = this.spool.evictedTotal;
  }

  /** Counters so far. */
  statistics(): TransportStats {
    return { ...this.stats, evicted: this.spool.evictedTotal, spooledBatches: this.spool.length, spooledBytes: this.spool.bytes, clockCorrectionMs: this.clock.correctionMs };
  }

  /**
   * Spool one window as batches of at most `batchSize` processes and `maxBatchBytes` of Avro (a
   * chunk that encodes larger is halved, a single process too large is split into parts); returns
   * them (with ids and sequences). `urgent` batches are sent before the other batches waiting (see Spool).
   */
  async submit(stamped: WindowContent, urgent = false): Promise<TelemetryBatch[]> {
    // Times in the gateway's clock: a wrong endpoint clock neither gets the batch refused nor
    // misplaces its events (the correction travels in agentStats.clock_correction_ms).
    const correction = this.clock.correctionMs;
    const window = correction === 0 ? stamped : shiftBatchTimes(stamped, correction, correction);
    const maxBytes = this.options.maxBatchBytes ?? MAX_BATCH_BYTES;
    const queue: WindowContent['processes'][] = [];
    for (let i = 0; i < window.processes.length; i += this.options.batchSize) queue.push(window.processes.slice(i, i + this.options.batchSize));
    if (queue.length === 0) queue.push([]);
    const batches: TelemetryBatch[] = [];
    while (queue.length > 0) {
      const processes = queue.shift()!;
      // Evictions since the last report travel in the window's first batch: loss is always visible upstream.
      const evictedNow = batches.length === 0 ? this.spool.evictedTotal - this.reportedEvictions : 0;
      const drops = evictedNow > 0 ? { ...window.drops, spool_evicted: (window.drops.spool_evicted ?? 0) + evictedNow } : window.drops;
      // The cumulative total rides on every batch too: a delta carried by a batch that is itself
      // evicted later would be lost, the running total never is (and sequence gaps show which).
      const agentStats = { ...window.agentStats, spool_evicted_total: this.spool.evictedTotal };
      // Encoded with the next sequence number, which is taken only once the batch fits.
      const batch: TelemetryBatch = { ...window, processes, drops, agentStats, endpointId: this.options.endpointId, batchId: randomUUID(), sequence: this.sequence + 1 };
      const payload = telemetryType.toBuffer(batch);
      if (payload.length > maxBytes) {
        const parts = processes.length > 1 ? [processes.slice(0, processes.length >> 1), processes.slice(processes.length >> 1)] : splitProcess(processes[0]);
        if (parts) {
          queue.unshift(...parts);
          continue;
        }
        this.options.log?.warn({ bytes: payload.length, maxBytes }, 'one process record is larger than a batch may be and cannot be split further; sending it as it is');
      }
      this.nextSequence();
      const body = this.encoding === 'gzip' ? await gzipAsync(payload, { level: GZIP_LEVEL }) : payload;
      this.reportedEvictions += evictedNow;
      try {
        const entry = this.spool.put(batch.sequence, batch.batchId, body, urgent);
        this.stampedWith.set(entry.name, correction);
        this.options.observer?.spooled?.(body.length);
      } catch (err) {
        // Only a batch larger than the whole spool gets here: it is lost, and counted like an eviction.
        this.spool.countLost();
        this.options.log?.error({ sequence: batch.sequence, bytes: body.length, err: errorMessage(err) }, 'batch larger than the spool: dropped (counted in spool_evicted)');
      }
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
    this.client.close();
  }

  /**
   * Start-up check: reach the gateway, verify its certificate and the key, resolve the schema id.
   * Throws SendError: TLS_UNTRUSTED / UNAUTHORIZED are configuration problems the caller should
   * report loudly; RETRY means the gateway is just not reachable now (batches will be spooled).
   */
  async checkGateway(): Promise<number> {
    return this.resolveSchemaId();
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
        // The schema lookup is the first answer a starting agent gets: it teaches the clock too.
        await this.resolveSchemaId();
        // Spooled before the gateway's clock was known (or before it changed): stamp it right first.
        if (this.clock.known && this.stampedWith.get(entry.name) !== this.clock.correctionMs) this.restamp(entry);
        const result = await this.sender.send(await this.frame(entry));
        this.spool.remove(entry);
        this.stampedWith.delete(entry.name);
        this.options.observer?.delivered?.(entry, result.status);
        if (result.status === 'duplicate') this.stats.duplicates++;
        else this.stats.delivered++;
        this.stats.lastDeliveredAt = Date.now();
        this.observed(result.status, result.httpStatus);
        attempt = 0;
        this.uncorrectable = 0;
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
    const slow = Math.max(backoff, Math.min(maxMs, 10_000));
    if (err instanceof SendError) {
      switch (err.code) {
        case 'REJECTED':
          this.stats.rejected++;
          this.observed('rejected', err.status ?? 0);
          this.options.log?.error({ batch: entry.name, status: err.status, err: err.message }, 'gateway rejected a batch: dropped');
          this.spool.remove(entry);
          this.stampedWith.delete(entry.name);
          return 0;
        case 'UNAUTHORIZED':
          this.observed('unauthorized', 401);
          this.options.log?.error({ err: err.message }, 'endpoint key refused; batches kept in the spool');
          return slow;
        case 'CLOCK_AHEAD':
          this.observed('retry', 422);
          if (this.restamp(entry)) return 0;
          if (++this.uncorrectable < MAX_UNCORRECTABLE_CLOCK_ATTEMPTS) return slow;
          // Its times are ahead whatever the clock: a wrong batch, not a wrong clock.
          this.uncorrectable = 0;
          this.stats.rejected++;
          this.options.log?.error({ batch: entry.name, err: err.message, clockCorrectionMs: this.clock.correctionMs }, 'gateway refused the batch\'s times and re-stamping by the gateway\'s clock does not help: dropped');
          this.spool.remove(entry);
          this.stampedWith.delete(entry.name);
          return 0;
        case 'TLS_UNTRUSTED':
          // Logged at error on every attempt (≥ 10 s apart): an operator must see it, and the
          // server's certificate may be fixed without restarting the agent.
          this.observed('tls_untrusted', 0);
          this.options.log?.error({ api: this.options.api, err: err.message, spooledBatches: this.spool.length }, 'gateway certificate not trusted; batches kept in the spool');
          return slow;
        case 'RETRY':
          this.stats.retries++;
          this.observed(err.status === undefined ? 'unreachable' : 'retry', err.status ?? 0);
          if (attempt === 0 || attempt % 10 === 0) this.options.log?.warn({ err: err.message, spooledBatches: this.spool.length, attempt }, 'delivery failed; retrying');
          // Retry-After is the gateway's explicit instruction; a little jitter spreads a fleet.
          return err.retryAfterMs !== undefined ? err.retryAfterMs + Math.round(Math.random() * 250) : backoff;
      }
    }
    if (err instanceof UnsafeSpoolPathError) {
      // The batch's file was replaced by a link (or a device…) after it was spooled: what it points
      // at is not ours to send. The batch itself is gone, so it counts as lost (sequence gap too).
      this.options.log?.error({ batch: entry.name, path: err.path, reason: err.reason }, 'spooled batch replaced by an unsafe file: not followed, counted as lost');
      this.spool.remove(entry);
      this.spool.countLost();
      return 0;
    }
    // Spool read failure or a bug: transient as far as we can tell.
    this.stats.retries++;
    this.observed('retry', 0);
    this.options.log?.warn({ err: errorMessage(err) }, 'delivery attempt failed');
    return backoff;
  }

  /**
   * Re-stamp a spooled batch in the gateway's clock as now learned (from the 422's own `Date`, or
   * any earlier answer when the batch was spooled before the clock was known):
   * times moved by the difference from the correction the batch carries. False when that difference
   * is nothing (re-sending it as it is would be refused again).
   */
  private restamp(entry: SpoolEntry): boolean {
    const stored = this.spool.read(entry);
    const batch = telemetryType.fromBuffer(this.encoding === 'gzip' ? gunzipSync(stored) : stored) as TelemetryBatch;
    const carried = batch.agentStats[CLOCK_CORRECTION_STAT] ?? 0;
    const correction = this.clock.correctionMs;
    this.stampedWith.set(entry.name, correction);
    if (correction === carried) return false;
    const payload = telemetryType.toBuffer(shiftBatchTimes(batch, correction - carried, correction));
    this.spool.replace(entry, this.encoding === 'gzip' ? gzipSync(payload, { level: GZIP_LEVEL }) : payload);
    this.stats.restamped++;
    this.options.log?.warn({ batch: entry.name, sequence: batch.sequence, clockCorrectionMs: correction, shiftedMs: correction - carried }, 'the gateway refused the batch\'s times (the endpoint\'s clock is off): re-stamped in the gateway\'s clock and sent again');
    return true;
  }

  /** The request body for a spooled batch: wire header (magic 0, schema id) + payload. */
  private async frame(entry: SpoolEntry): Promise<Buffer> {
    const schemaId = await this.resolveSchemaId();
    const header = Buffer.alloc(5);
    header.writeUInt32BE(schemaId, 1);
    const payload = this.spool.read(entry);
    return Buffer.concat([this.encoding === 'gzip' ? gzipSync(header) : header, payload]);
  }

  private observed(outcome: DeliveryOutcome, httpStatus: number): void {
    this.stats.lastOutcome = outcome;
    this.options.observer?.attempt?.(outcome, httpStatus);
  }

  /** The schema id to frame with (asked of the gateway once, see {@link lookupTelemetrySchemaId}). */
  private async resolveSchemaId(): Promise<number> {
    if (this.schemaId !== undefined) return this.schemaId;
    this.schemaId = await lookupTelemetrySchemaId(this.client, this.options.key, this.options.requestTimeoutMs ?? 10_000);
    return this.schemaId;
  }

  private nextSequence(): number {
    this.sequence++;
    writeFileNoFollow(join(this.options.spoolDir, 'sequence'), `${this.sequence}\n`, 0o600, false);
    return this.sequence;
  }

  private readSequence(): number {
    try {
      return Number(readFileNoFollow(join(this.options.spoolDir, 'sequence')).toString('utf8').trim()) || 0;
    } catch (err) {
      if (err instanceof UnsafeSpoolPathError) this.options.log?.error({ path: err.path, reason: err.reason }, 'unsafe sequence file in the spool: ignored');
      return 0;
    }
  }
}

type ProcessRecord = WindowContent['processes'][number];

/**
 * Halve one process's lists (opens, execs, network, security events, k-grams) into two records of
 * the same process; the exact syscall counts stay with the first so nothing is counted twice.
 * Undefined when there is nothing left to halve.
 */
export function splitProcess(p: ProcessRecord | undefined): [ProcessRecord[], ProcessRecord[]] | undefined {
  if (!p) return undefined;
  const items = p.files.length + p.execs.length + p.network.length + p.security.length + p.sequences.ngrams.length;
  if (items < 2) return undefined;
  const half = <T>(xs: T[]): [T[], T[]] => [xs.slice(0, Math.ceil(xs.length / 2)), xs.slice(Math.ceil(xs.length / 2))];
  const [f1, f2] = half(p.files);
  const [e1, e2] = half(p.execs);
  const [n1, n2] = half(p.network);
  const [s1, s2] = half(p.security);
  const [g1, g2] = half(p.sequences.ngrams);
  return [
    [{ ...p, files: f1, execs: e1, network: n1, security: s1, sequences: { k: p.sequences.k, ngrams: g1 } }],
    [{ ...p, syscalls: {}, files: f2, execs: e2, network: n2, security: s2, sequences: { k: p.sequences.k, ngrams: g2 } }],
  ];
}

/**
 * The id of the agent's TelemetryBatch schema, asked of the gateway (which holds the registry
 * credentials; the agent needs only its endpoint key): POST /v1/schemas/telemetry/lookup with the
 * schema the agent encodes with, so the id is that exact schema's even after the subject evolved.
 * Throws SendError (UNAUTHORIZED, RETRY, TLS_UNTRUSTED).
 */
export async function lookupTelemetrySchemaId(client: GatewayClient, key: string, timeoutMs: number): Promise<number> {
  let res: GatewayResponse;
  try {
    res = await client.request('POST', '/v1/schemas/telemetry/lookup', { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, JSON.stringify(TelemetryBatchV1Schema), timeoutMs);
  } catch (err) {
    throw connectionError(err, client.conn.api);
  }
  if (res.status === 401) throw new SendError('UNAUTHORIZED', `gateway refused the endpoint key (${errorDetail(res.text)})`, 401);
  if (res.status === 400 || res.status === 404) throw new SendError('RETRY', `the gateway does not know this agent's TelemetryBatch schema (${res.status} ${errorDetail(res.text)})`, res.status);
  if (res.status !== 200) throw new SendError('RETRY', `schema lookup answered ${res.status} (${errorDetail(res.text)})`, res.status, retryAfterOf(res));
  return (JSON.parse(res.text) as { id: number }).id;
}

/**
 * The request body of a batch exactly as the agent sends it: Avro payload (TelemetryBatch v1) after
 * the Confluent wire header (magic 0, schema id), gzip-compressed at {@link GZIP_LEVEL} unless
 * `identity`.
 */
export async function encodeBatchBody(batch: TelemetryBatch, schemaId: number, encoding: 'gzip' | 'identity' = 'gzip'): Promise<Buffer> {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  const wire = Buffer.concat([header, telemetryType.toBuffer(batch)]);
  return encoding === 'gzip' ? gzipAsync(wire, { level: GZIP_LEVEL }) : wire;
}
