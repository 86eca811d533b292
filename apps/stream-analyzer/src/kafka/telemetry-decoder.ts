import { SchemaError, TelemetryBatchV1Schema, WireDecoder, type SubjectSchemas, type TelemetryBatch } from '@vigil/schemas';

/**
 * Decodes telemetry records (any registered version of the subject, read as v1). A schema id not
 * known yet triggers one forced refresh before it counts as a mismatch, so a version registered a
 * moment ago is never dead-lettered.
 */
export class TelemetryDecoder {
  private readonly decoder: WireDecoder<TelemetryBatch>;
  constructor(private readonly schemas: SubjectSchemas) {
    this.decoder = new WireDecoder<TelemetryBatch>(schemas, TelemetryBatchV1Schema);
  }

  /** The batch; SchemaError as WireDecoder.decode. */
  async decode(buf: Buffer): Promise<TelemetryBatch> {
    try {
      return (await this.decoder.decode(buf)).value;
    } catch (err) {
      if (!(err instanceof SchemaError) || err.code !== 'SCHEMA_UNKNOWN') throw err;
      await this.schemas.refresh();
      return (await this.decoder.decode(buf)).value;
    }
  }
}
