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

  it('answers a database outage with 503 and Retry-After, wherever it was thrown (pg, TypeORM-wrapped, ApiError)', () => {
    const unavailable = { status: 503, body: { error: { code: 'UNAVAILABLE', message: expect.any(String), id: 'x' } }, retryAfterS: 5 };
    expect(toErrorResponse(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'x')).toEqual(unavailable);
    expect(toErrorResponse(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), 'x')).toEqual(unavailable);
    expect(toErrorResponse(new Error('Connection terminated unexpectedly'), 'x')).toEqual(unavailable);
    expect(toErrorResponse(Object.assign(new Error('query failed'), { driverError: { code: '08006', message: 'connection failure' } }), 'x')).toEqual(unavailable);
    expect(toErrorResponse(new ApiError(ApiErrorCode.Unavailable, 'database unreachable'), 'x')).toMatchObject({ status: 503, retryAfterS: 5 });
    // the data, not the database: still a 500 that leaks nothing
    expect(toErrorResponse(Object.assign(new Error('invalid byte sequence'), { code: '22021' }), 'x')).toMatchObject({ status: 500 });
  });
});
