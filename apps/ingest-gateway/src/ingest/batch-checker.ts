import type { AvroType } from '@vigil/schemas';
import { checkFramed, gatewayErrorOf, wireSchemaId, type CheckedBatch, type ClockBounds } from './batch-check';
import { decompressBody, type BodyEncoding } from './decompress';

/** Decompresses and checks batch bodies (on the event loop, or in worker threads). */
export interface BatchChecker {
  /** The body decompressed within the limit and checked whole; GatewayError on any failure. */
  check(body: Buffer, encoding: BodyEncoding): Promise<CheckedBatch>;
  close(): Promise<void>;
}

/** Writer type of a schema id under the telemetry subject (SubjectSchemas.typeOf; SCHEMA_UNKNOWN otherwise). */
export type WriterLookup = (schemaId: number) => Promise<AvroType>;

/** {@link WriterLookup} with the registry's errors as GatewayErrors. */
export function gatewayWriterLookup(typeOf: WriterLookup): WriterLookup {
  return async (schemaId) => {
    try {
      return await typeOf(schemaId);
    } catch (err) {
      throw gatewayErrorOf(err);
    }
  };
}

/** Checks on the event loop (VIGIL_GATEWAY_CHECK_WORKERS=0, e.g. on a single core). */
export class InlineBatchChecker implements BatchChecker {
  constructor(
    private readonly writerOf: WriterLookup,
    private readonly maxDecodedBytes: number,
    private readonly clock: ClockBounds,
  ) {}

  async check(body: Buffer, encoding: BodyEncoding): Promise<CheckedBatch> {
    const data = await decompressBody(body, encoding, this.maxDecodedBytes);
    return checkFramed(data, await this.writerOf(wireSchemaId(data)), this.clock);
  }

  async close(): Promise<void> {}
}
