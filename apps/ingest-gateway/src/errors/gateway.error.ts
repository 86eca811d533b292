import { VigilError } from '@vigil/common';

/** Every way a request can fail; mapped to HTTP in exactly one place (http/error-mapping.ts). */
export type GatewayErrorCode =
  | 'AUTH_MISSING'
  | 'AUTH_INVALID'
  | 'BODY_TOO_LARGE'
  | 'DECODED_TOO_LARGE'
  | 'UNSUPPORTED_ENCODING'
  | 'BAD_COMPRESSION'
  | 'MALFORMED_BATCH'
  /** Decodes, but breaks the contract's invariants (libs/schemas telemetry-invariants). */
  | 'BATCH_INVALID'
  /** A time in the batch is ahead of the gateway's clock by more than VIGIL_GATEWAY_MAX_CLOCK_AHEAD (the endpoint's clock is wrong). */
  | 'CLOCK_AHEAD'
  | 'SCHEMA_UNKNOWN'
  | 'ENDPOINT_MISMATCH'
  | 'OVERLOADED'
  | 'KAFKA_UNAVAILABLE'
  | 'REGISTRY_UNAVAILABLE'
  | 'DATABASE_UNAVAILABLE'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'INTERNAL';

/** The gateway's base error: knows nothing about HTTP. */
export class GatewayError extends VigilError {
  declare readonly code: GatewayErrorCode;
  constructor(code: GatewayErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
