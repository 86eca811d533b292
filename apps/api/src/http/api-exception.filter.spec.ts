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

  it('answers a database outage with 503 and Retry-After, wherever it was thrown (pg, TypeORM-wrapped, ApiError)', () => {
    const unavailable = { status: 503, body: { error: { code: 'UNAVAILABLE', message: expect.any(String) } }, retryAfterS: 5 };
    expect(toErrorResponse(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toEqual(unavailable);
    expect(toErrorResponse(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toEqual(unavailable);
    expect(toErrorResponse(new Error('Connection terminated unexpectedly'))).toEqual(unavailable);
    expect(toErrorResponse(Object.assign(new Error('query failed'), { driverError: { code: '08006', message: 'connection failure' } }))).toEqual(unavailable);
    expect(toErrorResponse(new ApiError(ApiErrorCode.Unavailable, 'database unreachable'))).toMatchObject({ status: 503, retryAfterS: 5 });
    // the data, not the database: still a 500 that leaks nothing
    expect(toErrorResponse(Object.assign(new Error('invalid byte sequence'), { code: '22021' }))).toMatchObject({ status: 500 });
  });
});
