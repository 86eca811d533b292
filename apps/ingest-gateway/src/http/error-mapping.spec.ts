import { describe, expect, it } from 'vitest';
import { fromFastifyError, retryAfterOf, statusOf } from './error-mapping';

describe('error mapping', () => {
  it('maps codes to the contract statuses with Retry-After on 429/503', () => {
    expect(statusOf('AUTH_MISSING')).toBe(401);
    expect(statusOf('SCHEMA_UNKNOWN')).toBe(400);
    expect(statusOf('DECODED_TOO_LARGE')).toBe(413);
    expect(statusOf('OVERLOADED')).toBe(429);
    expect(statusOf('KAFKA_UNAVAILABLE')).toBe(503);
    const cfg = { retryAfterOverloadedS: 1, retryAfterUnavailableS: 5 };
    expect([retryAfterOf(429, cfg), retryAfterOf(503, cfg), retryAfterOf(400, cfg)]).toEqual([1, 5, undefined]);
    expect(fromFastifyError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'x' }).code).toBe('BODY_TOO_LARGE');
    expect(fromFastifyError({ message: 'boom' }).code).toBe('INTERNAL');
  });
});
