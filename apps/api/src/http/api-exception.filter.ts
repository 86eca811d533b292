import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable } from '@vigil/db';
import { ApiError, ApiErrorCode } from '../errors/api-error';
import type { AuditService } from '../modules/audit/audit.service';
import type { VigilRequest } from '../modules/auth/auth.decorators';

/** The JSON body of every error answer: `{"error":{"code","message","id"}}`; `id` is in the logs too. */
export interface ErrorBody {
  error: { code: string; message: string; id: string };
}

/** HTTP status of each domain error code: the only place where domain errors meet HTTP. */
export function statusOf(code: ApiErrorCode): number {
  switch (code) {
    case ApiErrorCode.ValidationFailed:
    case ApiErrorCode.WeakPassword:
      return HttpStatus.BAD_REQUEST;
    case ApiErrorCode.Unauthenticated:
    case ApiErrorCode.InvalidCredentials:
    case ApiErrorCode.TotpRequired:
      return HttpStatus.UNAUTHORIZED;
    case ApiErrorCode.CsrfFailed:
    case ApiErrorCode.Forbidden:
    case ApiErrorCode.PasswordChangeRequired:
    case ApiErrorCode.TotpEnrolmentRequired:
    case ApiErrorCode.ReauthRequired:
      return HttpStatus.FORBIDDEN;
    case ApiErrorCode.NotFound:
      return HttpStatus.NOT_FOUND;
    case ApiErrorCode.Conflict:
      return HttpStatus.CONFLICT;
    case ApiErrorCode.UnsupportedMediaType:
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case ApiErrorCode.Throttled:
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
 * Map any thrown value to a status and an error body carrying `id` (the request id the logs carry).
 * Unexpected errors never leak their message; a dependency outage (PostgreSQL unreachable or shutting
 * down, wherever in the request it showed) is 503 UNAVAILABLE with Retry-After, never 500.
 */
export function toErrorResponse(err: unknown, id: string): { status: number; body: ErrorBody; retryAfterS?: number } {
  if (err instanceof ApiError) {
    const status = statusOf(err.code);
    return { status, body: { error: { code: err.code, message: err.message, id } }, retryAfterS: err.retryAfterS ?? (status === 503 ? UNAVAILABLE_RETRY_AFTER_S : undefined) };
  }
  if (isDatabaseUnavailable(err)) {
    return { status: 503, body: { error: { code: ApiErrorCode.Unavailable, message: 'the database is unavailable; retry later', id } }, retryAfterS: UNAVAILABLE_RETRY_AFTER_S };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? [(response as { message: unknown }).message].flat().join('; ')
        : err.message;
    return { status, body: { error: { code: codeOfHttpStatus(status), message, id } } };
  }
  return { status: 500, body: { error: { code: ApiErrorCode.Internal, message: 'internal error', id } } };
}

/** Refusals that are audited (the throttled and failed logins are audited by the auth service, with the username). */
const AUDITED_DENIALS = new Set<string>([
  ApiErrorCode.Unauthenticated,
  ApiErrorCode.Forbidden,
  ApiErrorCode.CsrfFailed,
  ApiErrorCode.PasswordChangeRequired,
  ApiErrorCode.TotpEnrolmentRequired,
  ApiErrorCode.ReauthRequired,
]);

/** The id of a request: pino-http's (a UUID, see app.module.ts), so the error answer and the log lines share it. */
export function requestIdOf(req: Request): string {
  const id = (req as Request & { id?: unknown }).id;
  return typeof id === 'string' && id ? id : randomUUID();
}

/**
 * Answer an error: `{"error":{"code","message","id"}}`, one log line carrying the same id, and an
 * audit row (rate-limited) for every 401/403 refusal with the user (if any), source and route.
 */
export async function sendError(exception: unknown, req: VigilRequest, res: Response, audit: AuditService | undefined, logger: Logger): Promise<void> {
  const id = requestIdOf(req);
  const { status, body, retryAfterS } = toErrorResponse(exception, id);
  const route = `${req.method} ${(req.route as { path?: string } | undefined)?.path ?? req.path}`;
  if (status === 503) logger.warn({ errorId: id, route, err: exception instanceof Error ? exception.message : String(exception) }, body.error.message);
  else if (status >= 500) logger.error({ errorId: id, route, err: exception instanceof Error ? exception.stack ?? exception.message : String(exception) }, 'request failed');
  else logger.log({ errorId: id, route, status, code: body.error.code }, 'request refused');
  if (audit && AUDITED_DENIALS.has(body.error.code)) {
    await audit
      .recordDenial({
        action: 'auth.denied',
        actorId: req.vigil?.userId ?? null,
        actor: req.vigil?.username ?? null,
        sourceAddress: req.ip ?? null,
        target: route,
        details: { status, code: body.error.code, errorId: id, method: req.method, path: req.path },
      })
      .catch((err: unknown) => logger.error({ errorId: id, err: err instanceof Error ? err.message : String(err) }, 'could not audit a denial'));
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  if (retryAfterS !== undefined) res.setHeader('Retry-After', String(retryAfterS));
  res.status(status).json(body);
}

/** The one exception filter: domain errors and framework errors become `{"error":{"code","message","id"}}`. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  constructor(private readonly audit?: AuditService) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    await sendError(exception, http.getRequest<VigilRequest>(), http.getResponse<Response>(), this.audit, this.logger);
  }
}
