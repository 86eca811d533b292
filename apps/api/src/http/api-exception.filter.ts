import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '@vigil/db';
import { ApiError, ApiErrorCode } from '../errors/api-error';

/** The JSON body of every error answer: `{"error":{"code","message"}}`. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** HTTP status of each domain error code: the only place where domain errors meet HTTP. */
export function statusOf(code: ApiErrorCode): number {
  switch (code) {
    case ApiErrorCode.ValidationFailed:
    case ApiErrorCode.WeakPassword:
      return HttpStatus.BAD_REQUEST;
    case ApiErrorCode.Unauthenticated:
    case ApiErrorCode.InvalidCredentials:
      return HttpStatus.UNAUTHORIZED;
    case ApiErrorCode.CsrfFailed:
    case ApiErrorCode.Forbidden:
      return HttpStatus.FORBIDDEN;
    case ApiErrorCode.NotFound:
      return HttpStatus.NOT_FOUND;
    case ApiErrorCode.Conflict:
      return HttpStatus.CONFLICT;
    case ApiErrorCode.UnsupportedMediaType:
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case ApiErrorCode.LockedOut:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ApiErrorCode.Unavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ApiErrorCode.Internal:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/** Codes for the framework's own HTTP exceptions (unknown route, malformed JSON body, …). */
function codeOfHttpStatus(status: number): string {
  if (status === 404) return ApiErrorCode.NotFound;
  if (status === 401) return ApiErrorCode.Unauthenticated;
  if (status === 403) return ApiErrorCode.Forbidden;
  if (status === 415) return ApiErrorCode.UnsupportedMediaType;
  if (status >= 400 && status < 500) return ApiErrorCode.ValidationFailed;
  return ApiErrorCode.Internal;
}

/** Retry-After (seconds) of a 503 that names none: a dependency outage, worth a retry shortly. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/**
 * Map any thrown value to a status and an error body. Unexpected errors never leak their message;
 * a dependency outage (PostgreSQL unreachable or shutting down, wherever in the request it showed)
 * is 503 UNAVAILABLE with Retry-After, never 500.
 */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; retryAfterS?: number } {
  if (err instanceof ApiError) {
    const status = statusOf(err.code);
    return { status, body: { error: { code: err.code, message: err.message } }, retryAfterS: err.retryAfterS ?? (status === 503 ? UNAVAILABLE_RETRY_AFTER_S : undefined) };
  }
  if (isDatabaseUnavailable(err)) {
    return { status: 503, body: { error: { code: ApiErrorCode.Unavailable, message: 'the database is unavailable; retry later' } }, retryAfterS: UNAVAILABLE_RETRY_AFTER_S };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? [(response as { message: unknown }).message].flat().join('; ')
        : err.message;
    return { status, body: { error: { code: codeOfHttpStatus(status), message } } };
  }
  return { status: 500, body: { error: { code: ApiErrorCode.Internal, message: 'internal error' } } };
}

/** The one exception filter: domain errors and framework errors become `{"error":{"code","message"}}`. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body, retryAfterS } = toErrorResponse(exception);
    if (status === 503) this.logger.warn(`${body.error.message}: ${exception instanceof Error ? exception.message : String(exception)}`);
    else if (status >= 500) this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    if (res.headersSent) {
      res.end();
      return;
    }
    if (retryAfterS !== undefined) res.setHeader('Retry-After', String(retryAfterS));
    res.status(status).json(body);
  }
}
