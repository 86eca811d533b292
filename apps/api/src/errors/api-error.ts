import { VigilError } from '@vigil/common';

/**
 * Every domain error the API raises. Services know these codes, not HTTP: the one exception filter
 * (http/api-exception.filter.ts) maps each to a status.
 */
export enum ApiErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  WeakPassword = 'WEAK_PASSWORD',
  Unauthenticated = 'UNAUTHENTICATED',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  LockedOut = 'LOCKED_OUT',
  CsrfFailed = 'CSRF_FAILED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  Unavailable = 'UNAVAILABLE',
  Internal = 'INTERNAL',
}

/** Base error of the API app. */
export class ApiError extends VigilError {
  declare readonly code: ApiErrorCode;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { retriable?: boolean; cause?: unknown; retryAfterS?: number } = {},
  ) {
    super(code, message, options);
    this.retryAfterS = options.retryAfterS;
  }

  /** Seconds after which a retry may succeed (lockouts), sent as Retry-After. */
  readonly retryAfterS: number | undefined;
}
