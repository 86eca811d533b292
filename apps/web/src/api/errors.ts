/** The API's error body: `{"error":{"code","message","id"}}` (apps/api/src/http/api-exception.filter.ts). */
interface ErrorBody {
  error?: { code?: string; message?: string; id?: string };
}

/** A request the API refused or could not answer; `status` 0 means the network failed. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }

  /** The session is missing or over: the UI shows the login form (a wrong password or code is not that). */
  get unauthenticated(): boolean {
    return this.status === 401 && !['INVALID_CREDENTIALS', 'TOTP_REQUIRED'].includes(this.code);
  }
}

/** An ApiRequestError from a failed response and its parsed body (when there was one). */
export function toApiError(status: number, body: unknown): ApiRequestError {
  const e = (body as ErrorBody | undefined)?.error;
  // The error id is what the API's logs carry: an admin can find the request from a report.
  const message = e?.message ?? `the server answered ${status}`;
  return new ApiRequestError(status, e?.code ?? `HTTP_${status}`, status >= 500 && e?.id ? `${message} (error id ${e.id})` : message);
}

/** Words for people: the server's message, or what went wrong on the way. */
export function errorText(err: unknown): string {
  if (err instanceof ApiRequestError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
