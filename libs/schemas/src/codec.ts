import type { Type } from 'avsc';
import { decodeStrict } from './strict-decode';
import { avroType, type AvroSchema, type SubjectSchemas } from './registry';
import { decodeWireHeader, encodeWire } from './wire-format';

/** Encodes values of one registered schema into Confluent-framed Avro. */
export class WireEncoder<T> {
  readonly type: Type;
  constructor(
    readonly schemaId: number,
    schema: AvroSchema | Type,
  ) {
    this.type = 'toBuffer' in schema && typeof schema.toBuffer === 'function' ? (schema as Type) : avroType(schema as AvroSchema);
  }

  /** Magic byte, schema id, Avro body. Throws when `value` does not match the schema. */
  encode(value: T): Buffer {
    return encodeWire(this.schemaId, this.type.toBuffer(value));
  }
}

/**
 * Decodes Confluent-framed Avro written with any version of one subject, into the shape of
 * `reader` (the version this code was built against) — e.g. a v1 reader reads v2 data.
 */
export class WireDecoder<T> {
  private readonly reader: Type | undefined;
  constructor(
    private readonly schemas: SubjectSchemas,
    reader?: AvroSchema | Type,
  ) {
    this.reader = reader === undefined ? undefined : 'fromBuffer' in reader && typeof reader.fromBuffer === 'function' ? (reader as Type) : avroType(reader as AvroSchema);
  }

  /** Schema id and value; SchemaError WIRE_FORMAT_INVALID / SCHEMA_UNKNOWN / AVRO_INVALID / REGISTRY_UNAVAILABLE. */
  async decode(buf: Buffer): Promise<{ schemaId: number; value: T }> {
    const { schemaId, payload } = decodeWireHeader(buf);
    const writer = await this.schemas.typeOf(schemaId);
    return { schemaId, value: decodeStrict<T>(writer, payload, this.reader) };
  }
}
