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
    expect(statusOf(ApiErrorCode.LockedOut)).toBe(429);
  });

  it('shapes domain errors as {"error":{"code","message"}} with Retry-After for lockouts', () => {
    const r = toErrorResponse(new ApiError(ApiErrorCode.LockedOut, 'later', { retryAfterS: 60 }));
    expect(r).toEqual({ status: 429, body: { error: { code: 'LOCKED_OUT', message: 'later' } }, retryAfterS: 60 });
  });

  it('maps framework exceptions and hides unexpected errors', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /api/nope'))).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(toErrorResponse(new BadRequestException(['a is bad', 'b is bad']))).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: 'a is bad; b is bad' } } });
    expect(toErrorResponse(new Error('password=hunter2 leaked'))).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
  });
});
