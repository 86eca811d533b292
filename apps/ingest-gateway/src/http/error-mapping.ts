import type { GatewayConfig } from '../config/gateway.config';
import { GatewayError, type GatewayErrorCode } from '../errors/gateway.error';

/** HTTP status of each error code (exhaustive: a new code does not compile until mapped). */
export function statusOf(code: GatewayErrorCode): number {
  switch (code) {
    case 'AUTH_MISSING':
    case 'AUTH_INVALID':
      return 401;
    case 'ENDPOINT_MISMATCH':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'BODY_TOO_LARGE':
    case 'DECODED_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_ENCODING':
    case 'BAD_COMPRESSION':
    case 'MALFORMED_BATCH':
    case 'SCHEMA_UNKNOWN':
    case 'BAD_REQUEST':
      return 400;
    case 'BATCH_INVALID':
    case 'CLOCK_AHEAD':
      return 422;
    case 'OVERLOADED':
      return 429;
    case 'KAFKA_UNAVAILABLE':
    case 'REGISTRY_UNAVAILABLE':
    case 'DATABASE_UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
  }
}

/** Retry-After seconds for a status (429 and 503 only). */
export function retryAfterOf(status: number, config: Pick<GatewayConfig, 'retryAfterOverloadedS' | 'retryAfterUnavailableS'>): number | undefined {
  if (status === 429) return config.retryAfterOverloadedS;
  if (status === 503) return config.retryAfterUnavailableS;
  return undefined;
}

/** Fastify's own error codes (body parsing, limits) translated to ours. */
export function fromFastifyError(err: { code?: string; statusCode?: number; message: string }): GatewayError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('BODY_TOO_LARGE', 'request body exceeds the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError('BAD_REQUEST', err.message);
    default:
      if (err.statusCode === 413) return new GatewayError('BODY_TOO_LARGE', 'request body exceeds the size limit');
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return new GatewayError('BAD_REQUEST', err.message);
      return new GatewayError('INTERNAL', 'internal error', { cause: err });
  }
}
