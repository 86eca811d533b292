/** The API's error body: `{"error":{"code","message"}}` (apps/api/src/http/api-exception.filter.ts). */
interface ErrorBody {
  error?: { code?: string; message?: string };
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

  /** The session is missing or over: the UI shows the login form. */
  get unauthenticated(): boolean {
    return this.status === 401;
  }
}

/** An ApiRequestError from a failed response and its parsed body (when there was one). */
export function toApiError(status: number, body: unknown): ApiRequestError {
  const e = (body as ErrorBody | undefined)?.error;
  return new ApiRequestError(status, e?.code ?? `HTTP_${status}`, e?.message ?? `the server answered ${status}`);
}

/** Words for people: the server's message, or what went wrong on the way. */
export function errorText(err: unknown): string {
  if (err instanceof ApiRequestError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
