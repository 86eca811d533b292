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
  /** Too many failed logins from this address (for this account): wait Retry-After seconds. */
  Throttled = 'LOGIN_THROTTLED',
  /** The password is right; the account has a second factor: send `totp` (or a recovery code). */
  TotpRequired = 'TOTP_REQUIRED',
  /** The session may only change its password until it has (first login, after an admin reset). */
  PasswordChangeRequired = 'PASSWORD_CHANGE_REQUIRED',
  /** Admins must enrol a second factor before anything else (setting requireTotpForAdmins). */
  TotpEnrolmentRequired = 'TOTP_ENROLMENT_REQUIRED',
  /** Admin actions need a password (or TOTP) re-entry within the last few minutes: POST /api/auth/reauth. */
  ReauthRequired = 'REAUTH_REQUIRED',
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

  /** Seconds after which a retry may succeed (login throttling), sent as Retry-After. */
  readonly retryAfterS: number | undefined;
}
