import type { Logger } from '@vigil/common';
import { GatewayError } from '../errors/gateway.error';
import type { GatewayMetrics } from '../metrics/gateway.metrics';
import type { ProduceQueue } from '../kafka/produce-queue';
import type { BatchChecker } from './batch-checker';
import type { DedupeWindow } from './dedupe-window';
import { parseEncoding } from './decompress';

/** What an accepted request did. */
export interface IngestResult {
  batchId: string;
  sequence: number;
  /** `duplicate`: this batch id was already produced (or is being produced) — nothing new written. */
  status: 'accepted' | 'duplicate';
}

/**
 * POST /v1/batches without the HTTP: decompress within limits, check the schema id belongs to the
 * telemetry subject, decode the whole record, check the endpoint id, drop duplicates, produce and
 * wait for Kafka's ack. Throws GatewayError; never writes a record unless every check passed.
 */
export class IngestService {
  constructor(
    private readonly checker: BatchChecker,
    private readonly queue: ProduceQueue,
    private readonly dedupe: DedupeWindow,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {}

  async ingest(endpointId: string, body: unknown, contentEncoding: string | undefined): Promise<IngestResult> {
    if (!Buffer.isBuffer(body) || body.length === 0) throw new GatewayError('MALFORMED_BATCH', 'the body must be a binary Avro batch in the Confluent wire format');
    // Shed load before spending CPU on a batch that could not be produced anyway.
    this.queue.admit();
    const encoding = parseEncoding(contentEncoding);
    this.metrics.bytes.inc({ stage: 'received', encoding }, body.length);
    // Decompressed within maxDecodedBytes, schema id under the telemetry subject, whole record checked.
    const { data, identity: batch, invalid, clockAhead } = await this.checker.check(body, encoding);
    this.metrics.bytes.inc({ stage: 'decompressed', encoding }, data.length);

    if (batch.endpointId !== endpointId) {
      throw new GatewayError('ENDPOINT_MISMATCH', 'the batch names another endpoint than the key that posted it');
    }
    if (typeof batch.batchId !== 'string' || batch.batchId.length === 0 || typeof batch.sequence !== 'number') {
      throw new GatewayError('MALFORMED_BATCH', 'the batch lacks a batchId or sequence');
    }
    // A clock ahead of ours is the endpoint's clock, not its data: its own code, so the agent
    // re-stamps the batch by the offset it learns from our Date header and sends it again.
    if (invalid !== undefined && clockAhead) throw new GatewayError('CLOCK_AHEAD', `the endpoint's clock is ahead of the gateway's: ${invalid}`);
    if (invalid !== undefined) throw new GatewayError('BATCH_INVALID', `the batch breaks the telemetry contract: ${invalid}`);
    const result = { batchId: batch.batchId, sequence: batch.sequence };

    const dedupeKey = `${endpointId}/${batch.batchId}`;
    const seen = this.dedupe.get(dedupeKey);
    if (seen?.state === 'done') {
      this.metrics.batches.inc({ result: 'duplicate' });
      return { ...result, status: 'duplicate' };
    }
    if (seen?.state === 'pending') {
      // A retry of a batch still being produced: wait for that produce, never write a second copy.
      await this.queue.waitFor(seen.done);
      if (this.dedupe.get(dedupeKey)?.state === 'done') {
        this.metrics.batches.inc({ result: 'duplicate' });
        return { ...result, status: 'duplicate' };
      }
    }
    // The framed bytes are produced as received (decompressed): they are exactly what was validated.
    const ack = this.queue.produce({ key: endpointId, value: data });
    this.dedupe.track(dedupeKey, ack);
    await this.queue.waitFor(ack);
    this.metrics.batches.inc({ result: 'accepted' });
    this.log.debug({ endpointId, batchId: batch.batchId, sequence: batch.sequence, bytes: data.length }, 'batch accepted');
    return { ...result, status: 'accepted' };
  }
}
