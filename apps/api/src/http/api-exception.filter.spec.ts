import { BadRequestException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode } from '../errors/api-error';
import { statusOf, toErrorResponse } from './api-exception.filter';

describe('toErrorResponse', () => {
  it('maps every domain error code to a 4xx/5xx status', () => {
    for (const code of Object.values(ApiErrorCode)) expect(statusOf(code)).toBeGreaterThanOrEqual(400);
    expect(statusOf(ApiErrorCode.Unauthenticated)).toBe(401);
    expect(statusOf(ApiErrorCode.CsrfFailed)).toBe(403);
    expect(statusOf(ApiErrorCode.Forbidden)).toBe(403);
    expect(statusOf(ApiErrorCode.Throttled)).toBe(429);
    expect(statusOf(ApiErrorCode.ReauthRequired)).toBe(403);
  });

  it('shapes domain errors as {"error":{"code","message","id"}} with Retry-After for throttling', () => {
    const r = toErrorResponse(new ApiError(ApiErrorCode.Throttled, 'later', { retryAfterS: 60 }), 'req-1');
    expect(r).toEqual({ status: 429, body: { error: { code: 'LOGIN_THROTTLED', message: 'later', id: 'req-1' } }, retryAfterS: 60 });
  });

  it('maps framework exceptions and hides unexpected errors', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /api/nope'), 'x')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(toErrorResponse(new BadRequestException(['a is bad', 'b is bad']), 'x')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: 'a is bad; b is bad' } } });
    expect(toErrorResponse(new Error('password=hunter2 leaked'), 'x')).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error', id: 'x' } } });
  });
});
