/** Stable codes of {@link SchemaError} (consumers map them to HTTP / dead-letter in one place). */
export type SchemaErrorCode =
  | 'WIRE_FORMAT_INVALID'
  | 'SCHEMA_UNKNOWN'
  | 'AVRO_INVALID'
  | 'SCHEMA_INCOMPATIBLE'
  | 'REGISTRY_UNAVAILABLE';

/**
 * Error of the contract layer. libs/schemas imports nothing internal, so this does not extend
 * VigilError but has the same shape (`code`, `retriable`, `cause`).
 */
export class SchemaError extends Error {
  constructor(
    readonly code: SchemaErrorCode,
    message: string,
    readonly retriable = false,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SchemaError';
  }
}
